#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepares the kernel lab (README.md in this folder) from Debian packages only:
#   - the kernel that linux-image-amd64 currently depends on (vmlinuz and a few modules),
#   - netdevsim.ko built out of tree from linux-source-6.1 of the SAME Debian version against the
#     matching linux-headers (Debian's kernel does not build netdevsim),
#   - a base initramfs: busybox-static, /usr/bin/ip from iproute2 with its shared libraries, the
#     modules (psample, netdevsim, nvme, vfio-pci and what they depend on; TC and tun modules the
#     steering check loads itself), the guest's /init and
#     /lab/bin/lab-nvme-vf (lab-nvme-vf.c, static).
# The expensive parts are cached under LAB_DIR/cache/<key>, the key being the package versions
# (the base initramfs also on iproute2's version and a hash of the lab's scripts): a second run
# takes seconds.
# With PROGRAM arguments it also writes OUT_CPIO: an uncompressed cpio archive, appended to the
# base initramfs at boot, holding those programs and their shared libraries at their host paths
# (so $ORIGIN run paths of uninstalled meson binaries still resolve) and /lab/programs.
#
# Usage: prepare.sh LAB_DIR [OUT_CPIO PROGRAM...]
# NFPATH_LAB_WITH="FILE..." adds more files to OUT_CPIO (with their libraries) that are not run.
# Writes LAB_DIR/lab.env (QEMU, KERNEL, INITRD_BASE, KVER). Exit 77 when the packages cannot be
# had (no root to install QEMU, no network, version mismatch), with the reason.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
say() { printf 'kernel-lab: %s\n' "$*" >&2; }
t_start=$(date +%s%N)
elapsed() {
	local ds=$((($(date +%s%N) - t_start) / 100000000))
	printf '%d.%d s' $((ds / 10)) $((ds % 10))
}
step() { say "[$1] (at $(elapsed)) ${*:2}"; }
skip() {
	say "SKIP: $*"
	exit 77
}
die() {
	say "ERROR: $*"
	exit 1
}

[ $# -ge 1 ] || die "usage: prepare.sh LAB_DIR [OUT_CPIO PROGRAM...]"
lab=$1
shift
mkdir -p "$lab"
lab=$(cd "$lab" && pwd)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		return 1
	fi
}

# --- host tools: QEMU and iproute2 are installed (QEMU needs many libraries); the kernel pieces
# and busybox are only downloaded and unpacked into the cache.
need_install=()
command -v qemu-system-x86_64 >/dev/null || need_install+=(qemu-system-x86)
[ -x /usr/bin/ip ] || need_install+=(iproute2)
if [ ${#need_install[@]} -gt 0 ]; then
	say "installing ${need_install[*]} (apt-get, once)"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${need_install[@]}" >&2 ||
		skip "cannot install ${need_install[*]} (needs root or passwordless sudo, and a Debian mirror)"
fi
for tool in apt-get apt-cache dpkg-deb make gcc gcc-12 ldd python3 flock; do
	command -v "$tool" >/dev/null || skip "host tool '$tool' is missing (scripts/setup.sh installs it)"
done

# --- versions: the kernel linux-image-amd64 depends on now, and the same version of the rest.
# Two apt-cache calls in all (each takes about a second on a cold package cache).
policy=$(apt-cache policy linux-image-amd64 busybox-static 2>/dev/null)
apt_candidate() { echo "$policy" | awk -v p="$1:" '$1 == p { f = 1 } f && /Candidate:/ { print $2; exit }'; }
meta_ver=$(apt_candidate linux-image-amd64)
[ -n "$meta_ver" ] && [ "$meta_ver" != "(none)" ] ||
	skip "apt knows no linux-image-amd64 (run apt-get update; is this Debian 12?)"
bb_ver=$(apt_candidate busybox-static)
[ -n "$bb_ver" ] && [ "$bb_ver" != "(none)" ] || skip "apt knows no busybox-static"
kseries=$(echo "$meta_ver" | cut -d. -f1-2)
show=$(apt-cache show "linux-image-amd64=$meta_ver" "linux-source-$kseries" 2>/dev/null || true)
image_pkg=$(echo "$show" | sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n1)
[ -n "$image_pkg" ] || skip "cannot tell which kernel linux-image-amd64 $meta_ver depends on"
kver=${image_pkg#linux-image-}
kflavourless=${kver%-amd64}
[ "$(echo "$kver" | cut -d. -f1-2)" = "$kseries" ] ||
	skip "kernel $kver is not of the series $kseries that linux-image-amd64 $meta_ver names"
src_ver=$(echo "$show" | awk -v p="linux-source-$kseries" '/^Package:/ { f = ($2 == p) } f && /^Version:/ { print $2 }' |
	grep -Fx "$meta_ver" || true)
[ -n "$src_ver" ] ||
	skip "linux-source-$kseries $meta_ver (same version as the kernel $kver) is not available from apt"
ip_ver=$(dpkg-query -W -f '${Version}' iproute2 2>/dev/null || echo unknown)
qemu_ver=$(qemu-system-x86_64 --version | head -n1)
script_hash=$(cat "$here/prepare.sh" "$here/guest-init.sh" "$here/lab-nvme-vf.c" | sha256sum | cut -c1-12)
key="$kver-$meta_ver-bb$bb_ver"
key=${key//[^A-Za-z0-9._+-]/_}
cache=$lab/cache/$key
say "kernel $kver (linux-image-amd64 $meta_ver), busybox-static $bb_ver, iproute2 $ip_ver, $qemu_ver"
say "cache: $cache"
mkdir -p "$cache"

# Concurrent meson tests share the cache: one preparer at a time.
exec 9>"$lab/cache/.lock"
flock 9

fetch() { # fetch PACKAGE=VERSION...: .deb files into $cache/debs
	mkdir -p "$cache/debs"
	(cd "$cache/debs" && apt-get download -q "$@" 2>&1 | grep -v 'unsandboxed as root' >&2) ||
		skip "apt-get download $* failed (no network or mirror?)"
}

# --- step 1: the kernel image and its modules.
if [ ! -e "$cache/image.done" ]; then
	step 1/5 "downloading and unpacking $image_pkg $meta_ver"
	fetch "$image_pkg=$meta_ver"
	rm -rf "$cache/image"
	dpkg-deb -x "$cache/debs/${image_pkg}_${meta_ver}_amd64.deb" "$cache/image"
	rm -f "$cache/debs/${image_pkg}_"*.deb
	touch "$cache/image.done"
else
	step 1/5 "kernel image: cached"
fi
kernel=$cache/image/boot/vmlinuz-$kver
moddir=$cache/image/lib/modules/$kver
[ -r "$kernel" ] || die "$kernel is missing from $image_pkg"

# --- step 2: netdevsim.ko, out of tree, against the matching headers.
if [ ! -e "$cache/netdevsim.done" ]; then
	step 2/5 "building netdevsim.ko from linux-source-$kseries $meta_ver against linux-headers-$kver"
	fetch "linux-headers-$kver=$meta_ver" "linux-headers-$kflavourless-common=$meta_ver" \
		"linux-kbuild-$kseries=$meta_ver" "linux-source-$kseries=$meta_ver"
	rm -rf "$cache/hdr" "$cache/netdevsim"
	for deb in "$cache/debs/linux-headers-"*.deb "$cache/debs/linux-kbuild-"*.deb; do
		dpkg-deb -x "$deb" "$cache/hdr"
	done
	hdir=$cache/hdr/usr/src/linux-headers-$kver
	# The headers' Makefile includes the common part by its absolute installed path.
	sed -i "s#^include /usr/src/#include $cache/hdr/usr/src/#" "$hdir/Makefile"
	# objtool links libelf; DPDK's packages bring it, a bare machine may not have it.
	if ldd "$cache/hdr/usr/lib/linux-kbuild-$kseries/tools/objtool/objtool" | grep -q 'libelf.*not found'; then
		say "      installing libelf1 for the kernel's objtool"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libelf1 >&2 ||
			skip "cannot install libelf1, which linux-kbuild-$kseries's objtool needs"
	fi
	say "      extracting drivers/net/netdevsim from linux-source-$kseries.tar.xz (stops after it)"
	mkdir -p "$cache/netdevsim"
	# The tarball is in path order: stop reading once past the folder, which saves about 40% of
	# the decompression (the whole tarball is 1.3 GB). python3 is there: meson runs on it.
	# shellcheck disable=SC2016
	dpkg-deb --fsys-tarfile "$cache/debs/linux-source-${kseries}_${meta_ver}_all.deb" 2>/dev/null |
		tar -xO "./usr/src/linux-source-$kseries.tar.xz" |
		python3 -c '
import sys, tarfile
prefix, dest, seen = sys.argv[1], sys.argv[2], False
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|xz") as t:
    for m in t:
        if m.name.startswith(prefix):
            seen = True
            m.name = m.name[len(prefix):]
            if m.name and m.isreg():
                t.extract(m, dest, set_attrs=False)
        elif seen:
            break
' "linux-source-$kseries/drivers/net/netdevsim/" "$cache/netdevsim" || true
	[ -r "$cache/netdevsim/Makefile" ] && [ -r "$cache/netdevsim/netdevsim.h" ] ||
		die "drivers/net/netdevsim not found in linux-source-$kseries.tar.xz"
	say "      make -C linux-headers-$kver M=.../netdevsim CONFIG_NETDEVSIM=m modules"
	make -s -C "$hdir" M="$cache/netdevsim" CONFIG_NETDEVSIM=m -j2 modules >&2 ||
		die "building netdevsim.ko failed (see above)"
	vermagic=$(tr '\0' '\n' <"$cache/netdevsim/netdevsim.ko" | sed -n 's/^vermagic=//p')
	case $vermagic in
	"$kver "*) ;;
	*) die "netdevsim.ko has vermagic '$vermagic', expected $kver" ;;
	esac
	rm -f "$cache/debs/"*.deb
	rm -rf "$cache/hdr"
	touch "$cache/netdevsim.done"
else
	step 2/5 "netdevsim.ko: cached"
fi

# --- step 3: busybox-static.
if [ ! -e "$cache/busybox.done" ]; then
	step 3/5 "downloading busybox-static $bb_ver"
	fetch "busybox-static=$bb_ver"
	rm -rf "$cache/bb"
	dpkg-deb -x "$cache/debs/"busybox-static_*.deb "$cache/bb"
	rm -f "$cache/debs/"busybox-static_*.deb
	touch "$cache/busybox.done"
else
	step 3/5 "busybox-static: cached"
fi
bb=$cache/bb/bin/busybox
[ -x "$bb" ] || die "$bb is missing from busybox-static"

# copy_with_libs STAGE FILE...: FILE and the shared libraries ldd names, at their host paths.
copy_with_libs() {
	local stage=$1 f lib
	shift
	for f in "$@"; do
		mkdir -p "$stage$(dirname "$f")"
		cp -L "$f" "$stage$f"
		# A script or a static binary has no libraries ("not a dynamic executable").
		while read -r lib; do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done < <(ldd "$f" 2>/dev/null | sed -n 's#.*=> \(/[^ ]*\) .*#\1#p; s#^[[:space:]]*\(/[^ ]*\) (0x.*#\1#p')
		if ldd "$f" 2>/dev/null | grep -q 'not found'; then
			die "$f: a shared library is missing on the host: $(ldd "$f" | grep 'not found' | head -n1)"
		fi
	done
}

# mkcpio DIR: newc archive of DIR on stdout (busybox cpio; the host need not have cpio).
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | "$bb" cpio -o -H newc 2>/dev/null); }

# --- step 4: the modules the guest loads, with everything they depend on.
base=$cache/base-ip$ip_ver-$script_hash.cpio.gz
if [ ! -e "$base" ]; then
	step 4/5 "assembling the base initramfs"
	stage=$cache/base-stage
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,lab,etc}
	cp "$bb" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$here/guest-init.sh" "$stage/init"
	chmod 755 "$stage/init"
	copy_with_libs "$stage" /usr/bin/ip
	mkdir -p "$stage/lab/bin"
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static \
		-o "$stage/lab/bin/lab-nvme-vf" "$here/lab-nvme-vf.c" || die "building lab-nvme-vf failed"
	touch "$stage/etc/passwd" "$stage/etc/group"

	declare -A modpath=() seen=()
	while read -r p; do
		n=${p##*/}
		n=${n%.ko}
		modpath[${n//-/_}]=$p
	done < <(cd "$moddir" && find kernel -name '*.ko')
	modpath[netdevsim]=extra/netdevsim.ko
	mkdir -p "$stage/lib/modules/$kver/extra"
	cp "$cache/netdevsim/netdevsim.ko" "$stage/lib/modules/$kver/extra/"
	cp "$moddir/modules.builtin" "$moddir/modules.order" "$stage/lib/modules/$kver/"
	order=()
	add_module() { # depth first: dependencies before the module
		local n=${1//-/_} p d deps
		[ -n "${seen[$n]:-}" ] && return 0
		seen[$n]=1
		p=${modpath[$n]:-}
		if [ -z "$p" ]; then
			# Built into the kernel: nothing to load.
			grep -q "/${1}.ko\$\|/${n}.ko\$" "$moddir/modules.builtin" && return 0
			die "module '$1' is neither a module nor built into $kver"
		fi
		if [ "$n" = netdevsim ]; then
			deps=$(tr '\0' '\n' <"$cache/netdevsim/netdevsim.ko" | sed -n 's/^depends=//p')
		else
			deps=$(tr '\0' '\n' <"$moddir/$p" | sed -n 's/^depends=//p')
			mkdir -p "$stage/lib/modules/$kver/$(dirname "$p")"
			cp "$moddir/$p" "$stage/lib/modules/$kver/$p"
		fi
		for d in ${deps//,/ }; do add_module "$d"; done
		order+=("$n")
	}
	for m in psample netdevsim nvme vfio_pci vfio_iommu_type1; do add_module "$m"; done
	printf '%s\n' "${order[@]}" >"$stage/lab/modules"
	say "      modules: ${order[*]}"
	# Modules the steering check (steer/) loads itself, in its own order: it must see a kernel
	# without sch_multiq first. In the archive, not loaded by /init.
	n_base=${#order[@]}
	for m in tun sch_multiq sch_ingress cls_flower act_skbedit act_gact act_mirred veth; do
		add_module "$m"
	done
	say "      modules on demand: ${order[*]:$n_base}"
	"$bb" depmod -b "$stage" "$kver" || die "busybox depmod failed"
	mkcpio "$stage" | gzip -1 >"$base.tmp"
	rm -f "$cache/"base-*.cpio.gz
	mv "$base.tmp" "$base"
	rm -rf "$stage"
else
	step 4/5 "base initramfs: cached"
fi

# Caches of other versions (an older kernel) are of no further use.
for old in "$lab/cache"/*/; do
	[ "${old%/}" = "$cache" ] && continue
	say "      removing the cache of other versions: $old"
	rm -rf "$old"
done

cat >"$lab/lab.env" <<EOF
KVER=$kver
KERNEL=$kernel
INITRD_BASE=$base
QEMU=$(command -v qemu-system-x86_64)
EOF

# --- step 5: the programs of this run.
if [ $# -ge 2 ]; then
	out=$1
	shift
	step 5/5 "adding the programs to test: $*"
	stage=$(mktemp -d "$lab/run-stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/lab"
	# The sanitizer settings of this run hold inside the guest too.
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		if [ -n "${!v:-}" ]; then printf 'export %s=%q\n' "$v" "${!v}" >>"$stage/lab/env"; fi
	done
	for prog in "$@"; do
		prog=$(realpath "$prog")
		[ -x "$prog" ] || die "$prog is not an executable file"
		copy_with_libs "$stage" "$prog"
		echo "$prog" >>"$stage/lab/programs"
	done
	for f in ${NFPATH_LAB_WITH:-}; do
		[ -r "$f" ] || die "--with $f: no such file"
		copy_with_libs "$stage" "$(realpath "$f")"
	done
	mkcpio "$stage" >"$out"
	say "      $(du -h "$out" | cut -f1) of programs and libraries"
else
	step 5/5 "no programs given"
fi
say "ready in $(elapsed)"
