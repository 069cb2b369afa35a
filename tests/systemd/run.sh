#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Suite 'systemd' (README.md in this folder): nfpath installed from its Debian packages with apt
# into a minimal Debian root (prepare.sh, cached), booted with a real systemd under
# systemd-nspawn, and its units checked as an operator runs them, on a simulated NIC.
# Every check prints one line 'PASS name: what (times)' or 'FAIL name: what'; the last line is
#   systemd-suite: PASS (N checks)   or   systemd-suite: FAIL (N of N checks failed: names)
# and the exit status is 1 on any FAIL, 77 (skipped) when root or the tools are missing.
#
# Usage: run.sh [--cache-dir DIR] [--work-dir DIR] [--debs DIR] [--keep]
#   --debs DIR   the .debs of scripts/check-packaging.sh (default $NFPATH_DEBS; scripts/test.sh
#                sets it to the packaging step's NFPATH_PKG_OUT). Without either, this runs
#                scripts/check-packaging.sh once to build them.
#   --keep       keeps the work directory (roots, logs) and prints its path.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cache_dir=${NFPATH_SYSTEMD_CACHE:-$src/build-systemd-cache}
work_dir="" debs=${NFPATH_DEBS:-} keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--cache-dir) cache_dir=$2 && shift ;;
	--work-dir) work_dir=$2 && shift ;;
	--debs) debs=$2 && shift ;;
	--keep) keep=1 ;;
	*)
		echo "usage: run.sh [--cache-dir DIR] [--work-dir DIR] [--debs DIR] [--keep]" >&2
		exit 2
		;;
	esac
	shift
done

say() { printf 'systemd-suite: %s\n' "$*"; }
skip() {
	say "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn, overlay mounts)"
for tool in systemd-nspawn mmdebstrap nsenter python3 mount flock; do
	command -v "$tool" >/dev/null || skip "'$tool' is missing (scripts/setup.sh installs it)"
done

t_suite=$(date +%s%N)
checks=0 fails=0 failed=()
pass() {
	checks=$((checks + 1))
	printf 'PASS %s: %s\n' "$1" "$2"
}
fail() {
	checks=$((checks + 1)) fails=$((fails + 1))
	failed+=("$1")
	printf 'FAIL %s: %s\n' "$1" "$2"
}
# check NAME WHAT COMMAND...: PASS when COMMAND succeeds.
check() {
	local name=$1 what=$2
	shift 2
	if "$@"; then pass "$name" "$what"; else fail "$name" "$what"; fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
fmt_ms() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }

mkdir -p "$cache_dir"
if [ -z "$work_dir" ]; then
	work_dir=$(mktemp -d /tmp/systemd-suite.XXXXXX)
else
	mkdir -p "$work_dir"
fi
work_dir=$(cd "$work_dir" && pwd)

# --- the packages: those the packaging step built, else build them once.
if [ -z "$debs" ]; then
	debs=$work_dir/debs
	say "no --debs or NFPATH_DEBS: building the packages with scripts/check-packaging.sh"
	NFPATH_PKG_OUT=$debs bash "$src/scripts/check-packaging.sh" >"$work_dir/check-packaging.log" 2>&1 || {
		tail -30 "$work_dir/check-packaging.log"
		say "FAIL: scripts/check-packaging.sh failed (log: $work_dir/check-packaging.log)"
		exit 1
	}
fi
deb_nfpath=$(ls "$debs"/nfpath_*.deb 2>/dev/null | head -n1)
deb_lib=$(ls "$debs"/libnfpath0_*.deb 2>/dev/null | head -n1)
if [ -z "$deb_nfpath" ] || [ -z "$deb_lib" ]; then
	say "FAIL: no nfpath_*.deb and libnfpath0_*.deb in $debs"
	exit 1
fi
say "packages: $(basename "$deb_nfpath") $(basename "$deb_lib") from $debs"

# --- roots: cached, see prepare.sh.
t0=$(now_ms)
root_base=$(bash "$here/prepare.sh" "$cache_dir" base) || exit $?
root_libvirt=$(bash "$here/prepare.sh" "$cache_dir" libvirt) || exit $?
say "roots ready in $(fmt_ms $(($(now_ms) - t0)))"

# ---------------------------------------------------------------------------------------------
# Containers: an overlay over a cached root, the packages installed with apt, then booted.
leader="" nspawn_pid="" cur="" mnts=()
cleanup_container() {
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		# SIGTERM asks nspawn for an orderly shutdown of the container's systemd.
		kill -TERM "$nspawn_pid" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	nspawn_pid="" leader=""
	if [ -n "$cur" ]; then
		umount "$cur/root" 2>/dev/null || umount -l "$cur/root" 2>/dev/null
		cur=""
	fi
}
finish() {
	cleanup_container
	if [ "$keep" = 1 ]; then
		say "work directory kept: $work_dir"
	else
		rm -rf "$work_dir"
	fi
}
trap finish EXIT

# ct CMD...: runs CMD inside the booted container (its namespaces, a clean environment); the
# process is not part of any unit of the container.
ct() {
	nsenter -t "$leader" -m -u -i -n -p -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
prop() { ct systemctl show -P "$2" "$1"; }

# make_root NAME LOWER: overlay at $work_dir/NAME/root, packages installed with apt.
make_root() {
	local name=$1 lower=$2 t
	cur=$work_dir/$name
	mkdir -p "$cur/upper" "$cur/ovl" "$cur/root"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$cur/upper,workdir=$cur/ovl" "$cur/root" ||
		return 1
	mkdir -p "$cur/root/var/tmp/nfpath-debs"
	cp "$deb_nfpath" "$deb_lib" "$cur/root/var/tmp/nfpath-debs/"
	t=$(now_ms)
	# apt resolves what the packages declare (Depends, not Recommends): nothing else is added.
	if ! systemd-nspawn -q -D "$cur/root" --register=no --keep-unit --pipe \
		-E DEBIAN_FRONTEND=noninteractive -- apt-get install -y -q --no-install-recommends \
		"/var/tmp/nfpath-debs/$(basename "$deb_nfpath")" "/var/tmp/nfpath-debs/$(basename "$deb_lib")" \
		>"$cur/apt.log" 2>&1; then
		tail -20 "$cur/apt.log"
		return 1
	fi
	say "$name: apt-get install of the packages: $(fmt_ms $(($(now_ms) - t))) ($(grep -c '^Setting up' "$cur/apt.log") packages set up)"
}

# boot NAME: boots $cur/root; sets leader (the container's PID 1 seen from here).
boot() {
	local name=$1 t
	t=$(now_ms)
	systemd-nspawn -q -b -D "$cur/root" -M "systemd-$name-$$" --private-network --register=no \
		--keep-unit --console=pipe --bind-ro=/sys/module </dev/null >"$cur/console.log" 2>&1 &
	nspawn_pid=$!
	for _ in $(seq 300); do
		leader=$(cat "/proc/$nspawn_pid/task/$nspawn_pid/children" 2>/dev/null | awk '{ print $1 }')
		[ -n "$leader" ] && [ -e "/proc/$leader/root/run/systemd/private" ] && break
		leader=""
		sleep 0.05
	done
	if [ -z "$leader" ]; then
		tail -20 "$cur/console.log"
		return 1
	fi
	say "$name: container up (PID 1 is $leader here) in $(fmt_ms $(($(now_ms) - t)))"
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; 1 on time-out.
wait_for() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while [ "$(now_ms)" -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
status_json() { ct nfpathctl status --json 2>/dev/null; }
# jq_status EXPR: a Python expression over the status object 's', printed.
jq_status() {
	status_json | python3 -c "import json, sys
try:
    s = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
print($1)"
}
status_true() { [ "$(jq_status "$1" 2>/dev/null)" = True ]; }
# dp OP [JSON-ARGS]: one request on nfpath-dp's control socket (through /proc/PID/root).
dp() {
	python3 - "/proc/$leader/root/run/nfpath/dp.sock" "$1" "${2:-{\}}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1])
m = {"v": 1, "id": 1, "op": sys.argv[2]}
m.update(json.loads(sys.argv[3]))
s.send(json.dumps(m).encode())
print(s.recv(1 << 22).decode())
PY
}
# slot_state NAME: the state of NF slot NAME in nfpath-dp (free, waiting, attached, dead, none).
slot_state() {
	dp nf_list 2>/dev/null | python3 -c 'import json, sys
r = json.load(sys.stdin)
print(next((n.get("state", "?") for n in r["result"]["nfs"] if n["name"] == sys.argv[1]), "none"))' "$1"
}
slot_is() { [ "$(slot_state "$1")" = "$2" ]; }
unit_us() { # unit_us UNIT PROP: a monotonic timestamp property in microseconds
	prop "$1" "$2"
}
journal() { ct journalctl --no-pager -q -o cat "$@"; }

# ---------------------------------------------------------------------------------------------
# The node: a simulated NIC, a libvirt test-driver node, two NFs in a chain, a VM on a VF and one
# on a software path (vhost-user), and the datapath on two net_ring ports.
configure_node() {
	local r=$cur/root uri=$1
	mkdir -p "$r/etc/nfpath/policies.d" "$r/etc/systemd/system/nfpathd.service.d"
	cat >"$r/etc/nfpath/sim-nic.json" <<'EOF'
{"comment": "SIMULATED SR-IOV NIC of the systemd suite (not hardware)",
 "pfs": [{"name": "simnic0", "pci": "0000:3b:00.0", "vendor": "0x8086", "device": "0x1572",
          "vf_device": "0x154c", "driver": "nfpath-sim-pf", "vf_driver": "nfpath-sim-vf",
          "total_vfs": 8, "num_vfs": 0, "numa_node": 0, "local_cpus": "0-1", "mtu": 1500,
          "irqs_per_vf": 2, "managed_irqs": false}]}
EOF
	cat >"$r/etc/nfpath/suite-node.xml" <<'EOF'
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>
    <mhz>2000</mhz><model>x86</model><active>2</active></cpu>
  <memory>8388608</memory>
  <domain type='test'><name>vm1</name><memory unit='MiB'>256</memory>
    <vcpu placement='static'>2</vcpu><os><type arch='x86_64'>hvm</type></os></domain>
  <domain type='test'><name>vm2</name><memory unit='MiB'>256</memory>
    <vcpu placement='static'>2</vcpu><os><type arch='x86_64'>hvm</type></os></domain>
</node>
EOF
	cat >"$r/etc/nfpath/nfpathd.json" <<EOF
{
  "policy_dir": "/etc/nfpath/policies.d",
  "control_socket": "/run/nfpath/nfpathd.sock",
  "datapath_socket": "/run/nfpath/dp.sock",
  "state_dir": "/var/lib/nfpath",
  "libvirt_uri": "$uri",
  "vf_backend": "sim",
  "sim_nic_file": "/etc/nfpath/sim-nic.json"
}
EOF
	write_policy "$r/etc/nfpath/policies.d/10-suite.json" 2
	sed -i 's|^NFPATH_DP_OPTS=.*|NFPATH_DP_OPTS="--port net_ring0 --port net_ring1 --lcores 0@0 --idle-sleep 100 --mbufs 8192"|' \
		"$r/etc/default/nfpath-dp"
	# A short watchdog keeps the SIGSTOP check fast (the packaged unit says 30 s).
	printf '[Service]\nWatchdogSec=4s\n' >"$r/etc/systemd/system/nfpathd.service.d/50-suite-watchdog.conf"
	ln -sf /lib/systemd/system/nfpath-dp.service "$r/etc/systemd/system/multi-user.target.wants/nfpath-dp.service"
}
# write_policy FILE NVMS: VMs vm1 (on a VF) .. and vm2 (software), NFs fw and counter, chain web.
write_policy() {
	python3 - "$1" "$2" <<'PY'
import json, sys
n = int(sys.argv[2])
paths = {1: "vf", 2: "software"}
p = {"version": 1,
     "nics": [{"name": "uplink0", "pf": "simnic0", "max_vfs": 2, "uplink": "net_ring0"}],
     "workloads": [{"name": f"vm{i}", "type": "vm", "nic": "uplink0",
                    "mac": f"52:54:00:20:00:{i:02x}", "path": paths[i]} for i in range(1, n + 1)]
     + [{"name": w, "type": "nf", "nic": "uplink0", "path": "software"} for w in ("fw", "counter")],
     "chains": [{"name": "web", "match": {"dst_mac": "02:00:00:00:5e:01"},
                 "hops": ["fw", "counter"], "egress": "uplink0"}]}
open(sys.argv[1], "w").write(json.dumps(p, indent=1) + "\n")
PY
}

# ---------------------------------------------------------------------------------------------
# Boot 1: the base root (systemd only) with a libvirt test-driver node.
boot1() {
	make_root base "$root_base" || {
		fail install "apt-get install of the packages into the base root (log above)"
		return
	}
	pass install "apt-get install ./nfpath.deb ./libnfpath0.deb into minbase+systemd: Depends resolve"
	configure_node "test:///etc/nfpath/suite-node.xml"
	boot base || {
		fail boot "the base container did not boot (console above)"
		return
	}
	ct timeout 30 systemctl is-system-running --wait >/dev/null 2>&1
	say "base: system state '$(ct systemctl is-system-running)'"

	# -- both units start (nfpathd is enabled by the package, nfpath-dp by the suite)
	wait_for 30 ct systemctl is-active -q nfpathd nfpath-dp
	local a_dp a_d
	a_dp=$(prop nfpath-dp ActiveState) a_d=$(prop nfpathd ActiveState)
	if [ "$a_dp" = active ] && [ "$a_d" = active ]; then
		pass units-start "nfpath-dp and nfpathd active after boot"
	else
		fail units-start "nfpath-dp is $a_dp, nfpathd is $a_d"
		journal -u nfpath-dp | tail -8
		journal -u nfpathd | tail -8
	fi

	# -- READY timing: from exec to READY=1 (systemd's ActiveEnter of a Type=notify unit)
	local ex ac ms
	ex=$(unit_us nfpathd ExecMainStartTimestampMonotonic) ac=$(unit_us nfpathd ActiveEnterTimestampMonotonic)
	if [ "${ex:-0}" -gt 0 ] && [ "${ac:-0}" -gt "$ex" ]; then
		ms=$(((ac - ex) / 1000))
		if [ "$ms" -lt 5000 ]; then
			pass ready-time "nfpathd READY=1 $(fmt_ms "$ms") after exec at boot (limit 5 s)"
		else
			fail ready-time "nfpathd READY=1 $(fmt_ms "$ms") after exec at boot (limit 5 s)"
		fi
	else
		fail ready-time "no READY=1 (ExecMainStart $ex, ActiveEnter $ac)"
	fi

	# -- converged: VFs on the simulated NIC, vhost-user for vm2, NF slots and the chain
	if wait_for 20 status_true 's["apply"]["converged"] and s["datapath"]["connected"]'; then
		pass converged "nfpathd converged: $(jq_status 's["summary"]')"
	else
		fail converged "not converged in 20 s: $(jq_status 'json.dumps(s["apply"]["errors"])[:600]') $(jq_status 's["summary"]')"
		journal -u nfpathd | tail -20
	fi

	# -- the DPDK drivers the datapath loads are declared (item 2)
	local want missing=() p
	want="librte-bus-vdev23 librte-bus-pci23 librte-mempool-ring23 librte-net-ring23 librte-net-null23 librte-net-vhost23 librte-net-af-packet23 librte-net-tap23 librte-net-memif23"
	for p in $want; do
		ct dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	check pmd-depends "every DPDK driver package nfpath-dp loads was installed by apt from the package's Depends${missing[*]:+ (missing: ${missing[*]})}" \
		test ${#missing[@]} -eq 0
	if dp port_list | grep -q '"net_vhost_vm2"'; then
		pass vhost-port "nfpath-dp has net_vhost_vm2 for the software-path VM"
	else
		fail vhost-port "no net_vhost_vm2 port in nfpath-dp: $(dp port_list | head -c 400)"
	fi

	# -- STATUS= text
	local st
	st=$(prop nfpathd StatusText)
	case $st in
	*"policy gen"*converged*"datapath up"*) pass status-text "StatusText: $st" ;;
	*) fail status-text "StatusText does not say policy, converged and datapath up: '$st'" ;;
	esac

	# -- the simulator's tree under the unit by default (item 5): its StateDirectory=, which
	# survives restarts (PrivateTmp's /tmp does not)
	local simdir=/var/lib/nfpath/sim/sim-nic
	if [ -e "$cur/root$simdir/NFPATH-SIMULATED" ] && [ -e "$cur/root$simdir/nfpath-sim/lock" ]; then
		pass sim-tree "the simulated NIC's tree is in the unit's state directory ($simdir)"
	else
		fail sim-tree "the simulated NIC's tree is not in $simdir: $(journal -u nfpathd | grep -m1 'backend sim' || true)"
	fi

	# -- an operator's NF attaching from outside the unit (item 3: one DPDK runtime directory)
	local nfpid state
	ct sh -c 'exec nf-forward --proc-type=secondary --file-prefix nfpath -l 1 --no-pci -- --name fw --sleep' \
		>"$cur/nf-outside.log" 2>&1 &
	nfpid=$!
	wait_for 10 slot_is fw attached
	state=$(slot_state fw)
	if [ "$state" = attached ]; then
		pass nf-outside "nf-forward started outside the units attached to slot fw (DPDK runtime directory /run/dpdk/nfpath)"
	else
		fail nf-outside "nf-forward outside the units did not attach (slot fw '$state'): $(tr '\n' ' ' <"$cur/nf-outside.log" | tail -c 400)"
	fi
	# nsenter does not pass signals on: stop the NF itself (its pid here is nsenter's child).
	kill -INT $(cat "/proc/$nfpid/task/$nfpid/children" 2>/dev/null) 2>/dev/null
	wait "$nfpid" 2>/dev/null

	# -- reload: a good edit, then a broken one
	local gen0 gen1 t rc
	gen0=$(jq_status 's["policy"]["generation"]')
	write_policy "$cur/root/etc/nfpath/policies.d/10-suite.json" 1
	t=$(now_ms)
	ct systemctl reload nfpathd >"$cur/reload.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && wait_for 10 status_true "s['policy']['generation'] > $gen0 and s['policy']['workloads'] == 3"; then
		pass reload-good "systemctl reload with a good policy: generation $gen0 -> $(jq_status 's["policy"]["generation"]'), $(fmt_ms $(($(now_ms) - t)))"
	else
		fail reload-good "systemctl reload (exit $rc: $(tr '\n' ' ' <"$cur/reload.log")) or the new policy not in force: $(jq_status 's["summary"]')"
	fi
	gen1=$(jq_status 's["policy"]["generation"]')
	echo '{"version": 1, "nics": [ {"name": "uplink0", "pf": ' >"$cur/root/etc/nfpath/policies.d/10-suite.json"
	ct systemctl reload nfpathd >"$cur/reload.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && wait_for 10 status_true "s['policy_rejected'] is not None and s['policy']['generation'] == $gen1" &&
		[ "$(prop nfpathd ActiveState)" = active ] && prop nfpathd StatusText | grep -q 'REJECTED'; then
		pass reload-bad "systemctl reload with a broken policy: rejected, generation $gen1 kept, unit active, StatusText says REJECTED"
	else
		fail reload-bad "broken policy (reload exit $rc): $(prop nfpathd StatusText)"
	fi
	write_policy "$cur/root/etc/nfpath/policies.d/10-suite.json" 2
	ct systemctl reload nfpathd >/dev/null 2>&1

	# -- journald priorities: the rejection is a warning or worse, start-up news is not
	local warn info
	warn=$(journal -u nfpathd -p warning)
	info=$(journal -u nfpathd -p info)
	if grep -q '10-suite.json' <<<"$warn" && grep -q 'datapath: connected' <<<"$info" &&
		! grep -q 'datapath: connected' <<<"$warn"; then
		pass journal-priority "journalctl -p warning has the rejected policy and not the info lines ($(wc -l <<<"$warn") of $(wc -l <<<"$info") lines)"
	else
		fail journal-priority "journalctl -p warning: $(head -c 300 <<<"$warn")"
	fi

	# -- watchdog: SIGSTOP -> watchdog timeout -> SIGABRT -> restart
	local pid0 pid1 nr0 t_stop
	wait_for 10 status_true 's["apply"]["converged"]'
	pid0=$(prop nfpathd MainPID) nr0=$(prop nfpathd NRestarts)
	t_stop=$(now_ms)
	ct sh -c "kill -STOP $pid0"
	pid1=$pid0
	for _ in $(seq 300); do
		pid1=$(prop nfpathd MainPID)
		[ "$pid1" != "$pid0" ] && [ "$pid1" != 0 ] && [ "$(prop nfpathd ActiveState)" = active ] && break
		sleep 0.1
	done
	ms=$(($(now_ms) - t_stop))
	if [ "$pid1" != "$pid0" ] && [ "$(prop nfpathd NRestarts)" -gt "$nr0" ] &&
		journal -u nfpathd | grep -q -i 'watchdog timeout'; then
		pass watchdog "SIGSTOP of nfpathd: watchdog timeout, restarted and READY again after $(fmt_ms "$ms") (WatchdogSec=4s, RestartSec=2s)"
	else
		fail watchdog "after SIGSTOP (pid $pid0): MainPID $pid1, NRestarts $(prop nfpathd NRestarts), $(fmt_ms "$ms"); journal: $(journal -u nfpathd | grep -i -m3 'watchdog\|abrt\|signal' | tr '\n' ' ')"
		ct sh -c "kill -CONT $pid0" 2>/dev/null
	fi

	# -- restart: time to READY again; NFs and the sim tree survive (item 6: KillMode)
	wait_for 10 status_true 's["apply"]["converged"]'
	local vfs0 vfs1
	vfs0=$(jq_status 's["inventory"]["vfs"]')
	t=$(now_ms)
	ct timeout 20 systemctl restart nfpathd
	rc=$?
	ms=$(($(now_ms) - t))
	ex=$(unit_us nfpathd ExecMainStartTimestampMonotonic) ac=$(unit_us nfpathd ActiveEnterTimestampMonotonic)
	if [ $rc -eq 0 ] && [ "$ms" -lt 5000 ] && wait_for 10 status_true 's["apply"]["converged"]' &&
		vfs1=$(jq_status 's["inventory"]["vfs"]') && [ "$vfs1" = "$vfs0" ] && [ "$vfs1" -gt 0 ]; then
		pass restart "systemctl restart nfpathd returned in $(fmt_ms "$ms"), READY $(fmt_ms $(((ac - ex) / 1000))) after exec; VFs $vfs0 -> $vfs1"
	else
		fail restart "systemctl restart nfpathd: exit $rc in $(fmt_ms "$ms"), VFs $vfs0 -> ${vfs1:-?}; $(prop nfpathd StatusText)"
	fi

	# -- nfpath-dp restarts; nfpathd sees it and replays its ports, NFs and chains
	local c0 c1
	c0=$(jq_status 's["datapath"]["connects"]')
	t=$(now_ms)
	ct timeout 20 systemctl restart nfpath-dp
	if wait_for 30 status_true "s['datapath']['connects'] > $c0 and s['datapath']['connected'] and s['apply']['converged']" &&
		dp nf_list | grep -q '"fw"' && dp port_list | grep -q net_vhost_vm2; then
		c1=$(jq_status 's["datapath"]["connects"]')
		pass dp-restart "nfpath-dp restarted: nfpathd reconnected (connects $c0 -> $c1) and replayed its NFs and ports in $(fmt_ms $(($(now_ms) - t)))"
	else
		fail dp-restart "after restarting nfpath-dp: $(jq_status 's["summary"]')"
	fi

	# -- what the unit lets nfpathd and the NFs it starts do (item 6); the probe runs in the
	# unit's own sandbox (ExecStartPost= shares ExecStart='s namespaces, seccomp and cgroup).
	probe_unit
	# -- the simulator outside the writable paths: the error names ReadWritePaths= (item 5)
	probe_rw_error

	# -- nfpath-reset-node: the node back as nfpathd found it (the VF's original MAC from the
	# journal, nothing of nfpathd's left in the datapath), nfpathd stopped
	local mac_before sim_pf=$cur/root/var/lib/nfpath/sim/sim-nic/nfpath-sim/pf
	wait_for 15 status_true 's["apply"]["converged"]'
	mac_before=$(grep -rl '52:54:00:20:00:01' "$sim_pf" 2>/dev/null | wc -l)
	t=$(now_ms)
	ct timeout 90 /usr/lib/nfpath/nfpath-reset-node >"$cur/reset.log" 2>&1
	rc=$?
	ms=$(($(now_ms) - t))
	local left
	left=$(dp flow_list | grep -c '"mac"'; dp port_list | grep -o 'net_vhost_[a-z0-9]*' | head -3; dp nf_list | grep -o '"name": *"[a-z]*"' | head -3)
	if [ $rc -eq 0 ] && [ "$mac_before" -gt 0 ] && ! grep -rq '52:54:00:20:00:01' "$sim_pf" &&
		[ "$left" = 0 ] && [ "$(prop nfpathd ActiveState)" = inactive ]; then
		pass reset-node "nfpath-reset-node in $(fmt_ms "$ms"): vm1's VF MAC back to its original, no flows, vhost ports or NF slots left, nfpathd stopped"
	else
		fail reset-node "nfpath-reset-node (exit $rc, $(fmt_ms "$ms")): VF MAC files before $mac_before, left in the datapath: $(echo $left), nfpathd $(prop nfpathd ActiveState); $(tail -3 "$cur/reset.log" | tr '\n' ' ' | tail -c 300)"
	fi
	ct timeout 20 systemctl start nfpathd

	# -- stop: SIGTERM, exit 0, quickly
	t=$(now_ms)
	ct timeout 40 systemctl stop nfpathd
	ms=$(($(now_ms) - t))
	if [ "$(prop nfpathd Result)" = success ] && [ "$(prop nfpathd ExecMainStatus)" = 0 ] && [ "$ms" -lt 5000 ]; then
		pass stop "systemctl stop nfpathd: exit 0 in $(fmt_ms "$ms")"
	else
		fail stop "systemctl stop nfpathd: Result $(prop nfpathd Result), status $(prop nfpathd ExecMainStatus), $(fmt_ms "$ms")"
	fi

	say "systemd-analyze security nfpathd.service nfpath-dp.service (in the container):"
	ct systemd-analyze security --no-pager nfpathd.service 2>&1 | sed 's/^/    /'
	ct systemd-analyze security --no-pager nfpath-dp.service 2>&1 | sed 's/^/    /'
	if [ "$fails" -ne 0 ]; then
		say "journal of nfpathd and nfpath-dp (last 40 lines):"
		journal -u nfpathd -u nfpath-dp | tail -40 | sed 's/^/    /'
	fi
	cleanup_container
}

# probe_unit: a drop-in with an ExecStartPost= probe (sh and perl-base are essential, so
# nothing is installed for it) that does what nfpathd and its NFs need this round.
probe_unit() {
	local d=$cur/root/etc/systemd/system/nfpathd.service.d out
	cat >"$d/60-suite-probe.conf" <<'EOF'
[Service]
ExecStartPost=/bin/sh /etc/nfpath/suite-probe.sh
EOF
	cat >"$cur/root/etc/nfpath/suite-probe.sh" <<'EOF'
# The systemd suite's probe, run inside nfpathd.service's sandbox.
out=/run/nfpath/suite-probe.out
: >$out
say() { echo "$1 $2" >>$out; }
if unshare --net true 2>/dev/null; then say ok netns; else say no netns; fi
# ip netns: a bind mount of a namespace under /run/netns
if mkdir -p /run/netns 2>/dev/null && touch /run/netns/systemd-probe 2>/dev/null &&
	unshare --net=/run/netns/systemd-probe true 2>/dev/null; then
	say ok netns-mount
	umount /run/netns/systemd-probe 2>/dev/null; rm -f /run/netns/systemd-probe
else
	say no netns-mount
fi
cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
base=/sys/fs/cgroup; [ -d /sys/fs/cgroup/unified ] && base=/sys/fs/cgroup/unified
if mkdir "$base$cg/systemd-probe" 2>/dev/null; then say ok cgroup; rmdir "$base$cg/systemd-probe"; else say no cgroup; fi
if perl -e 'socket(my $s, 17, 3, 0) or exit 1' 2>/dev/null; then say ok af_packet; else say no af_packet; fi
if perl -e 'my $a = syscall(9, 0, 4096, 7, 0x22, -1, 0); exit($a == -1 ? 1 : 0)' 2>/dev/null; then say ok wx; else say no wx; fi
# An NF-like child that must outlive a restart of nfpathd.
setsid sleep 600 </dev/null >/dev/null 2>&1 &
echo $! >/run/nfpath/suite-probe.child
# A real NF started in the unit's sandbox, as nfpathd starts NFs: it must attach.
setsid nf-forward --proc-type=secondary --file-prefix nfpath -l 1 --no-pci -- --name counter --sleep \
	</dev/null >/run/nfpath/suite-probe.nf.log 2>&1 &
echo $! >/run/nfpath/suite-probe.nf
exit 0
EOF
	ct systemctl daemon-reload
	ct timeout 20 systemctl restart nfpathd
	# /run is the container's own tmpfs: read it through its PID 1's root.
	out=$(cat "/proc/$leader/root/run/nfpath/suite-probe.out" 2>/dev/null)
	local child nf
	child=$(cat "/proc/$leader/root/run/nfpath/suite-probe.child" 2>/dev/null)
	nf=$(cat "/proc/$leader/root/run/nfpath/suite-probe.nf" 2>/dev/null)
	if wait_for 10 slot_is counter attached; then
		pass unit-nf "nf-forward started inside nfpathd.service's sandbox attached to slot counter"
	else
		fail unit-nf "nf-forward in nfpathd.service's sandbox: slot counter '$(slot_state counter)': $(tr '\n' ' ' <"/proc/$leader/root/run/nfpath/suite-probe.nf.log" 2>/dev/null | tail -c 400)"
	fi
	rm -f "$d/60-suite-probe.conf"
	ct systemctl daemon-reload
	ct timeout 20 systemctl restart nfpathd
	check unit-netns "nfpathd's unit allows network namespaces (RestrictNamespaces=)" grep -qx 'ok netns' <<<"$out"
	check unit-netns-mount "and their bind mount under /run/netns (SystemCallFilter= @mount, ReadWritePaths=)" grep -qx 'ok netns-mount' <<<"$out"
	check unit-cgroup "a child cgroup for NF cpusets can be made (Delegate=)" grep -qx 'ok cgroup' <<<"$out"
	check unit-af-packet "NFs can open AF_PACKET sockets (RestrictAddressFamilies=)" grep -qx 'ok af_packet' <<<"$out"
	check unit-wx "NFs may map writable+executable memory (no MemoryDenyWriteExecute=)" grep -qx 'ok wx' <<<"$out"
	if [ -n "$child" ] && ct sh -c "kill -0 $child" 2>/dev/null; then
		pass unit-killmode "a child of the unit survives systemctl restart nfpathd (KillMode=)"
		ct sh -c "kill $child"
		[ -n "$nf" ] && ct sh -c "kill -INT $nf" 2>/dev/null
	else
		fail unit-killmode "a child of the unit (pid ${child:-?}) was killed by systemctl restart nfpathd"
	fi
}

# probe_rw_error: the simulator pointed outside the unit's writable paths: the unit fails and
# its journal names the ReadWritePaths= it needs.
probe_rw_error() {
	local r=$cur/root
	echo 'NFPATHD_OPTS="--sysfs-root /srv/systemd-suite-sim"' >"$r/etc/default/nfpathd"
	ct timeout 20 systemctl restart nfpathd >/dev/null 2>&1
	sleep 0.5
	if journal -u nfpathd -n 30 | grep -q 'ReadWritePaths=/srv/systemd-suite-sim'; then
		pass sim-rw-error "a simulator tree outside the writable paths: the error names ReadWritePaths=/srv/systemd-suite-sim"
	else
		fail sim-rw-error "no error naming ReadWritePaths=: $(journal -u nfpathd -n 5 | tr '\n' ' ' | tail -c 400)"
	fi
	rm -f "$r/etc/default/nfpathd"
	ct systemctl reset-failed nfpathd >/dev/null 2>&1
	ct timeout 20 systemctl restart nfpathd >/dev/null 2>&1
	wait_for 15 status_true 's["apply"]["converged"]'
}

# ---------------------------------------------------------------------------------------------
# Boot 2: libvirt-daemon-system in the root and qemu:///system. nfpathd is ordered before
# libvirtd: its start must not wait for libvirt (item 1), and it connects once libvirtd is up.
boot2() {
	make_root libvirt "$root_libvirt" || {
		fail install-libvirt "apt-get install of the packages into the libvirt root (log above)"
		return
	}
	configure_node "qemu:///system"
	# Only libvirt is under test here: no datapath (it needs hugepages, which other tests on
	# the machine may hold), one VM on a VF.
	rm -f "$cur/root/etc/systemd/system/multi-user.target.wants/nfpath-dp.service"
	echo 'NFPATHD_OPTS="--datapath-socket="' >"$cur/root/etc/default/nfpathd"
	python3 - "$cur/root/etc/nfpath/policies.d/10-suite.json" <<'PY'
import json, sys
p = {"version": 1,
     "nics": [{"name": "uplink0", "pf": "simnic0", "max_vfs": 2}],
     "workloads": [{"name": "vm1", "type": "vm", "nic": "uplink0", "mac": "52:54:00:20:00:01",
                    "path": "vf"}]}
open(sys.argv[1], "w").write(json.dumps(p, indent=1) + "\n")
PY
	local t0 t ms rc
	t0=$(now_ms)
	boot libvirt || {
		fail boot-libvirt "the libvirt container did not boot (console above)"
		return
	}
	# At boot: nfpathd, then libvirtd (ordered after it).
	if wait_for 20 ct systemctl is-active -q nfpathd; then
		pass libvirt-boot "at boot with libvirt-daemon-system: nfpathd active $(fmt_ms $(($(now_ms) - t0))) after the container started"
	else
		fail libvirt-boot "at boot with libvirt-daemon-system: nfpathd not active after 20 s ($(prop nfpathd ActiveState)/$(prop nfpathd SubState): $(prop nfpathd StatusText))"
		journal -u nfpath-dp | tail -6 | sed 's/^/    /'
		ct systemctl list-jobs --no-pager | sed 's/^/    /'
		ct systemctl kill -s KILL nfpathd
		wait_for 10 ct systemctl is-active -q nfpathd
	fi
	# An explicit start with libvirtd stopped (its sockets still listening).
	ct systemctl stop nfpathd libvirtd.service >/dev/null 2>&1
	t=$(now_ms)
	ct timeout 20 systemctl start nfpathd
	rc=$?
	ms=$(($(now_ms) - t))
	if [ $rc -eq 0 ] && [ "$ms" -lt 5000 ]; then
		pass libvirt-start "systemctl start nfpathd with libvirtd stopped (socket-activated, ordered after nfpathd) returned in $(fmt_ms "$ms")"
	else
		fail libvirt-start "systemctl start nfpathd: exit $rc after $(fmt_ms "$ms") (limit 5 s): $(prop nfpathd StatusText)"
		ct systemctl kill -s KILL nfpathd
		ct systemctl reset-failed nfpathd
		ct timeout 20 systemctl start nfpathd
	fi
	t=$(now_ms)
	if wait_for 30 status_true 's["libvirt"]["connected"]' && [ "$(prop libvirtd ActiveState)" = active ]; then
		pass libvirt-connect "nfpathd connected to libvirtd $(fmt_ms $(($(now_ms) - t))) after its start returned ($(jq_status 's["summary"]'))"
	else
		fail libvirt-connect "nfpathd not connected to qemu:///system in 30 s (libvirtd $(prop libvirtd ActiveState)): $(jq_status 's["libvirt"]')"
		journal -u nfpathd -u libvirtd | tail -20
	fi
	cleanup_container
}

boot1
boot2

ms=$(($(now_ms) - t_suite / 1000000))
echo
if [ "$fails" -eq 0 ]; then
	say "PASS ($checks checks, $(fmt_ms "$ms"))"
else
	say "FAIL ($fails of $checks checks failed: ${failed[*]}; $(fmt_ms "$ms"))"
	exit 1
fi
