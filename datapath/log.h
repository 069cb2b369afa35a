/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpath-dp's operator messages, through one rte_log type ('nfpath.dp'; the EAL's
 * --log-level nfpath.dp:debug turns on debug lines). Each line starts with its syslog priority
 * in journald's '<N>' form and 'nfpath-dp: ', so 'journalctl -p warning' sees our warnings and
 * errors and not our info lines. Never on a per-packet path: the datapath counts instead.
 * Command-line errors (opts.c) still go to the stream the caller gives, before any EAL.
 */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <rte_log.h>

/*
 * One line at 'level' (RTE_LOG_ERR, RTE_LOG_WARNING, RTE_LOG_NOTICE, RTE_LOG_INFO or
 * RTE_LOG_DEBUG); the newline is added.
 */
void dp_log(uint32_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After rte_eal_init(): DPDK's messages and ours go to stderr only (the EAL's default stream
 * also copies them to syslog, which journald would record twice). */
void dp_log_init(void);

#endif /* DP_LOG_H */
