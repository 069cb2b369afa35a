// SPDX-License-Identifier: BSD-3-Clause
/*
 * The position scanner (json-pos.h): a recursive-descent pass over JSON text that records, for
 * every value, its path and where it starts. Paths are spelled by strbuf_path_key() and
 * strbuf_path_index(), exactly as the loaders spell them. Lookups go through an open-addressing
 * hash table, so a large (fuzzed) document costs linear time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-pos.h"
#include "strbuf.h"

/* Jansson's own limit (JSON_PARSER_MAX_DEPTH); deeper text is not valid for it either. */
#define SCAN_MAX_DEPTH 2048
/*
 * Values nested deeper are scanned but not recorded: policies nest five levels, and recording
 * every level of a deep document costs memory quadratic in its depth. A deeper value's
 * diagnostics point at its closest recorded ancestor.
 */
#define RECORD_MAX_DEPTH 32

struct entry {
	char *path;
	struct json_pos key;
	struct json_pos value;
};

struct json_posmap {
	struct entry *v;
	size_t n, cap;
	size_t *table; /* indices + 1 into v; 0 = empty slot */
	size_t table_size;
	struct json_pos_dup *dups;
	size_t n_dups, cap_dups;
};

struct scanner {
	const char *s;
	size_t len, i;
	struct json_pos pos; /* of s[i] */
	struct strbuf path;
	struct strbuf key; /* decoded key under construction */
	struct json_posmap *map;
	int err; /* -ENOMEM, or -EINVAL when the text stops being JSON */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static long
map_lookup(const struct json_posmap *map, const char *path)
{
	size_t mask, i;

	if (!map->table_size)
		return -1;
	mask = map->table_size - 1;
	for (i = hash_str(path) & mask; map->table[i]; i = (i + 1) & mask) {
		const struct entry *e = &map->v[map->table[i] - 1];

		if (strcmp(e->path, path) == 0)
			return (long)(map->table[i] - 1);
	}
	return -1;
}

static int
map_grow_table(struct json_posmap *map)
{
	size_t size = map->table_size ? map->table_size * 2 : 64;
	size_t *t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t k = 0; k < map->n; k++) {
		size_t i = hash_str(map->v[k].path) & (size - 1);

		while (t[i])
			i = (i + 1) & (size - 1);
		t[i] = k + 1;
	}
	free(map->table);
	map->table = t;
	map->table_size = size;
	return 0;
}

static int
map_add_dup(struct json_posmap *map, const char *path, struct json_pos key, struct json_pos first)
{
	struct json_pos_dup *d;

	if (map->n_dups == map->cap_dups) {
		size_t cap = map->cap_dups ? map->cap_dups * 2 : 4;

		d = realloc(map->dups, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		map->dups = d;
		map->cap_dups = cap;
	}
	d = &map->dups[map->n_dups];
	d->path = strdup(path);
	if (!d->path)
		return -ENOMEM;
	d->key = key;
	d->first = first;
	map->n_dups++;
	return 0;
}

/* Record 'path'. A path seen before keeps its first position and is reported as a duplicate. */
static int
map_add(struct json_posmap *map, const char *path, struct json_pos key, struct json_pos value)
{
	long old = map_lookup(map, path);
	struct entry *e;
	size_t i;

	if (old >= 0)
		return map_add_dup(map, path, key, map->v[old].key);
	if (map->n == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 32;

		e = realloc(map->v, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		map->v = e;
		map->cap = cap;
	}
	if ((map->n + 1) * 2 > map->table_size && map_grow_table(map) != 0)
		return -ENOMEM;
	e = &map->v[map->n];
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->key = key;
	e->value = value;
	for (i = hash_str(path) & (map->table_size - 1); map->table[i];
	     i = (i + 1) & (map->table_size - 1))
		;
	map->table[i] = ++map->n;
	return 0;
}

static void
advance(struct scanner *sc)
{
	unsigned char c = (unsigned char)sc->s[sc->i++];

	if (c == '\n') {
		sc->pos.line++;
		sc->pos.column = 1;
	} else if ((c & 0xc0) != 0x80) {
		/* UTF-8 continuation bytes do not start a new character. */
		sc->pos.column++;
	}
}

static void
skip_ws(struct scanner *sc)
{
	while (sc->i < sc->len) {
		char c = sc->s[sc->i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		advance(sc);
	}
}

static int
peek(const struct scanner *sc)
{
	return sc->i < sc->len ? (unsigned char)sc->s[sc->i] : -1;
}

static int
hex4(const char *s, size_t avail, unsigned *ret)
{
	unsigned v = 0;

	if (avail < 4)
		return -EINVAL;
	for (int k = 0; k < 4; k++) {
		char c = s[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static void
put_utf8(struct strbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_append(sb, b, n);
}

/* Scan a string starting at '"'; decode it into 'out' when not NULL. */
static void
scan_string(struct scanner *sc, struct strbuf *out)
{
	advance(sc); /* opening quote */
	while (sc->i < sc->len) {
		unsigned char c = (unsigned char)sc->s[sc->i];

		if (c == '"') {
			advance(sc);
			return;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			if (out)
				strbuf_append(out, &sc->s[sc->i], 1);
			advance(sc);
			continue;
		}
		advance(sc);
		if (sc->i >= sc->len)
			break;
		c = (unsigned char)sc->s[sc->i];
		if (c == 'u') {
			unsigned cp, lo;

			if (hex4(sc->s + sc->i + 1, sc->len - sc->i - 1, &cp) != 0)
				break;
			for (int k = 0; k < 5; k++)
				advance(sc);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (sc->len - sc->i < 6 || sc->s[sc->i] != '\\' ||
				    sc->s[sc->i + 1] != 'u' ||
				    hex4(sc->s + sc->i + 2, sc->len - sc->i - 2, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					break;
				for (int k = 0; k < 6; k++)
					advance(sc);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				break;
			}
			if (out)
				put_utf8(out, cp);
			continue;
		}
		{
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *p = c ? strchr(from, c) : NULL;

			if (!p)
				break;
			if (out)
				strbuf_append(out, &to[p - from], 1);
			advance(sc);
		}
	}
	if (!sc->err)
		sc->err = -EINVAL;
}

static void scan_value(struct scanner *sc, struct json_pos key, unsigned depth);

static void
scan_object(struct scanner *sc, unsigned depth)
{
	advance(sc); /* '{' */
	skip_ws(sc);
	if (peek(sc) == '}') {
		advance(sc);
		return;
	}
	for (;;) {
		size_t saved = sc->path.len;
		struct json_pos key;

		skip_ws(sc);
		if (peek(sc) != '"')
			goto bad;
		key = sc->pos;
		strbuf_truncate(&sc->key, 0);
		strbuf_append(&sc->key, "", 0);
		scan_string(sc, &sc->key);
		if (sc->err)
			return;
		strbuf_path_key(&sc->path, strbuf_str(&sc->key), sc->key.len);
		skip_ws(sc);
		if (peek(sc) != ':')
			goto bad;
		advance(sc);
		skip_ws(sc);
		scan_value(sc, key, depth + 1);
		strbuf_truncate(&sc->path, saved);
		if (sc->err)
			return;
		skip_ws(sc);
		if (peek(sc) == ',') {
			advance(sc);
			continue;
		}
		if (peek(sc) == '}') {
			advance(sc);
			return;
		}
		goto bad;
	}
bad:
	if (!sc->err)
		sc->err = -EINVAL;
}

static void
scan_array(struct scanner *sc, unsigned depth)
{
	size_t index = 0;

	advance(sc); /* '[' */
	skip_ws(sc);
	if (peek(sc) == ']') {
		advance(sc);
		return;
	}
	for (;;) {
		size_t saved = sc->path.len;

		skip_ws(sc);
		strbuf_path_index(&sc->path, index++);
		scan_value(sc, sc->pos, depth + 1);
		strbuf_truncate(&sc->path, saved);
		if (sc->err)
			return;
		skip_ws(sc);
		if (peek(sc) == ',') {
			advance(sc);
			continue;
		}
		if (peek(sc) == ']') {
			advance(sc);
			return;
		}
		break;
	}
	if (!sc->err)
		sc->err = -EINVAL;
}

/* Numbers and literals: anything up to the next delimiter. Jansson has checked their syntax. */
static void
scan_scalar(struct scanner *sc)
{
	size_t start = sc->i;

	while (sc->i < sc->len && !strchr(",:]}[{\" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
		advance(sc);
	if (sc->i == start && !sc->err)
		sc->err = -EINVAL;
}

static void
scan_value(struct scanner *sc, struct json_pos key, unsigned depth)
{
	int c = peek(sc);

	if (depth > SCAN_MAX_DEPTH || c < 0) {
		sc->err = -EINVAL;
		return;
	}
	if (sc->path.oom) {
		sc->err = -ENOMEM;
		return;
	}
	if (depth <= RECORD_MAX_DEPTH &&
	    map_add(sc->map, strbuf_str(&sc->path), key, sc->pos) != 0) {
		sc->err = -ENOMEM;
		return;
	}
	if (c == '{')
		scan_object(sc, depth);
	else if (c == '[')
		scan_array(sc, depth);
	else if (c == '"')
		scan_string(sc, NULL);
	else
		scan_scalar(sc);
}

int
json_posmap_build(const char *text, size_t len, struct json_posmap **ret_map)
{
	struct scanner sc = {.s = text, .len = len, .pos = {1, 1}};
	int r = 0;

	sc.map = calloc(1, sizeof(*sc.map));
	if (!sc.map)
		return -ENOMEM;
	strbuf_append(&sc.path, "", 0);
	skip_ws(&sc);
	scan_value(&sc, sc.pos, 0);
	if (sc.err == -ENOMEM || sc.path.oom || sc.key.oom)
		r = -ENOMEM;
	strbuf_free(&sc.path);
	strbuf_free(&sc.key);
	if (r < 0) {
		json_posmap_free(sc.map);
		return r;
	}
	*ret_map = sc.map;
	return 0;
}

void
json_posmap_free(struct json_posmap *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->n; i++)
		free(map->v[i].path);
	for (size_t i = 0; i < map->n_dups; i++)
		free(map->dups[i].path);
	free(map->v);
	free(map->dups);
	free(map->table);
	free(map);
}

bool
json_posmap_value(const struct json_posmap *map, const char *path, struct json_pos *ret)
{
	long i = map ? map_lookup(map, path) : -1;

	if (i < 0)
		return false;
	*ret = map->v[i].value;
	return true;
}

bool
json_posmap_key(const struct json_posmap *map, const char *path, struct json_pos *ret)
{
	long i = map ? map_lookup(map, path) : -1;

	if (i < 0)
		return false;
	*ret = map->v[i].key;
	return true;
}

size_t
json_posmap_n_dups(const struct json_posmap *map)
{
	return map ? map->n_dups : 0;
}

const struct json_pos_dup *
json_posmap_dup(const struct json_posmap *map, size_t i)
{
	return map && i < map->n_dups ? &map->dups[i] : NULL;
}
