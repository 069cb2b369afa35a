// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/plan/plan.c, the planner: VF placement within a NIC's range and max_vfs,
 * NUMA affinity (required/preferred/socket/none), fallback of 'auto' to the software path,
 * 'vf'-only workloads left unplaced without disturbing others, stable re-plans, a freed VF (NFs
 * move back make-before-break, VMs only with allow_path_move), the CPU allocator through the plan
 * (dedicated exclusive, whole cores, reserved CPUs never handed out), IRQ pins, two NUMA nodes,
 * stale allocations, and deterministic output.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nfpath/agent-plan.h"

/* One node, CPUs 0-7 (cores 0+4, 1+5, 2+6, 3+7), CPU 0 and 4 housekeeping, nfpath-dp on CPU 1,
 * one PF with 4 VFs, VF 3 of them absent until created. */
static const char INV1[] =
	"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-7\"}],"
	" \"siblings\": [\"0,4\", \"1,5\", \"2,6\", \"3,7\"], \"reserved_cpus\": \"0,4\","
	" \"datapath\": {\"present\": true, \"lcores\": \"1\"},"
	" \"pfs\": [{\"name\": \"ens1f0\", \"numa_node\": 0, \"total_vfs\": 4, \"num_vfs\": 4}],"
	" \"domains\": [{\"name\": \"vm1\", \"vcpus\": 2}, {\"name\": \"vm2\", \"vcpus\": 2},"
	"   {\"name\": \"vm3\", \"vcpus\": 1}, {\"name\": \"vm4\", \"vcpus\": 1},"
	"   {\"name\": \"vm5\", \"vcpus\": 1}, {\"name\": \"vm6\", \"vcpus\": 1}]}";

/* Two nodes on two sockets, a PF on each; CPUs 0 and 8 housekeeping; no datapath lcores given. */
static const char INV2[] =
	"{\"numa_nodes\": [{\"id\": 0, \"socket\": 0, \"cpus\": \"0-7\"},"
	"                 {\"id\": 1, \"socket\": %d, \"cpus\": \"8-15\"}],"
	" \"siblings\": [\"0,4\", \"1,5\", \"2,6\", \"3,7\", \"8,12\", \"9,13\", \"10,14\", "
	"\"11,15\"],"
	" \"reserved_cpus\": \"0,4,8,12\", \"datapath\": {\"present\": true, \"lcores\": \"1,5\"},"
	" \"pfs\": [{\"name\": \"ens1f0\", \"numa_node\": 0, \"total_vfs\": 4, \"num_vfs\": 4},"
	"          {\"name\": \"ens2f0\", \"numa_node\": 1, \"total_vfs\": 4, \"num_vfs\": 4}],"
	" \"domains\": [{\"name\": \"db\", \"vcpus\": 4}, {\"name\": \"web\", \"vcpus\": 2}]}";

static struct agent_policy *
pol(const char *text)
{
	struct agent_policy_source src = {"p.json", text, strlen(text)};
	struct agent_policy *p = NULL;
	struct agent_diags d = {0};
	char buf[512];
	int r = agent_policy_load_sources(&src, 1, &p, &d);

	for (size_t i = 0; i < d.n; i++) {
		agent_diag_format(&d.v[i], buf, sizeof(buf));
		print_message("policy: %s\n", buf);
	}
	assert_int_equal(r, 0);
	agent_diags_clear(&d);
	return p;
}

static struct agent_inventory *
inv_of(const char *text)
{
	struct agent_inventory *inv = NULL;
	struct agent_diags d = {0};
	int r = agent_inventory_load_buffer("inv.json", text, strlen(text), &inv, &d);

	for (size_t i = 0; i < d.n; i++)
		print_message("inventory: %s: %s\n", d.v[i].path, d.v[i].message);
	assert_int_equal(r, 0);
	agent_diags_clear(&d);
	return inv;
}

static struct agent_inventory *
inv2(int socket_of_node1)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), INV2, socket_of_node1);
	return inv_of(buf);
}

static struct agent_plan *
run(const struct agent_policy *p, const struct agent_inventory *inv, const struct agent_alloc *cur)
{
	struct agent_plan *plan = NULL;

	assert_int_equal(agent_plan(p, inv, cur, &plan), 0);
	for (size_t i = 0; i < plan->n_actions; i++)
		print_message("  %zu %s: %s\n", i, agent_action_type_name(plan->actions[i].type),
			      plan->actions[i].text);
	for (size_t i = 0; i < plan->n_decisions; i++) {
		print_message("  %s: %s\n", plan->decisions[i].workload, plan->decisions[i].reason);
		for (size_t t = 0; t < plan->decisions[i].n_tried; t++)
			print_message("    tried: %s\n", plan->decisions[i].tried[t]);
	}
	return plan;
}

/* Index of the first action of 'type' for 'workload' (NULL: any), or -1. */
static int
find(const struct agent_plan *plan, enum agent_action_type type, const char *workload)
{
	for (size_t i = 0; i < plan->n_actions; i++) {
		const struct agent_action *a = &plan->actions[i];

		if (a->type == type &&
		    (!workload || (a->workload && strcmp(a->workload, workload) == 0)))
			return (int)i;
	}
	return -1;
}

static size_t
count(const struct agent_plan *plan, enum agent_action_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_actions; i++)
		n += plan->actions[i].type == type;
	return n;
}

static const struct agent_decision *
dec(const struct agent_plan *plan, const char *name)
{
	const struct agent_decision *d = agent_plan_decision(plan, name);

	assert_non_null(d);
	return d;
}

static bool
tried_has(const struct agent_decision *d, const char *s)
{
	for (size_t i = 0; i < d->n_tried; i++) {
		if (strstr(d->tried[i], s))
			return true;
	}
	return false;
}

static char *
cpus(const struct agent_decision *d)
{
	static char buf[128];

	if (vfm_cpuset_format(&d->cpus, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

/* Re-planning with the result as 'current' changes nothing and keeps every placement. */
static void
assert_stable(const struct agent_policy *p, const struct agent_inventory *inv,
	      const struct agent_plan *plan)
{
	struct agent_plan *again = run(p, inv, plan->result);

	assert_int_equal(again->n_actions, 0);
	assert_int_equal(again->n_decisions, plan->n_decisions);
	for (size_t i = 0; i < plan->n_decisions; i++) {
		const struct agent_decision *a = &plan->decisions[i], *b = &again->decisions[i];

		assert_int_equal(a->place, b->place);
		assert_int_equal(a->vf, b->vf);
		assert_int_equal(a->slot, b->slot);
		assert_true(vfm_cpuset_equal(&a->cpus, &b->cpus));
		if (a->place != AGENT_PLACE_NONE)
			assert_true(b->kept);
	}
	agent_plan_free(again);
}

#define NIC1(extra)                                                                                \
	"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"uplink\": \"net_tap0\"" extra "}], "
#define VM(name, mac, path, extra)                                                                 \
	"{\"name\": \"" name                                                                       \
	"\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:" mac                    \
	"\", \"path\": \"" path "\"" extra "}"
#define NF(name, path, extra)                                                                      \
	"{\"name\": \"" name "\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"" path "\"" extra \
	"}"

/* Six VMs on 'auto', four VFs: four VF placements, two vhost-user fallbacks. */
static void
test_auto_fallback(void **state)
{
	struct agent_policy *p =
		pol(NIC1(", \"max_vfs\": 4") "\"workloads\": [" VM("vm1", "01", "auto", "") "," VM(
			"vm2", "02", "auto",
			"") "," VM("vm3", "03", "auto",
				   "") "," VM("vm4", "04", "auto",
					      "") "," VM("vm5", "05", "auto",
							 "") "," VM("vm6", "06", "auto", "") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL);

	(void)state;
	assert_int_equal(plan->n_vf, 4);
	assert_int_equal(plan->n_software, 2);
	assert_int_equal(plan->n_unplaced, 0);
	for (unsigned i = 0; i < 4; i++) {
		const struct agent_decision *d = &plan->decisions[i];

		assert_int_equal(d->place, AGENT_PLACE_VF);
		assert_int_equal(d->vf, i);
		assert_string_equal(d->pf, "ens1f0");
		assert_int_equal(d->numa_node, 0);
	}
	assert_int_equal(dec(plan, "vm5")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(dec(plan, "vm5")->slot, 0);
	assert_int_equal(dec(plan, "vm6")->slot, 1);
	assert_non_null(strstr(dec(plan, "vm5")->reason, "no VF is free"));
	assert_true(tried_has(dec(plan, "vm5"), "#0 vm1, #1 vm2, #2 vm3, #3 vm4"));
	assert_int_equal(count(plan, AGENT_ACT_ATTACH_VF), 4);
	assert_int_equal(count(plan, AGENT_ACT_CONFIGURE_VF), 4);
	assert_int_equal(count(plan, AGENT_ACT_ADD_VHOST), 2);
	assert_int_equal(count(plan, AGENT_ACT_ADD_STEERING), 2);
	assert_int_equal(count(plan, AGENT_ACT_CREATE_VFS), 0); /* all four exist */
	/* Shared vCPUs: the node's CPUs minus housekeeping and the datapath's lcore. */
	assert_string_equal(cpus(dec(plan, "vm1")), "2-3,5-7");
	assert_true(find(plan, AGENT_ACT_CONFIGURE_VF, "vm1") <
		    find(plan, AGENT_ACT_ATTACH_VF, "vm1"));
	assert_true(find(plan, AGENT_ACT_ADD_VHOST, "vm5") <
		    find(plan, AGENT_ACT_ADD_STEERING, "vm5"));
	assert_stable(p, inv, plan);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* Exhaustion with mixed paths: 'vf' ones get VFs first, 'auto' ones the rest then fall back,
 * 'software' ones never take a VF. */
static void
test_mixed_exhaustion(void **state)
{
	struct agent_policy *p =
		pol(NIC1(", \"max_vfs\": 4") "\"workloads\": [" VM("vm1", "01", "auto", "") "," NF(
			"fw", "software",
			"") "," VM("vm2", "02", "vf",
				   "") "," NF("mon", "auto",
					      "") "," VM("vm3", "03", "auto",
							 "") "," VM("vm4", "04", "vf",
								    "") "," NF("lb", "auto",
									       "") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL);

	(void)state;
	/* vf first in policy order, then auto in policy order. */
	assert_int_equal(dec(plan, "vm2")->vf, 0);
	assert_int_equal(dec(plan, "vm4")->vf, 1);
	assert_int_equal(dec(plan, "vm1")->vf, 2);
	assert_int_equal(dec(plan, "mon")->vf, 3);
	assert_int_equal(dec(plan, "vm3")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(dec(plan, "lb")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(dec(plan, "fw")->place, AGENT_PLACE_SOFTWARE);
	assert_non_null(strstr(dec(plan, "fw")->reason, "its path is 'software'"));
	/* NF slots and vhost ports are numbered apart. */
	assert_int_equal(dec(plan, "fw")->slot, 0);
	assert_int_equal(dec(plan, "lb")->slot, 1);
	assert_int_equal(dec(plan, "vm3")->slot, 0);
	assert_int_equal(count(plan, AGENT_ACT_ADD_NF_SLOT), 2);
	assert_int_equal(count(plan, AGENT_ACT_ADD_VHOST), 1);
	/* NFs get a core each from the shared pool; an NF has no MAC, so no steering. */
	assert_int_equal(find(plan, AGENT_ACT_ADD_STEERING, "fw"), -1);
	assert_true(find(plan, AGENT_ACT_PIN_NF, "fw") >= 0);
	assert_stable(p, inv, plan);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* A 'vf' workload without a VF is unplaced with the reason; the others are undisturbed. */
static void
test_vf_only_unplaced(void **state)
{
	static const char inv_text[] =
		"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}], \"datapath\": {\"lcores\": "
		"\"0\"},"
		" \"pfs\": [{\"name\": \"ens1f0\", \"numa_node\": 0, \"total_vfs\": 8,"
		"   \"vfs\": [{\"index\": 0}, {\"index\": 1, \"in_use\": true}, {\"index\": 2}]}]}";
	struct agent_policy *p = pol(
		"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0#0-1\", \"uplink\": \"net_tap0\"}],"
		" \"workloads\": [" VM("a", "01", "vf", "") "," VM("b", "02", "vf", "") "," VM(
			"c", "03", "auto", "") "]}");
	struct agent_inventory *inv = inv_of(inv_text);
	struct agent_plan *plan = run(p, inv, NULL);
	const struct agent_decision *b = dec(plan, "b");

	(void)state;
	assert_int_equal(dec(plan, "a")->place, AGENT_PLACE_VF);
	assert_int_equal(dec(plan, "a")->vf, 0);
	assert_int_equal(b->place, AGENT_PLACE_NONE);
	assert_non_null(strstr(b->reason, "unplaced: path is 'vf'"));
	assert_true(tried_has(b, "#1 (in use outside nfpath)"));
	assert_int_equal(dec(plan, "c")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(plan->n_unplaced, 1);
	assert_int_equal(find(plan, AGENT_ACT_ATTACH_VF, "b"), -1);
	assert_int_equal(find(plan, AGENT_ACT_ADD_VHOST, "b"), -1);
	/* Nothing of 'b' in the result; re-planning is stable. */
	assert_null(agent_alloc_find(plan->result, "b"));
	assert_stable(p, inv, plan);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* A NIC without a PF is a datapath port only: 'auto' goes to software, 'vf' is unplaced with
 * the reason, and a chain may leave through it. */
static void
test_nic_without_pf(void **state)
{
	struct agent_policy *p = pol(
		"{\"nics\": [{\"name\": \"n0\", \"uplink\": \"net_af_packet0\"}],"
		" \"workloads\": [" VM("a", "01", "vf", "") "," VM("b", "02", "auto", "") "," NF(
			"fw", "software",
			"") "],"
			    " \"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"02:00:00:00:00:01\"},"
			    "   \"hops\": [\"fw\"], \"egress\": \"n0\"}]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL);
	const struct agent_decision *a = dec(plan, "a");

	(void)state;
	assert_int_equal(a->place, AGENT_PLACE_NONE);
	assert_true(tried_has(a, "has no PF") || strstr(a->reason, "has no PF"));
	assert_int_equal(dec(plan, "b")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(dec(plan, "fw")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(count(plan, AGENT_ACT_CREATE_VFS), 0);
	assert_int_equal(count(plan, AGENT_ACT_SET_CHAIN), 1);
	assert_stable(p, inv, plan);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* VFs that do not exist yet are created first; max_vfs caps a NIC below its range. */
static void
test_create_vfs_and_max(void **state)
{
	static const char inv_text[] =
		"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}], \"datapath\": {\"present\": "
		"false},"
		" \"pfs\": [{\"name\": \"ens1f0\", \"numa_node\": 0, \"total_vfs\": 8, \"num_vfs\": "
		"1}]}";
	struct agent_policy *p = pol(
		"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"max_vfs\": 2, \"uplink\": "
		"\"t\"}],"
		" \"workloads\": [" VM("a", "01", "auto", "") "," VM("b", "02", "auto", "") "," VM(
			"c", "03", "auto", "") "]}");
	struct agent_inventory *inv = inv_of(inv_text);
	struct agent_plan *plan = run(p, inv, NULL);
	int create = find(plan, AGENT_ACT_CREATE_VFS, NULL);

	(void)state;
	assert_true(create >= 0);
	assert_int_equal(plan->actions[create].vf, 2); /* max_vfs at once, not one by one */
	assert_true(create < find(plan, AGENT_ACT_ATTACH_VF, "a"));
	assert_int_equal(dec(plan, "b")->vf, 1);
	/* No datapath: 'auto' cannot fall back. */
	assert_int_equal(dec(plan, "c")->place, AGENT_PLACE_NONE);
	assert_true(tried_has(dec(plan, "c"), "max_vfs (2)"));
	assert_true(tried_has(dec(plan, "c"), "nfpath-dp is not present"));
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* Creating VFs resets a PF's VFs on most drivers: create the NIC's whole range at once. */
static void
test_create_vfs_range(void **state)
{
	static const char inv_text[] =
		"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}],"
		" \"pfs\": [{\"name\": \"ens1f0\", \"numa_node\": 0, \"total_vfs\": 8, \"num_vfs\": "
		"1}]}";
	struct agent_policy *p =
		pol("{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0#2-5\", \"uplink\": \"t\"}],"
		    " \"workloads\": [" VM("a", "01", "auto", "") "]}");
	struct agent_inventory *inv = inv_of(inv_text);
	struct agent_plan *plan = run(p, inv, NULL);
	int create = find(plan, AGENT_ACT_CREATE_VFS, NULL);

	(void)state;
	assert_int_equal(dec(plan, "a")->vf, 2);
	assert_true(create >= 0);
	assert_int_equal(plan->actions[create].vf, 6);
	assert_string_equal(plan->actions[create].pf, "ens1f0");
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* NUMA affinity when the NIC's node is full of dedicated CPUs. */
static void
affinity_case(const char *affinity, int socket_of_node1, int want_node)
{
	char text[1024];
	struct agent_policy *p;
	struct agent_inventory *inv = inv2(socket_of_node1);
	struct agent_plan *plan;
	const struct agent_decision *d;

	/* Node 0 has 4 free CPUs (2,3,6,7) once the datapath has 1,5; 'big' asks for 6. */
	snprintf(
		text, sizeof(text),
		"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"uplink\": \"t\"}],"
		" \"workloads\": [{\"name\": \"big\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": "
		"\"auto\", \"cpu_policy\": \"dedicated\", \"cores\": 6, \"numa_affinity\": "
		"\"%s\"}]}",
		affinity);
	p = pol(text);
	plan = run(p, inv, NULL);
	d = dec(plan, "big");
	assert_true(tried_has(d, "node 0: 4 CPUs free in whole cores, 6 needed"));
	if (want_node < 0) {
		assert_int_equal(d->place, AGENT_PLACE_NONE);
		assert_non_null(strstr(d->reason, "unplaced: no CPUs"));
		assert_non_null(strstr(d->reason, affinity));
		assert_int_equal(plan->n_actions, 1); /* the datapath pin only */
	} else {
		assert_int_equal(d->place, AGENT_PLACE_VF);
		assert_string_equal(d->pf, "ens1f0"); /* the VF stays on the NIC's PF */
		assert_int_equal(d->numa_node, want_node);
		assert_string_equal(cpus(d), "9-11,13-15");
	}
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

static void
test_affinity_required(void **state)
{
	(void)state;
	affinity_case("required", 0, -1);
}

static void
test_affinity_preferred(void **state)
{
	(void)state;
	affinity_case("preferred", 1, 1);
}

static void
test_affinity_socket(void **state)
{
	(void)state;
	affinity_case("socket", 1, -1); /* node 1 is on another socket */
	affinity_case("socket", 0, 1);  /* same socket */
}

static void
test_affinity_none(void **state)
{
	(void)state;
	affinity_case("none", 1, 1);
}

/* Dedicated CPUs: whole cores, exclusive, never reserved; shared ones get what is left. */
static void
test_cpu_allocator(void **state)
{
	struct agent_policy *p = pol(NIC1("") "\"workloads\": [" NF("a", "software", ", \"cpu_policy\": \"dedicated\", \"cores\": 2") "," NF(
		"b", "software",
		", \"cpu_policy\": \"dedicated\", \"cores\": 1") "," NF("c", "software",
									", \"cpu_policy\": \"dedicated\", \"cores\": 1") "," NF("s",
																"software",
																"") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL);

	(void)state;
	/* Core 1+5 is split by the datapath on 1: 'a' takes 2+6, 'b' the whole core 3+7. */
	assert_string_equal(cpus(dec(plan, "a")), "2,6");
	assert_string_equal(cpus(dec(plan, "b")), "3,7");
	assert_int_equal(dec(plan, "c")->place, AGENT_PLACE_NONE);
	assert_true(tried_has(dec(plan, "c"), "1 core split by a busy or disallowed sibling"));
	/* The shared pool is what no one holds: CPU 5 (sibling of the datapath's lcore). */
	assert_string_equal(cpus(dec(plan, "s")), "5");
	for (size_t i = 0; i < plan->n_decisions; i++) {
		assert_false(vfm_cpuset_isset(&plan->decisions[i].cpus, 0));
		assert_false(vfm_cpuset_isset(&plan->decisions[i].cpus, 4));
		assert_false(vfm_cpuset_isset(&plan->decisions[i].cpus, 1));
	}
	assert_stable(p, inv, plan);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* 'cpus' restricts where a workload may run; a core with a disallowed sibling is not used. */
static void
test_cpu_allowed(void **state)
{
	struct agent_policy *p = pol(NIC1("") "\"workloads\": [" NF(
		"a", "software", ", \"cpu_policy\": \"dedicated\", \"cpus\": \"2-3,6\"") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL);

	(void)state;
	assert_string_equal(cpus(dec(plan, "a")), "2,6");
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* A dedicated VM: vCPUs on whole cores, emulator off them, IRQs of its VF on its vCPUs' CPUs. */
static void
test_irq_and_emulator_pins(void **state)
{
	struct agent_policy *p = pol(NIC1("") "\"workloads\": [" VM(
		"vm1", "01", "vf", ", \"cpu_policy\": \"dedicated\"") "," VM("vm2", "02", "auto",
									     "") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL);
	int irq = find(plan, AGENT_ACT_PIN_VF_IRQS, "vm1");
	int vcpus = find(plan, AGENT_ACT_PIN_VCPUS, "vm1");
	int emu = find(plan, AGENT_ACT_PIN_EMULATOR, "vm1");
	char buf[64];

	(void)state;
	assert_true(irq >= 0 && vcpus >= 0 && emu >= 0);
	assert_string_equal(cpus(dec(plan, "vm1")), "2,6");
	assert_true(vfm_cpuset_equal(&plan->actions[irq].cpus, &dec(plan, "vm1")->cpus));
	assert_true(vfm_cpuset_equal(&plan->actions[vcpus].cpus, &dec(plan, "vm1")->cpus));
	vfm_cpuset_format(&plan->actions[emu].cpus, buf, sizeof(buf));
	assert_string_equal(buf, "3,5,7"); /* the shared pool, not its dedicated CPUs */
	assert_string_equal(plan->actions[irq].pf, "ens1f0");
	assert_int_equal(plan->actions[irq].vf, dec(plan, "vm1")->vf);
	/* vm2 (shared) also has a VF: its IRQs go to the shared pool it runs on. */
	irq = find(plan, AGENT_ACT_PIN_VF_IRQS, "vm2");
	assert_true(irq >= 0);
	assert_true(vfm_cpuset_equal(&plan->actions[irq].cpus, &dec(plan, "vm2")->cpus));
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* Two NUMA nodes: each workload's VF from its NIC's PF and its CPUs on that PF's node. */
static void
test_two_nodes(void **state)
{
	struct agent_policy *p = pol(
		"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\", \"uplink\": \"t0\"},"
		"            {\"name\": \"n1\", \"pf\": \"ens2f0\", \"uplink\": \"t1\"}],"
		" \"workloads\": [{\"name\": \"db\", \"type\": \"vm\", \"nic\": \"n1\", \"mac\": "
		"\"52:54:00:00:00:01\", \"path\": \"vf\", \"numa_affinity\": \"required\", "
		"\"cpu_policy\": \"dedicated\"},"
		"  {\"name\": \"web\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:02\","
		"   \"cpu_policy\": \"dedicated\"},"
		"  {\"name\": \"lb\", \"type\": \"nf\", \"nic\": \"n1\", \"path\": \"software\"}]}");
	struct agent_inventory *inv = inv2(1);
	struct agent_plan *plan = run(p, inv, NULL);

	(void)state;
	assert_string_equal(dec(plan, "db")->pf, "ens2f0");
	assert_int_equal(dec(plan, "db")->numa_node, 1);
	assert_string_equal(cpus(dec(plan, "db")), "9-10,13-14");
	assert_string_equal(dec(plan, "web")->pf, "ens1f0");
	assert_int_equal(dec(plan, "web")->numa_node, 0);
	assert_string_equal(cpus(dec(plan, "web")), "2,6");
	assert_int_equal(dec(plan, "lb")->numa_node, 1);
	assert_string_equal(cpus(dec(plan, "lb")), "11,15");
	assert_stable(p, inv, plan);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

#define FREED_POLICY(max, vm1, move)                                                               \
	NIC1(", \"max_vfs\": " max)                                                                \
	"\"workloads\": [" vm1 VM("vm2", "02", "auto", "") "," NF("nf1", "auto", "") "," VM(       \
		"vm5", "05", "auto", move) "]}"

/* A VF frees up (vm1 goes): a software-placed NF moves back make-before-break; a VM without
 * allow_path_move stays even though max_vfs was raised and another VF is free. */
static void
test_freed_vf(void **state)
{
	struct agent_policy *p1 = pol(FREED_POLICY("2", VM("vm1", "01", "auto", "") ",", ""));
	struct agent_policy *p2 = pol(FREED_POLICY("3", "", ""));
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *before = run(p1, inv, NULL), *after;
	const struct agent_decision *d;
	int add, remove_slot, detach, release;

	(void)state;
	assert_int_equal(dec(before, "nf1")->place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(dec(before, "vm5")->place, AGENT_PLACE_SOFTWARE);
	after = run(p2, inv, before->result);
	d = dec(after, "nf1");
	assert_int_equal(d->place, AGENT_PLACE_VF);
	assert_int_equal(d->vf, dec(before, "vm1")->vf);
	assert_true(d->moved);
	assert_non_null(strstr(d->reason, "make before break"));
	/* vm1's VF is released first, then nf1's VF path is up before its NF slot goes. */
	detach = find(after, AGENT_ACT_DETACH_VF, "vm1");
	release = find(after, AGENT_ACT_RELEASE_VF, NULL);
	add = find(after, AGENT_ACT_ATTACH_VF, "nf1");
	remove_slot = find(after, AGENT_ACT_REMOVE_NF_SLOT, "nf1");
	assert_true(detach >= 0 && release > detach && add > release && remove_slot > add);
	assert_true(find(after, AGENT_ACT_CONFIGURE_VF, "nf1") < add);
	assert_true(find(after, AGENT_ACT_PIN_VF_IRQS, "nf1") >= 0);
	/* vm5 stays on its vhost-user port and says why. */
	d = dec(after, "vm5");
	assert_int_equal(d->place, AGENT_PLACE_SOFTWARE);
	assert_true(d->kept);
	assert_int_equal(find(after, AGENT_ACT_REMOVE_VHOST, "vm5"), -1);
	assert_true(tried_has(d, "allow_path_move is false"));
	assert_true(dec(after, "vm2")->kept);
	assert_stable(p2, inv, after);
	agent_plan_free(after);
	agent_plan_free(before);
	agent_policy_free(p2);
	agent_policy_free(p1);

	/* With allow_path_move, the VM moves too (the NF is earlier in the policy and gets the
	 * freed VF first; with two VFs freed both move). */
	p1 = pol(FREED_POLICY("2", VM("vm1", "01", "auto", "") ",", ", \"allow_path_move\": true"));
	before = run(p1, inv, NULL);
	p2 = pol(NIC1(", \"max_vfs\": 2") "\"workloads\": [" NF("nf1", "auto", "") "," VM(
		"vm5", "05", "auto", ", \"allow_path_move\": true") "]}");
	after = run(p2, inv, before->result);
	assert_int_equal(dec(after, "vm5")->place, AGENT_PLACE_VF);
	add = find(after, AGENT_ACT_ATTACH_VF, "vm5");
	remove_slot = find(after, AGENT_ACT_REMOVE_VHOST, "vm5");
	assert_true(add >= 0 && remove_slot > add);
	assert_true(find(after, AGENT_ACT_REMOVE_STEERING, "vm5") > add);
	assert_stable(p2, inv, after);
	agent_plan_free(after);
	agent_plan_free(before);
	agent_policy_free(p2);
	agent_policy_free(p1);
	agent_inventory_free(inv);
}

/* Stale things go first: a removed chain, a removed workload; a changed MAC re-configures. */
static void
test_stale_and_changes(void **state)
{
	struct agent_policy *p1 = pol(NIC1("") "\"workloads\": [" VM("vm1", "01", "vf", "") "," NF(
		"fw", "software",
		"") "," VM("vm2", "02", "software",
			   "") "], \"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:01\"}, \"hops\": [\"fw\"], \"egress\": \"n0\"}]}");
	struct agent_policy *p2 = pol(NIC1("") "\"workloads\": [" VM("vm1", "09", "vf", "") "," VM(
		"vm2", "02", "software", ", \"vlan\": 7") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *before = run(p1, inv, NULL), *after;

	(void)state;
	assert_true(find(before, AGENT_ACT_SET_CHAIN, NULL) >
		    find(before, AGENT_ACT_ADD_NF_SLOT, "fw"));
	after = run(p2, inv, before->result);
	assert_int_equal(find(after, AGENT_ACT_REMOVE_CHAIN, NULL), 0);
	assert_true(find(after, AGENT_ACT_REMOVE_NF_SLOT, "fw") > 0);
	/* vm1 keeps its VF; its new MAC means configure again, not attach again. */
	assert_true(dec(after, "vm1")->kept);
	assert_true(find(after, AGENT_ACT_CONFIGURE_VF, "vm1") >= 0);
	assert_int_equal(find(after, AGENT_ACT_ATTACH_VF, "vm1"), -1);
	/* vm2's VLAN changed: its steering is replaced, its port kept. */
	assert_true(find(after, AGENT_ACT_REMOVE_STEERING, "vm2") <
		    find(after, AGENT_ACT_ADD_STEERING, "vm2"));
	assert_int_equal(find(after, AGENT_ACT_ADD_VHOST, "vm2"), -1);
	assert_stable(p2, inv, after);
	agent_plan_free(after);
	agent_plan_free(before);
	agent_policy_free(p2);
	agent_policy_free(p1);
	agent_inventory_free(inv);
}

/* A current VF that became invalid (now used outside nfpath) is replaced, not released. */
static void
test_invalid_current_vf(void **state)
{
	static const char inv_text[] =
		"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}], \"datapath\": {\"lcores\": "
		"\"0\"},"
		" \"pfs\": [{\"name\": \"ens1f0\", \"numa_node\": 0, \"total_vfs\": 2,"
		"   \"vfs\": [{\"index\": 0, \"in_use\": true}, {\"index\": 1}]}]}";
	struct agent_policy *p = pol(NIC1("") "\"workloads\": [" VM("vm1", "01", "auto", "") "]}");
	struct agent_inventory *inv = inv_of(inv_text);
	struct agent_alloc cur = {0};
	struct agent_alloc_entry e = {.workload = "vm1",
				      .type = AGENT_WORKLOAD_VM,
				      .place = AGENT_PLACE_VF,
				      .pf = "ens1f0",
				      .vf = 0,
				      .has_mac = true,
				      .mac = {0x52, 0x54, 0, 0, 0, 1},
				      .numa_node = 0};
	struct agent_plan *plan;

	(void)state;
	cur.n = 1;
	cur.entries = &e;
	plan = run(p, inv, &cur);
	assert_int_equal(dec(plan, "vm1")->vf, 1);
	assert_true(dec(plan, "vm1")->moved);
	assert_true(find(plan, AGENT_ACT_DETACH_VF, "vm1") <
		    find(plan, AGENT_ACT_ATTACH_VF, "vm1"));
	assert_int_equal(find(plan, AGENT_ACT_RELEASE_VF, NULL), -1);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* Same inputs, same plan, byte for byte. */
static void
test_deterministic(void **state)
{
	struct agent_policy *p = pol(NIC1(", \"max_vfs\": 3") "\"workloads\": [" VM("vm1", "01", "auto", "") "," NF(
		"b", "auto",
		", \"cores\": 2") "," VM("vm2", "02", "vf",
					 ", \"cpu_policy\": \"dedicated\"") "," NF("a", "software",
										   "") "," VM("vm3",
											      "03",
											      "auto",
											      "") "]}");
	struct agent_inventory *inv = inv_of(INV1);
	char *out[2];
	size_t len[2];

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct agent_plan *plan = run(p, inv, NULL);
		FILE *f = open_memstream(&out[k], &len[k]);

		assert_int_equal(agent_plan_print_json(plan, f), 0);
		agent_plan_print(plan, f);
		fclose(f);
		agent_plan_free(plan);
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(out[0], out[1], len[0]);
	free(out[0]);
	free(out[1]);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

/* The JSON of a plan carries its allocations; read back as 'current', a re-plan is empty. */
static void
test_alloc_json_roundtrip(void **state)
{
	struct agent_policy *p = pol(
		NIC1(", \"max_vfs\": 2") "\"workloads\": [" VM("vm1", "01", "auto", ", \"vlan\": 12") "," NF(
			"b", "auto",
			", \"cores\": 2, \"cpu_policy\": \"dedicated\"") "," VM("vm2", "02", "auto",
										"") "," NF("a",
											   "software",
											   "") "], \"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:02\"}, \"hops\": [\"a\"], \"egress\": \"drop\"}]}");
	struct agent_inventory *inv = inv_of(INV1);
	struct agent_plan *plan = run(p, inv, NULL), *again;
	struct agent_alloc *cur = NULL;
	struct agent_diags d = {0};
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(agent_plan_print_json(plan, f), 0);
	fclose(f);
	assert_int_equal(agent_alloc_load_buffer("plan.json", text, len, &cur, &d), 0);
	assert_int_equal(cur->n, 4);
	assert_int_equal(cur->n_chains, 1);
	assert_int_equal(agent_alloc_find(cur, "vm1")->vlan, 12);
	assert_true(agent_alloc_find(cur, "b")->dedicated);
	again = run(p, inv, cur);
	assert_int_equal(again->n_actions, 0);
	agent_plan_free(again);
	agent_alloc_free(cur);
	free(text);
	/* Bad allocations are refused with where; so are unknown fields and an empty object is
	 * nothing allocated. */
	text = "{\"datapath_cpuz\": \"1\"}";
	assert_int_equal(agent_alloc_load_buffer("cur.json", text, strlen(text), &cur, &d),
			 -EINVAL);
	assert_string_equal(d.v[0].path, "datapath_cpuz");
	agent_diags_clear(&d);
	text = "{}";
	assert_int_equal(agent_alloc_load_buffer("cur.json", text, strlen(text), &cur, &d), 0);
	assert_int_equal(cur->n, 0);
	agent_alloc_free(cur);
	text = "{\"workloads\": [{\"name\": \"x\", \"type\": \"vm\", \"place\": \"vf\"}]}";
	assert_int_equal(agent_alloc_load_buffer("cur.json", text, strlen(text), &cur, &d),
			 -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].path, "workloads[0]");
	agent_diags_clear(&d);
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
}

static void
test_args(void **state)
{
	struct agent_plan *plan = NULL;

	(void)state;
	assert_int_equal(agent_plan(NULL, NULL, NULL, &plan), -EINVAL);
	assert_null(plan);
	agent_plan_free(NULL);
	assert_string_equal(agent_action_type_name(AGENT_ACT_PIN_VF_IRQS), "pin-vf-irqs");
	assert_string_equal(agent_place_name(AGENT_PLACE_NONE), "unplaced");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_fallback),
		cmocka_unit_test(test_mixed_exhaustion),
		cmocka_unit_test(test_vf_only_unplaced),
		cmocka_unit_test(test_nic_without_pf),
		cmocka_unit_test(test_create_vfs_and_max),
		cmocka_unit_test(test_create_vfs_range),
		cmocka_unit_test(test_affinity_required),
		cmocka_unit_test(test_affinity_preferred),
		cmocka_unit_test(test_affinity_socket),
		cmocka_unit_test(test_affinity_none),
		cmocka_unit_test(test_cpu_allocator),
		cmocka_unit_test(test_cpu_allowed),
		cmocka_unit_test(test_irq_and_emulator_pins),
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_freed_vf),
		cmocka_unit_test(test_stale_and_changes),
		cmocka_unit_test(test_invalid_current_vf),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_alloc_json_roundtrip),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
