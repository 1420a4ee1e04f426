#!/usr/bin/env python3
"""hostile_tool_server.py: MCP "tool servers" that misbehave, for
tests/integration/agentd_hostile.sh. Python standard library only.

Usage: hostile_tool_server.py DIR
Listens on 127.0.0.1 over HTTP (port in DIR/port) and over HTTPS with a self-signed
certificate (port in DIR/tls-port; every request there is a TLS error for a client that
verifies). The path picks the misbehaviour of every request:
  /huge      200 application/json, 200 MB of a JSON string, sent as fast as possible
  /endless   200 text/event-stream: comments and unrelated events forever
  /drip      200 application/json, one byte a second, never complete
  /invalid   200 application/json that is not JSON-RPC
  /error     a JSON-RPC error response
  /redirect  307 to http://elsewhere.invalid/mcp
  /deep      200 with a JSON array nested 100,000 levels deep
  /hang      accepts, reads, never answers
"""
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def head(self, code, ctype, length=None, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        if n:
            self.rfile.read(n)
        p = self.path
        try:
            if p.startswith("/huge"):
                size = 200 * 1000 * 1000
                self.head(200, "application/json", size)
                chunk = b"x" * 65536
                self.wfile.write(b'"')
                sent = 1
                while sent < size - 1:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            elif p.startswith("/endless"):
                self.head(200, "text/event-stream")
                while True:
                    self.wfile.write(b": keep-alive\n\nevent: other\ndata: {}\n\n")
                    self.wfile.flush()
                    time.sleep(0.01)
            elif p.startswith("/drip"):
                self.head(200, "application/json", 1000)
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            elif p.startswith("/invalid"):
                body = b'{"hello": "this is not JSON-RPC"}'
                self.head(200, "application/json", len(body))
                self.wfile.write(body)
            elif p.startswith("/error"):
                body = b'{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"boom"}}'
                self.head(200, "application/json", len(body))
                self.wfile.write(body)
            elif p.startswith("/redirect"):
                self.head(307, "text/plain", 0, {"Location": "http://elsewhere.invalid/mcp"})
            elif p.startswith("/deep"):
                body = b"[" * 100000 + b"]" * 100000
                self.head(200, "application/json", len(body))
                self.wfile.write(body)
            elif p.startswith("/hang"):
                time.sleep(3600)
            else:
                self.head(404, "text/plain", 0)
        except (BrokenPipeError, ConnectionResetError):
            pass


def serve(srv):
    srv.daemon_threads = True
    srv.serve_forever()


def main():
    d = sys.argv[1]
    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    key, crt = os.path.join(d, "hostile.key"), os.path.join(d, "hostile.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", crt],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
    threading.Thread(target=serve, args=(tls,), daemon=True).start()
    for name, srv in (("tls-port", tls), ("port", http)):
        with open(os.path.join(d, name + ".tmp"), "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name))
    serve(http)


if __name__ == "__main__":
    main()
