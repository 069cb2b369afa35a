#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""agent/node/dp-client.c against a real nfpath-dp on net_ring vdevs (root + hugepages, else 77):
dp-client-check runs every typed helper, then the datapath is restarted under the same socket
path (a symlink that the test re-points) and the same client reconnects and replays. Last,
nfpathd itself with that datapath: status says connected, 'nfpathctl stats' goes through."""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "datapath"))
from dptest import Datapath, check, need_root_and_hugepages  # noqa: E402

ARGS = ["-p", "net_ring0", "-p", "net_ring1", "--lcores", "0@0", "--idle-sleep", "100"]


def main():
    dp_bin, checker, nfpathd, nfpathctl, sim_nic = sys.argv[1:6]
    need_root_and_hugepages()
    tmp = tempfile.mkdtemp(prefix="nfpath-agent-dpc-")
    link = os.path.join(tmp, "dp.sock")
    dp1 = Datapath(dp_bin, ARGS, "agent-dpc1")
    dp2 = None
    try:
        os.symlink(dp1.sock, link)
        p = subprocess.Popen([checker, link, "restart"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        out = []
        for line in p.stdout:
            print(line, end="", flush=True)
            out.append(line)
            if line.strip() == "restart-me":
                break
        check(out and out[-1].strip() == "restart-me", "first phase against nfpath-dp #1")
        rc1 = dp1.stop()
        check(rc1 == 0, "nfpath-dp #1 stopped cleanly")
        dp2 = Datapath(dp_bin, ARGS, "agent-dpc2")
        os.unlink(link)
        os.symlink(dp2.sock, link)
        p.stdin.write("go\n")
        p.stdin.flush()
        rest, _ = p.communicate(timeout=60)
        print(rest, end="")
        check(p.returncode == 0, "dp-client-check passed, including the reconnect")

        # nfpathd with the real datapath
        pol = os.path.join(tmp, "pol")
        os.mkdir(pol)
        ctl = os.path.join(tmp, "ctl.sock")
        d = subprocess.Popen([nfpathd, "--vf-backend", "sim", "--sim-nic-file", sim_nic,
                              "--sysfs-root", os.path.join(tmp, "sim"), "--policy-dir", pol,
                              "--state-dir", os.path.join(tmp, "state"), "-S", ctl,
                              "-d", link, "-l", "", "--resync-interval", "1"],
                             stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(200):
                if os.path.exists(ctl):
                    break
                time.sleep(0.05)
            st = json.loads(subprocess.run([nfpathctl, "status", "--json", "-s", ctl],
                                           capture_output=True, text=True, check=True).stdout)
            check(st["datapath"]["connected"] is True and st["datapath"]["connects"] == 1,
                  "nfpathd: datapath connected")
            r = subprocess.run([nfpathctl, "stats", "--json", "-s", ctl], capture_output=True,
                               text=True)
            check(r.returncode == 0 and isinstance(json.loads(r.stdout), dict),
                  "nfpathctl stats: the datapath's counters through nfpathd")
            # the datapath restarts: nfpathd notices at the next resync and reconnects
            dp2.stop()
            dp3 = Datapath(dp_bin, ARGS, "agent-dpc3")
            os.unlink(link)
            os.symlink(dp3.sock, link)
            try:
                # nfpathd retries every second; a loaded machine (ASan, 2 CPUs) may take a
                # few: wait up to 30 s, and say how long it took.
                t0 = time.monotonic()
                while True:
                    st = json.loads(subprocess.run(
                        [nfpathctl, "status", "--json", "-s", ctl], capture_output=True,
                        text=True, check=True).stdout)
                    if (st["datapath"]["connected"] and st["datapath"]["connects"] >= 2) or \
                            time.monotonic() - t0 > 30:
                        break
                    time.sleep(0.1)
                # At least 2: on a loaded machine a request to the starting datapath can
                # time out, and nfpathd then drops that connection and connects once more (seen
                # once with 8 parallel builds: connects 3). What must hold is that it is back.
                check(st["datapath"]["connected"] and st["datapath"]["connects"] >= 2,
                      "nfpathd reconnected to the restarted datapath at a resync "
                      f"({time.monotonic() - t0:.1f} s; status: {st['datapath']})")
            finally:
                dp3.stop()
        finally:
            d.terminate()
            _, err = d.communicate(timeout=30)
            print(err)
        check(d.returncode == 0, "nfpathd stopped cleanly")
        check("reconnected: flows, chains and ports to replay" in err,
              "nfpathd logged the reconnect (replay due)")
    finally:
        dp1.stop()
        if dp2:
            dp2.stop()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
