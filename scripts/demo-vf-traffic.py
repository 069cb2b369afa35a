#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The demo's traffic to a VF-placed workload: COUNT frames at RATE frames/s from the simulated
NIC's cable (CABLE, inside network namespace NS) to MAC, counted where the simulated NIC
delivers them, on the VF's netdev VF_NETDEV (in this namespace). The embedded switch of the
SIMULATED NIC (nfpath-simnic) forwards them by MAC. Prints a JSON summary:
{"vf_sent": N, "vf_delivered": N, "vf_other": N, ...} (vf_other: frames with the demo's mark
that arrived on the VF netdev but were not sent to MAC: must be 0).

  demo-vf-traffic.py NS CABLE VF_NETDEV MAC COUNT RATE"""
import ctypes
import json
import os
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
SRC_MAC = bytes.fromhex("02aa000000f0")
MARK = b"NFPATH-DEMO-VF"

if len(sys.argv) != 7:
    sys.exit(__doc__)
ns, cable, vf_netdev, mac_s, count, rate = sys.argv[1:7]
count, rate = int(count), float(rate)
mac = bytes.fromhex(mac_s.replace(":", ""))
libc = ctypes.CDLL(None, use_errno=True)

rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
rx.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: nothing lost while sending
rx.bind((vf_netdev, 0))
rx.setblocking(False)

here = os.open("/proc/self/ns/net", os.O_RDONLY)
fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
if libc.setns(fd, CLONE_NEWNET) != 0:
    sys.exit(f"demo-vf-traffic: cannot enter namespace '{ns}'")
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind((cable, 0))
libc.setns(here, CLONE_NEWNET)

sent = 0
t0 = time.time()
for seq in range(count):
    # IPv4/UDP to 10.0.2.1:7 from 10.0.0.200, the sequence number after the mark.
    payload = MARK + struct.pack("!Q", seq)
    udp = struct.pack("!HHHH", 2000, 7, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 0, 0, 200]), bytes([10, 0, 2, 1]))
    tx.send(mac + SRC_MAC + b"\x08\x00" + ip + udp)
    sent += 1
    ahead = t0 + sent / rate - time.time()
    if ahead > 0:
        time.sleep(ahead)
elapsed = time.time() - t0

delivered = other = 0
deadline = time.time() + 0.5
while time.time() < deadline:
    try:
        data = rx.recv(65536)
    except BlockingIOError:
        time.sleep(0.01)
        continue
    if MARK not in data:
        continue
    if data[:6] == mac:
        delivered += 1
    else:
        other += 1
print(json.dumps({"vf_sent": sent, "vf_delivered": delivered, "vf_other": other,
                  "vf_netdev": vf_netdev, "vf_mac": mac_s, "seconds": round(elapsed, 2)}))
