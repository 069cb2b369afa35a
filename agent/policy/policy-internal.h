/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between the three steps of loading a policy: policy-load.c reads and parses the texts,
 * policy-parse.c turns each file's tree into typed items appended to the policy, and
 * policy-check.c checks what spans items and files (names, MACs, references, VF capacity).
 */
#ifndef AGENT_POLICY_INTERNAL_H
#define AGENT_POLICY_INTERNAL_H

#include <jansson.h>

#include "json-read.h"
#include "nfpath/agent-policy.h"

struct policy_loader {
	struct agent_policy *policy;
	struct jr *readers; /* one per file, indexed like policy->files */
	size_t n_readers;
	struct agent_diags *diags;
};

/* Append the items of file 'file_index' (its tree is 'root'). Returns 0 or -ENOMEM. */
int policy_parse_file(struct policy_loader *l, size_t file_index, json_t *root);

/* Cross-item and cross-file checks; resolves names to indices. Returns 0 or -ENOMEM. */
int policy_check(struct policy_loader *l);

/* Is 's' a valid NIC, workload or chain name? */
bool policy_name_valid(const char *s);

#endif /* AGENT_POLICY_INTERNAL_H */
