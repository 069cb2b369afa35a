/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between apply.c and apply-dp.c: one apply run's state and helpers. */
#ifndef AGENT_APPLY_INTERNAL_H
#define AGENT_APPLY_INTERNAL_H

#include <stdbool.h>

#include <jansson.h>

#include "nfpath/agent-plan.h"
#include "nfpath/vfm.h"

#include "apply.h"
#include "journal.h"

struct apply_run {
	struct agent_daemon *d;
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

/* apply-dp.c */
void apply_dp_begin(struct apply_run *r);
void apply_dp_end(struct apply_run *r);
/* A software placement: NF slot or vhost-user port, its chain and steering flow. A VM's
 * vhost-user socket path is written to sock. Returns 0 or -errno (problem recorded). */
int apply_dp_ensure_software(struct apply_run *r, const struct agent_alloc_entry *e,
			     const struct agent_workload *w, char *sock, size_t socklen);
/* Take a software placement down; the vhost-user socket it had goes to sock ("" none). */
void apply_dp_remove_software(struct apply_run *r, const struct agent_alloc_entry *e, char *sock,
			      size_t socklen);
void apply_dp_remove_stale_chains(struct apply_run *r);
void apply_dp_ensure_chains(struct apply_run *r);

#endif /* AGENT_APPLY_INTERNAL_H */
