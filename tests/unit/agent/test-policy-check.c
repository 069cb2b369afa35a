// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/policy-check.c: the rules that span items and files (unique names and
 * MACs, references, VF ranges, VF capacity), each with its exact diagnostic.
 */
#include "policy-test.h"

#define NIC0     "{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"uplink\": \"net_tap0\"}]}"
#define NF(name) "{\"name\": \"" name "\", \"type\": \"nf\", \"nic\": \"n0\"}"
#define VM(name, mac)                                                                              \
	"{\"name\": \"" name "\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"" mac "\"}"

static const struct policy_case cases[] = {
	{"good_across_files",
	 {NIC0, "{\"workloads\": [" NF("fw") ", " VM("web", "52:54:00:00:00:01") "]}",
	  "{\"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\"},\n"
	  "  \"hops\": [\"fw\"], \"egress\": \"n0\"}]}"},
	 {NULL}},
	{"duplicate_workload_names_across_files",
	 {NIC0, "{\"workloads\": [\n  " NF("fw") "]}",
	  "{\"workloads\": [" NF("x") ",\n  " NF("fw") "]}"},
	 {"c.json:2:12: workloads[1].name: 'fw' is already the name of workloads[0] at b.json:2:12 (choose a unique name)"}},
	{"duplicate_nic_and_chain_names",
	 {"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0#0-1\"}, {\"name\": \"n0\", \"pf\": \"ens1f0#2-3\"}],\n"
	  " \"workloads\": [" NF(
		  "f") "],\n"
		       " \"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\"}, \"hops\": [\"f\"], \"egress\": \"drop\"},\n"
		       "  {\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:02\"}, \"hops\": [\"f\"], \"egress\": \"drop\"}]}"},
	 {"a.json:1:56: nics[1].name: 'n0' is already the name of nics[0] at a.json:1:20 (choose a unique name)",
	  "a.json:4:12: chains[1].name: 'c' is already the name of chains[0] at a.json:3:22 (choose a unique name)"}},
	{"duplicate_macs_across_files",
	 {NIC0, "{\"workloads\": [" VM("a", "52:54:00:00:00:01") "]}",
	  "{\"workloads\": [" VM("b", "52:54:00:00:00:01") "]}"},
	 {"c.json:1:64: workloads[0].mac: 52:54:00:00:00:01 is already the MAC of workload 'a' at b.json:1:64 (give each workload its own MAC)"}},
	{"duplicate_macs_differ_in_case",
	 {NIC0,
	  "{\"workloads\": [" VM("a", "52:54:00:00:00:0a") ",\n" VM("b", "52:54:00:00:00:0A") "]}"},
	 {"b.json:2:49: workloads[1].mac: 52:54:00:00:00:0a is already the MAC of workload 'a' at b.json:1:64 (give each workload its own MAC)"}},
	{"unknown_nic",
	 {NIC0, "{\"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n1\"},\n"
		"  {\"name\": \"b\", \"type\": \"nf\", \"nic\": \"uplink\"}]}"},
	 {"b.json:1:51: workloads[0].nic: 'n1' is not a NIC (did you mean 'n0'?)",
	  "b.json:2:38: workloads[1].nic: 'uplink' is not a NIC (declare it under nics or fix the name)"}},
	{"software_needs_uplink",
	 {"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\"}],\n"
	  " \"workloads\": [{\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"software\"}]}"},
	 {"a.json:2:65: workloads[0].path: 'software' needs an uplink on NIC 'n0', which has none (add \"uplink\" to NIC 'n0' or use \"vf\")"}},
	{"vf_capacity_exceeded",
	 {"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"max_vfs\": 2}, {\"name\": \"n1\", \"pf\": \"ens2f0#0-0\"}]}",
	  "{\"workloads\": [\n"
	  "  {\"name\": \"a\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"vf\"},\n"
	  "  {\"name\": \"b\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"auto\"},\n"
	  "  {\"name\": \"c\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"vf\"},\n"
	  "  {\"name\": \"d\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"vf\"},\n"
	  "  {\"name\": \"e\", \"type\": \"nf\", \"nic\": \"n1\", \"path\": \"vf\"},\n"
	  "  {\"name\": \"f\", \"type\": \"nf\", \"nic\": \"n1\", \"path\": \"vf\"}]}"},
	 {"b.json:5:52: workloads[3].path: 'vf' needs a VF of NIC 'n0', but all 2 it may use are taken by earlier 'vf' workloads (use \"auto\" to fall back to software, or raise max_vfs of NIC 'n0')",
	  "b.json:7:52: workloads[5].path: 'vf' needs a VF of NIC 'n1', but all 1 it may use are taken by earlier 'vf' workloads (use \"auto\" to fall back to software, or raise max_vfs of NIC 'n1')"}},
	{"vf_auto_beyond_capacity_is_fine",
	 {"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"max_vfs\": 0, \"uplink\": \"net_tap0\"}],\n"
	  " \"workloads\": [" NF("a") ", " NF("b") "]}"},
	 {NULL}},
	{"vf_ranges_overlap",
	 {"{\"nics\": [\n"
	  "  {\"name\": \"a\", \"pf\": \"ens1f0#0-3\"},\n"
	  "  {\"name\": \"b\", \"pf\": \"ens1f0#4-7\"},\n"
	  "  {\"name\": \"c\", \"pf\": \"0000:3b:00.0#0-3\"}]}",
	  "{\"nics\": [\n"
	  "  {\"name\": \"d\", \"pf\": \"ens1f0#3-4\"},\n"
	  "  {\"name\": \"e\", \"pf\": \"3b:00.0\"},\n"
	  "  {\"name\": \"f\", \"pf\": \"ens2f0\"}]}"},
	 {"b.json:2:23: nics[0].pf: its VFs overlap those of NIC 'a' at a.json:2:23, on the same PF (give each NIC of a PF a disjoint VF range, like ens1f0#0-3 and ens1f0#4-7)",
	  "b.json:3:23: nics[1].pf: its VFs overlap those of NIC 'c' at a.json:4:23, on the same PF (give each NIC of a PF a disjoint VF range, like 3b:00.0#0-3 and 3b:00.0#4-7)"}},
	{"chain_hops",
	 {NIC0,
	  "{\"workloads\": [" NF("fw") ", " NF("nat") ", " VM("web", "52:54:00:00:00:01") "]}",
	  "{\"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\"},\n"
	  "  \"hops\": [\"fw\", \"web\", \"nat\", \"fw\", \"nta\", \"dpi\"], \"egress\": \"n9\"}]}"},
	 {"c.json:2:18: chains[0].hops[1]: 'web' is a vm, not an nf (a chain's hops are NF workloads; put the VM's MAC in match instead)",
	  "c.json:2:32: chains[0].hops[3]: 'fw' is already hops[0] (a chain visits each NF once; remove one)",
	  "c.json:2:38: chains[0].hops[4]: 'nta' is not a workload (did you mean 'nat'?)",
	  "c.json:2:45: chains[0].hops[5]: 'dpi' is not a workload (declare it under workloads with \"type\": \"nf\", or fix the name)",
	  "c.json:2:63: chains[0].egress: 'n9' is not a NIC (did you mean 'n0'?)"}},
	{"chain_same_match",
	 {NIC0,
	  "{\"workloads\": [" NF(
		  "f") "],\n"
		       " \"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\", \"vlan\": 5}, \"hops\": [\"f\"], \"egress\": \"drop\"},\n"
		       "  {\"name\": \"d\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\"}, \"hops\": [\"f\"], \"egress\": \"drop\"},\n"
		       "  {\"name\": \"e\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\", \"vlan\": 5}, \"hops\": [\"f\"], \"egress\": \"drop\"}]}"},
	 {"b.json:4:26: chains[2].match: dst_mac 52:54:00:00:00:01 vlan 5 is already the match of chain 'c' at b.json:2:36 (traffic can enter one chain only)"}},
	{"no_cross_checks_after_syntax_error",
	 {NIC0, "{\"workloads\": [" NF("fw") "]}", "{\"workloads\": [" NF("fw") "}"},
	 {"c.json:1:57: ']' expected near '}' (fix the JSON syntax)"}},
};

int
main(void)
{
	return run_cases("policy-check rules", cases, sizeof(cases) / sizeof(cases[0]));
}
