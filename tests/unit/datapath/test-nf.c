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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "nf.h"
#include "nfpath/dp-hop.h"

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

	assert_int_equal(dp_nf_slot_add(t, "fw", 1024, SOCKET_ID_ANY, 1, &id), 0);
	assert_int_equal(t->shm->slots[id].state, DP_NF_WAITING);
	assert_int_equal(t->shm->slots[id].cpu, 1);
	assert_non_null(t->shm->slots[id].rx);
	assert_int_equal(rte_ring_get_size(t->shm->slots[id].rx), 1024);
	assert_int_equal(dp_nf_slot_find(t, "fw"), id);
	assert_int_equal(dp_nf_slot_find(t, "nope"), -ENOENT);

	assert_int_equal(dp_nf_slot_add(t, "fw", 1024, SOCKET_ID_ANY, -1, &id2), -EEXIST);
	assert_int_equal(dp_nf_slot_add(t, "x", 1000, SOCKET_ID_ANY, -1, &id2), -EINVAL);
	assert_int_equal(dp_nf_slot_add(t, "x", 32, SOCKET_ID_ANY, -1, &id2), -EINVAL);
	assert_int_equal(dp_nf_slot_add(t, "", 1024, SOCKET_ID_ANY, -1, &id2), -EINVAL);
	assert_int_equal(dp_nf_slot_add(t, "a-name-that-is-far-too-long-for-a-slot", 1024,
					SOCKET_ID_ANY, -1, &id2),
			 -EINVAL);
	for (int i = 1; i < DP_MAX_NFS; i++) {
		snprintf(name, sizeof(name), "nf%d", i);
		assert_int_equal(dp_nf_slot_add(t, name, 64, SOCKET_ID_ANY, -1, &id2), 0);
	}
	assert_int_equal(dp_nf_slot_add(t, "one-too-many", 64, SOCKET_ID_ANY, -1, &id2), -ENOSPC);
}

static void
test_chain_set(void **state)
{
	struct dp_nf_table *t = *state;
	const char *ok[] = {"a", "b"}, *dup[] = {"a", "a"}, *unknown[] = {"a", "zz"};
	uint16_t id;

	assert_int_equal(dp_nf_slot_add(t, "a", 64, SOCKET_ID_ANY, -1, &id), 0);
	assert_int_equal(dp_nf_slot_add(t, "b", 64, SOCKET_ID_ANY, -1, &id), 0);
	assert_int_equal(dp_nf_chain_set(t, 3, ok, 2, 5, DP_ON_DOWN_BYPASS), 0);
	assert_int_equal(t->shm->chains[3].nhops, 2);
	assert_int_equal(t->shm->chains[3].hops[1], id);
	assert_int_equal(t->shm->chains[3].egress_port, 5);
	assert_int_equal(dp_nf_chain_set(t, 3, dup, 2, 5, DP_ON_DOWN_DROP), -EINVAL);
	assert_int_equal(dp_nf_chain_set(t, 3, unknown, 2, 5, DP_ON_DOWN_DROP), -ENOENT);
	assert_int_equal(dp_nf_chain_set(t, 3, ok, 0, 5, DP_ON_DOWN_DROP), -EINVAL);
	assert_int_equal(dp_nf_chain_set(t, DP_MAX_CHAINS, ok, 2, 5, DP_ON_DOWN_DROP), -EINVAL);
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

	assert_int_equal(dp_nf_slot_add(t, "a", 64, SOCKET_ID_ANY, -1, &id), 0);
	assert_int_equal(dp_nf_slot_add(t, "b", 64, SOCKET_ID_ANY, -1, &id), 0);

	/* No NF attached and on_down = drop: freed and counted. */
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 2, 9, DP_ON_DOWN_DROP), 0);
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 0, pkts, 8, &nout), 0);
	assert_int_equal(nout, 0);
	assert_int_equal(t->chain_stats[0].drop_down, 8);
	assert_int_equal(rte_mempool_avail_count(pool), avail);

	/* on_down = bypass with every hop down: straight to egress, tagged with the port. */
	assert_int_equal(dp_nf_chain_set(t, 0, hops, 2, 9, DP_ON_DOWN_BYPASS), 0);
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 0, pkts, 8, &nout), 0);
	assert_int_equal(nout, 8);
	assert_int_equal(dp_nf_meta(t, pkts[0])->action, DP_ACT_OUT);
	assert_int_equal(dp_nf_meta(t, pkts[7])->target, 9);
	rte_pktmbuf_free_bulk(pkts, 8);

	/* Unknown chain: dropped. */
	alloc_pkts(pkts, 8);
	assert_int_equal(dp_nf_deliver(t, 5, pkts, 8, &nout), 0);
	assert_int_equal(t->chain_stats[5].drop_down, 8);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

/* Make slot 'id' look attached by a live child process, as nfp_attach() would. */
static pid_t
fake_attach(struct dp_nf_table *t, uint16_t id)
{
	pid_t pid = fork();

	if (pid == 0) {
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

	assert_int_equal(dp_nf_slot_add(t, "a", 64, SOCKET_ID_ANY, -1, &id), 0);
	s = &t->shm->slots[id];
	assert_int_equal(dp_nf_chain_set(t, 1, hops, 1, 2, DP_ON_DOWN_DROP), 0);
	pid = fake_attach(t, id);
	assert_int_equal(dp_nf_poll(t), 1);
	assert_true(t->pidfd[id] >= 0);

	/* 64 packets into a 64-entry ring (63 usable): one is dropped as ring-full. */
	alloc_pkts(pkts, 64);
	assert_int_equal(dp_nf_deliver(t, 1, pkts, 64, &nout), 63);
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

	assert_int_equal(dp_nf_slot_add(t, "a", 64, SOCKET_ID_ANY, -1, &id), 0);
	pid = fake_attach(t, id);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Reaped before the datapath ever looked: pidfd_open fails with ESRCH = a death. */
	dp_nf_poll(t);
	assert_int_equal(t->deaths, 1);
	assert_int_equal(t->shm->slots[id].state, DP_NF_WAITING);
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
