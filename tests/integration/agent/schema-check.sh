#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks one JSON file against a JSON Schema (2020-12) with ajv-cli, the standard validator that
# scripts/setup.sh installs, and asserts the verdict.
# Usage: schema-check.sh SCHEMA FILE valid|invalid
# Exits 77 (skipped) when ajv-cli is not installed.
set -uo pipefail
schema=$1 file=$2 want=$3
ajv=
for cand in "${NFPATH_NPM_PREFIX:-/opt/nfpath/npm}/bin/ajv" "$(command -v ajv 2>/dev/null)"; do
	if [ -n "$cand" ] && [ -x "$cand" ]; then
		ajv=$cand
		break
	fi
done
if [ -z "$ajv" ]; then
	echo "SKIP: ajv-cli is not installed (scripts/setup.sh installs it into /opt/nfpath/npm)"
	exit 77
fi
out=$("$ajv" validate --spec=draft2020 --strict=true --strict-required=false --all-errors \
	-s "$schema" -d "$file" 2>&1)
rc=$?
echo "$out"
if [ $rc -gt 1 ] || grep -q "schema .* is invalid" <<<"$out"; then
	echo "FAIL: ajv could not use the schema (exit $rc)"
	exit 1
fi
case $want in
valid) [ $rc -eq 0 ] || { echo "FAIL: $file should match $schema"; exit 1; } ;;
invalid) [ $rc -eq 1 ] || { echo "FAIL: $file should not match $schema"; exit 1; } ;;
*) echo "usage: $0 SCHEMA FILE valid|invalid"; exit 2 ;;
esac
echo "OK: $file is $want against $(basename "$schema")"
