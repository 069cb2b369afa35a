/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpathd's control socket, the one nfpathctl talks to: a unix SOCK_SEQPACKET socket, one JSON
 * object per message, one reply per request:
 *   -> {"v":1,"op":"status"}              (plus the op's arguments)
 *   <- {"v":1,"ok":true,"result":{...}}
 *   <- {"v":1,"ok":false,"error":{"type":"permission_denied","message":"..."}}
 * Anyone who can open the socket (mode 0666) may read; an op marked mutating is served only to
 * root, nfpathd's own user and members of the group 'nfpath' (SO_PEERCRED, SO_PEERGROUPS).
 * Error types: parse_error, too_large, bad_request, unsupported_version, unknown_op,
 * permission_denied, no_space, failed, internal.
 */
#ifndef AGENT_CTL_SOCK_H
#define AGENT_CTL_SOCK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define AGENT_CTL_GROUP   "nfpath"
#define AGENT_CTL_MSG_MAX (1u << 20)
/*
 * Connections: AGENT_CTL_MAX_CLIENT at once, the last AGENT_CTL_RESERVED of them only for
 * privileged peers (root, nfpathd's user, the group), so that nobody can lock them out; an
 * unprivileged user holds at most AGENT_CTL_PER_UID, each closed after AGENT_CTL_IDLE_MS
 * without a request. Over a limit, a client gets one no_space error, then a hang-up.
 */
#define AGENT_CTL_MAX_CLIENT 64
#define AGENT_CTL_RESERVED   16
#define AGENT_CTL_PER_UID    4
#define AGENT_CTL_IDLE_MS    10000

struct agent_ctl_server;

/* Change the idle time of unprivileged clients (default AGENT_CTL_IDLE_MS; tests shorten it). */
void agent_ctl_server_set_idle_ms(struct agent_ctl_server *s, unsigned int ms);

struct agent_ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool privileged; /* may call mutating ops */
};

/*
 * Serve one request. Return 0 with *ret_result (a new reference; NULL means {}), or -errno with
 * a message in err (sent as error type "failed").
 */
typedef int (*agent_ctl_handler_fn)(void *opaque, const char *op, json_t *request,
				    const struct agent_ctl_peer *peer, json_t **ret_result,
				    char *err, size_t errlen);

struct agent_ctl_op {
	const char *name;
	bool mutating;
};

struct agent_ctl_server;

/*
 * Listen on 'path' (a stale socket file is replaced; the parent directory is created 0755).
 * 'ops' (n_ops entries, not copied: keep it alive) lists what the handler serves.
 * Returns 0, or -errno with the reason in err.
 */
int agent_ctl_server_open(const char *path, const struct agent_ctl_op *ops, size_t n_ops,
			  agent_ctl_handler_fn handler, void *opaque,
			  struct agent_ctl_server **ret_s, char *err, size_t errlen);
/* Closes every client and removes the socket file. Accepts NULL. */
void agent_ctl_server_close(struct agent_ctl_server *s);

/* Fill up to 'max' pollfds (listening socket first, then clients). Returns how many. */
size_t agent_ctl_server_pollfds(const struct agent_ctl_server *s, struct pollfd *fds, size_t max);
/* Handle what poll() reported on those fds: accept, read requests, reply, drop hung-up clients. */
void agent_ctl_server_dispatch(struct agent_ctl_server *s, const struct pollfd *fds, size_t n);

/* Client side (nfpathctl): one request, one reply. Returns 0 and *ret_reply (the whole reply
 * object, a new reference), or -errno with the reason in err (no daemon, time-out...). */
int agent_ctl_call(const char *path, const char *op, json_t *args, unsigned int timeout_ms,
		   json_t **ret_reply, char *err, size_t errlen);

#endif /* AGENT_CTL_SOCK_H */
