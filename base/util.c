// SPDX-License-Identifier: BSD-3-Clause
/* base-util.h: strict number parsing, sleeps, the monotonic clock and operator log lines. */
#include "nfpath/base-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
base_parse_uint(const char *s, unsigned long long min, unsigned long long max,
		unsigned long long *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (ret)
		*ret = v;
	return 0;
}

void
base_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t
base_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
base_log(int prio, const char *prefix, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write of the whole line, so concurrent writers do not interleave inside it. */
	fprintf(stderr, "<%d>%s%s%s\n", prio & 7, prefix ? prefix : "", prefix ? ": " : "", line);
}
