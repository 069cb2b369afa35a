/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client of nfpath-dp's control socket (datapath/README.md, "Control protocol (version 1)"):
 * SOCK_SEQPACKET, one JSON object per message, one reply per request matched by "id".
 * Requests time out; a broken connection is closed and the next request reconnects, and
 * dp_client's 'reconnects' counter tells the caller to replay flows, chains and ports.
 */
#ifndef AGENT_DP_CLIENT_H
#define AGENT_DP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define AGENT_DP_MSG_MAX 65536

struct agent_dp_client {
	char *path;
	int fd;                  /* -1 when not connected */
	unsigned int timeout_ms; /* per request (default 2000) */
	uint64_t next_id;
	unsigned long connects; /* successful connects: > 1 means the caller must replay */
	char err[512];          /* the last failure: place, value, fix */
	char err_type[32];      /* the datapath's error type ("not_found"...), "" for local */
};

/* Returns NULL without memory. Does not connect. */
struct agent_dp_client *agent_dp_client_new(const char *path, unsigned int timeout_ms);
void agent_dp_client_free(struct agent_dp_client *c);

/* Connect when not connected. Returns 1 when a new connection was made, 0 when already
 * connected, -errno (err set). */
int agent_dp_client_connect(struct agent_dp_client *c);
void agent_dp_client_close(struct agent_dp_client *c);
bool agent_dp_client_connected(const struct agent_dp_client *c);

/*
 * Send {"v":1,"id":N,"op":op, ...args} (args: an object whose fields are copied; may be NULL;
 * not consumed) and wait for the reply with the same id (replies with other ids are dropped).
 * Connects first when needed; when the connection turns out broken (EPIPE, hang-up) it
 * reconnects once and resends. Returns 0 and *ret_result (the reply's "result", a new reference;
 * the caller json_decref()s it), -EREMOTEIO when the datapath answered ok:false (err_type and
 * err set), -ETIMEDOUT, -ECONNREFUSED/-ENOENT (no datapath), -EPROTO (malformed reply).
 */
int agent_dp_client_request(struct agent_dp_client *c, const char *op, json_t *args,
			    json_t **ret_result);

/* Typed helpers; ret_result may be NULL. */
int agent_dp_hello(struct agent_dp_client *c, json_t **ret_result);
int agent_dp_stats(struct agent_dp_client *c, json_t **ret_result);
int agent_dp_nf_add(struct agent_dp_client *c, const char *name, const char *service,
		    unsigned int ring_size, json_t **ret_result);
int agent_dp_nf_del(struct agent_dp_client *c, const char *name);
/* hops: a JSON array as the protocol spells it ([{"nf":"fw"},{"port":"net_ring1"}]); not
 * consumed. on_hop_down: "drop", "bypass" or NULL. */
int agent_dp_chain_set(struct agent_dp_client *c, unsigned int chain, json_t *hops,
		       const char *on_hop_down, json_t **ret_result);
int agent_dp_chain_del(struct agent_dp_client *c, unsigned int chain);
/* vlan 0: none. port NULL: the datapath's default uplink. */
int agent_dp_flow_add(struct agent_dp_client *c, const char *mac, unsigned int vlan,
		      unsigned int chain, const char *port, json_t **ret_result);
int agent_dp_flow_del(struct agent_dp_client *c, const char *mac, unsigned int vlan);
/* The VM port net_vhost_NAME for the workload with MAC 'mac' (NULL: none; then no anti-spoof
 * check) on VLAN 'vlan' (0: untagged); server mode. */
int agent_dp_vhost_add(struct agent_dp_client *c, const char *name, const char *mac,
		       unsigned int vlan, bool spoofchk, json_t **ret_result);
int agent_dp_vhost_del(struct agent_dp_client *c, const char *name);

#endif /* AGENT_DP_CLIENT_H */
