// SPDX-License-Identifier: BSD-3-Clause
/*
 * Hugepage check and per-socket mempools (mem.h). The pools are created after the ports are
 * probed (port.c) so that their NUMA sockets are known, and before the queues are set up.
 */
#include "mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "log.h"
#include "opts.h"

int
dp_mem_hugepages_check(const char *sysfs_root, const char *mounts, bool need_mount, char *msg,
		       size_t msg_len)
{
	char path[512];
	unsigned long free_total = 0;
	bool mounted = false;
	struct dirent *e;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/mm/hugepages", sysfs_root);
	d = opendir(path);
	if (d) {
		while ((e = readdir(d))) {
			char fp[800];
			unsigned long n;

			if (strncmp(e->d_name, "hugepages-", 10) != 0) {
				continue;
			}
			snprintf(fp, sizeof(fp), "%s/%s/free_hugepages", path, e->d_name);
			f = fopen(fp, "r");
			if (!f) {
				continue;
			}
			if (fscanf(f, "%lu", &n) == 1) {
				free_total += n;
			}
			fclose(f);
		}
		closedir(d);
	}
	if (free_total == 0) {
		snprintf(
			msg, msg_len,
			"no free hugepages (%s/kernel/mm/hugepages/*/free_hugepages is 0): reserve "
			"some as root with 'echo 512 > "
			"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages' (1 GiB of 2 MiB "
			"pages; scripts/setup.sh does it), or pass --no-huge for a test that needs "
			"no NF processes",
			sysfs_root);
		return -ENOMEM;
	}
	if (!need_mount) {
		return 0;
	}
	f = fopen(mounts, "r");
	if (f) {
		char line[1024];

		while (fgets(line, sizeof(line), f)) {
			char dev[256], dir[512], type[64];

			if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
			    strcmp(type, "hugetlbfs") == 0) {
				mounted = true;
				break;
			}
		}
		fclose(f);
	}
	if (!mounted) {
		snprintf(
			msg, msg_len,
			"no hugetlbfs mount in %s: mount one as root with 'mkdir -p /dev/hugepages "
			"&& mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages'",
			mounts);
		return -ENOENT;
	}
	return 0;
}

void
dp_mem_shortfall(const char *sysfs_root, unsigned long long bytes_needed, char *msg, size_t msg_len)
{
	char path[512], fp[800];
	unsigned long free_pages = 0, total = 0;
	FILE *f;

	/* The 2 MiB pages are the ones nfpath reserves (scripts/setup.sh). */
	snprintf(path, sizeof(path), "%s/kernel/mm/hugepages/hugepages-2048kB", sysfs_root);
	snprintf(fp, sizeof(fp), "%s/free_hugepages", path);
	f = fopen(fp, "r");
	if (f) {
		if (fscanf(f, "%lu", &free_pages) != 1)
			free_pages = 0;
		fclose(f);
	}
	snprintf(fp, sizeof(fp), "%s/nr_hugepages", path);
	f = fopen(fp, "r");
	if (f) {
		if (fscanf(f, "%lu", &total) != 1)
			total = 0;
		fclose(f);
	}
	/* Pools need a little more than their elements (headers, alignment, memzones): 1/8. */
	unsigned long long need = (bytes_needed + bytes_needed / 8 + (2ull << 20) - 1) >> 21;

	snprintf(msg, msg_len,
		 "needs about %llu MiB (%llu hugepages of 2 MiB), %lu of %lu are free: reserve "
		 "more as root with 'echo %llu > %s/nr_hugepages', or lower --mbufs/--rxd/--txd",
		 need * 2, need, free_pages, total,
		 total + (need > free_pages ? need - free_pages : 0) + 16, path);
}

unsigned int
dp_mem_mbufs_needed(unsigned int rx_desc_total, unsigned int tx_desc_total, unsigned int n_ports,
		    unsigned int n_workers, unsigned int n_lcores, unsigned int extra)
{
	unsigned long n = (unsigned long)rx_desc_total + tx_desc_total +
			  (unsigned long)n_workers * n_ports * DP_BURST_MAX * 2 +
			  (unsigned long)n_lcores * DP_MBUF_CACHE * 3 / 2 + extra;
	unsigned long p = 1;

	while (p - 1 < n) {
		p <<= 1;
	}
	return (unsigned int)(p - 1);
}

int
dp_mem_pools_create(struct dp *dp)
{
	unsigned int rx_desc[8] = {0}, tx_desc[8] = {0}, nports[8] = {0};

	for (unsigned int i = 0; i < dp->n_ports; i++) {
		const struct dp_port *p = &dp->ports[i];

		rx_desc[p->socket] += p->nb_rxq * dp->opts->rxd;
		tx_desc[p->socket] += p->nb_txq * dp->opts->txd;
		nports[p->socket]++;
	}
	/* A net_af_packet port copies each frame into one mbuf (opts.c: rx_frame_max). */
	unsigned int buf = RTE_MBUF_DEFAULT_BUF_SIZE;

	if (dp->opts->rx_frame_max + RTE_PKTMBUF_HEADROOM > buf) {
		buf = dp->opts->rx_frame_max + RTE_PKTMBUF_HEADROOM;
	}
	if (buf > UINT16_MAX) {
		dp_log(RTE_LOG_ERR,
		       "net_af_packet frames of %u bytes do not fit an mbuf (at most %u): lower "
		       "the interface's MTU or give framesz= in --port",
		       dp->opts->rx_frame_max, UINT16_MAX - RTE_PKTMBUF_HEADROOM);
		return -EINVAL;
	}
	for (int s = 0; s < 8; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		unsigned int n, vm;

		if (!nports[s]) {
			continue;
		}
		/* VM ports hold no descriptors of ours; what they have in flight is a round's
		 * bursts, one per forwarder and active port (room for 16 at once; more wait for
		 * the end of the round's TX). */
		vm = dp->opts->max_vm_ports < 16 ? dp->opts->max_vm_ports : 16;
		n = dp->opts->mbufs
			    ? dp->opts->mbufs
			    : dp_mem_mbufs_needed(rx_desc[s], tx_desc[s], nports[s], dp->n_workers,
						  rte_lcore_count(),
						  1024 + (s == dp->ports[0].socket
								  ? dp->n_fwd * vm * DP_BURST_MAX
								  : 0));
		snprintf(name, sizeof(name), "nfpath_mbuf_%d", s);
		dp->pools[s] = rte_pktmbuf_pool_create(name, n, DP_MBUF_CACHE, 0, (uint16_t)buf, s);
		if (!dp->pools[s]) {
			int e = rte_errno;
			char msg[512];

			dp_mem_shortfall("/sys",
					 (unsigned long long)n * (buf + sizeof(struct rte_mbuf)),
					 msg, sizeof(msg));
			dp_log(RTE_LOG_ERR,
			       "mempool '%s': %u mbufs of %u bytes on socket %d: "
			       "%s; it %s",
			       name, n, buf, s, rte_strerror(e), msg);
			return -e;
		}
		dp_log(RTE_LOG_INFO, "mempool '%s': %u mbufs of %u bytes on socket %d", name, n,
		       buf, s);
	}
	return 0;
}

void
dp_mem_pools_free(struct dp *dp)
{
	for (int s = 0; s < 8; s++) {
		rte_mempool_free(dp->pools[s]);
		dp->pools[s] = NULL;
	}
}
