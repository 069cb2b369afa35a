/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Is an EAL --file-prefix free for a new primary? Before rte_eal_init(): a running nfpath-dp
 * holds a write lock on the prefix's runtime config (whose owner fcntl names), and NF processes
 * of a previous nfpath-dp that still run hold its files open, which makes the EAL fail with
 * "Cannot allocate memzone list". After a failed start: removing what the EAL left.
 */
#ifndef NFPATH_DP_PREFIX_H
#define NFPATH_DP_PREFIX_H

#include <stddef.h>

/*
 * Check 'prefix' before rte_eal_init(), waiting up to wait_ms for processes of a previous
 * primary to exit (libnfpath's NFs do within a few hundred ms of its death). Returns 0 when
 * free, -EADDRINUSE when a primary runs, -EBUSY when other processes still hold its files;
 * *msg then names the pids and the fix.
 */
int dp_prefix_check(const char *prefix, unsigned int wait_ms, char *msg, size_t msg_len);

/*
 * After a start that failed past rte_eal_init() and rte_eal_cleanup(): remove the prefix's
 * hugepage files (in every hugetlbfs mount listed in 'mounts') and its runtime directory, so
 * that a failed start leaks nothing. Only call it when no other process can use the prefix.
 */
void dp_prefix_remove(const char *prefix, const char *mounts);

#endif
