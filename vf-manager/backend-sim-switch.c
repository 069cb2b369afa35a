// SPDX-License-Identifier: BSD-3-Clause
/*
 * The simulated NIC's embedded switch, as a NIC's eswitch in legacy mode: one AF_PACKET socket
 * on every switch port (the PF's uplink P-sp, the wire P-sw, each VF's P-sI; see
 * backend-sim-net.c), forwarding by destination MAC within a VLAN and applying each VF's
 * configuration from the tree (nfpath-sim/pf/PF/vfN, written by vf_set like any VF setting):
 *   - MAC: a VF receives the unicast frames for its MAC (the admin MAC, or its netdev's own
 *     while the admin MAC is zero); what no VF claims goes from the wire to the PF's uplink,
 *     and from the PF or a VF out to the wire (a VF reaches the PF by the PF's MAC);
 *   - VLAN (port VLAN): frames from the VF are tagged (its TPID, VLAN and QoS), tagged frames
 *     from it are dropped; frames to it must carry that tag and lose it; a VF without a VLAN
 *     is in the untagged domain;
 *   - spoof-check: a frame from the VF with another source MAC is dropped;
 *   - link state "disable": nothing to or from the VF (its port is also down, so its netdev
 *     has no carrier);
 *   - max_tx_rate: a token bucket (10 ms of traffic, at least 3000 bytes) on what the VF sends;
 *     above it frames are dropped (a real NIC paces instead).
 * Broadcast and multicast flood within the VLAN: to the VFs of that domain, the PF and the wire.
 * Counters per port and reason go to nfpath-sim/switch/stats (at every reload: once a second,
 * on every new generation, and at exit).
 *
 * The per-frame path (recv_frame() to port_send()) uses static buffers and the sockets'
 * syscalls only: no allocation, no logging, no locks. The configuration is reloaded (under the
 * tree's lock) when nfpath-sim/switch/generation changes; "applied" then tells the writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "backend-sim.h"

#define SW_HEAD      8 /* room before a frame to insert a VLAN tag in place */
#define SW_FRAME_MAX (65535 + 32)
#define SW_BURST     64

/* Drop reasons. rx_lost: frames the kernel dropped from a full socket buffer of the switch
 * (PACKET_STATISTICS, read once a second), so that no loss inside the simulator is silent. */
enum sw_drop { SW_SPOOF, SW_LINK, SW_RATE, SW_VLAN, SW_TXERR, SW_RXLOST, SW_N_DROPS };
static const char *const sw_drop_names[SW_N_DROPS] = {"spoofchk", "link_down", "rate",
						      "vlan",     "tx_error",  "rx_lost"};

struct sw_port {
	int fd; /* -1: closed */
	unsigned int ifindex;
	char name[IFNAMSIZ];
	int vf; /* VF index, SIM_PORT_PF or SIM_PORT_WIRE */
	/* A VF's configuration (from its state file) */
	uint8_t mac[VFM_MAC_LEN];
	uint16_t vlan, tpid;
	uint8_t qos;
	bool spoofchk;
	bool link_up;
	double rate;   /* bytes per second, 0 = unlimited */
	double burst;  /* bucket depth, bytes */
	double tokens; /* bytes */
	uint64_t last_ns;
	/* Counters */
	uint64_t rx, tx, drops[SW_N_DROPS];
};

struct sw_pf {
	const struct sim_pf *pf;
	uint8_t pf_mac[VFM_MAC_LEN];
	struct sw_port wire, up;
	struct sw_port vfs[SIM_MAX_VFS];
	unsigned int n_vfs;
};

struct sw {
	const struct sim *sim;
	struct sw_pf pfs[SIM_MAX_PFS];
	size_t n_pfs;
	struct pollfd fds[SIM_MAX_PFS * 8];
	struct sw_port *fd_port[SIM_MAX_PFS * 8];
	struct sw_pf *fd_pf[SIM_MAX_PFS * 8];
	size_t n_fds;
	long applied;
	uint8_t rx_buf[SW_HEAD + SW_FRAME_MAX];
	uint8_t tx_buf[SW_FRAME_MAX];
};

/* ---- control path ----------------------------------------------------------------------- */

static void port_read_lost(struct sw_port *p);

static void
port_close(struct sw_port *p)
{
	port_read_lost(p);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->ifindex = 0;
}

/* (Re)open the port's socket when its netdev exists and is not the one the socket is on. */
static void
port_open(struct sw_port *p)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	unsigned int idx = if_nametoindex(p->name);
	int one = 1, fd, rcvbuf = 4 << 20;

	if (idx && idx == p->ifindex && p->fd >= 0)
		return;
	port_close(p);
	if (!idx)
		return;
	/* Protocol 0 receives nothing until bound to this one device. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sll.sll_ifindex = (int)idx;
	setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return;
	}
	p->fd = fd;
	p->ifindex = idx;
}

static void
port_init(struct sw_port *p, const struct sim_pf *pf, int vf)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->vf = vf;
	p->link_up = true;
	vfm_sim_net_port_name(pf, vf, p->name, sizeof(p->name));
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
vf_configure(struct sw_port *p, const struct sim_pf *pf, unsigned int i,
	     const struct vfm_vf_config *c)
{
	static const uint8_t zero[VFM_MAC_LEN];
	char ifname[32];

	if (memcmp(c->mac, zero, VFM_MAC_LEN) != 0) {
		memcpy(p->mac, c->mac, VFM_MAC_LEN);
	} else {
		vfm_sim_net_vf_name(pf, i, ifname, sizeof(ifname));
		if (vfm_sim_net_get_mac(ifname, p->mac) < 0)
			memset(p->mac, 0, VFM_MAC_LEN);
	}
	p->vlan = c->vlan;
	p->tpid = c->vlan_proto ? c->vlan_proto : VFM_VLAN_PROTO_8021Q;
	p->qos = c->qos;
	p->spoofchk = c->spoofchk;
	p->link_up = c->link_state != VFM_LINK_DISABLE;
	p->rate = (double)c->max_tx_rate * 125000.0; /* Mbit/s -> bytes/s */
	p->burst = p->rate / 100 > 3000 ? p->rate / 100 : 3000;
	if (p->tokens > p->burst || !p->rate)
		p->tokens = p->burst;
	p->last_ns = now_ns();
}

static void
sw_build_fds(struct sw *sw)
{
	sw->n_fds = 0;
	for (size_t i = 0; i < sw->n_pfs; i++) {
		struct sw_pf *s = &sw->pfs[i];
		struct sw_port *ports[SIM_MAX_VFS + 2];
		size_t n = 0;

		ports[n++] = &s->wire;
		ports[n++] = &s->up;
		for (unsigned int v = 0; v < s->n_vfs; v++)
			ports[n++] = &s->vfs[v];
		for (size_t k = 0; k < n; k++) {
			if (ports[k]->fd < 0 || sw->n_fds >= sizeof(sw->fds) / sizeof(sw->fds[0]))
				continue;
			sw->fds[sw->n_fds] = (struct pollfd){.fd = ports[k]->fd, .events = POLLIN};
			sw->fd_port[sw->n_fds] = ports[k];
			sw->fd_pf[sw->n_fds] = s;
			sw->n_fds++;
		}
	}
}

static void sw_write_stats(struct sw *sw);

/* Read the tree (under its lock) into the switch's tables; open and close sockets; write the
 * counters. */
static void
sw_reload(struct sw *sw)
{
	const struct sim *sim = sw->sim;
	long gen;

	while (flock(sim->lock_fd, LOCK_EX) < 0 && errno == EINTR)
		;
	gen = vfm_sim_read_rel_long(sim, SIM_STATE "/switch/generation", 0);
	for (size_t i = 0; i < sw->n_pfs; i++) {
		struct sw_pf *s = &sw->pfs[i];
		long n = vfm_sim_numvfs(sim, s->pf);

		if (n > SIM_MAX_VFS)
			n = SIM_MAX_VFS;
		if (vfm_sim_net_get_mac(s->pf->name, s->pf_mac) < 0)
			memset(s->pf_mac, 0, VFM_MAC_LEN);
		port_open(&s->wire);
		port_open(&s->up);
		for (unsigned int v = 0; v < SIM_MAX_VFS; v++) {
			struct sw_port *p = &s->vfs[v];
			struct vfm_vf_config c;

			if ((long)v >= n) {
				port_close(p);
				continue;
			}
			if (vfm_sim_vf_read(sim, s->pf->pci, v, &c) == 0)
				vf_configure(p, s->pf, v, &c);
			port_open(p);
		}
		s->n_vfs = (unsigned int)n;
	}
	flock(sim->lock_fd, LOCK_UN);
	sw_build_fds(sw);
	sw->applied = gen;
	/* The counters first: whoever waits for "applied" (nfpath-simnic stats) reads them. */
	sw_write_stats(sw);
	vfm_sim_put(sim, SIM_STATE "/switch/applied", "%ld", gen);
}

static void
port_read_lost(struct sw_port *p)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (p->fd >= 0 && getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		p->drops[SW_RXLOST] += st.tp_drops;
}

static void
sw_write_stats(struct sw *sw)
{
	static char text[SIM_MAX_PFS * (SIM_MAX_VFS + 2) * 48];
	size_t len = 0;
	char path[PATH_MAX];

	for (size_t i = 0; i < sw->n_pfs; i++) {
		struct sw_pf *s = &sw->pfs[i];

		for (unsigned int k = 0; k < s->n_vfs + 2; k++) {
			struct sw_port *p = k == 0 ? &s->wire : k == 1 ? &s->up : &s->vfs[k - 2];
			int n;

			port_read_lost(p);
			n = snprintf(text + len, sizeof(text) - len, "%s rx %llu tx %llu", p->name,
				     (unsigned long long)p->rx, (unsigned long long)p->tx);

			for (int d = 0; d < SW_N_DROPS && n > 0 && len + (size_t)n < sizeof(text);
			     d++)
				n += snprintf(text + len + n, sizeof(text) - len - (size_t)n,
					      " %s %llu", sw_drop_names[d],
					      (unsigned long long)p->drops[d]);
			if (n < 0 || len + (size_t)n + 2 >= sizeof(text))
				break;
			len += (size_t)n;
			text[len++] = '\n';
			text[len] = '\0';
		}
	}
	text[len] = '\0';
	if (vfm_path(path, sizeof(path), "%s/" SIM_STATE "/switch/stats", sw->sim->root) == 0)
		vfm_write_file_atomic(path, text);
}

/* ---- per-frame path: static buffers, no allocation, no logging -------------------------- */

static void
port_send(struct sw_port *p, const uint8_t *frame, size_t len)
{
	if (p->fd < 0 || send(p->fd, frame, len, MSG_DONTWAIT) != (ssize_t)len) {
		p->drops[SW_TXERR]++;
		return;
	}
	p->tx++;
}

static bool
is_vlan_tpid(uint16_t t)
{
	return t == VFM_VLAN_PROTO_8021Q || t == VFM_VLAN_PROTO_8021AD;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Deliver to a VF: within its VLAN domain, without the tag of its port VLAN. */
static bool
vf_accepts(const struct sw_port *vf, const uint8_t *frame, size_t len)
{
	bool tagged = len >= 18 && is_vlan_tpid(get16(frame + 12));

	if (!vf->vlan)
		return !tagged;
	return tagged && get16(frame + 12) == vf->tpid && (get16(frame + 14) & 0xfff) == vf->vlan;
}

static void
vf_deliver(struct sw *sw, struct sw_port *vf, const uint8_t *frame, size_t len)
{
	if (!vf->link_up) {
		vf->drops[SW_LINK]++;
		return;
	}
	if (!vf->vlan) {
		port_send(vf, frame, len);
		return;
	}
	memcpy(sw->tx_buf, frame, 12);
	memcpy(sw->tx_buf + 12, frame + 16, len - 16);
	port_send(vf, sw->tx_buf, len - 4);
}

static void
sw_forward(struct sw *sw, struct sw_pf *s, struct sw_port *from, const uint8_t *frame, size_t len)
{
	bool flood = frame[0] & 1;

	for (unsigned int v = 0; v < s->n_vfs; v++) {
		struct sw_port *vf = &s->vfs[v];

		if (vf == from || vf->fd < 0 || !vf_accepts(vf, frame, len))
			continue;
		if (flood) {
			vf_deliver(sw, vf, frame, len);
		} else if (memcmp(vf->mac, frame, VFM_MAC_LEN) == 0) {
			vf_deliver(sw, vf, frame, len);
			return;
		}
	}
	if (flood) {
		if (from != &s->up)
			port_send(&s->up, frame, len);
		if (from != &s->wire)
			port_send(&s->wire, frame, len);
	} else if (from == &s->wire) {
		port_send(&s->up, frame, len); /* what no VF claims */
	} else if (from != &s->up && memcmp(s->pf_mac, frame, VFM_MAC_LEN) == 0) {
		port_send(&s->up, frame, len); /* a VF to its PF */
	} else {
		port_send(&s->wire, frame, len);
	}
}

/* A VF's transmit side: link, spoof-check, port VLAN, rate. frame has SW_HEAD bytes of room
 * before it. Returns the frame to forward (possibly moved) or NULL when dropped. */
static uint8_t *
vf_ingress(struct sw_port *p, uint8_t *frame, size_t *len)
{
	if (!p->link_up) {
		p->drops[SW_LINK]++;
		return NULL;
	}
	if (p->spoofchk && memcmp(frame + 6, p->mac, VFM_MAC_LEN) != 0) {
		p->drops[SW_SPOOF]++;
		return NULL;
	}
	if (p->vlan) {
		uint16_t tci = (uint16_t)(p->qos << 13 | p->vlan);

		if (*len >= 14 && is_vlan_tpid(get16(frame + 12))) {
			p->drops[SW_VLAN]++;
			return NULL;
		}
		memmove(frame - 4, frame, 12);
		frame -= 4;
		frame[12] = (uint8_t)(p->tpid >> 8);
		frame[13] = (uint8_t)p->tpid;
		frame[14] = (uint8_t)(tci >> 8);
		frame[15] = (uint8_t)tci;
		*len += 4;
	}
	if (p->rate > 0) {
		uint64_t t = now_ns();

		p->tokens += (double)(t - p->last_ns) * p->rate / 1e9;
		p->last_ns = t;
		if (p->tokens > p->burst)
			p->tokens = p->burst;
		if (p->tokens < (double)*len) {
			p->drops[SW_RATE]++;
			return NULL;
		}
		p->tokens -= (double)*len;
	}
	return frame;
}

/* Receive one frame into sw->rx_buf (a tag the kernel took out is put back). Returns its
 * start, or NULL (nothing more, or an error: *ret_err). */
static uint8_t *
recv_frame(struct sw *sw, struct sw_port *p, size_t *ret_len, int *ret_err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} cbuf;
	struct sockaddr_ll sll;
	struct iovec iov = {.iov_base = sw->rx_buf + SW_HEAD, .iov_len = SW_FRAME_MAX};
	struct msghdr msg = {.msg_name = &sll,
			     .msg_namelen = sizeof(sll),
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = &cbuf,
			     .msg_controllen = sizeof(cbuf)};
	uint8_t *frame = sw->rx_buf + SW_HEAD;
	ssize_t n;

	*ret_err = 0;
	n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
	if (n < 0) {
		*ret_err = errno;
		return NULL;
	}
	if (n < 14 || sll.sll_pkttype == PACKET_OUTGOING) {
		*ret_len = 0;
		return frame;
	}
	*ret_len = (size_t)n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
			continue;
		uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid
									    : ETH_P_8021Q;
		memmove(frame - 4, frame, 12);
		frame -= 4;
		frame[12] = (uint8_t)(tpid >> 8);
		frame[13] = (uint8_t)tpid;
		frame[14] = (uint8_t)(aux.tp_vlan_tci >> 8);
		frame[15] = (uint8_t)aux.tp_vlan_tci;
		*ret_len += 4;
	}
	return frame;
}

static void
sw_drain(struct sw *sw, struct sw_pf *s, struct sw_port *p)
{
	for (int i = 0; i < SW_BURST; i++) {
		size_t len;
		int err;
		uint8_t *frame = recv_frame(sw, p, &len, &err);

		if (!frame) {
			/* A deleted netdev: the next reload reopens it when it is back. */
			if (err != EAGAIN && err != EINTR && err != ENETDOWN)
				port_close(p);
			return;
		}
		if (!len)
			continue;
		p->rx++;
		if (p->vf >= 0) {
			/* Room for a tag before a frame that already moved for one: it is then
			 * tagged and vf_ingress() drops it before moving it again. */
			frame = vf_ingress(p, frame, &len);
			if (!frame)
				continue;
		}
		sw_forward(sw, s, p, frame, len);
	}
}

/* ---- the loop --------------------------------------------------------------------------- */

int
vfm_sim_switch_run(struct vfm_ctx *ctx, volatile sig_atomic_t *stop)
{
	const struct sim *sim = vfm_sim_of(ctx);
	uint64_t last_check = 0, last_reload = 0;
	char path[PATH_MAX];
	struct sw *sw;
	int run_fd, r = 0;

	if (!sim->netdevs)
		return vfm_fail(
			ctx, -EINVAL,
			"simulator: the NIC file does not say \"netdevs\": true; the switch "
			"has no ports");
	if (vfm_path(path, sizeof(path), "%s/" SIM_STATE "/switch", sim->root) < 0 ||
	    vfm_mkdir_p(path) < 0 ||
	    vfm_path(path, sizeof(path), "%s/" SIM_STATE "/switch/running", sim->root) < 0)
		return -ENAMETOOLONG;
	run_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (run_fd < 0)
		return vfm_fail(ctx, -errno, "simulator: cannot open '%s': %s", path,
				strerror(errno));
	if (flock(run_fd, LOCK_EX | LOCK_NB) < 0) {
		close(run_fd);
		return vfm_fail(ctx, -EBUSY,
				"simulator: a switch already runs on '%s' (it holds '%s')",
				sim->root, path);
	}
	sw = calloc(1, sizeof(*sw));
	if (!sw) {
		close(run_fd);
		return -ENOMEM;
	}
	sw->sim = sim;
	for (size_t i = 0; i < sim->n_pfs; i++) {
		struct sw_pf *s = &sw->pfs[sw->n_pfs];

		if (!vfm_sim_net_pf(sim, &sim->pfs[i]))
			continue;
		s->pf = &sim->pfs[i];
		port_init(&s->wire, s->pf, SIM_PORT_WIRE);
		port_init(&s->up, s->pf, SIM_PORT_PF);
		for (int v = 0; v < SIM_MAX_VFS; v++)
			port_init(&s->vfs[v], s->pf, v);
		sw->n_pfs++;
	}
	sw_reload(sw);
	vfm_debug("simulator: switch up on '%s': %zu PFs", sim->root, sw->n_pfs);
	while (!*stop) {
		uint64_t t;
		int n = poll(sw->fds, sw->n_fds, 10);

		if (n < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		for (size_t i = 0; n > 0 && i < sw->n_fds; i++)
			if (sw->fds[i].revents && sw->fd_port[i]->fd >= 0)
				sw_drain(sw, sw->fd_pf[i], sw->fd_port[i]);
		t = now_ns();
		if (t - last_check >= 5000000u) {
			last_check = t;
			/* A new generation, or once a second a port to reopen. */
			if (vfm_sim_read_rel_long(sim, SIM_STATE "/switch/generation", 0) !=
				    sw->applied ||
			    t - last_reload >= 1000000000u) {
				last_reload = t;
				sw_reload(sw);
			}
		}
	}
	sw_write_stats(sw);
	for (size_t i = 0; i < sw->n_pfs; i++) {
		port_close(&sw->pfs[i].wire);
		port_close(&sw->pfs[i].up);
		for (int v = 0; v < SIM_MAX_VFS; v++)
			port_close(&sw->pfs[i].vfs[v]);
	}
	free(sw);
	close(run_fd);
	return r;
}
