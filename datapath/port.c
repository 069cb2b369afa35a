// SPDX-License-Identifier: BSD-3-Clause
/*
 * Port setup (port.h). The EAL creates the devices from the --vdev/-a arguments opts.c built;
 * this file finds them by name, checks the queue counts against what each driver allows and
 * says which devargs to change when they do not fit.
 */
#include "port.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>

#include "fwd.h"
#include "opts.h"

int
dp_port_find(const struct dp *dp, const char *name)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		if (dp->ports[i].used && strcmp(dp->ports[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

int
dp_ports_probe(struct dp *dp)
{
	const struct dp_opts *o = dp->opts;

	for (unsigned int i = 0; i < o->n_ports; i++) {
		struct dp_port *p = &dp->ports[i];
		struct rte_eth_dev_info info;
		int r, s;

		memset(p, 0, sizeof(*p));
		snprintf(p->devargs, sizeof(p->devargs), "%s", o->ports[i]);
		if (dp_devargs_name(o->ports[i], p->name, sizeof(p->name)) < 0) {
			fprintf(stderr, "nfpath-dp: --port '%s': cannot tell the device name\n",
				o->ports[i]);
			return -EINVAL;
		}
		if (rte_eth_dev_get_port_by_name(p->name, &p->port_id) != 0) {
			fprintf(stderr,
				"nfpath-dp: --port '%s': no ethdev named '%s' after EAL probing: "
				"check the driver name and its arguments (EAL messages above)\n",
				o->ports[i], p->name);
			return -ENODEV;
		}
		r = rte_eth_dev_info_get(p->port_id, &info);
		if (r < 0) {
			fprintf(stderr, "nfpath-dp: port '%s': device info: %s\n", p->name,
				strerror(-r));
			return r;
		}
		p->is_uplink = i == 0;
		p->nb_rxq = p->is_uplink ? o->rx_queues : 1;
		p->nb_txq = dp->n_workers ? dp->n_workers : 1;
		/* Some drivers (net_tap, net_af_packet) want as many TX as RX queues; the extra
		 * ones stay unused. */
		if (p->nb_txq < p->nb_rxq && p->nb_rxq <= info.max_tx_queues) {
			p->nb_txq = p->nb_rxq;
		}
		if (p->nb_rxq > info.max_rx_queues) {
			fprintf(stderr,
				"nfpath-dp: port '%s': %u RX queues asked, the driver '%s' allows %u: "
				"lower --rx-queues or raise the device's queue count in its devargs "
				"(e.g. qpairs=N for net_af_packet, queues=N for net_tap)\n",
				p->name, p->nb_rxq, info.driver_name, info.max_rx_queues);
			return -EINVAL;
		}
		if (p->nb_txq > info.max_tx_queues) {
			fprintf(stderr,
				"nfpath-dp: port '%s': %u forwarding lcores need %u TX queues, the "
				"driver '%s' allows %u: give fewer lcores or more queues in the devargs\n",
				p->name, p->nb_txq, p->nb_txq, info.driver_name,
				info.max_tx_queues);
			return -EINVAL;
		}
		s = rte_eth_dev_socket_id(p->port_id);
		p->socket = s < 0 || s >= 8 ? (int)rte_socket_id() : s;
		if (p->socket < 0 || p->socket >= 8) {
			p->socket = 0;
		}
		for (unsigned int q = 0; q < DP_MAX_QUEUES; q++) {
			p->queue_chain[q] = -1;
		}
		p->used = true;
		dp->n_ports++;
	}
	/* Lcores on another socket than the ports they poll reach memory across the interconnect.
	 */
	for (unsigned int w = 0; w < dp->n_workers; w++) {
		unsigned int ls = rte_lcore_to_socket_id(dp->worker_lcore[w]);

		for (unsigned int i = 0; i < dp->n_ports; i++) {
			if ((int)ls != dp->ports[i].socket) {
				fprintf(stderr,
					"nfpath-dp: warning: lcore %u (socket %u) polls port '%s' on "
					"socket %d: packets cross NUMA nodes; map lcores to CPUs of "
					"socket %d with --lcores\n",
					dp->worker_lcore[w], ls, dp->ports[i].name,
					dp->ports[i].socket, dp->ports[i].socket);
			}
		}
	}
	return 0;
}

static int
port_start(struct dp *dp, struct dp_port *p, unsigned int i)
{
	struct rte_mempool *pool = dp->pools[p->socket];
	struct rte_eth_conf conf;
	struct rte_flow_error ferr;
	int r;

	for (int s = 0; !pool && s < 8; s++) {
		pool = dp->pools[s]; /* a port added later on a socket without a pool */
	}
	memset(&conf, 0, sizeof(conf));
	if (p->is_uplink && dp->opts->isolate) {
		/* Must come before rte_eth_dev_configure. */
		r = rte_flow_isolate(p->port_id, 1, &ferr);
		if (r != 0) {
			fprintf(stderr,
				"nfpath-dp: port '%s': --isolate refused by the driver: %s; run "
				"without --isolate\n",
				p->name, ferr.message ? ferr.message : strerror(-r));
			return r < 0 ? r : -ENOTSUP;
		}
		p->flow_isolated = true;
	}
	r = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (r < 0) {
		fprintf(stderr, "nfpath-dp: port '%s': configure %u RX / %u TX queues: %s\n",
			p->name, p->nb_rxq, p->nb_txq, strerror(-r));
		return r;
	}
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		r = rte_eth_rx_queue_setup(p->port_id, q, dp->opts->rxd, p->socket, NULL, pool);
		if (r < 0) {
			fprintf(stderr, "nfpath-dp: port '%s': RX queue %u: %s\n", p->name, q,
				strerror(-r));
			return r;
		}
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		r = rte_eth_tx_queue_setup(p->port_id, q, dp->opts->txd, p->socket, NULL);
		if (r < 0) {
			fprintf(stderr, "nfpath-dp: port '%s': TX queue %u: %s\n", p->name, q,
				strerror(-r));
			return r;
		}
	}
	r = rte_eth_dev_start(p->port_id);
	if (r < 0) {
		fprintf(stderr, "nfpath-dp: port '%s': start: %s\n", p->name, strerror(-r));
		return r;
	}
	/* Steered MACs are not the port's own: see every frame. Some drivers cannot. */
	(void)rte_eth_promiscuous_enable(p->port_id);
	rte_eth_macaddr_get(p->port_id, &p->mac);
	printf("nfpath-dp: port %u '%s' (%s): %u RX, %u TX queues, socket %d\n", i, p->name,
	       p->is_uplink  ? "uplink"
	       : p->is_vhost ? "vhost-user"
			     : "port",
	       p->nb_rxq, p->nb_txq, p->socket);
	fflush(stdout);
	return 0;
}

int
dp_ports_start(struct dp *dp)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		int r = port_start(dp, &dp->ports[i], i);

		if (r < 0) {
			return r;
		}
	}
	return 0;
}

/* mkdir -p, mode 0755: QEMU's user must traverse it to reach the socket. */
static int
mkdir_p(const char *dir)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *s = buf + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
				return -1;
			}
			*s = '/';
		}
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Stops the port and removes the device (the driver closes the port and its socket). */
static void
vhost_remove(struct dp_port *p)
{
	struct rte_eth_dev_info info;

	memset(&info, 0, sizeof(info));
	(void)rte_eth_dev_info_get(p->port_id, &info);
	(void)rte_eth_dev_stop(p->port_id);
	if (!info.device || rte_dev_remove(info.device) < 0) {
		(void)rte_eth_dev_close(p->port_id);
	}
	(void)unlink(p->vhost_path);
}

int
dp_port_vhost_add(struct dp *dp, const char *name, char *msg, size_t msg_len)
{
	unsigned int n_fwd = dp->n_fwd ? dp->n_fwd : 1;
	struct group *gr;
	struct dp_port *p;
	char devargs[sizeof(((struct dp_port *)0)->devargs)];
	int slot = -1, r;

	for (unsigned int i = 0; i < DP_MAX_PORTS; i++) {
		if (!dp->ports[i].used) {
			slot = (int)i;
			break;
		}
	}
	if (slot < 0) {
		snprintf(msg, msg_len, "all %d port slots are in use", DP_MAX_PORTS);
		return -ENOSPC;
	}
	p = &dp->ports[slot];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "net_vhost_%s", name);
	if (dp_port_find(dp, p->name) >= 0 ||
	    rte_eth_dev_get_port_by_name(p->name, &p->port_id) == 0) {
		snprintf(msg, msg_len, "vhost port '%s' exists", name);
		return -EEXIST;
	}
	if (mkdir_p(dp->opts->vhost_dir) < 0) {
		r = -errno;
		snprintf(msg, msg_len, "vhost directory '%s': %s", dp->opts->vhost_dir,
			 strerror(errno));
		return r;
	}
	r = snprintf(p->vhost_path, sizeof(p->vhost_path), "%s/%s.sock", dp->opts->vhost_dir, name);
	if (r < 0 || (size_t)r >= sizeof(p->vhost_path)) {
		snprintf(msg, msg_len, "socket path '%s/%s.sock' is too long for a unix socket",
			 dp->opts->vhost_dir, name);
		return -ENAMETOOLONG;
	}
	(void)unlink(p->vhost_path); /* left by an nfpath-dp that crashed */
	/* One TX queue per forwarder: vhost 'queues' counts queue pairs. */
	r = snprintf(devargs, sizeof(devargs), "%s,iface=%s,queues=%u,client=0", p->name,
		     p->vhost_path, n_fwd);
	if (r < 0 || (size_t)r >= sizeof(devargs)) {
		snprintf(msg, msg_len, "devargs for '%s' too long", name);
		return -ENAMETOOLONG;
	}
	memcpy(p->devargs, devargs, sizeof(p->devargs));
	r = rte_dev_probe(devargs);
	if (r < 0 || rte_eth_dev_get_port_by_name(p->name, &p->port_id) != 0) {
		snprintf(msg, msg_len, "creating '%s' failed: %s", devargs,
			 strerror(r < 0 ? -r : ENODEV));
		return r < 0 ? r : -ENODEV;
	}
	p->is_vhost = true;
	p->nb_rxq = 1;
	p->nb_txq = (uint16_t)n_fwd;
	p->socket = (int)rte_socket_id();
	for (unsigned int q = 0; q < DP_MAX_QUEUES; q++) {
		p->queue_chain[q] = -1;
	}
	snprintf(p->rte_flow_cap, sizeof(p->rte_flow_cap), "unsupported");
	r = port_start(dp, p, (unsigned int)slot);
	if (r < 0) {
		snprintf(msg, msg_len, "starting '%s' failed: %s", p->name, strerror(-r));
		vhost_remove(p);
		return r;
	}
	/* The vhost library created the socket: open it to QEMU's group. */
	gr = dp->opts->vhost_group ? getgrnam(dp->opts->vhost_group) : NULL;
	if (gr && chown(p->vhost_path, (uid_t)-1, gr->gr_gid) < 0) {
		fprintf(stderr, "nfpath-dp: warning: chgrp '%s': %s\n", p->vhost_path,
			strerror(errno));
	}
	(void)chmod(p->vhost_path, 0660);
	__atomic_store_n(&p->used, true, __ATOMIC_RELEASE);
	if ((unsigned int)slot >= dp->n_ports) {
		__atomic_store_n(&dp->n_ports, (unsigned int)slot + 1, __ATOMIC_RELEASE);
	}
	r = dp_fwd_rebuild(dp);
	if (r < 0) {
		snprintf(msg, msg_len, "out of memory for the poll lists");
		(void)dp_port_vhost_del(dp, (unsigned int)slot);
		return r;
	}
	return slot;
}

int
dp_port_vhost_del(struct dp *dp, unsigned int idx)
{
	struct dp_port *p = &dp->ports[idx];
	int r;

	if (idx >= dp->n_ports || !p->used || !p->is_vhost) {
		return -ENOENT;
	}
	/* Stop polling it; after the grace period no forwarder touches it (its TX buffers were
	 * flushed, and no chain sends to it: the caller checked). */
	p->used = false;
	r = dp_fwd_rebuild(dp);
	if (r < 0) {
		p->used = true;
		return r;
	}
	vhost_remove(p);
	p->is_vhost = false;
	return 0;
}

void
dp_ports_close(struct dp *dp)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		struct dp_port *p = &dp->ports[i];

		if (!p->used) {
			continue;
		}
		if (p->is_vhost) {
			vhost_remove(p);
		} else {
			(void)rte_eth_dev_stop(p->port_id);
			(void)rte_eth_dev_close(p->port_id);
		}
		p->used = false;
	}
}
