#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A real guest on nfpath-dp's software path (root, hugepages, libvirtd + QEMU, else 77).

Real libvirtd (qemu:///system) boots a small guest under TCG (the kernel lab's Debian kernel,
tests/vm/guest-init.sh as /init) with a virtio-net NIC on a vhost-user port of nfpath-dp, whose
uplink is an af_packet port on a veth into a network namespace (the "wire", with a peer host).
Checked: the guest boots and configures its NIC; the peer and the guest exchange ping and a
64 KiB TCP transfer byte for byte (the guest echoes it); nfpath-dp's counters saw the guest's
frames both ways; 'virsh vcpupin' and 'emulatorpin' moved every QEMU thread (Cpus_allowed_list
of /proc/PID/task/*). Boot, first-reply and transfer times are printed.

No static neighbour and no flow for the peer: the guest and the peer resolve each other by ARP
(nfpath-dp floods the wire's broadcast to the VM port and sends the VM's broadcast and its
unknown unicast out of the uplink), and the VM port's spoof check is on.

usage: test_vm_boot.py NFPATH_DP LAB_DIR"""
import os
import random
import shutil
import socket  # noqa: F401  (used inside the namespace via python3 -c)
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "datapath"))
from dptest import Datapath, check, need_root_and_hugepages, skip  # noqa: E402

VM_MAC, PEER_MAC = "52:54:00:77:00:02", "02:00:00:77:00:01"


def sh(*cmd, check_rc=True, **kw):
    r = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if check_rc and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def virsh(*args, check_rc=True):
    return sh("virsh", "-c", "qemu:///system", *args, check_rc=check_rc)


def domain_xml(name, kernel, initrd, cmdline, sock, serial):
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <controller type='pci' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <interface type='vhostuser'>
      <mac address='{VM_MAC}'/>
      <source type='unix' path='{sock}' mode='client'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'><source path='{serial}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
"""


def wait_log(path, text, timeout, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with open(path, errors="replace") as f:
                data = f.read()
            if text in data:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.2)
    try:
        with open(path, errors="replace") as f:
            print("--- guest console (last 60 lines):\n" + "".join(f.readlines()[-60:]), flush=True)
    except OSError:
        print("--- no guest console output", flush=True)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def qemu_threads(name):
    with open(f"/run/libvirt/qemu/{name}.pid") as f:
        pid = int(f.read().strip())
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith("Cpus_allowed_list:"):
                    out[int(tid)] = line.split()[1]
    return pid, out


def main():
    dp_bin, lab = sys.argv[1], sys.argv[2]
    need_root_and_hugepages()
    r = subprocess.run(["bash", os.path.join(HERE, "prepare-guest.sh"), lab])
    if r.returncode == 77:
        skip("the guest kernel cannot be prepared here (see above)")
    check(r.returncode == 0, "guest prepared (prepare-guest.sh)")
    r = subprocess.run(["bash", os.path.join(HERE, "start-libvirtd.sh")])
    if r.returncode == 77:
        skip("no libvirtd/QEMU here (see above)")
    check(r.returncode == 0, "libvirtd answers on qemu:///system")
    env = dict(line.strip().split("=", 1) for line in open(os.path.join(lab, "vm.env")) if "=" in line)

    tag = f"{os.getpid() % 100000}"
    ns, host_if, peer_if = f"nfpvm{tag}", f"nfvu{tag}", f"nfvp{tag}"
    net = f"10.77.{os.getpid() % 200 + 20}"
    peer_ip, vm_ip = f"{net}.1", f"{net}.2"
    name = f"nfpath-vmtest-{tag}"
    work = tempfile.mkdtemp(prefix="nfpath-vm-")
    os.chmod(work, 0o755)
    serial = os.path.join(work, "console.log")
    # QEMU runs as libvirt-qemu and opens the console file: it exists and is QEMU's.
    open(serial, "w").close()
    try:
        import pwd
        q = pwd.getpwnam("libvirt-qemu")
        os.chown(serial, q.pw_uid, q.pw_gid)
    except KeyError:
        pass
    dp = None
    defined = False
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if)
        sh("ip", "link", "set", peer_if, "netns", ns)
        sh("ip", "-n", ns, "link", "set", peer_if, "address", PEER_MAC)
        sh("ip", "-n", ns, "addr", "add", f"{peer_ip}/24", "dev", peer_if)
        sh("ip", "-n", ns, "link", "set", peer_if, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "set", host_if, "up")
        # The veth would send checksum-partial frames that af_packet passes on unfixed and the
        # guest drops (LAB-NOTES): the wire side computes its checksums itself.
        sh("ip", "netns", "exec", ns, "ethtool", "-K", peer_if, "tx", "off", "tso", "off",
           "gso", "off", "sg", "off", check_rc=False)

        dp = Datapath(dp_bin, ["-p", f"net_af_packet0,iface={host_if}", "--lcores", "0@0,1@1",
                               "--idle-sleep", "50"], "vm")
        os.chmod(dp.dir, 0o711)  # QEMU (libvirt-qemu) reaches the vhost socket inside
        c = dp.client()
        # The VM's MAC on its port: floods reach it, its frames are checked against it.
        p = c.ok("vhost_add", name="vm1", mac=VM_MAC)
        sock = p["vhost_socket"]
        c.ok("chain_set", chain=1, hops=[{"port": "net_vhost_vm1"}])
        c.ok("flow_add", mac=VM_MAC, chain=1)

        cmdline = f"console=ttyS0 pci=nomsi quiet nfpath.ip={vm_ip}/24"
        xml = os.path.join(work, "domain.xml")
        with open(xml, "w") as f:
            f.write(domain_xml(name, env["KERNEL"], env["INITRD"], cmdline, sock, serial))
        virsh("define", xml)
        defined = True
        t_start = time.monotonic()
        virsh("start", name)
        boot = wait_log(serial, "@@nfpath-vm: ready", 180, "the guest's NIC to come up")
        print(f"guest up {boot:.1f} s after 'virsh start'", flush=True)

        t0 = time.monotonic()
        while True:
            r = sh("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", vm_ip,
                   check_rc=False)
            if r.returncode == 0:
                break
            if time.monotonic() - t0 > 60:
                raise AssertionError(f"no ping reply from the guest within 60 s: {r.stdout}")
        first = time.monotonic() - t_start
        print(f"first ping reply {first:.1f} s after 'virsh start'", flush=True)
        r = sh("ip", "netns", "exec", ns, "ping", "-c", "10", "-i", "0.2", "-W", "2", vm_ip,
               check_rc=False)
        check(" 0% packet loss" in r.stdout, "10 pings from the wire to the guest: 0% loss "
              f"({r.stdout.strip().splitlines()[-1]})")

        seed = int(os.environ.get("NFPATH_VM_SEED", str(random.randrange(1 << 30))))
        print(f"transfer seed {seed} (NFPATH_VM_SEED to repeat)", flush=True)
        prog = (
            "import random, socket, sys, time\n"
            f"data = random.Random({seed}).randbytes(65536)\n"
            f"s = socket.create_connection(('{vm_ip}', 7000), timeout=30)\n"
            "t0 = time.monotonic(); s.sendall(data); s.shutdown(socket.SHUT_WR)\n"
            "got = b''\n"
            "while True:\n"
            "    b = s.recv(65536)\n"
            "    if not b: break\n"
            "    got += b\n"
            "    if len(got) >= len(data): break\n"
            "print(len(got), got == data, round(time.monotonic() - t0, 3))\n")
        r = sh("ip", "netns", "exec", ns, "python3", "-c", prog, check_rc=False, timeout=90)
        out = r.stdout.split()
        check(r.returncode == 0 and len(out) == 3 and out[0] == "65536" and out[1] == "True",
              f"64 KiB through the guest's TCP echo, byte for byte ({r.stdout.strip()} "
              f"{r.stderr.strip()[-200:]})")

        r = sh("ip", "-n", ns, "neigh", "show", vm_ip)
        check(VM_MAC in r.stdout and "PERMANENT" not in r.stdout,
              f"the peer resolved the guest by ARP: {r.stdout.strip()}")
        st = c.ok("stats")
        ports = {x["name"]: x for x in st["ports"]}
        vp = ports["net_vhost_vm1"]
        check(vp.get("spoofed", 0) == 0, "no frame of the guest was taken for spoofed")
        check(vp["rx_pkts"] >= 11 + 40 and vp["tx_pkts"] >= 11 + 40,
              f"nfpath-dp's vhost port carried the guest's frames both ways "
              f"(rx {vp['rx_pkts']}, tx {vp['tx_pkts']})")

        virsh("vcpupin", name, "0", "1")
        virsh("emulatorpin", name, "1")
        pid, threads = qemu_threads(name)
        check(threads and all(v == "1" for v in threads.values()),
              f"vcpupin + emulatorpin: all {len(threads)} threads of QEMU {pid} on CPU 1 "
              f"({sorted(set(threads.values()))})")
        print("real VM checks passed", flush=True)
    finally:
        if defined:
            virsh("destroy", name, check_rc=False)
            virsh("undefine", name, check_rc=False)
        if dp:
            dp.stop()
        sh("ip", "link", "del", host_if, check_rc=False)
        sh("ip", "netns", "del", ns, check_rc=False)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
