#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel lab's own check (README.md in this folder), run by the guest's /init under busybox sh:
# asserts that the guest offers real kernel SR-IOV, read back from what the kernel reports
# (sysfs, and netlink through iproute2's `ip -d link show`). It runs BEFORE vf-manager's
# vfm-kernel-check and uses the same arguments:
#   lab-check.sh [--netdevsim-pf IFNAME] [--nvme-pf PCI_ADDR] [--sysfs-root DIR] [--procfs-root DIR]
# Prints TAP; exits 0 when every check passed, 1 otherwise, 77 outside the lab.
nsim_if=
nvme_pf=
sys=/sys
while [ $# -gt 0 ]; do
	case $1 in
	--netdevsim-pf) nsim_if=$2; shift 2 ;;
	--nvme-pf) nvme_pf=$2; shift 2 ;;
	--sysfs-root) sys=$2; shift 2 ;;
	--procfs-root) shift 2 ;;
	*) echo "lab-check.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
if [ -z "$nsim_if" ] || [ -z "$nvme_pf" ]; then
	echo "lab-check.sh: SKIP: needs --netdevsim-pf and --nvme-pf (run it through run.sh)" >&2
	exit 77
fi
IP=/usr/bin/ip
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check DESCRIPTION COMMAND...: one TAP line from the command's exit status.
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
# sysfs_write FILE VALUE: like `echo VALUE > FILE`; the kernel's error text goes to $werr.
sysfs_write() {
	werr=$( (echo "$2" >"$1") 2>&1)
}
eq() { [ "$1" = "$2" ] || { echo "#   got '$1', expected '$2'"; return 1; }; }
contains() {
	case $1 in *"$2"*) return 0 ;; esac
	echo "#   '$2' not found in: $1"
	return 1
}
vf_line() { $IP -d link show dev "$nsim_if" | grep "^[[:space:]]*vf $1 "; }

# ---- netdevsim: netlink VF configuration on a real kernel.
nsim_dev=$sys/class/net/$nsim_if/device
numvfs=$nsim_dev/sriov_numvfs
check "netdevsim $nsim_if has sriov_numvfs ($(readlink -f "$nsim_dev"))" test -w "$numvfs"
check "netdevsim starts with 0 VFs" eq "$(cat "$numvfs")" 0
sysfs_write "$numvfs" 4
check "netdevsim: writing 4 to sriov_numvfs succeeds ($werr)" test -z "$werr"
check "netdevsim: sriov_numvfs reads back 4" eq "$(cat "$numvfs")" 4
check "netdevsim: ip -d link show lists 4 VFs" \
	eq "$($IP -d link show dev "$nsim_if" | grep -c '^[[:space:]]*vf [0-9]')" 4

for vf in 0 1 2 3; do
	mac=02:00:5e:00:01:1$vf
	vlan=$((100 + vf))
	qos=$((vf + 1))
	rate=$((100 * (vf + 1)))
	if [ $((vf % 2)) -eq 0 ]; then onoff=on; state=disable; else onoff=off; state=enable; fi
	check "netdevsim: ip link set vf $vf mac $mac vlan $vlan qos $qos spoofchk $onoff trust $onoff state $state max_tx_rate $rate" \
		$IP link set dev "$nsim_if" vf $vf mac $mac vlan $vlan qos $qos spoofchk $onoff \
		trust $onoff state $state max_tx_rate $rate
	line=$(vf_line $vf)
	echo "#   $line"
	check "netdevsim: vf $vf reads back mac $mac" contains "$line" "link/ether $mac"
	check "netdevsim: vf $vf reads back vlan $vlan qos $qos" contains "$line" "vlan $vlan, qos $qos"
	check "netdevsim: vf $vf reads back spoof checking $onoff" contains "$line" "spoof checking $onoff"
	check "netdevsim: vf $vf reads back link-state $state" contains "$line" "link-state $state"
	check "netdevsim: vf $vf reads back trust $onoff" contains "$line" "trust $onoff"
	check "netdevsim: vf $vf reads back max_tx_rate $rate" contains "$line" "max_tx_rate ${rate}Mbps"
done

before=$($IP -d link show dev "$nsim_if")
if $IP link set dev "$nsim_if" vf 4 mac 02:00:5e:00:01:99 2>/tmp/lab-check.err; then
	not_ok "netdevsim: vf 4 (out of range) is refused"
else
	ok "netdevsim: vf 4 (out of range) is refused: $(cat /tmp/lab-check.err)"
fi
check "netdevsim: the refused change left every VF as it was" eq "$($IP -d link show dev "$nsim_if")" "$before"

sysfs_write "$numvfs" 5
check "netdevsim: 4 -> 5 VFs is refused with EBUSY ($werr)" contains "$werr" "busy"
check "netdevsim: still 4 VFs after the refusal" eq "$(cat "$numvfs")" 4
sysfs_write "$numvfs" 0
check "netdevsim: writing 0 removes the VFs" eq "$(cat "$numvfs"):$($IP -d link show dev "$nsim_if" | grep -c '^[[:space:]]*vf [0-9]')" "0:0"
sysfs_write "$numvfs" 5
check "netdevsim: 0 -> 5 VFs (over max_vfs 4) is refused ($werr)" test -n "$werr"

# ---- NVMe SR-IOV PF: real PCI SR-IOV sysfs.
pf=$sys/bus/pci/devices/$nvme_pf
check "nvme PF $nvme_pf exists in sysfs" test -d "$pf"
check "nvme PF: numa_node is 1" eq "$(cat "$pf/numa_node")" 1
check "nvme PF: local_cpulist is node 1's CPUs" eq "$(cat "$pf/local_cpulist")" "$(cat "$sys/devices/system/node/node1/cpulist")"
check "nvme PF: sriov_totalvfs is 4" eq "$(cat "$pf/sriov_totalvfs")" 4
check "nvme PF: starts with 0 VFs" eq "$(cat "$pf/sriov_numvfs")" 0
check "nvme PF: is in an IOMMU group" test -e "$pf/iommu_group"

# MSI-X IRQs of the PF through real /proc/irq: nvme's admin queue vector is an ordinary IRQ, its
# I/O queue vectors are kernel-managed (pinning them answers EIO on 6.1).
irqs=$(ls "$pf/msi_irqs" 2>/dev/null | sort -n | tr '\n' ' ')
echo "#   MSI-X IRQs of $nvme_pf: $irqs"
set -- $irqs
check "nvme PF: msi_irqs lists at least 2 vectors" test $# -ge 2
check "nvme PF: every vector is MSI-X with a /proc/irq entry" \
	eq "$(for i in $irqs; do echo "$(cat "$pf/msi_irqs/$i"):$(test -d "/proc/irq/$i" && echo proc)"; done | sort -u)" "msix:proc"
admin=$1
node1=$(cat "$sys/devices/system/node/node1/cpulist")
sysfs_write "/proc/irq/$admin/smp_affinity_list" "$node1"
check "nvme PF: admin IRQ $admin pinned to node 1's CPUs $node1 ($werr)" eq "$(cat "/proc/irq/$admin/smp_affinity_list")" "$node1"
managed=$2
mbefore=$(cat "/proc/irq/$managed/smp_affinity_list")
target=0
[ "$mbefore" = 0 ] && target=1
sysfs_write "/proc/irq/$managed/smp_affinity_list" $target
check "nvme PF: managed I/O queue IRQ $managed refuses pinning with EIO ($werr)" contains "$werr" "Input/output error"
check "nvme PF: managed IRQ $managed keeps its affinity $mbefore" eq "$(cat "/proc/irq/$managed/smp_affinity_list")" "$mbefore"

sysfs_write "$pf/sriov_numvfs" 2
check "nvme PF: 0 -> 2 VFs succeeds ($werr)" test -z "$werr"
check "nvme PF: sriov_numvfs reads back 2" eq "$(cat "$pf/sriov_numvfs")" 2
check "nvme PF: virtfn0 and virtfn1 exist, virtfn2 does not" \
	eq "$(test -L "$pf/virtfn0" && test -L "$pf/virtfn1" && test ! -e "$pf/virtfn2" && echo yes)" yes
vf0=$(basename "$(readlink -f "$pf/virtfn0")")
vf1=$(basename "$(readlink -f "$pf/virtfn1")")
echo "#   VFs: $vf0 $vf1"
for vf in $vf0 $vf1; do
	check "nvme VF $vf: physfn points to $nvme_pf" eq "$(basename "$(readlink -f "$sys/bus/pci/devices/$vf/physfn")")" "$nvme_pf"
	check "nvme VF $vf: numa_node is 1" eq "$(cat "$sys/bus/pci/devices/$vf/numa_node")" 1
	check "nvme VF $vf: has its own IOMMU group" test -e "$sys/bus/pci/devices/$vf/iommu_group"
	check "nvme VF $vf: no driver (sriov_drivers_autoprobe 0)" test ! -e "$sys/bus/pci/devices/$vf/driver"
done
sysfs_write "$pf/sriov_numvfs" 3
check "nvme PF: 2 -> 3 VFs without writing 0 first is refused with EBUSY ($werr)" contains "$werr" "busy"
check "nvme PF: still 2 VFs after the refusal" eq "$(cat "$pf/sriov_numvfs")" 2

vfd=$sys/bus/pci/devices/$vf0
sysfs_write "$vfd/driver_override" vfio-pci
check "nvme VF $vf0: driver_override set to vfio-pci ($werr)" eq "$(cat "$vfd/driver_override")" vfio-pci
sysfs_write "$sys/bus/pci/drivers_probe" "$vf0"
check "nvme VF $vf0: drivers_probe binds it to vfio-pci ($werr)" eq "$(basename "$(readlink -f "$vfd/driver")")" vfio-pci
group=$(basename "$(readlink -f "$vfd/iommu_group")")
check "nvme VF $vf0: /dev/vfio/$group exists" test -c "/dev/vfio/$group"
sysfs_write "$sys/bus/pci/drivers/vfio-pci/unbind" "$vf0"
sysfs_write "$vfd/driver_override" ""
check "nvme VF $vf0: unbound from vfio-pci, override cleared" \
	eq "$(test -e "$vfd/driver" && echo bound):$(cat "$vfd/driver_override")" ":(null)"


# A VF with MSI-X IRQs of its own: its secondary controller gets 3 queues and 2 interrupts and is
# set online (lab-nvme-vf), then the nvme driver binds the VF: vector 0 (admin queue) is an
# ordinary IRQ, vector 1 (I/O queue) a kernel-managed one.
ctrl=/dev/$(ls "$pf/nvme" | head -n1)
out=$(lab-nvme-vf "$ctrl" online 1 3 2 2>&1)
check "nvme VF 1: secondary controller online with 3 queues, 2 interrupts ($out)" \
	contains "$(lab-nvme-vf "$ctrl" list)" "vfn 1 online nvq 3 nvi 2"
sysfs_write "$vfd/driver_override" nvme
sysfs_write "$sys/bus/pci/drivers_probe" "$vf0"
i=0
while [ $i -lt 50 ] && [ "$(ls "$vfd/msi_irqs" 2>/dev/null | wc -l)" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "nvme VF $vf0: bound to nvme ($werr)" eq "$(basename "$(readlink -f "$vfd/driver")")" nvme
virqs=$(ls "$vfd/msi_irqs" 2>/dev/null | sort -n | tr '\n' ' ')
echo "#   MSI-X IRQs of $vf0: $virqs"
grep -E "^ *($(echo $virqs | tr ' ' '|')):" /proc/interrupts | sed 's/^/#   /'
set -- $virqs
check "nvme VF $vf0: msi_irqs lists 2 vectors" test $# -eq 2
check "nvme VF $vf0: its vectors are MSI-X with /proc/irq entries" \
	eq "$(for i in $virqs; do echo "$(cat "$vfd/msi_irqs/$i"):$(test -d "/proc/irq/$i" && echo proc)"; done | sort -u)" "msix:proc"
sysfs_write "/proc/irq/$1/smp_affinity_list" "$node1"
check "nvme VF $vf0: admin IRQ $1 pinned to node 1's CPUs $node1 ($werr)" eq "$(cat "/proc/irq/$1/smp_affinity_list")" "$node1"
mbefore=$(cat "/proc/irq/$2/smp_affinity_list")
sysfs_write "/proc/irq/$2/smp_affinity_list" 0
check "nvme VF $vf0: managed I/O queue IRQ $2 refuses pinning with EIO ($werr)" contains "$werr" "Input/output error"
check "nvme VF $vf0: managed IRQ $2 keeps its affinity $mbefore" eq "$(cat "/proc/irq/$2/smp_affinity_list")" "$mbefore"
sysfs_write "$sys/bus/pci/drivers/nvme/unbind" "$vf0"
sysfs_write "$vfd/driver_override" ""
check "nvme VF $vf0: unbound from nvme, its IRQs are gone" \
	eq "$(test -e "$vfd/driver" && echo bound):$(ls "$vfd/msi_irqs" 2>/dev/null | wc -l)" ":0"

sysfs_write "$pf/sriov_numvfs" 0
check "nvme PF: 2 -> 0 VFs succeeds ($werr)" eq "$(cat "$pf/sriov_numvfs")" 0
check "nvme PF: virtfn links are gone" test ! -e "$pf/virtfn0"

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n checks failed"; exit 1; }
exit 0
