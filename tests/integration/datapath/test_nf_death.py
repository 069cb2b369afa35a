# SPDX-License-Identifier: BSD-3-Clause
"""When nfpath-dp dies its NFs notice, say so and exit; a new nfpath-dp then starts, or names
the processes that block its --file-prefix. All with real processes (nfpath-dp on net_null
ports, the example NFs as DPDK secondaries):
  1. SIGTERM stops an NF promptly while its datapath runs (status 0);
  2. kill -9 of nfpath-dp: every NF (two asleep in shared-core mode, one busy-polling) prints
     that nfpath-dp is gone and exits with status 3 within a second or two, leaving no
     multi-process socket of its own in the EAL's runtime directory;
  3. a new nfpath-dp with the same --file-prefix then starts;
  4. an NF that cannot notice (SIGSTOP) blocks the prefix: the next nfpath-dp fails within
     a few seconds naming its pid; once resumed the NF exits (3) and nfpath-dp starts;
  5. a second nfpath-dp with the same prefix says one runs, with its pid, and the first goes on;
     one with a new prefix that fails later (its socket is taken) leaves no hugepage file and
     no runtime directory;
  6. an NF started with no nfpath-dp says so, and leaves no runtime directory.

usage: test_nf_death.py NFPATH_DP NF_BIN_DIR FIREWALL_RULES"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import Datapath, check, need_root_and_hugepages, wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXIT_DATAPATH_GONE = 3
ARGS = ["-p", "net_null0", "-p", "net_null1", "--lcores", "0@0", "--idle-sleep", "20", "--",
        "--base-virtaddr", "0x200000000000"]


class NF:
    def __init__(self, bindir, prefix, kind, name, lcore, sleep, *extra):
        cmd = [os.path.join(bindir, kind), "--proc-type=secondary", "--file-prefix", prefix,
               "--no-pci", "--lcores", f"{lcore}@1", "--log-level", "*:warning", "--",
               "--name", name] + (["--sleep"] if sleep else []) + list(extra)
        self.name = name
        env = dict(os.environ)
        env["LSAN_OPTIONS"] = f"suppressions={HERE}/lsan-dpdk.supp:print_suppressions=0"
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)

    def wait(self, timeout):
        out, err = self.p.communicate(timeout=timeout)
        print(f"--- {self.name} ({self.p.returncode}): {out.strip()} {err.strip()[-600:]}")
        return self.p.returncode, err


def attached(c, names):
    nfs = {n["name"]: n for n in c.ok("nf_list")["nfs"]}
    return all(nfs[n]["state"] == "attached" for n in names)


def rundir(prefix):
    return f"/var/run/dpdk/{prefix}"


def start_dp(binary, prefix, sock, args=ARGS):
    """Runs nfpath-dp to the end (one expected to fail): (status, output, seconds)."""
    t0 = time.monotonic()
    r = subprocess.run([binary, "--file-prefix", prefix, "-s", sock] + args,
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr, time.monotonic() - t0


def main():
    binary, bindir, rules = sys.argv[1:4]
    need_root_and_hugepages()
    dp, nfs, extra = None, [], []
    try:
        dp = Datapath(binary, ARGS, "death")
        c = dp.client()
        for n in ("fw", "fwd", "swap"):
            c.ok("nf_add", name=n)
        nfs = [NF(bindir, dp.prefix, "nf-firewall", "fw", 1, True, "--rules", rules),
               NF(bindir, dp.prefix, "nf-forward", "fwd", 2, True),
               NF(bindir, dp.prefix, "nf-macswap", "swap", 3, False)]
        wait_for("3 NFs attached", lambda: attached(c, ("fw", "fwd", "swap")))

        # 1. SIGTERM with a live datapath.
        t0 = time.monotonic()
        nfs[2].p.send_signal(signal.SIGTERM)
        rc, _ = nfs[2].wait(30)
        took = time.monotonic() - t0
        check(rc == 0 and took < 2, f"SIGTERM stops a busy-polling NF in {took:.2f} s "
              f"(status {rc})")
        nfs[2] = NF(bindir, dp.prefix, "nf-macswap", "swap", 3, False)
        wait_for("swap attached again", lambda: attached(c, ("swap",)))
        pids = [n.p.pid for n in nfs]

        # 2. The datapath dies.
        c.close()
        dp.p.kill()
        dp.p.wait()
        t0 = time.monotonic()
        for n in nfs:
            try:
                rc, err = n.wait(10)
            except subprocess.TimeoutExpired:
                n.p.kill()
                rc, err = n.wait(10)
                rc = f"hung (killed after {time.monotonic() - t0:.1f} s)"
            took = time.monotonic() - t0
            check(rc == EXIT_DATAPATH_GONE and took < 2 and "nfpath-dp" in err
                  and "is gone" in err,
                  f"{n.name}: exits with status {EXIT_DATAPATH_GONE} {took:.2f} s after "
                  f"nfpath-dp's SIGKILL and says why (status {rc})")
        left = [f for p in pids for f in glob.glob(f"{rundir(dp.prefix)}/mp_socket_{p}_*")]
        check(not left, f"the NFs left no multi-process socket of theirs: {left}")
        nfs = []

        # 3. A new nfpath-dp with the same prefix.
        dp.p = subprocess.Popen([binary, "--file-prefix", dp.prefix, "-s", dp.sock] + ARGS,
                                stdout=dp.log, stderr=subprocess.STDOUT)
        wait_for("the new nfpath-dp's socket", lambda: os.path.exists(dp.sock), 30)
        check(dp.p.poll() is None, "a new nfpath-dp starts on the same --file-prefix")
        c = dp.client()
        c.ok("nf_add", name="fwd")
        nf = NF(bindir, dp.prefix, "nf-forward", "fwd", 2, True)
        nfs = [nf]
        wait_for("fwd attached", lambda: attached(c, ("fwd",)))

        # 5. (while this one runs) a second one with the same prefix, then a new prefix.
        rc, out, took = start_dp(binary, dp.prefix, dp.sock + "-2")
        check(rc == 1 and f"(pid {dp.p.pid}) already runs" in out and took < 5,
              f"a second nfpath-dp on the same prefix fails in {took:.2f} s naming the "
              f"first's pid: {out.strip().splitlines()[-1]}")
        check(c.ok("hello")["pid"] == dp.p.pid, "the first nfpath-dp goes on")
        other = dp.prefix + "-new"
        extra.append(other)
        rc, out, _ = start_dp(binary, other, dp.sock)
        check(rc == 1 and "in use" in out, "a second nfpath-dp on a new prefix and the same "
              f"socket fails: {out.strip().splitlines()[-1]}")
        check(not glob.glob(f"/dev/hugepages/{other}*") and not os.path.exists(rundir(other)),
              "and leaves no hugepage file and no runtime directory")

        # 4. An NF that cannot notice blocks the prefix, and is named.
        nf.p.send_signal(signal.SIGSTOP)
        c.close()
        dp.p.kill()
        dp.p.wait()
        rc, out, took = start_dp(binary, dp.prefix, dp.sock)
        check(rc == 1 and f"pid {nf.p.pid} (nf-forward)" in out and took < 10,
              f"nfpath-dp fails in {took:.1f} s naming the NF that holds the prefix: "
              f"{out.strip().splitlines()[-1]}")
        nf.p.send_signal(signal.SIGCONT)
        rc, err = nf.wait(10)
        check(rc == EXIT_DATAPATH_GONE, f"the resumed NF notices and exits (status {rc})")
        nfs = []
        dp.p = subprocess.Popen([binary, "--file-prefix", dp.prefix, "-s", dp.sock] + ARGS,
                                stdout=dp.log, stderr=subprocess.STDOUT)
        wait_for("nfpath-dp's socket", lambda: os.path.exists(dp.sock), 30)
        c = dp.client()
        check(c.ok("hello")["pid"] == dp.p.pid, "then nfpath-dp starts")
        c.close()

        # 6. An NF with no datapath.
        lone = dp.prefix + "-none"
        extra.append(lone)
        n = NF(bindir, lone, "nf-forward", "x", 2, True)
        rc, err = n.wait(30)
        check(rc == 1 and f"no nfpath-dp runs with --file-prefix '{lone}'" in err,
              f"an NF without nfpath-dp says so: {err.strip()}")
        check(not os.path.exists(rundir(lone)), "and leaves no runtime directory")

        status = dp.stop()
        dp = None
        check(status == 0, "SIGTERM: nfpath-dp exits cleanly")
        return 0
    finally:
        for n in nfs:
            if n.p.poll() is None:
                n.p.send_signal(signal.SIGCONT)
                n.p.kill()
                n.p.wait()
        if dp:
            if dp.p.poll() is None:
                dp.p.kill()
            dp.p.wait()
            dp.stop()
        for p in extra:
            for f in glob.glob(f"/dev/hugepages/{p}*"):
                os.unlink(f)
            shutil.rmtree(rundir(p), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
