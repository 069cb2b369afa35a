// SPDX-License-Identifier: BSD-3-Clause
/*
 * The guests of the VM-port tests: one DPDK process holding up to 32 net_virtio_user ports,
 * driven line by line on stdin (one reply line on stdout per command), so that a test can
 * connect, disconnect, send and receive exact frames on each of them:
 *
 *   add I DEVARGS      probe net_virtio_user DEVARGS as slot I, configure, start -> ok | err MSG
 *   del I              stop, close and remove slot I's device            -> ok
 *   send I HEX [N]     send the frame HEX on slot I N times (default 1)   -> ok SENT
 *   recv I MS          frames slot I receives within MS ms (returns as soon as one came and
 *                      the port is empty again)                          -> frames K HEX...
 *   count I MS         receive on slot I for MS ms, counting             -> ok N
 *   countall 0 MS      receive on every slot for MS ms, counting         -> ok N0 N1 ...
 *   stats I            packets received and sent on slot I so far        -> ok RX TX
 *   quit
 *
 * usage: vm-peer EAL-ARGS (use --in-memory --single-file-segments: the memory is shared with
 * the vhost-user backend through file descriptors)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define SLOTS 32
#define BURST 32

struct slot {
	bool up;
	uint16_t port_id;
	char name[64];
	uint64_t rx, tx;
};

static struct slot slots[SLOTS];
static struct rte_mempool *pool;

static int
slot_add(unsigned int i, const char *devargs)
{
	struct rte_eth_conf conf;
	struct slot *s = &slots[i];
	size_t n = strcspn(devargs, ",");
	int r;

	memset(&conf, 0, sizeof(conf));
	snprintf(s->name, sizeof(s->name), "%.*s", (int)n, devargs);
	r = rte_dev_probe(devargs);
	if (r < 0 || rte_eth_dev_get_port_by_name(s->name, &s->port_id) != 0) {
		printf("err probe %s: %s\n", devargs, strerror(r < 0 ? -r : ENODEV));
		return -1;
	}
	if (rte_eth_dev_configure(s->port_id, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(s->port_id, 0, 256, 0, NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(s->port_id, 0, 256, 0, NULL) < 0 ||
	    rte_eth_dev_start(s->port_id) < 0) {
		printf("err start %s\n", s->name);
		return -1;
	}
	s->up = true;
	s->rx = s->tx = 0;
	printf("ok %u\n", s->port_id);
	return 0;
}

static void
slot_del(unsigned int i)
{
	struct slot *s = &slots[i];
	struct rte_eth_dev_info info;

	if (!s->up) {
		printf("err slot %u is not up\n", i);
		return;
	}
	memset(&info, 0, sizeof(info));
	(void)rte_eth_dev_info_get(s->port_id, &info);
	(void)rte_eth_dev_stop(s->port_id);
	if (!info.device || rte_dev_remove(info.device) < 0) {
		(void)rte_eth_dev_close(s->port_id);
	}
	s->up = false;
	printf("ok\n");
}

static int
unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2;

	if (n > max || strlen(h) % 2) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(h + 2 * i, "%2x", &b) != 1) {
			return -1;
		}
		out[i] = (uint8_t)b;
	}
	return (int)n;
}

static void
slot_send(unsigned int i, const char *hex, unsigned int count)
{
	static uint8_t frame[2048];
	struct slot *s = &slots[i];
	unsigned int sent = 0;
	int len = unhex(hex, frame, sizeof(frame));
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 5;

	if (len < 14 || !s->up) {
		printf("err bad frame or slot\n");
		return;
	}
	while (sent < count && rte_get_timer_cycles() < deadline) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *p;

		if (!m) {
			continue;
		}
		p = rte_pktmbuf_append(m, (uint16_t)len);
		memcpy(p, frame, (size_t)len);
		if (rte_eth_tx_burst(s->port_id, 0, &m, 1) == 1) {
			sent++;
		} else {
			rte_pktmbuf_free(m); /* ring full: the switch is behind, try again */
		}
	}
	s->tx += sent;
	printf("ok %u\n", sent);
}

/* Receives on slot i for up to 'ms'; prints the frames ('print') or counts them. */
static void
slot_recv(unsigned int i, unsigned int ms, bool print)
{
	static char line[1 << 20];
	struct slot *s = &slots[i];
	struct rte_mbuf *pk[BURST];
	uint64_t hz = rte_get_timer_hz(), end = rte_get_timer_cycles() + hz * ms / 1000;
	size_t off = 0;
	unsigned int k = 0;

	if (!s->up) {
		printf("err slot %u is not up\n", i);
		return;
	}
	while (rte_get_timer_cycles() < end) {
		uint16_t n = rte_eth_rx_burst(s->port_id, 0, pk, BURST);

		for (uint16_t j = 0; j < n; j++) {
			const uint8_t *d = rte_pktmbuf_mtod(pk[j], const uint8_t *);

			k++;
			if (print && off + 2 * pk[j]->data_len + 2 < sizeof(line)) {
				line[off++] = ' ';
				for (uint16_t b = 0; b < pk[j]->data_len; b++) {
					off += (size_t)snprintf(line + off, 3, "%02x", d[b]);
				}
			}
			rte_pktmbuf_free(pk[j]);
		}
		if (print && k && !n) {
			break; /* got some, and nothing more is waiting */
		}
		if (!n) {
			rte_delay_us_sleep(100);
		}
	}
	line[off] = '\0';
	s->rx += k;
	if (print) {
		printf("frames %u%s\n", k, line);
	} else {
		printf("ok %u\n", k);
	}
}

static void
count_all(unsigned int ms)
{
	struct rte_mbuf *pk[BURST];
	uint64_t hz = rte_get_timer_hz(), end = rte_get_timer_cycles() + hz * ms / 1000;
	uint64_t got[SLOTS] = {0};

	while (rte_get_timer_cycles() < end) {
		unsigned int any = 0;

		for (unsigned int i = 0; i < SLOTS; i++) {
			uint16_t n;

			if (!slots[i].up) {
				continue;
			}
			n = rte_eth_rx_burst(slots[i].port_id, 0, pk, BURST);
			rte_pktmbuf_free_bulk(pk, n);
			got[i] += n;
			any += n;
		}
		if (!any) {
			rte_delay_us_sleep(100);
		}
	}
	printf("ok");
	for (unsigned int i = 0; i < SLOTS; i++) {
		slots[i].rx += got[i];
		printf(" %lu", (unsigned long)got[i]);
	}
	printf("\n");
}

int
main(int argc, char **argv)
{
	static char cmd[8192];
	int r = rte_eal_init(argc, argv);

	if (r < 0) {
		fprintf(stderr, "vm-peer: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("vmpeer", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "vm-peer: no mempool\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(cmd, sizeof(cmd), stdin)) {
		char op[16], arg[8000];
		unsigned int i = 0, n = 1;
		int got;

		arg[0] = '\0';
		got = sscanf(cmd, "%15s %u %7999s %u", op, &i, arg, &n);
		if (got < 1) {
			continue;
		}
		if (!strcmp(op, "quit")) {
			break;
		}
		if (got < 2 || i >= SLOTS) {
			printf("err usage\n");
			continue;
		}
		if (!strcmp(op, "add")) {
			(void)slot_add(i, arg);
		} else if (!strcmp(op, "del")) {
			slot_del(i);
		} else if (!strcmp(op, "send")) {
			slot_send(i, arg, got >= 4 ? n : 1);
		} else if (!strcmp(op, "recv") || !strcmp(op, "count")) {
			slot_recv(i, (unsigned int)strtoul(arg, NULL, 10), !strcmp(op, "recv"));
		} else if (!strcmp(op, "countall")) {
			count_all((unsigned int)strtoul(arg, NULL, 10));
		} else if (!strcmp(op, "stats")) {
			printf("ok %lu %lu\n", (unsigned long)slots[i].rx,
			       (unsigned long)slots[i].tx);
		} else {
			printf("err unknown op %s\n", op);
		}
	}
	for (unsigned int s = 0; s < SLOTS; s++) {
		if (slots[s].up) {
			(void)rte_eth_dev_stop(slots[s].port_id);
			(void)rte_eth_dev_close(slots[s].port_id);
		}
	}
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
