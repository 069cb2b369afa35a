// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/ctl-sock.c: the server's dispatch runs in a thread, clients call it
 * over the real socket; a child process that drops to uid/gid 65534 checks SO_PEERCRED: it may read
 * but a mutating op is refused (needs root to change uid; skipped otherwise).
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
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl-sock.h"

static const struct agent_ctl_op ops[] = {{"status", false}, {"reload", true}, {"fail", false}};
static struct agent_ctl_server *srv;
static pthread_t thread;
static atomic_bool stop;
static atomic_int reloads;
static char path[108];

static int
handler(void *opaque, const char *op, json_t *request, const struct agent_ctl_peer *peer,
	json_t **ret_result, char *err, size_t errlen)
{
	(void)opaque;
	if (strcmp(op, "status") == 0) {
		*ret_result =
			json_pack("{s:I,s:b,s:O?}", "uid", (json_int_t)peer->uid, "privileged",
				  peer->privileged, "echo", json_object_get(request, "echo"));
		return 0;
	}
	if (strcmp(op, "reload") == 0) {
		atomic_fetch_add(&reloads, 1);
		*ret_result = NULL;
		return 0;
	}
	snprintf(err, errlen, "policy dir /nowhere: missing");
	return -ENOENT;
}

static void *
loop(void *arg)
{
	struct pollfd fds[AGENT_CTL_MAX_CLIENT + 1];

	(void)arg;
	while (!atomic_load(&stop)) {
		size_t n = agent_ctl_server_pollfds(srv, fds, AGENT_CTL_MAX_CLIENT + 1);

		if (poll(fds, n, 50) > 0)
			agent_ctl_server_dispatch(srv, fds, n);
	}
	return NULL;
}

static int
setup(void **state)
{
	char err[512];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/nfpath-test-ctl-%d/nfpathd.sock", (int)getpid());
	if (agent_ctl_server_open(path, ops, 3, handler, NULL, &srv, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	atomic_store(&stop, false);
	return pthread_create(&thread, NULL, loop, NULL) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char dir[108];

	(void)state;
	atomic_store(&stop, true);
	pthread_join(thread, NULL);
	agent_ctl_server_close(srv);
	snprintf(dir, sizeof(dir), "/tmp/nfpath-test-ctl-%d", (int)getpid());
	return rmdir(dir);
}

static json_t *
call_ok(const char *op, json_t *args)
{
	json_t *reply = NULL;
	char err[512];

	if (agent_ctl_call(path, op, args, 2000, &reply, err, sizeof(err)) != 0)
		fail_msg("%s: %s", op, err);
	return reply;
}

static const char *
error_type(json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "error"), "type"));
}

static void
test_socket_mode(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
}

static void
test_calls(void **state)
{
	json_t *args = json_pack("{s:s}", "echo", "hi"), *r;

	(void)state;
	r = call_ok("status", args);
	json_decref(args);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "v")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "uid")),
			 getuid());
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "result"), "echo")), "hi");
	json_decref(r);

	r = call_ok("reboot", NULL);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(error_type(r), "unknown_op");
	assert_non_null(
		strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
		       "status reload fail"));
	json_decref(r);

	r = call_ok("fail", NULL);
	assert_string_equal(error_type(r), "failed");
	assert_non_null(
		strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
		       "/nowhere"));
	json_decref(r);

	atomic_store(&reloads, 0);
	r = call_ok("reload", NULL);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(json_is_object(json_object_get(r, "result")));
	assert_int_equal(atomic_load(&reloads), 1);
	json_decref(r);
}

static void
test_no_daemon(void **state)
{
	json_t *r = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(agent_ctl_call("/tmp/nfpath-test-none.sock", "status", NULL, 500, &r, err,
					sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "is nfpathd running"));
}

/* Exit codes of the unprivileged child: 0 all as expected, 1.. which check failed. */
static int
child_checks(void)
{
	json_t *r = NULL;
	char err[512];
	int code = 0;

	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		return 10;
	if (agent_ctl_call(path, "status", NULL, 2000, &r, err, sizeof(err)) != 0)
		return 11;
	if (!json_is_true(json_object_get(r, "ok")) ||
	    json_is_true(json_object_get(json_object_get(r, "result"), "privileged")))
		code = 12;
	json_decref(r);
	if (code)
		return code;
	if (agent_ctl_call(path, "reload", NULL, 2000, &r, err, sizeof(err)) != 0)
		return 13;
	if (!error_type(r) || strcmp(error_type(r), "permission_denied") != 0)
		code = 14;
	else if (!strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
			 "group 'nfpath'"))
		code = 15;
	json_decref(r);
	return code;
}

static void
test_unprivileged_peer(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip(); /* cannot become another user */
	atomic_store(&reloads, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_checks());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(atomic_load(&reloads), 0); /* the handler never ran */
}

/* A raw connection that sends 'status' and returns the reply's error type ("" when ok). */
static int
raw_status(int *ret_fd, char *etype, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char req[] = "{\"v\":1,\"op\":\"status\"}";
	char buf[4096];
	json_t *r;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	/* A refused client gets its error unasked; an accepted one answers the request. */
	(void)send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	r = json_loads(buf, 0, NULL);
	snprintf(etype, len, "%s", error_type(r) ? error_type(r) : "");
	json_decref(r);
	*ret_fd = fd;
	return 0;
}

/* Send 'len' bytes of 'msg' on a new connection; the reply's error type, or "" / "none". */
static void
raw_call(const char *msg, size_t len, char *etype, size_t elen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static char buf[1 << 16];
	int sndbuf = 4 << 20, fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	json_t *r;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_true(fd >= 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	r = json_loads(buf, 0, NULL);
	snprintf(etype, elen, "%s", error_type(r) ? error_type(r) : "none");
	json_decref(r);
	close(fd);
}

static void
test_envelope(void **state)
{
	size_t big = AGENT_CTL_MSG_MAX + 100;
	char *msg = malloc(big), et[64];

	(void)state;
	assert_non_null(msg);
	raw_call("{\"op\":\"status\"}", strlen("{\"op\":\"status\"}"), et, sizeof(et));
	assert_string_equal(et, "bad_request");
	raw_call("{\"v\":2,\"op\":\"status\"}", strlen("{\"v\":2,\"op\":\"status\"}"), et,
		 sizeof(et));
	assert_string_equal(et, "unsupported_version");
	raw_call("{\"v\":\"1\",\"op\":\"status\"}", strlen("{\"v\":\"1\",\"op\":\"status\"}"), et,
		 sizeof(et));
	assert_string_equal(et, "unsupported_version");
	/* Larger than the limit: named so, not "premature end of input". */
	memset(msg, ' ', big);
	memcpy(msg, "{\"v\":1,\"op\":\"status\",\"x\":\"", 27);
	raw_call(msg, big, et, sizeof(et));
	assert_string_equal(et, "too_large");
	free(msg);
}

/* As uid 65534: 4 connections, a 5th refused; idle ones dropped once a new client comes. */
static int
child_limits(void)
{
	char et[64];
	int fds[5], extra, code = 0;
	char b;

	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		return 10;
	for (int i = 0; i < AGENT_CTL_PER_UID; i++)
		if (raw_status(&fds[i], et, sizeof(et)) != 0 || et[0])
			return 20 + i;
	if (raw_status(&fds[4], et, sizeof(et)) != 0 || strcmp(et, "no_space") != 0)
		return 30;
	usleep(600 * 1000); /* past the 300 ms idle time the test sets */
	if (raw_status(&extra, et, sizeof(et)) != 0 || et[0])
		return 31; /* the sweep before this accept freed our idle slots */
	for (int i = 0; i < AGENT_CTL_PER_UID; i++)
		if (recv(fds[i], &b, 1, MSG_DONTWAIT) != 0)
			code = 40 + i; /* 0: the server hung up */
	return code;
}

static void
test_connection_limits(void **state)
{
	json_t *r = NULL;
	char err[512];
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	agent_ctl_server_set_idle_ms(srv, 300);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_limits());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Root is served whatever the unprivileged did. */
	assert_int_equal(agent_ctl_call(path, "status", NULL, 2000, &r, err, sizeof(err)), 0);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test_setup_teardown(test_unprivileged_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_envelope, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
