// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for the simulated NIC description loader (vf-manager/backend-sim.c): any bytes
 * are either refused with a message or accepted with 1-64 PFs; never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend-sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vfm_ctx *ctx;
	int r;

	if (!ctx && vfm_ctx_new(&(struct vfm_options){.netlink = VFM_NETLINK_OFF}, &ctx, NULL) < 0)
		abort();
	r = vfm_sim_parse(ctx, (const char *)data, size);
	if (r == 0 || r > 64)
		abort();
	if (r < 0 && vfm_ctx_last_error(ctx)[0] == '\0')
		abort();
	return 0;
}
