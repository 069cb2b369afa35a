// SPDX-License-Identifier: BSD-3-Clause
/*
 * The simulated NIC's sysfs-shaped tree and the kernel's part in it: file and link helpers,
 * VF creation and destruction (virtfnN, physfn, IOMMU groups, driver probing with netdev and
 * MSI-X IRQs) and vfm_sim_write_attr_locked(), which interprets a write the way the kernel
 * would (sriov_numvfs, driver_override, bind/unbind, drivers_probe, managed IRQs, mtu).
 * backend-sim.c builds the tree with these helpers and takes the lock around every write;
 * backend-sim-net.c adds the real netdevs of the packet-carrying mode.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend-sim.h"

/* ---- Tree helpers ----------------------------------------------------------------------- */

/* Create file ROOT/rel (and its directories) holding the formatted text plus a newline. */
int
vfm_sim_put(const struct sim *sim, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], text[512], *dir;
	va_list ap;
	size_t len;
	int r;

	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0)
		return -ENAMETOOLONG;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	r = vfm_mkdir_p(dirname(dir));
	free(dir);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	len = strlen(text);
	text[len++] = '\n';
	text[len] = '\0';
	return vfm_write_file_atomic(path, text);
}

/* Symlink ROOT/link_rel -> target_rel (relative to ROOT), written as a relative link. */
/* The identity files every simulated PCI function has (PF and VF alike). */
int
vfm_sim_put_pci_ids(const struct sim *sim, const char *devrel, const struct sim_pf *pf,
		    unsigned int device)
{
	static const char *const names[] = {"vendor", "device", "class", "numa_node",
					    "local_cpulist"};
	char rel[PATH_MAX], num[4][16];
	const char *val[] = {num[0], num[1], num[2], num[3], pf->local_cpus};
	int r = 0;

	snprintf(num[0], sizeof(num[0]), "0x%04x", pf->vendor);
	snprintf(num[1], sizeof(num[1]), "0x%04x", device);
	snprintf(num[2], sizeof(num[2]), "0x%06x", pf->class_code);
	snprintf(num[3], sizeof(num[3]), "%d", pf->numa_node);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", devrel, names[i]);
		r |= vfm_sim_put(sim, rel, "%s", val[i]);
	}
	return r;
}

int
vfm_sim_link_rel(const struct sim *sim, const char *link, const char *target)
{
	char path[PATH_MAX], rel[PATH_MAX], tmp[PATH_MAX], *dir;
	size_t pos = 0;
	int r;

	for (const char *p = link; *p; p++) {
		if (*p == '/') {
			if (pos + 3 >= sizeof(rel))
				return -ENAMETOOLONG;
			memcpy(rel + pos, "../", 3);
			pos += 3;
		}
	}
	if (pos + strlen(target) + 1 > sizeof(rel))
		return -ENAMETOOLONG;
	strcpy(rel + pos, target);
	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, link) < 0)
		return -ENAMETOOLONG;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	r = vfm_mkdir_p(dirname(dir));
	free(dir);
	if (r < 0)
		return r;
	/* A new link beside it, then rename: the old link or the new, never none. */
	if (vfm_path(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENAMETOOLONG;
	unlink(tmp);
	if (symlink(rel, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int
vfm_sim_rm_rel(const struct sim *sim, const char *rel)
{
	char path[PATH_MAX];

	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0)
		return -ENAMETOOLONG;
	return vfm_rm_rf(path);
}

long
vfm_sim_read_rel_long(const struct sim *sim, const char *rel, long dflt)
{
	char path[PATH_MAX];
	long v;

	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0 ||
	    vfm_read_long(path, &v) < 0)
		return dflt;
	return v;
}

/* Next value of a counter kept in the tree (IRQ numbers, IOMMU groups, ifindexes). */
unsigned int
vfm_sim_counter_next(const struct sim *sim, const char *name, unsigned int first)
{
	char rel[64];
	long v;

	snprintf(rel, sizeof(rel), SIM_STATE "/%s", name);
	v = vfm_sim_read_rel_long(sim, rel, first);
	vfm_sim_put(sim, rel, "%ld", v + 1);
	return (unsigned int)v;
}

void
vfm_sim_dev_rel(const struct sim_pf *pf, const char *pci, char *buf, size_t len)
{
	if (pf->nsim)
		snprintf(buf, len, "devices/%s", pci); /* /sys/devices/netdevsim1 */
	else
		snprintf(buf, len, "devices/pci%04x:%02x/%s", pf->addr.domain, pf->addr.bus, pci);
}

void
vfm_sim_vf_pci(const struct sim_pf *pf, unsigned int i, char *buf, size_t len)
{
	unsigned int rid = ((unsigned int)pf->addr.bus << 8) | ((unsigned int)pf->addr.dev << 3) |
			   pf->addr.func;
	struct vfm_pci_addr a = pf->addr;

	rid += pf->vf_offset + i * pf->vf_stride;
	a.bus = (uint8_t)((rid >> 8) & 0xff);
	a.dev = (uint8_t)((rid >> 3) & 0x1f);
	a.func = (uint8_t)(rid & 7);
	vfm_pci_addr_format(&a, buf, len);
}

const struct sim_pf *
vfm_sim_pf_by_pci(const struct sim *sim, const char *pci)
{
	for (size_t i = 0; i < sim->n_pfs; i++)
		if (strcmp(sim->pfs[i].pci, pci) == 0)
			return &sim->pfs[i];
	return NULL;
}

/* The PF owning VF 'pci'; *ret_index gets the VF index. */
static const struct sim_pf *
vfm_sim_pf_of_vf(const struct sim *sim, const char *pci, unsigned int *ret_index)
{
	char buf[VFM_PCI_ADDR_STRLEN];

	for (size_t i = 0; i < sim->n_pfs; i++) {
		const struct sim_pf *pf = &sim->pfs[i];

		if (pf->nsim)
			continue;
		for (unsigned int v = 0; v < pf->total_vfs; v++) {
			vfm_sim_vf_pci(pf, v, buf, sizeof(buf));
			if (strcmp(buf, pci) == 0) {
				*ret_index = v;
				return pf;
			}
		}
	}
	return NULL;
}

/* ---- The kernel's part ------------------------------------------------------------------ */

int
vfm_sim_make_netdev(const struct sim *sim, const char *devrel, const char *ifname, unsigned int mtu,
		    const char *mac, bool switchdev)
{
	char rel[PATH_MAX], target[PATH_MAX];
	unsigned int ifindex;
	int r = 0;

	/* A real netdev (the "netdevs" mode) has a real ifindex; the others an invented one. */
	ifindex = sim->netdevs ? if_nametoindex(ifname) : 0;
	if (!ifindex)
		ifindex = vfm_sim_counter_next(sim, "next_ifindex", 100);
	snprintf(rel, sizeof(rel), "%s/net/%s/ifindex", devrel, ifname);
	r |= vfm_sim_put(sim, rel, "%u", ifindex);
	snprintf(rel, sizeof(rel), "%s/net/%s/mtu", devrel, ifname);
	r |= vfm_sim_put(sim, rel, "%u", mtu);
	snprintf(rel, sizeof(rel), "%s/net/%s/operstate", devrel, ifname);
	r |= vfm_sim_put(sim, rel, "up");
	snprintf(rel, sizeof(rel), "%s/net/%s/address", devrel, ifname);
	r |= vfm_sim_put(sim, rel, "%s", mac);
	if (switchdev) {
		snprintf(rel, sizeof(rel), "%s/net/%s/phys_switch_id", devrel, ifname);
		r |= vfm_sim_put(sim, rel, "00112233");
	}
	snprintf(rel, sizeof(rel), "class/net/%s", ifname);
	snprintf(target, sizeof(target), "%s/net/%s", devrel, ifname);
	r |= vfm_sim_link_rel(sim, rel, target);
	snprintf(rel, sizeof(rel), "%s/net/%s/device", devrel, ifname);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	return r ? -EIO : 0;
}

/* The MAC a fresh VF's netdev gets (the VF's admin MAC is zero until configured). */
void
vfm_sim_vf_mac(const struct sim_pf *pf, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "02:00:%02x:%02x:%02x:%02x", pf->addr.bus, pf->addr.dev, pf->addr.func,
		 i & 0xff);
}

/* Bind a VF to drv as the kernel's probe would: driver links; for the VF's kernel driver a
 * netdev and MSI-X IRQs (vfio-pci allocates none until a user opens the device). */
static int
vfm_sim_vf_bind(const struct sim *sim, const struct sim_pf *pf, unsigned int i, const char *drv)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], rel[PATH_MAX], target[PATH_MAX];
	int r = 0;

	vfm_sim_vf_pci(pf, i, pci, sizeof(pci));
	vfm_sim_dev_rel(pf, pci, devrel, sizeof(devrel));
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s", drv);
	{
		char path[PATH_MAX];

		if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0 ||
		    access(path, F_OK) != 0)
			return -ENODEV; /* no such driver loaded */
	}
	snprintf(rel, sizeof(rel), "%s/driver", devrel);
	snprintf(target, sizeof(target), "bus/pci/drivers/%s", drv);
	r |= vfm_sim_link_rel(sim, rel, target);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", drv, pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	if (strcmp(drv, pf->vf_driver) == 0) {
		char ifname[32], mac[VFM_MAC_STRLEN];

		vfm_sim_net_vf_name(pf, i, ifname, sizeof(ifname));
		vfm_sim_vf_mac(pf, i, mac, sizeof(mac));
		/* Only a network function gets a netdev (an NVMe VF gets a controller). */
		if ((pf->class_code >> 16) == 0x02)
			r |= vfm_sim_make_netdev(sim, devrel, ifname, pf->mtu, mac, false);
		for (unsigned int j = 0; j < pf->irqs_per_vf; j++) {
			unsigned int irq = vfm_sim_counter_next(sim, "next_irq", sim->irq_base);

			snprintf(rel, sizeof(rel), "%s/msi_irqs/%u", devrel, irq);
			r |= vfm_sim_put(sim, rel, "msix");
			snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity_list", irq);
			r |= vfm_sim_put(sim, rel, "%s", pf->local_cpus);
			if (pf->managed_irqs && j > 0) {
				snprintf(rel, sizeof(rel), "proc/irq/%u/nfpath-sim-managed", irq);
				r |= vfm_sim_put(sim, rel, "kernel-managed queue IRQ (simulated)");
			}
		}
	}
	return r ? -EIO : 0;
}

/*
 * Remove directory 'devrel/sub' and, for each entry NAME in it, 'where/NAME' (a VF's netdevs
 * under class/net, its IRQs under proc/irq).
 */
static void
rm_listed(const struct sim *sim, const char *devrel, const char *sub, const char *where)
{
	char path[PATH_MAX], rel[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (vfm_path(path, sizeof(path), "%s/%s/%s", sim->root, devrel, sub) == 0 &&
	    (d = opendir(path))) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", where, e->d_name);
			vfm_sim_rm_rel(sim, rel);
		}
		closedir(d);
	}
	snprintf(rel, sizeof(rel), "%s/%s", devrel, sub);
	vfm_sim_rm_rel(sim, rel);
}
static int
vfm_sim_vf_unbind(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], rel[PATH_MAX], path[PATH_MAX];
	char drv[64];

	vfm_sim_vf_pci(pf, i, pci, sizeof(pci));
	vfm_sim_dev_rel(pf, pci, devrel, sizeof(devrel));
	if (vfm_path(path, sizeof(path), "%s/%s/driver", sim->root, devrel) < 0)
		return -ENAMETOOLONG;
	if (vfm_readlink_base(path, drv, sizeof(drv)) < 0)
		return 0;
	unlink(path);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", drv, pci);
	vfm_sim_rm_rel(sim, rel);
	/* Its netdevs and IRQs, and their entries elsewhere in the tree. */
	rm_listed(sim, devrel, "net", "class/net");
	rm_listed(sim, devrel, "msi_irqs", "proc/irq");
	return 0;
}

int
vfm_sim_vf_state_path(const struct sim *sim, const char *pfpci, unsigned int i, char *buf,
		      size_t len)
{
	return vfm_path(buf, len, "%s/" SIM_STATE "/pf/%s/vf%u", sim->root, pfpci, i);
}

/* A netdevsim VF is an entry of the device's VF table, no PCI function. netdevsim allocates
 * the table (max_vfs entries, all zero) when the device is made and keeps it while the VF count
 * goes to 0 and back: settings survive 0 -> N. */
int
vfm_sim_nsim_vf_create(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	struct vfm_vf_config cfg = {.mask = VFM_VF_ALL, .vlan_proto = VFM_VLAN_PROTO_8021Q};
	char path[PATH_MAX], dir[PATH_MAX], state[1024];
	int r;

	if (vfm_sim_vf_state_path(sim, pf->pci, i, path, sizeof(path)) < 0 ||
	    vfm_path(dir, sizeof(dir), "%s/" SIM_STATE "/pf/%s", sim->root, pf->pci) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) == 0)
		return 0;
	vfm_vf_config_format(&cfg, state, sizeof(state));
	r = vfm_mkdir_p(dir);
	if (r == 0)
		r = vfm_write_file_atomic(path, state);
	return r;
}

int
vfm_sim_vf_create(const struct sim *sim, const struct sim_pf *pf, unsigned int i, const char *drv)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], pfrel[96], rel[PATH_MAX];
	char target[PATH_MAX], state[1024], path[PATH_MAX];
	struct vfm_vf_config cfg = {
		.mask = VFM_VF_ALL,
		.vlan_proto = VFM_VLAN_PROTO_8021Q,
		.spoofchk = true,
	};
	unsigned int group;
	int r = 0;

	if (pf->nsim)
		return vfm_sim_nsim_vf_create(sim, pf, i);
	vfm_sim_vf_pci(pf, i, pci, sizeof(pci));
	vfm_sim_dev_rel(pf, pci, devrel, sizeof(devrel));
	vfm_sim_dev_rel(pf, pf->pci, pfrel, sizeof(pfrel));
	r |= vfm_sim_put_pci_ids(sim, devrel, pf, pf->vf_device);
	snprintf(rel, sizeof(rel), "%s/driver_override", devrel);
	r |= vfm_sim_put(sim, rel, "(null)");
	snprintf(rel, sizeof(rel), "%s/physfn", devrel);
	r |= vfm_sim_link_rel(sim, rel, pfrel);
	snprintf(rel, sizeof(rel), "%s/subsystem", devrel);
	r |= vfm_sim_link_rel(sim, rel, "bus/pci");
	snprintf(rel, sizeof(rel), "%s/virtfn%u", pfrel, i);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	group = vfm_sim_counter_next(sim, "next_iommu_group", 40);
	snprintf(rel, sizeof(rel), "kernel/iommu_groups/%u/devices/%s", group, pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "%s/iommu_group", devrel);
	snprintf(target, sizeof(target), "kernel/iommu_groups/%u", group);
	r |= vfm_sim_link_rel(sim, rel, target);
	if (r)
		return -EIO;
	/* A fresh VF: zero MAC, no VLAN, spoof-check on, untrusted, link auto, no rate limits. */
	vfm_vf_config_format(&cfg, state, sizeof(state));
	if (vfm_sim_vf_state_path(sim, pf->pci, i, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (vfm_path(target, sizeof(target), "%s/" SIM_STATE "/pf/%s", sim->root, pf->pci) < 0)
		return -ENAMETOOLONG;
	r = vfm_mkdir_p(target);
	if (r == 0)
		r = vfm_write_file_atomic(path, state);
	/* The VF's function exists from here to vf_destroy(), and so does its veth pair, whatever
	 * driver holds it (README: on vfio-pci it stands for the device a VM owns). */
	if (r == 0 && vfm_sim_net_pf(sim, pf)) {
		char mac[VFM_MAC_STRLEN];

		vfm_sim_vf_mac(pf, i, mac, sizeof(mac));
		r = vfm_sim_net_vf_add(sim, pf, i, mac);
	}
	if (r == 0 && drv)
		r = vfm_sim_vf_bind(sim, pf, i, drv);
	return r;
}

int
vfm_sim_vf_destroy(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], pfrel[96], rel[PATH_MAX];
	char path[PATH_MAX], grp[32];

	if (pf->nsim)
		return 0; /* the VF table stays (nsim_vf_create) */
	vfm_sim_vf_pci(pf, i, pci, sizeof(pci));
	vfm_sim_dev_rel(pf, pci, devrel, sizeof(devrel));
	vfm_sim_dev_rel(pf, pf->pci, pfrel, sizeof(pfrel));
	vfm_sim_vf_unbind(sim, pf, i);
	if (vfm_path(path, sizeof(path), "%s/%s/iommu_group", sim->root, devrel) == 0 &&
	    vfm_readlink_base(path, grp, sizeof(grp)) == 0) {
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%s", grp);
		vfm_sim_rm_rel(sim, rel);
	}
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pci);
	vfm_sim_rm_rel(sim, rel);
	snprintf(rel, sizeof(rel), "%s/virtfn%u", pfrel, i);
	vfm_sim_rm_rel(sim, rel);
	vfm_sim_rm_rel(sim, devrel);
	if (vfm_sim_vf_state_path(sim, pf->pci, i, path, sizeof(path)) == 0)
		unlink(path);
	if (vfm_sim_net_pf(sim, pf))
		return vfm_sim_net_vf_del(sim, pf, i);
	return 0;
}

static int
vfm_sim_parse_count(const char *value, unsigned long *ret)
{
	char *end;

	errno = 0;
	if (*value < '0' || *value > '9')
		return -EINVAL;
	*ret = strtoul(value, &end, 10);
	if (errno || (*end && strcmp(end, "\n") != 0))
		return -EINVAL;
	return 0;
}

static int numvfs_apply(const struct sim *sim, const struct sim_pf *pf, unsigned long cur,
			unsigned long n);

/* sriov_numvfs_store() of drivers/pci/iov.c, in the order the kernel checks. */
static int
numvfs_store(struct vfm_ctx *ctx, const struct sim_pf *pf, const char *path, const char *value)
{
	struct sim *sim = vfm_sim_of(ctx);
	char busy_rel[PATH_MAX];
	unsigned long n;
	long cur, busy;
	int r = 0;

	if (vfm_sim_parse_count(value, &n) < 0)
		return -EINVAL;
	/* Test hook: the next N writes answer EBUSY, as a driver still tearing down does. */
	snprintf(busy_rel, sizeof(busy_rel), SIM_STATE "/pf/%s/busy_numvfs_writes", pf->pci);
	busy = vfm_sim_read_rel_long(sim, busy_rel, 0);
	if (busy > 0) {
		vfm_sim_put(sim, busy_rel, "%ld", busy - 1);
		return -EBUSY;
	}
	cur = vfm_sim_read_rel_long(sim, path + strlen(sim->root) + 1, 0);
	if (pf->nsim) {
		/* nsim_drv_configure_vfs() of drivers/net/netdevsim/dev.c (6.1): no
		 * sriov_totalvfs; above debugfs max_vfs is ENOMEM, checked after EBUSY. */
		if ((unsigned long)cur == n)
			return 0;
		if (cur != 0 && n != 0)
			return -EBUSY;
		if (n > pf->total_vfs)
			return -ENOMEM;
	}
	if (n > pf->total_vfs)
		return -ERANGE;
	if ((unsigned long)cur == n)
		return 0;
	if (n != 0 && cur != 0)
		return -EBUSY;
	/* The intent first: a process killed in the middle leaves it, and the next open finishes
	 * the change (vfm_sim_numvfs_repair()). */
	snprintf(busy_rel, sizeof(busy_rel), SIM_STATE "/pf/%s/numvfs_pending", pf->pci);
	r = vfm_sim_put(sim, busy_rel, "%lu", n);
	if (r == 0)
		r = numvfs_apply(sim, pf, (unsigned long)cur, n);
	if (r == 0)
		r = vfm_sim_rm_rel(sim, busy_rel);
	else if (numvfs_apply(sim, pf, n, 0) == 0)
		vfm_sim_rm_rel(sim,
			       busy_rel); /* back to 0 VFs, as the kernel leaves a failed change */
	vfm_sim_net_bump(sim);
	return r;
}

/* Destroy VFs cur-1 .. 0, or create 0 .. n-1, then write sriov_numvfs. */
static int
numvfs_apply(const struct sim *sim, const struct sim_pf *pf, unsigned long cur, unsigned long n)
{
	char rel[PATH_MAX];
	int r = 0;

	if (n == 0) {
		for (long i = (long)cur - 1; i >= 0; i--)
			vfm_sim_vf_destroy(sim, pf, (unsigned int)i);
	} else {
		for (unsigned int i = 0; i < n && r == 0; i++)
			r = vfm_sim_vf_create(sim, pf, i, pf->vf_autoprobe ? pf->vf_driver : NULL);
		if (r < 0) {
			for (long i = (long)n - 1; i >= 0; i--)
				vfm_sim_vf_destroy(sim, pf, (unsigned int)i);
			return r;
		}
	}
	vfm_sim_dev_rel(pf, pf->pci, rel, sizeof(rel));
	strncat(rel, "/sriov_numvfs", sizeof(rel) - strlen(rel) - 1);
	return vfm_sim_put(sim, rel, "%lu", n);
}

int
vfm_sim_numvfs_repair(const struct sim *sim, const struct sim_pf *pf, bool *ret_repaired)
{
	char rel[PATH_MAX];
	long want;
	int r;

	*ret_repaired = false;
	snprintf(rel, sizeof(rel), SIM_STATE "/pf/%s/numvfs_pending", pf->pci);
	want = vfm_sim_read_rel_long(sim, rel, -1);
	if (want < 0)
		return 0;
	/* Whatever the killed writer left: every VF it may have touched goes, then the count it
	 * asked for is made from scratch (each step is idempotent). */
	numvfs_apply(sim, pf, pf->total_vfs, 0);
	r = numvfs_apply(sim, pf, 0, (unsigned long)want);
	if (r < 0)
		return r;
	*ret_repaired = true;
	return vfm_sim_rm_rel(sim, rel);
}

long
vfm_sim_numvfs(const struct sim *sim, const struct sim_pf *pf)
{
	char rel[PATH_MAX];

	vfm_sim_dev_rel(pf, pf->pci, rel, sizeof(rel));
	strncat(rel, "/sriov_numvfs", sizeof(rel) - strlen(rel) - 1);
	return vfm_sim_read_rel_long(sim, rel, 0);
}

/* Resolve the device a driver/bus write names ("0000:3b:10.0"); VFs only in the sim. */
static int
device_by_value(const struct sim *sim, const char *value, const struct sim_pf **ret_pf,
		unsigned int *ret_index, char *devpath, size_t len)
{
	struct vfm_pci_addr a;
	char pci[VFM_PCI_ADDR_STRLEN];

	if (vfm_pci_addr_parse(value, &a) < 0)
		return -EINVAL;
	vfm_pci_addr_format(&a, pci, sizeof(pci));
	*ret_pf = vfm_sim_pf_of_vf(sim, pci, ret_index);
	if (!*ret_pf)
		return -ENODEV;
	if (vfm_path(devpath, len, "%s/bus/pci/devices/%s", sim->root, pci) < 0)
		return -ENAMETOOLONG;
	if (access(devpath, F_OK) != 0)
		return -ENODEV;
	return 0;
}

int
vfm_sim_write_attr_locked(struct vfm_ctx *ctx, const char *path, const char *value)
{
	struct sim *sim = vfm_sim_of(ctx);
	char dirbuf[PATH_MAX], *dir, *real, base[NAME_MAX + 1];
	const char *slash = strrchr(path, '/');
	int r;

	if (!slash || strlen(path) >= sizeof(dirbuf))
		return -EINVAL;
	snprintf(base, sizeof(base), "%s", slash + 1);
	strcpy(dirbuf, path);
	dir = dirname(dirbuf);
	real = realpath(dir, NULL);
	if (!real)
		return -ENOENT;
	/* Never write outside the simulated tree. */
	if (strncmp(real, sim->root, strlen(sim->root)) != 0 &&
	    strncmp(real, sim->proc, strlen(sim->proc)) != 0) {
		free(real);
		return vfm_fail(ctx, -EPERM, "simulator: '%s' is outside the simulated tree '%s'",
				path, sim->root);
	}

	if (strcmp(base, "sriov_numvfs") == 0) {
		const char *pci = strrchr(real, '/') + 1;
		const struct sim_pf *pf = vfm_sim_pf_by_pci(sim, pci);
		char realpath_file[PATH_MAX];

		r = pf ? vfm_path(realpath_file, sizeof(realpath_file), "%s/%s", real, base) : -EIO;
		if (r == 0)
			r = numvfs_store(ctx, pf, realpath_file, value);
	} else if (strcmp(base, "unbind") == 0 || strcmp(base, "bind") == 0 ||
		   strcmp(base, "drivers_probe") == 0) {
		const struct sim_pf *pf;
		unsigned int idx;
		char devpath[PATH_MAX], link[PATH_MAX + 32], cur[64], ovr[64];
		const char *drv = strrchr(real, '/') + 1;

		r = device_by_value(sim, value, &pf, &idx, devpath, sizeof(devpath));
		if (r == 0) {
			snprintf(link, sizeof(link), "%s/driver", devpath);
			if (vfm_readlink_base(link, cur, sizeof(cur)) < 0)
				cur[0] = '\0';
			snprintf(link, sizeof(link), "%s/driver_override", devpath);
			if (vfm_read_attr(link, ovr, sizeof(ovr)) < 0 || strcmp(ovr, "(null)") == 0)
				ovr[0] = '\0';
			if (base[0] == 'u') {
				/* unbind: only from the driver that holds the device */
				r = strcmp(cur, drv) == 0 ? vfm_sim_vf_unbind(sim, pf, idx)
							  : -ENODEV;
			} else if (base[0] == 'b') {
				if (cur[0] || (ovr[0] && strcmp(ovr, drv) != 0))
					r = -ENODEV;
				else
					r = vfm_sim_vf_bind(sim, pf, idx, drv);
			} else if (!cur[0]) {
				/* drivers_probe: the override wins; no match leaves it unbound. A
				 * VF is probed only with an override or with its PF's
				 * sriov_drivers_autoprobe at 1 (pci_device_can_probe()). */
				char arel[PATH_MAX];

				vfm_sim_dev_rel(pf, pf->pci, arel, sizeof(arel));
				strncat(arel, "/sriov_drivers_autoprobe",
					sizeof(arel) - strlen(arel) - 1);
				if (ovr[0] || vfm_sim_read_rel_long(sim, arel, 1) != 0)
					r = vfm_sim_vf_bind(sim, pf, idx,
							    ovr[0] ? ovr : pf->vf_driver);
				if (r == -ENODEV)
					r = 0;
			}
		}
	} else if (strcmp(base, "driver_override") == 0) {
		char v[64];
		size_t n = strlen(value);

		if (n >= sizeof(v))
			r = -EINVAL;
		else {
			strcpy(v, value);
			while (n > 0 && v[n - 1] == '\n')
				v[--n] = '\0';
			r = vfm_path(dirbuf, sizeof(dirbuf), "%s/%s", real, base);
			if (r == 0)
				r = vfm_attr_replace(dirbuf, n ? v : "(null)");
		}
	} else if (strcmp(base, "smp_affinity_list") == 0) {
		struct vfm_cpuset set;
		char list[4096];

		r = vfm_path(dirbuf, sizeof(dirbuf), "%s/nfpath-sim-managed", real);
		if (r == 0 && access(dirbuf, F_OK) == 0)
			r = -EIO;
		else if (r == 0 && vfm_cpulist_parse(value, &set) < 0)
			r = -EINVAL;
		else if (r == 0) {
			vfm_cpuset_format(&set, list, sizeof(list));
			r = vfm_attr_replace(path, list);
		}
	} else if (strcmp(base, "mtu") == 0) {
		unsigned long mtu;

		if (vfm_sim_parse_count(value, &mtu) < 0 || mtu < 68 || mtu > 65535)
			r = -EINVAL;
		else
			r = vfm_attr_replace(path, value);
	} else {
		r = vfm_attr_replace(path, value);
	}
	free(real);
	return r;
}
