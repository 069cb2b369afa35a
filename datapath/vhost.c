// SPDX-License-Identifier: BSD-3-Clause
/*
 * VM ports through DPDK's vhost library (port.h): rte_vhost_driver_register/start per socket,
 * server mode (we listen; QEMU connects) or client mode (QEMU listens; we connect, and the
 * library reconnects every second while it is away). The library's callbacks run on its own
 * thread ("vhost-events") or, for a port being removed, inside rte_vhost_driver_unregister on
 * the control thread; they take dp->vh_lock only, never dp->ctl_lock. A guest's queues join
 * the poll lists when it is running and enables them, and leave them (with a grace period)
 * before destroy_device returns, so no forwarder touches a device the library is tearing down.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_rcu_qsbr.h>
#include <rte_vhost.h>

#include "fwd.h"
#include "log.h"
#include "opts.h"
#include "port.h"

/* Offloads the datapath does not implement: a guest must send whole frames with checksums. */
#define DP_VHOST_FEATURES_OFF                                                                      \
	((1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |                     \
	 (1ULL << VIRTIO_NET_F_HOST_UFO) | (1ULL << VIRTIO_NET_F_HOST_ECN) |                       \
	 (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |                         \
	 (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |                   \
	 (1ULL << VIRTIO_NET_F_GUEST_UFO) | (1ULL << VIRTIO_NET_F_GUEST_ECN))

static struct dp *vh_dp; /* the callbacks have no context argument */

int
dp_vhost_init(struct dp *dp)
{
	struct group *gr;

	vh_dp = dp;
	pthread_mutex_init(&dp->vh_lock, NULL);
	pthread_mutex_init(&dp->fwd_lock, NULL);
	dp->vid_port = malloc(DP_MAX_VM_PORTS * sizeof(*dp->vid_port));
	dp->vid_vring_on = calloc(DP_MAX_VM_PORTS, sizeof(*dp->vid_vring_on));
	if (!dp->vid_port || !dp->vid_vring_on) {
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < DP_MAX_VM_PORTS; i++) {
		dp->vid_port[i] = -1;
	}
	/* Looked up once: getgrnam reads the group database, too slow per vhost_add. */
	gr = dp->opts->vhost_group ? getgrnam(dp->opts->vhost_group) : NULL;
	dp->vhost_gid = gr ? (long)gr->gr_gid : -1;
	return 0;
}

void
dp_vhost_fini(struct dp *dp)
{
	if (!dp->vid_port) {
		return;
	}
	for (unsigned int i = dp->n_eth; dp->ports && i < dp->n_ports; i++) {
		if (dp->ports[i].used && dp->ports[i].kind == DP_PORT_VHOST) {
			(void)dp_vhost_del(dp, i);
		}
	}
	free(dp->vid_port);
	free(dp->vid_vring_on);
	dp->vid_port = NULL;
	dp->vid_vring_on = NULL;
	pthread_mutex_destroy(&dp->vh_lock);
	pthread_mutex_destroy(&dp->fwd_lock);
}

/* Guest RX queues we may enqueue to: the enabled ones from queue pair 0 on. */
static uint16_t
tx_queue_pairs(uint64_t on)
{
	uint16_t n = 0;

	while (n < 32 && (on & (UINT64_C(1) << (2 * n)))) {
		n++;
	}
	return n;
}

/* Called under vh_lock: what the port's enabled rings let forwarders do at once. */
static void
set_tx_qp(struct dp_port *p)
{
	__atomic_store_n(&p->tx_qp, p->running ? tx_queue_pairs(p->vring_on) : 0, __ATOMIC_RELEASE);
}

/*
 * Publishes the VM ports' state to the forwarders (poll lists; the flood list of 'vlan', or
 * none when 'vlan' > 4095) and waits a grace period. Called without vh_lock: a callback may
 * wait on it while the library holds a ring's lock that a forwarder is spinning on, and the
 * grace period waits for that forwarder.
 */
static void
publish(struct dp *dp, unsigned int vlan)
{
	pthread_mutex_lock(&dp->fwd_lock);
	if (dp->fwd && dp_fwd_rebuild(dp) < 0) {
		dp_log(RTE_LOG_ERR, "no memory for the poll lists");
	}
	if (vlan < 4096 && dp_flood_update(dp, (uint16_t)vlan) < 0) {
		dp_log(RTE_LOG_ERR, "no memory for VLAN %u's flood list", vlan);
	}
	pthread_mutex_unlock(&dp->fwd_lock);
}

void
dp_vhost_poll(struct dp *dp)
{
	if (__atomic_exchange_n(&dp->vh_dirty, false, __ATOMIC_ACQ_REL)) {
		publish(dp, 4096);
	}
}

static int
port_of_vid(struct dp *dp, int vid)
{
	char path[sizeof(((struct dp_port *)0)->vhost_path)];

	if (vid < 0 || vid >= DP_MAX_VM_PORTS) {
		return -1;
	}
	if (dp->vid_port[vid] >= 0) {
		return dp->vid_port[vid];
	}
	if (rte_vhost_get_ifname(vid, path, sizeof(path)) < 0) {
		return -1;
	}
	for (unsigned int i = dp->n_eth; i < dp->n_ports; i++) {
		const struct dp_port *p = &dp->ports[i];

		if (p->used && p->kind == DP_PORT_VHOST && !strcmp(p->vhost_path, path)) {
			return (int)i;
		}
	}
	return -1;
}

static int
on_new_connection(int vid)
{
	struct dp *dp = vh_dp;

	if (vid < 0 || vid >= DP_MAX_VM_PORTS) {
		return -1;
	}
	pthread_mutex_lock(&dp->vh_lock);
	dp->vid_vring_on[vid] = 0;
	dp->vid_port[vid] = -1;
	pthread_mutex_unlock(&dp->vh_lock);
	return 0;
}

static int
on_new_device(int vid)
{
	struct dp *dp = vh_dp;
	struct dp_port *p;
	int idx;

	pthread_mutex_lock(&dp->vh_lock);
	idx = port_of_vid(dp, vid);
	if (idx < 0) {
		pthread_mutex_unlock(&dp->vh_lock);
		return -1;
	}
	p = &dp->ports[idx];
	dp->vid_port[vid] = (int16_t)idx;
	p->vring_on = dp->vid_vring_on[vid];
	p->running = true;
	p->connects++;
	__atomic_store_n(&p->vid, vid, __ATOMIC_RELEASE);
	set_tx_qp(p);
	pthread_mutex_unlock(&dp->vh_lock);
	publish(dp, p->vlan);
	dp_log(RTE_LOG_INFO, "'%s': guest connected (vhost device %d)", p->name, vid);
	fflush(stdout);
	return 0;
}

static void
on_destroy_device(int vid)
{
	struct dp *dp = vh_dp;
	struct dp_port *p;
	int idx;

	pthread_mutex_lock(&dp->vh_lock);
	idx = vid >= 0 && vid < DP_MAX_VM_PORTS ? dp->vid_port[vid] : -1;
	if (idx < 0) {
		pthread_mutex_unlock(&dp->vh_lock);
		return;
	}
	p = &dp->ports[idx];
	p->running = false;
	p->disconnects++;
	__atomic_store_n(&p->vid, -1, __ATOMIC_RELEASE);
	set_tx_qp(p);
	dp->vid_port[vid] = -1;
	dp->vid_vring_on[vid] = 0;
	pthread_mutex_unlock(&dp->vh_lock);
	/* Out of the poll lists and flood lists; returns after a grace period, so no forwarder
	 * is inside the library with this device (the library holds no ring lock here). */
	publish(dp, p->vlan);
	dp_log(RTE_LOG_INFO, "'%s': guest disconnected", p->name);
	fflush(stdout);
}

static int
on_vring_state(int vid, uint16_t queue, int enable)
{
	struct dp *dp = vh_dp;
	uint64_t bit = queue < 64 ? UINT64_C(1) << queue : 0;
	int idx;

	if (vid < 0 || vid >= DP_MAX_VM_PORTS) {
		return 0;
	}
	pthread_mutex_lock(&dp->vh_lock);
	dp->vid_vring_on[vid] = enable ? dp->vid_vring_on[vid] | bit : dp->vid_vring_on[vid] & ~bit;
	idx = dp->vid_port[vid];
	if (idx >= 0 && dp->ports[idx].vring_on != dp->vid_vring_on[vid]) {
		dp->ports[idx].vring_on = dp->vid_vring_on[vid];
		set_tx_qp(&dp->ports[idx]);
		/* The poll lists follow from the control thread (dp_vhost_poll): this callback
		 * may run with the ring's lock held, so it must not wait for a forwarder. A
		 * forwarder polling a disabled ring meanwhile gets nothing from the library. */
		__atomic_store_n(&dp->vh_dirty, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&dp->vh_lock);
	return 0;
}

static const struct rte_vhost_device_ops vhost_ops = {
	.new_device = on_new_device,
	.destroy_device = on_destroy_device,
	.vring_state_changed = on_vring_state,
	.new_connection = on_new_connection,
};

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

static int
vhost_start(struct dp *dp, struct dp_port *p, char *msg, size_t msg_len)
{
	uint64_t flags = p->vhost_client ? RTE_VHOST_USER_CLIENT : 0;

	if (rte_vhost_driver_register(p->vhost_path, flags) != 0) {
		snprintf(msg, msg_len, "rte_vhost_driver_register('%s') failed (EAL log above)",
			 p->vhost_path);
		return -EIO;
	}
	if (rte_vhost_driver_disable_features(p->vhost_path, DP_VHOST_FEATURES_OFF) != 0 ||
	    rte_vhost_driver_callback_register(p->vhost_path, &vhost_ops) != 0) {
		snprintf(msg, msg_len, "vhost '%s': feature or callback set-up failed",
			 p->vhost_path);
		(void)rte_vhost_driver_unregister(p->vhost_path);
		return -EIO;
	}
	/* Listed before the start: new_device may come at once and looks the path up. */
	pthread_mutex_lock(&dp->vh_lock);
	__atomic_store_n(&p->used, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&dp->vh_lock);
	if (rte_vhost_driver_start(p->vhost_path) != 0) {
		snprintf(msg, msg_len, "rte_vhost_driver_start('%s') failed (EAL log above)",
			 p->vhost_path);
		pthread_mutex_lock(&dp->vh_lock);
		p->used = false;
		pthread_mutex_unlock(&dp->vh_lock);
		(void)rte_vhost_driver_unregister(p->vhost_path);
		return -EIO;
	}
	if (!p->vhost_client) {
		/* The library created the socket: open it to QEMU's group. */
		if (dp->vhost_gid >= 0 &&
		    chown(p->vhost_path, (uid_t)-1, (gid_t)dp->vhost_gid) < 0) {
			dp_log(RTE_LOG_WARNING, "chgrp '%s': %s", p->vhost_path, strerror(errno));
		}
		(void)chmod(p->vhost_path, 0660);
	}
	return 0;
}

int
dp_vhost_add(struct dp *dp, const struct dp_vhost_conf *c, char *msg, size_t msg_len)
{
	char name[DP_PORT_NAME_MAX];
	struct dp_port *p;
	int slot = -1, r;

	snprintf(name, sizeof(name), "net_vhost_%s", c->name);
	if (dp_port_find(dp, name) >= 0) {
		snprintf(msg, msg_len, "vhost port '%s' exists", c->name);
		return -EEXIST;
	}
	for (unsigned int i = dp->n_eth; dp->n_vm < dp->opts->max_vm_ports && i < dp->max_ports;
	     i++) {
		if (!dp->ports[i].used) {
			slot = (int)i;
			break;
		}
	}
	if (slot < 0) {
		snprintf(msg, msg_len, "all %u VM ports are in use (--max-vm-ports %u)", dp->n_vm,
			 dp->opts->max_vm_ports);
		return -ENOSPC;
	}
	if (mkdir_p(dp->opts->vhost_dir) < 0) {
		r = -errno;
		snprintf(msg, msg_len, "vhost directory '%s': %s", dp->opts->vhost_dir,
			 strerror(errno));
		return r;
	}
	p = &dp->ports[slot];
	memset(p, 0, sizeof(*p));
	p->kind = DP_PORT_VHOST;
	p->vid = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	r = snprintf(p->vhost_path, sizeof(p->vhost_path), "%s/%s.sock", dp->opts->vhost_dir,
		     c->name);
	if (r < 0 || (size_t)r >= sizeof(p->vhost_path)) {
		snprintf(msg, msg_len, "socket path '%s/%s.sock' is too long for a unix socket",
			 dp->opts->vhost_dir, c->name);
		return -ENAMETOOLONG;
	}
	p->vhost_client = c->client;
	snprintf(p->devargs, sizeof(p->devargs), "vhost-user,path=%s,mode=%s", p->vhost_path,
		 c->client ? "client" : "server");
	p->has_wl_mac = c->has_mac;
	memcpy(p->wl_mac.addr_bytes, c->mac, sizeof(p->wl_mac.addr_bytes));
	p->mac = p->wl_mac;
	p->vlan = c->vlan;
	p->spoofchk = c->spoofchk;
	p->uplink = 0;
	p->nb_rxq = 1;
	p->nb_txq = (uint16_t)dp->n_fwd;
	p->socket = dp->ports[0].socket; /* the uplink's: packets come from its pool */
	for (unsigned int q = 0; q < DP_MAX_QUEUES; q++) {
		p->queue_chain[q] = -1;
	}
	snprintf(p->rte_flow_cap, sizeof(p->rte_flow_cap), "unsupported");
	/* Counters of a reused slot start from zero (no forwarder touches an unused port). */
	for (unsigned int w = 0; w < dp->n_fwd; w++) {
		memset(dp_pstats(dp, w, (unsigned int)slot), 0, sizeof(struct dp_port_stats));
	}
	if (!c->client) {
		(void)unlink(p->vhost_path); /* left by an nfpath-dp that crashed */
	}
	if ((unsigned int)slot >= dp->n_ports) {
		__atomic_store_n(&dp->n_ports, (unsigned int)slot + 1, __ATOMIC_RELEASE);
	}
	r = vhost_start(dp, p, msg, msg_len);
	if (r < 0) {
		return r;
	}
	dp->n_vm++;
	return slot;
}

int
dp_vhost_del(struct dp *dp, unsigned int idx)
{
	struct dp_port *p = &dp->ports[idx];

	if (idx >= dp->n_ports || !p->used || p->kind != DP_PORT_VHOST) {
		return -ENOENT;
	}
	/* Unlisted first, so a guest connecting meanwhile is refused (new_device). */
	pthread_mutex_lock(&dp->vh_lock);
	__atomic_store_n(&p->used, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&dp->vh_lock);
	/* Destroys a connected guest's device here, through on_destroy_device, which takes the
	 * port out of the poll lists; afterwards no callback names this socket. */
	if (rte_vhost_driver_unregister(p->vhost_path) != 0) {
		dp_log(RTE_LOG_WARNING, "'%s': rte_vhost_driver_unregister failed", p->name);
	}
	if (!p->vhost_client) {
		(void)unlink(p->vhost_path);
	}
	pthread_mutex_lock(&dp->vh_lock);
	p->running = false;
	__atomic_store_n(&p->vid, -1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&dp->vh_lock);
	/* A forwarder that saw the port in use just before holds nothing for it after this. */
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	dp->n_vm--;
	return 0;
}
