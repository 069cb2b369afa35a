/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpathd's state and main loop. nfpathd.c parses the command line into agent_daemon_options;
 * daemon.c owns everything after that: settings, policy (reloaded on SIGHUP, on changes in the
 * policy directory and by 'nfpathctl reload'), vf-manager inventory, the datapath client,
 * libvirt, the journal, sd_notify and the control socket (served in daemon-ctl.c).
 *
 * "Converge": reload vf-manager's inventory, reach the datapath (hello) and libvirt, journal the
 * intent, plan against the live node from the journal's allocation and apply the plan
 * (agent_daemon_apply(): the apply engine, apply/apply.h, driven through d->node), then report
 * STATUS= (READY=1 the first time).
 */
#ifndef AGENT_DAEMON_H
#define AGENT_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "nfpath/agent-policy.h"
#include "nfpath/agent-settings.h"
#include "nfpath/vfm.h"

#include "apply.h"
#include "ctl-sock.h"
#include "dp-client.h"
#include "journal.h"
#include "notify.h"
#include "virt.h"

/* Command-line values; NULL/0 = take the node settings' value. An empty datapath_socket or
 * libvirt_uri turns that part off. */
struct agent_daemon_options {
	const char *settings_file; /* NULL: AGENT_SETTINGS_FILE, may be missing */
	const char *policy_dir;
	const char *state_dir;
	const char *control_socket;
	const char *datapath_socket;
	const char *libvirt_uri;
	const char *sysfs_root;
	const char *procfs_root;
	const char *vf_backend; /* "real" or "sim" */
	const char *sim_nic_file;
	const char *reserved_cpus;
	unsigned int resync_sec;  /* 0: default 60 */
	unsigned int debounce_ms; /* policy directory changes settle this long (default 200) */
	bool verbose;             /* <7> debug lines */
	unsigned int ready_timeout_sec;  /* READY=1 even if not converged after this (default 60) */
	unsigned int nf_loop_deaths;     /* an NF is crash-looping after this many deaths ... */
	unsigned int nf_loop_window_sec; /* ... within this long (defaults 5 and 60) */
	unsigned int nf_backoff_first_ms, nf_backoff_max_ms; /* defaults 1000, 30000 */
};

struct agent_daemon {
	struct agent_daemon_options opts;
	struct agent_settings *settings;
	time_t started;

	/* policy in force and the last rejected one */
	struct agent_policy *policy; /* NULL: none in force yet */
	unsigned long policy_generation;
	time_t policy_loaded_at;
	json_t *policy_rejected; /* null or {"at":T,"problems":[...]} */
	unsigned long reloads, rejected_reloads;

	/* The node's adapters (vf-manager and its inventory, libvirt, the datapath client, the
	 * journal), as the apply engine takes them (agent-node.h). */
	struct agent_node node;
	char inv_error[512];

	unsigned long dp_seen_connects;
	bool dp_up;
	char dp_error[512];
	json_t *dp_hello;

	/* a libvirt connection attempt in the background (virt-connect.h); NULL when none runs */
	struct agent_virt_connect *virt_connecting;
	unsigned long virt_events;
	size_t virt_domains;

	struct agent_notify notify;
	struct nf_runner *nfr; /* the NF processes nfpathd runs (daemon-nf.c) */
	struct agent_ctl_server *ctl;

	/* the last plan and apply */
	struct agent_plan *plan; /* NULL: none yet (no policy) */
	struct agent_apply_result apply;
	bool converged; /* the last apply left nothing undone */
	unsigned long applies, failed_applies;
	char plan_error[512];

	unsigned long converges;
	time_t last_converge;
	char status[1024];      /* the current summary */
	char status_sent[1024]; /* the last STATUS= sent to systemd */

	/* main loop */
	int sig_fd, ino_fd, ino_wd, debounce_fd, resync_fd, watchdog_fd;
	bool stop;
	bool reload_pending;
};

void agent_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void agent_log_set_verbose(bool verbose);

/*
 * Set up everything (settings, vf-manager, journal, control socket, signals, inotify, timers)
 * and run the first convergence. Returns 0 or -errno (the reason already logged).
 */
int agent_daemon_init(struct agent_daemon *d, const struct agent_daemon_options *opts);
/* Serve until SIGTERM/SIGINT. Returns 0 on a clean stop. */
int agent_daemon_run(struct agent_daemon *d);
void agent_daemon_fini(struct agent_daemon *d);

/* Reload the policy directory (all or nothing) and converge. Returns 0, or -EINVAL when the new
 * policy was rejected and the old one stays in force. */
int agent_daemon_reload(struct agent_daemon *d, const char *why);
int agent_daemon_converge(struct agent_daemon *d, const char *why);

/* Build the inventory from the node, plan from the journal's allocation, apply (apply.h).
 * Returns 0 (converged), -EAGAIN (steps failed, retried later), or another -errno. */
int agent_daemon_apply(struct agent_daemon *d);
/* Plan against the live node without applying: *ret_plan (agent_plan_free()). 'policy' NULL:
 * the policy in force. */
int agent_daemon_plan(struct agent_daemon *d, const struct agent_policy *policy,
		      struct agent_plan **ret_plan, char *err, size_t errlen);

/* NF processes (daemon-nf.c, nf-run.h): at most this many. */
#define AGENT_NF_MAX 64
struct nf_runner;
int agent_daemon_nf_init(struct agent_daemon *d);
/* Before apply: SIGTERM to the NFs 'plan' drops, and wait up to 2 s for them to go (their slots
 * can be removed then). */
void agent_daemon_nf_before_apply(struct agent_daemon *d, const struct agent_plan *plan);
/* After apply: start, restart or stop NFs to match 'plan'; errors go to d->apply.errors.
 * Returns 0 or -EAGAIN (some NF could not be started: the runner tries again later). */
int agent_daemon_nf_sync(struct agent_daemon *d, const struct agent_plan *plan);

/* Control socket (daemon-ctl.c). */
extern const struct agent_ctl_op agent_daemon_ctl_ops[];
extern const size_t agent_daemon_n_ctl_ops;
int agent_daemon_ctl_handle(void *opaque, const char *op, json_t *request,
			    const struct agent_ctl_peer *peer, json_t **ret_result, char *err,
			    size_t errlen);
json_t *agent_daemon_status_json(struct agent_daemon *d);

#endif /* AGENT_DAEMON_H */
