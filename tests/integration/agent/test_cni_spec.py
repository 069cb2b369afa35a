#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""nfpath-cni driven as the CNI spec says a runtime calls it (environment + config on stdin, as
containerd and Multus do): VERSION, and every bad input answers one CNI error object on stdout
with the spec's code and a non-zero exit, and changes nothing: the real host-local IPAM plugin
(Debian's containernetworking-plugins, in a data directory of this test) holds no address after a
refused or failed ADD. Without nfpathd, ADD and DEL answer 'try again later' (code 11), so the
runtime retries DEL until nfpathd is back.

usage: test_cni_spec.py NFPATH_CNI"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

CNI_PATH = "/usr/lib/cni"


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}", flush=True)


def run(plugin, command, conf, **env):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CNI_COMMAND": command}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    e.update({k: v for k, v in env.items() if v is not None})
    data = conf if isinstance(conf, (bytes, str)) else json.dumps(conf)
    if isinstance(data, str):
        data = data.encode()
    p = subprocess.run([plugin], input=data, env=e, capture_output=True, timeout=60)
    out = p.stdout.decode()
    lines = [ln for ln in out.splitlines() if ln.strip()]
    obj = json.loads(lines[0]) if len(lines) == 1 else None
    return p.returncode, obj, out, p.stderr.decode()


def expect_error(plugin, code, what, command, conf, **env):
    rc, obj, out, err = run(plugin, command, conf, **env)
    check(rc != 0 and obj is not None and obj.get("code") == code and obj.get("msg"),
          f"{what}: exit {rc}, code {obj and obj.get('code')} (want {code}): "
          f"{obj and obj.get('msg')}" + ("" if obj else f" [stdout {out!r} stderr {err!r}]"))
    return obj


def main():
    plugin = sys.argv[1]
    if not os.access(os.path.join(CNI_PATH, "host-local"), os.X_OK):
        print(f"SKIP: {CNI_PATH}/host-local is missing (apt-get install "
              "containernetworking-plugins, or scripts/setup.sh)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="nfpath-cni-spec-")
    try:
        data_dir = os.path.join(tmp, "ipam")
        sock = os.path.join(tmp, "no-nfpathd.sock")
        good = {"cniVersion": "1.0.0", "name": "nfp-test", "type": "nfpath", "nic": "uplink0",
                "socket": sock,
                "ipam": {"type": "host-local", "subnet": "10.231.0.0/24", "dataDir": data_dir}}
        ids = {"CNI_CONTAINERID": "c0ffee01", "CNI_IFNAME": "net1",
               "CNI_NETNS": "/var/run/netns/nfpath-cni-none", "CNI_PATH": CNI_PATH}

        rc, obj, out, _ = run(plugin, "VERSION", {"cniVersion": "1.0.0"})
        check(rc == 0 and obj and "1.0.0" in obj["supportedVersions"] and
              "0.4.0" in obj["supportedVersions"], f"VERSION: {out.strip()}")

        def allocated():
            d = os.path.join(data_dir, "nfp-test")
            if not os.path.isdir(d):
                return []
            return [f for f in os.listdir(d) if f[0].isdigit() and "." in f and
                    not f.startswith("last_reserved_ip")]

        expect_error(plugin, 4, "no CNI_COMMAND", "", good, **ids)
        expect_error(plugin, 4, "unknown CNI_COMMAND", "FROB", good, **ids)
        expect_error(plugin, 6, "config not JSON", "ADD", "{\"cniVersion\": ", **ids)
        expect_error(plugin, 6, "config not an object", "ADD", "[1]", **ids)
        expect_error(plugin, 6, "duplicate key", "ADD",
                     '{"cniVersion":"1.0.0","name":"a","name":"b"}', **ids)
        expect_error(plugin, 1, "unsupported cniVersion", "ADD", {**good, "cniVersion": "2.0.0"},
                     **ids)
        expect_error(plugin, 2, "unknown field", "ADD", {**good, "vlna": 5}, **ids)
        expect_error(plugin, 7, "no nic", "ADD", {k: v for k, v in good.items() if k != "nic"},
                     **ids)
        expect_error(plugin, 7, "bad path", "ADD", {**good, "path": "fast"}, **ids)
        expect_error(plugin, 7, "vlan out of range", "ADD", {**good, "vlan": 5000}, **ids)
        expect_error(plugin, 7, "spoofchk not a boolean", "ADD", {**good, "spoofchk": "yes"},
                     **ids)
        expect_error(plugin, 7, "min_tx_rate above max_tx_rate", "ADD",
                     {**good, "min_tx_rate": 100, "max_tx_rate": 10}, **ids)
        expect_error(plugin, 7, "wrong type", "ADD", {**good, "type": "bridge"}, **ids)
        expect_error(plugin, 7, "relative socket", "ADD", {**good, "socket": "x.sock"}, **ids)
        expect_error(plugin, 7, "ipam without type", "ADD", {**good, "ipam": {}}, **ids)
        expect_error(plugin, 7, "unknown IPAM plugin", "ADD",
                     {**good, "ipam": {"type": "no-such-ipam"}}, **ids)
        for var in ("CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS"):
            expect_error(plugin, 4, f"ADD without {var}", "ADD", good,
                         **{**ids, var: None})
        expect_error(plugin, 4, "container id with a space", "ADD", good,
                     **{**ids, "CNI_CONTAINERID": "a b"})
        expect_error(plugin, 4, "interface name too long", "ADD", good,
                     **{**ids, "CNI_IFNAME": "x" * 16})
        expect_error(plugin, 4, "interface name with a slash", "ADD", good,
                     **{**ids, "CNI_IFNAME": "a/b"})
        expect_error(plugin, 4, "relative CNI_NETNS", "ADD", good,
                     **{**ids, "CNI_NETNS": "netns/x"})
        expect_error(plugin, 4, "no CNI_PATH with IPAM", "ADD", good,
                     **{**ids, "CNI_PATH": None})
        check(allocated() == [], "no address was taken by any refused ADD")

        # IPAM ran (an address was reserved), nfpathd is not there: try again later, and the
        # address is given back.
        obj = expect_error(plugin, 11, "ADD without nfpathd", "ADD", good, **ids)
        check(sock in obj["msg"], "the error names the socket it tried")
        check(os.path.exists(os.path.join(data_dir, "nfp-test", "last_reserved_ip.0")),
              "host-local ran for that ADD (it reserved an address)")
        check(allocated() == [], "the failed ADD gave its address back to host-local")
        expect_error(plugin, 11, "DEL without nfpathd (the runtime retries)", "DEL", good, **ids)
        expect_error(plugin, 1, "CHECK with cniVersion 0.3.1", "CHECK",
                     {**good, "cniVersion": "0.3.1"}, **ids)
        expect_error(plugin, 7, "CHECK without prevResult", "CHECK", good, **ids)
        print("nfpath-cni spec checks passed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
