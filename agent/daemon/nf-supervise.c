// SPDX-License-Identifier: BSD-3-Clause
/* One NF's supervision state machine (nf-supervise.h). */
#include <string.h>
#include <sys/wait.h>

#include "nf-supervise.h"

static const char *const state_names[] = {
	[NF_STOPPED] = "stopped",
	[NF_STARTING] = "starting",
	[NF_RUNNING] = "running",
	[NF_BACKING_OFF] = "backing-off",
	[NF_CRASH_LOOPING] = "crash-looping",
	[NF_WAITING_DP] = "waiting-for-datapath",
	[NF_STOPPING] = "stopping",
	[NF_FAILED] = "failed",
};

const char *
nf_state_name(enum nf_state s)
{
	return (unsigned)s <= NF_FAILED ? state_names[s] : "?";
}

void
nf_sup_conf_defaults(struct nf_sup_conf *c)
{
	if (!c->backoff_first_ms)
		c->backoff_first_ms = 1000;
	if (!c->backoff_max_ms)
		c->backoff_max_ms = 30000;
	if (c->backoff_max_ms < c->backoff_first_ms)
		c->backoff_max_ms = c->backoff_first_ms;
	if (!c->reset_after_ms)
		c->reset_after_ms = 300000;
	if (!c->loop_deaths)
		c->loop_deaths = 5;
	if (c->loop_deaths > NF_SUP_DEATHS_MAX)
		c->loop_deaths = NF_SUP_DEATHS_MAX;
	if (!c->loop_window_ms)
		c->loop_window_ms = 60000;
	if (!c->running_after_ms)
		c->running_after_ms = 2000;
}

void
nf_sup_init(struct nf_sup *s, const struct nf_sup_conf *c, enum agent_restart restart)
{
	memset(s, 0, sizeof(*s));
	s->state = NF_STOPPED;
	s->restart = restart;
	s->backoff_ms = c->backoff_first_ms;
	s->last_status = -1;
}

void
nf_sup_started(struct nf_sup *s, uint64_t now, bool adopted)
{
	if (!adopted && s->starts++ > 0)
		s->restarts++;
	s->started_at = now;
	s->state = adopted ? NF_RUNNING : NF_STARTING;
}

void
nf_sup_tick_running(struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now, bool attached)
{
	if (s->state == NF_STARTING && (attached || now - s->started_at >= c->running_after_ms))
		s->state = NF_RUNNING;
	/* Running long enough: the next death starts the backoff from the beginning. */
	if (s->state == NF_RUNNING && now - s->started_at >= c->reset_after_ms) {
		s->backoff_ms = c->backoff_first_ms;
		s->n_deaths = 0;
	}
}

unsigned
nf_sup_recent_deaths(const struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_deaths; i++)
		if (now - s->deaths[i] < c->loop_window_ms)
			n++;
	return n;
}

static void
count_death(struct nf_sup *s, uint64_t now)
{
	if (s->n_deaths == NF_SUP_DEATHS_MAX) {
		memmove(s->deaths, s->deaths + 1, sizeof(s->deaths[0]) * (NF_SUP_DEATHS_MAX - 1));
		s->n_deaths--;
	}
	s->deaths[s->n_deaths++] = now;
}

void
nf_sup_exited(struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now, int status,
	      bool datapath_gone)
{
	bool clean = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	enum nf_state was = s->state;

	s->has_exit = true;
	s->last_status = status;
	if (was == NF_STOPPING || was == NF_STOPPED) {
		s->state = NF_STOPPED;
		return;
	}
	if (s->restart == AGENT_RESTART_NEVER ||
	    (s->restart == AGENT_RESTART_ON_FAILURE && clean && !datapath_gone)) {
		s->state = NF_STOPPED;
		return;
	}
	if (datapath_gone) { /* not the NF's fault: no count, no backoff */
		s->state = NF_WAITING_DP;
		return;
	}
	/* A run as long as reset_after_ms forgives the past (also when no tick saw it). */
	if (now - s->started_at >= c->reset_after_ms) {
		s->backoff_ms = c->backoff_first_ms;
		s->n_deaths = 0;
	}
	count_death(s, now);
	s->next_start_at = now + s->backoff_ms;
	s->backoff_ms =
		s->backoff_ms * 2 > c->backoff_max_ms ? c->backoff_max_ms : s->backoff_ms * 2;
	s->state = nf_sup_recent_deaths(s, c, now) >= c->loop_deaths ? NF_CRASH_LOOPING
								     : NF_BACKING_OFF;
}

void
nf_sup_failed(struct nf_sup *s, const struct nf_sup_conf *c, uint64_t now)
{
	s->state = NF_FAILED;
	s->next_start_at = now + c->backoff_max_ms;
}

bool
nf_sup_due(const struct nf_sup *s, uint64_t now, bool datapath_up)
{
	switch (s->state) {
	case NF_BACKING_OFF:
	case NF_CRASH_LOOPING:
	case NF_FAILED:
		return datapath_up && now >= s->next_start_at;
	case NF_WAITING_DP:
		return datapath_up;
	default:
		return false;
	}
}
