// SPDX-License-Identifier: BSD-3-Clause
/*
 * Telemetry callbacks (telemetry.h). They run on the EAL's telemetry thread: counters are read
 * with relaxed loads (fwd.h), tables under dp->ctl_lock like the control socket does.
 * Telemetry dictionaries hold at most RTE_TEL_MAX_DICT_ENTRIES keys and arrays
 * RTE_TEL_MAX_ARRAY_ENTRIES values, so long tables are cut there and say how many there are.
 */
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ctl-msg.h"
#include "ctl-nf.h"
#include "flow.h"
#include "port.h"

static struct dp *tel_dp;

/* Keys of /nfpath/stats besides the per-port ones. */
#define TEL_PORTS_MAX ((RTE_TEL_MAX_DICT_ENTRIES - DP_DROP_MAX - 8) / 3)

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp *dp = tel_dp;
	struct dp_worker_stats *s = calloc(1, sizeof(*s));
	char key[64];

	(void)cmd;
	(void)params;
	if (!s) {
		return -1;
	}
	dp_stats_sum(dp, s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "ports", dp->n_eth + dp->n_vm);
	/* Three keys per port while the dictionary has room; /nfpath/port has every port. */
	for (unsigned int i = 0, shown = 0; i < dp->n_ports && shown < TEL_PORTS_MAX; i++) {
		struct dp_port_stats ps;

		if (!dp->ports[i].used) {
			continue;
		}
		shown++;
		dp_port_stats_sum(dp, i, &ps);
		snprintf(key, sizeof(key), "port%u_rx_pkts", i);
		rte_tel_data_add_dict_u64(d, key, ps.rx_pkts);
		snprintf(key, sizeof(key), "port%u_tx_pkts", i);
		rte_tel_data_add_dict_u64(d, key, ps.tx_pkts);
		snprintf(key, sizeof(key), "port%u_tx_dropped", i);
		rte_tel_data_add_dict_u64(d, key, ps.tx_full + ps.tx_no_peer + ps.tx_oversize);
	}
	for (int r = 0; r < DP_DROP_MAX; r++) {
		snprintf(key, sizeof(key), "drop_%s", dp_drop_reason_name((enum dp_drop_reason)r));
		rte_tel_data_add_dict_u64(d, key, s->drops[r]);
	}
	rte_tel_data_add_dict_u64(d, "vm_egress", s->vm_egress);
	rte_tel_data_add_dict_u64(d, "flooded", s->flooded);
	rte_tel_data_add_dict_u64(d, "software_lookups", s->sw_classified);
	rte_tel_data_add_dict_u64(d, "hardware_steered", s->hw_steered);
	rte_tel_data_add_dict_u64(d, "hardware_foreign", s->hw_foreign);
	pthread_mutex_lock(&dp->ctl_lock);
	rte_tel_data_add_dict_u64(d, "flows", dp->flows->n_used);
	pthread_mutex_unlock(&dp->ctl_lock);
	free(s);
	return 0;
}

/* /nfpath/port,N or /nfpath/port,NAME: one port's counters and state. */
static int
tel_port(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp *dp = tel_dp;
	struct dp_port_stats ps;
	const struct dp_port *p;
	char *end = NULL;
	long idx = -1;

	(void)cmd;
	if (!params || !params[0]) {
		return -EINVAL;
	}
	pthread_mutex_lock(&dp->ctl_lock);
	idx = strtol(params, &end, 10);
	if (*end) {
		idx = dp_port_find(dp, params);
	}
	if (idx < 0 || (unsigned long)idx >= dp->n_ports || !dp->ports[idx].used) {
		pthread_mutex_unlock(&dp->ctl_lock);
		return -EINVAL;
	}
	p = &dp->ports[idx];
	dp_port_stats_sum(dp, (unsigned int)idx, &ps);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "index", (uint64_t)idx);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_string(d, "kind", p->kind == DP_PORT_VHOST ? "vhost" : "ethdev");
	rte_tel_data_add_dict_u64(d, "connected", p->kind == DP_PORT_ETH || p->running);
	rte_tel_data_add_dict_u64(d, "rx_pkts", ps.rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", ps.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_pkts", ps.tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", ps.tx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_full", ps.tx_full);
	rte_tel_data_add_dict_u64(d, "not_connected", ps.tx_no_peer);
	rte_tel_data_add_dict_u64(d, "tx_oversize", ps.tx_oversize);
	rte_tel_data_add_dict_u64(d, "spoofed", ps.spoofed);
	rte_tel_data_add_dict_u64(d, "flooded", ps.flood_in);
	pthread_mutex_unlock(&dp->ctl_lock);
	return 0;
}

static int
tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp *dp = tel_dp;
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned int n = 0, hw = 0;

	(void)cmd;
	(void)params;
	if (!a) {
		return -1;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&dp->ctl_lock);
	for (unsigned int i = 0; i < dp->flows->size; i++) {
		const struct dp_flow *f = &dp->flows->flows[i];
		char mac[18], line[RTE_TEL_MAX_STRING_LEN];

		if (!f->used) {
			continue;
		}
		hw += f->path == DP_FLOW_HARDWARE;
		if (n++ >= RTE_TEL_MAX_ARRAY_ENTRIES) {
			continue;
		}
		dp_ctl_mac_format(f->key.mac, mac);
		if (f->path == DP_FLOW_HARDWARE) {
			snprintf(line, sizeof(line),
				 "%s vlan %u chain %u port %u hardware queue %u", mac, f->key.vlan,
				 f->chain, f->port, f->queue);
		} else {
			snprintf(line, sizeof(line), "%s vlan %u chain %u port %u software: %s",
				 mac, f->key.vlan, f->chain, f->port, f->reason);
		}
		rte_tel_data_add_array_string(a, line);
	}
	pthread_mutex_unlock(&dp->ctl_lock);
	rte_tel_data_add_dict_u64(d, "count", n);
	rte_tel_data_add_dict_u64(d, "hardware", hw);
	rte_tel_data_add_dict_u64(d, "software", n - hw);
	rte_tel_data_add_dict_container(d, "flows", a, 0);
	return 0;
}

static int
tel_chains(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp *dp = tel_dp;
	struct dp_worker_stats *s = calloc(1, sizeof(*s));
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned int n = 0;

	(void)cmd;
	(void)params;
	if (!s || !a) {
		free(s);
		rte_tel_data_free(a);
		return -1;
	}
	dp_stats_sum(dp, s);
	rte_tel_data_start_dict(d);
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&dp->ctl_lock);
	for (unsigned int c = 0; c < DP_MAX_CHAINS; c++) {
		const struct dp_chain *ch = dp->chains[c];
		char line[RTE_TEL_MAX_STRING_LEN];
		int w;

		if (!ch) {
			continue;
		}
		if (n++ >= RTE_TEL_MAX_ARRAY_ENTRIES) {
			continue;
		}
		w = snprintf(line, sizeof(line), "chain %u pkts %lu bytes %lu hops", c,
			     (unsigned long)s->chain_pkts[c], (unsigned long)s->chain_bytes[c]);
		if (ch->n_hops && ch->hops[0].type == DP_HOP_NF && dp->nf) {
			/* through NFs: the control protocol's view (NF hops by service, egress) */
			json_t *hops = dp_ctl_nf_chain_hops(dp, ch), *hop;
			size_t k;

			json_array_foreach(hops, k, hop)
			{
				const char *kind = json_object_get(hop, "nf") ? "nf" : "port";

				if (w > 0 && (size_t)w < sizeof(line))
					w += snprintf(
						line + w, sizeof(line) - (size_t)w, " %s:%s", kind,
						json_string_value(json_object_get(hop, kind)));
			}
			json_decref(hops);
		} else {
			for (uint32_t h = 0; h < ch->n_hops && w > 0 && (size_t)w < sizeof(line);
			     h++)
				w += snprintf(line + w, sizeof(line) - (size_t)w, " port:%s",
					      dp->ports[ch->hops[h].port].name);
		}
		rte_tel_data_add_array_string(a, line);
	}
	pthread_mutex_unlock(&dp->ctl_lock);
	rte_tel_data_add_dict_u64(d, "count", n);
	rte_tel_data_add_dict_container(d, "chains", a, 0);
	free(s);
	return 0;
}

int
dp_telemetry_register(struct dp *dp)
{
	int r = 0;

	tel_dp = dp;
	r |= rte_telemetry_register_cmd(
		"/nfpath/stats", tel_stats,
		"nfpath-dp counters: per port, per drop reason. No parameters");
	r |= rte_telemetry_register_cmd("/nfpath/port", tel_port,
					"nfpath-dp counters of one port. Parameter: port index or "
					"name");
	r |= rte_telemetry_register_cmd("/nfpath/flows", tel_flows,
					"nfpath-dp steered MACs: path (hardware queue or software "
					"and why). No parameters");
	r |= rte_telemetry_register_cmd("/nfpath/chains", tel_chains,
					"nfpath-dp chains: hops and counters. No parameters");
	return r ? -EINVAL : 0;
}
