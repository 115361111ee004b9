#!/usr/bin/env python3
"""Reference RGB decode for HashscreenDecode's tests.

Decodes each file with the bench's own reference function (reference_rgb in
bench/make_dataset.py: Pillow, first frame, EXIF orientation not applied,
alpha dropped, 16-bit >> 8, then .convert('RGB')) and writes the pixels as raw RGB.

Usage: pillow_reference.py OUTDIR FILE... [--draft DENOM]
  writes OUTDIR/<i>.rgb for the i-th FILE and prints one JSON line per file:
  {"index": i, "width": w, "height": h} or {"index": i, "error": "..."}
With --draft D (JPEG only) the decode first asks Pillow for libjpeg's 1/D DCT scaling,
Pillow's `draft('RGB', (w // D, h // D))`.
"""
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.normpath(os.path.join(HERE, "..", "..", "bench"))


def load_reference():
    sys.path.insert(0, BENCH)
    from make_dataset import reference_rgb  # noqa: E402
    return reference_rgb


def main():
    args = sys.argv[1:]
    draft = None
    if "--draft" in args:
        i = args.index("--draft")
        draft = int(args[i + 1])
        del args[i:i + 2]
    out, files = args[0], args[1:]
    reference_rgb = load_reference()
    import numpy as np
    from PIL import Image
    for i, path in enumerate(files):
        try:
            with open(path, "rb") as f:
                data = f.read()
            if draft:
                im = Image.open(io.BytesIO(data))
                w, h = im.size
                im.draft("RGB", (w // draft, h // draft))
                arr = np.asarray(im.convert("RGB"))
            else:
                arr = reference_rgb(data)
            arr = np.ascontiguousarray(arr, dtype=np.uint8)
            with open(os.path.join(out, f"{i}.rgb"), "wb") as f:
                f.write(arr.tobytes())
            print(json.dumps({"index": i, "width": int(arr.shape[1]), "height": int(arr.shape[0])}))
        except Exception as e:  # the test reports which files Pillow itself refuses
            print(json.dumps({"index": i, "error": f"{type(e).__name__}: {e}"}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
