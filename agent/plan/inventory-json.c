// SPDX-License-Identifier: BSD-3-Clause
/*
 * The inventory's JSON form, for tests, 'nfpathctl plan --inventory FILE' and the demo:
 *
 *   {"numa_nodes": [{"id": 0, "socket": 0, "cpus": "0-7"}], "siblings": ["0,4", "1,5"],
 *    "reserved_cpus": "0", "datapath": {"present": true, "lcores": "1"},
 *    "pfs": [{"name": "ens1f0", "pci": "0000:3b:00.0", "numa_node": 0, "total_vfs": 4,
 *             "vfs": [{"index": 0, "pci": "0000:3b:02.0", "in_use": false}]}],
 *    "domains": [{"name": "vm1", "vcpus": 2, "running": true}]}
 *
 * Strict like the policy loader: unknown fields, wrong types, out-of-range numbers, duplicate
 * names and CPUs on two nodes are all reported (every problem, with its JSON path) and nothing is
 * returned. A PF may say "num_vfs": N instead of listing "vfs" (VFs 0..N-1 exist, none in use).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfpath/agent-inventory.h"
#include "strbuf.h"

struct rd {
	const char *file;
	struct agent_diags *diags;
	struct strbuf path;
	int bad;
};

static void __attribute__((format(printf, 2, 3))) rd_err(struct rd *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agent_diags_add(r->diags, r->file, 0, 0, strbuf_str(&r->path), "%s", msg);
	r->bad = 1;
}

/* Enter "key" or "[i]"; returns the length to restore. */
static size_t
rd_key(struct rd *r, const char *key)
{
	size_t len = r->path.len;

	strbuf_path_key(&r->path, key, strlen(key));
	return len;
}

static size_t
rd_index(struct rd *r, size_t i)
{
	size_t len = r->path.len;

	strbuf_path_index(&r->path, i);
	return len;
}

static void
rd_check_keys(struct rd *r, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		bool ok = false;

		for (size_t i = 0; known[i]; i++)
			ok |= strcmp(known[i], key) == 0;
		if (!ok) {
			size_t l = rd_key(r, key);

			rd_err(r, "unknown field (remove it; see agent/README.md for the format)");
			strbuf_truncate(&r->path, l);
		}
		(void)v;
	}
}

/* Read an integer member in [min, max]. Returns 1 when present and valid, 0 when absent. */
static int
rd_int(struct rd *r, json_t *obj, const char *key, bool required, long long min, long long max,
       long long *ret)
{
	json_t *v = json_object_get(obj, key);
	size_t l = rd_key(r, key);
	int found = 0;

	if (!v) {
		if (required)
			rd_err(r, "missing (add an integer %lld-%lld)", min, max);
	} else if (!json_is_integer(v)) {
		rd_err(r, "must be an integer (%lld-%lld)", min, max);
	} else if (json_integer_value(v) < min || json_integer_value(v) > max) {
		rd_err(r, "%lld is out of range (use %lld-%lld)", (long long)json_integer_value(v),
		       min, max);
	} else {
		*ret = json_integer_value(v);
		found = 1;
	}
	strbuf_truncate(&r->path, l);
	return found;
}

static const char *
rd_str(struct rd *r, json_t *obj, const char *key, bool required)
{
	json_t *v = json_object_get(obj, key);
	size_t l = rd_key(r, key);
	const char *s = NULL;

	if (!v) {
		if (required)
			rd_err(r, "missing (add a string)");
	} else if (!json_is_string(v)) {
		rd_err(r, "must be a string");
	} else {
		s = json_string_value(v);
	}
	strbuf_truncate(&r->path, l);
	return s;
}

static bool
rd_bool(struct rd *r, json_t *obj, const char *key, bool dflt)
{
	json_t *v = json_object_get(obj, key);
	bool b = dflt;

	if (v && !json_is_boolean(v)) {
		size_t l = rd_key(r, key);

		rd_err(r, "must be true or false");
		strbuf_truncate(&r->path, l);
	} else if (v) {
		b = json_is_true(v);
	}
	return b;
}

static void
rd_cpus(struct rd *r, json_t *obj, const char *key, bool required, struct vfm_cpuset *ret)
{
	const char *s = rd_str(r, obj, key, required);
	size_t l;
	int e;

	memset(ret, 0, sizeof(*ret));
	if (!s)
		return;
	if (*s == '\0')
		return;
	e = vfm_cpulist_parse(s, ret);
	if (e < 0) {
		l = rd_key(r, key);
		rd_err(r, "'%s' is not a CPU list (write it like \"0-3,8\", CPUs below %d)", s,
		       VFM_CPUSET_MAX);
		strbuf_truncate(&r->path, l);
	}
}

static bool
rd_pci(struct rd *r, json_t *obj, const char *key, struct vfm_pci_addr *ret)
{
	const char *s = rd_str(r, obj, key, false);
	size_t l;

	if (!s)
		return false;
	if (vfm_pci_addr_parse(s, ret) < 0) {
		l = rd_key(r, key);
		rd_err(r, "'%s' is not a PCI address (write it like \"0000:3b:00.0\")", s);
		strbuf_truncate(&r->path, l);
		return false;
	}
	return true;
}

static json_t *
rd_array(struct rd *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_array(v)) {
		size_t l = rd_key(r, key);

		rd_err(r, "must be an array");
		strbuf_truncate(&r->path, l);
		return NULL;
	}
	return v;
}

static bool
rd_object(struct rd *r, json_t *v)
{
	if (json_is_object(v))
		return true;
	rd_err(r, "must be an object");
	return false;
}

static bool
cpusets_overlap(const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t w = 0; w < VFM_CPUSET_MAX / 64; w++) {
		if (a->bits[w] & b->bits[w])
			return true;
	}
	return false;
}

static void
read_numa(struct rd *r, json_t *root, struct agent_inventory *inv)
{
	static const char *const known[] = {"id", "socket", "cpus", NULL};
	json_t *arr = rd_array(r, root, "numa_nodes"), *v;
	size_t i, l0;

	if (!arr || json_array_size(arr) == 0) {
		if (!arr) {
			l0 = rd_key(r, "numa_nodes");
			rd_err(r,
			       "missing (add at least one node: [{\"id\": 0, \"cpus\": \"0-3\"}])");
			strbuf_truncate(&r->path, l0);
		}
		return;
	}
	inv->numa = calloc(json_array_size(arr), sizeof(*inv->numa));
	if (!inv->numa) {
		r->bad = -ENOMEM;
		return;
	}
	l0 = rd_key(r, "numa_nodes");
	json_array_foreach(arr, i, v)
	{
		struct agent_inv_numa *n = &inv->numa[inv->n_numa];
		size_t l = rd_index(r, i);
		long long id = 0, socket = -1;

		if (rd_object(r, v)) {
			rd_check_keys(r, v, known);
			rd_int(r, v, "id", true, 0, AGENT_INV_NUMA_MAX - 1, &id);
			rd_int(r, v, "socket", false, 0, AGENT_INV_NUMA_MAX - 1, &socket);
			rd_cpus(r, v, "cpus", true, &n->cpus);
			n->id = (unsigned)id;
			n->socket = socket < 0 ? (unsigned)id : (unsigned)socket;
			for (size_t j = 0; j < inv->n_numa; j++) {
				if (inv->numa[j].id == n->id)
					rd_err(r, "node %u is listed twice (list each node once)",
					       n->id);
				else if (cpusets_overlap(&inv->numa[j].cpus, &n->cpus))
					rd_err(r, "shares CPUs with node %u (a CPU is on one node)",
					       inv->numa[j].id);
			}
			inv->n_numa++;
		}
		strbuf_truncate(&r->path, l);
	}
	strbuf_truncate(&r->path, l0);
}

static void
read_siblings(struct rd *r, json_t *root, struct agent_inventory *inv)
{
	json_t *arr = rd_array(r, root, "siblings"), *v;
	size_t i, l0;

	if (!arr || json_array_size(arr) == 0)
		return;
	inv->siblings = calloc(json_array_size(arr), sizeof(*inv->siblings));
	if (!inv->siblings) {
		r->bad = -ENOMEM;
		return;
	}
	l0 = rd_key(r, "siblings");
	json_array_foreach(arr, i, v)
	{
		struct vfm_cpuset *s = &inv->siblings[inv->n_siblings];
		size_t l = rd_index(r, i);

		if (!json_is_string(v) || vfm_cpulist_parse(json_string_value(v), s) < 0) {
			rd_err(r,
			       "must be a CPU list string such as \"0,4\" (the threads of one core)");
		} else {
			int node = -1;

			for (unsigned c = 0; c < VFM_CPUSET_MAX; c++) {
				int cn;

				if (!vfm_cpuset_isset(s, c))
					continue;
				cn = agent_inventory_cpu_node(inv, c);
				if (cn < 0) {
					rd_err(r,
					       "CPU %u is on no NUMA node (add it to numa_nodes)",
					       c);
					break;
				}
				if (node >= 0 && cn != node) {
					rd_err(r,
					       "spans NUMA nodes %d and %d (the threads of a core "
					       "are on one node)",
					       node, cn);
					break;
				}
				node = cn;
			}
			for (size_t j = 0; j < inv->n_siblings; j++) {
				if (cpusets_overlap(&inv->siblings[j], s))
					rd_err(r,
					       "shares CPUs with siblings[%zu] (a CPU is in one "
					       "core)",
					       j);
			}
			inv->n_siblings++;
		}
		strbuf_truncate(&r->path, l);
	}
	strbuf_truncate(&r->path, l0);
}

static int
vf_cmp(const void *a, const void *b)
{
	const struct agent_inv_vf *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static void
read_vfs(struct rd *r, json_t *pfv, struct agent_inv_pf *pf)
{
	static const char *const known[] = {"index", "pci", "in_use", NULL};
	json_t *arr = rd_array(r, pfv, "vfs"), *v;
	long long num = 0;
	size_t i, l0;

	if (rd_int(r, pfv, "num_vfs", false, 0, AGENT_INV_VFS_MAX, &num)) {
		size_t l = rd_key(r, "num_vfs");

		if (arr)
			rd_err(r, "give either 'num_vfs' or 'vfs', not both");
		else if ((unsigned)num > pf->total_vfs)
			rd_err(r, "%lld is more than total_vfs %u (raise total_vfs)", num,
			       pf->total_vfs);
		strbuf_truncate(&r->path, l);
		if (r->bad || num == 0)
			return;
		pf->vfs = calloc((size_t)num, sizeof(*pf->vfs));
		if (!pf->vfs) {
			r->bad = -ENOMEM;
			return;
		}
		for (pf->n_vfs = 0; pf->n_vfs < (size_t)num; pf->n_vfs++)
			pf->vfs[pf->n_vfs].index = (unsigned)pf->n_vfs;
		return;
	}
	if (!arr || json_array_size(arr) == 0)
		return;
	pf->vfs = calloc(json_array_size(arr), sizeof(*pf->vfs));
	if (!pf->vfs) {
		r->bad = -ENOMEM;
		return;
	}
	l0 = rd_key(r, "vfs");
	json_array_foreach(arr, i, v)
	{
		struct agent_inv_vf *vf = &pf->vfs[pf->n_vfs];
		size_t l = rd_index(r, i);
		long long index = 0;

		if (rd_object(r, v)) {
			rd_check_keys(r, v, known);
			if (rd_int(r, v, "index", true, 0, AGENT_INV_VFS_MAX - 1, &index) &&
			    (unsigned)index >= pf->total_vfs)
				rd_err(r, "VF %lld is beyond total_vfs %u (VF indices are 0-%d)",
				       index, pf->total_vfs, (int)pf->total_vfs - 1);
			vf->index = (unsigned)index;
			vf->has_pci = rd_pci(r, v, "pci", &vf->pci);
			vf->in_use = rd_bool(r, v, "in_use", false);
			if (agent_inv_pf_vf(pf, vf->index))
				rd_err(r, "VF %u is listed twice", vf->index);
			pf->n_vfs++;
		}
		strbuf_truncate(&r->path, l);
	}
	strbuf_truncate(&r->path, l0);
	qsort(pf->vfs, pf->n_vfs, sizeof(*pf->vfs), vf_cmp);
}

static void
read_pfs(struct rd *r, json_t *root, struct agent_inventory *inv)
{
	static const char *const known[] = {"name",      "pci",     "numa_node", "local_cpus",
					    "total_vfs", "num_vfs", "vfs",       NULL};
	json_t *arr = rd_array(r, root, "pfs"), *v;
	size_t i, l0;

	if (!arr || json_array_size(arr) == 0)
		return;
	inv->pfs = calloc(json_array_size(arr), sizeof(*inv->pfs));
	if (!inv->pfs) {
		r->bad = -ENOMEM;
		return;
	}
	l0 = rd_key(r, "pfs");
	json_array_foreach(arr, i, v)
	{
		struct agent_inv_pf *pf = &inv->pfs[inv->n_pfs];
		size_t l = rd_index(r, i);
		long long node = -1, total = 0;
		const char *name;

		if (rd_object(r, v)) {
			rd_check_keys(r, v, known);
			name = rd_str(r, v, "name", true);
			if (name && (*name == '\0' || strlen(name) > 15)) {
				size_t lk = rd_key(r, "name");

				rd_err(r, "'%s' is not a netdev name (1-15 characters)", name);
				strbuf_truncate(&r->path, lk);
				name = NULL;
			}
			if (name && agent_inventory_pf(inv, name))
				rd_err(r, "PF '%s' is listed twice", name);
			pf->has_pci = rd_pci(r, v, "pci", &pf->pci);
			rd_int(r, v, "numa_node", false, -1, AGENT_INV_NUMA_MAX - 1, &node);
			pf->numa_node = (int)node;
			if (node >= 0 && !agent_inventory_numa(inv, (unsigned)node)) {
				size_t lk = rd_key(r, "numa_node");

				rd_err(r,
				       "node %lld is not in numa_nodes (add it, or use -1 for "
				       "unknown)",
				       node);
				strbuf_truncate(&r->path, lk);
			}
			rd_cpus(r, v, "local_cpus", false, &pf->local_cpus);
			rd_int(r, v, "total_vfs", true, 0, AGENT_INV_VFS_MAX, &total);
			pf->total_vfs = (unsigned)total;
			read_vfs(r, v, pf);
			if (name) {
				pf->name = strdup(name);
				if (!pf->name)
					r->bad = -ENOMEM;
			}
			inv->n_pfs++;
		}
		strbuf_truncate(&r->path, l);
	}
	strbuf_truncate(&r->path, l0);
}

static void
read_domains(struct rd *r, json_t *root, struct agent_inventory *inv)
{
	static const char *const known[] = {"name", "vcpus", "running", NULL};
	json_t *arr = rd_array(r, root, "domains"), *v;
	size_t i, l0;

	if (!arr || json_array_size(arr) == 0)
		return;
	inv->domains = calloc(json_array_size(arr), sizeof(*inv->domains));
	if (!inv->domains) {
		r->bad = -ENOMEM;
		return;
	}
	l0 = rd_key(r, "domains");
	json_array_foreach(arr, i, v)
	{
		struct agent_inv_domain *d = &inv->domains[inv->n_domains];
		size_t l = rd_index(r, i);
		long long vcpus = 0;
		const char *name;

		if (rd_object(r, v)) {
			rd_check_keys(r, v, known);
			name = rd_str(r, v, "name", true);
			if (name && agent_inventory_domain(inv, name))
				rd_err(r, "domain '%s' is listed twice", name);
			rd_int(r, v, "vcpus", true, 1, AGENT_INV_VCPUS_MAX, &vcpus);
			d->vcpus = (unsigned)vcpus;
			d->running = rd_bool(r, v, "running", false);
			if (name) {
				d->name = strdup(name);
				if (!d->name)
					r->bad = -ENOMEM;
			}
			inv->n_domains++;
		}
		strbuf_truncate(&r->path, l);
	}
	strbuf_truncate(&r->path, l0);
}

static void
read_datapath(struct rd *r, json_t *root, struct agent_inventory *inv)
{
	static const char *const known[] = {"present", "lcores", NULL};
	json_t *v = json_object_get(root, "datapath");
	size_t l;

	if (!v)
		return;
	l = rd_key(r, "datapath");
	if (rd_object(r, v)) {
		rd_check_keys(r, v, known);
		inv->datapath.present = rd_bool(r, v, "present", true);
		rd_cpus(r, v, "lcores", false, &inv->datapath.lcores);
	}
	strbuf_truncate(&r->path, l);
}

int
agent_inventory_load_buffer(const char *name, const char *text, size_t len,
			    struct agent_inventory **ret_inv, struct agent_diags *diags)
{
	static const char *const known[] = {"version",  "numa_nodes", "siblings", "reserved_cpus",
					    "datapath", "pfs",        "domains",  NULL};
	struct rd r = {.file = name, .diags = diags};
	struct agent_inventory *inv;
	json_error_t jerr;
	json_t *root;
	long long version = 1;
	int ret;

	if (!name || !text || !ret_inv || !diags)
		return -EINVAL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		agent_diags_add(diags, name, (unsigned)(jerr.line > 0 ? jerr.line : 0),
				(unsigned)(jerr.column > 0 ? jerr.column : 0), "", "%s", jerr.text);
		return -EINVAL;
	}
	inv = calloc(1, sizeof(*inv));
	if (!inv) {
		json_decref(root);
		return -ENOMEM;
	}
	if (rd_object(&r, root)) {
		rd_check_keys(&r, root, known);
		rd_int(&r, root, "version", false, 1, 1, &version);
		read_numa(&r, root, inv);
		read_siblings(&r, root, inv);
		rd_cpus(&r, root, "reserved_cpus", false, &inv->reserved);
		read_datapath(&r, root, inv);
		read_pfs(&r, root, inv);
		read_domains(&r, root, inv);
	}
	json_decref(root);
	ret = r.path.oom || diags->oom ? -ENOMEM : r.bad < 0 ? r.bad : r.bad ? -EINVAL : 0;
	strbuf_free(&r.path);
	if (ret < 0) {
		agent_inventory_free(inv);
		return ret;
	}
	*ret_inv = inv;
	return 0;
}

int
agent_inventory_load(const char *path, struct agent_inventory **ret_inv, struct agent_diags *diags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = errno;
		agent_diags_add(diags, path, 0, 0, "", "cannot open: %s (check the path)",
				strerror(r));
		return -EINVAL;
	}
	for (;;) {
		char *n = realloc(text, len + 65536);
		size_t got;

		if (!n) {
			free(text);
			fclose(f);
			return -ENOMEM;
		}
		text = n;
		got = fread(text + len, 1, 65536, f);
		len += got;
		if (got < 65536)
			break;
	}
	if (ferror(f)) {
		free(text);
		fclose(f);
		agent_diags_add(diags, path, 0, 0, "", "cannot read (check the file)");
		return -EINVAL;
	}
	fclose(f);
	r = agent_inventory_load_buffer(path, text, len, ret_inv, diags);
	free(text);
	return r;
}
