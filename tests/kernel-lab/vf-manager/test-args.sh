#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Argument handling of vfm-kernel-check, where no lab kernel runs: usage errors exit 2,
# a PF that does not exist gives TAP 'not ok' lines, a plan line, and exit 1.
set -u
bin=$1
fail=0
expect() {
	want=$1
	shift
	"$bin" "$@" >/tmp/vfm-kc-out.$$ 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "not ok - vfm-kernel-check $*: exit $got, want $want"
		sed 's/^/#   /' /tmp/vfm-kc-out.$$
		fail=1
	else
		echo "ok - vfm-kernel-check $*: exit $got"
	fi
}
expect 2
expect 2 --bogus
expect 2 --nvme-pf not-a-pci-address
expect 2 --netdevsim-pf a/b
expect 2 --netdevsim-pf eth0 extra
expect 0 --help
expect 1 --nvme-pf 0000:ff:1f.7
grep -q '^not ok [0-9]* - nvme: PF 0000:ff:1f.7 found' /tmp/vfm-kc-out.$$ || { echo "not ok - no TAP 'not ok' line"; fail=1; }
tail -n 1 /tmp/vfm-kc-out.$$ | grep -q '^1\.\.[0-9]*$' || { echo "not ok - no TAP plan line"; fail=1; }
expect 1 --netdevsim-pf vfmnosuch0 --sysfs-root /nonexistent
grep -q '^not ok [0-9]* - netdevsim: PF .vfmnosuch0. found' /tmp/vfm-kc-out.$$ || { echo "not ok - no TAP line for the missing netdevsim PF"; fail=1; }
rm -f /tmp/vfm-kc-out.$$
exit $fail
