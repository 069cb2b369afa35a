# SPDX-License-Identifier: BSD-3-Clause
"""VM ports through DPDK's vhost library at scale, on a real nfpath-dp (net_tap uplink) with
guests played by vm-peer processes (net_virtio_user, at most 32 ethdevs per DPDK process).

  scale      256 VM ports (the configured maximum) created, the 257th refused with no_space;
             connected by 10 vm-peer processes; each carries a frame both ways byte for byte
             (VM -> unknown unicast -> out of the uplink; uplink -> its MAC -> the VM); one
             port removed and added among 256 (< 5 ms each on the datapath side) and a replay
             of 256 ports with their chains and flows (< 1 s); all removed: the fds, DPDK heap
             and hugepage files of nfpath-dp are what they were before.
  reconnect  a client-mode port (QEMU's side serves the socket) and a server-mode port, their
             guests disconnected and reconnected 50 times while two other VMs receive a steady
             stream from the uplink: every frame of that stream arrives, none is dropped, and
             after the loop nfpath-dp holds the same fds and heap as before it.
  switching  broadcast, multicast, VLANs, VM-to-VM, egress to the uplink, unknown unicast from
             the uplink, anti-spoofing (a broadcast enters no chain: flow_add refuses group
             MACs), with real frames.

usage: test_vm_ports.py NFPATH-DP VM-PEER MODE"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dptest  # noqa: E402
from dptest import Datapath, check, need_root_and_hugepages  # noqa: E402
from vmtest import VmPeer, Wire, frame, leaks, quiet_tap  # noqa: E402

PID = os.getpid()
PEER = "02:00:00:99:00:01"  # a host on the wire, unknown to nfpath-dp


def vm_mac(i):
    return f"02:00:00:01:{i >> 8:02x}:{i & 0xff:02x}"


def start_dp(binary, extra, name):
    tap = f"ports{PID % 100000}{name[0]}"
    dp = Datapath(binary, ["-p", f"net_tap0,iface={tap}", "--lcores", "0@0,1@1",
                           "--idle-sleep", "20"] + extra, name,
                  prefix=f"{name}-{PID}")
    quiet_tap(tap)
    return dp, tap


def wait_for(cond, what, timeout=30):
    dptest.wait_for(what, cond, timeout)


def connected(c):
    return {p["name"]: p.get("connected") for p in c.ok("stats")["ports"]
            if p["kind"] == "vhost"}


def add_vm(c, i, name=None, mode=None, **kw):
    args = {"name": name or f"vm{i}", "mac": vm_mac(i)}
    if mode:
        args["mode"] = mode
    args.update(kw)
    p = c.ok("vhost_add", **args)
    c.ok("chain_set", chain=i + 1, hops=[{"port": p["name"]}])
    c.ok("flow_add", mac=vm_mac(i), chain=i + 1)
    return p


def del_vm(c, i, name=None):
    c.ok("flow_del", mac=vm_mac(i))
    c.ok("chain_del", chain=i + 1)
    c.ok("vhost_del", name=name or f"vm{i}")


def timed(f):
    t0 = time.perf_counter()
    r = f()
    return r, (time.perf_counter() - t0) * 1000


def scale(binary, vmpeer):
    n, per = 256, 26
    dp, tap = start_dp(binary, ["--max-vm-ports", str(n)], "ports-scale")
    peers, wire = [], None
    try:
        c = dp.client()
        wire = Wire(tap)
        # Warm-up: the vhost library's event thread and pipe exist from the first port on.
        c.ok("vhost_add", name="warm")
        c.ok("vhost_del", name="warm")
        before = leaks(dp.p.pid, dp.prefix)
        print("before:", before, flush=True)

        ms = []
        t0 = time.perf_counter()
        socks = []
        for i in range(n):
            p, t = timed(lambda: add_vm(c, i))
            socks.append(p["vhost_socket"])
            ms.append(t)
        replay = time.perf_counter() - t0
        print(f"replay: {n} VM ports with chains and flows in {replay * 1000:.0f} ms "
              f"(vhost_add+chain_set+flow_add: median {sorted(ms)[n // 2]:.2f} ms, "
              f"max {max(ms):.2f} ms)", flush=True)
        # The datapath side alone (< 1 s for 256, < 5 ms for one) is bounded in-process by the
        # unit test dp-vm-ports; here the figure includes this client and the socket, on a
        # machine shared with other builds, so only a gross bound is checked.
        check(replay < 10.0, f"{n} ports, chains and flows replayed over the socket in "
              f"{replay:.3f} s")
        r = c.request("vhost_add", name="one-too-many")
        check(not r["ok"] and r["error"]["type"] == "no_space",
              f"port {n + 1} refused: {r['error']['message']}")
        hello = c.ok("hello")["capabilities"]
        check(hello["max_vm_ports"] == n and hello["vm_ports"] == n, "hello: 256 of 256")

        # One port out and in among 256, on the datapath side (the request's round trip).
        c.ok("flow_del", mac=vm_mac(n - 1))
        c.ok("chain_del", chain=n)
        _, t_del = timed(lambda: c.ok("vhost_del", name=f"vm{n - 1}"))
        _, t_add = timed(lambda: c.ok("vhost_add", name=f"vm{n - 1}", mac=vm_mac(n - 1)))
        c.ok("chain_set", chain=n, hops=[{"port": f"net_vhost_vm{n - 1}"}])
        c.ok("flow_add", mac=vm_mac(n - 1), chain=n)
        print(f"among {n}: vhost_del {t_del:.2f} ms, vhost_add {t_add:.2f} ms", flush=True)
        check(t_del < 50 and t_add < 50, "adding and removing one port among 256 over the "
              "socket (the datapath side: dp-vm-ports)")

        t0 = time.monotonic()
        for k in range(0, n, per):
            vp = VmPeer(vmpeer, f"ports-vmpeer-{PID}-{k // per}")
            peers.append(vp)
            for s, i in enumerate(range(k, min(n, k + per))):
                vp.add(s, socks[i])
        wait_for(lambda: sum(1 for v in connected(c).values() if v) == n,
                 f"{n} guests connected", timeout=60)
        print(f"{n} guests connected in {time.monotonic() - t0:.1f} s "
              f"({len(peers)} vm-peer processes)", flush=True)

        # Both ways, byte for byte: VM i -> the wire (egress by the uplink), wire -> VM i.
        sent = {}
        for i in range(n):
            f = frame(PEER, vm_mac(i), b"vm-to-wire %d" % i)
            sent[f] = i
            assert peers[i // per].send(i % per, f) == 1
        got = wire.recv(10, want=n)
        check(sorted(got) == sorted(sent), f"the wire received the {n} frames byte for byte "
              f"({len(got)} frames, {len(set(got) & set(sent))} of ours)")
        for i in range(n):
            wire.send(frame(vm_mac(i), PEER, b"wire-to-vm %d" % i))
        bad = []
        for i in range(n):
            want = frame(vm_mac(i), PEER, b"wire-to-vm %d" % i)
            fr = peers[i // per].recv(i % per, 2000)
            if fr != [want]:
                bad.append((i, len(fr)))
        check(not bad, f"each of the {n} VMs received its frame byte for byte (bad: {bad[:5]})")
        st = c.ok("stats")
        check(st["switching"]["vm_egress"] == n, f"{n} frames left by the uplink (vm_egress)")
        vms = [p for p in st["ports"] if p["kind"] == "vhost"]
        check(all(p["rx_pkts"] == 1 and p["tx_pkts"] == 1 and p["tx_dropped"] == 0
                  for p in vms), "every VM port counted 1 in, 1 out, no drop")

        for vp in peers:
            vp.close()
        peers = []
        wait_for(lambda: not any(connected(c).values()), "every guest gone")
        for i in range(n):
            del_vm(c, i)
        after = leaks(dp.p.pid, dp.prefix)
        print("after:", after, flush=True)
        check(after == before, f"no fd, heap or hugepage left ({before} -> {after})")
        c.close()
        check(dp.stop() == 0, "clean exit")
        dp = None
    finally:
        cleanup(peers, wire, dp)
    return 0


def cleanup(peers, wire, dp):
    for vp in peers:
        if vp:
            vp.close()
    if wire:
        wire.close()
    if dp:
        dp.stop()


def reconnect(binary, vmpeer):
    loops = 50
    dp, tap = start_dp(binary, [], "ports-reconn")
    peers, wire, stop = [], None, threading.Event()
    try:
        c = dp.client()
        wire = Wire(tap)
        a = add_vm(c, 0, name="client", mode="client")  # the guest serves the socket
        b = add_vm(c, 1, name="server")
        o1, o2 = add_vm(c, 2, name="other1"), add_vm(c, 3, name="other2")
        g = VmPeer(vmpeer, f"ports-vmpeer-{PID}-g")
        others = VmPeer(vmpeer, f"ports-vmpeer-{PID}-o", cpu=0)
        peers = [g, others]
        others.add(0, o1["vhost_socket"])
        others.add(1, o2["vhost_socket"])

        def connect():
            g.add(0, a["vhost_socket"], server=True)  # blocks until nfpath-dp connects
            g.add(1, b["vhost_socket"])
            wait_for(lambda: all(connected(c).values()), "all four guests connected")

        def both_ways(k):
            for slot, i in ((0, 0), (1, 1)):
                f = frame(PEER, f"02:00:00:01:00:{i:02x}", b"up %d %d" % (k, i))
                assert g.send(slot, f) == 1
                got = wire.recv(3, want=1)
                assert got == [f], f"loop {k} slot {slot}: wire got {got}"
                f = frame(f"02:00:00:01:00:{i:02x}", PEER, b"down %d %d" % (k, i))
                wire.send(f)
                got = g.recv(slot, 3000)
                assert got == [f], f"loop {k} slot {slot}: the guest got {got}"

        connect()
        both_ways(-1)
        before = leaks(dp.p.pid, dp.prefix)
        print("before:", before, flush=True)
        counts = [0, 0]
        streamed = [0, 0]

        def receiver():
            while not stop.is_set():
                r = others.ok("countall 0 500")
                counts[0] += int(r[0])
                counts[1] += int(r[1])

        def streamer():
            fr = [frame(o, PEER, b"stream") for o in ("02:00:00:01:00:02", "02:00:00:01:00:03")]
            while not stop.is_set():
                for j in (0, 1):
                    wire.send(fr[j])
                    streamed[j] += 1
                time.sleep(0.0005)

        th = [threading.Thread(target=receiver), threading.Thread(target=streamer)]
        for t in th:
            t.start()
        t0 = time.monotonic()
        try:
            for k in range(loops):
                g.ok("del 0")
                g.ok("del 1")
                wait_for(lambda: not connected(c)["net_vhost_client"] and
                         not connected(c)["net_vhost_server"], "both guests gone")
                connect()
                both_ways(k)
        finally:
            stop.set()
            for t in th:
                t.join()
        r = others.ok("countall 0 1000")  # what is still queued
        counts[0] += int(r[0])
        counts[1] += int(r[1])
        print(f"{loops} disconnects and reconnects of both guests in "
              f"{time.monotonic() - t0:.1f} s; the other two VMs got {counts} of {streamed}",
              flush=True)
        check(counts == streamed, f"the other VMs received every frame ({counts} of {streamed})")
        st = {p["name"]: p for p in c.ok("stats")["ports"]}
        for nm in ("net_vhost_other1", "net_vhost_other2"):
            check(st[nm]["tx_dropped"] == 0, f"{nm}: no frame dropped")
        pl = {p["name"]: p for p in c.ok("port_list")["ports"]}
        check(pl["net_vhost_client"]["connects"] == loops + 1 and
              pl["net_vhost_server"]["connects"] == loops + 1, f"{loops + 1} connections each")
        after = leaks(dp.p.pid, dp.prefix)
        print("after:", after, flush=True)
        check(after == before, f"no fd or heap leaked ({before} -> {after})")
        for vp in peers:
            vp.close()
        peers = []
        c.close()
        check(dp.stop() == 0, "clean exit")
        dp = None
    finally:
        stop.set()
        cleanup(peers, wire, dp)
    return 0


def switching(binary, vmpeer):
    dp, tap = start_dp(binary, [], "ports-switch")
    vp, wire = None, None
    bc, mc = "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb"
    try:
        c = dp.client()
        wire = Wire(tap)
        ports = [add_vm(c, 1), add_vm(c, 2), add_vm(c, 3, spoofchk=False),
                 add_vm(c, 4, vlan=20)]
        c.ok("flow_del", mac=vm_mac(4))
        c.ok("flow_add", mac=vm_mac(4), vlan=20, chain=5)
        vp = VmPeer(vmpeer, f"ports-vmpeer-{PID}-s")
        for s, p in enumerate(ports):
            vp.add(s, p["vhost_socket"])
        wait_for(lambda: all(connected(c).values()), "four guests connected")
        silent_ms = 300

        def expect(what, wire_frames, vms):
            """'vms': slot -> the frames it must receive (others: none)."""
            got = wire.recv(1 if wire_frames else silent_ms / 1000, want=len(wire_frames) or None)
            check(got == wire_frames, f"{what}: the wire got {len(got)} of "
                  f"{len(wire_frames)} expected, byte for byte")
            for s in range(4):
                want = vms.get(s, [])
                fr = vp.recv(s, 2000 if want else silent_ms)
                check(fr == want, f"{what}: vm{s + 1} got {len(fr)} frames, expected "
                      f"{len(want)}")

        f = frame(bc, PEER, b"bcast from the wire")
        wire.send(f)
        expect("broadcast from the uplink (VLAN 0)", [], {0: [f], 1: [f], 2: [f]})
        f = frame(bc, PEER, b"bcast vlan 20", vlan=20)
        wire.send(f)
        expect("broadcast from the uplink on VLAN 20", [], {3: [f]})
        f = frame(bc, vm_mac(1), b"bcast from vm1")
        vp.send(0, f)
        expect("broadcast from vm1: the wire and the others, not vm1", [f], {1: [f], 2: [f]})
        f = frame(mc, vm_mac(2), b"mcast from vm2")
        vp.send(1, f)
        expect("multicast from vm2", [f], {0: [f], 2: [f]})
        f = frame(vm_mac(2), vm_mac(1), b"vm1 to vm2")
        vp.send(0, f)
        expect("unicast vm1 -> vm2 (a local MAC)", [], {1: [f]})
        f = frame(PEER, vm_mac(1), b"vm1 to the wire")
        vp.send(0, f)
        expect("unicast vm1 -> a host on the wire: out of the uplink", [f], {})
        wire.send(frame("02:00:00:77:00:01", PEER, b"unknown"))
        expect("unknown unicast from the wire: dropped", [], {})
        vp.send(0, frame(PEER, "02:00:00:66:00:01", b"spoofed"))
        vp.send(0, frame(bc, "02:00:00:66:00:01", b"spoofed bcast"))
        expect("vm1 (spoofchk on) with a foreign source MAC: dropped", [], {})
        f = frame(PEER, "02:00:00:66:00:01", b"vm3 may")
        vp.send(2, f)
        expect("vm3 (spoofchk off) with a foreign source MAC: forwarded", [f], {})

        st = c.ok("stats")
        sp = {p["name"]: p for p in st["ports"]}
        print("drops", st["drops"], "switching", st["switching"], flush=True)
        check(st["drops"]["spoofed"] == 2 and sp["net_vhost_vm1"]["spoofed"] == 2,
              "2 spoofed frames counted, on vm1")
        check(st["drops"]["unknown_dst"] == 1, "1 unknown unicast from the wire")
        check(st["switching"] == {"vm_egress": 2, "flooded": 4, "flood_copies": 3 + 1 + 3 + 3},
              "egress 2, floods 4 with 10 deliveries")
        # (flood_empty: what the tap's kernel side multicast before it was made quiet)
        check(sum(v for k, v in st["drops"].items() if k != "flood_empty") == 3,
              "no other drops")

        # No flow can claim the broadcast MAC (flow_add refuses group MACs), so a broadcast
        # enters no chain: it is flooded, as above.
        r = c.request("flow_add", mac=bc, chain=3)
        check(not r["ok"] and r["error"]["type"] == "invalid_argument",
              "flow_add of the broadcast MAC is refused")
        vp.close()
        vp = None
        wait_for(lambda: not any(connected(c).values()), "guests gone")
        f = frame(vm_mac(1), PEER, b"nobody home")
        wire.send(f)
        wait_for(lambda: c.ok("stats")["drops"]["not_connected"] == 1,
                 "a frame for a VM without its guest counted as not_connected")
        st = {p["name"]: p for p in c.ok("stats")["ports"]}
        check(st["net_vhost_vm1"]["not_connected"] == 1 and st["net_vhost_vm1"]["tx_full"] == 0,
              "not_connected on the port, not tx_full")
        c.close()
        check(dp.stop() == 0, "clean exit")
        dp = None
    finally:
        cleanup([vp], wire, dp)
    return 0


def main():
    binary, vmpeer, mode = sys.argv[1:4]
    need_root_and_hugepages()
    return {"scale": scale, "reconnect": reconnect, "switching": switching}[mode](binary, vmpeer)


if __name__ == "__main__":
    sys.exit(main())
