/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the EAL keeps a --file-prefix's runtime files (its config, whose write lock the running
 * primary holds, the memory lists, the multi-process sockets), computed as DPDK 22.11's
 * eal_create_runtime_dir() does, so that nfpath-dp and the example NFs can tell before
 * rte_eal_init() whether a primary runs. Installed with libnfpath-dev: the example NFs (and
 * an operator's NF built out of tree from them) use it.
 */
#ifndef NFPATH_DP_RUNDIR_H
#define NFPATH_DP_RUNDIR_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The runtime directory of 'prefix': systemd's RuntimeDirectory=, else XDG's for non-root. */
static inline void
dp_runtime_dir(const char *prefix, char *buf, size_t len)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");

	if (!dir) {
		dir = "/var/run";
		if (getuid() != 0) {
			dir = getenv("XDG_RUNTIME_DIR");
			if (!dir)
				dir = "/tmp";
		}
	}
	snprintf(buf, len, "%s/dpdk/%s", dir, prefix);
}

#endif /* NFPATH_DP_RUNDIR_H */
