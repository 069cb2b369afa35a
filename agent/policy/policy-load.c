// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loading a policy (agent-policy.h): read files and drop-in directories, parse each text with
 * Jansson (duplicate keys rejected), map every value to its line and column (json-pos.c), turn
 * each tree into typed items (policy-parse.c), then check the merged whole (policy-check.c).
 * Any diagnostic rejects the whole load: no partial policy is ever returned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy-internal.h"

/* Larger policy files are refused rather than read: nobody writes 16 MiB of policy by hand. */
#define POLICY_FILE_MAX (16u << 20)

void
agent_policy_free(struct agent_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_nics; i++) {
		free(p->nics[i].name);
		free(p->nics[i].pf);
		free(p->nics[i].vf_driver);
		free(p->nics[i].uplink);
	}
	for (size_t i = 0; i < p->n_workloads; i++) {
		free(p->workloads[i].name);
		free(p->workloads[i].domain);
		free(p->workloads[i].nic_name);
		agent_nf_run_free(&p->workloads[i].run);
	}
	for (size_t i = 0; i < p->n_chains; i++) {
		for (size_t h = 0; h < p->chains[i].n_hops; h++)
			free(p->chains[i].hop_names[h]);
		free(p->chains[i].hop_names);
		free(p->chains[i].hops);
		free(p->chains[i].name);
		free(p->chains[i].egress_name);
	}
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	free(p->nics);
	free(p->workloads);
	free(p->chains);
	free(p);
}

const struct agent_nic *
agent_policy_nic(const struct agent_policy *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_nics; i++) {
		if (p->nics[i].name && strcmp(p->nics[i].name, name) == 0)
			return &p->nics[i];
	}
	return NULL;
}

const struct agent_workload *
agent_policy_workload(const struct agent_policy *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_workloads; i++) {
		if (p->workloads[i].name && strcmp(p->workloads[i].name, name) == 0)
			return &p->workloads[i];
	}
	return NULL;
}

/* A syntax error: Jansson's words and position, or for duplicate keys, each one with its path. */
static void
syntax_error(struct jr *r, const json_error_t *err)
{
	size_t n = json_posmap_n_dups(r->pos);

	if (json_error_code(err) == json_error_duplicate_key && n > 0) {
		for (size_t i = 0; i < n; i++) {
			const struct json_pos_dup *d = json_posmap_dup(r->pos, i);

			agent_diags_add(r->diags, r->file, d->key.line, d->key.column, d->path,
					"duplicate key, first set at %u:%u (remove one)",
					d->first.line, d->first.column);
			r->errors++;
		}
		return;
	}
	agent_diags_add(r->diags, r->file, err->line > 0 ? (unsigned)err->line : 1,
			err->column > 0 ? (unsigned)err->column : 1, "", "%s (fix the JSON syntax)",
			err->text);
	r->errors++;
}

static int
load_sources(const struct agent_policy_source *sources, size_t n, bool cross_checks,
	     struct agent_policy **ret_policy, struct agent_diags *diags)
{
	struct policy_loader l = {.diags = diags};
	size_t errors_before = diags->n;
	json_t **roots = NULL;
	bool syntax_ok = true;
	int r = 0;

	l.policy = calloc(1, sizeof(*l.policy));
	l.readers = calloc(n + 1, sizeof(*l.readers));
	roots = calloc(n + 1, sizeof(*roots));
	if (!l.policy || !l.readers || !roots) {
		r = -ENOMEM;
		goto out;
	}
	l.policy->files = calloc(n + 1, sizeof(*l.policy->files));
	if (!l.policy->files) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		l.policy->files[i] = strdup(sources[i].name);
		if (!l.policy->files[i]) {
			r = -ENOMEM;
			goto out;
		}
		l.policy->n_files++;
	}
	l.n_readers = n;

	for (size_t i = 0; i < n; i++) {
		struct jr *rd = &l.readers[i];
		struct json_posmap *map = NULL;
		json_error_t err;

		rd->file = l.policy->files[i];
		rd->diags = diags;
		r = json_posmap_build(sources[i].text, sources[i].len, &map);
		if (r < 0)
			goto out;
		rd->pos = map;
		roots[i] =
			json_loadb(sources[i].text, sources[i].len, JSON_REJECT_DUPLICATES, &err);
		if (!roots[i]) {
			syntax_error(rd, &err);
			syntax_ok = false;
			continue;
		}
		r = policy_parse_file(&l, i, roots[i]);
		if (r < 0)
			goto out;
	}
	/* Cross checks against a file that did not parse would only add noise. */
	if (syntax_ok && cross_checks) {
		r = policy_check(&l);
		if (r < 0)
			goto out;
	}
	if (diags->oom)
		r = -ENOMEM;
	else if (diags->n > errors_before)
		r = -EINVAL;
	agent_diags_sort(diags, errors_before, (const char *const *)l.policy->files,
			 l.policy->n_files);
out:
	for (size_t i = 0; i < n && l.readers; i++) {
		json_posmap_free((struct json_posmap *)l.readers[i].pos);
		strbuf_free(&l.readers[i].path);
		if (roots)
			json_decref(roots[i]);
	}
	free(l.readers);
	free(roots);
	if (r < 0) {
		agent_policy_free(l.policy);
		return r;
	}
	*ret_policy = l.policy;
	return 0;
}

int
agent_policy_load_sources(const struct agent_policy_source *sources, size_t n,
			  struct agent_policy **ret_policy, struct agent_diags *diags)
{
	return load_sources(sources, n, true, ret_policy, diags);
}

const char *
agent_policy_file_kind(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFIFO:
		return "FIFO";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	default:
		return "special file";
	}
}

/* Read a whole file; a problem becomes a diagnostic (-EINVAL) unless it is -ENOMEM. */
static int
read_file(const char *path, char **ret_text, size_t *ret_len, struct agent_diags *diags)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, e = 0;

	/*
	 * Only regular files (or symlinks to them): stat() first, so that a device is never
	 * opened, and O_NONBLOCK, so that a FIFO swapped in meanwhile cannot block the open
	 * (nfpathd stalled there forever); fstat() then checks what was opened.
	 */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		agent_diags_add(diags, path, 0, 0, "",
				"is a %s, not a regular file (name a .json file or a directory)",
				agent_policy_file_kind(st.st_mode));
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		agent_diags_add(diags, path, 0, 0, "",
				"is a %s, not a regular file (name a .json file or a directory)",
				agent_policy_file_kind(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > POLICY_FILE_MAX) {
		agent_diags_add(diags, path, 0, 0, "",
				"is larger than %u MiB (split it into several files)",
				POLICY_FILE_MAX >> 20);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			goto fail;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	*ret_text = buf;
	*ret_len = len;
	return 0;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	agent_diags_add(diags, path, 0, 0, "",
			"cannot read: %s (check the path and its permissions)", strerror(e));
	return -EINVAL;
}

static int
cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
json_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

struct file_list {
	char **names;
	size_t n, cap;
};

static int
list_add(struct file_list *fl, const char *dir, const char *name)
{
	char *s;

	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 8;
		char **v = realloc(fl->names, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		fl->names = v;
		fl->cap = cap;
	}
	if (dir) {
		size_t dl = strlen(dir);
		bool slash = dl > 0 && dir[dl - 1] == '/';

		if (asprintf(&s, "%s%s%s", dir, slash ? "" : "/", name) < 0)
			return -ENOMEM;
	} else {
		s = strdup(name);
		if (!s)
			return -ENOMEM;
	}
	fl->names[fl->n++] = s;
	return 0;
}

int
agent_policy_load_paths(const char *const *paths, size_t n, struct agent_policy **ret_policy,
			struct agent_diags *diags)
{
	struct file_list fl = {0};
	struct agent_policy *policy = NULL;
	struct agent_policy_source *src = NULL;
	size_t n_src = 0;
	bool unreadable = false;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		struct dirent **ents = NULL;
		struct stat st;
		int k;

		if (stat(paths[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			r = list_add(&fl, NULL, paths[i]);
			if (r < 0)
				goto out;
			continue;
		}
		k = scandir(paths[i], &ents, json_file, cmp_names);
		if (k < 0) {
			agent_diags_add(diags, paths[i], 0, 0, "",
					"cannot read the directory: %s (check its permissions)",
					strerror(errno));
			unreadable = true;
			continue;
		}
		for (int j = 0; j < k; j++) {
			char full[PATH_MAX];
			struct stat es;

			/* In a directory, what is not a regular file (through symlinks) is
			 * skipped with a warning: a stray FIFO or socket must not hang nor
			 * block the load. A dangling link stays, to be reported unreadable. */
			snprintf(full, sizeof(full), "%s/%s", paths[i], ents[j]->d_name);
			if (stat(full, &es) == 0 && !S_ISREG(es.st_mode)) {
				fprintf(stderr,
					"warning: %s: is a %s, not a regular file: skipped (only "
					"regular files and symlinks to them are read)\n",
					full, agent_policy_file_kind(es.st_mode));
				free(ents[j]);
				continue;
			}
			if (r == 0)
				r = list_add(&fl, paths[i], ents[j]->d_name);
			free(ents[j]);
		}
		free(ents);
		if (r < 0)
			goto out;
	}
	src = calloc(fl.n + 1, sizeof(*src));
	if (!src) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < fl.n; i++) {
		char *text;
		size_t len;

		r = read_file(fl.names[i], &text, &len, diags);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			unreadable = true;
			r = 0;
			continue;
		}
		src[n_src].name = fl.names[i];
		src[n_src].text = text;
		src[n_src].len = len;
		n_src++;
	}
	/* A file that could not be read rejects the load; the cross checks would only add noise. */
	r = load_sources(src, n_src, !unreadable, &policy, diags);
	if (r == 0 && unreadable) {
		agent_policy_free(policy);
		r = -EINVAL;
	} else if (r == 0) {
		*ret_policy = policy;
	}
out:
	for (size_t i = 0; i < n_src; i++)
		free((char *)src[i].text);
	free(src);
	for (size_t i = 0; i < fl.n; i++)
		free(fl.names[i]);
	free(fl.names);
	return r;
}
