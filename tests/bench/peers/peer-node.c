// SPDX-License-Identifier: BSD-3-Clause
/*
 * One process of a peer benchmark (suite 'bench'): the jobs nfpath does, done with DPDK's own
 * devices (net_memif, net_vhost <-> net_virtio_user) so the figures can be compared.
 *
 *   gen   port 0 out, port 1 in (or --late-vdev, hot-plugged once --late-wait FILE exists):
 *         allocates packets, writes a 64-byte header into each (as nfpath-bench does), sends
 *         only what the port takes (the rest is kept and retried, never counted), collects
 *         what comes back; --warmup S after the first packet came back (the whole chain
 *         is up), it counts for --seconds S and prints Mpps. --rate MPPS paces it (bursts
 *         spaced evenly); --latency stamps each burst with the TSC in header word 0 and
 *         records each returning packet's one-way time (bench-lat.h, as nfpath-bench).
 *   hop   port 0 in, port 1 out: reads each packet's 64-byte header and sends it on (retries a
 *         full port, then frees and counts drops); --yield gives the CPU away (sched_yield)
 *         after every empty poll, for several hops sharing one CPU. Counts busy TSC cycles on
 *         non-empty bursts (the accounting of nfpath-bench) and prints them on SIGTERM.
 *   sink  port 0 in: counts packets for --seconds after the first one and --warmup.
 *
 * Every role prints one JSON line on stdout at the end. Ports are the EAL's --vdev devices in
 * order. The orchestrating scripts (peers-chain.py, peers-vm.py) start and stop these.
 *
 * usage: peer-node EAL-ARGS -- --role gen|hop|sink [--size B] [--seconds S] [--warmup S]
 *        [--rate MPPS] [--latency] [--yield] [--late-vdev NAME,ARGS --late-wait FILE] [--ready-file
 * FILE] [--linger]
 *
 * --linger: after the figures (or SIGUSR1, which stops polling), wait for SIGTERM before
 * closing the ports, so that no process of a chain polls a peer that is going away.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "bench-lat.h"
#include "bench-prefetch.h"

#define BURST 32
#define RING  1024

static volatile sig_atomic_t stop, quit;
static uint64_t sink_sum;

struct opts {
	const char *role, *late_vdev, *late_wait, *ready_file;
	unsigned int size;
	double seconds, warmup, rate;
	bool yield, linger, latency;
};

/* SIGUSR1: stop polling (and with --linger, stay until SIGTERM); SIGTERM/SIGINT: stop, exit. */
static void
on_signal(int sig)
{
	stop = 1;
	if (sig != SIGUSR1)
		quit = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--yield")) {
			o->yield = true;
			continue;
		}
		if (!strcmp(a, "--latency")) {
			o->latency = true;
			continue;
		}
		if (!strcmp(a, "--linger")) {
			o->linger = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "peer-node: option '%s' needs a value\n", a);
			return -EINVAL;
		}
		i++;
		if (!strcmp(a, "--role"))
			o->role = v;
		else if (!strcmp(a, "--size"))
			o->size = (unsigned int)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--seconds"))
			o->seconds = atof(v);
		else if (!strcmp(a, "--warmup"))
			o->warmup = atof(v);
		else if (!strcmp(a, "--rate"))
			o->rate = atof(v);
		else if (!strcmp(a, "--late-vdev"))
			o->late_vdev = v;
		else if (!strcmp(a, "--late-wait"))
			o->late_wait = v;
		else if (!strcmp(a, "--ready-file"))
			o->ready_file = v;
		else {
			fprintf(stderr, "peer-node: unknown option '%s'\n", a);
			return -EINVAL;
		}
	}
	if (!o->role ||
	    (strcmp(o->role, "gen") && strcmp(o->role, "hop") && strcmp(o->role, "sink"))) {
		fprintf(stderr, "peer-node: --role gen|hop|sink is required\n");
		return -EINVAL;
	}
	if (o->size < 64 || o->size > 2000 || o->seconds <= 0 || o->warmup < 0 || o->rate < 0) {
		fprintf(stderr,
			"peer-node: --size %u (64-2000), --seconds %.2f (> 0), --warmup %.2f\n",
			o->size, o->seconds, o->warmup);
		return -EINVAL;
	}
	return 0;
}

static int
port_up(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};
	int r;

	r = rte_eth_dev_configure(port, 1, 1, &conf);
	if (r == 0)
		r = rte_eth_rx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL, pool);
	if (r == 0)
		r = rte_eth_tx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL);
	if (r == 0)
		r = rte_eth_dev_start(port);
	if (r < 0)
		fprintf(stderr, "peer-node: port %u: setup failed: %s\n", port, rte_strerror(-r));
	return r;
}

static int
wait_links(double timeout)
{
	double t0 = now_s();
	uint16_t p;

	while (!stop && now_s() - t0 < timeout) {
		bool all = true;

		RTE_ETH_FOREACH_DEV(p)
		{
			struct rte_eth_link l;

			if (rte_eth_link_get_nowait(p, &l) != 0 || !l.link_status)
				all = false;
		}
		if (all)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "peer-node: links not up after %.0f s\n", timeout);
	return -ETIMEDOUT;
}

static uint64_t
read_header(const struct rte_mbuf *m)
{
	const uint64_t *p = rte_pktmbuf_mtod(m, const uint64_t *);
	uint64_t s = 0;

	for (int i = 0; i < 8; i++)
		s += p[i];
	return s;
}

static int
run_gen(const struct opts *o, struct rte_mempool *pool, uint16_t out, uint16_t in)
{
	struct rte_mbuf *pend[BURST], *rx[BURST];
	const bool prefetchw = dp_cpu_has_prefetchw();
	unsigned int npend = 0, off = 0;
	uint64_t seq = 0, sent = 0, got = 0, got0 = 0, sent0 = 0, loops = 0;
	/* Warm-up starts when the first packet has come back: every hop is up by then. */
	double t0 = now_s(), t_first = 0, t_meas = 0, t = t0;
	struct bench_lat lat = {0};
	struct bench_pace pace;

	if (o->latency && bench_lat_init(&lat) < 0)
		return 1;
	bench_pace_init(&pace, o->rate, BURST);
	while (!stop) {
		uint16_t n;

		if (npend == 0 && bench_pace_ok(&pace, rte_rdtsc()) &&
		    rte_pktmbuf_alloc_bulk(pool, pend, BURST) == 0) {
			bench_prefetch_burst_w(prefetchw, pend, BURST);
			for (unsigned int i = 0; i < BURST; i++) {
				uint64_t *h = rte_pktmbuf_mtod(pend[i], uint64_t *);

				pend[i]->data_len = (uint16_t)o->size;
				pend[i]->pkt_len = o->size;
				for (int w = 0; w < 8; w++)
					h[w] = seq + (uint64_t)w;
				seq++;
			}
			if (o->latency) {
				uint64_t now = rte_rdtsc();

				for (unsigned int i = 0; i < BURST; i++)
					*rte_pktmbuf_mtod(pend[i], uint64_t *) = now;
			}
			npend = BURST;
			off = 0;
		}
		if (npend) {
			n = rte_eth_tx_burst(out, 0, pend + off, (uint16_t)npend);
			off += n;
			npend -= n;
			sent += n;
		}
		n = rte_eth_rx_burst(in, 0, rx, BURST);
		if (n) {
			got += n;
			if (o->latency && t_meas > 0) {
				uint64_t now = rte_rdtsc();

				for (uint16_t i = 0; i < n; i++)
					bench_lat_add(&lat, now,
						      *rte_pktmbuf_mtod(rx[i], const uint64_t *));
			}
			bench_prefetch_free(prefetchw, rx, n);
			rte_pktmbuf_free_bulk(rx, n);
		}
		if ((++loops & 63) != 0)
			continue;
		t = now_s();
		if (t_first == 0 && got) {
			t_first = t;
		} else if (t_first == 0 && t - t0 > 30) {
			fprintf(stderr, "peer-node: gen: nothing came back in 30 s\n");
			break;
		} else if (t_first > 0 && t_meas == 0 && t >= t_first + o->warmup) {
			t_meas = t;
			got0 = got;
			sent0 = sent;
		} else if (t_meas > 0 && t >= t_meas + o->seconds) {
			break;
		}
	}
	if (npend)
		rte_pktmbuf_free_bulk(pend + off, npend);
	t = now_s();
	printf("{\"role\":\"gen\",\"bytes\":%u,\"seconds\":%.3f,\"rx\":%" PRIu64 ",\"tx\":%" PRIu64
	       ",\"mpps\":%.3f,\"tx_mpps\":%.3f,\"first_back_s\":%.3f",
	       o->size, t_meas > 0 ? t - t_meas : 0.0, got - got0, sent - sent0,
	       t_meas > 0 ? (double)(got - got0) / (t - t_meas) / 1e6 : 0.0,
	       t_meas > 0 ? (double)(sent - sent0) / (t - t_meas) / 1e6 : 0.0,
	       t_first > 0 ? t_first - t0 : -1.0);
	bench_lat_json(stdout, &lat);
	printf("}\n");
	free(lat.bin);
	return t_meas > 0 && got > got0 ? 0 : 1;
}

static int
run_hop(const struct opts *o, uint16_t in, uint16_t out)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t rx = 0, tx = 0, drops = 0, busy = 0, s = 0;

	while (!stop) {
		/* Busy time: the whole non-empty poll, receive included (as nfpath-bench counts).
		 */
		uint64_t t0 = rte_rdtsc();
		uint16_t n = rte_eth_rx_burst(in, 0, pkts, BURST), k = 0;

		if (!n) {
			if (o->yield)
				sched_yield();
			continue;
		}
		for (uint16_t i = 0; i < n; i++)
			s += read_header(pkts[i]);
		for (int tries = 0; k < n && tries < 1000 && !stop; tries++) {
			k += rte_eth_tx_burst(out, 0, pkts + k, (uint16_t)(n - k));
			if (k < n) {
				if (o->yield)
					sched_yield();
				else
					rte_pause();
			}
		}
		if (k < n) {
			rte_pktmbuf_free_bulk(pkts + k, n - k);
			drops += n - k;
		}
		rx += n;
		tx += k;
		busy += rte_rdtsc() - t0;
	}
	sink_sum = s;
	printf("{\"role\":\"hop\",\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"drops\":%" PRIu64
	       ",\"busy_cycles\":%" PRIu64 ",\"tsc_hz\":%" PRIu64 ",\"busy_ns_per_pkt\":%.2f}\n",
	       rx, tx, drops, busy, rte_get_tsc_hz(),
	       rx ? (double)busy * 1e9 / (double)rte_get_tsc_hz() / (double)rx : 0.0);
	return 0;
}

static int
run_sink(const struct opts *o, uint16_t in)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t got = 0, got0 = 0, loops = 0;
	double t0 = now_s(), t_first = 0, t_meas = 0, t = t0;

	while (!stop) {
		uint16_t n = rte_eth_rx_burst(in, 0, pkts, BURST);

		if (n) {
			got += n;
			rte_pktmbuf_free_bulk(pkts, n);
		}
		if ((++loops & 63) == 0) {
			t = now_s();
			if (got && t_first == 0) {
				t_first = t;
			} else if (t_first > 0 && t_meas == 0 && t >= t_first + o->warmup) {
				t_meas = t;
				got0 = got;
			} else if (t_meas > 0 && t >= t_meas + o->seconds) {
				break;
			} else if (t_first == 0 && t - t0 > 30) {
				fprintf(stderr, "peer-node: sink: no packet in 30 s\n");
				break;
			}
		}
	}
	t = now_s();
	printf("{\"role\":\"sink\",\"seconds\":%.3f,\"rx\":%" PRIu64 ",\"mpps\":%.3f}\n",
	       t_meas > 0 ? t - t_meas : 0.0, got - got0,
	       t_meas > 0 ? (double)(got - got0) / (t - t_meas) / 1e6 : 0.0);
	return t_meas > 0 && got > got0 ? 0 : 1;
}

static int
late_port(const struct opts *o, struct rte_mempool *pool, uint16_t *ret_port)
{
	char name[64];
	const char *comma = strchr(o->late_vdev, ',');
	size_t len = comma ? (size_t)(comma - o->late_vdev) : strlen(o->late_vdev);
	double t0 = now_s();
	int r;

	if (len >= sizeof(name))
		return -EINVAL;
	memcpy(name, o->late_vdev, len);
	name[len] = '\0';
	while (o->late_wait && access(o->late_wait, F_OK) != 0) {
		if (stop || now_s() - t0 > 60) {
			fprintf(stderr, "peer-node: %s did not appear in 60 s\n", o->late_wait);
			return -ETIMEDOUT;
		}
		usleep(5000);
	}
	r = rte_eal_hotplug_add("vdev", name, comma ? comma + 1 : "");
	if (r < 0) {
		fprintf(stderr, "peer-node: hot-plug of '%s' failed: %s\n", o->late_vdev,
			rte_strerror(-r));
		return r;
	}
	r = rte_eth_dev_get_port_by_name(name, ret_port);
	if (r < 0)
		return r;
	return port_up(*ret_port, pool);
}

int
main(int argc, char **argv)
{
	struct opts o = {.size = 64, .seconds = 2, .warmup = 0.5};
	struct rte_mempool *pool;
	uint16_t nports, late = RTE_MAX_ETHPORTS, p;
	int r;

	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "peer-node: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= r;
	argv += r;
	if (parse(argc, argv, &o) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	/* A vhost-user peer that already left must not kill us while we close (EPIPE instead). */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0); /* the JSON line survives a later kill */
	pool = rte_pktmbuf_pool_create("peer_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "peer-node: mempool: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	r = 0;
	RTE_ETH_FOREACH_DEV(p)
	{
		if (r == 0)
			r = port_up(p, pool);
	}
	nports = rte_eth_dev_count_avail();
	if (r == 0 && o.ready_file) {
		FILE *f = fopen(o.ready_file, "w");

		if (f)
			fclose(f);
	}
	if (r == 0 && o.late_vdev)
		r = late_port(&o, pool, &late);
	if (r == 0)
		r = wait_links(30);
	if (r == 0) {
		if (!strcmp(o.role, "gen") && (nports == 2 || (nports == 1 && o.late_vdev)))
			r = run_gen(&o, pool, 0, o.late_vdev ? late : 1);
		else if (!strcmp(o.role, "hop") && nports == 2)
			r = run_hop(&o, 0, 1);
		else if (!strcmp(o.role, "sink") && nports == 1)
			r = run_sink(&o, 0);
		else {
			fprintf(stderr,
				"peer-node: role %s with %u ports: gen and hop need 2, sink 1\n",
				o.role, nports);
			r = 2;
		}
	} else {
		r = 1;
	}
	/*
	 * Closing a port tears down its peer's shared rings (memif unmaps them from the control
	 * thread while the peer may still poll): with --linger every process of a chain first
	 * stops polling (SIGUSR1), and only then are they all told to exit.
	 */
	while (o.linger && !quit)
		usleep(10000);
	RTE_ETH_FOREACH_DEV(p)
	{
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_mempool_free(pool);
	rte_eal_cleanup();
	fflush(stdout);
	return r;
}
