/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control ops for network functions (ctl-ops.c calls these): NF slots (nf_add, nf_del,
 * nf_list) and chains through NFs, which chain_set turns into a chain of the NF table in
 * shared memory (nf.c) plus an egress port.
 */
#ifndef NFPATH_DP_CTL_NF_H
#define NFPATH_DP_CTL_NF_H

#include <jansson.h>

#include "ctl-msg.h"
#include "dp.h"

json_t *dp_ctl_nf_add(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err);
json_t *dp_ctl_nf_del(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err);
json_t *dp_ctl_nf_list(struct dp *dp);

/*
 * chain_set whose hops start with NFs: checks them (NF hops, then exactly one port hop),
 * sets the NF-table chain and fills 'c' with [NF, PORT]. 'egress' is the resolved port.
 * Returns 0, or a negative errno with 'err' filled.
 */
int dp_ctl_nf_chain_set(struct dp *dp, const struct dp_ctl_req *req, int egress, struct dp_chain *c,
			struct dp_ctl_err *err);

/* Frees the NF-table chain behind chain 'id', if any (chain_del, or a chain_set to ports). */
void dp_ctl_nf_chain_release(struct dp *dp, uint32_t id);

/* The hops of a chain through NFs as JSON: [{"nf": NAME}..., {"port": NAME, "index": I}]. */
json_t *dp_ctl_nf_chain_hops(const struct dp *dp, const struct dp_chain *c);

#endif
