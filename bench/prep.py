#!/usr/bin/env python3
"""Inputs and small runners for bench/bench.sh (standard library only).

  prep.py lists DATASET OUTDIR            list_{all,jpeg,png}.txt: absolute paths, manifest order
  prep.py manifest DATASET ROWS OUT.csv   manifest.csv's rows repeated to ROWS rows, keys made
                                          distinct (KEY-rNNNN), paths absolute (the copy does not
                                          live in the dataset's folder, so relative paths would
                                          not resolve against it)
  prep.py probe-list OUT.csv              a known-list CSV holding one PDQ entry (all zero bits):
                                          scanned with --pdq-threshold 256-1 and
                                          --pdq-min-quality 0 every image "matches" it once and
                                          report.jsonl carries every image's computed PDQ
  prep.py big-list DATASET ROWS OUT.csv   the dataset's known.csv plus synthetic PDQ entries up to
                                          ROWS rows (80% uniform random, 20% in clusters of 50
                                          near-duplicates with 0..24 bits flipped: the shape of
                                          Benchmarks/IndexBench), seeded; for the real scan against
                                          a list of index-benchmark size (the --dihedral goal)
  prep.py capture OUT.txt -- CMD...       run CMD, keep its stdout+stderr in OUT.txt and append
                                          "# wall_s W peak_rss_mib R exit E" (os.wait4 rusage)

Why a probe list: `hashscreen hash` has no --pdq-mode fast (that mode lives in the scan
pipeline), and the scan reports hash values only for matches; a list entry every image is
within 255 bits of turns the scan's own code path into a per-image PDQ dump for both modes.
"""
import csv
import json
import os
import random
import subprocess
import sys
import time

# Largest PDQ Hamming distance the scan accepts as a threshold (256 bits; CLI allows 0-255).
PDQ_MAX_THRESHOLD = 255


def cmd_lists(dataset, outdir):
    recs = [json.loads(l) for l in open(os.path.join(dataset, "manifest.jsonl")) if l.strip()]
    sel = {"all": lambda r: True, "jpeg": lambda r: r["format"] == "jpeg", "png": lambda r: r["format"] == "png"}
    for name, f in sel.items():
        with open(os.path.join(outdir, f"list_{name}.txt"), "w") as out:
            out.writelines(f"{os.path.join(dataset, r['path'])}\n" for r in recs if f(r))


def cmd_manifest(dataset, rows, out_path):
    rows = int(rows)
    with open(os.path.join(dataset, "manifest.csv"), newline="") as f:
        src = list(csv.DictReader(f))
    with open(out_path + ".partial", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "url", "caption", "path"])
        for i in range(rows):
            r = src[i % len(src)]
            w.writerow([f"{r['key']}-r{i // len(src):04d}", r["url"], r["caption"],
                        os.path.join(dataset, r["path"])])
    os.replace(out_path + ".partial", out_path)


def cmd_probe_list(out_path):
    with open(out_path, "w") as f:
        f.write("hash_type,hash_value,source,label\n")
        f.write(f"pdq,{'0' * 64},bench-probe,probe\n")


# Synthetic list shape, as Benchmarks/IndexBench generates it (docs/index.md).
BIG_LIST_SEED = 20261129
BIG_LIST_CLUSTER_SHARE = 0.20     # fraction of synthetic entries in near-duplicate clusters
BIG_LIST_CLUSTER_SIZE = 50        # entries per cluster
BIG_LIST_CLUSTER_MAX_FLIPS = 24   # bits flipped from the cluster's centre, 0..24


def cmd_big_list(dataset, rows, out_path):
    rows = int(rows)
    rng = random.Random(BIG_LIST_SEED)
    with open(os.path.join(dataset, "known.csv")) as f:
        known = f.read().splitlines()
    synthetic = max(0, rows - (len(known) - 1))
    clustered = int(synthetic * BIG_LIST_CLUSTER_SHARE)
    with open(out_path + ".partial", "w") as out:
        out.write("\n".join(known) + "\n")
        buf = []
        for i in range(synthetic):
            if i < clustered:
                if i % BIG_LIST_CLUSTER_SIZE == 0:
                    centre = rng.getrandbits(256)
                v = centre
                for b in rng.sample(range(256), rng.randint(0, BIG_LIST_CLUSTER_MAX_FLIPS)):
                    v ^= 1 << b
            else:
                v = rng.getrandbits(256)
            buf.append(f"pdq,{v:064x},bench-synthetic,\n")
            if len(buf) == 100000:
                out.write("".join(buf)); buf = []
        out.write("".join(buf))
    os.replace(out_path + ".partial", out_path)


def cmd_capture(out_path, cmd):
    t0 = time.monotonic()
    with open(out_path, "w") as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(out_path, "a") as out:
        out.write(f"# wall_s {wall:.3f} peak_rss_mib {ru.ru_maxrss / 1024:.1f} exit {code}\n")
    return code


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] == "lists":
        cmd_lists(a[1], a[2])
    elif a[0] == "manifest":
        cmd_manifest(a[1], a[2], a[3])
    elif a[0] == "probe-list":
        cmd_probe_list(a[1])
    elif a[0] == "big-list":
        cmd_big_list(a[1], a[2], a[3])
    elif a[0] == "capture":
        cmd = a[3:] if a[2] == "--" else a[2:]
        sys.exit(cmd_capture(a[1], cmd))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
