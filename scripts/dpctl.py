#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send one request to nfpath-dp's control socket and print the reply (for scripts and people).

  dpctl.py SOCKET OP [KEY=JSON ...]     e.g.  dpctl.py /run/nfpath/dp.sock nf_add name='"fw"'
Exit 0 when the reply says ok, 1 otherwise (the reply is printed either way)."""
import json
import socket
import sys


def request(path, op, **args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(path)
    msg = {"v": 1, "id": 1, "op": op}
    msg.update(args)
    s.send(json.dumps(msg).encode())
    r = json.loads(s.recv(1 << 22))
    s.close()
    return r


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    args = {}
    for kv in sys.argv[3:]:
        k, v = kv.split("=", 1)
        args[k] = json.loads(v)
    r = request(sys.argv[1], sys.argv[2], **args)
    print(json.dumps(r))
    return 0 if r.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
