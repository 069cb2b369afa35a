#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crash safety of nfpathd's apply (root + hugepages, else 77). On the lab node of
test_nfpathd_apply.py (SIMULATED NIC, libvirt test driver, real nfpath-dp), nfpathd is killed
with SIGKILL at random points while it applies, N times (NFPATH_CRASH_ITERATIONS, default 50),
alternating between two policies that place things differently, so that most kills land in
the middle of VF changes, datapath changes or journal writes. Then it is started once more with
the second policy and must end in the state an uninterrupted run reaches on a fresh node: the
same placements, every VF either configured for its workload or back to its original state
with its IRQs on every CPU, the datapath holding exactly the expected slots, ports, chains and
flows, and the journal holding originals only for VFs in use. No leak, no half-applied state.

usage: test_nfpathd_crash.py NFPATH_DP NFPATHD NFPATHCTL NFPATH_VF"""
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from nfpathd_lab import Lab, check, policy, write_over  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "datapath"))
from dptest import need_root_and_hugepages  # noqa: E402

# No VM may change path, so placements do not depend on history: A puts vm1-4 on VFs and vm5-6
# on vhost-user; B drops vm1 and vm4 (their VFs are released, original state restored) and the
# NF 'counter' (its slot goes, the chain changes); back to A, vm1 and vm4 get VFs again.
POLICY_A = policy(move=())
POLICY_B = policy(vms=[2, 3, 5, 6], move=(), nfs=("fw",))


def normalized(lab):
    """The node's state, without the numbers that depend on history (chain ids, VF indices)."""
    st = lab.status()
    pl = sorted((p["workload"], p["place"]) for p in st["placements"])
    ds = lab.dp_state()
    flows = sorted(f[0] for f in ds["flows"])
    chains = sorted(c[1] for c in ds["chains"])
    pf = lab.vfs()
    used = {p["vf"]: p["workload"] for p in st["placements"] if p["place"] == "vf"}
    vfs = []
    for v in pf["vfs"]:
        irqs = sorted({lab.irq_affinity(i) for i in v["irqs"]})
        vfs.append((v["state"]["mac"], v["state"]["vlan"], used.get(v["index"]) is not None,
                    tuple(irqs) if used.get(v["index"]) is None else ()))
    with open(os.path.join(lab.state, "journal.json")) as f:
        journal = json.load(f)
    return {"placements": pl, "flows": flows, "chains": chains, "ports": ds["ports"],
            "nfs": ds["nfs"], "vfs": sorted(vfs), "num_vfs": pf["num_vfs"],
            "journal_vfs": len(journal["vfs"]), "pending": journal.get("pending"),
            "converged": st["apply"]["converged"]}


def reference(bins):
    """Uninterrupted runs on a fresh node: POLICY_A, then POLICY_B."""
    tmp = tempfile.mkdtemp(prefix="nfpath-agent-crash-ref-")
    lab = Lab(tmp, bins)
    try:
        lab.start_dp("agent-crash-ref")
        with open(os.path.join(lab.pol, "10-node.json"), "w") as f:
            f.write(POLICY_A)
        t0 = time.monotonic()
        lab.start_nfpathd()
        lab.wait_ready()
        took = time.monotonic() - t0
        write_over(os.path.join(lab.pol, "10-node.json"), POLICY_B)
        lab.wait_status(lambda s: s["policy"]["workloads"] == 5 and s["apply"]["converged"],
                        "the reference node converges on POLICY_B")
        return normalized(lab), took
    finally:
        lab.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    bins = tuple(sys.argv[1:5])
    need_root_and_hugepages()
    n = int(os.environ.get("NFPATH_CRASH_ITERATIONS", "50"))
    seed = int(os.environ.get("NFPATH_CRASH_SEED", str(int(time.time()))))
    rnd = random.Random(seed)
    print(f"seed {seed} (NFPATH_CRASH_SEED to repeat), {n} iterations", flush=True)
    ref, took = reference(bins)
    check(ref["converged"] and ref["pending"] is None, "reference run converged")
    print(f"uninterrupted start to READY: {took * 1000:.0f} ms; reference state: "
          f"{json.dumps(ref)}", flush=True)

    tmp = tempfile.mkdtemp(prefix="nfpath-agent-crash-")
    lab = Lab(tmp, bins)
    ok = False
    mid_apply = 0
    try:
        lab.start_dp("agent-crash")
        path = os.path.join(lab.pol, "10-node.json")
        window = max(took * 1.2, 0.2)
        # First a converged node (as the reference), then the kills.
        with open(path, "w") as f:
            f.write(POLICY_A)
        lab.start_nfpathd()
        lab.wait_ready()
        lab.stop_nfpathd(signal.SIGKILL)
        # At least n kills, and more (up to 4n) until a tenth of n landed in the middle of an
        # apply: how many do depends on how fast the apply runs on this machine right now.
        i = 0
        while i < n or (mid_apply < n // 10 and i < 4 * n):
            with open(path, "w") as f:
                f.write(POLICY_B if i % 2 == 0 else POLICY_A)
            off = os.path.getsize(lab.log_path) if os.path.exists(lab.log_path) else 0
            lab.start_nfpathd(notify=False, quiet=True)
            if rnd.random() < 0.2:
                # Anywhere from start-up to after the first convergence.
                time.sleep(rnd.uniform(0.0, window))
            else:
                # Somewhere in the apply: after its first change, within a typical apply.
                t0 = time.monotonic()
                while time.monotonic() - t0 < 5:
                    with open(lab.log_path) as f:
                        f.seek(off)
                        if "apply:" in f.read():
                            break
                    time.sleep(0.002)
                time.sleep(rnd.uniform(0.0, 0.12))
            lab.d.send_signal(signal.SIGKILL)
            lab.d.wait()
            try:
                with open(os.path.join(lab.state, "journal.json")) as f:
                    if json.load(f).get("pending") is not None:
                        mid_apply += 1
            except (OSError, ValueError):
                pass
            i += 1
            if i % 10 == 0:
                print(f"  {i} kills ({n} wanted), {mid_apply} in the middle of an apply",
                      flush=True)
        check(lab.dp.p.poll() is None, f"nfpath-dp survived {i} nfpathd kills")
        check(mid_apply >= n // 10,
              f"{mid_apply} of {i} kills landed while an apply was under way (pending target "
              f"in the journal)")
        with open(path, "w") as f:
            f.write(POLICY_B)
        lab.start_nfpathd()
        lab.wait_ready()
        got = normalized(lab)
        print(f"after the kills: {json.dumps(got)}", flush=True)
        for k in ("converged", "pending", "placements", "flows", "chains", "ports", "nfs",
                  "vfs", "num_vfs", "journal_vfs"):
            check(got[k] == ref[k], f"{k}: the same as an uninterrupted run ({got[k]})")
        r = lab.ctl_json("apply")
        check(r["converged"] and r["changed"] == 0, "and one more apply changes nothing")
        check(lab.stop_nfpathd() == 0, "SIGTERM: exit 0")
        ok = True
    finally:
        if not ok:
            lab.dump_log(120)
            print(f"replay this run: NFPATH_CRASH_SEED={seed} NFPATH_CRASH_ITERATIONS={n} "
                  f"meson test -C BUILD_DIR agent-nfpathd-crash --verbose", flush=True)
        lab.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    print("crash safety checks passed")


if __name__ == "__main__":
    main()
