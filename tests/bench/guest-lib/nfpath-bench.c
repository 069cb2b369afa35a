// SPDX-License-Identifier: BSD-3-Clause
/*
 * Benchmark of zero-copy NF chaining (suite 'bench'; prints figures, asserts nothing about
 * speed). The generator (this process, the DPDK primary, on CPU 0) allocates packets, writes a
 * 64-byte header into each and feeds them to:
 *   floor:   a plain SPSC rte_ring read by another process (nf-bench --floor) that reads the
 *            header, prefetching as libnfpath does, and hands the packet back on a second SPSC
 *            ring; the generator frees what comes back, as it does for a chain. The same round
 *            trip as one NF with no nfpath code at all: the least any inter-process hop costs;
 *   nfpath:  a chain of 1, 2, 4 or 8 NF processes (nf-bench, libnfpath; all on CPU 1, in
 *            shared-core sleep mode when more than one), each reading the header; the
 *            generator collects the chain's egress and frees it.
 * For each it prints Mpps at the end of the path and the consumers' busy time per packet per
 * hop: TSC time spent on non-empty polls (receive, read, hand on) divided by packets,
 * counted the same way by the floor consumer and by libnfpath (dp_nf_stats.busy_cycles), so
 * idle polling is not counted; and CPU ns per packet: the CPU time the scheduler gave all
 * the consumer processes (/proc/PID/schedstat: idle polls, sleeps and yields included) per
 * packet out of the path, which bounds NFs sharing one CPU and is not inflated by other
 * programs' load. Every run passes traffic for --warmup S first, then counts for --seconds S.
 * Median and spread over --runs runs, then one JSON line. --paths picks floor and/or nfpath
 * (tests/bench/run.py runs one path and one run per call, interleaved with the peers).
 * --rate MPPS paces the generator (bursts spaced evenly) and --latency stamps each burst with
 * the TSC and records each packet's one-way time through the path (bench-lat.h).
 *
 * usage: nfpath-bench --nf PATH [--seconds S] [--warmup S] [--runs R] [--sizes 64,1500]
 *                     [--chains 1,2,4,8] [--paths floor,nfpath] [--rate MPPS] [--latency]
 *                     [--ring 1024] [--pool 16383]
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "bench-lat.h"
#include "bench-prefetch.h"
#include "nf.h"
#include "nfpath/dp-hop.h"

#define MAX_CHAIN 8
#define MAX_RUNS  9
#define BURST     32

static char prefix[64];
static const char *nf_binary;
static double seconds = 1.5, warmup = 0.2, rate_mpps;
static int runs = 3;
static bool latency;
static struct bench_lat lat; /* the current result's latencies (--latency) */
static bool has_prefetchw;
static unsigned int ring_size = 1024;  /* each NF slot's RX ring (--ring) */
static unsigned int pool_size = 16383; /* packets in the shared mempool (--pool) */

struct result {
	char config[16];
	unsigned int size, hops;
	double mpps[MAX_RUNS], ns_hop[MAX_RUNS], cpu_ns[MAX_RUNS];
	uint64_t drops;
	double p50, p99, p999, max; /* ns, over all runs (--latency) */
	uint64_t lat_n;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * CPU time the scheduler gave process 'pid' (its main thread, where the NF runs), in ns, from
 * /proc/PID/schedstat; 0 when unreadable. Unlike wall time it does not grow while other
 * programs hold the CPU, and unlike busy time it counts everything: idle polls, sleeps and
 * wakeups, yields.
 */
static uint64_t
cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

static pid_t
spawn(unsigned int lcore, const char *opt, const char *arg, int sleep_mode)
{
	char lcores[32];
	pid_t pid;

	snprintf(lcores, sizeof(lcores), "%u@%d", lcore, sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)nf_binary,
				"--proc-type=secondary",
				"--file-prefix",
				prefix,
				"--no-pci",
				"--lcores",
				lcores,
				"--log-level",
				"*:error",
				"--",
				(char *)opt,
				(char *)arg,
				sleep_mode ? "-s" : NULL,
				NULL};

		execv(nf_binary, argv);
		_exit(127);
	}
	return pid;
}

static void
stop_all(pid_t *pids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (unsigned int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

/* Allocate a burst of 'size'-byte packets with a 64-byte header written. */
static int
make_burst(struct rte_mempool *pool, struct rte_mbuf **pkts, unsigned int size, uint64_t seq)
{
	if (rte_pktmbuf_alloc_bulk(pool, pkts, BURST) != 0)
		return -ENOBUFS;
	bench_prefetch_burst_w(has_prefetchw, pkts, BURST);
	for (unsigned int i = 0; i < BURST; i++) {
		uint64_t *h = rte_pktmbuf_mtod(pkts[i], uint64_t *);

		pkts[i]->data_len = (uint16_t)size;
		pkts[i]->pkt_len = size;
		for (int w = 0; w < 8; w++)
			h[w] = seq + (uint64_t)w;
	}
	if (latency) {
		uint64_t now = rte_rdtsc();

		for (unsigned int i = 0; i < BURST; i++)
			*rte_pktmbuf_mtod(pkts[i], uint64_t *) = now;
	}
	return 0;
}

/* Free what came back (recording its latency with --latency, once 'measuring'). */
static void
collected(struct rte_mbuf **pkts, unsigned int n, bool measuring)
{
	if (latency && measuring) {
		uint64_t now = rte_rdtsc();

		for (unsigned int i = 0; i < n; i++)
			bench_lat_add(&lat, now, *rte_pktmbuf_mtod(pkts[i], const uint64_t *));
	}
	bench_prefetch_free(has_prefetchw, pkts, n);
	rte_pktmbuf_free_bulk(pkts, n);
}

static int
run_floor(struct rte_mempool *pool, unsigned int size, double *ret_mpps, double *ret_ns,
	  double *ret_cpu_ns)
{
	struct rte_ring *r = rte_ring_create("bench_floor", ring_size, (int)rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct rte_ring *back = rte_ring_create("bench_floor_back", ring_size, (int)rte_socket_id(),
						RING_F_SP_ENQ | RING_F_SC_DEQ);
	const struct rte_memzone *mz =
		rte_memzone_reserve("bench_floor_stats", 64, (int)rte_socket_id(), 0);
	struct rte_mbuf *pkts[BURST];
	uint64_t got = 0, seq = 0, t0, t_meas, t_end, *st, cpu = 0, busy0 = 0, pk0 = 0;
	struct bench_pace pace;
	bool measuring = false;
	pid_t pid;

	if (!r || !back || !mz)
		return -rte_errno;
	st = mz->addr;
	st[0] = st[1] = 0;
	pid = spawn(1, "-f", "bench_floor", 0);
	usleep(100000);
	bench_pace_init(&pace, rate_mpps, BURST);
	t0 = now_ns();
	t_meas = t0 + (uint64_t)(warmup * 1e9);
	t_end = t_meas + (uint64_t)(seconds * 1e9);
	for (uint64_t t = t0; t < t_end; t = now_ns()) {
		unsigned int n;

		if (!measuring && t >= t_meas) {
			measuring = true;
			t_meas = t;
			got = 0;
			cpu = cpu_ns(pid);
			busy0 = __atomic_load_n(&st[0], __ATOMIC_RELAXED);
			pk0 = __atomic_load_n(&st[1], __ATOMIC_RELAXED);
		}
		/* Feed only what fits, as for a chain. */
		if (rte_ring_free_count(r) >= BURST && bench_pace_ok(&pace, rte_rdtsc()) &&
		    make_burst(pool, pkts, size, seq) == 0) {
			seq += BURST;
			rte_ring_sp_enqueue_burst(r, (void **)pkts, BURST, NULL);
		}
		n = rte_ring_sc_dequeue_burst(back, (void **)pkts, BURST, NULL);
		if (n) {
			got += n;
			collected(pkts, n, measuring);
		}
	}
	*ret_mpps = (double)got / ((double)(now_ns() - t_meas) / 1e3);
	*ret_cpu_ns = got ? (double)(cpu_ns(pid) - cpu) / (double)got : 0;
	stop_all(&pid, 1);
	*ret_ns = st[1] - pk0 ? (double)(st[0] - busy0) * 1e9 / (double)rte_get_tsc_hz() /
					(double)(st[1] - pk0)
			      : 0;
	for (unsigned int n; (n = rte_ring_sc_dequeue_burst(r, (void **)pkts, BURST, NULL)) > 0;)
		rte_pktmbuf_free_bulk(pkts, n);
	for (unsigned int n; (n = rte_ring_sc_dequeue_burst(back, (void **)pkts, BURST, NULL)) > 0;)
		rte_pktmbuf_free_bulk(pkts, n);
	rte_memzone_free(mz);
	rte_ring_free(r);
	rte_ring_free(back);
	return 0;
}

/* The NFs' counters summed over slots 0 .. hops - 1. */
struct nf_sums {
	uint64_t drops, busy, pk, wakeups, retries;
};

static struct nf_sums
nf_sums(const struct dp_nf_table *t, unsigned int hops)
{
	struct nf_sums x = {0};

	for (unsigned int i = 0; i < hops; i++) {
		const struct dp_nf_stats *ns = &t->shm->slots[i].stats;

		x.drops += __atomic_load_n(&ns->drop_full, __ATOMIC_RELAXED);
		x.busy += __atomic_load_n(&ns->busy_cycles, __ATOMIC_RELAXED);
		x.pk += __atomic_load_n(&ns->rx, __ATOMIC_RELAXED);
		x.wakeups += __atomic_load_n(&ns->wakeups, __ATOMIC_RELAXED);
		x.retries += __atomic_load_n(&ns->retries, __ATOMIC_RELAXED);
	}
	return x;
}

static int
run_chain(struct dp_nf_table *t, unsigned int hops, unsigned int size, double *ret_mpps,
	  double *ret_ns, double *ret_cpu_ns, uint64_t *ret_drops)
{
	static const char *const names[MAX_CHAIN] = {"b0", "b1", "b2", "b3",
						     "b4", "b5", "b6", "b7"};
	struct rte_mbuf *pkts[BURST];
	pid_t pids[MAX_CHAIN];
	uint16_t last = (uint16_t)dp_nf_slot_find(t, names[hops - 1]);
	struct rte_ring *first;
	uint64_t got = 0, seq = 0, t0, t_meas, t_end, cpu = 0;
	struct nf_sums before = {0}, after;
	struct bench_pace pace;
	bool measuring = false;
	int r;

	r = dp_nf_chain_set(t, 0, names, hops, 0, DP_ON_DOWN_DROP);
	if (r < 0)
		return r;
	first = t->shm->slots[dp_nf_slot_find(t, names[0])].rx;
	for (unsigned int i = 0; i < hops; i++)
		pids[i] = spawn(i + 1, "-n", names[i], hops > 1);
	for (uint64_t start = now_ns(); now_ns() - start < 10000000000u;) {
		unsigned int up = 0;

		dp_nf_poll(t);
		for (unsigned int i = 0; i < hops; i++)
			up += dp_slot_up(&t->shm->slots[dp_nf_slot_find(t, names[i])]);
		if (up == hops)
			break;
		usleep(1000);
	}
	bench_pace_init(&pace, rate_mpps, BURST);
	t0 = now_ns();
	t_meas = t0 + (uint64_t)(warmup * 1e9);
	t_end = t_meas + (uint64_t)(seconds * 1e9);
	for (uint64_t t_now = t0; t_now < t_end; t_now = now_ns()) {
		uint16_t n, nout;

		if (!measuring && t_now >= t_meas) {
			measuring = true;
			t_meas = t_now;
			got = 0;
			before = nf_sums(t, hops);
			for (unsigned int i = 0; i < hops; i++)
				cpu -= cpu_ns(pids[i]);
		}
		/* Feed only what fits: measure the chain, not drops at its door. */
		if (rte_ring_free_count(first) >= BURST && bench_pace_ok(&pace, rte_rdtsc()) &&
		    make_burst(t->pool, pkts, size, seq) == 0) {
			seq += BURST;
			dp_nf_deliver(t, 0, pkts, BURST, &nout, NULL);
		}
		n = dp_nf_collect(t, last, pkts, BURST);
		if (n) {
			got += n;
			collected(pkts, n, measuring);
		}
	}
	*ret_mpps = (double)got / ((double)(now_ns() - t_meas) / 1e3);
	for (unsigned int i = 0; i < hops; i++)
		cpu += cpu_ns(pids[i]);
	*ret_cpu_ns = got ? (double)cpu / (double)got : 0;
	after = nf_sums(t, hops);
	stop_all(pids, hops);
	*ret_ns = after.pk - before.pk
			  ? (double)(after.busy - before.busy) * 1e9 / (double)rte_get_tsc_hz() /
				    (double)(after.pk - before.pk)
			  : 0;
	*ret_drops = after.drops - before.drops;
	fprintf(stderr,
		"    %u NFs: %" PRIu64 " packets through NFs, %" PRIu64 " wakeups, %" PRIu64
		" enqueue retries, %" PRIu64 " ring-full drops\n",
		hops, after.pk - before.pk, after.wakeups - before.wakeups,
		after.retries - before.retries, after.drops - before.drops);
	/* Drain what is left in the chain. */
	for (unsigned int i = 0; i < MAX_CHAIN; i++) {
		uint16_t n;

		while ((n = dp_nf_collect(t, (uint16_t)i, pkts, BURST)) > 0)
			rte_pktmbuf_free_bulk(pkts, n);
	}
	dp_nf_poll(t);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n, double *ret_spread)
{
	double s[MAX_RUNS];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	*ret_spread = s[n / 2] > 0 ? (s[n - 1] - s[0]) / 2 / s[n / 2] * 100 : 0;
	return s[n / 2];
}

static int
parse_list(const char *s, unsigned int *out, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		out[n++] = (unsigned int)strtoul(s, &end, 10);
		if (*end != ',' && *end != '\0')
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

int
main(int argc, char **argv)
{
	unsigned int sizes[4] = {64, 1500}, chains[4] = {1, 2, 4, 8};
	int nsizes = 2, nchains = 4, nres = 0;
	struct result res[64];
	struct dp_nf_table t;
	struct rte_mempool *pool;
	bool do_floor = true, do_nfpath = true;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--nf") && i + 1 < argc)
			nf_binary = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
			nsizes = parse_list(argv[++i], sizes, 4);
		else if (!strcmp(argv[i], "--chains") && i + 1 < argc)
			nchains = parse_list(argv[++i], chains, 4);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			warmup = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate_mpps = atof(argv[++i]);
		else if (!strcmp(argv[i], "--latency"))
			latency = true;
		else if (!strcmp(argv[i], "--paths") && i + 1 < argc) {
			const char *v = argv[++i];

			do_floor = strstr(v, "floor") != NULL;
			do_nfpath = strstr(v, "nfpath") != NULL;
			if (!do_floor && !do_nfpath)
				nsizes = -1;
		} else if (!strcmp(argv[i], "--ring") && i + 1 < argc)
			ring_size = (unsigned int)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--pool") && i + 1 < argc)
			pool_size = (unsigned int)strtoul(argv[++i], NULL, 10);
		else
			nsizes = -1;
	}
	if (!nf_binary || nsizes <= 0 || nchains <= 0 || runs < 1 || runs > MAX_RUNS ||
	    seconds <= 0 || warmup < 0 || rate_mpps < 0 || !rte_is_power_of_2(ring_size) ||
	    ring_size < 64 || ring_size > 65536 || pool_size < 1024) {
		fprintf(stderr,
			"usage: %s --nf PATH [--seconds S] [--warmup S] [--runs R (1-9)] "
			"[--sizes 64,1500] [--chains 1,2,4,8] [--paths floor,nfpath] "
			"[--rate MPPS] [--latency] [--ring 1024 (a power of 2, "
			"64-65536)] [--pool 16383 (at least 1024)]\n",
			argv[0]);
		return 2;
	}
	for (int i = 0; i < nchains; i++)
		if (chains[i] < 1 || chains[i] > MAX_CHAIN)
			return 2;
	if (geteuid() != 0) {
		printf("SKIP: needs root and hugepages (sudo scripts/setup.sh)\n");
		return 77;
	}
	has_prefetchw = dp_cpu_has_prefetchw();
	if (latency && bench_lat_init(&lat) < 0)
		return 1;
	snprintf(prefix, sizeof(prefix), "bench-nfpath-%d", (int)getpid());
	{
		char *eal[] = {argv[0],           "--file-prefix", prefix,        "--no-pci",
			       "--lcores",        "0@0",           "--log-level", "*:error",
			       "--base-virtaddr", "0x200000000000"};

		if (rte_eal_init(10, eal) < 0) {
			fprintf(stderr, "EAL init: %s\n", rte_strerror(rte_errno));
			return 1;
		}
	}
	pool = rte_pktmbuf_pool_create("bench_pool", pool_size, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || dp_nf_table_init(&t, pool, (int)rte_socket_id()) < 0) {
		fprintf(stderr, "pool/table: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (unsigned int i = 0; i < MAX_CHAIN; i++) {
		char name[8];
		uint16_t id;

		snprintf(name, sizeof(name), "b%u", i);
		if (dp_nf_slot_add(&t, name, NULL, ring_size, (int)rte_socket_id(), -1, &id) < 0)
			return 1;
	}

	for (int si = 0; si < nsizes; si++) {
		for (int ci = -1; ci < nchains; ci++) {
			struct result *rs;

			if (ci < 0 ? !do_floor : !do_nfpath)
				continue;
			rs = &res[nres++];
			memset(rs, 0, sizeof(*rs));
			snprintf(rs->config, sizeof(rs->config), ci < 0 ? "floor" : "nfpath-%u",
				 ci < 0 ? 1 : chains[ci]);
			rs->size = sizes[si];
			rs->hops = ci < 0 ? 1 : chains[ci];
			if (latency)
				bench_lat_reset(&lat);
			for (int r = 0; r < runs; r++) {
				uint64_t d = 0;

				if (ci < 0)
					run_floor(pool, sizes[si], &rs->mpps[r], &rs->ns_hop[r],
						  &rs->cpu_ns[r]);
				else
					run_chain(&t, chains[ci], sizes[si], &rs->mpps[r],
						  &rs->ns_hop[r], &rs->cpu_ns[r], &d);
				rs->drops += d;
				fprintf(stderr, "  %s %uB run %d: %.2f Mpps, %.1f CPU ns/pkt\n",
					rs->config, sizes[si], r, rs->mpps[r], rs->cpu_ns[r]);
			}
			if (latency && lat.n) {
				rs->lat_n = lat.n;
				rs->p50 = bench_lat_ns(&lat, 0.5);
				rs->p99 = bench_lat_ns(&lat, 0.99);
				rs->p999 = bench_lat_ns(&lat, 0.999);
				rs->max = (double)lat.max * 1e9 / (double)rte_get_tsc_hz();
			}
		}
	}

	printf("\n%-10s %6s %5s %12s %8s %14s %8s %10s %12s\n", "path", "bytes", "hops",
	       "Mpps(median)", "spread", "busy ns/pkt/hop", "spread", "ring-full", "CPU ns/pkt");
	for (int i = 0; i < nres; i++) {
		double sm, sn, sc, m = median(res[i].mpps, runs, &sm),
				   n = median(res[i].ns_hop, runs, &sn),
				   c = median(res[i].cpu_ns, runs, &sc);

		printf("%-10s %6u %5u %12.2f %7.0f%% %14.1f %7.0f%% %10" PRIu64 " %12.1f",
		       res[i].config, res[i].size, res[i].hops, m, sm, n, sn, res[i].drops, c);
		if (res[i].lat_n)
			printf("  latency p50 %.0f p99 %.0f p99.9 %.0f ns", res[i].p50, res[i].p99,
			       res[i].p999);
		printf("\n");
	}
	printf("\nCPU ns/pkt: CPU time of all the path's consumer processes (scheduler's count) per "
	       "packet out of the path.");
	printf("\nratios (median busy ns per hop, nfpath / floor):");
	for (int i = 0; i < nres; i++) {
		double s, floor_ns = 0;

		if (strcmp(res[i].config, "nfpath-1") || !do_floor)
			continue;
		for (int j = 0; j < nres; j++)
			if (!strcmp(res[j].config, "floor") && res[j].size == res[i].size)
				floor_ns = median(res[j].ns_hop, runs, &s);
		printf(" %uB %.2fx", res[i].size, median(res[i].ns_hop, runs, &s) / floor_ns);
	}
	printf("\n{\"bench\":\"nfpath-chain\",\"runs\":%d,\"seconds\":%.1f,\"warmup\":%.2f,"
	       "\"rate_mpps\":%.3f,\"ring\":%u,\"pool\":%u,\"results\":[",
	       runs, seconds, warmup, rate_mpps, ring_size, pool_size);
	for (int i = 0; i < nres; i++) {
		double sm, sn, sc, m = median(res[i].mpps, runs, &sm),
				   n = median(res[i].ns_hop, runs, &sn),
				   c = median(res[i].cpu_ns, runs, &sc);

		printf("%s{\"path\":\"%s\",\"bytes\":%u,\"hops\":%u,\"mpps\":%.3f,"
		       "\"mpps_spread_pct\":%.1f,\"busy_ns_per_pkt_hop\":%.2f,"
		       "\"busy_ns_spread_pct\":%.1f,\"ring_full_drops\":%" PRIu64 ","
		       "\"cpu_ns_per_pkt\":%.2f,\"cpu_ns_spread_pct\":%.1f",
		       i ? "," : "", res[i].config, res[i].size, res[i].hops, m, sm, n, sn,
		       res[i].drops, c, sc);
		if (res[i].lat_n)
			printf(",\"lat_n\":%" PRIu64 ",\"p50_ns\":%.0f,\"p99_ns\":%.0f,"
			       "\"p999_ns\":%.0f,\"max_ns\":%.0f",
			       res[i].lat_n, res[i].p50, res[i].p99, res[i].p999, res[i].max);
		printf("}");
	}
	printf("]}\n");
	free(lat.bin);
	dp_nf_table_fini(&t);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
