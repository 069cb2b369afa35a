# SPDX-License-Identifier: BSD-3-Clause
"""nfpathd runs the NFs its policy declares: real nfpath-dp (af_packet ports on veths into a
network namespace), real example NFs started by nfpathd, real frames.

  1. three NFs in a chain (nf-macswap -> nf-forward -> nf-macswap, the two swaps give back the
     bytes sent) run on their planned CPUs (Cpus_allowed_list), traffic passes byte for byte;
     an NF whose program is missing and one in a directory everyone can write are errors in
     status, the rest of the policy applied;
  2. kill -9 of the middle NF under traffic, KILLS times (NFRUN_KILLS, default 5) spaced beyond
     the crash-loop window: restarted each time, then traffic byte for byte again and the
     datapath's mempool back to its starting count (no mbuf lost);
  3. an NF that exits at once backs off and becomes crash-looping, the others undisturbed;
  4. kill -9 of nfpathd under traffic: the NFs keep forwarding (a burst byte for byte while it is
     away), the new nfpathd adopts them (same pids, one process per slot); then kill -9 of
     nfpath-dp: the NFs exit and wait for the datapath (deaths not counted), and are started
     again, for the new datapath, once it is back;
  5. an NF removed from the policy is stopped (SIGTERM: its exit summary is in nfpathd's log)
     and its slot removed; the shorter chain passes traffic byte for byte.

usage: test_nfpathd_nfs.py NFPATH_DP NFPATHD NFPATHCTL NFPATH_VF NF_BIN_DIR"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "datapath"))
from dptest import (Datapath, check, need_root_and_hugepages, netns_setup,  # noqa: E402
                    netns_teardown, skip)
from nfpathd_lab import Lab, write_over  # noqa: E402

MAC_A = "02:00:00:00:00:0a"
tag = str(os.getpid() % 100000)
NS = f"nfpnr{tag}"
LINKS = [(f"nru{tag}", f"nsu{tag}"), (f"nra{tag}", f"nsa{tag}")]
KILLS = int(os.environ.get("NFRUN_KILLS", "5"))
LOOP_WINDOW_S = 2  # --nf-crash-loop 5/2: kills 2.5 s apart are never a crash loop


def policy(bindir, nfs=("swap1", "fwd", "swap2"), extra=()):
    prog = {"swap1": "nf-macswap", "fwd": "nf-forward", "swap2": "nf-macswap"}
    w = [{"name": n, "type": "nf", "nic": "in", "path": "software",
          "exec": [os.path.join(bindir, prog[n]), "--sleep"], "stop_timeout": 5} for n in nfs]
    return json.dumps({"version": 1,
                       "nics": [{"name": "in", "uplink": "net_af_packet0"},
                                {"name": "out", "uplink": "net_af_packet1"}],
                       "workloads": w + list(extra),
                       "chains": [{"name": "a", "match": {"dst_mac": MAC_A}, "hops": list(nfs),
                                   "egress": "out"}]}, indent=1)


def send(n, rate=5000):
    return subprocess.run(["ip", "netns", "exec", NS, sys.executable,
                           os.path.join(HERE, "..", "datapath", "rawpkt.py"), "send",
                           LINKS[0][1], str(rate), f"{MAC_A}:{n}"],
                          check=True, capture_output=True, text=True).stdout.strip()


def receiver(n):
    rx = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                           os.path.join(HERE, "..", "datapath", "rawpkt.py"), "recv",
                           LINKS[1][1], str(n), "20", "exact"], stdout=subprocess.PIPE, text=True)
    assert rx.stdout.readline().strip() == "ready"
    return rx


def received(rx, n, what):
    got = json.loads(rx.communicate(timeout=60)[0])
    check(got["counts"] == {MAC_A: n} and got["inexact"] == 0,
          f"{what}: {n} frames out byte for byte (got {got['counts']}, inexact {got['inexact']})")


def exact(n, what):
    """n frames to MAC_A must come out of port 1, each byte for byte."""
    rx = receiver(n)
    send(n)
    received(rx, n, what)


def background_traffic(seconds, rate=2000):
    return subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                             os.path.join(HERE, "..", "datapath", "rawpkt.py"), "send",
                             LINKS[0][1], str(rate), f"{MAC_A}:{seconds * rate}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def nfs_of(st):
    return {n["name"]: n for n in st.get("nfs") or []}


def dp_nfs(lab):
    return {n["name"]: n for n in lab.dpc().ok("nf_list")["nfs"]}


def gone(pid):
    """Exited: no such process, or a zombie its new parent has not reaped (nfpathd that started
    it was killed, so it is not nfpathd's child any more)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def cpus_allowed(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Cpus_allowed_list:"):
                return line.split()[1]
    return None


def cpu_set(s):
    out = set()
    for part in s.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def instances(slot):
    """Processes whose command line attaches to 'slot' (a second one would be a duplicate)."""
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"--proc-type=secondary" in argv and b"--name" in argv and \
                argv[argv.index(b"--name") + 1] == slot.encode():
            n += 1
    return n


def mbufs_free(lab):
    """Free mbufs of nfpath-dp's pools (its 'stats': per-lcore caches included)."""
    return lab.dpc().ok("stats")["mbufs"]["free"]


def all_running(names):
    def pred(st):
        n = nfs_of(st)
        return all(k in n and n[k]["state"] == "running" and n[k]["pid"] > 0 for k in names)
    return pred


def main():
    dp_bin, nfpathd, nfpathctl, nfpath_vf, bindir = sys.argv[1:6]
    need_root_and_hugepages()
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip("'ip netns' does not work here")
    try:
        netns_setup(NS, LINKS)
    except subprocess.CalledProcessError as e:
        netns_teardown(NS, LINKS)
        skip(f"cannot create the namespace and veths: {e}")
    tmp = tempfile.mkdtemp(prefix="nfpath-it-nfrun-")
    os.chmod(tmp, 0o755)
    lab = Lab(tmp, (dp_bin, nfpathd, nfpathctl, nfpath_vf))
    rc = 1
    t_start = time.monotonic()
    try:
        lab.dp = Datapath(dp_bin, ["-p", f"net_af_packet0,iface={LINKS[0][0]}",
                                   "-p", f"net_af_packet1,iface={LINKS[1][0]}",
                                   "--lcores", "0@0", "--idle-sleep", "20", "--",
                                   "--base-virtaddr", "0x200000000000"], "nfrun")
        os.symlink(lab.dp.sock, lab.dp_link)
        pool0 = mbufs_free(lab)
        # A directory everyone may write, with a program in it: nfpathd must refuse it.
        open_dir = os.path.join(tmp, "open")
        os.mkdir(open_dir)
        os.chmod(open_dir, 0o777)
        shutil.copy("/bin/true", os.path.join(open_dir, "nf-true"))
        bad = [{"name": "missing", "type": "nf", "nic": "in", "path": "software",
                "exec": ["/nonexistent/nf-forward"]},
               {"name": "untrusted", "type": "nf", "nic": "in", "path": "software",
                "exec": [os.path.join(open_dir, "nf-true")]}]
        pol = os.path.join(lab.pol, "nfs.json")
        write_over(pol, policy(bindir, extra=bad))
        lab.start_nfpathd(["--nf-crash-loop", f"5/{LOOP_WINDOW_S}", "--nf-backoff", "100/400",
                           "--libvirt-uri", ""])

        # 1. three NFs in a chain, on their planned CPUs; the bad ones said, the rest applied
        st = lab.wait_status(all_running(("swap1", "fwd", "swap2")), "three NFs running", 60)
        lab.wait_status(lambda s: all(n["state"] == "attached" for k, n in dp_nfs(lab).items()
                                      if k in ("swap1", "fwd", "swap2")), "attached", 30)
        st = lab.status()
        n = nfs_of(st)
        for name in ("swap1", "fwd", "swap2"):
            allowed = cpus_allowed(n[name]["pid"])
            check(allowed and n[name]["cpus"] and cpu_set(allowed) <= cpu_set(n[name]["cpus"]),
                  f"{name} (pid {n[name]['pid']}) runs on its planned CPUs {n[name]['cpus']}: "
                  f"Cpus_allowed_list {allowed}")
            check(n[name]["restarts"] == 0, f"{name}: no restarts yet")
        errs = st["apply"]["errors"]
        check(any("nf 'missing' not started: program /nonexistent/nf-forward: No such file"
                  in e for e in errs), f"a missing program is an apply error: {errs}")
        check(any("nf 'untrusted' not started" in e and "is writable by every user" in e
                  for e in errs), f"a program others can replace is refused: {errs}")
        check(n["missing"]["state"] == "failed" and n["untrusted"]["state"] == "failed",
              "both are 'failed' in status")
        check({"missing", "untrusted"} <= set(dp_nfs(lab)), "their slots exist all the same")
        ex = lab.ctl_json("explain", "swap1")
        ex = ex.get("json", ex)
        check(ex.get("process", {}).get("state") == "running"
              and ex["process"]["pid"] == n["swap1"]["pid"],
              f"nfpathctl explain shows the NF's process: {ex.get('process')}")
        r = subprocess.run([nfpathctl, "status", "--socket", lab.ctl], capture_output=True,
                           text=True, timeout=60)
        check(any(l.split()[:2] == ["fwd", "running"] for l in r.stdout.splitlines()),
              "nfpathctl status lists the NFs with their state")
        exact(2000, "three NFs started by nfpathd")

        # 2. kill -9 of 'fwd' under traffic, KILLS times, spaced beyond the crash-loop window
        traffic = background_traffic(KILLS * 3 + 5)
        for i in range(KILLS):
            pid = nfs_of(lab.status())["fwd"]["pid"]
            os.kill(pid, signal.SIGKILL)
            st = lab.wait_status(lambda s: nfs_of(s)["fwd"]["pid"] not in (0, pid)
                                 and nfs_of(s)["fwd"]["restarts"] == i + 1,
                                 f"fwd restarted after kill {i + 1}", 20)
            check(nfs_of(st)["fwd"]["state"] != "crash-looping",
                  f"kill {i + 1}: not crash-looping (kills are {LOOP_WINDOW_S}+ s apart)")
            time.sleep(LOOP_WINDOW_S + 0.3)
        traffic.kill()
        traffic.wait()
        st = lab.wait_status(all_running(("swap1", "fwd", "swap2")), "running again", 30)
        check(nfs_of(st)["fwd"]["restarts"] == KILLS, f"fwd restarted {KILLS} times")
        check(nfs_of(st)["swap1"]["restarts"] == 0 and nfs_of(st)["swap2"]["restarts"] == 0,
              "the other hops were not restarted")
        lab.wait_status(lambda s: dp_nfs(lab)["fwd"]["state"] == "attached", "fwd attached", 30)
        exact(2000, f"after {KILLS} kills of fwd")
        time.sleep(0.5)
        pool = mbufs_free(lab)
        check(pool == pool0, f"no mbuf lost: the mempool has {pool} free, {pool0} at start")
        print(f"kill -9 x{KILLS} under traffic: restarted each time, no mbuf lost", flush=True)

        # 3. an NF that exits at once: crash-looping, the others undisturbed
        before = {k: (v["pid"], v["restarts"]) for k, v in nfs_of(lab.status()).items()}
        crasher = {"name": "crasher", "type": "nf", "nic": "in", "path": "software",
                   "exec": ["/bin/false"]}
        write_over(pol, policy(bindir, extra=bad + [crasher]))
        st = lab.wait_status(lambda s: nfs_of(s).get("crasher", {}).get("state") ==
                             "crash-looping", "crasher crash-looping", 30)
        c = nfs_of(st)["crasher"]
        check(c["last_exit"] == "exited with status 1" and c["recent_deaths"] >= 5,
              f"crasher: {c}")
        after = {k: (v["pid"], v["restarts"]) for k, v in nfs_of(st).items()}
        for k in ("swap1", "fwd", "swap2"):
            check(after[k] == before[k], f"{k} undisturbed by the crash loop: {after[k]}")
        exact(1000, "while another NF crash-loops")

        # 4. kill -9 of nfpathd under traffic: the NFs keep forwarding, then are adopted
        pids = {k: nfs_of(lab.status())[k]["pid"] for k in ("swap1", "fwd", "swap2")}
        rx = receiver(8000)
        traffic = background_traffic(4)  # 8000 frames in 4 s
        time.sleep(1)
        lab.stop_nfpathd(signal.SIGKILL)
        traffic.wait()
        received(rx, 8000, "traffic while nfpathd is killed")
        exact(2000, "with nfpathd dead")
        for k, pid in pids.items():
            check(os.path.exists(f"/proc/{pid}"), f"{k} (pid {pid}) survived nfpathd's death")
        lab.start_nfpathd(["--nf-crash-loop", f"5/{LOOP_WINDOW_S}", "--nf-backoff", "100/400",
                           "--libvirt-uri", ""])
        st = lab.wait_status(all_running(("swap1", "fwd", "swap2")), "NFs after restart", 60)
        time.sleep(1)  # a duplicate would be started within the backoff
        st = lab.status()
        for k, pid in pids.items():
            nf = nfs_of(st)[k]
            check(nf["pid"] == pid and nf["adopted"], f"{k}: adopted pid {pid}: {nf}")
            check(instances(k) == 1, f"{k}: one process attaches to its slot")
            check(dp_nfs(lab)[k]["pid"] == pid, f"{k}: the datapath's slot has pid {pid}")
        exact(2000, "after nfpathd re-adopted its NFs")

        # 4b. nfpath-dp killed: the NFs exit (libnfpath sees it), wait for the datapath without
        # counting the deaths, and are started again once it is back (a new file prefix)
        old = lab.dp
        old.p.kill()
        st = lab.wait_status(lambda s: all(nfs_of(s)[k]["state"] == "waiting-for-datapath"
                                           for k in ("swap1", "fwd", "swap2")),
                             "NFs waiting for the datapath", 30)
        old.stop()
        lab.dp = Datapath(dp_bin, ["-p", f"net_af_packet0,iface={LINKS[0][0]}",
                                   "-p", f"net_af_packet1,iface={LINKS[1][0]}",
                                   "--lcores", "0@0", "--idle-sleep", "20", "--",
                                   "--base-virtaddr", "0x200000000000"], "nfrun2")
        os.unlink(lab.dp_link)
        os.symlink(lab.dp.sock, lab.dp_link)
        st = lab.wait_status(all_running(("swap1", "fwd", "swap2")), "NFs after the datapath", 60)
        for k in ("swap1", "fwd", "swap2"):
            nf = nfs_of(st)[k]
            check(nf["pid"] != pids[k] and nf["recent_deaths"] == 0,
                  f"{k}: started again for the new datapath, its death not counted: {nf}")
        lab.wait_status(lambda s: all(dp_nfs(lab)[k]["state"] == "attached"
                                      for k in ("swap1", "fwd", "swap2")), "attached", 30)
        exact(2000, "after nfpath-dp's restart")
        pids = {k: nfs_of(st)[k]["pid"] for k in ("swap1", "fwd", "swap2")}

        # 5. 'fwd' and the bad ones removed: stopped, slots gone, the chain shorter
        fwd_pid = pids["fwd"]
        write_over(pol, policy(bindir, nfs=("swap1", "swap2")))
        lab.wait_status(lambda s: "fwd" not in nfs_of(s) and "fwd" not in dp_nfs(lab)
                        and "crasher" not in dp_nfs(lab) and s["apply"]["converged"],
                        "fwd stopped and its slot removed", 30)
        check(gone(fwd_pid), "fwd's process is gone")
        with open(lab.log_path, "rb") as f:
            log = f.read().decode(errors="replace")
        check(f"nf fwd: stopping pid {fwd_pid} (no longer in the policy)" in log,
              "nfpathd says why it stops fwd")
        check("nf fwd: nf-forward 'fwd': rx " in log,
              "fwd's own exit summary (its stdout) is in nfpathd's log, prefixed with its name")
        check(not set(dp_nfs(lab)) & {"fwd", "missing", "untrusted", "crasher"},
              f"only the remaining NFs' slots: {sorted(dp_nfs(lab))}")
        exact(2000, "the chain swap1 -> swap2")
        print(f"all steps passed in {time.monotonic() - t_start:.0f} s", flush=True)
        rc = 0
    except AssertionError as e:
        print(f"FAIL: {e}", flush=True)
        with open(lab.log_path, "rb") as f:
            tail = f.read().decode(errors="replace").splitlines()[-150:]
        print("--- nfpathd log (tail):\n" + "\n".join(tail) + "\n---", flush=True)
    finally:
        lab.stop_nfpathd(signal.SIGKILL)
        # nfpathd leaves NFs running by design: stop ours (the test's slots) before the dp
        for slot in ("swap1", "fwd", "swap2", "crasher"):
            for pid in os.listdir("/proc"):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        argv = f.read().split(b"\0")
                    if lab.dp and lab.dp.prefix.encode() in argv:
                        os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        lab.cleanup()
        netns_teardown(NS, LINKS)
        shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
