// SPDX-License-Identifier: BSD-3-Clause
/* NF processes: trust checks, spawn, adoption by pid + start time, pidfds (nf-proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nf-proc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* ---- trust ----------------------------------------------------------------------------------- */

/* Who besides root may write what 'st' describes, or NULL when nobody may. */
static const char *
writable_by_others(const struct stat *st, bool sticky_ok)
{
	if (st->st_uid != 0)
		return "is not owned by root (its owner can change it)";
	if ((st->st_mode & S_IWOTH) &&
	    !(sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
		return "is writable by every user";
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0 &&
	    !(sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
		return "is writable by its group, which is not root's";
	return NULL;
}

int
nf_proc_trust_policy_file(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	const char *why;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "policy file %s: %s", path, strerror(errno));
		return -errno;
	}
	why = writable_by_others(&st, false);
	if (why) {
		snprintf(err, errlen,
			 "policy file %s %s: nfpathd runs no program it names (chown root:root "
			 "and chmod go-w the file)",
			 path, why);
		return -EPERM;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "policy directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	why = writable_by_others(&st, false);
	if (why) {
		snprintf(err, errlen,
			 "policy directory %s %s: others could replace %s, so nfpathd runs no "
			 "program it names (chown root:root and chmod go-w the directory)",
			 dir, why, path);
		return -EPERM;
	}
	return 0;
}

int
nf_proc_trust_program(const char *program, char *err, size_t errlen)
{
	char real[PATH_MAX], part[PATH_MAX];
	struct stat st;
	const char *why;

	if (!realpath(program, real)) {
		int e = errno;

		snprintf(err, errlen, "program %s: %s%s", program, strerror(e),
			 e == ENOENT ? " (install it, or fix the path in exec)" : "");
		return -e;
	}
	/* Every directory from / down, then the file itself. */
	for (size_t i = 0;; i++) {
		bool last = real[i] == '\0';

		if (i > 0 && real[i] != '/' && !last)
			continue;
		memcpy(part, real, i);
		part[i] = '\0';
		if (i == 0)
			snprintf(part, sizeof(part), "/");
		if (lstat(part, &st) != 0) {
			snprintf(err, errlen, "program %s: %s: %s", program, part, strerror(errno));
			return -errno;
		}
		/* A sticky world-writable directory is fine: its next entry must be root's,
		 * which the next round checks, and others cannot replace root's entries. */
		why = writable_by_others(&st, !last);
		if (why) {
			snprintf(err, errlen,
				 "program %s: %s%s %s: nfpathd runs only programs nobody but root "
				 "can change (chown root:root and chmod go-w it)",
				 program, last ? "" : "directory ", part, why);
			return -EPERM;
		}
		if (last)
			break;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "program %s: not a regular file", program);
		return -EACCES;
	}
	if (!(st.st_mode & 0111)) {
		snprintf(err, errlen, "program %s: not executable (chmod +x it)", program);
		return -EACCES;
	}
	return 0;
}

/* ---- spawn ----------------------------------------------------------------------------------- */

static int
pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* What the child reports through the exec pipe when a step fails. */
struct spawn_failure {
	int step;
	int err;
};

enum { STEP_FDS, STEP_SESSION, STEP_AFFINITY, STEP_GROUPS, STEP_GID, STEP_UID, STEP_EXEC };

static const char *const step_names[] = {
	[STEP_FDS] = "setting up stdin, stdout and stderr",
	[STEP_SESSION] = "setsid",
	[STEP_AFFINITY] = "setting the CPU affinity",
	[STEP_GROUPS] = "setgroups",
	[STEP_GID] = "setgid",
	[STEP_UID] = "setuid",
	[STEP_EXEC] = "exec",
};

/* A copy of fd at 10 or above (so that arranging 0-4 cannot clobber it), or -1. */
static int
high_fd(int fd, bool cloexec)
{
	return fd < 0 ? -1 : fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 10);
}

/* In the child: only async-signal-safe calls (nfpathd has threads). */
__attribute__((noreturn)) static void
child(const struct nf_spawn *s, const cpu_set_t *cpus, int report, int devnull)
{
	struct spawn_failure f = {.step = STEP_FDS};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int out, keep;

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* EINVAL for SIGKILL/SIGSTOP: harmless */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	report = high_fd(report, true);
	out = high_fd(s->out_fd >= 0 ? s->out_fd : devnull, false);
	keep = high_fd(s->keep_fd, false);
	devnull = high_fd(devnull, false);
	if (report < 0 || out < 0 || devnull < 0 || (s->keep_fd >= 0 && keep < 0))
		goto fail;
	if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	if (keep >= 0 ? dup2(keep, 3) < 0 : (close(3), false))
		goto fail;
	report = dup3(report, 4, O_CLOEXEC);
	if (report < 0)
		goto fail;
	if (syscall(SYS_close_range, 5U, ~0U, 0U) != 0)
		for (int fd = 5; fd < 65536; fd++)
			close(fd);
	f.step = STEP_SESSION;
	if (setsid() < 0)
		goto fail;
	f.step = STEP_AFFINITY;
	if (cpus && sched_setaffinity(0, sizeof(*cpus), cpus) != 0)
		goto fail;
	if (s->set_ids) {
		f.step = STEP_GROUPS;
		if (setgroups(s->n_groups, s->groups) != 0)
			goto fail;
		f.step = STEP_GID;
		if (setresgid(s->gid, s->gid, s->gid) != 0)
			goto fail;
		f.step = STEP_UID;
		if (setresuid(s->uid, s->uid, s->uid) != 0)
			goto fail;
	}
	f.step = STEP_EXEC;
	execve(s->argv[0], s->argv, s->envp);
fail:
	f.err = errno;
	if (report >= 0 && write(report, &f, sizeof(f)) < 0) {
		/* nothing more to say */
	}
	_exit(127);
}

int
nf_proc_spawn(const struct nf_spawn *s, pid_t *ret_pid, int *ret_pidfd, char *err, size_t errlen)
{
	struct spawn_failure f;
	cpu_set_t cpus;
	bool have_cpus = false;
	int pipefd[2], devnull, pidfd, status;
	ssize_t n;
	pid_t pid;

	CPU_ZERO(&cpus);
	if (s->cpus && vfm_cpuset_count(s->cpus) > 0) {
		for (unsigned c = 0; c < VFM_CPUSET_MAX && c < CPU_SETSIZE; c++)
			if (vfm_cpuset_isset(s->cpus, c))
				CPU_SET(c, &cpus);
		have_cpus = true;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		int e = errno;

		close(devnull);
		snprintf(err, errlen, "pipe: %s", strerror(e));
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(devnull);
		close(pipefd[0]);
		close(pipefd[1]);
		snprintf(err, errlen, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child(s, have_cpus ? &cpus : NULL, pipefd[1], devnull);
	}
	close(pipefd[1]);
	close(devnull);
	/* Our child: its pid stays ours (a zombie at worst) until we reap it. */
	pidfd = pidfd_open(pid);
	do
		n = read(pipefd[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(f)) {
		waitpid(pid, &status, 0);
		if (pidfd >= 0)
			close(pidfd);
		snprintf(err, errlen, "%s: %s failed: %s", s->argv[0],
			 (unsigned)f.step <= STEP_EXEC ? step_names[f.step] : "?", strerror(f.err));
		return f.err ? -f.err : -EIO;
	}
	if (pidfd < 0) {
		int e = errno;

		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(err, errlen, "pidfd_open: %s (nfpathd needs Linux 5.3 or later)",
			 strerror(e));
		return -e;
	}
	*ret_pid = pid;
	*ret_pidfd = pidfd;
	return 0;
}

/* ---- finding a process again ----------------------------------------------------------------- */

/* PROCFS/PID/stat: state (field 3) and starttime (field 22). */
static int
read_stat(const char *procfs, pid_t pid, char *ret_state, unsigned long long *ret_start)
{
	char path[PATH_MAX], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", procfs, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 && errno == ESRCH ? -ENOENT : -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	*ret_state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -EIO;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned)(*p - '0');
	*ret_start = v;
	return 0;
}

int
nf_proc_starttime(const char *procfs, pid_t pid, unsigned long long *ret)
{
	char state;

	return read_stat(procfs, pid, &state, ret);
}

bool
nf_proc_alive(const char *procfs, pid_t pid)
{
	unsigned long long st;
	char state;

	return pid > 0 && read_stat(procfs, pid, &state, &st) == 0 && state != 'Z' && state != 'X';
}

int
nf_proc_adopt(const char *procfs, pid_t pid, unsigned long long starttime, int *ret_pidfd)
{
	unsigned long long st;
	char state;
	int fd, r;

	if (pid <= 0)
		return -ESRCH;
	fd = pidfd_open(pid);
	if (fd < 0)
		return -ESRCH;
	/* The start time is read after the pidfd is open: if the pid was reused in between,
	 * the new process's start time differs and the journalled NF is gone anyway. */
	r = read_stat(procfs, pid, &state, &st);
	if (r < 0 || st != starttime || state == 'Z' || state == 'X') {
		close(fd);
		return -ESRCH;
	}
	*ret_pidfd = fd;
	return 0;
}

int
nf_proc_reap(int pidfd, int *ret_status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) != 0)
		return -errno;
	if (si.si_pid == 0)
		return 0;
	if (si.si_code == CLD_EXITED)
		*ret_status = (si.si_status & 0xff) << 8;
	else
		*ret_status = si.si_status & 0x7f; /* killed or dumped: the signal */
	return 1;
}

int
nf_proc_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 ? 0 : -errno;
}

void
nf_proc_status_str(int status, char *buf, size_t len)
{
	if (status < 0)
		snprintf(buf, len, "status unknown (it was not nfpathd's child)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", (unsigned)status);
}
