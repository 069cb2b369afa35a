# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the VM-port tests: vm-peer processes (net_virtio_user guests driven over a pipe),
a quiet net_tap uplink read and written through a raw socket, and leak counters of a process
(fds, DPDK heap, hugepage files)."""
import glob
import os
import select
import socket
import subprocess
import time

from dptest import telemetry

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class VmPeer:
    """One vm-peer process (up to 32 guests); cmd() sends a line and returns the reply."""

    def __init__(self, binary, prefix, cpu=1):
        self.prefix = prefix
        cmd = [binary, "--lcores", f"0@{cpu}", "--no-pci", "--in-memory",
               "--single-file-segments", "-m", "64", "--file-prefix", prefix,
               "--log-level", "*:error"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1)
        line = self.p.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"vm-peer {prefix} did not start: {line!r}")

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = self.p.stdout.readline().strip()
        if not r:
            raise RuntimeError(f"vm-peer {self.prefix} died on '{line[:80]}'")
        return r

    def ok(self, line):
        r = self.cmd(line)
        if not r.startswith("ok"):
            raise AssertionError(f"vm-peer {self.prefix}: '{line[:80]}': {r}")
        return r.split()[1:]

    def add(self, slot, sock, server=False):
        return self.ok(f"add {slot} net_virtio_user{slot},path={sock},queues=1"
                       + (",server=1" if server else ""))

    def send(self, slot, frame, n=1):
        return int(self.ok(f"send {slot} {frame.hex()} {n}")[0])

    def recv(self, slot, ms):
        r = self.cmd(f"recv {slot} {ms}").split()
        assert r[0] == "frames", r
        return [bytes.fromhex(h) for h in r[2:]]

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.flush()
                self.p.wait(timeout=20)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{self.prefix}"])


def quiet_tap(tap):
    subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{tap}.disable_ipv6=1"], check=True)
    subprocess.run(["ip", "link", "set", tap, "arp", "off", "multicast", "off", "up"], check=True)


class Wire:
    """The kernel side of the net_tap uplink: frames nfpath-dp sent, and frames to send it."""

    def __init__(self, tap):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((tap, 0))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.tap = tap

    def send(self, frame):
        self.s.send(frame)

    def recv(self, timeout, want=None):
        """Frames nfpath-dp sent within 'timeout' s (until 'want' of them came)."""
        got, end = [], time.monotonic() + timeout
        while time.monotonic() < end and (want is None or len(got) < want):
            r, _, _ = select.select([self.s], [], [], max(0, end - time.monotonic()))
            if not r:
                break
            data, addr = self.s.recvfrom(65536)
            if addr[2] != PACKET_OUTGOING:  # not what we (or the kernel) sent into the tap
                got.append(data)
        return got

    def close(self):
        self.s.close()


def mac_bytes(m):
    return bytes.fromhex(m.replace(":", ""))


def frame(dst, src, tag, vlan=0, size=80):
    """An Ethernet frame dst <- src carrying 'tag' (bytes) in a padded payload."""
    hdr = mac_bytes(dst) + mac_bytes(src)
    if vlan:
        hdr += bytes([0x81, 0x00, vlan >> 8, vlan & 0xff])
    hdr += b"\x88\xb5"  # local experimental ethertype: no kernel stack cares
    body = tag + bytes(size - len(hdr) - len(tag))
    return hdr + body


def leaks(pid, prefix):
    """What a process holds that a leak would raise: fds, DPDK heap, hugepage files."""
    heap = telemetry(prefix, "/eal/heap_info,0", key="/eal/heap_info")
    return {"fds": len(os.listdir(f"/proc/{pid}/fd")),
            "heap_alloc_count": heap.get("Alloc_count"),
            "heap_alloc_size": heap.get("Alloc_size"),
            "hugepage_files": len(glob.glob(f"/dev/hugepages/{prefix}*"))}
