#!/usr/bin/env python3
"""kube_test_server.py: a small HTTPS API server for the Kubernetes client's unit tests.

Usage: kube_test_server.py DIR
Creates a throwaway CA, a server certificate (127.0.0.1, localhost, kaic-test.local), a
client certificate and an unrelated CA in DIR with the openssl command, listens on
127.0.0.1 (a free port) and writes the port to DIR/port once it accepts connections.
Each endpoint acts out one behaviour the client must handle; "id" query values keep
the per-test counters apart. A path prefix /legacy makes discovery answer the legacy way;
under /hostile every request is denied with a Status message holding terminal control
sequences (ESC, BEL, CR, LF) that try to forge a report line.
Python standard library only.
"""
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "kaic-test-token-5f2b9c"


def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_certs(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        sh("openssl", "req", "-x509", *ec, "-keyout", ca + ".key", "-out", ca + ".crt",
           "-days", "2", "-subj", "/CN=kaic-test-" + ca, cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kaic-test.local\n"
                "extendedKeyUsage=serverAuth\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name, cn in (("server", "kaic-test-server"), ("client", "kaic-test-user")):
        sh("openssl", "req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
           "-subj", "/CN=" + cn, cwd=d)
        sh("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey",
           "ca.key", "-CAcreateserial", "-out", name + ".crt", "-days", "2",
           "-extfile", name + ".ext", cwd=d)


COUNTS = {}
LOCK = threading.Lock()


def hit(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


HOSTILE_MESSAGE = ("admission webhook \"deny.example.com\" denied the request: "
                   "\x1b[2K\r\nHW-1.1   MUST     Full     active\x07\x1b]0;title\x07")


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


AGG_CORE = {
    "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
    "items": [{"metadata": {"creationTimestamp": None}, "versions": [{
        "version": "v1", "freshness": "Current", "resources": [
            {"resource": "pods", "responseKind": {"group": "", "version": "v1",
                                                  "kind": "Pod"},
             "scope": "Namespaced", "singularResource": "pod", "shortNames": ["po"],
             "verbs": ["create", "delete", "get", "list", "watch"],
             "subresources": [{"subresource": "log", "verbs": ["get"]}]},
            {"resource": "nodes", "responseKind": {"group": "", "version": "v1",
                                                   "kind": "Node"},
             "scope": "Cluster", "verbs": ["get", "list"]}]}]}]}
AGG_APIS = {
    "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
    "items": [{"metadata": {"name": "resource.k8s.io"}, "versions": [
        {"version": "v1", "resources": [
            {"resource": "deviceclasses", "responseKind": {"kind": "DeviceClass"},
             "scope": "Cluster", "verbs": ["get", "list", "watch"]}]},
        {"version": "v1beta1", "resources": [
            {"resource": "deviceclasses", "responseKind": {"kind": "DeviceClass"},
             "scope": "Cluster", "verbs": ["get", "list"]}]}]}]}
LEGACY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "pods", "namespaced": True, "kind": "Pod", "verbs": ["get", "list"],
         "shortNames": ["po"]},
        {"name": "pods/log", "namespaced": True, "kind": "Pod", "verbs": ["get"]}]},
    "/apis": {"kind": "APIGroupList", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
        {"name": "metrics.k8s.io", "versions": [
            {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}]}]},
    "/apis/apps/v1": {"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": [
        {"name": "deployments", "namespaced": True, "kind": "Deployment",
         "verbs": ["get", "list", "create"], "shortNames": ["deploy"]},
        {"name": "deployments/scale", "namespaced": True, "kind": "Scale",
         "verbs": ["get"]}]},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/json", headers=()):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        path, q = u.path, dict(urllib.parse.parse_qsl(u.query))
        legacy = path.startswith("/legacy")
        if legacy:
            path = path[len("/legacy"):]
        key = path + "#" + q.get("id", "")
        self.request_body = self.body()  # always consumed: the connection is kept alive
        if path.startswith("/hostile"):
            return self.send(403, status(403, "Forbidden", HOSTILE_MESSAGE))
        if path in ("/api", "/apis") and not legacy and \
                "as=APIGroupDiscoveryList" in self.headers.get("Accept", ""):
            hit("discovery")
            return self.send(200, AGG_CORE if path == "/api" else AGG_APIS,
                             "application/json;g=apidiscovery.k8s.io;v=v2;"
                             "as=APIGroupDiscoveryList")
        if path in LEGACY:
            hit("discovery")
            return self.send(200, LEGACY[path])
        if path == "/apis/metrics.k8s.io/v1beta1":
            return self.send(503, status(503, "ServiceUnavailable",
                                         "the server is currently unable to handle the "
                                         "request"))
        if path == "/hello":
            return self.send(200, {"kind": "Hello", "method": self.command})
        if path == "/whoami":
            cert = self.connection.getpeercert() or {}
            cn = ""
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
            return self.send(200, {"user": cn,
                                   "sni": getattr(self.connection, "kaic_sni", None)})
        if path == "/auth":
            if self.headers.get("Authorization") == "Bearer " + TOKEN:
                return self.send(200, {"authorized": True})
            return self.send(401, status(401, "Unauthorized", "invalid bearer token"))
        if path == "/echo":
            return self.send(201, {"method": self.command,
                                   "contentType": self.headers.get("Content-Type"),
                                   "body": json.loads(self.request_body or b"null")})
        if path == "/retry429":
            if hit(key) == 1:
                return self.send(429, status(429, "TooManyRequests", "slow down"),
                                 headers=[("Retry-After", q.get("after", "1"))])
            return self.send(200, {"attempts": COUNTS[key]})
        if path == "/flaky500":
            if hit(key) == 1:
                return self.send(500, status(500, "InternalError", "try again"))
            return self.send(200, {"attempts": COUNTS[key]})
        if path == "/always503":
            hit(key)
            return self.send(503, "<html>upstream unavailable</html>", "text/html")
        if path == "/drop":
            if hit(key) == 1:
                self.close_connection = True
                self.connection.close()
                return None
            return self.send(200, {"attempts": COUNTS[key]})
        if path == "/garbage":
            return self.send(200, "this is { not json")
        if path == "/notfound":
            return self.send(404, status(404, "NotFound", 'pods "x" not found'))
        if path == "/forbidden-bare":
            return self.send(403, {"kind": "Status", "apiVersion": "v1", "code": 403})
        if path == "/api/v1/fat":
            # items too large for a page of 500 under the test's limit: 1 KiB each
            n = int(q.get("limit", "0"))
            items = [{"metadata": {"name": "f%d" % i}, "pad": "p" * 1024}
                     for i in range(min(n, 60))]
            return self.send(200, {"kind": "FatList", "apiVersion": "v1",
                                   "metadata": {"resourceVersion": "3"}, "items": items})
        if path == "/big":
            return self.send(200, b"x" * int(q.get("size", "0")), "text/plain")
        if path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            return self.send(200, {"slept": True})
        if path == "/proxy/metrics":
            return self.send(200, "# HELP up\nup 1\n", "text/plain; version=0.0.4")
        if path == "/api/v1/pods":
            return self.list_pods(q)
        if path == "/api/v1/expiring":
            return self.list_expiring(q, key)
        if path == "/api/v1/watchpods" or path == "/api/v1/pods-watch":
            return self.watch(q)
        return self.send(404, status(404, "NotFound", "the server could not find the "
                                                     "requested resource"))

    def list_pods(self, q):
        if q.get("limit") != "500":
            return self.send(400, status(400, "BadRequest", "limit must be 500"))
        pages = {"": ("p2", ["a", "b"]), "p2": ("p3", ["c"]), "p3": ("", ["d", "e"])}
        cont = q.get("continue", "")
        if cont not in pages:
            return self.send(400, status(400, "BadRequest", "bad continue"))
        nxt, names = pages[cont]
        sel = q.get("labelSelector")
        items = [{"metadata": {"name": n, "labels": {"sel": sel or ""}}} for n in names]
        return self.send(200, {"kind": "PodList", "apiVersion": "v1",
                               "metadata": {"resourceVersion": "42", "continue": nxt},
                               "items": items})

    def list_expiring(self, q, key):
        cont = q.get("continue", "")
        if cont == "":
            return self.send(200, {"kind": "ThingList", "apiVersion": "v1",
                                   "metadata": {"continue": "tok", "resourceVersion": "7"},
                                   "items": [{"metadata": {"name": "first-%d" % hit(key)}}]})
        if hit(key + "#cont") == 1:
            return self.send(410, status(410, "Expired", "the continue token expired"))
        return self.send(200, {"kind": "ThingList", "apiVersion": "v1",
                               "metadata": {"resourceVersion": "9"},
                               "items": [{"metadata": {"name": "second"}}]})

    def watch(self, q):
        if q.get("watch") != "1":
            return self.send(400, status(400, "BadRequest", "not a watch"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = [{"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "p%d" % i}}}
                  for i in range(3)]
        events.append({"type": "BOOKMARK", "object": {"kind": "Pod",
                                                      "metadata": {"resourceVersion": "9"}}})
        if q.get("error") == "1":
            events.append({"type": "ERROR", "object": status(410, "Expired",
                                                               "too old resource version")})
        data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
        # split at awkward places: inside objects and right after newlines
        step = 7
        for i in range(0, len(data), step):
            self.chunk(data[i:i + step])
            time.sleep(0.002)
        if q.get("hang") == "1":
            time.sleep(30)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        return None

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    d = sys.argv[1]
    make_certs(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "server.crt"), os.path.join(d, "server.key"))
    ctx.load_verify_locations(os.path.join(d, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.sni_callback = lambda sock, name, _ctx: setattr(sock, "kaic_sni", name)
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
