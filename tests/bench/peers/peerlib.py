# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the peer benchmarks: skip rules, peer-node processes with their own EAL file
prefix (--in-memory: no hugepage files), their last JSON line, cleanup on any exit, medians."""
import atexit
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
_procs = []          # every child still to stop at exit
_cleanups = []       # functions to call at exit, last registered first


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP)


def need_root_and_hugepages(pages=128):
    if os.geteuid() != 0:
        skip("needs root (hugepages); run as root after scripts/setup.sh")
    free = sum(int(open(f).read())
               for f in glob.glob("/sys/kernel/mm/hugepages/hugepages-*/free_hugepages"))
    if free < pages:
        skip(f"needs {pages} free hugepages, {free} free (scripts/setup.sh reserves them)")


def cleanup_all():
    for p in list(_procs):
        stop(p, timeout=5)
    while _cleanups:
        f = _cleanups.pop()
        try:
            f()
        except Exception as e:  # keep cleaning up the rest
            print(f"cleanup: {e}", file=sys.stderr)


def on_exit(f):
    _cleanups.append(f)


def _sig(signum, _frame):
    cleanup_all()
    sys.exit(128 + signum)


atexit.register(cleanup_all)
signal.signal(signal.SIGTERM, _sig)
signal.signal(signal.SIGINT, _sig)

WORK = tempfile.mkdtemp(prefix="bench-peers-")
on_exit(lambda: shutil.rmtree(WORK, ignore_errors=True))


def spawn(cmd, log_name, env=None):
    """A child whose stdout goes to a file under WORK (read by last_json)."""
    path = os.path.join(WORK, log_name + ".out")
    with open(path, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
    p.path = path
    p.name = log_name
    _procs.append(p)
    return p


def stop(p, timeout=10, sig=signal.SIGTERM):
    if p.poll() is None:
        try:
            p.send_signal(sig)
            try:
                os.kill(p.pid, signal.SIGCONT)   # a SIGSTOPped switch (vm.py) must see it
            except OSError:
                pass
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in _procs:
        _procs.remove(p)
    if getattr(p, "prefix", None):
        # --in-memory leaves no hugepage files, but the EAL still makes a runtime directory.
        remove_prefix(p.prefix)
    return p.returncode


def output(p):
    with open(p.path) as f:
        return f.read()


def last_json(p):
    """The last line of p's output that parses as a JSON object, or None."""
    for line in reversed(output(p).splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def remove_prefix(prefix):
    """Hugepage files and the runtime directory of one EAL --file-prefix."""
    for f in glob.glob(f"/dev/hugepages/{prefix}*"):
        try:
            os.unlink(f)
        except OSError:
            pass
    shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)


def wait_json(p, timeout):
    """p's last JSON line once printed (p may keep running: --linger), or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        j = last_json(p)
        if j is not None or p.poll() is not None:
            return j if j is not None else last_json(p)
        time.sleep(0.02)
    return None


def stop_all(procs, timeout=10):
    """SIGTERM to all first, then wait for each: none outlives the others for long."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        stop(p, timeout=timeout)


def node(binary, name, cpu, vdevs, role_args, env=None):
    """peer-node as its own DPDK primary on one CPU (lcore 0 mapped to it)."""
    prefix = f"bench-peer-{os.getpid()}-{name}"
    cmd = [binary, "--no-pci", "--in-memory", "--single-file-segments", "--file-prefix", prefix,
           "--lcores", f"0@{cpu}", "--log-level", "*:error"]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--"] + role_args
    p = spawn(cmd, name, env)
    p.prefix = prefix
    return p


def wait_file(path, procs, timeout=30):
    t0 = time.monotonic()
    while not os.path.exists(path):
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.name} exited ({p.returncode}) before {path}:\n"
                                   + output(p))
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"{path} did not appear in {timeout} s")
        time.sleep(0.01)


def median(v):
    """(median, spread in % of the median: half the range), as nfpath-bench computes them."""
    s = sorted(v)
    if not s:
        return 0.0, 0.0
    m = s[len(s) // 2]
    return m, ((s[-1] - s[0]) / 2 / m * 100 if m > 0 else 0.0)


def cpus():
    return 2 if (os.cpu_count() or 1) > 1 else 1
