# SPDX-License-Identifier: BSD-3-Clause
"""One run of each NF-chain path of tests/bench/run.py (issue 6 layout, issue 22 method).

The generator on CPU 0 writes a 64-byte header into each packet, sends only what the first hop
takes and collects what the last hop gives back; every hop runs on CPU 1 and reads the header.
  nfpath      nfpath-bench --paths nfpath: a chain of nf-bench NFs (libnfpath; shared-core
              sleep mode with more than one hop)
  floor       nfpath-bench --paths floor: the same round trip through two plain SPSC rings and
              one plain consumer process, with every trick nfpath's generator and libnfpath use
  memif-copy  each hop its own DPDK process (peer-node); between neighbours a pair of net_memif
              ports (sender = server, receiver = client; both sides copy)
  memif-zc    the same with zero-copy=yes on every client, i.e. on every receiving side
  vhost       each link net_vhost (server, sending) to net_virtio_user (client, receiving)
With one hop the hop busy-polls its CPU, as nfpath's single NF does; with more, nfpath's NFs
sleep on a futex when idle and peer hops sched_yield() after every empty poll ('shared').
Every function returns the run's figures: mpps (at the generator), busy_ns (the hops' TSC time
of non-empty polls per packet per hop) and, with latency, p50_ns/p99_ns/p999_ns.
"""
import json
import os
import signal
import subprocess

import peerlib
from peerlib import WORK, node, wait_file

KINDS = ("memif-zc", "memif-copy", "vhost")


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


_n = [0]
LAT_KEYS = ("p50_ns", "p99_ns", "p999_ns", "max_ns", "lat_n")


def peer(a, kind, hops, size, mode, rate=0.0, latency=False):
    """One peer chain run; raises RuntimeError when it measured nothing."""
    gen_cpu, hop_cpu = 0, 1 if peerlib.cpus() > 1 else 0
    procs = []
    _n[0] += 1
    tag = f"{kind}-{hops}-{size}-{mode}-{_n[0]}"
    ready = [os.path.join(WORK, f"ready-{tag}-{i}") for i in range(hops + 1)]
    try:
        tx0, _ = link_vdevs(kind, tag, 0, 0, 0)
        _, rx_last = link_vdevs(kind, tag, hops, 1, 1)
        args = ["--role", "gen", "--size", str(size), "--seconds", str(a.seconds),
                "--warmup", str(a.warmup), "--ready-file", ready[0], "--linger",
                "--late-vdev", rx_last, "--late-wait", ready[hops]]
        if rate:
            args += ["--rate", f"{rate:.4f}"]
        if latency:
            args.append("--latency")
        gen = node(a.node, f"gen-{tag}", gen_cpu, [tx0], args)
        procs.append(gen)
        wait_file(ready[0], procs)
        for i in range(1, hops + 1):
            _, rx = link_vdevs(kind, tag, i - 1, 1, 0)
            tx, _ = link_vdevs(kind, tag, i, 1, 0)
            hargs = ["--role", "hop", "--ready-file", ready[i], "--linger"]
            if mode != "busy":
                hargs.append("--yield")
            procs.append(node(a.node, f"hop{i}-{tag}", hop_cpu, [rx, tx], hargs))
            wait_file(ready[i], procs)
        # The generator gives up by itself 30 s after start if nothing comes back.
        res = peerlib.wait_json(gen, a.warmup + a.seconds + 60)
        # Every process stops polling before any closes its ports (see peer-node --linger).
        for p in procs[1:]:
            if p.poll() is None:
                p.send_signal(signal.SIGUSR1)
        hop_res = [peerlib.wait_json(p, 15) for p in procs[1:]]
        peerlib.stop_all(procs)
        if res is None or res.get("mpps", 0) <= 0:
            raise RuntimeError(f"{gen.name} measured nothing (exit {gen.returncode}):\n"
                               + peerlib.output(gen)[-1500:])
        for p, j in zip(procs[1:], hop_res):
            if j is None:
                raise RuntimeError(f"{p.name} printed no figures (exit {p.returncode}):\n"
                                   + peerlib.output(p)[-1500:])
        rx = sum(h["rx"] for h in hop_res)
        busy = sum(h["busy_cycles"] * 1e9 / h["tsc_hz"] for h in hop_res)
        out = {"mpps": res["mpps"], "busy_ns": round(busy / rx, 2) if rx else None,
               "drops": sum(h["drops"] for h in hop_res)}
        for k in LAT_KEYS:
            if k in res:
                out[k] = res[k]
        return out
    finally:
        peerlib.stop_all(procs, timeout=5)


def nfpath_bench(a, path, hops, size, rate=0.0, latency=False):
    """One run of nfpath-bench for 'floor' or 'nfpath' (hops NFs)."""
    cmd = [a.nfpath_bench, "--nf", a.nf, "--runs", "1", "--seconds", str(a.seconds),
           "--warmup", str(a.warmup), "--sizes", str(size), "--chains", str(hops),
           "--paths", path]
    if rate:
        cmd += ["--rate", f"{rate:.4f}"]
    if latency:
        cmd.append("--latency")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=a.warmup + a.seconds + 60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise RuntimeError(f"nfpath-bench did not finish: {err[-1500:]}")
    finally:
        # nfpath-bench's EAL prefix is bench-nfpath-PID; it leaves its runtime directory.
        peerlib.remove_prefix(f"bench-nfpath-{p.pid}")
    if p.returncode == peerlib.SKIP:
        peerlib.skip("nfpath-bench skipped: " + out.strip()[:200])
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"nfpath-bench failed ({p.returncode}): {err[-1500:]}")
    r = json.loads(lines[-1])["results"][0]
    if r["mpps"] <= 0:
        raise RuntimeError(f"nfpath-bench {path} measured nothing: {err[-1500:]}")
    o = {"mpps": r["mpps"], "busy_ns": r["busy_ns_per_pkt_hop"], "cpu_ns": r["cpu_ns_per_pkt"],
         "drops": r["ring_full_drops"]}
    for k in LAT_KEYS:
        if k in r:
            o[k] = r[k]
    return o
