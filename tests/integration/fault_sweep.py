#!/usr/bin/env python3
"""fault_sweep.py: a failed read decides nothing (run by fault_sweep.sh).

Runs kaic against kaic-sim's reference scenario once cleanly (passive and active), takes
every resource path kaic read from kaic-sim's access log, then, for each path, starts
kaic-sim with that one path failing (faults.pathPrefix; errorRate 1.0, and dropRate 1.0
for a few paths; also every /apis/ and every /api/v1/ path at once) and runs kaic again.
Every requirement must then be Error or keep its clean verdict with the clean
remediation: a Partial or No the clean run did not have, a Full where the clean run was
not Full, or the clean verdict for another reason, is a confident verdict drawn from a
failed read, and fails the test.

Usage: fault_sweep.py KAIC KAIC_SIM SCENARIO_DIR WORK_DIR
Environment: SWEEP_JOBS (concurrent kaic-sim instances, default 6), SWEEP_ACTIVE
(all: the active sweep over every path, the default; must: only over the paths of the
MUST requirements' active tests; none), SWEEP_PATHS (comma-separated path substrings:
only those paths, for debugging).
Prints one line per violation and a summary; exit 0 when there is none.
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

KAIC, SIM, SCENARIO, WORK = sys.argv[1:5]
JOBS = int(os.environ.get("SWEEP_JOBS", "6"))
ACTIVE = os.environ.get("SWEEP_ACTIVE", "all")
ONLY = [p for p in os.environ.get("SWEEP_PATHS", "").split(",") if p]

# Paths failed by dropping the connection too (the others answer 500).
DROP = ("/csidrivers", "/prometheuses", "/resourceslices", "/apps/v1/daemonsets")
# Reads of the active tests of the MUST requirements (SWEEP_ACTIVE=must).
ACTIVE_READS = ("/storageclasses", "/csidrivers", "/volumesnapshotclasses", "/prometheuses",
                "/api/v1/services", "/podmonitors", "/deviceclasses", "/resourceslices",
                "/gatewayclasses", "/customresourcedefinitions", "/agenttools",
                "/networkpolicies", "/proxy/")


class Sim:
    """One kaic-sim on a copy of the scenario with faults (a dict, or None)."""

    def __init__(self, name, faults):
        self.dir = os.path.join(WORK, name)
        scen = os.path.join(self.dir, "scenario")
        os.makedirs(scen)
        for entry in os.listdir(SCENARIO):
            if entry != "scenario.yaml" and not entry.startswith("expected-"):
                os.symlink(os.path.join(SCENARIO, entry), os.path.join(scen, entry))
        with open(os.path.join(SCENARIO, "scenario.yaml")) as f:
            text = f.read()
        if faults:
            text += "\nfaults: " + json.dumps(faults) + "\n"
        with open(os.path.join(scen, "scenario.yaml"), "w") as f:
            f.write(text)
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.log = os.path.join(self.dir, "access.log")
        self.out = open(os.path.join(self.dir, "sim.out"), "w")
        self.proc = subprocess.Popen(
            [SIM, "--scenario", scen, "--port", "0", "--kubeconfig-out", self.kubeconfig,
             "--log", self.log], stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not (os.path.exists(self.kubeconfig) and self._listening()):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("kaic-sim did not start for %s: %s" %
                                   (name, open(self.out.name).read()[-500:]))
            time.sleep(0.05)

    def _listening(self):
        with open(self.out.name) as f:
            return "listening on " in f.read()

    def kaic(self, name, passive):
        """Runs kaic; returns {id: (verdict, evidence, remediation)}."""
        out = os.path.join(self.dir, name)
        cmd = [KAIC, "run", "--output-dir", out, "--parallel", "16", "--no-color",
               "--timeout", "60s"]
        if passive:
            cmd.append("--passive")
        env = dict(os.environ, KUBECONFIG=self.kubeconfig)
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=300)
        if p.returncode not in (0, 1, 3):
            raise RuntimeError("%s: kaic exited %d: %s" %
                               (name, p.returncode, p.stdout.decode()[-800:]))
        doc = json.load(open(os.path.join(out, "results.json")))
        return {r["id"]: (r["verdict"], r.get("evidence", []), r.get("remediation"))
                for r in doc["requirements"]}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.out.close()


def read_paths(log):
    """Distinct GET paths (no query) of the access log, discovery and /version left out."""
    paths = []
    for line in open(log):
        f = line.split()
        if len(f) < 3 or f[0] != "GET" or not f[2].startswith("2"):
            continue
        p = f[1].split("?")[0]
        parts = p.strip("/").split("/")
        discovery = (parts[0] == "api" and len(parts) <= 2) or \
                    (parts[0] == "apis" and len(parts) <= 3)
        if p == "/version" or discovery or p in paths:
            continue
        paths.append(p)
    return paths


def is_run_specific(path):
    """Paths of the objects an active run creates (its namespace, its volumes)."""
    return "/namespaces/kaic-" in path or "/persistentvolumes/" in path or \
        path.endswith("/namespaces")


def judge(clean, got, where):
    """Violations: requirements neither Error nor at their clean verdict for the clean
    reason (a different remediation means another branch decided, on what was not read)."""
    bad = []
    for rid, (cv, _, chint) in clean.items():
        gv, ev, hint = got.get(rid, ("(absent)", [], None))
        if gv == "Error" or (gv == cv and hint == chint):
            continue
        why = "" if gv != cv else " (another reason)"
        bad.append("%s: %s %s -> %s%s\n      %s\n      remediation: %s\n      clean: %s" %
                   (where, rid, cv, gv, why, "\n      ".join(ev), hint, chint))
    return bad


def main():
    os.makedirs(WORK, exist_ok=True)
    t0 = time.time()
    sim = Sim("clean", None)
    try:
        clean_passive = sim.kaic("passive", True)
        n_passive_log = sum(1 for _ in open(sim.log))
        clean_active = sim.kaic("active", False)
    finally:
        sim.stop()
    lines = open(sim.log).read().splitlines(True)
    with open(os.path.join(WORK, "passive.log"), "w") as f:
        f.writelines(lines[:n_passive_log])
    with open(os.path.join(WORK, "active.log"), "w") as f:
        f.writelines(lines[n_passive_log:])
    passive_paths = read_paths(os.path.join(WORK, "passive.log"))
    active_paths = [p for p in read_paths(os.path.join(WORK, "active.log"))
                    if not is_run_specific(p)]
    if ONLY:
        passive_paths = [p for p in passive_paths if any(o in p for o in ONLY)]
        active_paths = [p for p in active_paths if any(o in p for o in ONLY)]
    if ACTIVE == "none":
        active_paths = []
    elif ACTIVE == "must":
        active_paths = [p for p in active_paths if any(a in p for a in ACTIVE_READS)]

    jobs = []  # (kind, path, faults, passive?, active?)
    if not ONLY:
        # every non-core list at once, every core list at once
        for p in ("/apis/", "/api/v1/"):
            jobs.append(("error", p, {"errorRate": 1.0, "pathPrefix": p}, True, True))
    for p in sorted(set(passive_paths) | set(active_paths)):
        kinds = [("error", {"errorRate": 1.0, "pathPrefix": p})]
        if any(p.endswith(d) for d in DROP):
            kinds.append(("drop", {"dropRate": 1.0, "pathPrefix": p}))
        for kind, faults in kinds:
            jobs.append((kind, p, faults, p in passive_paths, p in active_paths))

    lock = threading.Lock()
    violations = []
    counter = [0]

    def one(i, job):
        kind, path, faults, passive, active = job
        name = "%03d-%s" % (i, kind)
        s = Sim(name, faults)
        found = []
        try:
            if passive:
                found += judge(clean_passive, s.kaic("passive", True),
                               "%s %s passive" % (kind, path))
            if active:
                found += judge(clean_active, s.kaic("active", False),
                               "%s %s active" % (kind, path))
        finally:
            s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)
        with lock:
            counter[0] += 1
            violations.extend(found)
            print("[%d/%d] %-5s %s%s%s: %s" %
                  (counter[0], len(jobs), kind, path, " passive" if passive else "",
                   " active" if active else "",
                   "ok" if not found else "%d confident verdict%s" %
                   (len(found), "" if len(found) == 1 else "s")), flush=True)

    errors = []
    with ThreadPoolExecutor(max_workers=JOBS) as ex:
        futs = [ex.submit(one, i, j) for i, j in enumerate(jobs)]
        for f in futs:
            try:
                f.result()
            except Exception as e:  # a crash or a hang is a failure too
                errors.append(str(e))
    for v in violations:
        print("VIOLATION " + v)
    for e in errors:
        print("FAIL " + e)
    print("%d paths (%d passive, %d active), %d runs, %d confident verdicts from failed "
          "reads, %.0f s" % (len(set(passive_paths) | set(active_paths)),
                             len(passive_paths), len(active_paths),
                             sum(int(j[3]) + int(j[4]) for j in jobs), len(violations),
                             time.time() - t0))
    return 1 if violations or errors else 0


if __name__ == "__main__":
    sys.exit(main())
