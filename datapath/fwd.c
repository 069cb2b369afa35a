// SPDX-License-Identifier: BSD-3-Clause
/*
 * Forwarding (fwd.h). Each forwarder owns TX queue 'idx' of every port, its RX queues (given
 * round robin by dp_fwd_init) and its stats slot, so nothing here is shared for writing.
 * Chains and the classifier are read under RCU: the quiescent state is reported once per round.
 */
#include "fwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "classifier.h"
#include "nfpath/dp-hop.h"
#include "opts.h"

static const char *const drop_names[DP_DROP_MAX] = {
	[DP_DROP_UNKNOWN_DST] = "unknown_dst",
	[DP_DROP_NO_CHAIN] = "no_chain",
	[DP_DROP_RUNT] = "runt",
	[DP_DROP_TX_FULL] = "tx_full",
	[DP_DROP_HOP_UNSUPPORTED] = "hop_unsupported",
	[DP_DROP_NF_DOWN] = "nf_down",
	[DP_DROP_NF_FULL] = "nf_ring_full",
	[DP_DROP_NF_BAD_PORT] = "nf_bad_port",
	[DP_DROP_NO_PEER] = "not_connected",
	[DP_DROP_SPOOFED] = "spoofed",
	[DP_DROP_FLOOD_EMPTY] = "flood_empty",
	[DP_DROP_TX_OVERSIZE] = "tx_oversize",
};

const char *
dp_drop_reason_name(enum dp_drop_reason r)
{
	return r < DP_DROP_MAX ? drop_names[r] : "?";
}

int
dp_fwd_init(struct dp *dp, struct dp_fwd **ret, unsigned int n_fwd)
{
	struct dp_fwd *f = calloc(n_fwd, sizeof(*f));
	int r;

	if (!f) {
		return -ENOMEM;
	}
	/* TX buffers for every slot, so ports added at run time need no allocation here. */
	for (unsigned int w = 0; w < n_fwd; w++) {
		f[w].dp = dp;
		f[w].idx = w;
		f[w].txb = rte_zmalloc("nfpath_txb", dp->max_ports * sizeof(*f[w].txb),
				       RTE_CACHE_LINE_SIZE);
		f[w].tx_pending = calloc(dp->max_ports, sizeof(*f[w].tx_pending));
		if (!f[w].txb || !f[w].tx_pending) {
			dp_fwd_free(f, n_fwd);
			return -ENOMEM;
		}
	}
	dp->fwd = f;
	r = dp_fwd_rebuild(dp);
	if (r < 0) {
		dp->fwd = NULL;
		dp_fwd_free(f, n_fwd);
		return r;
	}
	*ret = f;
	return 0;
}

/* The queues of port 'p' that are polled: all of an ethdev's, a VM's enabled guest TX vrings. */
static bool
rxq_polled(const struct dp_port *p, uint16_t q)
{
	if (p->kind == DP_PORT_ETH) {
		return q < p->nb_rxq;
	}
	return p->running && p->vid >= 0 && (p->vring_on & (UINT64_C(1) << (2 * q + 1)));
}

int
dp_fwd_rebuild(struct dp *dp)
{
	struct dp_fwd_plist *nl[DP_MAX_WORKERS] = {0};
	unsigned int count[DP_MAX_WORKERS] = {0}, next = 0;

	/* VM port state is read under vh_lock (vhost.c writes it there); the grace period
	 * below is waited for without it. */
	pthread_mutex_lock(&dp->vh_lock);
	for (int pass = 0; pass < 2; pass++) {
		next = 0;
		for (unsigned int p = 0; p < dp->n_ports; p++) {
			const struct dp_port *port = &dp->ports[p];

			if (!port->used) {
				continue;
			}
			for (uint16_t q = 0; q < DP_MAX_QUEUES; q++) {
				unsigned int w = next % dp->n_fwd;
				struct dp_rxq *rq;

				if (!rxq_polled(port, q)) {
					continue;
				}
				next++;
				if (pass == 0) {
					count[w]++;
					continue;
				}
				rq = &nl[w]->rxq[nl[w]->n_rxq++];
				rq->port = (uint16_t)p;
				rq->queue = q;
				rq->kind = port->kind;
				rq->port_id = port->port_id;
				rq->vid = port->vid;
				rq->pool = dp_port_pool(dp, port);
			}
		}
		for (unsigned int w = 0; pass == 0 && w < dp->n_fwd; w++) {
			nl[w] = calloc(1, sizeof(*nl[w]) + count[w] * sizeof(nl[w]->rxq[0]));
			if (!nl[w]) {
				for (unsigned int i = 0; i < w; i++) {
					free(nl[i]);
				}
				pthread_mutex_unlock(&dp->vh_lock);
				return -ENOMEM;
			}
		}
	}
	pthread_mutex_unlock(&dp->vh_lock);
	for (unsigned int w = 0; w < dp->n_fwd; w++) {
		nl[w]->n_hot = nl[w]->n_rxq;
		nl[w] = __atomic_exchange_n(&dp->fwd[w].plist, nl[w], __ATOMIC_ACQ_REL);
	}
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	for (unsigned int w = 0; w < dp->n_fwd; w++) {
		free(nl[w]);
	}
	return 0;
}

int
dp_flood_update(struct dp *dp, uint16_t vlan)
{
	struct dp_flood *fl, *old;
	unsigned int n = 0;

	pthread_mutex_lock(&dp->vh_lock);
	for (unsigned int p = dp->n_eth; p < dp->n_ports; p++) {
		const struct dp_port *port = &dp->ports[p];

		n += port->used && port->running && port->vlan == vlan;
	}
	fl = n ? malloc(sizeof(*fl) + n * sizeof(fl->port[0])) : NULL;
	if (n && !fl) {
		pthread_mutex_unlock(&dp->vh_lock);
		return -ENOMEM;
	}
	for (unsigned int p = dp->n_eth, i = 0; p < dp->n_ports && fl; p++) {
		const struct dp_port *port = &dp->ports[p];

		if (port->used && port->running && port->vlan == vlan) {
			fl->port[i++] = (uint16_t)p;
		}
	}
	if (fl) {
		fl->n = n;
	}
	pthread_mutex_unlock(&dp->vh_lock);
	old = __atomic_exchange_n(&dp->flood[vlan & 0x0fff], fl, __ATOMIC_ACQ_REL);
	if (old) {
		rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
		free(old);
	}
	return 0;
}

void
dp_flood_free(struct dp *dp)
{
	for (unsigned int v = 0; v < 4096; v++) {
		free(dp->flood[v]);
		dp->flood[v] = NULL;
	}
}

void
dp_fwd_free(struct dp_fwd *f, unsigned int n_fwd)
{
	if (!f) {
		return;
	}
	for (unsigned int w = 0; w < n_fwd; w++) {
		rte_free(f[w].txb);
		free(f[w].tx_pending);
		free(f[w].plist);
	}
	free(f);
}

/* Sends what forwarder 'f' gathered for port 'p'. */
static void
tx_flush_port(struct dp_fwd *f, uint16_t p)
{
	struct dp *dp = f->dp;
	struct dp_txbuf *b = &f->txb[p];
	uint16_t n = b->n;

	b->n = 0;
	dp_port_tx(&dp->ports[p], f->idx, b->pkts, n, dp_pstats(dp, f->idx, p), &dp->stats[f->idx]);
}

/* Buffers 'm' for port 'p' (sent when the burst is full or at the end of the round). */
static inline void
tx_enqueue(struct dp_fwd *f, uint16_t p, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &f->txb[p];

	if (!b->listed) {
		/* Listed once per round: the flush walks only the ports that got packets. */
		b->listed = true;
		f->tx_pending[f->n_pending++] = p;
	}
	b->pkts[b->n++] = m;
	if (unlikely(b->n == DP_BURST_MAX)) {
		tx_flush_port(f, p);
	}
}

/* Transmit on port index 'p' of dp->ports if it is in use; else free and count. */
static inline void
tx_port(struct dp_fwd *f, struct dp_worker_stats *st, struct rte_mbuf *m, uint16_t p)
{
	struct dp *dp = f->dp;

	if (unlikely(p >= dp->n_ports || !dp->ports[p].used)) {
		DP_CNT_ADD(st->drops[DP_DROP_NF_BAD_PORT], 1);
		rte_pktmbuf_free(m);
		return;
	}
	tx_enqueue(f, p, m);
}

/* Hand NF chain 'c''s gathered packets to its first live NF. */
static void
nf_flush(struct dp_fwd *f, struct dp_worker_stats *st, unsigned int c)
{
	struct dp_fwd_nfq *q = &f->nfq[c];
	struct dp_chain_stats *cs = &f->nf_cstats[c];
	uint64_t down = cs->drop_down, full = cs->drop_full, in = cs->delivered;
	uint16_t nout, n = q->n;

	q->n = 0;
	f->nfq_pending &= ~(UINT64_C(1) << c);
	dp_nf_deliver(f->dp->nf, (uint16_t)c, q->pkts, n, &nout, cs);
	/* Every NF of the chain down and bypassed: straight out of the chain's egress port. */
	for (uint16_t i = 0; i < nout; i++) {
		tx_port(f, st, q->pkts[i], dp_nf_meta(f->dp->nf, q->pkts[i])->target);
	}
	DP_CNT_ADD(st->nf_delivered, cs->delivered - in);
	DP_CNT_ADD(st->drops[DP_DROP_NF_DOWN], cs->drop_down - down);
	DP_CNT_ADD(st->drops[DP_DROP_NF_FULL], cs->drop_full - full);
}

/*
 * pkts[0 .. n) came from an NF's TX ring still NEXT, for the NF in slot 'id' (the sender has
 * no edge into it: nfp_pkt_to_nf()): pass them on through that NF's RX ring, which only the
 * datapath feeds, so no NF ever shares a ring with another producer.
 */
static void
nf_relay(struct dp_fwd *f, struct dp_worker_stats *st, struct rte_mbuf **pkts, uint16_t n,
	 uint16_t id)
{
	struct dp_nf_table *t = f->dp->nf;
	struct dp_nf_slot *to = id < DP_MAX_NFS ? &t->shm->slots[id] : NULL;
	unsigned int k = 0;

	if (to && dp_slot_up(to)) {
		k = dp_slot_enqueue(to, pkts, n);
		DP_CNT_ADD(st->drops[DP_DROP_NF_FULL], n - k);
	} else {
		DP_CNT_ADD(st->drops[DP_DROP_NF_DOWN], n);
	}
	DP_CNT_ADD(st->nf_relayed, k);
	if (k < n)
		rte_pktmbuf_free_bulk(pkts + k, n - k);
}

/* Flush every NF chain that has packets waiting, then take what NFs send out or on. */
static unsigned int
nf_round(struct dp_fwd *f, struct dp_worker_stats *st)
{
	struct dp_nf_table *t = f->dp->nf;
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned int total = 0, relayed = 0;

	while (f->nfq_pending) {
		nf_flush(f, st, (unsigned int)__builtin_ctzll(f->nfq_pending));
	}
	/* Each slot's egress ring has one consumer: the forwarder its index maps to. */
	for (unsigned int s = f->idx; s < DP_MAX_NFS; s += f->dp->n_fwd) {
		uint16_t n;

		if (!t->shm->slots[s].tx) {
			continue;
		}
		n = dp_nf_collect(t, (uint16_t)s, pkts, DP_BURST_MAX);
		total += n;
		/* OUT: egress by port 'target'; NEXT: a relay to the NF in slot 'target'. */
		for (uint16_t i = 0; i < n;) {
			const struct dp_meta *m = dp_nf_meta(t, pkts[i]);
			uint16_t j = (uint16_t)(i + 1);

			if (likely(m->action != DP_ACT_NEXT)) {
				tx_port(f, st, pkts[i], m->target);
				i = j;
				continue;
			}
			/* A run for one NF is relayed with one enqueue. */
			while (j < n && dp_nf_meta(t, pkts[j])->action == DP_ACT_NEXT &&
			       dp_nf_meta(t, pkts[j])->target == m->target) {
				j++;
			}
			nf_relay(f, st, pkts + i, (uint16_t)(j - i), m->target);
			relayed += j - i;
			i = j;
		}
	}
	DP_CNT_ADD(st->nf_egress, total - relayed);
	return total;
}

static inline void
to_chain(struct dp_fwd *f, struct dp_worker_stats *st, struct rte_mbuf *m, uint32_t c)
{
	struct dp *dp = f->dp;
	const struct dp_chain *ch = __atomic_load_n(&dp->chains[c], __ATOMIC_ACQUIRE);
	const struct dp_hop *h;

	if (unlikely(!ch)) {
		DP_CNT_ADD(st->drops[DP_DROP_NO_CHAIN], 1);
		rte_pktmbuf_free(m);
		return;
	}
	DP_CNT_ADD(st->chain_pkts[c], 1);
	DP_CNT_ADD(st->chain_bytes[c], m->pkt_len);
	h = &ch->hops[0];
	if (likely(h->type == DP_HOP_PORT)) {
		tx_enqueue(f, h->port, m);
		return;
	}
	if (likely(h->type == DP_HOP_NF && dp->nf)) {
		/* Gathered per NF chain and handed over in bursts (nf_flush). */
		struct dp_fwd_nfq *q = &f->nfq[h->nf % DP_NF_MAX_CHAINS];

		q->pkts[q->n++] = m;
		if (q->n == DP_BURST_MAX) {
			nf_flush(f, st, h->nf % DP_NF_MAX_CHAINS);
		} else {
			f->nfq_pending |= UINT64_C(1) << (h->nf % DP_NF_MAX_CHAINS);
		}
		return;
	}
	DP_CNT_ADD(st->drops[DP_DROP_HOP_UNSUPPORTED], 1);
	rte_pktmbuf_free(m);
}

/* The classifier key of 'm' (dst MAC, VLAN from the offload flag or the tag); false: a runt. */
static inline bool
pkt_key(const struct rte_mbuf *m, struct dp_cls_key *k)
{
	const struct rte_ether_hdr *eh;
	uint16_t vlan = 0;

	if (unlikely(m->data_len < sizeof(struct rte_ether_hdr))) {
		return false;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		vlan = m->vlan_tci & 0x0fff;
	} else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) &&
		   m->data_len >= sizeof(*eh) + sizeof(struct rte_vlan_hdr)) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eh + 1);

		vlan = rte_be_to_cpu_16(vh->vlan_tci) & 0x0fff;
	}
	memcpy(k->mac, eh->dst_addr.addr_bytes, RTE_ETHER_ADDR_LEN);
	k->vlan = vlan;
	return true;
}

/*
 * A broadcast or multicast frame no flow claims, from port 'in' on VLAN 'vlan': to every
 * running VM port of that VLAN but 'in', and from a VM port also out of its uplink. One mbuf,
 * its reference count raised to the number of deliveries (each transmit drops one).
 */
static void
flood(struct dp_fwd *f, struct dp_worker_stats *st, uint16_t in, uint16_t vlan, struct rte_mbuf *m)
{
	struct dp *dp = f->dp;
	const struct dp_port *ip = &dp->ports[in];
	const struct dp_flood *fl = __atomic_load_n(&dp->flood[vlan], __ATOMIC_ACQUIRE);
	bool from_vm = ip->kind == DP_PORT_VHOST;
	unsigned int n = from_vm, nfl = fl ? fl->n : 0;

	for (unsigned int i = 0; i < nfl; i++) {
		n += fl->port[i] != in;
	}
	if (!n) {
		DP_CNT_ADD(st->drops[DP_DROP_FLOOD_EMPTY], 1);
		rte_pktmbuf_free(m);
		return;
	}
	DP_CNT_ADD(st->flooded, 1);
	DP_CNT_ADD(st->flood_copies, n);
	DP_CNT_ADD(dp_pstats(dp, f->idx, in)->flood_in, 1);
	if (n > 1) {
		rte_pktmbuf_refcnt_update(m, (int16_t)(n - 1));
	}
	if (from_vm) {
		tx_enqueue(f, ip->uplink, m);
	}
	for (unsigned int i = 0; i < nfl; i++) {
		if (fl->port[i] != in) {
			tx_enqueue(f, fl->port[i], m);
		}
	}
}

/*
 * What no flow claims: broadcast and multicast from the uplink or a VM port are flooded in
 * their VLAN; unicast from a VM port leaves by its uplink (as a NIC's switch sends a VF's
 * unknown destinations to the wire); anything else is an unknown destination.
 */
static inline void
unclaimed(struct dp_fwd *f, struct dp_worker_stats *st, uint16_t in, const struct dp_cls_key *k,
	  struct rte_mbuf *m)
{
	const struct dp_port *ip = &f->dp->ports[in];

	if (ip->kind == DP_PORT_VHOST) {
		if (k->mac[0] & 1) {
			flood(f, st, in, k->vlan, m);
		} else {
			DP_CNT_ADD(st->vm_egress, 1);
			tx_enqueue(f, ip->uplink, m);
		}
		return;
	}
	if ((k->mac[0] & 1) && ip->is_uplink) {
		flood(f, st, in, k->vlan, m);
		return;
	}
	DP_CNT_ADD(st->drops[DP_DROP_UNKNOWN_DST], 1);
	rte_pktmbuf_free(m);
}

static inline void
classify_burst(struct dp_fwd *f, struct dp_worker_stats *st, uint16_t in, struct rte_mbuf **pkts,
	       uint16_t n)
{
	const struct dp_port *ip = &f->dp->ports[in];
	/* What a VF's spoof check does: a VM sends with its own source MAC or not at all. */
	bool spoofchk = ip->kind == DP_PORT_VHOST && ip->spoofchk && ip->has_wl_mac;
	struct dp_cls_key keys[DP_BURST_MAX];
	const void *kp[DP_BURST_MAX];
	struct rte_mbuf *ok[DP_BURST_MAX];
	void *data[DP_BURST_MAX];
	uint64_t hits = 0;
	unsigned int k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(!pkt_key(m, &keys[k]))) {
			DP_CNT_ADD(st->drops[DP_DROP_RUNT], 1);
			rte_pktmbuf_free(m);
			continue;
		}
		if (spoofchk &&
		    unlikely(!rte_is_same_ether_addr(
			    &rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr,
			    &ip->wl_mac))) {
			DP_CNT_ADD(st->drops[DP_DROP_SPOOFED], 1);
			DP_CNT_ADD(dp_pstats(f->dp, f->idx, in)->spoofed, 1);
			rte_pktmbuf_free(m);
			continue;
		}
		kp[k] = &keys[k];
		ok[k] = m;
		k++;
	}
	if (!k) {
		return;
	}
	DP_CNT_ADD(st->sw_classified, k);
	(void)rte_hash_lookup_bulk_data(f->dp->classifier, kp, k, &hits, data);
	for (unsigned int i = 0; i < k; i++) {
		if (!(hits & (1ull << i))) {
			unclaimed(f, st, in, &keys[i], ok[i]);
			continue;
		}
		to_chain(f, st, ok[i], (uint32_t)(uintptr_t)data[i]);
	}
}

/*
 * pkts[0 .. n) came from a queue an rte_flow rule gives to chain 'c' for the key 'want'. A
 * device may still put other frames there (a tap spreads unmatched traffic over every queue;
 * a NIC may too before the rule exists or with a looser rule): those are classified in
 * software like queue 0's, never taken for the chain. One 8-byte compare per frame.
 */
static inline void
steered_burst(struct dp_fwd *f, struct dp_worker_stats *st, uint16_t in, struct rte_mbuf **pkts,
	      uint16_t n, uint32_t c, uint64_t want)
{
	struct rte_mbuf *other[DP_BURST_MAX];
	uint16_t n_other = 0;

	for (uint16_t j = 0; j < n; j++) {
		struct dp_cls_key k;
		uint64_t got;

		if (likely(pkt_key(pkts[j], &k))) {
			memcpy(&got, &k, sizeof(got));
			if (likely(got == want)) {
				to_chain(f, st, pkts[j], c);
				continue;
			}
		}
		other[n_other++] = pkts[j];
	}
	DP_CNT_ADD(st->hw_steered, n - n_other);
	if (unlikely(n_other)) {
		DP_CNT_ADD(st->hw_foreign, n_other);
		classify_burst(f, st, in, other, n_other);
	}
}

/* A burst from queue 'rq': counted, then steered (hardware queue) or classified. */
static inline void
rx_burst(struct dp_fwd *f, struct dp_worker_stats *st, const struct dp_rxq *rq,
	 struct rte_mbuf **pkts, uint16_t n)
{
	struct dp *dp = f->dp;
	struct dp_port_stats *ps = dp_pstats(dp, f->idx, rq->port);
	uint64_t bytes = 0;
	int32_t c = -1;

	for (uint16_t j = 0; j < n; j++) {
		bytes += pkts[j]->pkt_len;
	}
	DP_CNT_ADD(ps->rx_pkts, n);
	DP_CNT_ADD(ps->rx_bytes, bytes);
	if (rq->kind == DP_PORT_ETH) {
		DP_CNT_ADD(st->rxq_pkts[rq->port][rq->queue], n);
		DP_CNT_ADD(st->rxq_bytes[rq->port][rq->queue], bytes);
		c = rq->queue ? __atomic_load_n(&dp->ports[rq->port].queue_chain[rq->queue],
						__ATOMIC_ACQUIRE)
			      : -1;
	}
	if (c >= 0) {
		steered_burst(f, st, rq->port, pkts, n, (uint32_t)c,
			      __atomic_load_n(&dp->ports[rq->port].queue_key[rq->queue],
					      __ATOMIC_RELAXED));
	} else {
		classify_burst(f, st, rq->port, pkts, n);
	}
}

static inline void
rxq_swap(struct dp_rxq *a, struct dp_rxq *b)
{
	struct dp_rxq t = *a;

	*a = *b;
	*b = t;
}

unsigned int
dp_fwd_round(struct dp_fwd *f)
{
	struct dp *dp = f->dp;
	struct dp_worker_stats *st = &dp->stats[f->idx];
	struct dp_fwd_plist *pl = __atomic_load_n(&f->plist, __ATOMIC_ACQUIRE);
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned int total = 0, n_cold;

	for (unsigned int i = 0; i < pl->n_hot;) {
		struct dp_rxq *rq = &pl->rxq[i];
		uint16_t n = dp_port_rx(rq, pkts, DP_BURST_MAX);

		if (!n) {
			if (rq->kind == DP_PORT_VHOST && ++rq->empty >= DP_COLD_AFTER) {
				/* Idle guest: to the cold part; the last hot one takes its place.
				 */
				rxq_swap(rq, &pl->rxq[--pl->n_hot]);
				continue;
			}
			i++;
			continue;
		}
		rq->empty = 0;
		total += n;
		rx_burst(f, st, rq, pkts, n);
		i++;
	}
	/* A few cold queues per round, in turn; one with packets becomes hot again. */
	n_cold = pl->n_rxq - pl->n_hot;
	for (unsigned int k = 0; k < DP_COLD_PER_ROUND && n_cold; k++) {
		struct dp_rxq *rq;
		uint16_t n;

		if (pl->cold_next >= n_cold) {
			pl->cold_next = 0;
		}
		rq = &pl->rxq[pl->n_hot + pl->cold_next];
		n = dp_port_rx(rq, pkts, DP_BURST_MAX);
		if (!n) {
			pl->cold_next++;
			continue;
		}
		rq->empty = 0;
		total += n;
		rx_burst(f, st, rq, pkts, n);
		rxq_swap(rq, &pl->rxq[pl->n_hot++]);
		n_cold--;
	}
	if (dp->nf) {
		total += nf_round(f, st);
	}
	dp_fwd_flush(f);
	rte_rcu_qsbr_quiescent(dp->rcu, f->idx);
	return total;
}

void
dp_fwd_flush(struct dp_fwd *f)
{
	/* Only the ports that got packets this round; a removed port got none (ctl-ops.c). */
	for (unsigned int i = 0; i < f->n_pending; i++) {
		uint16_t p = f->tx_pending[i];

		f->txb[p].listed = false;
		if (f->txb[p].n) {
			tx_flush_port(f, p);
		}
	}
	f->n_pending = 0;
}

int
dp_fwd_lcore_main(void *arg)
{
	struct dp_fwd *f = arg;
	struct dp *dp = f->dp;
	unsigned int idle_us = dp->opts->idle_sleep_us;

	rte_rcu_qsbr_thread_online(dp->rcu, f->idx);
	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		if (dp_fwd_round(f) == 0 && idle_us) {
			/* Nothing arrived: give the CPU back for a while (never per packet). */
			rte_rcu_qsbr_thread_offline(dp->rcu, f->idx);
			rte_delay_us_sleep(idle_us);
			rte_rcu_qsbr_thread_online(dp->rcu, f->idx);
		}
	}
	dp_fwd_flush(f);
	rte_rcu_qsbr_thread_offline(dp->rcu, f->idx);
	return 0;
}
