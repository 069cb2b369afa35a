// SPDX-License-Identifier: BSD-3-Clause
/*
 * The context's life and every change vf-manager makes, written once over the backend ops
 * (backend.h): the VF-count rules, VF configuration with read-back and rollback, saving and
 * restoring a VF's original state, and driver binding. Discovery is in discover.c, IRQs in
 * irq.c, the context's errors and log in ctx.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ctx.h"
#include "sysfs.h"

const char *
vfm_ctx_backend_name(const struct vfm_ctx *ctx)
{
	return ctx->ops->name;
}

bool
vfm_ctx_is_simulated(const struct vfm_ctx *ctx)
{
	return ctx->ops->simulated;
}

const char *
vfm_ctx_sysfs_root(const struct vfm_ctx *ctx)
{
	return ctx->sysfs_root;
}

const char *
vfm_ctx_procfs_root(const struct vfm_ctx *ctx)
{
	return ctx->procfs_root;
}

static char *
strdup_noslash(const char *s)
{
	char *d = strdup(s);
	size_t n;

	if (!d)
		return NULL;
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

int
vfm_ctx_new(const struct vfm_options *opts, struct vfm_ctx **ret_ctx, char **ret_err_msg)
{
	static const struct vfm_options defaults;
	struct vfm_ctx *ctx;
	int r;

	if (ret_err_msg)
		*ret_err_msg = NULL;
	if (!ret_ctx)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->ops = opts->sim_file ? &vfm_backend_sim : &vfm_backend_sysfs;
	ctx->write_timeout_ms = opts->write_timeout_ms ? opts->write_timeout_ms : 10000;
	ctx->busy_retries = opts->busy_retries ? opts->busy_retries : 5;
	if (opts->sysfs_root) {
		ctx->sysfs_root = strdup_noslash(opts->sysfs_root);
		if (!ctx->sysfs_root) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (opts->procfs_root) {
		ctx->procfs_root = strdup_noslash(opts->procfs_root);
		if (!ctx->procfs_root) {
			r = -ENOMEM;
			goto fail;
		}
	}
	r = ctx->ops->open(ctx, opts);
	if (r < 0)
		goto fail;
	if (!ctx->sysfs_root)
		ctx->sysfs_root = strdup("/sys");
	if (!ctx->procfs_root)
		ctx->procfs_root = strdup("/proc");
	if (!ctx->sysfs_root || !ctx->procfs_root) {
		r = -ENOMEM;
		goto fail;
	}
	vfm_debug("context: backend %s, sysfs '%s', procfs '%s'", ctx->ops->name, ctx->sysfs_root,
		  ctx->procfs_root);
	*ret_ctx = ctx;
	return 0;
fail:
	if (ret_err_msg && ctx->err[0])
		*ret_err_msg = strdup(ctx->err);
	if (ctx->backend && ctx->ops->close)
		ctx->ops->close(ctx);
	free(ctx->sysfs_root);
	free(ctx->procfs_root);
	free(ctx);
	return r;
}

void
vfm_ctx_free(struct vfm_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->ops->close)
		ctx->ops->close(ctx);
	free(ctx->sysfs_root);
	free(ctx->procfs_root);
	free(ctx);
}

/* ---- VF count --------------------------------------------------------------------------- */

/*
 * TEST ONLY: built with -DVFM_FAULT_SKIP_ZERO (vfm-fault-skip-zero, linked by the kernel lab's
 * vfm-kernel-check-skip-zero and nothing else), a non-zero VF count is changed without writing
 * 0 first: the deliberately broken backend the kernel lab must catch.
 */
#ifdef VFM_FAULT_SKIP_ZERO
#define VFM_FAULT_SKIP_ZERO_ON 1
#else
#define VFM_FAULT_SKIP_ZERO_ON 0
#endif

static bool
driver_is_userspace(const char *drv)
{
	return strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "uio_pci_generic") == 0 ||
	       strcmp(drv, "igb_uio") == 0 || strcmp(drv, "pci-stub") == 0;
}

static int
write_numvfs(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int n, bool retry_busy)
{
	char path[PATH_MAX], val[16];
	int r;

	if (vfm_path(path, sizeof(path), "%s/sriov_numvfs", pf->syspath) < 0)
		return -ENAMETOOLONG;
	snprintf(val, sizeof(val), "%u", n);
	r = vfm_attr_write(ctx, path, val, retry_busy);
	if (r == -ETIMEDOUT)
		return vfm_fail(
			ctx, r,
			"PF %s: writing %u to sriov_numvfs did not finish within %u ms; the driver may be stuck (check dmesg)",
			pf->id, n, ctx->write_timeout_ms);
	if (r == -EBUSY)
		return vfm_fail(
			ctx, r,
			"PF %s: the kernel refused %u VFs with EBUSY (it has %d); a non-zero VF count changes only through 0",
			pf->id, n, pf->num_vfs);
	if (r == -ERANGE)
		return vfm_fail(
			ctx, r,
			"PF %s: the kernel refused %u VFs with ERANGE (sriov_totalvfs is %d)",
			pf->id, n, pf->total_vfs);
	if (r == -ENOMEM)
		return vfm_fail(
			ctx, r,
			"PF %s: the kernel refused %u VFs with ENOMEM (limit %d; netdevsim answers so above its max_vfs, other drivers when out of resources)",
			pf->id, n, pf->total_vfs);
	if (r < 0)
		return vfm_fail(ctx, r, "PF %s: writing %u to '%s' failed: %s", pf->id, n, path,
				strerror(-r));
	return 0;
}

int
vfm_pf_set_num_vfs(struct vfm_ctx *ctx, const char *name, unsigned int n, unsigned int flags)
{
	struct vfm_pf *pf = NULL;
	int r;

	if (!ctx)
		return -EINVAL;
	r = vfm_pf_load(ctx, name, &pf);
	if (r < 0)
		return r;
	if (!pf->sriov_capable) {
		r = vfm_fail(
			ctx, -EOPNOTSUPP,
			"PF %s has no SR-IOV capability (no sriov_totalvfs); pick an SR-IOV PF from 'nfpath-vf list'",
			pf->id);
		goto out;
	}
	if (pf->total_vfs >= 0 && n > (unsigned int)pf->total_vfs && !(flags & VFM_NUMVFS_DIRECT)) {
		r = vfm_fail(ctx, -ERANGE,
			     "PF %s: %u VFs is above sriov_totalvfs (%d); ask for 0-%d", pf->id, n,
			     pf->total_vfs, pf->total_vfs);
		goto out;
	}
	if (pf->num_vfs < 0) {
		r = vfm_fail(ctx, -EIO,
			     "PF %s: sriov_numvfs is unreadable; cannot change it safely", pf->id);
		goto out;
	}
	if ((unsigned int)pf->num_vfs == n) {
		r = 0;
		goto out;
	}
	if (flags & VFM_NUMVFS_DIRECT) {
		/* The kernel's own EBUSY for non-zero to non-zero is not transient. */
		r = write_numvfs(ctx, pf, n, pf->num_vfs == 0 || n == 0);
		goto out;
	}
	/* Changing the count destroys every existing VF. */
	if (!(flags & VFM_NUMVFS_FORCE)) {
		for (size_t i = 0; i < pf->n_vfs; i++) {
			const struct vfm_vf *vf = &pf->vfs[i];

			if (vf->driver[0] && driver_is_userspace(vf->driver)) {
				r = vfm_fail(
					ctx, -EBUSY,
					"PF %s: VF %u (%s) is bound to %s and would be destroyed by changing the VF count; release it first or force",
					pf->id, vf->index, vf->pci, vf->driver);
				goto out;
			}
		}
	}
	if (pf->num_vfs != 0 && !(VFM_FAULT_SKIP_ZERO_ON && n != 0)) {
		r = write_numvfs(ctx, pf, 0, true);
		if (r < 0 || n == 0)
			goto out;
	}
	r = write_numvfs(ctx, pf, n, true);
out:
	vfm_pf_free(pf);
	return r;
}

/* ---- VF settings ------------------------------------------------------------------------ */

/* Load the PF and check the VF index. */
static int
pf_vf_load(struct vfm_ctx *ctx, const char *name, unsigned int vf, struct vfm_pf **ret_pf)
{
	struct vfm_pf *pf = NULL;
	int r;

	if (!ctx)
		return -EINVAL;
	r = vfm_pf_load(ctx, name, &pf);
	if (r < 0)
		return r;
	if (!pf->sriov_capable || pf->num_vfs <= 0 || vf >= (unsigned int)pf->num_vfs) {
		if (pf->num_vfs > 0)
			r = vfm_fail(ctx, -EINVAL,
				     "PF %s: VF %u does not exist (it has %d VFs: 0-%d)", name, vf,
				     pf->num_vfs, pf->num_vfs - 1);
		else
			r = vfm_fail(
				ctx, -EINVAL,
				"PF %s: VF %u does not exist (the PF has no VFs; create them with 'nfpath-vf numvfs')",
				name, vf);
		vfm_pf_free(pf);
		return r;
	}
	*ret_pf = pf;
	return 0;
}

static int
vf_state_get(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int vf,
	     struct vfm_vf_config *ret)
{
	struct vfm_vf_config *cfgs;
	size_t n = (size_t)pf->num_vfs;
	int r;

	if (!ctx->vf_state_readable)
		return vfm_fail(
			ctx, -EOPNOTSUPP,
			"PF %s: VF settings go through netlink, which is off for sysfs root '%s' (netlink follows the live /sys only)",
			pf->id, ctx->sysfs_root);
	if (!pf->netdev[0])
		return vfm_fail(ctx, -EOPNOTSUPP,
				"PF %s has no netdev: its VFs cannot be configured through netlink",
				pf->id);
	cfgs = calloc(n, sizeof(*cfgs));
	if (!cfgs)
		return -ENOMEM;
	r = ctx->ops->vf_get_all(ctx, pf, cfgs, n);
	if (r >= 0 && cfgs[vf].mask == 0)
		r = vfm_fail(ctx, -ENODATA, "PF %s: the kernel reported no state for VF %u", pf->id,
			     vf);
	if (r >= 0) {
		*ret = cfgs[vf];
		r = 0;
	}
	free(cfgs);
	return r;
}

int
vfm_vf_get_config(struct vfm_ctx *ctx, const char *name, unsigned int vf,
		  struct vfm_vf_config *ret_cfg)
{
	struct vfm_pf *pf = NULL;
	int r;

	if (!ret_cfg)
		return -EINVAL;
	r = pf_vf_load(ctx, name, vf, &pf);
	if (r < 0)
		return r;
	r = vf_state_get(ctx, pf, vf, ret_cfg);
	vfm_pf_free(pf);
	return r;
}

static int
check_config(struct vfm_ctx *ctx, const char *pf, unsigned int vf, const struct vfm_vf_config *cfg)
{
	if (cfg->mask & ~VFM_VF_ALL)
		return vfm_fail(ctx, -EINVAL, "PF %s VF %u: unknown bits 0x%x in the config mask",
				pf, vf, cfg->mask & ~VFM_VF_ALL);
	if ((cfg->mask & VFM_VF_MAC) && vfm_mac_is_multicast(cfg->mac))
		return vfm_fail(
			ctx, -EINVAL,
			"PF %s VF %u: a VF MAC must be unicast (the group bit of the first octet is set)",
			pf, vf);
	if (cfg->mask & VFM_VF_VLAN) {
		if (cfg->vlan > 4095)
			return vfm_fail(ctx, -EINVAL,
					"PF %s VF %u: vlan %u is out of range (0-4095)", pf, vf,
					cfg->vlan);
		if (cfg->qos > 7)
			return vfm_fail(ctx, -EINVAL, "PF %s VF %u: qos %u is out of range (0-7)",
					pf, vf, cfg->qos);
		if (cfg->vlan_proto != VFM_VLAN_PROTO_8021Q &&
		    cfg->vlan_proto != VFM_VLAN_PROTO_8021AD)
			return vfm_fail(
				ctx, -EINVAL,
				"PF %s VF %u: vlan protocol 0x%04x is neither 802.1Q nor 802.1ad",
				pf, vf, cfg->vlan_proto);
	}
	if ((cfg->mask & VFM_VF_LINK_STATE) && (unsigned int)cfg->link_state > VFM_LINK_DISABLE)
		return vfm_fail(ctx, -EINVAL,
				"PF %s VF %u: link state %u is not auto/enable/disable", pf, vf,
				(unsigned int)cfg->link_state);
	if ((cfg->mask & VFM_VF_RATE) && cfg->max_tx_rate && cfg->min_tx_rate > cfg->max_tx_rate)
		return vfm_fail(
			ctx, -EINVAL,
			"PF %s VF %u: min_rate %u is above max_rate %u; lower min_rate or raise max_rate",
			pf, vf, cfg->min_tx_rate, cfg->max_tx_rate);
	return 0;
}

/* Fields of 'want' (its mask) that 'got' does not match; 0 when they all match. */
static uint32_t
config_diff(const struct vfm_vf_config *want, const struct vfm_vf_config *got)
{
	uint32_t bad = 0;

	if ((want->mask & VFM_VF_MAC) && memcmp(want->mac, got->mac, VFM_MAC_LEN) != 0)
		bad |= VFM_VF_MAC;
	if ((want->mask & VFM_VF_VLAN) &&
	    (want->vlan != got->vlan || want->qos != got->qos ||
	     (want->vlan != 0 && want->vlan_proto != got->vlan_proto)))
		bad |= VFM_VF_VLAN;
	if ((want->mask & VFM_VF_SPOOFCHK) && want->spoofchk != got->spoofchk)
		bad |= VFM_VF_SPOOFCHK;
	if ((want->mask & VFM_VF_TRUST) && want->trust != got->trust)
		bad |= VFM_VF_TRUST;
	if ((want->mask & VFM_VF_LINK_STATE) && want->link_state != got->link_state)
		bad |= VFM_VF_LINK_STATE;
	if ((want->mask & VFM_VF_RATE) &&
	    (want->min_tx_rate != got->min_tx_rate || want->max_tx_rate != got->max_tx_rate))
		bad |= VFM_VF_RATE;
	return bad & got->mask;
}

static const char *
field_name(uint32_t bit)
{
	switch (bit) {
	case VFM_VF_MAC:
		return "mac";
	case VFM_VF_VLAN:
		return "vlan";
	case VFM_VF_SPOOFCHK:
		return "spoofchk";
	case VFM_VF_TRUST:
		return "trust";
	case VFM_VF_LINK_STATE:
		return "state";
	case VFM_VF_RATE:
		return "rate";
	}
	return "?";
}

static int
apply_config(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int vf,
	     const struct vfm_vf_config *cfg)
{
	struct vfm_vf_config orig, now;
	uint32_t done = 0, bad;
	char err[sizeof(ctx->err)];
	int r;

	r = check_config(ctx, pf->id, vf, cfg);
	if (r < 0)
		return r;
	r = vf_state_get(ctx, pf, vf, &orig);
	if (r < 0)
		return r;

	/* One request per field: the kernel applies a multi-field request in order and stops at
	 * the first failure, which would leave it half done. */
	for (uint32_t bit = 1; bit <= VFM_VF_RATE; bit <<= 1) {
		struct vfm_vf_config step = *cfg;

		if (!(cfg->mask & bit))
			continue;
		step.mask = bit;
		r = ctx->ops->vf_set(ctx, pf, vf, &step);
		if (r < 0)
			goto rollback;
		done |= bit;
	}
	r = vf_state_get(ctx, pf, vf, &now);
	if (r < 0)
		goto rollback;
	bad = config_diff(cfg, &now);
	if (bad) {
		uint32_t first = bad & -bad;

		r = vfm_fail(
			ctx, -EIO,
			"PF %s VF %u: %s does not read back as set (the driver ignored it); the VF was rolled back",
			pf->id, vf, field_name(first));
		goto rollback;
	}
	return 0;

rollback:
	memcpy(err, ctx->err, sizeof(err));
	if (done) {
		struct vfm_vf_config back = orig;

		back.mask = done & orig.mask;
		for (uint32_t bit = 1; bit <= VFM_VF_RATE; bit <<= 1) {
			struct vfm_vf_config step = back;

			if (!(back.mask & bit))
				continue;
			step.mask = bit;
			if (ctx->ops->vf_set(ctx, pf, vf, &step) < 0)
				vfm_log(VFM_WARN, "PF %s VF %u: rolling back %s failed: %s", pf->id,
					vf, field_name(bit), ctx->err);
		}
	}
	memcpy(ctx->err, err, sizeof(err));
	return r;
}

int
vfm_vf_set_config(struct vfm_ctx *ctx, const char *name, unsigned int vf,
		  const struct vfm_vf_config *cfg)
{
	struct vfm_pf *pf = NULL;
	int r;

	if (!cfg)
		return -EINVAL;
	r = pf_vf_load(ctx, name, vf, &pf);
	if (r < 0)
		return r;
	r = apply_config(ctx, pf, vf, cfg);
	vfm_pf_free(pf);
	return r;
}

/* ---- Save and restore ------------------------------------------------------------------- */

int
vfm_vf_save(struct vfm_ctx *ctx, const char *name, unsigned int vf, struct vfm_vf_saved *ret_saved)
{
	struct vfm_vf_saved s;
	struct vfm_pf *pf = NULL;
	int r;

	if (!ret_saved)
		return -EINVAL;
	r = pf_vf_load(ctx, name, vf, &pf);
	if (r < 0)
		return r;
	memset(&s, 0, sizeof(s));
	/* The name vfm_pf_load() finds the PF by again: the PCI address of a PCI PF (stable
	 * across netdev renames), the netdev of a PF on another bus (netdevsim). */
	snprintf(s.pf, sizeof(s.pf), "%s",
		 strcmp(pf->bus, "pci") != 0 && pf->netdev[0] ? pf->netdev : pf->id);
	s.vf = vf;
	s.mtu = -1;
	s.cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
	if (vf < pf->n_vfs) {
		snprintf(s.driver, sizeof(s.driver), "%s", pf->vfs[vf].driver);
		s.mtu = pf->vfs[vf].mtu;
	}
	/* Without readable VF state (no netdev, netlink off) only driver and MTU are saved. */
	if (ctx->vf_state_readable && pf->netdev[0]) {
		r = vf_state_get(ctx, pf, vf, &s.cfg);
		if (r < 0)
			goto out;
	}
	*ret_saved = s;
	r = 0;
out:
	vfm_pf_free(pf);
	return r;
}

static int
write_vf_mtu(struct vfm_ctx *ctx, const char *pfname, unsigned int vf, int mtu)
{
	struct vfm_pf *pf = NULL;
	char path[PATH_MAX], val[16];
	int r;

	r = pf_vf_load(ctx, pfname, vf, &pf);
	if (r < 0)
		return r;
	if (vf >= pf->n_vfs || !pf->vfs[vf].netdev[0] || pf->vfs[vf].mtu == mtu) {
		vfm_pf_free(pf);
		return 0;
	}
	r = vfm_path(path, sizeof(path), "%s/class/net/%s/mtu", ctx->sysfs_root,
		     pf->vfs[vf].netdev);
	if (r == 0) {
		snprintf(val, sizeof(val), "%d", mtu);
		r = vfm_attr_write(ctx, path, val, true);
		if (r < 0)
			vfm_fail(ctx, r, "PF %s VF %u: writing mtu %d to '%s' failed: %s", pfname,
				 vf, mtu, path, strerror(-r));
	}
	vfm_pf_free(pf);
	return r;
}

static bool
vf_driver_is(struct vfm_ctx *ctx, const char *syspath, const char *driver)
{
	char path[PATH_MAX], now[64];

	(void)ctx;
	if (vfm_path(path, sizeof(path), "%s/driver", syspath) < 0 ||
	    vfm_readlink_base(path, now, sizeof(now)) < 0)
		return false;
	return strcmp(now, driver) == 0;
}

int
vfm_vf_restore(struct vfm_ctx *ctx, const struct vfm_vf_saved *saved)
{
	char first_err[sizeof(ctx->err)] = "";
	struct vfm_pf *pf = NULL;
	int r, ret = 0;

	if (!ctx || !saved)
		return -EINVAL;
	r = pf_vf_load(ctx, saved->pf, saved->vf, &pf);
	if (r < 0)
		return r;
	/* Driver first: rebinding a VF can reset settings kept by its driver (MTU). */
	if (saved->vf < pf->n_vfs && pf->vfs[saved->vf].has_pci &&
	    strcmp(pf->vfs[saved->vf].driver, saved->driver) != 0) {
		/* A kernel driver comes back through a plain probe, which also leaves
		 * driver_override cleared as it was; an override only if the probe picks another.
		 */
		if (!saved->driver[0] || driver_is_userspace(saved->driver)) {
			r = vfm_vf_bind(ctx, saved->pf, saved->vf,
					saved->driver[0] ? saved->driver : "none");
		} else {
			r = vfm_vf_bind(ctx, saved->pf, saved->vf, "kernel");
			if (!vf_driver_is(ctx, pf->vfs[saved->vf].syspath, saved->driver))
				r = vfm_vf_bind(ctx, saved->pf, saved->vf, saved->driver);
		}
		if (r < 0 && ret == 0) {
			ret = r;
			memcpy(first_err, ctx->err, sizeof(first_err));
		}
	}
	if (saved->cfg.mask) {
		r = apply_config(ctx, pf, saved->vf, &saved->cfg);
		if (r < 0 && ret == 0) {
			ret = r;
			memcpy(first_err, ctx->err, sizeof(first_err));
		}
	}
	vfm_pf_free(pf);
	if (saved->mtu > 0) {
		r = write_vf_mtu(ctx, saved->pf, saved->vf, saved->mtu);
		if (r < 0 && ret == 0) {
			ret = r;
			memcpy(first_err, ctx->err, sizeof(first_err));
		}
	}
	if (ret < 0)
		memcpy(ctx->err, first_err, sizeof(first_err));
	return ret;
}

/* ---- Driver binding --------------------------------------------------------------------- */

/* The PF's sriov_drivers_autoprobe (true when unreadable: the kernel's default). */
static bool
pf_autoprobe(const struct vfm_pf *pf)
{
	char path[PATH_MAX];
	long v;

	if (vfm_path(path, sizeof(path), "%s/sriov_drivers_autoprobe", pf->syspath) < 0 ||
	    vfm_read_long(path, &v) < 0)
		return true;
	return v != 0;
}

int
vfm_vf_bind(struct vfm_ctx *ctx, const char *name, unsigned int vf, const char *driver)
{
	char path[PATH_MAX], now[64];
	const struct vfm_vf *v;
	struct vfm_pf *pf = NULL;
	bool to_kernel, to_none;
	int r;

	if (!driver)
		return vfm_fail(ctx, -EINVAL, "bind: no driver given");
	to_kernel = driver[0] == '\0' || strcmp(driver, "kernel") == 0;
	to_none = strcmp(driver, "none") == 0;
	if (strchr(driver, '/') || strchr(driver, '\n') || strlen(driver) >= sizeof(now))
		return vfm_fail(ctx, -EINVAL, "bind: '%s' is not a driver name", driver);
	r = pf_vf_load(ctx, name, vf, &pf);
	if (r < 0)
		return r;
	v = vf < pf->n_vfs ? &pf->vfs[vf] : NULL;
	if (!v || !v->has_pci) {
		r = vfm_fail(ctx, -EOPNOTSUPP,
			     "PF %s VF %u has no PCI function (virtfn%u missing): nothing to bind",
			     name, vf, vf);
		goto out;
	}
	if (!to_kernel && !to_none && strcmp(v->driver, driver) == 0) {
		r = 0;
		goto out;
	}
	if (strcmp(driver, "vfio-pci") == 0 && v->iommu_group < 0) {
		r = vfm_fail(
			ctx, -EOPNOTSUPP,
			"PF %s VF %u (%s) has no IOMMU group: vfio-pci needs the IOMMU on (intel_iommu=on or amd_iommu=on)",
			name, vf, v->pci);
		goto out;
	}

	/* 1. driver_override: the driver that may take the device ("\n" clears it). */
	r = vfm_path(path, sizeof(path), "%s/driver_override", v->syspath);
	if (r == 0)
		r = vfm_attr_write(ctx, path, to_kernel || to_none ? "\n" : driver, true);
	if (r < 0) {
		r = vfm_fail(ctx, r, "PF %s VF %u: writing driver_override failed: %s", name, vf,
			     strerror(-r));
		goto out;
	}
	/* 2. unbind from the current driver. */
	if (v->driver[0]) {
		r = vfm_path(path, sizeof(path), "%s/driver/unbind", v->syspath);
		if (r == 0)
			r = vfm_attr_write(ctx, path, v->pci, true);
		if (r < 0) {
			r = vfm_fail(ctx, r, "PF %s VF %u: unbinding %s from %s failed: %s", name,
				     vf, v->pci, v->driver, strerror(-r));
			goto out;
		}
	}
	if (to_none) {
		r = 0;
		goto out;
	}
	/* 3. let the kernel probe: the override (or the VF's own driver) takes it. */
	r = vfm_path(path, sizeof(path), "%s/bus/pci/drivers_probe", ctx->sysfs_root);
	if (r == 0)
		r = vfm_attr_write(ctx, path, v->pci, true);
	if (r < 0 && r != -ENODEV && r != -EINVAL) {
		r = vfm_fail(ctx, r, "PF %s VF %u: drivers_probe of %s failed: %s", name, vf,
			     v->pci, strerror(-r));
		goto out;
	}
	/* 4. check. */
	r = vfm_path(path, sizeof(path), "%s/driver", v->syspath);
	if (r == 0 && vfm_readlink_base(path, now, sizeof(now)) < 0)
		now[0] = '\0';
	if (!to_kernel && strcmp(now, driver) != 0) {
		r = vfm_fail(
			ctx, -EIO,
			"PF %s VF %u (%s): %s did not take the device (bound: '%s'); is the module loaded? (modprobe %s)",
			name, vf, v->pci, driver, now[0] ? now : "none", driver);
		goto out;
	}
	if (to_kernel && (now[0] == '\0' || driver_is_userspace(now)) && !pf_autoprobe(pf)) {
		r = vfm_fail(
			ctx, -EIO,
			"PF %s VF %u (%s): no kernel driver took the device: the PF's sriov_drivers_autoprobe is 0, so the kernel probes its VFs only for a named driver; bind to one (for example 'nfpath-vf bind %s %u %s')",
			name, vf, v->pci, name, vf, pf->driver[0] ? pf->driver : "DRIVER");
		goto out;
	}
	if (to_kernel && (now[0] == '\0' || driver_is_userspace(now))) {
		r = vfm_fail(
			ctx, -EIO,
			"PF %s VF %u (%s): no kernel driver took the device (bound: '%s'); load the VF driver module",
			name, vf, v->pci, now[0] ? now : "none");
		goto out;
	}
	vfm_debug("PF %s VF %u (%s): bound to %s", name, vf, v->pci, now);
	r = 0;
out:
	vfm_pf_free(pf);
	return r;
}
