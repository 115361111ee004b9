#!/usr/bin/env python3
"""Makes the img2dataset fixtures with a REAL img2dataset run over a loopback HTTP server.

What it does (everything benign: BSD-licensed sample photos of facebook/ThreatExchange
`pdq/data`, read from --data: Fixtures/vectors/pdq/data holds all of them but the three
`reg-test-input/exif-rotn` photos, so pass a checkout of the upstream `pdq/data`):

1. Builds ORIGINALS in a temporary folder: some sample photos as published (bytes unchanged) and
   some crops of them re-saved with Pillow (to get varied aspect ratios: panorama, banner, tall
   portrait, odd sizes, PNG, WebP), plus one text file named `.jpg` (img2dataset fails to decode
   it: status `failed_to_resize`). Two URLs name files that do not exist (404:
   status `failed_to_download`).
2. Serves that folder with `python3 -m http.server --bind 127.0.0.1 PORT` (loopback only).
3. Writes `urls.parquet` (columns `url`, `caption`) and runs img2dataset twice with its defaults
   (resize_mode=border, image_size=256, encode_quality=95, encode_format=jpg,
   compute_hash=sha256) except for the output format: `webdataset` then `files`.
   The exact commands are in COMMANDS below and in `provenance.json`.
4. Records the originals' hashes as downloaded: `originals.csv` (key, url, status expected,
   size, md5, sha256, PDQ with pdqhash, pHash with imagehash) and `known.csv`, a hashscreen list
   (`hash_type,hash_value,label,quality`) of md5, sha256, pdq and phash of every original that
   img2dataset stored.
5. Records the stored images: `stored.csv` (their md5/sha256, the content box img2dataset's
   albumentations transforms put the picture in, and PDQ/pHash of the whole stored image and of
   that box) and `tar_members.csv` (the shard's members as Python's tarfile lists them).
6. Writes `laion.parquet`, a LAION-like metadata file (URL, TEXT, WIDTH, HEIGHT, similarity,
   punsafe; no images) with pyarrow, in several row groups.

How the originals are hashed (what a list maker would do): Pillow opens the file as
downloaded, without applying EXIF orientation (img2dataset's cv2.IMREAD_UNCHANGED does not apply
it either), `convert("RGB")`, then `pdqhash.compute` (PDQ, quality) and `imagehash.phash`.

Run (from anywhere; needs root only for port 80, the default, so URLs carry no port):
    python3 -m venv /tmp/i2dvenv && /tmp/i2dvenv/bin/pip install img2dataset==1.47.0
    git clone --depth 1 https://github.com/facebook/ThreatExchange /tmp/threatexchange
    python3 Fixtures/img2dataset/make_fixtures.py --img2dataset /tmp/i2dvenv/bin/img2dataset \
        --data /tmp/threatexchange/pdq/data
The hashing uses the interpreter running this script (pyarrow, Pillow, pdqhash, imagehash).
"""
import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import imagehash
import numpy as np
import pdqhash
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(PACKAGE_ROOT, "Fixtures", "vectors", "pdq", "data")  # the default of --data

# The img2dataset version these fixtures were made with (checked at run time).
IMG2DATASET_VERSION = "1.47.0"

# (served name, source under DATA, crop box or None, save format or None, caption)
# A None crop and format serves the published file's bytes unchanged.
ORIGINALS = [
    ("bridge.jpg", "bridge-mods/aaa-orig.jpg", None, None, "a bridge, landscape 1600x1004"),
    ("bridge-portrait.jpg", "reg-test-input/dih/bridge-2-rotate-90.jpg", None, None, "the bridge turned, portrait 1004x1600"),
    ("bridge-thumb.jpg", "bridge-mods/shrink-a-lot.jpg", None, None, "a small thumbnail 160x100, enlarged"),
    ("bridge-square.jpg", "bridge-mods/square-512x512.jpg", None, None, "a square 512x512 (no padding)"),
    ("small-portrait.jpg", "misc-images/small.jpg", None, None, "a small portrait 224x399"),
    ("wee.jpg", "misc-images/wee.jpg", None, None, "a tiny 34x42 picture"),
    ("pen-and-coaster.png", "reg-test-input/pen-and-coaster.png", None, None, "an RGBA PNG 924x735"),
    ("texture-0003.jpg", "reg-test-input/labelme-subset/q0003.jpg", None, None, "a 256x256 texture"),
    ("texture-0746.jpg", "reg-test-input/labelme-subset/q0746.jpg", None, None, "a 256x256 texture"),
    ("texture-2821.jpg", "reg-test-input/labelme-subset/q2821.jpg", None, None, "a 256x256 texture"),
    ("grey-bridge.png", "misc-images/modes/L.png", None, None, "a greyscale PNG 1600x1004"),
    ("panorama.jpg", "reg-test-input/exif-rotn/exif-rotn-1.jpg", (0, 900, 3600, 2100), ("JPEG", (1200, 400)), "a 3:1 panorama crop"),
    ("tower.jpg", "reg-test-input/exif-rotn/exif-rotn-1.jpg", (2900, 0, 3800, 2700), ("JPEG", (300, 900)), "a 1:3 tall crop"),
    ("banner.jpg", "bridge-mods/aaa-orig.jpg", (0, 380, 1600, 700), ("JPEG", (1000, 200)), "a 5:1 banner crop"),
    ("wide.png", "reg-test-input/dih/bridge-5-flipx.jpg", (100, 100, 1500, 800), ("PNG", (800, 400)), "a 2:1 crop saved as PNG"),
    ("portrait-45.jpg", "reg-test-input/exif-rotn/exif-rotn-1.jpg", (600, 200, 2400, 2450), ("JPEG", (640, 800)), "a 4:5 portrait crop"),
    ("portrait.webp", "reg-test-input/exif-rotn/exif-rotn-1.jpg", (1500, 300, 3300, 2700), ("WEBP", (600, 800)), "a 3:4 portrait crop saved as WebP"),
    ("odd-257x131.jpg", "bridge-mods/high-contrast.jpg", (200, 150, 1228, 674), ("JPEG", (257, 131)), "an odd-sized crop 257x131"),
    ("near-square.jpg", "reg-test-input/dih/bridge-6-flipy.jpg", (300, 0, 1400, 1000), ("JPEG", (500, 455)), "a nearly square crop 500x455"),
    ("exif-rotated.jpg", "reg-test-input/exif-rotn/exif-rotn-6.jpg", None, None, "a 4032x3024 photo with EXIF orientation 6"),
    ("transparent.png", "misc-images/c.png", None, None, "an RGBA PNG 1432x812"),
    ("widescreen.jpg", "reg-test-input/exif-rotn/exif-rotn-3.jpg", (0, 500, 4032, 2768), ("JPEG", (960, 540)), "a 16:9 crop"),
]
# URLs that fail: (served name or None for a 404, caption)
FAILURES = [
    ("missing-1.jpg", None, "a picture that is gone (404)"),
    ("not-an-image.jpg", b"this is not an image, img2dataset cannot decode it\n", "a text file named .jpg"),
    ("missing-2.png", None, "another picture that is gone (404)"),
]
# Order of the URL list: failures among the successes, so keys of both kinds interleave.
FAILURE_POSITIONS = {3: 0, 9: 1, 17: 2}

COMMANDS = [
    ["{img2dataset}", "--url_list", "urls.parquet", "--input_format", "parquet", "--url_col", "url",
     "--caption_col", "caption", "--output_folder", "webdataset", "--output_format", "webdataset",
     "--processes_count", "1", "--thread_count", "4", "--enable_wandb", "False", "--compute_hash", "sha256"],
    ["{img2dataset}", "--url_list", "urls.parquet", "--input_format", "parquet", "--url_col", "url",
     "--caption_col", "caption", "--output_folder", "files", "--output_format", "files",
     "--processes_count", "1", "--thread_count", "4", "--enable_wandb", "False", "--compute_hash", "sha256"],
]

LAION_ROWS = [
    # URL, TEXT, WIDTH, HEIGHT, similarity, punsafe
    ("https://images.example.com/photos/0001.jpg", "a red bicycle leaning on a wall", 640, 480, 0.3312, 0.0021),
    ("https://images.example.com/photos/0002.jpg", "mountain lake at sunrise", 1024, 683, 0.3120, 0.0009),
    ("http://cdn.example.net/img/a/b/c.png?size=large&v=2", "logo of a bakery", 512, 512, 0.2871, 0.0113),
    ("https://images.example.com/photos/0004.jpg", "two cats on a sofa", 800, 600, 0.3501, 0.0030),
    ("https://static.example.org/gallery/IMG_2231.JPG", "a lighthouse in fog", 1200, 1600, 0.2954, 0.0005),
    ("https://images.example.com/photos/0006.jpg", None, 300, 200, 0.2811, 0.0400),
    ("http://photos.example.org:8080/p/77", "a bowl of fruit", 500, 375, 0.3050, 0.0012),
    ("https://images.example.com/photos/0008.jpg", "a city street at night", 1920, 1080, 0.3177, 0.0061),
    ("https://static.example.org/gallery/IMG_2232.JPG", "a sailing boat", 1600, 1200, 0.3222, 0.0007),
    ("https://images.example.com/photos/0010.jpg", "an old wooden door", 600, 900, 0.2990, 0.0015),
    ("https://images.example.com/photos/0011.jpg", "a plate of pasta", 700, 700, 0.3399, 0.0024),
    ("http://cdn.example.net/img/d/e.jpeg", "a snowy forest path", 1280, 853, 0.3088, 0.0003),
]
LAION_ROW_GROUP = 5


def sha(name, data):
    return hashlib.new(name, data).hexdigest()


def perceptual(data):
    """PDQ (hex), PDQ quality and pHash (hex) of an original as downloaded."""
    im = Image.open(io.BytesIO(data))
    im.load()
    rgb = im.convert("RGB")
    vec, quality = pdqhash.compute(np.asarray(rgb))
    bits = "".join("1" if b else "0" for b in vec)
    pdq = "%064x" % int(bits, 2)
    ph = str(imagehash.phash(rgb))
    return pdq, int(quality), ph, im.size


# Run with img2dataset's own interpreter: the box its resizer leaves the picture in, found by
# running the same albumentations transforms (resizer.py, resize_mode=border, image_size=256)
# on an all-black image of the original's size and finding the black rectangle.
BOX_PROBE = r"""
import json, sys
import albumentations as A, cv2, numpy as np
S = 256
for w, h in json.loads(sys.argv[1]):
    img = np.zeros((h, w, 3), np.uint8)
    inter = cv2.INTER_AREA if max(w, h) > S else cv2.INTER_LANCZOS4
    img = A.LongestMaxSize(max_size=S, interpolation=inter, p=1.0)(image=img)["image"]
    img = A.PadIfNeeded(min_height=S, min_width=S, border_mode=cv2.BORDER_CONSTANT, value=[255, 255, 255], p=1.0)(image=img)["image"]
    ys, xs = np.where(img[:, :, 0] == 0)
    print(json.dumps([int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]))
"""


def write_stored_reference(stored, img2dataset):
    """`tar_members.csv` (Python tarfile's listing of the shard) and `stored.csv`: per stored
    image, its sha256/md5, the content box (from albumentations, see BOX_PROBE) and the PDQ
    (pdqhash) and pHash (imagehash) of the whole stored image and of its content box."""
    import tarfile
    tar_path = os.path.join(HERE, "webdataset", "00000.tar")
    with tarfile.open(tar_path) as t, open(os.path.join(HERE, "tar_members.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "offset_data", "size"])
        members = t.getmembers()
        for m in members:
            w.writerow([m.name, m.offset_data, m.size])
        images = {m.name.split(".")[0]: t.extractfile(m).read() for m in members if m.name.endswith(".jpg")}
    ok = sorted((r for r in stored if r["status"] == "success"), key=lambda r: r["key"])
    sizes = [[r["original_width"], r["original_height"]] for r in ok]
    py = os.path.join(os.path.dirname(img2dataset), "python")
    boxes = subprocess.run([py, "-c", BOX_PROBE, json.dumps(sizes)], check=True, capture_output=True,
                           text=True).stdout.split("\n")
    with open(os.path.join(HERE, "stored.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["key", "width", "height", "md5", "sha256", "box", "pdq", "pdq_quality", "phash",
                    "box_pdq", "box_pdq_quality", "box_phash"])
        for r, line in zip(ok, boxes):
            data = images[r["key"]]
            x, y, bw, bh = json.loads(line)
            im = Image.open(io.BytesIO(data)).convert("RGB")
            vec, q = pdqhash.compute(np.asarray(im))
            crop = im.crop((x, y, x + bw, y + bh))
            bvec, bq = pdqhash.compute(np.asarray(crop))
            hexof = lambda v: "%064x" % int("".join("1" if b else "0" for b in v), 2)
            w.writerow([r["key"], im.width, im.height, sha("md5", data), sha("sha256", data),
                        f"{bw}x{bh}+{x}+{y}", hexof(vec), int(q), str(imagehash.phash(im)),
                        hexof(bvec), int(bq), str(imagehash.phash(crop))])


def build_originals(serve, data_dir):
    """Writes the served files; returns the URL rows in order (name, data or None, caption)."""
    missing = sorted({src for _, src, _, _, _ in ORIGINALS if not os.path.exists(os.path.join(data_dir, src))})
    if missing:
        sys.exit(f"make_fixtures.py: not in {data_dir}: {', '.join(missing)}\n"
                 "pass --data with a checkout of facebook/ThreatExchange pdq/data")
    made = []
    for name, src, box, fmt, caption in ORIGINALS:
        path = os.path.join(data_dir, src)
        if box is None:
            with open(path, "rb") as f:
                data = f.read()
        else:
            im = Image.open(path).convert("RGB").crop(box).resize(fmt[1], Image.LANCZOS)
            buf = io.BytesIO()
            im.save(buf, fmt[0], **({"quality": 90} if fmt[0] in ("JPEG", "WEBP") else {}))
            data = buf.getvalue()
        made.append((name, data, caption))
    rows = list(made)
    for pos, fi in sorted(FAILURE_POSITIONS.items()):
        rows.insert(pos, FAILURES[fi])
    for name, data, _ in rows:
        if data is not None:
            with open(os.path.join(serve, name), "wb") as f:
                f.write(data)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--img2dataset", default="img2dataset", help="the img2dataset executable")
    ap.add_argument("--port", type=int, default=80, help="loopback port (80: URLs carry no port)")
    ap.add_argument("--host", default="localhost", help="host name in the URLs (resolves to 127.0.0.1)")
    ap.add_argument("--data", default=DATA, help="facebook/ThreatExchange pdq/data (default: the repository's copy)")
    args = ap.parse_args()

    version = subprocess.run([os.path.join(os.path.dirname(args.img2dataset), "python"), "-c",
                              "import importlib.metadata as m; print(m.version('img2dataset'))"],
                             capture_output=True, text=True).stdout.strip() if os.path.dirname(args.img2dataset) else "?"
    if version != IMG2DATASET_VERSION:
        print(f"warning: img2dataset {version}, fixtures were made with {IMG2DATASET_VERSION}", file=sys.stderr)

    work = tempfile.mkdtemp(prefix="i2d-fixtures-")
    serve = os.path.join(work, "serve")
    os.makedirs(serve)
    server = None
    try:
        rows = build_originals(serve, args.data)
        base = f"http://{args.host}" + ("" if args.port == 80 else f":{args.port}")
        urls = [f"{base}/{name}" for name, _, _ in rows]
        table = pa.table({"url": urls, "caption": [c for _, _, c in rows]})
        pq.write_table(table, os.path.join(work, "urls.parquet"))

        server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(args.port)],
                                  cwd=serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/{rows[0][0]}", timeout=1).read()
                break
            except Exception:
                time.sleep(0.1)
        ran = []
        for cmd in COMMANDS:
            argv = [c.format(img2dataset=args.img2dataset) for c in cmd]
            subprocess.run(argv, cwd=work, check=True)
            ran.append(" ".join(["img2dataset"] + argv[1:]))
    finally:
        if server is not None:
            server.terminate()
            server.wait()

    # Copy the outputs (only what img2dataset wrote: shards, parquet, stats).
    for sub in ("webdataset", "files"):
        dst = os.path.join(HERE, sub)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        shutil.copytree(os.path.join(work, sub), dst)
    shutil.copy(os.path.join(work, "urls.parquet"), os.path.join(HERE, "urls.parquet"))

    # The originals' hashes, keyed as img2dataset keyed them (row order, 9-digit keys).
    stored = pq.read_table(os.path.join(HERE, "webdataset", "00000.parquet")).to_pylist()
    status = {r["url"]: r["status"] for r in stored}
    with open(os.path.join(HERE, "originals.csv"), "w", newline="") as f, \
            open(os.path.join(HERE, "known.csv"), "w", newline="") as k:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["key", "url", "status", "width", "height", "md5", "sha256", "pdq", "pdq_quality", "phash"])
        kw = csv.writer(k, lineterminator="\n")
        kw.writerow(["hash_type", "hash_value", "label", "quality"])
        for i, ((name, data, _), url) in enumerate(zip(rows, urls)):
            key = "%09d" % i
            if data is None or status[url] != "success":
                w.writerow([key, url, status[url], "", "", "", "", "", "", ""])
                continue
            pdq, quality, ph, (wd, ht) = perceptual(data)
            md5, s256 = sha("md5", data), sha("sha256", data)
            w.writerow([key, url, status[url], wd, ht, md5, s256, pdq, quality, ph])
            label = f"original {name}"
            kw.writerow(["md5", md5, label, ""])
            kw.writerow(["sha256", s256, label, ""])
            kw.writerow(["pdq", pdq, label, quality])
            kw.writerow(["phash", ph, label, ""])

    write_stored_reference(stored, args.img2dataset)

    laion = pa.table({
        "URL": [r[0] for r in LAION_ROWS],
        "TEXT": pa.array([r[1] for r in LAION_ROWS], pa.string()),
        "WIDTH": pa.array([r[2] for r in LAION_ROWS], pa.int64()),
        "HEIGHT": pa.array([r[3] for r in LAION_ROWS], pa.int64()),
        "similarity": pa.array([r[4] for r in LAION_ROWS], pa.float64()),
        "punsafe": pa.array([r[5] for r in LAION_ROWS], pa.float32()),
    })
    pq.write_table(laion, os.path.join(HERE, "laion.parquet"), row_group_size=LAION_ROW_GROUP, compression="snappy")

    with open(os.path.join(HERE, "provenance.json"), "w") as f:
        json.dump({
            "img2dataset": version,
            "python": sys.version.split()[0],
            "commands": ran,
            "served_from": f"python3 -m http.server --bind 127.0.0.1 {args.port}",
            "url_prefix": base,
            "originals_from": "facebook/ThreatExchange pdq/data (BSD; all but reg-test-input/exif-rotn are in Fixtures/vectors/pdq/data)",
            "hashes_of_originals": "md5/sha256 of the served bytes; PDQ: pdqhash %s on Pillow %s convert('RGB'); pHash: imagehash %s"
                                   % (getattr(pdqhash, "__version__", "0.2.8"), Image.__version__, imagehash.__version__),
        }, f, indent=2)
        f.write("\n")
    shutil.rmtree(work)
    print("fixtures written to", HERE)


if __name__ == "__main__":
    main()
