#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Suite 'simnic': the SIMULATED SR-IOV NIC carries real packets.

usage: test-simnic.py NFPATH_VF NFPATH_SIMNIC mac|vlan|spoofchk|link|rate|kill

Builds a simulated NIC with "netdevs": true (a PF 'simnicNNN' with 4 of 8 VFs, real veth
pairs), puts its cable in a network namespace, runs the embedded switch (nfpath-simnic
switch) and checks with real frames (AF_PACKET sockets, a marker in every payload); every
setting is made with nfpath-vf set, the same VF config writes nfpathd makes:
  mac:      frames to each VF's MAC arrive on that VF's netdev and nowhere else; unknown MACs
            reach the PF's netdev; untagged broadcast floods to every VF and the PF; the
            tree's net/ entry of each VF names its real netdev;
  vlan:     port VLAN 100 QoS 3: tagged frames in arrive untagged, untagged ones for its MAC
            are not its VLAN (the PF gets them), its frames leave tagged, a tagged frame from
            it is dropped, broadcast floods per VLAN;
  spoofchk: a forged source is dropped with spoof-check on (counted), passes with it off;
  link:     state disable: no carrier, nothing delivered; enable: delivered again;
  rate:     max_tx_rate 10 Mbit/s, measured while offering far more (6-13 Mbit/s pass);
  kill:     sriov_numvfs 0 -> 4 -> 0 leaves no netdev behind; kill -9 of nfpath-vf at random
            points of such changes and of a tree build, each repaired by the next open (seed
            printed, and the command that replays it; SIMNIC_SEED=N to replay).
Needs root (veth pairs, a namespace): exits 77 without it.
"""
import ctypes
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SOL_PACKET, PACKET_AUXDATA, PACKET_IGNORE_OUTGOING = 263, 8, 23
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
ETH_P_ALL, CLONE_NEWNET = 0x0003, 0x40000000
MARK = b"SIMNICTEST"
CABLE_MAC = bytes.fromhex("02ca00000001")

MODES = ("mac", "vlan", "spoofchk", "link", "rate", "kill")
if len(sys.argv) != 4 or sys.argv[3] not in MODES:
    sys.exit(__doc__)
VF_EXE, SIMNIC_EXE, MODE = sys.argv[1:4]
if os.geteuid() != 0:
    print("SKIP: needs root (veth pairs and a network namespace)")
    sys.exit(77)

pid = os.getpid()
PF = f"simnic{pid % 1000:03d}"
NS = f"simnic-{pid}"
work = tempfile.mkdtemp(prefix=f"simnic-{MODE}-")
nic = os.path.join(work, "nic.json")
root = os.path.join(work, "sys")
state = os.path.join(work, "saved")
with open(nic, "w") as f:
    json.dump({"comment": "SIMULATED NIC of the simnic suite", "netdevs": True,
               "pfs": [{"name": PF, "pci": "0000:5c:00.0", "total_vfs": 8, "num_vfs": 4,
                        "numa_node": 0, "local_cpus": "0"}]}, f)
switch = None
failures = []
libc = ctypes.CDLL(None, use_errno=True)


def run(*args, check=True):
    p = subprocess.run(args, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def vf(*args, check=True):
    return run(VF_EXE, "--sim", nic, "--sysfs-root", root, "--state-dir", state, *args,
               check=check)


def simnic(*args, check=True):
    return run(SIMNIC_EXE, "--sim", nic, "--sysfs-root", root, *args, check=check)


def check(cond, what):
    print(("ok     " if cond else "FAILED ") + what, flush=True)
    if not cond:
        failures.append(what)


def sim_netdevs():
    """The simulated NIC's netdevs in this namespace (VFs and their switch ports)."""
    return sorted(n for n in os.listdir("/sys/class/net")
                  if re.fullmatch(f"{PF}(v|-s)[0-9]+", n))


def cleanup():
    if switch and switch.poll() is None:
        switch.send_signal(signal.SIGTERM)
        try:
            switch.wait(5)
        except subprocess.TimeoutExpired:
            switch.kill()
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    simnic("destroy", check=False)
    subprocess.run(["rm", "-rf", work])


class Port:
    """An AF_PACKET socket on a netdev (in namespace ns if given) that sees VLAN tags."""

    def __init__(self, ifname, ns=None):
        self.name = ifname
        here = None
        if ns:
            here = os.open("/proc/self/ns/net", os.O_RDONLY)
            fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            os.close(fd)
        try:
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            self.s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            self.s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
            self.s.bind((ifname, 0))
        finally:
            if here is not None:
                libc.setns(here, CLONE_NEWNET)
                os.close(here)
        self.s.setblocking(False)

    def send(self, frame):
        self.s.send(frame)

    def recv_all(self, wait=0.3):
        """Frames with our marker received until 'wait' seconds of silence: (frame, tag)."""
        out, deadline = [], time.time() + wait
        while time.time() < deadline:
            try:
                data, anc, _, _ = self.s.recvmsg(65536, socket.CMSG_SPACE(20))
            except BlockingIOError:
                time.sleep(0.01)
                continue
            tag = None
            for lvl, typ, cd in anc:
                if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(cd) >= 20:
                    st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", cd[:20])
                    if st & TP_STATUS_VLAN_VALID:
                        tag = (tpid if st & TP_STATUS_VLAN_TPID_VALID else 0x8100, tci)
            if tag is None and data[12:14] in (b"\x81\x00", b"\x88\xa8"):
                tag = (struct.unpack("!H", data[12:14])[0], struct.unpack("!H", data[14:16])[0])
            if MARK in data:
                out.append((data, tag))
                deadline = time.time() + wait
        return out

    def drain(self):
        self.recv_all(0.05)


def frame(dst, src, tag_id, vlan=None, tpid=0x8100, size=64):
    body = MARK + tag_id.encode()
    eth = dst + src + (struct.pack("!HH", tpid, vlan) if vlan is not None else b"")
    eth += b"\x88\xb5" + body
    return eth + b"\0" * max(0, size - len(eth))


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def ids(frames):
    return [d[d.index(MARK) + len(MARK):].split(b"\0")[0].decode() for d, _ in frames]


def start_switch():
    global switch
    switch = subprocess.Popen([SIMNIC_EXE, "--sim", nic, "--sysfs-root", root, "switch"],
                              stderr=subprocess.PIPE, text=True)
    applied = os.path.join(root, "nfpath-sim/switch/applied")
    for _ in range(200):
        if os.path.exists(applied):
            return
        if switch.poll() is not None:
            raise SystemExit(f"FAIL: the switch exited: {switch.stderr.read()}")
        time.sleep(0.02)
    raise SystemExit("FAIL: the switch did not start")


def setup():
    """The NIC, its cable in the namespace, the switch, VF MACs; the sockets on every port."""
    out = vf("list").stdout
    check("SIMULATED" in out, "nfpath-vf list says SIMULATED")
    vfs = [f"{PF}v{i}" for i in range(4)]
    check(sim_netdevs() == sorted(vfs + [f"{PF}-s{i}" for i in range(4)]),
          f"4 VF netdevs and 4 switch ports exist: {sim_netdevs()}")
    for i, name in enumerate(vfs):
        net = os.path.join(root, f"devices/pci0000:5c/0000:5c:10.{i}/net/{name}")
        real = open(f"/sys/class/net/{name}/ifindex").read().strip()
        ok = os.path.isdir(net) and open(os.path.join(net, "ifindex")).read().strip() == real
        check(ok, f"VF {i}'s net/ entry in the tree names the real netdev {name} (ifindex {real})")
        alias = open(f"/sys/class/net/{name}/ifalias").read()
        check("SIMULATED" in alias, f"{name}'s alias says it is simulated: {alias.strip()}")
    run("ip", "netns", "add", NS)
    run("ip", "link", "set", f"{PF}-cable", "netns", NS)
    run("ip", "netns", "exec", NS, "ip", "link", "set", f"{PF}-cable", "address",
        CABLE_MAC.hex(":"), "arp", "off", "multicast", "off", "up")
    start_switch()
    vmac = [f"02:5e:00:00:00:0{i}" for i in range(4)]
    for i in range(4):
        vf("set", PF, str(i), "mac", vmac[i])
    cable = Port(f"{PF}-cable", NS)
    ports = {n: Port(n) for n in vfs + [PF]}
    return vfs, vmac, cable, ports


def received(cable, ports):
    return {n: p.recv_all() for n, p in dict(ports, cable=cable).items()}


def test_mac():
    vfs, vmac, cable, ports = setup()
    # Unicast to each VF's MAC: on that VF's netdev and nowhere else.
    for i in range(4):
        for k in range(10):
            cable.send(frame(mac(vmac[i]), CABLE_MAC, f"u{i}.{k}"))
    got = received(cable, ports)
    for i in range(4):
        mine = [x for x in ids(got[vfs[i]]) if x.startswith(f"u{i}.")]
        check(len(mine) == 10 and len(got[vfs[i]]) == 10,
              f"VF {i}: 10 frames to {vmac[i]} arrive on {vfs[i]} ({len(mine)}, "
              f"{len(got[vfs[i]])} in all)")
    check(not got[PF] and not got["cable"], f"none of them on the PF ({len(got[PF])}) or back "
          f"on the cable ({len(got['cable'])})")

    # Unknown MACs: the PF's uplink gets them.
    for k in range(10):
        cable.send(frame(mac("02:99:00:00:00:01"), CABLE_MAC, f"x.{k}"))
    got = received(cable, ports)
    check(len(got[PF]) == 10 and not any(got[v] for v in vfs),
          f"10 frames to an unknown MAC reach the PF's netdev {PF} ({len(got[PF])}), no VF")
    for k in range(3):
        cable.send(frame(b"\xff" * 6, CABLE_MAC, f"b.{k}"))
    got = received(cable, ports)
    check(all(len(got[n]) == 3 for n in vfs + [PF]) and not got["cable"],
          f"untagged broadcast floods to every VF and the PF, not back on the cable "
          f"({ {n: len(f) for n, f in got.items()} })")


def test_vlan():
    vfs, vmac, cable, ports = setup()
    # VF 1 on port VLAN 100, QoS 3.
    vf("set", PF, "1", "vlan", "100", "qos", "3")
    for k in range(5):
        cable.send(frame(mac(vmac[1]), CABLE_MAC, f"t.{k}", vlan=100))
        cable.send(frame(mac(vmac[1]), CABLE_MAC, f"n.{k}"))
    got = received(cable, ports)
    v1 = got[vfs[1]]
    check(sorted(ids(v1)) == sorted(f"t.{k}" for k in range(5)) and all(t is None for _, t in v1)
          and all(d[12:14] == b"\x88\xb5" for d, _ in v1),
          f"VF 1 (vlan 100) gets the 5 frames tagged 100, untagged ({ids(v1)})")
    check(sorted(ids(got[PF])) == sorted(f"n.{k}" for k in range(5)),
          f"the untagged ones for its MAC are not its VLAN: they reach the PF ({ids(got[PF])})")
    ports[vfs[1]].send(frame(CABLE_MAC, mac(vmac[1]), "up.0"))
    ports[vfs[1]].send(frame(CABLE_MAC, mac(vmac[1]), "up.1", vlan=7))
    got = received(cable, ports)
    c = got["cable"]
    check(ids(c) == ["up.0"] and c[0][1] == (0x8100, 3 << 13 | 100),
          f"VF 1's untagged frame leaves on the wire tagged 802.1Q 100 PCP 3, its tagged one "
          f"is dropped ({[(i, t) for i, (_, t) in zip(ids(c), c)]})")
    for k in range(3):
        cable.send(frame(b"\xff" * 6, CABLE_MAC, f"b100.{k}", vlan=100))
        cable.send(frame(b"\xff" * 6, CABLE_MAC, f"b0.{k}"))
    got = received(cable, ports)
    check(sorted(ids(got[vfs[1]])) == [f"b100.{k}" for k in range(3)],
          f"broadcast in VLAN 100 floods to VF 1 only among the VFs ({ids(got[vfs[1]])})")
    check(all(sorted(ids(got[vfs[i]])) == [f"b0.{k}" for k in range(3)] for i in (0, 2, 3)),
          "untagged broadcast floods to VFs 0, 2, 3 (the untagged domain)")
    check(len(got[PF]) == 6, f"the PF gets both broadcasts ({len(got[PF])} of 6)")
    vf("set", PF, "1", "vlan", "0")
    cable.send(frame(mac(vmac[1]), CABLE_MAC, "back.0"))
    got = received(cable, ports)
    check(ids(got[vfs[1]]) == ["back.0"], "vlan 0 again: VF 1 gets untagged frames again")


def test_spoofchk():
    vfs, vmac, cable, ports = setup()
    # Spoof-check (on by default).
    ports[vfs[2]].send(frame(CABLE_MAC, mac("02:66:00:00:00:66"), "spoof.0"))
    ports[vfs[2]].send(frame(CABLE_MAC, mac(vmac[2]), "own.0"))
    got = received(cable, ports)
    check(ids(got["cable"]) == ["own.0"],
          f"spoof-check on: VF 2's frame with a forged source is dropped ({ids(got['cable'])})")
    vf("set", PF, "2", "spoofchk", "off")
    ports[vfs[2]].send(frame(CABLE_MAC, mac("02:66:00:00:00:66"), "spoof.1"))
    got = received(cable, ports)
    check(ids(got["cable"]) == ["spoof.1"], "spoof-check off: the forged source passes")
    stats = simnic("stats").stdout
    print(stats.strip())
    check(re.search(f"^{PF}-s2 .* spoofchk 1( |$)", stats, re.M) is not None,
          "nfpath-simnic stats counts the one spoofed frame on VF 2's port")


def test_link():
    vfs, vmac, cable, ports = setup()
    vf("set", PF, "3", "state", "disable")
    carrier = open(f"/sys/class/net/{vfs[3]}/carrier").read().strip()
    check(carrier == "0", f"link disabled: {vfs[3]} has no carrier ({carrier})")
    for k in range(5):
        cable.send(frame(mac(vmac[3]), CABLE_MAC, f"down.{k}"))
    got = received(cable, ports)
    check(not got[vfs[3]] and not got[PF],
          f"link disabled: frames for VF 3 arrive nowhere ({len(got[vfs[3]])} on it)")
    vf("set", PF, "3", "state", "enable")
    time.sleep(0.1)
    for k in range(5):
        cable.send(frame(mac(vmac[3]), CABLE_MAC, f"up.{k}"))
    got = received(cable, ports)
    check(len(got[vfs[3]]) == 5, f"link enabled again: VF 3 gets its 5 frames "
          f"({len(got[vfs[3]])})")


def test_rate():
    vfs, vmac, cable, ports = setup()
    # max_tx_rate: 10 Mbit/s on VF 0, offered far above it for 1 s.
    vf("set", PF, "0", "max_rate", "10")
    cable.drain()
    big = frame(CABLE_MAC, mac(vmac[0]), "rate", size=1000)
    sent = 0
    t0 = time.time()
    while time.time() - t0 < 1.0:
        try:
            ports[vfs[0]].send(big)
            sent += 1
        except BlockingIOError:
            pass
    dt = time.time() - t0
    time.sleep(0.2)
    got = cable.recv_all(0.3)
    offered = sent * 1000 * 8 / dt / 1e6
    rate = len(got) * 1000 * 8 / dt / 1e6
    print(f"       max_tx_rate 10 Mbit/s: offered {offered:.1f} Mbit/s ({sent} frames), "
          f"received {rate:.2f} Mbit/s ({len(got)} frames) in {dt:.2f} s")
    check(offered > 20, f"the offered load ({offered:.1f} Mbit/s) is above twice the limit")
    check(6 <= rate <= 13, f"max_tx_rate 10 Mbit/s is held: {rate:.2f} Mbit/s received")
    stats = simnic("stats").stdout
    print(stats.strip())
    port = {m.group(1): dict(zip(m.group(2).split()[::2], map(int, m.group(2).split()[1::2])))
            for m in re.finditer(r"^(\S+) (.*)$", stats, re.M)}
    s0, sw = port.get(f"{PF}-s0", {}), port.get(f"{PF}-sw", {})
    check(s0.get("rx", -1) == s0.get("rate", 0) + sw.get("tx", 0) and sw.get("tx") == len(got),
          f"the switch accounts for every frame VF 0 gave it: {s0.get('rx')} received = "
          f"{s0.get('rate')} dropped above the rate + {sw.get('tx')} sent on the wire, all of "
          f"which the cable got ({len(got)}); the kernel lost {s0.get('rx_lost')} from the "
          f"switch's socket buffer and {sent - s0.get('rx', 0) - s0.get('rx_lost', 0)} before")
    vf("set", PF, "0", "max_rate", "0")


def kill_test():
    seed = int(os.environ.get("SIMNIC_SEED", random.randrange(1 << 30)))
    rnd = random.Random(seed)
    me = os.path.abspath(sys.argv[0])
    print(f"seed {seed}; replay: SIMNIC_SEED={seed} {sys.executable} {me} {VF_EXE} "
          f"{SIMNIC_EXE} kill", flush=True)
    vf("list")

    def expect(n, why):
        names = sim_netdevs()
        want = sorted([f"{PF}v{i}" for i in range(n)] + [f"{PF}-s{i}" for i in range(n)])
        numvfs = open(os.path.join(root, "devices/pci0000:5c/0000:5c:00.0/sriov_numvfs")).read()
        virtfn = sorted(e for e in os.listdir(os.path.join(root, "devices/pci0000:5c/0000:5c:00.0"))
                        if e.startswith("virtfn"))
        pending = os.path.exists(os.path.join(root, "nfpath-sim/pf/0000:5c:00.0/numvfs_pending"))
        ok = (names == want and int(numvfs) == n and len(virtfn) == n and not pending and
              os.path.exists(f"/sys/class/net/{PF}") and os.path.exists(f"/sys/class/net/{PF}-sw"))
        check(ok, f"{why}: {n} VFs: netdevs {names}, sriov_numvfs {numvfs.strip()}, "
              f"{len(virtfn)} virtfn links, pending {pending}")
        return ok

    expect(4, "start")
    t = time.time()
    vf("numvfs", PF, "0")
    d0 = time.time() - t
    expect(0, "4 -> 0")
    t = time.time()
    vf("numvfs", PF, "4")
    d4 = time.time() - t
    expect(4, "0 -> 4")
    vf("numvfs", PF, "0")
    expect(0, "4 -> 0 again")
    t = time.time()
    vf("numvfs", PF, "4")
    d4 = min(d4, time.time() - t)
    t = time.time()
    vf("numvfs", PF, "0")
    d0 = min(d0, time.time() - t)
    expect(0, "0 -> 4 -> 0 once more")
    print(f"       a change takes {d4 * 1000:.0f} ms (0 -> 4), {d0 * 1000:.0f} ms (4 -> 0)")
    pending = os.path.join(root, "nfpath-sim/pf/0000:5c:00.0/numvfs_pending")
    cur, midway = 0, 0
    for k in range(12):
        n = 4 if cur == 0 else 0
        delay = rnd.uniform(0, (d4 if n else d0) * 1.1)
        p = subprocess.Popen([VF_EXE, "--sim", nic, "--sysfs-root", root, "--state-dir", state,
                              "numvfs", PF, str(n)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        midway += os.path.exists(pending)
        simnic("repair")
        now = int(open(os.path.join(root, "devices/pci0000:5c/0000:5c:00.0/sriov_numvfs")).read())
        check(now in (cur, n), f"kill {k}: 'numvfs {n}' killed after {delay * 1000:.1f} ms "
              f"(exit {rc}); repaired to {now}")
        expect(now, f"kill {k}")
        cur = now
    check(midway >= 1, f"{midway} of 12 kills stopped a change half-way (at least 1 must)")
    # A tree build (--sim-reset) killed: the next open builds it again, 4 VFs as the file says.
    t = time.time()
    vf("--sim-reset", "list")
    db = time.time() - t
    for k in range(4):
        delay = rnd.uniform(0, db)
        p = subprocess.Popen([VF_EXE, "--sim", nic, "--sysfs-root", root, "--state-dir", state,
                              "--sim-reset", "list"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        simnic("repair")
        expect(4, f"build kill {k} after {delay * 1000:.1f} ms (exit {rc}), repaired")
    vf("numvfs", PF, "0")
    expect(0, "the end: 0 VFs")


try:
    {"mac": test_mac, "vlan": test_vlan, "spoofchk": test_spoofchk, "link": test_link,
     "rate": test_rate, "kill": kill_test}[MODE]()
finally:
    cleanup()
left = sim_netdevs() + [n for n in os.listdir("/sys/class/net") if n.startswith(PF)]
check(not left, f"nothing of the NIC is left after destroy ({left})")
if failures:
    print(f"{len(failures)} checks failed")
    sys.exit(1)
print("all checks passed")
