// SPDX-License-Identifier: BSD-3-Clause
/*
 * The planner's CPU allocator: one NUMA-aware allocator for datapath lcores, NF cores and VM
 * vCPUs. Dedicated workloads get whole cores (hyperthread siblings stay together, so no other
 * workload shares their L1/L2), lowest CPU first on the first node that has room; reserved
 * (housekeeping) CPUs are never handed out. Shared workloads get the pool of their node's CPUs
 * that nobody holds exclusively (plan.c computes it with the arithmetic here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"

#define WORDS (VFM_CPUSET_MAX / 64)

void
plan_cpus_and(struct vfm_cpuset *r, const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t w = 0; w < WORDS; w++)
		r->bits[w] = a->bits[w] & b->bits[w];
}

void
plan_cpus_andnot(struct vfm_cpuset *r, const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t w = 0; w < WORDS; w++)
		r->bits[w] = a->bits[w] & ~b->bits[w];
}

void
plan_cpus_or(struct vfm_cpuset *r, const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t w = 0; w < WORDS; w++)
		r->bits[w] = a->bits[w] | b->bits[w];
}

bool
plan_cpus_empty(const struct vfm_cpuset *a)
{
	for (size_t w = 0; w < WORDS; w++) {
		if (a->bits[w])
			return false;
	}
	return true;
}

bool
plan_cpus_subset(const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t w = 0; w < WORDS; w++) {
		if (a->bits[w] & ~b->bits[w])
			return false;
	}
	return true;
}

void
plan_cpus_str(const struct vfm_cpuset *a, char *buf, size_t len)
{
	if (plan_cpus_empty(a) || vfm_cpuset_format(a, buf, len) < 0)
		snprintf(buf, len, "%s", plan_cpus_empty(a) ? "none" : "(too many to list)");
}

bool
plan_cpus_dedicated(const struct agent_inventory *inv, unsigned node, unsigned need,
		    const struct vfm_cpuset *free, const struct vfm_cpuset *allowed,
		    struct vfm_cpuset *ret, struct strbuf *why)
{
	const struct agent_inv_numa *n = agent_inventory_numa(inv, node);
	struct vfm_cpuset cand, got = {0}, sib, usable;
	unsigned count = 0, partial = 0;
	char buf[64];

	if (!n) {
		strbuf_printf(why, "node %u: not in the inventory", node);
		return false;
	}
	plan_cpus_and(&cand, &n->cpus, free);
	plan_cpus_and(&cand, &cand, allowed);
	for (unsigned c = 0; c < VFM_CPUSET_MAX && count < need; c++) {
		if (!vfm_cpuset_isset(&cand, c) || vfm_cpuset_isset(&got, c))
			continue;
		agent_inventory_cpu_siblings(inv, c, &sib);
		plan_cpus_andnot(&sib, &sib, &inv->reserved);
		plan_cpus_and(&usable, &sib, &cand);
		if (!vfm_cpuset_equal(&usable, &sib)) {
			/* A sibling is held by someone else or not allowed: skip the core. */
			partial++;
			continue;
		}
		plan_cpus_or(&got, &got, &sib);
		count = vfm_cpuset_count(&got);
	}
	if (count < need) {
		plan_cpus_str(&cand, buf, sizeof(buf));
		strbuf_printf(why,
			      "node %u: %u CPU%s free in whole cores, %u needed (free and allowed: "
			      "%s; %u core%s split by a busy or disallowed sibling)",
			      node, count, count == 1 ? "" : "s", need, buf, partial,
			      partial == 1 ? "" : "s");
		return false;
	}
	*ret = got;
	return true;
}

size_t
plan_node_order(const struct agent_inventory *inv, int nic_node, enum agent_numa_affinity aff,
		unsigned *ret_nodes)
{
	const struct agent_inv_numa *home =
		nic_node >= 0 ? agent_inventory_numa(inv, (unsigned)nic_node) : NULL;
	size_t n = 0;

	if (home)
		ret_nodes[n++] = home->id;
	if (home && aff == AGENT_NUMA_REQUIRED)
		return n;
	for (size_t i = 0; i < inv->n_numa; i++) {
		const struct agent_inv_numa *o = &inv->numa[i];

		if (home && o->id == home->id)
			continue;
		if (home && aff == AGENT_NUMA_SOCKET && o->socket != home->socket)
			continue;
		ret_nodes[n++] = o->id;
	}
	return n;
}

char *
plan_strdup(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}
