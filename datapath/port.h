/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports of nfpath-dp, one abstraction over two kinds (dp.h, enum dp_port_kind):
 * - ethdevs from --port devargs (the uplink, net_null, net_ring, net_tap, net_af_packet, PCI),
 *   configured with their RX queues (queue 0 is the default queue, the others take
 *   rte_flow-steered MACs) and one TX queue per forwarding lcore;
 * - VM ports, vhost-user through DPDK's vhost library (vhost.c): no ethdev, so their number
 *   is bounded by --max-vm-ports and memory, not by RTE_MAX_ETHPORTS.
 * Both receive and transmit through dp_port_rx()/dp_port_tx(), count in struct dp_port_stats
 * and carry the workload behind them (MAC, VLAN, spoofchk), so switching (fwd.c: egress,
 * flooding, anti-spoofing) is written once for both.
 */
#ifndef NFPATH_DP_PORT_H
#define NFPATH_DP_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "dp.h"

/* One queue a forwarder polls: an ethdev RX queue, or a guest's TX vring. */
struct dp_rxq {
	uint16_t port; /* index in dp->ports */
	uint16_t queue;
	uint8_t kind;     /* enum dp_port_kind */
	uint16_t port_id; /* DP_PORT_ETH */
	int vid;          /* DP_PORT_VHOST: the device, valid while this list is published */
	struct rte_mempool *pool;
	uint32_t empty; /* consecutive empty polls (fwd.c: idle queues go cold) */
};

/* Finds the probed devices and reads their sockets. Returns 0 or -errno (message printed). */
int dp_ports_probe(struct dp *dp);
/* Configures queues (mempools must exist) and starts the ports. Returns 0 or -errno. */
int dp_ports_start(struct dp *dp);
/* Stops and closes every port. */
void dp_ports_close(struct dp *dp);
/* Index in dp->ports of a port named 'name', or -1. */
int dp_port_find(const struct dp *dp, const char *name);
/* The mempool a port's packets come from (its socket's, else any). */
struct rte_mempool *dp_port_pool(const struct dp *dp, const struct dp_port *p);

static inline uint16_t
dp_port_rx(struct dp_rxq *rq, struct rte_mbuf **pkts, uint16_t n)
{
	if (likely(rq->kind == DP_PORT_ETH)) {
		return rte_eth_rx_burst(rq->port_id, rq->queue, pkts, n);
	}
	/* The guest's TX vring of queue pair q is vring 2q+1. */
	return rte_vhost_dequeue_burst(rq->vid, (uint16_t)(rq->queue * 2 + 1), rq->pool, pkts, n);
}

/*
 * Transmits pkts[0 .. n) on port 'p' from forwarder 'fwd', counts what was taken (packets and
 * bytes) and what was not (tx_full; tx_no_peer for a VM port without a guest), frees the rest
 * (and, for a VM port, everything: the vhost library copies into the guest's buffers).
 */
/* A frame over tx_max_len still fits when a VLAN tag (4 bytes) makes up the difference. */
static inline bool
dp_port_tx_fits_tagged(const struct dp_port *p, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;

	if (m->pkt_len > (uint64_t)p->tx_max_len + RTE_VLAN_HLEN || m->data_len < sizeof(*eh)) {
		return false;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	return eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
	       eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

static inline void
dp_port_tx(struct dp_port *p, unsigned int fwd, struct rte_mbuf **pkts, uint16_t n,
	   struct dp_port_stats *ps, struct dp_worker_stats *st)
{
	uint64_t bytes = 0;
	uint16_t sent;

	if (likely(p->kind == DP_PORT_ETH)) {
		/* The kernel (af_packet) drops a frame over the interface's MTU after the PMD
		 * counted it sent: drop and count it here, one compare per frame. */
		uint16_t k = 0;

		for (uint16_t i = 0; i < n; i++) {
			if (likely(pkts[i]->pkt_len <= p->tx_max_len) ||
			    dp_port_tx_fits_tagged(p, pkts[i])) {
				pkts[k++] = pkts[i];
			} else {
				rte_pktmbuf_free(pkts[i]);
			}
		}
		if (unlikely(k < n)) {
			DP_CNT_ADD(ps->tx_oversize, n - k);
			DP_CNT_ADD(st->drops[DP_DROP_TX_OVERSIZE], n - k);
			n = k;
		}
		sent = rte_eth_tx_burst(p->port_id, (uint16_t)fwd, pkts, n);
		for (uint16_t i = 0; i < sent; i++) {
			bytes += pkts[i]->pkt_len;
		}
		if (unlikely(sent < n)) {
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		}
	} else {
		int vid = __atomic_load_n(&p->vid, __ATOMIC_ACQUIRE);
		uint16_t qp = __atomic_load_n(&p->tx_qp, __ATOMIC_RELAXED);

		if (unlikely(vid < 0 || qp == 0)) {
			rte_pktmbuf_free_bulk(pkts, n);
			DP_CNT_ADD(ps->tx_no_peer, n);
			DP_CNT_ADD(st->drops[DP_DROP_NO_PEER], n);
			return;
		}
		/* The guest's RX vring of queue pair q is vring 2q. */
		sent = rte_vhost_enqueue_burst(vid, (uint16_t)((fwd % qp) * 2), pkts, n);
		for (uint16_t i = 0; i < sent; i++) {
			bytes += pkts[i]->pkt_len;
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
	DP_CNT_ADD(ps->tx_pkts, sent);
	DP_CNT_ADD(ps->tx_bytes, bytes);
	if (unlikely(sent < n)) {
		DP_CNT_ADD(ps->tx_full, n - sent);
		DP_CNT_ADD(st->drops[DP_DROP_TX_FULL], n - sent);
	}
}

/* ---- VM ports (vhost.c) ---------------------------------------------------------------- */

#define DP_VHOST_NAME_MAX 32

struct dp_vhost_conf {
	const char *name; /* net_vhost_NAME, socket NAME.sock in --vhost-dir */
	bool client;      /* connect to QEMU's socket (and reconnect) instead of serving one */
	bool has_mac;
	uint8_t mac[6];
	uint16_t vlan;
	bool spoofchk;
};

/* Vhost-device tables; called by dp_setup. Returns 0 or -ENOMEM. */
int dp_vhost_init(struct dp *dp);
void dp_vhost_fini(struct dp *dp);
/*
 * Creates VM port 'net_vhost_NAME': registers the socket with the vhost library (server: it
 * is created mode 0660, group --vhost-group), starts it. The port is polled once a guest is
 * connected with enabled queues. Returns its index in dp->ports, or -EEXIST, -ENOSPC, -errno
 * with 'msg' filled.
 */
int dp_vhost_add(struct dp *dp, const struct dp_vhost_conf *c, char *msg, size_t msg_len);
/* Control thread, every few ms: republishes the poll lists after a guest changed its rings. */
void dp_vhost_poll(struct dp *dp);
/* Removes a VM port no chain or flow uses (the caller checked). Returns 0 or -ENOENT. */
int dp_vhost_del(struct dp *dp, unsigned int idx);

#endif
