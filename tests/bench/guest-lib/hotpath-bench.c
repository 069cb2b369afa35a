// SPDX-License-Identifier: BSD-3-Clause
/*
 * Cycle counts of the per-burst and per-packet pieces issue 22's review named, each against
 * the same loop without it (suite 'bench'; prints figures, asserts nothing about speed). One
 * thread, no EAL (rings made with rte_ring_init on aligned memory, a fake dp_shm), TSC
 * calibrated against CLOCK_MONOTONIC; each figure is the best of 7 repetitions of 2^20
 * iterations, in ns per burst of 32 or per packet, so it is the cost in a warm cache, without
 * the coherence misses a second CPU adds (the two-thread figures, medians of 7). Pieces:
 *   wake      dp_slot_wake() after an enqueue: the seq_cst fence and the 'sleeping' load
 *   pick      dp_service_pick() with 1 replica (no division) and 3 (flow_hash % n)
 *   edge      dp_slot_edge(): the linear scan of a slot's edges, found first and at the 8th
 *   scan      nf_round()'s walk over all 64 slots looking for a TX ring (2 in use)
 *   counters  to_chain()'s four per-packet counter updates (DP_CNT_ADD) on the steered path
 *   route     dp_chain_next_live() per packet (dp_nf_deliver) against once per burst
 * Then two threads on CPUs 0 and 1 (what a second CPU adds):
 *   wake2     the producer's enqueue of 32 (+ dp_slot_wake, to an NF that busy-polls: no fence,
 *             and to a shared-core NF: the fence) while a consumer on the other CPU drains the
 *             ring: the fence waits for the tail store, whose line the consumer just read
 *   share     a reader polling one cache line (a forwarder's round reading struct dp) while
 *             another thread writes 1M times a second into that line or into the next one:
 *             the cost of one such write to the reader (the control plane's ctl_lock)
 * Last line: one JSON object.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "nfpath/dp-hop.h"

/* datapath/fwd.h's DP_CNT_ADD: a relaxed single-writer counter update. */
#define DP_CNT_ADD_T(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)

#define ITERS (1u << 20)
#define REPS  7
#define BURST 32

static double tsc_per_ns;
static volatile uint64_t sink;

static double
calibrate(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = rte_rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 200000000L);
	t1 = rte_rdtsc();
	return (double)(t1 - t0) /
	       (double)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
}

static struct rte_ring *
ring(const char *name)
{
	ssize_t sz = rte_ring_get_memsize(1024);
	struct rte_ring *r = aligned_alloc(64, (size_t)((sz + 63) / 64 * 64));

	if (!r || rte_ring_init(r, name, 1024, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0) {
		fprintf(stderr, "hotpath-bench: ring: failed\n");
		exit(1);
	}
	return r;
}

typedef void (*body_fn)(void *ctx, uint32_t i);

/* Best of REPS runs of ITERS calls, in ns per call. */
static double
time_ns(body_fn fn, void *ctx)
{
	double best = 1e30;

	for (int r = 0; r < REPS; r++) {
		uint64_t t0 = rte_rdtsc();

		for (uint32_t i = 0; i < ITERS; i++)
			fn(ctx, i);
		double ns = (double)(rte_rdtsc() - t0) / tsc_per_ns / ITERS;

		if (ns < best)
			best = ns;
	}
	return best;
}

struct ctx {
	struct dp_shm *shm;
	struct rte_ring *r;
	void *objs[BURST];
	struct dp_nf_slot *slot;
	uint16_t svc;
	uint64_t cnt[4][64];
	uint32_t len[BURST];
};

static void
ring_only(void *p, uint32_t i)
{
	struct ctx *c = p;

	(void)i;
	rte_ring_sp_enqueue_burst(c->r, c->objs, BURST, NULL);
	rte_ring_sc_dequeue_burst(c->r, c->objs, BURST, NULL);
}

static void
ring_wake(void *p, uint32_t i)
{
	struct ctx *c = p;

	(void)i;
	if (rte_ring_sp_enqueue_burst(c->r, c->objs, BURST, NULL))
		dp_slot_wake(c->slot);
	rte_ring_sc_dequeue_burst(c->r, c->objs, BURST, NULL);
}

static void
pick(void *p, uint32_t i)
{
	struct ctx *c = p;

	sink += (uintptr_t)dp_service_pick(c->shm, c->svc, (uint16_t)(i * 40503u));
}

static void
pick_none(void *p, uint32_t i)
{
	(void)p;
	sink += (uint16_t)(i * 40503u);
}

static void
edge(void *p, uint32_t i)
{
	struct ctx *c = p;

	(void)i;
	sink += (uintptr_t)dp_slot_edge(c->slot, c->svc);
}

static void
scan(void *p, uint32_t i)
{
	struct ctx *c = p;

	(void)i;
	for (unsigned int s = 0; s < DP_MAX_NFS; s++)
		if (c->shm->slots[s].tx)
			sink += s;
}

static void
counters(void *p, uint32_t i)
{
	struct ctx *c = p;

	for (unsigned int k = 0; k < BURST; k++) {
		uint32_t ch = (i + k) & 1;

		DP_CNT_ADD_T(c->cnt[0][ch], 1);
		DP_CNT_ADD_T(c->cnt[1][ch], c->len[k]);
		DP_CNT_ADD_T(c->cnt[2][ch], 1);
		DP_CNT_ADD_T(c->cnt[3][ch], c->len[k]);
	}
}

static void
counters_burst(void *p, uint32_t i)
{
	struct ctx *c = p;
	uint64_t bytes = 0;

	for (unsigned int k = 0; k < BURST; k++)
		bytes += c->len[k];
	DP_CNT_ADD_T(c->cnt[0][i & 1], BURST);
	DP_CNT_ADD_T(c->cnt[1][i & 1], bytes);
	DP_CNT_ADD_T(c->cnt[2][i & 1], BURST);
	DP_CNT_ADD_T(c->cnt[3][i & 1], bytes);
}

static void
route_pkt(void *p, uint32_t i)
{
	struct ctx *c = p;
	struct dp_nf_slot *to = NULL;

	(void)i;
	for (unsigned int k = 0; k < BURST; k++)
		sink += (uint64_t)dp_chain_next_live(c->shm, &c->shm->chains[0], 0, 0, &to) +
			(uintptr_t)to;
}

static void
route_burst(void *p, uint32_t i)
{
	struct ctx *c = p;
	struct dp_nf_slot *to = NULL;
	int h = dp_chain_next_live(c->shm, &c->shm->chains[0], 0, 0, &to);

	(void)i;
	for (unsigned int k = 0; k < BURST; k++)
		sink += (uint64_t)h + (uintptr_t)to;
}

/* ---- two threads */

static volatile int done;

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
consumer(void *p)
{
	struct ctx *c = p;
	void *objs[BURST];

	pin(1);
	while (!done)
		rte_ring_sc_dequeue_burst(c->r, objs, BURST, NULL);
	return NULL;
}

/* Producer on CPU 0: ns per enqueue of BURST (with wake or not), best of REPS. */
static int cmp_d(const void *a, const void *b);

static double
producer(struct ctx *c, bool wake)
{
	double v[REPS];

	for (int r = 0; r < REPS; r++) {
		uint64_t t0 = rte_rdtsc(), n = 0;

		while (n < ITERS / 4) {
			if (rte_ring_sp_enqueue_burst(c->r, c->objs, BURST, NULL)) {
				if (wake)
					dp_slot_wake(c->slot);
				n++;
			} else {
				rte_pause();
			}
		}
		v[r] = (double)(rte_rdtsc() - t0) / tsc_per_ns / (double)n;
	}
	qsort(v, REPS, sizeof(*v), cmp_d);
	return v[REPS / 2];
}

/* Enqueue alone, with dp_slot_wake() for a busy NF (no fence) and for a sleeper (fence). */
static double
two_thread_wake(struct ctx *c, double *ret_plain, double *ret_busy)
{
	pthread_t t;
	double w;

	done = 0;
	pin(0);
	pthread_create(&t, NULL, consumer, c);
	*ret_plain = producer(c, false);
	c->slot->sleeping = 0;
	*ret_busy = producer(c, true);
	c->slot->sleeping = DP_SLOT_SLEEPER;
	w = producer(c, true);
	c->slot->sleeping = 0;
	*ret_plain = (*ret_plain + producer(c, false)) / 2;
	done = 1;
	pthread_join(t, NULL);
	return w;
}

struct share {
	_Alignas(64) volatile uint64_t line[16]; /* line[0]: the polled line, line[8]: the next */
	int target;
};

static void *
writer(void *p)
{
	struct share *sh = p;

	pin(1);
	while (!done) {
		uint64_t t = rte_rdtsc() + (uint64_t)(1000 * tsc_per_ns);

		sh->line[sh->target]++;
		while (rte_rdtsc() < t)
			rte_pause();
	}
	return NULL;
}

/* Reader on CPU 0: ns per 1000 polls of line[0] while the writer writes line[target]. */
static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, not best: a best-of would pick a repetition where the writer was not running. */
static double
reader(struct share *sh)
{
	double v[REPS];

	for (int r = 0; r < REPS; r++) {
		uint64_t t0 = rte_rdtsc(), s = 0;

		for (uint32_t i = 0; i < ITERS; i++)
			s += sh->line[0] + sh->line[1];
		sink += s;
		v[r] = (double)(rte_rdtsc() - t0) / tsc_per_ns / ITERS * 1000;
	}
	qsort(v, REPS, sizeof(*v), cmp_d);
	return v[REPS / 2];
}

static double
two_thread_share(double *ret_sep)
{
	static struct share sh;
	pthread_t t;
	double same;

	pin(0);
	for (int k = 0; k < 2; k++) {
		done = 0;
		sh.target = k ? 1 : 8;
		pthread_create(&t, NULL, writer, &sh);
		if (k)
			same = reader(&sh);
		else
			*ret_sep = reader(&sh);
		done = 1;
		pthread_join(t, NULL);
	}
	return same;
}

int
main(void)
{
	struct ctx c = {0};
	double w0, w1, p0, p1, p3, e1, e8, sc, c4, c1, r1, rb, x0 = 0, x1 = 0, xb = 0, s0 = 0,
							       s1 = 0;

	tsc_per_ns = calibrate();
	c.shm = aligned_alloc(64, sizeof(*c.shm));
	if (!c.shm)
		return 1;
	memset(c.shm, 0, sizeof(*c.shm));
	c.r = ring("hp");
	for (unsigned int k = 0; k < BURST; k++) {
		c.objs[k] = &c.objs[k];
		c.len[k] = 64;
	}
	for (unsigned int s = 0; s < DP_MAX_NFS; s++)
		c.shm->slots[s].state = s < 8 ? DP_NF_ATTACHED : DP_NF_FREE;
	c.shm->slots[5].tx = c.r;
	c.shm->slots[9].tx = c.r;
	c.slot = &c.shm->slots[1];
	w0 = time_ns(ring_only, &c);
	c.slot->sleeping = DP_SLOT_SLEEPER; /* a shared-core NF: the fence is taken */
	w1 = time_ns(ring_wake, &c);
	c.slot->sleeping = 0;
	/* service 0: one replica (slot 0); service 1: three (slots 1-3). */
	c.shm->services[0].nreplicas = 1;
	c.shm->services[1].nreplicas = 3;
	for (unsigned int k = 0; k < 3; k++)
		c.shm->services[1].slots[k] = (uint16_t)(1 + k);
	p0 = time_ns(pick_none, &c);
	c.svc = 0;
	p1 = time_ns(pick, &c);
	c.svc = 1;
	p3 = time_ns(pick, &c);
	/* edges: slot 1 fed by producers 10..17; look for the first and for the last. */
	c.slot->nedges = DP_MAX_EDGES;
	for (unsigned int k = 0; k < DP_MAX_EDGES; k++) {
		c.slot->edge[k] = c.r;
		c.slot->edge_from[k] = (uint16_t)(10 + k + 1);
	}
	c.svc = 10;
	e1 = time_ns(edge, &c);
	c.svc = 10 + DP_MAX_EDGES - 1;
	e8 = time_ns(edge, &c);
	sc = time_ns(scan, &c);
	c4 = time_ns(counters, &c);
	c1 = time_ns(counters_burst, &c);
	c.shm->chains[0].active = 1;
	c.shm->chains[0].nhops = 1;
	c.shm->chains[0].hops[0] = 0;
	r1 = time_ns(route_pkt, &c);
	rb = time_ns(route_burst, &c);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		c.slot->nedges = 0;
		x1 = two_thread_wake(&c, &x0, &xb);
		s1 = two_thread_share(&s0);
	}

	printf("TSC %.3f GHz; ns, best of %d x %u, one thread, warm cache\n", tsc_per_ns, REPS,
	       ITERS);
	printf("wake      enqueue+dequeue of %d: %.2f ns; with dp_slot_wake(): %.2f ns "
	       "(+%.2f ns per burst, %.3f ns per packet)\n",
	       BURST, w0, w1, w1 - w0, (w1 - w0) / BURST);
	printf("pick      loop %.2f ns; 1 replica %.2f ns; 3 replicas (%% n) %.2f ns per packet\n",
	       p0, p1, p3);
	printf("edge      dp_slot_edge() found first %.2f ns, at the 8th %.2f ns per run\n", e1,
	       e8);
	printf("scan      nf_round()'s 64-slot walk %.2f ns per round (%.2f ns per packet of a "
	       "full burst)\n",
	       sc, sc / BURST);
	printf("counters  4 per packet: %.2f ns per burst (%.3f per packet); once per burst: "
	       "%.2f ns\n",
	       c4, c4 / BURST, c1);
	printf("route     dp_chain_next_live() per packet: %.2f ns per burst; once per burst: "
	       "%.2f ns (%.3f ns per packet saved)\n",
	       r1, rb, (r1 - rb) / BURST);
	printf("wake2     producer on CPU 0, consumer on CPU 1: enqueue of %d %.2f ns; with "
	       "dp_slot_wake() to a busy NF %.2f ns (+%.2f), to a shared-core NF (fence) %.2f ns "
	       "(+%.2f ns per burst)\n",
	       BURST, x0, xb, xb - x0, x1, x1 - x0);
	printf("share     1000 polls of a line: %.1f ns while the next line is written 1M/s, %.1f "
	       "ns while it is written: %.1f ns per write to the polled line\n",
	       s0, s1, s1 > 0 ? (s1 - s0) / (s1 / 1000.0) : 0.0);
	printf("{\"bench\":\"hotpath\",\"wake2_plain_ns\":%.2f,\"wake2_busy_ns\":%.2f,"
	       "\"wake2_ns\":%.2f,"
	       "\"share_sep_ns_per_1000\":%.1f,\"share_same_ns_per_1000\":%.1f,",
	       x0, xb, x1, s0, s1);
	printf("\"tsc_ghz\":%.3f,\"wake_ns_per_burst\":%.2f,"
	       "\"pick1_ns\":%.2f,\"pick3_ns\":%.2f,\"pick_loop_ns\":%.2f,\"edge1_ns\":%.2f,"
	       "\"edge8_ns\":%.2f,\"scan64_ns_per_round\":%.2f,\"counters4_ns_per_burst\":%.2f,"
	       "\"counters_burst_ns\":%.2f,\"route_pkt_ns_per_burst\":%.2f,"
	       "\"route_burst_ns\":%.2f}\n",
	       tsc_per_ns, w1 - w0, p1, p3, p0, e1, e8, sc, c4, c1, r1, rb);
	free(c.r);
	free(c.shm);
	return 0;
}
