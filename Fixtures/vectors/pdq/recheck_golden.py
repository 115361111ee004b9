#!/usr/bin/env python3
"""Recomputes GOLDEN_FROM_PNG.tsv's rows for the golden PNGs kept here with pdqhash.

    python3 Fixtures/vectors/pdq/recheck_golden.py     # needs numpy, Pillow, pdqhash 0.2.8

Each PNG is read with Pillow (lossless: no decoder choice involved); mode `full` hashes the
whole RGB buffer, mode `cimg512` first resizes to exactly 512x512 by nearest neighbour
(source index floor(dst * dim / 512)) when a side is over 512, as the reference C++ file
loader does. Prints how many rows agree and every row that does not; exits 1 on a mismatch.
"""
import os
import sys

import numpy as np
import pdqhash
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
VARIANTS = ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm"]


def hex_of(bits):
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def main():
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(HERE, "GOLDEN_FROM_PNG.tsv"))
            if not line.startswith("#") and not line.startswith("file\t")]
    agree, differ, cache = 0, [], {}
    for file, _w, _h, mode, variant, want, quality in rows:
        path = os.path.join(HERE, file)
        if not os.path.exists(path):
            continue  # one of the PNGs left out (README.md)
        if (file, mode) not in cache:
            rgb = np.asarray(Image.open(path).convert("RGB"))
            h, w = rgb.shape[:2]
            if mode == "cimg512" and (w > 512 or h > 512):
                rgb = np.ascontiguousarray(rgb[(np.arange(512) * h) // 512][:, (np.arange(512) * w) // 512])
            cache[(file, mode)] = pdqhash.compute_dihedral(rgb)
        vectors, q = cache[(file, mode)]
        got = hex_of(vectors[VARIANTS.index(variant)])
        if got == want and q == int(quality):
            agree += 1
        else:
            differ.append(f"{file} {mode} {variant}: pdqhash {got} q{q}, table {want} q{quality}")
    print(f"{agree} rows agree, {len(differ)} differ")
    for d in differ:
        print(d)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
