// SPDX-License-Identifier: BSD-3-Clause
/* log.h: nfpath-dp's rte_log type and its '<N>'-prefixed lines. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

RTE_LOG_REGISTER(dp_logtype, nfpath.dp, INFO);

/* rte_log's levels (1 emergency .. 8 debug) are syslog's priorities plus one. */
static int
syslog_priority(uint32_t level)
{
	return level >= 1 && level <= RTE_LOG_DEBUG ? (int)level - 1 : 6;
}

void
dp_log(uint32_t level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rte_log(level, dp_logtype, "<%d>nfpath-dp: %s\n", syslog_priority(level), line);
}

void
dp_log_init(void)
{
	(void)rte_openlog_stream(stderr);
}
