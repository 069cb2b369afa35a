#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration test of 'nfpathctl validate', the real binary on real files: valid examples and
# a drop-in directory (exit 0, one summary line per file), a file with many mistakes (exit 1,
# every diagnostic exactly as in data/bad-many.expected), --json output, --settings, and usage
# errors (exit 2).
# Usage: test-validate.sh NFPATHCTL EXAMPLES_DIR DATA_DIR SETTINGS_DIR
set -uo pipefail
ctl=$1 examples=$2 data=$3 settings=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

check() { # check NAME WANT_RC GOT_RC
	if [ "$2" -ne "$3" ]; then
		echo "FAIL: $1: exit $3, wanted $2"
		failures=$((failures + 1))
	else
		echo "ok: $1"
	fi
}
same() { # same NAME WANT GOT
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1"
		diff <(echo "$2") <(echo "$3")
		failures=$((failures + 1))
	else
		echo "ok: $1"
	fi
}

# A valid example: exit 0 and a summary line.
out=$("$ctl" validate "$examples/chain-three-nfs.json")
check "valid example" 0 $?
same "valid summary" "$examples/chain-three-nfs.json: valid: 1 NIC, 3 workloads, 1 chain" "$out"

# A drop-in directory: files merged in name order; the workload file refers to the NIC file.
mkdir "$work/d"
printf '{"nics": [{"name": "n0", "pf": "ens1f0", "uplink": "net_tap0"}]}\n' >"$work/d/10-nics.json"
printf '{"workloads": [{"name": "fw", "type": "nf", "nic": "n0", "path": "software"}]}\n' \
	>"$work/d/20-nfs.json"
printf 'not json\n' >"$work/d/README"
out=$("$ctl" validate "$work/d")
check "drop-in directory" 0 $?
same "drop-in summary" "$work/d/10-nics.json: valid: 1 NIC, 0 workloads, 0 chains
$work/d/20-nfs.json: valid: 0 NICs, 1 workload, 0 chains" "$out"

# The same workload file alone: its NIC is unknown.
out=$("$ctl" validate "$work/d/20-nfs.json" 2>&1)
check "workload file without its NIC" 1 $?
same "unknown NIC" "$work/d/20-nfs.json:1:52: workloads[0].nic: 'n0' is not a NIC (declare it under nics or fix the name)
nfpathctl validate: 1 problem found; nothing was applied" "$out"

# Many mistakes: every one reported, with its line and column, in one run.
cp "$data/bad-many.json" "$work/bad.json"
out=$(cd "$work" && "$ctl" validate bad.json 2>&1)
check "bad file" 1 $?
same "bad file diagnostics" "$(sed 's|BAD|bad.json|g' "$data/bad-many.expected")" "$out"
out=$(cd "$work" && "$ctl" validate bad.json 2>/dev/null)
same "diagnostics go to stderr" "" "$out"

# --json: an array of {file,line,column,path,message}; [] when valid.
out=$(cd "$work" && "$ctl" validate --json bad.json)
check "bad file --json" 1 $?
python3 - "$out" <<'PY' || failures=$((failures + 1))
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 14, len(d)
assert d[1] == {"file": "bad.json", "line": 8, "column": 90, "path": "workloads[0].vlan",
                "message": "5000 is out of range (use 1-4094)"}, d[1]
assert all(set(x) == {"file", "line", "column", "path", "message"} for x in d)
print("ok: --json content")
PY
out=$("$ctl" validate "$examples/single-vm-vf.json" --json)
check "valid --json" 0 $?
same "valid --json is []" "[]" "$out"

# Syntax errors and duplicate keys.
printf '{"nics": [\n  {"name": "a", "name": "b"}\n]}\n' >"$work/dup.json"
out=$("$ctl" validate "$work/dup.json" 2>&1 | head -1)
same "duplicate key" "$work/dup.json:2:17: nics[0].name: duplicate key, first set at 2:4 (remove one)" "$out"
printf '{"nics": [}\n' >"$work/syntax.json"
"$ctl" validate "$work/syntax.json" >/dev/null 2>&1
check "syntax error" 1 $?
"$ctl" validate "$work/missing.json" >/dev/null 2>&1
check "missing file" 1 $?

# Node settings.
out=$("$ctl" validate --settings "$settings/nfpathd-sim.json")
check "settings" 0 $?
same "settings summary" "$settings/nfpathd-sim.json: valid: node settings" "$out"
printf '{"vf_backend": "sim"}\n' >"$work/s.json"
"$ctl" validate --settings "$work/s.json" "$examples/single-vm-vf.json" >/dev/null 2>&1
check "bad settings" 1 $?

# Usage errors exit 2; --help exits 0.
"$ctl" >/dev/null 2>&1
check "no command" 2 $?
"$ctl" frobnicate >/dev/null 2>&1
check "unknown command" 2 $?
"$ctl" validate >/dev/null 2>&1
check "validate without files" 2 $?
"$ctl" validate --bogus x.json >/dev/null 2>&1
check "unknown option" 2 $?
"$ctl" --help | grep -q '^  validate ' 
check "--help lists validate" 0 $?

if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
