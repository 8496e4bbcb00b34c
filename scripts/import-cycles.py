#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that the module's files import one another only downward: the
graph of `crate::X` (and `crate::X::Y` where rust/X/Y.rs exists) paths in
rust/ has no circle. Prints each circle found and exits 1, or prints the
number of files and edges and exits 0.

    scripts/import-cycles.py [RUST_DIR]
"""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "rust")
generated = {"bindings", "bindings_generated"}


def module(path):
    return os.path.relpath(path, top)[:-3].replace(os.sep, "::")


graph = {}
for root, _, names in os.walk(top):
    for name in names:
        if not name.endswith(".rs"):
            continue
        path = os.path.join(root, name)
        me = module(path)
        text = open(path, encoding="utf-8").read()
        deps = set()
        for first, second in re.findall(r"crate::([a-z_0-9]+)(?:::([a-z_0-9]+))?", text):
            dep = first
            if second and os.path.exists(os.path.join(top, first, second + ".rs")):
                dep = f"{first}::{second}"
            if dep != me and first not in generated:
                deps.add(dep)
        graph[me] = deps

# Tarjan's strongly connected components.
index, low, stack, on_stack, circles = {}, {}, [], set(), []


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on_stack.add(v)
    for w in graph.get(v, ()):
        if w not in graph:
            continue
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = []
        while True:
            w = stack.pop()
            on_stack.discard(w)
            component.append(w)
            if w == v:
                break
        if len(component) > 1:
            circles.append(sorted(component))


sys.setrecursionlimit(10000)
for v in sorted(graph):
    if v not in index:
        visit(v)
for circle in circles:
    print("import circle:", " <-> ".join(circle))
print(f"{len(graph)} files, {sum(len(d) for d in graph.values())} imports, {len(circles)} circles")
sys.exit(1 if circles else 0)
