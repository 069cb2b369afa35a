# SPDX-License-Identifier: BSD-3-Clause
"""nfpath-dp on real frames: three net_af_packet ports on veths whose peers sit in a network
namespace this test creates. A paced raw-socket sender in the namespace sends to MAC A
(untagged), MAC B (VLAN 20) and an unknown MAC through the uplink; A must come out of port 1,
B out of port 2, the unknown ones must be counted as dropped, and every counter must match what
was sent exactly. AF_PACKET drops would be invisible to DPDK (imissed stays 0), so the sender
is paced (5000 frames/s) well below what these rings absorb; no tolerance is applied to the
frames the test sends. Frames the kernel itself might put on the links are accounted
separately (see 'foreign').
Also reads the counters through DPDK telemetry (/nfpath/stats)."""
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import (Datapath, check, need_root_and_hugepages, netns_setup, telemetry,  # noqa: E402
                    netns_teardown, skip)

HERE = os.path.dirname(os.path.abspath(__file__))
MAC_A, MAC_B, MAC_U = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:99"
N_A, N_B, N_U = 2000, 1500, 700
tag = str(os.getpid() % 100000)
NS = f"nfpdp{tag}"
LINKS = [(f"dpu{tag}", f"nsu{tag}"), (f"dpa{tag}", f"nsa{tag}"), (f"dpb{tag}", f"nsb{tag}")]


def setup_net():
    netns_setup(NS, LINKS)


def teardown_net():
    netns_teardown(NS, LINKS)


def main():
    binary = sys.argv[1]
    need_root_and_hugepages()
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip("'ip netns' does not work here")
    try:
        setup_net()
    except subprocess.CalledProcessError as e:
        teardown_net()
        skip(f"cannot create the namespace and veths: {e}")
    dp = None
    rc = 1
    try:
        dp = Datapath(binary, [
            "-p", f"net_af_packet0,iface={LINKS[0][0]},qpairs=2", "-q", "2",
            "-p", f"net_af_packet1,iface={LINKS[1][0]}",
            "-p", f"net_af_packet2,iface={LINKS[2][0]}",
            "--lcores", "0@0,1@1", "--idle-sleep", "20"], "afp")
        print(f"nfpath-dp up in {dp.start_s * 1000:.0f} ms (socket present)")
        c = dp.client()
        c.ok("chain_set", chain=1, hops=[{"port": 1}])
        c.ok("chain_set", chain=2, hops=[{"port": f"net_af_packet2"}])
        fa = c.ok("flow_add", mac=MAC_A, chain=1)
        fb = c.ok("flow_add", mac=MAC_B, vlan=20, chain=2)
        check(fa["path"] == "software" and fb["path"] == "software"
              and "rte_flow_validate" in fa["reason"],
              f"af_packet has no rte_flow: both MACs in software ({fa['reason']})")

        rx = {}
        for iface, mac, n in ((LINKS[1][1], MAC_A, N_A), (LINKS[2][1], MAC_B, N_B)):
            p = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                                  os.path.join(HERE, "rawpkt.py"), "recv", iface, str(n), "20"],
                                 stdout=subprocess.PIPE, text=True)
            assert p.stdout.readline().strip() == "ready"
            rx[iface] = p
        # Garbage on the control socket while frames flow must not cost a frame.
        stop = threading.Event()

        def storm():
            g = dp.client()
            n = 0
            while not stop.is_set():
                for bad in (b"{", b" " * 70000, b'{"v":1,"id":1,"op":"nope"}', b"[]",
                            b'{"v":1,"id":2,"op":"stats"}'):
                    assert "ok" in g.raw(bad)
                    n += 1
            g.close()
            storm.count = n

        t = threading.Thread(target=storm)
        t.start()
        out = subprocess.run(["ip", "netns", "exec", NS, sys.executable,
                              os.path.join(HERE, "rawpkt.py"), "send", LINKS[0][1], "5000",
                              f"{MAC_A}:{N_A}", f"{MAC_B}/20:{N_B}", f"{MAC_U}:{N_U}"],
                             check=True, capture_output=True, text=True).stdout
        stop.set()
        t.join()
        print("sender:", out.strip(), f"control messages meanwhile: {storm.count}")
        got = {iface: json.loads(p.communicate(timeout=30)[0]) for iface, p in rx.items()}
        print("receivers:", got)
        check(got[LINKS[1][1]] == {MAC_A: N_A}, f"port 1 delivered exactly {N_A} frames, all to A")
        check(got[LINKS[2][1]] == {MAC_B: N_B}, f"port 2 delivered exactly {N_B} frames, all to B")

        st = c.ok("stats")
        chains = {ch["chain"]: ch["pkts"] for ch in st["chains"]}
        ports = {p["index"]: p for p in st["ports"]}
        print("stats:", json.dumps(st["drops"]), json.dumps(st["classifier"]), chains,
              "rx per port:", {i: p["rx_pkts"] for i, p in ports.items()})
        # Frames the host kernel itself might transmit on these veths would reach nfpath-dp
        # too (AF_PACKET sees outgoing frames); they would be to unknown MACs. None is expected
        # (no IPv6, ARP or multicast on the links); if any shows up it must be counted as
        # unknown_dst, and it is reported. Our own frames are counted exactly.
        foreign = sum(p["rx_pkts"] for p in ports.values()) - (N_A + N_B + N_U)
        print(f"frames nfpath-dp received that the test did not send: {foreign}")
        check(0 <= foreign <= 20, "at most a handful of foreign frames")
        check(ports[0]["rx_pkts"] - N_A - N_B - N_U in range(0, foreign + 1),
              f"uplink received our {N_A + N_B + N_U}")
        per_q = [q["rx_pkts"] for q in ports[0]["queues"]]
        check(len(per_q) == 2 and sum(per_q) == N_A + N_B + N_U,
              f"the uplink's two RX queues add up ({per_q})")
        check(chains == {1: N_A, 2: N_B}, f"chain 1 counted {N_A}, chain 2 {N_B}")
        # (a foreign multicast frame from the uplink, with no VM port to flood it to, is
        # flood_empty)
        check(st["drops"]["unknown_dst"] + st["drops"]["flood_empty"] == N_U + foreign,
              f"{N_U} unknown destinations dropped (+{foreign} foreign)")
        check(sum(st["drops"].values()) == N_U + foreign, "no other drops")
        check(ports[1]["tx_pkts"] == N_A and ports[2]["tx_pkts"] == N_B,
              "ports 1 and 2 transmitted what their chains got")
        check(ports[1]["device"]["opackets"] == N_A and ports[2]["device"]["opackets"] == N_B,
              "the af_packet devices agree (opackets)")
        check(st["classifier"]["software_lookups"] == N_A + N_B + N_U + foreign,
              "every frame went through the software classifier")

        t = telemetry(dp.prefix, "/nfpath/stats")
        check(t["drop_unknown_dst"] + t["drop_flood_empty"] == N_U + foreign and
              t["port1_tx_pkts"] == N_A,
              "telemetry /nfpath/stats shows the same counters")
        t = telemetry(dp.prefix, "/nfpath/flows")
        check(t["count"] == 2 and t["software"] == 2, "telemetry /nfpath/flows lists 2 flows")
        t = telemetry(dp.prefix, "/nfpath/chains")
        check(t["count"] == 2, "telemetry /nfpath/chains lists 2 chains")
        c.close()
        status = dp.stop()
        dp = None
        check(status == 0, "SIGTERM: clean exit (status 0)")
        rc = 0
    finally:
        if dp:
            dp.stop()
        teardown_net()
    return rc


if __name__ == "__main__":
    sys.exit(main())
