// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/daemon/nf-run.c with real processes: a shell script plays the NF (it
 * prints its arguments and environment, then sleeps, exits at once or ignores SIGTERM, as the
 * test asks). Start with the EAL arguments and the CPU affinity, output logged line by line with
 * the NF's name, kill -9 and the restart after the backoff, an NF that exits at once becomes
 * crash-looping while another stays up, stop on removal (SIGTERM, SIGKILL after stop_timeout),
 * a changed exec restarts it, a bad exec or an untrusted policy file is an error that leaves the
 * other NFs started, a death while the datapath is away is not counted, and a second runner
 * (nfpathd restarted) adopts the running NF from the journal instead of starting another.
 * Needs root (trust rules: the test's files are root's); skipped otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nf-run.h"

static char dir[] = "/tmp/nfpath-test-nfrun-XXXXXX";
static char prog[600], policy[600], state_dir[600], run_dir[600];
static char logged[1 << 16];
static size_t logged_len;

__attribute__((format(printf, 2, 3))) static void
test_log(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = snprintf(logged + logged_len, sizeof(logged) - logged_len, "<%d>%s\n", prio, line);
	if (n > 0 && (size_t)n < sizeof(logged) - logged_len)
		logged_len += (size_t)n;
	if (getenv("NF_RUN_TEST_VERBOSE"))
		fprintf(stderr, "<%d>%s\n", prio, line);
}

/* The NF: MODE from its environment says what it does after printing. */
static const char script[] = "#!/bin/sh\n"
			     "echo \"ARGS $*\"\n"
			     "echo \"ENV $NFPATH_NF $NFPATH_FILE_PREFIX $MODE\"\n"
			     "echo \"<3>an error line\"\n"
			     "case $MODE in\n"
			     "exit1) exit 1 ;;\n"
			     "exit0) exit 0 ;;\n"
			     "exit3) exit 3 ;;\n"
			     "stubborn) trap '' TERM ;;\n"
			     "esac\n"
			     "trap 'echo usr1 $$' USR1\n"
			     "while :; do sleep 0.05; done\n";

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	strcpy(dir, "/tmp/nfpath-test-nfrun-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
		return -1;
	snprintf(prog, sizeof(prog), "%s/nf-script", dir);
	snprintf(policy, sizeof(policy), "%s/policy.json", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	write_file(prog, script, 0755);
	write_file(policy, "{}", 0644);
	mkdir(run_dir, 0755);
	logged_len = 0;
	logged[0] = '\0';
	return 0;
}

/* A failed assertion leaves the test's NFs running (the runner never frees them, by design):
 * kill every process whose command line names this test's directory. */
static void
kill_leftovers(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;

	while (proc && (de = readdir(proc))) {
		char path[300], buf[4096];
		ssize_t n;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[n] = '\0';
		if (strstr(buf, dir))
			kill(atoi(de->d_name), SIGKILL);
	}
	if (proc)
		closedir(proc);
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	if (geteuid() != 0)
		return 0;
	kill_leftovers();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
skip_unless_root(void)
{
	if (geteuid() != 0) {
		print_message("not root: the runner's trust rules need root-owned files\n");
		skip();
	}
}

struct nf_def {
	const char *name;
	char *argv[4];
	char *env[2];
	struct agent_nf_run run;
};

static void
def(struct nf_def *d, const char *name, const char *mode, const char *program)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->argv[0] = (char *)program;
	d->argv[1] = "--rules";
	d->argv[2] = "r.json";
	d->run.argc = 3;
	d->run.argv = d->argv;
	d->env[0] = strdup(mode);
	d->run.n_env = 1;
	d->run.env = d->env;
	d->run.user = "root";
	d->run.restart = AGENT_RESTART_ON_FAILURE;
	d->run.stop_timeout = 1;
}

static struct nf_run_want
want(const struct nf_def *d, unsigned cpu)
{
	struct nf_run_want w = {
		.name = d->name, .run = &d->run, .policy_file = policy, .slot_ready = true};

	vfm_cpuset_set(&w.cpus, cpu);
	return w;
}

static const struct nf_run_dp dp_up = {.up = true, .file_prefix = "nfrun-test"};
static const struct nf_run_dp dp_down = {.up = false, .file_prefix = "nfrun-test"};

static struct nf_runner *
runner(void)
{
	struct nf_run_conf c = {
		.state_dir = state_dir,
		.run_dir = run_dir,
		.procfs = "/proc",
		.sup = {.backoff_first_ms = 100,
			.backoff_max_ms = 400,
			.loop_deaths = 3,
			.loop_window_ms = 10000,
			.running_after_ms = 200},
		.log = test_log,
	};
	struct nf_runner *nr = NULL;

	assert_int_equal(nf_runner_new(&c, &nr), 0);
	return nr;
}

/* Run the runner's poll loop for 'ms' milliseconds, or until 'until' is in the log. */
static bool
spin(struct nf_runner *nr, int ms, const char *until)
{
	uint64_t end = nf_run_now_ms() + (uint64_t)ms;
	struct pollfd fds[128];

	while (nf_run_now_ms() < end) {
		size_t n = nf_runner_pollfds(nr, fds, 128);
		int t = nf_runner_timeout(nr, nf_run_now_ms());
		int left = (int)(end - nf_run_now_ms());

		if (until && strstr(logged, until))
			return true;
		poll(fds, n, t < 0 || t > left ? (left > 50 ? 50 : left) : t);
		nf_runner_dispatch(nr, fds, n, nf_run_now_ms());
	}
	return until ? strstr(logged, until) != NULL : true;
}

static json_t *
status_of(struct nf_runner *nr, const char *name)
{
	json_t *a = nf_runner_status(nr, nf_run_now_ms()), *o, *found = NULL;
	size_t i;

	json_array_foreach(a, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			found = json_incref(o);
	}
	json_decref(a);
	assert_non_null(found);
	return found;
}

static const char *
state(struct nf_runner *nr, const char *name)
{
	static char buf[64];
	json_t *o = status_of(nr, name);

	snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(o, "state")));
	json_decref(o);
	return buf;
}

static pid_t
pid_of(struct nf_runner *nr, const char *name)
{
	json_t *o = status_of(nr, name);
	pid_t pid = (pid_t)json_integer_value(json_object_get(o, "pid"));

	json_decref(o);
	return pid;
}

static long
restarts_of(struct nf_runner *nr, const char *name)
{
	json_t *o = status_of(nr, name);
	long n = (long)json_integer_value(json_object_get(o, "restarts"));

	json_decref(o);
	return n;
}

static void
cpus_allowed(pid_t pid, char *buf, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	buf[0] = '\0';
	assert_true(len >= 256);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Cpus_allowed_list: %255s", buf) == 1)
			break;
	fclose(f);
}

static void
stop_all(struct nf_runner *nr)
{
	nf_runner_sync(nr, NULL, 0, &dp_up, nf_run_now_ms(), NULL);
	spin(nr, 3000, NULL);
	nf_runner_free(nr);
}

static void
free_def(struct nf_def *d)
{
	free(d->env[0]);
}

static void
test_start_log_kill_restart(void **state_)
{
	struct nf_def fw;
	struct nf_run_want w;
	struct nf_runner *nr;
	char cpus[256], expect[256];
	pid_t pid, pid2;

	(void)state_;
	skip_unless_root();
	def(&fw, "fw", "MODE=sleep", prog);
	w = want(&fw, 1);
	nr = runner();
	assert_int_equal(nf_runner_sync(nr, &w, 1, &dp_up, nf_run_now_ms(), NULL), 1);
	pid = pid_of(nr, "fw");
	assert_true(pid > 0);
	assert_string_equal(state(nr, "fw"), "starting");
	assert_true(nf_runner_busy(nr, "fw"));
	assert_true(spin(nr, 5000, "nf fw: ENV"));
	/* the EAL arguments nfpathd fills in, then the slot, then the policy's arguments */
	assert_non_null(strstr(logged, "<6>nf fw: ARGS --proc-type=secondary --file-prefix "
				       "nfrun-test --no-pci --lcores 64@(1) -- --name fw --rules "
				       "r.json\n"));
	assert_non_null(strstr(logged, "<6>nf fw: ENV fw nfrun-test sleep\n"));
	assert_non_null(strstr(logged, "<3>nf fw: an error line\n")); /* its own priority */
	cpus_allowed(pid, cpus, sizeof(cpus));
	assert_string_equal(cpus, "1");
	spin(nr, 300, NULL);
	assert_string_equal(state(nr, "fw"), "running");

	/* kill -9: restarted after the backoff, on the same CPUs, counted */
	kill(pid, SIGKILL);
	snprintf(expect, sizeof(expect), "nf fw: killed by signal 9 (Killed); backing-off");
	assert_true(spin(nr, 3000, expect));
	assert_int_equal(pid_of(nr, "fw"), 0);
	assert_string_equal(state(nr, "fw"), "backing-off");
	assert_true(spin(nr, 3000, "(a restart)"));
	pid2 = pid_of(nr, "fw");
	assert_true(pid2 > 0 && pid2 != pid);
	assert_int_equal(restarts_of(nr, "fw"), 1);
	cpus_allowed(pid2, cpus, sizeof(cpus));
	assert_string_equal(cpus, "1");
	/* a sync with the same want changes nothing */
	assert_int_equal(nf_runner_sync(nr, &w, 1, &dp_up, nf_run_now_ms(), NULL), 0);
	assert_int_equal(pid_of(nr, "fw"), pid2);

	/* a new CPU is a new spec: stopped and started again on it */
	w = want(&fw, 0);
	nf_runner_sync(nr, &w, 1, &dp_up, nf_run_now_ms(), NULL);
	assert_string_equal(state(nr, "fw"), "stopping");
	assert_true(spin(nr, 5000, "on CPUs 0 (lcore 64)"));
	cpus_allowed(pid_of(nr, "fw"), cpus, sizeof(cpus));
	assert_string_equal(cpus, "0");
	stop_all(nr);
	free_def(&fw);
}

static void
test_crash_loop_others_undisturbed(void **state_)
{
	struct nf_def good, bad;
	struct nf_run_want w[2];
	struct nf_runner *nr;
	pid_t good_pid;
	json_t *o;

	(void)state_;
	skip_unless_root();
	def(&good, "good", "MODE=sleep", prog);
	def(&bad, "bad", "MODE=exit1", prog);
	w[0] = want(&good, 0);
	w[1] = want(&bad, 1);
	nr = runner();
	assert_int_equal(nf_runner_sync(nr, w, 2, &dp_up, nf_run_now_ms(), NULL), 2);
	good_pid = pid_of(nr, "good");
	/* 100 + 200 ms of backoff: the third death within 10 s is crash-looping */
	assert_true(spin(nr, 5000, "nf bad: exited with status 1; crash-looping"));
	assert_string_equal(state(nr, "bad"), "crash-looping");
	o = status_of(nr, "bad");
	assert_int_equal(json_integer_value(json_object_get(o, "restarts")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "recent_deaths")), 3);
	assert_string_equal(json_string_value(json_object_get(o, "last_exit")),
			    "exited with status 1");
	json_decref(o);
	/* still retried at the backoff delay, and the other NF untouched */
	assert_true(spin(nr, 3000, "nf bad: started pid"));
	assert_int_equal(pid_of(nr, "good"), good_pid);
	assert_int_equal(restarts_of(nr, "good"), 0);
	assert_string_equal(state(nr, "good"), "running");
	stop_all(nr);
	free_def(&good);
	free_def(&bad);
}

static void
test_stop_on_removal(void **state_)
{
	struct nf_def a, b;
	struct nf_run_want w[2];
	struct nf_runner *nr;
	pid_t pa, pb;
	uint64_t t0;
	int st;

	(void)state_;
	skip_unless_root();
	def(&a, "a", "MODE=sleep", prog);
	def(&b, "b", "MODE=stubborn", prog);
	w[0] = want(&a, 0);
	w[1] = want(&b, 0);
	nr = runner();
	assert_int_equal(nf_runner_sync(nr, w, 2, &dp_up, nf_run_now_ms(), NULL), 2);
	pa = pid_of(nr, "a");
	pb = pid_of(nr, "b");
	assert_true(spin(nr, 5000, "nf b: ENV"));
	/* both removed: SIGTERM; 'b' ignores it and gets SIGKILL after its 1 s */
	t0 = nf_run_now_ms();
	nf_runner_sync(nr, NULL, 0, &dp_up, t0, NULL);
	assert_string_equal(state(nr, "a"), "stopping");
	assert_true(spin(nr, 3000, "nf a: killed by signal 15 (Terminated); stopped"));
	assert_false(nf_runner_busy(nr, "a"));
	assert_true(nf_runner_busy(nr, "b"));
	assert_true(spin(nr, 3000, "nf b: still running 1 s after SIGTERM: SIGKILL"));
	assert_true(spin(nr, 3000, "nf b: killed by signal 9 (Killed); stopped"));
	assert_true(nf_run_now_ms() - t0 >= 1000);
	assert_false(nf_runner_busy(nr, "b"));
	assert_int_equal(waitpid(pa, &st, WNOHANG), -1); /* reaped by the runner */
	assert_int_equal(waitpid(pb, &st, WNOHANG), -1);
	/* the next sync forgets them */
	nf_runner_sync(nr, NULL, 0, &dp_up, nf_run_now_ms(), NULL);
	json_t *s = nf_runner_status(nr, nf_run_now_ms());
	assert_int_equal(json_array_size(s), 0);
	json_decref(s);
	nf_runner_free(nr);
	free_def(&a);
	free_def(&b);
}

static void
test_bad_exec_rest_started(void **state_)
{
	struct nf_def good, missing, untrusted;
	struct nf_run_want w[3];
	struct nf_runner *nr;
	char wpolicy[700];
	json_t *errors = json_array(), *o;

	(void)state_;
	skip_unless_root();
	def(&good, "good", "MODE=sleep", prog);
	def(&missing, "missing", "MODE=sleep", "/nonexistent/nf-forward");
	def(&untrusted, "untrusted", "MODE=sleep", prog);
	snprintf(wpolicy, sizeof(wpolicy), "%s/open.json", dir);
	write_file(wpolicy, "{}", 0666);
	w[0] = want(&missing, 0);
	w[1] = want(&good, 0);
	w[2] = want(&untrusted, 0);
	w[2].policy_file = wpolicy;
	nr = runner();
	assert_int_equal(nf_runner_sync(nr, w, 3, &dp_up, nf_run_now_ms(), errors), 1);
	assert_int_equal(json_array_size(errors), 2);
	assert_string_equal(json_string_value(json_array_get(errors, 0)),
			    "nf 'missing' not started: program /nonexistent/nf-forward: No such "
			    "file or directory (install it, or fix the path in exec)");
	assert_non_null(strstr(json_string_value(json_array_get(errors, 1)),
			       "open.json is writable by every user: nfpathd runs no program it "
			       "names"));
	assert_true(pid_of(nr, "good") > 0);
	assert_string_equal(state(nr, "missing"), "failed");
	o = status_of(nr, "missing");
	assert_non_null(strstr(json_string_value(json_object_get(o, "error")), "No such file"));
	json_decref(o);
	/* logged once, not at every retry */
	json_decref(errors);
	errors = json_array();
	nf_runner_sync(nr, w, 3, &dp_up, nf_run_now_ms(), errors);
	assert_int_equal(json_array_size(errors), 2); /* still said in status */
	json_decref(errors);
	stop_all(nr);
	free_def(&good);
	free_def(&missing);
	free_def(&untrusted);
}

static void
test_datapath_gone_not_counted(void **state_)
{
	struct nf_def fw;
	struct nf_run_want w;
	struct nf_runner *nr;
	pid_t pid;
	json_t *o;

	(void)state_;
	skip_unless_root();
	def(&fw, "fw", "MODE=sleep", prog);
	w = want(&fw, 0);
	nr = runner();
	nf_runner_sync(nr, &w, 1, &dp_up, nf_run_now_ms(), NULL);
	pid = pid_of(nr, "fw");
	/* nfpathd saw the datapath go; the NF dies (as libnfpath's NFs then do) */
	w.slot_ready = false;
	nf_runner_sync(nr, &w, 1, &dp_down, nf_run_now_ms(), NULL);
	kill(pid, SIGKILL);
	assert_true(spin(nr, 3000, "(its datapath went away); waiting-for-datapath"));
	spin(nr, 500, NULL);
	assert_int_equal(pid_of(nr, "fw"), 0); /* not started without a datapath */
	/* back: started at once, the death not counted */
	w.slot_ready = true;
	assert_int_equal(nf_runner_sync(nr, &w, 1, &dp_up, nf_run_now_ms(), NULL), 1);
	o = status_of(nr, "fw");
	assert_int_equal(json_integer_value(json_object_get(o, "recent_deaths")), 0);
	json_decref(o);
	stop_all(nr);
	free_def(&fw);
}

/* Exit status 3 ("my datapath is gone") is believed only when the datapath's pid is gone too. */
static void
test_datapath_gone_status(void **state_)
{
	struct nf_def fw;
	struct nf_run_want w;
	struct nf_runner *nr;
	struct nf_run_dp dp = {.up = true, .file_prefix = "nfrun-test", .pid = getpid()};
	pid_t dead;

	(void)state_;
	skip_unless_root();
	def(&fw, "fw", "MODE=exit3", prog);
	fw.run.restart = AGENT_RESTART_ALWAYS;
	w = want(&fw, 0);
	nr = runner();
	/* the datapath (here: this test's pid) runs: the claim is a lie, counted */
	nf_runner_sync(nr, &w, 1, &dp, nf_run_now_ms(), NULL);
	assert_true(spin(nr, 3000, "nf fw: exited with status 3; backing-off"));
	/* the datapath's pid is gone: not counted, waits for the datapath */
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	dp.pid = dead;
	nf_runner_sync(nr, &w, 1, &dp, nf_run_now_ms(), NULL);
	assert_true(spin(nr, 3000, "(its datapath went away); waiting-for-datapath"));
	stop_all(nr);
	free_def(&fw);
}

static void
test_adopt_after_restart(void **state_)
{
	struct nf_def fw;
	struct nf_run_want w;
	struct nf_runner *nr, *nr2;
	char expect[128];
	pid_t pid;
	json_t *o;

	(void)state_;
	skip_unless_root();
	def(&fw, "fw", "MODE=sleep", prog);
	w = want(&fw, 0);
	nr = runner();
	nf_runner_sync(nr, &w, 1, &dp_up, nf_run_now_ms(), NULL);
	pid = pid_of(nr, "fw");
	assert_true(spin(nr, 5000, "nf fw: ENV"));
	/* nfpathd goes away (its runner freed: the NF keeps running) and a new one starts */
	nf_runner_free(nr);
	assert_int_equal(kill(pid, 0), 0);
	nr2 = runner();
	assert_int_equal(nf_runner_load(nr2), 1);
	assert_int_equal(nf_runner_sync(nr2, &w, 1, &dp_up, nf_run_now_ms(), NULL), 0);
	assert_int_equal(pid_of(nr2, "fw"), pid); /* no second instance */
	o = status_of(nr2, "fw");
	assert_true(json_is_true(json_object_get(o, "adopted")));
	assert_string_equal(json_string_value(json_object_get(o, "state")), "running");
	json_decref(o);
	/* its output reaches the new nfpathd through the same FIFO */
	kill(pid, SIGUSR1);
	snprintf(expect, sizeof(expect), "nf fw: usr1 %d", (int)pid);
	assert_true(spin(nr2, 3000, expect));
	/* a pid in the journal that is another process now is not adopted */
	nf_runner_free(nr2);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	nr2 = runner();
	assert_int_equal(nf_runner_load(nr2), 0);
	assert_int_equal(nf_runner_sync(nr2, &w, 1, &dp_up, nf_run_now_ms(), NULL), 1);
	assert_true(pid_of(nr2, "fw") != pid);
	stop_all(nr2);
	free_def(&fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_log_kill_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_loop_others_undisturbed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stop_on_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_exec_rest_started, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_gone_not_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_gone_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_after_restart, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
