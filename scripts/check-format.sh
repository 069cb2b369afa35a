#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks that every tracked C source and header is formatted as .clang-format says.
# Usage: scripts/check-format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || { echo "check-format: no C files"; exit 0; }
if [ "${1:-}" = "--fix" ]; then
	clang-format -i "${files[@]}"
	echo "check-format: formatted ${#files[@]} files"
	exit 0
fi
bad=()
for f in "${files[@]}"; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "check-format: these files are not formatted (run scripts/check-format.sh --fix):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "check-format: ${#files[@]} files formatted"
