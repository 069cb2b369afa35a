/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpathd's apply step: make the node match a plan's allocation (agent-plan.h), idempotently.
 *
 * Every step is an "ensure": read what the node has (vf-manager, libvirt, /proc/irq, the
 * datapath's lists), change only what differs, and count what it changed. So applying the same
 * allocation twice changes nothing the second time, a datapath that restarted gets its NF slots,
 * vhost-user ports, chains and flows back (replay), and drift (a VF's MAC changed by hand) is
 * healed at the next converge.
 *
 * Crash safety: the target allocation is journalled ('pending') before anything is touched, each
 * VF's original state is journalled before its first change, and 'applied' is written only when
 * the whole allocation is in place. After a kill -9 the next start sees 'pending', plans from it
 * (placements stay stable), ensures the target and removes what the old and the pending
 * allocations had that the new one does not.
 *
 * Order: (1) what workloads that left the allocation had, and chains that left the policy;
 * (2) every entry of the target, then the chains; (3) the old path of workloads that moved
 * (make-before-break). A VF still used by the target is never released.
 */
#ifndef AGENT_APPLY_H
#define AGENT_APPLY_H

#include <jansson.h>

#include "nfpath/agent-plan.h"
#include "nfpath/vfm.h"

struct agent_daemon;

struct agent_apply_result {
	unsigned long checked; /* ensure steps run */
	unsigned long changed; /* steps that changed something on the node */
	json_t *errors;        /* array of strings: what failed, where, and what to do */
	json_t *notes;         /* array of strings: what was skipped and why (not errors) */
	json_t *placements;    /* array: one object per workload, for 'nfpathctl status' */
	json_t *chains;        /* array: {"name","id","spec","hops"} */
};

void agent_apply_result_init(struct agent_apply_result *res);
void agent_apply_result_clear(struct agent_apply_result *res);

/*
 * Apply 'plan' (made from 'inv' and the journal's allocation) on the node. Returns 0 when the
 * node now matches the plan's result, -EAGAIN when some steps failed (res->errors says which;
 * the next converge retries them), -ENOMEM, or -EIO when the journal cannot be written (nothing
 * is touched then).
 */
int agent_apply(struct agent_daemon *d, const struct agent_inventory *inv,
		const struct agent_plan *plan, struct agent_apply_result *res);

/* The allocation nfpathd plans from: the journal's 'pending' when an apply was interrupted,
 * else 'applied'. NULL when there is none (first start) or it cannot be read (logged). */
struct agent_alloc *agent_apply_current(struct agent_daemon *d);

/* A PF of nfpathd's vf-manager inventory by netdev name or id, and one of its VFs; NULL when
 * there is none. */
const struct vfm_pf *apply_vfm_pf(const struct agent_daemon *d, const char *name);
const struct vfm_vf *apply_vfm_vf(const struct vfm_pf *pf, unsigned int index);

#endif /* AGENT_APPLY_H */
