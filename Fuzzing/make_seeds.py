#!/usr/bin/env python3
"""Seed corpora for the hashscreen-fuzz targets, cut from the repository's fixtures.

    hashscreen-fuzz --list | make_seeds.py REPO_ROOT OUT_DIR

Writes OUT_DIR/<target>/<name> for every target `hashscreen-fuzz --list` names. Seeds are copies
of (or cuts from) files under Fixtures/, plus a few small inputs built here for layouts the
fixtures lack (tar long names and pax headers, list-file layouts); nothing is downloaded.
Each target's inputs stay under its -max_len (the second column of `--list`), since libFuzzer
cuts longer ones (a Parquet file cut short loses its footer). Needs pyarrow (the parquet-pages
seeds are column chunks located through the files' metadata).
"""
import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path

import pyarrow.parquet as pq

# Largest seed per target, in bytes: the targets' -max_len, read from `hashscreen-fuzz --list`.
MAX_LEN = {}

# parquet-pages header (Sources/HashscreenFuzzEntryPoints/ParquetPageInput.swift).
PHYSICAL = ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]
CODECS = {"UNCOMPRESSED": 0, "SNAPPY": 1, "GZIP": 2, "ZSTD": 3}


class Seeds:
    def __init__(self, out: Path):
        self.out = out
        self.counts = {}

    def add(self, target: str, data: bytes, name: str):
        if target not in MAX_LEN:
            sys.exit(f"make_seeds: no target {target} in hashscreen-fuzz --list")
        if not data or len(data) > MAX_LEN[target]:
            return
        d = self.out / target
        d.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha1(data).hexdigest()[:12]
        path = d / f"{name}-{digest}"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def parquet_files(root: Path):
    for pattern in ["Fixtures/parquet/*.parquet", "Fixtures/vectors/parquet/*.parquet",
                    "Fixtures/img2dataset/*.parquet", "Fixtures/img2dataset/webdataset/*.parquet"]:
        yield from sorted(root.glob(pattern))


def page_seeds(path: Path, seeds: Seeds):
    try:
        f = pq.ParquetFile(path)
    except Exception:
        return  # the deliberately broken vectors: their bytes still seed parquet-file
    raw = path.read_bytes()
    md = f.metadata
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        for c in range(rg.num_columns):
            col = rg.column(c)
            sc = f.schema.column(c)
            if sc.max_repetition_level != 0 or "." in sc.path or sc.max_definition_level > 1:
                continue
            if col.compression not in CODECS or sc.physical_type not in PHYSICAL:
                continue
            start = col.data_page_offset
            if col.has_dictionary_page and col.dictionary_page_offset and 0 < col.dictionary_page_offset < start:
                start = col.dictionary_page_offset
            chunk = raw[start:start + col.total_compressed_size]
            rows = max(1, min(rg.num_rows, 0xFFFF))
            b0 = PHYSICAL.index(sc.physical_type) | (8 if sc.max_definition_level == 1 else 0) \
                | CODECS[col.compression] << 4 | (64 if sc.converted_type == "UTF8" else 0)
            length = sc.length if sc.physical_type == "FIXED_LEN_BYTE_ARRAY" else 0
            header = bytes([b0, rows & 0xFF, rows >> 8, min(max(length, 0), 255)])
            seeds.add("parquet-pages", header + chunk, f"{path.stem}-g{g}-c{c}")


def tar_seeds(root: Path, seeds: Seeds):
    # The fixture shard's first members, then the header layouts it lacks.
    with tarfile.open(root / "Fixtures/img2dataset/webdataset/00000.tar") as t:
        members = [m for m in t.getmembers() if m.isfile()]
    for fmt, fmt_name in [(tarfile.USTAR_FORMAT, "ustar"), (tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")]:
        for long_names in [False, True]:
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
                for i, m in enumerate(members[:4]):
                    name = m.name if not long_names or fmt == tarfile.USTAR_FORMAT else ("d" * 120 + "/" + m.name)
                    info = tarfile.TarInfo(name)
                    data = (b"%d" % i) * (1 + 37 * i)
                    info.size = len(data)
                    if fmt == tarfile.PAX_FORMAT and long_names:
                        info.pax_headers = {"comment": "x" * 40}
                    t.addfile(info, io.BytesIO(data))
                d = tarfile.TarInfo("dir/")
                d.type = tarfile.DIRTYPE
                t.addfile(d)
            seeds.add("tar", buf.getvalue(), f"{fmt_name}{'-long' if long_names else ''}")
    head = (root / "Fixtures/img2dataset/webdataset/00000.tar").read_bytes()[:MAX_LEN["tar"]]
    seeds.add("tar", head, "webdataset-head")


def text_files(root: Path, suffixes):
    for p in sorted(root.glob("Fixtures/**/*")):
        if p.is_file() and p.suffix in suffixes and p.stat().st_size <= 16384:
            yield p


LIST_SEEDS = [
    ("plain", b"# comment\npdq " + b"f" * 64 + b"\nmd5 " + b"0" * 32 + b" label one\nsha1 " + b"a" * 40 + b"\n"),
    ("table-csv", b"hash_type,hash_value,label\nmd5," + b"1" * 32 + b",\"a, label\"\npdq," + b"e" * 64 + b",x\n"),
    ("table-tsv", b"\xef\xbb\xbftype\thash\tquality\r\nsha256\t" + b"2" * 64 + b"\t80\r\nphash\t" + b"3" * 16 + b"\t\r\n"),
    ("table-space", b"type hash label\nurl https://example.com/a.jpg x\ndhash " + b"4" * 16 + b" y\n"),
    ("bare", b"" + b"5" * 32 + b"\n" + b"6" * 32 + b" lbl\n"),
    ("quoted-multiline", b"type,value,label\nmd5," + b"7" * 32 + b",\"two\nlines\"\n"),
]

# Manifests a metadata-only scan reads in blocks (no image or path column): plain records (URL,
# recorded hash) among quoted, CRLF, blank, short and unterminated ones.
DELIMITED_SEEDS = [
    ("blocks-csv", b"key,url,md5\r\nk1,https://e.com/a.jpg," + b"0" * 32 + b"\r\n\r\nk2,\"https://e.com/b,c.jpg\"," + b"1" * 32
     + b"\n\"\"\nk3,http://e/\xc3\xa9," + b"A" * 32 + b"\nk4,\"two\nlines\"," + b"2" * 32 + b"\nk5,short\nk6,\"open," + b"3" * 32),
    ("blocks-tsv", b"url\tsha256\tcaption\nhttps://e.com/x.png\t" + b"4" * 64 + b"\tc\n\t\t\nhttps://e.com/y.png\t" + b"5" * 64 + b"\t\"q\"x\n"),
]

JSONL_SEEDS = [
    ("paths", b'{"key": "a", "path": "a.jpg", "md5": "' + b"0" * 32 + b'"}\n{"path": "b.png", "url": "https://x/b.png"}\n'),
    ("hashes", b'{"id": 7, "sha256": "' + b"1" * 64 + b'", "caption": "c"}\n\n{"url": "http://e/\\u00e9"}\n'),
    ("bad", b'{"path": ["a"]}\n[1, 2]\n{"path": 1.5e3}\n{"path": "x", "path": "y"}\nnot json\n'),
]


def main():
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    for line in sys.stdin:
        name, max_len = line.split()
        MAX_LEN[name] = int(max_len)
    seeds = Seeds(out)
    for p in parquet_files(root):
        seeds.add("parquet-file", p.read_bytes(), p.stem)
        page_seeds(p, seeds)
    tar_seeds(root, seeds)
    for p in text_files(root, {".csv", ".tsv"}):
        data = p.read_bytes()
        seeds.add("delimited-manifest", data, p.stem)
        for options in range(4):
            seeds.add("csv-tokenizer", bytes([options | (1 if p.suffix == ".tsv" else 0), len(data) & 0xFF]) + data, p.stem)
        seeds.add("list-file", data, p.stem)
    for name, data in DELIMITED_SEEDS:
        seeds.add("delimited-manifest", data, name)
    for p in text_files(root, {".jsonl"}):
        seeds.add("jsonl-manifest", p.read_bytes(), p.stem)
    for name, data in JSONL_SEEDS:
        seeds.add("jsonl-manifest", data, name)
    for name, data in LIST_SEEDS:
        seeds.add("list-file", data, name)
        seeds.add("csv-tokenizer", bytes([2, 3]) + data, name)
    for pattern in ["Fixtures/decode/images/*", "Fixtures/demo/images/*", "Fixtures/img2dataset/files/00000/*",
                    "Fixtures/vectors/pdq/data/**/*", "Fixtures/vectors/pdq/golden-png/*"]:
        for p in sorted(root.glob(pattern)):
            if p.is_file() and p.suffix.lower() in {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif"}:
                seeds.add("image", p.read_bytes(), p.stem)
    for target in MAX_LEN:
        print(f"make_seeds: {target}: {seeds.counts.get(target, 0)} new seeds in {out / target}")


if __name__ == "__main__":
    main()
