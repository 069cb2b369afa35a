# SPDX-License-Identifier: BSD-3-Clause
"""nfpath-dp chaining real NF processes zero-copy, driven only through its control socket.

Frames come from a network namespace over a veth into nfpath-dp's af_packet uplink:
  MAC A -> chain 1: swap1 (nf-macswap) -> fwd (nf-forward) -> swap2 (nf-macswap) -> port 1
           two swaps give back the very bytes that were sent, which the receiver in the
           namespace checks frame by frame;
  MAC B -> chain 2: fw (nf-firewall, default deny) -> port 1: every frame dropped by the NF;
  MAC C -> chain 3: jump (nf-forward --to fwd) -> port 1: jump sends each frame to 'fwd',
           which no chain puts after it (no edge), so nfpath-dp relays it; 'fwd' goes on
           with chain 3 and the frame leaves by port 1, byte for byte as sent.
Then 'fwd' is killed with SIGKILL: nfpath-dp must see the death (pidfd), reclaim its packets,
keep serving, drop chain 1's traffic while the hop is down (on_hop_down drop), and take the
restarted NF back into the same slot, after which traffic flows again.

usage: test_nf_chain.py NFPATH_DP NF_BIN_DIR FIREWALL_RULES_DENY_ALL"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import (Datapath, check, need_root_and_hugepages, netns_setup, telemetry,  # noqa: E402
                    netns_teardown, skip, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
MAC_A, MAC_B, MAC_C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"
N_A, N_B, N_C = 3000, 1000, 2000
tag = str(os.getpid() % 100000)
NS = f"nfpnf{tag}"
LINKS = [(f"nfu{tag}", f"nsu{tag}"), (f"nfa{tag}", f"nsa{tag}")]


def setup_net():
    netns_setup(NS, LINKS)


def teardown_net():
    netns_teardown(NS, LINKS)


class NF:
    """An example NF as a DPDK secondary process of the datapath under test."""

    def __init__(self, dp, bindir, kind, name, lcore, *extra):
        self.cmd = [os.path.join(bindir, kind), "--proc-type=secondary", "--file-prefix",
                    dp.prefix, "--no-pci", "--lcores", f"{lcore}@1", "--log-level", "*:warning",
                    "--", "--name", name, "--sleep"] + list(extra)
        self.name = name
        self.start()

    def start(self):
        self.p = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        out = self.p.communicate(timeout=30)[0]
        print(f"--- {self.name}: {out.strip()}")
        return self.p.returncode


def nfs_by_name(c):
    return {n["name"]: n for n in c.ok("nf_list")["nfs"]}


def send(counts, rate=5000):
    args = [f"{mac}:{n}" for mac, n in counts]
    return subprocess.run(["ip", "netns", "exec", NS, sys.executable,
                           os.path.join(HERE, "rawpkt.py"), "send", LINKS[0][1], str(rate)] + args,
                          check=True, capture_output=True, text=True).stdout.strip()


def receiver(expect):
    p = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                          os.path.join(HERE, "rawpkt.py"), "recv", LINKS[1][1], str(expect), "20",
                          "exact"], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def main():
    binary, bindir, deny_all = sys.argv[1:4]
    need_root_and_hugepages()
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip("'ip netns' does not work here")
    try:
        setup_net()
    except subprocess.CalledProcessError as e:
        teardown_net()
        skip(f"cannot create the namespace and veths: {e}")
    dp, nfs, rc = None, [], 1
    try:
        # A fixed base address keeps the NFs' mappings of our memory valid whatever their own
        # libraries (and ASan's shadow) took.
        dp = Datapath(binary, [
            "-p", f"net_af_packet0,iface={LINKS[0][0]}",
            "-p", f"net_af_packet1,iface={LINKS[1][0]}",
            "--lcores", "0@0", "--idle-sleep", "20", "--",
            "--base-virtaddr", "0x200000000000"], "nf")
        c = dp.client()
        hello = c.ok("hello")
        check("nf" in hello["capabilities"]["hop_kinds"], "hello: NF hops are a capability")
        for name in ("swap1", "fwd", "swap2", "fw", "jump"):
            c.ok("nf_add", name=name)
        r = c.request("nf_add", name="fwd")
        check(not r["ok"] and r["error"]["type"] == "busy", "nf_add of an existing name: busy")
        r = c.request("chain_set", chain=1, hops=[{"nf": "swap1"}, {"nf": "nope"}, {"port": 1}])
        check(not r["ok"] and r["error"]["type"] == "not_found", "chain_set with an unknown NF")
        r = c.request("chain_set", chain=1, hops=[{"nf": "swap1"}, {"port": 1}, {"nf": "fwd"}])
        check(not r["ok"] and r["error"]["type"] == "invalid_argument",
              "chain_set whose NFs do not come before the egress port")
        ch = c.ok("chain_set", chain=1, hops=[{"nf": "swap1"}, {"nf": "fwd"}, {"nf": "swap2"},
                                              {"port": 1}])
        check([h.get("nf", h.get("port")) for h in ch["hops"]] ==
              ["swap1", "fwd", "swap2", "net_af_packet1"], f"chain 1 reads back: {ch['hops']}")
        c.ok("chain_set", chain=2, hops=[{"nf": "fw"}, {"port": 1}])
        c.ok("chain_set", chain=3, hops=[{"nf": "jump"}, {"port": 1}])
        tel = telemetry(dp.prefix, "/nfpath/chains")
        check(any(x.endswith("hops nf:swap1 nf:fwd nf:swap2 port:net_af_packet1")
                  for x in tel["chains"]), f"telemetry /nfpath/chains names the NF hops: {tel}")
        c.ok("flow_add", mac=MAC_A, chain=1)
        c.ok("flow_add", mac=MAC_B, chain=2)
        c.ok("flow_add", mac=MAC_C, chain=3)

        t0 = time.monotonic()
        nfs = [NF(dp, bindir, "nf-macswap", "swap1", 1), NF(dp, bindir, "nf-forward", "fwd", 2),
               NF(dp, bindir, "nf-macswap", "swap2", 3),
               NF(dp, bindir, "nf-firewall", "fw", 4, "--rules", deny_all),
               NF(dp, bindir, "nf-forward", "jump", 5, "--to", "fwd")]
        wait_for("5 NFs attached",
                 lambda: all(n["state"] == "attached" for n in nfs_by_name(c).values()))
        print(f"5 NF processes started and attached in {(time.monotonic() - t0) * 1000:.0f} ms")

        rx = receiver(N_A)
        print("sender:", send([(MAC_A, N_A), (MAC_B, N_B)]))
        got = json.loads(rx.communicate(timeout=30)[0])
        print("receiver:", got)
        check(got["counts"] == {MAC_A: N_A}, f"port 1 delivered exactly {N_A} frames, all to A")
        check(got["inexact"] == 0, "every frame came out byte for byte as it was sent")
        st = nfs_by_name(c)
        check(st["swap1"]["stats"]["rx"] == N_A and st["fwd"]["stats"]["rx"] == N_A
              and st["swap2"]["stats"]["out"] == N_A, "each NF of chain 1 handled every A frame")
        check(st["fw"]["stats"]["rx"] == N_B and st["fw"]["stats"]["drop_action"] == N_B,
              "the firewall received and dropped every B frame")
        edges = {n: [e["from"] for e in st[n]["edges"]] for n in st}
        check(edges == {"swap1": [], "fwd": ["swap1"], "swap2": ["fwd"], "fw": [], "jump": []},
              f"nf_list: each hop of chain 1 is fed through a ring of its own by the hop "
              f"before it, first hops by the datapath only: {edges}")
        s = c.ok("stats")
        check(s["drops"]["nf_down"] == 0 and s["drops"]["nf_ring_full"] == 0,
              f"no delivery drops ({s['drops']})")

        # nfp_pkt_to_nf() to an NF it has no edge into: relayed by nfpath-dp, exactly.
        rx = receiver(N_C)
        print("sender (to_nf):", send([(MAC_C, N_C)]))
        got = json.loads(rx.communicate(timeout=30)[0])
        check(got["counts"] == {MAC_C: N_C} and got["inexact"] == 0,
              f"chain 3 delivered exactly {N_C} frames, byte for byte, through jump and fwd")
        st2, s2 = nfs_by_name(c), c.ok("stats")
        check(st2["jump"]["stats"]["tx"] == N_C and st2["jump"]["stats"]["out"] == 0,
              f"'jump' handed every C frame to another NF: {st2['jump']['stats']}")
        check(st2["fwd"]["stats"]["rx"] - st["fwd"]["stats"]["rx"] == N_C,
              "'fwd' received every C frame")
        check(s2["nfs"]["relayed"] - s["nfs"]["relayed"] == N_C,
              f"nfpath-dp relayed them (no NF shares a ring): {s2['nfs']}")

        # Kill an NF in the middle of its chain.
        pid = st["fwd"]["pid"]
        os.kill(pid, signal.SIGKILL)
        nfs[1].p.wait()
        took = wait_for("the death seen", lambda: nfs_by_name(c)["fwd"]["state"] == "waiting")
        lst = c.ok("nf_list")
        print(f"death noticed and reclaimed within {took * 1000:.0f} ms of the kill; "
              f"deaths {lst['deaths']}, reclaimed {lst['reclaimed']}")
        check(lst["deaths"] == 1, "nfpath-dp saw exactly one NF die, and kept serving")
        print("sender (hop down):", send([(MAC_A, 500)]))
        time.sleep(0.3)
        down = nfs_by_name(c)["swap1"]["stats"]["drop_down"]
        check(down == 500, f"while 'fwd' is down, 'swap1' drops what it would pass to it "
              f"(on_hop_down drop): {down}")

        nfs[1].start()
        wait_for("fwd reattached", lambda: nfs_by_name(c)["fwd"]["state"] == "attached")
        rx = receiver(N_A)
        print("sender (restarted):", send([(MAC_A, N_A)]))
        got = json.loads(rx.communicate(timeout=30)[0])
        check(got["counts"] == {MAC_A: N_A} and got["inexact"] == 0,
              "the restarted NF took its slot back; traffic flows exactly again")
        for n in nfs:
            n.stop()
        nfs = []
        c.close()
        status = dp.stop()
        dp = None
        check(status == 0, "SIGTERM: clean exit (status 0)")
        rc = 0
    finally:
        for n in nfs:
            if n.p.poll() is None:
                n.p.kill()
        if dp:
            dp.stop()
        teardown_net()
    return rc


if __name__ == "__main__":
    sys.exit(main())
