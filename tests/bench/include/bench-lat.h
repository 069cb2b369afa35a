/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One-way latency and pacing for the benchmarks' generators (nfpath-bench, peer-node --role
 * gen), shared so that both measure the same way. The generator writes its TSC into word 0 of
 * the 64-byte header of each packet just before it hands the burst on; the same process (same
 * TSC) reads it back when the packet returns from the last hop, so 'now - stamp' is the time
 * through the whole path, the generator's own hand-off and collection included.
 *
 * The histogram is log-linear: exact below 64 cycles, then 32 bins per power of two (each
 * within 3% of its value) up to 2^44 cycles, so a quantile is exact to 3% however long a
 * preemption on this shared machine held a packet.
 * Pacing spaces bursts by BURST / rate, so an offered rate below the path's maximum gives the
 * latency of a path that is not queueing.
 */
#ifndef NFPATH_BENCH_LAT_H
#define NFPATH_BENCH_LAT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>

#define BENCH_LAT_SUB  32
#define BENCH_LAT_BINS (64 + 40 * BENCH_LAT_SUB)

struct bench_lat {
	uint64_t n;
	uint64_t max;
	uint32_t *bin; /* BENCH_LAT_BINS counters, from calloc */
};

static inline int
bench_lat_init(struct bench_lat *l)
{
	l->n = 0;
	l->max = 0;
	l->bin = calloc(BENCH_LAT_BINS, sizeof(*l->bin));
	return l->bin ? 0 : -1;
}

static inline void
bench_lat_reset(struct bench_lat *l)
{
	for (uint32_t i = 0; i < BENCH_LAT_BINS; i++)
		l->bin[i] = 0;
	l->n = 0;
	l->max = 0;
}

/* Bin of d cycles: d itself below 64; else 32 bins per power of two. */
static inline uint32_t
bench_lat_bin(uint64_t d)
{
	uint32_t msb, shift, b;

	if (d < 64)
		return (uint32_t)d;
	msb = 63u - (uint32_t)__builtin_clzll(d);
	shift = msb - 5; /* d >> shift is in [32, 64) */
	b = 64 + (shift - 1) * BENCH_LAT_SUB + (uint32_t)((d >> shift) - 32);
	return b < BENCH_LAT_BINS ? b : BENCH_LAT_BINS - 1;
}

/* The largest value (cycles) that falls in bin b. */
static inline uint64_t
bench_lat_bin_top(uint32_t b)
{
	uint32_t shift;

	if (b < 64)
		return b;
	shift = (b - 64) / BENCH_LAT_SUB + 1;
	return ((uint64_t)((b - 64) % BENCH_LAT_SUB + 32 + 1) << shift) - 1;
}

static inline void
bench_lat_add(struct bench_lat *l, uint64_t now, uint64_t stamp)
{
	uint64_t d = now - stamp;

	l->bin[bench_lat_bin(d)]++;
	l->n++;
	if (d > l->max)
		l->max = d;
}

/* The q-quantile (0 < q < 1) in ns: the top of the bin holding it (at most the maximum). */
static inline double
bench_lat_ns(const struct bench_lat *l, double q)
{
	uint64_t want = (uint64_t)((double)l->n * q), seen = 0;

	if (!l->n)
		return 0;
	for (uint32_t i = 0; i < BENCH_LAT_BINS; i++) {
		seen += l->bin[i];
		if (seen > want) {
			uint64_t top = bench_lat_bin_top(i);

			return (double)(top < l->max ? top : l->max) * 1e9 /
			       (double)rte_get_tsc_hz();
		}
	}
	return (double)l->max * 1e9 / (double)rte_get_tsc_hz();
}

/* ,"lat_n":N,"p50_ns":..,"p99_ns":..,"p999_ns":..,"max_ns":.. (nothing when no samples) */
static inline void
bench_lat_json(FILE *f, const struct bench_lat *l)
{
	if (!l->bin || !l->n)
		return;
	fprintf(f,
		",\"lat_n\":%llu,\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f",
		(unsigned long long)l->n, bench_lat_ns(l, 0.5), bench_lat_ns(l, 0.99),
		bench_lat_ns(l, 0.999), (double)l->max * 1e9 / (double)rte_get_tsc_hz());
}

/* Pacing: may the next burst of 'burst' packets go at TSC 'now'? rate_mpps 0: always. */
struct bench_pace {
	uint64_t next, gap;
};

static inline void
bench_pace_init(struct bench_pace *p, double rate_mpps, unsigned int burst)
{
	p->next = 0;
	p->gap = rate_mpps > 0
			 ? (uint64_t)((double)burst * (double)rte_get_tsc_hz() / (rate_mpps * 1e6))
			 : 0;
}

static inline int
bench_pace_ok(struct bench_pace *p, uint64_t now)
{
	if (!p->gap)
		return 1;
	if (now < p->next)
		return 0;
	/* A late burst does not earn a catch-up train: the offered rate stays smooth. */
	p->next = (p->next + p->gap > now) ? p->next + p->gap : now + p->gap;
	return 1;
}

#endif
