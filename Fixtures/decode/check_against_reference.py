#!/usr/bin/env python3
"""Checks pixels decoded by HashscreenDecode against the bench's reference decode.

Usage: check_against_reference.py BATCH.json
BATCH.json: [{"index": i, "file": image path, "raw": our RGB dump, "width": w, "height": h}, ...]
Prints one JSON line per entry: {"index", "max_abs", "differing", "pdq", "pdq_quality"} where
the diff is against reference_rgb (bench/make_dataset.py) of the same file and the
PDQ (pdqhash.compute, hex as the bench writes it) is of OUR pixels, for comparison with the
dataset manifest's reference hash.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pillow_reference import load_reference  # noqa: E402


def main():
    reference_rgb = load_reference()
    from make_dataset import bits_to_hex
    import numpy as np
    import pdqhash
    with open(sys.argv[1]) as f:
        batch = json.load(f)
    for e in batch:
        ours = np.fromfile(e["raw"], dtype=np.uint8).reshape(e["height"], e["width"], 3)
        with open(e["file"], "rb") as f:
            ref = reference_rgb(f.read())
        if ref.shape != ours.shape:
            print(json.dumps({"index": e["index"], "error": f"shape {ours.shape} vs reference {ref.shape}"}))
            continue
        d = np.abs(ours.astype(np.int16) - ref.astype(np.int16))
        vec, q = pdqhash.compute(ours)
        print(json.dumps({"index": e["index"], "max_abs": int(d.max()), "differing": int((d > 0).sum()),
                          "pdq": bits_to_hex(vec), "pdq_quality": int(q)}))


if __name__ == "__main__":
    main()
