#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepares a Debian 12 machine to build, test and run nfpath. Idempotent; run as root.
#   - installs the Debian packages listed in scripts/debian-packages.txt
#   - reserves 2 MiB hugepages (NFPATH_HUGEPAGES, default 1024 = 2 GiB)
#   - mounts hugetlbfs at /dev/hugepages when nothing is mounted there
# Every step says what it did; a failed step is reported and makes the script exit non-zero.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pages=${NFPATH_HUGEPAGES:-1024}
failed=0

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: FAILED: %s\n' "$*" >&2; failed=1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: must run as root (it installs packages and reserves hugepages): sudo $0" >&2
	exit 1
fi

mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/debian-packages.txt" | grep -v '^$')
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#pkgs[@]} Debian packages already installed"
else
	say "installing ${#missing[@]} Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get update -qq; then
		fail "apt-get update (check the network and /etc/apt/sources.list)"
	elif ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/nfpath-apt.log 2>&1; then
		tail -20 /tmp/nfpath-apt.log >&2
		fail "apt-get install (full log in /tmp/nfpath-apt.log)"
	else
		say "installed: ${missing[*]}"
	fi
fi

hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ ! -w "$hp" ]; then
	fail "no 2 MiB hugepage support ($hp missing)"
else
	cur=$(cat "$hp")
	if [ "$cur" -ge "$pages" ]; then
		say "hugepages: $cur x 2 MiB already reserved (wanted $pages)"
	else
		echo "$pages" >"$hp" 2>/dev/null
		got=$(cat "$hp")
		if [ "$got" -ge "$pages" ]; then
			say "hugepages: reserved $got x 2 MiB"
		else
			fail "hugepages: asked for $pages x 2 MiB, the kernel gave $got (free memory is fragmented; reboot or lower NFPATH_HUGEPAGES)"
		fi
	fi
fi

if mountpoint -q /dev/hugepages 2>/dev/null || grep -qs ' hugetlbfs ' /proc/mounts; then
	say "hugetlbfs: already mounted ($(awk '$3=="hugetlbfs"{print $2}' /proc/mounts | paste -sd, -))"
else
	mkdir -p /dev/hugepages
	if mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages; then
		say "hugetlbfs: mounted at /dev/hugepages"
	else
		fail "hugetlbfs: mount at /dev/hugepages failed"
	fi
fi

# --- agent (policy language): JSON Schema validator for the policy examples -------------------
# ajv-cli (JSON Schema 2020-12) and ajv-formats from npm, under a prefix of their own
# (NFPATH_NPM_PREFIX, default /opt/nfpath/npm; the tests look for bin/ajv there, then in PATH).
# Node.js comes from Debian (nodejs, npm) unless a node/npm is already installed.
npm_prefix=${NFPATH_NPM_PREFIX:-/opt/nfpath/npm}
if [ -x "$npm_prefix/bin/ajv" ] && "$npm_prefix/bin/ajv" help >/dev/null 2>&1; then
	say "ajv-cli: already installed in $npm_prefix"
else
	if ! command -v npm >/dev/null 2>&1; then
		say "installing Debian packages nodejs npm (for ajv-cli)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm \
			>/tmp/nfpath-apt-npm.log 2>&1 || fail "apt-get install nodejs npm (log in /tmp/nfpath-apt-npm.log)"
	fi
	if command -v npm >/dev/null 2>&1; then
		if npm install --global --prefix "$npm_prefix" --no-audit --no-fund ajv-cli@5 ajv-formats@3 \
			>/tmp/nfpath-npm.log 2>&1 && [ -x "$npm_prefix/bin/ajv" ]; then
			say "ajv-cli: installed ajv-cli@5 and ajv-formats@3 in $npm_prefix"
		else
			tail -5 /tmp/nfpath-npm.log >&2
			fail "npm install ajv-cli ajv-formats (full log in /tmp/nfpath-npm.log)"
		fi
	fi
fi
# --- end agent block --------------------------------------------------------------------------

if [ "$failed" -ne 0 ]; then
	echo "setup: some steps failed (see above)" >&2
	exit 1
fi
say "done"
