// SPDX-License-Identifier: BSD-3-Clause
/* The one attribute write every change goes through (backend.h): the backend's write_attr with
 * EBUSY retries and a debug line per write. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "ctx.h"

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

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
		sleep_ms(backoff);
		if (backoff < 1000)
			backoff *= 2;
	}
}
