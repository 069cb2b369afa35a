// SPDX-License-Identifier: BSD-3-Clause
/* systemd notification (notify.h). */
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

/* STATUS= text is one line: newlines would start new assignments. */
static void
one_line(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < len; i++)
		dst[i] = (src[i] == '\n' || src[i] == '\r') ? ' ' : src[i];
	dst[i] = '\0';
}

int
agent_notify_init(struct agent_notify *n)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	if (sd_watchdog_enabled(0, &usec) > 0)
		n->watchdog_usec = usec;
	return 0;
}

int
agent_notify_ready(struct agent_notify *n, const char *status)
{
	char line[1024], msg[1100];

	one_line(line, sizeof(line), status);
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", n->ready_sent ? "" : "READY=1\n", line);
	n->ready_sent = true;
	return sd_notify(0, msg);
}

int
agent_notify_status(struct agent_notify *n, const char *status)
{
	char line[1024], msg[1100];

	(void)n;
	one_line(line, sizeof(line), status);
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	return sd_notify(0, msg);
}

int
agent_notify_watchdog(struct agent_notify *n)
{
	if (!n->watchdog_usec)
		return 0;
	return sd_notify(0, "WATCHDOG=1");
}

int
agent_notify_stopping(struct agent_notify *n, const char *status)
{
	char line[1024], msg[1100];

	(void)n;
	one_line(line, sizeof(line), status);
	snprintf(msg, sizeof(msg), "STOPPING=1\nSTATUS=%s", line);
	return sd_notify(0, msg);
}

int
agent_notify_reloading(struct agent_notify *n)
{
	n->ready_sent = false; /* systemd waits for READY=1 again after RELOADING=1 */
	return sd_notify(0, "RELOADING=1");
}

uint64_t
agent_notify_watchdog_interval(const struct agent_notify *n)
{
	return n->watchdog_usec / 2;
}
