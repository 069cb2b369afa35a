# SPDX-License-Identifier: BSD-3-Clause
"""nfpath-dp and MTUs on real frames (issue 14, item 4). Three net_af_packet ports on veths
whose peers sit in a network namespace: the uplink and port 1 with MTU 9000, port 2 with
MTU 1500. Frames of 9014 bytes (MTU 9000 + Ethernet header) from the uplink to MAC A must come
out of port 1 whole and byte for byte (af_packet's default ring frame would cut them to 1982 B).
Frames of 1600 bytes to MAC B must not leave port 2 (MTU 1500): counted as tx_oversize and not
as sent, in the control socket's stats and in telemetry; 1514 B frames to B still go out.
Payloads are random: the seed is printed; replay with MTU_SEED=SEED."""
import hashlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import (Datapath, check, need_root_and_hugepages, netns_setup,  # noqa: E402
                    netns_teardown, skip, telemetry)

MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
SRC = bytes.fromhex("02aa00000002")
ETHERTYPE = 0x88B5
N_BIG, N_OVER, N_FIT = 50, 40, 30
tag = str(os.getpid() % 100000)
NS = f"mtu{tag}"
LINKS = [(f"mtuu{tag}", f"mtnu{tag}"), (f"mtua{tag}", f"mtna{tag}"), (f"mtub{tag}", f"mtnb{tag}")]
MTUS = [9000, 9000, 1500]


def frame(seed, dst, seq, length):
    """A frame of 'length' bytes: header, sequence number, then seeded random bytes."""
    hdr = bytes.fromhex(dst.replace(":", "")) + SRC + struct.pack("!HI", ETHERTYPE, seq)
    return hdr + random.Random(seed * 1000003 + seq).randbytes(length - len(hdr))


def recv(iface, expect, timeout):
    """In the namespace: prints 'ready', then the length and SHA-256 of each of our frames."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.2)
    print("ready", flush=True)
    got, end = [], time.monotonic() + timeout
    while len(got) < expect and time.monotonic() < end:
        try:
            data = s.recv(1 << 17)
        except socket.timeout:
            continue
        if data[6:12] == SRC and data[12:14] == struct.pack("!H", ETHERTYPE):
            seq = struct.unpack("!I", data[14:18])[0]
            got.append([seq, len(data), hashlib.sha256(data).hexdigest()])
    time.sleep(0.5)  # anything more that should not have come
    s.setblocking(False)
    try:
        while True:
            data = s.recv(1 << 17)
            if data[6:12] == SRC:
                got.append([-1, len(data), ""])
    except BlockingIOError:
        pass
    print(json.dumps(got), flush=True)


def send(iface, seed, plan):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for dst, first, n, length in plan:
        for seq in range(first, first + n):
            s.send(frame(seed, dst, seq, length))
            time.sleep(0.002)  # paced: AF_PACKET rings drop silently when full


def main():
    binary = sys.argv[1]
    need_root_and_hugepages()
    seed = int(os.environ.get("MTU_SEED", random.randrange(1 << 30)))
    print(f"seed {seed}: replay with MTU_SEED={seed}")
    try:
        netns_setup(NS, LINKS)
        for (host, peer), mtu in zip(LINKS, MTUS):
            subprocess.run(["ip", "link", "set", host, "mtu", str(mtu)], check=True)
            subprocess.run(["ip", "netns", "exec", NS, "ip", "link", "set", peer, "mtu",
                            str(mtu)], check=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        netns_teardown(NS, LINKS)
        skip(f"cannot create the namespace and veths: {e}")
    dp = None
    rc = 1
    try:
        dp = Datapath(binary, ["-p", f"net_af_packet0,iface={LINKS[0][0]}",
                               "-p", f"net_af_packet1,iface={LINKS[1][0]}",
                               "-p", f"net_af_packet2,iface={LINKS[2][0]}",
                               "--lcores", "0@0,1@1", "--idle-sleep", "20"], "mtu")
        c = dp.client()
        c.ok("chain_set", chain=1, hops=[{"port": 1}])
        c.ok("chain_set", chain=2, hops=[{"port": 2}])
        c.ok("flow_add", mac=MAC_A, chain=1)
        c.ok("flow_add", mac=MAC_B, chain=2)
        me = os.path.abspath(__file__)
        rx = {}
        for iface, n in ((LINKS[1][1], N_BIG), (LINKS[2][1], N_FIT)):
            p = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, me, "recv", iface,
                                  str(n), "20"], stdout=subprocess.PIPE, text=True)
            assert p.stdout.readline().strip() == "ready"
            rx[iface] = p
        plan = [(MAC_A, 0, N_BIG, 9014), (MAC_B, 1000, N_OVER, 1600), (MAC_B, 2000, N_FIT, 1514)]
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, me, "send", LINKS[0][1],
                        str(seed), json.dumps(plan)], check=True)
        got = {iface: json.loads(p.communicate(timeout=40)[0]) for iface, p in rx.items()}
        big, fit = got[LINKS[1][1]], got[LINKS[2][1]]
        st = c.ok("stats")
        ports = {p["index"]: p for p in st["ports"]}
        print("stats:", json.dumps(st["drops"]), {i: (p["rx_pkts"], p["device"]) for i, p in ports.items()},
              {i: (p["tx_pkts"], p.get("tx_oversize")) for i, p in ports.items()})
        print("port 1 got lengths", sorted({g[1] for g in big}), "port 2 got",
              sorted({g[1] for g in fit}))
        want = {seq: hashlib.sha256(frame(seed, MAC_A, seq, 9014)).hexdigest()
                for seq in range(N_BIG)}
        check(len(big) == N_BIG and all(g[1] == 9014 and want.get(g[0]) == g[2] for g in big),
              f"port 1 (MTU 9000) delivered all {N_BIG} frames of 9014 B, byte for byte")
        want = {seq: hashlib.sha256(frame(seed, MAC_B, seq, 1514)).hexdigest()
                for seq in range(2000, 2000 + N_FIT)}
        check(len(fit) == N_FIT and all(want.get(g[0]) == g[2] for g in fit),
              f"port 2 (MTU 1500) delivered the {N_FIT} frames of 1514 B and none of 1600 B")

        check(ports[2].get("tx_oversize") == N_OVER and ports[2]["tx_pkts"] == N_FIT,
              f"port 2 counts {N_OVER} tx_oversize, and only the {N_FIT} that fit as sent")
        check(ports[2]["device"]["opackets"] == N_FIT, "the af_packet device agrees (opackets)")
        check(ports[1]["tx_pkts"] == N_BIG and ports[1]["tx_bytes"] == N_BIG * 9014,
              f"port 1 sent {N_BIG} frames of 9014 B")
        check(st["drops"].get("tx_oversize") == N_OVER, "drops: tx_oversize")
        t = telemetry(dp.prefix, "/nfpath/stats")
        check(t["drop_tx_oversize"] == N_OVER and t["port2_tx_dropped"] == N_OVER and
              t["port2_tx_pkts"] == N_FIT, "telemetry /nfpath/stats agrees")
        t = telemetry(dp.prefix, "/nfpath/port,2", "/nfpath/port")
        check(t["tx_oversize"] == N_OVER, "telemetry /nfpath/port,2: tx_oversize")
        c.close()
        status = dp.stop()
        dp = None
        check(status == 0, "SIGTERM: clean exit (status 0)")
        rc = 0
    finally:
        if dp:
            dp.stop()
        netns_teardown(NS, LINKS)
    return rc


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]))
    else:
        sys.exit(main())
