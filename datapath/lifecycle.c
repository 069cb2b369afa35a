// SPDX-License-Identifier: BSD-3-Clause
/*
 * Setting the datapath up after the EAL started, and tearing it down (dp.h). Shared by main.c
 * and the tests, which start an EAL of their own on virtual devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "classifier.h"
#include "dp.h"
#include "flow.h"
#include "fwd.h"
#include "log.h"
#include "mem.h"
#include "nf.h"
#include "opts.h"
#include "port.h"

int
dp_setup(struct dp *dp, const struct dp_opts *o, unsigned int flow_entries)
{
	unsigned int lcore;
	int r;

	memset(dp, 0, sizeof(*dp));
	dp->opts = o;
	pthread_mutex_init(&dp->ctl_lock, NULL);
	dp->start_tsc = rte_get_tsc_cycles();
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (dp->n_workers >= DP_MAX_WORKERS) {
			dp_log(RTE_LOG_ERR, "at most %d forwarding lcores", DP_MAX_WORKERS);
			return -EINVAL;
		}
		dp->worker_lcore[dp->n_workers++] = lcore;
	}
	dp->main_forwards = dp->n_workers == 0;
	dp->n_fwd = dp->main_forwards ? 1 : dp->n_workers;
	dp->max_ports = o->n_ports + o->max_vm_ports;
	dp->ports = calloc(dp->max_ports, sizeof(*dp->ports));
	dp->stats =
		rte_zmalloc("nfpath_stats", dp->n_fwd * sizeof(*dp->stats), RTE_CACHE_LINE_SIZE);
	dp->pstats = rte_zmalloc("nfpath_pstats",
				 (size_t)dp->n_fwd * dp->max_ports * sizeof(*dp->pstats),
				 RTE_CACHE_LINE_SIZE);
	if (!dp->ports || !dp->stats || !dp->pstats || dp_vhost_init(dp) < 0) {
		dp_log(RTE_LOG_ERR, "no memory for counters");
		return -ENOMEM;
	}
	r = dp_ports_probe(dp);
	if (r < 0) {
		return r;
	}
	r = dp_mem_pools_create(dp);
	if (r < 0) {
		return r;
	}
	r = dp_ports_start(dp);
	if (r < 0) {
		return r;
	}
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		dp_flow_probe(dp, (uint16_t)i, dp->ports[i].rte_flow_cap,
			      sizeof(dp->ports[i].rte_flow_cap));
	}
	/* NF slots and chains in shared memory, fed from the uplink's socket's pool. */
	for (unsigned int c = 0; c < DP_MAX_CHAINS; c++) {
		dp->nf_chain_of[c] = -1;
	}
	dp->nf = rte_zmalloc("nfpath_nf", sizeof(*dp->nf), RTE_CACHE_LINE_SIZE);
	r = dp->nf ? dp_nf_table_init(dp->nf, dp->pools[dp->ports[0].socket], dp->ports[0].socket)
		   : -ENOMEM;
	if (r < 0) {
		dp_log(RTE_LOG_ERR, "NF table: %s%s", strerror(-r),
		       r == -EEXIST ? " (another nfpath-dp uses this --file-prefix)" : "");
		rte_free(dp->nf);
		dp->nf = NULL;
		return r;
	}
	r = dp_classifier_create(dp, flow_entries, dp->n_fwd);
	if (r == 0) {
		r = dp_flows_create(dp, flow_entries);
	}
	if (r < 0) {
		dp_log(RTE_LOG_ERR, "classifier for %u MACs: %s", flow_entries, strerror(-r));
		return r;
	}
	for (unsigned int w = 0; w < dp->n_fwd; w++) {
		rte_rcu_qsbr_thread_register(dp->rcu, w);
	}
	r = dp_fwd_init(dp, &dp->fwd, dp->n_fwd);
	if (r < 0) {
		dp_log(RTE_LOG_ERR, "no memory for TX buffers");
		return r;
	}
	return 0;
}

void
dp_teardown(struct dp *dp)
{
	if (dp->flows) {
		dp_flows_free(dp); /* removes the rte_flow rules while the ports still exist */
	}
	dp_vhost_fini(dp); /* VM ports: out of the poll lists, then unregistered */
	dp_fwd_free(dp->fwd, dp->n_fwd);
	dp->fwd = NULL;
	if (dp->ports) {
		dp_ports_close(dp);
	}
	dp_flood_free(dp);
	dp_chains_free(dp);
	if (dp->nf) {
		dp_nf_table_fini(dp->nf); /* frees what NFs still held */
		rte_free(dp->nf);
		dp->nf = NULL;
	}
	dp_classifier_free(dp);
	dp_mem_pools_free(dp);
	rte_free(dp->stats);
	dp->stats = NULL;
	rte_free(dp->pstats);
	dp->pstats = NULL;
	free(dp->ports);
	dp->ports = NULL;
	pthread_mutex_destroy(&dp->ctl_lock);
}
