// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/nf-proc.c with real files and processes (run as root, as nfpathd
 * does; skipped otherwise): the trust rules with the message each refusal gives, spawning with
 * affinity, user, environment, captured output and a reset signal mask, exec failures,
 * adoption by pid and start time (a wrong start time is another process), reaping.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
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

#include "nf-proc.h"

static char dir[] = "/tmp/nfpath-test-nfproc-XXXXXX";
static char err[1024];

static int
setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	strcpy(dir, "/tmp/nfpath-test-nfproc-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
skip_unless_root(void)
{
	if (geteuid() != 0) {
		print_message("not root: nfpathd's trust rules and user changes need root\n");
		skip();
	}
}

static void
make_file(const char *name, const char *text, mode_t mode, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
expect_err(int r, int want, const char *part)
{
	if (r != want || !strstr(err, part))
		fail_msg("got %d '%s', want %d and '%s'", r, err, want, part);
}

static void
test_trust_program(void **state)
{
	char prog[512], sub[512], path[600];
	struct passwd *nobody = getpwnam("nobody");

	(void)state;
	skip_unless_root();
	assert_non_null(nobody);
	make_file("nf", "#!/bin/sh\nexit 0\n", 0755, prog, sizeof(prog));
	assert_int_equal(nf_proc_trust_program(prog, err, sizeof(err)), 0);
	/* /bin/true and the like: the system's own */
	assert_int_equal(nf_proc_trust_program("/bin/sh", err, sizeof(err)), 0);

	expect_err(
		nf_proc_trust_program("/nonexistent/nf", err, sizeof(err)), -ENOENT,
		"program /nonexistent/nf: No such file or directory (install it, or fix the path in exec)");
	chmod(prog, 0644);
	expect_err(nf_proc_trust_program(prog, err, sizeof(err)), -EACCES,
		   "not executable (chmod +x it)");
	chmod(prog, 0757);
	expect_err(nf_proc_trust_program(prog, err, sizeof(err)), -EPERM,
		   "is writable by every user");
	chmod(prog, 0775);
	assert_int_equal(chown(prog, 0, 1), 0); /* group 'daemon': writable by it */
	expect_err(nf_proc_trust_program(prog, err, sizeof(err)), -EPERM,
		   "is writable by its group, which is not root's");
	assert_int_equal(chown(prog, 0, 0), 0);
	assert_int_equal(nf_proc_trust_program(prog, err, sizeof(err)), 0); /* root's group: ok */
	chmod(prog, 0755);
	assert_int_equal(chown(prog, nobody->pw_uid, 0), 0);
	expect_err(nf_proc_trust_program(prog, err, sizeof(err)), -EPERM,
		   "is not owned by root (its owner can change it)");
	assert_int_equal(chown(prog, 0, 0), 0);

	/* a directory others may write: the program could be replaced */
	snprintf(sub, sizeof(sub), "%s/bin", dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	snprintf(path, sizeof(path), "%s/nf", sub);
	assert_int_equal(rename(prog, path), 0);
	expect_err(nf_proc_trust_program(path, err, sizeof(err)), -EPERM, "directory ");
	expect_err(nf_proc_trust_program(path, err, sizeof(err)), -EPERM,
		   "/bin is writable by every user");
	/* sticky, like /tmp: root's entries cannot be replaced by others */
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(nf_proc_trust_program(path, err, sizeof(err)), 0);
	assert_int_equal(chown(path, nobody->pw_uid, 0), 0);
	expect_err(nf_proc_trust_program(path, err, sizeof(err)), -EPERM, "not owned by root");
	assert_int_equal(chown(path, 0, 0), 0);

	/* a symbolic link: its target is checked */
	snprintf(prog, sizeof(prog), "%s/link", dir);
	assert_int_equal(symlink(path, prog), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	expect_err(nf_proc_trust_program(prog, err, sizeof(err)), -EPERM, "/bin is writable");
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(nf_proc_trust_program(prog, err, sizeof(err)), 0);
	expect_err(nf_proc_trust_program(sub, err, sizeof(err)), -EACCES, "not a regular file");
}

static void
test_trust_policy_file(void **state)
{
	char path[512], sub[512];
	struct passwd *nobody = getpwnam("nobody");

	(void)state;
	skip_unless_root();
	make_file("p.json", "{}", 0644, path, sizeof(path));
	assert_int_equal(nf_proc_trust_policy_file(path, err, sizeof(err)), 0);
	chmod(path, 0646);
	expect_err(nf_proc_trust_policy_file(path, err, sizeof(err)), -EPERM,
		   "p.json is writable by every user: nfpathd runs no program it names (chown "
		   "root:root and chmod go-w the file)");
	chmod(path, 0644);
	assert_int_equal(chown(path, nobody->pw_uid, 0), 0);
	expect_err(nf_proc_trust_policy_file(path, err, sizeof(err)), -EPERM,
		   "is not owned by root");
	assert_int_equal(chown(path, 0, 0), 0);
	snprintf(sub, sizeof(sub), "%s", dir);
	assert_int_equal(chmod(sub, 0777), 0);
	expect_err(nf_proc_trust_policy_file(path, err, sizeof(err)), -EPERM, "policy directory ");
	assert_int_equal(chmod(sub, 0755), 0);
	expect_err(nf_proc_trust_policy_file("/nonexistent.json", err, sizeof(err)), -ENOENT,
		   "/nonexistent.json");
}

/* Read everything from fd until EOF. */
static void
slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t k;

	while (n + 1 < len && (k = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
}

static void
test_spawn(void **state)
{
	char *argv[] = {"/bin/sh", "-c",
			"grep Cpus_allowed_list /proc/self/status; id -u; id -g; echo \"F=$FOO\"; "
			"grep SigBlk /proc/self/status; ls /proc/self/fd | wc -l; echo err >&2",
			NULL};
	char *envp[] = {"FOO=bar baz", "PATH=/usr/bin:/bin", NULL};
	char out[4096], want[256];
	struct passwd *nobody = getpwnam("nobody");
	struct vfm_cpuset cpus = {0};
	sigset_t block, old;
	int p[2], pidfd = -1, status = 0;
	pid_t pid = 0;

	(void)state;
	skip_unless_root();
	vfm_cpuset_set(&cpus, 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* nfpathd blocks SIGTERM for its signalfd: the NF must not inherit that */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	struct nf_spawn s = {.argv = argv,
			     .envp = envp,
			     .set_ids = true,
			     .uid = nobody->pw_uid,
			     .gid = nobody->pw_gid,
			     .cpus = &cpus,
			     .out_fd = p[1],
			     .keep_fd = -1};
	assert_int_equal(nf_proc_spawn(&s, &pid, &pidfd, err, sizeof(err)), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	slurp(p[0], out, sizeof(out));
	close(p[0]);
	snprintf(want, sizeof(want),
		 "Cpus_allowed_list:\t0\n%u\n%u\nF=bar baz\nSigBlk:\t0000000000000000\n",
		 (unsigned)nobody->pw_uid, (unsigned)nobody->pw_gid);
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("output '%s', want it to start with '%s'", out, want);
	/* fds 0, 1, 2 and the one ls opens for /proc/self/fd */
	assert_non_null(strstr(out + strlen(want), "4\nerr\n"));
	struct pollfd pf = {.fd = pidfd, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 10000), 1);
	assert_int_equal(nf_proc_reap(pidfd, &status), 1);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pidfd);
}

static void
test_spawn_exec_fails(void **state)
{
	char *argv[] = {"/nonexistent/nf", NULL};
	char *envp[] = {NULL};
	char path[512];
	char *argv2[] = {path, NULL};
	int pidfd = -1;
	pid_t pid = 0;

	(void)state;
	struct nf_spawn s = {.argv = argv, .envp = envp, .out_fd = -1, .keep_fd = -1};
	expect_err(nf_proc_spawn(&s, &pid, &pidfd, err, sizeof(err)), -ENOENT,
		   "/nonexistent/nf: exec failed: No such file or directory");
	assert_int_equal(pid, 0);
	/* not a program the kernel can run */
	make_file("garbage", "\x01\x02\x03 not an ELF\n", 0755, path, sizeof(path));
	s.argv = argv2;
	expect_err(nf_proc_spawn(&s, &pid, &pidfd, err, sizeof(err)), -ENOEXEC, "exec failed");
	/* an affinity to no CPU this machine has */
	struct vfm_cpuset none = {0};

	vfm_cpuset_set(&none, VFM_CPUSET_MAX - 1);
	s.argv = (char *[]){"/bin/true", NULL};
	s.cpus = &none;
	expect_err(nf_proc_spawn(&s, &pid, &pidfd, err, sizeof(err)), -EINVAL,
		   "setting the CPU affinity failed");
}

static void
test_adopt_and_reap(void **state)
{
	char *argv[] = {"/bin/sleep", "30", NULL};
	char *envp[] = {NULL};
	unsigned long long st = 0;
	int pidfd = -1, fd = -1, status = 0;
	pid_t pid = 0;

	(void)state;
	struct nf_spawn s = {.argv = argv, .envp = envp, .out_fd = -1, .keep_fd = -1};
	assert_int_equal(nf_proc_spawn(&s, &pid, &pidfd, err, sizeof(err)), 0);
	assert_int_equal(nf_proc_starttime("/proc", pid, &st), 0);
	assert_true(st > 0);
	assert_int_equal(nf_proc_reap(pidfd, &status), 0); /* still running */
	assert_int_equal(nf_proc_adopt("/proc", pid, st, &fd), 0);
	close(fd);
	assert_true(nf_proc_alive("/proc", pid));
	/* another start time: a reused pid, not our NF */
	assert_int_equal(nf_proc_adopt("/proc", pid, st + 1, &fd), -ESRCH);
	assert_int_equal(nf_proc_adopt("/proc", 0, st, &fd), -ESRCH);
	assert_int_equal(nf_proc_signal(pidfd, SIGKILL), 0);
	struct pollfd pf = {.fd = pidfd, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 10000), 1);
	/* a zombie is not adoptable either, nor alive */
	assert_int_equal(nf_proc_adopt("/proc", pid, st, &fd), -ESRCH);
	assert_false(nf_proc_alive("/proc", pid));
	assert_int_equal(nf_proc_reap(pidfd, &status), 1);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	nf_proc_status_str(status, err, sizeof(err));
	assert_string_equal(err, "killed by signal 9 (Killed)");
	nf_proc_status_str(3 << 8, err, sizeof(err));
	assert_string_equal(err, "exited with status 3");
	assert_int_equal(nf_proc_signal(pidfd, SIGKILL), -ESRCH);
	assert_int_equal(nf_proc_starttime("/proc", pid, &st), -ENOENT);
	close(pidfd);
	/* not our child: its status cannot be had */
	fd = -1;
	assert_int_equal(nf_proc_adopt("/proc", 1, 0, &fd), -ESRCH);
	assert_int_equal(nf_proc_starttime("/proc", 1, &st), 0);
	assert_int_equal(nf_proc_adopt("/proc", 1, st, &fd), 0);
	assert_int_equal(nf_proc_reap(fd, &status), -ECHILD);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust_program),  cmocka_unit_test(test_trust_policy_file),
		cmocka_unit_test(test_spawn),          cmocka_unit_test(test_spawn_exec_fails),
		cmocka_unit_test(test_adopt_and_reap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
