#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on its embedded default (README: the first command), on any Debian 12 machine,
# no SR-IOV hardware needed. As root, driven by nfpathd and the demo policy
# (policies/examples/demo-node.json: 6 VMs on 'auto', a chain firewall -> lb -> counter):
#   1. a SIMULATED SR-IOV NIC, 4 VFs on NUMA node 0 (vf-manager's simulator: a sysfs-shaped
#      tree with a fake /proc/irq, not hardware), listed by nfpath-vf, with real netdevs: the
#      PF's (simnic0), one per VF (simnic0vN) and its cable (simnic0-cable), joined by the
#      simulator's embedded switch (nfpath-simnic switch), which forwards by MAC;
#   2. the policy checked and planned offline (nfpathctl validate, plan);
#   3. a libvirt node with 6 running VMs (the test driver: test:///.../libvirt-node.xml);
#   4. a network namespace holding the NIC's cable and an egress veth pair;
#   5. nfpath-dp (DPDK, real hugepages, net_af_packet on the PF's netdev and the egress veth);
#   6. nfpathd with the policy: it places the VMs (4 VFs, 2 vhost-user fallbacks), configures
#      the VFs, pins vCPUs/emulators (libvirt) and VF IRQs (fake /proc/irq), creates NF slots,
#      the chain and the steering; the demo waits until it reports the node converged;
#   7. the three NF processes, started by nfpathd as the policy's "exec" says, attached to the
#      slots it made (zero-copy, DPDK secondaries; nothing is started by hand);
#   8. real traffic on the cable to the service MAC for a few seconds, with a progress line
#      (the switch gives it to the PF: no VF claims that MAC), then to one VF-placed VM's MAC
#      (the switch delivers it on that VF's netdev, where the VM's device would get it);
#   9. a summary: placements (VF or software, and why), CPU and IRQ pins, steering (rte_flow or
#      software), per-NF counters, drops by reason, and whether every frame is accounted for;
#      its last line is machine-readable: demo-result: {"converged":true,"vf":4,"software":2,
#      ...,"unaccounted":0,"vf_sent":N,"vf_delivered":N,"vf_unaccounted":0}.
# Exit 0 only when nfpathd converged, every frame is accounted for, the VM placements are as
# expected and what nfpathd reports is on the node (VF MACs, IRQ files, vhost ports, flows).
# Everything it creates is removed at exit, also on Ctrl-C, unless --keep.
#
# usage: scripts/demo.sh [--keep] [--seconds N] [--rate PPS] [--expect-vf N]
#                        [--expect-software N] [--converge-timeout SEC]
#   --keep              leave everything running and print how to explore and stop it
#   --seconds N         traffic duration (default 5)     --rate PPS  frames/s (default 20000)
#   --expect-vf N       VMs that must get a VF (default 4)
#   --expect-software N VMs that must fall back to vhost-user (default 2)
#   --converge-timeout  seconds to wait for nfpathd to converge (default 30)
# Environment: NFPATH_BUILD (build directory, default ./build).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0 seconds=5 rate=20000 expect_vf=4 expect_sw=2 converge_timeout=30
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--seconds) seconds=$2; shift ;;
	--rate) rate=$2; shift ;;
	--expect-vf) expect_vf=$2; shift ;;
	--expect-software) expect_sw=$2; shift ;;
	--converge-timeout) converge_timeout=$2; shift ;;
	-h | --help) sed -n '3,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (hugepages, network namespaces): sudo $0" >&2
	exit 1
fi

build=${NFPATH_BUILD:-build}
policy=policies/examples/demo-node.json
sim_example=vf-manager/sim-example.json
inventory=policies/inventory/demo-simnic0.json
service_mac=02:00:00:00:5e:01
backends=02:00:00:00:b0:01,02:00:00:00:b0:02,02:00:00:00:b0:03

current_step="start"
step() {
	current_step=$*
	printf '\n== %s\n' "$*"
}
# fail MESSAGE [LOG...]: names the step, shows the end of each log, exits non-zero (cleanup runs).
fail() {
	local msg=$1
	shift
	for log in "$@"; do
		[ -s "$log" ] || continue
		echo "--- last lines of $log:" >&2
		tail -n 20 "$log" >&2
	done
	echo "demo: FAILED at step '$current_step': $msg" >&2
	exit 1
}

step "build ($build)"
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null || fail "the build failed (run: ninja -C $build)"
echo "built: nfpathd, nfpathctl, nfpath-dp, nfpath-vf, the example NFs"

tag=$$
work=$(mktemp -d /tmp/nfpath-demo.XXXXXX)
prefix=nfpath-demo-$tag
ns=nfpdemo$tag
# The uplink: the simulated PF's netdev, and in the namespace the NIC's cable (step 1).
up_host=simnic0 up_ns=simnic0-cable eg_host=nde$tag eg_ns=nse$tag
sim_nic=$work/simnic.json
dp_sock=$work/dp.sock
agent_sock=$work/nfpathd.sock
sysroot=$work/sys
pids=()

# The cleanup, also written to $work/stop.sh for --keep.
write_stop_script() {
	cat >"$work/stop.sh" <<EOF
#!/usr/bin/env bash
# Stops what scripts/demo.sh started (pids: ${pids[*]:-none}) and removes what it created.
# nfpathd first (it would restart its NFs), then the NFs it ran (they outlive it by design,
# its NF journal names them), then the rest.
if [ -n "${nfpathd_pid:-}" ]; then
	kill ${nfpathd_pid:-} 2>/dev/null
	for _ in \$(seq 50); do kill -0 ${nfpathd_pid:-} 2>/dev/null || break; sleep 0.1; done
fi
for p in \$(python3 -c 'import json,sys; print(" ".join(str(n["pid"]) for n in json.load(open(sys.argv[1]))["nfs"]))' $work/state/nfs.json 2>/dev/null); do
	kill "\$p" 2>/dev/null
done
for p in ${pids[*]:-}; do kill "\$p" 2>/dev/null; done
for _ in \$(seq 50); do
	alive=0
	for p in ${pids[*]:-}; do kill -0 "\$p" 2>/dev/null && alive=1; done
	[ \$alive = 0 ] && break
	sleep 0.1
done
ip link del $up_host 2>/dev/null
ip link del $eg_host 2>/dev/null
ip netns del $ns 2>/dev/null
"$build/vf-manager/nfpath-simnic" --sim $sim_nic --sysfs-root $sysroot destroy 2>/dev/null
rm -f /dev/hugepages/$prefix* 2>/dev/null
rm -rf /var/run/dpdk/$prefix $work
true
EOF
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	write_stop_script
	if [ "$keep" = 1 ] && [ "$rc" = 0 ]; then
		cat <<EOF

demo: --keep: everything is left running. Explore with:
  $build/agent/nfpathctl status --socket $agent_sock          (add --json for everything)
  $build/agent/nfpathctl vfs --socket $agent_sock
  $build/agent/nfpathctl stats --socket $agent_sock
  python3 scripts/dpctl.py $dp_sock flow_list      (also: nf_list, chain_list, port_list, stats)
  dpdk-telemetry.py -f $prefix      (then /nfpath/stats, /nfpath/flows, /nfpath/chains)
  cat $sysroot/proc/irq/*/smp_affinity_list     (the simulated NIC's IRQ pins)
  logs: $work/*.log
Stop it and remove everything with: bash $work/stop.sh
EOF
		return
	fi
	# nfpathd, then the NFs it ran (stop.sh), then the datapath (kill in reverse start order).
	if [ -n "${nfpathd_pid:-}" ]; then
		kill "$nfpathd_pid" 2>/dev/null || true
		wait "$nfpathd_pid" 2>/dev/null || true
	fi
	for p in $(python3 -c 'import json,sys; print(" ".join(str(n["pid"]) for n in json.load(open(sys.argv[1]))["nfs"]))' "$work/state/nfs.json" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	sleep 0.5
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	pids=()
	write_stop_script
	bash "$work/stop.sh"
	[ "$rc" = 0 ] || echo "demo: cleaned up after a failure (exit $rc)" >&2
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted" >&2; exit 130' INT TERM

dpctl() { python3 scripts/dpctl.py "$dp_sock" "$@"; }
ctl() { "$build/agent/nfpathctl" "$@"; }

step "1. a SIMULATED SR-IOV NIC (vf-manager's simulator: files in $sysroot, not hardware)"
# $sim_example with "netdevs": true: real veth netdevs for the PF, its VFs and its cable.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["netdevs"]=True; json.dump(d,open(sys.argv[2],"w"),indent=1)' \
	"$sim_example" "$sim_nic"
"$build/vf-manager/nfpath-vf" --sim "$sim_nic" --sysfs-root "$sysroot" --sim-reset list ||
	fail "nfpath-vf could not create or list the simulated NIC from $sim_nic"
"$build/vf-manager/nfpath-simnic" --sim "$sim_nic" --sysfs-root "$sysroot" switch \
	>"$work/simnic.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -f "$sysroot/nfpath-sim/switch/applied" ] && break; sleep 0.05; done
[ -f "$sysroot/nfpath-sim/switch/applied" ] || fail "the simulated NIC's switch did not start" \
	"$work/simnic.log"
echo "real netdevs: $up_host (the PF), $(cd /sys/class/net && echo simnic0v*) (VFs), $up_ns;" \
	"embedded switch: nfpath-simnic, pid $!"

step "2. the policy $policy: 6 VMs on 'auto', 3 NFs, chain firewall -> lb -> counter"
ctl validate "$policy" || fail "the demo policy is invalid"
echo "offline plan on the inventory $inventory (what nfpathd will do):"
ctl plan --inventory "$inventory" "$policy" >"$work/plan.txt" ||
	fail "nfpathctl plan failed" "$work/plan.txt"
grep -E 'add-vhost-port|set-chain|^plan:' "$work/plan.txt" | sed 's/^/  /'
mkdir -p "$work/policies.d" "$work/state"
# The demo's copy of the policy runs the NFs from this build tree (the example says where a
# package installs them), with the demo's rules file and the counter's dump in $work.
python3 - "$policy" "$work/policies.d/$(basename "$policy")" "$(realpath "$build")" \
	"$(realpath policies/demo)" "$work" <<'PY' || fail "cannot write the demo's policy copy"
import json, sys
src, dst, build, demo, work = sys.argv[1:6]
p = json.load(open(src))
for w in p.get("workloads", []):
    w["exec"] = [a.replace("/usr/bin/", build + "/guest-lib/examples/")
                 .replace("/usr/share/nfpath/demo/", demo + "/")
                 .replace("/run/nfpath/demo-flows.json", work + "/flows.json")
                 for a in w.get("exec", [])] or None
    if w["exec"] is None:
        del w["exec"]
json.dump(p, open(dst, "w"), indent=1)
PY

step "3. libvirt: a test-driver node with 6 running VMs (policies/demo/libvirt-node.xml)"
# The node's CPU count follows this machine's, so that pins to any of its CPUs are valid.
ncpu=$(nproc)
sed -e "s|<active>[0-9]*</active>|<active>$ncpu</active>|" \
	-e "s|<cores>[0-9]*</cores>|<cores>$ncpu</cores>|" policies/demo/libvirt-node.xml \
	>"$work/libvirt-node.xml"
libvirt_uri="test://$work/libvirt-node.xml"
echo "$libvirt_uri: $(grep -c '<domain ' "$work/libvirt-node.xml") domains, $ncpu CPUs;" \
	"nfpathd holds the only connection (the test driver keeps domains and pins in-process)"

step "4. network namespace '$ns': the NIC's cable $up_ns, egress $eg_host<->$eg_ns"
ip netns add "$ns" || fail "cannot create a network namespace"
ip link set "$up_ns" netns "$ns" || fail "cannot move the simulated NIC's cable $up_ns"
ip link add "$eg_host" type veth peer name "$eg_ns" || fail "cannot create veth pair $eg_host/$eg_ns"
ip link set "$eg_ns" netns "$ns"
sysctl -qw "net.ipv6.conf.$eg_host.disable_ipv6=1"
for p in "$up_ns" "$eg_ns"; do
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$p.disable_ipv6=1"
	ip netns exec "$ns" ip link set "$p" arp off multicast off up
done
ip link set "$eg_host" arp off multicast off up
echo "ok"

step "5. nfpath-dp: uplink net_af_packet0 ($up_host, the simulated PF), egress net_af_packet1 ($eg_host)"
# framecnt: a deep kernel ring (4096 frames, 200 ms at the default rate), because frames the
# kernel drops in an AF_PACKET ring are invisible to DPDK: on a busy machine a short stall of
# nfpath-dp would otherwise lose frames that nothing can count.
"$build/datapath/nfpath-dp" -p "net_af_packet0,iface=$up_host,qpairs=2,framecnt=4096" -q 2 \
	-p "net_af_packet1,iface=$eg_host" --lcores 0@0 --idle-sleep 50 --file-prefix "$prefix" \
	-s "$dp_sock" --vhost-dir "$work/vhost" >"$work/dp.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [ -S "$dp_sock" ] && break; sleep 0.05; done
[ -S "$dp_sock" ] || fail "nfpath-dp did not start" "$work/dp.log"
echo "nfpath-dp up (file prefix $prefix, control socket $dp_sock)"

step "6. nfpathd applies the policy (converge time-out ${converge_timeout}s)"
"$build/agent/nfpathd" --policy-dir "$work/policies.d" --state-dir "$work/state" \
	--control-socket "$agent_sock" --datapath-socket "$dp_sock" --libvirt-uri "$libvirt_uri" \
	--vf-backend sim --sim-nic-file "$sim_nic" --sysfs-root "$sysroot" \
	--procfs-root "$sysroot/proc" -v >"$work/nfpathd.log" 2>&1 &
pids+=($!)
nfpathd_pid=$!
# Poll 'nfpathctl status --json' until .apply.converged; 'legacy' when this nfpathd has no
# apply engine yet (its status has no "apply").
state=
deadline=$((SECONDS + converge_timeout))
while [ $SECONDS -lt $deadline ]; do
	kill -0 "$nfpathd_pid" 2>/dev/null || fail "nfpathd exited" "$work/nfpathd.log"
	if ctl status --json --socket "$agent_sock" >"$work/status.json" 2>/dev/null; then
		state=$(python3 - "$work/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
a = s.get("apply")
if not s.get("ready"):
    print("waiting")
elif a is None:
    print("legacy")
elif a.get("converged"):
    print("converged")
else:
    print("waiting")
PY
)
		[ "$state" = converged ] || [ "$state" = legacy ] && break
	fi
	sleep 0.2
done
case $state in
converged)
	python3 - "$work/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
a = s["apply"]
print(f"nfpathd converged after {a.get('applies')} apply runs (the last checked {a.get('checked')} "
      f"steps and changed {a.get('changed')})")
print(f"  {s.get('summary')}")
for n in a.get("notes") or []:
    print(f"  note: {n}")
PY
	;;
legacy)
	fail "this nfpathd does not apply plans (its status has no 'apply'): build it from a tree with nfpathd's apply engine" \
		"$work/nfpathd.log"
	;;
*)
	errors=$(python3 -c 'import json,sys; print("; ".join(json.load(open(sys.argv[1])).get("apply",{}).get("errors") or []) or "none reported")' \
		"$work/status.json" 2>/dev/null || echo "no status answer")
	fail "nfpathd did not converge within ${converge_timeout}s (apply errors: $errors)" \
		"$work/nfpathd.log"
	;;
esac

step "7. nfpathd starts the NF processes its policy declares (DPDK secondaries, zero-copy)"
# No NF is started here: each NF workload's "exec" says what nfpathd runs, once its slot exists,
# on its planned CPUs, with the EAL arguments filled in; their output is in nfpathd's log.
n_nfs=$(python3 -c 'import json,sys; print(sum(1 for w in json.load(open(sys.argv[1]))["workloads"] if w.get("exec")))' \
	"$work/policies.d/$(basename "$policy")")
[ "$n_nfs" -gt 0 ] || fail "the demo policy declares no NF to run (exec)"
n=0
for _ in $(seq 400); do
	n=$(dpctl nf_list | python3 -c 'import json,sys; print(sum(n["state"]=="attached" for n in json.load(sys.stdin)["result"]["nfs"]))')
	[ "$n" = "$n_nfs" ] && break
	sleep 0.05
done
ctl status --json --socket "$agent_sock" >"$work/status.json" ||
	fail "nfpathctl status failed" "$work/nfpathd.log"
python3 - "$work/status.json" <<'PY'
import json, sys
for n in json.load(open(sys.argv[1])).get("nfs") or []:
    print(f"  {n['name']}: {n['state']}, pid {n['pid']}, CPUs {n['cpus']}, lcore {n['lcore']}"
          + (f": {n['error']}" if n.get("error") else ""))
PY
[ "$n" = "$n_nfs" ] || fail "only $n of $n_nfs NFs attached" "$work/nfpathd.log" "$work/dp.log"
echo "all $n_nfs NFs started by nfpathd and attached"

step "8. traffic: ${seconds}s at $rate frames/s on the cable to $service_mac (40 flows)"
veth_rx0=$(cat "/sys/class/net/$up_host/statistics/rx_packets")
ip netns exec "$ns" python3 scripts/demo-traffic.py "$up_ns" "$service_mac" 40 "$seconds" \
	"$rate" "$dp_sock" >"$work/sent.json" || fail "the traffic generator failed"
sleep 0.5
echo $(($(cat "/sys/class/net/$up_host/statistics/rx_packets") - veth_rx0)) >"$work/veth_rx"
simnic_stats() {
	"$build/vf-manager/nfpath-simnic" --sim "$sim_nic" --sysfs-root "$sysroot" stats >"$1" ||
		fail "nfpath-simnic stats failed" "$work/simnic.log"
}
simnic_stats "$work/simnic-stats-main.txt"
# Then a VF-placed VM: its MAC (the policy's) on its VF (nfpathd's placement), whose netdev is
# the simulator's PFvN, bound to vfio-pci as a VM's device is.
ctl status --json --socket "$agent_sock" >"$work/status.json" ||
	fail "nfpathctl status failed" "$work/nfpathd.log"
read -r vf_vm vf_netdev vf_mac < <(python3 - "$work/status.json" "$work/policies.d" <<'PY'
import json, os, sys
macs = {w["name"]: w.get("mac") for f in os.listdir(sys.argv[2])
        for w in json.load(open(os.path.join(sys.argv[2], f))).get("workloads", [])}
for p in json.load(open(sys.argv[1])).get("placements") or []:
    if p.get("type") == "vm" and p.get("place") == "vf" and macs.get(p["workload"]):
        print(p["workload"], f"{p['pf']}v{p['vf']}", macs[p["workload"]])
        break
PY
)
[ -n "${vf_netdev:-}" ] || fail "no VM placed on a VF to send traffic to" "$work/nfpathd.log"
vf_count=$((seconds * 400))
echo "and $vf_count frames at 400/s on the cable to '$vf_vm' ($vf_mac, VF netdev $vf_netdev)"
python3 scripts/demo-vf-traffic.py "$ns" "$up_ns" "$vf_netdev" "$vf_mac" "$vf_count" 400 \
	>"$work/vf_sent.json" || fail "the VF traffic generator failed"
simnic_stats "$work/simnic-stats.txt"

step "9. summary"
ctl status --json --socket "$agent_sock" >"$work/status.json" ||
	fail "nfpathctl status failed" "$work/nfpathd.log"
"$build/vf-manager/nfpath-vf" --sim "$sim_nic" --sysfs-root "$sysroot" --procfs-root "$sysroot/proc" \
	--json list >"$work/vfs.json" || fail "nfpath-vf list failed"
for dom in vm1 vm2 vm3 vm4 vm5 vm6; do
	ctl domain-xml "$dom" --socket "$agent_sock" >"$work/domain-$dom.xml" ||
		fail "nfpathctl domain-xml $dom failed" "$work/nfpathd.log"
	ctl domain-xml "$dom" --inactive --socket "$agent_sock" >"$work/domain-$dom-inactive.xml" ||
		fail "nfpathctl domain-xml --inactive $dom failed" "$work/nfpathd.log"
done
dpctl nf_list >"$work/nf_list.json" || fail "nf_list failed" "$work/dp.log"
dpctl stats >"$work/stats.json" || fail "stats failed" "$work/dp.log"
dpctl flow_list >"$work/flow_list.json" || fail "flow_list failed" "$work/dp.log"
dpctl chain_list >"$work/chain_list.json" || fail "chain_list failed" "$work/dp.log"
if ! python3 - "$work" "$expect_vf" "$expect_sw" "$service_mac" "$sysroot/proc" "$vf_vm" <<'PY'
import json, os, sys
import xml.etree.ElementTree as ET
work, expect_vf, expect_sw, service_mac, procfs, vf_vm = sys.argv[1:7]
load = lambda name: json.load(open(os.path.join(work, name)))
status = load("status.json")
sent = load("sent.json")
nfs = {n["name"]: n for n in load("nf_list.json")["result"]["nfs"]}
stats = load("stats.json")["result"]
flows = load("flow_list.json")["result"]["flows"]
placements = status.get("placements") or []
dash = lambda v: "-" if v in (None, "", []) else str(v)

print("placements (applied by nfpathd; nfpathctl status --json):")
print(f"  {'workload':9} {'type':4} {'place':9} {'where':34} {'NUMA':>4} {'CPUs':6} emulator")
for p in placements:
    if p.get("place") == "vf":
        where = f"{p.get('pf')} VF {p.get('vf')}" + (f" ({p['pci']})" if p.get("pci") else "")
    elif p.get("type") == "vm":
        where = f"vhost-user {p['vhost']}" if p.get("vhost") else f"vhost-user port {dash(p.get('slot'))}"
    elif p.get("place") == "software":
        where = f"NF slot '{p.get('nf_slot') or p['workload']}'"
    else:
        where = "-"
    print(f"  {p['workload']:9} {p.get('type', '?'):4} {dash(p.get('place')):9} {where:34} "
          f"{dash(p.get('numa_node')):>4} {dash(p.get('cpus')):6} {dash(p.get('emulator_cpus'))}")
    print(f"  {'':9} why: {dash(p.get('reason'))}")

policy = {w["name"]: w for f in os.listdir(os.path.join(work, "policies.d"))
          for w in json.load(open(os.path.join(work, "policies.d", f))).get("workloads", [])}
problems = []
print("VF configuration (nfpath-vf list: the simulated NIC as nfpathd left it):")
vf_owner = {(p.get("pf"), p.get("vf")): p["workload"] for p in placements if p.get("place") == "vf"}
for pf in load("vfs.json").get("pfs", []):
    for vf in pf.get("vfs", []):
        st = vf.get("state") or {}
        who = vf_owner.get((pf.get("netdev"), vf["index"])) or vf_owner.get((pf.get("id"), vf["index"]))
        want = (policy.get(who) or {}).get("mac") if who else None
        note = f"for '{who}'" if who else "free"
        if want and (st.get("mac") or "").lower() != want.lower():
            note += f" (policy says MAC {want}!)"
            problems.append(f"VF {vf['index']} of {pf.get('netdev')} is not configured for '{who}'")
        print(f"  {pf.get('netdev')} VF {vf['index']} ({vf.get('pci')}): driver {vf.get('driver')}, "
              f"mac {dash(st.get('mac'))} vlan {st.get('vlan', 0)} spoofchk "
              f"{'on' if st.get('spoofchk') else 'off'} trust {'on' if st.get('trust') else 'off'}, {note}")
port_names = {p["name"] for p in stats["ports"]}
for p in placements:
    if p.get("type") == "vm" and p.get("place") == "software" and p.get("vhost") not in port_names:
        problems.append(f"no vhost-user port {p.get('vhost')} on nfpath-dp for '{p['workload']}'")

print("libvirt interfaces (nfpathctl domain-xml: the domains in nfpathd's connection):")


def interfaces(path):
    """[(type, pci or socket path, mac)] of a domain XML file."""
    out = []
    for i in ET.parse(path).getroot().iter("interface"):
        mac = i.find("mac")
        src = i.find("source")
        addr = i.find("source/address")
        where = None
        if addr is not None and addr.get("bus"):
            where = (f"{int(addr.get('domain', '0'), 0):04x}:{int(addr.get('bus'), 0):02x}:"
                     f"{int(addr.get('slot'), 0):02x}.{int(addr.get('function'), 0)}")
        elif src is not None:
            where = src.get("path")
        out.append((i.get("type"), where, mac.get("address") if mac is not None else None))
    return out


for p in placements:
    if p.get("type") != "vm":
        continue
    dom = (p.get("libvirt") or {}).get("domain") or p["workload"]
    live = interfaces(os.path.join(work, f"domain-{dom}.xml"))
    persistent = interfaces(os.path.join(work, f"domain-{dom}-inactive.xml"))
    ifs, where_from = (live, "live") if live else (persistent, "persistent config only: the test driver cannot attach live")
    want_mac = (policy.get(p["workload"]) or {}).get("mac", "").lower()
    if p.get("place") == "vf":
        want = ("hostdev", p.get("pci"))
    else:
        want = ("vhostuser", p.get("vhost_socket"))
    ok = any(t == want[0] and (want[1] is None or w == want[1]) and (m or "").lower() == want_mac
             for t, w, m in ifs)
    if not ok:
        problems.append(f"domain '{dom}' has no {want[0]} interface {want[1]} with MAC {want_mac}")
    desc = "; ".join(f"{t} {w} mac {m}" for t, w, m in ifs) or "no <interface>"
    print(f"  {dom:9} {desc} ({where_from})")

print("CPU and IRQ pins:")
irq_bad = 0
for p in placements:
    parts = []
    lv = p.get("libvirt")
    if lv:
        vcpus = " ".join(f"{i}->{c}" for i, c in enumerate(lv.get("vcpupin") or []))
        parts.append(f"libvirt vcpupin {vcpus or '-'}, emulatorpin {dash(lv.get('emulatorpin'))}")
    irqs = []
    for q in p.get("irqs") or []:
        try:
            now = open(os.path.join(procfs, "irq", str(q["irq"]), "smp_affinity_list")).read().strip()
        except OSError:
            now = "?"
        if q.get("managed"):
            irqs.append(f"{q['irq']} managed (kernel's choice: {now})")
        else:
            ok = now == q.get("cpus")
            irq_bad += not ok
            irqs.append(f"{q['irq']}->{q.get('cpus')}" + ("" if ok else f" (file says {now}!)"))
    if irqs:
        parts.append("IRQs " + ", ".join(irqs))
    if parts:
        print(f"  {p['workload']:9} " + "; ".join(parts))
if not any(p.get("libvirt") or p.get("irqs") for p in placements):
    print("  (none reported)")

print("steering (rte_flow = hardware queue; software = the classifier):")
owner = {}
for p in placements:
    st = p.get("steering")
    if st:
        owner[(st.get("mac"), st.get("vlan") or 0)] = p["workload"]
chain_names = {c.get("id"): c.get("name") for c in status.get("chains") or []}
for f in flows:
    who = owner.get((f["mac"], f.get("vlan") or 0))
    who = f"'{who}'" if who else f"chain {f['chain']}" + (f" '{chain_names[f['chain']]}'" if f["chain"] in chain_names else "")
    how = f"rte_flow, queue {f['queue']}" if f["path"] == "hardware" else f"software ({f.get('reason', '')})"
    print(f"  {f['mac']}" + (f" vlan {f['vlan']}" if f.get("vlan") else "") + f" -> {who}: {how}")
if not flows:
    print("  (no flows)")
flow_keys = {(f["mac"], f.get("vlan") or 0) for f in flows}
for mac_vlan, who in owner.items():
    if mac_vlan not in flow_keys:
        problems.append(f"nfpathd reports steering of {mac_vlan[0]} to '{who}', nfpath-dp has no such flow")
if (service_mac, 0) not in flow_keys:
    problems.append(f"nfpath-dp has no flow for the service MAC {service_mac}")

chain = next((c for c in status.get("chains") or []), None)
if chain:
    hops = " -> ".join(h["nf"] if "nf" in h else f"port {h.get('port')}" for h in chain.get("hops") or [])
    print(f"NFs (chain '{chain['name']}', datapath chain {chain.get('id')}: {hops}; "
          f"on a hop down: {chain.get('on_hop_down')}):")
else:
    print("NFs:")
print(f"  {'NF':9} {'rx':>9} {'tx':>9} {'out':>9} {'dropped(NF)':>12} {'dropped(other)':>15}")
nf_decided = nf_other = 0
dropped = {}
for name, n in nfs.items():
    s = n["stats"]
    other = s["drop_full"] + s["drop_down"] + s["drop_bad"]
    nf_decided += s["drop_action"]
    nf_other += other
    for k, v in (("decision", s["drop_action"]), ("ring_full", s["drop_full"]),
                 ("down", s["drop_down"]), ("bad", s["drop_bad"])):
        if v:
            dropped[f"{name}.{k}"] = v
    print(f"  {name:9} {s['rx']:>9} {s['tx']:>9} {s['out']:>9} {s['drop_action']:>12} {other:>15}")
for k, v in stats["drops"].items():
    if v:
        dropped[f"datapath.{k}"] = v


def simnic_drops(name):
    """{(port, reason): n} of the simulated NIC's switch (nfpath-simnic stats)."""
    out = {}
    for line in open(os.path.join(work, name)):
        f = line.split()
        for k, v in zip(f[1::2], f[2::2]):
            if k not in ("rx", "tx"):
                out[(f[0], k)] = int(v)
    return out


# Frames the simulated NIC's switch dropped on the way from the cable to the PF (nfpath-dp).
sw_main = simnic_drops("simnic-stats-main.txt")
for (port, k), v in sw_main.items():
    if v and (port.endswith("-sw") or port.endswith("-sp")):
        dropped[f"simnic.{port}.{k}"] = v
ports = {p["name"]: p for p in stats["ports"]}
uplink_rx = ports["net_af_packet0"]["rx_pkts"]
delivered = ports["net_af_packet1"]["tx_pkts"]
total_dropped = sum(dropped.values())
unaccounted = sent["sent"] - delivered - total_dropped
print(f"traffic: sent {sent['sent']} frames ({sent['denied_sources']} from sources the firewall "
      f"denies); uplink received {uplink_rx}; delivered on the egress port {delivered}")
print(f"dropped by reason: {dropped or 'none'}")
vms = [p for p in placements if p.get("type") == "vm"]
n_vf = sum(p.get("place") == "vf" for p in vms)
n_sw = sum(p.get("place") == "software" for p in vms)
if unaccounted:
    veth_rx = int(open(os.path.join(work, "veth_rx")).read())
    why = ""
    if uplink_rx < veth_rx:
        why = (f" ({veth_rx - uplink_rx} reached the uplink veth but never nfpath-dp: lost in the "
               "kernel's AF_PACKET ring, which DPDK cannot count; the machine was too busy: "
               "rerun, or lower --rate)")
    problems.append(f"{unaccounted} frames unaccounted for{why}")
# The firewall drops exactly the denied sources' frames, unless some of those were dropped with
# another reason before they reached it (a full ring on a busy machine): then fewer.
denied = sent["denied_sources"]
if not unaccounted and not (nf_decided <= denied and denied - nf_decided <=
                            total_dropped - nf_decided):
    problems.append(f"the firewall dropped {nf_decided} frames; {denied} came from denied "
                    "sources and no other drop explains the difference")
if (n_vf, n_sw) != (int(expect_vf), int(expect_sw)):
    problems.append(f"VM placements {n_vf} VF + {n_sw} software, expected {expect_vf} + {expect_sw}")
if irq_bad:
    problems.append(f"{irq_bad} IRQ pins not in the fake /proc/irq")
print(f"every frame accounted for: {'yes' if unaccounted == 0 else 'NO'} ({delivered} delivered + "
      f"{total_dropped} dropped with a reason = {delivered + total_dropped} of {sent['sent']} sent)")
print(f"VM placements: {n_vf} on VFs, {n_sw} on vhost-user (expected {expect_vf} + {expect_sw})")
converged = bool((status.get("apply") or {}).get("converged"))
if not converged:
    problems.append("nfpathd no longer reports the node converged: " +
                    "; ".join((status.get("apply") or {}).get("errors") or []))
# The VF-placed VM's traffic: the simulated NIC's switch delivers it on the VF's netdev, or
# drops it with a reason it counts (nfpath-simnic stats: per port, drops by reason).
vf_sent = load("vf_sent.json")
port_of_vf = vf_sent["vf_netdev"].rsplit("v", 1)
port_of_vf = f"{port_of_vf[0]}-s{port_of_vf[1]}"
vf_dropped = {}
for (port, k), v in simnic_drops("simnic-stats.txt").items():
    v -= sw_main.get((port, k), 0)
    if v and (port == port_of_vf or port.endswith("-sw")):
        vf_dropped[f"simnic.{port}.{k}"] = v
vf_unaccounted = vf_sent["vf_sent"] - vf_sent["vf_delivered"] - sum(vf_dropped.values())
print(f"VF traffic: sent {vf_sent['vf_sent']} frames on the cable to '{vf_vm}' "
      f"({vf_sent['vf_mac']}); delivered on its VF netdev {vf_sent['vf_netdev']} "
      f"{vf_sent['vf_delivered']}; dropped by the simulated NIC: {vf_dropped or 'none'}; "
      f"elsewhere with its mark: {vf_sent['vf_other']}")
if vf_unaccounted or vf_sent["vf_other"] or not vf_sent["vf_delivered"]:
    problems.append(f"VF traffic to '{vf_vm}': {vf_unaccounted} frames unaccounted for, "
                    f"{vf_sent['vf_other']} on its netdev not for its MAC, "
                    f"{vf_sent['vf_delivered']} delivered")
print(f"every VF frame accounted for: {'yes' if vf_unaccounted == 0 else 'NO'} "
      f"({vf_sent['vf_delivered']} delivered + {sum(vf_dropped.values())} dropped with a reason "
      f"of {vf_sent['vf_sent']} sent)")
if problems:
    print("demo: PROBLEMS: " + "; ".join(problems))
n_nf = sum(p.get("type") == "nf" and p.get("place") == "software" for p in placements)
result = {"converged": converged, "vf": n_vf, "software": n_sw, "nf_software": n_nf,
          "sent": sent["sent"], "delivered": delivered, "dropped": dropped,
          "unaccounted": unaccounted, "vf_workload": vf_vm, "vf_sent": vf_sent["vf_sent"],
          "vf_delivered": vf_sent["vf_delivered"], "vf_dropped": vf_dropped,
          "vf_unaccounted": vf_unaccounted}
print("demo-result: " + json.dumps(result, separators=(",", ":")))
sys.exit(1 if problems else 0)
PY
then
	fail "the summary found problems (see the PROBLEMS line above)"
fi
