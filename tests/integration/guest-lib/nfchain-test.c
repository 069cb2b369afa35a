// SPDX-License-Identifier: BSD-3-Clause
/*
 * End-to-end test of zero-copy NF chaining with real processes and real hugepages. This
 * program plays the datapath's part with the datapath's own NF module (datapath/nf.c): it is
 * the DPDK primary, creates the slots and a chain, starts the example NF binaries as secondary
 * processes, pushes packets through the chain and checks each one that comes out:
 *   - it is the very mbuf that went in, with the same buffer address (zero copy);
 *   - its bytes are exactly what the NFs should have made of them;
 *   - nothing is lost: every packet sent comes out, and the mempool is full again at the end.
 * With --kill-loop K it also kills (SIGKILL) the middle NF K times during traffic, restarts it
 * each time, and checks that the mempool still returns to its starting count: no leaked mbufs.
 *
 * With --abi-mismatch it only checks that an NF is refused, clearly, by a datapath whose
 * shared-memory ABI version differs from the one the NF was built with.
 *
 * usage: nfchain-test [--packets N] [--kill-loop K] [--swaps S] [--sleep] [--abi-mismatch]
 *                     NAME=BINARY...
 * Exits 77 (skipped) without root or hugepages.
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
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nf.h"

#define MAX_NFS     DP_MAX_HOPS
#define POOL_SIZE   4095
#define MAX_OUTSTND 512
#define ETHERTYPE   0x88b5

struct nf_proc {
	const char *name;
	const char *binary;
	pid_t pid;
	uint16_t slot;
};

static char prefix[64];
static struct nf_proc nfs[MAX_NFS];
static unsigned int n_nfs;
static int use_sleep;
static const char *stderr_file; /* where spawned NFs write stderr, when set */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pid_t
spawn_nf(unsigned int i)
{
	char lcores[32], name[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t pid;

	/* Distinct lcore ids per process (mempool caches are per lcore id), on the other CPU. */
	snprintf(lcores, sizeof(lcores), "%u@%ld", i + 1, ncpu > 1 ? 1L : 0L);
	snprintf(name, sizeof(name), "%s", nfs[i].name);
	pid = fork();
	if (pid == 0) {
		if (stderr_file && !freopen(stderr_file, "w", stderr))
			_exit(126);
		char *argv[] = {(char *)nfs[i].binary,
				"--proc-type=secondary",
				"--file-prefix",
				prefix,
				"--no-pci",
				"--lcores",
				lcores,
				"--log-level",
				"*:warning",
				"--",
				"--name",
				name,
				use_sleep ? "--sleep" : NULL,
				NULL};

		execv(nfs[i].binary, argv);
		perror(nfs[i].binary);
		_exit(127);
	}
	return pid;
}

/* Wait until every NF is attached (the datapath has its pidfd). Returns ms taken or -1. */
static int
wait_attached(struct dp_nf_table *t, unsigned int timeout_ms)
{
	uint64_t start = now_ns();

	while (now_ns() - start < (uint64_t)timeout_ms * 1000000u) {
		unsigned int up = 0;

		if (dp_nf_poll(t) < 0)
			return -1;
		for (unsigned int i = 0; i < n_nfs; i++)
			up += t->pidfd[nfs[i].slot] >= 0;
		if (up == n_nfs)
			return (int)((now_ns() - start) / 1000000u);
		for (unsigned int i = 0; i < n_nfs; i++) {
			int st;

			if (waitpid(nfs[i].pid, &st, WNOHANG) == nfs[i].pid) {
				fprintf(stderr, "NF '%s' exited early (status %d)\n", nfs[i].name,
					st);
				return -1;
			}
		}
		usleep(1000);
	}
	return -1;
}

struct traffic {
	uint64_t sent, received, bad, next_seq;
	struct rte_mbuf **sent_mbuf; /* by sequence number */
	void **sent_buf;             /* buf_addr by sequence number */
	uint64_t cap;
	int swaps;
};

static const struct rte_ether_addr mac_a = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct rte_ether_addr mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};

/* Send one burst of fresh packets into chain 0. */
static void
send_burst(struct dp_nf_table *t, struct traffic *tr, uint64_t limit)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned int n = DP_BURST_MAX;
	uint16_t nout;

	if (tr->next_seq + n > limit)
		n = (unsigned int)(limit - tr->next_seq);
	if (n == 0 || rte_pktmbuf_alloc_bulk(t->pool, pkts, n) != 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 64);
		uint64_t seq = tr->next_seq++;

		eh->dst_addr = mac_a;
		eh->src_addr = mac_b;
		eh->ether_type = rte_cpu_to_be_16(ETHERTYPE);
		memcpy(eh + 1, &seq, sizeof(seq));
		memset((char *)(eh + 1) + sizeof(seq), (int)(seq & 0xff), 64 - 14 - 8);
		if (seq < tr->cap) {
			tr->sent_mbuf[seq] = m;
			tr->sent_buf[seq] = m->buf_addr;
		}
	}
	tr->sent += n;
	dp_nf_deliver(t, 0, pkts, (uint16_t)n, &nout);
	if (nout)
		rte_pktmbuf_free_bulk(pkts, nout);
}

/* Check one packet that came out of the chain. */
static int
check_packet(struct dp_nf_table *t, struct traffic *tr, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ether_addr *want_dst = tr->swaps % 2 ? &mac_b : &mac_a;
	const struct rte_ether_addr *want_src = tr->swaps % 2 ? &mac_a : &mac_b;
	const uint8_t *payload = (const uint8_t *)(eh + 1);
	uint64_t seq;

	memcpy(&seq, payload, sizeof(seq));
	if (m->pkt_len != 64 || dp_nf_meta(t, m)->action != DP_ACT_OUT ||
	    !rte_is_same_ether_addr(&eh->dst_addr, want_dst) ||
	    !rte_is_same_ether_addr(&eh->src_addr, want_src) || seq >= tr->next_seq)
		return -1;
	for (unsigned int i = 8; i < 64 - 14; i++)
		if (payload[i] != (seq & 0xff))
			return -1;
	/* Zero copy: the same mbuf and the same buffer that went in. */
	if (seq < tr->cap && (tr->sent_mbuf[seq] != m || tr->sent_buf[seq] != m->buf_addr))
		return -1;
	return 0;
}

static void
collect(struct dp_nf_table *t, struct traffic *tr)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];

	for (unsigned int i = 0; i < n_nfs; i++) {
		uint16_t n = dp_nf_collect(t, nfs[i].slot, pkts, DP_BURST_MAX);

		for (uint16_t k = 0; k < n; k++) {
			if (check_packet(t, tr, pkts[k]) != 0 && tr->bad++ < 5)
				fprintf(stderr, "bad packet out of the chain\n");
		}
		tr->received += n;
		if (n)
			rte_pktmbuf_free_bulk(pkts, n);
	}
}

/* NF-side drops (all reasons) plus chain drops at delivery. */
static uint64_t
dropped(const struct dp_nf_table *t)
{
	uint64_t d = t->chain_stats[0].drop_full + t->chain_stats[0].drop_down + t->reclaimed;

	for (unsigned int i = 0; i < n_nfs; i++) {
		const struct dp_nf_stats *s = &t->shm->slots[nfs[i].slot].stats;

		d += s->drop_action + s->drop_full + s->drop_down + s->drop_bad;
	}
	return d;
}

/* Run traffic until 'limit' packets were sent and everything sent is accounted for. */
static int
run_traffic(struct dp_nf_table *t, struct traffic *tr, uint64_t limit, unsigned int timeout_ms)
{
	uint64_t start = now_ns();

	while (now_ns() - start < (uint64_t)timeout_ms * 1000000u) {
		if (tr->sent - tr->received - dropped(t) < MAX_OUTSTND)
			send_burst(t, tr, limit);
		collect(t, tr);
		dp_nf_poll(t);
		if (tr->sent == limit && tr->received + dropped(t) >= tr->sent)
			return 0;
	}
	return -ETIMEDOUT;
}

/*
 * An NF built for another shared-memory layout must be refused with a message that says so.
 * Pretends the datapath moved to the next ABI version and starts the first NF against it.
 */
static int
abi_mismatch_test(struct dp_nf_table *t)
{
	char path[] = "/tmp/nfchain-abi-XXXXXX", msg[512] = "";
	int fd = mkstemp(path), st = 0;
	FILE *f;

	if (fd < 0)
		return -1;
	close(fd);
	t->shm->abi_version = NFPATH_ABI_VERSION + 1;
	stderr_file = path;
	nfs[0].pid = spawn_nf(0);
	waitpid(nfs[0].pid, &st, 0);
	nfs[0].pid = 0;
	stderr_file = NULL;
	t->shm->abi_version = NFPATH_ABI_VERSION;
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(msg, 1, sizeof(msg) - 1, f);

		msg[n] = '\0';
		fclose(f);
	}
	unlink(path);
	printf("NF against ABI %d: exit %d, said: %s", NFPATH_ABI_VERSION + 1,
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, msg);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1 || !strstr(msg, "another ABI version") ||
	    t->shm->slots[nfs[0].slot].state != DP_NF_WAITING)
		return -1;
	return 0;
}

static void
stop_nfs(void)
{
	for (unsigned int i = 0; i < n_nfs; i++) {
		if (nfs[i].pid > 0) {
			kill(nfs[i].pid, SIGTERM);
			waitpid(nfs[i].pid, NULL, 0);
			nfs[i].pid = 0;
		}
	}
}

static int
skip_reason(void)
{
	FILE *f;
	unsigned long free_pages = 0;

	if (geteuid() != 0) {
		printf("SKIP: needs root for hugepages (run: sudo meson test)\n");
		return 1;
	}
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	if (f) {
		if (fscanf(f, "%lu", &free_pages) != 1)
			free_pages = 0;
		fclose(f);
	}
	if (free_pages < 64) {
		printf("SKIP: needs 64 free 2 MiB hugepages, %lu free (run: sudo scripts/setup.sh)\n",
		       free_pages);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t packets = 100000;
	unsigned int kill_loop = 0;
	int abi_test = 0;
	int swaps = -1, rc = 1, r, ms;
	struct dp_nf_table t;
	struct traffic tr = {0};
	struct rte_mempool *pool;
	const char *hops[MAX_NFS];
	unsigned int avail0;

	for (int i = 1; i < argc; i++) {
		char *eq;

		if (!strcmp(argv[i], "--packets") && i + 1 < argc)
			packets = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--kill-loop") && i + 1 < argc)
			kill_loop = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--swaps") && i + 1 < argc)
			swaps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sleep"))
			use_sleep = 1;
		else if (!strcmp(argv[i], "--abi-mismatch"))
			abi_test = 1;
		else if ((eq = strchr(argv[i], '=')) && n_nfs < MAX_NFS) {
			*eq = '\0';
			nfs[n_nfs].name = argv[i];
			nfs[n_nfs++].binary = eq + 1;
		} else {
			fprintf(stderr,
				"usage: %s [--packets N] [--kill-loop K] [--swaps S] [--abi-mismatch] "
				"[--sleep] NAME=BINARY...\n",
				argv[0]);
			return 2;
		}
	}
	if (n_nfs == 0 || swaps < 0) {
		fprintf(stderr, "%s: give at least one NAME=BINARY and --swaps\n", argv[0]);
		return 2;
	}
	if (skip_reason())
		return 77;

	snprintf(prefix, sizeof(prefix), "nfchain-test-%d", (int)getpid());
	{
		/*
		 * A fixed base far from where the kernel puts mmaps (0x7f...) and clear of ASan's
		 * shadow, so secondaries can map the same addresses however their own libraries
		 * landed.
		 */
		char *eal[] = {argv[0],           "--file-prefix", prefix,        "--no-pci",
			       "--lcores",        "0@0",           "--log-level", "*:warning",
			       "--base-virtaddr", "0x200000000000"};

		if (rte_eal_init(10, eal) < 0) {
			fprintf(stderr, "EAL init: %s\n", rte_strerror(rte_errno));
			return 1;
		}
	}
	pool = rte_pktmbuf_pool_create("nfchain_pool", POOL_SIZE, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || (r = dp_nf_table_init(&t, pool, (int)rte_socket_id())) < 0) {
		fprintf(stderr, "pool/table: %s\n", rte_strerror(rte_errno));
		goto out_eal;
	}
	for (unsigned int i = 0; i < n_nfs; i++) {
		r = dp_nf_slot_add(&t, nfs[i].name, NULL, 1024, (int)rte_socket_id(), -1,
				   &nfs[i].slot);
		if (r < 0) {
			fprintf(stderr, "slot '%s': %s\n", nfs[i].name, strerror(-r));
			goto out;
		}
		hops[i] = nfs[i].name;
	}
	r = dp_nf_chain_set(&t, 0, hops, n_nfs, 7, DP_ON_DOWN_DROP);
	if (r < 0) {
		fprintf(stderr, "chain: %s\n", strerror(-r));
		goto out;
	}
	avail0 = rte_mempool_avail_count(pool);
	if (abi_test) {
		if (abi_mismatch_test(&t) < 0) {
			fprintf(stderr,
				"FAIL: an NF for another ABI version was not refused clearly\n");
			goto out;
		}
		rc = 0;
		goto out;
	}
	for (unsigned int i = 0; i < n_nfs; i++)
		nfs[i].pid = spawn_nf(i);
	ms = wait_attached(&t, 20000);
	if (ms < 0) {
		fprintf(stderr, "FAIL: NFs did not attach within 20 s\n");
		goto out;
	}
	printf("%u NFs attached in %d ms\n", n_nfs, ms);

	tr.cap = packets;
	tr.swaps = swaps;
	tr.sent_mbuf = calloc(packets, sizeof(*tr.sent_mbuf));
	tr.sent_buf = calloc(packets, sizeof(*tr.sent_buf));
	if (!tr.sent_mbuf || !tr.sent_buf)
		goto out;

	if (kill_loop == 0) {
		uint64_t t0 = now_ns();

		if (run_traffic(&t, &tr, packets, 60000) < 0) {
			fprintf(stderr,
				"FAIL: traffic timed out: sent %" PRIu64 " received %" PRIu64
				" dropped %" PRIu64 "\n",
				tr.sent, tr.received, dropped(&t));
			goto out;
		}
		printf("sent %" PRIu64 " received %" PRIu64 " bad %" PRIu64 " dropped %" PRIu64
		       " in %.1f ms\n",
		       tr.sent, tr.received, tr.bad, dropped(&t), (now_ns() - t0) / 1e6);
		if (tr.received != packets || tr.bad != 0 || dropped(&t) != 0) {
			fprintf(stderr, "FAIL: every packet must come out intact\n");
			goto out;
		}
	} else {
		unsigned int victim = n_nfs / 2;
		uint64_t per_round = packets / kill_loop + 1;

		for (unsigned int k = 0; k < kill_loop; k++) {
			uint64_t limit = tr.sent + per_round;

			/* Half the round's traffic, then kill mid-stream, then the rest. */
			while (tr.sent < limit - per_round / 2) {
				send_burst(&t, &tr, limit);
				collect(&t, &tr);
			}
			kill(nfs[victim].pid, SIGKILL);
			waitpid(nfs[victim].pid, NULL, 0);
			while (t.pidfd[nfs[victim].slot] >= 0)
				dp_nf_poll(&t);
			nfs[victim].pid = spawn_nf(victim);
			if (wait_attached(&t, 20000) < 0) {
				fprintf(stderr, "FAIL: round %u: NF did not reattach\n", k);
				goto out;
			}
			if (run_traffic(&t, &tr, limit, 60000) < 0) {
				fprintf(stderr, "FAIL: round %u: traffic timed out\n", k);
				goto out;
			}
		}
		printf("%u kills: sent %" PRIu64 " received %" PRIu64 " reclaimed %" PRIu64
		       " dropped (all reasons) %" PRIu64 " bad %" PRIu64 " deaths seen %" PRIu64
		       "\n",
		       kill_loop, tr.sent, tr.received, t.reclaimed, dropped(&t), tr.bad, t.deaths);
		if (tr.bad != 0 || t.deaths != kill_loop || tr.received == 0) {
			fprintf(stderr, "FAIL: bad packets or missed deaths\n");
			goto out;
		}
	}
	stop_nfs();
	collect(&t, &tr);
	dp_nf_poll(&t);
	dp_nf_table_fini(&t);
	{
		unsigned int avail = rte_mempool_avail_count(pool);

		printf("mempool: %u free at start, %u free at end\n", avail0, avail);
		if (avail != avail0) {
			fprintf(stderr, "FAIL: %d mbufs leaked\n", (int)(avail0 - avail));
			goto out_pool;
		}
	}
	rc = 0;
	goto out_pool;
out:
	stop_nfs();
	dp_nf_table_fini(&t);
out_pool:
	rte_mempool_free(pool);
out_eal:
	free(tr.sent_mbuf);
	free(tr.sent_buf);
	rte_eal_cleanup();
	printf("%s\n", rc == 0 ? "PASS" : "FAIL");
	return rc;
}
