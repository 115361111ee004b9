#!/usr/bin/env bash
# Job arrays on the test cluster work as a sharded scan will use them (Tests/slurm/README.md).
# Needs a running cluster (Tests/slurm/cluster.sh start) and a built hashscreen ($HASHSCREEN,
# default .build/debug/hashscreen). Exit 0 if every check passes; each check prints ok or FAIL.
#   1. sbatch --wait --array=0-3 and --array=1-7:2 of array-task.sbatch: every task ran once,
#      exit codes 0, SLURM_ARRAY_TASK_ID/_MIN/_MAX/_STEP/_COUNT as documented, (ID-MIN)/STEP
#      gives the shard indexes 0..COUNT-1, `hashscreen hash` in a task gives what it gives here.
#   2. An array with a failing task: sbatch --wait exits with that task's code, the others 0.
#   3. deploy/slurm/submit.sh (with Tests/slurm/fake-hashscreen.sh for the binary): the parts
#      and the afterok merge; with a failing shard, the merge is cancelled and never runs.
#   4. sbatch --test-only accepts deploy/slurm/hashscreen-array.sbatch.
#   5. The real thing: submit.sh (sbatch --array=0-3 of scan --shard auto, then merge) over
#      demo shards; the merged outputs equal the unsharded scan's byte for byte; wall times.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/Tests/slurm"
HASHSCREEN="$(realpath "${HASHSCREEN:-$REPO/.build/debug/hashscreen}")"
IMAGE="$REPO/Fixtures/demo/images/0001.jpg"
WAIT_TIMEOUT=180   # seconds for a job to end
SLURM_CONF="$(bash "$HERE/cluster.sh" conf)"
export SLURM_CONF

failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

bash "$HERE/cluster.sh" status >/dev/null || { echo "smoke.sh: the cluster is not running (Tests/slurm/cluster.sh start)"; exit 1; }
[ -x "$HASHSCREEN" ] || { echo "smoke.sh: no hashscreen binary at $HASHSCREEN (swift build)"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/hashscreen-slurm-smoke.XXXXXX")"
chmod 0755 "$WORK"   # slurmstepd writes the tasks' output files here as the job's user
"$HASHSCREEN" hash "$IMAGE" > "$WORK/expected.hash" || { echo "smoke.sh: hashscreen hash failed here"; exit 1; }

# The state and exit code of every task of job $1, one "TASK STATE EXIT" line each, by task.
tasks_of() {
  scontrol -o show job "$1" | tr ' ' '\n' | awk -F= '
    $1 == "ArrayTaskId" { id = $2 } $1 == "JobState" { st = $2 }
    $1 == "ExitCode" { print id, st, $2 }' | sort -n
}

# Wait until job $1 has ended; print its state.
wait_job() {
  local state="" t0=$SECONDS
  while [ $((SECONDS - t0)) -lt $WAIT_TIMEOUT ]; do
    state="$(scontrol -o show job "$1" | tr ' ' '\n' | sed -n 's/^JobState=//p' | head -1)"
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED) break ;; esac
    sleep 0.5
  done
  echo "$state"
}

# sbatch --wait of array-task.sbatch: $1 name, $2 --array value, $3 failing task (or "").
submit_array() {
  mkdir -m 0755 "$WORK/$1"
  sbatch --wait --parsable --array="$2" --job-name="smoke-$1" --output="$WORK/$1/slurm-%A_%a.out" \
    "$HERE/array-task.sbatch" "$WORK/$1" "$HASHSCREEN" "$IMAGE" "$3" > "$WORK/$1.jobid" 2> "$WORK/$1.err"
  echo $? > "$WORK/$1.rc"
}

t0=$SECONDS
# All jobs at once: `sbatch --wait` polls every few seconds, in parallel they cost one wait.
submit_array zero "0-3" "" &
submit_array step "1-7:2" "" &
submit_array failing "0-2" 1 &
fake="$HERE/fake-hashscreen.sh"
mkdir -m 0755 "$WORK/deploy-ok" "$WORK/deploy-fail"
HASHSCREEN="$fake" HASHSCREEN_SBATCH_ARGS="--cpus-per-task=1 --mem=64M" \
  bash "$REPO/deploy/slurm/submit.sh" 3 "$WORK/deploy-ok" --list list.csv 'shards/{00000..00002}.tar' \
  > "$WORK/deploy-ok.ids" 2>&1
HASHSCREEN="$fake" HASHSCREEN_SBATCH_ARGS="--cpus-per-task=1 --mem=64M" FAKE_FAIL_SHARD=1 \
  bash "$REPO/deploy/slurm/submit.sh" 2 "$WORK/deploy-fail" --list list.csv 'x.tar' \
  > "$WORK/deploy-fail.ids" 2>&1
wait

# 1. Arrays that succeed: 0-3 and 1-7:2.
check_array() {
  local name="$1" ids="$2" min="$3" max="$4" step="$5" count="$6" job id f shards
  job="$(cut -d';' -f1 "$WORK/$name.jobid")"
  check "$name: sbatch --wait exit 0 (got $(cat "$WORK/$name.rc"): $(cat "$WORK/$name.err"))" \
    [ "$(cat "$WORK/$name.rc")" = 0 ]
  check "$name: tasks $ids completed with exit 0:0" \
    [ "$(tasks_of "$job")" = "$(for id in $ids; do echo "$id COMPLETED 0:0"; done)" ]
  check "$name: one env file per task and no other" \
    [ "$(cd "$WORK/$name" && ls task-*.env | sort -V | tr '\n' ' ')" = "$(for id in $ids; do printf 'task-%s.env ' "$id"; done)" ]
  shards=""
  for id in $ids; do
    f="$WORK/$name/task-$id.env"
    check "$name task $id: array variables" [ "$(cat "$f" 2>/dev/null)" = "SLURM_ARRAY_JOB_ID=$job
SLURM_ARRAY_TASK_ID=$id
SLURM_ARRAY_TASK_MIN=$min
SLURM_ARRAY_TASK_MAX=$max
SLURM_ARRAY_TASK_STEP=$step
SLURM_ARRAY_TASK_COUNT=$count" ]
    check "$name task $id: hashscreen hash as outside Slurm" cmp -s "$WORK/expected.hash" "$WORK/$name/task-$id.hash"
    check "$name task $id: Slurm output file" [ -f "$WORK/$name/slurm-${job}_$id.out" ]
    shards+="$(( (id - min) / step )) "
  done
  check "$name: (ID-MIN)/STEP gives shards 0..COUNT-1 ($shards)" [ "$shards" = "$(seq -s ' ' 0 $((count - 1))) " ]
}
check_array zero "0 1 2 3" 0 3 1 4
check_array step "1 3 5 7" 1 7 2 4

# 2. A failing task: its exit code is sbatch --wait's, the other tasks are unaffected.
job="$(cut -d';' -f1 "$WORK/failing.jobid")"
check "failing: sbatch --wait exits 3 (got $(cat "$WORK/failing.rc"))" [ "$(cat "$WORK/failing.rc")" = 3 ]
check "failing: task 1 FAILED 3:0, tasks 0 and 2 COMPLETED 0:0" \
  [ "$(tasks_of "$job")" = "0 COMPLETED 0:0
1 FAILED 3:0
2 COMPLETED 0:0" ]

# 3. deploy/slurm/submit.sh: parts 0..N-1 and the merge after them.
read -r _ scan _ merge < "$WORK/deploy-ok.ids" || true
check "submit.sh printed two job ids ($(cat "$WORK/deploy-ok.ids"))" [ -n "${merge:-}" ]
if [ -n "${merge:-}" ]; then
  check "submit.sh: merge job COMPLETED" [ "$(wait_job "$merge")" = COMPLETED ]
  check "submit.sh: 3 scan tasks COMPLETED 0:0" [ "$(tasks_of "$scan")" = "0 COMPLETED 0:0
1 COMPLETED 0:0
2 COMPLETED 0:0" ]
  check "submit.sh: part-I holds shard I/3" \
    [ "$(cat "$WORK"/deploy-ok/part-{0,1,2}/shard 2>/dev/null | tr '\n' ' ')" = "0/3 1/3 2/3 " ]
  check "submit.sh: scan arguments passed as given, brace range unexpanded" \
    [ "$(cat "$WORK/deploy-ok/part-1/args" 2>/dev/null | tr '\n' ' ')" = "--list list.csv shards/{00000..00002}.tar " ]
  check "submit.sh: merge saw parts 0..2" [ "$(tr '\n' ' ' 2>/dev/null < "$WORK/deploy-ok/merged/shards")" = "0/3 1/3 2/3 " ]
fi
read -r _ scan _ merge < "$WORK/deploy-fail.ids" || true
if [ -n "${merge:-}" ]; then
  # sbatch --wait would exit 0 for this merge job, which never ran: check its state instead.
  check "submit.sh, shard 1 failing: merge CANCELLED" [ "$(wait_job "$merge")" = CANCELLED ]
  check "submit.sh, shard 1 failing: task 1 FAILED 3:0" [ "$(tasks_of "$scan")" = "0 COMPLETED 0:0
1 FAILED 3:0" ]
  check "submit.sh, shard 1 failing: no merged output" [ ! -e "$WORK/deploy-fail/merged" ]
else
  fail "submit.sh (failing shard) printed two job ids ($(cat "$WORK/deploy-fail.ids"))"
fi

# 4. The draft batch script as it ships (its #SBATCH lines) fits a 2-CPU node.
if said="$(sbatch --test-only "$REPO/deploy/slurm/hashscreen-array.sbatch" "$WORK/test-only" --list list.csv x.tar 2>&1)"; then
  ok "sbatch --test-only deploy/slurm/hashscreen-array.sbatch (${said#sbatch: })"
else
  fail "sbatch --test-only deploy/slurm/hashscreen-array.sbatch: $said"
fi
echo "smoke.sh: jobs ran and were checked in $((SECONDS - t0)) s"

# 5. The real sharded scan: deploy/slurm/submit.sh runs `sbatch --array=0-3` of
#    hashscreen-array.sbatch (scan --shard auto) over demo shards, then the afterok merge; the
#    merged outputs equal the unsharded scan's byte for byte (summary.json but for its times
#    and throughput, prevalence.json and report.html but for their run sections). Wall times: the 4-way run (submission to the merge's end, Slurm's
#    scheduling included) and one process (--jobs 2, all cores) on the same data.
real="$WORK/real"
mkdir -m 0755 "$real"
ms() { date +%s%3N; }
/usr/bin/python3 "$HERE/make-demo-shards.py" "$real/shards" 8 100
"$HASHSCREEN" list import --list "$real/list.sqlite" --name demo-list --version 1 "$REPO/Fixtures/demo/demo-list.csv" > /dev/null
chmod 0644 "$real/list.sqlite"
w0=$(ms)
"$HASHSCREEN" scan "$real/shards" --list "$real/list.sqlite" --out "$real/whole" --jobs 2 --quiet
whole_rc=$?
w1=$(ms)
check "real: unsharded scan exits 1 (matches; got $whole_rc)" [ "$whole_rc" = 1 ]
s0=$(ms)
HASHSCREEN="$HASHSCREEN" HASHSCREEN_SBATCH_ARGS="--cpus-per-task=1 --mem=512M" \
  bash "$REPO/deploy/slurm/submit.sh" 4 "$real/out" --list "$real/list.sqlite" --jobs 1 --quiet "$real/shards" \
  > "$real/ids" 2>&1
read -r _ scan _ merge < "$real/ids" || true
if [ -n "${merge:-}" ]; then
  merge_state="$(wait_job "$merge")"
  s1=$(ms)
  check "real: 4 scan tasks COMPLETED 0:0" [ "$(tasks_of "$scan")" = "0 COMPLETED 0:0
1 COMPLETED 0:0
2 COMPLETED 0:0
3 COMPLETED 0:0" ]
  # merge exits as the scan would: 1, matches found (Slurm calls that FAILED 1:0).
  check "real: merge ended with the scan's exit status 1 ($merge_state $(tasks_of "$merge"))" \
    [ "$(tasks_of "$merge" | awk '{print $NF}')" = "1:0" ]
  for f in removals.csv report.jsonl errors.jsonl; do
    check "real: merged $f equals the unsharded scan's" cmp -s "$real/whole/$f" "$real/out/merged/$f"
  done
  # Times, throughput and jobs aside: the parts ran with --jobs 1, the one process with 2.
  timeless() { awk '/^  "throughput": \{/{skip=1; next} skip && /^  \}/{skip=0; next} !skip && !/"(started|finished|jobs)": /' "$1"; }
  check "real: merged summary.json equals the unsharded scan's (times, throughput, jobs aside)" \
    cmp -s <(timeless "$real/whole/summary.json") <(timeless "$real/out/merged/summary.json")
  # prevalence.json and report.html outside their run sections (prevalence.json's last key,
  # report.html's marked run-times section).
  runless() { sed -e '/^  "run": {/,$d' -e '/<!-- hashscreen:run-times:begin -->/,/<!-- hashscreen:run-times:end -->/d' "$1"; }
  for f in prevalence.json report.html; do
    check "real: merged $f equals the unsharded scan's (run times aside)" \
      cmp -s <(runless "$real/whole/$f") <(runless "$real/out/merged/$f")
  done
  check "real: part 2's summary says shard 2/4" grep -q '"index": 2,' "$real/out/part-2/summary.json"
  echo "smoke.sh: 800 images: one process (--jobs 2) $(( w1 - w0 )) ms wall; 4-way Slurm array + merge $(( s1 - s0 )) ms wall (submission to the merge's end)"
else
  fail "real: submit.sh printed two job ids ($(cat "$real/ids"))"
fi

if [ "$failures" -eq 0 ]; then
  rm -rf "$WORK"
  echo "smoke.sh: all checks passed"
else
  echo "smoke.sh: $failures checks failed; the jobs' files are in $WORK"
  exit 1
fi
