// SPDX-License-Identifier: BSD-3-Clause
/*
 * The simulated SR-IOV NIC ("sim"), for machines without SR-IOV hardware: the embedded demo
 * and fast tests. It is named as a simulation wherever a user can see it.
 *
 * From a small JSON file (see vf-manager/sim-example.json and README.md) it materializes a
 * sysfs-shaped tree under a directory: PCI devices with vendor/device/class, numa_node,
 * local_cpulist, sriov_* attributes, driver links, netdevs under class/net, IOMMU groups, and a
 * proc/irq tree. The discovery code of the real backend reads that tree unchanged. Writes to it
 * go through sim_write_attr(), which plays the kernel's part:
 *   - sriov_numvfs: ERANGE above sriov_totalvfs, EBUSY from non-zero to non-zero, otherwise
 *     create or destroy virtfnN links, VF device directories, IOMMU groups; VFs are probed to
 *     their kernel driver (netdev + MSI-X IRQs) as with sriov_drivers_autoprobe = 1;
 *   - driver_override, DRIVER/unbind, DRIVER/bind and drivers_probe move driver links;
 *   - smp_affinity_list of an IRQ marked managed answers EIO, as Debian 6.1 does.
 * VF netlink state (MAC, VLAN, ...) lives in files of the tree (nfpath-sim/pf/PF/vfN, the
 * "key value" format of saved.c), so every process using the same tree sees the same state.
 * A lock file serializes writers. Nothing here pretends to be fast or complete hardware: see
 * README.md, "How the simulation differs from real hardware".
 *
 * This file: the backend ops, opening (building the tree, or repairing what a killed process
 * left), VF state. The description file is backend-sim-json.c, the tree and the kernel's part
 * backend-sim-tree.c, the real netdevs of "netdevs": true backend-sim-net.c and their
 * embedded switch backend-sim-switch.c (run by nfpath-simnic).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend-sim.h"

struct sim *
vfm_sim_of(struct vfm_ctx *ctx)
{
	return ctx->backend;
}

static int
sim_lock(struct sim *sim)
{
	while (flock(sim->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void
sim_unlock(struct sim *sim)
{
	flock(sim->lock_fd, LOCK_UN);
}

static int
sim_write_attr(struct vfm_ctx *ctx, const char *path, const char *value)
{
	struct sim *sim = vfm_sim_of(ctx);
	int r;

	r = sim_lock(sim);
	if (r < 0)
		return r;
	r = vfm_sim_write_attr_locked(ctx, path, value);
	sim_unlock(sim);
	vfm_sim_net_notify(sim);
	return r;
}

/* ---- VF state (netlink in the real backend) --------------------------------------------- */

int
vfm_sim_vf_read(const struct sim *sim, const char *pfpci, unsigned int i, struct vfm_vf_config *cfg)
{
	char path[PATH_MAX], text[1024];
	int r;

	r = vfm_sim_vf_state_path(sim, pfpci, i, path, sizeof(path));
	if (r < 0)
		return r;
	r = vfm_read_attr(path, text, sizeof(text));
	if (r < 0)
		return r;
	return vfm_vf_config_parse(text, cfg);
}

static int
sim_vf_get_all(struct vfm_ctx *ctx, const struct vfm_pf *pf, struct vfm_vf_config *cfgs, size_t n)
{
	struct sim *sim = vfm_sim_of(ctx);
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		memset(&cfgs[i], 0, sizeof(cfgs[i]));
		if (vfm_sim_vf_read(sim, pf->id, (unsigned int)i, &cfgs[i]) == 0)
			count++;
		else
			memset(&cfgs[i], 0, sizeof(cfgs[i]));
	}
	return count;
}

static int
sim_vf_set(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int vf,
	   const struct vfm_vf_config *cfg)
{
	struct sim *sim = vfm_sim_of(ctx);
	const struct sim_pf *spf = vfm_sim_pf_by_pci(sim, pf->id);
	struct vfm_vf_config cur;
	char path[PATH_MAX], text[1024];
	long numvfs;
	char rel[PATH_MAX];
	int r;

	if (!spf)
		return vfm_fail(ctx, -EOPNOTSUPP,
				"'%s': this device cannot configure VFs (simulated)", pf->netdev);
	r = sim_lock(sim);
	if (r < 0)
		return r;
	vfm_sim_dev_rel(spf, spf->pci, rel, sizeof(rel));
	strncat(rel, "/sriov_numvfs", sizeof(rel) - strlen(rel) - 1);
	numvfs = vfm_sim_read_rel_long(sim, rel, 0);
	/* The checks a driver's ndo_set_vf_* makes, with the errno it answers. */
	if (vf >= (unsigned long)numvfs)
		r = -EINVAL;
	else if (cfg->mask & spf->unsupported)
		r = -EOPNOTSUPP;
	else if ((cfg->mask & VFM_VF_MAC) && vfm_mac_is_multicast(cfg->mac))
		r = -EINVAL;
	else if ((cfg->mask & VFM_VF_VLAN) && (cfg->vlan > 4095 || cfg->qos > 7))
		r = -EINVAL;
	else if ((cfg->mask & VFM_VF_VLAN) && cfg->vlan_proto != VFM_VLAN_PROTO_8021Q &&
		 cfg->vlan_proto != VFM_VLAN_PROTO_8021AD)
		r = -EPROTONOSUPPORT;
	else if ((cfg->mask & VFM_VF_RATE) && cfg->max_tx_rate &&
		 cfg->min_tx_rate > cfg->max_tx_rate)
		r = -EINVAL;
	else if ((cfg->mask & VFM_VF_LINK_STATE) && (unsigned int)cfg->link_state > 2)
		r = -EINVAL;
	if (r == 0)
		r = vfm_sim_vf_read(sim, spf->pci, vf, &cur);
	if (r == 0) {
		struct vfm_vf_config want = *cfg;

		/* A driver that accepts a setting and ignores it: only the read-back tells. */
		want.mask &= ~spf->ignored;
		cfg = &want;
		if (cfg->mask & VFM_VF_MAC)
			memcpy(cur.mac, cfg->mac, VFM_MAC_LEN);
		if (cfg->mask & VFM_VF_VLAN) {
			cur.vlan = cfg->vlan;
			cur.qos = cfg->qos;
			cur.vlan_proto = cfg->vlan_proto;
		}
		if (cfg->mask & VFM_VF_SPOOFCHK)
			cur.spoofchk = cfg->spoofchk;
		if (cfg->mask & VFM_VF_TRUST)
			cur.trust = cfg->trust;
		if (cfg->mask & VFM_VF_LINK_STATE)
			cur.link_state = cfg->link_state;
		if (cfg->mask & VFM_VF_RATE) {
			cur.min_tx_rate = cfg->min_tx_rate;
			cur.max_tx_rate = cfg->max_tx_rate;
		}
		cur.mask = VFM_VF_ALL;
		r = vfm_vf_config_format(&cur, text, sizeof(text));
		if (r >= 0)
			r = vfm_sim_vf_state_path(sim, spf->pci, vf, path, sizeof(path));
		if (r >= 0)
			r = vfm_write_file_atomic(path, text);
		/* The netdev and the switch port follow, as a driver programs its eswitch. */
		if (r >= 0 && vfm_sim_net_pf(sim, spf))
			r = vfm_sim_net_vf_apply(sim, spf, vf, &cur);
		if (r >= 0)
			vfm_sim_net_bump(sim);
	}
	sim_unlock(sim);
	vfm_sim_net_notify(sim);
	if (r < 0)
		return vfm_fail(ctx, r, "'%s': configuring VF %u: %s (simulated NIC)", pf->netdev,
				vf, strerror(-r));
	return 0;
}
/* ---- Building the tree ------------------------------------------------------------------ */

static size_t
sim_pf_index(const struct sim *sim, const struct sim_pf *pf)
{
	return (size_t)(pf - sim->pfs);
}

/* A netdevsim device as 6.1 shows it: /sys/devices/netdevsimN on bus netdevsim with
 * sriov_numvfs but no sriov_totalvfs (the limit is debugfs netdevsim/netdevsimN/max_vfs), no
 * NUMA node or CPU list, one port netdev; VFs are netlink state only. */
static int
build_nsim_pf(struct vfm_ctx *ctx, struct sim *sim, const struct sim_pf *pf)
{
	char devrel[96], rel[PATH_MAX], target[PATH_MAX], mac[VFM_MAC_STRLEN];
	int r = 0;

	vfm_sim_dev_rel(pf, pf->pci, devrel, sizeof(devrel));
	snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
	r |= vfm_sim_put(sim, rel, "0");
	snprintf(rel, sizeof(rel), "%s/new_port", devrel);
	r |= vfm_sim_put(sim, rel, "%s", "");
	snprintf(rel, sizeof(rel), "%s/del_port", devrel);
	r |= vfm_sim_put(sim, rel, "%s", "");
	snprintf(rel, sizeof(rel), "kernel/debug/netdevsim/%s/max_vfs", pf->pci);
	r |= vfm_sim_put(sim, rel, "%u", pf->total_vfs);
	snprintf(rel, sizeof(rel), "%s/subsystem", devrel);
	r |= vfm_sim_link_rel(sim, rel, "bus/netdevsim");
	snprintf(rel, sizeof(rel), "bus/netdevsim/devices/%s", pf->pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "bus/netdevsim/drivers/%s/%s", pf->driver, pf->pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "%s/driver", devrel);
	snprintf(target, sizeof(target), "bus/netdevsim/drivers/%s", pf->driver);
	r |= vfm_sim_link_rel(sim, rel, target);
	if (r)
		return -EIO;
	snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x",
		 (unsigned int)(sim_pf_index(sim, pf) >> 8),
		 (unsigned int)(sim_pf_index(sim, pf) & 0xff));
	r = vfm_sim_make_netdev(sim, devrel, pf->name, pf->mtu, mac, pf->switchdev);
	for (unsigned int i = 0; i < pf->num_vfs && r == 0; i++)
		r = vfm_sim_nsim_vf_create(sim, pf, i);
	if (r == 0 && pf->num_vfs) {
		snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
		r = vfm_sim_put(sim, rel, "%u", pf->num_vfs);
	}
	if (r < 0)
		return vfm_fail(ctx, r,
				"simulator: building netdevsim device %s under '%s' failed: %s",
				pf->pci, sim->root, strerror(-r));
	return 0;
}

static int
build_pf(struct vfm_ctx *ctx, struct sim *sim, const struct sim_pf *pf)
{
	char devrel[96], rel[PATH_MAX], target[PATH_MAX], mac[VFM_MAC_STRLEN];
	int r = 0;

	if (pf->nsim)
		return build_nsim_pf(ctx, sim, pf);
	vfm_sim_dev_rel(pf, pf->pci, devrel, sizeof(devrel));
	r |= vfm_sim_put_pci_ids(sim, devrel, pf, pf->device);
	snprintf(rel, sizeof(rel), "%s/sriov_totalvfs", devrel);
	r |= vfm_sim_put(sim, rel, "%u", pf->total_vfs);
	snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
	r |= vfm_sim_put(sim, rel, "0");
	snprintf(rel, sizeof(rel), "%s/sriov_offset", devrel);
	r |= vfm_sim_put(sim, rel, "%u", pf->vf_offset);
	snprintf(rel, sizeof(rel), "%s/sriov_stride", devrel);
	r |= vfm_sim_put(sim, rel, "%u", pf->vf_stride);
	snprintf(rel, sizeof(rel), "%s/sriov_vf_device", devrel);
	r |= vfm_sim_put(sim, rel, "%04x", pf->vf_device);
	snprintf(rel, sizeof(rel), "%s/sriov_drivers_autoprobe", devrel);
	r |= vfm_sim_put(sim, rel, "%d", pf->vf_autoprobe ? 1 : 0);
	snprintf(rel, sizeof(rel), "%s/driver_override", devrel);
	r |= vfm_sim_put(sim, rel, "(null)");
	snprintf(rel, sizeof(rel), "%s/subsystem", devrel);
	r |= vfm_sim_link_rel(sim, rel, "bus/pci");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pf->pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", pf->driver, pf->pci);
	r |= vfm_sim_link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "%s/driver", devrel);
	snprintf(target, sizeof(target), "bus/pci/drivers/%s", pf->driver);
	r |= vfm_sim_link_rel(sim, rel, target);
	snprintf(mac, sizeof(mac), "02:00:00:%02x:%02x:%02x", pf->addr.bus, pf->addr.dev,
		 pf->addr.func);
	if (r)
		return -EIO;
	if (vfm_sim_net_pf(sim, pf))
		r = vfm_sim_net_pf_add(sim, pf);
	if (r == 0 && pf->name[0])
		r = vfm_sim_make_netdev(sim, devrel, pf->name, pf->mtu, mac, pf->switchdev);
	for (unsigned int i = 0; i < pf->num_vfs && r == 0; i++)
		r = vfm_sim_vf_create(sim, pf, i,
				      (pf->vfio_vfs & (1u << i)) ? "vfio-pci"
				      : pf->vf_autoprobe         ? pf->vf_driver
								 : NULL);
	if (r == 0 && pf->num_vfs) {
		snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
		r = vfm_sim_put(sim, rel, "%u", pf->num_vfs);
	}
	if (r < 0 && sim->netdevs && (r == -EPERM || r == -EACCES))
		return vfm_fail(ctx, r,
				"simulator: PF %s: making its netdevs needs CAP_NET_ADMIN (run as "
				"root, or drop \"netdevs\" from the NIC file)",
				pf->pci);
	if (r < 0)
		return vfm_fail(ctx, r, "simulator: building PF %s under '%s' failed: %s", pf->pci,
				sim->root, strerror(-r));
	return 0;
}

static int
build_tree(struct vfm_ctx *ctx, struct sim *sim, const char *file)
{
	const char *drivers[] = {"vfio-pci"};
	char rel[PATH_MAX];
	int r = 0;

	r |= vfm_sim_put(
		sim, SIM_MARKER,
		"This is a SIMULATED sysfs tree made by nfpath vf-manager from '%s'. It is not real hardware.",
		file);
	r |= vfm_sim_put(sim, "bus/pci/drivers_probe", "%s", "");
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/bind", drivers[i]);
		r |= vfm_sim_put(sim, rel, "%s", "");
		snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/unbind", drivers[i]);
		r |= vfm_sim_put(sim, rel, "%s", "");
	}
	for (size_t i = 0; i < sim->n_pfs; i++) {
		const char *pdrv[] = {sim->pfs[i].driver, sim->pfs[i].vf_driver};

		if (sim->pfs[i].nsim)
			continue;
		for (size_t j = 0; j < 2; j++) {
			snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/bind", pdrv[j]);
			r |= vfm_sim_put(sim, rel, "%s", "");
			snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/unbind", pdrv[j]);
			r |= vfm_sim_put(sim, rel, "%s", "");
		}
	}
	r |= vfm_sim_put(sim, "proc/irq/0/smp_affinity_list", "0");
	r |= vfm_sim_put(sim, "proc/irq/0/nfpath-sim-managed", "the timer IRQ (simulated)");
	if (r)
		return vfm_fail(ctx, -EIO, "simulator: cannot write the tree under '%s'",
				sim->root);
	for (size_t i = 0; i < sim->n_pfs; i++) {
		r = build_pf(ctx, sim, &sim->pfs[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool
dir_is_empty(const char *path)
{
	struct dirent *e;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return true;
	/* The simulator's own state directory alone (a build killed before it wrote the marker)
	 * does not count. */
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, SIM_STATE) != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* Under systemd (INVOCATION_ID is set for every unit) a read-only tree is most likely outside
 * the unit's writable paths (nfpathd.service: ProtectSystem=strict): say which setting to add. */
static const char *
sim_rw_hint(char *buf, size_t len, int err, const char *path)
{
	buf[0] = '\0';
	if ((err == -EROFS || err == -EACCES) && getenv("INVOCATION_ID"))
		snprintf(
			buf, len,
			"; outside this unit's writable paths: add ReadWritePaths=%s in a drop-in "
			"('systemctl edit nfpathd'), or leave sysfs_root unset for the unit's state "
			"directory",
			path);
	return buf;
}

static int
sim_open(struct vfm_ctx *ctx, const struct vfm_options *opts)
{
	char dflt[PATH_MAX], marker[PATH_MAX], lockpath[PATH_MAX], hint[PATH_MAX + 160], *real;
	const char *root = ctx->sysfs_root;
	struct sim *sim;
	bool exists, building;
	int r;

	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->lock_fd = -1;
	ctx->backend = sim;
	r = vfm_sim_load_file(ctx, sim, opts->sim_file);
	if (r < 0)
		return r;
	if (!root) {
		/* Under a unit with StateDirectory= (nfpathd.service: /var/lib/nfpath) the tree
		 * goes there: ProtectSystem=strict leaves little else writable, and PrivateTmp's
		 * /tmp is gone when the unit restarts, with the simulated VFs in it. */
		const char *rt = getenv("XDG_RUNTIME_DIR"), *st = getenv("STATE_DIRECTORY");
		char *copy = strdup(opts->sim_file), *base, *dot;

		if (!copy)
			return -ENOMEM;
		base = basename(copy);
		dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		if (st && st[0] == '/')
			/* The first of its directories (a colon-separated list). */
			r = vfm_path(dflt, sizeof(dflt), "%.*s/sim/%s", (int)strcspn(st, ":"), st,
				     base);
		else
			r = vfm_path(dflt, sizeof(dflt), "%s/nfpath-sim-%u/%s",
				     rt && *rt ? rt : "/tmp", (unsigned int)getuid(), base);
		free(copy);
		if (r < 0)
			return r;
		root = dflt;
		ctx->sysfs_root = strdup(dflt);
		if (!ctx->sysfs_root)
			return -ENOMEM;
	}
	r = vfm_mkdir_p(root);
	if (r < 0)
		return vfm_fail(ctx, r, "simulator: cannot create the tree directory '%s': %s%s",
				root, strerror(-r), sim_rw_hint(hint, sizeof(hint), r, root));
	if (vfm_path(marker, sizeof(marker), "%s/" SIM_MARKER, root) < 0)
		return -ENAMETOOLONG;
	exists = access(marker, F_OK) == 0;
	if (!exists && !dir_is_empty(root))
		return vfm_fail(
			ctx, -ENOTEMPTY,
			"simulator: '%s' is not empty and is not a simulated tree (no " SIM_MARKER
			"); give --sysfs-root an empty or new directory",
			root);
	real = realpath(root, NULL);
	if (!real || strlen(real) >= sizeof(sim->root)) {
		free(real);
		return -ENAMETOOLONG;
	}
	strcpy(sim->root, real);
	free(real);
	snprintf(sim->proc, sizeof(sim->proc), "%.*s/proc", PATH_MAX - 8, sim->root);
	if (!ctx->procfs_root) {
		ctx->procfs_root = strdup(sim->proc);
		if (!ctx->procfs_root)
			return -ENOMEM;
	} else {
		char *p = realpath(ctx->procfs_root, NULL);

		if (p && strlen(p) < sizeof(sim->proc))
			strcpy(sim->proc, p);
		free(p);
	}
	r = vfm_path(lockpath, sizeof(lockpath), "%s/" SIM_STATE, sim->root);
	if (r == 0)
		r = vfm_mkdir_p(lockpath);
	if (r == 0)
		r = vfm_path(lockpath, sizeof(lockpath), "%s/" SIM_STATE "/lock", sim->root);
	if (r < 0)
		return r;
	sim->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (sim->lock_fd < 0) {
		int e = errno;

		return vfm_fail(ctx, -e, "simulator: cannot open '%s': %s%s", lockpath, strerror(e),
				sim_rw_hint(hint, sizeof(hint), -e, sim->root));
	}
	ctx->vf_state_readable = true;

	r = sim_lock(sim);
	if (r < 0)
		return r;
	/* A build killed half-way left its flag: build again. */
	building = exists && vfm_sim_read_rel_long(sim, SIM_STATE "/building", -1) >= 0;
	if (exists && (opts->sim_reset || building)) {
		struct dirent *e;

		/* The flag before anything goes: a kill from here on rebuilds at the next open. */
		r = vfm_sim_put(sim, SIM_STATE "/building", "1");
		if (r < 0) {
			sim_unlock(sim);
			return vfm_fail(ctx, r, "simulator: cannot write in '%s': %s", sim->root,
					strerror(-r));
		}
		if (sim->netdevs)
			vfm_sim_net_destroy(sim);
		DIR *d = opendir(sim->root);

		while (d && (e = readdir(d))) {
			char sub[PATH_MAX];

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    strcmp(e->d_name, SIM_STATE) == 0 || strcmp(e->d_name, SIM_MARKER) == 0)
				continue;
			if (vfm_path(sub, sizeof(sub), "%s/%s", sim->root, e->d_name) == 0)
				vfm_rm_rf(sub);
		}
		if (d)
			closedir(d);
		/* Keep the lock file; drop the rest of the state. */
		if (vfm_path(marker, sizeof(marker), "%s/" SIM_STATE "/pf", sim->root) == 0)
			vfm_rm_rf(marker);
		for (const char *c = "next_irq\0next_iommu_group\0next_ifindex\0"; *c;
		     c += strlen(c) + 1) {
			char rel[64];

			snprintf(rel, sizeof(rel), SIM_STATE "/%s", c);
			vfm_sim_rm_rel(sim, rel);
		}
		exists = false;
	}
	if (!exists) {
		r = vfm_sim_put(sim, SIM_STATE "/building", "1");
		if (r == 0)
			r = build_tree(ctx, sim, opts->sim_file);
		if (r == 0)
			r = vfm_sim_rm_rel(sim, SIM_STATE "/building");
	} else {
		/* Repair what a process killed mid-change left: a VF count, then the netdevs. */
		for (size_t i = 0; i < sim->n_pfs && r == 0; i++) {
			bool repaired;

			r = vfm_sim_numvfs_repair(sim, &sim->pfs[i], &repaired);
			if (r == 0 && repaired)
				vfm_debug("simulator: %s: finished a VF count change a killed "
					  "process left",
					  sim->pfs[i].pci);
			if (r < 0)
				vfm_fail(ctx, r, "simulator: %s: repairing its VF count failed: %s",
					 sim->pfs[i].pci, strerror(-r));
		}
	}
	if (r == 0 && sim->netdevs) {
		r = vfm_sim_net_repair(ctx, sim);
		vfm_sim_net_bump(sim);
	}
	sim_unlock(sim);
	if (r == 0)
		vfm_sim_net_notify(sim);
	vfm_debug("simulator: %zu simulated PFs in '%s' (%s)", sim->n_pfs, sim->root,
		  exists ? "existing tree" : "built now");
	return r;
}

static void
sim_close(struct vfm_ctx *ctx)
{
	struct sim *sim = vfm_sim_of(ctx);

	if (!sim)
		return;
	if (sim->lock_fd >= 0)
		close(sim->lock_fd);
	free(sim);
	ctx->backend = NULL;
}

const struct vfm_backend_ops vfm_backend_sim = {
	.name = "sim",
	.simulated = true,
	.open = sim_open,
	.close = sim_close,
	.write_attr = sim_write_attr,
	.vf_get_all = sim_vf_get_all,
	.vf_set = sim_vf_set,
};
