// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpath-dp: parses the command line (opts.c), checks hugepages (mem.c), starts the EAL,
 * probes and starts the ports (port.c), creates the classifier and flow table, launches the
 * forwarding lcores (fwd.c) and serves the control socket (ctl.c) and telemetry until SIGTERM,
 * then drains and removes what it created: rte_flow rules, the socket, ports, memory.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "classifier.h"
#include "ctl.h"
#include "log.h"
#include "nf.h"
#include "flow.h"
#include "fwd.h"
#include "mem.h"
#include "opts.h"
#include "port.h"
#include "prefix.h"
#include "telemetry.h"

#define DP_FLOW_ENTRIES 65536

/* How long a start waits for the NFs of a dead nfpath-dp to notice and exit (prefix.c). */
#define DP_PREFIX_WAIT_MS 3000

static struct dp the_dp;

static void
on_signal(int sig)
{
	(void)sig;
	the_dp.quit = true;
}

static void
affinity_cpus(int *n, int cpus[2])
{
	cpu_set_t set;

	*n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && *n < 2; c++) {
		if (CPU_ISSET(c, &set)) {
			cpus[(*n)++] = c;
		}
	}
	*n = CPU_COUNT(&set);
}

static int
run(struct dp *dp, struct dp_ctl *ctl, struct dp_fwd *fwd)
{
	unsigned int w = 0, lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		int r = rte_eal_remote_launch(dp_fwd_lcore_main, &fwd[w], lcore);

		if (r != 0) {
			dp_log(RTE_LOG_ERR, "lcore %u: launch: %s", lcore, strerror(-r));
			dp->quit = true;
			return r;
		}
		w++;
	}
	dp_log(RTE_LOG_INFO, "ready: %u port(s), %u forwarding lcore(s)%s, control socket '%s'",
	       dp->n_ports, dp->n_workers ? dp->n_workers : 1,
	       dp->main_forwards ? " (the main lcore)" : "", ctl->path);
	fflush(stdout);
	if (!dp->main_forwards) {
		while (!dp->quit) {
			/* Short waits: a dead NF is noticed (pidfd) within a few milliseconds. */
			(void)dp_ctl_poll(ctl, dp, 5);
			dp_nf_poll(dp->nf);
			dp_vhost_poll(dp);
		}
		return 0;
	}
	/* One lcore: forward, and serve control between rounds, offline for RCU meanwhile. */
	rte_rcu_qsbr_thread_online(dp->rcu, 0);
	while (!dp->quit) {
		unsigned int got = 0;

		for (int i = 0; i < 64; i++) {
			got += dp_fwd_round(&fwd[0]);
		}
		rte_rcu_qsbr_thread_offline(dp->rcu, 0);
		(void)dp_ctl_poll(ctl, dp, 0);
		dp_nf_poll(dp->nf);
		dp_vhost_poll(dp);
		if (!got && dp->opts->idle_sleep_us) {
			rte_delay_us_sleep(dp->opts->idle_sleep_us);
		}
		rte_rcu_qsbr_thread_online(dp->rcu, 0);
	}
	dp_fwd_flush(&fwd[0]);
	rte_rcu_qsbr_thread_offline(dp->rcu, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct dp_opts opts;
	struct dp *dp = &the_dp;
	struct dp_ctl ctl;
	char msg[1536];
	bool ready = false;
	int n_cpus, cpus[2], r, rc = 1;

	dp_ctl_init(&ctl);
	if (dp_opts_parse(&opts, argc, argv, stderr) < 0) {
		return 2;
	}
	if (opts.help) {
		dp_opts_usage(stdout);
		return 0;
	}
	if (opts.version) {
		printf("nfpath-dp %s (DPDK 22.11 ABI), control protocol %d\n", NFPATH_VERSION, 1);
		return 0;
	}
	affinity_cpus(&n_cpus, cpus);
	dp_opts_default_lcores(&opts, n_cpus, cpus);
	if (!opts.no_huge) {
		r = dp_mem_hugepages_check("/sys", "/proc/mounts", !opts.in_memory, msg,
					   sizeof(msg));
		if (r < 0) {
			dp_log(RTE_LOG_ERR, "%s", msg);
			return 1;
		}
	}
	if (dp_opts_eal_argv(&opts, argv[0]) < 0) {
		dp_log(RTE_LOG_ERR, "too many EAL arguments (at most %d)", DP_EAL_ARGV_MAX);
		return 2;
	}
	/* --in-memory keeps no files: nothing can hold or block the prefix. */
	if (!opts.in_memory && !opts.no_huge) {
		r = dp_prefix_check(opts.file_prefix, DP_PREFIX_WAIT_MS, msg, sizeof(msg));
		if (r < 0) {
			dp_log(RTE_LOG_ERR, "%s", msg);
			return 1;
		}
	}
	if (rte_eal_init(opts.eal_argc, opts.eal_argv) < 0) {
		dp_log(RTE_LOG_ERR,
		       "EAL start failed: %s; check --lcores '%s' against the CPUs, that "
		       "no other process uses --file-prefix '%s', and free hugepages",
		       rte_strerror(rte_errno), opts.lcores, opts.file_prefix);
		return 1;
	}
	dp_log_init();
	if (dp_setup(dp, &opts, DP_FLOW_ENTRIES) < 0) {
		goto out;
	}
	if (dp_telemetry_register(dp) < 0) {
		dp_log(RTE_LOG_WARNING, "telemetry commands not registered");
	}
	ctl.idle_ms = opts.ctl_idle_s * 1000;
	if (dp_ctl_open(&ctl, opts.socket_path, opts.socket_group) < 0) {
		goto out;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	ready = true;
	if (run(dp, &ctl, dp->fwd) == 0) {
		rc = 0;
	}
	dp_log(RTE_LOG_INFO, "stopping");
out:
	dp->quit = true;
	rte_eal_mp_wait_lcore();
	dp_ctl_close(&ctl);
	dp_teardown(dp);
	rte_eal_cleanup();
	/* A start that failed leaves nothing behind (no NF could attach before 'ready'). */
	if (!ready && !opts.in_memory && !opts.no_huge) {
		dp_prefix_remove(opts.file_prefix, "/proc/mounts");
	}
	return rc;
}
