# SPDX-License-Identifier: BSD-3-Clause
"""vhost-user ports made at run time: nfpath-dp (net_tap uplink) creates vhost port 'vm1'
(server mode) on request; dpdk-testpmd in a second process plays the VM with net_virtio_user.
Frames the VM sends to MAC A go through chain 1 out of the uplink; frames written into the tap
by the kernel to MAC B go through chain 2 into the VM, and testpmd counts them. Then the port
cannot be removed while a chain uses it, is removed (socket gone) once the chain is, and the
slot is reused by the next vhost_add."""
import os
import re
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import Datapath, check, need_root_and_hugepages, skip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
N_VM = 4 * 32  # testpmd 'start tx_first 4': four bursts of 32
N_HOST = 100


def wait_for(cond, what, timeout=20):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def main():
    binary = sys.argv[1]
    need_root_and_hugepages()
    testpmd = shutil.which("dpdk-testpmd")
    if not testpmd:
        skip("dpdk-testpmd is missing (Debian package 'dpdk')")
    tap = f"nfvt{os.getpid() % 100000}"
    dp = Datapath(binary, ["-p", f"net_tap0,iface={tap}", "--lcores", "0@0,1@1",
                           "--idle-sleep", "50"], "vhost")
    tp = None
    tp_prefix = f"nfpath-it-vu-{os.getpid()}"
    try:
        # A quiet tap: no IPv6 (ND, MLD), ARP or multicast from the kernel side, which the
        # uplink would flood to the VM.
        subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{tap}.disable_ipv6=1"], check=True)
        subprocess.run(["ip", "link", "set", tap, "arp", "off", "multicast", "off"], check=True)
        c = dp.client()
        p = c.ok("vhost_add", name="vm1")
        sock = p["vhost_socket"]
        check(p["name"] == "net_vhost_vm1" and os.path.exists(sock), f"vhost_add: {sock}")
        check(stat.S_IMODE(os.stat(sock).st_mode) == 0o660, "vhost socket mode 0660")
        err = c.request("vhost_add", name="vm1")
        check(not err["ok"] and err["error"]["type"] == "invalid_argument", "vhost_add twice")
        c.ok("chain_set", chain=1, hops=[{"port": 0}])
        c.ok("chain_set", chain=2, hops=[{"port": "net_vhost_vm1"}])
        c.ok("flow_add", mac=MAC_A, chain=1)
        c.ok("flow_add", mac=MAC_B, chain=2)

        cmd = [testpmd, "--lcores", "0@0,1@1", "--no-pci", "--in-memory",
               "--single-file-segments", "--file-prefix", tp_prefix,
               "--vdev", f"net_virtio_user0,path={sock},queues=1", "--",
               "-i", "--forward-mode=rxonly", f"--eth-peer=0,{MAC_A}",
               "--total-num-mbufs=2048", "--nb-cores=1"]
        print("+", " ".join(cmd), flush=True)
        tp = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        tp.stdin.write("start tx_first 4\n")
        tp.stdin.flush()

        def chains():
            return {x["chain"]: x["pkts"] for x in c.ok("stats")["chains"]}

        wait_for(lambda: chains().get(1) == N_VM, f"{N_VM} frames from the VM on chain 1")
        subprocess.run([sys.executable, os.path.join(HERE, "rawpkt.py"), "send", tap, "2000",
                        f"{MAC_B}:{N_HOST}"], check=True)
        wait_for(lambda: chains().get(2) == N_HOST, f"{N_HOST} frames to the VM on chain 2")
        out, _ = tp.communicate("stop\nquit\n", timeout=30)
        tp = None
        # The tap's kernel side may send multicast (IPv6 ND, MLD) meanwhile: the uplink floods
        # it to the VM port (VLAN 0), so the VM got N_HOST plus what the uplink flooded.
        st = c.ok("stats")
        ports = {x["name"]: x for x in st["ports"]}
        vm = ports["net_vhost_vm1"]
        flooded = ports["net_tap0"]["flooded"]
        print("vm port:", vm, "uplink flooded:", flooded, flush=True)
        check(vm["rx_pkts"] == N_VM, f"vhost port received {N_VM}")
        check(ports["net_tap0"]["tx_pkts"] == N_VM and
              ports["net_tap0"]["device"]["opackets"] == N_VM,
              f"uplink sent the VM's {N_VM} frames")
        check(vm["tx_pkts"] + vm["not_connected"] == N_HOST + flooded and vm["tx_full"] == 0,
              f"vhost port sent {N_HOST} and the {flooded} flooded (after the VM left: "
              f"{vm['not_connected']} not_connected)")
        check(vm["tx_bytes"] >= N_HOST * 60, "tx_bytes counts what the guest took")
        m = re.search(r"Forward statistics for port 0.*?RX-packets:\s+(\d+).*?TX-packets:\s+(\d+)",
                      out, re.S)
        check(m is not None, "testpmd printed its port statistics")
        check(int(m.group(1)) == vm["tx_pkts"] and int(m.group(2)) == N_VM,
              f"testpmd (the VM) received the {vm['tx_pkts']} sent and sent {N_VM}")

        r = c.request("vhost_del", name="vm1")
        check(not r["ok"] and r["error"]["type"] == "busy", f"vhost_del while chain 2 uses it "
              f"({r['error']['message']})")
        c.ok("chain_del", chain=2)
        c.ok("vhost_del", name="vm1")
        check(not os.path.exists(sock), "vhost_del removes the socket")
        check([x["name"] for x in c.ok("port_list")["ports"]] == ["net_tap0"], "port_list")
        r = c.request("vhost_del", name="vm1")
        check(not r["ok"] and r["error"]["type"] == "not_found", "vhost_del twice")
        p = c.ok("vhost_add", name="vm2")
        check(p["index"] == 1 and os.path.exists(p["vhost_socket"]), "the slot is reused")
        c.close()
        check(dp.stop() == 0, "clean exit with a vhost port")
        check(not os.path.exists(p["vhost_socket"]), "SIGTERM removes the vhost socket")
        dp = None
    finally:
        if tp:
            tp.kill()
            tp.wait()
        shutil.rmtree(f"/var/run/dpdk/{tp_prefix}", ignore_errors=True)
        if dp:
            dp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
