// SPDX-License-Identifier: BSD-3-Clause
/*
 * NF slots, chains and crash recovery on the datapath side (see nf.h and nfpath/dp-abi.h).
 * Slots and chains live in one memzone that NF processes map; the datapath is the only writer
 * of their configuration. Dead NFs are found through pidfds polled by the control thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "nf.h"
#include "nfpath/dp-hop.h"
#include "nfpath/dp-ring.h"

static int
pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
dp_nf_table_init(struct dp_nf_table *t, struct rte_mempool *pool, int socket)
{
	const struct rte_memzone *mz;
	struct dp_shm *shm;
	int off;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < DP_MAX_NFS; i++)
		t->pidfd[i] = -1;
	if (!pool)
		return -EINVAL;
	off = dp_meta_register();
	if (off < 0)
		return off;
	mz = rte_memzone_reserve_aligned(DP_SHM_MEMZONE, sizeof(*shm), socket, 0, DP_CACHE_LINE);
	if (!mz)
		return rte_errno == EEXIST ? -EEXIST : -ENOMEM;
	shm = mz->addr;
	memset(shm, 0, sizeof(*shm));
	shm->shm_size = sizeof(*shm);
	shm->slot_size = sizeof(struct dp_nf_slot);
	shm->max_nfs = DP_MAX_NFS;
	shm->max_chains = DP_NF_MAX_CHAINS;
	shm->dp_pid = getpid();
	snprintf(shm->mempool, sizeof(shm->mempool), "%s", pool->name);
	for (uint32_t i = 0; i < DP_MAX_NFS; i++)
		shm->slots[i].id = i;
	/* Publish the version last: an NF that sees it sees a complete table. */
	__atomic_store_n(&shm->abi_version, NFPATH_ABI_VERSION, __ATOMIC_RELEASE);
	t->mz = mz;
	t->shm = shm;
	t->pool = pool;
	t->meta_offset = off;
	return 0;
}

static void
free_burst(struct dp_nf_table *t, void **objs, unsigned int n)
{
	if (n) {
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
		t->reclaimed += n;
	}
}

static void
drain_ring(struct dp_nf_table *t, struct rte_ring *r)
{
	void *objs[DP_BURST_MAX];
	unsigned int n;

	if (!r)
		return;
	while ((n = rte_ring_sc_dequeue_burst(r, objs, DP_BURST_MAX, NULL)) > 0)
		free_burst(t, objs, n);
}

/* Free what a dead NF held: its unfinished burst, then everything queued for it. */
static void
reclaim_slot(struct dp_nf_table *t, struct dp_nf_slot *s)
{
	struct rte_ring *rx = s->rx, *ho;
	struct rte_ring *cut =
		(struct rte_ring *)(uintptr_t)__atomic_load_n(&s->rx_ring, __ATOMIC_ACQUIRE);
	uint32_t n = __atomic_load_n(&s->inflight_n, __ATOMIC_ACQUIRE);
	uint32_t done = __atomic_load_n(&s->inflight_done, __ATOMIC_ACQUIRE);

	/* Died between its dequeue and recording it: the dequeued packets are in inflight[]. */
	if (n == 0)
		n = dp_handoff_rx_caught(s, cut);
	if (n > DP_BURST_MAX)
		n = DP_BURST_MAX;
	/*
	 * Died handing a run to a single-producer ring: the ring's producer tail says how much of
	 * the run it published (the ring owns those); its reservation of the rest is void.
	 */
	ho = (struct rte_ring *)(uintptr_t)__atomic_load_n(&s->handoff_ring, __ATOMIC_ACQUIRE);
	if (ho) {
		uint32_t published = dp_handoff_tx_published(s, ho);

		if (done < s->handoff_start + published)
			done = s->handoff_start + published;
		dp_ring_void_prod(ho);
		s->handoff_ring = 0;
	}
	if (done < n)
		free_burst(t, &s->inflight[done], n - done);
	memset(s->inflight, 0, sizeof(s->inflight));
	s->inflight_n = 0;
	s->inflight_done = 0;
	/* A dequeue cut short leaves its reservation: void it, the packets stay queued. */
	if (cut)
		dp_ring_void_cons(cut);
	s->rx_ring = 0;
	if (s->tx) {
		/* The dead NF was the tx ring's only producer. */
		dp_ring_void_prod((struct rte_ring *)s->tx);
	}
	/* The edges it fed, as their only producer: the same. */
	for (uint32_t i = 0; i < DP_MAX_NFS; i++) {
		struct dp_nf_slot *o = &t->shm->slots[i];
		struct rte_ring *e = o->state != DP_NF_FREE ? dp_slot_edge(o, s->id) : NULL;

		if (e)
			dp_ring_void_prod(e);
	}
	drain_ring(t, rx);
	for (uint32_t i = 0; i < s->nedges; i++)
		drain_ring(t, s->edge[i]);
}

/* Free the slot's edge rings (it is FREE or being torn down: nobody feeds or polls them). */
static void
free_edges(struct dp_nf_table *t, struct dp_nf_slot *s)
{
	uint32_t n = s->nedges;

	__atomic_store_n(&s->nedges, 0, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < n; i++) {
		drain_ring(t, s->edge[i]);
		rte_ring_free(s->edge[i]);
		s->edge[i] = NULL;
		s->edge_from[i] = 0;
	}
}

void
dp_nf_table_fini(struct dp_nf_table *t)
{
	if (!t->shm)
		return;
	for (uint32_t i = 0; i < DP_MAX_NFS; i++) {
		struct dp_nf_slot *s = &t->shm->slots[i];

		if (t->pidfd[i] >= 0)
			close(t->pidfd[i]);
		t->pidfd[i] = -1;
		if (s->state == DP_NF_FREE)
			continue;
		__atomic_store_n(&s->state, DP_NF_FREE, __ATOMIC_RELEASE);
		reclaim_slot(t, s);
		drain_ring(t, s->tx);
		free_edges(t, s);
		rte_ring_free(s->rx);
		rte_ring_free(s->tx);
		s->rx = s->tx = NULL;
	}
	rte_memzone_free(t->mz);
	t->mz = NULL;
	t->shm = NULL;
}

/* Make sure slot 'from' has a ring of its own into slot 'to'. */
static int
edge_ensure(struct dp_nf_table *t, uint16_t from, uint16_t to)
{
	struct dp_nf_slot *s = &t->shm->slots[to];
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	if (dp_slot_edge(s, from))
		return 0;
	if (s->nedges >= DP_MAX_EDGES)
		return -ENOSPC;
	snprintf(name, sizeof(name), "nfp_e_%u_%u", (unsigned int)to, (unsigned int)from);
	r = rte_ring_create(name, 1u << s->ring_size_log2, s->socket,
			    RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!r)
		return -rte_errno;
	s->edge[s->nedges] = r;
	s->edge_from[s->nedges] = (uint16_t)(from + 1);
	/* Publish the entry last: an NF that sees the count sees the ring. */
	__atomic_store_n(&s->nedges, s->nedges + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Service 'sv''s replicas, plus 'extra' when it is >= 0 (a slot about to join it). */
static uint32_t
replica_list(const struct dp_service *sv, int extra, uint16_t *out)
{
	uint32_t n = sv->nreplicas;

	memcpy(out, sv->slots, n * sizeof(*out));
	if (extra >= 0)
		out[n++] = (uint16_t)extra;
	return n;
}

/*
 * Create the edges chain 'c' needs: from every replica of each hop to every replica of the
 * next, and with on_down bypass to every replica of each later hop too (a hop that is down is
 * skipped), with slot 'extra' counted as a replica of service 'extra_svc' (or none: -1).
 * Edges made before a failure stay; they are unused rings, reused if the pair ever needs one.
 */
static int
chain_edges(struct dp_nf_table *t, const struct dp_nf_chain *c, int extra_svc, int extra)
{
	uint16_t from[DP_MAX_REPLICAS + 1], to[DP_MAX_REPLICAS + 1];

	for (uint32_t h = 1; h < c->nhops; h++) {
		uint32_t nt = replica_list(&t->shm->services[c->hops[h]],
					   c->hops[h] == extra_svc ? extra : -1, to);
		uint32_t g0 = c->on_down == DP_ON_DOWN_BYPASS ? 0 : h - 1;

		for (uint32_t g = g0; g < h; g++) {
			uint32_t nf = replica_list(&t->shm->services[c->hops[g]],
						   c->hops[g] == extra_svc ? extra : -1, from);

			for (uint32_t i = 0; i < nf; i++)
				for (uint32_t j = 0; j < nt; j++) {
					int r = edge_ensure(t, from[i], to[j]);

					if (r < 0)
						return r;
				}
		}
	}
	return 0;
}

int
dp_nf_slot_find(const struct dp_nf_table *t, const char *name)
{
	for (uint32_t i = 0; i < DP_MAX_NFS; i++) {
		const struct dp_nf_slot *s = &t->shm->slots[i];

		if (s->state != DP_NF_FREE && strncmp(s->name, name, DP_NAME_LEN) == 0)
			return (int)i;
	}
	return -ENOENT;
}

int
dp_nf_service_find(const struct dp_nf_table *t, const char *name)
{
	for (uint32_t i = 0; i < DP_MAX_SERVICES; i++) {
		const struct dp_service *sv = &t->shm->services[i];

		if (sv->nreplicas > 0 && strncmp(sv->name, name, DP_NAME_LEN) == 0)
			return (int)i;
	}
	return -ENOENT;
}

/* The service named 'name', created empty if needed; -ENOSPC when the table is full. */
static int
service_get(struct dp_nf_table *t, const char *name)
{
	int id = dp_nf_service_find(t, name);

	if (id >= 0)
		return id;
	for (uint32_t i = 0; i < DP_MAX_SERVICES; i++) {
		struct dp_service *sv = &t->shm->services[i];

		if (sv->nreplicas == 0) {
			snprintf(sv->name, sizeof(sv->name), "%s", name);
			return (int)i;
		}
	}
	return -ENOSPC;
}

int
dp_nf_slot_add(struct dp_nf_table *t, const char *name, const char *service, uint32_t ring_size,
	       int socket, int cpu, uint16_t *ret_id)
{
	char rname[RTE_RING_NAMESIZE];
	struct dp_nf_slot *s = NULL;
	struct dp_service *sv;
	struct rte_ring *rx, *tx;
	int svc;

	if (!service)
		service = name;
	if (!name || !*name || strlen(name) >= DP_NAME_LEN || !*service ||
	    strlen(service) >= DP_NAME_LEN || !rte_is_power_of_2(ring_size) ||
	    ring_size < 2 * DP_BURST_MAX)
		return -EINVAL;
	if (dp_nf_slot_find(t, name) >= 0)
		return -EEXIST;
	for (uint32_t i = 0; i < DP_MAX_NFS && !s; i++)
		if (t->shm->slots[i].state == DP_NF_FREE)
			s = &t->shm->slots[i];
	svc = service_get(t, service);
	if (!s || svc < 0)
		return -ENOSPC;
	sv = &t->shm->services[svc];
	if (sv->nreplicas >= DP_MAX_REPLICAS)
		return -ENOSPC;

	/* RX: only the datapath produces (NF hops use edges); the NF consumes. */
	snprintf(rname, sizeof(rname), "nfp_rx_%u", s->id);
	rx = rte_ring_create(rname, ring_size, socket, RING_F_SC_DEQ);
	if (!rx)
		return -rte_errno;
	/* One producer (the NF), one consumer (the datapath). */
	snprintf(rname, sizeof(rname), "nfp_tx_%u", s->id);
	tx = rte_ring_create(rname, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!tx) {
		int r = -rte_errno;

		rte_ring_free(rx);
		return r;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->rx = rx;
	s->tx = tx;
	s->socket = socket;
	s->cpu = cpu;
	s->ring_size_log2 = (uint16_t)rte_log2_u32(ring_size);
	s->service = (uint16_t)svc;
	s->pid = 0;
	s->rx_ring = 0;
	memset(&s->stats, 0, sizeof(s->stats));
	/* As a replica of its service, it needs the edges of every chain through it. */
	for (uint32_t c = 0; c < DP_NF_MAX_CHAINS; c++) {
		int r = t->shm->chains[c].active
				? chain_edges(t, &t->shm->chains[c], svc, (int)s->id)
				: 0;

		if (r < 0) {
			free_edges(t, s);
			rte_ring_free(rx);
			rte_ring_free(tx);
			s->rx = s->tx = NULL;
			return r;
		}
	}
	__atomic_store_n(&s->state, DP_NF_WAITING, __ATOMIC_RELEASE);
	/* Publish the replica last: the slot is complete when producers can pick it. */
	sv->slots[sv->nreplicas] = (uint16_t)s->id;
	__atomic_store_n(&sv->nreplicas, sv->nreplicas + 1, __ATOMIC_RELEASE);
	*ret_id = (uint16_t)s->id;
	return 0;
}

int
dp_nf_slot_del(struct dp_nf_table *t, uint16_t id)
{
	struct dp_nf_slot *s;
	struct dp_service *sv;
	uint32_t k = 0;

	if (id >= DP_MAX_NFS || t->shm->slots[id].state == DP_NF_FREE)
		return -ENOENT;
	s = &t->shm->slots[id];
	if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != DP_NF_WAITING)
		return -EBUSY;
	/* Leave the service first so no producer picks the slot any more. */
	sv = &t->shm->services[s->service];
	for (uint32_t i = 0; i < sv->nreplicas; i++)
		if (sv->slots[i] != id)
			sv->slots[k++] = sv->slots[i];
	__atomic_store_n(&sv->nreplicas, k, __ATOMIC_RELEASE);
	__atomic_store_n(&s->state, DP_NF_FREE, __ATOMIC_RELEASE);
	if (t->pidfd[id] >= 0)
		close(t->pidfd[id]);
	t->pidfd[id] = -1;
	reclaim_slot(t, s);
	drain_ring(t, s->tx);
	free_edges(t, s);
	rte_ring_free(s->rx);
	rte_ring_free(s->tx);
	s->rx = s->tx = NULL;
	return 0;
}

int
dp_nf_chain_set(struct dp_nf_table *t, uint16_t id, const char *const *hops, uint32_t nhops,
		uint16_t egress_port, enum dp_on_down on_down)
{
	struct dp_nf_chain c = {0};
	int r;

	if (id >= DP_NF_MAX_CHAINS || nhops == 0 || nhops > DP_NF_MAX_HOPS)
		return -EINVAL;
	for (uint32_t i = 0; i < nhops; i++) {
		int svc = dp_nf_service_find(t, hops[i]);

		if (svc < 0)
			return -ENOENT;
		for (uint32_t j = 0; j < i; j++)
			if (c.hops[j] == svc)
				return -EINVAL;
		c.hops[i] = (uint16_t)svc;
	}
	c.nhops = nhops;
	c.egress_port = egress_port;
	c.on_down = (uint8_t)on_down;
	c.active = 1;
	/* Every edge first: a chain is only published once each hand-off has its own ring. */
	r = chain_edges(t, &c, -1, -1);
	if (r < 0)
		return r;
	/*
	 * NFs read chains per packet without a lock. Writing a live chain in place can show a
	 * packet a mix of old and new hops for one burst; each hop read is still a valid slot, so
	 * the worst case is one burst taking the old route.
	 */
	t->shm->chains[id] = c;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

int
dp_nf_chain_del(struct dp_nf_table *t, uint16_t id)
{
	if (id >= DP_NF_MAX_CHAINS || !t->shm->chains[id].active)
		return -ENOENT;
	__atomic_store_n(&t->shm->chains[id].active, 0, __ATOMIC_RELEASE);
	return 0;
}

uint16_t
dp_nf_flow_hash(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off = 12, h, a[4] = {0}, b[4] = {0};
	uint16_t type;
	uint8_t proto;
	uint32_t l4;

	if (len < 14)
		return 0;
	type = (uint16_t)(p[off] << 8 | p[off + 1]);
	for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
		off += 4;
		if (len < off + 2)
			return 0;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	if (type == 0x0800) {
		if (len < off + 20)
			return 0;
		proto = p[off + 9];
		memcpy(&a[0], p + off + 12, 4);
		memcpy(&b[0], p + off + 16, 4);
		l4 = off + (uint32_t)(p[off] & 0x0f) * 4;
	} else if (type == 0x86dd) {
		if (len < off + 40)
			return 0;
		proto = p[off + 6];
		memcpy(a, p + off + 8, 16);
		memcpy(b, p + off + 24, 16);
		l4 = off + 40;
	} else {
		return 0;
	}
	/* XOR of the two directions' fields is the same both ways; then mix. */
	h = proto;
	for (int i = 0; i < 4; i++)
		h ^= a[i] ^ b[i];
	if ((proto == 6 || proto == 17 || proto == 132) && len >= l4 + 4)
		h ^= (uint32_t)(p[l4] << 8 | p[l4 + 1]) ^ (uint32_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	h *= 0x9e3779b1u;
	return (uint16_t)(h >> 16);
}

uint16_t
dp_nf_deliver(struct dp_nf_table *t, uint16_t id, struct rte_mbuf **pkts, uint16_t n,
	      uint16_t *ret_nout, struct dp_chain_stats *cs)
{
	const struct dp_nf_chain *c = &t->shm->chains[id % DP_NF_MAX_CHAINS];
	struct dp_nf_slot *to[DP_BURST_MAX];
	uint16_t nout = 0, sent = 0, i = 0;
	bool hash = false;
	int active;

	*ret_nout = 0;
	if (!cs) {
		cs = &t->chain_stats[id % DP_NF_MAX_CHAINS];
	}
	if (n > DP_BURST_MAX) {
		rte_pktmbuf_free_bulk(pkts + DP_BURST_MAX, n - DP_BURST_MAX);
		cs->drop_full += n - DP_BURST_MAX;
		n = DP_BURST_MAX;
	}
	active = id < DP_NF_MAX_CHAINS && __atomic_load_n(&c->active, __ATOMIC_ACQUIRE);
	/* Parse packets for the flow hash only when some hop of the chain has replicas to pick. */
	for (uint32_t h = 0; active && h < c->nhops && !hash; h++)
		hash = t->shm->services[c->hops[h]].nreplicas > 1;
	for (uint16_t k = 0; k < n; k++) {
		struct dp_meta *m = dp_nf_meta(t, pkts[k]);
		int h = -1;

		m->chain = id;
		m->flow_hash = hash ? dp_nf_flow_hash(pkts[k]) : 0;
		m->target = c->egress_port;
		if (active)
			h = dp_chain_next_live(t->shm, c, 0, m->flow_hash, &to[k]);
		if (h < 0) {
			to[k] = NULL;
		} else if ((unsigned int)h == c->nhops) {
			to[k] = NULL;
			m->action = DP_ACT_OUT;
			nout++;
			continue;
		}
		m->hop = (uint8_t)(h < 0 ? 0 : h);
		m->action = DP_ACT_NEXT;
	}
	/* Every hop bypassed: hand the whole burst back for egress. */
	if (nout == n) {
		*ret_nout = n;
		return 0;
	}
	/*
	 * Enqueue runs that share a replica, in order. Liveness does not depend on the flow, so
	 * either every packet went to egress above or none did: to[k] == NULL means drop here.
	 */
	while (i < n) {
		uint16_t j = (uint16_t)(i + 1);
		unsigned int k;

		while (j < n && to[j] == to[i])
			j++;
		if (to[i]) {
			k = dp_slot_enqueue(to[i], pkts + i, j - i);
			sent = (uint16_t)(sent + k);
			cs->delivered += k;
			if (k < (unsigned int)(j - i)) {
				rte_pktmbuf_free_bulk(pkts + i + k, j - i - k);
				cs->drop_full += j - i - k;
			}
		} else {
			rte_pktmbuf_free_bulk(pkts + i, j - i);
			cs->drop_down += j - i;
		}
		i = j;
	}
	return sent;
}

uint16_t
dp_nf_collect(struct dp_nf_table *t, uint16_t slot, struct rte_mbuf **pkts, uint16_t max)
{
	struct dp_nf_slot *s = &t->shm->slots[slot % DP_MAX_NFS];

	if (!s->tx)
		return 0;
	return (uint16_t)rte_ring_sc_dequeue_burst(s->tx, (void **)pkts, max, NULL);
}

/* The NF in slot 's' is gone: stop its producers, free what it held, make it reattachable. */
static void
mark_dead(struct dp_nf_table *t, struct dp_nf_slot *s)
{
	uint32_t expect = DP_NF_ATTACHED;

	/* A clean detach may have won the race; then there is nothing to reclaim. */
	if (!__atomic_compare_exchange_n(&s->state, &expect, DP_NF_DEAD, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	reclaim_slot(t, s);
	t->deaths++;
	__atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->state, DP_NF_WAITING, __ATOMIC_RELEASE);
}

int
dp_nf_poll(struct dp_nf_table *t)
{
	struct pollfd pfd[DP_MAX_NFS];
	uint16_t idx[DP_MAX_NFS];
	int nfds = 0, events = 0;

	for (uint32_t i = 0; i < DP_MAX_NFS; i++) {
		struct dp_nf_slot *s = &t->shm->slots[i];
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		uint32_t gen = __atomic_load_n(&s->generation, __ATOMIC_ACQUIRE);

		/* Detached, or another process attached since we looked: forget the old pidfd. */
		if (t->pidfd[i] >= 0 && (st != DP_NF_ATTACHED || gen != t->pidfd_gen[i])) {
			close(t->pidfd[i]);
			t->pidfd[i] = -1;
			events++;
		}
		if (st == DP_NF_ATTACHED && t->pidfd[i] < 0) {
			int fd = pidfd_open_(__atomic_load_n(&s->pid, __ATOMIC_ACQUIRE));

			events++;
			if (fd < 0) {
				/* ESRCH: it died before we looked. */
				if (errno != ESRCH)
					return -errno;
				mark_dead(t, s);
				continue;
			}
			t->pidfd[i] = fd;
			t->pidfd_gen[i] = gen;
		}
		if (t->pidfd[i] >= 0) {
			pfd[nfds] = (struct pollfd){.fd = t->pidfd[i], .events = POLLIN};
			idx[nfds++] = (uint16_t)i;
		}
	}
	if (nfds == 0 || poll(pfd, (nfds_t)nfds, 0) <= 0)
		return events;
	for (int j = 0; j < nfds; j++) {
		if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		close(t->pidfd[idx[j]]);
		t->pidfd[idx[j]] = -1;
		mark_dead(t, &t->shm->slots[idx[j]]);
		events++;
	}
	return events;
}
