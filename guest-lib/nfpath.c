// SPDX-License-Identifier: BSD-3-Clause
/*
 * libnfpath (see nfpath/nfpath.h): attach to a slot in nfpath-dp's shared memory, receive
 * bursts, and hand each packet to the next ring its action names. Per-packet work is reading
 * and writing the packet's 8-byte dp_meta field and the chain it names; no syscall, lock, log
 * or allocation, except a futex wake for a sleeping consumer.
 */
#include <errno.h>
#include <glob.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "nfpath/dp-hop.h"
#include "nfpath/dp-ring.h"
#include "nfpath/nfpath.h"

int nfp_meta_offset = -1;

struct nfp_nf {
	struct dp_shm *shm;       /* the datapath's shared state */
	struct dp_nf_slot *slot;  /* ours */
	struct rte_mempool *pool; /* the datapath's packet pool */
	struct nfp_conf conf;     /* as attached */
	volatile int stop;        /* set by nfp_stop() */
	uint32_t rx_next;         /* the ring nfp_rx_burst() looks at first: 0 RX, i + 1 edge i */
	bool prefetchw;           /* the CPU has PREFETCHW (else a read prefetch) */
	int dp_pidfd;             /* pidfd of the datapath, -1 when pidfd_open() failed */
	bool dp_gone;             /* nfp_datapath_check() saw the datapath die */
	uint64_t next_check;      /* TSC at which nfp_run() checks the datapath next */
	uint64_t check_period;    /* TSC cycles between those checks (NFP_DP_CHECK_MS) */
};

static volatile sig_atomic_t nfp_signalled;

/* Where resolve() sends a packet other than to an NF's slot. */
#define DEST_DROP ((struct dp_nf_slot *)NULL)
#define DEST_OUT  ((struct dp_nf_slot *)(uintptr_t)1)

/* How often nfp_run() checks that the datapath still runs (a poll() and a file lock test). */
#define NFP_DP_CHECK_MS 100

/* How often a full next ring is retried before its packets are dropped. */
#define NFP_ENQUEUE_RETRIES 256

static int
check_abi(const struct dp_shm *shm)
{
	if (__atomic_load_n(&shm->abi_version, __ATOMIC_ACQUIRE) != NFPATH_ABI_VERSION ||
	    shm->shm_size != sizeof(struct dp_shm) || shm->slot_size != sizeof(struct dp_nf_slot))
		return -EPROTO;
	return 0;
}

static int
pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int
nfp_attach(const char *name, const struct nfp_conf *conf, struct nfp_nf **ret_nf)
{
	const struct rte_memzone *mz;
	struct dp_nf_slot *slot = NULL;
	struct nfp_nf *nf;
	struct dp_shm *shm;
	int32_t zero = 0;
	int off, r;

	if (!name || !*name || strlen(name) >= DP_NAME_LEN || !ret_nf)
		return -EINVAL;
	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		return -EINVAL;
	mz = rte_memzone_lookup(DP_SHM_MEMZONE);
	if (!mz)
		return -ENOENT;
	shm = mz->addr;
	r = check_abi(shm);
	if (r < 0)
		return r;
	off = dp_meta_register();
	if (off < 0)
		return off;
	for (uint32_t i = 0; i < DP_MAX_NFS && !slot; i++) {
		struct dp_nf_slot *s = &shm->slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != DP_NF_FREE &&
		    strncmp(s->name, name, DP_NAME_LEN) == 0)
			slot = s;
	}
	if (!slot)
		return -ENOENT;

	nf = calloc(1, sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	/* Claim: the pid word first (one winner), then the state. */
	if (!__atomic_compare_exchange_n(&slot->pid, &zero, (int32_t)getpid(), false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(nf);
		return -EBUSY;
	}
	if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != DP_NF_WAITING) {
		__atomic_store_n(&slot->pid, 0, __ATOMIC_RELEASE);
		free(nf);
		return -EBUSY;
	}
	slot->inflight_n = 0;
	slot->inflight_done = 0;
	slot->rx_ring = 0;
	/* Producers fence before reading it only while it is not 0 (dp_slot_wake()). */
	__atomic_store_n(&slot->sleeping, conf && conf->sleep_when_idle ? DP_SLOT_SLEEPER : 0,
			 __ATOMIC_RELAXED);
	__atomic_fetch_add(&slot->generation, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&slot->state, DP_NF_ATTACHED, __ATOMIC_RELEASE);

	nfp_meta_offset = off;
	nf->shm = shm;
	nf->slot = slot;
	nf->pool = rte_mempool_lookup(shm->mempool);
	nf->prefetchw = dp_cpu_has_prefetchw();
	/* The datapath's pid is that of our pid namespace only if we share it: a pidfd is a
	 * help, the primary's lock on the EAL's runtime config (rte_eal_primary_proc_alive)
	 * the rule. */
	nf->dp_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)shm->dp_pid, 0);
	nf->check_period = rte_get_tsc_hz() / 1000 * NFP_DP_CHECK_MS;
	nf->next_check = rte_rdtsc() + nf->check_period;
	if (conf)
		nf->conf = *conf;
	else
		nf->conf.cpu = -1;
	if (nf->conf.idle_polls == 0)
		nf->conf.idle_polls = 64;
	r = pin_self(nf->conf.cpu >= 0 ? nf->conf.cpu : slot->cpu);
	if (r == 0)
		r = nfp_datapath_check(nf);
	if (r < 0) {
		nfp_detach(nf);
		return r;
	}
	*ret_nf = nf;
	return 0;
}

/* The burst is over: nothing is held. No dequeue is in progress, so no rx_ring either. */
static void
burst_done(struct dp_nf_slot *s)
{
	__atomic_store_n(&s->rx_ring, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->inflight_n, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->inflight_done, 0, __ATOMIC_RELEASE);
}

/* Free the packets of the current burst that were not handed on yet. */
static void
release_burst(struct nfp_nf *nf)
{
	struct dp_nf_slot *s = nf->slot;
	uint32_t n = s->inflight_n, done = s->inflight_done;

	if (done < n) {
		__atomic_store_n(&s->inflight_done, n, __ATOMIC_RELEASE);
		rte_pktmbuf_free_bulk((struct rte_mbuf **)&s->inflight[done], n - done);
	}
	burst_done(s);
}

int
nfp_detach(struct nfp_nf *nf)
{
	uint32_t expect = DP_NF_ATTACHED;

	if (!nf)
		return 0;
	release_burst(nf);
	if (__atomic_compare_exchange_n(&nf->slot->state, &expect, DP_NF_WAITING, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		__atomic_store_n(&nf->slot->pid, 0, __ATOMIC_RELEASE);
	if (nf->dp_pidfd >= 0)
		close(nf->dp_pidfd);
	free(nf);
	return 0;
}

int
nfp_datapath_check(struct nfp_nf *nf)
{
	struct pollfd p;

	if (!nf)
		return -EINVAL;
	if (!nf->dp_gone && nf->dp_pidfd >= 0) {
		p = (struct pollfd){.fd = nf->dp_pidfd, .events = POLLIN};
		/* A pidfd turns readable when its process exits. */
		if (poll(&p, 1, 0) > 0)
			nf->dp_gone = true;
	}
	if (!nf->dp_gone && !rte_eal_primary_proc_alive(NULL))
		nf->dp_gone = true;
	return nf->dp_gone ? -EOWNERDEAD : 0;
}

int
nfp_datapath_pid(const struct nfp_nf *nf)
{
	return nf ? nf->shm->dp_pid : -EINVAL;
}

void
nfp_exit_orphaned(void)
{
	char pat[PATH_MAX];
	glob_t g;

	/*
	 * rte_eal_cleanup() would ask the dead primary to detach our devices and wait seconds
	 * for replies that never come; the kernel frees our mappings anyway. What it would
	 * also remove, and nothing else will: our multi-process socket in the runtime dir.
	 */
	snprintf(pat, sizeof(pat), "%s/mp_socket_%d_*", rte_eal_get_runtime_dir(), (int)getpid());
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
}

/* Ring i of the slot's inputs: 0 its RX ring, i > 0 edge i - 1. */
static inline struct rte_ring *
input_ring(const struct dp_nf_slot *s, uint32_t i)
{
	return (struct rte_ring *)(i == 0 ? s->rx : s->edge[i - 1]);
}

/* Are all the slot's input rings empty? */
static bool
inputs_empty(const struct dp_nf_slot *s)
{
	uint32_t n = 1 + __atomic_load_n(&s->nedges, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (!rte_ring_empty(input_ring(s, i)))
			return false;
	return true;
}

/*
 * Dequeue up to n packets from the first non-empty input, looking at them in turn from
 * nf->rx_next so that no producer starves another. Straight into the shared record:
 * rx_ring and rx_head let the datapath find what a crash between the dequeue and the store
 * of inflight_n leaves there.
 */
static unsigned int
dequeue_inputs(struct nfp_nf *nf, unsigned int n)
{
	struct dp_nf_slot *s = nf->slot;
	uint32_t nin = 1 + __atomic_load_n(&s->nedges, __ATOMIC_ACQUIRE);

	for (uint32_t j = 0; j < nin; j++) {
		uint32_t i = (nf->rx_next + j) % nin;
		struct rte_ring *r = input_ring(s, i);
		unsigned int k;

		if (rte_ring_empty(r))
			continue;
		/* rx_ring is 0 here (burst_done), so rx_head may move first. */
		dp_handoff_rx_begin(s, r);
		k = rte_ring_sc_dequeue_burst(r, s->inflight, n, NULL);
		nf->rx_next = i + 1;
		return k;
	}
	return 0;
}

int
nfp_rx_burst(struct nfp_nf *nf, struct rte_mbuf **pkts, unsigned int n)
{
	struct dp_nf_slot *s;
	unsigned int k;

	if (!nf || !pkts || n == 0 || n > DP_BURST_MAX)
		return -EINVAL;
	s = nf->slot;
	if (s->inflight_done != s->inflight_n)
		return -EBUSY;
	s->inflight_done = 0;
	/* An empty poll dequeues nothing and leaves rx_ring at 0 (only a non-empty ring is
	 * dequeued from, and a single consumer then always gets something). */
	k = dequeue_inputs(nf, n);
	__atomic_store_n(&s->inflight_n, k, __ATOMIC_RELEASE);
	memcpy(pkts, s->inflight, k * sizeof(*pkts));
	/*
	 * Start every packet's cache misses at once, before anything waits on one: its dp_meta
	 * line (in the mbuf's second cache line), which the hand-off rewrites, for writing: one
	 * ownership transfer from the previous hop's CPU instead of a shared read and then an
	 * upgrade; and its first data line, which handlers read.
	 */
	for (unsigned int i = 0; i < k; i++) {
		dp_prefetch_w(nf->prefetchw, nfp_pkt_meta(pkts[i]));
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	}
	s->stats.rx += k;
	return (int)k;
}

/* The last NEXT decision of a burst, reused while packets share chain and hop. */
struct resolve_memo {
	bool valid;
	uint16_t chain;
	uint8_t hop;
	int h;
	struct dp_nf_slot *to;
	const struct dp_nf_chain *c;
};

/*
 * Decide where one packet goes and update its metadata for the receiver. Returns the next NF's
 * slot, DEST_OUT (egress through the datapath, via this NF's TX ring), or DEST_DROP with
 * *ret_reason set to the counter to bump.
 */
static inline struct dp_nf_slot *
resolve(struct nfp_nf *nf, struct rte_mbuf *m, struct resolve_memo *memo, uint64_t **ret_reason)
{
	struct dp_meta *meta = nfp_pkt_meta(m);
	struct dp_shm *shm = nf->shm;
	const struct dp_nf_chain *c;
	struct dp_nf_slot *to = NULL;
	int h;

	switch (meta->action) {
	case DP_ACT_NEXT:
		/* Most bursts are one chain at one hop: decide once, apply to the rest. */
		if (memo->valid && memo->chain == meta->chain && memo->hop == meta->hop) {
			h = memo->h;
			to = memo->to;
			c = memo->c;
		} else {
			if (meta->chain >= DP_NF_MAX_CHAINS)
				break;
			c = &shm->chains[meta->chain];
			if (!c->active)
				break;
			h = dp_chain_next_live(shm, c, meta->hop + 1u, meta->flow_hash, &to);
			/* Only a decision the flow hash took no part in may be reused. */
			memo->valid = h < 0 || (unsigned int)h == c->nhops ||
				      shm->services[c->hops[h]].nreplicas == 1;
			memo->chain = meta->chain;
			memo->hop = meta->hop;
			memo->h = h;
			memo->to = to;
			memo->c = c;
		}
		if (h < 0) {
			*ret_reason = &nf->slot->stats.drop_down;
			return DEST_DROP;
		}
		if ((unsigned int)h == c->nhops) {
			meta->action = DP_ACT_OUT;
			meta->target = c->egress_port;
			return DEST_OUT;
		}
		meta->hop = (uint8_t)h;
		return to;
	case DP_ACT_TO_NF:
		if (meta->target >= DP_MAX_NFS || !dp_slot_up(&shm->slots[meta->target]))
			break;
		meta->action = DP_ACT_NEXT;
		return &shm->slots[meta->target];
	case DP_ACT_OUT:
		return DEST_OUT;
	case DP_ACT_DROP:
		*ret_reason = &nf->slot->stats.drop_action;
		return DEST_DROP;
	}
	*ret_reason = &nf->slot->stats.drop_bad;
	return DEST_DROP;
}

/*
 * Hand inflight[i .. i + run) to 'to' (DEST_OUT: our TX ring), with backpressure: when the ring
 * is full, give its consumer a chance (yield in shared-core mode, pause otherwise) before the
 * caller drops what is left. Every ring an NF enqueues to is its own, single-producer: its TX
 * ring, or its edge into the next NF of a chain. An NF we have no edge into (nfp_pkt_to_nf()
 * to an NF no chain puts after us) is reached through the datapath: the run goes out on our
 * TX ring still NEXT, its target naming the NF, and nfpath-dp relays it. Each enqueue gets a
 * hand-off record first, so that a crash at any instant leaves the datapath able to tell published
 * packets from unpublished ones. Returns how many were handed on.
 */
static unsigned int
handoff(struct nfp_nf *nf, struct dp_nf_slot *to, unsigned int i, unsigned int run)
{
	struct dp_nf_slot *s = nf->slot;
	struct rte_ring *r = to == DEST_OUT ? NULL : dp_slot_edge(to, s->id);
	unsigned int k = 0;

	if (!r) {
		/* Relay: a NEXT packet on our TX ring is for the NF in slot 'target'. */
		if (to != DEST_OUT)
			for (unsigned int j = i; j < i + run; j++)
				nfp_pkt_meta((struct rte_mbuf *)s->inflight[j])->target =
					(uint16_t)to->id;
		to = DEST_OUT;
		r = (struct rte_ring *)s->tx;
	}
	for (unsigned int tries = 0;; tries++) {
		dp_handoff_tx_begin(s, r, i + k, run - k);
		k += rte_ring_sp_enqueue_burst(r, &s->inflight[i + k], run - k, NULL);
		dp_handoff_tx_end(s, i + k);
		if (k && to != DEST_OUT)
			dp_slot_wake(to);
		if (k == run || tries == NFP_ENQUEUE_RETRIES)
			return k;
		s->stats.retries++;
		if (nf->conf.sleep_when_idle)
			sched_yield();
		else
			rte_pause();
	}
}

int
nfp_tx_burst(struct nfp_nf *nf, struct rte_mbuf **pkts, unsigned int n)
{
	struct dp_nf_slot *dest[DP_BURST_MAX];
	uint64_t *reason[DP_BURST_MAX];
	struct resolve_memo memo = {.valid = false};
	struct dp_nf_slot *s;
	unsigned int i = 0, sent = 0;

	if (!nf || !pkts)
		return -EINVAL;
	s = nf->slot;
	if (s->inflight_done != 0 || n != s->inflight_n)
		return -EINVAL;
	/* The same packets, maybe reordered by the handler: hand off from the shared record. */
	memcpy(s->inflight, pkts, n * sizeof(*pkts));
	for (unsigned int k = 0; k < n; k++)
		dest[k] = resolve(nf, pkts[k], &memo, &reason[k]);

	/* Hand on in runs that share a destination, keeping the packets' order. */
	while (i < n) {
		unsigned int j = i + 1, k = 0, run;

		while (j < n && dest[j] == dest[i] && (dest[i] || reason[j] == reason[i]))
			j++;
		run = j - i;
		if (dest[i] == DEST_DROP) {
			__atomic_store_n(&s->inflight_done, j, __ATOMIC_RELEASE);
			rte_pktmbuf_free_bulk(pkts + i, run);
			*reason[i] += run;
		} else {
			k = handoff(nf, dest[i], i, run);
			if (dest[i] == DEST_OUT)
				s->stats.out += k;
			else
				s->stats.tx += k;
			if (k < run) {
				__atomic_store_n(&s->inflight_done, j, __ATOMIC_RELEASE);
				rte_pktmbuf_free_bulk((struct rte_mbuf **)&s->inflight[i + k],
						      run - k);
				s->stats.drop_full += run - k;
			}
		}
		sent += k;
		i = j;
	}
	burst_done(s);
	return (int)sent;
}

static void
on_signal(int sig)
{
	(void)sig;
	nfp_signalled = 1;
}

/* Shared-core mode: sleep until a producer bumps 'wake' (or 100 ms pass). */
static void
idle_sleep(struct nfp_nf *nf)
{
	struct dp_nf_slot *s = nf->slot;
	const struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
	uint32_t w = __atomic_load_n(&s->wake, __ATOMIC_ACQUIRE);

	__atomic_store_n(&s->sleeping, DP_SLOT_SLEEPER | DP_SLOT_ASLEEP, __ATOMIC_SEQ_CST);
	/* Pairs with the fence in dp_slot_wake(): either we see the packet or they see us. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (inputs_empty(s) && !nf->stop && !nfp_signalled)
		syscall(SYS_futex, &s->wake, FUTEX_WAIT, w, &ts, NULL, 0);
	__atomic_store_n(&s->sleeping, DP_SLOT_SLEEPER, __ATOMIC_RELEASE);
	s->stats.wakeups++;
}

int
nfp_run(struct nfp_nf *nf, nfp_handler_t handler, void *arg)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];
	struct sigaction sa = {.sa_handler = on_signal};
	uint32_t idle = 0;

	if (!nf || !handler)
		return -EINVAL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!nf->stop && !nfp_signalled) {
		/* Busy time: the whole non-empty poll, receive included. */
		uint64_t t0 = rte_rdtsc();
		int n;

		if (t0 >= nf->next_check) {
			nf->next_check = t0 + nf->check_period;
			if (nfp_datapath_check(nf) < 0)
				return -EOWNERDEAD;
		}
		n = nfp_rx_burst(nf, pkts, DP_BURST_MAX);
		if (n < 0)
			return n;
		if (n == 0) {
			if (nf->conf.sleep_when_idle && ++idle >= nf->conf.idle_polls) {
				idle_sleep(nf);
				idle = 0;
			}
			continue;
		}
		idle = 0;
		handler(pkts, (unsigned int)n, arg);
		nfp_tx_burst(nf, pkts, (unsigned int)n);
		nf->slot->stats.busy_cycles += rte_rdtsc() - t0;
	}
	return 0;
}

void
nfp_stop(struct nfp_nf *nf)
{
	if (nf)
		nf->stop = 1;
}

int
nfp_nf_id(const struct nfp_nf *nf, const char *name)
{
	if (!nf || !name)
		return -EINVAL;
	for (uint32_t i = 0; i < DP_MAX_NFS; i++) {
		const struct dp_nf_slot *s = &nf->shm->slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != DP_NF_FREE &&
		    strncmp(s->name, name, DP_NAME_LEN) == 0)
			return (int)i;
	}
	return -ENOENT;
}

const struct dp_nf_stats *
nfp_stats(const struct nfp_nf *nf)
{
	return nf ? &nf->slot->stats : NULL;
}

struct rte_mempool *
nfp_mempool(const struct nfp_nf *nf)
{
	return nf ? nf->pool : NULL;
}
