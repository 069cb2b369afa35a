# SPDX-License-Identifier: BSD-3-Clause
"""Control-plane part of tests/bench/run.py: nfpathd on a SIMULATED SR-IOV NIC (vf-manager's
simulator, --vf-backend sim), libvirt's test driver with one domain per VM and a real nfpath-dp
on net_ring ports, as tests/integration/agent/nfpathd_lab.py starts them.

A policy of --workloads VMs (default 256): the first --vfs (default 64) on path 'vf', the rest
on path 'software' (a vhost-user port each). Measured:
  first convergence   nfpathd started -> READY=1 (its first full apply; --ready-timeout when
                      it cannot converge), the end of its first apply pass (its summary line
                      in the log, polled every 2 ms), and what status says
  one changed         the last (software) workload's MAC edited; the 'reload' request (which re-reads the
                      policy and converges) timed from request to answer
  re-apply            'apply' on a converged node, the request's round trip (median of 5)
  idle                CPU time (utime + stime from /proc/PID/stat) over --idle-seconds with
                      the default resync interval (60 s), as ms per minute and %, and VmRSS
Durable writes: nfpathd runs under 'strace -f --seccomp-bpf' tracing only fsync, fdatasync
and renames (the journal and irqbalance writes); each is counted and timed in the step whose
window it falls in. Timings are wall clock on this shared machine.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

SYNC_CALLS = ("fsync", "fdatasync", "rename", "renameat", "renameat2")


def vm_mac(i):
    return f"52:54:00:30:{i >> 8:02x}:{i & 255:02x}"


def node_xml(n):
    doms = "".join(f"""  <domain type='test'>
    <name>vm{i}</name>
    <memory unit='MiB'>64</memory>
    <vcpu placement='static'>1</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
  </domain>
""" for i in range(n))
    return f"""<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>
    <mhz>2000</mhz><model>x86</model><active>2</active></cpu>
  <memory>67108864</memory>
{doms}</node>
"""


def sim_nic(vfs):
    return {"comment": "SIMULATED SR-IOV NIC for the control-plane benchmark (not hardware)",
            "pfs": [{"name": "simnic0", "pci": "0000:3b:00.0", "vendor": "0x8086",
                     "device": "0x1572", "vf_device": "0x154c", "driver": "nfpath-sim-pf",
                     "vf_driver": "nfpath-sim-vf", "total_vfs": vfs, "num_vfs": vfs,
                     "numa_node": 0, "local_cpus": "0-1", "mtu": 1500, "irqs_per_vf": 2,
                     "managed_irqs": False}]}


def policy(n, vfs, changed=None):
    ws = []
    for i in range(n):
        mac = vm_mac(i) if i != changed else "52:54:00:3f:ff:fe"
        ws.append({"name": f"vm{i}", "type": "vm", "nic": "uplink0", "mac": mac,
                   "path": "vf" if i < vfs else "software"})
    return json.dumps({"version": 1, "nics": [{"name": "uplink0", "pf": "simnic0",
                                               "max_vfs": vfs, "uplink": "net_ring0"}],
                       "workloads": ws}, indent=1)


def write_over(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".swp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def request(path, op, timeout=120):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.send(json.dumps({"v": 1, "op": op}).encode())
        return json.loads(s.recv(1 << 24).decode())
    finally:
        s.close()


def proc_cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def proc_rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    return None


def child_pid(strace_pid, exe):
    """The traced nfpathd under strace."""
    for _ in range(1000):
        try:
            with open(f"/proc/{strace_pid}/task/{strace_pid}/children") as f:
                for c in f.read().split():
                    if os.path.basename(os.readlink(f"/proc/{c}/exe")) == \
                            os.path.basename(exe):
                        return int(c)
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("nfpathd did not start under strace")


def parse_strace(path):
    """[(time, call, seconds)] of the traced calls."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for ln in f:
            parts = ln.split(None, 2)
            if len(parts) < 3:
                continue
            try:
                t = float(parts[1])
            except ValueError:
                continue
            rest = parts[2]
            call = rest.split("(", 1)[0]
            if call not in SYNC_CALLS or "resumed" in rest:
                continue
            dur = 0.0
            if rest.rstrip().endswith(">") and "<" in rest:
                try:
                    dur = float(rest.rsplit("<", 1)[1].rstrip().rstrip(">"))
                except ValueError:
                    pass
            out.append((t, call, dur))
    return out


def window(calls, t0, t1):
    sel = [c for c in calls if t0 <= c[0] < t1]
    by = {}
    for _, call, d in sel:
        n, s = by.get(call, (0, 0.0))
        by[call] = (n + 1, s + d)
    return {"calls": {k: {"n": n, "ms": round(s * 1000, 2)} for k, (n, s) in by.items()},
            "fsyncs": sum(n for k, (n, _) in by.items() if k in ("fsync", "fdatasync")),
            "fsync_ms": round(sum(s for k, (_, s) in by.items()
                                  if k in ("fsync", "fdatasync")) * 1000, 2)}


def run(a, log):
    n, nvf = a.workloads, a.vfs
    if nvf > n:
        raise RuntimeError(f"--vfs {nvf} > --workloads {n}")
    tmp = tempfile.mkdtemp(prefix=f"bench-cp-{os.getpid()}-")
    procs = []
    try:
        return _run(a, log, tmp, procs, n, nvf)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for f in os.listdir("/dev/hugepages") if os.path.isdir("/dev/hugepages") else []:
            if f.startswith(f"bench-cp-{os.getpid()}"):
                os.unlink(os.path.join("/dev/hugepages", f))
        shutil.rmtree(f"/var/run/dpdk/bench-cp-{os.getpid()}", ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _run(a, log, tmp, procs, n, nvf):
    import paired
    sim_file = os.path.join(tmp, "sim.json")
    node = os.path.join(tmp, "node.xml")
    pol = os.path.join(tmp, "policies.d")
    os.makedirs(pol)
    with open(sim_file, "w") as f:
        json.dump(sim_nic(nvf), f)
    with open(node, "w") as f:
        f.write(node_xml(n))
    write_over(os.path.join(pol, "bench.json"), policy(n, nvf))
    dp_sock = ""
    if os.geteuid() == 0 and os.access(a.dp, os.X_OK):
        dp_sock = os.path.join(tmp, "dp.sock")
        cmd = [a.dp, "--file-prefix", f"bench-cp-{os.getpid()}", "-s", dp_sock, "--vhost-dir",
               os.path.join(tmp, "vhost"), "-p", "net_ring0", "-p", "net_ring1", "--lcores",
               "0@0", "--idle-sleep", "100", "--log-level", "*:error"]
        procs.append(subprocess.Popen(cmd, stdout=open(os.path.join(tmp, "dp.log"), "w"),
                                      stderr=subprocess.STDOUT))
        for _ in range(3000):
            if os.path.exists(dp_sock) or procs[-1].poll() is not None:
                break
            time.sleep(0.01)
        if not os.path.exists(dp_sock):
            raise RuntimeError("nfpath-dp did not start: "
                               + open(os.path.join(tmp, "dp.log")).read()[-1500:])
    notify_path = os.path.join(tmp, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(0.2)
    msgs = []

    def drain():
        while True:
            try:
                m = notify.recv(4096).decode()
                msgs.append((time.time(), m))
            except socket.timeout:
                continue
            except OSError:
                return
    threading.Thread(target=drain, daemon=True).start()
    ctl = os.path.join(tmp, "nfpathd.sock")
    cmd = [a.nfpathd, "--vf-backend", "sim", "--sim-nic-file", sim_file,
           "--sysfs-root", os.path.join(tmp, "sim"), "--policy-dir", pol,
           "--state-dir", os.path.join(tmp, "state"), "--control-socket", ctl,
           "--datapath-socket", dp_sock, "--libvirt-uri", "test://" + node,
           "--debounce-ms", "60000", "--ready-timeout", "120"]
    trace = os.path.join(tmp, "strace.out")
    use_strace = shutil.which("strace") is not None
    if use_strace:
        cmd = ["strace", "-f", "--seccomp-bpf", "-ttt", "-T", "-o", trace, "-e",
               "trace=" + ",".join(SYNC_CALLS)] + cmd
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    log_path = os.path.join(tmp, "nfpathd.log")
    t_start = time.time()
    p = subprocess.Popen(cmd, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, env=env)
    procs.append(p)
    pid = child_pid(p.pid, a.nfpathd) if use_strace else p.pid
    t_ready = t_pass = None
    while t_ready is None:
        # The end of the first apply pass, converged or not: its summary line in the log.
        if t_pass is None and " steps checked" in open(log_path).read():
            t_pass = time.time()
        for t, m in list(msgs):
            if "READY=1" in m:
                t_ready, ready_msg = t, m
        if p.poll() is not None:
            raise RuntimeError(f"nfpathd exited {p.returncode}: "
                               + open(log_path).read()[-2000:])
        if time.time() - t_start > 180:
            raise RuntimeError("no READY=1 in 180 s: " + open(log_path).read()[-2000:])
        time.sleep(0.002)
    st = request(ctl, "status")
    res = st.get("result", st)
    ap = res.get("apply", {})
    first = {"ms": round((t_ready - t_start) * 1000, 1),
             "first_pass_ms": round(((t_pass or t_ready) - t_start) * 1000, 1),
             "converged": ap.get("converged"),
             "checked": ap.get("checked"), "changed": ap.get("changed"),
             "errors": len(ap.get("errors") or []), "status": ready_msg.strip()[:300],
             "first_errors": [str(e)[:200] for e in (ap.get("errors") or [])[:3]],
             "plan": res.get("plan")}
    log(f"  control: first convergence {first['ms']} ms, converged {first['converged']}")
    t1 = time.time()
    # One changed workload: the last VM (software) gets another MAC.
    write_over(os.path.join(pol, "bench.json"), policy(n, nvf, changed=n - 1))
    t2 = time.time()
    r = request(ctl, "reload")
    t3 = time.time()
    rr = r.get("result", r)
    changed = {"ms": round((t3 - t2) * 1000, 2), "accepted": rr.get("accepted"),
               "reply": {k: rr.get(k) for k in ("accepted", "generation") if k in rr}}
    st = request(ctl, "status").get("result", {})
    changed["converged"] = st.get("apply", {}).get("converged")
    changed["changed"] = st.get("apply", {}).get("changed")
    log(f"  control: one changed {changed['ms']} ms")
    t4 = time.time()
    times = []
    reapply = None
    for _ in range(5):
        t = time.time()
        reapply = request(ctl, "apply").get("result", {})
        times.append((time.time() - t) * 1000)
    t5 = time.time()
    re = {"ms": round(paired.median(times), 2), "min_ms": round(min(times), 2),
          "max_ms": round(max(times), 2), "changed": reapply.get("changed"),
          "converged": reapply.get("converged"), "checked": reapply.get("checked")}
    log(f"  control: re-apply {re['ms']} ms; idle for {a.idle_seconds} s")
    # Idle: nothing asks it anything now; --resync-interval is not set: the default (60 s).
    c0, w0 = proc_cpu_ms(pid), time.time()
    time.sleep(a.idle_seconds)
    c1, w1 = proc_cpu_ms(pid), time.time()
    t6 = time.time()
    idle = {"seconds": round(w1 - w0, 1), "cpu_ms": round(c1 - c0, 1),
            "cpu_ms_per_min": round((c1 - c0) / (w1 - w0) * 60, 1),
            "cpu_pct": round((c1 - c0) / (w1 - w0) / 10, 3),
            "rss_kb": proc_rss_kb(pid), "hwm_kb": proc_rss_kb(pid, "VmHWM")}
    os.kill(pid, signal.SIGTERM)
    p.wait(timeout=30)
    calls = parse_strace(trace)
    if use_strace:
        first["sync"] = window(calls, t_start, t1)
        changed["sync"] = window(calls, t2, t4)
        re["sync"] = window(calls, t4, t5)
        re["sync"]["per_apply"] = round(re["sync"]["fsyncs"] / 5, 1)
        idle["sync"] = window(calls, w0, t6)
    g = {"part": "control", "group": f"control plane: {nvf} VFs (simulated NIC), {n} workloads "
         f"({nvf} VF, {n - nvf} software)", "workloads": n, "vfs": nvf,
         "datapath": bool(dp_sock), "strace": use_strace, "first_convergence": first,
         "one_changed": changed, "reapply": re, "idle": idle,
         "targets": {"first_convergence_ms": 500, "one_changed_ms": 5, "idle_cpu_pct": 0.1,
                     "rss_kb": 16384}}
    g["met"] = {"first_convergence": bool(first["converged"]) and first["ms"] < 500,
                "one_changed": changed["ms"] < 5,
                "idle_cpu": idle["cpu_pct"] < 0.1,
                "rss": (idle["rss_kb"] or 1 << 30) < 16384}
    print_cp(g)
    g["load_after"] = paired.uptime_line()
    print(f"  {g['load_after']}", flush=True)
    log(f"  control: nfpathd log tail:\n{open(log_path).read()[-1500:]}")
    return g


def print_cp(g):
    f, c, r, i = g["first_convergence"], g["one_changed"], g["reapply"], g["idle"]

    def sync(x):
        s = x.get("sync")
        return (f"{s['fsyncs']:>4} fsyncs {s['fsync_ms']:>8.1f} ms" if s else f"{'-':>26}")
    print(f"\n{g['group']}" + ("" if g["datapath"] else " (no datapath: not root)")
          + (", under strace (fsync/rename only)" if g["strace"] else ""))
    print(f"  {'step':<34} {'ms':>9} {'converged':>9} {'changed':>7} {'durable writes':>26}"
          f" {'target':>9} {'met':>4}")
    m = g["met"]
    print(f"  {'first apply pass (start->summary)':<34} {f['first_pass_ms']:>9.1f} {'':>9} {'':>7}")
    print(f"  {'first convergence (start->READY)':<34} {f['ms']:>9.1f} {str(f['converged']):>9}"
          f" {str(f['changed']):>7} {sync(f)} {'< 500':>9} {'yes' if m['first_convergence'] else 'no':>4}")
    print(f"  {'one changed workload (reload)':<34} {c['ms']:>9.2f} {str(c['converged']):>9}"
          f" {str(c['changed']):>7} {sync(c)} {'< 5':>9} {'yes' if m['one_changed'] else 'no':>4}")
    print(f"  {'converged re-apply (median of 5)':<34} {r['ms']:>9.2f} {str(r['converged']):>9}"
          f" {str(r['changed']):>7} {sync(r)} {'':>9} {'':>4}")
    print(f"  idle {i['seconds']} s: {i['cpu_ms']} ms CPU = {i['cpu_ms_per_min']} ms/min = "
          f"{i['cpu_pct']}% (target < 0.1%: {'met' if m['idle_cpu'] else 'NOT met'}); "
          f"RSS {i['rss_kb']} kB, peak {i['hwm_kb']} kB (target < 16384 kB: "
          f"{'met' if m['rss'] else 'NOT met'})")
    if f["errors"]:
        print(f"  first apply reported {f['errors']} problems, e.g.: "
              + " | ".join(f["first_errors"]))
