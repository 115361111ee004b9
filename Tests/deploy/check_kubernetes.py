#!/usr/bin/env python3
"""Checks deploy/kubernetes/*.yaml without a cluster: YAML syntax, then what a typo would break
silently. Prints one line per failed check; exit 1 if any.

- the scan Job is an Indexed Job (completionMode, 1 <= parallelism <= completions, a part folder
  per JOB_COMPLETION_INDEX) whose shard count (HASHSCREEN_SHARD_COUNT) equals its completions;
- the merge Job names exactly the parts 0..completions-1, on the same output claim;
- both pods run as non-root with a read-only root file system, no privilege escalation, no
  capabilities, resource requests and limits; the list and the datasets are mounted read-only.

Needs PyYAML (Debian: python3-yaml). Usage: check_kubernetes.py [FOLDER] (default deploy/kubernetes).
"""
import pathlib
import sys

import yaml

folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "deploy/kubernetes")
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def load(name):
    docs = list(yaml.safe_load_all((folder / name).read_text()))
    check(len(docs) == 1, f"{name}: {len(docs)} YAML documents, expected 1")
    job = docs[0]
    check(job.get("apiVersion") == "batch/v1" and job.get("kind") == "Job", f"{name}: not a batch/v1 Job")
    return job


def pod_checks(name, job):
    """The security and resource settings both Jobs need; returns (container, volumes by name)."""
    pod = job["spec"]["template"]["spec"]
    check(pod.get("restartPolicy") == "Never", f"{name}: restartPolicy is not Never")
    sc = pod.get("securityContext", {})
    check(sc.get("runAsNonRoot") is True and sc.get("runAsUser", 0) != 0, f"{name}: pod may run as root")
    (container,) = pod["containers"]
    csc = container.get("securityContext", {})
    check(csc.get("readOnlyRootFilesystem") is True, f"{name}: root file system not read-only")
    check(csc.get("allowPrivilegeEscalation") is False, f"{name}: privilege escalation allowed")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities not all dropped")
    res = container.get("resources", {})
    for kind in ("requests", "limits"):
        check({"cpu", "memory"} <= set(res.get(kind, {})), f"{name}: no cpu/memory {kind}")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    for m in mounts.values():
        check(m["name"] in volumes, f"{name}: mount {m['mountPath']} of undefined volume {m['name']}")
    check("/tmp" in mounts and "emptyDir" in volumes.get(mounts["/tmp"]["name"], {}),
          f"{name}: no writable /tmp (emptyDir) under a read-only root")
    return container, volumes, mounts


scan = load("hashscreen-indexed-job.yaml")
spec = scan["spec"]
check(spec.get("completionMode") == "Indexed", "scan: completionMode is not Indexed")
completions, parallelism = spec.get("completions"), spec.get("parallelism")
check(isinstance(completions, int) and isinstance(parallelism, int) and 1 <= parallelism <= completions,
      f"scan: parallelism {parallelism} not in 1..completions {completions}")
container, volumes, mounts = pod_checks("scan", scan)
args = container["args"]
check(args[:3] == ["scan", "--shard", "auto"], f"scan: arguments do not start with scan --shard auto: {args[:3]}")
check("--out" in args and args[args.index("--out") + 1] == "/out/part-$(JOB_COMPLETION_INDEX)",
      "scan: --out is not /out/part-$(JOB_COMPLETION_INDEX)")
env = {e["name"]: e.get("value") for e in container.get("env", [])}
check(env.get("HASHSCREEN_SHARD_COUNT") == str(completions),
      f"scan: HASHSCREEN_SHARD_COUNT {env.get('HASHSCREEN_SHARD_COUNT')} is not completions {completions}")
for path in ("/list", "/datasets"):
    m = mounts.get(path)
    check(m is not None and m.get("readOnly") is True, f"scan: {path} not mounted read-only")
    if m:
        v = volumes[m["name"]]
        check("secret" in v or v.get("persistentVolumeClaim", {}).get("readOnly") is True,
              f"scan: volume of {path} is neither a Secret nor a read-only claim")
check("/out" in mounts and not mounts["/out"].get("readOnly", False), "scan: /out not writable")

merge = load("hashscreen-merge-job.yaml")
check("completionMode" not in merge["spec"], "merge: should be one pod, not an Indexed Job")
container, mvolumes, mmounts = pod_checks("merge", merge)
margs = container["args"]
want = ["merge"] + [f"/out/part-{i}" for i in range(completions or 0)] + ["--out", "/out/merged"]
check(margs == want, f"merge: arguments are not merge /out/part-0 ... /out/part-{(completions or 0) - 1} --out /out/merged")
claim = lambda vols, mnts: vols.get(mnts.get("/out", {}).get("name"), {}).get("persistentVolumeClaim", {}).get("claimName")
check(claim(volumes, mounts) is not None and claim(volumes, mounts) == claim(mvolumes, mmounts),
      "merge: /out is not the scan's output claim")

for p in problems:
    print(f"check_kubernetes.py: {p}")
print(f"check_kubernetes.py: {'FAILED' if problems else 'ok'}: {folder}/*.yaml")
sys.exit(1 if problems else 0)
