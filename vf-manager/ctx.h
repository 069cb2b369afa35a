/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vf-manager context and its error and log helpers (ctx.c): a leaf every other file of
 * vf-manager may use, and which uses none of them.
 */
#ifndef NFPATH_VFM_CTX_H
#define NFPATH_VFM_CTX_H

#include <stdbool.h>

#include "nfpath/vfm.h"

struct vfm_backend_ops;

struct vfm_ctx {
	char *sysfs_root; /* no trailing '/' */
	char *procfs_root;
	unsigned int write_timeout_ms;
	unsigned int busy_retries;
	bool vf_state_readable; /* netlink (or the simulator) answers VF state */
	const struct vfm_backend_ops *ops;
	void *backend; /* the backend's private data */
	char err[512]; /* last failure, for vfm_ctx_last_error() */
};

#define VFM_FMT(a, b) __attribute__((format(printf, a, b)))

void vfm_log(enum vfm_print_level level, const char *fmt, ...) VFM_FMT(2, 3);
#define vfm_debug(...) vfm_log(VFM_DEBUG, __VA_ARGS__)

/* Record a failure message on ctx (also logged at debug level) and return err (a -errno). */
int vfm_fail(struct vfm_ctx *ctx, int err, const char *fmt, ...) VFM_FMT(3, 4);

#endif /* NFPATH_VFM_CTX_H */
