/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The position map: JSON path -> line:column of every value (and of every object key) in a
 * JSON text. Jansson reports positions only for syntax errors, so the loaders re-scan the text
 * they have just parsed with this small scanner to point each semantic error at its value. It
 * also finds duplicate keys (which Jansson rejects one at a time, with no path).
 * The scanner accepts any bytes: on text that is not JSON it stops and keeps what it saw.
 */
#ifndef AGENT_JSON_POS_H
#define AGENT_JSON_POS_H

#include <stdbool.h>
#include <stddef.h>

struct json_pos {
	unsigned line;   /* 1-based */
	unsigned column; /* 1-based, counted in characters (UTF-8 code points), as Jansson does */
};

/* A key seen twice in one object. */
struct json_pos_dup {
	char *path;            /* path of the member */
	struct json_pos key;   /* the second occurrence's key */
	struct json_pos first; /* the first occurrence's key */
};

struct json_posmap;

/*
 * Scan 'text' (of 'len' bytes). Returns 0 (and a map, possibly partial when the text is not
 * valid JSON), or -ENOMEM.
 */
int json_posmap_build(const char *text, size_t len, struct json_posmap **ret_map);
void json_posmap_free(struct json_posmap *map);

/* Position of the value at 'path' ("" is the document). False when the path is unknown. */
bool json_posmap_value(const struct json_posmap *map, const char *path, struct json_pos *ret);
/* Position of the key naming the member at 'path' (for array elements and the root: the value). */
bool json_posmap_key(const struct json_posmap *map, const char *path, struct json_pos *ret);

/* Duplicate keys in text order. */
size_t json_posmap_n_dups(const struct json_posmap *map);
const struct json_pos_dup *json_posmap_dup(const struct json_posmap *map, size_t i);

#endif /* AGENT_JSON_POS_H */
