/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics: what the policy and settings loaders say about a file they reject. Each one names
 * the file, the line and column (1-based; 0 when it concerns the whole file), the JSON path of
 * the value ("workloads[2].vlan"; "" for the document itself) and a message that says the
 * problem and, in parentheses, the fix. They print as
 *   FILE:LINE:COL: json.path: problem (fix)
 * The loaders collect every diagnostic of a run in one list instead of stopping at the first.
 */
#ifndef NFPATH_AGENT_DIAG_H
#define NFPATH_AGENT_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct agent_diag {
	char *file;      /* as the caller named it */
	unsigned line;   /* 1-based; 0 = the whole file */
	unsigned column; /* 1-based, in characters; 0 = the whole file */
	char *path;      /* JSON path, "" for the document */
	char *message;   /* "problem (fix)" */
};

/* A growing list of diagnostics. Zero-initialise; release with agent_diags_clear(). */
struct agent_diags {
	struct agent_diag *v;
	size_t n;
	size_t cap;
	int oom; /* set when a diagnostic could not be stored for lack of memory */
};

/* Append one diagnostic (printf-style message). Returns 0, or -ENOMEM (also sets 'oom'). */
int agent_diags_add(struct agent_diags *d, const char *file, unsigned line, unsigned column,
		    const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Order the diagnostics from index 'from' on by file, line and column (stable). Files are ranked
 * by their place in 'files' (n_files names; those not listed, and all when 'files' is NULL, by
 * first appearance).
 */
void agent_diags_sort(struct agent_diags *d, size_t from, const char *const *files, size_t n_files);

/* Free every diagnostic; the list is empty and reusable afterwards. Accepts NULL. */
void agent_diags_clear(struct agent_diags *d);

/*
 * Format one diagnostic as "FILE:LINE:COL: path: message" (the position and the path are left
 * out when they are 0 or empty). Returns what snprintf() returns.
 */
int agent_diag_format(const struct agent_diag *diag, char *buf, size_t len);

/* Print every diagnostic, one per line. */
void agent_diags_print(const struct agent_diags *d, FILE *out);

/* Print the list as a JSON array of {file,line,column,path,message}. Returns 0 or -ENOMEM. */
int agent_diags_print_json(const struct agent_diags *d, FILE *out);

#endif /* NFPATH_AGENT_DIAG_H */
