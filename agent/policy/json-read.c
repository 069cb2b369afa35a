// SPDX-License-Identifier: BSD-3-Clause
/*
 * Typed, position-aware reads from a Jansson tree (json-read.h). The messages here are the ones
 * users see for wrong types, ranges, enum values and unknown fields; tests assert them verbatim.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-read.h"

static void __attribute__((format(printf, 4, 0)))
jr_verror(struct jr *r, const char *path, bool at_key, const char *fmt, va_list ap)
{
	struct json_pos pos = jr_pos(r, path, at_key);
	char *msg = NULL;

	r->errors++;
	if (vasprintf(&msg, fmt, ap) < 0) {
		r->diags->oom = 1;
		return;
	}
	agent_diags_add(r->diags, r->file, pos.line, pos.column, path, "%s", msg);
	free(msg);
}

void
jr_error(struct jr *r, bool at_key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jr_verror(r, jr_path(r), at_key, fmt, ap);
	va_end(ap);
}

void
jr_error_at(struct jr *r, const char *path, bool at_key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jr_verror(r, path, at_key, fmt, ap);
	va_end(ap);
}

struct json_pos
jr_pos(const struct jr *r, const char *path, bool at_key)
{
	struct json_pos pos = {0, 0};
	char *p;
	size_t n;

	if (at_key ? json_posmap_key(r->pos, path, &pos) : json_posmap_value(r->pos, path, &pos))
		return pos;
	/* Not in the map (a member that is absent): use the closest enclosing value. */
	p = strdup(path);
	if (!p)
		return pos;
	for (n = strlen(p); n > 0; n--) {
		if (p[n] != '.' && p[n] != '[')
			continue;
		p[n] = '\0';
		if (json_posmap_value(r->pos, p, &pos))
			break;
	}
	if (n == 0)
		json_posmap_value(r->pos, "", &pos);
	free(p);
	return pos;
}

size_t
jr_push_key(struct jr *r, const char *key)
{
	size_t saved = r->path.len;

	strbuf_path_key(&r->path, key, strlen(key));
	return saved;
}

size_t
jr_push_index(struct jr *r, size_t index)
{
	size_t saved = r->path.len;

	strbuf_path_index(&r->path, index);
	return saved;
}

void
jr_pop(struct jr *r, size_t saved)
{
	strbuf_truncate(&r->path, saved);
}

const char *
jr_path(const struct jr *r)
{
	return strbuf_str(&r->path);
}

const char *
jr_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

bool
jr_expect(struct jr *r, json_t *v, json_type want)
{
	static const struct {
		json_type type;
		const char *name, *fix;
	} kinds[] = {
		{JSON_OBJECT, "an object", "write an object: { ... }"},
		{JSON_ARRAY, "an array", "write an array: [ ... ]"},
		{JSON_STRING, "a string", "put the value in double quotes"},
		{JSON_INTEGER, "an integer", "write a whole number without quotes"},
		{JSON_TRUE, "a boolean", "write true or false without quotes"},
	};
	json_type have = json_typeof(v);

	if (have == JSON_FALSE)
		have = JSON_TRUE;
	if (have == want)
		return true;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].type == want) {
			jr_error(r, false, "expected %s, got %s (%s)", kinds[i].name,
				 jr_type_name(v), kinds[i].fix);
			return false;
		}
	}
	jr_error(r, false, "unexpected %s", jr_type_name(v));
	return false;
}

int
jr_member(struct jr *r, json_t *obj, const char *key, bool required, json_type want, json_t **ret)
{
	json_t *v = json_object_get(obj, key);
	size_t saved;
	bool ok;

	if (!v) {
		if (required)
			jr_error(r, false, "missing required field '%s' (add it)", key);
		return 0;
	}
	saved = jr_push_key(r, key);
	ok = jr_expect(r, v, want);
	jr_pop(r, saved);
	if (!ok)
		return -1;
	*ret = v;
	return 1;
}

int
jr_string(struct jr *r, json_t *obj, const char *key, bool required, const char **ret)
{
	json_t *v;
	int k = jr_member(r, obj, key, required, JSON_STRING, &v);

	if (k == 1)
		*ret = json_string_value(v);
	return k;
}

int
jr_int(struct jr *r, json_t *obj, const char *key, bool required, long long min, long long max,
       long long *ret)
{
	json_t *v;
	int k = jr_member(r, obj, key, required, JSON_INTEGER, &v);
	long long x;
	size_t saved;

	if (k != 1)
		return k;
	x = json_integer_value(v);
	if (x < min || x > max) {
		saved = jr_push_key(r, key);
		jr_error(r, false, "%lld is out of range (use %lld-%lld)", x, min, max);
		jr_pop(r, saved);
		return -1;
	}
	*ret = x;
	return 1;
}

int
jr_bool(struct jr *r, json_t *obj, const char *key, bool *ret)
{
	json_t *v;
	int k = jr_member(r, obj, key, false, JSON_TRUE, &v);

	if (k == 1)
		*ret = json_is_true(v);
	return k;
}

void
jr_join(struct strbuf *sb, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		if (i)
			strbuf_puts(sb, ", ");
		strbuf_puts(sb, names[i]);
	}
}

int
jr_enum(struct jr *r, json_t *obj, const char *key, const char *const *names, int *ret)
{
	const char *s;
	int k = jr_string(r, obj, key, false, &s);
	struct strbuf list = {0};
	size_t saved;

	if (k != 1)
		return k;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = i;
			return 1;
		}
	}
	jr_join(&list, names);
	saved = jr_push_key(r, key);
	jr_error(r, false, "'%s' is not valid (use one of: %s)", s, strbuf_str(&list));
	jr_pop(r, saved);
	strbuf_free(&list);
	return -1;
}

void
jr_check_fields(struct jr *r, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	while (known[n])
		n++;
	json_object_foreach(obj, key, v)
	{
		const char *near;
		size_t saved;
		size_t i;

		for (i = 0; i < n; i++) {
			if (strcmp(key, known[i]) == 0)
				break;
		}
		if (i < n)
			continue;
		saved = jr_push_key(r, key);
		near = jr_nearest(key, known, n);
		if (near) {
			jr_error(r, true, "unknown field (did you mean '%s'?)", near);
		} else {
			struct strbuf list = {0};

			jr_join(&list, known);
			jr_error(r, true, "unknown field (remove it; known fields: %s)",
				 strbuf_str(&list));
			strbuf_free(&list);
		}
		jr_pop(r, saved);
	}
}

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d;
	size_t *m;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	m = malloc((la + 1) * (lb + 1) * sizeof(*m));
	if (!m)
		return (size_t)-1;
#define M(i, j) m[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		M(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		M(0, j) = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = M(i - 1, j) + 1;

			if (M(i, j - 1) + 1 < best)
				best = M(i, j - 1) + 1;
			if (M(i - 1, j - 1) + cost < best)
				best = M(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    M(i - 2, j - 2) + 1 < best)
				best = M(i - 2, j - 2) + 1;
			M(i, j) = best;
		}
	}
	d = M(la, lb);
#undef M
	free(m);
	return d;
}

/* Lowercase, without '_' and '-': "maxVfs", "max-vfs" and "max_vfs" all become "maxvfs". */
static void
squash(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++) {
		if (*s == '_' || *s == '-')
			continue;
		out[o++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
	}
	out[o] = '\0';
}

const char *
jr_nearest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t limit = strlen(word) <= 4 ? 1 : 2;
	char sw[80], sc[80];

	if (strlen(word) >= sizeof(sw))
		return NULL;
	squash(word, sw, sizeof(sw));
	for (size_t i = 0; i < n; i++) {
		size_t d;

		squash(candidates[i], sc, sizeof(sc));
		if (sw[0] && strcmp(sw, sc) == 0)
			return candidates[i];
		d = edit_distance(word, candidates[i]);
		if (d <= limit && d < strlen(candidates[i]) && d < best_d) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}
