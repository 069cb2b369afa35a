// SPDX-License-Identifier: BSD-3-Clause
/*
 * The apply journal (journal.h). Format, version 1:
 *   {"version":1,"generation":N,"intent":"...","vfs":[{"pf":"0000:3b:00.0","vf":0,
 *    "saved":"<vfm_vf_saved_format() text>"}],"applied":ALLOC|null,"pending":ALLOC|null,
 *    "ids":{"chain:web":3},"orphans":[ALLOC...]}
 * (ALLOC: an allocation as 'nfpathctl plan --json' prints it; absent members read as null/{}).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"
#include "nfpath/base-file.h"

#define JOURNAL_VERSION 1

struct agent_journal *
agent_journal_new(void)
{
	struct agent_journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->intent = strdup("");
	j->applied = json_null();
	j->pending = json_null();
	j->ids = json_object();
	j->orphans = json_array();
	if (!j->intent || !j->ids || !j->orphans) {
		json_decref(j->ids);
		json_decref(j->orphans);
		free(j->intent);
		free(j);
		return NULL;
	}
	return j;
}

void
agent_journal_free(struct agent_journal *j)
{
	if (!j)
		return;
	free(j->intent);
	free(j->vfs);
	json_decref(j->applied);
	json_decref(j->pending);
	json_decref(j->ids);
	json_decref(j->orphans);
	free(j);
}

int
agent_journal_set_intent(struct agent_journal *j, const char *intent)
{
	char *s = strdup(intent ? intent : "");

	if (!s)
		return -ENOMEM;
	free(j->intent);
	j->intent = s;
	return 0;
}

const struct vfm_vf_saved *
agent_journal_find_vf(const struct agent_journal *j, const char *pf, unsigned int vf)
{
	for (size_t i = 0; i < j->n_vfs; i++)
		if (j->vfs[i].vf == vf && strcmp(j->vfs[i].pf, pf) == 0)
			return &j->vfs[i];
	return NULL;
}

int
agent_journal_add_vf(struct agent_journal *j, const struct vfm_vf_saved *saved)
{
	struct vfm_vf_saved *v;

	if (agent_journal_find_vf(j, saved->pf, saved->vf))
		return 0;
	v = realloc(j->vfs, (j->n_vfs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	j->vfs = v;
	j->vfs[j->n_vfs++] = *saved;
	return 1;
}

int
agent_journal_remove_vf(struct agent_journal *j, const char *pf, unsigned int vf)
{
	const struct vfm_vf_saved *s = agent_journal_find_vf(j, pf, vf);
	size_t i;

	if (!s)
		return 0;
	i = (size_t)(s - j->vfs);
	memmove(&j->vfs[i], &j->vfs[i + 1], (j->n_vfs - i - 1) * sizeof(*j->vfs));
	j->n_vfs--;
	return 1;
}

static json_t *
journal_to_json(const struct agent_journal *j)
{
	json_t *root = json_object(), *vfs = json_array();
	char buf[1024];

	if (!root || !vfs)
		goto fail;
	if (json_object_set_new(root, "version", json_integer(JOURNAL_VERSION)) ||
	    json_object_set_new(root, "generation", json_integer((json_int_t)j->generation)) ||
	    json_object_set_new(root, "intent", json_string(j->intent)))
		goto fail;
	for (size_t i = 0; i < j->n_vfs; i++) {
		json_t *o;

		if (vfm_vf_saved_format(&j->vfs[i], buf, sizeof(buf)) < 0)
			goto fail;
		o = json_pack("{s:s,s:I,s:s}", "pf", j->vfs[i].pf, "vf", (json_int_t)j->vfs[i].vf,
			      "saved", buf);
		if (!o || json_array_append_new(vfs, o))
			goto fail;
	}
	if (json_object_set_new(root, "vfs", vfs))
		goto fail_root;
	if (json_object_set(root, "applied", j->applied) ||
	    json_object_set(root, "pending", j->pending) || json_object_set(root, "ids", j->ids) ||
	    json_object_set(root, "orphans", j->orphans))
		goto fail_root;
	return root;
fail:
	json_decref(vfs);
fail_root:
	json_decref(root);
	return NULL;
}

int
agent_journal_write(const char *state_dir, struct agent_journal *j, char *err, size_t errlen)
{
	char path[4096];
	char *text = NULL;
	json_t *root;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, AGENT_JOURNAL_FILE) >=
	    sizeof(path)) {
		snprintf(err, errlen, "state directory '%s': path too long", state_dir);
		return -ENAMETOOLONG;
	}
	if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen,
			 "state directory '%s': cannot create it: %s (check --state-dir)",
			 state_dir, strerror(-r));
		return r;
	}
	j->generation++;
	root = journal_to_json(j);
	if (root)
		text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text) {
		j->generation--;
		snprintf(err, errlen, "journal: out of memory");
		return -ENOMEM;
	}
	/* The one durable write (base-file.h): the old journal or the new one, never a torn one. */
	r = base_write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0) {
		snprintf(err, errlen,
			 "%s: cannot write: %s (is the state directory writable? disk full?)", path,
			 strerror(-r));
		j->generation--;
	}
	free(text);
	return r;
}

static int
corrupt(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen,
		 "%s: corrupt journal: %s (move it aside and restart nfpathd; VF state is then "
		 "read afresh and original states recorded in it are lost)",
		 path, what);
	return -EINVAL;
}

static int
journal_from_json(json_t *root, const char *path, struct agent_journal *j, char *err, size_t errlen)
{
	json_t *v, *vfs, *item;
	size_t i;
	char what[256];

	if (!json_is_object(root))
		return corrupt(err, errlen, path, "not a JSON object");
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != JOURNAL_VERSION)
		return corrupt(err, errlen, path, "'version' is not 1");
	v = json_object_get(root, "generation");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return corrupt(err, errlen, path, "'generation' is not a non-negative integer");
	j->generation = (unsigned long)json_integer_value(v);
	v = json_object_get(root, "intent");
	if (!json_is_string(v))
		return corrupt(err, errlen, path, "'intent' is not a string");
	if (agent_journal_set_intent(j, json_string_value(v)))
		return -ENOMEM;
	vfs = json_object_get(root, "vfs");
	if (!json_is_array(vfs))
		return corrupt(err, errlen, path, "'vfs' is not an array");
	json_array_foreach(vfs, i, item)
	{
		struct vfm_vf_saved s;
		json_t *t = json_object_get(item, "saved");
		unsigned int line = 0;
		int r;

		if (!json_is_string(t)) {
			snprintf(what, sizeof(what), "vfs[%zu].saved is not a string", i);
			return corrupt(err, errlen, path, what);
		}
		if (vfm_vf_saved_parse(json_string_value(t), &s, &line) != 0) {
			snprintf(what, sizeof(what), "vfs[%zu].saved: line %u is not a VF state", i,
				 line);
			return corrupt(err, errlen, path, what);
		}
		r = agent_journal_add_vf(j, &s);
		if (r < 0)
			return r;
	}
	v = json_object_get(root, "applied");
	if (v && !json_is_object(v) && !json_is_null(v))
		return corrupt(err, errlen, path, "'applied' is not an allocation object or null");
	if (v) {
		json_decref(j->applied);
		j->applied = json_incref(v);
	}
	v = json_object_get(root, "pending");
	if (v && !json_is_object(v) && !json_is_null(v))
		return corrupt(err, errlen, path, "'pending' is not an allocation object or null");
	if (v) {
		json_decref(j->pending);
		j->pending = json_incref(v);
	}
	v = json_object_get(root, "ids");
	if (v) {
		const char *k;
		json_t *id;

		if (!json_is_object(v))
			return corrupt(err, errlen, path, "'ids' is not an object");
		json_object_foreach(v, k, id)
		{
			if (!json_is_integer(id) || json_integer_value(id) < 0) {
				snprintf(what, sizeof(what), "ids.%s is not a non-negative integer",
					 k);
				return corrupt(err, errlen, path, what);
			}
		}
		json_decref(j->ids);
		j->ids = json_deep_copy(v);
		if (!j->ids)
			return -ENOMEM;
	}
	v = json_object_get(root, "orphans");
	if (v) {
		size_t k;
		json_t *o;

		if (!json_is_array(v))
			return corrupt(err, errlen, path, "'orphans' is not an array");
		json_array_foreach(v, k, o)
		{
			if (!json_is_object(o))
				return corrupt(
					err, errlen, path,
					"'orphans' holds something that is not an allocation");
		}
		json_decref(j->orphans);
		j->orphans = json_incref(v);
	}
	return 0;
}

int
agent_journal_load(const char *state_dir, struct agent_journal **ret_j, int *ret_stale_tmp,
		   char *err, size_t errlen)
{
	char tmp[4096], path[4096], what[512];
	struct agent_journal *j;
	json_error_t je;
	json_t *root;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", state_dir, AGENT_JOURNAL_TMPFILE) >=
		    sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, AGENT_JOURNAL_FILE) >=
		    sizeof(path)) {
		snprintf(err, errlen, "state directory '%s': path too long", state_dir);
		return -ENAMETOOLONG;
	}
	if (ret_stale_tmp)
		*ret_stale_tmp = 0;
	/* A writer killed before its rename leaves '.journal.json.tmp.PID' (journal.json.tmp from
	 * versions before the common write): the journal beside it is the valid one. */
	if ((unlink(tmp) == 0 || base_remove_stale_temps(path) > 0) && ret_stale_tmp)
		*ret_stale_tmp = 1;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			snprintf(err, errlen, "%s: no journal (first start)", path);
			return -ENOENT;
		}
		if (access(path, R_OK) != 0) {
			r = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
			return r;
		}
		snprintf(what, sizeof(what), "line %d column %d: %s", je.line, je.column, je.text);
		return corrupt(err, errlen, path, what);
	}
	j = agent_journal_new();
	if (!j) {
		json_decref(root);
		return -ENOMEM;
	}
	r = journal_from_json(root, path, j, err, errlen);
	json_decref(root);
	if (r < 0) {
		agent_journal_free(j);
		return r;
	}
	*ret_j = j;
	return 0;
}
