#!/usr/bin/env python3
"""Generates the benign demo dataset in Fixtures/demo/ (committed; re-run to regenerate).

Synthetic pictures only (gradients, shapes, seeded noise): nothing here depicts anything.
The demo list's hashes are computed here with hashlib and pdqhash/imagehash, independently
of hashscreen, so the demo scan's matches are a real cross-check.

    python3 Fixtures/make_fixtures.py      # needs Pillow, numpy, pdqhash, imagehash
"""
import csv, hashlib, io, json, os, random
import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "demo")
IMG = os.path.join(DEMO, "images")


def picture(seed, w, h):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    fx, fy, ph = rng.uniform(1, 6, 3)
    base = np.stack([
        127 + 100 * np.sin(x / w * fx * np.pi + ph),
        127 + 100 * np.cos(y / h * fy * np.pi),
        127 + 100 * np.sin((x + y) / (w + h) * (fx + fy) * np.pi),
    ], axis=-1)
    base += rng.normal(0, 6, base.shape)
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    r = random.Random(seed)
    for _ in range(6):
        x0, y0 = r.randrange(w), r.randrange(h)
        x1, y1 = x0 + r.randrange(10, w // 2), y0 + r.randrange(10, h // 2)
        colour = tuple(r.randrange(256) for _ in range(3))
        (d.ellipse if r.random() < 0.5 else d.rectangle)([x0, y0, x1, y1], fill=colour)
    return im


def save(im, name, **kw):
    path = os.path.join(IMG, name)
    fmt = kw.pop("format", None)
    im.save(path, format=fmt, **kw)
    return path


def main():
    os.makedirs(IMG, exist_ok=True)
    for f in os.listdir(IMG):
        os.remove(os.path.join(IMG, f))
    rows = []
    specs = [  # key, file, size, format
        ("demo-0001", "0001.jpg", (320, 240), "JPEG"),
        ("demo-0002", "0002.jpg", (256, 256), "JPEG"),
        ("demo-0003", "0003.png", (200, 150), "PNG"),
        ("demo-0004", "0004.jpg", (640, 480), "JPEG"),
        ("demo-0005", "0005.png", (300, 300), "PNG"),
        ("demo-0006", "0006.jpg", (400, 300), "JPEG"),
        ("demo-0007", "0007.jpg", (240, 320), "JPEG"),
        ("demo-0008", "0008.png", (128, 128), "PNG"),
    ]
    pics = {}
    for i, (key, name, (w, h), fmt) in enumerate(specs):
        im = picture(1000 + i, w, h)
        pics[key] = im
        save(im, name, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        rows.append({"key": key, "url": f"http://example.invalid/demo/{name}", "caption": f"synthetic pattern {i + 1}", "path": f"images/{name}", "sha256": ""})
    # A re-encoded, resized copy of 0004: cryptographic hashes differ, PDQ stays close.
    small = pics["demo-0004"].resize((320, 240), Image.LANCZOS)
    save(small, "0009.jpg", format="JPEG", quality=70)
    rows.append({"key": "demo-0009", "url": "http://example.invalid/demo/0009.jpg", "caption": "resized copy of pattern 4", "path": "images/0009.jpg", "sha256": ""})
    # A PNG named .jpg: sniffed and screened normally.
    save(picture(1010, 160, 120), "0010.jpg", format="PNG")
    rows.append({"key": "demo-0010", "url": "http://example.invalid/demo/0010.jpg", "caption": "PNG with a .jpg name", "path": "images/0010.jpg", "sha256": ""})
    # A truncated JPEG: a per-sample decode error.
    buf = io.BytesIO()
    picture(1011, 320, 240).save(buf, format="JPEG", quality=90)
    with open(os.path.join(IMG, "0011.jpg"), "wb") as f:
        f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
    rows.append({"key": "demo-0011", "url": "http://example.invalid/demo/0011.jpg", "caption": "truncated file", "path": "images/0011.jpg", "sha256": ""})
    # A row whose image is not on disk but whose recorded sha256 (of the original download) is listed.
    original = io.BytesIO()
    picture(1012, 300, 200).save(original, format="PNG")
    recorded = hashlib.sha256(original.getvalue()).hexdigest()
    rows.append({"key": "demo-0012", "url": "http://example.invalid/demo/0012.png", "caption": "image not downloaded; sha256 of the original recorded", "path": "", "sha256": recorded})
    # A missing file: a per-sample read error.
    rows.append({"key": "demo-0013", "url": "http://example.invalid/demo/0013.jpg", "caption": "file missing", "path": "images/0013.jpg", "sha256": ""})

    with open(os.path.join(DEMO, "manifest.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["key", "url", "caption", "path", "sha256"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    # The demo list: the exact hashes of two images, the PDQ and pHash of a third (whose
    # resized copy 0009 should match perceptually), and the recorded sha256 of 0012.
    import pdqhash, imagehash

    def file_bytes(name):
        with open(os.path.join(IMG, name), "rb") as f:
            return f.read()

    entries = [
        ("md5", hashlib.md5(file_bytes("0002.jpg")).hexdigest(), "demo: exact md5 of 0002"),
        ("sha256", hashlib.sha256(file_bytes("0005.png")).hexdigest(), "demo: exact sha256 of 0005"),
        ("sha1", hashlib.sha1(file_bytes("0006.jpg")).hexdigest(), "demo: exact sha1 of 0006"),
        ("sha256", recorded, "demo: original download of 0012"),
    ]
    arr = np.asarray(Image.open(os.path.join(IMG, "0004.jpg")).convert("RGB"))
    vec, quality = pdqhash.compute(arr)
    bits = "".join("1" if b else "0" for b in vec)
    # pdqhash's vector is most significant bit first: the hex is the vector read as one number
    # (checked against Fixtures/vectors/pdq/GOLDEN_FROM_PNG.tsv).
    pdq_hex = "%064x" % int(bits, 2)
    entries.append(("pdq", pdq_hex, f"demo: pdq of 0004 (quality {quality})"))
    entries.append(("phash", str(imagehash.phash(Image.open(os.path.join(IMG, "0004.jpg")))), "demo: phash of 0004"))
    for i in range(20):  # decoys that match nothing
        r = random.Random(7000 + i)
        entries.append(("md5", "%032x" % r.getrandbits(128), "decoy"))
    with open(os.path.join(DEMO, "demo-list.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hash_type", "hash_value", "label"])
        w.writerows(entries)
    print("wrote", DEMO)


if __name__ == "__main__":
    main()
