/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Typed reads from a Jansson tree that report every mistake as a diagnostic pointing at its line
 * and column (through the position map of json-pos.h) and keep going, so one pass finds them
 * all. Shared by the policy loader (policy-parse.c) and the node settings loader (settings.c).
 */
#ifndef AGENT_JSON_READ_H
#define AGENT_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "json-pos.h"
#include "nfpath/agent-diag.h"
#include "strbuf.h"

struct jr {
	const char *file;
	const struct json_posmap *pos;
	struct agent_diags *diags;
	struct strbuf path; /* JSON path of the value being read */
	unsigned errors;    /* diagnostics added through this reader */
};

/* Report at the current path: at its value, or (at_key) at the key that names it. */
void jr_error(struct jr *r, bool at_key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Report at another path (of the same file). */
void jr_error_at(struct jr *r, const char *path, bool at_key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Where the value at 'path' starts; the nearest enclosing value when 'path' is not in the map. */
struct json_pos jr_pos(const struct jr *r, const char *path, bool at_key);

/* Step into a member or element; returns the length to give back to jr_pop(). */
size_t jr_push_key(struct jr *r, const char *key);
size_t jr_push_index(struct jr *r, size_t index);
void jr_pop(struct jr *r, size_t saved);
const char *jr_path(const struct jr *r);

/* Report members of 'obj' (the current path) that 'known' (NULL-terminated) does not list. */
void jr_check_fields(struct jr *r, json_t *obj, const char *const *known);

/* Check the type of the value at the current path; false (and a diagnostic) when wrong. */
bool jr_expect(struct jr *r, json_t *v, json_type want);

/*
 * Read member 'key' of object 'obj' (the current path). Each returns 1 when the member is present
 * and valid (setting *ret), 0 when it is absent (a diagnostic when 'required'), -1 when it is
 * present but wrong (a diagnostic).
 */
int jr_string(struct jr *r, json_t *obj, const char *key, bool required, const char **ret);
int jr_int(struct jr *r, json_t *obj, const char *key, bool required, long long min, long long max,
	   long long *ret);
int jr_bool(struct jr *r, json_t *obj, const char *key, bool *ret);
/* 'names' is NULL-terminated; *ret is the index of the match. */
int jr_enum(struct jr *r, json_t *obj, const char *key, const char *const *names, int *ret);
int jr_member(struct jr *r, json_t *obj, const char *key, bool required, json_type want,
	      json_t **ret);

/* "a string", "an integer", ... for messages. */
const char *jr_type_name(json_t *v);

/*
 * The candidate closest to 'word' when it is close enough to be a likely typo (small edit
 * distance, or the same letters apart from case, '_' and '-'), else NULL.
 */
const char *jr_nearest(const char *word, const char *const *candidates, size_t n);

/* Join a NULL-terminated list as "a, b, c" into sb. */
void jr_join(struct strbuf *sb, const char *const *names);

#endif /* AGENT_JSON_READ_H */
