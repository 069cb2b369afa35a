// SPDX-License-Identifier: BSD-3-Clause
/*
 * Allocations (struct agent_alloc): what the node has, as the planner's 'current' input and its
 * result. Their JSON form is the "allocations" member of 'nfpathctl plan --json', so a plan's
 * output can be fed back with --current; nfpathd's apply journal holds the same ("applied",
 * "pending" and "orphans", node/journal.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"

void
agent_alloc_free(struct agent_alloc *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->entries[i].workload);
		free(a->entries[i].pf);
	}
	for (size_t i = 0; i < a->n_chains; i++) {
		free(a->chains[i].name);
		free(a->chains[i].spec);
	}
	free(a->entries);
	free(a->chains);
	free(a);
}

const struct agent_alloc_entry *
agent_alloc_find(const struct agent_alloc *a, const char *workload)
{
	for (size_t i = 0; a && workload && i < a->n; i++) {
		if (a->entries[i].workload && strcmp(a->entries[i].workload, workload) == 0)
			return &a->entries[i];
	}
	return NULL;
}

static int __attribute__((format(printf, 4, 5)))
bad(struct agent_diags *diags, const char *file, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agent_diags_add(diags, file, 0, 0, path, "%s", msg);
	return -EINVAL;
}

static int
read_cpus(json_t *o, const char *key, struct vfm_cpuset *ret)
{
	json_t *v = json_object_get(o, key);

	memset(ret, 0, sizeof(*ret));
	if (!v)
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	if (json_string_length(v) == 0)
		return 0;
	return vfm_cpulist_parse(json_string_value(v), ret) < 0 ? -EINVAL : 0;
}

static int
read_entry(json_t *o, struct agent_alloc_entry *e, bool *oom)
{
	const char *name = NULL, *type = NULL, *place = NULL, *pf = NULL, *mac = NULL;
	const char *cpus = NULL, *emu = NULL;
	json_int_t vf = 0, slot = 0, vlan = 0, node = -1;
	int dedicated = 0;
	json_error_t err;

	if (json_unpack_ex(o, &err, JSON_STRICT,
			   "{s:s, s:s, s:s, s?s, s?I, s?I, s?s, s?I, s?I, s?b, s?s, s?s}", "name",
			   &name, "type", &type, "place", &place, "pf", &pf, "vf", &vf, "slot",
			   &slot, "mac", &mac, "vlan", &vlan, "numa_node", &node, "dedicated",
			   &dedicated, "cpus", &cpus, "emulator_cpus", &emu) < 0)
		return -EINVAL;
	if (strcmp(type, "vm") == 0)
		e->type = AGENT_WORKLOAD_VM;
	else if (strcmp(type, "nf") == 0)
		e->type = AGENT_WORKLOAD_NF;
	else
		return -EINVAL;
	if (strcmp(place, "vf") == 0 && pf && vf >= 0 && vf < AGENT_INV_VFS_MAX)
		e->place = AGENT_PLACE_VF;
	else if (strcmp(place, "software") == 0 && slot >= 0 && slot < 65536)
		e->place = AGENT_PLACE_SOFTWARE;
	else
		return -EINVAL;
	if (vlan < 0 || vlan > 4094 || node < -1 || node >= AGENT_INV_NUMA_MAX)
		return -EINVAL;
	if (mac) {
		if (vfm_mac_parse(mac, e->mac) < 0)
			return -EINVAL;
		e->has_mac = true;
	}
	if (read_cpus(o, "cpus", &e->cpus) < 0 ||
	    read_cpus(o, "emulator_cpus", &e->emulator_cpus) < 0)
		return -EINVAL;
	e->vf = (unsigned)vf;
	e->slot = (unsigned)slot;
	e->vlan = (uint16_t)vlan;
	e->numa_node = (int)node;
	e->dedicated = dedicated;
	e->workload = plan_strdup(name, oom);
	e->pf = e->place == AGENT_PLACE_VF ? plan_strdup(pf, oom) : NULL;
	return *oom ? -ENOMEM : 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct agent_alloc_entry *)a)->workload,
		      ((const struct agent_alloc_entry *)b)->workload);
}

int
agent_alloc_load_buffer(const char *name, const char *text, size_t len,
			struct agent_alloc **ret_alloc, struct agent_diags *diags)
{
	struct agent_alloc *a = NULL;
	json_t *root, *top, *arr, *v;
	json_error_t jerr;
	bool oom = false;
	char path[64];
	size_t i;
	int r = 0;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		agent_diags_add(diags, name, (unsigned)(jerr.line > 0 ? jerr.line : 0),
				(unsigned)(jerr.column > 0 ? jerr.column : 0), "", "%s", jerr.text);
		return -EINVAL;
	}
	top = json_is_object(root) && json_object_get(root, "allocations")
		      ? json_object_get(root, "allocations")
		      : root;
	if (!json_is_object(top)) {
		r = bad(diags, name, "",
			"must be an object (an allocation, or 'nfpathctl plan "
			"--json' output)");
		goto out;
	}
	{
		const char *key;

		json_object_foreach(top, key, v)
		{
			if (strcmp(key, "workloads") && strcmp(key, "chains") &&
			    strcmp(key, "datapath_cpus")) {
				r = bad(diags, name, key,
					"unknown field (an allocation has workloads, chains and "
					"datapath_cpus)");
				goto out;
			}
		}
	}
	arr = json_object_get(top, "workloads");
	if ((arr && !json_is_array(arr)) ||
	    (json_object_get(top, "chains") && !json_is_array(json_object_get(top, "chains")))) {
		r = bad(diags, name, arr && !json_is_array(arr) ? "workloads" : "chains",
			"must be an array");
		goto out;
	}
	a = calloc(1, sizeof(*a));
	if (!a || (arr && json_array_size(arr) &&
		   !(a->entries = calloc(json_array_size(arr), sizeof(*a->entries))))) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(arr, i, v)
	{
		snprintf(path, sizeof(path), "workloads[%zu]", i);
		r = read_entry(v, &a->entries[a->n], &oom);
		if (r == -ENOMEM)
			goto out;
		if (r < 0 || agent_alloc_find(a, a->entries[a->n].workload)) {
			free(a->entries[a->n].workload);
			free(a->entries[a->n].pf);
			r = bad(diags, name, path,
				"not an allocation entry (needs name, type vm|nf, place vf with pf "
				"and vf, or software with slot; names once)");
			goto out;
		}
		a->n++;
	}
	arr = json_object_get(top, "chains");
	if (arr && json_array_size(arr) &&
	    !(a->chains = calloc(json_array_size(arr), sizeof(*a->chains)))) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(arr, i, v)
	{
		const char *cn = NULL, *spec = NULL;

		snprintf(path, sizeof(path), "chains[%zu]", i);
		if (json_unpack(v, "{s:s, s:s !}", "name", &cn, "spec", &spec) < 0) {
			r = bad(diags, name, path, "needs 'name' and 'spec' strings");
			goto out;
		}
		a->chains[a->n_chains].name = plan_strdup(cn, &oom);
		a->chains[a->n_chains].spec = plan_strdup(spec, &oom);
		a->n_chains++;
	}
	if (read_cpus(top, "datapath_cpus", &a->datapath_cpus) < 0) {
		r = bad(diags, name, "datapath_cpus", "must be a CPU list string");
		goto out;
	}
	if (a->n)
		qsort(a->entries, a->n, sizeof(*a->entries), entry_cmp);
	if (oom)
		r = -ENOMEM;
out:
	json_decref(root);
	if (r < 0) {
		agent_alloc_free(a);
		return r;
	}
	*ret_alloc = a;
	return 0;
}

int
agent_alloc_load(const char *path, struct agent_alloc **ret_alloc, struct agent_diags *diags)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	char *text;
	int r;

	if (!root) {
		agent_diags_add(diags, path, (unsigned)(jerr.line > 0 ? jerr.line : 0),
				(unsigned)(jerr.column > 0 ? jerr.column : 0), "", "%s", jerr.text);
		return -EINVAL;
	}
	text = json_dumps(root, 0);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	r = agent_alloc_load_buffer(path, text, strlen(text), ret_alloc, diags);
	free(text);
	return r;
}

int
agent_alloc_from_json(const json_t *o, struct agent_alloc **ret_alloc, struct agent_diags *diags)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int r;

	if (!text)
		return -ENOMEM;
	r = agent_alloc_load_buffer("allocation", text, strlen(text), ret_alloc, diags);
	free(text);
	return r;
}
