// SPDX-License-Identifier: BSD-3-Clause
/*
 * Whether an EAL --file-prefix is free for nfpath-dp (prefix.h), and cleaning up after a failed
 * start. main.c calls these around rte_eal_init(); they use libc and /proc only, no EAL.
 */
#include "prefix.h"

#include "nfpath/dp-rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HOLDERS 16

/* The pid holding the write lock of the runtime config (a running primary), or 0. */
static pid_t
primary_pid(const char *rundir)
{
	char path[4200];
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd;

	snprintf(path, sizeof(path), "%s/config", rundir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) < 0)
		fl.l_type = F_UNLCK;
	close(fd);
	return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

/* Does process 'pid' hold a file of 'rundir' open? */
static bool
holds_file_in(const char *pid, const char *rundir, size_t dlen)
{
	char path[300], link[4200];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char fp[600];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fp, sizeof(fp), "%s/%s", path, e->d_name);
		n = readlink(fp, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = strncmp(link, rundir, dlen) == 0 && link[dlen] == '/';
	}
	closedir(d);
	return found;
}

/* Processes other than us with files of 'dir' open: up to MAX_HOLDERS pids. */
static unsigned int
holders(const char *dir, pid_t *pids)
{
	char rundir[PATH_MAX];
	unsigned int n = 0;
	struct dirent *e;
	size_t dlen;
	DIR *d;

	/* /proc/PID/fd links name the real path (/var/run is often a link to /run). */
	if (!realpath(dir, rundir))
		return 0;
	dlen = strlen(rundir);
	d = opendir("/proc");
	if (!d)
		return 0;
	while (n < MAX_HOLDERS && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (holds_file_in(e->d_name, rundir, dlen))
			pids[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

static void
comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

int
dp_prefix_check(const char *prefix, unsigned int wait_ms, char *msg, size_t msg_len)
{
	char rundir[4096], comm[32];
	pid_t pids[MAX_HOLDERS];
	unsigned int n, waited = 0;
	size_t off;
	pid_t pp;

	dp_runtime_dir(prefix, rundir, sizeof(rundir));
	for (;;) {
		pp = primary_pid(rundir);
		if (pp) {
			comm_of(pp, comm, sizeof(comm));
			snprintf(msg, msg_len,
				 "--file-prefix '%s': %s (pid %d) already runs with it (it holds "
				 "'%s/config'): stop it, or give this one another --file-prefix "
				 "(and --socket)",
				 prefix, comm[0] ? comm : "a DPDK primary", (int)pp, rundir);
			return -EADDRINUSE;
		}
		n = holders(rundir, pids);
		if (n == 0)
			return 0;
		if (waited >= wait_ms)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
		waited += 50;
	}
	off = (size_t)snprintf(
		msg, msg_len,
		"--file-prefix '%s': processes of a previous nfpath-dp still hold its "
		"memory ('%s'), after %u ms:",
		prefix, rundir, wait_ms);
	for (unsigned int i = 0; i < n && off < msg_len; i++) {
		comm_of(pids[i], comm, sizeof(comm));
		off += (size_t)snprintf(msg + off, msg_len - off, "%s pid %d (%s)", i ? "," : "",
					(int)pids[i], comm[0] ? comm : "?");
	}
	if (off < msg_len)
		snprintf(msg + off, msg_len - off,
			 "; NFs built with libnfpath exit by themselves when their datapath dies: "
			 "these did not, stop them (kill PID) and start nfpath-dp again");
	return -EBUSY;
}

/* Unlink every entry of 'dir' whose name starts with 'start' (all when start is ""). */
static void
unlink_matching(const char *dir, const char *start)
{
	size_t slen = strlen(start);
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		char fp[4400];

		if (e->d_name[0] == '.' || strncmp(e->d_name, start, slen) != 0)
			continue;
		snprintf(fp, sizeof(fp), "%s/%s", dir, e->d_name);
		(void)unlink(fp);
	}
	closedir(d);
}

void
dp_prefix_remove(const char *prefix, const char *mounts)
{
	char rundir[4096], start[300], line[1024];
	FILE *f = fopen(mounts, "r");

	/* Hugepage files are named PREFIXmap_N (or PREFIXmap_S_N with single files). */
	snprintf(start, sizeof(start), "%smap_", prefix);
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char dev[256], dir[512], type[64];

			if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
			    strcmp(type, "hugetlbfs") == 0)
				unlink_matching(dir, start);
		}
		fclose(f);
	}
	dp_runtime_dir(prefix, rundir, sizeof(rundir));
	unlink_matching(rundir, "");
	(void)rmdir(rundir);
}
