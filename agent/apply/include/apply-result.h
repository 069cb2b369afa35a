/* SPDX-License-Identifier: BSD-3-Clause */
/* What one apply run did, for 'nfpathctl status/apply' (apply.h fills it in). */
#ifndef AGENT_APPLY_RESULT_H
#define AGENT_APPLY_RESULT_H

#include <jansson.h>

struct agent_apply_result {
	unsigned long checked; /* ensure steps run */
	unsigned long changed; /* steps that changed something on the node */
	json_t *errors;        /* array of strings: what failed, where, and what to do */
	json_t *notes;         /* array of strings: what was skipped and why (not errors) */
	json_t *placements;    /* array: one object per workload, for 'nfpathctl status' */
	json_t *chains;        /* array: {"name","id","spec","hops"} */
	/* errors that only wait for libvirt's connection (VM interfaces, pins): READY=1 does not
	 * wait for them */
	unsigned long waiting_libvirt;
};

void agent_apply_result_init(struct agent_apply_result *res);
void agent_apply_result_clear(struct agent_apply_result *res);

#endif /* AGENT_APPLY_RESULT_H */
