/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Files, written so a crash leaves the old or the new content and never a torn one, and read
 * without blocking on a FIFO or a device. Every writer of state in nfpath (the agent's journal,
 * the irqbalance ban list, VF originals, the simulated NIC's attributes) goes through
 * base_write_file_atomic(), so there is one durable write to reason about.
 */
#ifndef NFPATH_BASE_FILE_H
#define NFPATH_BASE_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace 'path' with 'len' bytes of 'data': a temporary file beside it ('.NAME.tmp.PID'),
 * written whole, fsync'ed, renamed over 'path', and then 'path's directory fsync'ed, so the
 * rename itself survives a power cut. 'mode' is the new file's mode, exactly (fchmod: not
 * narrowed by the umask, since a reader such as irqbalance may depend on it). A failed write
 * removes its temporary file and leaves 'path' as it was.
 * Returns 0, or -errno: -ENAMETOOLONG, -ENOSPC and the errors of open(2), write(2), fsync(2),
 * rename(2).
 */
int base_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* base_write_file_atomic() of a NUL-terminated string. */
int base_write_text_atomic(const char *path, const char *text, mode_t mode);

/*
 * Like base_write_file_atomic(), but only when 'path' does not exist yet: the first saved
 * original of a VF is the one that counts. Returns 0 when written, -EEXIST when 'path' already
 * exists (and is left alone), or -errno as base_write_file_atomic().
 */
int base_write_file_once(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Remove the temporary files that writers of 'path' killed before their rename left beside it
 * ('.NAME.tmp.*'). Returns how many were removed, or -errno when the directory cannot be read.
 */
int base_remove_stale_temps(const char *path);

/* The steps of base_write_file_atomic(), for crash tests (base_file_set_crash_hook()). */
enum base_write_step {
	BASE_WRITE_OPENED,  /* the temporary file exists, empty */
	BASE_WRITE_PARTIAL, /* half of the data is in the temporary file */
	BASE_WRITE_SYNCED,  /* all of it, fsync'ed, not yet renamed */
	BASE_WRITE_RENAMED, /* renamed over the target, directory not yet fsync'ed */
	BASE_WRITE_DONE,    /* the directory fsync'ed */
};

/* Tests only: 'hook' is called at each step of every atomic write in this process (NULL: none). */
void base_file_set_crash_hook(void (*hook)(enum base_write_step step));

/*
 * Read a whole regular file (or a symlink to one) of at most 'max' bytes into a NUL-terminated
 * buffer the caller frees. The file is opened with O_NONBLOCK and checked with fstat() before any
 * read, so a FIFO, socket or device named like a state or policy file never blocks the reader.
 * Returns 0, or -errno: -EINVAL (not a regular file: say so to the user), -EFBIG (over 'max'),
 * -ENOMEM, and the errors of open(2) and read(2).
 */
int base_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len);

/* Write all of 'len' bytes to 'fd', retrying short writes and EINTR. Returns 0 or -errno. */
int base_write_all(int fd, const void *data, size_t len);

/* mkdir -p: create 'path' and its missing parents with 'mode'. Returns 0 or -errno. */
int base_mkdir_p(const char *path, mode_t mode);

/* fsync the directory that holds 'path' (its parent). Returns 0 or -errno. */
int base_fsync_parent(const char *path);

#endif
