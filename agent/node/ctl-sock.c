// SPDX-License-Identifier: BSD-3-Clause
/* nfpathd's control socket (ctl-sock.h). */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl-sock.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

struct ctl_client {
	int fd;
	struct agent_ctl_peer peer;
	uint64_t last_ms; /* CLOCK_MONOTONIC ms of its last request (or its connect) */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct agent_ctl_server {
	char *path;
	int fd;
	const struct agent_ctl_op *ops;
	size_t n_ops;
	agent_ctl_handler_fn handler;
	void *opaque;
	struct ctl_client clients[AGENT_CTL_MAX_CLIENT];
	size_t n_clients;
	char *buf;
	unsigned int idle_ms; /* unprivileged clients silent longer are dropped */
};

static int
fill_addr(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen,
			 "control socket '%s': path longer than %zu bytes (use a shorter "
			 "control_socket)",
			 path, sizeof(sa->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int
agent_ctl_server_open(const char *path, const struct agent_ctl_op *ops, size_t n_ops,
		      agent_ctl_handler_fn handler, void *opaque, struct agent_ctl_server **ret_s,
		      char *err, size_t errlen)
{
	struct agent_ctl_server *s;
	struct sockaddr_un sa;
	char *dir;
	int r;

	r = fill_addr(path, &sa, err, errlen);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->path = strdup(path);
	s->idle_ms = AGENT_CTL_IDLE_MS;
	s->buf = malloc(AGENT_CTL_MSG_MAX + 1);
	dir = strdup(path);
	if (!s->path || !s->buf || !dir) {
		free(dir);
		r = -ENOMEM;
		goto fail;
	}
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "control socket '%s': cannot create its directory: %s", path,
			 strerror(-r));
		free(dir);
		goto fail;
	}
	free(dir);
	s->ops = ops;
	s->n_ops = n_ops;
	s->handler = handler;
	s->opaque = opaque;
	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "control socket: socket(): %s", strerror(-r));
		goto fail;
	}
	unlink(path); /* a stale socket from a previous run */
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->fd, 16) != 0) {
		r = -errno;
		snprintf(err, errlen,
			 "control socket '%s': %s (another nfpathd running? check control_socket)",
			 path, strerror(-r));
		goto fail;
	}
	if (chmod(path, 0666) != 0) {
		r = -errno;
		snprintf(err, errlen, "control socket '%s': chmod: %s", path, strerror(-r));
		goto fail;
	}
	*ret_s = s;
	return 0;
fail:
	agent_ctl_server_close(s);
	return r;
}

static void
drop_client(struct agent_ctl_server *s, size_t i)
{
	close(s->clients[i].fd);
	s->clients[i] = s->clients[--s->n_clients];
}

void
agent_ctl_server_close(struct agent_ctl_server *s)
{
	if (!s)
		return;
	while (s->n_clients)
		drop_client(s, 0);
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	free(s->path);
	free(s->buf);
	free(s);
}

size_t
agent_ctl_server_pollfds(const struct agent_ctl_server *s, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	if (max == 0)
		return 0;
	fds[n++] = (struct pollfd){.fd = s->fd, .events = POLLIN};
	for (size_t i = 0; i < s->n_clients && n < max; i++)
		fds[n++] = (struct pollfd){.fd = s->clients[i].fd, .events = POLLIN};
	return n;
}

static bool
peer_privileged(int fd, const struct ucred *uc)
{
	struct group *g;
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (uc->uid == 0 || uc->uid == geteuid())
		return true;
	g = getgrnam(AGENT_CTL_GROUP);
	if (!g)
		return false;
	if (uc->gid == g->gr_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		for (size_t i = 0; i < len / sizeof(gid_t); i++)
			if (groups[i] == g->gr_gid)
				return true;
	}
	return false;
}

static void send_error(int fd, const char *type, const char *message);

static void
accept_one(struct agent_ctl_server *s)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	size_t mine = 0;
	char msg[160] = "";
	bool priv;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0) {
		close(fd);
		return;
	}
	priv = peer_privileged(fd, &uc);
	for (size_t i = 0; i < s->n_clients; i++)
		mine += s->clients[i].peer.uid == uc.uid;
	if (s->n_clients == AGENT_CTL_MAX_CLIENT)
		snprintf(msg, sizeof(msg), "all %d connections are in use; try again",
			 AGENT_CTL_MAX_CLIENT);
	else if (!priv && mine >= AGENT_CTL_PER_UID)
		snprintf(msg, sizeof(msg),
			 "uid %u has %zu connections to nfpathd, the limit per user; close one",
			 (unsigned)uc.uid, mine);
	else if (!priv && s->n_clients >= AGENT_CTL_MAX_CLIENT - AGENT_CTL_RESERVED)
		snprintf(msg, sizeof(msg),
			 "the %d connections open to unprivileged users are in use; try again",
			 AGENT_CTL_MAX_CLIENT - AGENT_CTL_RESERVED);
	if (msg[0]) {
		char drain[512];

		send_error(fd, "no_space", msg);
		/* Read the client's first request away: a unix socket closed with unread messages
		 * resets its peer, and the error queued for it would be lost. */
		while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT | MSG_TRUNC) > 0)
			;
		close(fd);
		return;
	}
	s->clients[s->n_clients++] = (struct ctl_client){
		.fd = fd,
		.peer = {.pid = uc.pid, .uid = uc.uid, .gid = uc.gid, .privileged = priv},
		.last_ms = now_ms(),
	};
}

void
agent_ctl_server_set_idle_ms(struct agent_ctl_server *s, unsigned int ms)
{
	s->idle_ms = ms;
}

/* Unprivileged clients silent for idle_ms are hung up on, before any accept. */
static void
drop_idle(struct agent_ctl_server *s)
{
	uint64_t now = now_ms();

	for (size_t i = s->n_clients; i-- > 0;)
		if (!s->clients[i].peer.privileged && now - s->clients[i].last_ms > s->idle_ms)
			drop_client(s, i);
}

static void
send_json(int fd, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	if (text) {
		(void)send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
		free(text);
	}
	json_decref(msg);
}

static void
send_error(int fd, const char *type, const char *message)
{
	send_json(fd, json_pack("{s:i,s:b,s:{s:s,s:s}}", "v", 1, "ok", 0, "error", "type", type,
				"message", message));
}

static void
serve(struct agent_ctl_server *s, struct ctl_client *c, const char *text, size_t len)
{
	const struct agent_ctl_op *op = NULL;
	json_t *req, *result = NULL;
	const char *name;
	char err[1024] = "";
	json_error_t je;
	int r;

	req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!req || !json_is_object(req)) {
		snprintf(err, sizeof(err), "request is not a JSON object: %s",
			 req ? "wrong type" : je.text);
		send_error(c->fd, "parse_error", err);
		json_decref(req);
		return;
	}
	if (!json_object_get(req, "v")) {
		send_error(c->fd, "bad_request", "request has no 'v': send {\"v\":1,\"op\":...}");
		goto out;
	}
	if (!json_is_integer(json_object_get(req, "v")) ||
	    json_integer_value(json_object_get(req, "v")) != 1) {
		send_error(c->fd, "unsupported_version",
			   "this nfpathd speaks version 1 of the control protocol ('v': 1)");
		goto out;
	}
	name = json_string_value(json_object_get(req, "op"));
	if (!name) {
		send_error(c->fd, "bad_request", "request has no string 'op'");
		goto out;
	}
	for (size_t i = 0; i < s->n_ops; i++)
		if (strcmp(s->ops[i].name, name) == 0)
			op = &s->ops[i];
	if (!op) {
		snprintf(err, sizeof(err), "unknown op '%s' (this nfpathd serves:", name);
		for (size_t i = 0; i < s->n_ops; i++) {
			size_t l = strlen(err);
			snprintf(err + l, sizeof(err) - l, " %s", s->ops[i].name);
		}
		strncat(err, ")", sizeof(err) - strlen(err) - 1);
		send_error(c->fd, "unknown_op", err);
		goto out;
	}
	if (op->mutating && !c->peer.privileged) {
		snprintf(err, sizeof(err),
			 "'%s' changes the node: only root and members of the group '%s' may call "
			 "it (uid %u is neither; add the user to '%s')",
			 name, AGENT_CTL_GROUP, (unsigned)c->peer.uid, AGENT_CTL_GROUP);
		send_error(c->fd, "permission_denied", err);
		goto out;
	}
	r = s->handler(s->opaque, name, req, &c->peer, &result, err, sizeof(err));
	if (r < 0) {
		send_error(c->fd, "failed", err[0] ? err : strerror(-r));
		goto out;
	}
	send_json(c->fd, json_pack("{s:i,s:b,s:o}", "v", 1, "ok", 1, "result",
				   result ? result : json_object()));
out:
	json_decref(req);
}

void
agent_ctl_server_dispatch(struct agent_ctl_server *s, const struct pollfd *fds, size_t n)
{
	/* Clients first (by fd, since dropping reorders the array), then new connections. */
	for (size_t k = 1; k < n; k++) {
		size_t i;
		ssize_t len;

		if (!fds[k].revents)
			continue;
		for (i = 0; i < s->n_clients && s->clients[i].fd != fds[k].fd; i++)
			;
		if (i == s->n_clients)
			continue;
		/* MSG_TRUNC: the real length of a message too large to keep. */
		len = recv(s->clients[i].fd, s->buf, AGENT_CTL_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (len <= 0) {
			drop_client(s, i);
			continue;
		}
		s->clients[i].last_ms = now_ms();
		if ((size_t)len > AGENT_CTL_MSG_MAX) {
			char msg[128];

			snprintf(msg, sizeof(msg), "request of %zd bytes; the limit is %u", len,
				 AGENT_CTL_MSG_MAX);
			send_error(s->clients[i].fd, "too_large", msg);
			continue;
		}
		s->buf[len] = '\0';
		serve(s, &s->clients[i], s->buf, (size_t)len);
	}
	drop_idle(s);
	if (n > 0 && (fds[0].revents & POLLIN))
		accept_one(s);
}

int
agent_ctl_call(const char *path, const char *op, json_t *args, unsigned int timeout_ms,
	       json_t **ret_reply, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct pollfd p;
	json_t *msg, *reply;
	json_error_t je;
	char *text, *buf;
	ssize_t n;
	int fd, r;

	r = fill_addr(path, &sa, err, errlen);
	if (r < 0)
		return r;
	msg = args ? json_deep_copy(args) : json_object();
	if (!msg || json_object_set_new(msg, "v", json_integer(1)) ||
	    json_object_set_new(msg, "op", json_string(op))) {
		json_decref(msg);
		return -ENOMEM;
	}
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	buf = malloc(AGENT_CTL_MSG_MAX + 1);
	if (!text || !buf) {
		free(text);
		free(buf);
		return -ENOMEM;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket(): %s", strerror(-r));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		r = -errno;
		snprintf(err, errlen,
			 "cannot reach nfpathd at %s: %s (is nfpathd running? see "
			 "--socket)",
			 path, strerror(-r));
		goto out;
	}
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: send: %s", path, strerror(-r));
		goto out;
	}
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		r = r == 0 ? -ETIMEDOUT : -errno;
		snprintf(err, errlen, "%s: no reply from nfpathd within %u ms", path, timeout_ms);
		goto out;
	}
	n = recv(fd, buf, AGENT_CTL_MSG_MAX, 0);
	if (n <= 0) {
		r = n < 0 ? -errno : -ECONNRESET;
		snprintf(err, errlen, "%s: nfpathd hung up without a reply", path);
		goto out;
	}
	reply = json_loadb(buf, (size_t)n, 0, &je);
	if (!json_is_object(reply)) {
		json_decref(reply);
		r = -EPROTO;
		snprintf(err, errlen, "%s: the reply is not a JSON object", path);
		goto out;
	}
	*ret_reply = reply;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(buf);
	return r;
}
