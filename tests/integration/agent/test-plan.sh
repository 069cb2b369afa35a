#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration test of 'nfpathctl plan' and 'explain', the real binary on the policy examples and
# the example inventories: mixed-node.json (six VMs on 'auto') on a node with one NIC of four VFs
# gives four VF placements and two vhost-user fallbacks; the --json allocations fed back with
# --current give an empty plan; explain says why; bad inputs and usage errors exit 1 and 2.
# Usage: test-plan.sh NFPATHCTL EXAMPLES_DIR INVENTORY_DIR
set -uo pipefail
ctl=$1 examples=$2 inventories=$3
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
has() { # has NAME NEEDLE HAYSTACK
	if [[ "$3" != *"$2"* ]]; then
		echo "FAIL: $1: no '$2' in:"
		echo "$3"
		failures=$((failures + 1))
	else
		echo "ok: $1"
	fi
}

mixed=$examples/mixed-node.json
inv=$inventories/one-nic-4vfs.json

out=$("$ctl" plan --inventory "$inv" "$mixed")
check "plan mixed-node" 0 $?
echo "$out"
has "plan summary" "4 workloads on VFs, 2 on the software path, 0 unplaced" "$out"
has "vhost-user fallback vm5" "add vhost-user port 0 for VM 'vm5'" "$out"
has "vhost-user fallback vm6" "add vhost-user port 1 for VM 'vm6'" "$out"
has "IRQ pin" "pin the IRQs of VF ens1f0#3 (0000:3b:02.3)" "$out"

"$ctl" plan --json --inventory "$inv" "$mixed" >"$work/plan.json"
check "plan --json" 0 $?
counts=$(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
places = [d["place"] for d in p["decisions"]]
vfs = sorted(d["vf"] for d in p["decisions"] if d["place"] == "vf")
print(places.count("vf"), places.count("software"), places.count("unplaced"), vfs,
      sum(1 for a in p["actions"] if a["action"] == "add-vhost-port"))' "$work/plan.json")
has "json: 4 VFs, 2 software, VFs 0-3, 2 vhost ports" "4 2 0 [0, 1, 2, 3] 2" "$counts"

out=$("$ctl" plan --inventory "$inv" --current "$work/plan.json" "$mixed")
check "re-plan from the result" 0 $?
has "re-plan is empty" "plan: 0 actions; 4 workloads on VFs, 2 on the software path" "$out"

out=$("$ctl" explain vm5 --inventory "$inv" "$mixed")
check "explain vm5" 0 $?
echo "$out"
has "explain: fallback" "goes to the software path (vhost-user port 0)" "$out"
has "explain: what was tried" "tried:     VF: NIC 'uplink0' is at its max_vfs (4)" "$out"
out=$("$ctl" explain --json vm1 --inventory "$inv" "$mixed")
check "explain --json" 0 $?
place=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["place"], d["pf"], d["vf"], d["numa_node"])' "$out")
has "explain --json vm1" "vf ens1f0 0 0" "$place"

out=$("$ctl" plan --inventory "$inventories/two-numa-nodes.json" "$examples/numa-two-nodes.json")
check "plan numa-two-nodes" 0 $?
echo "$out"
has "two nodes: all placed" "2 workloads on VFs, 2 on the software path, 0 unplaced" "$out"
has "two nodes: db dedicated on node 0" "pin vCPUs of 'db' to CPUs 4-7 (dedicated, NUMA node 0)" "$out"
has "two nodes: lb on node 1" "pin the NF's cores of 'lb' to CPUs 18-19 (dedicated, NUMA node 1)" "$out"

# Node settings: their reserved_cpus are never handed out.
printf '{"reserved_cpus": "2"}\n' >"$work/nfpathd.json"
out=$("$ctl" explain vm1 --inventory "$inv" --settings "$work/nfpathd.json" "$mixed")
check "explain --settings" 0 $?
has "settings: reserved CPU 2 not used" "CPUs:      3,5-7" "$out"

# Errors.
"$ctl" explain nosuch --inventory "$inv" "$mixed" 2>"$work/err"
check "explain unknown workload" 1 $?
has "explain unknown: message" "no workload 'nosuch'" "$(cat "$work/err")"
printf '{"numa_nodes": [{"id": 0, "cpus": "0-3"}], "pfs": [{"name": "p", "total_vfs": "4"}]}\n' \
	>"$work/bad-inv.json"
"$ctl" plan --inventory "$work/bad-inv.json" "$mixed" 2>"$work/err"
check "bad inventory" 1 $?
has "bad inventory: diagnostic" "pfs[0].total_vfs: must be an integer" "$(cat "$work/err")"
"$ctl" plan --socket "$work/no-such.sock" "$mixed" 2>"$work/err"
check "plan without --inventory asks nfpathd; none runs" 1 $?
has "plan without nfpathd: says where it looked" "no-such.sock" "$(cat "$work/err")"
"$ctl" plan --inventory "$inv" 2>/dev/null
check "plan without policy" 2 $?
"$ctl" explain --inventory "$inv" 2>/dev/null
check "explain without name" 2 $?

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all ok"
