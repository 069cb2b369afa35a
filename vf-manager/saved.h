/* SPDX-License-Identifier: BSD-3-Clause */
/* The text forms of a VF config (saved.c), shared with the simulator's state files. */
#ifndef NFPATH_VFM_SAVED_H
#define NFPATH_VFM_SAVED_H

#include <stddef.h>

#include "nfpath/vfm.h"

/* Format/parse the "key value" lines of a VF config (shared with the simulator's state files).
 * Returns the length written, or -ENOSPC. */
int vfm_vf_config_format(const struct vfm_vf_config *cfg, char *buf, size_t len);
/* Returns 0 or -EINVAL. */
int vfm_vf_config_parse(const char *text, struct vfm_vf_config *ret_cfg);

#endif /* NFPATH_VFM_SAVED_H */
