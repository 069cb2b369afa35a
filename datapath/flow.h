/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC steering: for each (MAC, VLAN) the control plane adds, try an rte_flow rule
 * 'ETH dst=MAC [VLAN vid] -> QUEUE q' on the uplink (validate, then create); when the device
 * refuses, the software classifier alone carries the MAC and the reason is kept for the reply,
 * the stats and telemetry. The software entry is installed in both cases, so frames that reach
 * queue 0 before the rule exists are still classified.
 */
#ifndef NFPATH_DP_FLOW_H
#define NFPATH_DP_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_flow.h>

#include "classifier.h"
#include "dp.h"

/* The arrays of one rule; pattern and actions point into this struct. */
struct dp_flow_rule {
	struct rte_flow_attr attr;
	struct rte_flow_item pattern[4];
	struct rte_flow_action actions[2];
	struct rte_flow_item_eth eth_spec, eth_mask;
	struct rte_flow_item_vlan vlan_spec, vlan_mask;
	struct rte_flow_action_queue queue;
};

/* Fills 'r' for 'k' (VLAN item when k->vlan != 0) steering to RX queue 'queue'. */
void dp_flow_rule_build(struct dp_flow_rule *r, const struct dp_cls_key *k, uint16_t queue);

enum dp_flow_path {
	DP_FLOW_SOFTWARE = 0,
	DP_FLOW_HARDWARE = 1,
};

struct dp_flow {
	bool used;
	struct dp_cls_key key;
	uint32_t chain;
	uint16_t port;  /* index in dp->ports */
	uint16_t queue; /* hardware: the RX queue the rule steers to */
	enum dp_flow_path path;
	char reason[320]; /* software: why not hardware */
	struct rte_flow *rte;
};

struct dp_flow_table {
	unsigned int size; /* = classifier entries; indexed by classifier position */
	unsigned int n_used;
	struct dp_flow flows[];
};

int dp_flows_create(struct dp *dp, unsigned int entries);
/* Destroys every rte_flow rule and frees the table. */
void dp_flows_free(struct dp *dp);

/*
 * Adds (or re-points to 'chain') the flow for 'k' on port 'port'. On success '*ret' points at
 * the table entry (path, queue, reason). Returns 0, -ENOSPC (table full), -EINVAL.
 */
int dp_flow_add(struct dp *dp, const struct dp_cls_key *k, uint32_t chain, uint16_t port,
		const struct dp_flow **ret);
/* Removes the rule and the classifier entry. Returns 0 or -ENOENT. */
int dp_flow_del(struct dp *dp, const struct dp_cls_key *k);

/* What the uplink says about 'ETH dst -> QUEUE 0', for hello: "validates" or the refusal. */
void dp_flow_probe(struct dp *dp, uint16_t port, char *buf, size_t len);

const char *dp_flow_path_name(enum dp_flow_path p);

#endif
