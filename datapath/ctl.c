// SPDX-License-Identifier: BSD-3-Clause
/*
 * The control socket (ctl.h). SOCK_SEQPACKET keeps message boundaries, so a request is one
 * recv() and its length is known (MSG_TRUNC) even when it is too large to keep. Clients are
 * served one message at a time from poll(); a client that vanishes costs only its slot.
 */
#include "ctl.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl-msg.h"
#include "log.h"

void
dp_ctl_init(struct dp_ctl *c)
{
	memset(c, 0, sizeof(*c));
	c->lfd = -1;
	c->idle_ms = DP_CTL_IDLE_MS_DFLT;
	for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		c->cfd[i] = -1;
	}
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Root and our own user (nfpathd) are never limited, nor timed out. */
static bool
privileged(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

int
dp_ctl_open(struct dp_ctl *c, const char *path, const char *group)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct group *gr = group ? getgrnam(group) : NULL;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd, r;

	unsigned int idle_ms = c->idle_ms;

	dp_ctl_init(c);
	c->idle_ms = idle_ms;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		dp_log(RTE_LOG_ERR, "--socket '%s': longer than %zu bytes", path,
		       sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	c->buf = malloc(DP_CTL_MSG_MAX + 1);
	if (!c->buf) {
		return -ENOMEM;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			dp_log(RTE_LOG_ERR, "control socket directory '%s': %s", dir,
			       strerror(errno));
			return r;
		}
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -errno;
	}
	/* A socket file left by a crashed nfpath-dp is removed; a live one is not stolen. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		dp_log(RTE_LOG_ERR,
		       "control socket '%s' is in use by another process: stop "
		       "it or choose another --socket",
		       path);
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -errno;
	}
	/* Created 0660 (umask 0117), so the file is never more open than it will be. */
	mode_t old_umask = umask(0117);

	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old_umask);
	if (r == 0 && listen(fd, 64) < 0) {
		r = -errno;
	}
	if (r < 0) {
		errno = -r;
		dp_log(RTE_LOG_ERR, "control socket '%s': bind: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	strcpy(c->path, path);
	c->lfd = fd;
	if (gr) {
		c->has_group = true;
		c->gid = gr->gr_gid;
		if (chown(path, (uid_t)-1, gr->gr_gid) < 0) {
			dp_log(RTE_LOG_WARNING, "chgrp '%s' to gid %u: %s", c->path,
			       (unsigned int)c->gid, strerror(errno));
		}
	}
	if (chmod(path, 0660) < 0) {
		r = -errno;
		dp_log(RTE_LOG_ERR, "control socket '%s': %s", path, strerror(errno));
		dp_ctl_close(c);
		return r;
	}
	return 0;
}

/* Root, our own user, or a member (primary or supplementary) of the socket group. */
static bool
peer_allowed(const struct dp_ctl *c, int fd, uid_t *ret_uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		return false;
	}
	*ret_uid = cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid()) {
		return true;
	}
	if (!c->has_group) {
		return false;
	}
	if (cred.gid == c->gid) {
		return true;
	}
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		for (size_t i = 0; i < len / sizeof(gid_t); i++) {
			if (groups[i] == c->gid) {
				return true;
			}
		}
	}
	return false;
}

static void
send_reply(int fd, char *reply)
{
	static const char oom[] = "{\"v\":1,\"id\":null,\"ok\":false,\"error\":{\"type\":"
				  "\"internal\",\"message\":\"out of memory\"}}";

	if (!reply) {
		(void)send(fd, oom, sizeof(oom) - 1, MSG_NOSIGNAL);
		return;
	}
	if (send(fd, reply, strlen(reply), MSG_NOSIGNAL) < 0 && errno == EMSGSIZE) {
		char *e = dp_ctl_reply_err(false, 0, DP_CTL_E_TOO_LARGE,
					   "the reply is larger than the socket's send buffer; "
					   "read it through DPDK telemetry instead");

		if (e) {
			(void)send(fd, e, strlen(e), MSG_NOSIGNAL);
		}
		free(e);
	}
	free(reply);
}

/*
 * Close a refused connection so that its client still reads why: a unix socket closed with
 * unread messages resets its peer (ECONNRESET), which discards the error reply queued for it.
 * A client usually sends its first request before we accept, so read that away first.
 */
static void
close_refused(int fd)
{
	char drain[512];

	while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT | MSG_TRUNC) > 0)
		;
	close(fd);
}

/* Returns false when nothing more is pending. */
static bool
accept_one(struct dp_ctl *c)
{
	struct timeval tv = {.tv_sec = 1};
	int sndbuf = 4 << 20;
	int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
	int slot = -1, used = 0, mine = 0;
	uid_t uid = (uid_t)-1;
	char msg[160];

	if (fd < 0) {
		return false;
	}
	/* A client that does not read its replies blocks us for at most a second. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	if (!peer_allowed(c, fd, &uid)) {
		send_reply(fd, dp_ctl_reply_err(false, 0, DP_CTL_E_PERMISSION,
						"only root and the socket's group may use the "
						"nfpath-dp control socket"));
		close_refused(fd);
		return true;
	}
	for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		if (c->cfd[i] < 0) {
			slot = slot < 0 ? i : slot;
			continue;
		}
		used++;
		mine += c->cuid[i] == uid;
	}
	msg[0] = '\0';
	if (slot < 0) {
		snprintf(msg, sizeof(msg), "all %d control connections are in use; close one",
			 DP_CTL_MAX_CLIENTS);
	} else if (!privileged(uid) && mine >= DP_CTL_PER_UID) {
		snprintf(msg, sizeof(msg),
			 "uid %u has %d control connections, the limit per user; close one",
			 (unsigned int)uid, mine);
	} else if (!privileged(uid) && used >= DP_CTL_MAX_CLIENTS - DP_CTL_RESERVED) {
		snprintf(msg, sizeof(msg),
			 "the %d control connections open to users other than root are in use",
			 DP_CTL_MAX_CLIENTS - DP_CTL_RESERVED);
	}
	if (msg[0]) {
		send_reply(fd, dp_ctl_reply_err(false, 0, DP_CTL_E_NO_SPACE, msg));
		close_refused(fd);
		return true;
	}
	c->cuid[slot] = uid;
	c->last_ms[slot] = now_ms();
	c->cfd[slot] = fd;
	return true;
}

static void
serve_one(struct dp_ctl *c, struct dp *dp, int slot, short revents)
{
	int fd = c->cfd[slot];
	ssize_t n = recv(fd, c->buf, DP_CTL_MSG_MAX + 1, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	c->last_ms[slot] = now_ms();
	/* recv() gives 0 for an empty message and for the peer's close: only a close hangs up. */
	if (n == 0 && !(revents & (POLLHUP | POLLERR))) {
		send_reply(fd, dp_ctl_handle(dp, c->buf, 0));
		return;
	}
	if (n <= 0) {
		/* Orderly close (0) or a reset: forget the client. */
		close(fd);
		c->cfd[slot] = -1;
		return;
	}
	if (n > DP_CTL_MSG_MAX) {
		char msg[128];

		snprintf(msg, sizeof(msg), "request of %zd bytes; the limit is %d", n,
			 DP_CTL_MSG_MAX);
		send_reply(fd, dp_ctl_reply_err(false, 0, DP_CTL_E_TOO_LARGE, msg));
		return;
	}
	send_reply(fd, dp_ctl_handle(dp, c->buf, (size_t)n));
}

/* Unprivileged clients silent for idle_ms are hung up on: they cannot hold slots forever. */
static void
close_idle(struct dp_ctl *c)
{
	uint64_t now = now_ms();

	for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		if (c->cfd[i] >= 0 && !privileged(c->cuid[i]) && now - c->last_ms[i] > c->idle_ms) {
			close(c->cfd[i]);
			c->cfd[i] = -1;
		}
	}
}

int
dp_ctl_poll(struct dp_ctl *c, struct dp *dp, int timeout_ms)
{
	struct pollfd pfd[DP_CTL_MAX_CLIENTS + 1];
	int map[DP_CTL_MAX_CLIENTS + 1];
	int n = 0, r;

	pfd[n].fd = c->lfd;
	pfd[n].events = POLLIN;
	map[n++] = -1;
	for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		if (c->cfd[i] >= 0) {
			pfd[n].fd = c->cfd[i];
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
	}
	r = poll(pfd, (nfds_t)n, timeout_ms);
	if (r <= 0) {
		r = r < 0 && errno != EINTR ? -errno : 0;
		close_idle(c);
		return r;
	}
	for (int i = 1; i < n; i++) {
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			serve_one(c, dp, map[i], pfd[i].revents);
		}
	}
	if (pfd[0].revents & POLLIN) {
		/* Bounded, so a connection storm cannot starve the forwarding on this lcore. */
		for (int i = 0; i < 64 && accept_one(c); i++) {
		}
	}
	close_idle(c);
	return 0;
}

void
dp_ctl_close(struct dp_ctl *c)
{
	for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		if (c->cfd[i] >= 0) {
			close(c->cfd[i]);
			c->cfd[i] = -1;
		}
	}
	if (c->lfd >= 0) {
		close(c->lfd);
		c->lfd = -1;
		(void)unlink(c->path);
	}
	free(c->buf);
	c->buf = NULL;
}
