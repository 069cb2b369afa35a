/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: a unix SOCK_SEQPACKET listener (mode 0660, group 'nfpath' when it
 * exists, peers checked with SO_PEERCRED), served from the main lcore between forwarding
 * rounds or from its own poll loop, never from a forwarding lcore. Each message is one request;
 * each gets exactly one reply (ctl-msg.h), executed by dp_ctl_handle (ctl-ops.c).
 */
#ifndef NFPATH_DP_CTL_H
#define NFPATH_DP_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dp.h"

/*
 * Connections: DP_CTL_MAX_CLIENTS in all, of which the last DP_CTL_RESERVED only for root and
 * nfpath-dp's own user (nfpathd), so that they always have room; any other user of the group
 * at most DP_CTL_PER_UID at once, each closed after idle_ms without a request.
 */
#define DP_CTL_MAX_CLIENTS  64
#define DP_CTL_RESERVED     8
#define DP_CTL_PER_UID      8
#define DP_CTL_IDLE_MS_DFLT 30000

struct dp_ctl {
	int lfd;
	int cfd[DP_CTL_MAX_CLIENTS];
	uid_t cuid[DP_CTL_MAX_CLIENTS];       /* the peer's uid (SO_PEERCRED) */
	uint64_t last_ms[DP_CTL_MAX_CLIENTS]; /* CLOCK_MONOTONIC ms of its last request */
	unsigned int idle_ms;                 /* unprivileged clients idle longer are closed */
	char *buf;
	char path[108];
	bool has_group;
	gid_t gid;
};

/* Marks 'c' closed, so that dp_ctl_close() is safe before dp_ctl_open(). */
void dp_ctl_init(struct dp_ctl *c);
/* Binds and listens. Returns 0 or -errno (message printed). */
int dp_ctl_open(struct dp_ctl *c, const char *path, const char *group);
/* Serves what is pending, waiting up to 'timeout_ms'. Returns 0 or -errno from poll. */
int dp_ctl_poll(struct dp_ctl *c, struct dp *dp, int timeout_ms);
/* Closes every connection and removes the socket file. */
void dp_ctl_close(struct dp_ctl *c);

/* Executes one request; returns the reply text (malloc'ed) or NULL on out-of-memory. */
char *dp_ctl_handle(struct dp *dp, const char *buf, size_t len);

#endif
