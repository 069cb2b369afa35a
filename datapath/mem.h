/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory of nfpath-dp: the hugepage check made before the EAL starts (so the operator reads
 * what to reserve and how, not an EAL trace) and the per-NUMA-socket packet mempools, sized at
 * run time from the ports, queues, descriptors and lcores that use them.
 */
#ifndef NFPATH_DP_MEM_H
#define NFPATH_DP_MEM_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"

#define DP_MBUF_CACHE 256

/*
 * Counts free hugepages under 'sysfs_root'/kernel/mm/hugepages and looks for a hugetlbfs mount
 * in 'mounts' (a /proc/mounts file). Returns 0 when hugepages can be used; -ENOMEM when none is
 * free, -ENOENT when hugetlbfs is not mounted (and 'need_mount'); writes a message naming the
 * fix to 'msg'.
 */
int dp_mem_hugepages_check(const char *sysfs_root, const char *mounts, bool need_mount, char *msg,
			   size_t msg_len);

/*
 * A message for memory that could not be had: 'bytes_needed' against the free hugepages under
 * 'sysfs_root'/kernel/mm/hugepages, with both numbers and the nr_hugepages write that fixes it.
 */
void dp_mem_shortfall(const char *sysfs_root, unsigned long long bytes_needed, char *msg,
		      size_t msg_len);

/*
 * Mbufs one socket's pool needs: every RX and TX descriptor of its ports, a TX buffer and a
 * burst in flight per worker and port, the per-lcore caches, and 'extra' for packets queued
 * elsewhere (NF rings). Rounded up to 2^n - 1, the size rte_mempool uses best.
 */
unsigned int dp_mem_mbufs_needed(unsigned int rx_desc_total, unsigned int tx_desc_total,
				 unsigned int n_ports, unsigned int n_workers,
				 unsigned int n_lcores, unsigned int extra);

/* Creates a pool for every socket that holds a port. Returns 0 or -errno (message printed). */
int dp_mem_pools_create(struct dp *dp);
void dp_mem_pools_free(struct dp *dp);

#endif
