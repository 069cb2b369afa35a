// SPDX-License-Identifier: BSD-3-Clause
/*
 * Discovery: reads PFs and VFs from a sysfs tree (the live /sys, a test fixture, or the
 * simulator's tree: the same code for all three) and asks the backend for VF state.
 * Everything odd about one device (no SR-IOV, no netdev, an unreadable or garbled attribute,
 * a dangling virtfn link) is written into that device's 'problems' and never stops discovery.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "ctx.h"
#include "sysfs.h"

static void VFM_FMT(2, 3) add_problem(char **problems, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t old, add;
	char *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vfm_debug("discovery: %s", msg);
	old = *problems ? strlen(*problems) : 0;
	add = strlen(msg);
	p = realloc(*problems, old + add + 3);
	if (!p)
		return;
	if (old)
		memcpy(p + old, "; ", 2), old += 2;
	memcpy(p + old, msg, add + 1);
	*problems = p;
}

static int
cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Parse a non-negative decimal with nothing else; -1 if it is not one. */
static long
parse_index(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > 1000000)
		return -1;
	return v;
}

/* First entry of dir/net/ (the netdev of a device), "" when none. */
static void
read_netdev(const char *devdir, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	buf[0] = '\0';
	if (vfm_path(path, sizeof(path), "%s/net", devdir) < 0)
		return;
	d = opendir(path);
	if (!d) {
		/* virtio-net: the netdev hangs under the virtio device, one level down. */
		d = opendir(devdir);
		if (!d)
			return;
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "virtio", 6) == 0 &&
			    vfm_path(path, sizeof(path), "%s/%s", devdir, e->d_name) == 0 &&
			    strlen(path) < PATH_MAX - 8) {
				closedir(d);
				read_netdev(path, buf, len);
				return;
			}
		}
		closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		/* Several netdevs (rare: representors): keep the smallest name, deterministic. */
		if (strlen(e->d_name) < len && (buf[0] == '\0' || strcmp(e->d_name, buf) < 0))
			strcpy(buf, e->d_name);
	}
	closedir(d);
}

static void
read_irqs(const char *devdir, unsigned int **ret_irqs, size_t *ret_n, char **problems,
	  const char *what)
{
	char path[PATH_MAX];
	unsigned int *irqs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	*ret_irqs = NULL;
	*ret_n = 0;
	if (vfm_path(path, sizeof(path), "%s/msi_irqs", devdir) < 0)
		return;
	d = opendir(path);
	if (!d) {
		if (errno != ENOENT)
			add_problem(problems, "%s: cannot list msi_irqs: %s", what,
				    strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		long v = parse_index(e->d_name);

		if (v < 0)
			continue;
		if (n == cap) {
			unsigned int *p;

			cap = cap ? cap * 2 : 8;
			p = realloc(irqs, cap * sizeof(*irqs));
			if (!p)
				break;
			irqs = p;
		}
		irqs[n++] = (unsigned int)v;
	}
	closedir(d);
	if (n)
		qsort(irqs, n, sizeof(*irqs), cmp_uint);
	*ret_irqs = irqs;
	*ret_n = n;
}

static int
read_netdev_mtu(const char *root, const char *netdev, int *ret_mtu)
{
	char path[PATH_MAX];
	long v;
	int r;

	if (vfm_path(path, sizeof(path), "%s/class/net/%s/mtu", root, netdev) < 0)
		return -ENAMETOOLONG;
	r = vfm_read_long(path, &v);
	if (r < 0)
		return r;
	*ret_mtu = (int)v;
	return 0;
}

static void
vf_fill(const char *root, const char *pfdir, unsigned int index, bool pci_bus, struct vfm_vf *vf)
{
	char link[PATH_MAX], path[PATH_MAX], what[64];
	struct stat st;
	long v;
	int r;

	memset(vf, 0, sizeof(*vf));
	vf->index = index;
	vf->iommu_group = -1;
	vf->mtu = -1;
	snprintf(what, sizeof(what), "virtfn%u", index);
	if (vfm_path(link, sizeof(link), "%s/virtfn%u", pfdir, index) < 0)
		return;
	r = vfm_readlink_base(link, vf->pci, sizeof(vf->pci));
	if (r < 0) {
		if (pci_bus)
			add_problem(&vf->problems, "%s: %s", what,
				    r == -ENOENT ? "link missing" : strerror(-r));
		vf->pci[0] = '\0';
		return;
	}
	if (stat(link, &st) < 0 || !S_ISDIR(st.st_mode)) {
		add_problem(&vf->problems, "%s -> %s is dangling (no such device directory)", what,
			    vf->pci);
		return;
	}
	vf->has_pci = true;
	vf->syspath = strdup(link);

	if (vfm_path(path, sizeof(path), "%s/driver", link) == 0) {
		r = vfm_readlink_base(path, vf->driver, sizeof(vf->driver));
		if (r < 0 && r != -ENOENT)
			add_problem(&vf->problems, "%s/driver: %s", what, strerror(-r));
		if (r < 0)
			vf->driver[0] = '\0';
	}
	read_netdev(link, vf->netdev, sizeof(vf->netdev));
	if (vf->netdev[0] && read_netdev_mtu(root, vf->netdev, &vf->mtu) < 0)
		add_problem(&vf->problems, "%s: mtu of '%s' unreadable", what, vf->netdev);
	if (vfm_path(path, sizeof(path), "%s/iommu_group", link) == 0) {
		char grp[32];

		r = vfm_readlink_base(path, grp, sizeof(grp));
		if (r == 0) {
			v = parse_index(grp);
			if (v < 0)
				add_problem(&vf->problems, "%s/iommu_group: odd group name '%s'",
					    what, grp);
			vf->iommu_group = (int)v;
		}
	}
	read_irqs(link, &vf->irqs, &vf->n_irqs, &vf->problems, what);
}

static void
vf_clear(struct vfm_vf *vf)
{
	free(vf->syspath);
	free(vf->irqs);
	free(vf->problems);
	memset(vf, 0, sizeof(*vf));
}

static void
vfm_pf_clear(struct vfm_pf *pf)
{
	for (size_t i = 0; i < pf->n_vfs; i++)
		vf_clear(&pf->vfs[i]);
	free(pf->vfs);
	free(pf->syspath);
	free(pf->problems);
	memset(pf, 0, sizeof(*pf));
}

/* Highest N + 1 among devdir/virtfnN entries (0 when none). */
static unsigned int
count_virtfn(const char *devdir)
{
	unsigned int max = 0;
	struct dirent *e;
	DIR *d;

	d = opendir(devdir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long v;

		if (strncmp(e->d_name, "virtfn", 6) != 0)
			continue;
		v = parse_index(e->d_name + 6);
		if (v >= 0 && (unsigned int)v + 1 > max)
			max = (unsigned int)v + 1;
	}
	closedir(d);
	return max;
}

static void
read_int_attr(const char *devdir, const char *name, int *ret, char **problems, bool report_missing)
{
	char path[PATH_MAX];
	long v;
	int r;

	*ret = -1;
	if (vfm_path(path, sizeof(path), "%s/%s", devdir, name) < 0)
		return;
	r = vfm_read_long(path, &v);
	if (r == 0 && v >= -1 && v <= 1000000) {
		*ret = (int)v;
		return;
	}
	if (r == 0 || r == -EINVAL) {
		char buf[64] = "";

		vfm_read_attr(path, buf, sizeof(buf));
		add_problem(problems, "%s: garbage '%s' (expected a number)", name, buf);
	} else if (r != -ENOENT || report_missing) {
		add_problem(problems, "%s: %s", name, strerror(-r));
	}
}

/*
 * netdevsim (6.1) has sriov_numvfs but no sriov_totalvfs: its VF limit is the debugfs file
 * kernel/debug/netdevsim/DEV/max_vfs (root only), and a count above it is refused with ENOMEM.
 */
static void
read_nsim_max_vfs(struct vfm_ctx *ctx, const char *id, struct vfm_pf *pf)
{
	char path[PATH_MAX];
	long v;
	int r;

	pf->total_vfs = -1;
	if (vfm_path(path, sizeof(path), "%s/kernel/debug/netdevsim/%s/max_vfs", ctx->sysfs_root,
		     id) < 0)
		return;
	r = vfm_read_long(path, &v);
	if (r == 0 && v >= 0 && v <= 1000000) {
		pf->total_vfs = (int)v;
		vfm_debug("discovery: %s: VF limit %ld from debugfs max_vfs (netdevsim has no "
			  "sriov_totalvfs)",
			  id, v);
		return;
	}
	add_problem(&pf->problems,
		    "sriov_totalvfs: netdevsim has none and its limit '%s' is unreadable (%s); "
		    "mount debugfs and run as root",
		    path, r < 0 ? strerror(-r) : "garbage");
}

static int
vfm_pf_fill(struct vfm_ctx *ctx, const char *devdir, const char *id, const char *bus,
	    struct vfm_pf *pf)
{
	char path[PATH_MAX], buf[4200];
	unsigned long hex;
	unsigned int nvf;
	int r;

	memset(pf, 0, sizeof(*pf));
	snprintf(pf->id, sizeof(pf->id), "%s", id);
	snprintf(pf->bus, sizeof(pf->bus), "%s", bus);
	pf->syspath = strdup(devdir);
	if (!pf->syspath)
		return -ENOMEM;
	pf->simulated = ctx->ops->simulated;
	pf->mtu = -1;

	if (vfm_path(path, sizeof(path), "%s/vendor", devdir) == 0 && vfm_read_hex(path, &hex) == 0)
		pf->vendor = (uint16_t)hex;
	if (vfm_path(path, sizeof(path), "%s/device", devdir) == 0 && vfm_read_hex(path, &hex) == 0)
		pf->device = (uint16_t)hex;
	if (vfm_path(path, sizeof(path), "%s/class", devdir) == 0 && vfm_read_hex(path, &hex) == 0)
		pf->class_code = (uint32_t)hex;
	if (vfm_path(path, sizeof(path), "%s/driver", devdir) == 0) {
		r = vfm_readlink_base(path, pf->driver, sizeof(pf->driver));
		if (r < 0) {
			pf->driver[0] = '\0';
			if (r != -ENOENT)
				add_problem(&pf->problems, "driver: %s", strerror(-r));
		}
	}

	/* SR-IOV capability: the kernel creates sriov_* only for capable devices. */
	if (vfm_path(path, sizeof(path), "%s/sriov_numvfs", devdir) == 0 && access(path, F_OK) == 0)
		pf->sriov_capable = true;
	if (vfm_path(path, sizeof(path), "%s/sriov_totalvfs", devdir) == 0 &&
	    access(path, F_OK) == 0)
		pf->sriov_capable = true;
	if (pf->sriov_capable) {
		if (vfm_path(path, sizeof(path), "%s/sriov_totalvfs", devdir) == 0 &&
		    access(path, F_OK) != 0 && strcmp(bus, "netdevsim") == 0)
			read_nsim_max_vfs(ctx, id, pf);
		else
			read_int_attr(devdir, "sriov_totalvfs", &pf->total_vfs, &pf->problems,
				      true);
		read_int_attr(devdir, "sriov_numvfs", &pf->num_vfs, &pf->problems, true);
	} else {
		pf->total_vfs = 0;
		pf->num_vfs = 0;
		add_problem(&pf->problems, "no SR-IOV capability (no sriov_totalvfs)");
	}

	read_int_attr(devdir, "numa_node", &pf->numa_node, &pf->problems, strcmp(bus, "pci") == 0);
	if (vfm_path(path, sizeof(path), "%s/local_cpulist", devdir) == 0) {
		r = vfm_read_attr(path, buf, sizeof(buf));
		if (r >= 0 && vfm_cpulist_parse(buf, &pf->local_cpus) == 0)
			pf->local_cpus_valid = true;
		else if (r >= 0)
			add_problem(&pf->problems, "local_cpulist: garbage '%.64s'", buf);
		else if (r != -ENOENT || strcmp(bus, "pci") == 0)
			add_problem(&pf->problems, "local_cpulist: %s", strerror(-r));
	}

	read_netdev(devdir, pf->netdev, sizeof(pf->netdev));
	if (pf->netdev[0]) {
		long v;

		if (vfm_path(path, sizeof(path), "%s/class/net/%s/ifindex", ctx->sysfs_root,
			     pf->netdev) == 0 &&
		    vfm_read_long(path, &v) == 0)
			pf->ifindex = (int)v;
		if (vfm_path(path, sizeof(path), "%s/class/net/%s/operstate", ctx->sysfs_root,
			     pf->netdev) == 0 &&
		    vfm_read_attr(path, pf->operstate, sizeof(pf->operstate)) < 0)
			pf->operstate[0] = '\0';
		read_netdev_mtu(ctx->sysfs_root, pf->netdev, &pf->mtu);
		/* switchdev mode is visible as a readable phys_switch_id; legacy mode answers
		 * EOPNOTSUPP (or the file is absent). */
		if (pf->sriov_capable) {
			char sw[64];

			if (vfm_path(path, sizeof(path), "%s/class/net/%s/phys_switch_id",
				     ctx->sysfs_root, pf->netdev) == 0 &&
			    vfm_read_attr(path, sw, sizeof(sw)) > 0)
				strcpy(pf->eswitch_mode, "switchdev");
			else
				strcpy(pf->eswitch_mode, "legacy");
		}
	} else {
		add_problem(&pf->problems, "no netdev (VF state through netlink unavailable)");
	}

	if (!pf->sriov_capable)
		return 0;

	nvf = count_virtfn(devdir);
	if (pf->num_vfs > 0 && (unsigned int)pf->num_vfs > nvf)
		nvf = (unsigned int)pf->num_vfs;
	if (nvf > 0) {
		bool pci_bus = strcmp(bus, "pci") == 0;
		struct vfm_vf_config *cfgs;

		pf->vfs = calloc(nvf, sizeof(*pf->vfs));
		if (!pf->vfs)
			return -ENOMEM;
		pf->n_vfs = nvf;
		for (unsigned int i = 0; i < nvf; i++)
			vf_fill(ctx->sysfs_root, devdir, i, pci_bus, &pf->vfs[i]);
		if (pf->num_vfs >= 0 && nvf > (unsigned int)pf->num_vfs)
			add_problem(&pf->problems,
				    "%u virtfn links but sriov_numvfs says %d (stale links?)", nvf,
				    pf->num_vfs);

		if (ctx->vf_state_readable && pf->netdev[0]) {
			cfgs = calloc(nvf, sizeof(*cfgs));
			if (!cfgs)
				return -ENOMEM;
			r = ctx->ops->vf_get_all(ctx, pf, cfgs, nvf);
			if (r < 0) {
				add_problem(&pf->problems, "VF state: %s", ctx->err);
			} else {
				for (unsigned int i = 0; i < nvf; i++) {
					pf->vfs[i].state = cfgs[i];
					pf->vfs[i].state_valid = cfgs[i].mask != 0;
				}
			}
			free(cfgs);
		}
	}
	return 0;
}

static int
cmp_pf(const void *a, const void *b)
{
	const struct vfm_pf *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int
inv_add(struct vfm_inventory *inv, size_t *cap)
{
	if (inv->n_pfs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct vfm_pf *p = realloc(inv->pfs, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		inv->pfs = p;
		*cap = ncap;
	}
	return 0;
}

static bool
is_pf_candidate(const char *devdir)
{
	char path[PATH_MAX];
	unsigned long cls;

	if (vfm_path(path, sizeof(path), "%s/physfn", devdir) == 0 && access(path, F_OK) == 0)
		return false; /* a VF */
	if (vfm_path(path, sizeof(path), "%s/sriov_totalvfs", devdir) == 0 &&
	    access(path, F_OK) == 0)
		return true;
	if (vfm_path(path, sizeof(path), "%s/class", devdir) == 0 &&
	    vfm_read_hex(path, &cls) == 0 && (cls >> 16) == 0x02)
		return true; /* a network function without SR-IOV */
	return false;
}

/* For a netdev, the device directory's real path and its bus; -ENODEV when none. */
static int
netdev_device(struct vfm_ctx *ctx, const char *ifname, char *ret_dir, char *ret_bus, size_t bus_len)
{
	char path[PATH_MAX], *real;
	int r;

	if (vfm_path(path, sizeof(path), "%s/class/net/%s/device", ctx->sysfs_root, ifname) < 0)
		return -ENAMETOOLONG;
	real = realpath(path, NULL);
	if (!real)
		return -ENODEV;
	if (strlen(real) >= PATH_MAX) {
		free(real);
		return -ENAMETOOLONG;
	}
	strcpy(ret_dir, real);
	free(real);
	if (vfm_path(path, sizeof(path), "%s/subsystem", ret_dir) < 0)
		return -ENAMETOOLONG;
	r = vfm_readlink_base(path, ret_bus, bus_len);
	if (r < 0)
		snprintf(ret_bus, bus_len, "unknown");
	return 0;
}

/* The netdev of a non-PCI device named by its device directory (netdevsim1); -ENODEV if none. */
static int
netdev_of_device(struct vfm_ctx *ctx, const char *devname, char *ret_ifname, size_t len)
{
	char path[PATH_MAX], dev[PATH_MAX], bus[32];
	struct dirent *e;
	int r = -ENODEV;
	DIR *d;

	if (vfm_path(path, sizeof(path), "%s/class/net", ctx->sysfs_root) < 0)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		const char *base;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= len ||
		    netdev_device(ctx, e->d_name, dev, bus, sizeof(bus)) < 0 ||
		    strcmp(bus, "pci") == 0)
			continue;
		base = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
		/* Several ports (netdevsim): the smallest name, deterministic. */
		if (strcmp(base, devname) == 0 && (r < 0 || strcmp(e->d_name, ret_ifname) < 0)) {
			strcpy(ret_ifname, e->d_name);
			r = 0;
		}
	}
	closedir(d);
	return r;
}

int
vfm_inventory_load(struct vfm_ctx *ctx, struct vfm_inventory **ret_inv)
{
	char path[PATH_MAX];
	struct vfm_inventory *inv;
	size_t cap = 0;
	bool any_root = false;
	struct dirent *e;
	DIR *d;
	int r;

	if (!ctx || !ret_inv)
		return -EINVAL;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	inv->simulated = ctx->ops->simulated;
	snprintf(inv->backend, sizeof(inv->backend), "%s", ctx->ops->name);

	if (vfm_path(path, sizeof(path), "%s/bus/pci/devices", ctx->sysfs_root) < 0) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	d = opendir(path);
	if (d) {
		any_root = true;
		while ((e = readdir(d))) {
			char dev[PATH_MAX];
			struct vfm_pf *pf;

			if (e->d_name[0] == '.')
				continue;
			if (vfm_path(dev, sizeof(dev), "%s/%s", path, e->d_name) < 0)
				continue;
			if (!is_pf_candidate(dev))
				continue;
			r = inv_add(inv, &cap);
			if (r < 0) {
				closedir(d);
				goto fail;
			}
			pf = &inv->pfs[inv->n_pfs++];
			r = vfm_pf_fill(ctx, dev, e->d_name, "pci", pf);
			if (r < 0) {
				closedir(d);
				goto fail;
			}
		}
		closedir(d);
	}

	/* SR-IOV devices on other buses (netdevsim) are found through their netdev. */
	if (vfm_path(path, sizeof(path), "%s/class/net", ctx->sysfs_root) < 0) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	d = opendir(path);
	if (d) {
		any_root = true;
		while ((e = readdir(d))) {
			char dev[PATH_MAX], bus[32], probe[PATH_MAX + 32];
			const char *id;
			struct vfm_pf *pf;

			if (e->d_name[0] == '.')
				continue;
			if (netdev_device(ctx, e->d_name, dev, bus, sizeof(bus)) < 0)
				continue;
			if (strcmp(bus, "pci") == 0)
				continue;
			snprintf(probe, sizeof(probe), "%s/sriov_numvfs", dev);
			if (access(probe, F_OK) != 0)
				continue;
			id = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
			r = inv_add(inv, &cap);
			if (r < 0) {
				closedir(d);
				goto fail;
			}
			pf = &inv->pfs[inv->n_pfs++];
			r = vfm_pf_fill(ctx, dev, id, bus, pf);
			if (r < 0) {
				closedir(d);
				goto fail;
			}
		}
		closedir(d);
	}
	if (!any_root) {
		r = vfm_fail(
			ctx, -ENOENT,
			"sysfs root '%s': neither bus/pci/devices nor class/net exists; point --sysfs-root at a sysfs tree",
			ctx->sysfs_root);
		goto fail;
	}
	if (inv->n_pfs > 1)
		qsort(inv->pfs, inv->n_pfs, sizeof(*inv->pfs), cmp_pf);
	*ret_inv = inv;
	return 0;
fail:
	vfm_inventory_free(inv);
	return r;
}

void
vfm_inventory_free(struct vfm_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_pfs; i++)
		vfm_pf_clear(&inv->pfs[i]);
	free(inv->pfs);
	free(inv);
}

int
vfm_pf_load(struct vfm_ctx *ctx, const char *name, struct vfm_pf **ret_pf)
{
	char dev[PATH_MAX], bus[32], ifname[16];
	struct vfm_pci_addr addr;
	struct vfm_pf *pf;
	const char *id;
	int r;

	if (!ctx || !name || !*name || !ret_pf || strchr(name, '/'))
		return vfm_fail(ctx, -EINVAL, "PF name '%s' is not a netdev or PCI address",
				name ? name : "(null)");
	if (vfm_pci_addr_parse(name, &addr) == 0) {
		char canon[VFM_PCI_ADDR_STRLEN];

		vfm_pci_addr_format(&addr, canon, sizeof(canon));
		if (vfm_path(dev, sizeof(dev), "%s/bus/pci/devices/%s", ctx->sysfs_root, canon) < 0)
			return -ENAMETOOLONG;
		if (access(dev, F_OK) != 0)
			return vfm_fail(
				ctx, -ENODEV,
				"PF '%s': no such PCI device under '%s/bus/pci/devices'; check the address with 'nfpath-vf list'",
				name, ctx->sysfs_root);
		strcpy(bus, "pci");
		id = strrchr(dev, '/') + 1;
	} else {
		/* A device on another bus named by its device name (netdevsim1): its netdev. */
		if (netdev_device(ctx, name, dev, bus, sizeof(bus)) < 0 &&
		    netdev_of_device(ctx, name, ifname, sizeof(ifname)) == 0)
			name = ifname;
		if (netdev_device(ctx, name, dev, bus, sizeof(bus)) < 0)
			return vfm_fail(
				ctx, -ENODEV,
				"PF '%s': no netdev of that name with a device under '%s/class/net'; check the name with 'nfpath-vf list'",
				name, ctx->sysfs_root);
		id = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	}
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	r = vfm_pf_fill(ctx, dev, id, bus, pf);
	if (r < 0) {
		vfm_pf_free(pf);
		return r;
	}
	/* A device with several netdevs (netdevsim ports): the one the caller named. */
	if (vfm_pci_addr_parse(name, &addr) < 0 && strcmp(pf->netdev, name) != 0 &&
	    strlen(name) < sizeof(pf->netdev))
		strcpy(pf->netdev, name);
	*ret_pf = pf;
	return 0;
}

void
vfm_pf_free(struct vfm_pf *pf)
{
	if (!pf)
		return;
	vfm_pf_clear(pf);
	free(pf);
}
