#!/usr/bin/env python3
"""lab-forward.py: makes ports of the host's 127.0.0.1 reachable on 127.0.0.1 inside the
lab node's network namespace (docs/lab.md, "The real node").

The lab's kube-apiserver and registry listen on the host's loopback only; the real node
(containerd, kubelet, kube-proxy, CoreDNS, the policy engine) runs in a network namespace
of its own, whose loopback is another one. For each ADDR:PORT this process listens on
ADDR:PORT inside that namespace and relays every connection to 127.0.0.1:PORT on the
host. Sockets keep the namespace they were created in, so one process serves both sides.
scripts/lab forwards the apiserver's and the registry's ports on the node's 127.0.0.1,
and the apiserver's on the node's address too (the kubernetes Service's endpoint, so
that pods reach the apiserver).

usage: lab-forward.py NETNS_FILE ADDR:PORT...
"""
import ctypes
import os
import selectors
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(fd):
    """moves the calling thread (only it) into the network namespace open as fd"""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: %s" % os.strerror(err))


def relay(a, b):
    """copies both ways until either side closes, then closes both"""
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    try:
        while True:
            for key, _ in sel.select():
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
    except OSError:
        return
    finally:
        sel.close()
        a.close()
        b.close()


def serve(listener, port):
    while True:
        conn, _ = listener.accept()
        try:
            # this thread runs in the host's namespace (main returned to it before
            # starting the threads), so this reaches the host's loopback
            up = socket.create_connection(("127.0.0.1", port), timeout=10)
            up.settimeout(None)
        except OSError:
            conn.close()
            continue
        threading.Thread(target=relay, args=(conn, up), daemon=True).start()


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: lab-forward.py NETNS_FILE ADDR:PORT...")
    netns = sys.argv[1]
    binds = [(a, int(p)) for a, p in (x.rsplit(":", 1) for x in sys.argv[2:])]
    host_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    node_fd = os.open(netns, os.O_RDONLY)
    setns(node_fd)
    listeners = []
    for addr, port in binds:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(128)
        listeners.append((s, port))
    setns(host_fd)
    os.close(host_fd)
    os.close(node_fd)
    threads = [threading.Thread(target=serve, args=lp, daemon=True) for lp in listeners]
    for t in threads:
        t.start()
    print("lab-forward: %s in %s -> host 127.0.0.1" % (" ".join(sys.argv[2:]), netns), flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
