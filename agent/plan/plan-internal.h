/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between the planner's files: CPU set arithmetic and the CPU allocator (plan-cpu.c), the
 * placements (plan.c), actions and the result (plan-actions.c), output (plan-output.c) and
 * allocations (plan-alloc.c).
 */
#ifndef AGENT_PLAN_INTERNAL_H
#define AGENT_PLAN_INTERNAL_H

#include <stdbool.h>

#include "nfpath/agent-inventory.h"
#include "nfpath/agent-plan.h"
#include "strbuf.h"

/* CPU set arithmetic: r = a & b, r = a & ~b, r = a | b. 'r' may be 'a' or 'b'. */
void plan_cpus_and(struct vfm_cpuset *r, const struct vfm_cpuset *a, const struct vfm_cpuset *b);
void plan_cpus_andnot(struct vfm_cpuset *r, const struct vfm_cpuset *a, const struct vfm_cpuset *b);
void plan_cpus_or(struct vfm_cpuset *r, const struct vfm_cpuset *a, const struct vfm_cpuset *b);
bool plan_cpus_empty(const struct vfm_cpuset *a);
/* a is a subset of b. */
bool plan_cpus_subset(const struct vfm_cpuset *a, const struct vfm_cpuset *b);
/* "0-3,8" or "none" into a static-size buffer. */
void plan_cpus_str(const struct vfm_cpuset *a, char *buf, size_t len);

/*
 * Pick CPUs for a dedicated workload on NUMA node 'node': whole cores (every sibling that is not
 * reserved) from 'free' & 'allowed', lowest first, until at least 'need' CPUs. Returns true and
 * *ret when enough were found; false with 'why' filled otherwise.
 */
bool plan_cpus_dedicated(const struct agent_inventory *inv, unsigned node, unsigned need,
			 const struct vfm_cpuset *free, const struct vfm_cpuset *allowed,
			 struct vfm_cpuset *ret, struct strbuf *why);

/* The nodes to try, in order, for a workload whose NIC sits on 'nic_node' (-1 = unknown). */
size_t plan_node_order(const struct agent_inventory *inv, int nic_node,
		       enum agent_numa_affinity aff, unsigned *ret_nodes);

/* Copy of 's' or NULL for NULL; sets *oom when it fails. */
char *plan_strdup(const char *s, bool *oom);

#endif /* AGENT_PLAN_INTERNAL_H */
