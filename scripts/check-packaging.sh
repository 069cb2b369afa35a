#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every packaging check (packaging/README.md), run by scripts/test.sh:
#   1. the Debian packages build from a copy of the tree with packaging/debian/ as debian/
#      (dpkg-buildpackage -us -uc -b; DEB_BUILD_OPTIONS=nocheck: the suites need root)
#   2. their file lists match packaging/debian-files.txt ('later:' entries may be missing)
#   3. conffiles and maintainer scripts: group, tmpfiles, which unit is enabled, started,
#      restarted or left alone on upgrade
#   4. the systemd units: the properties the design relies on, then 'systemd-analyze verify'
#      on the units as packaged, which must print nothing
#   5. tmpfiles.d and sysusers.d entries applied to a scratch root
#   6. the default /etc/nfpath validates with the packaged nfpathctl
#   7. bash completion of nfpathctl and nfpath-vf, through bash-completion
#   8. the Kubernetes manifest: YAML parses, expected kinds and DaemonSet shape, and the
#      policies of its ConfigMap validate with nfpathctl laid out as Kubernetes mounts them
#   9. lintian: errors fail, warnings and infos are listed
# Prints each check as 'ok', 'FAIL' or 'note' and ends with one line
#   check-packaging: PASS (N checks, N notes)   or   check-packaging: FAIL (N of N checks failed)
# and exits 1 on failure (2 when a needed tool is missing: run scripts/setup.sh).
# NFPATH_PKG_KEEP=1 keeps the work directory (packages, logs, staged root) and prints its path.
# NFPATH_PKG_OUT=DIR copies the built .debs to DIR (scripts/test.sh: for the systemd suite).
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
checks=0 failures=0 notes=0

ok() { checks=$((checks + 1)); printf '  ok    %s\n' "$*"; }
bad() { checks=$((checks + 1)); failures=$((failures + 1)); printf '  FAIL  %s\n' "$*"; }
note() { notes=$((notes + 1)); printf '  note  %s\n' "$*"; }
step() { printf '\n--- %s\n' "$*"; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

missing=()
for tool in dpkg-buildpackage dh lintian systemd-analyze systemd-tmpfiles systemd-sysusers \
	python3 dpkg-deb dpkg-architecture; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# Debian's python3 with python3-yaml first (another python3 may come first in PATH).
python=""
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import yaml' 2>/dev/null; then
		python=$py
		break
	fi
done
[ -n "$python" ] || missing+=("python3-yaml")
[ -r /usr/share/bash-completion/bash_completion ] || missing+=("bash-completion")
if [ ${#missing[@]} -ne 0 ]; then
	echo "check-packaging: missing tools: ${missing[*]} (install them: sudo scripts/setup.sh)" >&2
	echo "check-packaging: FAIL (tools missing)"
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nfpath-pkg.XXXXXX")
finish() {
	if [ "${NFPATH_PKG_KEEP:-0}" = 1 ] || [ "$failures" -ne 0 ]; then
		echo "check-packaging: work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap finish EXIT

# ---------------------------------------------------------------------------------------------
step "1. Debian packages: dpkg-buildpackage -us -uc -b from a copy of the tree"
mkdir -p "$work/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked and new (not ignored) files, as they are in the work tree.
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
	tar -C "$src" --exclude='./build*' --exclude='./debian' -cf - . | tar -xf - -C "$work/src"
fi
rm -rf "$work/src/debian"
cp -a "$src/packaging/debian" "$work/src/debian"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
t0=$(date +%s)
if (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage built version $version in $(($(date +%s) - t0)) s (log: build.log)"
else
	tail -40 "$work/build.log"
	bad "dpkg-buildpackage failed (last lines above; whole log: $work/build.log)"
	echo
	echo "check-packaging: FAIL ($failures of $checks checks failed)"
	exit 1
fi
nwarn=$(grep -c ': warning: ' "$work/build.log" || true)
if [ "$nwarn" -eq 0 ]; then
	ok "no compiler warnings with Debian's build flags (hardening=+all)"
else
	grep ': warning: ' "$work/build.log" | sort -u | head -20
	note "$nwarn compiler warnings with Debian's build flags (above; -Werror is off in the package build)"
fi

declare -A deb
for p in nfpath libnfpath0 libnfpath-dev; do
	deb[$p]="$work/${p}_${version}_${arch}.deb"
	check "package $p built" test -f "${deb[$p]}"
done
if [ -n "${NFPATH_PKG_OUT:-}" ]; then
	mkdir -p "$NFPATH_PKG_OUT"
	rm -f "$NFPATH_PKG_OUT"/*.deb
	check "packages copied to NFPATH_PKG_OUT=$NFPATH_PKG_OUT" cp "${deb[@]}" "$NFPATH_PKG_OUT/"
fi

# ---------------------------------------------------------------------------------------------
step "2. file lists against packaging/debian-files.txt"
declare -A listing
for p in "${!deb[@]}"; do
	[ -f "${deb[$p]}" ] || continue
	# Paths without './'; directories end in '/'; symlinks without their target.
	listing[$p]=$(dpkg-deb -c "${deb[$p]}" | awk '{ p = $6; sub(/^\.\//, "", p); if (p != "") print p }')
done
declare -A listed # "pkg path" -> 1 for every file matched by an entry
while read -r pkg pattern when; do
	case $pkg in '' | '#'*) continue ;; esac
	found=""
	while IFS= read -r f; do
		# shellcheck disable=SC2053 # $pattern is a glob on purpose
		if [[ $f == $pattern ]]; then
			found=$f
			listed["$pkg $f"]=1
		fi
	done <<<"${listing[$pkg]:-}"
	if [ -n "$found" ]; then
		ok "$pkg: /$found${when:+ ($when, now present)}"
	elif [[ $when == later:* ]]; then
		note "$pkg: /$pattern not there yet (comes with ${when#later:})"
	else
		bad "$pkg: /$pattern missing"
	fi
done <"$src/packaging/debian-files.txt"
for p in nfpath libnfpath0 libnfpath-dev; do
	extra=()
	while IFS= read -r f; do
		[[ -z $f || $f == */ ]] && continue
		[[ -n ${listed["$p $f"]:-} ]] && continue
		[[ $f == usr/share/doc/$p/* ]] && continue
		extra+=("/$f")
	done <<<"${listing[$p]:-}"
	if [ ${#extra[@]} -eq 0 ]; then
		ok "$p: no file beyond the list"
	elif [ "$p" = nfpath ]; then
		note "nfpath: files not in packaging/debian-files.txt (add them there): ${extra[*]}"
	else
		bad "$p: files that belong elsewhere: ${extra[*]}"
	fi
done
perm_bad=$(dpkg-deb -c "${deb[nfpath]}" | awk '$6 ~ /^\.\/usr\/s?bin\/./ && $1 !~ /^-rwxr-xr-x/ { print $6 }')
check "nfpath: every program in /usr/bin and /usr/sbin is mode 0755" test -z "$perm_bad"

# ---------------------------------------------------------------------------------------------
step "3. conffiles and maintainer scripts"
ctl="$work/control"
dpkg-deb -e "${deb[nfpath]}" "$ctl"
for f in /etc/nfpath/nfpathd.json /etc/default/nfpath-dp; do
	check "conffile $f" grep -qx "$f" "$ctl/conffiles"
done
check "postinst creates group nfpath (systemd-sysusers nfpath.conf)" \
	grep -q 'systemd-sysusers .*nfpath\.conf' "$ctl/postinst"
check "postinst creates /run/nfpath and /var/lib/nfpath (systemd-tmpfiles --create nfpath.conf)" \
	grep -q 'systemd-tmpfiles .*--create nfpath\.conf' "$ctl/postinst"
check "postinst enables nfpathd.service on installation" \
	grep -q "deb-systemd-helper enable 'nfpathd.service'" "$ctl/postinst"
check "postinst try-restarts nfpathd.service after an upgrade" \
	grep -q "deb-systemd-invoke try-restart 'nfpathd.service'" "$ctl/postinst"
check "postinst neither enables nfpath-dp.service by default nor starts it" \
	bash -c "grep -q \"deb-systemd-helper debian-installed 'nfpath-dp.service'\" '$ctl/postinst' &&
		! grep -E -q \"deb-systemd-invoke (start|restart|try-restart) .*nfpath-dp\" '$ctl/postinst'"
check "nothing stops nfpath-dp.service or nfpathd.service on upgrade (preinst)" \
	bash -c "! grep -q 'nfpath' '$ctl/preinst' 2>/dev/null"
check "prerm stops both units on removal only" \
	bash -c "grep -q '\"\$1\" = remove' '$ctl/prerm' &&
		grep -q 'deb-systemd-invoke stop nfpathd.service nfpath-dp.service' '$ctl/prerm'"

# ---------------------------------------------------------------------------------------------
step "4. systemd units"
root="$work/root"
mkdir -p "$root"
for p in nfpath libnfpath0; do dpkg-deb -x "${deb[$p]}" "$root"; done
unitdir="$root/lib/systemd/system"
for u in nfpathd.service nfpath-dp.service; do
	check "$u packaged unchanged from packaging/systemd/" \
		cmp -s "$src/packaging/systemd/$u" "$unitdir/$u"
done
# What the design relies on (packaging/README.md), so that an edit cannot drop it silently.
check "nfpathd: Type=notify, NotifyAccess=main" bash -c \
	"grep -qx 'Type=notify' '$unitdir/nfpathd.service' && grep -qx 'NotifyAccess=main' '$unitdir/nfpathd.service'"
check "nfpathd: WatchdogSec= and Restart=on-failure" bash -c \
	"grep -Eq '^WatchdogSec=[1-9]' '$unitdir/nfpathd.service' && grep -qx 'Restart=on-failure' '$unitdir/nfpathd.service'"
check "nfpathd: Before=libvirtd.service and libvirt-guests.service (VFs before VMs)" bash -c \
	"grep -E '^Before=' '$unitdir/nfpathd.service' | grep -q 'libvirtd.service' &&
	 grep -E '^Before=' '$unitdir/nfpathd.service' | grep -q 'libvirt-guests.service'"
check "nfpathd: Before=network-pre.target, Wants=network-pre.target" bash -c \
	"grep -E '^Before=' '$unitdir/nfpathd.service' | grep -q 'network-pre.target' &&
	 grep -qx 'Wants=network-pre.target' '$unitdir/nfpathd.service'"
check "nfpath-dp: no Requires/BindsTo/PartOf/Requisite on nfpathd (keeps forwarding)" bash -c \
	"! grep -E '^(Requires|BindsTo|PartOf|Requisite|Wants|PropagatesStopTo|StopPropagatedFrom)=' '$unitdir/nfpath-dp.service' | grep -q nfpathd &&
	 ! grep -E '^(BindsTo|PartOf|PropagatesReloadTo|PropagatesStopTo|StopPropagatedFrom)=' '$unitdir/nfpathd.service' | grep -q nfpath-dp"
check "nfpath-dp: RequiresMountsFor=/dev/hugepages, LimitMEMLOCK=infinity" bash -c \
	"grep -qx 'RequiresMountsFor=/dev/hugepages' '$unitdir/nfpath-dp.service' &&
	 grep -qx 'LimitMEMLOCK=infinity' '$unitdir/nfpath-dp.service'"
check "both: RuntimeDirectory=nfpath preserved (one unit's stop never removes the other's sockets)" \
	bash -c "for u in nfpathd nfpath-dp; do
		grep -qx 'RuntimeDirectory=nfpath' '$unitdir/'\$u.service &&
		grep -qx 'RuntimeDirectoryPreserve=yes' '$unitdir/'\$u.service || exit 1; done"

check "both: UnsetEnvironment=RUNTIME_DIRECTORY (DPDK's files in /run/dpdk/PREFIX for every process)" \
	bash -c "for u in nfpathd nfpath-dp; do
		grep -qx 'UnsetEnvironment=RUNTIME_DIRECTORY' '$unitdir/'\$u.service || exit 1; done"
check "nfpathd: KillMode=process (NFs it starts survive its restart), Delegate=yes (NF cgroups)" bash -c \
	"grep -qx 'KillMode=process' '$unitdir/nfpathd.service' && grep -qx 'Delegate=yes' '$unitdir/nfpathd.service'"
check "nfpathd: ExecReload= needs no /bin/kill (procps is not a dependency)" bash -c \
	"grep -q '^ExecReload=' '$unitdir/nfpathd.service' && ! grep -q '^ExecReload=.*/bin/kill' '$unitdir/nfpathd.service'"
pmds=$(dpkg-deb -f "${deb[nfpath]}" Depends)
pmd_missing=""
for p in librte-bus-pci23 librte-bus-vdev23 librte-mempool-ring23 librte-net-vhost23 \
	librte-net-af-packet23 librte-net-tap23 librte-net-ring23 librte-net-null23 librte-net-memif23; do
	[[ ", $pmds," == *", $p,"* || ", $pmds," == *", $p "* ]] || pmd_missing+=" $p"
done
check "nfpath Depends on the DPDK drivers nfpath-dp loads (plugins: shlibs cannot see them)${pmd_missing:+ (missing:$pmd_missing)}" \
	test -z "$pmd_missing"

# systemd-analyze verify checks ExecStart= binaries and Documentation= man pages on this
# machine: point them at the staged package instead of /usr. A program that is not in the
# package yet is replaced by a stand-in, and said so.
vdir="$work/units"
mkdir -p "$vdir" "$work/standin"
cp "$unitdir/nfpathd.service" "$unitdir/nfpath-dp.service" "$vdir/"
standins=()
mapfile -t progs < <(grep -Eho '/usr/s?bin/nf[a-z-]+' "$vdir"/*.service | sort -u)
for prog in "${progs[@]}"; do
	if [ -x "$root$prog" ]; then
		target="$root$prog"
	else
		target="$work/standin/${prog##*/}"
		printf '#!/bin/sh\nexit 0\n' >"$target"
		chmod 755 "$target"
		standins+=("$prog")
	fi
	sed -i "s|$prog\\b|$target|g" "$vdir"/*.service
done
if [ ${#standins[@]} -eq 0 ]; then
	ok "every ExecStart=/Condition program is in the package"
else
	note "not in the package yet, verified against an executable stand-in: ${standins[*]}"
fi
man_missing=()
mapfile -t refs < <(grep -Eho 'man:[a-z0-9.-]+\([0-9]\)' "$vdir"/*.service | sort -u)
for ref in "${refs[@]}"; do
	name=${ref#man:}
	sect=${name#*(}
	sect=${sect%)}
	name=${name%%(*}
	[ -f "$root/usr/share/man/man$sect/$name.$sect.gz" ] || man_missing+=("$name($sect)")
done
man_opt=(--man=yes)
if [ ${#man_missing[@]} -eq 0 ]; then
	ok "every Documentation= man page is in the package (verify checks them with man)"
else
	man_opt=(--man=no)
	note "Documentation= man pages not in the package yet (checked when they are): ${man_missing[*]}"
fi
if out=$(cd "$vdir" && MANPATH="$root/usr/share/man" \
	systemd-analyze verify "${man_opt[@]}" ./nfpathd.service ./nfpath-dp.service 2>&1) &&
	[ -z "$out" ]; then
	ok "systemd-analyze verify nfpathd.service nfpath-dp.service: no output"
else
	printf '%s\n' "$out"
	bad "systemd-analyze verify printed the above (any output fails)"
fi
# The boot ordering against Debian's real libvirt (and networkd) units (installed, or else fetched with
# 'apt-get download libvirt-daemon-system' and unpacked, not installed): systemd-analyze verify
# enqueues a start of each unit named and reports ordering cycles. Lines about libvirt's own
# programs being absent from this machine are expected and left out; anything else fails.
ldir="$work/units-libvirt"
mkdir -p "$ldir"
lsrc=""
if [ -f /lib/systemd/system/libvirtd.service ]; then
	lsrc="/lib/systemd/system (installed)"
elif (cd "$work" && apt-get download libvirt-daemon-system) >"$work/apt-download.log" 2>&1 &&
	dpkg-deb -x "$(ls "$work"/libvirt-daemon-system_*.deb)" "$work/libvirt-pkg"; then
	cp "$work/libvirt-pkg/lib/systemd/system/"* "$ldir/"
	lsrc="$(basename "$(ls "$work"/libvirt-daemon-system_*.deb)") (unpacked)"
fi
if [ -n "$lsrc" ]; then
	cp "$vdir"/*.service "$ldir/"
	# systemd-networkd (in Debian's systemd package) stands for the host's network set-up,
	# which network-pre.target orders after nfpathd.
	net=""
	[ -f /lib/systemd/system/systemd-networkd.service ] && net=systemd-networkd.service
	out=$(cd "$ldir" && SYSTEMD_UNIT_PATH="$ldir:" systemd-analyze verify --man=no \
		nfpathd.service nfpath-dp.service libvirtd.service libvirt-guests.service $net 2>&1 |
		grep -Ev '^(libvirtd|libvirt-guests|virtlogd|virtlockd)\.service: Command /usr/(s?bin|lib/libvirt)/[^ ]* is not executable')
	if [ -z "$out" ]; then
		ok "ordering with libvirtd.service, libvirt-guests.service from $lsrc${net:+ and $net}: no cycle, no complaint"
	else
		printf '%s\n' "$out"
		bad "systemd-analyze verify with the libvirt units printed the above"
	fi
else
	note "libvirt's units could not be had (apt-get download libvirt-daemon-system failed: $work/apt-download.log): ordering against them not verified"
fi
for u in nfpathd.service nfpath-dp.service; do
	level=$(systemd-analyze security --offline=yes --no-pager "$vdir/$u" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]* [A-Z]*\).*/\1/p')
	note "systemd-analyze security $u: exposure ${level:-unknown} (root with device, sysfs and network access by design; README)"
done

# ---------------------------------------------------------------------------------------------
step "5. tmpfiles.d and sysusers.d on a scratch root"
scratch="$work/scratch"
mkdir -p "$scratch/etc"
systemd-tmpfiles --root="$scratch" --create "$root/usr/lib/tmpfiles.d/nfpath.conf" >"$work/tmpfiles.log" 2>&1
trc=$?
owner=" root:root" fmt='%a %U:%G'
if [ "$(id -u)" -ne 0 ]; then
	# Not root: the directories are made, but cannot be given to root.
	owner="" fmt='%a'
	grep -q 'fchownat() .* Operation not permitted' "$work/tmpfiles.log" && [ "$trc" -eq 73 ] && trc=0
	note "not root: tmpfiles ownership (root:root) not checked, modes are"
fi
if [ "$trc" -eq 0 ]; then
	check "tmpfiles: /run/nfpath 0755$owner" \
		test "$(stat -c "$fmt" "$scratch/run/nfpath" 2>/dev/null)" = "755$owner"
	check "tmpfiles: /var/lib/nfpath 0750$owner" \
		test "$(stat -c "$fmt" "$scratch/var/lib/nfpath" 2>/dev/null)" = "750$owner"
else
	cat "$work/tmpfiles.log"
	bad "systemd-tmpfiles --create nfpath.conf failed"
fi
if systemd-sysusers --root="$scratch" "$root/usr/lib/sysusers.d/nfpath.conf" >"$work/sysusers.log" 2>&1; then
	check "sysusers: group nfpath created" grep -q '^nfpath:x:[0-9]*:' "$scratch/etc/group"
else
	cat "$work/sysusers.log"
	bad "systemd-sysusers nfpath.conf failed"
fi

# ---------------------------------------------------------------------------------------------
step "6. default configuration with the packaged nfpathctl"
export LD_LIBRARY_PATH="$root/usr/lib/$multiarch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nfpathctl="$root/usr/bin/nfpathctl"
check "/etc/nfpath/policies.d is an empty directory" \
	bash -c "[ -d '$root/etc/nfpath/policies.d' ] && [ -z \"\$(ls -A '$root/etc/nfpath/policies.d')\" ]"
if out=$("$nfpathctl" validate --settings "$root/etc/nfpath/nfpathd.json" "$root/etc/nfpath/policies.d" 2>&1); then
	ok "nfpathctl validate --settings /etc/nfpath/nfpathd.json /etc/nfpath/policies.d: $out"
else
	printf '%s\n' "$out"
	bad "the default /etc/nfpath does not validate"
fi

# ---------------------------------------------------------------------------------------------
step "7. bash completion"
for c in nfpathctl nfpath-vf; do
	check "completion $c: bash -n" bash -n "$root/usr/share/bash-completion/completions/$c"
done
fakesys="$work/fakesys"
mkdir -p "$fakesys/class/net/ens1f0/device" "$fakesys/class/net/eth0"
echo 8 >"$fakesys/class/net/ens1f0/device/sriov_totalvfs"
echo 4 >"$fakesys/class/net/ens1f0/device/sriov_numvfs"
# complete WORD...: the completions bash offers for the command line "WORD... " (last word
# being completed, possibly empty), one line, space separated, sorted.
complete_line() {
	PATH="$root/usr/bin:$PATH" bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$0/usr/share/bash-completion/completions/$1"
		COMP_WORDS=("${@:1}")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		fn=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " " -' "$root" "$@"
}
expect_completion() {
	local want=$1
	shift
	local got
	got=$(complete_line "$@")
	if [ "$got" = "$want" ]; then
		ok "complete '$*': $got"
	else
		bad "complete '$*': got '$got', want '$want'"
	fi
}
# nfpathctl reads its subcommands from 'nfpathctl --help': validate now, more later.
got=$(complete_line nfpathctl "")
if [[ " $got " == *" validate "* ]]; then ok "complete 'nfpathctl ': $got"; else bad "complete 'nfpathctl ': got '$got', want validate among them"; fi
expect_completion "--json --settings" nfpathctl validate --
expect_completion "bind list numvfs pin restore set" nfpath-vf ""
expect_completion "ens1f0" nfpath-vf --sysfs-root "$fakesys" set ""
expect_completion "0 1 2 3" nfpath-vf --sysfs-root "$fakesys" set ens1f0 ""
expect_completion "off on" nfpath-vf set ens1f0 0 spoofchk ""
expect_completion "mac max_rate min_rate proto qos spoofchk state trust vlan" nfpath-vf set ens1f0 0 trust on ""
expect_completion "kernel vfio-pci" nfpath-vf bind ens1f0 1 ""
expect_completion "--force" nfpath-vf numvfs ens1f0 4 --f
# nfpath-vf's grammar is written out in its completion: compare it with the packaged program.
if [ -x "$root/usr/sbin/nfpath-vf" ]; then
	usage=$("$root/usr/sbin/nfpath-vf" --help 2>&1)
	want_cmds=$(printf '%s\n' "$usage" | awk '/^Commands:/ { on = 1; next } /^[A-Z]/ { on = 0 }
		on && /^  [a-z]/ { print $1 }' | sort | paste -sd ' ' -)
	got_cmds=$(complete_line nfpath-vf "")
	if [ -n "$want_cmds" ] && [ "$got_cmds" = "$want_cmds" ]; then
		ok "nfpath-vf completion offers the commands of 'nfpath-vf --help': $want_cmds"
	else
		bad "nfpath-vf completion offers '$got_cmds', 'nfpath-vf --help' lists '$want_cmds'"
	fi
	want_opts=$(printf '%s\n' "$usage" | grep -o -- '--[a-z][a-z-]*' | sort -u | paste -sd ' ' -)
	got_opts=" $(complete_line nfpath-vf numvfs --) "
	lacking=""
	for o in $want_opts; do [[ $got_opts == *" $o "* ]] || lacking+=" $o"; done
	check "nfpath-vf completion offers every option of 'nfpath-vf --help'${lacking:+ (lacking:$lacking)}" \
		test -z "$lacking"
else
	note "nfpath-vf not in the package yet: its completion is not compared with its --help"
fi

# ---------------------------------------------------------------------------------------------
step "8. Kubernetes manifest packaging/kubernetes/nfpath-daemonset.yaml"
k8s="$work/k8s"
mkdir -p "$k8s"
if "$python" - "$src/packaging/kubernetes/nfpath-daemonset.yaml" "$k8s" >"$k8s/check.out" 2>&1 <<'PY'; then
import os, sys, yaml

path, out = sys.argv[1], sys.argv[2]
fails = 0
def check(what, cond):
    global fails
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        fails += 1

try:
    docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
except yaml.YAMLError as e:
    print("FAIL  YAML does not parse: " + " ".join(str(e).split()))
    sys.exit(1)
kinds = sorted(d.get("kind", "?") for d in docs)
check("YAML parses: %d documents, kinds %s" % (len(docs), ", ".join(kinds)),
      kinds == ["ConfigMap", "ConfigMap", "DaemonSet", "Namespace"])
ns = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
check("every object in namespace %s" % ns,
      all(d["metadata"].get("namespace") == ns[0] for d in docs if d["kind"] != "Namespace"))
cms = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
ds = next(d for d in docs if d["kind"] == "DaemonSet")
spec = ds["spec"]["template"]["spec"]
check("DaemonSet apiVersion apps/v1", ds.get("apiVersion") == "apps/v1")
sel = ds["spec"]["selector"]["matchLabels"]
labels = ds["spec"]["template"]["metadata"]["labels"]
check("selector matches the pod template's labels",
      all(labels.get(k) == v for k, v in sel.items()))
check("hostNetwork: true", spec.get("hostNetwork") is True)
ctrs = {c["name"]: c for c in spec["containers"]}
check("containers nfpathd and nfpath-dp", sorted(ctrs) == ["nfpath-dp", "nfpathd"])
for name, c in ctrs.items():
    check("%s is privileged" % name, c.get("securityContext", {}).get("privileged") is True)
vols = {v["name"]: v for v in spec["volumes"]}
def mounts(cname):
    return {m["mountPath"]: vols.get(m["name"]) for m in ctrs[cname].get("volumeMounts", [])}
def host(v):
    return (v or {}).get("hostPath", {}).get("path")
check("every volumeMount names a volume",
      all(m["name"] in vols for c in ctrs.values() for m in c.get("volumeMounts", [])))
res = ctrs["nfpath-dp"].get("resources", {})
hp = [k for k in res.get("limits", {}) if k.startswith("hugepages-")]
check("nfpath-dp: hugepages limits %s equal to requests" % hp,
      hp and all(res["limits"][k] == res.get("requests", {}).get(k) for k in hp))
check("nfpath-dp: host /dev/hugepages mounted", host(mounts("nfpath-dp").get("/dev/hugepages")) == "/dev/hugepages")
for cname in ctrs:
    check("%s: host /sys mounted at /sys" % cname, host(mounts(cname).get("/sys")) == "/sys")
    check("%s: host /run/nfpath shared" % cname, host(mounts(cname).get("/run/nfpath")) == "/run/nfpath")
pol = mounts("nfpathd").get("/etc/nfpath/policies.d") or {}
pol_cm = pol.get("configMap", {}).get("name")
check("nfpathd: ConfigMap %r mounted as /etc/nfpath/policies.d" % pol_cm, pol_cm in cms)
check("nfpathd: host /var/lib/nfpath (apply journal) mounted",
      host(mounts("nfpathd").get("/var/lib/nfpath")) == "/var/lib/nfpath")
# Every ConfigMap reference (volumes, env) names a ConfigMap and key of this file.
refs = [(v["configMap"]["name"], None) for v in vols.values() if "configMap" in v]
for c in ctrs.values():
    for e in c.get("env", []):
        r = e.get("valueFrom", {}).get("configMapKeyRef")
        if r:
            refs.append((r["name"], r["key"]))
    for m in c.get("volumeMounts", []):
        v = vols.get(m["name"], {})
        if "configMap" in v and m.get("subPath"):
            refs.append((v["configMap"]["name"], m["subPath"]))
check("ConfigMap references resolve: %s" % ", ".join("%s/%s" % (n, k or "*") for n, k in refs),
      all(n in cms and (k is None or k in cms[n]) for n, k in refs))

# The policy ConfigMap as the kubelet lays it out: files in a hidden timestamped directory,
# '..data' pointing at it, and each key a symlink through '..data'.
d = os.path.join(out, "policies.d")
ts = os.path.join(d, "..2026_01_01_00_00_00.000000000")
os.makedirs(ts)
for k, v in cms.get(pol_cm, {}).items():
    open(os.path.join(ts, k), "w").write(v)
os.symlink(os.path.basename(ts), os.path.join(d, "..data"))
for k in cms.get(pol_cm, {}):
    os.symlink(os.path.join("..data", k), os.path.join(d, k))
settings = mounts("nfpathd").get("/etc/nfpath/nfpathd.json") or {}
sname = settings.get("configMap", {}).get("name")
open(os.path.join(out, "nfpathd.json"), "w").write(cms.get(sname, {}).get("nfpathd.json", ""))
sys.exit(1 if fails else 0)
PY
	sed 's/^/  /' "$k8s/check.out"
	c=$(grep -c '^ok' "$k8s/check.out")
	checks=$((checks + c))
else
	sed 's/^/  /' "$k8s/check.out"
	c=$(grep -c '^ok' "$k8s/check.out" || true)
	f=$(grep -c '^FAIL' "$k8s/check.out" || true)
	[ "$f" -eq 0 ] && f=1 # it stopped before saying what failed
	checks=$((checks + c + f))
	failures=$((failures + f))
fi
out=""
if [ -d "$k8s/policies.d" ] &&
	out=$("$nfpathctl" validate --settings "$k8s/nfpathd.json" "$k8s/policies.d" 2>&1); then
	ok "the manifest's policies and settings validate, mounted as Kubernetes does (..data symlinks):"
	printf '%s\n' "$out" | sed "s|$k8s/|        |"
else
	printf '%s\n' "${out:-}"
	bad "the manifest's policies or settings do not validate with nfpathctl"
fi
note "not checked here: the manifest against a Kubernetes API server (no cluster in CI), the Containerfile (no container runtime)"

# ---------------------------------------------------------------------------------------------
step "9. lintian (errors fail; warnings and infos listed)"
changes="$work/nfpath_${version}_${arch}.changes"
lintian -I --fail-on error "$changes" >"$work/lintian.log" 2>&1
lrc=$?
grep -v 'running with root privileges' "$work/lintian.log" | sed 's/^/  /'
ne=$(grep -c '^E:' "$work/lintian.log" || true)
nw=$(grep -c '^W:' "$work/lintian.log" || true)
ni=$(grep -c '^I:' "$work/lintian.log" || true)
if [ "$lrc" -eq 0 ] && [ "$ne" -eq 0 ]; then
	ok "lintian: $ne errors, $nw warnings, $ni infos"
else
	bad "lintian: $ne errors, $nw warnings, $ni infos (exit $lrc)"
fi

echo
if [ "$failures" -eq 0 ]; then
	echo "check-packaging: PASS ($checks checks, $notes notes)"
else
	echo "check-packaging: FAIL ($failures of $checks checks failed)"
	exit 1
fi
