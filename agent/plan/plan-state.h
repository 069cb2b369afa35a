/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The planner's working state for one agent_plan() call: one struct ws per workload and the
 * struct planner around them. plan.c fills it (placements), plan-actions.c reads it (actions and
 * the result); helpers both use are in plan-state.c.
 */
#ifndef AGENT_PLAN_STATE_H
#define AGENT_PLAN_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "nfpath/agent-inventory.h"
#include "nfpath/agent-plan.h"
#include "strbuf.h"

struct ws {
	const struct agent_workload *w;
	const struct agent_alloc_entry *cur; /* same name and type, or NULL */
	const struct agent_inv_pf *pf;       /* its NIC's PF, NULL when not in the inventory */
	const struct agent_nic *nic;
	int nic_node;
	unsigned need; /* CPUs */
	bool chain_hop;
	bool cpu_ok;
	bool cpu_kept;
	int node;
	struct vfm_cpuset cpus, emu;
	enum agent_place place;
	unsigned vf, slot;
	bool kept;       /* placement (VF or software) unchanged */
	bool move;       /* software -> VF, make before break */
	bool remove_cur; /* the current placement goes before anything is added */
	bool done;       /* placement decided */
	struct strbuf reason;
	size_t n_tried;
	char **tried;
};

struct planner {
	const struct agent_policy *p;
	const struct agent_inventory *inv;
	const struct agent_alloc *cur;
	struct ws *ws;
	struct vfm_cpuset universe;  /* every node's CPUs minus the reserved ones */
	struct vfm_cpuset exclusive; /* held by a dedicated workload or the datapath */
	struct vfm_cpuset dp;
	const char *(*vf_owner)[AGENT_INV_VFS_MAX]; /* per inventory PF */
	unsigned *nic_vfs;                          /* VFs per policy NIC */
	bool *vhost_used, *slot_used;
	size_t n_slots;
	struct agent_plan *plan;
	size_t cap_actions;
	bool oom;
};

/* The owner recorded for a VF that something outside nfpath uses (compared by address). */
extern const char plan_foreign[];

/* "PF#VF (PCI address)" of VF vf of pf (pf may be NULL: "PF#VF"). */
void plan_vf_name(const struct agent_inv_pf *pf, const char *pf_name, unsigned vf, char *buf,
		  size_t len);
/* "VM" or "NF". */
const char *plan_kind(const struct agent_workload *w);

#endif /* AGENT_PLAN_STATE_H */
