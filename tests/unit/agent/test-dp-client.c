// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/dp-client.c against a small SOCK_SEQPACKET server in a thread that
 * plays the datapath's part of the protocol with scripted misbehaviour: silence (time-out), a stale
 * reply with another id, a refusal, a hang-up (reconnect and resend). The real nfpath-dp is
 * exercised by tests/integration/agent/test_dp_client.py.
 */
#include <pthread.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp-client.h"

static char path[108];
static int lfd = -1;
static pthread_t thread;
static atomic_int hangups_left;
static atomic_int accepted;

static void
reply(int fd, json_t *msg)
{
	char *t = json_dumps(msg, JSON_COMPACT);

	send(fd, t, strlen(t), MSG_NOSIGNAL);
	free(t);
	json_decref(msg);
}

/* Returns false when the connection should be closed. */
static bool
serve(int fd, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	json_int_t id = json_integer_value(json_object_get(req, "id"));

	if (strcmp(op, "silent") == 0)
		return true;
	if (strcmp(op, "hangup") == 0 && atomic_fetch_sub(&hangups_left, 1) > 0)
		return false;
	if (strcmp(op, "stale") == 0)
		reply(fd, json_pack("{s:i,s:I,s:b,s:{s:s}}", "v", 1, "id", id + 1000, "ok", 1,
				    "result", "which", "stale"));
	if (strcmp(op, "refuse") == 0) {
		reply(fd, json_pack("{s:i,s:I,s:b,s:{s:s,s:s}}", "v", 1, "id", id, "ok", 0, "error",
				    "type", "not_found", "message", "no chain 7"));
		return true;
	}
	if (strcmp(op, "garbage") == 0) {
		send(fd, "not json", 8, MSG_NOSIGNAL);
		return true;
	}
	/* everything else: ok, with the request as the result */
	reply(fd, json_pack("{s:i,s:I,s:b,s:O}", "v", 1, "id", id, "ok", 1, "result", req));
	return true;
}

static void *
server(void *arg)
{
	char buf[AGENT_DP_MSG_MAX];
	int fd;

	(void)arg;
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		ssize_t n;

		atomic_fetch_add(&accepted, 1);
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
			json_t *req = json_loadb(buf, (size_t)n, 0, NULL);
			bool keep = req && serve(fd, req);

			json_decref(req);
			if (!keep)
				break;
		}
		close(fd);
	}
	return NULL;
}

static int
setup(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	(void)state;
	snprintf(path, sizeof(path), "/tmp/nfpath-test-dpc-%d.sock", (int)getpid());
	unlink(path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 4) != 0)
		return -1;
	atomic_store(&accepted, 0);
	return pthread_create(&thread, NULL, server, NULL) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	shutdown(lfd, SHUT_RDWR); /* accept() returns: the server thread ends */
	pthread_join(thread, NULL);
	close(lfd);
	unlink(path);
	return 0;
}

static void
test_request_reply(void **state)
{
	struct agent_dp_client *c = agent_dp_client_new(path, 1000);
	json_t *res = NULL, *hops;

	(void)state;
	assert_false(agent_dp_client_connected(c));
	assert_int_equal(agent_dp_hello(c, &res), 0);
	assert_true(agent_dp_client_connected(c));
	assert_string_equal(json_string_value(json_object_get(res, "op")), "hello");
	assert_int_equal(json_integer_value(json_object_get(res, "v")), 1);
	assert_int_equal(json_integer_value(json_object_get(res, "id")), 1);
	json_decref(res);

	/* typed helpers spell the protocol's fields */
	assert_int_equal(agent_dp_flow_add(c, "02:00:00:00:00:0a", 20, 3, NULL, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "mac")), "02:00:00:00:00:0a");
	assert_int_equal(json_integer_value(json_object_get(res, "vlan")), 20);
	assert_int_equal(json_integer_value(json_object_get(res, "chain")), 3);
	assert_null(json_object_get(res, "port"));
	assert_int_equal(json_integer_value(json_object_get(res, "id")), 2);
	json_decref(res);
	hops = json_pack("[{s:s},{s:s}]", "nf", "fw", "port", "net_ring1");
	assert_int_equal(agent_dp_chain_set(c, 5, hops, "bypass", &res), 0);
	assert_true(json_equal(json_object_get(res, "hops"), hops));
	assert_string_equal(json_string_value(json_object_get(res, "on_hop_down")), "bypass");
	json_decref(res);
	json_decref(hops);
	assert_int_equal(agent_dp_nf_add(c, "fw", "firewall", 512, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "service")), "firewall");
	assert_int_equal(json_integer_value(json_object_get(res, "ring_size")), 512);
	json_decref(res);
	assert_int_equal(agent_dp_vhost_add(c, "vm1", "52:54:00:00:00:01", 7, false, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "mac")), "52:54:00:00:00:01");
	assert_int_equal(json_integer_value(json_object_get(res, "vlan")), 7);
	assert_true(json_is_false(json_object_get(res, "spoofchk")));
	json_decref(res);
	/* No MAC, untagged: neither is sent (the datapath's defaults), spoofchk always is. */
	assert_int_equal(agent_dp_vhost_add(c, "vm2", NULL, 0, true, &res), 0);
	assert_null(json_object_get(res, "mac"));
	assert_null(json_object_get(res, "vlan"));
	assert_true(json_is_true(json_object_get(res, "spoofchk")));
	json_decref(res);
	assert_int_equal(c->connects, 1);
	agent_dp_client_free(c);
}

static void
test_timeout_then_reconnect(void **state)
{
	struct agent_dp_client *c = agent_dp_client_new(path, 200);
	json_t *res = NULL;

	(void)state;
	assert_int_equal(agent_dp_client_request(c, "silent", NULL, &res), -ETIMEDOUT);
	assert_null(res);
	assert_non_null(strstr(c->err, "within 200 ms"));
	assert_false(agent_dp_client_connected(c)); /* a timed-out connection is not reused */
	assert_int_equal(agent_dp_hello(c, NULL), 0);
	assert_int_equal(c->connects, 2);
	agent_dp_client_free(c);
}

static void
test_stale_reply_dropped(void **state)
{
	struct agent_dp_client *c = agent_dp_client_new(path, 1000);
	json_t *res = NULL;

	(void)state;
	assert_int_equal(agent_dp_client_request(c, "stale", NULL, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "op")), "stale");
	json_decref(res);
	agent_dp_client_free(c);
}

static void
test_refusal_and_garbage(void **state)
{
	struct agent_dp_client *c = agent_dp_client_new(path, 1000);
	json_t *res = NULL;

	(void)state;
	assert_int_equal(agent_dp_client_request(c, "refuse", NULL, &res), -EREMOTEIO);
	assert_string_equal(c->err_type, "not_found");
	assert_non_null(strstr(c->err, "no chain 7"));
	assert_true(agent_dp_client_connected(c)); /* a refusal is an answer, not a failure */
	assert_int_equal(agent_dp_client_request(c, "garbage", NULL, &res), -EPROTO);
	assert_null(res);
	agent_dp_client_free(c);
}

static void
test_hangup_resends_once(void **state)
{
	struct agent_dp_client *c = agent_dp_client_new(path, 1000);
	json_t *res = NULL;

	(void)state;
	assert_int_equal(agent_dp_hello(c, NULL), 0);
	atomic_store(&hangups_left, 1);
	/* the server hangs up on this request: the client reconnects and sends it again */
	assert_int_equal(agent_dp_client_request(c, "hangup", NULL, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "op")), "hangup");
	json_decref(res);
	assert_int_equal(c->connects, 2);
	/* twice in a row: the client gives up after one resend */
	atomic_store(&hangups_left, 2);
	assert_int_equal(agent_dp_client_request(c, "hangup", NULL, &res), -EPIPE);
	assert_non_null(strstr(c->err, "closed by nfpath-dp"));
	agent_dp_client_free(c);
}

static void
test_no_datapath(void **state)
{
	struct agent_dp_client *c = agent_dp_client_new("/tmp/nfpath-test-no-such.sock", 100);

	(void)state;
	assert_int_equal(agent_dp_hello(c, NULL), -ENOENT);
	assert_non_null(strstr(c->err, "/tmp/nfpath-test-no-such.sock"));
	assert_non_null(strstr(c->err, "is nfpath-dp running"));
	agent_dp_client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_then_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_reply_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_resends_once, setup, teardown),
		cmocka_unit_test(test_no_datapath),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
