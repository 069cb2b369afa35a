// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for datapath/nf.c in one DPDK process (--no-huge: no secondary attaches here;
 * tests/integration/guest-lib runs the real multi-process chains). An "NF" is simulated where
 * a process is needed by a real child process whose pid is written into the slot, the way
 * nfp_attach() does, so the pidfd path and the reclaim of a dead NF's packets run for real.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <stdbool.h>

#include "nf.h"
#include "nfpath/dp-hop.h"
#include "nfpath/dp-ring.h"

static struct rte_mempool *pool;
static unsigned int avail_at_setup;

static int
setup(void **state)
{
	struct dp_nf_table *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	avail_at_setup = rte_mempool_avail_count(pool);
	assert_int_equal(dp_nf_table_init(t, pool, SOCKET_ID_ANY), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct dp_nf_table *t = *state;

	dp_nf_table_fini(t);
	free(t);
	/* Whatever a test left in rings, fini reclaimed it: every packet is back. */
	assert_int_equal(rte_mempool_avail_count(pool), avail_at_setup);
	return 0;
}

static void
test_table_init(void **state)
{
	struct dp_nf_table *t = *state, t2;

	assert_int_equal(t->shm->abi_version, NFPATH_ABI_VERSION);
	assert_int_equal(t->shm->slot_size, sizeof(struct dp_nf_slot));
	assert_string_equal(t->shm->mempool, pool->name);
	assert_true(t->meta_offset > 0);
	/* One datapath per file prefix: the memzone name is taken. */
	assert_int_equal(dp_nf_table_init(&t2, pool, SOCKET_ID_ANY), -EEXIST);
	assert_int_equal(dp_nf_table_init(&t2, NULL, SOCKET_ID_ANY), -EINVAL);
}

static void
test_slot_add(void **state)
{
	struct dp_nf_table *t = *state;
	uint16_t id, id2;
	char name[16];

	assert_int_equal(dp_nf_slot_add(t, "fw", NULL, 1024, SOCKET_ID_ANY, 1, &id), 0);
	assert_int_equal(t->shm->slots[id].state, DP_NF_WAITING);
	assert_int_equal(t->shm->slots[id].cpu, 1);
	assert_non_null(t->shm->slots[id].rx);
	assert_int_equal(rte_ring_get_size(t->shm->slots[id].rx), 1024);
	assert_int_equal(dp_nf_slot_find(t, "fw"), id);
	assert_int_equal(dp_nf_slot_find(t, "nope"), -ENOENT);

	assert_int_equal(dp_nf_slot_add(t, "fw", NULL, 1024, SOCKET_ID_ANY, -1, &id2), -EEXIST);
	assert_int_equal(dp_nf_slot_add(t, "x", NULL, 1000, SOCKET_ID_ANY, -1, &id2), -EINVAL);
	assert_int_equal(dp_nf_slot_add(t, "x", NULL, 32, SOCKET_ID_ANY, -1, &id2), -EINVAL);
	assert_int_equal(dp_nf_slot_add(t, "", NULL, 1024, SOCKET_ID_ANY, -1, &id2), -EINVAL);
	assert_int_equal(dp_nf_slot_add(t, "a-name-that-is-far-too-long-for-a-slot", NULL, 1024,
					SOCKET_ID_ANY, -1, &id2),
			 -EINVAL);
	for (int i = 1; i < DP_MAX_NFS; i++) {
		snprintf(name, sizeof(name), "nf%d", i);
		assert_int_equal(dp_nf_slot_add(t, name, NULL, 64, SOCKET_ID_ANY, -1, &id2), 0);
	}
	assert_int_equal(dp_nf_slot_add(t, "one-too-many", NULL, 64, SOCKET_ID_ANY, -1, &id2),
			 -ENOSPC);
}

static void
test_chain_set(void **state)
{
	struct dp_nf_table *t = *state;
	const char *ok[] = {"a", "b"}, *dup[] = {"a", "a"}, *unknown[] = {"a", "zz"};
	uint16_t id;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &id), 0);
	assert_int_equal(dp_nf_slot_add(t, "b", NULL, 64, SOCKET_ID_ANY, -1, &id), 0);
	assert_int_equal(dp_nf_chain_set(t, 3, ok, 2, 5, DP_ON_DOWN_BYPASS), 0);
	assert_int_equal(t->shm->chains[3].nhops, 2);
	assert_int_equal(t->shm->chains[3].hops[1], id);
	assert_int_equal(t->shm->chains[3].egress_port, 5);
	assert_int_equal(dp_nf_chain_set(t, 3, dup, 2, 5, DP_ON_DOWN_DROP), -EINVAL);
	assert_int_equal(dp_nf_chain_set(t, 3, unknown, 2, 5, DP_ON_DOWN_DROP), -ENOENT);
	assert_int_equal(dp_nf_chain_set(t, 3, ok, 0, 5, DP_ON_DOWN_DROP), -EINVAL);
	assert_int_equal(dp_nf_chain_set(t, DP_NF_MAX_CHAINS, ok, 2, 5, DP_ON_DOWN_DROP), -EINVAL);
	/* A failed set leaves the chain as it was. */
	assert_int_equal(t->shm->chains[3].nhops, 2);
	assert_int_equal(dp_nf_chain_del(t, 3), 0);
	assert_int_equal(dp_nf_chain_del(t, 3), -ENOENT);
}

static void
alloc_pkts(struct rte_mbuf **pkts, unsigned int n)
{
	assert_int_equal(rte_pktmbuf_alloc_bulk(pool, pkts, n), 0);
}

static void
test_deliver_down(void **state)
{
	struct dp_nf_table *t = *state;
	const char *hops[] = {"a", "b"};
	struct rte_mbuf *pkts[8];
	unsigned int avail = rte_mempool_avail_count(pool);
	uint16_t id, nout;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &id), 0);
	assert_int_equal(dp_nf_slot_add(t, "b", NULL, 64, SOCKET_ID_ANY, -1, &id), 0);

	/* No NF attached and on_down = drop: freed and counted. */
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 2, 9, DP_ON_DOWN_DROP), 0);
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 0, pkts, 8, &nout, NULL), 0);
	assert_int_equal(nout, 0);
	assert_int_equal(t->chain_stats[0].drop_down, 8);
	assert_int_equal(rte_mempool_avail_count(pool), avail);

	/* on_down = bypass with every hop down: straight to egress, tagged with the port. */
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 2, 9, DP_ON_DOWN_BYPASS), 0);
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 0, pkts, 8, &nout, NULL), 0);
	assert_int_equal(nout, 8);
	assert_int_equal(dp_nf_meta(t, pkts[0])->action, DP_ACT_OUT);
	assert_int_equal(dp_nf_meta(t, pkts[7])->target, 9);
	rte_pktmbuf_free_bulk(pkts, 8);

	/* Unknown chain: dropped. */
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 5, pkts, 8, &nout, NULL), 0);
	assert_int_equal(t->chain_stats[5].drop_down, 8);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

/* Make slot 'id' look attached by a live child process, as nfp_attach() would. */
static pid_t
fake_attach(struct dp_nf_table *t, uint16_t id)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* Never outlive the test, even when an assertion ends it early. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	t->shm->slots[id].pid = pid;
	t->shm->slots[id].generation++;
	__atomic_store_n(&t->shm->slots[id].state, DP_NF_ATTACHED, __ATOMIC_RELEASE);
	return pid;
}

static void
test_deliver_and_reclaim(void **state)
{
	struct dp_nf_table *t = *state;
	const char *hops[] = {"a"};
	struct rte_mbuf *pkts[64];
	struct dp_nf_slot *s;
	unsigned int avail = rte_mempool_avail_count(pool);
	uint16_t id, nout;
	pid_t pid;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &id), 0);
	s = &t->shm->slots[id];
	assert_int_equal(dp_nf_chain_set(t, 1, hops, 1, 2, DP_ON_DOWN_DROP), 0);
	pid = fake_attach(t, id);
	assert_int_equal(dp_nf_poll(t), 1);
	assert_true(t->pidfd[id] >= 0);

	/* 2 x 32 packets into a 64-entry ring (63 usable): one is dropped as ring-full. */
	alloc_pkts(pkts, 64);
	assert_int_equal(dp_nf_deliver(t, 1, pkts, 32, &nout, NULL), 32);
	assert_int_equal(dp_nf_deliver(t, 1, pkts + 32, 32, &nout, NULL), 31);
	assert_int_equal(t->chain_stats[1].delivered, 63);
	assert_int_equal(t->chain_stats[1].drop_full, 1);
	assert_int_equal(dp_nf_meta(t, pkts[0])->chain, 1);
	assert_int_equal(dp_nf_meta(t, pkts[0])->hop, 0);

	/* The "NF" takes a burst of 10 and hands on 4 before it dies. */
	assert_int_equal(rte_ring_sc_dequeue_burst(s->rx, s->inflight, 10, NULL), 10);
	s->inflight_n = 10;
	s->inflight_done = 4;
	rte_pktmbuf_free_bulk((struct rte_mbuf **)s->inflight, 4); /* "handed on" */

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(dp_nf_poll(t), 1);
	/* 6 in flight + 53 still queued were reclaimed; the slot waits for a new process. */
	assert_int_equal(t->reclaimed, 6 + 53);
	assert_int_equal(t->deaths, 1);
	assert_int_equal(s->state, DP_NF_WAITING);
	assert_int_equal(s->pid, 0);
	assert_int_equal(t->pidfd[id], -1);
	assert_int_equal(rte_mempool_avail_count(pool), avail);

	/* A new process can take the slot; a clean detach is not a death. */
	pid = fake_attach(t, id);
	assert_int_equal(dp_nf_poll(t), 1);
	__atomic_store_n(&s->state, DP_NF_WAITING, __ATOMIC_RELEASE);
	s->pid = 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	dp_nf_poll(t);
	assert_int_equal(t->deaths, 1);
	assert_int_equal(t->pidfd[id], -1);
}

static void
test_attach_race_dead_before_poll(void **state)
{
	struct dp_nf_table *t = *state;
	uint16_t id;
	pid_t pid;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &id), 0);
	pid = fake_attach(t, id);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Reaped before the datapath ever looked: pidfd_open fails with ESRCH = a death. */
	dp_nf_poll(t);
	assert_int_equal(t->deaths, 1);
	assert_int_equal(t->shm->slots[id].state, DP_NF_WAITING);
}

/* Build an Ethernet/IPv4/TCP (or IPv6/UDP with 'v6', with a VLAN tag with 'vlan') frame. */
static struct rte_mbuf *
make_flow(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, int v6, int vlan)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;
	unsigned int off = 12;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 128);
	memset(p, 0, 128);
	if (vlan) {
		p[off] = 0x81;
		p[off + 1] = 0x00;
		p[off + 3] = 42;
		off += 4;
	}
	p[off] = v6 ? 0x86 : 0x08;
	p[off + 1] = v6 ? 0xdd : 0x00;
	off += 2;
	if (v6) {
		p[off] = 0x60;
		p[off + 6] = 17;
		memcpy(p + off + 8 + 12, &src, 4);
		memcpy(p + off + 24 + 12, &dst, 4);
		off += 40;
	} else {
		p[off] = 0x45;
		p[off + 9] = 6;
		memcpy(p + off + 12, &src, 4);
		memcpy(p + off + 16, &dst, 4);
		off += 20;
	}
	p[off] = (uint8_t)(sport >> 8);
	p[off + 1] = (uint8_t)sport;
	p[off + 2] = (uint8_t)(dport >> 8);
	p[off + 3] = (uint8_t)dport;
	return m;
}

static void
test_flow_hash_symmetric(void **state)
{
	unsigned int distinct = 0;
	uint16_t first = 0;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		for (int vlan = 0; vlan < 2; vlan++) {
			for (uint32_t i = 1; i <= 50; i++) {
				struct rte_mbuf *a = make_flow(0x0a000001 + i, 0x0a0000ff, 1000 + i,
							       80, v6, vlan);
				struct rte_mbuf *b = make_flow(0x0a0000ff, 0x0a000001 + i, 80,
							       1000 + i, v6, vlan);
				uint16_t ha = dp_nf_flow_hash(a);

				assert_int_equal(ha, dp_nf_flow_hash(b));
				if (i == 1)
					first = ha;
				distinct += ha != first;
				rte_pktmbuf_free(a);
				rte_pktmbuf_free(b);
			}
		}
	}
	/* It does spread flows. */
	assert_true(distinct > 150);
}

static void
test_replicas(void **state)
{
	struct dp_nf_table *t = *state;
	const char *hops[] = {"lb"};
	struct rte_mbuf *fwd[16], *rev[16], *out[32];
	uint16_t r0, r1, nout;
	pid_t p0, p1;
	unsigned int n0, n1;

	assert_int_equal(dp_nf_slot_add(t, "lb.0", "lb", 64, SOCKET_ID_ANY, -1, &r0), 0);
	assert_int_equal(dp_nf_slot_add(t, "lb.1", "lb", 64, SOCKET_ID_ANY, -1, &r1), 0);
	assert_int_equal(t->shm->services[dp_nf_service_find(t, "lb")].nreplicas, 2);
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 1, 1, DP_ON_DOWN_DROP), 0);
	p0 = fake_attach(t, r0);
	p1 = fake_attach(t, r1);
	dp_nf_poll(t);

	for (uint32_t i = 0; i < 16; i++) {
		fwd[i] = make_flow(0xc0a80001 + i, 0xc0a800fe, (uint16_t)(4000 + i), 443, 0, 0);
		rev[i] = make_flow(0xc0a800fe, 0xc0a80001 + i, 443, (uint16_t)(4000 + i), 0, 0);
	}
	assert_int_equal(dp_nf_deliver(t, 0, fwd, 16, &nout, NULL), 16);
	assert_int_equal(dp_nf_deliver(t, 0, rev, 16, &nout, NULL), 16);
	n0 = rte_ring_count(t->shm->slots[r0].rx);
	n1 = rte_ring_count(t->shm->slots[r1].rx);
	assert_int_equal(n0 + n1, 32);
	/* Both replicas got flows, and both directions of every flow met the same replica. */
	assert_true(n0 > 0 && n1 > 0);
	for (uint32_t i = 0; i < 16; i++)
		assert_int_equal(dp_nf_meta(t, fwd[i])->flow_hash,
				 dp_nf_meta(t, rev[i])->flow_hash);
	n0 = rte_ring_sc_dequeue_burst(t->shm->slots[r0].rx, (void **)out, 32, NULL);
	for (unsigned int k = 0; k < n0; k++)
		assert_int_equal(dp_nf_meta(t, out[k])->flow_hash % 2, 0);
	rte_pktmbuf_free_bulk(out, n0);

	/* Replica 0 dies: its flows go to replica 1 instead of being dropped. */
	kill(p0, SIGKILL);
	waitpid(p0, NULL, 0);
	dp_nf_poll(t);
	for (uint32_t i = 0; i < 16; i++)
		fwd[i] = make_flow(0xc0a80001 + i, 0xc0a800fe, (uint16_t)(4000 + i), 443, 0, 0);
	assert_int_equal(dp_nf_deliver(t, 0, fwd, 16, &nout, NULL), 16);
	assert_int_equal(rte_ring_count(t->shm->slots[r0].rx), 0);
	assert_int_equal(rte_ring_count(t->shm->slots[r1].rx), n1 + 16);

	/* A slot with a live process cannot be removed; a waiting one can. */
	assert_int_equal(dp_nf_slot_del(t, r1), -EBUSY);
	assert_int_equal(dp_nf_slot_del(t, r0), 0);
	assert_int_equal(t->shm->services[dp_nf_service_find(t, "lb")].nreplicas, 1);
	assert_int_equal(dp_nf_slot_find(t, "lb.0"), -ENOENT);
	kill(p1, SIGKILL);
	waitpid(p1, NULL, 0);
	dp_nf_poll(t);
}

/* Is r a single-producer, single-consumer ring of 'size' slots? */
static void
assert_spsc(const struct rte_ring *r, unsigned int size)
{
	assert_non_null(r);
	assert_int_equal(r->prod.sync_type, RTE_RING_SYNC_ST);
	assert_int_equal(r->cons.sync_type, RTE_RING_SYNC_ST);
	assert_int_equal(rte_ring_get_size(r), size);
}

static void
test_edges(void **state)
{
	struct dp_nf_table *t = *state;
	const char *hops[] = {"a", "b", "c"};
	const char *hops2[] = {"c", "a"};
	struct dp_nf_slot *s = t->shm->slots;
	uint16_t a, b, c, b2, x[DP_MAX_EDGES + 1];

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &a), 0);
	assert_int_equal(dp_nf_slot_add(t, "b", NULL, 128, SOCKET_ID_ANY, -1, &b), 0);
	assert_int_equal(dp_nf_slot_add(t, "c", NULL, 64, SOCKET_ID_ANY, -1, &c), 0);
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 3, 1, DP_ON_DOWN_DROP), 0);
	/* The datapath feeds a through its RX ring; a feeds b, b feeds c, each by its own ring. */
	assert_int_equal(s[a].nedges, 0);
	assert_int_equal(s[b].nedges, 1);
	assert_int_equal(s[c].nedges, 1);
	assert_spsc(dp_slot_edge(&s[b], a), 128); /* the consumer's ring size */
	assert_spsc(dp_slot_edge(&s[c], b), 64);
	assert_null(dp_slot_edge(&s[c], a));
	/* A second replica of b: a feeds it, and it feeds c by a ring of its own. */
	assert_int_equal(dp_nf_slot_add(t, "b2", "b", 64, SOCKET_ID_ANY, -1, &b2), 0);
	assert_spsc(dp_slot_edge(&s[b2], a), 64);
	assert_spsc(dp_slot_edge(&s[c], b2), 64);
	assert_int_equal(s[c].nedges, 2);
	assert_ptr_not_equal(dp_slot_edge(&s[c], b), dp_slot_edge(&s[c], b2));
	/* Another chain through the same NFs adds only the pair it lacks (c -> a). */
	assert_int_equal(dp_nf_chain_set(t, 1, hops2, 2, 1, DP_ON_DOWN_DROP), 0);
	assert_spsc(dp_slot_edge(&s[a], c), 64);
	assert_int_equal(s[a].nedges, 1);
	assert_int_equal(s[c].nedges, 2);
	/* Edges outlive the chain (an NF may still poll them); the slot's deletion frees them. */
	assert_int_equal(dp_nf_chain_del(t, 0), 0);
	assert_int_equal(s[c].nedges, 2);
	assert_int_equal(dp_nf_slot_del(t, c), 0);
	assert_int_equal(s[c].nedges, 0);
	assert_null(rte_ring_lookup("nfp_e_2_1"));

	/* A bypass chain also needs edges past each hop (a -> b2 is there, a -> sink is not). */
	{
		const char *h4[] = {"a", "b", "sink"};
		uint16_t sink;

		assert_int_equal(dp_nf_slot_add(t, "sink", NULL, 64, SOCKET_ID_ANY, -1, &sink), 0);
		assert_int_equal(dp_nf_chain_set(t, 2, h4, 3, 1, DP_ON_DOWN_BYPASS), 0);
		assert_spsc(dp_slot_edge(&s[sink], a), 64);
		assert_spsc(dp_slot_edge(&s[sink], b), 64);
		assert_spsc(dp_slot_edge(&s[sink], b2), 64);
		assert_int_equal(s[sink].nedges, 3);
		assert_int_equal(dp_nf_chain_del(t, 2), 0);
		assert_int_equal(dp_nf_slot_del(t, sink), 0);
	}
	/* A slot fed by more NFs than DP_MAX_EDGES: the chain that would need one more fails. */
	assert_int_equal(dp_nf_slot_add(t, "sink", NULL, 64, SOCKET_ID_ANY, -1, &c), 0);
	for (unsigned int i = 0; i <= DP_MAX_EDGES; i++) {
		char name[16];
		const char *h[] = {name, "sink"};

		snprintf(name, sizeof(name), "y%u", i);
		assert_int_equal(dp_nf_slot_add(t, name, NULL, 64, SOCKET_ID_ANY, -1, &x[i]), 0);
		assert_int_equal(dp_nf_chain_set(t, (uint16_t)(2 + i), h, 2, 1, DP_ON_DOWN_DROP),
				 i < DP_MAX_EDGES ? 0 : -ENOSPC);
	}
	assert_int_equal(s[c].nedges, DP_MAX_EDGES);
	assert_int_equal(t->shm->chains[2 + DP_MAX_EDGES].active, 0);
}

/* A sleeping NF is woken once per sleep, however many producers enqueue before it runs. */
static void
test_wake_once(void **state)
{
	struct dp_nf_table *t = *state;
	struct dp_nf_slot *s;
	uint16_t a;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &a), 0);
	s = &t->shm->slots[a];
	dp_slot_wake(s); /* awake: nothing to do */
	assert_int_equal(s->wake, 0);
	s->sleeping = 1;
	dp_slot_wake(s);
	dp_slot_wake(s);
	dp_slot_wake(s);
	assert_int_equal(s->wake, 1);
	assert_int_equal(s->sleeping, 0);
	s->sleeping = 1; /* the next sleep gets its own wake */
	dp_slot_wake(s);
	assert_int_equal(s->wake, 2);
}

/* An NF of chain a -> b dies in the middle of handing a run of 4 to b, through its edge. */
static void
dead_in_handoff(struct dp_nf_table *t, unsigned int published, bool reserved)
{
	const char *hops[] = {"a", "b"};
	struct rte_mbuf *pkts[4];
	unsigned int avail = rte_mempool_avail_count(pool);
	struct dp_nf_slot *sa, *sb;
	struct rte_ring *r;
	uint16_t a, b;
	pid_t pid;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &a), 0);
	assert_int_equal(dp_nf_slot_add(t, "b", NULL, 64, SOCKET_ID_ANY, -1, &b), 0);
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 2, 1, DP_ON_DOWN_DROP), 0);
	sa = &t->shm->slots[a];
	sb = &t->shm->slots[b];
	r = dp_slot_edge(sb, a);
	assert_non_null(r);
	pid = fake_attach(t, a);
	dp_nf_poll(t);
	alloc_pkts(pkts, 4);
	memcpy(sa->inflight, pkts, sizeof(pkts));
	sa->inflight_n = 4;
	assert_true(dp_ring_handoff_capable(r));
	/* libnfpath's own record (nfpath/dp-ring.h), as its handoff() makes it before enqueuing. */
	dp_handoff_tx_begin(sa, r, 0, 4);
	if (published)
		assert_int_equal(rte_ring_sp_enqueue_burst(r, sa->inflight, published, NULL),
				 published);
	if (reserved)
		r->prod.head += 4 - published; /* reserved, never published */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(dp_nf_poll(t), 1);
	/* What the ring published stays there; the rest was freed; the ring works again. */
	assert_int_equal(rte_ring_count(r), published);
	assert_int_equal(r->prod.head, r->prod.tail);
	assert_int_equal(t->reclaimed, 4 - published);
	assert_int_equal(rte_mempool_avail_count(pool), avail - published);
	assert_int_equal(sa->handoff_ring, 0);
	(void)sb;
}

static void
test_reclaim_handoff_none_published(void **state)
{
	dead_in_handoff(*state, 0, true);
}

static void
test_reclaim_handoff_half_published(void **state)
{
	dead_in_handoff(*state, 2, false);
}

static void
test_reclaim_cut_dequeue(void **state)
{
	struct dp_nf_table *t = *state;
	const char *hops[] = {"a"};
	struct rte_mbuf *pkts[8];
	unsigned int avail = rte_mempool_avail_count(pool);
	struct dp_nf_slot *s;
	uint16_t a, nout;
	pid_t pid;

	assert_int_equal(dp_nf_slot_add(t, "a", NULL, 64, SOCKET_ID_ANY, -1, &a), 0);
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 1, 1, DP_ON_DOWN_DROP), 0);
	s = &t->shm->slots[a];
	pid = fake_attach(t, a);
	dp_nf_poll(t);
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 0, pkts, 8, &nout, NULL), 8);
	/* The NF recorded rx_head and rx_ring, dequeued 5 into inflight[], died before storing n.
	 */
	dp_handoff_rx_begin(s, s->rx); /* libnfpath's record before a dequeue (nfpath/dp-ring.h) */
	assert_int_equal(rte_ring_sc_dequeue_burst(s->rx, s->inflight, 5, NULL), 5);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(dp_nf_poll(t), 1);
	assert_int_equal(t->reclaimed, 8);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

int
main(int argc, char **argv)
{
	char *eal[] = {argv[0],    "--no-huge", "--no-pci",    "-m",          "64",
		       "--lcores", "0@0",       "--no-shconf", "--log-level", "*:error"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliver_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliver_and_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_race_dead_before_poll, setup, teardown),
		cmocka_unit_test(test_flow_hash_symmetric),
		cmocka_unit_test_setup_teardown(test_replicas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_handoff_none_published, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_handoff_half_published, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_cut_dequeue, setup, teardown),
	};
	int r;

	(void)argc;
	if (rte_eal_init(10, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (!pool)
		return 1;
	r = cmocka_run_group_tests_name("datapath/nf", tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return r;
}
