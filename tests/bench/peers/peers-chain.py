# SPDX-License-Identifier: BSD-3-Clause
"""Issue 6 peers: nfpath NF chains against the same chains built from DPDK's own devices.

One run, on this 2-core machine, the same layout as nfpath-bench (called first, its last line
is JSON): the generator on CPU 0 writes a 64-byte header into each packet, sends only what the
first hop takes and collects what the last hop gives back; every hop runs on CPU 1 and reads the
header. Chains of 1, 2, 4 and 8 hops, 64 and 1500 bytes, --runs runs each.

  memif-copy  each hop is its own DPDK process; between neighbours a pair of net_memif ports
              (sender = server, receiver = client; both sides copy)
  memif-zc    the same with zero-copy=yes on every client, i.e. on every receiving side (the
              server still copies into the shared buffers: memif's zero-copy is client-only)
  vhost       each link is net_vhost (server, sending: the host's enqueue copy) to
              net_virtio_user (client, receiving), the path a VM behind OVS-DPDK gets

With one hop the hop busy-polls its CPU, as nfpath's single NF does. With more hops than the
one CPU they share, nfpath's NFs sleep on a futex when idle (shared-core mode); DPDK's devices
have no such mode here, so peer hops call sched_yield() after every empty poll (the closest
equivalent; 'shared' rows). For the chain lengths in --busy-shared (default 8), once at the
first size, it also measures plainly busy-polling peer hops sharing the CPU ('busy' rows with
more than one hop), to show why that is not a meaningful configuration: each process then holds
the CPU for a whole scheduler slice while the others' rings fill.

Figures: Mpps at the generator (end of the chain) and the hops' busy ns per packet per hop
(TSC time of non-empty polls, receive included, / packets: the accounting of nfpath-bench and
libnfpath).
Ratios: nfpath Mpps / peer Mpps, and peer busy ns / nfpath busy ns (how much cheaper an nfpath
hop is). Last line: one JSON object with every figure.

usage: peers-chain.py --node PEER_NODE --nfpath-bench NFPATH_BENCH --nf NF_BENCH
       [--runs 3] [--seconds 1.0] [--sizes 64,1500] [--chains 1,2,4,8]
       [--kinds memif-copy,memif-zc,vhost] [--busy-shared 8|none]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402
from peerlib import WORK, median, node, wait_file  # noqa: E402

KINDS = ("memif-copy", "memif-zc", "vhost")


def link_vdevs(kind, tag, link, index_tx, index_rx):
    """(sender vdev, receiver vdev) for link number 'link' of chain 'tag'."""
    if kind == "vhost":
        sock = os.path.join(WORK, f"vh-{tag}-{link}.sock")
        return (f"net_vhost{index_tx},iface={sock},queues=1",
                f"net_virtio_user{index_rx},path={sock},queues=1")
    sock = os.path.join(WORK, f"mf-{tag}-{link}.sock")
    zc = ",zero-copy=yes" if kind == "memif-zc" else ""
    common = f"socket={sock},socket-abstract=no,id={link},rsize=10"
    return (f"net_memif{index_tx},role=server,{common}",
            f"net_memif{index_rx},role=client,{common}{zc}")


def run_chain(a, kind, hops, size, mode):
    """One measurement; returns (gen JSON, [hop JSONs])."""
    gen_cpu, hop_cpu = 0, 1 if peerlib.cpus() > 1 else 0
    procs = []
    run_chain.n = getattr(run_chain, "n", 0) + 1
    tag = f"{kind}-{hops}-{size}-{mode}-{run_chain.n}"
    ready = [os.path.join(WORK, f"ready-{tag}-{i}") for i in range(hops + 1)]
    try:
        tx0, _ = link_vdevs(kind, tag, 0, 0, 0)
        _, rx_last = link_vdevs(kind, tag, hops, 1, 1)
        gen = node(a.node, f"gen-{tag}", gen_cpu, [tx0],
                   ["--role", "gen", "--size", str(size), "--seconds", str(a.seconds),
                    "--warmup", str(a.warmup), "--ready-file", ready[0], "--linger",
                    "--late-vdev", rx_last, "--late-wait", ready[hops]])
        procs.append(gen)
        wait_file(ready[0], procs)
        for i in range(1, hops + 1):
            _, rx = link_vdevs(kind, tag, i - 1, 1, 0)
            tx, _ = link_vdevs(kind, tag, i, 1, 0)
            args = ["--role", "hop", "--ready-file", ready[i], "--linger"]
            if mode != "busy":
                args.append("--yield")
            procs.append(node(a.node, f"hop{i}-{tag}", hop_cpu, [rx, tx], args))
            wait_file(ready[i], procs)
        # The generator gives up by itself 30 s after start if nothing comes back.
        res = peerlib.wait_json(gen, a.warmup + a.seconds + 60)
        # Every process stops polling before any closes its ports (see peer-node --linger).
        for p in procs[1:]:
            if p.poll() is None:
                p.send_signal(signal.SIGUSR1)
        hop_res = [peerlib.wait_json(p, 15) for p in procs[1:]]
        peerlib.stop_all(procs)
        # Judged by its figures: the exit status also reflects the teardown.
        if res is None or res.get("mpps", 0) <= 0:
            raise RuntimeError(f"{gen.name} measured nothing (exit {gen.returncode}):\n"
                               + peerlib.output(gen))
        for p, j in zip(procs[1:], hop_res):
            if j is None:
                raise RuntimeError(f"{p.name} printed no figures (exit {p.returncode}):\n"
                                   + peerlib.output(p))
        return res, hop_res
    finally:
        peerlib.stop_all(procs, timeout=5)


def nfpath_figures(a, sizes, chains):
    cmd = [a.nfpath_bench, "--nf", a.nf, "--runs", str(a.runs), "--seconds", str(a.seconds),
           "--sizes", ",".join(map(str, sizes)), "--chains", ",".join(map(str, chains))]
    print("+", " ".join(cmd), flush=True)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    # nfpath-bench's EAL prefix is nfpath-bench-PID; it leaves its runtime directory behind.
    peerlib.on_exit(lambda: peerlib.remove_prefix(f"nfpath-bench-{p.pid}"))
    try:
        out, _ = p.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise RuntimeError("nfpath-bench did not finish in 900 s")
    print(out, flush=True)
    if p.returncode == peerlib.SKIP:
        peerlib.skip("nfpath-bench skipped")
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"nfpath-bench failed ({p.returncode})")
    out = {}
    for r in json.loads(lines[-1])["results"]:
        out[(r["path"], r["bytes"], r["hops"])] = r
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--node", required=True)
    ap.add_argument("--nfpath-bench", required=True)
    ap.add_argument("--nf", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.3)
    ap.add_argument("--sizes", default="64,1500")
    ap.add_argument("--chains", default="1,2,4,8")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--busy-shared", default="8",
                    help="chain lengths (> 1) also measured once, at the first size, with "
                         "busy-polling peer hops sharing one CPU, to show what that does "
                         "('none': skip)")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    chains = [int(x) for x in a.chains.split(",")]
    kinds = a.kinds.split(",")
    busy_shared = [] if a.busy_shared == "none" else [int(x) for x in a.busy_shared.split(",")]
    if any(k not in KINDS for k in kinds) or any(not 1 <= c <= 8 for c in chains) or \
            not 1 <= a.runs <= 9:
        ap.error("kinds from " + ",".join(KINDS) + ", chains 1-8, runs 1-9")
    for f in (a.node, a.nfpath_bench, a.nf):
        if not os.access(f, os.X_OK):
            ap.error(f"{f} is not an executable: build first (ninja -C BUILD)")
    peerlib.need_root_and_hugepages()
    t_start = time.monotonic()

    print(f"CPUs: generator on CPU 0, every hop on CPU {1 if peerlib.cpus() > 1 else 0}; "
          f"{a.runs} runs of {a.seconds} s (+{a.warmup} s warm-up) per figure", flush=True)
    nf = nfpath_figures(a, sizes, chains)

    rows = []
    for size in sizes:
        for kind in kinds:
            for hops in chains:
                modes = ["busy"] if hops == 1 else ["shared"]
                if hops > 1 and hops in busy_shared and size == sizes[0]:
                    modes.append("busy")
                for mode in modes:
                    mpps, ns, drops, errors = [], [], 0, []
                    for r in range(a.runs if mode != "busy" or hops == 1 else 1):
                        try:
                            g, hs = run_chain(a, kind, hops, size, mode)
                        except RuntimeError as e:
                            errors.append(str(e))
                            print(f"  {kind} {hops} hops {size}B {mode} run {r}: FAILED: {e}",
                                  file=sys.stderr, flush=True)
                            continue
                        rx = sum(h["rx"] for h in hs)
                        busy_ns = sum(h["busy_cycles"] * 1e9 / h["tsc_hz"] for h in hs)
                        mpps.append(g["mpps"])
                        ns.append(busy_ns / rx if rx else 0.0)
                        drops += sum(h["drops"] for h in hs)
                        print(f"  {kind} {hops} hops {size}B {mode} run {r}: "
                              f"{g['mpps']:.2f} Mpps, {ns[-1]:.1f} busy ns/pkt/hop",
                              file=sys.stderr, flush=True)
                    m, ms = median(mpps)
                    n, nsp = median(ns)
                    rows.append({"path": kind, "mode": mode, "bytes": size, "hops": hops,
                                 "runs": len(mpps), "mpps": round(m, 3),
                                 "mpps_spread_pct": round(ms, 1),
                                 "busy_ns_per_pkt_hop": round(n, 2),
                                 "busy_ns_spread_pct": round(nsp, 1), "drops": drops,
                                 "failed_runs": len(errors)})

    print(f"\n{'path':<11} {'mode':<7} {'bytes':>5} {'hops':>4} {'Mpps':>7} {'spread':>7} "
          f"{'ns/pkt/hop':>10} {'spread':>7} {'nfpath Mpps':>11} {'x Mpps':>7} {'x ns':>6}")
    for (path, size, hops), r in sorted(nf.items(), key=lambda x: (x[0][1], x[0][0], x[0][2])):
        print(f"{path:<11} {'busy' if hops == 1 or path == 'floor' else 'shared':<7} {size:>5} "
              f"{hops:>4} {r['mpps']:>7.2f} {r['mpps_spread_pct']:>6.0f}% "
              f"{r['busy_ns_per_pkt_hop']:>10.1f} {r['busy_ns_spread_pct']:>6.0f}%")
    ratios = []
    for r in rows:
        ref = nf.get((f"nfpath-{r['hops']}", r["bytes"], r["hops"]))
        xm = ref["mpps"] / r["mpps"] if ref and r["mpps"] > 0 else None
        xn = (r["busy_ns_per_pkt_hop"] / ref["busy_ns_per_pkt_hop"]
              if ref and ref["busy_ns_per_pkt_hop"] > 0 else None)
        r["nfpath_mpps"] = ref["mpps"] if ref else None
        r["ratio_nfpath_mpps"] = round(xm, 3) if xm else None
        r["ratio_peer_ns_over_nfpath_ns"] = round(xn, 3) if xn else None
        target = 1.5 if r["bytes"] <= 64 else 3.0
        if xm is not None and r["mode"] == ("busy" if r["hops"] == 1 else "shared"):
            ratios.append({"vs": r["path"], "bytes": r["bytes"], "hops": r["hops"],
                           "nfpath_over_peer_mpps": round(xm, 3), "target": target,
                           "met": xm >= target})
        print(f"{r['path']:<11} {r['mode']:<7} {r['bytes']:>5} {r['hops']:>4} "
              f"{r['mpps']:>7.2f} {r['mpps_spread_pct']:>6.0f}% "
              f"{r['busy_ns_per_pkt_hop']:>10.1f} {r['busy_ns_spread_pct']:>6.0f}% "
              f"{(ref['mpps'] if ref else 0):>11.2f} "
              f"{(f'{xm:.2f}x' if xm else '-'):>7} {(f'{xn:.2f}x' if xn else '-'):>6}"
              + (f"  ({r['failed_runs']} runs failed)" if r["failed_runs"] else ""))
    busy_rows = [r for r in rows if r["mode"] == "busy" and r["hops"] > 1]
    if busy_rows:
        print("\nnote: 'busy' rows with more than one hop are busy-polling processes sharing "
              "one CPU: each holds it for a whole scheduler slice while its neighbours' rings "
              "fill, so they measure the scheduler, not the device; compare the 'shared' "
              "rows (sched_yield when idle) with nfpath's shared-core mode.")
    print("\nratios: x Mpps = nfpath Mpps / peer Mpps (targets 1.5x at 64 B, 3x at 1500 B); "
          "x ns = peer busy ns / nfpath busy ns per packet per hop", flush=True)
    # nfpath's own targets, from nfpath-bench's figures of this run.
    own = []
    for size in sizes:
        fl, one, eight = (nf.get(k) for k in (("floor", size, 1), ("nfpath-1", size, 1),
                                               ("nfpath-8", size, 8)))
        if fl and one and fl["busy_ns_per_pkt_hop"] > 0:
            x = one["busy_ns_per_pkt_hop"] / fl["busy_ns_per_pkt_hop"]
            own.append({"check": "nfpath_hop_over_floor_ns", "bytes": size,
                        "value": round(x, 3), "target_max": 1.15, "met": x <= 1.15})
        if one and eight and one["mpps"] > 0:
            x = eight["mpps"] / one["mpps"]
            own.append({"check": "nfpath8_shared_over_nfpath1_mpps", "bytes": size,
                        "value": round(x, 3), "target_min": 0.5, "met": x >= 0.5})
    if own:
        print("nfpath: " + "; ".join(
            f"{o['bytes']} B {o['check']} {o['value']:.2f} "
            f"(target {'<=' if 'target_max' in o else '>='} "
            f"{o.get('target_max', o.get('target_min'))})" for o in own), flush=True)
    failed = sum(r["failed_runs"] for r in rows)
    print(json.dumps({"bench": "peers-chain", "runs": a.runs, "seconds": a.seconds,
                      "cpus": {"generator": 0, "hops": 1 if peerlib.cpus() > 1 else 0},
                      "nfpath": list(nf.values()), "peers": rows, "ratios": ratios,
                      "nfpath_checks": own, "failed_runs": failed,
                      "elapsed_s": round(time.monotonic() - t_start, 1)}))
    # A peer that never passed a packet is a broken harness, not a figure.
    # (busy-polling hops sharing a CPU may legitimately starve: they only illustrate)
    return 1 if any((r["runs"] == 0 or r["mpps"] <= 0) and
                    r["mode"] == ("busy" if r["hops"] == 1 else "shared") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
