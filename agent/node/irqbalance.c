// SPDX-License-Identifier: BSD-3-Clause
/*
 * irqbalance coordination (irqbalance.h): the banned-IRQ list that nfpath's irqbalance policy
 * script reads, written atomically and only when it changes, and finding / signalling a running
 * irqbalance through procfs. Called by nfpathd's apply step after it pinned VF IRQs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "irqbalance.h"
#include "nfpath/base-file.h"
#include "strbuf.h"

#define HEADER                                                                                      \
	"# Written by nfpathd: the IRQs it pins itself (VF IRQs on the CPUs of their consumers).\n" \
	"# irqbalance leaves them alone through /usr/lib/nfpath/irqbalance-policy (ban=true).\n"    \
	"# One IRQ a line; rewritten on every change, do not edit.\n"

static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int
cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* The whole file in *ret (NUL-terminated) if it is at most 'max' bytes; -errno otherwise. */
int
agent_irqbalance_write(const char *path, const unsigned int *irqs, size_t n, char *err,
		       size_t errlen)
{
	struct strbuf text = {0};
	unsigned *sorted = NULL;
	char *old = NULL;
	size_t old_len = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!path || (!irqs && n))
		return fail(err, errlen, -EINVAL, "irqbalance list: no path or no IRQs given");
	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, irqs, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_uint);
	}
	strbuf_printf(&text, "%s", HEADER);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || sorted[i] != sorted[i - 1])
			strbuf_printf(&text, "%u\n", sorted[i]);
	}
	if (text.oom) {
		r = -ENOMEM;
		goto out;
	}

	/* Unchanged: leave the file (and irqbalance) alone. */
	if (base_read_file(path, text.len, &old, &old_len) == 0 && old_len == text.len &&
	    memcmp(old, strbuf_str(&text), text.len) == 0) {
		r = 0;
		goto out;
	}

	/* The one durable write (base-file.h); irqbalance runs the policy script as its own user,
	 * so the list is world-readable whatever nfpathd's umask. */
	r = base_write_file_atomic(path, strbuf_str(&text), text.len, 0644);
	if (r < 0) {
		fail(err, errlen, r, "%s: cannot write it: %s", path, strerror(-r));
		goto out;
	}
	r = 1;
out:
	free(old);
	free(sorted);
	strbuf_free(&text);
	return r;
}

/* Does ROOT/PID/comm say "irqbalance"? */
static bool
comm_is_irqbalance(const char *root, const char *pid)
{
	char path[4096], comm[64];
	FILE *f;
	bool yes = false;

	snprintf(path, sizeof(path), "%s/%s/comm", root, pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(comm, sizeof(comm), f)) {
		comm[strcspn(comm, "\n")] = '\0';
		yes = strcmp(comm, "irqbalance") == 0;
	}
	fclose(f);
	return yes;
}

static bool
all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

/* Call fn(pid) for every irqbalance under root; stops at the first negative return. Returns
 * the sum of fn's returns, or the negative one. */
static int
for_each_irqbalance(const char *root, int (*fn)(const char *root, const char *pid, void *arg),
		    void *arg)
{
	DIR *d = opendir(root);
	int sum = 0;

	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		int r;

		if (!all_digits(e->d_name) || !comm_is_irqbalance(root, e->d_name))
			continue;
		r = fn(root, e->d_name, arg);
		if (r < 0) {
			sum = r;
			break;
		}
		sum += r;
	}
	closedir(d);
	return sum;
}

static int
count_one(const char *root, const char *pid, void *arg)
{
	(void)root;
	(void)pid;
	(void)arg;
	return 1;
}

int
agent_irqbalance_running(const char *procfs_root)
{
	return for_each_irqbalance(procfs_root ? procfs_root : "/proc", count_one, NULL) > 0;
}

struct hup_arg {
	char *err;
	size_t errlen;
};

static int
hup_one(const char *root, const char *pid, void *arg)
{
	struct hup_arg *a = arg;
	long p = strtol(pid, NULL, 10);

	if (p <= 1 || p > 0x7fffffffL)
		return 0;
	/* A fake procfs (tests) names PIDs of this machine by chance: signal only the real one. */
	if (strcmp(root, "/proc") != 0 && !comm_is_irqbalance("/proc", pid))
		return 0;
	if (kill((pid_t)p, SIGHUP) < 0) {
		if (errno == ESRCH)
			return 0; /* it just exited */
		return fail(
			a->err, a->errlen, -errno,
			"irqbalance (pid %ld): cannot send SIGHUP: %s (nfpathd must run as root "
			"to ask irqbalance to rescan)",
			p, strerror(errno));
	}
	return 1;
}

int
agent_irqbalance_rescan(const char *procfs_root, char *err, size_t errlen)
{
	struct hup_arg a = {err, errlen};

	if (err && errlen)
		err[0] = '\0';
	return for_each_irqbalance(procfs_root ? procfs_root : "/proc", hup_one, &a);
}
