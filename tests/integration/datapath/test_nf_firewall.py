# SPDX-License-Identifier: BSD-3-Clause
"""nf-firewall fails closed: frames from a network namespace go over a veth into nfpath-dp's
af_packet uplink, through chain fw (nf-firewall: allow by default, deny UDP to 10.0.0.0/8)
and out of port 1 to a receiver in the namespace, which sorts what arrives:
  denied: UDP to 10.0.0.1 untagged, behind a VLAN 0 priority tag (nfpath-dp steers VID 0
          as untagged), and IPv4 whose header length overruns the frame: none may arrive;
  passed: ARP (not IP: "non_ip" allows it by default) and UDP to 192.168.0.2: all arrive.

usage: test_nf_firewall.py NFPATH_DP NF_BIN_DIR
       test_nf_firewall.py send IFACE | recv IFACE EXPECT   (inside the namespace)"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawpkt  # noqa: E402
from dptest import (Datapath, check, need_root_and_hugepages, netns_setup,  # noqa: E402
                    netns_teardown, skip, wait_for)

MAC_F = "02:00:00:00:00:0f"
SRC = bytes.fromhex("02aa00000002")
N = 10
RULES = {"default": "allow", "rules": [{"action": "deny", "dst": "10.0.0.0/8", "proto": "udp"}]}
tag = str(os.getpid() % 100000)
NS = f"nfpfw{tag}"
LINKS = [(f"nfwu{tag}", f"nswu{tag}"), (f"nfwa{tag}", f"nswa{tag}")]


def ipv4_udp(dst, ihl=5):
    total = ihl * 4 + 8
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 7, 0, 64, 17, 0,
                      bytes([192, 168, 0, 1]), bytes(dst))
    return hdr + bytes(ihl * 4 - 20) + struct.pack("!HHHH", 12345, 53, 8, 0)


def frames():
    eth = bytes.fromhex(MAC_F.replace(":", "")) + SRC
    return {
        "untagged-denied": eth + b"\x08\x00" + ipv4_udp([10, 0, 0, 1]),
        "vlan0-denied": eth + b"\x81\x00\x60\x00\x08\x00" + ipv4_udp([10, 0, 0, 1]),
        # IHL 15 (60 bytes) in a 60-byte frame: the header overruns the packet.
        "ihl-overrun": (eth + b"\x08\x00" + ipv4_udp([192, 168, 0, 2], ihl=15))[:60],
        "arp": eth + b"\x08\x06" + bytes.fromhex("0001080006040001") + SRC + bytes(4 + 6 + 4),
        "allowed": eth + b"\x08\x00" + ipv4_udp([192, 168, 0, 2]),
    }


def kind(data):
    if data[12:14] == b"\x08\x06":
        return "arp"
    if data[12:14] == b"\x08\x00" and data[14] == 0x45 and data[30:34] == bytes([192, 168, 0, 2]):
        return "allowed"
    return "leaked"


def sender(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for _ in range(N):
        for f in frames().values():
            s.send(f.ljust(60, b"\0"))
            time.sleep(0.002)


def receiver(iface, expect):
    print(json.dumps(rawpkt.recv_loop(iface, expect, 20, SRC, kind)), flush=True)


def main():
    binary, bindir = sys.argv[1:3]
    need_root_and_hugepages()
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip("'ip netns' does not work here")
    try:
        netns_setup(NS, LINKS)
    except subprocess.CalledProcessError as e:
        netns_teardown(NS, LINKS)
        skip(f"cannot create the namespace and veths: {e}")
    dp, nf, rc = None, None, 1
    rules = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(RULES, rules)
    rules.close()
    try:
        dp = Datapath(binary, ["-p", f"net_af_packet0,iface={LINKS[0][0]}",
                               "-p", f"net_af_packet1,iface={LINKS[1][0]}",
                               "--lcores", "0@0", "--idle-sleep", "20", "--",
                               "--base-virtaddr", "0x200000000000"], "fw")
        c = dp.client()
        c.ok("nf_add", name="fw")
        c.ok("chain_set", chain=1, hops=[{"nf": "fw"}, {"port": 1}])
        c.ok("flow_add", mac=MAC_F, chain=1)
        nf = subprocess.Popen([os.path.join(bindir, "nf-firewall"), "--proc-type=secondary",
                               "--file-prefix", dp.prefix, "--no-pci", "--lcores", "1@1",
                               "--log-level", "*:warning", "--", "--name", "fw", "--sleep",
                               "--rules", rules.name],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for("fw attached", lambda: c.ok("nf_list")["nfs"][0]["state"] == "attached")
        here = os.path.abspath(__file__)
        rx = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, here, "recv",
                               LINKS[1][1], str(2 * N)], stdout=subprocess.PIPE, text=True)
        assert rx.stdout.readline().strip() == "ready"
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, here, "send", LINKS[0][1]],
                       check=True)
        got = json.loads(rx.communicate(timeout=30)[0])
        print("receiver:", got)
        check(got.get("leaked", 0) == 0, f"no denied or malformed frame got through "
              f"(untagged, VLAN 0 priority-tagged, IHL overrun: {got.get('leaked', 0)} leaked)")
        check(got.get("arp") == N and got.get("allowed") == N,
              f"every ARP frame ({got.get('arp')}) and allowed frame ({got.get('allowed')}) of "
              f"{N} passed")
        st = c.ok("nf_list")["nfs"][0]["stats"]
        check(st["rx"] == 5 * N and st["drop_action"] == 3 * N,
              f"the firewall saw {5 * N} frames and dropped {3 * N}: {st}")
        nf.send_signal(signal.SIGTERM)
        out = nf.communicate(timeout=30)[0]
        print("---", out.strip())
        check(f"malformed (deny): {N}" in out, "it counted the malformed ones")
        nf = None
        c.close()
        check(dp.stop() == 0, "nfpath-dp stops cleanly")
        dp = None
        rc = 0
    finally:
        if nf and nf.poll() is None:
            nf.kill()
        if dp:
            dp.stop()
        netns_teardown(NS, LINKS)
        os.unlink(rules.name)
    return rc


if __name__ == "__main__":
    if sys.argv[1] == "send":
        sender(sys.argv[2])
    elif sys.argv[1] == "recv":
        receiver(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
