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

if [ "$failed" -ne 0 ]; then
	echo "setup: some steps failed (see above)" >&2
	exit 1
fi
say "done"
