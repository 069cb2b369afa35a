#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""CI's check of the benchmark runner itself (meson test bench-smoke, suite integration): runs
'run.py --quick --smoke ARGS...' (every part at its smallest) and fails unless it printed a
table per comparison (header, one row per path, ratios for every non-reference path), the
control-plane table and, last, one JSON line whose groups agree with the tables: every path
has as many runs as rounds, min <= median <= max, every ratio's median lies within its min-max
and equals the median of the per-round ratios recomputed from the runs. Figures are not judged
(speed is not what CI checks). Exit 77 when the runner skips (no root or hugepages).

usage: smoke-check.py RUN_PY ARGS..."""
import json
import subprocess
import sys
import time


def fail(msg, out=""):
    print(out[-6000:])
    print(f"FAIL: {msg}")
    sys.exit(1)


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    cmd = [sys.executable, sys.argv[1], "--quick", "--smoke"] + sys.argv[2:]
    print("+", " ".join(cmd), flush=True)
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=170)
    took = time.monotonic() - t0
    out = r.stdout
    if r.returncode == 77:
        print(out[-2000:])
        return 77
    lines = out.strip().splitlines()
    if r.returncode != 0:
        fail(f"run.py exited {r.returncode}", out)
    try:
        j = json.loads(lines[-1])
    except (ValueError, IndexError):
        fail("the last line is not one JSON object", out)
    print(out[-4000:])
    if j.get("bench") != "nfpath-run" or j.get("failed"):
        fail(f"JSON line: bench {j.get('bench')!r}, failed parts {j.get('failed')}", out)
    parts = {g.get("part") for g in j["groups"]}
    for p in ("chain", "vm", "latency", "control"):
        if p not in parts:
            fail(f"no {p} group in the JSON line (parts: {sorted(parts)})", out)
    for g in j["groups"]:
        if g["part"] == "control":
            for k in ("first_convergence", "one_changed", "reapply", "idle"):
                if k not in g:
                    fail(f"control group without {k}", out)
            if not g["first_convergence"].get("converged"):
                fail(f"control: no first convergence: {g['first_convergence']}", out)
            if "control plane:" not in out or "first convergence (start->READY)" not in out:
                fail("no control-plane table", out)
            continue
        title = g["group"]
        at = out.find("\n" + title + "  (")
        if at < 0:
            fail(f"no table titled {title!r}", out)
        table = out[at:].splitlines()[1:]
        if "ratio med" not in table[1]:
            fail(f"{title}: no table header", out)
        key = g["key"]
        for i, (lb, p) in enumerate(g["paths"].items()):
            row = table[2 + i].split()
            if row[0] != lb:
                fail(f"{title}: row {i} is {row[0]!r}, not {lb!r}", out)
            runs = p["runs"]
            if len(runs) != g["pairs"]:
                fail(f"{title}: {lb} has {len(runs)} runs for {g['pairs']} rounds", out)
            if [x["round"] for x in runs] != list(range(g["pairs"])):
                fail(f"{title}: {lb}'s rounds are {[x['round'] for x in runs]}", out)
            s = p[key]
            if s["n"] != g["pairs"] or not s["min"] <= s["median"] <= s["max"]:
                fail(f"{title}: {lb}: {s}", out)
            if any("steal_pct" not in x for x in runs):
                fail(f"{title}: {lb}: a run without its steal time", out)
            if lb != g["ref"]:
                ra = g["ratios"][lb]["all"]
                ref = g["paths"][g["ref"]]["runs"]
                want = [(a[key] / b[key]) if g["higher_better"] else (b[key] / a[key])
                        for a, b in zip(ref, runs)]
                if ra["n"] != len(want) or abs(ra["median"] - median(want)) > 0.002 or \
                        not ra["min"] <= ra["median"] <= ra["max"]:
                    fail(f"{title}: {lb}: ratio {ra} is not the median of {want}", out)
                if f"{ra['median']:.2f}x" not in table[2 + i]:
                    fail(f"{title}: {lb}: the table row does not show {ra['median']:.2f}x",
                         out)
    if not j.get("summary"):
        fail("no summary in the JSON line", out)
    print(f"smoke-check: {len(j['groups'])} groups, tables and JSON line agree; "
          f"run.py took {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
