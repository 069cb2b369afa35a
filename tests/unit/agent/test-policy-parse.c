// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/policy-parse.c: every rule that one item alone can break, each with
 * the exact diagnostic (file, line, column, path, message), plus the typed values of a good policy.
 */
#include "policy-test.h"

#define NIC "{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"uplink\": \"net_tap0\"}],\n"

static const struct policy_case cases[] = {
	{"syntax_error",
	 {"{\n  \"nics\": [\n    {\"name\": \"n0\",}\n  ]\n}\n"},
	 {"a.json:3:19: string or '}' expected near '}' (fix the JSON syntax)"}},
	{"root_not_object",
	 {"[1, 2]"},
	 {"a.json:1:1: expected an object, got an array (a policy file is an object with nics, workloads and chains)"}},
	{"empty_file",
	 {""},
	 {"a.json:1:1: '[' or '{' expected near end of file (fix the JSON syntax)"}},
	{"duplicate_keys",
	 {"{\"nics\": [\n  {\"name\": \"n0\", \"pf\": \"ens1f0\", \"name\": \"n1\"}\n]}"},
	 {"a.json:2:34: nics[0].name: duplicate key, first set at 2:4 (remove one)"}},
	{"unknown_field_near",
	 {NIC
	  "\"workloads\": [{\"name\": \"w\", \"type\": \"vm\", \"nic\": \"n0\",\n"
	  "  \"mac\": \"52:54:00:00:00:01\", \"vlna\": 10, \"spoofchek\": true, \"maxVfs\": 1}]}"},
	 {"a.json:3:31: workloads[0].vlna: unknown field (did you mean 'vlan'?)",
	  "a.json:3:43: workloads[0].spoofchek: unknown field (did you mean 'spoofchk'?)",
	  "a.json:3:62: workloads[0].maxVfs: unknown field (remove it; known fields: name, type, domain, nic, mac, vlan, vlan_qos, vlan_proto, path, spoofchk, trust, link_state, min_tx_rate, max_tx_rate, numa_affinity, cpu_policy, cores, cpus, allow_path_move, exec, env, user, group, restart, stop_timeout)"}},
	{"unknown_field_top",
	 {"{\"version\": 1, \"NICs\": [], \"policy\": {}}"},
	 {"a.json:1:16: NICs: unknown field (did you mean 'nics'?)",
	  "a.json:1:28: policy: unknown field (remove it; known fields: version, nics, workloads, chains)"}},
	{"unknown_field_camel_case",
	 {"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"maxVfs\": 4, \"vfDriver\": \"iavf\"}]}"},
	 {"a.json:1:42: nics[0].maxVfs: unknown field (did you mean 'max_vfs'?)",
	  "a.json:1:55: nics[0].vfDriver: unknown field (did you mean 'vf_driver'?)"}},
	{"wrong_types",
	 {NIC
	  "\"workloads\": [{\"name\": 7, \"type\": \"vm\", \"nic\": \"n0\",\n"
	  "  \"mac\": \"52:54:00:00:00:01\", \"vlan\": \"10\", \"trust\": \"yes\", \"cpus\": [0],\n"
	  "  \"max_tx_rate\": 1.5}], \"chains\": {}}"},
	 {"a.json:2:24: workloads[0].name: expected a string, got an integer (put the value in double quotes)",
	  "a.json:3:39: workloads[0].vlan: expected an integer, got a string (write a whole number without quotes)",
	  "a.json:3:54: workloads[0].trust: expected a boolean, got a string (write true or false without quotes)",
	  "a.json:3:69: workloads[0].cpus: expected a string, got an array (put the value in double quotes)",
	  "a.json:4:18: workloads[0].max_tx_rate: expected an integer, got a fractional number (write a whole number without quotes)",
	  "a.json:4:35: chains: expected an array, got an object (write an array: [ ... ])"}},
	{"item_not_object",
	 {"{\"nics\": [\"ens1f0\"]}"},
	 {"a.json:1:11: nics[0]: expected an object, got a string (write an object: { ... })"}},
	{"missing_required",
	 {NIC "\"workloads\": [{\"name\": \"w\"}],\n \"chains\": [{\"name\": \"c\"}]}"},
	 {"a.json:2:15: workloads[0]: missing required field 'type' (add it: \"vm\" or \"nf\")",
	  "a.json:2:15: workloads[0]: missing required field 'nic' (add it)",
	  "a.json:3:13: chains[0]: missing required field 'match' (add it)",
	  "a.json:3:13: chains[0]: missing required field 'hops' (add it)",
	  "a.json:3:13: chains[0]: missing required field 'egress' (add it)"}},
	{"vm_needs_mac",
	 {NIC "\"workloads\": [{\"name\": \"w\", \"type\": \"vm\", \"nic\": \"n0\"}]}"},
	 {"a.json:2:15: workloads[0]: missing required field 'mac' (add it)"}},
	{"bad_enum",
	 {NIC "\"workloads\": [{\"name\": \"w\", \"type\": \"container\", \"nic\": \"n0\",\n"
	      "  \"path\": \"sriov\", \"numa_affinity\": \"strict\"}]}"},
	 {"a.json:2:37: workloads[0].type: 'container' is not valid (use one of: vm, nf)",
	  "a.json:3:11: workloads[0].path: 'sriov' is not valid (use one of: auto, vf, software)",
	  "a.json:3:37: workloads[0].numa_affinity: 'strict' is not valid (use one of: preferred, required, socket, none)"}},
	{"bad_names",
	 {"{\"nics\": [{\"name\": \"-n0\", \"pf\": \"ens1f0\"}, {\"name\": \"drop\", \"pf\": \"ens2f0\"}]}"},
	 {"a.json:1:20: nics[0].name: '-n0' is not a valid name (use 1-63 letters, digits, '_', '-' or '.', starting with a letter or digit)",
	  "a.json:1:53: nics[1].name: 'drop' is reserved for a chain's egress (choose another name)"}},
	{"bad_mac",
	 {NIC
	  "\"workloads\": [{\"name\": \"w\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:zz:00:01\"}]}"},
	 {"a.json:2:63: workloads[0].mac: '52:54:00:zz:00:01' is not a MAC address (write six hex octets like 52:54:00:12:34:56)"}},
	{"mac_with_spaces",
	 {NIC
	  "\"workloads\": [{\"name\": \"w\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \" 52:54:00:00:00:01\"}]}"},
	 {"a.json:2:63: workloads[0].mac: ' 52:54:00:00:00:01' is not a MAC address (write six hex octets like 52:54:00:12:34:56)"}},
	{"multicast_mac",
	 {NIC
	  "\"workloads\": [{\"name\": \"w\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"01:00:5e:00:00:01\"}]}"},
	 {"a.json:2:63: workloads[0].mac: '01:00:5e:00:00:01' is a multicast MAC (use a unicast address: the first octet must be even)"}},
	{"broadcast_mac_in_chain",
	 {NIC
	  "\"workloads\": [{\"name\": \"f\", \"type\": \"nf\", \"nic\": \"n0\"}],\n"
	  "\"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"ff:ff:ff:ff:ff:ff\"}, \"hops\": [\"f\"], \"egress\": \"drop\"}]}"},
	 {"a.json:3:47: chains[0].match.dst_mac: 'ff:ff:ff:ff:ff:ff' is a multicast MAC (use a unicast address: the first octet must be even)"}},
	{"zero_mac",
	 {NIC
	  "\"workloads\": [{\"name\": \"w\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"00:00:00:00:00:00\"}]}"},
	 {"a.json:2:63: workloads[0].mac: '00:00:00:00:00:00' is the all-zero MAC (use a unicast address such as 52:54:00:12:34:56)"}},
	{"vlan_out_of_range",
	 {NIC
	  "\"workloads\": [\n  {\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"vlan\": 0},\n"
	  "  {\"name\": \"b\", \"type\": \"nf\", \"nic\": \"n0\", \"vlan\": 5000, \"vlan_qos\": 8}]}"},
	 {"a.json:3:52: workloads[0].vlan: 0 is out of range (use 1-4094)",
	  "a.json:4:52: workloads[1].vlan: 5000 is out of range (use 1-4094)",
	  "a.json:4:70: workloads[1].vlan_qos: 8 is out of range (use 0-7)"}},
	{"vlan_options_need_vlan",
	 {NIC
	  "\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"vlan_qos\": 1, \"vlan_proto\": \"802.1ad\"}]}"},
	 {"a.json:2:56: workloads[0].vlan_qos: needs a vlan (add \"vlan\" or remove this field)",
	  "a.json:2:71: workloads[0].vlan_proto: needs a vlan (add \"vlan\" or remove this field)"}},
	{"rates_min_above_max",
	 {NIC "\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\",\n"
	      "  \"min_tx_rate\": 500, \"max_tx_rate\": 100}]}"},
	 {"a.json:3:18: workloads[0].min_tx_rate: 500 Mbps is above max_tx_rate 100 Mbps (lower min_tx_rate or raise max_tx_rate)"}},
	{"rates_min_with_unlimited_max",
	 {NIC
	  "\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"min_tx_rate\": 500}]}"},
	 {NULL}},
	{"bad_cpu_lists",
	 {NIC
	  "\"workloads\": [\n  {\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"cpus\": \"0-\"},\n"
	  "  {\"name\": \"b\", \"type\": \"nf\", \"nic\": \"n0\", \"cpus\": \"3-1\"},\n"
	  "  {\"name\": \"c\", \"type\": \"nf\", \"nic\": \"n0\", \"cpus\": \"0-4096\"},\n"
	  "  {\"name\": \"d\", \"type\": \"nf\", \"nic\": \"n0\", \"cpus\": \"\"}]}"},
	 {"a.json:3:52: workloads[0].cpus: '0-' is not a CPU list (write CPUs and ranges like 0-3,8)",
	  "a.json:4:52: workloads[1].cpus: '3-1' is not a CPU list (write CPUs and ranges like 0-3,8)",
	  "a.json:5:52: workloads[2].cpus: '0-4096' names a CPU above 1023 (use CPUs 0-1023)",
	  "a.json:6:52: workloads[3].cpus: '' is not a CPU list (write CPUs and ranges like 0-3,8)"}},
	{"dedicated_cores_exceed_cpus",
	 {NIC
	  "\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"cpu_policy\": \"dedicated\",\n"
	  "  \"cores\": 3, \"cpus\": \"4-5\"}]}"},
	 {"a.json:3:12: workloads[0].cores: 3 dedicated cores do not fit in the 2 CPUs of cpus (lower cores or list more CPUs)"}},
	{"type_specific_fields",
	 {NIC
	  "\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"domain\": \"x\"},\n"
	  "  {\"name\": \"b\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:01\", \"cores\": 2}]}"},
	 {"a.json:2:56: workloads[0].domain: only for type 'vm' (an NF is a process, not a libvirt domain; remove it)",
	  "a.json:3:72: workloads[1].cores: only for type 'nf' (a VM's vCPUs come from its libvirt domain; remove it)"}},
	{"nf_run_fields",
	 {"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"uplink\": \"net_tap0\"}],\n"
	  "\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"exec\": []},\n"
	  "  {\"name\": \"b\", \"type\": \"nf\", \"nic\": \"n0\", \"exec\": [\"nf-forward\", 3]},\n"
	  "  {\"name\": \"c\", \"type\": \"nf\", \"nic\": \"n0\", \"exec\": \"/usr/bin/nf-forward\"},\n"
	  "  {\"name\": \"d\", \"type\": \"nf\", \"nic\": \"n0\", \"exec\": [\"/bin/nf\"], \"env\": {\"1X\": \"a\", \"OK\": 5, \"Y\": \"ok\"},\n"
	  "   \"user\": \"Root\", \"group\": \"wheel group\", \"restart\": \"sometimes\", \"stop_timeout\": 0},\n"
	  "  {\"name\": \"e\", \"type\": \"nf\", \"nic\": \"n0\", \"user\": \"nfpath\", \"restart\": \"always\"},\n"
	  "  {\"name\": \"f\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:01\", \"exec\": [\"/bin/x\"], \"stop_timeout\": 5},\n"
	  "  {\"name\": \"g\", \"type\": \"nf\", \"nic\": \"n0\", \"exec\": [\"/bin/nf\"], \"stop_timeout\": 3601, \"env\": []}]}\n"},
	 {"a.json:2:64: workloads[0].exec: is empty (give the program and its arguments: [\"/usr/bin/nf-forward\"])",
	  "a.json:3:53: workloads[1].exec[0]: 'nf-forward' is not an absolute path (nfpathd does not search PATH: write the program's full path, such as /usr/bin/nf-forward)",
	  "a.json:3:67: workloads[1].exec[1]: expected a string, got an integer (put the value in double quotes)",
	  "a.json:4:52: workloads[2].exec: expected an array, got a string (write an array: [ ... ])", "a.json:5:73: workloads[3].env.1X: '1X' is not a variable name (use letters, digits and '_', not starting with a digit)", "a.json:5:90: workloads[3].env.OK: expected a string, got an integer (put the value in double quotes)", "a.json:6:12: workloads[3].user: 'Root' is not a user name (use lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32, or a number)", "a.json:6:29: workloads[3].group: 'wheel group' is not a group name (use lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32, or a number)", "a.json:6:55: workloads[3].restart: 'sometimes' is not valid (use one of: on-failure, always, never)", "a.json:6:84: workloads[3].stop_timeout: 0 is out of range (use 1-3600)", "a.json:7:44: workloads[4].user: needs exec (nfpathd runs an NF only when the policy says what to run: add \"exec\" or remove this field)", "a.json:7:62: workloads[4].restart: needs exec (nfpathd runs an NF only when the policy says what to run: add \"exec\" or remove this field)", "a.json:8:72: workloads[5].exec: only for type 'nf' (nfpathd runs NF processes, libvirt runs a VM; remove it)", "a.json:8:92: workloads[5].stop_timeout: only for type 'nf' (nfpathd runs NF processes, libvirt runs a VM; remove it)",
	  "a.json:9:81: workloads[6].stop_timeout: 3601 is out of range (use 1-3600)",
	  "a.json:9:94: workloads[6].env: expected an object, got an array (write an object: { ... })"}},
	{"nic_without_pf",
	 {"{\"nics\": [\n  {\"name\": \"a\"},\n"
	  "  {\"name\": \"b\", \"uplink\": \"net_af_packet1\", \"max_vfs\": 2, \"mtu\": 9000}]}"},
	 {"a.json:2:3: nics[0]: a NIC needs 'pf' (an SR-IOV PF) or 'uplink' (a datapath port), or both (add one)",
	  "a.json:3:56: nics[1].max_vfs: 'max_vfs' is about a PF and its VFs; this NIC has no 'pf' (add one, or remove 'max_vfs')",
	  "a.json:3:66: nics[1].mtu: 'mtu' is about a PF and its VFs; this NIC has no 'pf' (add one, or remove 'mtu')"}},
	{"bad_pf",
	 {"{\"nics\": [\n  {\"name\": \"a\", \"pf\": \"0000:3b:00.9\"},\n"
	  "  {\"name\": \"b\", \"pf\": \"a/b\"},\n"
	  "  {\"name\": \"c\", \"pf\": \"ens1f0#3-1\"},\n"
	  "  {\"name\": \"d\", \"pf\": \"ens2f0#x\"},\n"
	  "  {\"name\": \"e\", \"pf\": \"averyveryverylongname\"}]}"},
	 {"a.json:2:23: nics[0].pf: '0000:3b:00.9' is not a PCI address (write DDDD:BB:DD.F, like 0000:3b:00.0)",
	  "a.json:3:23: nics[1].pf: 'a/b' is not a network interface name (use 1-15 characters without '/', ':' or spaces)",
	  "a.json:4:23: nics[2].pf: 'ens1f0#3-1' has a bad VF range (write PF#FIRST-LAST with FIRST <= LAST <= 4095, like ens1f0#0-3)",
	  "a.json:5:23: nics[3].pf: 'ens2f0#x' has a bad VF range (write PF#FIRST-LAST with FIRST <= LAST <= 4095, like ens1f0#0-3)",
	  "a.json:6:23: nics[4].pf: 'averyveryverylongname' is not a network interface name (use 1-15 characters without '/', ':' or spaces)"}},
	{"bad_nic_fields",
	 {"{\"nics\": [{\"name\": \"a\", \"pf\": \"ens1f0\", \"vf_driver\": \"VFIO\", \"mtu\": 9,\n"
	  "  \"max_vfs\": 5000, \"uplink\": \"\"}]}"},
	 {"a.json:1:54: nics[0].vf_driver: 'VFIO' is not a driver name (use vfio-pci or a kernel driver such as iavf or mlx5_core)",
	  "a.json:1:69: nics[0].mtu: 9 is out of range (use 68-65535)",
	  "a.json:2:14: nics[0].max_vfs: 5000 is out of range (use 0-4096)",
	  "a.json:2:30: nics[0].uplink: '' is not a DPDK device (name one without spaces, like 0000:3b:00.0 or net_tap0,iface=nfp0)"}},
	{"chain_empty_hops_bad_hop_type",
	 {NIC
	  "\"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:09\", \"vlan\": 1,\n"
	  "  \"src_mac\": \"x\"}, \"hops\": [], \"egress\": \"drop\", \"on_hop_down\": \"skip\"},\n"
	  "  {\"name\": \"d\", \"match\": {\"dst_mac\": \"52:54:00:00:00:0a\"}, \"hops\": [1], \"egress\": \"drop\"}]}"},
	 {"a.json:3:3: chains[0].match.src_mac: unknown field (remove it; known fields: dst_mac, vlan)",
	  "a.json:3:28: chains[0].hops: is empty (list the NF workloads the traffic goes through, in order)",
	  "a.json:3:65: chains[0].on_hop_down: 'skip' is not valid (use one of: drop, bypass)",
	  "a.json:4:69: chains[1].hops[0]: expected a string, got an integer (put the value in double quotes)"}},
	{"version",
	 {"{\"version\": 2}", "{\"version\": \"1\"}"},
	 {"a.json:1:13: version: version 2 is not supported (this nfpath reads version 1)",
	  "b.json:1:13: version: expected an integer, got a string (write a whole number without quotes)"}},
	{"many_mistakes_one_pass",
	 {"{\n"
	  "  \"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"mtu\": 10}],\n"
	  "  \"workloads\": [\n"
	  "    {\"name\": \"web\", \"type\": \"vm\", \"nic\": \"n0\",\n"
	  "     \"mac\": \"52:54:00:00:00:01\",\n"
	  "     \"vlan\": 5000},\n"
	  "    {\"name\": \"db\", \"type\": \"vm\", \"nic\": \"n0\",\n"
	  "     \"mac\": \"01:54:00:00:00:01\",\n"
	  "     \"path\": \"fast\"}\n"
	  "  ]\n"
	  "}\n"},
	 {"a.json:2:50: nics[0].mtu: 10 is out of range (use 68-65535)",
	  "a.json:6:14: workloads[0].vlan: 5000 is out of range (use 1-4094)",
	  "a.json:8:13: workloads[1].mac: '01:54:00:00:00:01' is a multicast MAC (use a unicast address: the first octet must be even)",
	  "a.json:9:14: workloads[1].path: 'fast' is not valid (use one of: auto, vf, software)"}},
	{"utf8_columns",
	 {"{\"nics\": [{\"name\": \"n\\u00e9\", \"pf\": \"ens1f0\", \"mtu\": 1}],\n"
	  " \"x\": \"\xc3\xa9\xc3\xa9\", \"workloads\": 5}"},
	 {"a.json:1:20: nics[0].name: 'n\xc3\xa9' is not a valid name (use 1-63 letters, digits, '_', '-' or '.', starting with a letter or digit)",
	  "a.json:1:54: nics[0].mtu: 1 is out of range (use 68-65535)",
	  "a.json:2:2: x: unknown field (remove it; known fields: version, nics, workloads, chains)",
	  "a.json:2:26: workloads: expected an array, got an integer (write an array: [ ... ])"}},
};

/* The typed model of a policy that uses every field. */
static void
test_typed_values(void **state)
{
	static const struct policy_case c = {
		"typed",
		{"{\"version\": 1, \"nics\": [\n"
		 " {\"name\": \"n0\", \"pf\": \"0000:3b:00.0#4-7\", \"max_vfs\": 3, \"vf_driver\": \"iavf\",\n"
		 "  \"mtu\": 9000, \"uplink\": \"net_tap0\"},\n"
		 " {\"name\": \"n1\", \"pf\": \"ens2f0\"}],\n"
		 "\"workloads\": [\n"
		 " {\"name\": \"web\", \"type\": \"vm\", \"nic\": \"n1\", \"mac\": \"52:54:00:AB:cd:01\",\n"
		 "  \"vlan\": 100, \"vlan_qos\": 5, \"vlan_proto\": \"802.1ad\", \"path\": \"vf\",\n"
		 "  \"spoofchk\": false, \"trust\": true, \"link_state\": \"disable\", \"min_tx_rate\": 10,\n"
		 "  \"max_tx_rate\": 100, \"numa_affinity\": \"socket\", \"cpu_policy\": \"dedicated\",\n"
		 "  \"cpus\": \"2-3,8\", \"allow_path_move\": true},\n"
		 " {\"name\": \"fw\", \"type\": \"nf\", \"nic\": \"n0\", \"cores\": 2}],\n"
		 "\"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:ab:cd:01\", \"vlan\": 100},\n"
		 "  \"hops\": [\"fw\"], \"egress\": \"n1\", \"on_hop_down\": \"bypass\"}]}"},
		{NULL}};
	const uint8_t mac[VFM_MAC_LEN] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0x01};
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	const struct agent_workload *w;
	const struct agent_nic *n;
	struct vfm_cpuset cpus = {0};

	(void)state;
	assert_int_equal(case_load(&c, &p, &diags), 0);
	assert_int_equal(diags.n, 0);
	assert_int_equal(p->n_files, 1);
	assert_string_equal(p->files[0], "a.json");
	assert_int_equal(p->n_nics, 2);
	n = agent_policy_nic(p, "n0");
	assert_non_null(n);
	assert_string_equal(n->pf, "0000:3b:00.0");
	assert_true(n->pf_is_pci);
	assert_int_equal(n->pf_pci.bus, 0x3b);
	assert_true(n->has_vf_range);
	assert_int_equal(n->vf_first, 4);
	assert_int_equal(n->vf_last, 7);
	assert_true(n->has_max_vfs);
	assert_int_equal(n->max_vfs, 3);
	assert_string_equal(n->vf_driver, "iavf");
	assert_int_equal(n->mtu, 9000);
	assert_string_equal(n->uplink, "net_tap0");
	assert_int_equal(n->origin.line, 2);
	assert_int_equal(n->origin.column, 2);
	n = agent_policy_nic(p, "n1");
	assert_false(n->pf_is_pci);
	assert_false(n->has_vf_range);
	assert_false(n->has_max_vfs);
	assert_string_equal(n->vf_driver, "vfio-pci");
	assert_int_equal(n->mtu, 0);
	assert_null(n->uplink);

	w = agent_policy_workload(p, "web");
	assert_non_null(w);
	assert_int_equal(w->type, AGENT_WORKLOAD_VM);
	assert_string_equal(w->domain, "web");
	assert_int_equal(w->nic, 1);
	assert_true(w->has_mac);
	assert_memory_equal(w->mac, mac, VFM_MAC_LEN);
	assert_int_equal(w->vlan, 100);
	assert_int_equal(w->qos, 5);
	assert_int_equal(w->vlan_proto, AGENT_VLAN_8021AD);
	assert_int_equal(w->path, AGENT_PATH_VF);
	assert_false(w->spoofchk);
	assert_true(w->trust);
	assert_int_equal(w->link_state, AGENT_LINK_DISABLE);
	assert_int_equal(w->min_tx_rate, 10);
	assert_int_equal(w->max_tx_rate, 100);
	assert_int_equal(w->numa_affinity, AGENT_NUMA_SOCKET);
	assert_int_equal(w->cpu_policy, AGENT_CPU_DEDICATED);
	assert_int_equal(w->cores, 0);
	assert_true(w->has_cpus);
	vfm_cpuset_set(&cpus, 2);
	vfm_cpuset_set(&cpus, 3);
	vfm_cpuset_set(&cpus, 8);
	assert_true(vfm_cpuset_equal(&w->cpus, &cpus));
	assert_true(w->allow_path_move);

	w = agent_policy_workload(p, "fw");
	assert_int_equal(w->type, AGENT_WORKLOAD_NF);
	assert_null(w->domain);
	assert_int_equal(w->nic, 0);
	assert_false(w->has_mac);
	assert_int_equal(w->vlan, 0);
	assert_int_equal(w->path, AGENT_PATH_AUTO);
	assert_true(w->spoofchk);
	assert_false(w->trust);
	assert_int_equal(w->link_state, AGENT_LINK_AUTO);
	assert_int_equal(w->numa_affinity, AGENT_NUMA_PREFERRED);
	assert_int_equal(w->cpu_policy, AGENT_CPU_SHARED);
	assert_int_equal(w->cores, 2);
	assert_false(w->has_cpus);
	assert_true(w->allow_path_move);

	assert_int_equal(p->n_chains, 1);
	assert_memory_equal(p->chains[0].match_mac, mac, VFM_MAC_LEN);
	assert_int_equal(p->chains[0].match_vlan, 100);
	assert_int_equal(p->chains[0].n_hops, 1);
	assert_int_equal(p->chains[0].hops[0], 1);
	assert_int_equal(p->chains[0].egress, AGENT_EGRESS_NIC);
	assert_int_equal(p->chains[0].egress_nic, 1);
	assert_int_equal(p->chains[0].on_hop_down, AGENT_HOP_DOWN_BYPASS);

	assert_string_equal(agent_path_name(w->path), "auto");
	assert_string_equal(agent_vlan_proto_name(AGENT_VLAN_8021AD), "802.1ad");
	assert_string_equal(agent_numa_affinity_name(AGENT_NUMA_SOCKET), "socket");
	assert_string_equal(agent_hop_down_name(AGENT_HOP_DOWN_BYPASS), "bypass");
	assert_string_equal(agent_workload_type_name(AGENT_WORKLOAD_NF), "nf");
	assert_string_equal(agent_cpu_policy_name(AGENT_CPU_DEDICATED), "dedicated");
	assert_string_equal(agent_link_state_name(AGENT_LINK_ENABLE), "enable");
	agent_policy_free(p);
}

/* An NF's run fields, and their defaults. */
static void
test_nf_run_values(void **state)
{
	static const struct policy_case c = {
		"nf_run",
		{NIC
		 "\"workloads\": [\n"
		 " {\"name\": \"fw\", \"type\": \"nf\", \"nic\": \"n0\",\n"
		 "  \"exec\": [\"/usr/lib/nfpath/nf-firewall\", \"--rules\", \"/etc/nfpath/fw.json\"],\n"
		 "  \"env\": {\"LANG\": \"C\", \"_X1\": \"a=b\"}, \"user\": \"nfpath-nf\",\n"
		 "  \"group\": \"1001\", \"restart\": \"always\", \"stop_timeout\": 30},\n"
		 " {\"name\": \"ext\", \"type\": \"nf\", \"nic\": \"n0\"},\n"
		 " {\"name\": \"lb\", \"type\": \"nf\", \"nic\": \"n0\", \"exec\": [\"/bin/nf-lb\"]}]}"},
		{NULL}};
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	const struct agent_workload *w;

	(void)state;
	assert_int_equal(case_load(&c, &p, &diags), 0);
	w = agent_policy_workload(p, "fw");
	assert_int_equal(w->run.argc, 3);
	assert_string_equal(w->run.argv[0], "/usr/lib/nfpath/nf-firewall");
	assert_string_equal(w->run.argv[2], "/etc/nfpath/fw.json");
	assert_null(w->run.argv[3]);
	assert_int_equal(w->run.n_env, 2);
	assert_string_equal(w->run.env[0], "LANG=C");
	assert_string_equal(w->run.env[1], "_X1=a=b");
	assert_null(w->run.env[2]);
	assert_string_equal(w->run.user, "nfpath-nf");
	assert_string_equal(w->run.group, "1001");
	assert_int_equal(w->run.restart, AGENT_RESTART_ALWAYS);
	assert_string_equal(agent_restart_name(w->run.restart), "always");
	assert_int_equal(w->run.stop_timeout, 30);
	w = agent_policy_workload(p, "ext"); /* not run by nfpathd */
	assert_int_equal(w->run.argc, 0);
	assert_null(w->run.argv);
	w = agent_policy_workload(p, "lb"); /* defaults */
	assert_int_equal(w->run.argc, 1);
	assert_int_equal(w->run.n_env, 0);
	assert_null(w->run.user);
	assert_null(w->run.group);
	assert_int_equal(w->run.restart, AGENT_RESTART_ON_FAILURE);
	assert_string_equal(agent_restart_name(w->run.restart), "on-failure");
	assert_int_equal(w->run.stop_timeout, AGENT_NF_STOP_TIMEOUT_DEFAULT);
	agent_policy_free(p);
	agent_diags_clear(&diags);
}

int
main(void)
{
	const struct CMUnitTest typed[] = {cmocka_unit_test(test_typed_values),
					   cmocka_unit_test(test_nf_run_values)};
	int r = run_cases("policy-parse rules", cases, sizeof(cases) / sizeof(cases[0]));

	return r + cmocka_run_group_tests(typed, NULL, NULL);
}
