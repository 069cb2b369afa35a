#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Makes (or finds in its cache) a minimal Debian root file system for the systemd suite
# (README.md in this folder): mmdebstrap --variant=minbase plus systemd, systemd-sysv, dbus and,
# for VARIANT 'libvirt', libvirt-daemon-system; apt sources are this machine's own, comments
# removed. Nothing of nfpath and none of its dependencies are in it: run.sh installs the
# project's .debs with apt, so that their declared Depends are what gets tested.
#
# The tree is cached under CACHE_DIR/<key>/root, the key being the candidate versions of those
# packages, the Debian release, a hash of the sources and of this script: a second run finds
# it in well under a second. Prints the root's path on stdout.
#
# Usage: prepare.sh CACHE_DIR base|libvirt
# Exit 77 (skip) when mmdebstrap or root is missing, 1 when the build fails.
set -euo pipefail

say() { printf 'systemd-suite: %s\n' "$*" >&2; }
skip() {
	say "SKIP: $*"
	exit 77
}
[ $# -eq 2 ] || {
	say "usage: prepare.sh CACHE_DIR base|libvirt"
	exit 2
}
cache_dir=$1 variant=$2
case $variant in
base) pkgs=(systemd systemd-sysv dbus) ;;
libvirt) pkgs=(systemd systemd-sysv dbus libvirt-daemon-system) ;;
*)
	say "unknown variant '$variant' (base or libvirt)"
	exit 2
	;;
esac
[ "$(id -u)" -eq 0 ] || skip "needs root (mmdebstrap --mode=root, systemd-nspawn)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is missing (scripts/setup.sh installs it)"

# The machine's own apt sources, one-line and deb822 files, comments and blank lines removed
# (deb822 stanzas keep their blank separator lines).
sources=$(
	{
		[ -f /etc/apt/sources.list ] && grep -Ev '^[[:space:]]*(#|$)' /etc/apt/sources.list
		for f in /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] && grep -Ev '^[[:space:]]*(#|$)' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] && grep -Ev '^[[:space:]]*#' "$f" && echo
		done
	} | cat -s
) || true
[ -n "$sources" ] || skip "no apt sources on this machine (/etc/apt/sources.list{,.d})"
. /etc/os-release
release=${VERSION_CODENAME:-bookworm}

policy=$(apt-cache policy "${pkgs[@]}" 2>/dev/null)
vers=""
for p in "${pkgs[@]}"; do
	v=$(echo "$policy" | awk -v p="$p:" '$1 == p { f = 1 } f && /Candidate:/ { print $2; exit }')
	[ -n "$v" ] && [ "$v" != "(none)" ] || skip "apt knows no $p (run apt-get update)"
	vers+="$p=$v "
done
hash=$(printf '%s\n%s\n' "$sources" "$(cat "$0")" | sha256sum | cut -c1-10)
key="$release-$variant-$(echo "$vers" | sha256sum | cut -c1-10)-$hash"
dir=$cache_dir/$key
mkdir -p "$cache_dir"
exec 9>"$cache_dir/.lock"
flock 9
if [ -e "$dir/done" ]; then
	say "rootfs $variant: cached ($dir; $vers)"
	echo "$dir/root"
	exit 0
fi
# Older trees of this variant are replaced.
for old in "$cache_dir/$release-$variant-"*; do
	[ -d "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
done
rm -rf "$dir"
mkdir -p "$dir"
say "rootfs $variant: mmdebstrap --variant=minbase --include=$(
	IFS=,
	echo "${pkgs[*]}"
) $release ($vers)"
t0=$(date +%s%N)
inc=$(
	IFS=,
	echo "${pkgs[*]}"
)
if ! printf '%s\n' "$sources" | mmdebstrap --variant=minbase --mode=root --format=directory \
	--include="$inc" --skip=cleanup/apt/lists "$release" "$dir/root" - >"$dir/mmdebstrap.log" 2>&1; then
	tail -20 "$dir/mmdebstrap.log" >&2
	say "mmdebstrap failed (log above; whole: $dir/mmdebstrap.log)"
	exit 1
fi
ms=$((($(date +%s%N) - t0) / 1000000))
# The container starts without a console login, networking or machine id prompts.
echo nfpath-systemd-suite >"$dir/root/etc/hostname"
: >"$dir/root/etc/machine-id"
for u in getty@tty1.service console-getty.service systemd-networkd.service \
	systemd-resolved.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer fstrim.timer; do
	ln -sf /dev/null "$dir/root/etc/systemd/system/$u"
done
echo "$vers" >"$dir/versions"
echo "$ms" >"$dir/build-ms"
touch "$dir/done"
say "rootfs $variant: built in $((ms / 1000)).$(((ms % 1000) / 100)) s ($dir)"
echo "$dir/root"
