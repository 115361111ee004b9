#!/usr/bin/env python3
"""Re-measures the decoding-cost bound of docs/decoding.md ("Cost bound").

    bench/decode_cost.py HASHSCREEN [--side 2048] [--repeat 5]

Writes, at SIDE x SIDE: a baseline and a progressive JPEG of a photo-like image (Pillow), a
valid progressive JPEG with exactly HS_JPEG_MAX_SCANS scans (the costliest JPEG accepted) and
one with every scan a valid progression allows (2,660, refused), a PNG and a GIF of the same
pixels; then times `HASHSCREEN hash --signals dhash FILE` (read, decode, a cheap hash), best
of REPEAT, and prints each time as a multiple of the baseline JPEG's. The unbounded cost of
the 2,660-scan file is measured with Pillow (its bundled libjpeg-turbo has no scan limit).
"""
import argparse
import io
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Fixtures", "decode"))
from make_many_scan_jpeg import many_scan_jpeg  # noqa: E402

MAX_SCANS = 100  # HS_JPEG_MAX_SCANS


def photo(side):
    """Smooth gradients plus noise: compresses like a photo, not like flat colour."""
    y, x = np.mgrid[0:side, 0:side].astype(np.float32) / side
    rng = np.random.default_rng(1)
    rgb = np.stack([x * 255, y * 255, (x + y) * 127], axis=-1) + rng.normal(0, 12, (side, side, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def best(cmd, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t)
    return min(times), r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("hashscreen")
    p.add_argument("--side", type=int, default=2048)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    d = tempfile.mkdtemp()
    im = photo(a.side)
    files = {}

    def save(name, **kw):
        b = io.BytesIO()
        (im.convert("P") if name.endswith(".gif") else im).save(b, **kw)
        files[name] = b.getvalue()

    save("baseline.jpg", format="JPEG", quality=90)
    save("progressive.jpg", format="JPEG", quality=90, progressive=True)
    save("image.png", format="PNG")
    save("image.gif", format="GIF")
    files[f"scans-{MAX_SCANS}.jpg"] = many_scan_jpeg(a.side, a.side, MAX_SCANS)
    files["scans-2660.jpg"] = many_scan_jpeg(a.side, a.side)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    empty, _ = best([a.hashscreen, "hash", "--signals", "md5", os.path.join(d, "baseline.jpg")], a.repeat)
    base = None
    print(f"{a.side} x {a.side} ({a.side * a.side / 1e6:.1f} MP); process start + md5 of the baseline file: {empty * 1000:.0f} ms")
    print(f"{'file':<18} {'bytes':>9} {'ms':>8} {'x baseline':>11}  outcome")
    for name in ["baseline.jpg", "progressive.jpg", "image.png", "image.gif", f"scans-{MAX_SCANS}.jpg", "scans-2660.jpg"]:
        t, r = best([a.hashscreen, "hash", "--signals", "dhash", os.path.join(d, name)], a.repeat)
        t -= empty  # the decode and hash, without process start
        base = base or t
        out = r.stdout.decode()
        outcome = "refused: " + out.split('"error":"')[1].split('"')[0][:60] if '"error"' in out else "decoded"
        print(f"{name:<18} {len(files[name]):>9} {t * 1000:>8.0f} {t / base:>11.1f}  {outcome}")
    t = time.perf_counter()
    Image.open(io.BytesIO(files["scans-2660.jpg"])).load()
    print(f"scans-2660.jpg decoded without a limit (Pillow): {(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
