/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The supervision state machine of one NF: when nfpathd starts it again after it died, when it
 * is crash-looping, when it waits for the datapath. Pure: no processes, no clock (every call is
 * given the monotonic time in milliseconds), so each rule has a unit test (test-nf-supervise.c).
 *
 *   starting --attached or alive 2 s--> running
 *   starting/running --died--> backing-off (1 s, doubling to 30 s; reset after 5 min running)
 *                              crash-looping (5 counted deaths within 60 s: still restarted at
 *                                             the backoff delay, and says so)
 *                              waiting-for-datapath (it died because nfpath-dp went away: not
 *                                             counted, started again once the datapath is back)
 *                              stopped (restart "never", or "on-failure" and it exited 0)
 *   any --removed from the policy--> stopping (SIGTERM; SIGKILL after stop_timeout) --> stopped
 *   a program that cannot be started: failed (retried when the policy or the node changes).
 */
#ifndef AGENT_NF_SUPERVISE_H
#define AGENT_NF_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include "nfpath/agent-nf-run.h"

enum nf_state {
	NF_STOPPED,
	NF_STARTING,
	NF_RUNNING,
	NF_BACKING_OFF,
	NF_CRASH_LOOPING,
	NF_WAITING_DP,
	NF_STOPPING,
	NF_FAILED,
};

/* "stopped", "starting", "running", "backing-off", "crash-looping", "waiting-for-datapath",
 * "stopping", "failed". */
const char *nf_state_name(enum nf_state s);

struct nf_sup_conf {
	uint64_t backoff_first_ms; /* default 1000 */
	uint64_t backoff_max_ms;   /* default 30000 */
	uint64_t reset_after_ms;   /* running this long resets the backoff (default 300000) */
	unsigned loop_deaths;      /* this many counted deaths ... (default 5) */
	uint64_t loop_window_ms;   /* ... within this long = crash-looping (default 60000) */
	uint64_t running_after_ms; /* alive this long counts as running (default 2000) */
};

/* The defaults above, for fields left 0. */
void nf_sup_conf_defaults(struct nf_sup_conf *c);

#define NF_SUP_DEATHS_MAX 32

struct nf_sup {
	enum nf_state state;
	enum agent_restart restart;
	uint64_t started_at;                /* when the current (or last) process started */
	uint64_t next_start_at;             /* backing-off / crash-looping: when to start again */
	uint64_t backoff_ms;                /* the delay the next counted death waits */
	uint64_t deaths[NF_SUP_DEATHS_MAX]; /* times of the last counted deaths, oldest first */
	unsigned n_deaths;
	unsigned long restarts; /* starts after the first */
	unsigned long starts;
	bool has_exit;
	int last_status; /* wait(2) status; -1: unknown (an adopted NF) */
};

void nf_sup_init(struct nf_sup *s, const struct nf_sup_conf *c, enum agent_restart restart);

/* A process was started (or adopted: 'adopted' keeps the counters and goes to running). */
void nf_sup_started(struct nf_sup *s, uint64_t now, bool adopted);
/* It attached to its slot, or has been alive for running_after_ms: running. */
void nf_sup_tick_running(struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now,
			 bool attached);
/*
 * The process ended with wait status 'status' (-1 unknown). 'datapath_gone': nfpath-dp went
 * away (the NF's exit status said so, or nfpathd saw the datapath down). Sets the next state.
 */
void nf_sup_exited(struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now, int status,
		   bool datapath_gone);
/* It could not be started (err recorded by the caller): failed, tried again after
 * backoff_max_ms (or sooner when the policy changes: nf_sup_init() again). */
void nf_sup_failed(struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now);
/* Should a process be started now? (stopped NFs that the policy keeps are not restarted.) */
bool nf_sup_due(const struct nf_sup *s, uint64_t now, bool datapath_up);
/* Counted deaths within the window ending at 'now'. */
unsigned nf_sup_recent_deaths(const struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now);

#endif /* AGENT_NF_SUPERVISE_H */
