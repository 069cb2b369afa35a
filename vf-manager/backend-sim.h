/* SPDX-License-Identifier: BSD-3-Clause */
/* The simulated NIC (backend-sim.c): what its fuzz target reaches besides the ops. */
#ifndef NFPATH_VFM_BACKEND_SIM_H
#define NFPATH_VFM_BACKEND_SIM_H

#include <stddef.h>

#include "ctx.h"

/* Check a simulated NIC description (JSON text) without building a tree (fuzzing).
 * Returns the number of PFs, or -EINVAL with a message on ctx. */
int vfm_sim_parse(struct vfm_ctx *ctx, const char *text, size_t len);

#endif /* NFPATH_VFM_BACKEND_SIM_H */
