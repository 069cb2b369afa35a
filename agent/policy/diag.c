// SPDX-License-Identifier: BSD-3-Clause
/*
 * The diagnostics list (agent-diag.h) that the policy and settings loaders fill and nfpathctl
 * prints, as text for people or as JSON for scripts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "nfpath/agent-diag.h"

int
agent_diags_add(struct agent_diags *d, const char *file, unsigned line, unsigned column,
		const char *path, const char *fmt, ...)
{
	struct agent_diag *diag;
	va_list ap;
	int n;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct agent_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			goto oom;
		d->v = v;
		d->cap = cap;
	}
	diag = &d->v[d->n];
	memset(diag, 0, sizeof(*diag));
	diag->file = strdup(file ? file : "");
	diag->path = strdup(path ? path : "");
	va_start(ap, fmt);
	n = vasprintf(&diag->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		diag->message = NULL;
	if (!diag->file || !diag->path || !diag->message) {
		free(diag->file);
		free(diag->path);
		free(diag->message);
		goto oom;
	}
	diag->line = line;
	diag->column = column;
	d->n++;
	return 0;
oom:
	d->oom = 1;
	return -ENOMEM;
}

struct diag_key {
	size_t file, seq;
	struct agent_diag d;
};

static int
cmp_diag(const void *a, const void *b)
{
	const struct diag_key *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	if (x->d.column != y->d.column)
		return x->d.column < y->d.column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
agent_diags_sort(struct agent_diags *d, size_t from, const char *const *files, size_t n_files)
{
	size_t n = d->n > from ? d->n - from : 0;
	struct diag_key *k;

	if (n < 2)
		return;
	k = calloc(n, sizeof(*k));
	if (!k)
		return; /* unsorted is still correct */
	for (size_t i = 0; i < n; i++) {
		k[i].d = d->v[from + i];
		k[i].seq = i;
		k[i].file = (size_t)-1;
		for (size_t f = 0; files && f < n_files; f++) {
			if (strcmp(files[f], k[i].d.file) == 0) {
				k[i].file = f;
				break;
			}
		}
		/* Not listed: rank after the listed files, by first appearance. */
		for (size_t j = 0; k[i].file == (size_t)-1 && j <= i; j++) {
			if (strcmp(k[j].d.file, k[i].d.file) == 0)
				k[i].file = n_files + j;
		}
	}
	qsort(k, n, sizeof(*k), cmp_diag);
	for (size_t i = 0; i < n; i++)
		d->v[from + i] = k[i].d;
	free(k);
}

void
agent_diags_clear(struct agent_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].path);
		free(d->v[i].message);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int
agent_diag_format(const struct agent_diag *diag, char *buf, size_t len)
{
	char pos[32] = "";
	const char *sep = diag->path[0] ? ": " : "";

	if (diag->line > 0)
		snprintf(pos, sizeof(pos), ":%u:%u", diag->line, diag->column);
	return snprintf(buf, len, "%s%s: %s%s%s", diag->file, pos, diag->path, sep, diag->message);
}

void
agent_diags_print(const struct agent_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct agent_diag *diag = &d->v[i];

		fputs(diag->file, out);
		if (diag->line > 0)
			fprintf(out, ":%u:%u", diag->line, diag->column);
		fprintf(out, ": %s%s%s\n", diag->path, diag->path[0] ? ": " : "", diag->message);
	}
	if (d->oom)
		fputs("(some diagnostics were lost: out of memory)\n", out);
}

/* A JSON string of 's'; bytes that are not UTF-8 (a file name) become '?'. NULL without memory. */
static json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j)
		return j;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	j = json_string(copy);
	free(copy);
	return j;
}

int
agent_diags_print_json(const struct agent_diags *d, FILE *out)
{
	json_t *arr = json_array();
	int r = 0;

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		const struct agent_diag *diag = &d->v[i];
		json_t *o = json_pack("{s:o, s:I, s:I, s:o, s:o}", "file", json_text(diag->file),
				      "line", (json_int_t)diag->line, "column",
				      (json_int_t)diag->column, "path", json_text(diag->path),
				      "message", json_text(diag->message));

		if (!o || json_array_append_new(arr, o) != 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (json_dumpf(arr, out, JSON_INDENT(2)) != 0)
		r = -EIO;
	fputc('\n', out);
out:
	json_decref(arr);
	return r;
}
