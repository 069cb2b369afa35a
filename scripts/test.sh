#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole test run, as CI does it (README: the second command). On a fresh Debian 12 machine:
#   1. scripts/setup.sh: packages, hugepages, hugetlbfs (needs root; uses sudo when not root)
#   2. formatting of every tracked C file
#   3. gcc build with AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors:
#      suites unit, integration, fuzz (corpus replay), simnic (the simulated NIC's packets)
#   4. clang build with warnings as errors and libFuzzer: bounded fuzzing runs (suite fuzz)
#   5. packaging checks (scripts/check-packaging.sh: .deb build, units, completion, manifest)
#   5a. suite systemd: those packages installed with apt into a minimal Debian root booted by
#       systemd-nspawn (tests/systemd/); its roots are cached under $root/gcc-asan
#   5b. the demo (scripts/demo.sh, plain gcc build): its demo-result line must say 4 VF and
#       2 software VM placements and every frame accounted for
#   6. suite kernel-lab (a real kernel under QEMU) unless NFPATH_SKIP_KERNEL_LAB=1
#   7. suite vm (real guests under libvirtd + QEMU, on nfpath-dp) unless NFPATH_SKIP_VM=1
# Ends with one line "tests: N passed, N failed, N skipped" over every suite run, after the
# names of the failed tests. A failed test fails the run: nothing is run again, except a test
# named in tests/quarantine.txt (each entry says why it is there and what would fix it), which
# is run once more alone and reported on a "quarantined" line whatever the second run gives.
# Environment: NFPATH_BUILD_ROOT (default ./build-test), NFPATH_SUITES (override step 3's suites).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${NFPATH_BUILD_ROOT:-build-test}
suites=${NFPATH_SUITES:-unit integration fuzz simnic}
passed=0 failed=0 skipped=0
failed_names=() quarantined_notes=()
# tests/quarantine.txt: "NAME | why it is quarantined | what would fix it", '#' comments.
mapfile -t quarantine < <(sed -e 's/#.*//' tests/quarantine.txt | awk -F'|' 'NF >= 3 {gsub(/[[:space:]]/, "", $1); print $1}')

step() { printf '\n=== %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
	bash scripts/setup.sh
else
	sudo bash scripts/setup.sh
fi

step "format"
bash scripts/check-format.sh

# summarize TESTLOG: prints "passed failed skipped name..." (the failed tests' names).
summarize() {
	python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
bad = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else:
        f += 1
        bad.append(t["name"].split(" / ")[-1])
print(p, f, s, " ".join(bad))
PY
}

in_quarantine() {
	local q
	for q in "${quarantine[@]}"; do [ "$q" = "$1" ] && return 0; done
	return 1
}

# meson_test DIR SUITE...: runs the suites, prints every test's output, adds up the results.
# A failed test counts as failed; only a quarantined one (tests/quarantine.txt) is run once
# more, alone, and named on the "quarantined" line with both results.
meson_test() {
	local dir=$1
	shift
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	if ! meson test -C "$dir" --list "${args[@]}" >/dev/null 2>&1; then
		echo "(no tests registered in suites: $*)"
		return 0
	fi
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --verbose --num-processes 1 "${args[@]}" || true
	local p f s names n p2 f2 s2 names2
	read -r p f s names < <(summarize "$dir/meson-logs/testlog.json")
	passed=$((passed + p)) skipped=$((skipped + s))
	for n in $names; do
		if ! in_quarantine "$n"; then
			failed=$((failed + 1)) failed_names+=("$n")
			continue
		fi
		step "quarantined test $n failed; running it once more, alone (tests/quarantine.txt)"
		cp "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog-first-$n.json"
		meson test -C "$dir" --print-errorlogs --verbose --num-processes 1 "$n" || true
		read -r p2 f2 s2 names2 < <(summarize "$dir/meson-logs/testlog.json")
		if [ "$p2" -eq 1 ]; then
			passed=$((passed + 1)) quarantined_notes+=("$n (failed, then passed alone)")
		else
			failed=$((failed + 1)) failed_names+=("$n")
			quarantined_notes+=("$n (failed twice)")
		fi
	done
}

step "gcc + ASan/UBSan build: suites $suites"
if [ ! -d "$root/gcc-asan" ]; then
	CC=gcc meson setup "$root/gcc-asan" -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false
fi
ninja -C "$root/gcc-asan"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# shellcheck disable=SC2086
meson_test "$root/gcc-asan" $suites

step "clang build (warnings as errors, libFuzzer)"
if [ ! -d "$root/clang" ]; then
	CC=clang meson setup "$root/clang" -Dwerror=true -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$root/clang"
meson_test "$root/clang" fuzz

step "packaging: Debian package, systemd units, completion, Kubernetes manifest"
case $root in /*) debs=$root/debs ;; *) debs=$(pwd)/$root/debs ;; esac
if NFPATH_PKG_OUT=$debs bash scripts/check-packaging.sh; then
	passed=$((passed + 1))
else
	failed=$((failed + 1)) failed_names+=(packaging)
fi

step "systemd suite: the packages under a real systemd (systemd-nspawn)"
NFPATH_DEBS=$debs meson_test "$root/gcc-asan" systemd

step "demo (README's first command, non-interactive, plain gcc build)"
# Its last line, demo-result: {...}, must say nfpathd converged, 4 VMs on VFs, 2 on vhost-user,
# every frame accounted for, also those sent to a VF-placed VM (some of them delivered).
# run_demo: runs the demo and checks its result line; returns non-zero on any failure.
run_demo() {
	local out
	out=$(mktemp)
	if NFPATH_BUILD="$root/gcc" bash scripts/demo.sh --seconds 2 2>&1 | tee "$out" &&
		python3 - "$out" <<'PY'; then
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("demo-result: ")]
if not lines:
    sys.exit("demo: no demo-result line in its output")
r = json.loads(lines[-1].split(": ", 1)[1])
bad = [f"{k} is {r.get(k)}, not {v}" for k, v in (("converged", True), ("vf", 4), ("software", 2),
                                                  ("unaccounted", 0), ("vf_unaccounted", 0))
       if r.get(k) != v]
if r.get("sent", 0) <= 0:
    bad.append("no frames were sent")
if r.get("vf_delivered", 0) <= 0:
    bad.append("no frames reached the VF-placed workload's netdev")
if bad:
    sys.exit("demo: result check failed: " + "; ".join(bad))
print(f"demo: result checked: {r['vf']} VF + {r['software']} software placements, "
      f"{r['sent']} frames sent, {r['delivered']} delivered, {r['unaccounted']} unaccounted; "
      f"to a VF: {r['vf_sent']} sent, {r['vf_delivered']} delivered")
PY
		rm -f "$out"
		return 0
	fi
	rm -f "$out"
	return 1
}
if run_demo; then
	passed=$((passed + 1))
else
	echo "demo: FAILED"
	failed=$((failed + 1)) failed_names+=(demo)
fi

if [ "${NFPATH_SKIP_KERNEL_LAB:-0}" != 1 ]; then
	step "kernel-lab suite (real kernel under QEMU)"
	meson_test "$root/gcc-asan" kernel-lab
fi

if [ "${NFPATH_SKIP_VM:-0}" != 1 ]; then
	# After kernel-lab: the guests boot its (cached) kernel. tests/vm/start-libvirtd.sh starts
	# libvirtd itself when nothing runs it.
	step "vm suite (real guests under libvirtd + QEMU)"
	meson_test "$root/gcc-asan" vm
fi

echo
if [ "${#quarantined_notes[@]}" -ne 0 ]; then
	echo "quarantined tests that failed (tests/quarantine.txt says why): ${quarantined_notes[*]}"
fi
if [ "${#failed_names[@]}" -ne 0 ]; then
	echo "failed tests: ${failed_names[*]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ]; then
	exit 1
fi
