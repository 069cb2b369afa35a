/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd notification (Type=notify) through libsystemd's sd_notify(): READY=1 once, after the
 * first convergence; STATUS= lines; WATCHDOG=1 from the main loop at half the interval systemd
 * asks for (WATCHDOG_USEC, for this process per WATCHDOG_PID). Without NOTIFY_SOCKET every call
 * is a no-op returning 0.
 */
#ifndef AGENT_NOTIFY_H
#define AGENT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct agent_notify {
	bool ready_sent;
	uint64_t watchdog_usec; /* 0: no watchdog asked for */
};

/* Read the watchdog settings from the environment. Returns 0 (state filled). */
int agent_notify_init(struct agent_notify *n);

/* "READY=1\nSTATUS=<status>" the first time, then only "STATUS=". Returns sd_notify()'s value
 * (> 0 sent, 0 no socket, -errno). */
int agent_notify_ready(struct agent_notify *n, const char *status);
int agent_notify_status(struct agent_notify *n, const char *status);
int agent_notify_watchdog(struct agent_notify *n);
int agent_notify_stopping(struct agent_notify *n, const char *status);
int agent_notify_reloading(struct agent_notify *n);

/* How often the main loop should call agent_notify_watchdog(), in microseconds (0: never). */
uint64_t agent_notify_watchdog_interval(const struct agent_notify *n);

#endif /* AGENT_NOTIFY_H */
