#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""nfpathd end to end (root + hugepages, else 77): a SIMULATED SR-IOV NIC with 4 VFs, libvirt's
test driver with six domains, a real nfpath-dp on net_ring ports, the simulator's fake
/proc/irq. A policy of 6 VMs on 'auto' + 2 NFs in a chain gives 4 VFs and 2 vhost-user
fallbacks, with pins in libvirt's live XML and in the IRQ files, NF slots, chains and steering
in the datapath. Then: a second apply changes nothing; hand-made drift (a VF's MAC) is healed;
a restarted datapath gets everything back; a policy edit releases a VF (original state back)
and moves a software VM onto it make-before-break; a bad edit keeps the policy in force.

usage: test_nfpathd_apply.py NFPATH_DP NFPATHD NFPATHCTL NFPATH_VF"""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from nfpathd_lab import Lab, check, policy, vm_mac, write_over  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "datapath"))
from dptest import need_root_and_hugepages  # noqa: E402


def placements(st):
    return {p["workload"]: p for p in st["placements"]}


def check_vm_ports(lab, when):
    """vm5's and vm6's VM ports carry their workload (what ARP flooding and the spoof check
    need): its MAC, untagged, spoofchk on (the policy's default)."""
    ports = {p["name"]: p for p in lab.dpc().ok("port_list")["ports"]}
    for i in (5, 6):
        p = ports[f"net_vhost_vm{i}"]
        check(p["workload_mac"] == vm_mac(i) and p["vlan"] == 0 and p["spoofchk"] is True,
              f"{when}net_vhost_vm{i}: workload_mac {p['workload_mac']}, vlan {p['vlan']}, "
              f"spoofchk {p['spoofchk']}")


def first_converge(lab):
    m = lab.wait_ready()
    check("converged: 4 on VFs, 4 software, 0 unplaced" in m,
          f"READY=1 after the first convergence, STATUS says so: {m!r}")
    st = lab.status()
    check(st["apply"]["converged"] and not st["apply"]["errors"],
          f"status: converged, no errors ({st['apply']['errors']})")
    pl = placements(st)
    vf = sorted(w for w, p in pl.items() if p["place"] == "vf")
    sw = sorted(w for w, p in pl.items() if p["place"] == "software")
    check(vf == ["vm1", "vm2", "vm3", "vm4"], f"4 VMs on VFs: {vf}")
    check(sw == ["counter", "fw", "vm5", "vm6"], f"2 VMs on vhost-user + 2 NF slots: {sw}")
    vfs = {v["index"]: v for v in lab.vfs()["vfs"]}
    for i in range(1, 5):
        p = pl[f"vm{i}"]
        v = vfs[p["vf"]]
        check(v["state"]["mac"] == vm_mac(i), f"VF {p['vf']} has vm{i}'s MAC (netlink state)")
        check(p["pci"] == v["pci"], f"vm{i}: placement names its VF's PCI address {v['pci']}")
        check(len(p["irqs"]) == 2, f"vm{i}: its VF's 2 IRQs reported")
        for irq in p["irqs"]:
            have = lab.irq_affinity(irq["irq"])
            check(have == p["cpus"] and not irq["managed"],
                  f"vm{i}: /proc/irq/{irq['irq']}/smp_affinity_list = {have} (its vCPUs' "
                  f"CPUs {p['cpus']})")
        xml = lab.ctl_json("domain-xml", f"vm{i}")["xml"]
        pins = re.findall(r"<vcpupin vcpu='(\d)' cpuset='([^']+)'/>", xml)
        check(sorted(pins) == [("0", p["cpus"]), ("1", p["cpus"])],
              f"vm{i}: live XML pins both vCPUs to {p['cpus']}: {pins}")
        check(f"<emulatorpin cpuset='{p['emulator_cpus']}'/>" in xml,
              f"vm{i}: live XML pins the emulator to {p['emulator_cpus']}")
        cfg = lab.ctl_json("domain-xml", f"vm{i}", "--inactive")["xml"]
        dom, bus, slot, fn = re.match(r"(\w+):(\w+):(\w+)\.(\w)", p["pci"]).groups()
        iface = re.search(r"<interface type='hostdev' managed='yes'>.*?</interface>", cfg, re.S)
        check(iface and f"<mac address='{vm_mac(i)}'/>" in iface.group(0) and
              f"bus='0x{bus}' slot='0x{slot}' function='0x{fn}'" in iface.group(0),
              f"vm{i}: persistent config has the VF {p['pci']} as a managed hostdev interface "
              f"with its MAC")
    # Beside the control socket (/run/nfpath/irqbalance-banned by default).
    with open(os.path.join(lab.tmp, "irqbalance-banned")) as f:
        banned = sorted(int(x) for x in f.read().split() if x.isdigit())
    pinned = sorted(q["irq"] for i in range(1, 5) for q in pl[f"vm{i}"]["irqs"])
    check(banned == pinned, f"irqbalance-banned lists exactly the 8 pinned IRQs: {banned}")
    for i in (5, 6):
        p = pl[f"vm{i}"]
        check(p["vhost"] == f"net_vhost_vm{i}" and p["vhost_socket"],
              f"vm{i}: vhost-user port {p['vhost']} at {p['vhost_socket']}")
        check(p["steering"]["mac"] == vm_mac(i) and p["steering"]["path"] in
              ("hardware", "software"), f"vm{i}: MAC steered ({p['steering']['path']})")
        xml = lab.ctl_json("domain-xml", f"vm{i}")["xml"]
        check("<vcpupin vcpu='0'" in xml, f"vm{i}: pinned too")
        cfg = lab.ctl_json("domain-xml", f"vm{i}", "--inactive")["xml"]
        iface = re.search(r"<interface type='vhostuser'>.*?</interface>", cfg, re.S)
        check(iface and f"<mac address='{vm_mac(i)}'/>" in iface.group(0) and
              f"path='{p['vhost_socket']}'" in iface.group(0) and "<access mode='shared'/>" in cfg,
              f"vm{i}: persistent config has a vhost-user interface on {p['vhost_socket']} and "
              f"shared memory")
    ds = lab.dp_state()
    check(ds["nfs"] == ["counter", "fw"], f"datapath: NF slots {ds['nfs']}")
    check("net_vhost_vm5" in ds["ports"] and "net_vhost_vm6" in ds["ports"],
          f"datapath: vhost-user ports {ds['ports']}")
    check_vm_ports(lab, "")
    macs = sorted(f[0] for f in ds["flows"])
    check(macs == ["02:00:00:00:5e:01", vm_mac(5), vm_mac(6)],
          f"datapath: steering for vm5, vm6 and the chain's MAC: {macs}")
    web = [c for c in st["chains"] if c["name"] == "web"][0]
    check([h.get("nf") or h.get("port") for h in web["hops"]] == ["fw", "counter", "net_ring0"],
          f"chain web: fw -> counter -> net_ring0 ({web['hops']})")
    check(any(c[0] == web["id"] and '"fw"' in c[1] for c in ds["chains"]),
          f"datapath has chain {web['id']} through the NFs")
    return st, ds


def main():
    dp_bin, nfpathd, nfpathctl, nfpath_vf = sys.argv[1:5]
    need_root_and_hugepages()
    tmp = tempfile.mkdtemp(prefix="nfpath-agent-apply-")
    lab = Lab(tmp, (dp_bin, nfpathd, nfpathctl, nfpath_vf))
    ok = False
    try:
        lab.start_dp("agent-apply1")
        with open(os.path.join(lab.pol, "10-node.json"), "w") as f:
            f.write(policy())
        lab.start_nfpathd()
        st, ds = first_converge(lab)

        # A second apply changes nothing.
        r = lab.ctl_json("apply")
        check(r["converged"] and r["changed"] == 0,
              f"nfpathctl apply again: converged, 0 changed ({r['changed']} changed)")
        check(lab.dp_state() == ds, "the datapath is exactly as before")

        # Drift: someone changes vm1's VF by hand; the next apply puts it back.
        vf1 = placements(st)["vm1"]["vf"]
        lab.vf_set(vf1, "mac", "02:11:11:11:11:11")
        r = lab.ctl_json("apply")
        check(r["converged"] and r["changed"] >= 1, f"drift healed: {r['changed']} changed")
        mac = {v["index"]: v for v in lab.vfs()["vfs"]}[vf1]["state"]["mac"]
        check(mac == vm_mac(1), f"VF {vf1} has vm1's MAC again ({mac})")

        # The datapath restarts: nfpathd notices and replays everything.
        check(lab.dp.stop() == 0, "nfpath-dp #1 stopped")
        lab.start_dp("agent-apply2")
        st2 = lab.wait_status(
            lambda s: s["apply"]["converged"] and s["datapath"]["connects"] >= 2,
            "nfpathd reconnects to the new datapath and converges")
        check(lab.dp_state() == ds, "replay: the new datapath has the same slots, ports, "
              "chains and flows")
        check_vm_ports(lab, "replay: ")

        # Policy edit: vm1 leaves. Its VF goes back to its original state; vm5 (allowed to
        # move) takes it, and its vhost-user port and steering go after the VF is up.
        write_over(os.path.join(lab.pol, "10-node.json"), policy(vms=[2, 3, 4, 5, 6]))
        st3 = lab.wait_status(
            lambda s: s["policy"]["workloads"] == 7 and s["apply"]["converged"] and
            placements(s).get("vm5", {}).get("place") == "vf",
            "vm1 removed, vm5 moved onto the freed VF")
        pl3 = placements(st3)
        check("vm1" not in pl3, "vm1 is gone from the placements")
        check(pl3["vm6"]["place"] == "software", "vm6 (no free VF left) stays on vhost-user")
        vfs3 = {v["index"]: v for v in lab.vfs()["vfs"]}
        check(vfs3[pl3["vm5"]["vf"]]["state"]["mac"] == vm_mac(5),
              f"vm5's MAC on VF {pl3['vm5']['vf']}")
        ds3 = lab.dp_state()
        check("net_vhost_vm5" not in ds3["ports"] and "net_vhost_vm6" in ds3["ports"],
              f"vm5's vhost-user port removed, vm6's kept: {ds3['ports']}")
        check(vm_mac(5) not in [f[0] for f in ds3["flows"]], "vm5's steering removed")
        cfg5 = lab.ctl_json("domain-xml", "vm5", "--inactive")["xml"]
        check("type='hostdev'" in cfg5 and "type='vhostuser'" not in cfg5,
              "vm5's domain: the vhost-user interface was replaced by the VF")
        cfg1 = lab.ctl_json("domain-xml", "vm1", "--inactive")["xml"]
        check("<interface" not in cfg1, "vm1's domain: its VF interface was removed")
        xml1 = lab.ctl_json("domain-xml", "vm1")["xml"]
        check(re.search(r"<vcpupin vcpu='0' cpuset='0-1'/>", xml1) or "vcpupin" not in xml1,
              "vm1 left the policy: its vCPUs may run on every CPU again")

        # Releasing everything restores every VF (journal), then a bad edit changes nothing.
        write_over(os.path.join(lab.pol, "10-node.json"), policy(vms=[], nfs=()))
        lab.wait_status(lambda s: s["policy"]["workloads"] == 0 and s["apply"]["converged"]
                        and not s["placements"], "an empty policy")
        vfs4 = lab.vfs()["vfs"]
        macs4 = [v["state"]["mac"] for v in vfs4]
        check(all(m == "00:00:00:00:00:00" for m in macs4),
              f"every VF has its original (zero) MAC again: {macs4}")
        ds4 = lab.dp_state()
        check(not ds4["flows"] and not ds4["nfs"] and
              not [p for p in ds4["ports"] if p.startswith("net_vhost")] and not ds4["chains"],
              f"the datapath has nothing of nfpathd's left: {ds4}")
        st4 = lab.status()
        check(st4["journal"]["vfs"] == 0, "the journal holds no VF originals any more")
        gen = st4["policy"]["generation"]
        write_over(os.path.join(lab.pol, "10-node.json"), "{ not json")
        lab.wait_status(lambda s: s["policy_rejected"] is not None, "the bad edit is rejected")
        st5 = lab.status()
        check(st5["policy"]["generation"] == gen and st5["policy"]["workloads"] == 0 and
              st5["apply"]["converged"], f"a bad edit keeps generation {gen} in force")
        check(lab.stop_nfpathd() == 0, "SIGTERM: nfpathd exits 0")
        ok = True
    finally:
        if not ok:
            lab.dump_log()
        lab.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    print("all nfpathd apply checks passed")


if __name__ == "__main__":
    main()
