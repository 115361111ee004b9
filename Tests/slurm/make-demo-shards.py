#!/usr/bin/env python3
"""Writes SHARDS webdataset shards (NNNNN.tar) of IMAGES samples each from the demo images
(Fixtures/demo/images, the truncated 0011.jpg included: a decode error), each image with its
KEY.json sidecar (key, url, status) as img2dataset writes it, and no parquet. Python's
standard library only (Tests/slurm runs it with the system python3).

Usage: make-demo-shards.py OUT SHARDS IMAGES
"""
import io
import json
import pathlib
import sys
import tarfile

out, shards, per_shard = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
demo = pathlib.Path(__file__).resolve().parents[2] / "Fixtures" / "demo" / "images"
images = sorted(p for p in demo.iterdir() if p.suffix in (".jpg", ".png"))
out.mkdir(parents=True, exist_ok=True)


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


n = 0
for s in range(shards):
    with tarfile.open(out / f"{s:05d}.tar", "w", format=tarfile.USTAR_FORMAT) as tar:
        for _ in range(per_shard):
            key = f"{s:05d}{n:04d}"
            image = images[(n * 7) % len(images)]
            add(tar, f"{key}{image.suffix}", image.read_bytes())
            add(tar, f"{key}.json", json.dumps({"key": key, "url": f"https://example.com/{n}.jpg", "status": "success"}).encode())
            n += 1
