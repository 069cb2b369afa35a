# SPDX-License-Identifier: BSD-3-Clause
"""nfpath-dp's command line without starting the EAL: every long option in the source is
explained by --help and by the man page; usage errors exit 2 with a message naming the fix;
--version works. Needs no privileges."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dptest import check  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def main():
    binary = sys.argv[1]
    src = open(os.path.join(ROOT, "datapath", "opts.c")).read()
    longopts = sorted(set(re.findall(r'\{"([a-z-]+)", (?:no|required)_argument', src)))
    check(len(longopts) >= 15, f"found {len(longopts)} long options in opts.c")
    rc, helptext = run(binary, "--help")
    check(rc == 0, "--help exits 0")
    man = open(os.path.join(ROOT, "packaging", "man", "nfpath-dp.8")).read().replace("\\-", "-")
    for o in longopts:
        check(f"--{o}" in helptext, f"--help explains --{o}")
        check(f"--{o}" in man or (o in ("help", "version") and f"-{o}" in man),
              f"nfpath-dp(8) explains --{o}")
    rc, out = run(binary, "--version")
    check(rc == 0 and out.startswith("nfpath-dp "), "--version")
    for args, needle in ((["--frobnicate"], "unknown option"),
                         ([], "--port DEVARGS"),
                         (["-p", "net_ring0", "-q", "99"], "1-16"),
                         (["-p", "net_ring0", "--no-huge", "--in-memory"], "exclude"),
                         (["-p", "net_ring0", "stray"], "after '--'"),
                         (["-p"], "needs a value")):
        rc, out = run(binary, *args)
        check(rc == 2 and needle in out, f"{args}: exit 2, says '{needle}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
