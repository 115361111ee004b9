#!/usr/bin/env python3
"""List import speed: `hashscreen list import` against DuckDB ingesting the same file.

Generates (once; reused while its parameters match) a url_md5 list in python-threatexchange's
line format, `url_md5 <32 hex>` (41 bytes a line: 16M lines are ~650 MB), deterministic from
--seed: random digests with every 1000th line repeating an earlier one (duplicates are counted,
not stored twice). Then times, on the same file and machine, one after the other:

  duckdb     CREATE TABLE list AS SELECT ... FROM read_csv(FILE) into a new persistent database
             (the digest column decoded to a 16-byte BLOB, as hashscreen stores it)
  hashscreen list import --list NEW.sqlite --name bench FILE

and prints both wall times and the ratio. The list file and the databases go under --work
(default /tmp/hashscreen-list-bench); never commit them.

Usage: python bench/list_import.py --hashscreen .build/release/hashscreen [--lines 16000000] [--seed 12]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def generate(path: str, lines: int, seed: int) -> None:
    import numpy as np

    meta = path + ".json"
    want = {"lines": lines, "seed": seed, "format": "url_md5 <hex>", "duplicate_every": 1000}
    if os.path.exists(path) and os.path.exists(meta) and json.load(open(meta)) == want:
        return
    rng = np.random.default_rng(seed)
    prefix = b"url_md5 "
    with open(path + ".tmp", "wb") as f:
        chunk = 1_000_000
        done = 0
        while done < lines:
            n = min(chunk, lines - done)
            raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
            # Every 1000th line repeats the line 500 before it (within the chunk).
            idx = np.arange(n)
            rep = (idx + done) % 1000 == 999
            rep &= idx >= 500
            raw[rep] = raw[idx[rep] - 500]
            digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
            out = np.empty((n, len(prefix) + 33), dtype=np.uint8)
            out[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
            out[:, len(prefix) : len(prefix) + 32 : 2] = digits[raw >> 4]
            out[:, len(prefix) + 1 : len(prefix) + 32 : 2] = digits[raw & 15]
            out[:, -1] = ord("\n")
            f.write(out.tobytes())
            done += n
    os.replace(path + ".tmp", path)
    json.dump(want, open(meta, "w"))


def timed(cmd: list[str]) -> float:
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hashscreen", required=True, help="the hashscreen binary (a release build)")
    ap.add_argument("--lines", type=int, default=16_000_000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--work", default="/tmp/hashscreen-list-bench")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    listfile = os.path.join(args.work, f"url_md5-{args.lines}-{args.seed}.txt")
    t = time.monotonic()
    generate(listfile, args.lines, args.seed)
    print(f"list file {listfile}: {os.path.getsize(listfile) / 1e6:.0f} MB ({time.monotonic() - t:.1f} s to make or check)")

    duck = os.path.join(args.work, "list.duckdb")
    sqlite = os.path.join(args.work, "list.sqlite")
    for p in (duck, duck + ".wal", sqlite):
        if os.path.exists(p):
            os.remove(p)
    duck_sql = (
        f"import duckdb; c = duckdb.connect({duck!r}); "
        f"c.execute(\"CREATE TABLE list AS SELECT type, unhex(hash) AS value FROM read_csv({listfile!r}, "
        "delim=' ', header=false, columns={'type': 'VARCHAR', 'hash': 'VARCHAR'})\"); "
        "print(c.execute('SELECT count(*) FROM list').fetchone()[0]); c.close()"
    )
    d = timed([sys.executable, "-c", duck_sql])
    h = timed([args.hashscreen, "list", "import", "--list", sqlite, "--name", "bench", "--version", "1", listfile])
    info = json.loads(subprocess.run([args.hashscreen, "list", "info", "--list", sqlite, "--json"],
                                     check=True, capture_output=True, text=True).stdout)
    entries = info["lists"][0]["entries"]
    print(f"duckdb ingest      {d:6.2f} s")
    print(f"hashscreen import  {h:6.2f} s  ({entries} entries stored, {os.path.getsize(sqlite) / 1e6:.0f} MB)")
    print(f"ratio hashscreen/duckdb {h / d:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
