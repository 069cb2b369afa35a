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
	shm->max_chains = DP_MAX_CHAINS;
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
	uint32_t n = __atomic_load_n(&s->inflight_n, __ATOMIC_ACQUIRE);
	uint32_t done = __atomic_load_n(&s->inflight_done, __ATOMIC_ACQUIRE);

	if (n > DP_BURST_MAX)
		n = DP_BURST_MAX;
	if (done < n)
		free_burst(t, &s->inflight[done], n - done);
	memset(s->inflight, 0, sizeof(s->inflight));
	s->inflight_n = 0;
	s->inflight_done = 0;
	drain_ring(t, s->rx);
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
		rte_ring_free(s->rx);
		rte_ring_free(s->tx);
		s->rx = s->tx = NULL;
	}
	rte_memzone_free(t->mz);
	t->mz = NULL;
	t->shm = NULL;
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
dp_nf_slot_add(struct dp_nf_table *t, const char *name, uint32_t ring_size, int socket, int cpu,
	       uint16_t *ret_id)
{
	char rname[RTE_RING_NAMESIZE];
	struct dp_nf_slot *s = NULL;
	struct rte_ring *rx, *tx;

	if (!name || !*name || strlen(name) >= DP_NAME_LEN || !rte_is_power_of_2(ring_size) ||
	    ring_size < 2 * DP_BURST_MAX)
		return -EINVAL;
	if (dp_nf_slot_find(t, name) >= 0)
		return -EEXIST;
	for (uint32_t i = 0; i < DP_MAX_NFS && !s; i++)
		if (t->shm->slots[i].state == DP_NF_FREE)
			s = &t->shm->slots[i];
	if (!s)
		return -ENOSPC;

	/* Many producers (the datapath, any chain's previous hop), one consumer (the NF). */
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
	s->ring_size = ring_size;
	s->pid = 0;
	memset(&s->stats, 0, sizeof(s->stats));
	__atomic_store_n(&s->state, DP_NF_WAITING, __ATOMIC_RELEASE);
	*ret_id = (uint16_t)s->id;
	return 0;
}

int
dp_nf_chain_set(struct dp_nf_table *t, uint16_t id, const char *const *hops, uint32_t nhops,
		uint16_t egress_port, enum dp_on_down on_down)
{
	struct dp_chain c = {0};

	if (id >= DP_MAX_CHAINS || nhops == 0 || nhops > DP_MAX_HOPS)
		return -EINVAL;
	for (uint32_t i = 0; i < nhops; i++) {
		int slot = dp_nf_slot_find(t, hops[i]);

		if (slot < 0)
			return -ENOENT;
		for (uint32_t j = 0; j < i; j++)
			if (c.hops[j] == slot)
				return -EINVAL;
		c.hops[i] = (uint16_t)slot;
	}
	c.nhops = nhops;
	c.egress_port = egress_port;
	c.on_down = (uint8_t)on_down;
	c.active = 1;
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
	if (id >= DP_MAX_CHAINS || !t->shm->chains[id].active)
		return -ENOENT;
	__atomic_store_n(&t->shm->chains[id].active, 0, __ATOMIC_RELEASE);
	return 0;
}

uint16_t
dp_nf_deliver(struct dp_nf_table *t, uint16_t id, struct rte_mbuf **pkts, uint16_t n,
	      uint16_t *ret_nout)
{
	const struct dp_chain *c = &t->shm->chains[id % DP_MAX_CHAINS];
	struct dp_chain_stats *cs = &t->chain_stats[id % DP_MAX_CHAINS];
	int h = -1;
	unsigned int k;

	*ret_nout = 0;
	if (id < DP_MAX_CHAINS && __atomic_load_n(&c->active, __ATOMIC_ACQUIRE))
		h = dp_chain_next_live(t->shm, c, 0);
	if (h < 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		cs->drop_down += n;
		return 0;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *m = dp_nf_meta(t, pkts[i]);

		m->chain = id;
		m->hop = (uint8_t)h;
		m->action = (uint8_t)((unsigned int)h == c->nhops ? DP_ACT_OUT : DP_ACT_NEXT);
		m->target = c->egress_port;
		m->reserved = 0;
	}
	if ((unsigned int)h == c->nhops) {
		*ret_nout = n;
		return 0;
	}
	k = dp_slot_enqueue(&t->shm->slots[c->hops[h]], pkts, n);
	if (k < n) {
		rte_pktmbuf_free_bulk(pkts + k, n - k);
		cs->drop_full += n - k;
	}
	cs->delivered += k;
	return (uint16_t)k;
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
