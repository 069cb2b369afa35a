// SPDX-License-Identifier: BSD-3-Clause
/*
 * VM ports at scale on the control side (datapath/vhost.c, ctl-ops.c), in one process on a
 * real EAL without hugepages (server-mode sockets need none until a guest connects): 256 VM
 * ports (the configured maximum) created with their chains and flows as a replay, the 257th
 * refused with no_space, one removed and added among 256, all removed; the time of each kind
 * of request is printed and bounded in the control thread's CPU time (issue 17: one port
 * < 5 ms, a replay of 256 < 1 s).
 * Guests and traffic: tests/integration/datapath/test_vm_ports.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl.h"
#include "harness.h"
#include "port.h"

#define N_VM 256

static char vhost_dir[64];

/*
 * The control thread's CPU time: what a request costs the datapath, whatever else the
 * (shared, 2-CPU) machine runs meanwhile; wall-clock times are printed beside it.
 */
static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double
wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One request; returns the error type ("" when ok) in 'type'. */
static void
req(const char *text, char *type, size_t len)
{
	char *s = dp_ctl_handle(&harness_dp, text, strlen(text));
	json_t *o = json_loads(s, 0, NULL), *e;

	assert_non_null(o);
	e = json_object_get(json_object_get(o, "error"), "type");
	snprintf(type, len, "%s", e ? json_string_value(e) : "");
	if (e && len > 1 && strcmp(type, "no_space")) {
		fprintf(stderr, "%s -> %s\n", text, s);
	}
	json_decref(o);
	free(s);
}

static double
add_vm(unsigned int i, double t[3])
{
	char buf[256], type[32];
	double t0 = now_ms(), t1, t2, t3;

	snprintf(buf, sizeof(buf),
		 "{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"vm%u\",\"mac\":"
		 "\"02:00:00:01:%02x:%02x\"}",
		 i, i >> 8, i & 0xff);
	req(buf, type, sizeof(type));
	assert_string_equal(type, "");
	t1 = now_ms();
	snprintf(buf, sizeof(buf),
		 "{\"v\":1,\"id\":2,\"op\":\"chain_set\",\"chain\":%u,\"hops\":[{\"port\":"
		 "\"net_vhost_vm%u\"}]}",
		 i + 1, i);
	req(buf, type, sizeof(type));
	assert_string_equal(type, "");
	t2 = now_ms();
	snprintf(buf, sizeof(buf),
		 "{\"v\":1,\"id\":3,\"op\":\"flow_add\",\"mac\":\"02:00:00:01:%02x:%02x\","
		 "\"chain\":%u}",
		 i >> 8, i & 0xff, i + 1);
	req(buf, type, sizeof(type));
	assert_string_equal(type, "");
	t3 = now_ms();
	t[0] += t1 - t0;
	t[1] += t2 - t1;
	t[2] += t3 - t2;
	return t3 - t0;
}

static void
del_vm(unsigned int i)
{
	char buf[256], type[32];

	snprintf(buf, sizeof(buf),
		 "{\"v\":1,\"id\":4,\"op\":\"flow_del\",\"mac\":\"02:00:00:01:%02x:%02x\"}", i >> 8,
		 i & 0xff);
	req(buf, type, sizeof(type));
	assert_string_equal(type, "");
	snprintf(buf, sizeof(buf), "{\"v\":1,\"id\":5,\"op\":\"chain_del\",\"chain\":%u}", i + 1);
	req(buf, type, sizeof(type));
	assert_string_equal(type, "");
	snprintf(buf, sizeof(buf), "{\"v\":1,\"id\":6,\"op\":\"vhost_del\",\"name\":\"vm%u\"}", i);
	req(buf, type, sizeof(type));
	assert_string_equal(type, "");
}

static void
test_256_ports(void **state)
{
	char type[32], path[128];
	double t[3] = {0, 0, 0}, t0, w0, replay, one_add, one_del;
	struct stat st;

	(void)state;
	w0 = wall_ms();
	t0 = now_ms();
	for (unsigned int i = 0; i < N_VM; i++) {
		(void)add_vm(i, t);
	}
	replay = now_ms() - t0;
	printf("replay of %d VM ports: %.1f ms CPU (vhost_add %.1f, chain_set %.1f, flow_add %.1f), "
	       "%.1f ms wall\n",
	       N_VM, replay, t[0], t[1], t[2], wall_ms() - w0);
	assert_true(replay < 1000);
	assert_int_equal(harness_dp.n_vm, N_VM);
	req("{\"v\":1,\"id\":7,\"op\":\"vhost_add\",\"name\":\"one-too-many\"}", type,
	    sizeof(type));
	assert_string_equal(type, "no_space");
	snprintf(path, sizeof(path), "%s/vm%d.sock", vhost_dir, N_VM - 1);
	assert_int_equal(stat(path, &st), 0);

	/* One out and in among 256. */
	t0 = now_ms();
	del_vm(N_VM - 1);
	one_del = now_ms() - t0;
	assert_int_not_equal(stat(path, &st), 0); /* the server socket is gone */
	one_add = add_vm(N_VM - 1, t);
	printf("among %d: removing one (flow, chain, port) %.2f ms CPU, adding one %.2f ms CPU\n",
	       N_VM, one_del, one_add);
	assert_true(one_del < 5 && one_add < 5);

	for (unsigned int i = 0; i < N_VM; i++) {
		del_vm(i);
	}
	assert_int_equal(harness_dp.n_vm, 0);
	/* Slots are reused: the first VM port is index 2 again (after the two ethdevs). */
	(void)add_vm(0, t);
	assert_int_equal(dp_port_find(&harness_dp, "net_vhost_vm0"), 2);
	del_vm(0);
}

static int
setup(void **state)
{
	const char *argv[] = {"nfpath-dp",      "-p",  "net_ring0",   "-p",     "net_ring1",
			      "--max-vm-ports", "256", "--vhost-dir", vhost_dir};

	(void)state;
	snprintf(vhost_dir, sizeof(vhost_dir), "/tmp/ports-unit-vh-%d", (int)getpid());
	return harness_start(9, argv) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	harness_stop();
	rmdir(vhost_dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_256_ports),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
