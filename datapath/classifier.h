/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software classifier: an rte_hash from (destination MAC, VLAN) to a chain id, read by the
 * forwarding lcores without locks (RW_CONCURRENCY_LF) and written by the control plane only.
 * Deleted keys are reclaimed after an RCU grace period on dp->rcu. Also the chain table:
 * publishing, replacing and removing chains (chain.c).
 */
#ifndef NFPATH_DP_CLASSIFIER_H
#define NFPATH_DP_CLASSIFIER_H

#include <stdint.h>

#include "dp.h"

/* Key of the classifier; 'vlan' 0 means untagged. Padding-free, 8 bytes. */
struct dp_cls_key {
	uint8_t mac[6];
	uint16_t vlan;
};
_Static_assert(sizeof(struct dp_cls_key) == 8, "classifier key must be 8 bytes");

/* Creates the RCU variable for 'n_threads' forwarders and the hash. Returns 0 or -errno. */
int dp_classifier_create(struct dp *dp, unsigned int entries, unsigned int n_threads);
void dp_classifier_free(struct dp *dp);
/* Adds or replaces. Returns the key's position (>= 0, stable while present) or -errno. */
int dp_classifier_set(struct dp *dp, const struct dp_cls_key *k, uint32_t chain);
/* Returns the key's position or -ENOENT. */
int dp_classifier_pos(struct dp *dp, const struct dp_cls_key *k);
/* Returns 0 or -ENOENT. Waits for the forwarders to leave their current burst. */
int dp_classifier_del(struct dp *dp, const struct dp_cls_key *k);

/*
 * Replaces chain 'c->id' with a copy of 'c' (validated by the caller) and frees the previous
 * one after a grace period. Returns 0 or -ENOMEM.
 */
int dp_chain_set(struct dp *dp, const struct dp_chain *c);
/* Returns 0 or -ENOENT. */
int dp_chain_del(struct dp *dp, uint32_t id);
void dp_chains_free(struct dp *dp);

#endif
