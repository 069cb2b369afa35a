/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol's messages: parsing a request (one JSON object) into a struct and
 * writing replies. Pure (Jansson only, no DPDK, no sockets), so it is unit-tested and fuzzed
 * on its own (tests/unit/datapath/test-ctl-msg.c, tests/fuzz/datapath/).
 *
 * Request: {"v": 1, "id": N, "op": "NAME", ...arguments}
 * Reply:   {"v": 1, "id": N, "ok": true, "result": {...}}
 *          {"v": 1, "id": N|null, "ok": false, "error": {"type": "TYPE", "message": "..."}}
 */
#ifndef NFPATH_DP_CTL_MSG_H
#define NFPATH_DP_CTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define DP_CTL_VERSION   1
#define DP_CTL_MSG_MAX   65536 /* bytes; longer requests get a 'too_large' error */
#define DP_CTL_MAX_HOPS  8
#define DP_CTL_MAX_CHAIN 1023
#define DP_CTL_NAME_MAX  64

enum dp_ctl_op {
	DP_CTL_HELLO,
	DP_CTL_PORT_LIST,
	DP_CTL_FLOW_ADD,
	DP_CTL_FLOW_DEL,
	DP_CTL_FLOW_LIST,
	DP_CTL_CHAIN_SET,
	DP_CTL_CHAIN_DEL,
	DP_CTL_CHAIN_LIST,
	DP_CTL_STATS,
	DP_CTL_VHOST_ADD,
	DP_CTL_VHOST_DEL,
	DP_CTL_NF_ADD,
	DP_CTL_NF_DEL,
	DP_CTL_NF_LIST,
	DP_CTL_OP_MAX,
};

enum dp_ctl_errtype {
	DP_CTL_E_PARSE,       /* not JSON */
	DP_CTL_E_TOO_LARGE,   /* over DP_CTL_MSG_MAX */
	DP_CTL_E_BAD_REQUEST, /* JSON, but not a request: missing v/id/op, unknown field */
	DP_CTL_E_VERSION,     /* v is not a version we speak */
	DP_CTL_E_UNKNOWN_OP,
	DP_CTL_E_INVALID,   /* an argument has the wrong type or value */
	DP_CTL_E_NOT_FOUND, /* no such flow, chain or port */
	DP_CTL_E_NO_SPACE,  /* a table is full */
	DP_CTL_E_UNSUPPORTED,
	DP_CTL_E_PERMISSION,
	DP_CTL_E_BUSY, /* still used: a port a chain sends to */
	DP_CTL_E_INTERNAL,
	DP_CTL_E_MAX,
};

/* A port named by index (from port_list) or by device name. */
struct dp_ctl_portref {
	bool by_name;
	uint32_t index;
	char name[DP_CTL_NAME_MAX];
};

struct dp_ctl_hop {
	bool is_nf;
	char nf[DP_CTL_NAME_MAX]; /* is_nf: the NF (service) name */
	struct dp_ctl_portref port;
};

struct dp_ctl_req {
	bool has_id;
	int64_t id;
	enum dp_ctl_op op;
	/* flow_add, flow_del; vhost_add: the workload's (has_mac) */
	uint8_t mac[6];
	uint16_t vlan; /* 0: untagged */
	bool has_port;
	struct dp_ctl_portref port;
	/* flow_add, chain_set, chain_del */
	uint32_t chain;
	/* vhost_add, vhost_del: 1-32 of [A-Za-z0-9_-]; nf_add, nf_del: 1-31 of [A-Za-z0-9_.-] */
	char name[DP_CTL_NAME_MAX];
	/* nf_add: the service the slot is a replica of ("" = name), ring entries, CPU (-1) */
	char service[DP_CTL_NAME_MAX];
	uint32_t ring_size;
	int32_t cpu;
	/* chain_set */
	unsigned int n_hops;
	struct dp_ctl_hop hops[DP_CTL_MAX_HOPS];
	bool on_hop_down_bypass; /* "on_hop_down": "bypass" (default "drop") */
	/* vhost_add */
	bool vhost_client; /* "mode": "client" (default "server") */
	bool has_mac;
	bool spoofchk; /* default true */
};

struct dp_ctl_err {
	enum dp_ctl_errtype type;
	char msg[256];
};

const char *dp_ctl_op_name(enum dp_ctl_op op);
const char *dp_ctl_errtype_name(enum dp_ctl_errtype t);

/*
 * Parses one request of 'len' bytes (not NUL-terminated). Returns 0, or -EINVAL with 'err'
 * filled; req->has_id/id are set whenever the id could be read, so the error reply can carry it.
 */
int dp_ctl_parse(const char *buf, size_t len, struct dp_ctl_req *req, struct dp_ctl_err *err);

/* Reply texts (malloc'ed, NUL-terminated, compact). Take ownership of 'result' (may be NULL). */
char *dp_ctl_reply_ok(const struct dp_ctl_req *req, json_t *result);
char *dp_ctl_reply_err(bool has_id, int64_t id, enum dp_ctl_errtype t, const char *msg);

/* "02:00:00:00:00:01" from 6 bytes; 'buf' holds at least 18 bytes. */
void dp_ctl_mac_format(const uint8_t mac[6], char *buf);

#endif
