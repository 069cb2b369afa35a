// SPDX-License-Identifier: BSD-3-Clause
/*
 * The one durable write of nfpath (base-file.h) and the non-blocking whole-file read. The write
 * is the classic sequence (temporary file, fsync, rename, fsync of the directory): after a crash
 * at any point the target holds the old or the new bytes; a stale '.NAME.tmp.PID' may remain and
 * is harmless (the next write of the same process id truncates it, and readers never look at it).
 */
#include "nfpath/base-file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static void (*crash_hook)(enum base_write_step step);

void
base_file_set_crash_hook(void (*hook)(enum base_write_step step))
{
	crash_hook = hook;
}

static void
step(enum base_write_step s)
{
	if (crash_hook)
		crash_hook(s);
}

int
base_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory part of 'path' into 'dir' ("." when it has none). */
static int
parent_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		if (size < 2)
			return -ENAMETOOLONG;
		strcpy(dir, ".");
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

int
base_fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	int fd, r;

	r = parent_of(path, dir, sizeof(dir));
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* '.NAME.tmp.PID' beside 'path'. */
static int
temp_name(const char *path, char *tmp, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int n;

	if (!*base)
		return -EINVAL;
	n = snprintf(tmp, size, "%.*s.%s.tmp.%ld", dirlen, path, base, (long)getpid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int
write_atomic(const char *path, const void *data, size_t len, mode_t mode, int once)
{
	char tmp[PATH_MAX];
	size_t half = len / 2;
	int fd, r;

	r = temp_name(path, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	step(BASE_WRITE_OPENED);
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	if (r == 0)
		r = base_write_all(fd, data, half);
	if (r == 0) {
		step(BASE_WRITE_PARTIAL);
		r = base_write_all(fd, (const char *)data + half, len - half);
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		goto fail;
	step(BASE_WRITE_SYNCED);
	if (once) {
		/* link(2) fails with EEXIST instead of replacing: the first original stays. */
		if (link(tmp, path) < 0) {
			r = -errno;
			goto fail;
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	step(BASE_WRITE_RENAMED);
	r = base_fsync_parent(path);
	if (r < 0)
		return r; /* the new content is in place; only its durability is in doubt */
	step(BASE_WRITE_DONE);
	return 0;
fail:
	unlink(tmp);
	return r;
}

int
base_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	if (!path || (!data && len))
		return -EINVAL;
	return write_atomic(path, data, len, mode, 0);
}

int
base_write_text_atomic(const char *path, const char *text, mode_t mode)
{
	if (!text)
		return -EINVAL;
	return base_write_file_atomic(path, text, strlen(text), mode);
}

int
base_write_file_once(const char *path, const void *data, size_t len, mode_t mode)
{
	if (!path || (!data && len))
		return -EINVAL;
	return write_atomic(path, data, len, mode, 1);
}

int
base_remove_stale_temps(const char *path)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 8];
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	struct dirent *de;
	size_t plen;
	int n = 0, r;
	DIR *d;

	r = parent_of(path, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (snprintf(prefix, sizeof(prefix), ".%s.tmp.", name) >= (int)sizeof(prefix))
		return -ENAMETOOLONG;
	plen = strlen(prefix);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) == 0 &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int
base_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, r;

	if (!path || !ret_text)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	/* The size is a hint (a file may grow while read, procfs reports 0): read until EOF. */
	cap = (size_t)st.st_size + 1 < 4096 ? 4096 : (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb;

			if (cap > max + 1) {
				r = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			goto out;
		}
	}
	buf[len] = '\0';
	*ret_text = buf;
	if (ret_len)
		*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

int
base_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len;

	if (!path || !*path)
		return -EINVAL;
	len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
