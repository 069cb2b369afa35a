// SPDX-License-Identifier: BSD-3-Clause
/*
 * Growable strings and the JSON-path steps built from them (strbuf.h). Used by the position
 * scanner (json-pos.c) and the loaders, which must spell a path identically.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static bool
strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t want;
	char *n;

	if (sb->oom)
		return false;
	if (extra > ((size_t)-1) / 2 - sb->len) {
		sb->oom = true;
		return false;
	}
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return true;
	if (want < 64)
		want = 64;
	if (want < sb->cap * 2)
		want = sb->cap * 2;
	n = realloc(sb->s, want);
	if (!n) {
		sb->oom = true;
		return false;
	}
	sb->s = n;
	sb->cap = want;
	return true;
}

void
strbuf_append(struct strbuf *sb, const char *s, size_t len)
{
	if (!strbuf_reserve(sb, len))
		return;
	if (len)
		memcpy(sb->s + sb->len, s, len);
	sb->len += len;
	sb->s[sb->len] = '\0';
}

void
strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if (!strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void
strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (sb->s && len <= sb->len) {
		sb->len = len;
		sb->s[len] = '\0';
	}
}

const char *
strbuf_str(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

void
strbuf_free(struct strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

static bool
is_plain_key(const char *key, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

void
strbuf_path_key(struct strbuf *sb, const char *key, size_t len)
{
	if (is_plain_key(key, len)) {
		if (sb->len > 0)
			strbuf_append(sb, ".", 1);
		strbuf_append(sb, key, len);
		return;
	}
	strbuf_append(sb, "[\"", 2);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};

			strbuf_append(sb, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_printf(sb, "\\u%04x", c);
		} else {
			strbuf_append(sb, (const char *)&key[i], 1);
		}
	}
	strbuf_append(sb, "\"]", 2);
}

void
strbuf_path_index(struct strbuf *sb, size_t index)
{
	strbuf_printf(sb, "[%zu]", index);
}
