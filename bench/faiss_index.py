#!/usr/bin/env python3
"""faiss `IndexBinaryMultiHash` on the index benchmark's data shape (the index peer: what HMA uses for PDQ).

  faiss_index.py --count N [--queries 2000] [--threads 1,2] [--seconds 3] --json OUT.jsonl

What HMA (ThreatExchange's Hasher-Matcher-Actioner) uses for PDQ: `IndexBinaryMultiHash(256,
16, 16)` (16 tables keyed on 16-bit substrings) with `nflip = 1`, which is exact at distance
<= 31 by pigeonhole; `range_search(q, 32)` returns entries at distance < 32. Data as
Benchmarks/IndexBench makes it (its SplitMix64 bytes are not reproduced; the shape is): 80%
uniform random 256-bit hashes, 20% in clusters of 50 near-duplicates with 0..24 bits flipped
around a random centre; queries 90% uniform (the usual miss) and 10% an entry with 0..35 bits
flipped. One JSON line per thread count: build seconds, queries/s (wall), queries per
CPU-second, hits per query, and faiss's serialized index size per entry.
"""
import argparse
import json
import os
import time

import faiss
import numpy as np

BITS = 256
THRESHOLD = 31                # PDQ match threshold; faiss's range_search radius is exclusive
TABLES, TABLE_BITS = 16, 16   # IndexBinaryMultiHash(256, 16, 16), as HMA builds it
NFLIP = 1                     # 16 tables x radius 1 covers every distance <= 31 (pigeonhole)
CLUSTER_SHARE, CLUSTER_SIZE, CLUSTER_SPREAD = 0.2, 50, 24
NEAR_SHARE = 0.1              # queries derived from an entry
SEED = 42


def flip(rows, counts, rng):
    """Flip counts[i] distinct random bits of rows[i] (rows: uint8 [n, 32])."""
    bits = np.unpackbits(rows, axis=1)
    for i, c in enumerate(counts):
        if c:
            bits[i, rng.choice(BITS, size=c, replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def make_data(count, queries, rng):
    clustered = int(count * CLUSTER_SHARE) // CLUSTER_SIZE * CLUSTER_SIZE
    centres = rng.integers(0, 256, size=(clustered // CLUSTER_SIZE, BITS // 8), dtype=np.uint8)
    members = np.repeat(centres, CLUSTER_SIZE, axis=0)
    # Flipping is done on the unpacked bits in chunks (n x 256 bytes at a time).
    out = [rng.integers(0, 256, size=(count - clustered, BITS // 8), dtype=np.uint8)]
    for s in range(0, clustered, 200000):
        part = members[s:s + 200000]
        out.append(flip(part, rng.integers(0, CLUSTER_SPREAD + 1, size=len(part)), rng))
    data = np.ascontiguousarray(np.concatenate(out)[rng.permutation(count)])
    near = int(queries * NEAR_SHARE)
    picked = data[rng.integers(0, count, size=near)]
    q = np.concatenate([rng.integers(0, 256, size=(queries - near, BITS // 8), dtype=np.uint8),
                        flip(picked, rng.integers(0, THRESHOLD + 5, size=near), rng)])
    return data, np.ascontiguousarray(q[rng.permutation(queries)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(SEED)
    t0 = time.monotonic()
    data, queries = make_data(a.count, a.queries, rng)
    gen = time.monotonic() - t0

    t0 = time.monotonic()
    index = faiss.IndexBinaryMultiHash(BITS, TABLES, TABLE_BITS)
    index.nflip = NFLIP
    index.add(data)
    build = time.monotonic() - t0
    size = len(faiss.serialize_index_binary(index))

    for threads in [int(t) for t in a.threads.split(",")]:
        faiss.omp_set_num_threads(threads)
        done, hits = 0, 0
        c0, w0 = time.process_time(), time.monotonic()
        while True:   # whole query blocks until the time is up (faiss parallelises a block)
            lims, _, _ = index.range_search(queries, THRESHOLD + 1)
            done += len(queries)
            hits += int(lims[-1])
            if time.monotonic() - w0 >= a.seconds:
                break
        wall, cpu = time.monotonic() - w0, time.process_time() - c0
        rec = {"count": a.count, "threads": threads, "build_s": round(build, 2), "generate_s": round(gen, 1),
               "bytes_per_entry": round(size / a.count, 1), "queries": done,
               "qps_wall": round(done / wall, 1), "qps_cpu": round(done / cpu, 1) if cpu else None,
               "hits_per_query": round(hits / done, 3), "faiss": faiss.__version__}
        print(json.dumps(rec))
        with open(a.json, "a") as f:
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
