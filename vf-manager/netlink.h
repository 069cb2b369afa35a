/* SPDX-License-Identifier: BSD-3-Clause */
/* rtnetlink access to VF state (netlink.c). */
#ifndef NFPATH_VFM_NETLINK_H
#define NFPATH_VFM_NETLINK_H

#include <stddef.h>

#include "ctx.h"

/* libnl's -NLE_* code to -errno (the one place where this mapping lives). */
int vfm_nle_to_errno(int nle);
/* Read the VF state of every VF of ifname into cfgs[0 .. n) (mask 0 for a VF the kernel did
 * not report). Returns the number of VFs the kernel reported, or -errno. */
int vfm_nl_vf_get_all(struct vfm_ctx *ctx, const char *ifname, struct vfm_vf_config *cfgs,
		      size_t n);
/* Apply the fields of cfg->mask to VF vf of ifname with one RTM_SETLINK. Returns 0 or -errno. */
int vfm_nl_vf_set(struct vfm_ctx *ctx, const char *ifname, unsigned int vf,
		  const struct vfm_vf_config *cfg);

#endif /* NFPATH_VFM_NETLINK_H */
