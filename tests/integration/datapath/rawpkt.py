# SPDX-License-Identifier: BSD-3-Clause
"""Raw Ethernet frames for the datapath tests, run inside a network namespace.

  rawpkt.py send IFACE RATE_PPS DST[/VLAN]:COUNT ...   paced sender, interleaves the groups
  rawpkt.py recv IFACE EXPECT TIMEOUT_S [exact]         counts frames from our sender per dst
With 'exact', recv also checks every counted frame byte for byte against what the sender made
(untagged) and prints {"counts": {...}, "inexact": N} instead.
The sender's source MAC is 02:aa:00:00:00:01 and the EtherType 0x88b5 (local experimental), so
the receiver ignores anything else the kernel might send."""
import json
import socket
import struct
import sys
import time

SRC = bytes.fromhex("02aa00000001")
ETHERTYPE = 0x88B5


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def frame(dst, vlan, seq):
    hdr = mac(dst) + SRC
    if vlan:
        hdr += struct.pack("!HH", 0x8100, vlan)
    hdr += struct.pack("!H", ETHERTYPE)
    return hdr + struct.pack("!I", seq) + bytes(42)


def send(iface, rate, groups):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    plan = []
    for g in groups:
        dst, count = g.rsplit(":", 1)
        vlan = 0
        if "/" in dst:
            dst, v = dst.split("/")
            vlan = int(v)
        plan.append([dst, vlan, int(count)])
    # Round robin over the groups, 8 frames at a time, paced to 'rate' frames per second:
    # AF_PACKET rings drop silently when nobody drains them fast enough.
    burst, seq, sent = 8, 0, 0
    t0 = time.monotonic()
    while any(p[2] for p in plan):
        for p in plan:
            for _ in range(min(burst, p[2])):
                s.send(frame(p[0], p[1], seq))
                seq += 1
                sent += 1
                p[2] -= 1
            due = t0 + sent / rate
            while time.monotonic() < due:
                time.sleep(0.0002)
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - t0, 3)}), flush=True)


def recv_loop(iface, expect, timeout, src, classify):
    """Counts frames from 'src' on 'iface' by classify(frame) until 'expect' came (and 0.3 s
    more, to catch frames that should not be there) or 'timeout' passed; prints "ready"
    once listening. Returns the counts."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.settimeout(0.1)
    print("ready", flush=True)
    counts, total = {}, 0
    deadline = time.monotonic() + timeout
    grace = None
    while time.monotonic() < (grace or deadline):
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or data[6:12] != src:
            continue
        k = classify(data)
        counts[k] = counts.get(k, 0) + 1
        total += 1
        if total >= expect and grace is None:
            grace = time.monotonic() + 0.3
    return counts


def recv(iface, expect, timeout, exact=False):
    inexact = [0]

    def classify(data):
        dst = ":".join(f"{b:02x}" for b in data[0:6])
        if exact and len(data) >= 18:
            seq = struct.unpack("!I", data[14:18])[0]
            inexact[0] += data[:60] != frame(dst, 0, seq)
        return dst

    counts = recv_loop(iface, expect, timeout, SRC, classify)
    print(json.dumps({"counts": counts, "inexact": inexact[0]} if exact else counts),
          flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    else:
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             len(sys.argv) > 5 and sys.argv[5] == "exact")
