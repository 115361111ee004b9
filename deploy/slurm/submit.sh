#!/usr/bin/env bash
# Submit a scan split into SHARDS array tasks (hashscreen-array.sbatch) and a merge job that
# runs only if every task succeeded (afterok; cancelled otherwise, not left pending).
#   deploy/slurm/submit.sh SHARDS OUT SCAN-ARGUMENTS...
#   deploy/slurm/submit.sh 64 /scratch/laion-out --list list.sqlite /data/laion
# Prints the two job ids. Parts go to OUT/part-0 ... OUT/part-(SHARDS-1), the merged result to
# OUT/merged, Slurm's logs to OUT/logs. HASHSCREEN names the binary (default: hashscreen on
# PATH); HASHSCREEN_SBATCH_ARGS adds sbatch options to both jobs (partition, account, ...).
# The merge job's exit status is the scan's: 0 clean, 1 a match, 3 incomplete (docs/sharding.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage="usage: $0 SHARDS OUT SCAN-ARGUMENTS..."
shards="${1:?$usage}" out="${2:?$usage}"
shift 2
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "$0: SHARDS must be a whole number >= 1, not '$shards'" >&2; exit 2; }
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
read -r -a extra <<< "${HASHSCREEN_SBATCH_ARGS:-}"
hashscreen="${HASHSCREEN:-hashscreen}"

export HASHSCREEN_SHARD_COUNT="$shards"   # --shard auto checks the array against it
scan="$(sbatch --parsable "${extra[@]}" --array="0-$((shards - 1))" \
  --output="$out/logs/scan-%A_%a.out" "$here/hashscreen-array.sbatch" "$out" "$@")"
scan="${scan%%;*}"

# Every part by name, so that a missing one is merge's error, not a smaller merge.
merge_cmd="exec $(printf %q "$hashscreen") merge"
for ((i = 0; i < shards; i++)); do merge_cmd+=" $(printf %q "$out/part-$i")"; done
merge_cmd+=" --out $(printf %q "$out/merged")"
merge="$(sbatch --parsable "${extra[@]}" --job-name=hashscreen-merge \
  --dependency="afterok:$scan" --kill-on-invalid-dep=yes \
  --output="$out/logs/merge-%j.out" --wrap="$merge_cmd")"
merge="${merge%%;*}"
echo "scan $scan merge $merge"
