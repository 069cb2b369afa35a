// SPDX-License-Identifier: BSD-3-Clause
/* nfpathd: state, convergence and the main loop (daemon.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon.h"
#include "virt-connect.h"
#include "inventory-node.h"
#include "nf-run.h"

/* ---- logging --------------------------------------------------------------------------------- */

static bool log_verbose;

void
agent_log_set_verbose(bool verbose)
{
	log_verbose = verbose;
}

void
agent_log(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (prio >= AGENT_LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "<%d>%s\n", prio, line);
	fflush(stderr);
}

/* The apply engine's lines (agent-node.h) go to the same log. */
static void
node_log(void *opaque, int prio, const char *line)
{
	(void)opaque;
	agent_log(prio, "%s", line);
}

__attribute__((format(printf, 2, 0))) static int
vfm_print(enum vfm_print_level level, const char *fmt, va_list args)
{
	char line[1024];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, args);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	agent_log(level == VFM_WARN   ? AGENT_LOG_WARNING
		  : level == VFM_INFO ? AGENT_LOG_INFO
				      : AGENT_LOG_DEBUG,
		  "vf-manager: %s", line);
	return 0;
}

/* ---- settings -------------------------------------------------------------------------------- */

static int
override(char **field, const char *value)
{
	char *s;

	if (!value)
		return 0;
	s = strdup(value);
	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int
load_settings(struct agent_daemon *d)
{
	const struct agent_daemon_options *o = &d->opts;
	struct agent_diags diags = {0};
	const char *file = o->settings_file ? o->settings_file : AGENT_SETTINGS_FILE;
	int r;

	r = agent_settings_load(file, !o->settings_file, &d->settings, &diags);
	if (r < 0) {
		char buf[1024];

		for (size_t i = 0; i < diags.n; i++) {
			agent_diag_format(&diags.v[i], buf, sizeof(buf));
			agent_log(AGENT_LOG_ERR, "%s", buf);
		}
		agent_log(AGENT_LOG_ERR, "settings %s rejected; nfpathd cannot start", file);
		agent_diags_clear(&diags);
		return r;
	}
	agent_diags_clear(&diags);
	if (override(&d->settings->policy_dir, o->policy_dir) ||
	    override(&d->settings->state_dir, o->state_dir) ||
	    override(&d->settings->control_socket, o->control_socket) ||
	    override(&d->settings->datapath_socket, o->datapath_socket) ||
	    override(&d->settings->libvirt_uri, o->libvirt_uri) ||
	    override(&d->settings->sysfs_root, o->sysfs_root) ||
	    override(&d->settings->procfs_root, o->procfs_root) ||
	    override(&d->settings->sim_nic_file, o->sim_nic_file))
		return -ENOMEM;
	if (o->vf_backend) {
		if (strcmp(o->vf_backend, "sim") == 0) {
			d->settings->vf_backend = AGENT_VF_BACKEND_SIM;
		} else if (strcmp(o->vf_backend, "real") == 0) {
			d->settings->vf_backend = AGENT_VF_BACKEND_REAL;
		} else {
			agent_log(AGENT_LOG_ERR, "--vf-backend '%s': unknown (use real or sim)",
				  o->vf_backend);
			return -EINVAL;
		}
	}
	if (o->reserved_cpus &&
	    vfm_cpulist_parse(o->reserved_cpus, &d->settings->reserved_cpus) != 0) {
		agent_log(AGENT_LOG_ERR, "--reserved-cpus '%s': not a CPU list (write it as 0-1,8)",
			  o->reserved_cpus);
		return -EINVAL;
	}
	if (d->settings->vf_backend == AGENT_VF_BACKEND_SIM && !d->settings->sim_nic_file) {
		agent_log(AGENT_LOG_ERR,
			  "vf backend 'sim' needs a NIC file (set sim_nic_file in %s or pass "
			  "--sim-nic-file)",
			  file);
		return -EINVAL;
	}
	return 0;
}

static int
open_vfm(struct agent_daemon *d)
{
	struct agent_settings *s = d->settings;
	struct vfm_options vo = {0};
	char *msg = NULL;
	int r;

	vfm_set_print(vfm_print);
	if (s->vf_backend == AGENT_VF_BACKEND_SIM) {
		vo.sim_file = s->sim_nic_file;
		/* The settings' "/sys" default means "the simulator's own tree" here. */
		if (strcmp(s->sysfs_root, "/sys") != 0)
			vo.sysfs_root = s->sysfs_root;
		if (strcmp(s->procfs_root, "/proc") != 0)
			vo.procfs_root = s->procfs_root;
	} else {
		vo.sysfs_root = s->sysfs_root;
		vo.procfs_root = s->procfs_root;
	}
	r = vfm_ctx_new(&vo, &d->node.vfm, &msg);
	if (r < 0) {
		agent_log(AGENT_LOG_ERR, "vf-manager (%s backend): %s",
			  agent_vf_backend_name(s->vf_backend), msg ? msg : strerror(-r));
		free(msg);
		return r;
	}
	free(msg);
	agent_log(AGENT_LOG_INFO, "vf-manager: backend %s, sysfs %s, procfs %s",
		  vfm_ctx_backend_name(d->node.vfm), vfm_ctx_sysfs_root(d->node.vfm),
		  vfm_ctx_procfs_root(d->node.vfm));
	return 0;
}

static int
open_journal(struct agent_daemon *d)
{
	const char *dir = d->settings->state_dir;
	int stale = 0, r;

	snprintf(d->node.journal_path, sizeof(d->node.journal_path), "%s/%s", dir,
		 AGENT_JOURNAL_FILE);
	r = agent_journal_load(dir, &d->node.journal, &stale, d->node.journal_error,
			       sizeof(d->node.journal_error));
	if (stale)
		agent_log(AGENT_LOG_WARNING,
			  "%s/%s: removed a journal left half-written by a crash; the previous "
			  "journal is the valid one",
			  dir, AGENT_JOURNAL_TMPFILE);
	if (r == -ENOENT) {
		d->node.journal = agent_journal_new();
		d->node.journal_error[0] = '\0';
		agent_log(AGENT_LOG_INFO, "%s: no journal yet (first start)", d->node.journal_path);
		return d->node.journal ? 0 : -ENOMEM;
	}
	if (r < 0) {
		agent_log(AGENT_LOG_ERR, "%s", d->node.journal_error);
		return r;
	}
	agent_log(AGENT_LOG_INFO, "%s: generation %lu, original state of %zu VFs",
		  d->node.journal_path, d->node.journal->generation, d->node.journal->n_vfs);
	return 0;
}

/* ---- policy ---------------------------------------------------------------------------------- */

static void
watch_policy_dir(struct agent_daemon *d)
{
	if (d->ino_fd < 0 || d->ino_wd >= 0)
		return;
	d->ino_wd = inotify_add_watch(d->ino_fd, d->settings->policy_dir,
				      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
					      IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |
					      IN_MOVE_SELF | IN_ONLYDIR);
	if (d->ino_wd < 0)
		agent_log(AGENT_LOG_WARNING,
			  "policy directory %s: cannot watch it: %s (changes need SIGHUP or "
			  "'nfpathctl reload' until it exists)",
			  d->settings->policy_dir, strerror(errno));
}

int
agent_daemon_reload(struct agent_daemon *d, const char *why)
{
	const char *dir = d->settings->policy_dir;
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	int r;

	d->reloads++;
	watch_policy_dir(d);
	r = agent_policy_load_paths(&dir, 1, &p, &diags);
	if (r < 0) {
		json_t *problems = json_array();
		char buf[1024];

		d->rejected_reloads++;
		agent_log(AGENT_LOG_ERR,
			  "policy in %s rejected (%s): %zu problem%s; %s stays in force", dir, why,
			  diags.n, diags.n == 1 ? "" : "s",
			  d->policy ? "the previous policy" : "no policy (nothing is managed)");
		for (size_t i = 0; i < diags.n; i++) {
			agent_diag_format(&diags.v[i], buf, sizeof(buf));
			agent_log(AGENT_LOG_ERR, "%s", buf);
			json_array_append_new(problems, json_string(buf));
		}
		if (r == -ENOMEM)
			json_array_append_new(problems, json_string("out of memory"));
		json_decref(d->policy_rejected);
		d->policy_rejected =
			json_pack("{s:I,s:o}", "at", (json_int_t)time(NULL), "problems", problems);
		agent_diags_clear(&diags);
		return r == -ENOMEM ? r : -EINVAL;
	}
	agent_diags_clear(&diags);
	agent_policy_free(d->policy);
	d->policy = p;
	d->policy_generation++;
	d->policy_loaded_at = time(NULL);
	json_decref(d->policy_rejected);
	d->policy_rejected = NULL;
	agent_log(AGENT_LOG_INFO,
		  "policy generation %lu from %s (%s): %zu NICs, %zu workloads, %zu chains",
		  d->policy_generation, dir, why, p->n_nics, p->n_workloads, p->n_chains);
	return 0;
}

static int timer_arm(int fd, uint64_t first_usec, uint64_t interval_usec);

/* ---- convergence ----------------------------------------------------------------------------- */

static void
converge_inventory(struct agent_daemon *d)
{
	struct vfm_inventory *inv = NULL;
	int r = vfm_inventory_load(d->node.vfm, &inv);

	if (r < 0) {
		snprintf(d->inv_error, sizeof(d->inv_error), "inventory under %s: %s",
			 vfm_ctx_sysfs_root(d->node.vfm),
			 vfm_ctx_last_error(d->node.vfm) ? vfm_ctx_last_error(d->node.vfm)
							 : strerror(-r));
		agent_log(AGENT_LOG_WARNING, "%s (keeping the previous inventory)", d->inv_error);
		return;
	}
	d->inv_error[0] = '\0';
	vfm_inventory_free(d->node.inv);
	d->node.inv = inv;
}

static void
converge_datapath(struct agent_daemon *d)
{
	json_t *hello = NULL;
	bool was_up = d->dp_up;
	int r;

	if (!d->node.dp)
		return;
	r = agent_dp_hello(d->node.dp, &hello);
	d->dp_up = r == 0;
	if (r < 0) {
		if (was_up || strcmp(d->dp_error, d->node.dp->err) != 0)
			agent_log(AGENT_LOG_WARNING, "datapath: %s", d->node.dp->err);
		snprintf(d->dp_error, sizeof(d->dp_error), "%s", d->node.dp->err);
		return;
	}
	d->dp_error[0] = '\0';
	json_decref(d->dp_hello);
	d->dp_hello = hello;
	if (d->node.dp->connects != d->dp_seen_connects) {
		json_int_t pid = json_integer_value(json_object_get(hello, "pid"));

		agent_log(AGENT_LOG_INFO, "datapath: connected to %s (nfpath-dp pid %lld)%s",
			  d->node.dp->path, (long long)pid,
			  d->dp_seen_connects ? "; reconnected: flows, chains and ports to replay"
					      : "");
		d->dp_seen_connects = d->node.dp->connects;
		/* Replay: apply lists what the datapath has and sends what is missing. */
	}
}

/* The libvirt drivers that run inside this process (test:///) answer at once; any other URI
 * reaches a daemon, which may not answer yet (virt-connect.c). */
static bool
virt_in_process(const char *uri)
{
	return strncmp(uri, "test:", 5) == 0;
}

static void
virt_connected(struct agent_daemon *d, struct agent_virt *v)
{
	d->node.virt = v;
	d->node.virt_error[0] = '\0';
	agent_log(AGENT_LOG_INFO, "libvirt: connected to %s", d->settings->libvirt_uri);
}

static void
virt_failed(struct agent_daemon *d, const char *err)
{
	if (strcmp(err, d->node.virt_error) != 0)
		agent_log(AGENT_LOG_WARNING, "%s", err);
	snprintf(d->node.virt_error, sizeof(d->node.virt_error), "%s", err);
}

/* libvirt: connected, or an attempt started in the background (never a blocking connect on the
 * main loop); once connected, the domain count for the status. */
static void
converge_libvirt(struct agent_daemon *d)
{
	const char *uri = d->settings->libvirt_uri;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!uri || !uri[0])
		return;
	if (!d->node.virt && virt_in_process(uri)) {
		struct agent_virt *v = NULL;
		char err[512];

		r = agent_virt_open(uri, true, &v, err, sizeof(err));
		if (r < 0) {
			virt_failed(d, err);
			return;
		}
		virt_connected(d, v);
	}
	if (!d->node.virt) {
		if (d->virt_connecting)
			return;
		r = agent_virt_connect_start(uri, &d->virt_connecting);
		if (r < 0) {
			char err[512];

			snprintf(err, sizeof(err), "libvirt '%s': cannot start connecting: %s", uri,
				 strerror(-r));
			virt_failed(d, err);
			return;
		}
		agent_log(AGENT_LOG_DEBUG, "libvirt: connecting to %s in the background", uri);
		if (!d->node.virt_error[0])
			snprintf(d->node.virt_error, sizeof(d->node.virt_error),
				 "libvirt '%s': connecting (libvirtd has not answered yet)", uri);
		return;
	}
	r = agent_virt_list_domains(d->node.virt, &names, &n);
	if (r < 0) {
		snprintf(d->node.virt_error, sizeof(d->node.virt_error), "%s",
			 agent_virt_last_error(d->node.virt));
		agent_log(AGENT_LOG_WARNING, "%s; reconnecting at the next resync",
			  d->node.virt_error);
		agent_virt_close(d->node.virt);
		d->node.virt = NULL;
		return;
	}
	d->node.virt_error[0] = '\0';
	d->virt_domains = n;
	agent_virt_names_free(names, n);
}

/* The background attempt is over: take its connection, or its error (retried at the next
 * converge, within a second while the node is not converged). */
static void
handle_virt_connect(struct agent_daemon *d)
{
	struct agent_virt *v = NULL;
	char err[512];
	int r;

	r = agent_virt_connect_take(d->virt_connecting, &v, err, sizeof(err));
	if (r == -EINPROGRESS)
		return;
	agent_virt_connect_free(d->virt_connecting);
	d->virt_connecting = NULL;
	if (r < 0) {
		virt_failed(d, err);
		return;
	}
	virt_connected(d, v);
	agent_daemon_converge(d, "libvirt connected");
}

static void
count_vfs(const struct agent_daemon *d, size_t *ret_pfs, size_t *ret_vfs)
{
	size_t pfs = 0, vfs = 0;

	for (size_t i = 0; d->node.inv && i < d->node.inv->n_pfs; i++) {
		if (!d->node.inv->pfs[i].sriov_capable)
			continue;
		pfs++;
		vfs += d->node.inv->pfs[i].n_vfs;
	}
	*ret_pfs = pfs;
	*ret_vfs = vfs;
}

static void
make_status(struct agent_daemon *d)
{
	size_t pfs, vfs;
	char pol[256], dp[160], lv[160], ap[160];

	count_vfs(d, &pfs, &vfs);
	if (d->policy)
		snprintf(pol, sizeof(pol), "policy gen %lu (%zu NICs, %zu workloads, %zu chains)%s",
			 d->policy_generation, d->policy->n_nics, d->policy->n_workloads,
			 d->policy->n_chains,
			 d->policy_rejected ? ", last edit REJECTED (old policy kept)" : "");
	else
		snprintf(pol, sizeof(pol), "no policy in force%s",
			 d->policy_rejected ? " (policy REJECTED: nfpathctl status)" : "");
	if (!d->node.dp)
		snprintf(dp, sizeof(dp), "datapath off");
	else
		snprintf(dp, sizeof(dp), "datapath %s", d->dp_up ? "up" : "unreachable");
	if (!d->settings->libvirt_uri || !d->settings->libvirt_uri[0])
		snprintf(lv, sizeof(lv), "libvirt off");
	else if (d->node.virt)
		snprintf(lv, sizeof(lv), "libvirt %zu domains", d->virt_domains);
	else if (d->virt_connecting)
		snprintf(lv, sizeof(lv), "libvirt connecting");
	else
		snprintf(lv, sizeof(lv), "libvirt unreachable");
	if (d->plan)
		snprintf(ap, sizeof(ap), "%s: %zu on VFs, %zu software, %zu unplaced%s",
			 d->converged ? "converged" : "NOT converged", d->plan->n_vf,
			 d->plan->n_software, d->plan->n_unplaced,
			 d->converged ? "" : " (nfpathctl status)");
	else
		snprintf(ap, sizeof(ap), "nothing applied");
	snprintf(d->status, sizeof(d->status), "%s; %s; %zu PFs, %zu VFs (%s); %s; %s", pol, ap,
		 pfs, vfs, d->node.vfm ? vfm_ctx_backend_name(d->node.vfm) : "?", dp, lv);
}

static void
journal_intent(struct agent_daemon *d)
{
	char intent[512];
	int r;

	if (d->policy)
		snprintf(intent, sizeof(intent),
			 "policy generation %lu from %s: %zu NICs, %zu workloads, %zu chains",
			 d->policy_generation, d->settings->policy_dir, d->policy->n_nics,
			 d->policy->n_workloads, d->policy->n_chains);
	else
		snprintf(intent, sizeof(intent), "no policy: nothing managed");
	if (d->node.journal->generation > 0 && strcmp(intent, d->node.journal->intent) == 0)
		return;
	if (agent_journal_set_intent(d->node.journal, intent) < 0)
		return;
	r = agent_journal_write(d->settings->state_dir, d->node.journal, d->node.journal_error,
				sizeof(d->node.journal_error));
	if (r < 0)
		agent_log(AGENT_LOG_ERR, "%s", d->node.journal_error);
	else
		d->node.journal_error[0] = '\0';
}

static int
node_inventory(struct agent_daemon *d, struct agent_inventory **ret_inv, char *err, size_t errlen)
{
	struct vfm_cpuset dp_cpus;
	const char *dpc = json_string_value(json_object_get(d->dp_hello, "cpus"));
	struct agent_node_sources src = {
		.vfm = d->node.inv,
		/* The simulator's tree has no CPUs: topology comes from the real /sys then. */
		.sysfs_root = d->settings->vf_backend == AGENT_VF_BACKEND_SIM
				      ? "/sys"
				      : d->settings->sysfs_root,
		.reserved = &d->settings->reserved_cpus,
		.datapath_present = d->node.dp != NULL,
		/* Where nfpath-dp's lcores run (its hello says): the planner keeps them. */
		.datapath_lcores =
			d->dp_up && dpc && vfm_cpulist_parse(dpc, &dp_cpus) == 0 ? &dp_cpus : NULL,
		.virt = d->node.virt,
		.vf_owned = agent_node_vf_owned,
		.opaque = &d->node,
	};

	return agent_inventory_from_node(&src, ret_inv, err, errlen);
}

int
agent_daemon_plan(struct agent_daemon *d, const struct agent_policy *policy,
		  struct agent_plan **ret_plan, char *err, size_t errlen)
{
	struct agent_inventory *inv = NULL;
	struct agent_alloc *cur;
	int r;

	if (!policy)
		policy = d->policy;
	if (!policy) {
		snprintf(err, errlen, "no policy in force (see 'nfpathctl status')");
		return -ENOENT;
	}
	r = node_inventory(d, &inv, err, errlen);
	if (r < 0)
		return r;
	cur = agent_apply_current(&d->node);
	r = agent_plan(policy, inv, cur, ret_plan);
	if (r < 0)
		snprintf(err, errlen, "planner: %s", strerror(-r));
	agent_alloc_free(cur);
	agent_inventory_free(inv);
	return r;
}

int
agent_daemon_apply(struct agent_daemon *d)
{
	struct agent_inventory *inv = NULL;
	struct agent_alloc *cur = NULL;
	struct agent_plan *plan = NULL;
	int r;

	if (!d->policy) {
		d->converged = false;
		return 0;
	}
	r = node_inventory(d, &inv, d->plan_error, sizeof(d->plan_error));
	if (r < 0) {
		agent_log(AGENT_LOG_ERR, "inventory: %s", d->plan_error);
		d->converged = false;
		return r;
	}
	cur = agent_apply_current(&d->node);
	r = agent_plan(d->policy, inv, cur, &plan);
	agent_alloc_free(cur);
	if (r < 0) {
		snprintf(d->plan_error, sizeof(d->plan_error), "planner: %s", strerror(-r));
		agent_log(AGENT_LOG_ERR, "%s", d->plan_error);
		agent_inventory_free(inv);
		d->converged = false;
		return r;
	}
	d->plan_error[0] = '\0';
	agent_apply_result_clear(&d->apply);
	agent_apply_result_init(&d->apply);
	agent_daemon_nf_before_apply(d, plan);
	r = agent_apply(&d->node, d->policy, inv, plan, &d->apply);
	/* An NF that cannot be started is an error in status; the runner retries it itself
	 * (every 30 s, and when the policy changes), not every converge. */
	agent_daemon_nf_sync(d, plan);
	d->applies++;
	if (r < 0)
		d->failed_applies++;
	d->converged = r == 0;
	if (d->apply.changed || r < 0)
		agent_log(r < 0 ? AGENT_LOG_WARNING : AGENT_LOG_INFO,
			  "apply: %lu steps checked, %lu changed, %zu failed: %s", d->apply.checked,
			  d->apply.changed, json_array_size(d->apply.errors),
			  r == 0 ? "converged" : "not converged (retrying)");
	agent_plan_free(d->plan);
	d->plan = plan;
	agent_inventory_free(inv);
	return r;
}

/* Everything but what waits for libvirt's connection is done: READY=1 must not wait for
 * libvirtd, which is ordered after nfpathd.service (packaging/systemd/nfpathd.service). */
static bool
converged_but_libvirt(const struct agent_daemon *d)
{
	size_t errors = json_array_size(d->apply.errors);

	return !d->node.virt && d->plan && !d->plan_error[0] && errors > 0 &&
	       errors == d->apply.waiting_libvirt;
}

int
agent_daemon_converge(struct agent_daemon *d, const char *why)
{
	unsigned int ready_after = d->opts.ready_timeout_sec ? d->opts.ready_timeout_sec : 60;

	agent_log(AGENT_LOG_DEBUG, "converging (%s)", why);
	converge_inventory(d);
	converge_datapath(d);
	converge_libvirt(d);
	journal_intent(d);
	agent_daemon_apply(d);
	d->converges++;
	d->last_converge = time(NULL);
	make_status(d);
	/* READY=1 once the node matches the policy (or there is none to match), or after the
	 * time-out so that systemd does not kill a node agent that waits for a datapath. */
	/* STATUS= only when it changed: a resync every few seconds need not reach systemd. */
	if (!d->notify.ready_sent && (d->converged || !d->policy || converged_but_libvirt(d) ||
				      time(NULL) - d->started >= (time_t)ready_after)) {
		agent_notify_ready(&d->notify, d->status);
		snprintf(d->status_sent, sizeof(d->status_sent), "%s", d->status);
	} else if (strcmp(d->status, d->status_sent) != 0) {
		agent_notify_status(&d->notify, d->status);
		snprintf(d->status_sent, sizeof(d->status_sent), "%s", d->status);
	}
	/* Not converged: retry soon (a datapath or libvirt coming up), not at the next resync. */
	if (!d->converged && d->policy && d->resync_fd >= 0)
		timer_arm(d->resync_fd, 1000000,
			  (uint64_t)(d->opts.resync_sec ? d->opts.resync_sec : 60) * 1000000);
	agent_log(AGENT_LOG_DEBUG, "status: %s", d->status);
	return 0;
}

/* ---- main loop ------------------------------------------------------------------------------- */

static int
timer_arm(int fd, uint64_t first_usec, uint64_t interval_usec)
{
	struct itimerspec its = {
		.it_value = {.tv_sec = (time_t)(first_usec / 1000000),
			     .tv_nsec = (long)(first_usec % 1000000) * 1000},
		.it_interval = {.tv_sec = (time_t)(interval_usec / 1000000),
				.tv_nsec = (long)(interval_usec % 1000000) * 1000},
	};

	return timerfd_settime(fd, 0, &its, NULL) == 0 ? 0 : -errno;
}

static void
timer_drain(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing pending */
	}
}

static int
setup_loop(struct agent_daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	d->debounce_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->resync_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->watchdog_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sig_fd < 0 || d->ino_fd < 0 || d->debounce_fd < 0 || d->resync_fd < 0 ||
	    d->watchdog_fd < 0) {
		agent_log(AGENT_LOG_ERR, "main loop: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* What the apply engine needs of the settings. The banned-IRQ list lives beside the control
 * socket (/run/nfpath/irqbalance-banned by default: what nfpath's irqbalance policy script
 * reads). */
static void
node_setup(struct agent_daemon *d)
{
	const char *sock = d->settings->control_socket, *slash = strrchr(sock, '/');

	d->node.log = node_log;
	d->node.state_dir = d->settings->state_dir;
	d->node.libvirt_uri = d->settings->libvirt_uri;
	snprintf(d->node.irqbalance_banned, sizeof(d->node.irqbalance_banned),
		 "%.*s/irqbalance-banned", slash ? (int)(slash - sock) : 1, slash ? sock : ".");
}

int
agent_daemon_init(struct agent_daemon *d, const struct agent_daemon_options *opts)
{
	char err[512];
	int r;

	memset(d, 0, sizeof(*d));
	d->opts = *opts;
	d->sig_fd = d->ino_fd = d->ino_wd = d->debounce_fd = d->resync_fd = d->watchdog_fd = -1;
	d->started = time(NULL);
	agent_apply_result_init(&d->apply);
	agent_log_set_verbose(opts->verbose);
	agent_notify_init(&d->notify);
	r = load_settings(d);
	if (r < 0)
		return r;
	node_setup(d);
	r = setup_loop(d);
	if (r < 0)
		return r;
	r = open_vfm(d);
	if (r < 0)
		return r;
	r = open_journal(d);
	if (r < 0)
		return r;
	r = agent_daemon_nf_init(d);
	if (r < 0)
		return r;
	if (d->settings->datapath_socket && d->settings->datapath_socket[0]) {
		d->node.dp = agent_dp_client_new(d->settings->datapath_socket, 2000);
		if (!d->node.dp)
			return -ENOMEM;
	}
	r = agent_ctl_server_open(d->settings->control_socket, agent_daemon_ctl_ops,
				  agent_daemon_n_ctl_ops, agent_daemon_ctl_handle, d, &d->ctl, err,
				  sizeof(err));
	if (r < 0) {
		agent_log(AGENT_LOG_ERR, "%s", err);
		return r;
	}
	agent_log(AGENT_LOG_INFO, "control socket %s", d->settings->control_socket);
	/* The periodic resync first: a first convergence that fails re-arms it for a retry in a
	 * second, which arming it afterwards overwrote (the retry came at the first resync). */
	{
		uint64_t resync = (uint64_t)(opts->resync_sec ? opts->resync_sec : 60) * 1000000;

		timer_arm(d->resync_fd, resync, resync);
	}
	agent_daemon_reload(d, "start");
	agent_daemon_converge(d, "start");
	agent_log(AGENT_LOG_INFO, "started: %s", d->status);
	if (agent_notify_watchdog_interval(&d->notify)) {
		uint64_t us = agent_notify_watchdog_interval(&d->notify);

		agent_log(AGENT_LOG_INFO, "watchdog: every %llu ms", (unsigned long long)us / 1000);
		timer_arm(d->watchdog_fd, us, us);
	}
	return 0;
}

static void
handle_signals(struct agent_daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			agent_log(AGENT_LOG_INFO, "SIGHUP from pid %u: reloading",
				  (unsigned)si.ssi_pid);
			agent_notify_reloading(&d->notify);
			agent_daemon_reload(d, "SIGHUP");
			agent_daemon_converge(d, "SIGHUP");
		} else {
			agent_log(AGENT_LOG_INFO, "%s: stopping", strsignal((int)si.ssi_signo));
			d->stop = true;
		}
	}
}

static void
handle_inotify(struct agent_daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(d->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			agent_log(AGENT_LOG_DEBUG, "policy directory: event 0x%x on '%s'",
				  (unsigned)ev->mask, ev->len ? ev->name : ".");
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
				/* the directory itself went away or was replaced: watch anew */
				if (d->ino_wd >= 0 && (ev->mask & IN_IGNORED) == 0)
					inotify_rm_watch(d->ino_fd, d->ino_wd);
				d->ino_wd = -1;
			}
			d->reload_pending = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (d->reload_pending) /* let an editor's or a ConfigMap's sequence settle */
		timer_arm(d->debounce_fd,
			  (uint64_t)(d->opts.debounce_ms ? d->opts.debounce_ms : 200) * 1000, 0);
}

static void
handle_virt_events(struct agent_daemon *d)
{
	struct agent_virt_event ev;
	bool any = false;

	while (agent_virt_event_read(d->node.virt, &ev) == 1) {
		d->virt_events++;
		agent_log(AGENT_LOG_INFO, "libvirt: domain '%s' %s", ev.domain,
			  agent_virt_event_name(ev.event));
		any = true;
	}
	if (any) /* a VM started or changed: converge (the planner pins it) */
		agent_daemon_converge(d, "libvirt event");
}

int
agent_daemon_run(struct agent_daemon *d)
{
	enum { F_SIG, F_INO, F_DEBOUNCE, F_RESYNC, F_WATCHDOG, F_VIRT, F_VCONN, F_DP, F_CTL };
	struct pollfd fds[F_CTL + 1 + AGENT_CTL_MAX_CLIENT + 2 * AGENT_NF_MAX];

	while (!d->stop) {
		size_t nctl, nnf;
		int r;

		fds[F_SIG] = (struct pollfd){.fd = d->sig_fd, .events = POLLIN};
		fds[F_INO] = (struct pollfd){.fd = d->ino_fd, .events = POLLIN};
		fds[F_DEBOUNCE] = (struct pollfd){.fd = d->debounce_fd, .events = POLLIN};
		fds[F_RESYNC] = (struct pollfd){.fd = d->resync_fd, .events = POLLIN};
		fds[F_WATCHDOG] = (struct pollfd){.fd = d->watchdog_fd, .events = POLLIN};
		fds[F_VIRT] =
			(struct pollfd){.fd = d->node.virt ? agent_virt_event_fd(d->node.virt) : -1,
					.events = POLLIN};
		fds[F_VCONN] = (struct pollfd){.fd = agent_virt_connect_fd(d->virt_connecting),
					       .events = POLLIN};
		/* Between requests the datapath never writes: readable = it went away. */
		fds[F_DP] =
			(struct pollfd){.fd = d->node.dp ? d->node.dp->fd : -1, .events = POLLIN};
		nctl = agent_ctl_server_pollfds(d->ctl, &fds[F_CTL], AGENT_CTL_MAX_CLIENT + 1);
		/* then the NFs' pidfds and log FIFOs, with the runner's next timer */
		nnf = nf_runner_pollfds(d->nfr, &fds[F_CTL + nctl], 2 * AGENT_NF_MAX);
		r = poll(fds, F_CTL + nctl + nnf, nf_runner_timeout(d->nfr, nf_run_now_ms()));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			agent_log(AGENT_LOG_ERR, "main loop: poll: %s", strerror(errno));
			return -errno;
		}
		if (fds[F_WATCHDOG].revents) {
			timer_drain(d->watchdog_fd);
			agent_notify_watchdog(&d->notify);
		}
		if (fds[F_SIG].revents)
			handle_signals(d);
		if (d->stop)
			break;
		if (fds[F_INO].revents)
			handle_inotify(d);
		if (fds[F_DEBOUNCE].revents) {
			timer_drain(d->debounce_fd);
			if (d->reload_pending) {
				d->reload_pending = false;
				agent_daemon_reload(d, "policy directory changed");
				agent_daemon_converge(d, "policy directory changed");
			}
		}
		if (fds[F_RESYNC].revents) {
			timer_drain(d->resync_fd);
			/* The directory went away earlier: when it is back, watch and load it. */
			if (d->ino_wd < 0)
				agent_daemon_reload(d,
						    "periodic resync, policy directory unwatched");
			agent_daemon_converge(d, "periodic resync");
		}
		if (fds[F_VIRT].revents && d->node.virt)
			handle_virt_events(d);
		if (fds[F_VCONN].revents && d->virt_connecting)
			handle_virt_connect(d);
		if (fds[F_DP].revents && d->node.dp) {
			agent_log(AGENT_LOG_WARNING,
				  "datapath: connection to %s closed (nfpath-dp stopped?); "
				  "reconnecting",
				  d->node.dp->path);
			agent_dp_client_close(d->node.dp);
			agent_daemon_converge(d, "datapath connection closed");
		}
		agent_ctl_server_dispatch(d->ctl, &fds[F_CTL], nctl);
		/* an NF the policy dropped has stopped (its slot can go), or one waits */
		if (nf_runner_dispatch(d->nfr, &fds[F_CTL + nctl], nnf, nf_run_now_ms()))
			agent_daemon_converge(d, "an NF process stopped");
	}
	agent_notify_stopping(&d->notify, "stopping");
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
agent_daemon_fini(struct agent_daemon *d)
{
	agent_ctl_server_close(d->ctl);
	agent_virt_connect_free(d->virt_connecting);
	nf_runner_free(d->nfr); /* the NFs keep running: a restarted nfpathd adopts them */
	agent_virt_close(d->node.virt);
	agent_dp_client_free(d->node.dp);
	json_decref(d->dp_hello);
	agent_plan_free(d->plan);
	agent_apply_result_clear(&d->apply);
	agent_journal_free(d->node.journal);
	vfm_inventory_free(d->node.inv);
	vfm_ctx_free(d->node.vfm);
	agent_policy_free(d->policy);
	json_decref(d->policy_rejected);
	agent_settings_free(d->settings);
	close_fd(&d->sig_fd);
	close_fd(&d->ino_fd);
	close_fd(&d->debounce_fd);
	close_fd(&d->resync_fd);
	close_fd(&d->watchdog_fd);
	memset(d, 0, sizeof(*d));
}
