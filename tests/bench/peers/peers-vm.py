# SPDX-License-Identifier: BSD-3-Clause
"""Issue 5 benchmark: the software path a VM gets, nfpath-dp against Open vSwitch with DPDK.

The same job for both, on the same two CPUs, in one run:
  net_null (copy=1: 64-byte frames to MAC 00:00:00:00:00:00, generated inside the switch)
  -> the switch's classifier (nfpath-dp: flow_add MAC -> chain 1 -> vhost port;
     OVS: OpenFlow rule in_port=null,dl_dst=MAC -> output:vhost port)
  -> a vhost-user port in server mode (nfpath-dp: vhost_add; OVS: type=dpdkvhostuser)
  -> the "VM": peer-node --role sink with net_virtio_user, on CPU 1, counting what arrives.
The switch runs on CPU 0: nfpath-dp with --lcores 0@0,1@0 (control lcore, which sleeps in
poll(), and one busy-polling forwarder); ovs-vswitchd (Debian's openvswitch-switch-dpdk 3.1)
under taskset -c 0 with pmd-cpu-mask=0x1, dpdk-socket-mem/-limit so it takes few hugepages,
its own database, run directory and EAL file prefix. Each is measured --runs times (a fresh
sink each time, the switch kept), median and spread; then the ratio nfpath / OVS (target
>= 1.3x). Also runs the software classifier bench (1, 1k, 64k MACs) unless --no-classifier.
Everything it starts is stopped and removed on any exit: processes, OVS database and sockets,
hugepage files, the bridge's tap device. The last line is one JSON object.

OVS missing: installs openvswitch-switch-dpdk with apt-get when --install is given (the meson
test passes it); when it is still missing, prints the nfpath figures and the reason and exits
77 (skip: no comparison). A half that delivers nothing fails (exit 1).

usage: peers-vm.py --node PEER_NODE --dp NFPATH_DP [--classifier-bench BIN] [--runs 3]
       [--seconds 2] [--install] [--no-ovs] [--no-classifier]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402
from peerlib import (WORK, last_json, median, node, on_exit, remove_prefix,  # noqa: E402
                     spawn, stop)

MAC = "00:00:00:00:00:00"   # what net_null,copy=1 frames carry (a zeroed template)
OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
PID = os.getpid()


def switch_cpu():
    return 0


def vm_cpu():
    return 1 if peerlib.cpus() > 1 else 0


def sink_runs(a, sock, label):
    """--runs fresh VMs on the vhost socket; returns the list of Mpps."""
    mpps = []
    for r in range(a.runs):
        p = node(a.node, f"vm-{label}-{r}", vm_cpu(), [f"net_virtio_user0,path={sock},queues=1"],
                 ["--role", "sink", "--seconds", str(a.seconds), "--warmup", str(a.warmup)])
        try:
            p.wait(timeout=a.seconds + a.warmup + 60)
        except subprocess.TimeoutExpired:
            pass
        stop(p)
        j = last_json(p)
        if p.returncode != 0 or not j:
            print(f"  {label} run {r}: the VM received nothing ({p.returncode}):\n"
                  + peerlib.output(p), file=sys.stderr, flush=True)
            continue
        mpps.append(j["mpps"])
        print(f"  {label} run {r}: {j['mpps']:.2f} Mpps into the VM", file=sys.stderr,
              flush=True)
    return mpps


# ---------------------------------------------------------------- nfpath-dp

def ctl(sock):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "../../integration/datapath"))
    from dptest import Client
    return Client(sock)


def run_nfpath(a):
    prefix = f"nfpeer-dp-{PID}"
    d = os.path.join(WORK, "dp")
    os.makedirs(d)
    sock = os.path.join(d, "dp.sock")
    on_exit(lambda: remove_prefix(prefix))
    cmd = [a.dp, "--file-prefix", prefix, "-s", sock, "--vhost-dir", os.path.join(d, "vhost"),
           "-p", "net_null0,copy=1", "--lcores", f"0@{switch_cpu()},1@{switch_cpu()}",
           "--log-level", "*:error"]
    print("+", " ".join(cmd), flush=True)
    dp = spawn(cmd, "nfpath-dp")
    try:
        peerlib.wait_file(sock, [dp])
        c = ctl(sock)
        vh = c.ok("vhost_add", name="vm0")
        c.ok("chain_set", chain=1, hops=[{"port": vh["name"]}])
        c.ok("flow_add", mac=MAC, chain=1)
        mpps = sink_runs(a, vh["vhost_socket"], "nfpath")
        st = c.ok("stats")
        c.close()
        ports = {x["name"]: x for x in st["ports"]}
        print(f"  nfpath-dp: vhost port sent {ports[vh['name']]['tx_pkts']}, "
              f"tx_dropped {ports[vh['name']].get('tx_dropped')}", file=sys.stderr, flush=True)
        return mpps
    finally:
        rc = stop(dp, timeout=30)
        if rc not in (0, None):
            print(f"nfpath-dp exited {rc}:\n" + peerlib.output(dp), file=sys.stderr)


# ---------------------------------------------------------------- OVS-DPDK

def ovs_available(a):
    if os.access(OVS_VSWITCHD, os.X_OK) and shutil.which("ovsdb-server"):
        return None
    if not a.install:
        return (f"{OVS_VSWITCHD} is missing: apt-get install openvswitch-switch-dpdk "
                "(or pass --install)")
    print("+ apt-get install -y openvswitch-switch-dpdk", flush=True)
    r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                        "openvswitch-switch-dpdk"], env=dict(os.environ,
                       DEBIAN_FRONTEND="noninteractive"), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    if r.returncode != 0 or not os.access(OVS_VSWITCHD, os.X_OK):
        return "apt-get install openvswitch-switch-dpdk failed:\n" + r.stdout[-2000:]
    return None


def run_ovs(a):
    d = os.path.join(WORK, "ovs")
    os.makedirs(d)
    prefix = f"nfpeer-ovs-{PID}"
    bridge = f"nfpb{PID % 100000}"
    env = dict(os.environ, OVS_RUNDIR=d, OVS_DBDIR=d, OVS_LOGDIR=d, OVS_SYSCONFDIR=d)
    db_sock = os.path.join(d, "db.sock")
    procs = []

    def vsctl(*args, check=True):
        r = subprocess.run(["ovs-vsctl", f"--db=unix:{db_sock}", "--timeout=30"] + list(args),
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"ovs-vsctl {' '.join(args)}: {r.stdout}")
        return r.stdout

    def cleanup():
        if procs and procs[-1].poll() is None:
            vsctl("--if-exists", "del-br", bridge, check=False)
        for p in reversed(procs):
            stop(p, timeout=15)
        remove_prefix(prefix)
        if os.path.exists(f"/sys/class/net/{bridge}"):
            subprocess.run(["ip", "link", "del", bridge], check=False)
    on_exit(cleanup)
    try:
        subprocess.run(["ovsdb-tool", "create", os.path.join(d, "conf.db"), OVS_SCHEMA],
                       check=True, env=env)
        procs.append(spawn(["taskset", "-c", str(switch_cpu()), "ovsdb-server",
                            os.path.join(d, "conf.db"), f"--remote=punix:{db_sock}",
                            f"--unixctl={os.path.join(d, 'ovsdb.ctl')}",
                            f"--pidfile={os.path.join(d, 'ovsdb.pid')}"], "ovsdb-server",
                           env))
        peerlib.wait_file(db_sock, procs)
        vsctl("--no-wait", "init")
        vsctl("--no-wait", "set", "Open_vSwitch", ".",
              "other_config:dpdk-init=true",
              "other_config:dpdk-socket-mem=256",
              "other_config:dpdk-socket-limit=512",
              "other_config:pmd-cpu-mask=0x1",
              f"other_config:dpdk-extra=--file-prefix={prefix} --no-pci")
        procs.append(spawn(["taskset", "-c", str(switch_cpu()), OVS_VSWITCHD,
                            f"unix:{db_sock}", f"--pidfile={os.path.join(d, 'vswitchd.pid')}",
                            f"--unixctl={os.path.join(d, 'vswitchd.ctl')}",
                            f"--log-file={os.path.join(d, 'vswitchd.log')}"],
                           "ovs-vswitchd", env))
        vsctl("add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev")
        vsctl("add-port", bridge, "null0", "--", "set", "Interface", "null0", "type=dpdk",
              "options:dpdk-devargs=net_null0,copy=1", "ofport_request=1")
        vsctl("add-port", bridge, "vhu0", "--", "set", "Interface", "vhu0",
              "type=dpdkvhostuser", "ofport_request=2")
        sock = os.path.join(d, "vhu0")
        peerlib.wait_file(sock, procs)
        of = ["ovs-ofctl", "-O", "OpenFlow13"]
        subprocess.run(of + ["del-flows", bridge], check=True, env=env)
        subprocess.run(of + ["add-flow", bridge,
                             f"priority=100,in_port=1,dl_dst={MAC},actions=output:2"],
                       check=True, env=env)
        print(vsctl("show"), flush=True)
        mpps = sink_runs(a, sock, "ovs-dpdk")
        st = vsctl("get", "Interface", "vhu0", "statistics", check=False)
        print(f"  ovs-dpdk: vhu0 statistics {st.strip()}", file=sys.stderr, flush=True)
        return mpps
    except (RuntimeError, subprocess.CalledProcessError) as e:
        for p in procs:
            print(f"--- {p.name}:\n" + peerlib.output(p)[-3000:], file=sys.stderr)
        log = os.path.join(d, "vswitchd.log")
        if os.path.exists(log):
            print("--- vswitchd.log:\n" + open(log).read()[-3000:], file=sys.stderr)
        raise RuntimeError(f"OVS-DPDK setup failed: {e}")


# ---------------------------------------------------------------- classifier

def run_classifier(a):
    if not a.classifier_bench or not os.access(a.classifier_bench, os.X_OK):
        print("classifier bench: not built, skipped", flush=True)
        return None
    env = dict(os.environ)
    env.setdefault("NFPATH_BENCH_PKTS", "2000000")
    print("+", a.classifier_bench, flush=True)
    r = subprocess.run([a.classifier_bench], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300, env=env)
    print(r.stdout, flush=True)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        return {"error": f"exit {r.returncode}"}
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--node", required=True)
    ap.add_argument("--dp", required=True)
    ap.add_argument("--classifier-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--install", action="store_true",
                    help="apt-get install openvswitch-switch-dpdk when it is missing")
    ap.add_argument("--no-ovs", action="store_true")
    ap.add_argument("--no-classifier", action="store_true")
    a = ap.parse_args()
    if not 1 <= a.runs <= 9:
        ap.error("runs 1-9")
    for f in (a.node, a.dp):
        if not os.access(f, os.X_OK):
            ap.error(f"{f} is not an executable: build first (ninja -C BUILD)")
    peerlib.need_root_and_hugepages(pages=400)
    t_start = time.monotonic()
    print(f"switch on CPU {switch_cpu()}, VM (virtio_user sink) on CPU {vm_cpu()}; "
          f"{a.runs} runs of {a.seconds} s (+{a.warmup} s warm-up); 64-byte frames", flush=True)

    out = {"bench": "peers-vm", "runs": a.runs, "seconds": a.seconds, "bytes": 64,
           "cpus": {"switch": switch_cpu(), "vm": vm_cpu()}}
    nf = sink_mpps = run_nfpath(a)
    m, s = median(nf)
    out["nfpath"] = {"mpps": round(m, 3), "mpps_spread_pct": round(s, 1), "runs": len(nf)}
    ovs_skip = "--no-ovs" if a.no_ovs else ovs_available(a)
    if ovs_skip:
        print(f"OVS-DPDK: skipped: {ovs_skip}", flush=True)
        out["ovs_dpdk"] = {"skipped": ovs_skip}
        ov = []
    else:
        ov = run_ovs(a)
        mo, so = median(ov)
        out["ovs_dpdk"] = {"mpps": round(mo, 3), "mpps_spread_pct": round(so, 1),
                           "runs": len(ov)}
    if not a.no_classifier:
        out["classifier"] = run_classifier(a)

    print(f"\n{'path (64 B, net_null -> switch -> vhost-user -> virtio_user)':<62} "
          f"{'Mpps':>7} {'spread':>7} {'runs':>4}")
    print(f"{'nfpath-dp (1 forwarding lcore on CPU 0)':<62} {m:>7.2f} {s:>6.0f}% {len(nf):>4}")
    if ov:
        mo, so = median(ov)
        print(f"{'OVS-DPDK 3.1 (1 PMD thread on CPU 0)':<62} {mo:>7.2f} {so:>6.0f}% "
              f"{len(ov):>4}")
        ratio = m / mo if mo > 0 else None
        out["ratio_nfpath_over_ovs"] = round(ratio, 3) if ratio else None
        out["target"] = 1.3
        out["met"] = bool(ratio and ratio >= 1.3)
        print(f"\nratio nfpath / OVS-DPDK: {ratio:.2f}x (target >= 1.3x)" if ratio else
              "\nratio: OVS-DPDK delivered nothing")
    out["elapsed_s"] = round(time.monotonic() - t_start, 1)
    if ovs_skip and not a.no_ovs and sink_mpps:
        print(f"SKIP: no comparison without OVS-DPDK: {ovs_skip.splitlines()[0]}", flush=True)
    print(json.dumps(out), flush=True)
    if not sink_mpps or (not ovs_skip and not ov):
        return 1   # a half that delivered nothing is a broken harness
    return peerlib.SKIP if ovs_skip and not a.no_ovs else 0


if __name__ == "__main__":
    sys.exit(main())
