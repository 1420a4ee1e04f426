#!/bin/sh
# workflow_valid.sh: .github/workflows/ai-conformance.yml parses as YAML and has the shape
# GitHub Actions needs: triggers, jobs with runs-on and steps, each step one of uses/run,
# `needs` naming existing jobs, artifacts downloaded under names some job uploads, the
# files it uses present in the repository, and every run script valid bash.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
python3 -c 'import yaml' 2>/dev/null || { echo "python3 with PyYAML is not installed"; exit 77; }
command -v bash >/dev/null 2>&1 || { echo "bash is not installed"; exit 77; }

python3 - .github/workflows/ai-conformance.yml <<'PY'
import os, re, subprocess, sys, yaml

path = sys.argv[1]
wf = yaml.safe_load(open(path))
errors = []
# PyYAML reads the key "on" as the boolean True (YAML 1.1).
on = wf.get("on", wf.get(True))
if not isinstance(on, dict) or not ({"push", "pull_request"} <= set(on)):
    errors.append("triggers: push and pull_request expected")
jobs = wf.get("jobs") or {}
for want in ("build", "conformance", "regression", "lab"):
    if want not in jobs:
        errors.append(f"job {want} is missing")
uploads, downloads = set(), []
expr = re.compile(r"\$\{\{[^}]*\}\}")
for name, job in jobs.items():
    if "runs-on" not in job:
        errors.append(f"{name}: no runs-on")
    needs = job.get("needs", [])
    for n in [needs] if isinstance(needs, str) else needs:
        if n not in jobs:
            errors.append(f"{name}: needs unknown job {n}")
    steps = job.get("steps")
    if not isinstance(steps, list) or not steps:
        errors.append(f"{name}: no steps")
        continue
    for i, st in enumerate(steps):
        where = f"{name} step {i} ({st.get('name', st.get('uses', '?'))})"
        if ("uses" in st) == ("run" in st):
            errors.append(f"{where}: needs exactly one of uses and run")
        uses = st.get("uses", "")
        if uses and not re.match(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[\w.-]+$", uses):
            errors.append(f"{where}: bad uses {uses!r}")
        if uses.startswith("actions/upload-artifact"):
            uploads.add(st["with"]["name"])
        if uses.startswith("actions/download-artifact"):
            downloads.append((where, st["with"]["name"]))
        run = st.get("run")
        if run:
            script = expr.sub("X", run)
            r = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
            if r.returncode:
                errors.append(f"{where}: bash -n: {r.stderr.strip()}")
            for f in re.findall(r"(?:\./)?((?:scripts|deploy|build|tests)/[\w./-]+\.(?:sh|yaml|json))",
                                run):
                if not f.startswith("build/") and not os.path.exists(f):
                    errors.append(f"{where}: uses {f}, which does not exist")
for where, name in downloads:
    if name not in uploads:
        errors.append(f"{where}: downloads artifact {name!r} that no job uploads")
reg = " ".join(s.get("run", "") for s in jobs.get("regression", {}).get("steps", []))
if "compare-baseline.sh .github/baseline-results.json" not in reg:
    errors.append("regression: does not compare against .github/baseline-results.json")
conf = " ".join(s.get("run", "") for s in jobs.get("conformance", {}).get("steps", []))
for must in ("kind load image-archive", "sonobuoy run", "kaic run", "dra-example-driver",
             "gateway", "jobset", "kueue"):
    if must not in conf:
        errors.append(f"conformance: nothing runs {must!r}")
lab = " ".join(s.get("run", "") for s in jobs.get("lab", {}).get("steps", []))
for must in ("make lab-build", "LAB_PROFILE=ai ./scripts/lab up", "kaic run --kubeconfig build/lab/kubeconfig",
             "compare-baseline.sh .github/baseline-results.json reports/lab/results.json",
             "tests/lab/run.sh", "./scripts/lab down"):
    if must not in lab:
        errors.append(f"lab: nothing runs {must!r}")
if "kind" in lab or "docker" in lab.lower():
    errors.append("lab: uses kind or Docker")
for e in errors:
    print("FAIL:", e)
if errors:
    sys.exit(1)
print(f"ok: {len(jobs)} jobs, {sum(len(j['steps']) for j in jobs.values())} steps")
PY
