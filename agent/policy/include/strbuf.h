/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny growable string for the agent's loaders (JSON paths, messages). Allocation failure
 * sets a sticky 'oom' flag instead of being checked after every append; the owner checks it once.
 */
#ifndef AGENT_STRBUF_H
#define AGENT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;    /* NUL-terminated once anything was appended; NULL before */
	size_t len; /* bytes before the NUL */
	size_t cap;
	bool oom;
};

void strbuf_append(struct strbuf *sb, const char *s, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Cut back to 'len' bytes (a length saved earlier). */
void strbuf_truncate(struct strbuf *sb, size_t len);
/* The string, "" when empty (never NULL). */
const char *strbuf_str(const struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

/*
 * Append one JSON-path step for object key 'key' (of 'len' bytes): ".key" when the key is a plain
 * identifier ([A-Za-z0-9_-]+) and the path is not empty, "key" at the start, otherwise
 * '["escaped"]'. The position scanner and the loaders both build paths with it, so they agree.
 */
void strbuf_path_key(struct strbuf *sb, const char *key, size_t len);
/* Append "[index]". */
void strbuf_path_index(struct strbuf *sb, size_t index);

#endif /* AGENT_STRBUF_H */
