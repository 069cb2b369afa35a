# SPDX-License-Identifier: BSD-3-Clause
"""The paired, interleaved method of tests/bench/run.py (see tests/bench/README.md).

A comparison is a group of paths measured in rounds: round i runs every path once, back to
back, in the group's order when i is even and in reverse when i is odd (A B C, C B A, ...), so
each peer's run sits next to nfpath's run of the same round and a slow moment of the machine
falls on both. Per path: median and min-max over the rounds. Per peer: the median of the
per-round ratios nfpath / peer (for a figure where smaller is better, peer / nfpath) with their
min-max. Every run records the steal time of the machine's CPUs from /proc/stat and the load;
a round is 'disturbed' when a run in it saw more than STEAL_PCT % steal, or a run's figure
is more than SWING of its path's median away (a burst of other load). The ratios are also
given over the undisturbed rounds alone.
"""
import fcntl
import os
import time

STEAL_PCT = 2.0
SWING = 0.30


def cpu_times():
    """(total jiffies, steal jiffies) of the 'cpu' line of /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]), v[7] if len(v) > 7 else 0


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def uptime_line():
    with open("/proc/loadavg") as f:
        a = f.read().split()
    return f"load average: {a[0]}, {a[1]}, {a[2]} ({os.cpu_count()} CPUs)"


class Lock:
    """flock on PATH (the shared heavy lock) around one group; PATH None: no lock."""

    def __init__(self, path):
        self.path, self.f = path, None

    def __enter__(self):
        if self.path:
            self.f = open(self.path, "a")
            t0 = time.monotonic()
            fcntl.flock(self.f, fcntl.LOCK_EX)
            self.waited = time.monotonic() - t0
        return self

    def __exit__(self, *exc):
        if self.f:
            fcntl.flock(self.f, fcntl.LOCK_UN)
            self.f.close()
            self.f = None


def measure(fn):
    """One run: fn() -> dict of figures; adds steal_pct, load and wall seconds."""
    tot0, st0 = cpu_times()
    t0 = time.monotonic()
    r = fn()
    tot1, st1 = cpu_times()
    r["steal_pct"] = round(100.0 * (st1 - st0) / (tot1 - tot0), 2) if tot1 > tot0 else 0.0
    r["load"] = loadavg()
    r["wall_s"] = round(time.monotonic() - t0, 2)
    return r


def median(v):
    s = sorted(v)
    if not s:
        return None
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def stats(v):
    v = [x for x in v if x is not None]
    if not v:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": round(median(v), 3), "min": round(min(v), 3), "max": round(max(v), 3),
            "n": len(v)}


def run_group(name, paths, ref, pairs, key="mpps", higher_better=True, log=print,
              lock=None, extra_keys=()):
    """Measure 'paths' (list of (label, fn)) in 'pairs' interleaved rounds; 'ref' is nfpath's
    label. Returns the group's result: per path the runs and stats, per other path the ratios.
    A failed run (fn raised RuntimeError) is recorded and leaves its round's ratio out."""
    labels = [p[0] for p in paths]
    runs = {lb: [] for lb in labels}
    with Lock(lock):
        for i in range(pairs):
            order = paths if i % 2 == 0 else list(reversed(paths))
            for lb, fn in order:
                try:
                    r = measure(fn)
                except RuntimeError as e:
                    r = {"error": str(e)[:500], key: None, "steal_pct": 0.0}
                    log(f"  {name}: {lb} round {i}: FAILED: {str(e)[:300]}")
                r["round"] = i
                runs[lb].append(r)
                if r.get(key) is not None:
                    log(f"  {name}: {lb} round {i}: {r[key]:.3f} {key} "
                        f"(steal {r['steal_pct']:.1f}%, load {r['load']:.1f})")
    out = {"group": name, "ref": ref, "key": key, "higher_better": higher_better,
           "pairs": pairs, "paths": {}, "ratios": {}}
    med = {}
    for lb in labels:
        vals = [r.get(key) for r in runs[lb]]
        st = stats(vals)
        med[lb] = st["median"]
        out["paths"][lb] = {key: st, "runs": runs[lb]}
        for k in extra_keys:
            out["paths"][lb][k] = stats([r.get(k) for r in runs[lb]])
    disturbed = []
    for i in range(pairs):
        why = []
        for lb in labels:
            r = runs[lb][i]
            if r.get("steal_pct", 0) > STEAL_PCT:
                why.append(f"{lb} steal {r['steal_pct']:.1f}%")
            v, m = r.get(key), med[lb]
            if v is not None and m and abs(v - m) > SWING * m:
                why.append(f"{lb} {v:.2f} vs median {m:.2f}")
        disturbed.append(why)
    out["disturbed"] = [{"round": i, "why": w} for i, w in enumerate(disturbed) if w]
    for lb in labels:
        if lb == ref:
            continue
        ratios, quiet = [], []
        for i in range(pairs):
            a, b = runs[ref][i].get(key), runs[lb][i].get(key)
            if a is None or b is None or a <= 0 or b <= 0:
                continue
            x = a / b if higher_better else b / a
            ratios.append(x)
            if not disturbed[i]:
                quiet.append(x)
        out["ratios"][lb] = {"all": stats(ratios), "undisturbed": stats(quiet)}
    return out


def fmt(x, w=7, p=2):
    return f"{x:>{w}.{p}f}" if isinstance(x, (int, float)) else f"{'-':>{w}}"


def print_group(g, out=print, unit=None):
    """The group's table: per path median [min-max]; per peer the ratio median [min-max]."""
    key = g["key"]
    unit = unit or key
    out(f"\n{g['group']}  ({g['pairs']} interleaved rounds; ratio = "
        f"{g['ref']} / path" + ("" if g["higher_better"] else ", inverted: path / " + g["ref"])
        + ")")
    extra = [k for k in g["paths"][g["ref"]] if k not in (key, "runs")]
    head = f"  {'path':<22} {unit + ' med':>11} {'min':>7} {'max':>7}"
    for k in extra:
        head += f" {k + ' med':>14}"
    head += f" {'ratio med':>9} {'min':>6} {'max':>6} {'quiet med':>9} {'steal max':>9}"
    out(head)
    for lb, p in g["paths"].items():
        s = p[key]
        line = f"  {lb:<22} {fmt(s['median'], 11)} {fmt(s['min'])} {fmt(s['max'])}"
        for k in extra:
            line += f" {fmt(p[k]['median'], 14, 1)}"
        r = g["ratios"].get(lb)
        if r:
            a, q = r["all"], r["undisturbed"]
            line += f" {fmt(a['median'], 8)}x {fmt(a['min'], 6)} {fmt(a['max'], 6)} " + \
                (f"{fmt(q['median'], 8)}x" if q["median"] is not None else f"{'-':>9}")
        else:
            line += f" {'(ref)':>9} {'':>6} {'':>6} {'':>9}"
        steal = max((x.get("steal_pct", 0) for x in p["runs"]), default=0)
        line += f" {steal:>8.1f}%"
        out(line)
    if g["disturbed"]:
        out("  disturbed rounds: " + "; ".join(
            f"{d['round']}: {', '.join(d['why'])}" for d in g["disturbed"]))
