// SPDX-License-Identifier: BSD-3-Clause
/*
 * Real netdevs of the simulated NIC (the description file's "netdevs": true), so that its VFs
 * carry packets. Per PF named P (README.md, "Packets: real netdevs and the embedded switch"):
 *   P        <-> P-sp     the PF's own netdev (nfpath-dp's uplink) and its switch port
 *   P-cable  <-> P-sw     the wire: the cable (a test or the demo sends on it) and its port
 *   PvI      <-> P-sI     VF I's netdev and its switch port, from VF creation to destruction
 * Each pair is one veth, made or deleted in one RTM_NEWLINK/RTM_DELLINK, so a kill -9 leaves
 * a pair or none; vfm_sim_net_repair() (every open) makes the set match the tree. The switch
 * itself (backend-sim-switch.c) only opens sockets on the P-* ports; it learns of changes
 * through a generation counter in the tree (vfm_sim_net_bump(), vfm_sim_net_notify()).
 * Link state is the switch port's admin state (a veth's carrier follows its peer), the VF's
 * MAC is also its netdev's address, as a VF driver takes the MAC its PF gives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "backend-sim.h"

bool
vfm_sim_net_pf(const struct sim *sim, const struct sim_pf *pf)
{
	return sim->netdevs && !pf->nsim && pf->name[0] && (pf->class_code >> 16) == 0x02;
}

void
vfm_sim_net_vf_name(const struct sim_pf *pf, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "%sv%u", pf->name, i);
}

void
vfm_sim_net_port_name(const struct sim_pf *pf, int vf, char *buf, size_t len)
{
	if (vf == SIM_PORT_PF)
		snprintf(buf, len, "%s-sp", pf->name);
	else if (vf == SIM_PORT_WIRE)
		snprintf(buf, len, "%s-sw", pf->name);
	else
		snprintf(buf, len, "%s-s%d", pf->name, vf);
}

static void
cable_name(const struct sim_pf *pf, char *buf, size_t len)
{
	snprintf(buf, len, "%s-cable", pf->name);
}

static int
ioctl_sock(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* Set or clear IFF_UP (and keep the device quiet: no ARP, no multicast). */
static int
set_up(const char *ifname, bool up)
{
	struct ifreq ifr = {0};
	int fd = ioctl_sock(), r = 0;

	if (fd < 0)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else {
		short want = (short)((ifr.ifr_flags | IFF_NOARP) & ~IFF_MULTICAST);

		want = up ? (short)(want | IFF_UP) : (short)(want & ~IFF_UP);
		if (want != ifr.ifr_flags) {
			ifr.ifr_flags = want;
			if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
				r = -errno;
		}
	}
	close(fd);
	return r;
}

int
vfm_sim_net_get_mac(const char *ifname, uint8_t ret_mac[VFM_MAC_LEN])
{
	struct ifreq ifr = {0};
	int fd = ioctl_sock(), r = 0;

	if (fd < 0)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		r = -errno;
	else
		memcpy(ret_mac, ifr.ifr_hwaddr.sa_data, VFM_MAC_LEN);
	close(fd);
	return r;
}

static int
set_mac(const char *ifname, const uint8_t mac[VFM_MAC_LEN])
{
	struct ifreq ifr = {0};
	int fd = ioctl_sock(), r = 0;

	if (fd < 0)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
	    memcmp(ifr.ifr_hwaddr.sa_data, mac, VFM_MAC_LEN) == 0) {
		close(fd);
		return 0;
	}
	ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
	memcpy(ifr.ifr_hwaddr.sa_data, mac, VFM_MAC_LEN);
	if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int
set_mtu(const char *ifname, unsigned int mtu)
{
	struct ifreq ifr = {0};
	int fd = ioctl_sock(), r = 0;

	if (fd < 0)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Write a small kernel file, ignoring failure (what it sets is a courtesy, not a function). */
static void
write_proc(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, value, strlen(value)) < 0) {
			/* no IPv6 on this kernel, or no alias: nothing to set */
		}
		close(fd);
	}
}

/* No IPv6 on the simulator's netdevs (router solicitations would be stray frames), and an
 * alias that says what they are: `ip link` shows "alias SIMULATED ...". */
static void
quiet_and_label(const char *ifname, const char *what)
{
	char path[128], alias[192];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	write_proc(path, "1");
	snprintf(path, sizeof(path), "/sys/class/net/%s/ifalias", ifname);
	snprintf(alias, sizeof(alias), "SIMULATED SR-IOV NIC (nfpath vf-manager): %s", what);
	write_proc(path, alias);
}

static struct nl_sock *
nl_open(int *ret_err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		*ret_err = vfm_nle_to_errno(r);
		return NULL;
	}
	return sk;
}

static int
link_del(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *l;
	int r;

	if (!if_nametoindex(ifname))
		return 0;
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, ifname);
	r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (r < 0 && if_nametoindex(ifname))
		return vfm_nle_to_errno(r);
	return 0;
}

/*
 * Make veth pair a <-> b (up, quiet, with MTU and a's MAC) unless both exist. A half (one name
 * taken by something else, or a pair with another peer) is deleted first.
 */
static int
pair_add(struct nl_sock *sk, const char *a, const char *b, unsigned int mtu, const uint8_t *mac,
	 bool b_up, const char *what)
{
	char port[96];

	int r;

	if (!if_nametoindex(a) || !if_nametoindex(b)) {
		link_del(sk, a);
		link_del(sk, b);
		r = rtnl_link_veth_add(sk, a, b, getpid());
		if (r < 0)
			return vfm_nle_to_errno(r);
	}
	snprintf(port, sizeof(port), "switch port of %s", a);
	quiet_and_label(a, what);
	quiet_and_label(b, port);
	r = set_mtu(a, mtu);
	if (r == 0)
		r = set_mtu(b, mtu);
	if (r == 0 && mac)
		r = set_mac(a, mac);
	if (r == 0)
		r = set_up(a, true);
	if (r == 0)
		r = set_up(b, b_up);
	return r;
}

static void
pf_mac(const struct sim_pf *pf, uint8_t mac[VFM_MAC_LEN])
{
	const uint8_t m[VFM_MAC_LEN] = {2, 0, 0, pf->addr.bus, pf->addr.dev, pf->addr.func};

	memcpy(mac, m, VFM_MAC_LEN);
}

int
vfm_sim_net_pf_add(const struct sim *sim, const struct sim_pf *pf)
{
	char port[IFNAMSIZ + 8], cable[IFNAMSIZ + 8];
	uint8_t mac[VFM_MAC_LEN];
	struct nl_sock *sk;
	int r;

	(void)sim;
	sk = nl_open(&r);
	if (!sk)
		return r;
	pf_mac(pf, mac);
	vfm_sim_net_port_name(pf, SIM_PORT_PF, port, sizeof(port));
	r = pair_add(sk, pf->name, port, pf->mtu, mac, true, "PF netdev (the uplink)");
	if (r == 0) {
		vfm_sim_net_port_name(pf, SIM_PORT_WIRE, port, sizeof(port));
		cable_name(pf, cable, sizeof(cable));
		/* The cable may live in a test's namespace: then only the port is here. */
		if (!if_nametoindex(port))
			r = pair_add(sk, cable, port, pf->mtu, NULL, true, "the PF's cable");
	}
	nl_socket_free(sk);
	return r;
}

int
vfm_sim_net_vf_add(const struct sim *sim, const struct sim_pf *pf, unsigned int i, const char *mac)
{
	char vf[IFNAMSIZ + 8], port[IFNAMSIZ + 8];
	uint8_t m[VFM_MAC_LEN];
	struct nl_sock *sk;
	int r;

	(void)sim;
	if (vfm_mac_parse(mac, m) < 0)
		return -EINVAL;
	sk = nl_open(&r);
	if (!sk)
		return r;
	vfm_sim_net_vf_name(pf, i, vf, sizeof(vf));
	vfm_sim_net_port_name(pf, (int)i, port, sizeof(port));
	r = pair_add(sk, vf, port, pf->mtu, m, true, "VF netdev");
	nl_socket_free(sk);
	return r;
}

int
vfm_sim_net_vf_del(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	char vf[IFNAMSIZ + 8], port[IFNAMSIZ + 8];
	struct nl_sock *sk;
	int r;

	(void)sim;
	sk = nl_open(&r);
	if (!sk)
		return r;
	vfm_sim_net_vf_name(pf, i, vf, sizeof(vf));
	vfm_sim_net_port_name(pf, (int)i, port, sizeof(port));
	r = link_del(sk, vf);
	if (r == 0)
		r = link_del(sk, port);
	nl_socket_free(sk);
	return r;
}

int
vfm_sim_net_vf_apply(const struct sim *sim, const struct sim_pf *pf, unsigned int i,
		     const struct vfm_vf_config *cfg)
{
	static const uint8_t zero[VFM_MAC_LEN];
	char vf[IFNAMSIZ + 8], port[IFNAMSIZ + 8];
	int r = 0;

	(void)sim;
	vfm_sim_net_vf_name(pf, i, vf, sizeof(vf));
	vfm_sim_net_port_name(pf, (int)i, port, sizeof(port));
	if (memcmp(cfg->mac, zero, VFM_MAC_LEN) != 0) {
		r = set_mac(vf, cfg->mac);
		if (r == -EBUSY && set_up(vf, false) == 0) {
			r = set_mac(vf, cfg->mac);
			set_up(vf, true);
		}
	}
	if (r == 0)
		r = set_up(port, cfg->link_state != VFM_LINK_DISABLE);
	return r;
}

/* Point the tree's net/IF/ifindex of a bound VF at the real netdev (it changes on repair). */
static void
fix_ifindex(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], rel[PATH_MAX], path[PATH_MAX], ifname[32];
	unsigned int idx;

	vfm_sim_net_vf_name(pf, i, ifname, sizeof(ifname));
	idx = if_nametoindex(ifname);
	vfm_sim_vf_pci(pf, i, pci, sizeof(pci));
	vfm_sim_dev_rel(pf, pci, devrel, sizeof(devrel));
	snprintf(rel, sizeof(rel), "%s/net/%s/ifindex", devrel, ifname);
	if (idx && vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) == 0 &&
	    access(path, F_OK) == 0 && vfm_sim_read_rel_long(sim, rel, 0) != (long)idx)
		vfm_sim_put(sim, rel, "%u", idx);
}

int
vfm_sim_net_repair(struct vfm_ctx *ctx, const struct sim *sim)
{
	for (size_t p = 0; p < sim->n_pfs; p++) {
		const struct sim_pf *pf = &sim->pfs[p];
		long n = vfm_sim_numvfs(sim, pf);
		int r;

		if (!vfm_sim_net_pf(sim, pf))
			continue;
		r = vfm_sim_net_pf_add(sim, pf);
		for (unsigned int i = 0; i < SIM_MAX_VFS && r == 0; i++) {
			struct vfm_vf_config cfg;
			char mac[VFM_MAC_STRLEN];

			if ((long)i >= n) {
				r = vfm_sim_net_vf_del(sim, pf, i);
				continue;
			}
			vfm_sim_vf_mac(pf, i, mac, sizeof(mac));
			r = vfm_sim_net_vf_add(sim, pf, i, mac);
			if (r == 0 && vfm_sim_vf_read(sim, pf->pci, i, &cfg) == 0)
				r = vfm_sim_net_vf_apply(sim, pf, i, &cfg);
			fix_ifindex(sim, pf, i);
		}
		if (r == -EPERM || r == -EACCES)
			return vfm_fail(
				ctx, r,
				"simulator: PF '%s': making its netdevs needs CAP_NET_ADMIN "
				"(run as root, or drop \"netdevs\" from the NIC file)",
				pf->name);
		if (r < 0)
			return vfm_fail(ctx, r, "simulator: PF '%s': making its netdevs failed: %s",
					pf->name, strerror(-r));
	}
	return 0;
}

void
vfm_sim_net_destroy(const struct sim *sim)
{
	struct nl_sock *sk;
	int r;

	sk = nl_open(&r);
	if (!sk)
		return;
	for (size_t p = 0; p < sim->n_pfs; p++) {
		const struct sim_pf *pf = &sim->pfs[p];
		char name[IFNAMSIZ + 8];

		if (!vfm_sim_net_pf(sim, pf))
			continue;
		link_del(sk, pf->name);
		vfm_sim_net_port_name(pf, SIM_PORT_WIRE, name, sizeof(name));
		link_del(sk, name);
		cable_name(pf, name, sizeof(name));
		link_del(sk, name);
		for (unsigned int i = 0; i < SIM_MAX_VFS; i++) {
			vfm_sim_net_vf_name(pf, i, name, sizeof(name));
			link_del(sk, name);
			vfm_sim_net_port_name(pf, (int)i, name, sizeof(name));
			link_del(sk, name);
		}
	}
	nl_socket_free(sk);
}

unsigned long
vfm_sim_net_bump(const struct sim *sim)
{
	long g;

	if (!sim->netdevs)
		return 0;
	g = vfm_sim_read_rel_long(sim, SIM_STATE "/switch/generation", 0) + 1;
	vfm_sim_put(sim, SIM_STATE "/switch/generation", "%ld", g);
	return (unsigned long)g;
}

/* A switch holds an exclusive lock on nfpath-sim/switch/running for its whole life. */
static bool
switch_running(const struct sim *sim)
{
	char path[PATH_MAX];
	bool running = false;
	int fd;

	if (vfm_path(path, sizeof(path), "%s/" SIM_STATE "/switch/running", sim->root) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		running = errno == EWOULDBLOCK;
	close(fd);
	return running;
}

void
vfm_sim_net_notify(const struct sim *sim)
{
	struct timespec ts = {.tv_nsec = 1000000};
	long want;

	if (!sim->netdevs || !switch_running(sim))
		return;
	want = vfm_sim_read_rel_long(sim, SIM_STATE "/switch/generation", 0);
	/* Like a driver's ndo_set_vf_*: the setting holds when the call returns. */
	for (int i = 0; i < 2000; i++) {
		if (vfm_sim_read_rel_long(sim, SIM_STATE "/switch/applied", 0) >= want)
			return;
		nanosleep(&ts, NULL);
	}
	vfm_debug("simulator: the switch did not apply generation %ld within 2 s", want);
}
