# SPDX-License-Identifier: BSD-3-Clause
"""Issue 17 benchmark: one active VM port's rate with 0, 63 and 255 idle connected VM ports.

  net_null0,copy=1 (64-byte frames to 00:00:00:00:00:00, made inside nfpath-dp)
  -> classifier -> chain 1 -> VM port vm0 (vhost library) -> peer-node --role sink
     (net_virtio_user, a fresh process per run, counting --seconds after --warmup)
nfpath-dp runs --lcores 0@0,1@0 (one forwarder on CPU 0), the sink on CPU 1. The idle ports
(idle1..idle255, server mode) are connected by vm-peer processes (26 guests each, idle: they
never send) or disconnected between runs, so one nfpath-dp serves every run.

Paired and interleaved: for N in (63, 255), runs go A B B A A B B A ... (A: 0 idle connected,
B: N idle connected), --pairs pairs (at least 7); the figure is the median of the per-pair
ratios B/A with their min and max. The target (issue 17): 255 idle within 10% of 0 idle.

usage: idle-ports.py --dp NFPATH_DP --node PEER_NODE --vm-peer VM_PEER [--pairs 7]
       [--seconds 2] [--warmup 0.5]
The last line is one JSON object."""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "../../integration/datapath"))
from dptest import Client  # noqa: E402
from vmtest import VmPeer  # noqa: E402

PID = os.getpid()
PER = 26


def median(v):
    s = sorted(v)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def sink_run(a, sock, k):
    prefix = f"ports-sink-{PID}-{k}"
    cmd = [a.node, "--no-pci", "--in-memory", "--single-file-segments", "--file-prefix",
           prefix, "--lcores", "0@1", "--log-level", "*:error",
           "--vdev", f"net_virtio_user0,path={sock},queues=1", "--", "--role", "sink",
           "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.seconds + a.warmup + 60)
    shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)["mpps"]
    raise RuntimeError(f"the sink measured nothing ({p.returncode}): {p.stdout}{p.stderr}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dp", required=True)
    ap.add_argument("--node", required=True)
    ap.add_argument("--vm-peer", required=True)
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--warmup", type=float, default=0.5)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root and hugepages")
        return 77
    work = tempfile.mkdtemp(prefix="ports-bench-")
    prefix = f"ports-bench-dp-{PID}"
    sock = os.path.join(work, "dp.sock")
    cmd = [a.dp, "--file-prefix", prefix, "-s", sock, "--vhost-dir", os.path.join(work, "vh"),
           "-p", "net_null0,copy=1", "--lcores", "0@0,1@0", "--log-level", "*:error"]
    print("+", " ".join(cmd), flush=True)
    dp = subprocess.Popen(cmd, stdout=open(os.path.join(work, "dp.log"), "w"),
                          stderr=subprocess.STDOUT)
    peers = []
    try:
        t0 = time.monotonic()
        while not os.path.exists(sock):
            if dp.poll() is not None or time.monotonic() - t0 > 30:
                raise RuntimeError("nfpath-dp did not start: " +
                                   open(os.path.join(work, "dp.log")).read())
            time.sleep(0.05)
        c = Client(sock)
        vm0 = c.ok("vhost_add", name="vm0")
        c.ok("chain_set", chain=1, hops=[{"port": vm0["name"]}])
        c.ok("flow_add", mac="00:00:00:00:00:00", chain=1)
        idle = [c.ok("vhost_add", name=f"idle{i}")["vhost_socket"] for i in range(1, 256)]
        for k in range(0, 255, PER):
            peers.append(VmPeer(a.vm_peer, f"ports-bench-vp-{PID}-{k // PER}"))
        state = {"n": 0}

        def connected():
            return sum(1 for p in c.ok("port_list")["ports"]
                       if p.get("connected") and p["name"].startswith("net_vhost_idle"))

        def set_idle(n):
            for i in range(255):
                want, have = i < n, i < state["n"]
                if want and not have:
                    peers[i // PER].add(i % PER, idle[i])
                elif have and not want:
                    peers[i // PER].ok(f"del {i % PER}")
            state["n"] = n
            t1 = time.monotonic()
            while connected() != n:
                if time.monotonic() - t1 > 60:
                    raise RuntimeError(f"{connected()} idle guests connected, not {n}")
                time.sleep(0.1)

        def run(n, k):
            set_idle(n)
            time.sleep(0.2)
            m = sink_run(a, vm0["vhost_socket"], k)
            print(f"  {n:3d} idle connected: {m:.3f} Mpps", flush=True)
            return m

        result = {}
        k = 0
        for n in (63, 255):
            ratios, av, bv = [], [], []
            for p in range(a.pairs):
                order = ("A", "B") if p % 2 == 0 else ("B", "A")
                got = {}
                for x in order:
                    got[x] = run(0 if x == "A" else n, k)
                    k += 1
                av.append(got["A"])
                bv.append(got["B"])
                ratios.append(got["B"] / got["A"])
            result[f"idle{n}"] = {"ratio_median": round(median(ratios), 3),
                                  "ratio_min": round(min(ratios), 3),
                                  "ratio_max": round(max(ratios), 3),
                                  "mpps_0_idle_median": round(median(av), 3),
                                  f"mpps_{n}_idle_median": round(median(bv), 3),
                                  "pairs": a.pairs}
            print(f"{n} idle vs 0 idle: median ratio {median(ratios):.3f} "
                  f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {a.pairs} pairs; "
                  f"0 idle {median(av):.3f} Mpps, {n} idle {median(bv):.3f} Mpps", flush=True)
        set_idle(0)
        st = {p["name"]: p for p in c.ok("stats")["ports"]}
        print(f"vm0: tx {st['net_vhost_vm0']['tx_pkts']}, tx_full "
              f"{st['net_vhost_vm0']['tx_full']}", flush=True)
        c.close()
        print(json.dumps({"bench": "idle-ports", **result}))
        return 0
    finally:
        for vp in peers:
            vp.close()
        if dp.poll() is None:
            dp.send_signal(signal.SIGTERM)
            try:
                dp.wait(timeout=30)
            except subprocess.TimeoutExpired:
                dp.kill()
        for f in glob.glob(f"/dev/hugepages/{prefix}*"):
            os.unlink(f)
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
