#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs test programs inside a real Debian kernel under QEMU (TCG), README.md in this folder.
#
# Usage: run.sh [--lab-dir DIR] [--timeout SECONDS] [--mem MIB] [--append KERNEL_ARGS]
#               [--with FILE]... PROGRAM...
#   --lab-dir  where prepare.sh keeps its cache (default ./kernel-lab; meson: the build directory)
#   --with     also copy FILE (and its shared libraries) into the guest at its host path, without
#              running it (a tool a test program calls, e.g. nfpath-vf)
#   --append   more kernel command line, e.g. 'loglevel=7' to see every kernel message
#
# prepare.sh builds (or takes from its cache) the kernel, netdevsim.ko and the initramfs; the
# guest gets 4 CPUs on two NUMA nodes, q35 with an Intel IOMMU, and an emulated NVMe SR-IOV PF
# behind a PCIe root port on an expander bridge of NUMA node 1. Its /init (guest-init.sh) loads
# psample, netdevsim, nvme and vfio-pci, creates netdevsim device 1, then runs every PROGRAM as
#     PROGRAM --netdevsim-pf IFNAME --nvme-pf PCI_ADDR
# The console streams here. Exit code: 0 when every program passed (or passed and some skipped),
# 77 when all skipped or the lab cannot be prepared here, 1 on a failure, kernel panic or time-out.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lab=${NFPATH_LAB_DIR:-$PWD/kernel-lab}
timeout_s=600
mem=2048
append=
with=()
while [ $# -gt 0 ]; do
	case $1 in
	--lab-dir) lab=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--with) with+=("$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option '$1' (see the usage at the top of $0)" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -eq 0 ]; then
	echo "run.sh: no program to run (usage: run.sh [--lab-dir DIR] [--timeout S] PROGRAM...)" >&2
	exit 2
fi

mkdir -p "$lab"
lab=$(cd "$lab" && pwd)
work=$(mktemp -d "$lab/run.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

rc=0
NFPATH_LAB_WITH="${with[*]}" bash "$here/prepare.sh" "$lab" "$work/programs.cpio" "$@" || rc=$?
[ $rc -eq 0 ] || exit $rc
# shellcheck disable=SC1091
. "$lab/lab.env"
# The kernel unpacks concatenated archives; an uncompressed one must start 4-byte aligned (zero
# bytes in between are skipped).
{
	cat "$INITRD_BASE"
	head -c $(((4 - $(stat -c %s "$INITRD_BASE") % 4) % 4)) /dev/zero
	cat "$work/programs.cpio"
} >"$work/initrd"

half=$((mem / 2))
# shellcheck disable=SC2054 # commas inside QEMU's option values
qemu_args=(
	-accel tcg -machine q35 -cpu max -m "$mem"
	# One socket per NUMA node (one socket across two nodes makes the kernel WARN at boot).
	-smp 4,sockets=2,cores=2,threads=1
	-object "memory-backend-ram,id=mem0,size=${half}M"
	-object "memory-backend-ram,id=mem1,size=$((mem - half))M"
	-numa node,nodeid=0,cpus=0-1,memdev=mem0
	-numa node,nodeid=1,cpus=2-3,memdev=mem1
	-device intel-iommu
	# PCIe expander bridge on NUMA node 1, a root port behind it, the NVMe SR-IOV PF in it.
	-device pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0
	-device pcie-root-port,id=rp1,bus=pxb1,chassis=1,slot=1
	-device nvme-subsys,id=nvmesubsys0,nqn=nfpath-lab
	-device "nvme,id=nvme0,serial=nfpathlab,subsys=nvmesubsys0,bus=rp1,sriov_max_vfs=4,sriov_vq_flexible=12,sriov_vi_flexible=8,max_ioqpairs=14,msix_qsize=11"
	-nic none -display none -monitor none -serial stdio -no-reboot
	-kernel "$KERNEL" -initrd "$work/initrd"
	-append "console=ttyS0 intel_iommu=on panic=1 oops=panic loglevel=4 rdinit=/init $append"
)

echo "kernel-lab: booting $KVER under QEMU TCG (time-out ${timeout_s} s)" >&2
t0=$(date +%s%N)
qrc=0
timeout -k 10 "$timeout_s" "$QEMU" "${qemu_args[@]}" </dev/null 2>&1 |
	tee "$work/console.log" || qrc=${PIPESTATUS[0]}
ds=$((($(date +%s%N) - t0) / 100000000))
secs=$((ds / 10)).$((ds % 10))
tr -d '\r' <"$work/console.log" >"$lab/last-console.log"
log=$lab/last-console.log

if grep -q 'Kernel panic' "$log"; then
	echo "kernel-lab: FAIL: the guest kernel panicked after $secs s (console: $log)" >&2
	exit 1
fi
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "kernel-lab: FAIL: time-out: no result after $timeout_s s, the guest hangs (console: $log; raise with --timeout)" >&2
	exit 1
fi
if [ "$qrc" -ne 0 ]; then
	echo "kernel-lab: FAIL: QEMU exited with $qrc after $secs s (console: $log)" >&2
	exit 1
fi
if reason=$(grep -m1 '^@@nfpath-lab: setup-failed' "$log"); then
	echo "kernel-lab: FAIL: lab set-up in the guest: ${reason#*setup-failed } (console: $log)" >&2
	exit 1
fi
if grep -q '^@@nfpath-lab: kernel-warning' "$log"; then
	echo "kernel-lab: FAIL: the guest kernel issued a WARNING (its trace is above; console: $log)" >&2
	exit 1
fi
if ! grep -q '^@@nfpath-lab: done' "$log"; then
	echo "kernel-lab: FAIL: the guest stopped before reporting all results (console: $log)" >&2
	exit 1
fi

pass=0 fail=0 skip=0
while read -r _ _ prc prog; do
	case $prc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)); echo "kernel-lab: skipped: $prog" >&2 ;;
	*) fail=$((fail + 1)); echo "kernel-lab: FAIL: $prog exited with $prc" >&2 ;;
	esac
done < <(grep '^@@nfpath-lab: result ' "$log")
total=$((pass + fail + skip))
echo "kernel-lab: $total program(s) in the guest: $pass passed, $fail failed, $skip skipped; boot to result $secs s" >&2
if [ "$total" -ne $# ]; then
	echo "kernel-lab: FAIL: expected results of $# program(s), got $total" >&2
	exit 1
fi
[ "$fail" -eq 0 ] || exit 1
[ "$pass" -gt 0 ] || exit 77
exit 0
