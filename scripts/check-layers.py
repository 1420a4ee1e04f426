#!/usr/bin/env python3
"""check-layers.py: every #include points down, and no include circle.

kaic's sources are layered (docs/architecture.md): a part may include its own headers
and those of the parts below it, never those above. This prints the order and fails
(exit 1, one line per violation) on an include that points up, on an include circle
between files, and on a project header that does not exist.

Usage: scripts/check-layers.py [--root DIR] [--quiet] [--edges]
--edges prints the include graph ("file -> header", one a line) and exits.
"""
import os
import re
import sys

# Bottom to top. A file's part is the first entry whose prefix its path starts with.
LAYERS = [
    ("src", ["util", "kube", "prom", "probe", "catalog", "active", "run", "checks",
             "report", "cmd", "main"]),
]
# kaic-agentd (agentd/) links kaic's library for util/ and kube/ and includes nothing
# else of src/; its parts are file stems, bottom to top.
AGENTD_BELOW = ["src/util/", "src/kube/"]
LAYERS.append(("agentd", ["mcp", "httpc", "probe", "metrics", "tool", "queue", "cache", "auth",
                          "ctl", "reconcile", "informer", "lease", "server", "main"]))
# kaic-sim links kaic's util/ and nothing else of src/; its own parts follow.
SIM_BELOW = ["src/util/"]
SIM_LAYERS = []  # filled below from sim/LAYERS when present

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sim_layers(root):
    """sim/LAYERS: one part (a folder, or a file stem) per line, bottom first."""
    path = os.path.join(root, "sim", "LAYERS")
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


def matches(sub, part):
    """Whether a path below a tree belongs to part: a folder, or a file stem (its .c
    and .h)."""
    return sub.startswith(part + "/") or os.path.splitext(sub)[0] == part


def part_of(rel, sims):
    """(tree, rank, name) of a file, or None for files outside the layered trees."""
    for tree, parts in LAYERS:
        if rel.startswith(tree + "/"):
            sub = rel[len(tree) + 1:]
            for i, p in enumerate(parts):
                if matches(sub, p):
                    return (tree, i, p)
            return (tree, None, sub.split("/")[0])
    if rel.startswith("sim/"):
        sub = rel[4:]
        for i, p in enumerate(sims):
            if matches(sub, p):
                return ("sim", i, p)
        return ("sim", None, sub)
    return None


def resolve(root, rel, inc):
    """The project file an include names, relative to root, or None (a system header)."""
    for base in (os.path.dirname(rel), "src", "sim"):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(os.path.join(root, cand)):
            return cand
    return None


def sources(root):
    for tree in ("src", "sim", "agentd"):
        for dirpath, _, files in os.walk(os.path.join(root, tree)):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, name), root)


def edges(root):
    out = {}
    problems = []
    for rel in sorted(sources(root)):
        with open(os.path.join(root, rel), errors="replace") as f:
            text = f.read()
        deps = []
        for inc in INCLUDE.findall(text):
            target = resolve(root, rel, inc)
            if target is None:
                problems.append(f"{rel}: includes \"{inc}\", which is not in the tree")
                continue
            deps.append(target)
        out[rel] = deps
    return out, problems


def upward(graph, sims):
    problems = []
    for src, deps in sorted(graph.items()):
        a = part_of(src, sims)
        for dst in deps:
            b = part_of(dst, sims)
            if a is None or b is None:
                continue
            if a[0] == "sim" and b[0] == "src":
                if not any(dst.startswith(p) for p in SIM_BELOW):
                    problems.append(f"{src} -> {dst}: kaic-sim may include only src/util/")
                continue
            if a[0] == "agentd" and b[0] == "src":
                if not any(dst.startswith(p) for p in AGENTD_BELOW):
                    problems.append(f"{src} -> {dst}: kaic-agentd may include only "
                                    "src/util/ and src/kube/")
                continue
            if a[0] != b[0]:
                problems.append(f"{src} -> {dst}: {a[0]}/ includes {b[0]}/")
                continue
            if a[1] is None:
                msg = f"{src}: part \"{a[2]}\" is not in the layer order"
                if msg not in problems:
                    problems.append(msg)
                continue
            if b[1] is None:
                continue  # reported for its own file
            if b[1] > a[1]:
                problems.append(f"{src} -> {dst}: upward ({a[2]} includes {b[2]})")
    return problems


def circles(graph):
    """Include circles between files (Tarjan's strongly connected components)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        work = [(v, iter(graph.get(v, ())))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1 or node in graph.get(node, ()):
                    found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [f"include circle: {' -> '.join(c)}" for c in found]


def main(argv):
    root = "."
    quiet = False
    show_edges = False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--root" and args:
            root = args.pop(0)
        elif a == "--quiet":
            quiet = True
        elif a == "--edges":
            show_edges = True
        else:
            print(f"check-layers: unknown argument \"{a}\"", file=sys.stderr)
            return 2
    sims = sim_layers(root)
    if show_edges:
        graph, _ = edges(root)
        for src in sorted(graph):
            for dst in graph[src]:
                print(f"{src} -> {dst}")
        return 0
    if not quiet:
        for tree, parts in LAYERS:
            print(f"layers {tree}/: " + " < ".join(parts))
        if sims:
            print("layers sim/: src/util < " + " < ".join(sims))
    graph, problems = edges(root)
    problems += upward(graph, sims)
    problems += circles(graph)
    for p in problems:
        print(f"layers: {p}")
    if not quiet:
        n = sum(len(d) for d in graph.values())
        print(f"layers: {n} includes in {len(graph)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
