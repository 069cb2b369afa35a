/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The planner: agent_plan(policy, inventory, current) -> the ordered actions that make the node
 * match the policy, plus one decision record per workload saying where it goes and why. A pure
 * function: it reads its three inputs and nothing else (no clock, no files), so the same inputs
 * always give the same plan, and feeding a plan's result back as 'current' gives no actions.
 * nfpathd's apply step executes the actions; 'nfpathctl plan' and 'explain' print them.
 */
#ifndef NFPATH_AGENT_PLAN_H
#define NFPATH_AGENT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "nfpath/agent-diag.h"
#include "nfpath/agent-inventory.h"
#include "nfpath/agent-policy.h"
#include "nfpath/vfm-parse.h"

enum agent_place {
	AGENT_PLACE_NONE,     /* unplaced */
	AGENT_PLACE_VF,       /* on a VF of its NIC */
	AGENT_PLACE_SOFTWARE, /* VM: vhost-user port; NF: zero-copy slot, on nfpath-dp */
};

/* One workload's allocation: what the node has (current) or will have (a plan's result). */
struct agent_alloc_entry {
	char *workload;
	enum agent_workload_type type;
	enum agent_place place; /* never NONE in an allocation */
	char *pf;               /* VF: the PF's netdev name */
	unsigned vf;            /* VF: its index */
	unsigned slot;          /* software: vhost-user port (VM) or NF slot (NF) number */
	bool has_mac;
	uint8_t mac[VFM_MAC_LEN];
	uint16_t vlan;
	int numa_node;                   /* node of its CPUs, -1 = none */
	bool dedicated;                  /* its CPUs are its own */
	struct vfm_cpuset cpus;          /* vCPUs / NF cores run here; empty = not pinned */
	struct vfm_cpuset emulator_cpus; /* VM: the QEMU emulator threads */
};

/* A chain as set in the datapath; 'spec' captures its definition, so a change is seen. */
struct agent_alloc_chain {
	char *name;
	char *spec;
};

struct agent_alloc {
	size_t n;
	struct agent_alloc_entry *entries; /* by workload name */
	size_t n_chains;
	struct agent_alloc_chain *chains; /* by name */
	struct vfm_cpuset datapath_cpus;  /* nfpath-dp's lcores as pinned */
};

enum agent_action_type {
	AGENT_ACT_REMOVE_CHAIN,    /* chain */
	AGENT_ACT_REMOVE_STEERING, /* workload, mac, vlan */
	AGENT_ACT_DETACH_VF,       /* workload, pf, vf */
	AGENT_ACT_RELEASE_VF,      /* pf, vf: restore the VF's original state */
	AGENT_ACT_REMOVE_VHOST,    /* workload, slot */
	AGENT_ACT_REMOVE_NF_SLOT,  /* workload, slot */
	AGENT_ACT_CREATE_VFS,      /* pf, vf = the number of VFs that must exist */
	AGENT_ACT_CONFIGURE_VF,    /* workload, pf, vf: MAC, VLAN, rates, spoofchk, trust, link */
	AGENT_ACT_ATTACH_VF,       /* workload, pf, vf: hostdev to the VM / bind for the NF */
	AGENT_ACT_ADD_VHOST,       /* workload (VM), slot */
	AGENT_ACT_ADD_NF_SLOT,     /* workload (NF), slot */
	AGENT_ACT_ADD_STEERING,    /* workload, mac, vlan: rte_flow or the software classifier */
	AGENT_ACT_PIN_VCPUS,       /* workload (VM), cpus */
	AGENT_ACT_PIN_EMULATOR,    /* workload (VM), cpus */
	AGENT_ACT_PIN_NF,          /* workload (NF), cpus */
	AGENT_ACT_PIN_DATAPATH,    /* cpus */
	AGENT_ACT_SET_CHAIN,       /* chain */
	AGENT_ACT_PIN_VF_IRQS,     /* workload, pf, vf, cpus */
};

struct agent_action {
	enum agent_action_type type;
	char *workload; /* NULL when the action is not about one workload */
	char *pf;
	unsigned vf;
	unsigned slot;
	bool has_mac;
	uint8_t mac[VFM_MAC_LEN];
	uint16_t vlan;
	char *chain;
	struct vfm_cpuset cpus;
	char *text; /* one line for people: "attach VF ens1f0#2 (0000:3b:02.2) to VM 'vm3'" */
};

/* Why a workload is where it is, for 'nfpathctl explain'. */
struct agent_decision {
	char *workload;
	enum agent_workload_type type;
	enum agent_place place; /* NONE = unplaced */
	char *pf;
	unsigned vf;
	unsigned slot;
	int numa_node;
	struct vfm_cpuset cpus;
	bool kept;    /* the current allocation was still valid and is kept */
	bool moved;   /* it changes path (software -> VF make-before-break, or re-placed) */
	char *reason; /* one line */
	size_t n_tried;
	char **tried; /* what was considered, in order, one line each */
};

struct agent_plan {
	size_t n_actions;
	struct agent_action *actions; /* in the order to execute them */
	size_t n_decisions;
	struct agent_decision *decisions; /* one per workload, in policy order */
	struct agent_alloc *result;       /* the allocation after the actions */
	size_t n_vf, n_software, n_unplaced;
};

/*
 * Plan. 'current' may be NULL (nothing allocated). Returns 0 and *ret_plan (free with
 * agent_plan_free()); -EINVAL when an argument is NULL; -ENOMEM. A workload that cannot be placed
 * is not an error: its decision says AGENT_PLACE_NONE and why.
 */
int agent_plan(const struct agent_policy *policy, const struct agent_inventory *inv,
	       const struct agent_alloc *current, struct agent_plan **ret_plan);

void agent_plan_free(struct agent_plan *plan);

const struct agent_decision *agent_plan_decision(const struct agent_plan *plan,
						 const char *workload);

const char *agent_action_type_name(enum agent_action_type t);
const char *agent_place_name(enum agent_place p);

/* Allocations. */
void agent_alloc_free(struct agent_alloc *a);
const struct agent_alloc_entry *agent_alloc_find(const struct agent_alloc *a, const char *workload);

/*
 * Read allocations from JSON: either an allocation object or a 'nfpathctl plan --json' output
 * (its "allocations" member). Returns 0 and *ret_alloc, -EINVAL with diagnostics, -ENOMEM.
 */
int agent_alloc_load_buffer(const char *name, const char *text, size_t len,
			    struct agent_alloc **ret_alloc, struct agent_diags *diags);
int agent_alloc_load(const char *path, struct agent_alloc **ret_alloc, struct agent_diags *diags);
/* The same from a parsed object, and back (NULL without memory; 'a' may be NULL: empty). */
int agent_alloc_from_json(const json_t *o, struct agent_alloc **ret_alloc,
			  struct agent_diags *diags);
json_t *agent_alloc_to_json(const struct agent_alloc *a);

/* Print the plan as text (one action a line, then a summary) or as one JSON object. */
void agent_plan_print(const struct agent_plan *plan, FILE *out);
int agent_plan_print_json(const struct agent_plan *plan, FILE *out);

/* The same as JSON objects (NULL without memory). */
json_t *agent_plan_to_json(const struct agent_plan *plan);
json_t *agent_decision_to_json(const struct agent_decision *d);

/* Print one decision as text or JSON. */
void agent_decision_print(const struct agent_decision *d, FILE *out);
int agent_decision_print_json(const struct agent_decision *d, FILE *out);

#endif /* NFPATH_AGENT_PLAN_H */
