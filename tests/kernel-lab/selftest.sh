#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Self-test of the kernel lab's runner: one boot running a passing and a failing program. run.sh
# must stream both programs' output, name the failing one with its exit code and exit 1. Guards
# against a runner that passes whatever happens in the guest. Passes run.sh's 77 through.
# Usage: selftest.sh RUN_SH_OPTIONS...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$here/run.sh" "$@" "$here/selftest/pass.sh" "$here/selftest/fail.sh" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 77 ] && exit 77
bad=0
expect() {
	if grep -q -- "$1" "$out"; then
		echo "selftest: ok: $2"
	else
		echo "selftest: FAIL: $2 (no line matching '$1' in run.sh's output)"
		bad=1
	fi
}
expect '^selftest-mark: pass.sh ran with: --netdevsim-pf eth0 --nvme-pf 0000:' "pass.sh ran with the PF arguments, its output streamed"
expect '^selftest-mark: fail.sh ran' "fail.sh ran, its output streamed"
expect 'kernel-lab: FAIL: .*selftest/fail.sh exited with 3' "the failing program is named with its exit code"
expect '1 passed, 1 failed, 0 skipped' "the summary counts one pass and one failure"
if [ "$rc" -eq 1 ]; then
	echo "selftest: ok: run.sh exited 1"
else
	echo "selftest: FAIL: run.sh exited $rc, expected 1"
	bad=1
fi
exit $bad
