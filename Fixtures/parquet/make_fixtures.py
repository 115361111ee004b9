#!/usr/bin/env python3
"""Generates the Parquet cross-check fixtures in this folder with pyarrow.

Run from anywhere: `python3 Fixtures/parquet/make_fixtures.py` (pyarrow 26.0.1, see Makefile;
duckdb 2.0.1 for the DuckDB-written files).
Writes small .parquet files across encodings (dictionary on/off, DELTA_*, BYTE_STREAM_SPLIT),
compressions (none/snappy/gzip/zstd), data page v1/v2, nulls, row-group sizes and every
physical type; plus img2dataset-like and LAION-like manifests. For each table it writes
NAME.expected.jsonl: every row as pyarrow reads it back, in the conventions of
Fixtures/vectors/parquet (binary as {"base64": ...}, timestamps and dates ISO 8601, decimals as
strings, NaN as "NaN"). INDEX.tsv maps each .parquet file to its expected rows.
The data is deterministic (seeded), so re-running gives the same values.
"""
import base64
import datetime
import decimal
import json
import math
import os
import random

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))


def alltypes_table(n=100, seed=1):
    """Every physical type, nullable and required columns, a few edge values."""
    rnd = random.Random(seed)

    def maybe(v, p=0.2):
        return None if rnd.random() < p else v

    rows = range(n)
    cols = {
        "bool_req": pa.array([i % 3 == 0 for i in rows], pa.bool_()),
        "bool_opt": pa.array([maybe(rnd.random() < 0.5) for _ in rows], pa.bool_()),
        "int8": pa.array([maybe(rnd.randint(-128, 127)) for _ in rows], pa.int8()),
        "int16": pa.array([maybe(rnd.randint(-32768, 32767)) for _ in rows], pa.int16()),
        "int32_req": pa.array([rnd.randint(-2**31, 2**31 - 1) for _ in rows], pa.int32()),
        "int32_lowcard": pa.array([maybe(rnd.randint(0, 5)) for _ in rows], pa.int32()),
        "int64": pa.array([maybe(rnd.randint(-2**63, 2**63 - 1)) for _ in rows], pa.int64()),
        "uint8": pa.array([maybe(rnd.randint(0, 255)) for _ in rows], pa.uint8()),
        "uint32": pa.array([maybe(rnd.randint(0, 2**32 - 1)) for _ in rows], pa.uint32()),
        "uint64": pa.array([maybe(rnd.randint(0, 2**64 - 1)) for _ in rows], pa.uint64()),
        "float": pa.array([maybe(rnd.choice([rnd.uniform(-1e6, 1e6), 0.0, -0.0, float("nan"), 1.5]))
                           for _ in rows], pa.float32()),
        "double": pa.array([maybe(rnd.choice([rnd.uniform(-1e300, 1e300), rnd.random(), float("nan"), 2.0]))
                            for _ in rows], pa.float64()),
        "string": pa.array([maybe(rnd.choice(["", "a", "héllo wörld", "日本語", "x" * rnd.randint(0, 300)]))
                            for _ in rows], pa.string()),
        "string_req": pa.array([f"row-{i}" for i in rows], pa.string()),
        "binary": pa.array([maybe(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 40)))) for _ in rows],
                           pa.binary()),
        "fixed16": pa.array([maybe(bytes(rnd.getrandbits(8) for _ in range(16))) for _ in rows], pa.binary(16)),
        "date": pa.array([maybe(datetime.date(1970, 1, 1) + datetime.timedelta(days=rnd.randint(-30000, 30000)))
                          for _ in rows], pa.date32()),
        "ts_ms_utc": pa.array([maybe(rnd.randint(-2**40, 2**42)) for _ in rows], pa.timestamp("ms", tz="UTC")),
        "ts_us": pa.array([maybe(rnd.randint(-2**50, 2**52)) for _ in rows], pa.timestamp("us")),
        "ts_ns": pa.array([maybe(rnd.randint(-2**60, 2**62)) for _ in rows], pa.timestamp("ns")),
        "decimal_9_2": pa.array([maybe(decimal.Decimal(rnd.randint(-10**9 + 1, 10**9 - 1)) / 100) for _ in rows],
                                pa.decimal128(9, 2)),
        "decimal_30_5": pa.array([maybe(decimal.Decimal(rnd.randint(-10**30 + 1, 10**30 - 1)).scaleb(-5))
                                  for _ in rows], pa.decimal128(30, 5)),
        "all_null": pa.array([None] * n, pa.int64()),
    }
    schema = pa.schema([pa.field(k, v.type, nullable=not k.endswith("_req")) for k, v in cols.items()])
    return pa.table(list(cols.values()), schema=schema)


def img2dataset_table(n=60, seed=2):
    """The columns img2dataset writes next to each shard (success and failure rows)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        ok = rnd.random() < 0.7
        w, h = rnd.randint(64, 4096), rnd.randint(64, 4096)
        rows.append({
            "key": f"{i // 10:05d}{i % 10:04d}",
            "url": f"https://example.org/img/{rnd.getrandbits(40):x}.jpg",
            "caption": None if rnd.random() < 0.1 else rnd.choice(["a cat", "un chien", "山", "" , "photo of a sunset over the sea"]),
            "status": "success" if ok else "failed_to_download",
            "error_message": None if ok else rnd.choice(["HTTP Error 404: Not Found", "timed out", "<urlopen error [Errno -2]>"]),
            "width": 256 if ok else None,
            "height": 256 if ok else None,
            "original_width": w if ok else None,
            "original_height": h if ok else None,
            "exif": json.dumps({"Image Make": "Canon"}) if ok and rnd.random() < 0.3 else None,
            "sha256": ("%064x" % rnd.getrandbits(256)) if ok else None,
        })
    schema = pa.schema([
        ("key", pa.string()), ("url", pa.string()), ("caption", pa.string()), ("status", pa.string()),
        ("error_message", pa.string()), ("width", pa.int64()), ("height", pa.int64()),
        ("original_width", pa.int64()), ("original_height", pa.int64()), ("exif", pa.string()),
        ("sha256", pa.string()),
    ])
    return pa.Table.from_pylist(rows, schema=schema)


def laion_table(n=80, seed=3):
    """LAION-style metadata (URL, TEXT, sizes, CLIP similarity, NSFW/watermark scores, hash)."""
    rnd = random.Random(seed)
    return pa.table({
        "URL": pa.array([f"http://images.example.com/{rnd.getrandbits(32):08x}.png" for _ in range(n)]),
        "TEXT": pa.array([None if rnd.random() < 0.05 else f"caption {i} ✓" for i in range(n)]),
        "WIDTH": pa.array([None if rnd.random() < 0.05 else float(rnd.randint(10, 5000)) for _ in range(n)], pa.float64()),
        "HEIGHT": pa.array([None if rnd.random() < 0.05 else float(rnd.randint(10, 5000)) for _ in range(n)], pa.float64()),
        "similarity": pa.array([rnd.uniform(0.28, 0.45) for _ in range(n)], pa.float64()),
        "punsafe": pa.array([rnd.random() for _ in range(n)], pa.float32()),
        "pwatermark": pa.array([None if rnd.random() < 0.1 else rnd.random() for _ in range(n)], pa.float32()),
        "hash": pa.array([rnd.randint(-2**63, 2**63 - 1) for _ in range(n)], pa.int64()),
    })


def iso_timestamp(value, unit, tz):
    """ISO 8601 text of an epoch count, as Fixtures/vectors/parquet/make_expected.py writes it."""
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    secs, frac = divmod(value, per_second)
    nanos = frac * (10**9 // per_second)
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += ".%06d" % (nanos // 1000) if nanos % 1000 == 0 else ".%09d" % nanos
    return text + ("+00:00" if tz else "")


def json_value(v, typ):
    if v is None:
        return None
    if pa.types.is_timestamp(typ):
        return iso_timestamp(v, typ.unit, typ.tz)
    if pa.types.is_date(typ):
        return v.isoformat()
    if pa.types.is_decimal(typ):
        return str(v)
    if isinstance(v, bytes):
        return {"base64": base64.b64encode(v).decode()}
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    return v


def expected_lines(table_path):
    """The rows pyarrow reads from a file, as JSON lines (without newlines)."""
    table = pq.read_table(table_path)
    columns = []
    for field in table.schema:
        col = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            values = col.cast(pa.int64()).to_pylist()
        else:
            values = col.to_pylist()
        columns.append([json_value(v, field.type) for v in values])
    return [json.dumps({field.name: columns[c][r] for c, field in enumerate(table.schema)}, ensure_ascii=False)
            for r in range(table.num_rows)]


def write_expected(table_path, name):
    """Writes the rows pyarrow reads back from the file we wrote as NAME (JSON lines)."""
    with open(os.path.join(HERE, name), "w") as f:
        for line in expected_lines(table_path):
            f.write(line + "\n")


def main():
    index = []

    def emit(name, table, expected, **kwargs):
        path = os.path.join(HERE, name)
        pq.write_table(table, path, **kwargs)
        if not os.path.exists(os.path.join(HERE, expected)):
            write_expected(path, expected)
        index.append((name, expected))

    for f in os.listdir(HERE):
        if f.endswith(".parquet") or f.endswith(".jsonl"):
            os.remove(os.path.join(HERE, f))

    alltypes = alltypes_table()
    for codec in ["none", "snappy", "gzip", "zstd"]:
        for dictionary in [True, False]:
            for page_version in ["1.0", "2.0"]:
                name = f"alltypes_{codec}_{'dict' if dictionary else 'plain'}_v{page_version[0]}.parquet"
                emit(name, alltypes, "alltypes.expected.jsonl", compression=codec, use_dictionary=dictionary,
                     data_page_version=page_version, row_group_size=40, data_page_size=256)
    emit("alltypes_tiny_row_groups.parquet", alltypes.slice(0, 20), "alltypes_head20.expected.jsonl",
         compression="snappy", row_group_size=1)
    emit("alltypes_dict_fallback.parquet", alltypes, "alltypes.expected.jsonl", compression="snappy",
         dictionary_pagesize_limit=64, data_page_size=128, write_page_checksum=True)
    emit("alltypes_int96.parquet", alltypes.select(["int64", "ts_us", "ts_ns"]), "alltypes_int96.expected.jsonl",
         use_deprecated_int96_timestamps=True)
    emit("alltypes_v1_format.parquet", alltypes.select(["int32_req", "string", "binary", "date", "decimal_9_2"]),
         "alltypes_v1_format.expected.jsonl", version="1.0", compression="gzip")
    enc = alltypes.select(["bool_opt", "int32_req", "int64", "float", "double", "string", "binary", "fixed16"])
    emit("encodings_delta_bss.parquet", enc, "encodings_delta_bss.expected.jsonl", use_dictionary=False,
         data_page_version="2.0", compression="zstd", column_encoding={
             "bool_opt": "RLE", "int32_req": "DELTA_BINARY_PACKED", "int64": "DELTA_BINARY_PACKED",
             "float": "BYTE_STREAM_SPLIT", "double": "BYTE_STREAM_SPLIT", "string": "DELTA_LENGTH_BYTE_ARRAY",
             "binary": "DELTA_BYTE_ARRAY", "fixed16": "BYTE_STREAM_SPLIT"})
    emit("empty.parquet", alltypes.slice(0, 0), "empty.expected.jsonl")
    for codec in ["snappy", "zstd"]:
        emit(f"img2dataset_{codec}.parquet", img2dataset_table(), "img2dataset.expected.jsonl",
             compression=codec, row_group_size=25)
    emit("laion_snappy.parquet", laion_table(), "laion.expected.jsonl", compression="snappy", row_group_size=30)
    emit("laion_gzip_v2.parquet", laion_table(), "laion.expected.jsonl", compression="gzip", data_page_version="2.0")

    # Files written by DuckDB (its own Parquet writer: no dictionary on booleans, its own page
    # layout and statistics); expected rows are what pyarrow reads back from them.
    import duckdb  # pip install duckdb==2.0.1

    def emit_duckdb(name, table, expected, codec, row_group_size):
        path = os.path.join(HERE, name)
        con = duckdb.connect()
        con.register("t", table)
        con.execute(f"COPY t TO '{path}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE {row_group_size})")
        con.close()
        if not os.path.exists(os.path.join(HERE, expected)):
            write_expected(path, expected)
        index.append((name, expected))

    for codec in ["uncompressed", "snappy", "gzip", "zstd"]:
        emit_duckdb(f"duckdb_alltypes_{codec}.parquet", alltypes, "duckdb_alltypes.expected.jsonl", codec, 2048)
    emit_duckdb("duckdb_laion_rowgroups.parquet", laion_table(n=2500, seed=4), "duckdb_laion_rowgroups.expected.jsonl",
                "zstd", 1024)

    with open(os.path.join(HERE, "INDEX.tsv"), "w") as f:
        f.write("file\texpected\n")
        for name, expected in index:
            f.write(f"{name}\t{expected}\n")
    total = sum(os.path.getsize(os.path.join(HERE, x)) for x in os.listdir(HERE))
    print(f"wrote {len(index)} files, folder total {total} bytes")


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--dump":
        # Used by the Swift writer test: pyarrow's reading of a file we wrote, as JSON lines.
        for line in expected_lines(sys.argv[2]):
            print(line)
    else:
        main()
