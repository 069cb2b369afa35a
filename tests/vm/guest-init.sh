#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# /init of the real-VM guests (busybox sh, PID 1), booted by libvirt + QEMU (TCG) with the kernel
# lab's kernel. Loads virtio-net, then configures each virtio NIC as it appears (the first at
# boot, later ones hot-plugged by a live attach) from the kernel command line:
#   nfpath.ip=ADDR/LEN       the first NIC's address (nfpath.ip1=... the second's, and so on)
#   nfpath.neigh=IP,MAC      optional static neighbours (';'-separated), for tests before ARP
# Reports on the serial console, one line each, for the host to wait on:
#   @@nfpath-vm: up IFNAME MAC ADDR         a NIC configured
#   @@nfpath-vm: ready                      the first NIC is up and the echo server runs
# Serves TCP port 7000 as an echo server (busybox nc -e cat) for byte-for-byte transfers.
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
IP=/usr/bin/ip

say() { echo "@@nfpath-vm: $*"; }
kver=$(uname -r)
for m in $(cat /lab/vm-modules); do
	insmod "/lib/modules/$kver/$m" || say "setup-failed insmod $m"
done

arg() { # arg NAME: the value of nfpath.NAME= on the kernel command line
	for w in $(cat /proc/cmdline); do
		case $w in "nfpath.$1="*) echo "${w#nfpath.$1=}" ;; esac
	done
}

$IP link set lo up
configured=" "
n=0
ready=0
while :; do
	for dev in /sys/class/net/*; do
		ifc=${dev##*/}
		[ "$ifc" = lo ] && continue
		case $configured in *" $ifc "*) continue ;; esac
		[ -e "$dev/device" ] || continue
		if [ "$n" -eq 0 ]; then addr=$(arg ip); else addr=$(arg "ip$n"); fi
		$IP link set "$ifc" up
		[ -n "$addr" ] && $IP addr add "$addr" dev "$ifc"
		say "up $ifc $(cat "$dev/address") ${addr:-none}"
		configured="$configured$ifc "
		n=$((n + 1))
	done
	if [ "$ready" -eq 0 ] && [ "$n" -gt 0 ]; then
		neigh=$(arg neigh)
		first=$(echo "$configured" | awk '{print $1}')
		for nb in $(echo "$neigh" | tr ';' ' '); do
			$IP neigh replace "${nb%,*}" lladdr "${nb#*,}" dev "$first" nud permanent
		done
		nc -ll -p 7000 -e /bin/cat &
		ready=1
		say "ready"
	fi
	sleep 0.5
done
