#!/usr/bin/env bash
# The metadata-only workload of `make bench` (bench/README.md, "LAION metadata"): hashscreen
# against DuckDB screening a generated laion2B-en-schema table by URL hash and by a recorded md5
# column, and importing the 16M-entry list. Run by bench/bench.sh (step 10c) or alone:
#
#   bench/meta.sh                         builds hashscreen like bench.sh, writes the section
#                                         "LAION metadata" of docs/benchmarks.md in place
#   BENCH_HASHSCREEN=PATH bench/meta.sh   time that binary instead of building one
#
#   env: BENCH_WORK (${TMPDIR:-/tmp}/hashscreen-bench)  data, venv, outputs
#        BENCH_META_ROWS (5000000)       rows of the table (0: skip the workload)
#        BENCH_META_LIST (16000000)      entries of the url_md5 list
#        BENCH_META_MD5_LIST (1000000)   entries of the md5 list (the recorded-md5 variant)
#        BENCH_META_PLANTED (1000)       rows planted in each list (by URL, by md5: disjoint)
#        BENCH_SEED (1)                  generator seed
#        BENCH_META_RUNS (5)             rounds of each screen (DuckDB and hashscreen alternating)
#                                        and runs of each hashscreen import (medians reported)
#        BENCH_META_PEER_RUNS (3)        runs of each other DuckDB step (ingest, key-only query, floors)
#        BENCH_META_OUT (BENCH_WORK/hs/meta)  outputs and results.jsonl
#        BENCH_VENV, BENCH_RELEASE_FLAGS, BENCH_DOC, SWIFT: as in bench.sh
# The generated files are kept in BENCH_WORK/meta-data/<rows, lists, planted, seed, generator
# version>/ and reused by later runs (about 2 min to make at 5M rows / 16M entries, 4.5 GB).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT=$ROOT/bench
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/hashscreen-bench}
ROWS=${BENCH_META_ROWS:-5000000}
LIST=${BENCH_META_LIST:-16000000}
MD5_LIST=${BENCH_META_MD5_LIST:-1000000}
PLANTED=${BENCH_META_PLANTED:-1000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_META_RUNS:-5}
PEER_RUNS=${BENCH_META_PEER_RUNS:-3}
M=${BENCH_META_OUT:-$WORK/hs/meta}
VENV=${BENCH_VENV:-$WORK/venv}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
START=$(date +%s)
step() { echo "== meta [$(( $(date +%s) - START ))s] $*" >&2; }
[ "$ROWS" -gt 0 ] || { echo "meta.sh: BENCH_META_ROWS=0, skipped" >&2; exit 0; }

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import numpy, pyarrow, duckdb" 2>/dev/null; then
  step "venv $VENV (bench/requirements.txt)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$KIT/requirements.txt"
fi
PY=$VENV/bin/python
FLAGS=""
if [ -n "${BENCH_HASHSCREEN:-}" ]; then
  HS=$BENCH_HASHSCREEN
else
  if [ -z "${BENCH_RELEASE_FLAGS:-}" ] && [ "$(uname -m)" = x86_64 ]; then
    BENCH_RELEASE_FLAGS="-c release -Xswiftc -target-cpu -Xswiftc nehalem -Xcc -march=nehalem"   # the Makefile's
  fi
  FLAGS=${BENCH_RELEASE_FLAGS:--c release}
  SWIFT=${SWIFT:-swift}
  step "$SWIFT build $FLAGS"
  mkdir -p "$M"
  (cd "$ROOT" && $SWIFT build $FLAGS > "$M/build.log" 2>&1) || { tail -20 "$M/build.log"; exit 2; }
  HS=$(cd "$ROOT" && $SWIFT build $FLAGS --show-bin-path)/hashscreen
fi

# 1. The data: generated once per parameter set, written aside and moved into place.
GV=$(sed -n 's/^GENERATOR_VERSION = \([0-9]*\).*/\1/p' "$KIT/make_meta.py")
D=$WORK/meta-data/r$ROWS-l$LIST-m$MD5_LIST-p$PLANTED-s$SEED-g$GV
GENERATED=false
if [ ! -f "$D/meta.json" ]; then
  GENERATED=true
  step "data: make_meta.py --rows $ROWS --list-entries $LIST -> $D (about 2 min at 5M rows)"
  rm -rf "$D.partial" && mkdir -p "$(dirname "$D")"
  "$PY" "$KIT/make_meta.py" --out "$D.partial" --rows "$ROWS" --list-entries "$LIST" \
    --md5-entries "$MD5_LIST" --planted "$PLANTED" --md5-planted "$PLANTED" --seed "$SEED" > /dev/null
  rm -rf "$D" && mv "$D.partial" "$D"
fi

rm -rf "$M" && mkdir -p "$M"
echo "{\"start_loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"start\": \"$(date -u +%FT%TZ)\", \"data\": \"$D\", \"hashscreen\": \"$HS\", \"flags\": \"$FLAGS\", \"generated\": $GENERATED}" > "$M/run.json"
J=$M/results.jsonl
: > "$J"
T() { local label=$1 items=$2 n=$3 w=$4; shift 4
      "$PY" "$KIT/timecmd.py" -n "$n" --warmup "$w" --label "$label" --items "$items" --json "$J" -- "$@"; }
DUCK=("$PY" "$KIT/peers/duckdb_meta.py")
DDB=$M/lists.duckdb

# 2. List import: each run into a new database file (DuckDB: one table; hashscreen: one list).
step "list import, $LIST entries: DuckDB ($PEER_RUNS) and hashscreen ($RUNS)"
cat "$D/url_md5.txt" "$D/md5.txt" > /dev/null
T "meta:duckdb:ingest:url_md5" "$LIST" "$PEER_RUNS" 0 sh -c 'rm -f "$1" "$1.wal"; exec "$2" "$3" ingest "$1" url_md5 "$4"' \
  sh "$DDB" "$PY" "$KIT/peers/duckdb_meta.py" "$D/url_md5.txt"
T "meta:duckdb:ingest:md5" "$MD5_LIST" 1 0 "${DUCK[@]}" ingest "$DDB" md5 "$D/md5.txt"
T "meta:hs:import:url_md5" "$LIST" "$RUNS" 0 sh -c 'rm -f "$1" "$1".index-*; exec "$2" list import --list "$1" --name urls --version bench --type url_md5 --url-convention raw "$3"' \
  sh "$M/urls.db" "$HS" "$D/url_md5.txt"
T "meta:hs:import:md5" "$MD5_LIST" "$RUNS" 0 sh -c 'rm -f "$1" "$1".index-*; exec "$2" list import --list "$1" --name md5 --version bench --type md5 "$3"' \
  sh "$M/md5.db" "$HS" "$D/md5.txt"
"$HS" list info --list "$M/urls.db" > "$M/urls-info.txt"
"$HS" list info --list "$M/md5.db" > "$M/md5-info.txt"
ls -l "$DDB" "$M/urls.db" "$M/md5.db" > "$M/list-files.txt"

# 3. The screens, page cache warm for both tools. Variants: NAME FILE SIGNAL LIST-DB.
VARIANTS="parquet:laion.parquet:url_md5:urls.db csv:laion.csv:url_md5:urls.db jsonl:laion.jsonl:url_md5:urls.db md5:laion_md5.parquet:md5:md5.db"
for v in $VARIANTS; do
  IFS=: read -r name file sig db <<< "$v"
  cat "$D/$file" > /dev/null
  step "screen $name ($file, $sig): DuckDB and hashscreen alternating, $RUNS rounds after a warm-up round"
  # Alternating runs (timecmd.py --label2): a drift of the machine's speed moves both tools alike.
  "$PY" "$KIT/timecmd.py" -n "$RUNS" --warmup 1 --label "meta:duckdb:screen:$name" --label2 "meta:hs:scan:$name" \
    --items "$ROWS" --json "$J" -- "${DUCK[@]}" screen "$DDB" "$D/$file" "$sig" "$M/duckdb-$name.csv" removal \
    --then sh -c 'rm -rf "$4"; exec "$1" scan "$2" --list "$3" --signals "$5" --jobs 2 -q --out "$4"' \
    sh "$HS" "$D/$file" "$M/$db" "$M/hs-$name" "$sig"
  # The recorded column also by a query that never reads the URLs (the SAMPLE_IDs only).
  [ "$name" != md5 ] || T "meta:duckdb:screen-key:$name" "$ROWS" "$PEER_RUNS" 1 "${DUCK[@]}" screen "$DDB" "$D/$file" "$sig" "$M/duckdb-$name-key.csv" key
done
step "DuckDB floors on laion.parquet: read the URLs; read and md5 them"
T "meta:duckdb:floor:decode" "$ROWS" "$PEER_RUNS" 1 "${DUCK[@]}" floor "$D/laion.parquet" decode
T "meta:duckdb:floor:md5" "$ROWS" "$PEER_RUNS" 1 "${DUCK[@]}" floor "$D/laion.parquet" md5
cut -d' ' -f1-3 /proc/loadavg > "$M/end_load.txt"
echo "$(( $(date +%s) - START ))" > "$M/elapsed.txt"

# 4. Report: alone, this section of the page is rewritten in place; under bench.sh, report.py
#    builds the whole page (BENCH_META_NO_REPORT=1).
if [ -z "${BENCH_META_NO_REPORT:-}" ]; then
  step "report -> $DOC (section LAION metadata)"
  "$PY" "$KIT/report.py" --meta-only --meta "$M" --doc "$DOC"
fi
step "done"
