#!/usr/bin/env python3
"""scripts/lab load DIR: apply a kaic-sim scenario directory (docs/scenarios.md) to the lab.

Order: CustomResourceDefinitions (waiting for Established), Namespaces, then everything
else in file order, then each object's `status` through its status subresource (for a
custom resource without one, the status goes in with the object). The scenario's Nodes
become kwok nodes (annotation kwok.x-k8s.io/node=fake); its Pods keep the status they
were given (kwok.x-k8s.io/status=custom, so kwok leaves them alone). `large:` is
generated as kaic-sim generates it (sim/large.c), with kwok nodes and kwok-run pods.

Whatever the lab cannot represent is listed, never dropped silently: kaic-sim's canned
proxy answers, faults, tokens, a different /version, the served resource.k8s.io versions,
the simulated controllers, owner references to objects that are not in the scenario,
objects the API server rejects. `--report FILE` writes that list as JSON.

Exit status: 0 loaded (with or without a not-represented list), 1 an object was
rejected and --strict was given, 2 usage or connection error.
"""
import argparse
import base64
import concurrent.futures
import copy
import http.client
import json
import os
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

try:
    import yaml
except ImportError:  # Debian: python3-yaml
    sys.exit("lab-load: python3-yaml is missing (apt-get install python3-yaml)")

SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}
# what `large:` defaults to (docs/scenarios.md)
LARGE_DEFAULTS = {"nodes": 5000, "devicesPerSlice": 8, "driver": "gpu.example.com",
                  "namespaces": 20, "pods": 20000}
LAB_RESOURCE_VERSIONS = ["v1", "v1beta2", "v1beta1"]
WORKLOADS = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
             "ReplicationController"}


class ApiError(Exception):
    def __init__(self, status, body):
        self.status = status
        self.body = body
        try:
            self.message = json.loads(body).get("message", body)
        except ValueError:
            self.message = body.decode(errors="replace") if isinstance(body, bytes) else body
        super().__init__("%d %s" % (status, self.message))


class Client:
    """A minimal Kubernetes REST client: one keep-alive HTTPS connection per thread."""

    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            kc = yaml.safe_load(f)
        ctx_name = kc.get("current-context")
        ctx = next(c["context"] for c in kc["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in kc["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in kc["users"] if u["name"] == ctx["user"])
        url = urllib.parse.urlsplit(cluster["server"])
        self.host, self.port = url.hostname, url.port or 443
        self.tmp = tempfile.mkdtemp(prefix="lab-load.")

        def pem(data_key, file_key, name):
            if data_key in user or data_key in cluster:
                path = os.path.join(self.tmp, name)
                with open(path, "wb") as f:
                    f.write(base64.b64decode((user if data_key in user else cluster)[data_key]))
                return path
            return (user if file_key in user else cluster).get(file_key)

        self.ctx = ssl.create_default_context(
            cafile=pem("certificate-authority-data", "certificate-authority", "ca.pem"))
        cert = pem("client-certificate-data", "client-certificate", "cert.pem")
        key = pem("client-key-data", "client-key", "key.pem")
        if cert:
            self.ctx.load_cert_chain(cert, key)
        self.token = user.get("token")
        self.local = threading.local()

    def close(self):
        for f in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, f))
        os.rmdir(self.tmp)

    def request(self, method, path, body=None, ctype="application/json"):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = ctype
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                   timeout=60)
                self.local.conn = conn
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.5)
                continue
            if resp.status == 429 and attempt < 2:
                time.sleep(float(resp.getheader("Retry-After") or 1))
                continue
            if resp.status >= 300:
                raise ApiError(resp.status, raw)
            return json.loads(raw) if raw else None
        raise RuntimeError("unreachable")


class Mapper:
    """apiVersion + kind -> (collection path prefix, plural, namespaced, has status)."""

    def __init__(self, client):
        self.client = client
        self.cache = {}
        self.lock = threading.Lock()

    def forget(self, group_version):
        with self.lock:
            self.cache.pop(group_version, None)

    def resources(self, gv):
        with self.lock:
            if gv in self.cache:
                return self.cache[gv]
        path = "/api/v1" if gv == "v1" else "/apis/" + gv
        try:
            lst = self.client.request("GET", path)
        except ApiError as e:
            if e.status == 404:
                lst = {"resources": []}
            else:
                raise
        kinds = {}
        names = {r["name"] for r in lst.get("resources", [])}
        for r in lst.get("resources", []):
            if "/" in r["name"]:
                continue
            kinds[r["kind"]] = (r["name"], r["namespaced"], r["name"] + "/status" in names)
        with self.lock:
            self.cache[gv] = kinds
        return kinds

    def lookup(self, obj, wait=0.0):
        gv, kind = obj["apiVersion"], obj["kind"]
        deadline = time.time() + wait
        while True:
            kinds = self.resources(gv)
            if kind in kinds:
                break
            if time.time() >= deadline:
                return None
            self.forget(gv)
            time.sleep(0.5)
        plural, namespaced, has_status = kinds[kind]
        base = "/api/v1" if gv == "v1" else "/apis/" + gv
        ns = obj["metadata"].get("namespace") or "default"
        coll = "%s/namespaces/%s/%s" % (base, ns, plural) if namespaced else "%s/%s" % (base, plural)
        return coll, namespaced, has_status


def documents(scenario):
    """(file, index, object) of every manifest document, in path order."""
    paths = []
    for root, dirs, files in os.walk(scenario):
        rel = os.path.relpath(root, scenario)
        if rel == "files" or rel.startswith("files" + os.sep):
            dirs[:] = []
            continue
        for f in files:
            if f.endswith((".yaml", ".yml", ".json")):
                p = os.path.join(root, f)
                if os.path.relpath(p, scenario) != "scenario.yaml":
                    paths.append(p)
    for p in sorted(paths, key=lambda x: os.path.relpath(x, scenario)):
        rel = os.path.relpath(p, scenario)
        with open(p) as f:
            docs = [json.load(f)] if p.endswith(".json") else list(yaml.safe_load_all(f))
        for i, d in enumerate(docs, 1):
            if d is None:
                continue
            if isinstance(d.get("items"), list) and d.get("kind", "").endswith("List"):
                for item in d["items"]:
                    yield rel, i, item
            else:
                yield rel, i, d


def ident(obj):
    md = obj.get("metadata", {})
    ns = md.get("namespace")
    return "%s %s%s" % (obj.get("kind"), (ns + "/") if ns else "", md.get("name", md.get("generateName", "?")))


class Loader:
    def __init__(self, client, scenario, args):
        self.c = client
        self.m = Mapper(client)
        self.scenario = scenario
        self.args = args
        self.missing = []  # (what, why): not represented on the lab
        self.rejected = 0
        self.created = 0
        self.statuses = 0
        self.kwok_nodes = 0
        self.uids = {}  # (apiVersion group, kind, ns, name) -> uid
        self.owners = []  # (path, ownerReferences, ident)
        self.crd_gvs = set()  # group/version of the scenario's CRDs (discovery may lag)
        self.made_sas = set()
        self.lock = threading.Lock()

    def note(self, what, why, kind="not represented"):
        with self.lock:
            self.missing.append((what, why, kind))

    # -- scenario.yaml ----------------------------------------------------------
    def settings(self):
        p = os.path.join(self.scenario, "scenario.yaml")
        if not os.path.exists(p):
            return {}
        with open(p) as f:
            s = yaml.safe_load(f) or {}
        version = s.get("version", "v1.34.1")
        lab_version = self.c.request("GET", "/version")["gitVersion"]
        if version != lab_version:
            self.note("version %s" % version,
                      "the lab's /version is the real %s" % lab_version)
        rv = s.get("resourceAPIVersions", ["v1", "v1beta2", "v1beta1"])
        g = self.c.request("GET", "/apis/resource.k8s.io")
        served = [g["preferredVersion"]["version"]] + \
            [v["version"] for v in g["versions"] if v["version"] != g["preferredVersion"]["version"]]
        if rv != served:
            self.note("resourceAPIVersions %s" % rv,
                      "the lab serves resource.k8s.io %s (LAB_RESOURCE_VERSIONS picks the betas; "
                      "v1 is always served and preferred)" % served)
        for t in s.get("tokens") or []:
            self.note("token for %s" % t.get("user"),
                      "the lab's API server takes no static tokens (use a ServiceAccount token)")
        for pr in s.get("proxy") or []:
            self.note("proxy answer GET %s (%s)" % (pr.get("path"), pr.get("file")),
                      "a canned kaic-sim answer: on the lab no process serves that pod or service")
        if s.get("latencyMs"):
            self.note("latencyMs %s" % s["latencyMs"], "kaic-sim fault injection; the lab adds none")
        faults = s.get("faults") or {}
        if any(v for k, v in faults.items() if k not in ("pathPrefix", "retryAfterSeconds")):
            self.note("faults %s" % json.dumps(faults, sort_keys=True),
                      "kaic-sim fault injection; the lab injects none")
        for name, conf in (s.get("controllers") or {}).items():
            self.note("controller %s %s" % (name, json.dumps(conf, sort_keys=True)),
                      "a kaic-sim simulated controller (docs/sim-controllers.md); the lab runs "
                      "only Kubernetes' own controllers and kwok")
        return s

    # -- objects ----------------------------------------------------------------
    def prepare(self, obj):
        """(body to create, status to set afterwards or None)"""
        obj = copy.deepcopy(obj)
        md = obj.setdefault("metadata", {})
        for k in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields",
                  "selfLink", "deletionTimestamp"):
            md.pop(k, None)
        status = obj.pop("status", None)
        kind = obj.get("kind")
        if kind == "Node":
            # kwok's from the start (it takes only nodes it sees added with the annotation),
            # but does not initialize it until the scenario's status is in (create)
            ann = md.setdefault("annotations", {})
            ann["kwok.x-k8s.io/node"] = "fake"
            ann["kaic.lab/loading"] = "true"  # kwok's node-initialize waits (lab/build.sh)
            self.kwok_nodes += 1
        if kind == "Pod" and status:
            # kwok leaves the pod's status as the scenario gives it; a pod without one
            # is run by kwok (Running, a pod IP), as kaic-sim's kubelet would
            md.setdefault("annotations", {})["kwok.x-k8s.io/status"] = "custom"
        if kind == "Service":
            spec = obj.get("spec", {})
            if spec.get("clusterIP") not in (None, "None"):
                spec.pop("clusterIP", None)
                spec.pop("clusterIPs", None)
        if kind == "CustomResourceDefinition":
            group = obj.get("spec", {}).get("group", "")
            ann = md.setdefault("annotations", {})
            if (group == "k8s.io" or group.endswith((".k8s.io", ".kubernetes.io"))) and \
                    "api-approved.kubernetes.io" not in ann:
                # the API server refuses a CRD in a protected group without it; upstream
                # CRDs carry it, the scenario's minimal ones do not
                ann["api-approved.kubernetes.io"] = "unapproved, kaic lab: the scenario's CRD has no approval annotation"
                self.note("CustomResourceDefinition %s: annotation api-approved.kubernetes.io added" % md.get("name"),
                          "a real API server rejects a CRD of the protected group %s without it "
                          "(kaic-sim accepts it)" % group, "adjusted")
            for v in obj.get("spec", {}).get("versions", []):
                self.crd_gvs.add("%s/%s" % (group, v.get("name")))
        if md.get("ownerReferences"):
            self.owners.append((obj, md.pop("ownerReferences")))
        return obj, status

    def create(self, obj, status, where, wait_kind=0.0):
        what = ident(obj)
        target = self.m.lookup(obj, wait=wait_kind)
        if target is None:
            self.note("%s (%s doc %d)" % (what, *where),
                      "the lab does not serve %s %s" % (obj["apiVersion"], obj["kind"]))
            self.rejected += 1
            return None
        coll, namespaced, has_status = target
        if status is not None and not has_status and obj["kind"] != "CustomResourceDefinition":
            obj["status"] = status  # no status subresource: status is part of the object
            status = None
        name = obj["metadata"].get("name")
        out = None
        for attempt in range(60):
            try:
                out = self.c.request("POST", coll, obj)
                with self.lock:
                    self.created += 1
                break
            except ApiError as e:
                if e.status == 409 and name:
                    # made by the server itself (default namespaces, kube-root-ca.crt, …)
                    if obj["kind"] == "Namespace" and name in SYSTEM_NAMESPACES:
                        out = self.c.request("GET", "%s/%s" % (coll, name))
                        break
                    cur = self.c.request("GET", "%s/%s" % (coll, name))
                    if cur["metadata"].get("ownerReferences"):
                        o = cur["metadata"]["ownerReferences"][0]
                        self.note("%s (%s doc %d)" % (what, *where),
                                  "the lab's %s controller made it first (owner %s %s); "
                                  "the controller's object is kept" % (o.get("kind"), o.get("kind"), o.get("name")))
                        return None
                    patch = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
                    try:
                        out = self.c.request("PATCH", "%s/%s" % (coll, name), patch,
                                             "application/merge-patch+json")
                    except ApiError as e2:
                        self.note("%s (%s doc %d)" % (what, *where),
                                  "exists on the lab and cannot be changed to the scenario's: %s" % e2)
                        return None
                    break
                if e.status == 403 and "service account" in e.message and attempt < 59:
                    sa = obj.get("spec", {}).get("serviceAccountName") or obj.get("spec", {}).get("serviceAccount")
                    ns = obj["metadata"].get("namespace") or "default"
                    if sa and sa != "default" and (ns, sa) not in self.made_sas:
                        # a real cluster has the pod's ServiceAccount; the scenario omits it
                        self.made_sas.add((ns, sa))
                        try:
                            self.c.request("POST", "/api/v1/namespaces/%s/serviceaccounts" % ns,
                                           {"apiVersion": "v1", "kind": "ServiceAccount",
                                            "metadata": {"name": sa, "namespace": ns}})
                        except ApiError as e2:
                            if e2.status != 409:
                                raise
                        self.note("ServiceAccount %s/%s added" % (ns, sa),
                                  "%s names it; a real API server admits no pod whose ServiceAccount "
                                  "does not exist (kaic-sim does)" % what, "adjusted")
                    time.sleep(0.5)  # the namespace's default ServiceAccount comes soon
                    continue
                if e.status == 404 and "namespaces" in e.message and attempt < 20:
                    time.sleep(0.5)
                    continue
                self.note("%s (%s doc %d)" % (what, *where), "rejected: %s" % e)
                with self.lock:
                    self.rejected += 1
                return None
        if out is None:
            return None
        md = out["metadata"]
        group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
        with self.lock:
            self.uids[(group, obj["kind"], md.get("namespace"), md["name"])] = md["uid"]
        if status:
            try:
                self.c.request("PATCH", "%s/%s/status" % (coll, md["name"]), {"status": status},
                               "application/merge-patch+json")
                with self.lock:
                    self.statuses += 1
            except ApiError as e:
                self.note("status of %s" % what, "rejected: %s" % e)
        if obj["kind"] == "Node":
            # now kwok plays the node's stages: its status (labels, capacity, node info,
            # addresses) is the scenario's, kwok adds heartbeats and a Lease
            self.c.request("PATCH", "%s/%s" % (coll, md["name"]),
                           {"metadata": {"annotations": {"kaic.lab/loading": None}}},
                           "application/merge-patch+json")
        return out

    def wait_established(self, name, timeout=60):
        t0 = time.time()
        while time.time() - t0 < timeout:
            crd = self.c.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name)
            for cond in (crd.get("status") or {}).get("conditions") or []:
                if cond["type"] == "Established" and cond["status"] == "True":
                    return crd
            time.sleep(0.2)
        self.note("CustomResourceDefinition %s" % name, "not Established after %ds" % timeout)
        return None

    def fix_owners(self):
        for obj, refs in self.owners:
            md = obj["metadata"]
            group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
            if (group, obj["kind"], md.get("namespace") or "default", md["name"]) not in self.uids and \
               (group, obj["kind"], None, md["name"]) not in self.uids:
                continue  # the object itself was not created
            kept = []
            for r in refs:
                og = r.get("apiVersion", "").split("/")[0] if "/" in r.get("apiVersion", "") else ""
                uid = self.uids.get((og, r.get("kind"), md.get("namespace") or "default", r.get("name"))) or \
                    self.uids.get((og, r.get("kind"), None, r.get("name")))
                if uid:
                    kept.append(dict(r, uid=uid))
                else:
                    self.note("ownerReference of %s to %s %s" % (ident(obj), r.get("kind"), r.get("name")),
                              "the owner is not in the scenario; the garbage collector would delete "
                              "the object, so the reference is left out")
            if kept:
                coll = self.m.lookup(obj)[0]
                self.c.request("PATCH", "%s/%s" % (coll, md["name"]),
                               {"metadata": {"ownerReferences": kept}}, "application/merge-patch+json")

    def run(self):
        s = self.settings()
        docs = list(documents(self.scenario))
        crds = [(f, i, o) for f, i, o in docs if o.get("kind") == "CustomResourceDefinition"]
        nss = [(f, i, o) for f, i, o in docs if o.get("kind") == "Namespace"]
        rest = [(f, i, o) for f, i, o in docs if o.get("kind") not in ("CustomResourceDefinition", "Namespace")]
        # workload controllers last: the lab's controllers then adopt the scenario's pods
        # (matching selectors) instead of racing them with pods of their own
        rest = [x for x in rest if x[2].get("kind") not in WORKLOADS] + \
            [x for x in rest if x[2].get("kind") in WORKLOADS]
        for f, i, o in crds:
            body, status = self.prepare(o)
            if self.create(body, None, (f, i)):
                self.wait_established(body["metadata"]["name"])
                self.m.forget("%s/%s" % (body["spec"]["group"], body["spec"]["versions"][0]["name"]))
        for f, i, o in nss:
            body, status = self.prepare(o)
            self.create(body, status, (f, i))
        for f, i, o in rest:
            if o.get("kind") == "APIService" and (o.get("spec") or {}).get("service"):
                # nothing serves it here, and an aggregated API that is not available
                # blocks the deletion of every namespace (the namespace controller must
                # discover every resource first): kaic's cleanup would wait in vain
                svc = o["spec"]["service"]
                self.note("%s (%s doc %d)" % (ident(o), f, i),
                          "an aggregated API served by Service %s/%s, which does not run on the lab; "
                          "an unavailable APIService blocks every namespace deletion" %
                          (svc.get("namespace"), svc.get("name")))
                continue
            body, status = self.prepare(o)
            # a custom resource whose CRD was just created: discovery may lag a little
            self.create(body, status, (f, i), wait_kind=10.0 if body.get("apiVersion") in self.crd_gvs else 0.0)
        if s.get("large") is not None:
            self.large(s)
        self.fix_owners()

    # -- large: ------------------------------------------------------------------
    def large(self, s):
        p = dict(LARGE_DEFAULTS, **(s.get("large") or {}))
        p.setdefault("slices", p["nodes"])
        if self.args.large_nodes is not None:
            p["nodes"] = p["slices"] = self.args.large_nodes
        if self.args.large_pods is not None:
            p["pods"] = self.args.large_pods
        if p["pods"] != (s.get("large") or {}).get("pods", LARGE_DEFAULTS["pods"]) or \
           p["nodes"] != (s.get("large") or {}).get("nodes", LARGE_DEFAULTS["nodes"]):
            self.note("large: %s" % json.dumps(s.get("large"), sort_keys=True),
                      "generated with %d nodes and %d pods (--large-nodes/--large-pods)" % (p["nodes"], p["pods"]))
        version = s.get("version", "v1.34.1")
        dra = (s.get("resourceAPIVersions") or ["v1"])[0]
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        objs = []
        for i in range(p["nodes"]):
            name = "node-%05d" % i
            gpus = str(p["devicesPerSlice"])
            objs.append({"apiVersion": "v1", "kind": "Node", "metadata": {
                "name": name, "labels": {
                    "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64", "node.kubernetes.io/instance-type": "gpu-large",
                    "nvidia.com/gpu.present": "true"}},
                "spec": {"providerID": "sim://large"},
                "status": {
                    "capacity": {"cpu": "64", "memory": "512Gi", "pods": "110", "nvidia.com/gpu": gpus},
                    "allocatable": {"cpu": "63", "memory": "500Gi", "pods": "110", "nvidia.com/gpu": gpus},
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                    "message": "kubelet is posting ready status",
                                    "lastHeartbeatTime": now, "lastTransitionTime": now}],
                    "addresses": [{"type": "InternalIP", "address": "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)},
                                  {"type": "Hostname", "address": name}],
                    "nodeInfo": {"kubeletVersion": version, "containerRuntimeVersion": "containerd://1.7.27",
                                 "osImage": "Ubuntu 24.04.2 LTS", "kernelVersion": "6.8.0-60-generic",
                                 "operatingSystem": "linux", "architecture": "amd64",
                                 "kubeProxyVersion": version}}})
        self.bulk(objs, "large nodes")
        objs = []
        for i in range(p["slices"]):
            node = "node-%05d" % i
            devs = []
            for d in range(p["devicesPerSlice"]):
                attrs = {"type": {"string": "gpu"},
                         "uuid": {"string": "GPU-%08x-%04x-4000-8000-%012x" % (i, d, i * 131 + d)},
                         "index": {"int": d}, "minor": {"int": d},
                         "pcieBusID": {"string": "0000:%02x:00.0" % ((0x18 + d * 0x10) & 0xff)},
                         "productName": {"string": "Example GPU 80GB"}, "brand": {"string": "Example"},
                         "architecture": {"string": "Hopper"},
                         "cudaComputeCapability": {"version": "9.0.0"},
                         "driverVersion": {"version": "1.0.0"}}
                cap = {"memory": {"value": "80Gi"}}
                if dra == "v1beta1":
                    devs.append({"name": "gpu-%d" % d, "basic": {"attributes": attrs, "capacity": cap}})
                else:
                    devs.append({"name": "gpu-%d" % d, "attributes": attrs, "capacity": cap})
            objs.append({"apiVersion": "resource.k8s.io/" + dra, "kind": "ResourceSlice",
                         "metadata": {"name": "%s-%s" % (node, p["driver"])},
                         "spec": {"driver": p["driver"], "nodeName": node,
                                  "pool": {"name": node, "generation": 1, "resourceSliceCount": 1},
                                  "devices": devs}})
        self.bulk(objs, "large slices")
        k = 0
        nss, pods = [], []
        for n in range(p["namespaces"]):
            if p["pods"] <= 0:
                break
            ns = "load-%03d" % n
            nss.append({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": ns, "labels": {"kaic.io/large": "true"}}})
            count = p["pods"] // p["namespaces"] + (1 if n < p["pods"] % p["namespaces"] else 0)
            for _ in range(count):
                # kwok runs these pods (Running, Ready, a pod IP of its own)
                pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": {
                    "name": "pod-%06d" % k, "namespace": ns, "labels": {"app": "load", "shard": str(k % 10)}},
                    "spec": {"nodeName": "node-%05d" % (k % p["nodes"]),
                             "containers": [{"name": "main", "image": "registry.example.com/load:1.0",
                                             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}],
                             "restartPolicy": "Always", "schedulerName": "default-scheduler"}})
                k += 1
        self.bulk(nss, "large namespaces")
        self.bulk(pods, "large pods")

    def bulk(self, objs, what):
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(self.args.parallel) as ex:
            futs = []
            for o in objs:
                body, status = self.prepare(o)
                if o["kind"] == "Pod":
                    body["metadata"].get("annotations", {}).pop("kwok.x-k8s.io/status", None)
                    status = None
                futs.append(ex.submit(self.create, body, status, ("large:", 0)))
            for f in futs:
                f.result()
        if not self.args.quiet:
            print("lab-load: %s: %d in %.1fs" % (what, len(objs), time.time() - t0), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG", "build/lab/kubeconfig"))
    ap.add_argument("--report", help="write what was not represented as JSON")
    ap.add_argument("--strict", action="store_true", help="exit 1 if an object was rejected")
    ap.add_argument("--large-nodes", type=int, help="override large.nodes")
    ap.add_argument("--large-pods", type=int, help="override large.pods")
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    if not os.path.isdir(args.scenario):
        print("lab-load: %s is not a directory" % args.scenario, file=sys.stderr)
        return 2
    try:
        client = Client(args.kubeconfig)
    except (OSError, KeyError, StopIteration) as e:
        print("lab-load: kubeconfig %s: %s" % (args.kubeconfig, e), file=sys.stderr)
        return 2
    ld = Loader(client, args.scenario, args)
    try:
        ld.run()
    except (OSError, ApiError) as e:
        print("lab-load: %s" % e, file=sys.stderr)
        return 2
    finally:
        client.close()
    name = os.path.basename(os.path.normpath(args.scenario))
    print("lab-load: %s: %d objects created, %d statuses set, %d scenario nodes as kwok nodes, "
          "%d rejected, %d things not represented or adjusted" %
          (name, ld.created, ld.statuses, ld.kwok_nodes, ld.rejected, len(ld.missing)))
    for what, why, kind in ld.missing:
        print("  %s: %s: %s" % (kind, what, why))
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"scenario": name, "created": ld.created, "statuses": ld.statuses,
                       "rejected": ld.rejected,
                       "notRepresented": [{"what": w, "why": y, "kind": k} for w, y, k in ld.missing]}, f, indent=1)
    return 1 if (args.strict and ld.rejected) else 0


if __name__ == "__main__":
    sys.exit(main())
