#!/usr/bin/env bash
# The demo: import the demo list, scan the demo dataset, show where the outputs are.
# Usage: Fixtures/demo/run-demo.sh PATH/TO/hashscreen   (make demo passes the debug build)
set -euo pipefail
bin=${1:?usage: run-demo.sh PATH/TO/hashscreen}
here=$(cd "$(dirname "$0")" && pwd)
out=${DEMO_OUT:-$PWD/demo-out}
rm -rf "$out"
mkdir -p "$out"
db="$out/demo-list.sqlite"

echo "== hashscreen list import (the demo list: hashes of some demo images, made by Fixtures/make_fixtures.py)"
"$bin" list import --list "$db" --name demo-list --version 1 "$here/demo-list.csv"
"$bin" list info --list "$db"

echo
echo "== hashscreen scan $here/manifest.csv"
set +e
"$bin" scan "$here/manifest.csv" --list "$db" --out "$out/scan"
status=$?
set -e
echo "exit status: $status (1 = at least one match, as expected for the demo)"
echo
echo "== removals.csv"; cat "$out/scan/removals.csv"
echo
echo "== errors.jsonl"; cat "$out/scan/errors.jsonl"
echo
echo "Outputs: $out/scan/{removals.csv,report.jsonl,errors.jsonl,summary.json}"
[ "$status" -eq 1 ] || { echo "demo: expected exit status 1 (matches), got $status" >&2; exit 1; }
