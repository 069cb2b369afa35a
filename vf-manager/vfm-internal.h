/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal declarations shared by vf-manager's files: the context, error and log helpers,
 * sysfs file helpers (sysfs.c), netlink (netlink.c) and discovery internals (discover.c).
 * backend.h declares the ops struct the two backends implement.
 */
#ifndef NFPATH_VFM_INTERNAL_H
#define NFPATH_VFM_INTERNAL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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

/* ---- sysfs.c --------------------------------------------------------------------------------- */

/* snprintf into a PATH_MAX buffer; -ENAMETOOLONG when it does not fit. */
int vfm_path(char *buf, size_t len, const char *fmt, ...) VFM_FMT(3, 4);

/* Read a small attribute, without its trailing newline. Returns the length or -errno
 * (-EFBIG when it does not fit). */
int vfm_read_attr(const char *path, char *buf, size_t len);
/* Decimal integer (may be negative). Returns 0, -errno, -EINVAL for garbage. */
int vfm_read_long(const char *path, long *ret_value);
/* Hexadecimal "0x1234". Returns 0, -errno, -EINVAL for garbage. */
int vfm_read_hex(const char *path, unsigned long *ret_value);
/* Basename of a symlink's target. Returns 0 or -errno. */
int vfm_readlink_base(const char *path, char *buf, size_t len);
/*
 * Replace the contents of an existing regular file with value, atomically (a temporary file
 * beside it, then rename): what the simulator uses for its sysfs and procfs attributes, which
 * the kernel updates in one step. A process killed mid-write leaves the old value, never an
 * empty or partial one. Returns 0 or -errno.
 */
int vfm_write_plain(const char *path, const char *value);
/* Write in a child process that is killed and abandoned after timeout_ms (some drivers hang
 * in a sysfs write). Returns 0, -ETIMEDOUT, or the write's -errno. */
int vfm_write_timed(const char *path, const char *value, unsigned int timeout_ms);
/* Write a whole file atomically (temp file + rename). Returns 0 or -errno. */
int vfm_write_file_atomic(const char *path, const char *text);
/* Create every missing directory of path (mode 0755). Returns 0 or -errno. */
int vfm_mkdir_p(const char *path);
/* Remove a tree (no symlink following). Returns 0 or -errno. */
int vfm_rm_rf(const char *path);

/* ---- vfm.c ----------------------------------------------------------------------------------- */

/* Write an attribute through the backend; with retry_busy, EBUSY is retried
 * ctx->busy_retries times with backoff (50 ms, doubling). Returns 0 or -errno. */
int vfm_attr_write(struct vfm_ctx *ctx, const char *path, const char *value, bool retry_busy);

/* ---- discover.c ------------------------------------------------------------------------------ */

/* Fill pf from its device directory. id/bus name it. Never fails for a missing attribute. */
int vfm_pf_fill(struct vfm_ctx *ctx, const char *devdir, const char *id, const char *bus,
		struct vfm_pf *pf);
void vfm_pf_clear(struct vfm_pf *pf);

/* ---- netlink.c ------------------------------------------------------------------------------- */

/* libnl's -NLE_* code to -errno (the one place where this mapping lives). */
int vfm_nle_to_errno(int nle);
/* Read the VF state of every VF of ifname into cfgs[0 .. n) (mask 0 for a VF the kernel did
 * not report). Returns the number of VFs the kernel reported, or -errno. */
int vfm_nl_vf_get_all(struct vfm_ctx *ctx, const char *ifname, struct vfm_vf_config *cfgs,
		      size_t n);
/* Apply the fields of cfg->mask to VF vf of ifname with one RTM_SETLINK. Returns 0 or -errno. */
int vfm_nl_vf_set(struct vfm_ctx *ctx, const char *ifname, unsigned int vf,
		  const struct vfm_vf_config *cfg);

/* ---- saved.c --------------------------------------------------------------------------------- */

/* Format/parse the "key value" lines of a VF config (shared with the simulator's state files).
 * Returns the length written, or -ENOSPC. */
int vfm_vf_config_format(const struct vfm_vf_config *cfg, char *buf, size_t len);
/* Returns 0 or -EINVAL. */
int vfm_vf_config_parse(const char *text, struct vfm_vf_config *ret_cfg);

/* ---- backend-sim.c ------------------------------------------------------------------------- */

/* Check a simulated NIC description (JSON text) without building a tree (fuzzing).
 * Returns the number of PFs, or -EINVAL with a message on ctx. */
int vfm_sim_parse(struct vfm_ctx *ctx, const char *text, size_t len);

#endif /* NFPATH_VFM_INTERNAL_H */
