/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One apply run's state and the helpers apply.c and apply-dp.c share (apply-run.c): messages
 * kept in the result, CPU sets and MACs as strings, the journal write. Knows neither file.
 */
#ifndef AGENT_APPLY_RUN_H
#define AGENT_APPLY_RUN_H

#include <stdbool.h>

#include <jansson.h>

#include "nfpath/agent-plan.h"
#include "nfpath/vfm.h"

#include "agent-node.h"
#include "apply-result.h"
#include "journal.h"

struct apply_run {
	struct agent_node *node;
	const struct agent_policy *p;
	const struct agent_inventory *inv;
	const struct agent_plan *plan;
	const struct agent_alloc *want; /* plan->result */
	/* What may be on the node from before (journal): applied, pending, orphaned targets. */
	struct agent_alloc *olds[2 + AGENT_JOURNAL_ORPHANS_MAX];
	size_t n_olds;
	struct agent_apply_result *res;
	json_t *pl;                 /* the placement being filled, or NULL */
	json_t *irqs_owned;         /* IRQs pinned in this run */
	struct vfm_cpuset all_cpus; /* every CPU of the inventory */
	bool virt_off_noted;
	/* The datapath as listed at the start of the run (NULL: unreachable). */
	bool dp_ok;
	char dp_error[512];
	json_t *dp_nfs, *dp_ports, *dp_flows, *dp_chains;
};

void apply_problem(struct apply_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void apply_note(struct apply_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void apply_changed(struct apply_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
json_t *apply_cpus_json(const struct vfm_cpuset *c);
void apply_mac_str(const uint8_t mac[VFM_MAC_LEN], char buf[VFM_MAC_STRLEN]);
int apply_journal_save(struct apply_run *r);

#endif /* AGENT_APPLY_RUN_H */
