/* SPDX-License-Identifier: BSD-3-Clause */
/* The datapath's part of an apply run (apply-dp.c), called by apply.c. */
#ifndef AGENT_APPLY_DP_H
#define AGENT_APPLY_DP_H

#include <stddef.h>

#include "nfpath/agent-plan.h"

#include "apply-run.h"

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

#endif /* AGENT_APPLY_DP_H */
