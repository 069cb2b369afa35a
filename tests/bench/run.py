#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""nfpath's benchmark, one command: every comparison paired and interleaved (tests/bench/README.md).

Parts (--only, comma-separated; default all):
  chain    NF chains of --chains hops at --sizes bytes: nfpath, the floor (hop 1) and the peers
           (memif zero-copy, memif copy, vhost-user) in interleaved rounds
  vm       the software path a VM gets: nfpath-dp against OVS-DPDK (net_null -> classifier ->
           vhost-user -> virtio_user), plus the classifier micro-benchmark
  latency  one-way latency p50/p99/p99.9 (TSC stamps in the packet, read back by the same
           generator) at 10% and 50% of a rate every path carries, 1 and 4 hops: nfpath
           against memif zero-copy and vhost-user
  control  nfpathd on the simulated NIC: 64 VFs, 256 workloads: first convergence, one
           changed workload, a converged re-apply, the idle agent's CPU and RSS
Per comparison the rounds alternate the order of the paths (A B C, C B A, ...); each run is
--warmup s of traffic then --seconds s counted. Per path: median [min-max]; per peer: median of
the per-round ratios [min-max], also over the undisturbed rounds alone (a round with steal or
a big swing is marked disturbed; see peers/paired.py). The heavy lock (--lock) is held per
chunk, each under 10 minutes at the defaults: chain per packet size, vm, latency, control. Tables first, then one JSON line with everything.

usage: run.py [--build DIR] [--quick] [--smoke] [--only chain,vm,latency,control] [--pairs 7]
              [--seconds 2] [--warmup 0.5] [--sizes 64,1500] [--chains 1,2,4,8]
              [--kinds memif-zc,memif-copy,vhost] [--lock /tmp/nfpath-heavy.lock|none]
              [--install]
Needs root and hugepages (scripts/setup.sh) for chain, vm and latency; exits 77 when they are
missing. --quick: 1.5-2 minutes (3 rounds of 0.3 + 1 s; 64 B; 1 and 4 hops; memif-zc; a short
VM, latency and control part); --smoke: the runner's own check in CI (2 rounds of 0.3 s, the smallest
of every part), asserting only that it produces its tables and JSON line.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))
import chain  # noqa: E402
import paired  # noqa: E402
import peerlib  # noqa: E402

PARTS = ("chain", "vm", "latency", "control")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def binaries(a):
    b = a.build
    a.node = a.node or os.path.join(b, "tests/bench/peers/peer-node")
    a.nfpath_bench = a.nfpath_bench or os.path.join(b, "tests/bench/guest-lib/nfpath-bench")
    a.nf = a.nf or os.path.join(b, "tests/bench/guest-lib/nf-bench")
    a.dp = a.dp or os.path.join(b, "datapath/nfpath-dp")
    a.classifier_bench = a.classifier_bench or os.path.join(
        b, "tests/bench/datapath/bench-dp-classifier")
    # agent/ is being split into folders: the daemon and the tool may live one level down.
    a.nfpathd = a.nfpathd or first_of(b, "agent/nfpathd", "agent/daemon/nfpathd")
    a.nfpathctl = a.nfpathctl or first_of(b, "agent/nfpathctl", "agent/ctl/nfpathctl")


def first_of(b, *rel):
    for r in rel:
        if os.access(os.path.join(b, r), os.X_OK):
            return os.path.join(b, r)
    return os.path.join(b, rel[0])


# ------------------------------------------------------------------------------ chain

def chain_groups(a):
    groups = []
    for size in a.sizes:
        with paired.Lock(a.lock):
            groups += chain_size(a, size)
    return groups


def chain_size(a, size):
    groups = []
    for hops in a.chains:
        mode = "busy" if hops == 1 else "shared"
        paths = [("nfpath", lambda h=hops, s=size: chain.nfpath_bench(a, "nfpath", h, s))]
        if hops == 1 and not a.no_floor:
            paths.append(("floor", lambda s=size: chain.nfpath_bench(a, "floor", 1, s)))
        for k in a.kinds:
            paths.append((k, lambda k=k, h=hops, s=size, m=mode:
                          chain.peer(a, k, h, s, m)))
        g = paired.run_group(f"chain {size} B, {hops} hop{'s' if hops > 1 else ''} "
                             f"({mode})", paths, "nfpath", a.pairs, log=log,
                             extra_keys=("busy_ns",))
        g.update({"part": "chain", "bytes": size, "hops": hops, "mode": mode,
                  "target": 1.5 if size <= 64 else 3.0})
        g["load_after"] = paired.uptime_line()
        paired.print_group(g)
        print(f"  {g['load_after']}", flush=True)
        groups.append(g)
    return groups


# ------------------------------------------------------------------------------ vm

def vm_groups(a):
    import vm
    out = []
    why = "--no-ovs" if a.no_ovs else vm.ovs_available(a)
    with paired.Lock(a.lock):
        nf = vm.Nfpath(a)
        ovs = None if why else vm.Ovs(a)
        paths = [("nfpath-dp", lambda: nf.run(a))]
        if ovs:
            paths.append(("ovs-dpdk", lambda: ovs.run(a)))
        g = paired.run_group("VM path 64 B: net_null -> switch on CPU 0 -> vhost-user -> "
                             "virtio_user on CPU 1", paths, "nfpath-dp", a.pairs, log=log,
                             lock=None)
        nf.close()
        if ovs:
            ovs.close()
        g.update({"part": "vm", "bytes": 64, "target": 1.5})
        if why:
            g["ovs_skipped"] = why
        if not a.smoke:
            g["classifier"] = vm.classifier(a)
    g["load_after"] = paired.uptime_line()
    paired.print_group(g)
    if why:
        print(f"  OVS-DPDK skipped: {why.splitlines()[0]}")
    c = g.get("classifier")
    if c and "lookup_ns" in c:
        print("  classifier (bench-dp-classifier, not paired: one program): lookup ns/packet "
              + ", ".join(f"{k} MACs {v}" for k, v in c["lookup_ns"].items())
              + "; round ns/packet " + ", ".join(f"{k} MACs {v}"
                                                 for k, v in c.get("round_ns", {}).items()))
    print(f"  {g['load_after']}", flush=True)
    out.append(g)
    return out


# ------------------------------------------------------------------------------ latency

def latency_groups(a):
    """Per hop count: each path's maximum rate (paired rounds), then at 10% and 50% of the
    smallest maximum (a load all of them carry) paired rounds of latency runs."""
    with paired.Lock(a.lock):
        return latency_part(a)


def latency_part(a):
    out = []
    kinds = [k for k in ("memif-zc", "vhost") if k in a.lat_kinds]
    size = 64
    for hops in a.lat_hops:
        mode = "busy" if hops == 1 else "shared"

        def paths(rate, lat):
            p = [("nfpath", lambda: chain.nfpath_bench(a, "nfpath", hops, size, rate, lat))]
            for k in kinds:
                p.append((k, lambda k=k: chain.peer(a, k, hops, size, mode, rate, lat)))
            return p
        mx = paired.run_group(f"latency {hops} hop(s): maximum rate", paths(0, False),
                              "nfpath", max(2, a.pairs // 2), log=log)
        maxima = {lb: p["mpps"]["median"] for lb, p in mx["paths"].items()}
        if any(not v for v in maxima.values()):
            raise RuntimeError(f"latency {hops} hops: a path carried nothing: {maxima}")
        base = min(maxima.values())
        for frac in (0.1, 0.5):
            rate = base * frac
            g = paired.run_group(f"latency {size} B, {hops} hop(s) at {rate:.2f} Mpps "
                                 f"({int(frac * 100)}% of {base:.2f}, the smallest maximum)",
                                 paths(rate, True), "nfpath", a.pairs, key="p99_ns",
                                 higher_better=False, log=log,
                                 extra_keys=("p50_ns", "p999_ns", "mpps"))
            g.update({"part": "latency", "bytes": size, "hops": hops, "rate_mpps":
                      round(rate, 3), "fraction": frac, "maxima_mpps": maxima,
                      "target": "nfpath p99 <= memif-zc p99"})
            g["load_after"] = paired.uptime_line()
            paired.print_group(g, unit="p99 ns")
            print(f"  {g['load_after']}", flush=True)
            out.append(g)
    return out


# ------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "../../build-rel"))
    for o in ("node", "nfpath-bench", "nf", "dp", "classifier-bench", "nfpathd", "nfpathctl"):
        ap.add_argument("--" + o, help=f"the {o} binary (default: under --build)")
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--pairs", type=int)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--warmup", type=float)
    ap.add_argument("--sizes")
    ap.add_argument("--chains")
    ap.add_argument("--kinds")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--no-ovs", action="store_true")
    ap.add_argument("--install", action="store_true",
                    help="apt-get install openvswitch-switch-dpdk when it is missing")
    ap.add_argument("--lock", default="/tmp/nfpath-heavy.lock",
                    help="flock held around each chunk of comparisons ('none': no lock)")
    ap.add_argument("--workloads", type=int, help="control part: workloads (default 256)")
    ap.add_argument("--vfs", type=int, help="control part: VFs (default 64)")
    ap.add_argument("--idle-seconds", type=float, help="control part: idle measurement")
    a = ap.parse_args()
    prof = {"pairs": 7, "seconds": 2.0, "warmup": 0.5, "sizes": "64,1500", "chains": "1,2,4,8",
            "kinds": ",".join(chain.KINDS), "lat_hops": [1, 4], "workloads": 256, "vfs": 64,
            "idle_seconds": 60.0}
    if a.quick:
        prof.update(pairs=3, seconds=1.0, warmup=0.3, sizes="64", chains="1,4",
                    kinds="memif-zc", lat_hops=[1], idle_seconds=10.0)
    if a.smoke:
        prof.update(pairs=2, seconds=0.3, warmup=0.1, sizes="64", chains="1",
                    kinds="memif-zc", lat_hops=[1], workloads=16, vfs=4, idle_seconds=2.0)
    for k, v in prof.items():
        if getattr(a, k, None) is None:
            setattr(a, k, v)
    a.sizes = [int(x) for x in str(a.sizes).split(",")]
    a.chains = [int(x) for x in str(a.chains).split(",")]
    a.kinds = [k for k in str(a.kinds).split(",") if k]
    a.lat_kinds = ["memif-zc"] if a.smoke or a.quick else ["memif-zc", "vhost"]
    a.lock = None if a.lock == "none" else a.lock
    parts = [p for p in a.only.split(",") if p]
    if any(p not in PARTS for p in parts) or any(k not in chain.KINDS for k in a.kinds) or \
            any(not 1 <= c <= 8 for c in a.chains) or not 1 <= a.pairs <= 51 or \
            a.seconds <= 0 or a.warmup < 0:
        ap.error(f"parts from {','.join(PARTS)}, kinds from {','.join(chain.KINDS)}, "
                 "chains 1-8, pairs 1-51, seconds > 0")
    binaries(a)
    need = {"chain": [a.node, a.nfpath_bench, a.nf], "latency": [a.node, a.nfpath_bench, a.nf],
            "vm": [a.node, a.dp], "control": [a.nfpathd, a.nfpathctl]}
    for p in parts:
        for f in need[p]:
            if not os.access(f, os.X_OK):
                ap.error(f"{f} is not an executable: build first (ninja -C {a.build}) or "
                         "pass --build")
    if set(parts) - {"control"}:
        peerlib.need_root_and_hugepages(pages=400 if "vm" in parts else 128)

    t0 = time.monotonic()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = {"bench": "nfpath-run", "date": started, "argv": sys.argv[1:],
            "commit": git_commit(), "pairs": a.pairs, "seconds": a.seconds,
            "warmup": a.warmup, "load_start": paired.uptime_line(),
            "cpu": cpu_model(), "steal_pct_threshold": paired.STEAL_PCT,
            "swing_threshold": paired.SWING}
    print(f"nfpath benchmark {started}, commit {head['commit']}, {head['cpu']}; "
          f"{a.pairs} rounds of {a.warmup} s warm-up + {a.seconds} s per run; "
          f"{head['load_start']}", flush=True)
    groups, failed = [], []
    for p in parts:
        try:
            if p == "chain":
                groups += chain_groups(a)
            elif p == "vm":
                groups += vm_groups(a)
            elif p == "latency":
                groups += latency_groups(a)
            elif p == "control":
                sys.path.insert(0, os.path.join(HERE, "agent"))
                import cpbench
                with paired.Lock(a.lock):
                    groups += [cpbench.run(a, log)]
        except RuntimeError as e:
            failed.append({"part": p, "error": str(e)[:2000]})
            print(f"\n{p}: FAILED: {str(e)[:2000]}", flush=True)
    summary = summarize(groups)
    if summary:
        print("\nsummary (median of per-round ratios [min-max]; target)")
        for s in summary:
            print(f"  {s['what']:<46} {s['ratio']:>6.2f}x [{s['min']:.2f}-{s['max']:.2f}]"
                  f"  target {s['target']}  {'met' if s['met'] else 'NOT met'}")
    head.update({"elapsed_s": round(time.monotonic() - t0, 1), "load_end":
                 paired.uptime_line(), "groups": groups, "summary": summary,
                 "failed": failed})
    print(json.dumps(head), flush=True)
    bad = failed or any(
        r.get("error") for g in groups for p in g.get("paths", {}).values()
        for r in p.get("runs", []))
    return 1 if bad else 0


def summarize(groups):
    out = []
    for g in groups:
        if g.get("part") not in ("chain", "vm", "latency"):
            continue
        for lb, r in g["ratios"].items():
            a = r["all"]
            if a["median"] is None or lb == "floor":
                continue
            if g["part"] == "latency":
                if lb != "memif-zc":
                    continue
                t, met = ">= 1.00 (p99 memif-zc / nfpath)", a["median"] >= 1.0
            else:
                t, met = f">= {g['target']}", a["median"] >= g["target"]
            out.append({"what": f"{g['group'].split(' (')[0][:34]} vs {lb}",
                        "group": g["group"], "vs": lb, "ratio": a["median"], "min": a["min"],
                        "max": a["max"], "target": t, "met": bool(met)})
    return out


def git_commit():
    try:
        return subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip() + f", {os.cpu_count()} CPUs"
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs"


if __name__ == "__main__":
    sys.exit(main())
