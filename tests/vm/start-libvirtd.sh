#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Makes sure a real libvirtd answers on qemu:///system, for the real-VM tests and the demo's
# --real-vms mode. Under systemd it starts the units; without systemd as PID 1 (a container,
# these CI machines) it starts virtlogd and libvirtd as daemons itself. Waits until
# 'virsh -c qemu:///system version' answers (about 8 s on a cold start here).
# Exit: 0 ready, 77 libvirt or QEMU is not installed (scripts/setup.sh installs them), 1 failed.
set -euo pipefail
say() { printf 'start-libvirtd: %s\n' "$*" >&2; }
uri=qemu:///system
for t in virsh libvirtd virtlogd qemu-system-x86_64; do
	command -v "$t" >/dev/null || { say "SKIP: $t is missing (apt-get install libvirt-daemon-system qemu-system-x86, or scripts/setup.sh)"; exit 77; }
done
if virsh -c "$uri" version >/dev/null 2>&1; then
	say "libvirtd already answers on $uri"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { say "SKIP: starting libvirtd needs root"; exit 77; }
t0=$(date +%s%N)
if [ -d /run/systemd/system ]; then
	systemctl start virtlogd.socket libvirtd.socket libvirtd.service
else
	pgrep -x virtlogd >/dev/null || virtlogd -d
	pgrep -x libvirtd >/dev/null || libvirtd -d
fi
for _ in $(seq 1 600); do
	if virsh -c "$uri" version >/dev/null 2>&1; then
		say "libvirtd answers on $uri after $((($(date +%s%N) - t0) / 1000000)) ms"
		exit 0
	fi
	sleep 0.1
done
say "ERROR: libvirtd started but did not answer on $uri within 60 s (see journalctl or /var/log/libvirt/libvirtd.log)"
exit 1
