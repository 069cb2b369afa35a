# SPDX-License-Identifier: BSD-3-Clause
"""The control protocol against a running nfpath-dp (net_ring ports, one lcore that forwards
and serves the socket): every op, malformed JSON, unknown op, wrong types, an oversized
message, clients that disconnect mid-request, too many clients, the socket's mode and the
SO_PEERCRED check, and a clean SIGTERM that removes the socket. Then rte_flow on net_tap: the
MAC->queue rule validates, its creation fails on this kernel, and the MAC falls back to the
software classifier with the reason. Last, --isolate: refused (fatal) on net_ring, on for
net_tap."""
import glob
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import Client, Datapath, check, need_root_and_hugepages  # noqa: E402

OPS = ["hello", "port_list", "flow_add", "flow_del", "flow_list", "chain_set", "chain_del",
       "chain_list", "stats", "vhost_add", "vhost_del", "nf_add", "nf_del", "nf_list"]


def err(reply, etype, what):
    check(reply["ok"] is False and reply["error"]["type"] == etype,
          f"{what}: error '{etype}' ({reply.get('error', {}).get('message')})")


def as_nobody(path):
    """Connects as uid/gid 65534 in a child; returns what the child saw."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(5)
            s.connect(path)
            out = s.recv(65536)
            out += b" EOF" if s.recv(65536) == b"" else b" more"
        except PermissionError:
            out = b"EACCES"
        except Exception as e:  # noqa: BLE001
            out = repr(e).encode()
        os.write(w, out)
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode()


def ring_tests(binary):
    dp = Datapath(binary, ["-p", "net_ring0", "-p", "net_ring1", "-q", "2", "--lcores", "0@0",
                           "--idle-sleep", "100"], "ctl")
    try:
        c = dp.client()
        h = c.ok("hello", client="test")
        check(h["version"] == 1 and h["name"] == "nfpath-dp", "hello: version 1")
        check(sorted(h["capabilities"]["ops"]) == sorted(OPS), "hello lists every op")
        check([p["rte_flow"] for p in h["capabilities"]["ports"]] == ["unsupported"] * 2,
              "hello: net_ring has no rte_flow")
        ports = c.ok("port_list")["ports"]
        check([p["name"] for p in ports] == ["net_ring0", "net_ring1"] and ports[0]["uplink"]
              and ports[0]["rx_queues"] == 2, "port_list: uplink net_ring0 with 2 RX queues")

        ch = c.ok("chain_set", chain=7, hops=[{"port": "net_ring1"}])
        check(ch == {"chain": 7, "hops": [{"port": "net_ring1", "index": 1}]}, "chain_set")
        check(c.ok("chain_list")["chains"] == [ch], "chain_list shows it")
        f = c.ok("flow_add", mac="02:00:00:00:00:01", vlan=5, chain=7)
        check(f["path"] == "software" and "rte_flow_validate on 'net_ring0'" in f["reason"],
              f"flow_add: software, because: {f['reason']}")
        check(len(c.ok("flow_list")["flows"]) == 1, "flow_list shows it")
        st = c.ok("stats")
        check(st["classifier"]["flows"] == 1 and "unknown_dst" in st["drops"]
              and [x["chain"] for x in st["chains"]] == [7], "stats")
        err(c.request("flow_del", mac="02:00:00:00:00:01"), "not_found",
            "flow_del of the untagged MAC (only VLAN 5 exists)")
        c.ok("flow_del", mac="02:00:00:00:00:01", vlan=5)
        err(c.request("flow_del", mac="02:00:00:00:00:01", vlan=5), "not_found", "flow_del twice")
        c.ok("chain_del", chain=7)
        err(c.request("chain_del", chain=7), "not_found", "chain_del twice")
        err(c.request("chain_set", chain=1, hops=[{"nf": "nope"}, {"port": 1}]), "not_found",
            "NF hop naming an NF that does not exist")
        err(c.request("chain_set", chain=1, hops=[{"nf": 3}, {"port": 1}]), "invalid_argument",
            "NF hop by number (NFs are named)")
        slot = c.ok("nf_add", name="fw.0", service="fw", cpu=1)
        check(slot["state"] == "waiting" and slot["service"] == "fw" and slot["cpu"] == 1,
              f"nf_add: a slot waiting for its process ({slot})")
        check([n["name"] for n in c.ok("nf_list")["nfs"]] == ["fw.0"], "nf_list shows it")
        err(c.request("nf_add", name="fw.0"), "busy", "nf_add of a name that exists")
        ch = c.ok("chain_set", chain=9, hops=[{"nf": "fw"}, {"port": 1}], on_hop_down="bypass")
        check(ch["hops"][0] == {"nf": "fw"}, "chain_set through the NF service 'fw'")
        c.ok("chain_del", chain=9)
        c.ok("nf_del", name="fw.0")
        err(c.request("nf_del", name="fw.0"), "not_found", "nf_del twice")

        r = c.raw(b'{"v":1,"id":5,"op":')
        err(r, "parse_error", "malformed JSON")
        check(r["id"] is None, "malformed JSON: id null")
        r = c.raw(b'{"v":1,"id":77,"op":"frobnicate"}')
        err(r, "unknown_op", "unknown op")
        check(r["id"] == 77, "unknown op: the reply carries the id")
        err(c.request("flow_add", mac=12, chain=1), "invalid_argument", "mac as a number")
        err(c.request("flow_add", mac="02:00:00:00:00:01", chain="1"), "invalid_argument",
            "chain as a string")
        err(c.request("flow_add", mac="02:00:00:00:00:01", chain=1, vlan=5000),
            "invalid_argument", "vlan out of range")
        err(c.request("chain_set", chain=1, hops={"port": 1}), "invalid_argument",
            "hops as an object")
        err(c.request("flow_add", mac="02:00:00:00:00:01", chain=1, port=9), "not_found",
            "no such port")
        err(c.request("stats", verbose=True), "bad_request", "unknown field")
        err(c.raw(b'{"id":1,"op":"hello"}'), "bad_request", "missing v")
        err(c.raw(b'{"v":2,"id":1,"op":"hello"}'), "unsupported_version", "v 2")
        err(c.raw(b'[1]'), "bad_request", "an array")
        err(c.raw(b'{"v":1,"id":1,"op":"hello"}\x00'), "parse_error", "trailing NUL")
        err(c.raw(b' ' * 70000), "too_large", "a 70000-byte message")
        err(c.raw(b''), "parse_error", "an empty message gets a reply")
        err(c.request("flow_add", mac="ff:ff:ff:ff:ff:ff", chain=1), "invalid_argument",
            "flow_add of the broadcast MAC")
        err(c.request("flow_add", mac="01:00:5e:00:00:07", chain=1), "invalid_argument",
            "flow_add of a multicast MAC")
        err(c.request("flow_add", mac="02:00:00:00:00:01", chain=1000), "not_found",
            "flow_add to a chain that is not set")
        check(c.ok("hello")["version"] == 1, "the connection still works after errors")

        # Clients that vanish: before sending, right after a request, with requests queued.
        for i in range(20):
            x = Client(dp.sock)
            if i % 2:
                x.s.send(b'{"v":1,"id":1,"op":"stats"}')
                x.s.send(b'{"v":1,"id":2,"op":"port_list"}')
            x.close()
        time.sleep(0.3)  # the server notices hang-ups at its next poll
        check(dp.p.poll() is None and c.ok("hello")["version"] == 1,
              "20 clients disconnecting mid-request leave nfpath-dp serving")

        extra = [Client(dp.sock) for _ in range(63)]
        for x in extra:
            x.ok("hello")
        last = Client(dp.sock)
        # Refused clients get one unsolicited reply, then the server hangs up.
        err(json.loads(last.s.recv(65536)), "no_space", "a 65th client")
        for x in extra + [last]:
            x.close()
        time.sleep(0.1)
        check(c.ok("hello")["version"] == 1, "clients freed their slots")

        mode = stat.S_IMODE(os.stat(dp.sock).st_mode)
        check(mode == 0o660, "socket mode 0660")
        os.chmod(dp.dir, 0o755)
        check(as_nobody(dp.sock) == "EACCES", "uid 65534 cannot open the 0660 socket")
        os.chmod(dp.sock, 0o666)
        out = as_nobody(dp.sock)
        check("permission_denied" in out and out.endswith(" EOF"),
              "with the file opened up, SO_PEERCRED still refuses uid 65534 and hangs up")
        c.close()
        sock = dp.sock
        status = dp.stop()
        check(status == 0, "SIGTERM: exit status 0")
        check(not os.path.exists(sock), "SIGTERM: the socket is removed")
    finally:
        if dp.p.poll() is None:
            dp.stop()


def tap_tests(binary):
    name = f"nfpt{os.getpid() % 100000}"
    dp = Datapath(binary, ["-p", f"net_tap0,iface={name}", "-q", "2", "--lcores", "0@0",
                           "--idle-sleep", "100"], "tap")
    try:
        c = dp.client()
        cap = c.ok("hello")["capabilities"]["ports"][0]["rte_flow"]
        check(cap == "validates", "net_tap validates ETH dst -> QUEUE")
        c.ok("chain_set", chain=1, hops=[{"port": "net_tap0"}])  # flow_add needs its chain
        f = c.ok("flow_add", mac="02:00:00:00:00:42", chain=1)
        check(f["path"] == "software" and "rte_flow_create" in f["reason"]
              and "validation passed" in f["reason"],
              f"net_tap: creation fails, software with the reason: {f['reason']}")
        f = c.ok("flow_add", mac="02:00:00:00:00:43", vlan=100, chain=1)
        check(f["path"] == "software" and "rte_flow_create" in f["reason"],
              f"net_tap: the same with a VLAN: {f['reason']}")
        c.close()
        check(dp.stop() == 0, "net_tap: clean exit")
    finally:
        if dp.p.poll() is None:
            dp.stop()


def isolate_tests(binary):
    """--isolate: fatal with a clear message where the driver refuses it, reported otherwise."""
    prefix = f"nfpath-it-iso-{os.getpid()}"
    try:
        p = subprocess.run([binary, "-p", "net_ring0", "--isolate", "--lcores", "0@0",
                            "--file-prefix", prefix, "-s", f"/tmp/{prefix}.sock"],
                           capture_output=True, text=True, timeout=60)
    finally:
        for f in glob.glob(f"/dev/hugepages/{prefix}*"):
            os.unlink(f)
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    check(p.returncode == 1 and "--isolate refused by the driver" in p.stdout + p.stderr,
          "net_ring refuses --isolate: exit 1 with the reason")
    check(not os.path.exists(f"/tmp/{prefix}.sock"), "no socket left behind")
    name = f"nfpi{os.getpid() % 100000}"
    dp = Datapath(binary, ["-p", f"net_tap0,iface={name}", "--isolate", "--lcores", "0@0",
                           "--idle-sleep", "100"], "iso")
    try:
        c = dp.client()
        check(c.ok("port_list")["ports"][0]["isolated"] is True, "net_tap: isolated mode on")
        c.close()
        check(dp.stop() == 0, "clean exit in isolated mode")
    finally:
        if dp.p.poll() is None:
            dp.stop()


def nobody_clients(path, n, idle_s):
    """In a child as uid/gid 65534: opens n connections, sends hello on each (None: refused,
    with the error's message), then stays idle for idle_s and reports which were hung up."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = {}
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            socks, replies = [], []
            for _ in range(n):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.settimeout(5)
                s.connect(path)
                # A refused client gets its error unasked, and anything it sent meanwhile
                # would turn that into ECONNRESET: listen a moment before asking.
                s.settimeout(0.2)
                try:
                    rep = json.loads(s.recv(65536))
                except socket.timeout:
                    s.settimeout(5)
                    s.send(b'{"v":1,"id":1,"op":"hello"}')
                    rep = json.loads(s.recv(65536))
                replies.append(rep["ok"] or rep["error"]["message"])
                socks.append(s)
            time.sleep(idle_s)
            closed = 0
            for s in socks:
                s.settimeout(0.5)
                try:
                    closed += s.recv(65536) == b""
                except (socket.timeout, ConnectionResetError):
                    pass
            out = {"replies": replies, "closed": closed}
        except Exception as e:  # noqa: BLE001
            out = {"error": repr(e)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


def limit_tests(binary):
    """Connection limits: a group member (uid 65534 in group nogroup) gets at most 8
    connections, idle ones are closed after --ctl-idle, and root always has room."""
    dp = Datapath(binary, ["-p", "net_ring0", "--lcores", "0@0", "--idle-sleep", "100",
                           "--socket-group", "nogroup", "--ctl-idle", "3"], "lim")
    try:
        os.chmod(dp.dir, 0o755)
        c = dp.client()
        got = nobody_clients(dp.sock, 9, 0)
        print("uid 65534:", got)
        check(got.get("replies", [])[:8] == [True] * 8, "a group member opens 8 connections")
        check("limit per user" in str(got["replies"][8]),
              f"and its 9th is refused, naming the limit: {got['replies'][8]}")
        check(c.ok("hello")["version"] == 1, "root still gets in")
        got = nobody_clients(dp.sock, 8, 4.5)
        check(got.get("closed") == 8, f"idle connections of a group member are closed after "
              f"--ctl-idle 3 s: {got}")
        time.sleep(0.5)
        check(c.ok("hello")["version"] == 1, "root's idle connection is kept")
        got = nobody_clients(dp.sock, 8, 0)
        check(got.get("replies") == [True] * 8, "the member's slots were freed")
        c.close()
        check(dp.stop() == 0, "SIGTERM: exit status 0")
    finally:
        if dp.p.poll() is None:
            dp.stop()


def hugepage_tests(binary):
    """The hugepage check on the real binary, in a private mount namespace that hides the
    hugepages (a tmpfs over /sys/kernel/mm/hugepages) or the hugetlbfs mount."""
    if not shutil.which("unshare"):
        print("note: no 'unshare', hugepage messages not checked here (unit test dp-mem does)")
        return
    hide_pages = ("mount -t tmpfs none /sys/kernel/mm/hugepages && "
                  "mkdir /sys/kernel/mm/hugepages/hugepages-2048kB && "
                  "echo 0 > /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages && ")
    hide_mount = "for m in $(awk '$3 == \"hugetlbfs\" {print $2}' /proc/mounts); do umount $m; done; "
    for setup, needle, what in ((hide_pages, "nr_hugepages", "no free hugepages"),
                                (hide_mount, "mount -t hugetlbfs", "no hugetlbfs mount")):
        p = subprocess.run(["unshare", "-m", "sh", "-c",
                            setup + f'exec "{binary}" -p net_ring0 --file-prefix nfpath-it-hp '
                            f'-s /tmp/nfpath-it-hp-{os.getpid()}.sock'],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 1 and needle in p.stderr,
              f"{what}: exit 1 before the EAL, the message says '{needle}'")


def main():
    need_root_and_hugepages()
    hugepage_tests(sys.argv[1])
    ring_tests(sys.argv[1])
    limit_tests(sys.argv[1])
    tap_tests(sys.argv[1])
    isolate_tests(sys.argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
