# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the datapath integration tests: skip rules, starting and stopping nfpath-dp
with a unique EAL file prefix (and removing its files), and a control-socket client."""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def need_root_and_hugepages():
    if os.geteuid() != 0:
        skip("needs root (hugepages, network namespaces, raw sockets)")
    free = 0
    for f in glob.glob("/sys/kernel/mm/hugepages/hugepages-*/free_hugepages"):
        free += int(open(f).read())
    if free < 64:
        skip(f"needs at least 64 free hugepages, {free} free (scripts/setup.sh reserves them)")
    if not any(l.split()[2] == "hugetlbfs" for l in open("/proc/mounts") if len(l.split()) > 2):
        skip("needs a hugetlbfs mount (scripts/setup.sh mounts /dev/hugepages)")


class Client:
    """One SOCK_SEQPACKET connection; request() sends one message and reads one reply."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        self.s.settimeout(10)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.s.connect(path)
                break
            except (BlockingIOError, ConnectionRefusedError):
                # Backlog full (the server accepts between rounds) or not listening yet.
                if time.monotonic() > deadline:
                    raise TimeoutError(f"cannot connect to {path} in 10 s")
                time.sleep(0.01)
        self.next_id = 1

    def raw(self, data):
        self.s.send(data)
        return json.loads(self.s.recv(1 << 22))

    def request(self, op, **args):
        msg = {"v": 1, "id": self.next_id, "op": op}
        msg.update(args)
        self.next_id += 1
        r = self.raw(json.dumps(msg).encode())
        assert r["id"] == msg["id"], f"reply id {r['id']} for request {msg['id']}"
        return r

    def ok(self, op, **args):
        r = self.request(op, **args)
        assert r["ok"] is True, f"{op} {args}: {r}"
        return r["result"]

    def close(self):
        self.s.close()


class Datapath:
    """nfpath-dp as a child process with its own file prefix and socket."""

    def __init__(self, binary, args, name, prefix=None):
        # NFPATH_IT_PREFIX: what every test prefix starts with (parallel sessions tell theirs
        # apart by it).
        self.prefix = prefix or \
            f"{os.environ.get('NFPATH_IT_PREFIX', 'nfpath-it')}-{name}-{os.getpid()}"
        self.dir = tempfile.mkdtemp(prefix="nfpath-dp-")
        self.sock = os.path.join(self.dir, "dp.sock")
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.vhost_dir = os.path.join(self.dir, "vhost")
        cmd = [binary, "--file-prefix", self.prefix, "-s", self.sock,
               "--vhost-dir", self.vhost_dir] + args
        print("+", " ".join(cmd), flush=True)
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        while not os.path.exists(self.sock):
            if self.p.poll() is not None:
                self.stop()
                raise RuntimeError(f"nfpath-dp exited with {self.p.returncode} at start")
            if time.monotonic() - self.t0 > 30:
                self.stop()
                raise RuntimeError("nfpath-dp did not create its socket in 30 s")
            time.sleep(0.02)
        self.start_s = time.monotonic() - self.t0

    def client(self):
        return Client(self.sock)

    def dump(self):
        self.log.seek(0)
        print("--- nfpath-dp output:\n" + self.log.read() + "---", flush=True)

    def stop(self):
        """SIGTERM; returns the exit status. Removes the prefix's files either way."""
        rc = None
        try:
            if self.p.poll() is None:
                self.p.send_signal(signal.SIGTERM)
                rc = self.p.wait(timeout=30)
            else:
                rc = self.p.returncode
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
            self.dump()
            for f in glob.glob(f"/dev/hugepages/{self.prefix}*"):
                os.unlink(f)
            shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
            shutil.rmtree(self.dir, ignore_errors=True)
        return rc


def netns_setup(ns, links):
    """Creates namespace 'ns' and, for each (host, peer) in 'links', a veth whose peer lives in
    it. The links are quiet: no IPv6, ARP or multicast, so every frame on them is the test's."""
    def sh(*cmd, inside=False):
        if inside:
            cmd = ("ip", "netns", "exec", ns) + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    sh("ip", "netns", "add", ns)
    for host, peer in links:
        sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer)
        sh("ip", "link", "set", peer, "netns", ns)
        sh("sysctl", "-qw", f"net.ipv6.conf.{host}.disable_ipv6=1")
        sh("sysctl", "-qw", f"net.ipv6.conf.{peer}.disable_ipv6=1", inside=True)
        sh("ip", "link", "set", host, "arp", "off", "multicast", "off", "up")
        sh("ip", "link", "set", peer, "arp", "off", "multicast", "off", "up", inside=True)


def netns_teardown(ns, links):
    for host, _ in links:
        subprocess.run(["ip", "link", "del", host], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def telemetry(prefix, cmd, key=None):
    """One DPDK telemetry command against nfpath-dp's file prefix; returns its value (the
    reply's 'key', by default the command; a command with parameters replies without them)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2")
    json.loads(s.recv(1 << 16))  # greeting
    s.send(cmd.encode())
    r = json.loads(s.recv(1 << 20))
    s.close()
    return r[key or cmd]


def wait_for(what, cond, timeout=20):
    """Polls cond() every 5 ms until it holds; returns the seconds it took."""
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.005)
    return time.monotonic() - t0


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}", flush=True)
