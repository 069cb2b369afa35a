// SPDX-License-Identifier: BSD-3-Clause
/*
 * The context's error and log helpers (ctx.h): the print callback the caller sets
 * (vfm_set_print()), debug lines through it, and the last failure kept on the context.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ctx.h"

static vfm_print_fn print_fn;

vfm_print_fn
vfm_set_print(vfm_print_fn fn)
{
	vfm_print_fn old = print_fn;

	print_fn = fn;
	return old;
}

void
vfm_log(enum vfm_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

int
vfm_fail(struct vfm_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return err;
	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
	vfm_debug("%s", ctx->err);
	return err;
}

const char *
vfm_ctx_last_error(const struct vfm_ctx *ctx)
{
	return ctx ? ctx->err : "";
}
