#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Proof that the kernel lab catches a broken vf-manager: runs vfm-kernel-check-skip-zero (the
# check linked with VFM_FAULT_SKIP_ZERO: a non-zero VF count changed without writing 0 first)
# in the guest and passes only if the real kernel makes the check FAIL for that reason: run.sh
# exits 1 naming the program, and the check's lines for the non-zero count changes are
# 'not ok' with the kernel's EBUSY. A guest that panics, WARNs or hangs is not such a failure.
# Passes run.sh's 77 (no lab) through.
# Usage: expect-fault.sh RUN_SH RUN_SH_OPTIONS... PROGRAM
set -uo pipefail
run_sh=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$run_sh" "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 77 ] && exit 77
bad=0
expect() {
	if grep -q -- "$1" "$out"; then
		echo "expect-fault: ok: $2"
	else
		echo "expect-fault: FAIL: $2 (no line matching '$1')"
		bad=1
	fi
}
refuse() {
	if grep -q -- "$1" "$out"; then
		echo "expect-fault: FAIL: $2 ($(grep -m1 -- "$1" "$out"))"
		bad=1
	else
		echo "expect-fault: ok: $2"
	fi
}
expect '^# FAULT: linked with a vf-manager that changes a non-zero VF count' \
	"the program is the faulty build"
expect '^not ok [0-9]* - netdevsim: 4 -> 2 through vf-manager (0 first).*-16 .*EBUSY' \
	"netdevsim 4 -> 2 without 0 first fails with the kernel's EBUSY"
expect '^not ok [0-9]* - nvme: 2 -> 3 through vf-manager (0 first).*-16 .*EBUSY' \
	"nvme 2 -> 3 without 0 first fails with the kernel's EBUSY"
expect 'kernel-lab: FAIL: .*vfm-kernel-check-skip-zero exited with 1' \
	"run.sh names the failing check"
expect '0 passed, 1 failed, 0 skipped' "the summary counts the check as failed"
refuse '^kernel-lab: FAIL: \(the guest\|time-out\|QEMU exited\|lab set-up\|expected results\)' \
	"the guest itself did not fail (no panic, WARN, hang or set-up failure)"
if [ "$rc" -eq 1 ]; then
	echo "expect-fault: ok: run.sh exited 1"
else
	echo "expect-fault: FAIL: run.sh exited $rc, expected 1 (the broken backend went unnoticed)"
	bad=1
fi
exit $bad
