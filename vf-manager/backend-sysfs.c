// SPDX-License-Identifier: BSD-3-Clause
/*
 * The real backend: sysfs writes with a time-out (sysfs.c), VF state through rtnetlink
 * (netlink.c). Netlink speaks for the live kernel, so by default it is used only when the
 * sysfs root is the live "/sys"; a fixture tree under another root gets discovery and sysfs
 * writes but no VF state (vfm_options.netlink overrides this).
 */
#include <errno.h>
#include <string.h>

#include "backend.h"
#include "ctx.h"
#include "netlink.h"
#include "sysfs.h"

static int
sysfs_open(struct vfm_ctx *ctx, const struct vfm_options *opts)
{
	bool live = !ctx->sysfs_root || strcmp(ctx->sysfs_root, "/sys") == 0;

	switch (opts->netlink) {
	case VFM_NETLINK_ON:
		ctx->vf_state_readable = true;
		break;
	case VFM_NETLINK_OFF:
		ctx->vf_state_readable = false;
		break;
	default:
		ctx->vf_state_readable = live;
		break;
	}
	return 0;
}

static void
sysfs_close(struct vfm_ctx *ctx)
{
	(void)ctx;
}

static int
sysfs_write_attr(struct vfm_ctx *ctx, const char *path, const char *value)
{
	return vfm_write_timed(path, value, ctx->write_timeout_ms);
}

static int
sysfs_vf_get_all(struct vfm_ctx *ctx, const struct vfm_pf *pf, struct vfm_vf_config *cfgs, size_t n)
{
	if (!pf->netdev[0])
		return vfm_fail(ctx, -EOPNOTSUPP, "PF %s has no netdev", pf->id);
	return vfm_nl_vf_get_all(ctx, pf->netdev, cfgs, n);
}

static int
sysfs_vf_set(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int vf,
	     const struct vfm_vf_config *cfg)
{
	if (!pf->netdev[0])
		return vfm_fail(ctx, -EOPNOTSUPP, "PF %s has no netdev", pf->id);
	return vfm_nl_vf_set(ctx, pf->netdev, vf, cfg);
}

const struct vfm_backend_ops vfm_backend_sysfs = {
	.name = "sysfs+netlink",
	.simulated = false,
	.open = sysfs_open,
	.close = sysfs_close,
	.write_attr = sysfs_write_attr,
	.vf_get_all = sysfs_vf_get_all,
	.vf_set = sysfs_vf_set,
};
