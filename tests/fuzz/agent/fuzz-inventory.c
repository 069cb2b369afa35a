// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for the inventory loader (agent/plan/inventory-json.c) and, through it, the planner
 * (agent/plan*.c). The input is an inventory, optionally followed by a line "---" and current
 * allocations (agent_alloc_load_buffer()). Whatever loads is planned against a fixed policy that
 * uses every placement rule, and the plan's contract is checked: every workload decided once, no
 * VF given twice, no reserved CPU or datapath lcore handed out, dedicated CPUs exclusive, and a
 * re-plan from the result changes nothing (unless VFs had to be created, which the unchanged
 * inventory cannot show).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfpath/agent-plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char POLICY[] =
	"{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0#0-3\", \"max_vfs\": 3, \"uplink\": \"t0\"},"
	"            {\"name\": \"n1\", \"pf\": \"0000:3b:00.0\", \"uplink\": \"t1\"}],"
	" \"workloads\": ["
	"  {\"name\": \"vm1\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:01\"},"
	"  {\"name\": \"vm2\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:02\","
	"   \"path\": \"vf\", \"cpu_policy\": \"dedicated\", \"numa_affinity\": \"required\"},"
	"  {\"name\": \"nf1\", \"type\": \"nf\", \"nic\": \"n0\", \"cores\": 2,"
	"   \"cpu_policy\": \"dedicated\", \"numa_affinity\": \"socket\"},"
	"  {\"name\": \"nf2\", \"type\": \"nf\", \"nic\": \"n1\", \"path\": \"software\","
	"   \"cpus\": \"0-15\"},"
	"  {\"name\": \"vm3\", \"type\": \"vm\", \"nic\": \"n1\", \"mac\": \"52:54:00:00:00:03\","
	"   \"allow_path_move\": true, \"numa_affinity\": \"none\"},"
	"  {\"name\": \"vm4\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": \"52:54:00:00:00:04\","
	"   \"vlan\": 5, \"cpu_policy\": \"dedicated\"}],"
	" \"chains\": [{\"name\": \"c\", \"match\": {\"dst_mac\": \"52:54:00:00:00:03\"},"
	"   \"hops\": [\"nf2\"], \"egress\": \"n1\"}]}";

static struct agent_policy *policy;

static void
check(const struct agent_inventory *inv, const struct agent_plan *plan)
{
	struct vfm_cpuset dedicated = {0};

	if (plan->n_decisions != policy->n_workloads ||
	    plan->n_vf + plan->n_software + plan->n_unplaced != policy->n_workloads ||
	    plan->result->n != plan->n_vf + plan->n_software)
		abort();
	for (size_t i = 0; i < plan->result->n; i++) {
		const struct agent_alloc_entry *a = &plan->result->entries[i];

		for (size_t j = i + 1; j < plan->result->n; j++) {
			const struct agent_alloc_entry *b = &plan->result->entries[j];

			if (a->place == AGENT_PLACE_VF && b->place == AGENT_PLACE_VF &&
			    strcmp(a->pf, b->pf) == 0 && a->vf == b->vf)
				abort();
			if (a->place == AGENT_PLACE_SOFTWARE && b->place == AGENT_PLACE_SOFTWARE &&
			    a->type == b->type && a->slot == b->slot)
				abort();
		}
		for (unsigned c = 0; c < VFM_CPUSET_MAX; c++) {
			if (!vfm_cpuset_isset(&a->cpus, c))
				continue;
			if (vfm_cpuset_isset(&inv->reserved, c) ||
			    vfm_cpuset_isset(&plan->result->datapath_cpus, c))
				abort();
			if (a->dedicated && vfm_cpuset_isset(&dedicated, c))
				abort();
			if (a->dedicated)
				vfm_cpuset_set(&dedicated, c);
		}
	}
	for (size_t i = 0; i < plan->result->n; i++) {
		const struct agent_alloc_entry *a = &plan->result->entries[i];

		for (unsigned c = 0; !a->dedicated && c < VFM_CPUSET_MAX; c++) {
			if (vfm_cpuset_isset(&a->cpus, c) && vfm_cpuset_isset(&dedicated, c))
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep = NULL;
	struct agent_inventory *inv = NULL;
	struct agent_alloc *cur = NULL;
	struct agent_plan *plan = NULL, *again = NULL;
	struct agent_diags diags = {0};
	size_t inv_len = size;

	if (!policy) {
		struct agent_policy_source src = {"fuzz.json", POLICY, sizeof(POLICY) - 1};

		if (agent_policy_load_sources(&src, 1, &policy, &diags) < 0)
			abort();
	}
	for (size_t i = 0; i + 4 <= size; i++) {
		if (memcmp(text + i, "\n---", 4) == 0) {
			sep = text + i;
			break;
		}
	}
	if (sep)
		inv_len = (size_t)(sep - text);
	if (agent_inventory_load_buffer("inv.json", text, inv_len, &inv, &diags) < 0) {
		if (inv || (diags.n == 0 && !diags.oom))
			abort();
		goto out;
	}
	if (diags.n)
		abort();
	if (sep &&
	    agent_alloc_load_buffer("cur.json", sep + 4, size - inv_len - 4, &cur, &diags) < 0) {
		if (cur)
			abort();
		cur = NULL;
	}
	if (agent_plan(policy, inv, cur, &plan) < 0)
		abort();
	check(inv, plan);
	if (agent_plan(policy, inv, plan->result, &again) < 0)
		abort();
	check(inv, again);
	{
		bool created = false;

		for (size_t i = 0; i < plan->n_actions; i++)
			created |= plan->actions[i].type == AGENT_ACT_CREATE_VFS;
		if (!created && again->n_actions != 0)
			abort();
	}
out:
	agent_plan_free(again);
	agent_plan_free(plan);
	agent_alloc_free(cur);
	agent_inventory_free(inv);
	agent_diags_clear(&diags);
	return 0;
}
