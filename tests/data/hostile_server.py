#!/usr/bin/env python3
"""hostile_server.py: an HTTPS "API server" that misbehaves, for tests/integration/hostile_server.sh.

Usage: hostile_server.py DIR MODE [DISCOVERY_DIR]
Creates certificates in DIR like kube_test_server.py (ca.crt, client.crt, client.key;
kept when DIR already has them),
listens on 127.0.0.1 (a free port) and writes the port to DIR/port. /version always
answers; discovery (/api, /apis) answers with DISCOVERY_DIR/api.json and apis.json (an
aggregated discovery document, as kaic-sim serves it) when given, else a small one.
Every other request gets MODE's treatment:

  garbage    200 with bytes that are not JSON
  500        500 with a Status, always
  429        429 with Retry-After: 1, always
  truncated  200 whose body stops short of its Content-Length (connection closed)
  drip       200, chunked, one byte per second, never ending
  deep       200 with an array nested 100,000 levels deep
  big        200 with a valid list of about 200 MB, generated while it is sent
  groups     discovery names 10,000 API groups (legacy /apis); everything else 500

Python standard library only.
"""
import json
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kube_test_server import Handler as KubeHandler, Server, make_certs, status  # noqa: E402

MODE = "500"
DISCOVERY = {}
AGG = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
BIG_BYTES = 200 * 1000 * 1000
NGROUPS = 10000
DEPTH = 100000

SMALL_CORE = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
              "items": [{"metadata": {}, "versions": [{"version": "v1", "resources": [
                  {"resource": r, "responseKind": {"kind": k}, "scope": s,
                   "verbs": ["get", "list", "watch"]}
                  for r, k, s in (("nodes", "Node", "Cluster"),
                                  ("pods", "Pod", "Namespaced"),
                                  ("namespaces", "Namespace", "Cluster"))]}]}]}
SMALL_APIS = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
              "items": []}


def big_block():
    """About 1 MB of list items; "@@@@@" stands for the block number, so that every
    item of the 200 MB list has a distinct name without rendering each one."""
    items = []
    for j in range(1600):
        items.append(json.dumps({
            "metadata": {"name": "node-@@@@@-%04d" % j, "uid": "uid-@@@@@-%04d" % j,
                         "labels": {"kubernetes.io/hostname": "node-@@@@@-%04d" % j,
                                    "topology.kubernetes.io/zone": "zone-%d" % (j % 7)},
                         "annotations": {"note": "x" * 200}},
            "spec": {"providerID": "hostile://@@@@@/%d" % j},
            "status": {"allocatable": {"cpu": "64", "memory": "512Gi"},
                       "conditions": [{"type": "Ready", "status": "True",
                                       "reason": "R@@@@@%d" % j}],
                       "nodeInfo": {"kubeletVersion": "v1.34.1", "osImage": "hostile"}}},
            separators=(",", ":")))
    return ",".join(items).encode()


BLOCK = big_block()


class Handler(KubeHandler):
    """kube_test_server's handler (HTTP/1.1, quiet log, send) with hostile answers."""

    def start_chunked(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def discovery(self, path):
        if MODE == "groups":
            return self.groups(path)
        agg = "as=APIGroupDiscoveryList" in self.headers.get("Accept", "")
        if not agg:
            return self.send(404, status(404, "NotFound", "aggregated discovery only"))
        name = "api.json" if path == "/api" else "apis.json"
        doc = DISCOVERY.get(name) or (SMALL_CORE if path == "/api" else SMALL_APIS)
        return self.send(200, doc, AGG)

    def groups(self, path):
        if path == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            gs = [{"name": "g%05d.hostile.example" % i,
                   "versions": [{"groupVersion": "g%05d.hostile.example/v1" % i,
                                 "version": "v1"}]} for i in range(NGROUPS)]
            return self.send(200, {"kind": "APIGroupList", "groups": gs})
        if path == "/api/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "v1",
                                   "resources": [{"name": "nodes", "namespaced": False,
                                                  "kind": "Node", "verbs": ["list"]}]})
        parts = path.split("/")
        return self.send(200, {"kind": "APIResourceList", "groupVersion": parts[2] + "/v1",
                               "resources": [{"name": "things", "namespaced": True,
                                              "kind": "Thing", "verbs": ["list"]}]})

    def big(self):
        self.start_chunked()
        self.chunk(b'{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},'
                   b'"items":[')
        sent, k = 0, 0
        while sent < BIG_BYTES:
            block = (b"," if k else b"") + BLOCK.replace(b"@@@@@", b"%05d" % k)
            self.chunk(block)
            sent += len(block)
            k += 1
        self.chunk(b"]}")
        self.wfile.write(b"0\r\n\r\n")

    def drip(self):
        self.start_chunked()
        for b in b'{"kind":"NodeList","items":[' * 1000:
            self.chunk(bytes([b]))
            self.wfile.flush()
            time.sleep(1)

    def hostile(self):
        if MODE == "garbage":
            return self.send(200, b"\x00\xff{garbage\x8e[" * 100, "application/json")
        if MODE == "500" or MODE == "groups":
            return self.send(500, status(500, "InternalError", "hostile server error"))
        if MODE == "429":
            return self.send(429, status(429, "TooManyRequests", "slow down"),
                             headers=[("Retry-After", "1")])
        if MODE == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"kind":"NodeList","items":[{"metadata":{"name":"a"}}')
            self.wfile.flush()
            self.close_connection = True
            return None
        if MODE == "drip":
            return self.drip()
        if MODE == "deep":
            return self.send(200, b"[" * DEPTH + b"]" * DEPTH)
        if MODE == "big":
            return self.big()
        return self.send(500, status(500, "InternalError", "unknown mode " + MODE))

    def handle_any(self):
        path = self.path.split("?", 1)[0]
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        try:
            if path == "/version":
                return self.send(200, {"major": "1", "minor": "34", "gitVersion": "v1.34.1"})
            if path in ("/api", "/apis") or (MODE == "groups" and
                                              (path == "/api/v1" or path.startswith("/apis/"))):
                return self.discovery(path)
            return self.hostile()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
            return None

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    global MODE
    d, MODE = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        for name in ("api.json", "apis.json"):
            with open(os.path.join(sys.argv[3], name)) as f:
                DISCOVERY[name] = json.load(f)
    if not os.path.exists(os.path.join(d, "server.crt")):  # reused between modes
        make_certs(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "server.crt"), os.path.join(d, "server.key"))
    ctx.load_verify_locations(os.path.join(d, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
    tmp = os.path.join(d, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, os.path.join(d, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
