// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpathd's NF processes (nf-run.h) wired into the daemon: the runner is made at start (and
 * adopts what the NF journal names), told after every apply which NFs the policy and the plan
 * want with their CPUs and whether their slots exist (the datapath's nf_list), polled in the
 * main loop, and shown in 'nfpathctl status'.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "nf-run.h"

static void nf_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
nf_log(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	agent_log(prio, "%s", line);
}

int
agent_daemon_nf_init(struct agent_daemon *d)
{
	char run_dir[4096];
	struct nf_run_conf c = {
		.state_dir = d->settings->state_dir,
		.run_dir = run_dir,
		/* NF processes live in this machine's /proc (procfs_root may be a fake for IRQs) */
		.procfs = "/proc",
		.sup = {.loop_deaths = d->opts.nf_loop_deaths,
			.loop_window_ms = (uint64_t)d->opts.nf_loop_window_sec * 1000,
			.backoff_first_ms = d->opts.nf_backoff_first_ms,
			.backoff_max_ms = d->opts.nf_backoff_max_ms},
		.log = nf_log,
	};
	int r;

	/* The log FIFOs go beside the control socket (/run/nfpath). */
	snprintf(run_dir, sizeof(run_dir), "%s", d->settings->control_socket);
	snprintf(run_dir, sizeof(run_dir), "%s", dirname(run_dir));
	r = nf_runner_new(&c, &d->nfr);
	if (r < 0)
		return r;
	r = nf_runner_load(d->nfr);
	if (r > 0)
		agent_log(AGENT_LOG_INFO, "NFs: %d adopted from %s/%s", r, c.state_dir,
			  NF_RUN_JOURNAL);
	return 0;
}

static json_t *
find_nf(json_t *nfs, const char *name)
{
	json_t *o;
	size_t i;

	json_array_foreach(nfs, i, o)
	{
		const char *n = json_string_value(json_object_get(o, "name"));

		if (n && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}

/* What the policy and the plan want run now. want_slots false: only which NFs (for stopping). */
static size_t
nf_wants(struct agent_daemon *d, const struct agent_plan *plan, json_t *dp_nfs,
	 struct nf_run_want *w, size_t max)
{
	const struct agent_policy *p = d->policy;
	size_t n = 0;

	for (size_t i = 0; p && plan && plan->result && i < p->n_workloads && n < max; i++) {
		const struct agent_workload *wl = &p->workloads[i];
		const struct agent_alloc_entry *e;
		json_t *slot;

		if (wl->type != AGENT_WORKLOAD_NF || wl->run.argc == 0)
			continue;
		e = agent_alloc_find(plan->result, wl->name);
		if (!e)
			continue; /* unplaced: nothing to run it on */
		if (e->place != AGENT_PLACE_SOFTWARE) {
			json_array_append_new(
				d->apply.notes,
				json_sprintf("nf '%s' is on a VF: nfpathd runs NFs on the software "
					     "path only so far (start it yourself on the VF)",
					     wl->name));
			continue;
		}
		slot = find_nf(dp_nfs, wl->name);
		w[n] = (struct nf_run_want){
			.name = wl->name,
			.run = &wl->run,
			.policy_file = wl->origin.file,
			.cpus = e->cpus,
			.slot_ready = slot != NULL,
			.attached = slot &&
				    strcmp(json_string_value(json_object_get(slot, "state")) ?: "",
					   "attached") == 0,
			.attached_pid =
				slot ? (pid_t)json_integer_value(json_object_get(slot, "pid")) : 0,
		};
		n++;
	}
	return n;
}

static void
dp_info(struct agent_daemon *d, struct nf_run_dp *dp)
{
	*dp = (struct nf_run_dp){
		.up = d->node.dp && d->dp_up,
		.file_prefix = json_string_value(json_object_get(d->dp_hello, "file_prefix")),
		.pid = (pid_t)json_integer_value(json_object_get(d->dp_hello, "pid")),
	};
}

void
agent_daemon_nf_before_apply(struct agent_daemon *d, const struct agent_plan *plan)
{
	struct nf_run_want w[AGENT_NF_MAX];
	struct nf_run_dp dp;
	size_t n;

	if (!d->nfr)
		return;
	/* Only stops here (nothing is due while slot_ready is false): an NF the plan drops gets
	 * SIGTERM now, so that apply can remove its slot once it is gone. */
	n = nf_wants(d, plan, NULL, w, AGENT_NF_MAX);
	dp_info(d, &dp);
	for (size_t i = 0; i < n; i++)
		w[i].slot_ready = false;
	nf_runner_sync(d->nfr, w, n, &dp, nf_run_now_ms(), NULL);
	nf_runner_wait_stopped(d->nfr, 2000);
}

int
agent_daemon_nf_sync(struct agent_daemon *d, const struct agent_plan *plan)
{
	struct nf_run_want w[AGENT_NF_MAX];
	json_t *list = NULL, *errors = json_array();
	struct nf_run_dp dp;
	size_t n, nerr;

	if (!d->nfr) {
		json_decref(errors);
		return 0;
	}
	dp_info(d, &dp);
	if (dp.up && agent_dp_client_request(d->node.dp, "nf_list", NULL, &list) < 0) {
		json_decref(list);
		list = NULL;
	}
	n = nf_wants(d, plan, json_object_get(list, "nfs"), w, AGENT_NF_MAX);
	nf_runner_sync(d->nfr, w, n, &dp, nf_run_now_ms(), errors);
	nerr = json_array_size(errors);
	if (d->apply.errors)
		json_array_extend(d->apply.errors, errors);
	json_decref(errors);
	json_decref(list);
	return nerr ? -EAGAIN : 0;
}
