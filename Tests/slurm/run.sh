#!/usr/bin/env bash
# make test-slurm: start the test cluster, run smoke.sh on it, check the deploy/ drafts, stop the
# cluster (whatever happened), and print how long each step took. Exit 0 only if all passed
# and nothing of the cluster is left running. Tests/slurm/README.md.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
ms() { date +%s%3N; }
secs() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
status=0

for f in deploy/slurm/*.sbatch deploy/slurm/*.sh Tests/slurm/*.sh Tests/slurm/*.sbatch; do
  bash -n "$f" || { echo "run.sh: bash -n $f failed"; status=1; }
done
/usr/bin/python3 Tests/deploy/check_kubernetes.py deploy/kubernetes || status=1

t0=$(ms)
if ! bash Tests/slurm/cluster.sh start; then
  bash Tests/slurm/cluster.sh stop
  exit 1
fi
t1=$(ms)
bash Tests/slurm/smoke.sh || status=1
t2=$(ms)
bash Tests/slurm/cluster.sh stop || status=1
t3=$(ms)
if bash Tests/slurm/cluster.sh status >/dev/null; then echo "run.sh: the cluster still answers after stop"; status=1; fi
echo "run.sh: cluster start $(secs $((t1 - t0))) s (package install included, if any), smoke test $(secs $((t2 - t1))) s, stop $(secs $((t3 - t2))) s, total $(secs $((t3 - t0))) s"
[ $status -eq 0 ] && echo "run.sh: Slurm test passed" || echo "run.sh: Slurm test FAILED"
exit $status
