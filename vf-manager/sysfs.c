// SPDX-License-Identifier: BSD-3-Clause
/*
 * Small file helpers for sysfs and procfs: read an attribute, follow a link, write with a
 * time-out. Both backends use them: the real one on /sys, the simulator on its own tree.
 * The time-out exists because some drivers block for a long time (or for ever) inside a
 * sriov_numvfs or unbind write; the write runs in a child process that can be abandoned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysfs.h"
#include "nfpath/base-file.h"
#include "nfpath/base-util.h"

int
vfm_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
vfm_read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (len == 0)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO where an attribute should be reads as empty instead of hanging. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	if ((size_t)n == len)
		return -EFBIG;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

int
vfm_read_long(const char *path, long *ret_value)
{
	char buf[64], *end;
	long v;
	int r;

	r = vfm_read_attr(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (r == 0)
		return -EINVAL;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end != '\0' || end == buf)
		return -EINVAL;
	*ret_value = v;
	return 0;
}

int
vfm_read_hex(const char *path, unsigned long *ret_value)
{
	char buf[64], *end;
	unsigned long v;
	int r;

	r = vfm_read_attr(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (strncmp(buf, "0x", 2) != 0 || buf[2] == '\0' || buf[2] == '-' || buf[2] == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(buf + 2, &end, 16);
	if (errno || *end != '\0')
		return -EINVAL;
	*ret_value = v;
	return 0;
}

int
vfm_readlink_base(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int
vfm_attr_replace(const char *path, const char *value)
{
	/* Only an existing file, as with a real attribute. */
	if (access(path, F_OK) < 0)
		return -errno;
	return vfm_write_file_atomic(path, value);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
vfm_write_timed(const char *path, const char *value, unsigned int timeout_ms)
{
	long long deadline;
	unsigned int step = 1;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Child: only async-signal-safe calls, the exit status carries errno. */
		size_t len = strlen(value);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			_exit(errno & 0xff);
		n = write(fd, value, len);
		if (n < 0)
			_exit(errno & 0xff);
		if ((size_t)n != len)
			_exit(EIO);
		if (close(fd) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}

	deadline = now_ms() + timeout_ms;
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			if (WIFEXITED(status))
				return -WEXITSTATUS(status);
			return -EIO;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			break;
		base_sleep_ms(step);
		if (step < 20)
			step *= 2;
	}
	/* Timed out. A write stuck in a driver may not die at once: give it a moment to be
	 * reaped, then abandon it (it stays a zombie child until it returns). */
	vfm_debug("write of '%s' to '%s' timed out after %u ms; killing pid %d", value, path,
		  timeout_ms, (int)pid);
	kill(pid, SIGKILL);
	for (int i = 0; i < 50; i++) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		base_sleep_ms(2);
	}
	return -ETIMEDOUT;
}

int
vfm_write_file_atomic(const char *path, const char *text)
{
	/* The one durable write (base-file.h): a simulated attribute, like a real one, is the old
	 * value or the new one after a crash, never empty. */
	return base_write_text_atomic(path, text, 0644);
}

int
vfm_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *slash;
	size_t len = strlen(path);
	int r;

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	/* Usually the parent exists: one mkdir. */
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	memcpy(buf, path, len + 1);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return -ENOENT;
	*slash = '\0';
	r = vfm_mkdir_p(buf);
	if (r < 0)
		return r;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
vfm_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];
		int r;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (vfm_path(sub, sizeof(sub), "%s/%s", path, e->d_name) < 0) {
			err = -ENAMETOOLONG;
			continue;
		}
		r = vfm_rm_rf(sub);
		if (r < 0 && err == 0)
			err = r;
	}
	closedir(d);
	if (rmdir(path) < 0 && err == 0)
		err = -errno;
	return err;
}
