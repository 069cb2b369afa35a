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
 * With --udp-flows F the frames are IPv4/UDP over F flows; --deny PREFIX names the sources a
 * firewall in the chain denies (they must never come out, and be counted as NF drops), and
 * --counter-dump FILE is nf-counter's dump to check flow by flow; --lb-backends lists the MACs
 * of an nf-lb in the chain (each flow must keep one backend, and every backend get flows). NF
 * options follow the binary, '+'-separated: fw=nf-firewall+--rules+rules.json
 *
 * usage: nfchain-test [--packets N] [--kill-loop K] [--swaps S] [--sleep] [--abi-mismatch]
 *                     [--udp-flows F [--deny A.B.C.D/LEN] [--counter-dump FILE]
 *                      [--lb-backends MAC,MAC...]]
 *                     NAME[@SERVICE]=BINARY[+OPTION+VALUE...]...
 * NAME@SERVICE makes NAME a replica of SERVICE: the chain visits each service once, and a
 * symmetric flow hash picks the replica, so each flow must be counted by exactly one
 * nf-counter replica (give each a --counter-dump).
 * Exits 77 (skipped) without root or hugepages.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
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
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nf.h"

#define MAX_NFS     DP_NF_MAX_HOPS
#define POOL_SIZE   4095
#define MAX_OUTSTND 512
#define ETHERTYPE   0x88b5

struct nf_proc {
	const char *name;
	const char *service; /* NAME@SERVICE: a replica of SERVICE; else its own name */
	const char *binary;
	char *extra[8]; /* NF options after --name, from NAME=BINARY+OPT+VALUE... */
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
		char *argv[32] = {(char *)nfs[i].binary,
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
				  name};
		int argc = 12;

		if (use_sleep)
			argv[argc++] = "--sleep";
		for (int k = 0; k < 8 && nfs[i].extra[k]; k++)
			argv[argc++] = nfs[i].extra[k];
		argv[argc] = NULL;
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

static const struct rte_ether_addr mac_a = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct rte_ether_addr mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};

#define FRAME_LEN 64

/*
 * The 64-byte frame with sequence number 'seq': raw (ethertype 0x88b5, the sequence, a fill
 * pattern), or with --udp-flows F, IPv4/UDP from 10.0.0.(1 + seq % F):(1000 + seq % F) to
 * 10.0.1.1:53 carrying the sequence and the pattern.
 */
static void
fill_frame(uint8_t *p, uint64_t seq, unsigned int udp_flows)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	uint8_t *payload = (uint8_t *)(eh + 1);
	size_t plen = FRAME_LEN - sizeof(*eh);

	eh->dst_addr = mac_a;
	eh->src_addr = mac_b;
	eh->ether_type = rte_cpu_to_be_16(udp_flows ? RTE_ETHER_TYPE_IPV4 : ETHERTYPE);
	if (udp_flows) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)payload;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		uint32_t flow = (uint32_t)(seq % udp_flows);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)plen);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(0x0a000001 + flow);
		ip->dst_addr = rte_cpu_to_be_32(0x0a000101);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->src_port = rte_cpu_to_be_16((uint16_t)(1000 + flow));
		udp->dst_port = rte_cpu_to_be_16(53);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(plen - sizeof(*ip)));
		udp->dgram_cksum = 0;
		payload = (uint8_t *)(udp + 1);
		plen -= sizeof(*ip) + sizeof(*udp);
	}
	memcpy(payload, &seq, sizeof(seq));
	memset(payload + sizeof(seq), (int)(seq & 0xff), plen - sizeof(seq));
}

/* Sequence number carried by a frame made by fill_frame(). */
static uint64_t
frame_seq(const uint8_t *p, unsigned int udp_flows)
{
	uint64_t seq;

	memcpy(&seq, p + sizeof(struct rte_ether_hdr) + (udp_flows ? 28 : 0), sizeof(seq));
	return seq;
}

struct traffic {
	uint64_t sent, received, bad, next_seq, denied_sent;
	struct rte_mbuf **sent_mbuf; /* by sequence number */
	void **sent_buf;             /* buf_addr by sequence number */
	uint64_t cap;
	int swaps;
	unsigned int udp_flows;       /* 0: raw frames */
	uint32_t deny_net, deny_mask; /* flows the firewall under test denies (mask 0: none) */
	/* With a load balancer in the chain: its backend MACs, and the backend each flow got. */
	struct rte_ether_addr lb_mac[8];
	unsigned int n_lb;
	int8_t flow_backend[1024];
	uint64_t backend_pkts[8];
};

static bool
is_denied(const struct traffic *tr, uint64_t seq)
{
	uint32_t src = 0x0a000001 + (uint32_t)(seq % (tr->udp_flows ? tr->udp_flows : 1));

	return tr->udp_flows && tr->deny_mask && (src & tr->deny_mask) == tr->deny_net;
}

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
		uint64_t seq = tr->next_seq++;

		fill_frame((uint8_t *)rte_pktmbuf_append(m, FRAME_LEN), seq, tr->udp_flows);
		tr->denied_sent += is_denied(tr, seq);
		if (seq < tr->cap) {
			tr->sent_mbuf[seq] = m;
			tr->sent_buf[seq] = m->buf_addr;
		}
	}
	tr->sent += n;
	dp_nf_deliver(t, 0, pkts, (uint16_t)n, &nout, NULL);
	if (nout)
		rte_pktmbuf_free_bulk(pkts, nout);
}

/* Check one packet that came out of the chain: exactly the bytes expected, the same mbuf. */
static int
check_packet(struct dp_nf_table *t, struct traffic *tr, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t want[FRAME_LEN];
	uint64_t seq;

	if (m->pkt_len != FRAME_LEN || dp_nf_meta(t, m)->action != DP_ACT_OUT)
		return -1;
	seq = frame_seq(p, tr->udp_flows);
	if (seq >= tr->next_seq || is_denied(tr, seq))
		return -1;
	fill_frame(want, seq, tr->udp_flows);
	if (tr->n_lb) {
		/* The balancer rewrote the destination: one of its backends, always the same one
		 * for a flow. */
		const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)p;
		unsigned int flow = (unsigned int)(seq % tr->udp_flows), b;

		for (b = 0; b < tr->n_lb; b++)
			if (rte_is_same_ether_addr(&eh->dst_addr, &tr->lb_mac[b]))
				break;
		if (b == tr->n_lb || flow >= 1024)
			return -1;
		if (tr->flow_backend[flow] < 0)
			tr->flow_backend[flow] = (int8_t)b;
		else if (tr->flow_backend[flow] != (int8_t)b)
			return -1;
		tr->backend_pkts[b]++;
		((struct rte_ether_hdr *)want)->dst_addr = tr->lb_mac[b];
	}
	if (tr->swaps % 2) {
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)want;

		eh->dst_addr = mac_b;
		eh->src_addr = mac_a;
	}
	if (memcmp(p, want, FRAME_LEN) != 0)
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

/* Drops the NFs decided (DP_ACT_DROP), over all NFs. */
static uint64_t
nf_decisions(const struct dp_nf_table *t)
{
	uint64_t d = 0;

	for (unsigned int i = 0; i < n_nfs; i++)
		d += t->shm->slots[nfs[i].slot].stats.drop_action;
	return d;
}

/*
 * nf-counter's --dump file: one JSON line per flow. Its flows must be exactly the allowed
 * ones and its packet counts must add up to what came out of the chain.
 */
static int
check_counter_dump(const char *const *paths, unsigned int n_paths, const struct traffic *tr)
{
	char seen[1024][16]; /* each flow's source, to find a flow counted by two replicas */
	uint64_t pkts = 0, want_flows = 0;
	unsigned int flows = 0;

	for (unsigned int k = 0; k < n_paths; k++) {
		FILE *f = fopen(paths[k], "r");
		char line[512], src[16];
		unsigned int here = 0;

		if (!f) {
			fprintf(stderr, "FAIL: no counter dump '%s'\n", paths[k]);
			return -1;
		}
		while (fgets(line, sizeof(line), f)) {
			const char *p = strstr(line, "\"packets\":");
			unsigned long long n;

			if (!p || sscanf(p, "\"packets\":%llu", &n) != 1 ||
			    sscanf(line, "{\"src\":\"%15[^\"]", src) != 1 || flows >= 1024) {
				fclose(f);
				fprintf(stderr, "FAIL: counter dump line: %s", line);
				return -1;
			}
			for (unsigned int j = 0; j < flows; j++) {
				if (!strcmp(seen[j], src)) {
					fclose(f);
					fprintf(stderr,
						"FAIL: flow from %s counted by two replicas\n",
						src);
					return -1;
				}
			}
			snprintf(seen[flows], sizeof(seen[flows]), "%s", src);
			pkts += n;
			flows++;
			here++;
		}
		fclose(f);
		printf("nf-counter dump %u: %u flows\n", k, here);
	}
	for (uint64_t fl = 0; fl < tr->udp_flows; fl++)
		want_flows += !is_denied(tr, fl);
	printf("nf-counter dumps: %u flows, %" PRIu64 " packets (expected %" PRIu64
	       " flows, %" PRIu64 " packets)\n",
	       flows, pkts, want_flows, tr->received);
	if (flows != want_flows || pkts != tr->received) {
		fprintf(stderr, "FAIL: nf-counter's per-flow counters do not match\n");
		return -1;
	}
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
	const char *counter_dump[MAX_NFS];
	unsigned int n_dumps = 0;
	int swaps = -1, rc = 1, r, ms;
	struct dp_nf_table t;
	struct traffic tr = {0};
	struct rte_mempool *pool;
	const char *hops[MAX_NFS];
	unsigned int n_hops = 0;
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
		else if (!strcmp(argv[i], "--lb-backends") && i + 1 < argc) {
			char *save = NULL, *tok;

			for (tok = strtok_r(argv[++i], ",", &save); tok && tr.n_lb < 8;
			     tok = strtok_r(NULL, ",", &save))
				if (rte_ether_unformat_addr(tok, &tr.lb_mac[tr.n_lb++]) != 0)
					return 2;
		} else if (!strcmp(argv[i], "--counter-dump") && i + 1 < argc && n_dumps < MAX_NFS)
			counter_dump[n_dumps++] = argv[++i];
		else if (!strcmp(argv[i], "--udp-flows") && i + 1 < argc)
			tr.udp_flows = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--deny") && i + 1 < argc) {
			unsigned int a, b, c, d, len;

			if (sscanf(argv[++i], "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len) != 5 ||
			    len == 0 || len > 32)
				return 2;
			tr.deny_mask = ~0u << (32 - len);
			tr.deny_net = (a << 24 | b << 16 | c << 8 | d) & tr.deny_mask;
		} else if ((eq = strchr(argv[i], '=')) && n_nfs < MAX_NFS) {
			char *save = NULL, *tok;
			int k = 0;

			char *at;

			*eq = '\0';
			nfs[n_nfs].name = argv[i];
			nfs[n_nfs].service = argv[i];
			if ((at = strchr(argv[i], '@'))) {
				*at = '\0';
				nfs[n_nfs].service = at + 1;
			}
			nfs[n_nfs].binary = strtok_r(eq + 1, "+", &save);
			while ((tok = strtok_r(NULL, "+", &save)) && k < 7)
				nfs[n_nfs].extra[k++] = tok;
			n_nfs++;
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
		bool seen = false;

		r = dp_nf_slot_add(&t, nfs[i].name, nfs[i].service, 1024, (int)rte_socket_id(), -1,
				   &nfs[i].slot);
		if (r < 0) {
			fprintf(stderr, "slot '%s': %s\n", nfs[i].name, strerror(-r));
			goto out;
		}
		/* The chain's hops are the services, in the order they first appear. */
		for (unsigned int k = 0; k < n_hops; k++)
			seen |= !strcmp(hops[k], nfs[i].service);
		if (!seen)
			hops[n_hops++] = nfs[i].service;
	}
	r = dp_nf_chain_set(&t, 0, hops, n_hops, 7, DP_ON_DOWN_DROP);
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

	memset(tr.flow_backend, -1, sizeof(tr.flow_backend));
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
		if (tr.received != packets - tr.denied_sent || tr.bad != 0 ||
		    dropped(&t) != tr.denied_sent || nf_decisions(&t) != tr.denied_sent) {
			fprintf(stderr,
				"FAIL: every allowed packet must come out intact, every denied "
				"one dropped by an NF (denied sent %" PRIu64 ")\n",
				tr.denied_sent);
			goto out;
		}
		/* A balancer must have used every backend (the flows are many more). */
		for (unsigned int b = 0; b < tr.n_lb; b++) {
			printf("backend %u: %" PRIu64 " packets\n", b, tr.backend_pkts[b]);
			if (tr.backend_pkts[b] == 0) {
				fprintf(stderr, "FAIL: backend %u got no flow\n", b);
				goto out;
			}
		}
		/* Each hop (all its replicas) saw exactly what the hops before it let through. */
		for (unsigned int h = 0, expect = (unsigned int)packets; h < n_hops; h++) {
			uint64_t rx = 0, dropped_here = 0;
			unsigned int used = 0;

			for (unsigned int i = 0; i < n_nfs; i++) {
				const struct dp_nf_stats *st = &t.shm->slots[nfs[i].slot].stats;

				if (strcmp(nfs[i].service, hops[h]))
					continue;
				rx += st->rx;
				dropped_here += st->drop_action;
				used += st->rx > 0;
			}
			if (rx != expect) {
				fprintf(stderr,
					"FAIL: hop '%s' received %" PRIu64 ", expected %u\n",
					hops[h], rx, expect);
				goto out;
			}
			printf("hop '%s': %" PRIu64 " packets over %u busy replica(s)\n", hops[h],
			       rx, used);
			expect -= (unsigned int)dropped_here;
		}
		if (n_dumps) {
			stop_nfs();
			if (check_counter_dump(counter_dump, n_dumps, &tr) < 0)
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
