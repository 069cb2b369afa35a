/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The apply engine: make the node match a plan's allocation (agent-plan.h), idempotently. It
 * reaches the node only through a struct agent_node (agent-node.h), so nfpathd and the unit
 * tests drive it alike.
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

#include "nfpath/agent-plan.h"

#include "agent-node.h"
#include "apply-result.h"

/*
 * Apply 'plan' (made from 'policy', 'inv' and the journal's allocation) on the node. Returns 0
 * when the node now matches the plan's result, -EAGAIN when some steps failed (res->errors says
 * which; the next converge retries them), -ENOMEM, or -EIO when the journal cannot be written
 * (nothing is touched then).
 */
int agent_apply(struct agent_node *node, const struct agent_policy *policy,
		const struct agent_inventory *inv, const struct agent_plan *plan,
		struct agent_apply_result *res);

/* The allocation to plan from: the journal's 'pending' when an apply was interrupted, else
 * 'applied'. NULL when there is none (first start) or it cannot be read (logged). */
struct agent_alloc *agent_apply_current(const struct agent_node *node);

#endif /* AGENT_APPLY_H */
