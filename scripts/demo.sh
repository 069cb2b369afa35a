#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on its embedded default (README: the first command), on any Debian 12 machine,
# no SR-IOV hardware needed. As root:
#   1. a SIMULATED SR-IOV NIC (vf-manager's simulator: a sysfs-shaped tree, not hardware),
#      listed by nfpath-vf;
#   2. the demo policy checked (and planned, when nfpathctl plan is built);
#   3. a network namespace with two veth pairs: the uplink and the egress of nfpath-dp;
#   4. nfpath-dp (DPDK, real hugepages) and three NF processes chained zero-copy:
#      firewall -> load balancer -> counter, for one service MAC;
#   5. real traffic from the namespace for a few seconds, with a progress line;
#   6. a summary: steering path per MAC, per-NF counters, drops by reason, and whether every
#      frame sent is accounted for (delivered, or dropped with a reason). Non-zero exit if not.
# Everything it creates is removed at exit, also on Ctrl-C, unless --keep.
#
# usage: scripts/demo.sh [--keep] [--seconds N] [--rate PPS]
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0 seconds=5 rate=20000
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--seconds) seconds=$2; shift ;;
	--rate) rate=$2; shift ;;
	-h | --help) sed -n '3,17p' "$0"; exit 0 ;;
	*) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (hugepages, network namespaces): sudo $0" >&2
	exit 1
fi

build=${NFPATH_BUILD:-build}
step() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

step "build ($build)"
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
echo "built: $build/datapath/nfpath-dp, $build/agent/nfpathctl, $build/vf-manager/nfpath-vf, example NFs"

tag=$$
work=$(mktemp -d /tmp/nfpath-demo.XXXXXX)
prefix=nfpath-demo-$tag
ns=nfpdemo$tag
up_host=ndu$tag up_ns=nsu$tag eg_host=nde$tag eg_ns=nse$tag
sock=$work/dp.sock
pids=()
service_mac=02:00:00:00:5e:01
backends=02:00:00:00:b0:01,02:00:00:00:b0:02,02:00:00:00:b0:03

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$keep" = 1 ] && [ "$rc" = 0 ]; then
		echo
		echo "demo: --keep: left running. Explore with:"
		echo "  scripts/dpctl.py $sock nf_list | python3 -m json.tool"
		echo "  scripts/dpctl.py $sock stats | python3 -m json.tool"
		echo "  dpdk-telemetry.py -f $prefix    (then /nfpath/stats, /nfpath/chains)"
		echo "Stop it with: kill ${pids[*]:-}; ip netns del $ns; ip link del $up_host; ip link del $eg_host"
		return
	fi
	for p in "${pids[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	ip link del "$up_host" 2>/dev/null || true
	ip link del "$eg_host" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -f /dev/hugepages/"$prefix"* 2>/dev/null || true
	rm -rf /var/run/dpdk/"$prefix" "$work"
	[ "$rc" = 0 ] || echo "demo: cleaned up after a failure (exit $rc)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dpctl() { python3 scripts/dpctl.py "$sock" "$@"; }

step "1. a SIMULATED SR-IOV NIC (vf-manager's simulator, not hardware)"
"$build/vf-manager/nfpath-vf" --sim vf-manager/sim-example.json --sysfs-root "$work/sys" \
	--sim-reset list || fail "nfpath-vf could not list the simulated NIC"

step "2. the policy: 6 VMs on 'auto' sharing a NIC with 4 VFs"
"$build/agent/nfpathctl" validate policies/examples/mixed-node.json || fail "policy invalid"
if "$build/agent/nfpathctl" plan --help >/dev/null 2>&1 && [ -f policies/inventory/one-nic-4vfs.json ]; then
	"$build/agent/nfpathctl" plan --inventory policies/inventory/one-nic-4vfs.json \
		policies/examples/mixed-node.json || fail "planning failed"
else
	echo "(placement planning: nfpathctl plan is not built yet)"
fi

step "3. network namespace '$ns': uplink $up_host<->$up_ns, egress $eg_host<->$eg_ns"
ip netns add "$ns"
for pair in "$up_host:$up_ns" "$eg_host:$eg_ns"; do
	h=${pair%%:*} p=${pair##*:}
	ip link add "$h" type veth peer name "$p"
	ip link set "$p" netns "$ns"
	sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$p.disable_ipv6=1"
	ip link set "$h" arp off multicast off up
	ip netns exec "$ns" ip link set "$p" arp off multicast off up
done
echo "ok"

step "4. nfpath-dp and three NF processes (DPDK secondaries, zero-copy)"
"$build/datapath/nfpath-dp" -p "net_af_packet0,iface=$up_host,qpairs=2" -q 2 -p "net_af_packet1,iface=$eg_host" \
	--lcores 0@0 --idle-sleep 50 --file-prefix "$prefix" -s "$sock" \
	--vhost-dir "$work/vhost" >"$work/dp.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { cat "$work/dp.log"; fail "nfpath-dp did not start"; }
for nf in fw lb cnt; do dpctl nf_add name="\"$nf\"" >/dev/null || fail "nf_add $nf"; done
dpctl chain_set chain=1 hops='[{"nf":"fw"},{"nf":"lb"},{"nf":"cnt"},{"port":1}]' >/dev/null ||
	fail "chain_set"
flow=$(dpctl flow_add mac="\"$service_mac\"" chain=1) || fail "flow_add"
eal=(--proc-type=secondary --file-prefix "$prefix" --no-pci --log-level '*:warning')
cpu=$(($(nproc) > 1 ? 1 : 0))
"$build/guest-lib/examples/nf-firewall" "${eal[@]}" --lcores "1@$cpu" -- --name fw --sleep \
	--rules policies/demo/firewall.json >"$work/fw.log" 2>&1 &
pids+=($!)
"$build/guest-lib/examples/nf-lb" "${eal[@]}" --lcores "2@$cpu" -- --name lb --sleep \
	--backends "$backends" >"$work/lb.log" 2>&1 &
pids+=($!)
"$build/guest-lib/examples/nf-counter" "${eal[@]}" --lcores "3@$cpu" -- --name cnt --sleep \
	--dump "$work/flows.json" >"$work/cnt.log" 2>&1 &
pids+=($!)
for _ in $(seq 400); do
	n=$(dpctl nf_list | python3 -c 'import json,sys; print(sum(n["state"]=="attached" for n in json.load(sys.stdin)["result"]["nfs"]))')
	[ "$n" = 3 ] && break
	sleep 0.05
done
[ "$n" = 3 ] || { tail "$work"/*.log; fail "the NFs did not attach"; }
echo "nfpath-dp up; NFs attached: fw (nf-firewall) -> lb (nf-lb, 3 backends) -> cnt (nf-counter) -> port 1"

step "5. traffic: ${seconds}s at $rate frames/s from the namespace to $service_mac (40 flows)"
sent_json=$(ip netns exec "$ns" python3 scripts/demo-traffic.py "$up_ns" "$service_mac" 40 \
	"$seconds" "$rate")
sleep 0.5

step "6. summary"
python3 - "$sent_json" "$flow" "$(dpctl nf_list)" "$(dpctl stats)" <<'PY'
import json, sys
sent = json.loads(sys.argv[1])
flow = json.loads(sys.argv[2])["result"]
nfs = {n["name"]: n for n in json.loads(sys.argv[3])["result"]["nfs"]}
st = json.loads(sys.argv[4])["result"]
print(f"steering: {flow['mac']} -> chain {flow['chain']}: {flow['path']}"
      + (f" (rte_flow not available: {flow['reason']})" if flow["path"] == "software" else f" queue {flow['queue']}"))
print(f"{'NF':6} {'rx':>9} {'tx':>9} {'out':>9} {'dropped(NF)':>12} {'dropped(other)':>15}")
for name in ("fw", "lb", "cnt"):
    s = nfs[name]["stats"]
    other = s["drop_full"] + s["drop_down"] + s["drop_bad"]
    print(f"{name:6} {s['rx']:>9} {s['tx']:>9} {s['out']:>9} {s['drop_action']:>12} {other:>15}")
ports = {p["index"]: p for p in st["ports"]}
egress = ports[1]["tx_pkts"]
drops = {k: v for k, v in st["drops"].items() if v}
nf_decided = sum(n["stats"]["drop_action"] for n in nfs.values())
nf_other = sum(n["stats"]["drop_full"] + n["stats"]["drop_down"] + n["stats"]["drop_bad"] for n in nfs.values())
uplink_rx = ports[0]["rx_pkts"]
print(f"sent {sent['sent']} frames ({sent['denied_sources']} from sources the firewall denies); "
      f"uplink received {uplink_rx}; egress port transmitted {egress}")
print(f"dropped by NF decision (firewall): {nf_decided}; other NF drops: {nf_other}; "
      f"datapath drops by reason: {drops or 'none'}")
accounted = egress + nf_decided + nf_other + sum(drops.values())
ok = uplink_rx == sent["sent"] and accounted == uplink_rx and nf_decided == sent["denied_sources"]
print(f"every frame accounted for: {'yes' if ok else 'NO'} "
      f"({egress} delivered + {nf_decided + nf_other + sum(drops.values())} dropped with a reason"
      f" = {accounted} of {uplink_rx} received)")
sys.exit(0 if ok else 1)
PY
