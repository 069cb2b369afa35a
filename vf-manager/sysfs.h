/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs and procfs file helpers (sysfs.c): paths, reading attributes, timed and atomic writes,
 * directory trees. Uses only the context's log (ctx.h).
 */
#ifndef NFPATH_VFM_SYSFS_H
#define NFPATH_VFM_SYSFS_H

#include <limits.h>
#include <stddef.h>

#include "ctx.h"

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
int vfm_attr_replace(const char *path, const char *value);
/* Write in a child process that is killed and abandoned after timeout_ms (some drivers hang
 * in a sysfs write). Returns 0, -ETIMEDOUT, or the write's -errno. */
int vfm_write_timed(const char *path, const char *value, unsigned int timeout_ms);
/* Write a whole file atomically (temp file + rename). Returns 0 or -errno. */
int vfm_write_file_atomic(const char *path, const char *text);
/* Create every missing directory of path (mode 0755). Returns 0 or -errno. */
int vfm_mkdir_p(const char *path);
/* Remove a tree (no symlink following). Returns 0 or -errno. */
int vfm_rm_rf(const char *path);

#endif /* NFPATH_VFM_SYSFS_H */
