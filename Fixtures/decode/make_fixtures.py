#!/usr/bin/env python3
"""Generates HashscreenDecode's test fixtures: small, benign, synthetic images (gradients,
discs, grain) in every format and colour mode the decoder handles, the pixels Pillow's
reference decode gives for each, and a few hostile files (bombs, corrupt data).

Run from anywhere:  python3 Fixtures/decode/make_fixtures.py
Needs Pillow + numpy (the versions pinned in bench/requirements.txt). Writes
  images/<name>        the fixture files
  expected/<name>.rgb  reference RGB (pillow_reference.py's decode: the bench's reference_rgb,
                       or Pillow's draft() DCT scaling for the *_d2/_d4/_d8 rows)
  fixtures.json        one row per fixture: file, expected size, how exact the match must be,
                       or the DecodeError kind a hostile file must produce
Files Pillow cannot write (16-bit, 2/4-bit grey, Adam7, GIFs with frame offsets, animated
WebP with frame offsets, bombs) are assembled here from the format specifications
(PNG spec, GIF89a, RIFF/WebP container spec)."""
import io
import json
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")
EXPECTED = os.path.join(HERE, "expected")
W, H = 40, 32  # small: the whole fixture set stays well under 1 MB


def photo(w=W, h=H, seed=7):
    """A deterministic photo-like RGB array: gradients, two discs, grain."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 255 * xx / max(w - 1, 1)
    g = 255 * yy / max(h - 1, 1)
    b = 128 + 100 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    a = np.stack([r, g, b], axis=-1)
    for cx, cy, rad, col in ((w * 0.3, h * 0.4, h * 0.25, (250, 40, 30)), (w * 0.7, h * 0.6, h * 0.3, (20, 30, 200))):
        m = (xx - cx) ** 2 + (yy - cy) ** 2 < rad ** 2
        a[m] = col
    a = a + rng.normal(0, 6, a.shape)
    return np.clip(a + 0.5, 0, 255).astype(np.uint8)


def save_pil(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


# --------------------------------------------------------------------------- PNG writer

def png_chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def pack_rows(arr, depth, channels):
    """arr: (h, w*channels) integer samples -> list of packed row bytes."""
    h = arr.shape[0]
    rows = []
    for y in range(h):
        v = arr[y]
        if depth == 16:
            rows.append(v.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(v.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            n = len(v)
            padded = np.zeros(((n + per - 1) // per) * per, dtype=np.uint16)
            padded[:n] = v
            padded = padded.reshape(-1, per)
            byte = np.zeros(len(padded), dtype=np.uint16)
            for k in range(per):
                byte |= padded[:, k] << (8 - depth * (k + 1))
            rows.append(byte.astype(np.uint8).tobytes())
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(samples, depth, color_type, extra=b"", interlace=False, after_ihdr=b""):
    """samples: (h, w, c) integer array of stored sample values (palette indices for type 3)."""
    h, w, c = samples.shape
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size == 0:
                continue
            for row in pack_rows(sub.reshape(sub.shape[0], -1), depth, c):
                raw += b"\x00" + row
    else:
        for row in pack_rows(samples.reshape(h, -1), depth, c):
            raw += b"\x00" + row
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + after_ihdr + extra
            + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


# --------------------------------------------------------------------------- GIF writer

def lzw_uncompressed(indices, min_code_size):
    """GIF LZW data that never grows past min_code_size+1 bits: a clear code every few
    literals keeps the decoder's table small (a valid, if large, encoding)."""
    clear, eoi = 1 << min_code_size, (1 << min_code_size) + 1
    width = min_code_size + 1
    run = (1 << min_code_size) - 4
    codes = []
    for i, v in enumerate(indices):
        if i % run == 0:
            codes.append(clear)
        codes.append(int(v))
    codes.append(eoi)
    bits, nbits, out = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 0xFF)
    blocks = bytearray([min_code_size])
    for i in range(0, len(out), 255):
        part = out[i:i + 255]
        blocks += bytes([len(part)]) + part
    return bytes(blocks + b"\x00")


def gif_table(colors, bits):
    t = bytearray()
    for i in range(1 << bits):
        t += bytes(colors[i]) if i < len(colors) else b"\x00\x00\x00"
    return bytes(t)


def gif_bytes(screen, global_colors, frames, gbits=None, background=0):
    """frames: dicts with x, y, idx (h, w array), local (colour list or None), transparency,
    interlace, lbits."""
    sw, sh = screen
    out = bytearray(b"GIF89a" + struct.pack("<HH", sw, sh))
    if global_colors is not None:
        gbits = gbits or 8
        out += bytes([0x80 | ((gbits - 1) << 4) | (gbits - 1), background, 0]) + gif_table(global_colors, gbits)
    else:
        out += bytes([0, 0, 0])
    for f in frames:
        t = f.get("transparency")
        out += b"\x21\xF9\x04" + bytes([1 if t is not None else 0]) + struct.pack("<H", 10) + bytes([t or 0]) + b"\x00"
        idx = f["idx"]
        fh, fw = idx.shape
        flags = 0
        if f.get("local") is not None:
            lb = f.get("lbits", 8)
            flags |= 0x80 | (lb - 1)
        if f.get("interlace"):
            flags |= 0x40
        out += b"\x2C" + struct.pack("<HHHHB", f["x"], f["y"], fw, fh, flags)
        if f.get("local") is not None:
            out += gif_table(f["local"], f.get("lbits", 8))
        rows = idx
        if f.get("interlace"):
            order = list(range(0, fh, 8)) + list(range(4, fh, 8)) + list(range(2, fh, 4)) + list(range(1, fh, 2))
            rows = idx[order]
        out += lzw_uncompressed(rows.reshape(-1), 8)
    out += b"\x3B"
    return bytes(out)


# --------------------------------------------------------------------------- WebP container

def riff_chunks(data):
    """Chunks of a RIFF/WEBP file as (fourcc, payload)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    i, out = 12, []
    while i + 8 <= len(data):
        cc, n = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        out.append((cc, data[i + 8:i + 8 + n]))
        i += 8 + n + (n & 1)
    return out


def chunk_le(cc, payload):
    return cc + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")


def u24(v):
    return struct.pack("<I", v)[:3]


def animated_webp(canvas, frames, alpha=False):
    """frames: list of (x, y, still_webp_bytes); offsets must be even."""
    cw, ch = canvas
    body = chunk_le(b"VP8X", bytes([0x02 | (0x10 if alpha else 0), 0, 0, 0]) + u24(cw - 1) + u24(ch - 1))
    body += chunk_le(b"ANIM", b"\xff\xff\xff\xff" + struct.pack("<H", 0))
    for x, y, still in frames:
        im = Image.open(io.BytesIO(still))
        fw, fh = im.size
        payload = u24(x // 2) + u24(y // 2) + u24(fw - 1) + u24(fh - 1) + u24(100) + bytes([0x02])
        for cc, p in riff_chunks(still):
            if cc in (b"VP8 ", b"VP8L", b"ALPH"):
                payload += chunk_le(cc, p)
        body += chunk_le(b"ANMF", payload)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# --------------------------------------------------------------------------- fixtures

def build():
    rgb = photo()
    im = Image.fromarray(rgb, "RGB")
    im2 = Image.fromarray(photo(seed=8), "RGB")  # second frames of animations
    grey = np.asarray(im.convert("L"))
    yy, xx = np.mgrid[0:H, 0:W]
    alpha = np.clip(255 * (1.3 - np.sqrt(((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2)), 0, 255).astype(np.uint8)
    alpha[:4, :4] = 0  # fully transparent pixels that still carry colour
    rng = np.random.default_rng(11)
    f = {}  # name -> (bytes, tolerance note)

    # JPEG
    for sub in ("4:2:0", "4:4:4", "4:2:2"):
        f[f"jpeg_rgb_{sub.replace(':', '')}.jpg"] = save_pil(im, "JPEG", quality=88, subsampling=sub)
    f["jpeg_progressive.jpg"] = save_pil(im, "JPEG", quality=80, progressive=True)
    f["jpeg_optimized_q70.jpg"] = save_pil(im, "JPEG", quality=70, optimize=True)
    f["jpeg_grey.jpg"] = save_pil(im.convert("L"), "JPEG", quality=90)
    f["jpeg_cmyk_adobe.jpg"] = save_pil(im.convert("CMYK"), "JPEG", quality=90)
    cm = save_pil(im.convert("CMYK"), "JPEG", quality=90)
    a = cm.index(b"Adobe")
    # transform 2: the 4 channels are read as YCCK (libjpeg turns them into CMYK first)
    f["jpeg_ycck_adobe.jpg"] = cm[:a + 11] + b"\x02" + cm[a + 12:]
    # no APP14 at all: still 4-component CMYK, and Pillow still assumes Adobe polarity
    seg = a - 4
    f["jpeg_cmyk_no_adobe.jpg"] = cm[:seg] + cm[seg + 2 + struct.unpack(">H", cm[seg + 2:seg + 4])[0]:]
    ex = Image.Exif()
    ex[0x0112] = 6
    f["jpeg_exif_orientation6.jpg"] = save_pil(im, "JPEG", quality=85, exif=ex.tobytes())
    f["jpeg_restart_markers.jpg"] = save_pil(im, "JPEG", quality=85, restart_marker_blocks=2)
    f["jpeg_odd_1x1.jpg"] = save_pil(Image.fromarray(rgb[:1, :1]), "JPEG", quality=90)
    big = Image.fromarray(photo(123, 97, seed=3), "RGB")
    f["jpeg_scaling_123x97.jpg"] = save_pil(big, "JPEG", quality=90)
    # extraneous bytes between two header markers: a libjpeg warning, pixels unaffected
    j = save_pil(im, "JPEG", quality=85)
    k = j.index(b"\xff\xdb")
    f["jpeg_extraneous_bytes.jpg"] = j[:k] + b"\x00\x00\x00" + j[k:]

    # PNG
    f["png_rgb.png"] = save_pil(im, "PNG")
    rgba = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    f["png_rgba.png"] = save_pil(rgba, "PNG")
    f["png_grey.png"] = save_pil(im.convert("L"), "PNG")
    f["png_grey_alpha.png"] = save_pil(Image.fromarray(np.dstack([grey, alpha]), "LA"), "PNG")
    f["png_bilevel_1bit.png"] = save_pil(im.convert("1"), "PNG")
    p16 = im.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    f["png_palette16_4bit.png"] = save_pil(p16, "PNG", bits=4)
    p256 = im.quantize(colors=200, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    f["png_palette200.png"] = save_pil(p256, "PNG")
    f["png_palette_trns.png"] = save_pil(p256, "PNG", transparency=0)
    g2 = (grey >> 6)[..., None]
    f["png_grey_2bit.png"] = png_bytes(g2, 2, 0)
    g4 = (grey >> 4)[..., None]
    f["png_grey_4bit.png"] = png_bytes(g4, 4, 0)
    g16 = np.clip(grey.astype(np.int32) * 257 + rng.integers(-128, 128, grey.shape), 0, 65535)[..., None]
    f["png_grey16.png"] = png_bytes(g16, 16, 0)
    c16 = np.clip(rgb.astype(np.int32) * 257 + rng.integers(-128, 128, rgb.shape), 0, 65535)
    f["png_rgb16.png"] = png_bytes(c16, 16, 2)
    a16 = alpha.astype(np.int32)[..., None] * 257
    f["png_rgba16.png"] = png_bytes(np.concatenate([c16, a16], axis=2), 16, 6)
    f["png_grey_alpha16.png"] = png_bytes(np.concatenate([g16, a16], axis=2), 16, 4)
    f["png_rgb_interlaced.png"] = png_bytes(rgb.astype(np.int32), 8, 2, interlace=True)
    f["png_rgb16_interlaced.png"] = png_bytes(c16, 16, 2, interlace=True)
    # APNG: the IDAT image is Pillow's frame 0, whether or not it is part of the animation
    f["png_apng.png"] = save_pil(im, "PNG", save_all=True, append_images=[im2])
    f["png_apng_default_image.png"] = save_pil(im, "PNG", save_all=True, append_images=[im2, im], default_image=True)
    # gAMA 1.0 + tRNS on RGB: both must be ignored (Pillow ignores gamma; tRNS is alpha)
    f["png_rgb_gama_trns.png"] = png_bytes(rgb.astype(np.int32), 8, 2,
                                           after_ihdr=png_chunk(b"gAMA", struct.pack(">I", 100000))
                                           + png_chunk(b"tRNS", struct.pack(">HHH", int(rgb[0, 0, 0]), int(rgb[0, 0, 1]), int(rgb[0, 0, 2]))))
    f["png_grey16_trns.png"] = png_bytes(g16, 16, 0, after_ihdr=png_chunk(b"tRNS", struct.pack(">H", int(g16[0, 0, 0]))))

    # WebP
    f["webp_lossy.webp"] = save_pil(im, "WEBP", quality=85, method=4)
    f["webp_lossless.webp"] = save_pil(im, "WEBP", lossless=True, method=4)
    f["webp_lossy_alpha.webp"] = save_pil(rgba, "WEBP", quality=85, method=4)
    f["webp_lossless_alpha.webp"] = save_pil(rgba, "WEBP", lossless=True, exact=True)
    f["webp_animated.webp"] = save_pil(im, "WEBP", save_all=True, append_images=[im2], lossless=True, duration=100)
    small = Image.fromarray(photo(24, 16, seed=9), "RGB")
    f["webp_animated_offset.webp"] = animated_webp((W, H), [(6, 8, save_pil(small, "WEBP", lossless=True)),
                                                            (0, 0, save_pil(im2, "WEBP", lossless=True))])

    # GIF
    pal = p256.getpalette()[:3 * 256]
    colors = [tuple(pal[i:i + 3]) for i in range(0, len(pal), 3)]
    idx = np.asarray(p256)
    f["gif_still_interlaced.gif"] = save_pil(p256, "GIF", interlace=True)
    f["gif_still.gif"] = save_pil(p256, "GIF", interlace=False)
    f["gif_animated.gif"] = save_pil(p256, "GIF", save_all=True, append_images=[im2.quantize(palette=p256, dither=Image.Dither.NONE)], duration=100, loop=0)
    fidx = idx[4:24, 5:35]
    f["gif_frame_offset_transparent.gif"] = gif_bytes((W, H), colors, [
        {"x": 5, "y": 4, "idx": fidx, "transparency": int(fidx[0, 0])}])
    f["gif_frame_offset_opaque.gif"] = gif_bytes((W, H), colors, [{"x": 3, "y": 6, "idx": fidx}], background=5)
    f["gif_frame_outside_screen.gif"] = gif_bytes((20, 10), colors, [{"x": 12, "y": 2, "idx": fidx, "interlace": True}])
    local = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(256)]
    f["gif_local_palette.gif"] = gif_bytes((W, H), colors, [{"x": 0, "y": 0, "idx": idx, "local": local}])
    f["gif_no_palette.gif"] = gif_bytes((W, H), None, [{"x": 0, "y": 0, "idx": grey}])
    few = colors[:4]
    f["gif_index_past_palette.gif"] = gif_bytes((W, H), few, [{"x": 0, "y": 0, "idx": idx % 8}], gbits=2)
    ramp = [(i, i, i) for i in range(4)]  # Pillow reads an identity grey table as "no palette"
    f["gif_zero_screen.gif"] = gif_bytes((0, 0), colors, [{"x": 2, "y": 1, "idx": fidx}])
    f["gif_identity_palette.gif"] = gif_bytes((W, H), ramp, [{"x": 0, "y": 0, "idx": idx % 8}], gbits=2)

    # Hostile: huge canvas announced by a tiny file; corrupt data
    tiny = np.zeros((1, 1, 3), np.int32)
    bomb = png_bytes(tiny, 8, 2)
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    f["bomb_png_100000x100000.png"] = bomb[:8] + png_chunk(b"IHDR", ihdr) + bomb[8 + 25:]
    j = save_pil(Image.fromarray(rgb[:8, :8]), "JPEG", quality=50)
    s = j.index(b"\xff\xc0")
    f["bomb_jpeg_60000x60000.jpg"] = j[:s + 5] + struct.pack(">HH", 60000, 60000) + j[s + 9:]
    f["bomb_gif_screen_65535.gif"] = gif_bytes((65535, 65535), few, [{"x": 0, "y": 0, "idx": idx[:2, :2] % 4}], gbits=2)
    f["bomb_gif_frame_offset.gif"] = gif_bytes((4, 4), few, [{"x": 60000, "y": 60000, "idx": idx[:2, :2] % 4}], gbits=2)
    f["bomb_webp_canvas_16000.webp"] = animated_webp((16000, 16000), [(0, 0, save_pil(small, "WEBP", lossless=True))])
    j = bytearray(save_pil(im, "JPEG", quality=85))
    sos = j.index(b"\xff\xda")
    for p in range(sos + 40, len(j) - 10, 37):
        j[p] = 0xFF if j[p] != 0xFF else 0x00
        j[p + 1] = 0xD3  # stray restart markers inside the entropy-coded data
    f["corrupt_jpeg_entropy.jpg"] = bytes(j)
    p = bytearray(save_pil(im, "PNG"))
    d = p.index(b"IDAT")
    p[d + 20] ^= 0xFF  # IDAT byte flipped: the chunk CRC no longer matches
    f["corrupt_png_crc.png"] = bytes(p)
    bad = png_bytes(np.zeros((4, 4, 3), np.int32), 8, 2)
    i0 = bad.index(b"IDAT") - 4
    n = struct.unpack(">I", bad[i0:i0 + 4])[0]
    junk = b"\x78\x9c" + bytes(rng.integers(0, 256, 30, dtype=np.uint8))
    f["corrupt_png_zlib.png"] = bad[:i0] + png_chunk(b"IDAT", junk) + bad[i0 + 12 + n:]
    # LZW codes after a clear that name table entries not yet defined (code 7 when 6 is next)
    codes, bits = [4] + [7] * 7, 0
    for i, c in enumerate(codes):
        bits |= c << (3 * i)
    lzw = bytes([2, 3]) + bits.to_bytes(3, "little") + b"\x00"
    f["corrupt_gif_lzw.gif"] = (b"GIF89a" + struct.pack("<HH", 8, 8) + bytes([0x81, 0, 0]) + gif_table(few, 2)
                                + b"\x2C" + struct.pack("<HHHHB", 0, 0, 8, 8, 0) + lzw + b"\x3B")
    f["not_an_image.jpg"] = b"hello, this is a text file with a .jpg name\n"
    f["png_named_as.jpg"] = f["png_rgb.png"]
    f["tiff_header.tif"] = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 16
    return f


HOSTILE = {
    "bomb_png_100000x100000.png": "tooLarge", "bomb_jpeg_60000x60000.jpg": "tooLarge",
    "bomb_gif_screen_65535.gif": "tooLarge", "bomb_gif_frame_offset.gif": "tooLarge",
    "bomb_webp_canvas_16000.webp": "tooLarge",
    "corrupt_jpeg_entropy.jpg": "corrupt", "corrupt_png_crc.png": "corrupt",
    "corrupt_png_zlib.png": "corrupt", "corrupt_gif_lzw.gif": "corrupt",
    "not_an_image.jpg": "unknownFormat", "tiff_header.tif": "unsupportedFormat",
}


def main():
    os.makedirs(IMAGES, exist_ok=True)
    os.makedirs(EXPECTED, exist_ok=True)
    for d in (IMAGES, EXPECTED):
        for n in os.listdir(d):
            os.remove(os.path.join(d, n))
    files = build()
    for name, data in files.items():
        with open(os.path.join(IMAGES, name), "wb") as fh:
            fh.write(data)
    # Reference pixels: the same script the tests run against the reference set's mode images.
    good = [n for n in sorted(files) if n not in HOSTILE]
    rows = []
    ref = os.path.join(HERE, "pillow_reference.py")

    def reference(names, draft=None):
        tmp = os.path.join(EXPECTED, "_tmp")
        os.makedirs(tmp, exist_ok=True)
        cmd = [sys.executable, ref, tmp] + [os.path.join(IMAGES, n) for n in names]
        if draft:
            cmd += ["--draft", str(draft)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        res = [json.loads(line) for line in out.splitlines()]
        for n, r in zip(names, res):
            if "error" in r:
                sys.exit(f"Pillow refuses fixture {n}: {r['error']}")
            dest = n + (f".d{draft}" if draft else "") + ".rgb"
            os.replace(os.path.join(tmp, f"{r['index']}.rgb"), os.path.join(EXPECTED, dest))
            yield n, dest, r
        os.rmdir(tmp)

    for n, dest, r in reference(good):
        rows.append({"file": n, "expected": dest, "width": r["width"], "height": r["height"], "scale": 1})
    for d in (2, 4, 8):
        for n, dest, r in reference(["jpeg_scaling_123x97.jpg", "jpeg_rgb_420.jpg", "jpeg_grey.jpg"], draft=d):
            rows.append({"file": n, "expected": dest, "width": r["width"], "height": r["height"], "scale": d})
    for n, kind in HOSTILE.items():
        rows.append({"file": n, "error": kind})
    # Pillow decodes a JPEG with damaged entropy-coded data (libjpeg resynchronises); so do we
    # when DecodeOptions.acceptCorruptJPEGData is set
    for n, dest, r in reference(["corrupt_jpeg_entropy.jpg"]):
        rows.append({"file": n, "expected": dest, "width": r["width"], "height": r["height"], "scale": 1,
                     "accept_corrupt": True})
    import PIL
    from PIL import features
    meta = {"generator": "make_fixtures.py", "pillow": PIL.__version__, "numpy": np.__version__,
            "libjpeg_turbo": features.version("libjpeg_turbo"), "webp": features.version("webp"),
            "fixtures": rows}
    with open(os.path.join(HERE, "fixtures.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    total = sum(os.path.getsize(os.path.join(dp, n)) for dp, _, ns in os.walk(HERE) for n in ns)
    print(f"{len(files)} fixtures, {len(rows)} rows, {total} bytes under {HERE}")


if __name__ == "__main__":
    main()
