# SPDX-License-Identifier: BSD-3-Clause
"""The VM software path of tests/bench/run.py (issue 5's job, issue 22's method).

  net_null (copy=1: 64-byte frames to MAC 00:00:00:00:00:00, generated inside the switch)
  -> the switch's classifier (nfpath-dp: flow_add MAC -> chain 1 -> vhost port;
     OVS: OpenFlow rule in_port=null,dl_dst=MAC -> output:vhost port)
  -> a vhost-user port in server mode (nfpath-dp: vhost_add; OVS: type=dpdkvhostuser)
  -> the "VM": peer-node --role sink with net_virtio_user, on CPU 1, counting what arrives.
The switch runs on CPU 0: nfpath-dp with --lcores 0@0,1@0 (control lcore, which sleeps in
poll(), and one busy-polling forwarder); ovs-vswitchd (Debian's openvswitch-switch-dpdk)
under taskset -c 0 with pmd-cpu-mask=0x1, dpdk-socket-mem/-limit so it takes few hugepages,
its own database, run directory and EAL file prefix. Both switches are started once; the one
not being measured is stopped with SIGSTOP (so it takes no CPU: its net_null would otherwise
keep a PMD busy) and continued with SIGCONT for its runs. Each run is a fresh VM (sink).
Everything is stopped and removed on any exit: processes, OVS database and sockets, hugepage
files, the bridge's tap device.
"""
import json
import os
import shutil
import signal
import subprocess
import sys

import peerlib
from peerlib import WORK, last_json, node, on_exit, remove_prefix, spawn, stop

MAC = "00:00:00:00:00:00"   # what net_null,copy=1 frames carry (a zeroed template)
OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
PID = os.getpid()
SWITCH_CPU = 0


def vm_cpu():
    return 1 if peerlib.cpus() > 1 else 0


def sink_run(a, sock, label):
    """One fresh VM on the vhost socket: its Mpps; RuntimeError when nothing arrived."""
    sink_run.n = getattr(sink_run, "n", 0) + 1
    p = node(a.node, f"vm-{label}-{sink_run.n}", vm_cpu(),
             [f"net_virtio_user0,path={sock},queues=1"],
             ["--role", "sink", "--seconds", str(a.seconds), "--warmup", str(a.warmup)])
    try:
        p.wait(timeout=a.seconds + a.warmup + 60)
    except subprocess.TimeoutExpired:
        pass
    stop(p)
    j = last_json(p)
    if p.returncode != 0 or not j or j.get("mpps", 0) <= 0:
        raise RuntimeError(f"{label}: the VM received nothing ({p.returncode}):\n"
                           + peerlib.output(p)[-1500:])
    return {"mpps": j["mpps"]}


class Switch:
    procs = ()
    main = None

    def pause(self):
        if self.main and self.main.poll() is None:
            os.kill(self.main.pid, signal.SIGSTOP)

    def resume(self):
        if self.main and self.main.poll() is None:
            os.kill(self.main.pid, signal.SIGCONT)

    def run(self, a):
        self.resume()
        try:
            return sink_run(a, self.sock, self.label)
        finally:
            self.pause()


class Nfpath(Switch):
    label = "nfpath-dp"

    def __init__(self, a):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "../../integration/datapath"))
        from dptest import Client
        prefix = f"bench-dp-{PID}"
        d = os.path.join(WORK, "dp")
        os.makedirs(d)
        sock = os.path.join(d, "dp.sock")
        on_exit(lambda: remove_prefix(prefix))
        cmd = [a.dp, "--file-prefix", prefix, "-s", sock, "--vhost-dir",
               os.path.join(d, "vhost"), "-p", "net_null0,copy=1", "--lcores",
               f"0@{SWITCH_CPU},1@{SWITCH_CPU}", "--log-level", "*:error"]
        print("+", " ".join(cmd), flush=True)
        self.main = spawn(cmd, "nfpath-dp")
        on_exit(self.close)
        peerlib.wait_file(sock, [self.main])
        c = Client(sock)
        vh = c.ok("vhost_add", name="vm0")
        c.ok("chain_set", chain=1, hops=[{"port": vh["name"]}])
        c.ok("flow_add", mac=MAC, chain=1)
        c.close()
        self.sock = vh["vhost_socket"]
        self.pause()

    def close(self):
        if self.main:
            self.resume()
            rc = stop(self.main, timeout=30)
            if rc not in (0, None):
                print(f"nfpath-dp exited {rc}:\n" + peerlib.output(self.main)[-2000:],
                      file=sys.stderr)
            self.main = None


def ovs_available(a):
    if os.access(OVS_VSWITCHD, os.X_OK) and shutil.which("ovsdb-server"):
        return None
    if not getattr(a, "install", False):
        return (f"{OVS_VSWITCHD} is missing: apt-get install openvswitch-switch-dpdk "
                "(or pass --install)")
    print("+ apt-get install -y openvswitch-switch-dpdk", flush=True)
    r = subprocess.run(["flock", "/tmp/nfpath-apt.lock", "apt-get", "install", "-y",
                        "--no-install-recommends", "openvswitch-switch-dpdk"],
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=600)
    if r.returncode != 0 or not os.access(OVS_VSWITCHD, os.X_OK):
        return "apt-get install openvswitch-switch-dpdk failed:\n" + r.stdout[-2000:]
    return None


class Ovs(Switch):
    label = "ovs-dpdk"

    def __init__(self, a):
        d = self.d = os.path.join(WORK, "ovs")
        os.makedirs(d)
        self.prefix = f"bench-ovs-{PID}"
        self.bridge = f"nfpb{PID % 100000}"
        self.env = dict(os.environ, OVS_RUNDIR=d, OVS_DBDIR=d, OVS_LOGDIR=d, OVS_SYSCONFDIR=d)
        self.db_sock = os.path.join(d, "db.sock")
        self.procs = []
        on_exit(self.close)
        try:
            self._start()
        except (RuntimeError, subprocess.CalledProcessError) as e:
            for p in self.procs:
                print(f"--- {p.name}:\n" + peerlib.output(p)[-3000:], file=sys.stderr)
            log = os.path.join(d, "vswitchd.log")
            if os.path.exists(log):
                print("--- vswitchd.log:\n" + open(log).read()[-3000:], file=sys.stderr)
            raise RuntimeError(f"OVS-DPDK setup failed: {e}")
        self.pause()

    def vsctl(self, *args, check=True):
        r = subprocess.run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=30"]
                           + list(args), env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"ovs-vsctl {' '.join(args)}: {r.stdout}")
        return r.stdout

    def _start(self):
        d, env = self.d, self.env
        subprocess.run(["ovsdb-tool", "create", os.path.join(d, "conf.db"), OVS_SCHEMA],
                       check=True, env=env)
        self.procs.append(spawn(["taskset", "-c", str(SWITCH_CPU), "ovsdb-server",
                                 os.path.join(d, "conf.db"), f"--remote=punix:{self.db_sock}",
                                 f"--unixctl={os.path.join(d, 'ovsdb.ctl')}",
                                 f"--pidfile={os.path.join(d, 'ovsdb.pid')}"], "ovsdb-server",
                                env))
        peerlib.wait_file(self.db_sock, self.procs)
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-socket-mem=256",
                   "other_config:dpdk-socket-limit=512",
                   "other_config:pmd-cpu-mask=0x1",
                   f"other_config:dpdk-extra=--file-prefix={self.prefix} --no-pci")
        self.main = spawn(["taskset", "-c", str(SWITCH_CPU), OVS_VSWITCHD,
                           f"unix:{self.db_sock}",
                           f"--pidfile={os.path.join(d, 'vswitchd.pid')}",
                           f"--unixctl={os.path.join(d, 'vswitchd.ctl')}",
                           f"--log-file={os.path.join(d, 'vswitchd.log')}"],
                          "ovs-vswitchd", env)
        self.procs.append(self.main)
        br = self.bridge
        self.vsctl("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
        self.vsctl("add-port", br, "null0", "--", "set", "Interface", "null0", "type=dpdk",
                   "options:dpdk-devargs=net_null0,copy=1", "ofport_request=1")
        self.vsctl("add-port", br, "vhu0", "--", "set", "Interface", "vhu0",
                   "type=dpdkvhostuser", "ofport_request=2")
        self.sock = os.path.join(d, "vhu0")
        peerlib.wait_file(self.sock, self.procs)
        of = ["ovs-ofctl", "-O", "OpenFlow13"]
        subprocess.run(of + ["del-flows", br], check=True, env=env)
        subprocess.run(of + ["add-flow", br,
                             f"priority=100,in_port=1,dl_dst={MAC},actions=output:2"],
                       check=True, env=env)

    def close(self):
        if not self.procs:
            return
        self.resume()
        if self.main and self.main.poll() is None:
            self.vsctl("--if-exists", "del-br", self.bridge, check=False)
        for p in reversed(self.procs):
            stop(p, timeout=15)
        self.procs = []
        self.main = None
        remove_prefix(self.prefix)
        if os.path.exists(f"/sys/class/net/{self.bridge}"):
            subprocess.run(["ip", "link", "del", self.bridge], check=False)


def classifier(a):
    """bench-dp-classifier's JSON line (lookup and round ns per packet at 1, 1k, 64k MACs)."""
    if not a.classifier_bench or not os.access(a.classifier_bench, os.X_OK):
        return None
    env = dict(os.environ)
    env.setdefault("NFPATH_BENCH_PKTS", "2000000")
    r = subprocess.run([a.classifier_bench], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300, env=env)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        return {"error": f"exit {r.returncode}: {r.stdout[-500:]}"}
    return json.loads(lines[-1])
