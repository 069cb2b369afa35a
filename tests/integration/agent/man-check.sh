#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Lints man pages with groff's warnings on: any warning fails the test.
# Usage: man-check.sh PAGE...   Exits 77 when groff is not installed.
set -uo pipefail
if ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: groff is not installed"
	exit 77
fi
rc=0
for page in "$@"; do
	out=$(groff -man -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: $page:"
		echo "$out"
		rc=1
	else
		echo "ok: $page"
	fi
done
exit $rc
