// SPDX-License-Identifier: BSD-3-Clause
/* Client of nfpath-dp's control socket (dp-client.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dp-client.h"

struct agent_dp_client *
agent_dp_client_new(const char *path, unsigned int timeout_ms)
{
	struct agent_dp_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return NULL;
	}
	c->fd = -1;
	c->timeout_ms = timeout_ms ? timeout_ms : 2000;
	c->next_id = 1;
	return c;
}

void
agent_dp_client_close(struct agent_dp_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
agent_dp_client_free(struct agent_dp_client *c)
{
	if (!c)
		return;
	agent_dp_client_close(c);
	free(c->path);
	free(c);
}

bool
agent_dp_client_connected(const struct agent_dp_client *c)
{
	return c->fd >= 0;
}

int
agent_dp_client_connect(struct agent_dp_client *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	if (c->fd >= 0)
		return 0;
	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		snprintf(c->err, sizeof(c->err),
			 "datapath socket '%s': path longer than %zu bytes (use a shorter "
			 "datapath_socket)",
			 c->path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(c->err, sizeof(c->err), "datapath socket: socket(): %s", strerror(-r));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		r = -errno;
		snprintf(c->err, sizeof(c->err),
			 "datapath socket '%s': connect: %s (is nfpath-dp running with -s %s?)",
			 c->path, strerror(-r), c->path);
		close(fd);
		return r;
	}
	c->fd = fd;
	c->connects++;
	return 1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One attempt on the current connection. -EPIPE means "the connection is gone". */
static int
request_once(struct agent_dp_client *c, const char *text, uint64_t id, json_t **ret_reply)
{
	long long deadline = now_ms() + c->timeout_ms;
	char *buf;
	int r;

	if (send(c->fd, text, strlen(text), MSG_NOSIGNAL) < 0) {
		r = -errno;
		if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN)
			return -EPIPE;
		snprintf(c->err, sizeof(c->err), "datapath socket '%s': send: %s", c->path,
			 strerror(-r));
		return r;
	}
	buf = malloc(AGENT_DP_MSG_MAX + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		long long left = deadline - now_ms();
		json_error_t je;
		json_t *reply, *jid;
		ssize_t n;

		if (left <= 0) {
			snprintf(c->err, sizeof(c->err),
				 "datapath socket '%s': no reply to request %llu within %u ms "
				 "(is nfpath-dp stuck?)",
				 c->path, (unsigned long long)id, c->timeout_ms);
			r = -ETIMEDOUT;
			break;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			break;
		}
		if (r == 0)
			continue;
		n = recv(c->fd, buf, AGENT_DP_MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = -EPIPE;
			break;
		}
		buf[n] = '\0';
		reply = json_loadb(buf, (size_t)n, 0, &je);
		if (!reply || !json_is_object(reply)) {
			json_decref(reply);
			snprintf(c->err, sizeof(c->err),
				 "datapath socket '%s': reply is not a JSON object (%s)", c->path,
				 je.text);
			r = -EPROTO;
			break;
		}
		jid = json_object_get(reply, "id");
		if (!json_is_integer(jid) || (uint64_t)json_integer_value(jid) != id) {
			json_decref(reply); /* a late reply to an earlier, timed-out request */
			continue;
		}
		*ret_reply = reply;
		r = 0;
		break;
	}
	free(buf);
	return r;
}

int
agent_dp_client_request(struct agent_dp_client *c, const char *op, json_t *args,
			json_t **ret_result)
{
	json_t *msg, *reply = NULL, *ok, *res;
	uint64_t id;
	char *text;
	int r, attempt;

	c->err[0] = c->err_type[0] = '\0';
	msg = args ? json_deep_copy(args) : json_object();
	if (!msg)
		return -ENOMEM;
	id = c->next_id++;
	if (json_object_set_new(msg, "v", json_integer(1)) ||
	    json_object_set_new(msg, "id", json_integer((json_int_t)id)) ||
	    json_object_set_new(msg, "op", json_string(op))) {
		json_decref(msg);
		return -ENOMEM;
	}
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return -ENOMEM;
	for (attempt = 0; attempt < 2; attempt++) {
		r = agent_dp_client_connect(c);
		if (r < 0)
			break;
		r = request_once(c, text, id, &reply);
		if (r == 0)
			break;
		agent_dp_client_close(c); /* a timed-out or broken connection is not reused */
		if (r != -EPIPE)
			break;
		snprintf(c->err, sizeof(c->err),
			 "datapath socket '%s': connection closed by nfpath-dp (restarted?)",
			 c->path);
	}
	free(text);
	if (r < 0)
		return r;
	ok = json_object_get(reply, "ok");
	if (json_is_true(ok)) {
		res = json_object_get(reply, "result");
		if (ret_result)
			*ret_result = json_incref(res ? res : json_null());
		json_decref(reply);
		return 0;
	}
	if (json_is_false(ok)) {
		json_t *e = json_object_get(reply, "error");
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *m = json_string_value(json_object_get(e, "message"));

		snprintf(c->err_type, sizeof(c->err_type), "%s", type ? type : "unknown");
		snprintf(c->err, sizeof(c->err), "nfpath-dp refused '%s': %s: %s", op, c->err_type,
			 m ? m : "(no message)");
		json_decref(reply);
		return -EREMOTEIO;
	}
	snprintf(c->err, sizeof(c->err), "datapath socket '%s': reply to '%s' has no boolean 'ok'",
		 c->path, op);
	json_decref(reply);
	return -EPROTO;
}

static int
request_new(struct agent_dp_client *c, const char *op, json_t *args, json_t **ret_result)
{
	int r;

	if (!args)
		return -ENOMEM;
	r = agent_dp_client_request(c, op, args, ret_result);
	json_decref(args);
	return r;
}

int
agent_dp_hello(struct agent_dp_client *c, json_t **ret_result)
{
	return agent_dp_client_request(c, "hello", NULL, ret_result);
}

int
agent_dp_stats(struct agent_dp_client *c, json_t **ret_result)
{
	return agent_dp_client_request(c, "stats", NULL, ret_result);
}

int
agent_dp_nf_add(struct agent_dp_client *c, const char *name, const char *service,
		unsigned int ring_size, json_t **ret_result)
{
	json_t *a = json_pack("{s:s}", "name", name);

	if (a && service && json_object_set_new(a, "service", json_string(service)))
		goto oom;
	if (a && ring_size && json_object_set_new(a, "ring_size", json_integer(ring_size)))
		goto oom;
	return request_new(c, "nf_add", a, ret_result);
oom:
	json_decref(a);
	return -ENOMEM;
}

int
agent_dp_nf_del(struct agent_dp_client *c, const char *name)
{
	return request_new(c, "nf_del", json_pack("{s:s}", "name", name), NULL);
}

int
agent_dp_chain_set(struct agent_dp_client *c, unsigned int chain, json_t *hops,
		   const char *on_hop_down, json_t **ret_result)
{
	json_t *a = json_pack("{s:I,s:O}", "chain", (json_int_t)chain, "hops", hops);

	if (a && on_hop_down && json_object_set_new(a, "on_hop_down", json_string(on_hop_down))) {
		json_decref(a);
		return -ENOMEM;
	}
	return request_new(c, "chain_set", a, ret_result);
}

int
agent_dp_chain_del(struct agent_dp_client *c, unsigned int chain)
{
	return request_new(c, "chain_del", json_pack("{s:I}", "chain", (json_int_t)chain), NULL);
}

int
agent_dp_flow_add(struct agent_dp_client *c, const char *mac, unsigned int vlan, unsigned int chain,
		  const char *port, json_t **ret_result)
{
	json_t *a = json_pack("{s:s,s:I}", "mac", mac, "chain", (json_int_t)chain);

	if (a && vlan && json_object_set_new(a, "vlan", json_integer(vlan)))
		goto oom;
	if (a && port && json_object_set_new(a, "port", json_string(port)))
		goto oom;
	return request_new(c, "flow_add", a, ret_result);
oom:
	json_decref(a);
	return -ENOMEM;
}

int
agent_dp_flow_del(struct agent_dp_client *c, const char *mac, unsigned int vlan)
{
	json_t *a = json_pack("{s:s}", "mac", mac);

	if (a && vlan && json_object_set_new(a, "vlan", json_integer(vlan))) {
		json_decref(a);
		return -ENOMEM;
	}
	return request_new(c, "flow_del", a, NULL);
}

int
agent_dp_vhost_add(struct agent_dp_client *c, const char *name, const char *mac, unsigned int vlan,
		   bool spoofchk, json_t **ret_result)
{
	json_t *a = json_pack("{s:s,s:b}", "name", name, "spoofchk", spoofchk);

	if (a && ((mac && json_object_set_new(a, "mac", json_string(mac))) ||
		  (vlan && json_object_set_new(a, "vlan", json_integer(vlan))))) {
		json_decref(a);
		return -ENOMEM;
	}
	return request_new(c, "vhost_add", a, ret_result);
}

int
agent_dp_vhost_del(struct agent_dp_client *c, const char *name)
{
	return request_new(c, "vhost_del", json_pack("{s:s}", "name", name), NULL);
}
