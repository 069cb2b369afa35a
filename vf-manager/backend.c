// SPDX-License-Identifier: BSD-3-Clause
/* The one attribute write every change goes through (backend.h): the backend's write_attr with
 * EBUSY retries and a debug line per write. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "ctx.h"
#include "nfpath/base-util.h"

int
vfm_attr_write(struct vfm_ctx *ctx, const char *path, const char *value, bool retry_busy)
{
	unsigned int backoff = 50;
	int r;

	for (unsigned int attempt = 0;; attempt++) {
		r = ctx->ops->write_attr(ctx, path, value);
		vfm_debug("write '%s' > %s: %s", value, path, r < 0 ? strerror(-r) : "ok");
		if (r != -EBUSY || !retry_busy || attempt >= ctx->busy_retries)
			return r;
		base_sleep_ms(backoff);
		if (backoff < 1000)
			backoff *= 2;
	}
}
