#!/usr/bin/env python3
"""Comparisons for the differential tests (tests/lab/*.sh): kaic-sim against the lab.

  compare.py verdicts SCENARIO SIM.json LAB.json   kaic results.json: verdict, evidence
  compare.py shape SIM_DIR LAB_DIR                 replayed answers: status, JSON shape
  compare.py kubectl SIM_DIR LAB_DIR               kubectl runs: exit status, output
  compare.py fetch KUBECONFIG REQUESTS DIR         GET each "METHOD URL" line of REQUESTS
                                                   into DIR/N.json ({status, body})

Each difference is one line:
  DEVIATION <key>: <what differs>      not listed in tests/lab/known-deviations.txt
  KNOWN <key> (sim|lab): <what differs> listed there: a kaic-sim deviation someone fixes
                                        in sim/ (sim) or what the lab cannot represent (lab)
Exit status: 1 when there is a DEVIATION line, else 0.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def known_list():
    known = {}
    with open(os.path.join(HERE, "known-deviations.txt")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cat, key = line.split()[:2]
            known[key] = cat
    return known


KNOWN = known_list()
found = []


def lookup(key):
    if key in KNOWN:
        return KNOWN[key]
    # a key may be a shell pattern (fnmatch): verdict:*:HW-1.2
    import fnmatch
    for k, cat in KNOWN.items():
        if fnmatch.fnmatchcase(key, k):
            return cat
    return None


def report(key, what):
    cat = lookup(key)
    if cat:
        print("KNOWN %s (%s): %s" % (key, cat, what))
    else:
        print("DEVIATION %s: %s" % (key, what))
        found.append(key)


# --- normalization: names, times, uids ------------------------------------------------

UID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
SERVER = re.compile(r"https://127\.0\.0\.1:\d+")
AGE = re.compile(r"(?<![\w.-])(\d+d)?(\d+h)?(\d+m)?(\d+s)?(?=\s|$)")
RV = re.compile(r'("?resourceVersion"?:\s*)"?\d+"?')
# generateName suffixes: 5 of the characters the API server draws them from, one a letter
GENERATED = re.compile(r"\b([a-z0-9-]+)-(?=[0-9]*[bcdfghjklmnpqrstvwxz])[bcdfghjklmnpqrstvwxz2456789]{5}\b")
# a ReplicaSet's pod-template-hash suffix (upstream hashes the Go struct of the template:
# kaic-sim's hash of the same template differs)
TEMPLATE_HASH = re.compile(r"\b([a-z0-9]+(?:-[a-z0-9]+)*)-(?=[0-9]*[bcdfghjklmnpqrstvwxz])[bcdfghjklmnpqrstvwxz2456789]{6,10}\b")
HASH_LABEL = re.compile(r'(pod-template-hash"?[=:]\s*"?)[bcdfghjklmnpqrstvwxz2456789]{6,10}\b')
POD_IP = re.compile(r"\b10\.244\.\d{1,3}\.\d{1,3}\b")
COLUMN_GAP = re.compile(r"(\S) {2,}(?=\S)")
RUNID = re.compile(r"\b[0-9a-f]{8}\b")


def norm_text(s):
    s = UID.sub("<uid>", s)
    s = TIME.sub("<time>", s)
    s = SERVER.sub("<server>", s)
    s = RV.sub(r"\1<rv>", s)
    lines = []
    for line in s.splitlines():
        line = AGE.sub(lambda m: "<age>" if m.group(0) else "", line)
        # table columns: their padding follows the widest cell (an age, a name)
        line = COLUMN_GAP.sub(r"\1  ", line)
        lines.append(line.rstrip())
    return "\n".join(lines)


def norm_evidence(s):
    # the lab's own bookkeeping: kwok's annotations on loaded objects
    s = "\n".join(l for l in s.splitlines() if "kwok.x-k8s.io/" not in l)
    s = norm_text(s)
    s = GENERATED.sub(r"\1-<gen>", s)
    s = TEMPLATE_HASH.sub(r"\1-<hash>", s)
    s = HASH_LABEL.sub(r"\1<hash>", s)
    return s


# --- verdicts -----------------------------------------------------------------------

def verdicts(scenario, sim_path, lab_path):
    sim = {r["id"]: r for r in json.load(open(sim_path))["requirements"]}
    lab = {r["id"]: r for r in json.load(open(lab_path))["requirements"]}
    same = 0
    for rid in sim:
        a, b = sim[rid], lab.get(rid)
        if b is None:
            report("verdict:%s:%s" % (scenario, rid), "missing from the lab's results")
            continue
        if a["verdict"] != b["verdict"]:
            report("verdict:%s:%s" % (scenario, rid), "kaic-sim %s, lab %s; evidence kaic-sim %s; lab %s" %
                   (a["verdict"], b["verdict"], json.dumps(a.get("evidence")), json.dumps(b.get("evidence"))))
            continue
        ea = [norm_evidence(e) for e in a.get("evidence", [])]
        eb = [norm_evidence(e) for e in b.get("evidence", [])]
        if ea != eb:
            only_a = [e for e in ea if e not in eb]
            only_b = [e for e in eb if e not in ea]
            report("evidence:%s:%s" % (scenario, rid), "same verdict %s; kaic-sim only %s; lab only %s" %
                   (a["verdict"], json.dumps(only_a), json.dumps(only_b)))
            continue
        same += 1
    print("verdicts %s: %d of %d requirements with the same verdict and evidence" % (scenario, same, len(sim)))


# --- JSON shape ---------------------------------------------------------------------

IGNORED = {"uid", "resourceVersion", "creationTimestamp", "managedFields", "lastTransitionTime",
           "lastHeartbeatTime", "lastProbeTime", "lastUpdateTime", "startTime", "generation",
           "observedGeneration", "deletionTimestamp", "time"}


def shape(v, depth=0):
    """keys and value types; lists by the union of their items' shapes"""
    if isinstance(v, dict):
        return {k: shape(x, depth + 1) for k, x in sorted(v.items()) if k not in IGNORED}
    if isinstance(v, list):
        merged = {}
        kinds = set()
        for x in v:
            s = shape(x, depth + 1)
            if isinstance(s, dict):
                merge(merged, s)
                kinds.add("object")
            else:
                kinds.add(s)
        if merged:
            return [merged]
        return ["|".join(sorted(kinds))] if kinds else []
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return "string"


def merge(into, s):
    for k, v in s.items():
        if k in into and isinstance(into[k], dict) and isinstance(v, dict):
            merge(into[k], v)
        else:
            into.setdefault(k, v)


def diff_shape(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append("%s.%s only on kaic-sim" % (path, k))
            elif k not in a:
                out.append("%s.%s only on the lab" % (path, k))
            else:
                diff_shape(a[k], b[k], "%s.%s" % (path, k), out)
    elif isinstance(a, list) and isinstance(b, list):
        if a and b:
            diff_shape(a[0], b[0], path + "[]", out)
        elif a or b:
            pass  # one side empty: no shape to compare
    elif a != b:
        out.append("%s: kaic-sim %s, lab %s" % (path, json.dumps(a)[:60], json.dumps(b)[:60]))


def shape_key(d):
    """shape:PATH:lab-only, shape:PATH:sim-only or shape:PATH:type for a difference line"""
    if d.endswith(" only on the lab"):
        return "shape:%s:lab-only" % d[:-len(" only on the lab")]
    if d.endswith(" only on kaic-sim"):
        return "shape:%s:sim-only" % d[:-len(" only on kaic-sim")]
    return "shape:%s:type" % d.split(":")[0]


def shapes(sim_dir, lab_dir):
    reqs = [l.rstrip("\n").split(" ", 1) for l in open(os.path.join(sim_dir, "requests"))]
    same = 0
    for n, (method, url) in enumerate(reqs):
        a = json.load(open(os.path.join(sim_dir, "%d.json" % n)))
        b = json.load(open(os.path.join(lab_dir, "%d.json" % n)))
        key = "api:%s:%s" % (method, re.sub(r"\?.*", "", url))
        if a["status"] != b["status"]:
            report(key, "status kaic-sim %d, lab %d (lab: %s)" % (a["status"], b["status"], str(b.get("body"))[:200]))
            continue
        if a["status"] >= 300 or not isinstance(a.get("body"), (dict, list)) or not isinstance(b.get("body"), (dict, list)):
            if type(a.get("body")) is not type(b.get("body")):
                report(key, "body kaic-sim %s, lab %s" % (type(a.get("body")).__name__, type(b.get("body")).__name__))
            else:
                same += 1
            continue
        out = []
        diff_shape(shape(a["body"]), shape(b["body"]), "", out)
        # each difference may be known by itself (shape:PATTERN): defaults kaic-sim does
        # not apply, fields the lab's kwok adds, …
        unknown, knowns = [], {}
        for d in out:
            cat = lookup(shape_key(d))
            if cat:
                knowns.setdefault(cat, []).append(d)
            else:
                unknown.append(d)
        for cat, ds in sorted(knowns.items()):
            print("KNOWN %s (%s): %s" % (key, cat, "; ".join(ds)))
        if unknown:
            report(key, "; ".join(unknown))
        elif not out:
            same += 1
    print("shape: %d of %d replayed requests with the same status and JSON shape" % (same, len(reqs)))


# --- kubectl ------------------------------------------------------------------------

def kubectl(sim_dir, lab_dir):
    cmds = [l.rstrip("\n").split(" ", 1) for l in open(os.path.join(sim_dir, "commands"))]
    same = 0
    for cid, cmd in cmds:
        ra = open(os.path.join(sim_dir, cid + ".rc")).read().strip()
        rb = open(os.path.join(lab_dir, cid + ".rc")).read().strip()
        oa = norm_evidence(open(os.path.join(sim_dir, cid + ".out"), errors="replace").read())
        ob = norm_evidence(open(os.path.join(lab_dir, cid + ".out"), errors="replace").read())
        key = "kubectl:" + cid
        # pod IPs are the node's network's (kwok's on the lab); rows of generated names
        # are listed in the order of those names
        oa, ob = POD_IP.sub("<podip>", oa), POD_IP.sub("<podip>", ob)
        if oa != ob and ra == rb and sorted(oa.splitlines()) == sorted(ob.splitlines()):
            oa = ob
        if ra != rb:
            report(key, "`kubectl %s`: exit kaic-sim %s, lab %s\n--- kaic-sim\n%s\n--- lab\n%s" %
                   (cmd, ra, rb, oa[:1500], ob[:1500]))
        elif oa != ob:
            import difflib
            d = "\n".join(difflib.unified_diff(oa.splitlines(), ob.splitlines(), "kaic-sim", "lab", lineterm="", n=1))
            report(key, "`kubectl %s`: same exit %s, output differs:\n%s" % (cmd, ra, d[:3000]))
        else:
            same += 1
    print("kubectl: %d of %d commands with the same exit status and output" % (same, len(cmds)))


def fetch(kubeconfig, requests, out):
    import base64, http.client, ssl, tempfile, urllib.parse
    import yaml
    kc = yaml.safe_load(open(kubeconfig))
    ctx = next(c["context"] for c in kc["contexts"] if c["name"] == kc["current-context"])
    cl = next(c["cluster"] for c in kc["clusters"] if c["name"] == ctx["cluster"])
    us = next(u["user"] for u in kc["users"] if u["name"] == ctx["user"])
    tmp = tempfile.mkdtemp()
    files = {}
    for k, src in (("certificate-authority-data", cl), ("client-certificate-data", us), ("client-key-data", us)):
        files[k] = os.path.join(tmp, k)
        with open(files[k], "wb") as f:
            f.write(base64.b64decode(src[k]))
    sc = ssl.create_default_context(cafile=files["certificate-authority-data"])
    sc.load_cert_chain(files["client-certificate-data"], files["client-key-data"])
    for f in files.values():
        os.unlink(f)
    os.rmdir(tmp)
    u = urllib.parse.urlsplit(cl["server"])
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=sc, timeout=30)
    os.makedirs(out, exist_ok=True)
    for n, line in enumerate(open(requests)):
        method, url = line.rstrip("\n").split(" ", 1)
        conn.request(method, url, headers={"Accept": "application/json"})
        r = conn.getresponse()
        raw = r.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")[:300]
        json.dump({"status": r.status, "body": body}, open(os.path.join(out, "%d.json" % n), "w"))
    return 0


def main():
    what = sys.argv[1]
    if what == "fetch":
        return fetch(*sys.argv[2:5])
    if what == "verdicts":
        verdicts(*sys.argv[2:5])
    elif what == "shape":
        shapes(*sys.argv[2:4])
    elif what == "kubectl":
        kubectl(*sys.argv[2:4])
    else:
        sys.exit("usage: compare.py verdicts|shape|kubectl ...")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
