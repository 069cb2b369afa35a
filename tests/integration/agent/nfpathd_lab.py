# SPDX-License-Identifier: BSD-3-Clause
"""A node for nfpathd's end-to-end tests: a SIMULATED SR-IOV NIC (vf-manager's simulator, 4 of 8
VFs, IRQs not kernel-managed so pins show in its fake /proc/irq), a libvirt test-driver node
file with six domains vm1..vm6, a real nfpath-dp on net_ring ports, and nfpathd itself with its
own NOTIFY_SOCKET. Used by test_nfpathd_apply.py and test_nfpathd_crash.py."""
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "datapath"))
from dptest import Client, Datapath, check  # noqa: E402,F401

DP_ARGS = ["-p", "net_ring0", "-p", "net_ring1", "--lcores", "0@0", "--idle-sleep", "100"]

SIM_NIC = {
    "comment": "SIMULATED SR-IOV NIC for nfpathd's end-to-end tests (not hardware)",
    "pfs": [{"name": "simnic0", "pci": "0000:3b:00.0", "vendor": "0x8086", "device": "0x1572",
             "vf_device": "0x154c", "driver": "nfpath-sim-pf", "vf_driver": "nfpath-sim-vf",
             "total_vfs": 8, "num_vfs": 4, "numa_node": 0, "local_cpus": "0-1", "mtu": 1500,
             "irqs_per_vf": 2, "managed_irqs": False}],
}


def vm_mac(i):
    return f"52:54:00:20:00:{i:02x}"


def node_xml(n=6):
    doms = "".join(f"""  <domain type='test'>
    <name>vm{i}</name>
    <memory unit='MiB'>256</memory>
    <vcpu placement='static'>2</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
  </domain>
""" for i in range(1, n + 1))
    return f"""<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>
    <mhz>2000</mhz><model>x86</model><active>2</active></cpu>
  <memory>8388608</memory>
{doms}</node>
"""


def policy(vms=range(1, 7), move=(5, 6), nfs=("fw", "counter"), chain=True):
    """6 VMs on auto (4 VFs exist: 4 VF + 2 vhost-user), two NFs and a chain through them."""
    p = {"version": 1,
         "nics": [{"name": "uplink0", "pf": "simnic0", "max_vfs": 4, "uplink": "net_ring0"}],
         "workloads": [{"name": f"vm{i}", "type": "vm", "nic": "uplink0", "mac": vm_mac(i),
                        "path": "auto", "allow_path_move": i in move} for i in vms]
         + [{"name": n, "type": "nf", "nic": "uplink0", "path": "software"} for n in nfs]}
    if chain and nfs:
        p["chains"] = [{"name": "web", "match": {"dst_mac": "02:00:00:00:5e:01"},
                        "hops": list(nfs), "egress": "uplink0"}]
    return json.dumps(p, indent=1)


def write_over(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".swp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Lab:
    def __init__(self, tmp, bins):
        self.tmp = tmp
        self.dp_bin, self.nfpathd, self.nfpathctl, self.nfpath_vf = bins
        self.sim_file = os.path.join(tmp, "sim.json")
        self.sim_root = os.path.join(tmp, "sim")
        self.node = os.path.join(tmp, "node.xml")
        self.pol = os.path.join(tmp, "policies.d")
        self.state = os.path.join(tmp, "state")
        self.ctl = os.path.join(tmp, "nfpathd.sock")
        self.dp_link = os.path.join(tmp, "dp.sock")
        os.makedirs(self.pol, exist_ok=True)
        with open(self.sim_file, "w") as f:
            json.dump(SIM_NIC, f)
        with open(self.node, "w") as f:
            f.write(node_xml())
        self.dp = None
        self.d = None
        self.notify = None
        self.msgs = []

    # -- datapath
    def start_dp(self, name):
        self.dp = Datapath(self.dp_bin, DP_ARGS, name)
        if os.path.lexists(self.dp_link):
            os.unlink(self.dp_link)
        os.symlink(self.dp.sock, self.dp_link)
        return self.dp

    def dpc(self):
        return Client(self.dp_link)

    def dp_state(self):
        """What the datapath has, comparable between runs."""
        c = self.dpc()
        flows = sorted((f["mac"], f["vlan"], f["chain"]) for f in c.ok("flow_list")["flows"])
        chains = sorted((ch["chain"], json.dumps(ch["hops"], sort_keys=True))
                        for ch in c.ok("chain_list")["chains"])
        ports = sorted(p["name"] for p in c.ok("port_list")["ports"])
        nfs = sorted(n["name"] for n in c.ok("nf_list")["nfs"])
        return {"flows": flows, "chains": chains, "ports": ports, "nfs": nfs}

    # -- nfpathd
    def start_nfpathd(self, extra=(), notify=True, quiet=False):
        env = dict(os.environ)
        if notify:
            path = os.path.join(self.tmp, "notify.sock")
            if os.path.exists(path):
                os.unlink(path)
            self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.notify.bind(path)
            self.notify.settimeout(0.2)
            env["NOTIFY_SOCKET"] = path
            self.msgs = []
            # Read it all the time, as systemd does: sd_notify() blocks once the queue is full.
            threading.Thread(target=self._drain, args=(self.notify,), daemon=True).start()
        cmd = [self.nfpathd, "--vf-backend", "sim", "--sim-nic-file", self.sim_file,
               "--sysfs-root", self.sim_root, "--policy-dir", self.pol,
               "--state-dir", self.state, "--control-socket", self.ctl,
               "--datapath-socket", self.dp_link, "--libvirt-uri", "test://" + self.node,
               "--debounce-ms", "50", "--resync-interval", "2"] + list(extra)
        if not quiet:
            print("+", " ".join(cmd), flush=True)
        self.log_path = os.path.join(self.tmp, "nfpathd.log")
        self.log = open(self.log_path, "a")
        self.d = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        return self.d

    def _drain(self, sock):
        while True:
            try:
                self.msgs.append(sock.recv(4096).decode())
            except socket.timeout:
                continue
            except OSError:
                return

    def wait_ready(self, timeout=60):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            for m in list(self.msgs):
                if "READY=1" in m:
                    return m
            if self.d.poll() is not None:
                raise AssertionError(f"nfpathd exited with {self.d.returncode}")
            time.sleep(0.01)
        raise AssertionError(f"no READY=1 in {timeout} s; got {self.msgs[-5:]}")

    def ctl_json(self, *args, ok=True):
        r = subprocess.run([self.nfpathctl] + list(args) + ["--json", "--socket", self.ctl],
                           capture_output=True, text=True, timeout=60)
        if ok and r.returncode not in (0, 1):
            raise AssertionError(f"nfpathctl {args}: exit {r.returncode}: {r.stderr}")
        if not r.stdout.strip():
            raise AssertionError(f"nfpathctl {args}: exit {r.returncode}, no output: {r.stderr}")
        return json.loads(r.stdout)

    def status(self):
        return self.ctl_json("status")

    def wait_status(self, pred, what, timeout=60):
        t0 = time.monotonic()
        st = None
        while time.monotonic() - t0 < timeout:
            try:
                st = self.status()
                if st and pred(st):
                    return st
            except (AssertionError, json.JSONDecodeError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for: {what}; last status {json.dumps(st)[:2000]}")

    def stop_nfpathd(self, sig=signal.SIGTERM):
        rc = None
        if self.d and self.d.poll() is None:
            self.d.send_signal(sig)
            rc = self.d.wait(timeout=30)
        elif self.d:
            rc = self.d.returncode
        if self.notify:
            self.notify.close()
            self.notify = None
        return rc

    def dump_log(self, tail=80):
        try:
            with open(self.log_path) as f:
                lines = f.readlines()
            print("--- nfpathd log (tail):\n" + "".join(lines[-tail:]) + "---", flush=True)
        except (OSError, AttributeError):
            pass

    # -- the simulated NIC
    def vfs(self):
        r = subprocess.run([self.nfpath_vf, "--sim", self.sim_file, "--sysfs-root", self.sim_root,
                            "--json", "list"], capture_output=True, text=True, check=True)
        pf = [p for p in json.loads(r.stdout)["pfs"] if p.get("netdev") == "simnic0"][0]
        return pf

    def vf_set(self, vf, *args):
        subprocess.run([self.nfpath_vf, "--sim", self.sim_file, "--sysfs-root", self.sim_root,
                        "--state-dir", os.path.join(self.tmp, "vf-saved"), "set", "simnic0",
                        str(vf)] + list(args), check=True, capture_output=True)

    def irq_affinity(self, irq):
        with open(os.path.join(self.sim_root, "proc", "irq", str(irq),
                               "smp_affinity_list")) as f:
            return f.read().strip()

    def cleanup(self):
        try:
            self.stop_nfpathd(signal.SIGKILL)
        except Exception:  # noqa: BLE001
            pass
        if self.dp:
            self.dp.stop()
        for f in glob.glob("/dev/hugepages/nfpath-it-agent*"):
            try:
                os.unlink(f)
            except OSError:
                pass
