// SPDX-License-Identifier: BSD-3-Clause
/*
 * Port setup (port.h). The EAL creates the devices from the --vdev/-a arguments opts.c built;
 * this file finds them by name, checks the queue counts against what each driver allows and
 * says which devargs to change when they do not fit.
 */
#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>

#include "log.h"
#include "opts.h"

int
dp_port_find(const struct dp *dp, const char *name)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		if (dp->ports[i].used && strcmp(dp->ports[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

int
dp_ports_probe(struct dp *dp)
{
	const struct dp_opts *o = dp->opts;

	for (unsigned int i = 0; i < o->n_ports; i++) {
		struct dp_port *p = &dp->ports[i];
		struct rte_eth_dev_info info;
		int r, s;

		memset(p, 0, sizeof(*p));
		snprintf(p->devargs, sizeof(p->devargs), "%s", o->ports[i]);
		if (dp_devargs_name(o->ports[i], p->name, sizeof(p->name)) < 0) {
			dp_log(RTE_LOG_ERR, "--port '%s': cannot tell the device name",
			       o->ports[i]);
			return -EINVAL;
		}
		if (rte_eth_dev_get_port_by_name(p->name, &p->port_id) != 0) {
			dp_log(RTE_LOG_ERR,
			       "--port '%s': no ethdev named '%s' after EAL probing: "
			       "check the driver name and its arguments (EAL messages above)",
			       o->ports[i], p->name);
			return -ENODEV;
		}
		r = rte_eth_dev_info_get(p->port_id, &info);
		if (r < 0) {
			dp_log(RTE_LOG_ERR, "port '%s': device info: %s", p->name, strerror(-r));
			return r;
		}
		p->kind = DP_PORT_ETH;
		/* Only a net_af_packet port's MTU is known (its interface's); the kernel drops
		 * what exceeds it after the PMD counted it sent. Other drivers: no check. */
		p->tx_max_len = o->port_mtu[i] ? o->port_mtu[i] + RTE_ETHER_HDR_LEN : UINT32_MAX;
		p->vid = -1;
		p->is_uplink = i == 0;
		p->nb_rxq = p->is_uplink ? o->rx_queues : 1;
		p->nb_txq = dp->n_workers ? dp->n_workers : 1;
		/* Some drivers (net_tap, net_af_packet) want as many TX as RX queues; the extra
		 * ones stay unused. */
		if (p->nb_txq < p->nb_rxq && p->nb_rxq <= info.max_tx_queues) {
			p->nb_txq = p->nb_rxq;
		}
		if (p->nb_rxq > info.max_rx_queues) {
			dp_log(RTE_LOG_ERR,
			       "port '%s': %u RX queues asked, the driver '%s' allows %u: "
			       "lower --rx-queues or raise the device's queue count in its devargs "
			       "(e.g. qpairs=N for net_af_packet, queues=N for net_tap)",
			       p->name, p->nb_rxq, info.driver_name, info.max_rx_queues);
			return -EINVAL;
		}
		if (p->nb_txq > info.max_tx_queues) {
			dp_log(RTE_LOG_ERR,
			       "port '%s': %u forwarding lcores need %u TX queues, the "
			       "driver '%s' allows %u: give fewer lcores or more queues in the devargs",
			       p->name, p->nb_txq, p->nb_txq, info.driver_name, info.max_tx_queues);
			return -EINVAL;
		}
		s = rte_eth_dev_socket_id(p->port_id);
		p->socket = s < 0 || s >= 8 ? (int)rte_socket_id() : s;
		if (p->socket < 0 || p->socket >= 8) {
			p->socket = 0;
		}
		for (unsigned int q = 0; q < DP_MAX_QUEUES; q++) {
			p->queue_chain[q] = -1;
		}
		p->used = true;
		dp->n_ports++;
		dp->n_eth++;
	}
	/* Lcores on another socket than the ports they poll reach memory across the interconnect.
	 */
	for (unsigned int w = 0; w < dp->n_workers; w++) {
		unsigned int ls = rte_lcore_to_socket_id(dp->worker_lcore[w]);

		for (unsigned int i = 0; i < dp->n_ports; i++) {
			if ((int)ls != dp->ports[i].socket) {
				dp_log(RTE_LOG_WARNING,
				       "lcore %u (socket %u) polls port '%s' on "
				       "socket %d: packets cross NUMA nodes; map lcores to CPUs of "
				       "socket %d with --lcores",
				       dp->worker_lcore[w], ls, dp->ports[i].name,
				       dp->ports[i].socket, dp->ports[i].socket);
			}
		}
	}
	return 0;
}

struct rte_mempool *
dp_port_pool(const struct dp *dp, const struct dp_port *p)
{
	struct rte_mempool *pool = dp->pools[p->socket];

	for (int s = 0; !pool && s < 8; s++) {
		pool = dp->pools[s]; /* a port added later on a socket without a pool */
	}
	return pool;
}

static int
port_start(struct dp *dp, struct dp_port *p, unsigned int i)
{
	struct rte_mempool *pool = dp_port_pool(dp, p);
	struct rte_eth_conf conf;
	struct rte_flow_error ferr;
	int r;

	memset(&conf, 0, sizeof(conf));
	if (p->is_uplink && dp->opts->isolate) {
		/* Must come before rte_eth_dev_configure. */
		r = rte_flow_isolate(p->port_id, 1, &ferr);
		if (r != 0) {
			dp_log(RTE_LOG_ERR,
			       "port '%s': --isolate refused by the driver: %s; run "
			       "without --isolate",
			       p->name, ferr.message ? ferr.message : strerror(-r));
			return r < 0 ? r : -ENOTSUP;
		}
		p->flow_isolated = true;
	}
	r = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (r < 0) {
		dp_log(RTE_LOG_ERR, "port '%s': configure %u RX / %u TX queues: %s", p->name,
		       p->nb_rxq, p->nb_txq, strerror(-r));
		return r;
	}
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		r = rte_eth_rx_queue_setup(p->port_id, q, dp->opts->rxd, p->socket, NULL, pool);
		if (r < 0) {
			dp_log(RTE_LOG_ERR, "port '%s': RX queue %u: %s", p->name, q, strerror(-r));
			return r;
		}
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		r = rte_eth_tx_queue_setup(p->port_id, q, dp->opts->txd, p->socket, NULL);
		if (r < 0) {
			dp_log(RTE_LOG_ERR, "port '%s': TX queue %u: %s", p->name, q, strerror(-r));
			return r;
		}
	}
	r = rte_eth_dev_start(p->port_id);
	if (r < 0) {
		dp_log(RTE_LOG_ERR, "port '%s': start: %s", p->name, strerror(-r));
		return r;
	}
	/* Steered MACs are not the port's own: see every frame. Some drivers cannot. */
	(void)rte_eth_promiscuous_enable(p->port_id);
	rte_eth_macaddr_get(p->port_id, &p->mac);
	dp_log(RTE_LOG_INFO, "port %u '%s' (%s): %u RX, %u TX queues, socket %d%s%.0u", i, p->name,
	       p->is_uplink ? "uplink" : "port", p->nb_rxq, p->nb_txq, p->socket,
	       p->tx_max_len != UINT32_MAX ? ", MTU " : "",
	       p->tx_max_len != UINT32_MAX ? p->tx_max_len - RTE_ETHER_HDR_LEN : 0);
	fflush(stdout);
	return 0;
}

int
dp_ports_start(struct dp *dp)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		int r = port_start(dp, &dp->ports[i], i);

		if (r < 0) {
			return r;
		}
	}
	return 0;
}

void
dp_ports_close(struct dp *dp)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		struct dp_port *p = &dp->ports[i];

		if (!p->used) {
			continue;
		}
		if (p->kind != DP_PORT_ETH) {
			continue; /* dp_vhost_fini */
		}
		(void)rte_eth_dev_stop(p->port_id);
		(void)rte_eth_dev_close(p->port_id);
		p->used = false;
	}
}
