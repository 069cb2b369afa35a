// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/irqbalance.c: the banned-IRQ list (atomic write, sorted and
 * deduplicated, rewritten only on change, errors naming the place), the shipped policy script run
 * the way irqbalance runs it ("exec SCRIPT DEVPATH IRQ"), finding irqbalance in a fake procfs, and
 * SIGHUP to a real process named irqbalance (while a fake procfs naming another process never
 * gets that one signalled).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "irqbalance.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/irqb-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The non-comment lines of the list, joined by ','. */
static const char *
irq_lines(const char *path)
{
	static char out[1024];
	char *text = slurp(path), *save = NULL;

	assert_non_null(text);
	out[0] = '\0';
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == '#')
			continue;
		if (out[0])
			strcat(out, ",");
		strcat(out, l);
	}
	return out;
}

static size_t
entries_in_dir(void)
{
	DIR *d = opendir(dir);
	size_t n = 0;

	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_write(void **state)
{
	char path[128], err[512];
	const unsigned a[] = {131, 130, 200, 130};
	const unsigned b[] = {200, 131, 130};
	const unsigned c[] = {130};
	struct stat st1, st2;

	(void)state;
	snprintf(path, sizeof(path), "%s/irqbalance-banned", dir);
	assert_int_equal(agent_irqbalance_write(path, a, 4, err, sizeof(err)), 1);
	assert_string_equal(irq_lines(path), "130,131,200");
	assert_non_null(strstr(slurp(path), "# Written by nfpathd"));
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0644);
	assert_int_equal(entries_in_dir(), 1); /* no temporary file left behind */

	/* The same set in another order: unchanged, the file is not replaced. */
	assert_int_equal(agent_irqbalance_write(path, b, 3, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);

	assert_int_equal(agent_irqbalance_write(path, c, 1, err, sizeof(err)), 1);
	assert_string_equal(irq_lines(path), "130");
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st1.st_ino != st2.st_ino); /* replaced by rename */

	/* Nothing pinned any more: an empty list, not a missing file. */
	assert_int_equal(agent_irqbalance_write(path, NULL, 0, err, sizeof(err)), 1);
	assert_string_equal(irq_lines(path), "");
	assert_int_equal(agent_irqbalance_write(path, NULL, 0, err, sizeof(err)), 0);

	/* A hand-edited file is put back. */
	put("irqbalance-banned", "42\n");
	assert_int_equal(agent_irqbalance_write(path, c, 1, err, sizeof(err)), 1);
	assert_string_equal(irq_lines(path), "130");
	assert_int_equal(entries_in_dir(), 1);
}

static void
test_write_errors(void **state)
{
	char path[128], err[512];
	const unsigned c[] = {130};

	(void)state;
	snprintf(path, sizeof(path), "%s/missing/irqbalance-banned", dir);
	assert_int_equal(agent_irqbalance_write(path, c, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	assert_int_equal(agent_irqbalance_write(NULL, c, 1, err, sizeof(err)), -EINVAL);
	assert_int_equal(agent_irqbalance_write(path, NULL, 1, err, sizeof(err)), -EINVAL);
}

/* Run the shipped script as irqbalance does (popen "exec SCRIPT DEVPATH IRQ"); returns its
 * exit status and its output in 'out'. */
static int
run_policy(const char *script, unsigned irq, char *out, size_t len)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "exec %s /sys/bus/pci/devices/0000:3b:10.0 %u", script, irq);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_policy_script(void **state)
{
	const char *script = getenv("NFPATH_IRQBALANCE_POLICY");
	const unsigned irqs[] = {130, 7};
	char path[128], err[512], out[256];

	(void)state;
	if (!script) {
		print_message("NFPATH_IRQBALANCE_POLICY is not set (meson sets it)\n");
		fail();
	}
	snprintf(path, sizeof(path), "%s/irqbalance-banned", dir);
	assert_int_equal(setenv("NFPATH_IRQBALANCE_BANNED", path, 1), 0);

	/* No list yet (nfpathd not running): nothing is banned. */
	assert_int_equal(run_policy(script, 130, out, sizeof(out)), 0);
	assert_string_equal(out, "");

	assert_int_equal(agent_irqbalance_write(path, irqs, 2, err, sizeof(err)), 1);
	assert_int_equal(run_policy(script, 130, out, sizeof(out)), 0);
	assert_string_equal(out, "ban=true\n");
	assert_int_equal(run_policy(script, 7, out, sizeof(out)), 0);
	assert_string_equal(out, "ban=true\n");
	/* Whole numbers only: 13 and 1300 are not 130. */
	assert_int_equal(run_policy(script, 13, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(run_policy(script, 1300, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	unsetenv("NFPATH_IRQBALANCE_BANNED");
}

static void
test_running_fake_procfs(void **state)
{
	char root[128];

	(void)state;
	snprintf(root, sizeof(root), "%s/proc", dir);
	assert_int_equal(agent_irqbalance_running(root), 0); /* no such directory */
	put("proc/1/comm", "systemd\n");
	put("proc/123/comm", "bash\n");
	put("proc/self/comm", "irqbalance\n");        /* not a PID */
	put("proc/12x/comm", "irqbalance\n");         /* not a PID */
	put("proc/456/comm", "irqbalance-ui\n");      /* another program */
	put("proc/789/status", "Name: irqbalance\n"); /* no comm */
	assert_int_equal(agent_irqbalance_running(root), 0);
	put("proc/4242/comm", "irqbalance\n");
	assert_int_equal(agent_irqbalance_running(root), 1);
}

static volatile sig_atomic_t got_hup;

static void
on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* A child named irqbalance that reports 'R' when ready and 'H' when SIGHUP arrived. */
static pid_t
spawn_irqbalance(int *ret_fd)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_hup};

		close(fds[0]);
		sigaction(SIGHUP, &sa, NULL);
		prctl(PR_SET_NAME, "irqbalance", 0, 0, 0);
		if (write(fds[1], "R", 1) != 1)
			_exit(1);
		for (int i = 0; i < 1000 && !got_hup; i++)
			usleep(10000);
		if (got_hup && write(fds[1], "H", 1) != 1)
			_exit(1);
		_exit(got_hup ? 0 : 2);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(c, 'R');
	*ret_fd = fds[0];
	return pid;
}

static void
test_rescan_real_process(void **state)
{
	struct pollfd pfd = {.events = POLLIN};
	char root[128], rel[64], err[512], c = 0;
	int fd, st;
	pid_t pid;

	(void)state;
	pid = spawn_irqbalance(&fd);
	assert_int_equal(agent_irqbalance_running("/proc"), 1);

	/* A fake procfs naming this test process irqbalance: the real /proc says otherwise, so it
	 * is not signalled (SIGHUP would end this test). */
	snprintf(root, sizeof(root), "%s/proc", dir);
	snprintf(rel, sizeof(rel), "proc/%d/comm", (int)getpid());
	put(rel, "irqbalance\n");
	assert_int_equal(agent_irqbalance_running(root), 1);
	assert_int_equal(agent_irqbalance_rescan(root, err, sizeof(err)), 0);

	/* The real one. */
	assert_true(agent_irqbalance_rescan(NULL, err, sizeof(err)) >= 1);
	pfd.fd = fd;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'H');
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_fake_procfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescan_real_process, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
