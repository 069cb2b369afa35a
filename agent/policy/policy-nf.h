/* SPDX-License-Identifier: BSD-3-Clause */
/* An NF workload's run fields (agent-nf-run.h), read by policy-parse.c's parse_workload(). */
#ifndef AGENT_POLICY_NF_H
#define AGENT_POLICY_NF_H

#include <stdbool.h>

#include <jansson.h>

#include "json-read.h"
#include "nfpath/agent-nf-run.h"

/*
 * Read exec, env, user, group, restart and stop_timeout of workload 'obj' (the reader's current
 * path) into 'run'. On a VM ('is_nf' false) each present field is an error. Every mistake is a
 * diagnostic; 'run' keeps what was valid.
 */
void policy_parse_nf_run(struct jr *r, json_t *obj, bool is_nf, struct agent_nf_run *run);

#endif /* AGENT_POLICY_NF_H */
