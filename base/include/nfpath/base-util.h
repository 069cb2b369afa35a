/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small libc-only helpers every component had its own copy of: strict unsigned parsing, sleeps
 * and a monotonic clock, and operator log lines with syslog priorities for journald.
 */
#ifndef NFPATH_BASE_UTIL_H
#define NFPATH_BASE_UTIL_H

#include <stdint.h>

/*
 * Parse all of 's' as a decimal unsigned number in [min, max] (no sign, no spaces, no trailing
 * characters, at least one digit). Sets *ret only on success. Returns 0, -EINVAL (not a number)
 * or -ERANGE (outside [min, max]).
 */
int base_parse_uint(const char *s, unsigned long long min, unsigned long long max,
		    unsigned long long *ret);

/* Sleep 'ms' milliseconds, resuming after signals. */
void base_sleep_ms(unsigned int ms);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t base_now_ms(void);

/*
 * One operator log line on stderr with a '<N>' syslog priority prefix (journald reads it),
 * 'prefix: ' and the message; a trailing newline is added. 'prio' is LOG_ERR, LOG_WARNING,
 * LOG_NOTICE, LOG_INFO or LOG_DEBUG from <syslog.h>.
 */
void base_log(int prio, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
