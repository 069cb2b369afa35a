// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/daemon/nf-supervise.c: the backoff sequence, crash-looping and its
 * window, the reset after a long run, deaths caused by the datapath, the restart policies,
 * stopping and failed starts. Time is given in milliseconds, so each rule is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "nf-supervise.h"

#define KILLED9 9          /* wait status of SIGKILL */
#define EXIT(n) ((n) << 8) /* wait status of exit(n) */

static struct nf_sup_conf conf;

static int
setup(void **state)
{
	(void)state;
	conf = (struct nf_sup_conf){0};
	nf_sup_conf_defaults(&conf);
	return 0;
}

/* Start at 'now', die 'after' ms later; returns the death time. */
static uint64_t
run_and_die(struct nf_sup *s, uint64_t now, uint64_t after, int status)
{
	nf_sup_started(s, now, false);
	nf_sup_exited(s, &conf, now + after, status, false);
	return now + after;
}

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(conf.backoff_first_ms, 1000);
	assert_int_equal(conf.backoff_max_ms, 30000);
	assert_int_equal(conf.reset_after_ms, 300000);
	assert_int_equal(conf.loop_deaths, 5);
	assert_int_equal(conf.loop_window_ms, 60000);
	assert_string_equal(nf_state_name(NF_WAITING_DP), "waiting-for-datapath");
	assert_string_equal(nf_state_name(NF_CRASH_LOOPING), "crash-looping");
	assert_string_equal(nf_state_name(NF_BACKING_OFF), "backing-off");
}

/* Deaths spaced beyond the window: 1 s, 2 s, 4 s ... 30 s, 30 s; never crash-looping. */
static void
test_backoff_doubles_to_30s(void **state)
{
	static const uint64_t want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
	struct nf_sup s;
	uint64_t now = 1000000;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t died = run_and_die(&s, now, 61000, KILLED9);

		assert_int_equal(s.state, NF_BACKING_OFF);
		assert_int_equal(s.next_start_at - died, want[i]);
		assert_false(nf_sup_due(&s, s.next_start_at - 1, true));
		assert_true(nf_sup_due(&s, s.next_start_at, true));
		assert_false(nf_sup_due(&s, s.next_start_at, false)); /* no datapath: wait */
		now = s.next_start_at;
	}
	assert_int_equal(s.restarts, 7);
	assert_int_equal(s.last_status, KILLED9);
}

/* An NF that dies at once: backing-off four times, crash-looping at the fifth death. */
static void
test_crash_loop_after_5_in_60s(void **state)
{
	struct nf_sup s;
	uint64_t now = 500000;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	for (int i = 1; i <= 6; i++) {
		run_and_die(&s, now, 10, EXIT(1));
		assert_int_equal(s.state, i < 5 ? NF_BACKING_OFF : NF_CRASH_LOOPING);
		assert_int_equal(nf_sup_recent_deaths(&s, &conf, now + 10), i);
		/* still restarted, at the backoff delay */
		assert_true(nf_sup_due(&s, s.next_start_at, true));
		now = s.next_start_at;
	}
	/* 1+2+4+8+16 s after the first death: all five within the window */
	assert_int_equal(s.restarts, 5);
}

/* The window and the count are configurable. */
static void
test_crash_loop_configurable(void **state)
{
	struct nf_sup_conf c = {.loop_deaths = 2, .loop_window_ms = 5000, .backoff_first_ms = 100};
	struct nf_sup s;

	(void)state;
	nf_sup_conf_defaults(&c);
	nf_sup_init(&s, &c, AGENT_RESTART_ON_FAILURE);
	nf_sup_started(&s, 0, false);
	nf_sup_exited(&s, &c, 10, KILLED9, false);
	assert_int_equal(s.state, NF_BACKING_OFF);
	nf_sup_started(&s, 200, false);
	nf_sup_exited(&s, &c, 6000, KILLED9, false); /* the first is out of the window */
	assert_int_equal(s.state, NF_BACKING_OFF);
	nf_sup_started(&s, 6300, false);
	nf_sup_exited(&s, &c, 6400, KILLED9, false);
	assert_int_equal(s.state, NF_CRASH_LOOPING);
}

/* Five minutes of running forgive the past: the next death waits 1 s again. */
static void
test_reset_after_5_minutes(void **state)
{
	struct nf_sup s;
	uint64_t now = 0;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	for (int i = 0; i < 5; i++) {
		run_and_die(&s, now, 10, KILLED9);
		now = s.next_start_at;
	}
	assert_int_equal(s.state, NF_CRASH_LOOPING);
	nf_sup_started(&s, now, false);
	nf_sup_tick_running(&s, &conf, now + 2000, false);
	assert_int_equal(s.state, NF_RUNNING);
	nf_sup_tick_running(&s, &conf, now + 300000, true);
	nf_sup_exited(&s, &conf, now + 300001, KILLED9, false);
	assert_int_equal(s.state, NF_BACKING_OFF);
	assert_int_equal(s.next_start_at - (now + 300001), 1000);
	assert_int_equal(nf_sup_recent_deaths(&s, &conf, now + 300001), 1);

	/* Also without a tick in between (nfpathd busy): the run's length counts. */
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	run_and_die(&s, 0, 10, KILLED9);
	run_and_die(&s, s.next_start_at, 10, KILLED9);
	assert_int_equal(s.backoff_ms, 4000);
	run_and_die(&s, s.next_start_at, 300000, KILLED9);
	assert_int_equal(s.backoff_ms, 2000);
}

/* A death caused by the datapath is not counted: waiting-for-datapath, no backoff. */
static void
test_datapath_gone_not_counted(void **state)
{
	struct nf_sup s;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	for (int i = 0; i < 10; i++) {
		nf_sup_started(&s, (uint64_t)i * 100, false);
		nf_sup_exited(&s, &conf, (uint64_t)i * 100 + 50, EXIT(3), true);
		assert_int_equal(s.state, NF_WAITING_DP);
		assert_false(nf_sup_due(&s, 1000000, false));
		assert_true(nf_sup_due(&s, (uint64_t)i * 100 + 51, true));
	}
	assert_int_equal(nf_sup_recent_deaths(&s, &conf, 1000), 0);
	assert_int_equal(s.backoff_ms, 1000);
	/* a clean exit of an on-failure NF because its datapath went away: started again */
	nf_sup_started(&s, 2000, false);
	nf_sup_exited(&s, &conf, 2100, EXIT(0), true);
	assert_int_equal(s.state, NF_WAITING_DP);
}

static void
test_restart_policies(void **state)
{
	struct nf_sup s;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	run_and_die(&s, 0, 10, EXIT(0));
	assert_int_equal(s.state, NF_STOPPED);
	assert_false(nf_sup_due(&s, 100000, true));

	nf_sup_init(&s, &conf, AGENT_RESTART_ALWAYS);
	run_and_die(&s, 0, 10, EXIT(0));
	assert_int_equal(s.state, NF_BACKING_OFF);

	nf_sup_init(&s, &conf, AGENT_RESTART_NEVER);
	run_and_die(&s, 0, 10, KILLED9);
	assert_int_equal(s.state, NF_STOPPED);
	assert_int_equal(s.last_status, KILLED9);
	assert_false(nf_sup_due(&s, 100000, true));
}

static void
test_starting_running_stopping(void **state)
{
	struct nf_sup s;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	nf_sup_started(&s, 0, false);
	assert_int_equal(s.state, NF_STARTING);
	nf_sup_tick_running(&s, &conf, 100, false);
	assert_int_equal(s.state, NF_STARTING);
	nf_sup_tick_running(&s, &conf, 200, true); /* attached to its slot */
	assert_int_equal(s.state, NF_RUNNING);
	s.state = NF_STOPPING; /* the runner sent SIGTERM */
	nf_sup_exited(&s, &conf, 300, 15, false);
	assert_int_equal(s.state, NF_STOPPED);
	assert_int_equal(s.restarts, 0);

	/* adopted after nfpathd's restart: running, counters kept by the caller */
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	nf_sup_started(&s, 0, true);
	assert_int_equal(s.state, NF_RUNNING);
	assert_int_equal(s.restarts, 0);
	nf_sup_exited(&s, &conf, 10, -1, false); /* its status is unknown */
	assert_int_equal(s.state, NF_BACKING_OFF);
	assert_int_equal(s.last_status, -1);
}

static void
test_failed_retried_later(void **state)
{
	struct nf_sup s;

	(void)state;
	nf_sup_init(&s, &conf, AGENT_RESTART_ON_FAILURE);
	nf_sup_failed(&s, &conf, 1000);
	assert_int_equal(s.state, NF_FAILED);
	assert_false(nf_sup_due(&s, 30999, true));
	assert_true(nf_sup_due(&s, 31000, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_backoff_doubles_to_30s, setup),
		cmocka_unit_test_setup(test_crash_loop_after_5_in_60s, setup),
		cmocka_unit_test_setup(test_crash_loop_configurable, setup),
		cmocka_unit_test_setup(test_reset_after_5_minutes, setup),
		cmocka_unit_test_setup(test_datapath_gone_not_counted, setup),
		cmocka_unit_test_setup(test_restart_policies, setup),
		cmocka_unit_test_setup(test_starting_running_stopping, setup),
		cmocka_unit_test_setup(test_failed_retried_later, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
