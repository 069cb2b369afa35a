#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# /init of the kernel lab's guest (busybox sh, PID 1). Sets the lab up, runs every program listed
# in /lab/programs as
#     PROGRAM --netdevsim-pf IFNAME --nvme-pf PCI_ADDR
# and reports each result on the console as a line "@@nfpath-lab: result RC PROGRAM", which
# run.sh turns into the host's exit code. Lab set-up failures are reported as
# "@@nfpath-lab: setup-failed REASON", a kernel WARN as "@@nfpath-lab: kernel-warning". Always
# powers the guest off at the end.
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/lab/bin
export HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The root is already a writable tmpfs; no tmpfs over /tmp: the programs live at their host paths.
mount -t debugfs debugfs /sys/kernel/debug
# No ld.so.cache in the guest: say where Debian puts shared libraries.
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
[ -r /lab/env ] && . /lab/env

say() { echo "lab-guest: $*"; }
finish() {
	echo "@@nfpath-lab: done"
	sync
	poweroff -f
	sleep 30
}
setup_failed() {
	echo "@@nfpath-lab: setup-failed $*"
	finish
}

say "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, $(ls -d /sys/devices/system/node/node* | wc -l) NUMA nodes"
for m in $(cat /lab/modules); do
	modprobe "$m" || setup_failed "modprobe $m failed"
done
say "modules loaded: $(tr '\n' ' ' </lab/modules)"

# netdevsim: device 1 with one port; its VFs are limited by debugfs max_vfs (4 by default).
echo "1 1" >/sys/bus/netdevsim/new_device || setup_failed "netdevsim new_device failed"
nsim_if=
i=0
while [ -z "$nsim_if" ] && [ $i -lt 50 ]; do
	nsim_if=$(ls /sys/bus/netdevsim/devices/netdevsim1/net/ 2>/dev/null | head -n1)
	[ -n "$nsim_if" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$nsim_if" ] || setup_failed "netdevsim1 has no netdev after 5 s"
# netdevsim 6.1 has no sriov_totalvfs file: its limit is debugfs max_vfs.
max_vfs=$(cat /sys/kernel/debug/netdevsim/netdevsim1/max_vfs 2>/dev/null || echo 0)
[ "$max_vfs" -ge 4 ] || setup_failed "netdevsim1 allows $max_vfs VFs, the lab needs 4"
ip link set "$nsim_if" up || setup_failed "ip link set $nsim_if up failed"
say "netdevsim PF: $nsim_if (netdevsim1, max_vfs $max_vfs)"

# The emulated NVMe SR-IOV PF (QEMU: vendor 1b36, device 0010).
nvme_pf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1b36 ] && [ "$(cat "$d/device")" = 0x0010 ] &&
		[ -e "$d/sriov_totalvfs" ]; then
		nvme_pf=${d##*/}
		break
	fi
done
[ -n "$nvme_pf" ] || setup_failed "no NVMe SR-IOV PF on the PCI bus"
# VFs are for VMs here: do not let the nvme driver probe them when they appear.
echo 0 >"/sys/bus/pci/devices/$nvme_pf/sriov_drivers_autoprobe"
say "NVMe PF: $nvme_pf (numa_node $(cat /sys/bus/pci/devices/$nvme_pf/numa_node), sriov_totalvfs $(cat /sys/bus/pci/devices/$nvme_pf/sriov_totalvfs), driver $(basename "$(readlink /sys/bus/pci/devices/$nvme_pf/driver)"))"

[ -r /lab/programs ] || setup_failed "no /lab/programs: nothing to run"
cd /tmp || setup_failed "no /tmp in the initramfs"
while read -r prog; do
	say "running $prog --netdevsim-pf $nsim_if --nvme-pf $nvme_pf"
	"$prog" --netdevsim-pf "$nsim_if" --nvme-pf "$nvme_pf" </dev/null 2>&1
	echo "@@nfpath-lab: result $? $prog"
done </lab/programs
# A kernel WARN (taint flag W, 512) during the run is a failure too: show it.
if [ $(($(cat /proc/sys/kernel/tainted) & 512)) -ne 0 ]; then
	dmesg | grep -A 30 -- '-\[ cut here \]-'
	echo "@@nfpath-lab: kernel-warning"
fi
finish
