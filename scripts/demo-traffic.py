#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The demo's traffic: IPv4/UDP frames from FLOWS sources (10.0.0.1 ...) to one service MAC and
10.0.1.1:53, paced, for SECONDS, with a progress line; prints a JSON summary of what it sent.
Frames from 10.0.0.1-10.0.0.3 are the ones the demo's firewall denies. With DP_SOCKET (nfpath-dp's
control socket) the progress line also shows what the datapath delivered and dropped so far.

  demo-traffic.py IFACE DST_MAC FLOWS SECONDS RATE_PPS [DP_SOCKET [EGRESS_PORT]]"""
import json
import socket
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
import dpctl  # noqa: E402

SRC_MAC = bytes.fromhex("02aa00000001")


def checksum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(dst, flow, seq):
    payload = struct.pack("!Q", seq) + bytes(10)
    udp = struct.pack("!HHHH", 1000 + flow, 53, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                     struct.pack("!I", 0x0A000001 + flow), bytes([10, 0, 1, 1]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst + SRC_MAC + struct.pack("!H", 0x0800) + ip + udp


def datapath_progress(sock, egress):
    """', delivered N, dropped N' from nfpath-dp's stats, or '' when it does not answer."""
    if not sock:
        return ""
    try:
        st = dpctl.request(sock, "stats")["result"]
        nfs = dpctl.request(sock, "nf_list")["result"]["nfs"]
    except (OSError, ValueError, KeyError):
        return " (datapath does not answer)"
    delivered = sum(p["tx_pkts"] for p in st["ports"] if p["name"] == egress)
    dropped = sum(st["drops"].values()) + sum(
        n["stats"][k] for n in nfs for k in ("drop_action", "drop_full", "drop_down", "drop_bad"))
    return f", delivered {delivered}, dropped {dropped}"


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    iface, dst, flows, seconds, rate = (sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")),
                                        int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    sock = sys.argv[6] if len(sys.argv) > 6 else None
    egress = sys.argv[7] if len(sys.argv) > 7 else "net_af_packet1"
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    t0 = time.monotonic()
    sent, denied, next_report = 0, 0, 1.0
    while time.monotonic() - t0 < seconds:
        for _ in range(8):
            flow = sent % flows
            s.send(frame(dst, flow, sent))
            denied += flow < 3
            sent += 1
        while time.monotonic() < t0 + sent / rate:
            time.sleep(0.0002)
        if time.monotonic() - t0 >= next_report:
            print(f"\r  traffic: {next_report:.0f}/{seconds:.0f} s: sent {sent}"
                  f"{datapath_progress(sock, egress)}   ", end="", file=sys.stderr, flush=True)
            next_report += 1
    print(file=sys.stderr)
    print(json.dumps({"sent": sent, "denied_sources": denied, "flows": flows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
