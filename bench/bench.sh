#!/usr/bin/env bash
# `make bench`: hashscreen against the peers (bench/peers) and the floors (bench/floors) on the
# same generated files (bench/make_dataset.py), in one invocation; writes docs/benchmarks.md.
# See bench/README.md.
#
#   env: BENCH_WORK (default ${TMPDIR:-/tmp}/hashscreen-bench)  dataset, venv, floors, outputs
#        BENCH_N (2000) BENCH_SEED (1)   dataset size and seed (make_dataset.py)
#        BENCH_RUNS (5)                  paired rounds: floor, hashscreen full, floor 1/8,
#                                        hashscreen fast, hashscreen dihedral (A B A B ...)
#        BENCH_FLOOR_RUNS (5)            runs of each single floor
#        BENCH_PEER_RUNS (3)             runs of each Python peer (each beside a floor run)
#        BENCH_PEERS (python_pdqhash python_imagehash)   peers to time (space-separated)
#        BENCH_RSS_ROWS (200000)         rows of the long manifest for the RSS check
#        BENCH_INDEX_COUNTS (1000000 10000000)           hashscreen-index-bench list sizes
#        BENCH_BIG_LIST (10000000)       rows of the synthetic list for the real-scan --dihedral
#                                        check (0: skip); its database is kept in BENCH_WORK
#        BENCH_BIG_RUNS (5)              paired rounds of that check
#        BENCH_META_ROWS (5000000)       rows of the LAION-metadata workload against DuckDB
#                                        (bench/meta.sh, its other BENCH_META_* variables; 0: skip)
#        BENCH_VENV (BENCH_WORK/venv)    Python venv with bench/requirements.txt
#        BENCH_DATA (BENCH_WORK/data/dsN) an existing dataset folder to use instead
#        BENCH_RELEASE_FLAGS             swift build flags (the Makefile passes RELEASE_FLAGS)
#        BENCH_DOC (docs/benchmarks.md)  where the report goes
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT=$ROOT/bench
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/hashscreen-bench}
N=${BENCH_N:-2000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
FLOOR_RUNS=${BENCH_FLOOR_RUNS:-5}
PEER_RUNS=${BENCH_PEER_RUNS:-3}
PEERS=${BENCH_PEERS-python_pdqhash python_imagehash}
RSS_ROWS=${BENCH_RSS_ROWS:-200000}
INDEX_COUNTS=${BENCH_INDEX_COUNTS-1000000 10000000}
BIG_LIST=${BENCH_BIG_LIST:-10000000}
BIG_RUNS=${BENCH_BIG_RUNS:-5}
VENV=${BENCH_VENV:-$WORK/venv}
D=${BENCH_DATA:-$WORK/data/ds$N}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
if [ -z "${BENCH_RELEASE_FLAGS:-}" ] && [ "$(uname -m)" = x86_64 ]; then
  BENCH_RELEASE_FLAGS="-c release -Xswiftc -target-cpu -Xswiftc nehalem -Xcc -march=nehalem"   # the Makefile's
fi
FLAGS=${BENCH_RELEASE_FLAGS:--c release}
O=$WORK/hs                      # this script's outputs
SIGNALS=md5,sha1,sha256,pdq,phash
CRYPTO=md5,sha1,sha256
START=$(date +%s)
step() { echo "== [$(( $(date +%s) - START ))s] $*" >&2; }

mkdir -p "$WORK/bin" "$O"
rm -rf "$O"/run-* "$O"/probe-* "$O"/rss-* "$O/meta"
echo "{\"start_loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"start\": \"$(date -u +%FT%TZ)\"}" > "$O/run.json"

# 1. Python venv with bench/requirements.txt's pinned packages (the generator and the peers).
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import PIL, numpy, pdqhash, imagehash, skimage, sklearn, duckdb" 2>/dev/null; then
  step "venv $VENV (bench/requirements.txt)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$KIT/requirements.txt"
fi
PY=$VENV/bin/python

# 2. Dataset: generated once (deterministic from N and seed), written aside then moved in.
if [ ! -f "$D/manifest.jsonl" ] || [ ! -f "$D/ground_truth.csv" ]; then
  step "dataset: make_dataset.py --n $N --seed $SEED -> $D (3-7 min for 2000)"
  rm -rf "$D.partial"
  mkdir -p "$(dirname "$D")"
  "$PY" "$KIT/make_dataset.py" --out "$D.partial" --n "$N" --seed "$SEED"
  rm -rf "$D" && mv "$D.partial" "$D"
fi
NI=$(($(wc -l < "$D/manifest.csv") - 1))

# 3. hashscreen release build with the shipped flags (the Makefile passes RELEASE_FLAGS; run
#    alone, the same per-architecture choice); the flags used go into the report.
SWIFT=${SWIFT:-swift}
step "$SWIFT build $FLAGS"
(cd "$ROOT" && $SWIFT build $FLAGS > "$O/build.log" 2>&1) || { tail -20 "$O/build.log"; exit 2; }
BIN=$(cd "$ROOT" && $SWIFT build $FLAGS --show-bin-path)
HS=$BIN/hashscreen
echo "$FLAGS" > "$O/build_flags.txt"

# 4. Floor programs, file lists, list databases, long manifest.
step "floors, file lists, list databases"
CC=${CC:-$(command -v cc || command -v clang)}
"$CC" -O2 -o "$WORK/bin/hashfloor" "$KIT/floors/hashfloor.c" -lcrypto
"$CC" -O2 -o "$WORK/bin/decodefloor" "$KIT/floors/decodefloor.c" -ljpeg -lpng
"$PY" "$ROOT/bench/prep.py" lists "$D" "$O"
AL=$O/list_all.txt; JL=$O/list_jpeg.txt; PL=$O/list_png.txt
NA=$(wc -l < "$AL"); NJ=$(wc -l < "$JL"); NP=$(wc -l < "$PL")
HA=$(( (NA + 1) / 2 )); HJ=$(( (NJ + 1) / 2 )); HP=$(( (NP + 1) / 2 ))
rm -f "$O/known.db" "$O/probe.db"
"$HS" list import --list "$O/known.db" --name known --version "$(basename "$D")" --dihedral-index "$D/known.csv" > "$O/import.txt"
"$PY" "$ROOT/bench/prep.py" probe-list "$O/probe.csv"
"$HS" list import --list "$O/probe.db" --name probe --version 1 "$O/probe.csv" > /dev/null
"$PY" "$ROOT/bench/prep.py" manifest "$D" "$RSS_ROWS" "$O/manifest_$RSS_ROWS.csv"
"$PY" "$ROOT/bench/prep.py" manifest "$D" "$NI" "$O/manifest_$NI.csv"

J=$O/results.jsonl
: > "$J"
# T LABEL ITEMS RUNS WARMUP CMD...: one timecmd.py measurement appended to results.jsonl
T() { local label=$1 items=$2 n=$3 w=$4; shift 4
      "$PY" "$KIT/timecmd.py" -n "$n" --warmup "$w" --label "$label" --items "$items" --json "$J" -- "$@"; }
FLOOR_FULL="exec 2>/dev/null; xargs -a $AL -P2 -n $HA $WORK/bin/hashfloor both && xargs -a $JL -P2 -n $HJ $WORK/bin/decodefloor jpeg 1 && exec xargs -a $PL -P2 -n $HP $WORK/bin/decodefloor png"
FLOOR_8="exec 2>/dev/null; xargs -a $AL -P2 -n $HA $WORK/bin/hashfloor both && xargs -a $JL -P2 -n $HJ $WORK/bin/decodefloor jpeg 8 && exec xargs -a $PL -P2 -n $HP $WORK/bin/decodefloor png"
SCAN=("$HS" scan "$D/manifest.csv" --list "$O/known.db" --signals "$SIGNALS" --jobs 2 -q)

# 5. Single floors (2 processes, in-process decode, pixels discarded).
step "floors ($FLOOR_RUNS runs each)"
T "floor:C md5+sha256 one pass, 2 procs" "$NA" "$FLOOR_RUNS" 1 sh -c "exec 2>/dev/null; exec xargs -a $AL -P2 -n $HA $WORK/bin/hashfloor both"
T "floor:libjpeg in-process 1/1 (JPEGs only), 2 procs" "$NJ" "$FLOOR_RUNS" 1 sh -c "exec 2>/dev/null; exec xargs -a $JL -P2 -n $HJ $WORK/bin/decodefloor jpeg 1"
T "floor:libjpeg in-process 1/8 (JPEGs only), 2 procs" "$NJ" "$FLOOR_RUNS" 1 sh -c "exec 2>/dev/null; exec xargs -a $JL -P2 -n $HJ $WORK/bin/decodefloor jpeg 8"
T "floor:libpng in-process (PNGs only), 2 procs" "$NP" "$FLOOR_RUNS" 1 sh -c "exec 2>/dev/null; exec xargs -a $PL -P2 -n $HP $WORK/bin/decodefloor png"

# 6. Paired rounds: each round runs the floors and the hashscreen variants back to back, so
#    every ratio is taken inside one round (the machine's load moves between rounds).
step "paired rounds ($RUNS): floor, hashscreen full, floor 1/8, hashscreen fast, hashscreen dihedral"
"${SCAN[@]}" --out "$O/run-warm" > /dev/null 2>&1 || true   # round 0: page cache, not recorded
sh -c "$FLOOR_FULL"
for r in $(seq 1 "$RUNS"); do
  T "pair:$r:floor" "$NA" 1 0 sh -c "$FLOOR_FULL"
  T "pair:$r:hs-full" "$NA" 1 0 "${SCAN[@]}" --pdq-mode full --out "$O/run-full"
  T "pair:$r:floor8" "$NA" 1 0 sh -c "$FLOOR_8"
  T "pair:$r:hs-fast" "$NA" 1 0 "${SCAN[@]}" --pdq-mode fast --out "$O/run-fast"
  T "pair:$r:hs-dihedral" "$NA" 1 0 "${SCAN[@]}" --dihedral --out "$O/run-dihedral"
done

# 7. Peers, each run right after a floor run (peer/floor ratio paired per run).
for p in $PEERS; do
  step "peer $p ($PEER_RUNS run(s))"
  for r in $(seq 1 "$PEER_RUNS"); do
    T "peerpair:$p:$r:floor" "$NA" 1 0 sh -c "$FLOOR_FULL"
    T "peer:$p:$r" "$NA" 1 0 "$PY" "$KIT/peers/$p.py" "$D/files" --known "$D/known.csv"
  done
done

# 8. Correctness: per-image PDQ in full and fast mode (probe list, see prep.py).
step "per-image PDQ (full, fast) against the manifest's reference"
for m in full fast; do
  "$HS" scan "$D/manifest.csv" --list "$O/probe.db" --out "$O/probe-$m" --signals pdq --pdq-mode "$m" \
    --pdq-threshold 255 --pdq-min-quality 0 --jobs 2 -q || true
done

# 9. Peak RSS against manifest length: the same rows repeated, crypto signals only (a
#    full-signal 200k-row scan would take about half an hour on 2 cores).
step "RSS: $NI-row and $RSS_ROWS-row manifests, signals $CRYPTO"
T "rss:$NI" "$NI" 1 0 "$HS" scan "$O/manifest_$NI.csv" --list "$O/known.db" --signals "$CRYPTO" --jobs 2 -q --out "$O/rss-$NI"
T "rss:$RSS_ROWS" "$RSS_ROWS" 1 0 "$HS" scan "$O/manifest_$RSS_ROWS.csv" --list "$O/known.db" --signals "$CRYPTO" --jobs 2 -q --out "$O/rss-$RSS_ROWS"

# 10. Match index benchmark (Benchmarks/IndexBench).
rm -f "$O"/index-*.txt
for c in $INDEX_COUNTS; do
  # pipeline: what a scan builds (IndexBuilder under the 64 B/entry cap); brute: the exhaustive scan
  layouts=pipeline; [ "$c" -le 1000000 ] && layouts=pipeline,brute
  step "hashscreen-index-bench --count $c --bits 256 --layouts $layouts"
  "$PY" "$ROOT/bench/prep.py" capture "$O/index-256-$c.txt" -- "$BIN/hashscreen-index-bench" \
    --count "$c" --bits 256 --layouts "$layouts" --threads 1,2 --seconds 3 || echo "index bench $c failed" >&2
done
if [ -n "$INDEX_COUNTS" ]; then
  step "hashscreen-index-bench --count 1000000 --bits 64"
  "$PY" "$ROOT/bench/prep.py" capture "$O/index-64-1000000.txt" -- "$BIN/hashscreen-index-bench" \
    --count 1000000 --bits 64 --layouts pipeline --threads 1,2 --seconds 3 || echo "index bench 64-bit failed" >&2
fi

# 10a. The index peer: faiss IndexBinaryMultiHash (what HMA uses) on the same data shape.
rm -f "$O/faiss.jsonl"
if [ -n "$INDEX_COUNTS" ] && "$PY" -c "import faiss" 2>/dev/null; then
  for c in $INDEX_COUNTS; do
    q=2000; [ "$c" -gt 1000000 ] && q=500    # ~66 queries/s at 10M: one block per thread count
    step "faiss IndexBinaryMultiHash(256, 16, 16), nflip 1, --count $c"
    "$PY" "$ROOT/bench/faiss_index.py" --count "$c" --queries "$q" --threads 1,2 --seconds 3 \
      --json "$O/faiss.jsonl" > /dev/null || echo "faiss $c failed" >&2
  done
fi

# 10b. A real scan against a list of index-benchmark size: the dataset's known.csv plus
#     synthetic PDQ entries (prep.py big-list), default mode with and without --dihedral,
#     against that list and against known.db, in paired rounds; each run's summary.json splits
#     its wall and CPU time into set-up (reading the list, building the index) and scan, and
#     the report compares the scan phases (one output folder per run).
if [ "$BIG_LIST" -gt 0 ]; then
  BDB=$WORK/biglist-$(basename "$D")-$BIG_LIST.db
  if [ ! -f "$BDB" ] || ! "$HS" list info --list "$BDB" > /dev/null 2>&1; then
    step "big list: $BIG_LIST rows -> $BDB (about 1 min, once)"
    "$PY" "$ROOT/bench/prep.py" big-list "$D" "$BIG_LIST" "$WORK/biglist.csv"
    rm -f "$BDB"
    "$HS" list import --list "$BDB" --name big --version "$BIG_LIST" --dihedral-index "$WORK/biglist.csv" > "$O/big-import.txt"
    rm -f "$WORK/biglist.csv"
  fi
  # A database kept from a run before index files: write its index files once (both PDQ
  # layouts, for the runs with and without --dihedral).
  ls "$BDB".index-* > /dev/null 2>&1 || "$HS" list index --list "$BDB" --dihedral-index > /dev/null
  "$HS" list info --list "$BDB" > "$O/big-info.txt"
  # The dataset's rows three times (distinct keys): a longer scan phase per run (~10 s on 2
  # cores), so that per-image figures move less with what else the machine is doing.
  BIGN=$((3 * NI))
  "$PY" "$ROOT/bench/prep.py" manifest "$D" "$BIGN" "$O/manifest_big_$BIGN.csv"
  step "real scan against the $BIG_LIST-row list ($BIG_RUNS paired rounds)"
  BSCAN=("$HS" scan "$O/manifest_big_$BIGN.csv" --list "$BDB" --signals "$SIGNALS" --jobs 2 -q)
  SSCAN=("$HS" scan "$O/manifest_big_$BIGN.csv" --list "$O/known.db" --signals "$SIGNALS" --jobs 2 -q)
  "${BSCAN[@]}" --out "$O/big-warm" > /dev/null 2>&1 || true
  rm -rf "$O"/big-small-* "$O"/big-big-*
  for r in $(seq 1 "$BIG_RUNS"); do
    for v in fast dihedral; do
      extra=(); [ "$v" = dihedral ] && extra=(--dihedral)
      T "big:$r:small-$v" "$BIGN" 1 0 "${SSCAN[@]}" "${extra[@]}" --out "$O/big-small-$v-$r"
      T "big:$r:big-$v" "$BIGN" 1 0 "${BSCAN[@]}" "${extra[@]}" --out "$O/big-big-$v-$r"
    done
  done
fi

# 10c. LAION metadata, no images: hashscreen against DuckDB by URL hash and recorded md5, and
#      the list import (bench/meta.sh; its data is generated once and kept in BENCH_WORK).
if [ "${BENCH_META_ROWS:-5000000}" -gt 0 ]; then
  step "LAION metadata against DuckDB (bench/meta.sh, ${BENCH_META_ROWS:-5000000} rows)"
  BENCH_HASHSCREEN="$HS" BENCH_META_OUT="$O/meta" BENCH_META_NO_REPORT=1 BENCH_WORK="$WORK" BENCH_VENV="$VENV" \
    bash "$KIT/meta.sh" || echo "meta.sh failed" >&2
fi

# 11. Report (it can be re-run alone on $O: every input it reads is kept there).
cut -d' ' -f1-3 /proc/loadavg > "$O/end_load.txt"
step "report -> $DOC"
"$PY" "$ROOT/bench/report.py" --results "$J" --dataset "$D" --work "$O" --hashscreen "$HS" \
  --python "$PY" --flags "$FLAGS" --elapsed "$(( $(date +%s) - START ))" --doc "$DOC"
step "done"
