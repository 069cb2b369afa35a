// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/notify.c: the test binds its own NOTIFY_SOCKET (AF_UNIX datagram) and
 * reads what libsystemd's sd_notify() really sends.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

static int sock = -1;
static char path[108];

static int
setup(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};

	(void)state;
	snprintf(path, sizeof(path), "/tmp/nfpath-test-notify-%d.sock", (int)getpid());
	unlink(path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(sock);
	unlink(path);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

/* The next datagram, or "" when none came within 200 ms. */
static const char *
next_msg(void)
{
	static char buf[2048];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
test_ready_once_then_status(void **state)
{
	struct agent_notify n;

	(void)state;
	agent_notify_init(&n);
	assert_false(n.ready_sent);
	assert_int_equal(agent_notify_status(&n, "starting"), 1);
	assert_string_equal(next_msg(), "STATUS=starting");
	assert_int_equal(agent_notify_ready(&n, "policy gen 1;\n2 VFs"), 1);
	/* READY=1 the first time, newlines in the status flattened */
	assert_string_equal(next_msg(), "READY=1\nSTATUS=policy gen 1; 2 VFs");
	assert_int_equal(agent_notify_ready(&n, "policy gen 2"), 1);
	assert_string_equal(next_msg(), "STATUS=policy gen 2");
	/* after RELOADING=1 systemd waits for READY=1 again */
	assert_int_equal(agent_notify_reloading(&n), 1);
	assert_string_equal(next_msg(), "RELOADING=1");
	agent_notify_ready(&n, "policy gen 3");
	assert_string_equal(next_msg(), "READY=1\nSTATUS=policy gen 3");
	agent_notify_stopping(&n, "bye");
	assert_string_equal(next_msg(), "STOPPING=1\nSTATUS=bye");
}

static void
test_watchdog_for_this_pid(void **state)
{
	struct agent_notify n;
	char pid[32];

	(void)state;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	agent_notify_init(&n);
	assert_int_equal(n.watchdog_usec, 3000000);
	assert_int_equal(agent_notify_watchdog_interval(&n), 1500000);
	assert_int_equal(agent_notify_watchdog(&n), 1);
	assert_string_equal(next_msg(), "WATCHDOG=1");
}

static void
test_watchdog_for_another_pid(void **state)
{
	struct agent_notify n;

	(void)state;
	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	agent_notify_init(&n);
	assert_int_equal(n.watchdog_usec, 0);
	assert_int_equal(agent_notify_watchdog_interval(&n), 0);
	assert_int_equal(agent_notify_watchdog(&n), 0);
	assert_string_equal(next_msg(), "");
}

static void
test_no_socket_is_noop(void **state)
{
	struct agent_notify n;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	agent_notify_init(&n);
	assert_int_equal(agent_notify_ready(&n, "x"), 0);
	assert_string_equal(next_msg(), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_once_then_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_for_this_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_for_another_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_socket_is_noop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
