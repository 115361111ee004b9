import sys, json, base64, glob, os
import numpy as np, imagehash
from PIL import Image
rng = np.random.default_rng(7)
out = []
def emit(name, im, include_pixels):
    rec = {"name": name, "phash": str(imagehash.phash(im)), "dhash": str(imagehash.dhash(im)), "ahash": str(imagehash.average_hash(im))}
    if include_pixels:
        rgb = np.asarray(im.convert("RGB"))
        rec.update({"w": rgb.shape[1], "h": rgb.shape[0], "rgb": base64.b64encode(rgb.tobytes()).decode()})
    print(json.dumps(rec))
for p in sys.argv[1:]:
    emit(p, Image.open(p), False)
def synth(w, h, kind):
    y, x = np.mgrid[0:h, 0:w]
    if kind == "flat": a = np.full((h, w, 3), 117.0)
    elif kind == "hgrad": a = np.repeat((x * 255.0 / max(w - 1, 1))[..., None], 3, -1)
    elif kind == "vgrad": a = np.repeat((y * 255.0 / max(h - 1, 1))[..., None], 3, -1)
    elif kind == "noise": a = rng.uniform(0, 255, (h, w, 3))
    elif kind == "smooth":
        b = 128 + 70*np.sin(x/(2+w/11.0)) * np.cos(y/(3+h/9.0))
        a = np.stack([b + rng.normal(0, 15, b.shape) for _ in range(3)], -1)
    elif kind == "checker": a = np.repeat((((x // 3) + (y // 3)) % 2 * 255.0)[..., None], 3, -1)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
for (w, h) in [(1, 1), (2, 3), (8, 8), (9, 8), (32, 32), (33, 31), (7, 300), (300, 7), (64, 48), (257, 129), (640, 480), (1000, 3)]:
    for kind in ["flat", "hgrad", "vgrad", "noise", "smooth", "checker"]:
        emit(f"synthetic {kind} {w}x{h}", synth(w, h, kind), True)
