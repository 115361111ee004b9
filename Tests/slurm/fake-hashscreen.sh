#!/usr/bin/env bash
# Stands in for `hashscreen scan --shard auto` and `hashscreen merge` (issue 13, not written
# yet) so that Tests/slurm/smoke.sh can run deploy/slurm/submit.sh on the test cluster: the
# plumbing (array, part folders, afterok merge) is tested now, the scan itself later.
#   scan --shard auto --out DIR ARGS...  writes DIR/shard (INDEX/COUNT from Slurm's array
#                                        variables, as the real flag will) and DIR/args;
#                                        exits 3 if INDEX is $FAKE_FAIL_SHARD
#   merge PART... --out DIR              checks that the parts are shards 0..COUNT-1 of one
#                                        COUNT, each once, and writes DIR/shards
set -euo pipefail
cmd="$1"; shift
case "$cmd" in
  scan)
    [ "$1 $2 $3" = "--shard auto --out" ] || { echo "fake scan: unexpected arguments: $*" >&2; exit 2; }
    dir="$4"; shift 4
    index=$(( (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP ))
    mkdir -p "$dir"
    echo "$index/$SLURM_ARRAY_TASK_COUNT" > "$dir/shard"
    printf '%s\n' "$@" > "$dir/args"
    [ "$index" != "${FAKE_FAIL_SHARD:-}" ] || exit 3
    ;;
  merge)
    parts=()
    while [ "$1" != --out ]; do parts+=("$1"); shift; done
    dir="$2"
    seen="$(cat "${parts[@]/%//shard}" | sort -t/ -k1,1n)"
    count="${seen##*/}"
    want="$(for ((i = 0; i < count; i++)); do echo "$i/$count"; done)"
    [ "$seen" = "$want" ] && [ "${#parts[@]}" -eq "$count" ] ||
      { echo "fake merge: parts are not shards 0..$((count - 1)) of $count: $seen" | tr '\n' ' ' >&2; exit 1; }
    mkdir -p "$dir"
    echo "$seen" > "$dir/shards"
    ;;
  *) echo "fake hashscreen: no command $cmd" >&2; exit 2 ;;
esac
