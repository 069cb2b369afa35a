/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Starts a real EAL (no hugepages, no shared files: these tests need no second process) on
 * net_ring virtual devices and sets the datapath up on them, as nfpath-dp does.
 */
#ifndef NFPATH_TEST_DP_HARNESS_H
#define NFPATH_TEST_DP_HARNESS_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dp.h"
#include "opts.h"

static struct dp_opts harness_opts;
static struct dp harness_dp;

/*
 * 'args' are nfpath-dp options (ports, queues); 'entries' sizes the classifier. Returns 0, or
 * -1 when the EAL cannot start.
 */
static inline int
harness_start_n(int argc, const char **argv, unsigned int entries)
{
	static char prefix[64];
	static const char *extra[] = {"--no-shconf"};

	if (dp_opts_parse(&harness_opts, argc, (char **)argv, stderr) < 0) {
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "nfpath-unit-%d", (int)getpid());
	harness_opts.file_prefix = prefix;
	harness_opts.lcores = "0@0";
	harness_opts.no_huge = true;
	/* --in-memory conflicts with --no-huge; --no-shconf keeps /var/run/dpdk clean. */
	harness_opts.extra_eal = (char **)extra;
	harness_opts.n_extra_eal = 1;
	if (dp_opts_eal_argv(&harness_opts, "test") < 0 ||
	    rte_eal_init(harness_opts.eal_argc, harness_opts.eal_argv) < 0) {
		return -1;
	}
	return dp_setup(&harness_dp, &harness_opts, entries);
}

static inline int
harness_start(int argc, const char **argv)
{
	return harness_start_n(argc, argv, 1024);
}

/* Tears down, stops the EAL and removes its runtime directory (/var/run/dpdk/PREFIX). */
static inline void
harness_stop(void)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	dp_teardown(&harness_dp);
	rte_eal_cleanup();
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d))) {
			char p[PATH_MAX + 256];

			if (e->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		}
		closedir(d);
	}
	rmdir(dir);
}

#endif
