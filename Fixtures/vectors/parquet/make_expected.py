#!/usr/bin/env python3
"""Writes INDEX.tsv and NAME.parquet.expected.jsonl for the Parquet files in this folder.

    python3 Fixtures/vectors/parquet/make_expected.py           # rewrite them
    python3 Fixtures/vectors/parquet/make_expected.py --check   # compare only; exit 1 on a difference

Needs pyarrow (26.0.1 made the committed files). Each expected file holds every row as pyarrow
reads it, one JSON object per row, columns by name: binary as {"base64": ...}, timestamps and
dates ISO 8601 (nanosecond timestamps with 9, 6 or no fraction digits, as pandas prints them),
decimals as strings, NaN as "NaN", maps as [key, value] pairs. A file pyarrow cannot read gets
`pyarrow-error: ...` in INDEX.tsv and no expected file.
"""
import base64
import datetime
import json
import math
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))


def value(v, t):
    if v is None:
        return None
    if pa.types.is_struct(t):
        return {f.name: value(v[f.name], f.type) for f in t}
    if pa.types.is_map(t):
        return [[value(k, t.key_type), value(x, t.item_type)] for k, x in v]
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return [value(x, t.value_type) for x in v]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return {"base64": base64.b64encode(v).decode()}
    if pa.types.is_decimal(t):
        return str(v)
    if pa.types.is_floating(t):
        return "NaN" if math.isnan(v) else v
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    return v


def iso_ns(text):
    """pyarrow's text of a nanosecond timestamp in pandas' isoformat."""
    text = text.replace(" ", "T")
    if "." not in text:
        return text
    head, frac = text.split(".")
    if frac.endswith("000"):
        frac = frac[:6]
    return head if frac.strip("0") == "" else head + "." + frac


def expected_rows(path):
    table = pq.read_table(path)
    columns = []
    for name, col in zip(table.column_names, table.columns):
        if pa.types.is_timestamp(col.type) and col.type.unit == "ns":
            columns.append((name, [None if x is None else iso_ns(x) for x in col.cast(pa.string()).to_pylist()], None))
        else:
            columns.append((name, col.to_pylist(), col.type))
    return "".join(json.dumps({n: (vals[i] if t is None else value(vals[i], t)) for n, vals, t in columns},
                              ensure_ascii=False) + "\n" for i in range(table.num_rows))


def index_line(name, path):
    try:
        pq.read_table(path)
    except Exception as e:  # recorded, not fatal: the test checks such files are refused clearly
        return f"{name}\tpyarrow-error: {type(e).__name__}: {e}" + "\t" * 6, False
    meta = pq.ParquetFile(path).metadata
    nested = any(pa.types.is_nested(f.type) for f in pq.read_schema(path))
    codecs, encodings = set(), set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            codecs.add(group.column(c).compression)
            encodings.update(group.column(c).encodings)
    return "\t".join([name, "ok", str(meta.num_rows), str(meta.num_row_groups), "nested" if nested else "flat",
                      ",".join(sorted(codecs)), ",".join(sorted(encodings)), meta.created_by or ""]), True


def main():
    check = "--check" in sys.argv[1:]
    outputs = {}
    lines = ["file\tpyarrow\trows\trow_groups\tschema\tcodecs\tencodings\tcreated_by"]
    for name in sorted(n for n in os.listdir(HERE) if n.endswith(".parquet")):
        path = os.path.join(HERE, name)
        line, readable = index_line(name, path)
        lines.append(line)
        if readable:
            outputs[name + ".expected.jsonl"] = expected_rows(path)
    outputs["INDEX.tsv"] = "\n".join(lines) + "\n"
    differ = []
    for name, text in sorted(outputs.items()):
        target = os.path.join(HERE, name)
        if check:
            if not os.path.exists(target) or open(target, encoding="utf-8").read() != text:
                differ.append(name)
        else:
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
    if check:
        print(f"{len(outputs) - len(differ)} files agree, {len(differ)} differ" + "".join("\n  " + d for d in differ))
        sys.exit(1 if differ else 0)
    print(f"wrote {len(outputs)} files in {HERE}")


if __name__ == "__main__":
    main()
