/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend interface: what differs between real hardware and the simulated NIC.
 * Everything else (discovery, the VF-count rules, verification and rollback, save/restore,
 * driver binding, IRQ pinning) is written once in discover.c, vfm.c and irq.c on top of these
 * few operations, so that the simulator exercises the same code as the real system (as OVS's
 * netdev-dummy stands beside its real netdev providers).
 *
 * backend.c:       vfm_attr_write(), the one write every change goes through.
 * backend-sysfs.c: sysfs writes with a time-out and EBUSY retries, VF state through rtnetlink.
 * backend-sim*.c:  a sysfs-shaped tree under a directory; writes to it are interpreted the way
 *                  the kernel would (sriov_numvfs, driver_override, unbind, drivers_probe,
 *                  managed IRQs) and VF state lives in files of that tree; optionally real
 *                  netdevs behind an embedded switch that applies that state to frames.
 */
#ifndef NFPATH_VFM_BACKEND_H
#define NFPATH_VFM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "nfpath/vfm.h"

struct vfm_ctx;

struct vfm_backend_ops {
	const char *name; /* "sysfs+netlink", "sim" */
	bool simulated;

	/* Set up ctx->backend; ctx->sysfs_root/procfs_root may be set here. Returns 0/-errno and
	 * leaves a message with vfm_fail(). */
	int (*open)(struct vfm_ctx *ctx, const struct vfm_options *opts);
	void (*close)(struct vfm_ctx *ctx);

	/* Write a sysfs or procfs attribute (absolute path under the roots). */
	int (*write_attr)(struct vfm_ctx *ctx, const char *path, const char *value);

	/* VF state of every VF of pf (see vfm_nl_vf_get_all()). */
	int (*vf_get_all)(struct vfm_ctx *ctx, const struct vfm_pf *pf, struct vfm_vf_config *cfgs,
			  size_t n);

	/* Apply the fields of cfg->mask to one VF. */
	int (*vf_set)(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int vf,
		      const struct vfm_vf_config *cfg);
};

/* Write an attribute through ctx's backend (backend.c); with retry_busy, EBUSY is retried
 * ctx->busy_retries times with backoff (50 ms, doubling). Returns 0 or -errno. */
int vfm_attr_write(struct vfm_ctx *ctx, const char *path, const char *value, bool retry_busy);

extern const struct vfm_backend_ops vfm_backend_sysfs;
extern const struct vfm_backend_ops vfm_backend_sim;

#endif /* NFPATH_VFM_BACKEND_H */
