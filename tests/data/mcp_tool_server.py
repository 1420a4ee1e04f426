#!/usr/bin/env python3
"""mcp_tool_server.py: a small MCP server (streamable HTTP) and HTTP tool server for
kaic-agentd's tests (tests/integration/agentd_*.sh). Python standard library only.

Usage: mcp_tool_server.py PORTFILE [MODE]
Listens on 127.0.0.1 (a free port), writes the port to PORTFILE, and answers every path:
  POST with JSON-RPC: initialize (serverInfo test-tools 1.0, an Mcp-Session-Id),
      notifications/initialized (202), tools/list in two pages (tools "echo", "add"
      then "time" behind nextCursor "p2"); an unknown session gets 404
  GET: 200 "ok" (for protocol HTTP tools)
MODE "sse" answers requests as text/event-stream (one event, then the stream stays
open for 30 s, as a server that keeps streams open does) instead of application/json.
"""
import json
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = "json"
SESSIONS = set()
PAGES = {None: (["echo", "add"], "p2"), "p2": (["time"], None)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.send(200, b"ok\n", "text/plain")

    def answer(self, msg, headers=None):
        data = json.dumps(msg).encode()
        if MODE != "sse":
            self.send(200, data, headers=headers)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b": hello\n\nevent: message\ndata: " + data + b"\n\n")
        self.wfile.flush()
        time.sleep(30)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        try:
            req = json.loads(self.rfile.read(n))
        except ValueError:
            self.send(400, b'{"error":"bad json"}')
            return
        method = req.get("method")
        sid = self.headers.get("Mcp-Session-Id")
        if method == "initialize":
            sid = uuid.uuid4().hex
            SESSIONS.add(sid)
            self.answer({"jsonrpc": "2.0", "id": req.get("id"), "result": {
                "protocolVersion": req["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "test-tools", "version": "1.0"}}},
                {"Mcp-Session-Id": sid})
            return
        if sid not in SESSIONS:
            self.send(404, b'{"error":"unknown session"}')
            return
        if method == "notifications/initialized":
            self.send(202)
            return
        if method == "tools/list":
            cursor = (req.get("params") or {}).get("cursor")
            names, nxt = PAGES.get(cursor, ([], None))
            result = {"tools": [{"name": t, "inputSchema": {"type": "object"}} for t in names]}
            if nxt:
                result["nextCursor"] = nxt
            self.answer({"jsonrpc": "2.0", "id": req.get("id"), "result": result})
            return
        self.answer({"jsonrpc": "2.0", "id": req.get("id"),
                     "error": {"code": -32601, "message": "method not found"}})


def main():
    global MODE
    if len(sys.argv) > 2:
        MODE = sys.argv[2]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
