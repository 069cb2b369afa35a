#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks the shape of the code that the compiler does not: no include circles, one-way agent
folders, no file that grew too long.

1. Modules: a .c file and its header (same name, beside it or in its folder's include/) are one
   module; any other header is a module of its own (the public headers in include/nfpath/ are
   interfaces). Module A uses B when a file of A includes a header of B. No circle is allowed
   (apply.c -> daemon.h -> apply.h is one: apply and daemon would each need the other).
2. Folders: agent/'s folders are used one way only, policy <- plan <- node <- apply <- daemon,
   and ctl and cni use node and below; nothing uses daemon, ctl or cni (README.md, "Who may use
   whom").
   No circle between any two folders of the project either.
3. Size: no file in agent/ or vf-manager/ over MAX_LINES lines (STYLE.md: split long before).

Usage: scripts/check-includes.py [SOURCE_ROOT]. Exits 1 and names every problem, else 0.
       scripts/check-includes.py --self-test: shows on small trees that each rule can fail.
"""
import os
import re
import sys

COMPONENTS = ["base", "vf-manager", "datapath", "guest-lib", "agent"]
MAX_LINES = 1000
# Files allowed over MAX_LINES for now, each with the work that splits it.
SIZE_EXCEPTIONS = {}
# agent/'s folders and the folders each may include from (itself always).
AGENT_MAY_USE = {
    "policy": set(),
    "plan": {"policy"},
    "node": {"policy", "plan"},
    "apply": {"policy", "plan", "node"},
    "daemon": {"policy", "plan", "node", "apply"},
    "ctl": {"policy", "plan", "node"},
    "cni": {"policy", "plan", "node"},
}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def source_files(root):
    out = []
    for comp in COMPONENTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, comp)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return out


def folder_of(path):
    """The folder a file belongs to: its directory, with a trailing include/ (and nfpath/)
    taken off, so agent/plan/include/nfpath/agent-plan.h is in agent/plan."""
    parts = os.path.dirname(path).split("/")
    while parts and parts[-1] in ("include", "nfpath"):
        if parts[-1] == "include":
            parts.pop()
            break
        parts.pop()
    return "/".join(parts)


def module_of(path, files):
    base, ext = os.path.splitext(path)
    if ext == ".c":
        return base
    d, name = os.path.split(base)
    if os.path.join(d, name + ".c") in files:
        return os.path.join(d, name)
    # a header in FOLDER/include/ whose .c is in FOLDER (not a public nfpath/ header)
    if os.path.basename(d) == "include":
        c = os.path.join(os.path.dirname(d), name + ".c")
        if c in files:
            return c[:-2]
    return path


def resolve(inc, src, files, by_name):
    """The project file that '#include "inc"' in src means, or None (a system or DPDK header).
    The including file's directory first, then its own folder, then its component."""
    here = os.path.normpath(os.path.join(os.path.dirname(src), inc))
    if here in files:
        return here
    cands = [f for f in by_name.get(os.path.basename(inc), []) if f.endswith("/" + inc)]
    if not cands:
        return None
    for key in (folder_of(src), src.split("/")[0]):
        near = [f for f in cands if folder_of(f) == key or f.startswith(key + "/")]
        if near:
            return near[0]
    return cands[0]


def sccs(graph):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    out.append(sorted(comp))
                continue
            if w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(graph.get(w, ())))))
            elif w in on:
                low[v] = min(low[v], index[w])
    return [c for c in out if len(c) > 1]


def cycle_in(comp, graph):
    """One circle through the component's first node, as a list of nodes."""
    comp = set(comp)
    start = min(comp)
    prev, todo = {start: None}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in comp and w not in prev:
                prev[w] = v
                todo.append(w)
    return sorted(comp)


def check(root):
    """Every problem of the tree at root, as messages; and a summary line."""
    files = set(source_files(root))
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    problems = []
    mod_graph, mod_why = {}, {}
    dir_graph, dir_why = {}, {}
    for f in sorted(files):
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        n_lines = text.count("\n")
        if f.startswith(("agent/", "vf-manager/")) and n_lines > MAX_LINES and \
                f not in SIZE_EXCEPTIONS:
            problems.append(f"{f}: {n_lines} lines, more than {MAX_LINES}: split it by "
                            "responsibility (STYLE.md, Layout)")
        m = module_of(f, files)
        mod_graph.setdefault(m, set())
        fd = folder_of(f)
        dir_graph.setdefault(fd, set())
        for inc in INCLUDE_RE.findall(text):
            target = resolve(inc, f, files, by_name)
            if not target:
                continue
            tm, td = module_of(target, files), folder_of(target)
            if tm != m:
                mod_graph[m].add(tm)
                mod_graph.setdefault(tm, set())
                mod_why.setdefault((m, tm), f'{f} includes "{inc}"')
            if td != fd:
                dir_graph[fd].add(td)
                dir_graph.setdefault(td, set())
                dir_why.setdefault((fd, td), f'{f} includes "{inc}"')
                if fd.startswith("agent/") and td.startswith("agent/"):
                    a, b = fd.split("/")[1], td.split("/")[1]
                    if a in AGENT_MAY_USE and b not in AGENT_MAY_USE[a]:
                        may = ", ".join(sorted(AGENT_MAY_USE[a])) or "no other folder"
                        problems.append(f'{f}: includes "{inc}" of agent/{b}/, but agent/{a}/ '
                                        f"may use only {may} (README.md, \"Who may use whom\")")
    for comp in sccs(mod_graph):
        cyc = cycle_in(comp, mod_graph)
        steps = "; ".join(mod_why[(a, b)] for a, b in zip(cyc, cyc[1:]))
        problems.append("include circle between modules " + " -> ".join(cyc) + f" ({steps}): "
                        "move what both need into a leaf, or give each file its own header")
    for comp in sccs(dir_graph):
        cyc = cycle_in(comp, dir_graph)
        steps = "; ".join(dir_why[(a, b)] for a, b in zip(cyc, cyc[1:]))
        problems.append("include circle between folders " + " -> ".join(cyc) + f" ({steps})")
    summary = (f"{len(files)} files, {len(mod_graph)} modules, {len(dir_graph)} folders: no "
               f"circle, agent folders one way, nothing over {MAX_LINES} lines"
               + (f" (excepted: {', '.join(sorted(SIZE_EXCEPTIONS))})" if SIZE_EXCEPTIONS else ""))
    return problems, summary


def self_test():
    """Small trees, each breaking one rule (and a clean one): the check must say so."""
    import tempfile

    cases = [
        ("clean", {"agent/plan/plan.c": '#include "plan.h"\n#include "nfpath/agent-policy.h"\n',
                   "agent/plan/plan.h": "",
                   "agent/policy/include/nfpath/agent-policy.h": "",
                   "agent/policy/policy.c": '#include "nfpath/agent-policy.h"\n'}, []),
        ("module circle", {"vf-manager/vfm.c": '#include "discover.h"\n',
                           "vf-manager/vfm.h": "",
                           "vf-manager/discover.c": '#include "vfm.h"\n',
                           "vf-manager/discover.h": ""},
         ["include circle between modules vf-manager/discover -> vf-manager/vfm -> "
          "vf-manager/discover"]),
        ("circle through a header", {"agent/apply/apply.c": '#include "apply-internal.h"\n',
                                     "agent/apply/include/apply.h": "",
                                     "agent/apply/apply-internal.h": '#include "apply.h"\n'},
         ["include circle between modules agent/apply/apply -> agent/apply/apply-internal.h"]),
        ("backwards folder", {"agent/apply/apply.c": '#include "daemon.h"\n',
                              "agent/daemon/daemon.c": '#include "daemon.h"\n',
                              "agent/daemon/daemon.h": '#include "apply.h"\n',
                              "agent/apply/include/apply.h": ""},
         ['agent/apply/apply.c: includes "daemon.h" of agent/daemon/',
          "include circle between folders agent/apply -> agent/daemon -> agent/apply"]),
        ("long file", {"vf-manager/big.c": "int x;\n" * (MAX_LINES + 1)},
         [f"vf-manager/big.c: {MAX_LINES + 1} lines, more than {MAX_LINES}"]),
    ]
    failed = 0
    for name, tree, want in cases:
        with tempfile.TemporaryDirectory(prefix="check-includes-") as d:
            for path, text in tree.items():
                os.makedirs(os.path.join(d, os.path.dirname(path)), exist_ok=True)
                with open(os.path.join(d, path), "w", encoding="utf-8") as fh:
                    fh.write(text)
            got, _ = check(d)
        ok = (not want and not got) or (want and all(any(w in g for g in got) for w in want))
        print(f"{'ok' if ok else 'FAIL'}: {name}: {got or 'no problem'}")
        failed += not ok
    return 1 if failed else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems, summary = check(os.path.abspath(root))
    for p in problems:
        print("check-includes: " + p, file=sys.stderr)
    if problems:
        return 1
    print("check-includes: " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
