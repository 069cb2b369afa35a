// SPDX-License-Identifier: BSD-3-Clause
/*
 * The checks that need the whole merged policy (policy-internal.h): unique names and MACs across
 * files, workload -> NIC and chain -> hop/egress references, VF ranges that overlap between NICs
 * of one PF, and 'vf'-only workloads beyond a NIC's VF capacity. Each diagnostic points at the
 * offending value and names the other party's file, line and column.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

struct where {
	struct jr *r;
	char path[64];
	struct json_pos pos; /* of the value */
};

/* The reader and path of member 'field' of item 'index' of array 'array' in file 'o'. */
static struct where
where(struct policy_loader *l, const struct agent_origin *o, const char *array, const char *field)
{
	struct where w;

	w.r = &l->readers[o->file_index];
	if (field)
		snprintf(w.path, sizeof(w.path), "%s[%zu].%s", array, o->index, field);
	else
		snprintf(w.path, sizeof(w.path), "%s[%zu]", array, o->index);
	w.pos = jr_pos(w.r, w.path, false);
	return w;
}

/*
 * Duplicates in linear-logarithmic time (a policy may hold 100k workloads): sort the items'
 * indices by key, then by index, so that equal keys sit together, the first occurrence first.
 * Returns first[i]: the index of the first item with item i's key when that is another item,
 * else (size_t)-1; NULL when out of memory.
 */
struct dup_sort {
	const char *base;
	size_t stride, off;
	bool is_mac; /* key: a uint8_t[VFM_MAC_LEN] at off (has_mac at mac_off); else a char * */
	size_t has_off;
};

static const void *
dup_key(const struct dup_sort *d, size_t i)
{
	const char *item = d->base + i * d->stride;

	if (d->is_mac)
		return *(const bool *)(item + d->has_off) ? item + d->off : NULL;
	return *(char *const *)(item + d->off);
}

static int
dup_cmp(const void *a, const void *b, void *arg)
{
	const struct dup_sort *d = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const void *ki = dup_key(d, i), *kj = dup_key(d, j);
	int c;

	if (!ki || !kj)
		c = (ki != NULL) - (kj != NULL);
	else
		c = d->is_mac ? memcmp(ki, kj, VFM_MAC_LEN) : strcmp(ki, kj);
	return c ? c : (i > j) - (i < j);
}

static size_t *
first_dups(const struct dup_sort *d, size_t n)
{
	size_t *idx = malloc((n + 1) * sizeof(*idx)), *first = malloc((n + 1) * sizeof(*first));

	if (!idx || !first) {
		free(idx);
		free(first);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		idx[i] = i;
		first[i] = (size_t)-1;
	}
	qsort_r(idx, n, sizeof(*idx), dup_cmp, (void *)d);
	for (size_t k = 1, head = 0; k < n; k++) {
		const void *kh = dup_key(d, idx[head]), *kk = dup_key(d, idx[k]);
		bool same = kh && kk &&
			    (d->is_mac ? memcmp(kh, kk, VFM_MAC_LEN) == 0 : strcmp(kh, kk) == 0);

		if (same)
			first[idx[k]] = idx[head];
		else
			head = k;
	}
	free(idx);
	return first;
}

/* Report a name used twice (the second one, naming where the first is). */
static void
dup_names(struct policy_loader *l, const char *array, size_t n, size_t stride, const void *base,
	  size_t name_off, size_t origin_off)
{
	const struct dup_sort d = {.base = base, .stride = stride, .off = name_off};
	size_t *first = first_dups(&d, n);

	if (!first) {
		jr_error_at(&l->readers[0], "", false, "out of memory checking %s names", array);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *item = (const char *)base + i * stride, *other;
		const struct agent_origin *oi = (const void *)(item + origin_off), *oj;
		struct where a, b;

		if (first[i] == (size_t)-1)
			continue;
		other = (const char *)base + first[i] * stride;
		oj = (const void *)(other + origin_off);
		a = where(l, oi, array, "name");
		b = where(l, oj, array, "name");
		jr_error_at(
			a.r, a.path, false,
			"'%s' is already the name of %s[%zu] at %s:%u:%u (choose a unique name)",
			*(char *const *)(item + name_off), array, oj->index, oj->file, b.pos.line,
			b.pos.column);
	}
	free(first);
}

static const char **
names_of(struct policy_loader *l, size_t *ret_n, bool nics, bool nf_only)
{
	struct agent_policy *p = l->policy;
	size_t n = nics ? p->n_nics : p->n_workloads, k = 0;
	const char **v = calloc(n + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *name = nics ? p->nics[i].name : p->workloads[i].name;

		if (!name || (nf_only && p->workloads[i].type != AGENT_WORKLOAD_NF))
			continue;
		v[k++] = name;
	}
	*ret_n = k;
	return v;
}

static long
find_nic(const struct agent_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		if (p->nics[i].name && strcmp(p->nics[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

static long
find_workload(const struct agent_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_workloads; i++) {
		if (p->workloads[i].name && strcmp(p->workloads[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

/* "(declare it under ...; did you mean 'x'?)" */
static void
unknown_ref(struct jr *r, const char *path, const char *what, const char *name, const char *near,
	    const char *fix)
{
	if (near)
		jr_error_at(r, path, false, "'%s' is not a %s (did you mean '%s'?)", name, what,
			    near);
	else
		jr_error_at(r, path, false, "'%s' is not a %s (%s)", name, what, fix);
}

static void
check_workload_nics(struct policy_loader *l, const char **nic_names, size_t n_nic_names)
{
	struct agent_policy *p = l->policy;

	for (size_t i = 0; i < p->n_workloads; i++) {
		struct agent_workload *w = &p->workloads[i];
		long k;

		if (!w->nic_name)
			continue;
		k = find_nic(p, w->nic_name);
		if (k < 0) {
			struct where a = where(l, &w->origin, "workloads", "nic");

			unknown_ref(a.r, a.path, "NIC", w->nic_name,
				    jr_nearest(w->nic_name, nic_names, n_nic_names),
				    "declare it under nics or fix the name");
			continue;
		}
		w->nic = (size_t)k;
		if (w->path == AGENT_PATH_SOFTWARE && !p->nics[k].uplink) {
			struct where a = where(l, &w->origin, "workloads", "path");

			jr_error_at(
				a.r, a.path, false,
				"'software' needs an uplink on NIC '%s', which has none (add \"uplink\" to NIC '%s' or use \"vf\")",
				w->nic_name, w->nic_name);
		}
	}
}

static void
check_macs(struct policy_loader *l)
{
	struct agent_policy *p = l->policy;
	const struct dup_sort d = {.base = (const char *)p->workloads,
				   .stride = sizeof(*p->workloads),
				   .off = offsetof(struct agent_workload, mac),
				   .is_mac = true,
				   .has_off = offsetof(struct agent_workload, has_mac)};
	size_t *first = first_dups(&d, p->n_workloads);

	if (!first) {
		jr_error_at(&l->readers[0], "", false, "out of memory checking MACs");
		return;
	}
	for (size_t i = 0; i < p->n_workloads; i++) {
		struct agent_workload *w = &p->workloads[i], *o;
		char mac[VFM_MAC_STRLEN];
		struct where a, b;

		if (first[i] == (size_t)-1)
			continue;
		o = &p->workloads[first[i]];
		vfm_mac_format(w->mac, mac, sizeof(mac));
		a = where(l, &w->origin, "workloads", "mac");
		b = where(l, &o->origin, "workloads", "mac");
		jr_error_at(
			a.r, a.path, false,
			"%s is already the MAC of workload '%s' at %s:%u:%u (give each workload its own MAC)",
			mac, o->name ? o->name : "?", o->origin.file, b.pos.line, b.pos.column);
	}
	free(first);
}

/* Same PF? Netdev names compare as strings, PCI addresses as addresses. */
static bool
same_pf(const struct agent_nic *a, const struct agent_nic *b)
{
	if (!a->pf || !b->pf || a->pf_is_pci != b->pf_is_pci)
		return false;
	if (a->pf_is_pci)
		return vfm_pci_addr_equal(&a->pf_pci, &b->pf_pci);
	return strcmp(a->pf, b->pf) == 0;
}

static void
vf_span(const struct agent_nic *n, unsigned *first, unsigned *last)
{
	*first = n->has_vf_range ? n->vf_first : 0;
	*last = n->has_vf_range ? n->vf_last : ~0u;
}

static void
check_vf_ranges(struct policy_loader *l)
{
	struct agent_policy *p = l->policy;

	for (size_t i = 0; i < p->n_nics; i++) {
		struct agent_nic *n = &p->nics[i];
		unsigned f1, l1;

		vf_span(n, &f1, &l1);
		for (size_t j = 0; j < i; j++) {
			struct agent_nic *o = &p->nics[j];
			unsigned f2, l2;
			struct where a, b;

			vf_span(o, &f2, &l2);
			if (!same_pf(n, o) || l1 < f2 || l2 < f1)
				continue;
			a = where(l, &n->origin, "nics", "pf");
			b = where(l, &o->origin, "nics", "pf");
			jr_error_at(
				a.r, a.path, false,
				"its VFs overlap those of NIC '%s' at %s:%u:%u, on the same PF (give each NIC of a PF a disjoint VF range, like %s#0-3 and %s#4-7)",
				o->name ? o->name : "?", o->origin.file, b.pos.line, b.pos.column,
				n->pf, n->pf);
			break;
		}
	}
}

/* VFs the policy lets a NIC use; -1 when only the hardware limits it. */
static long
vf_capacity(const struct agent_nic *n)
{
	long cap = -1;

	if (n->has_vf_range)
		cap = (long)(n->vf_last - n->vf_first + 1);
	if (n->has_max_vfs && (cap < 0 || (long)n->max_vfs < cap))
		cap = (long)n->max_vfs;
	return cap;
}

static void
check_vf_capacity(struct policy_loader *l)
{
	struct agent_policy *p = l->policy;

	for (size_t k = 0; k < p->n_nics; k++) {
		long cap = vf_capacity(&p->nics[k]);
		long used = 0;

		if (cap < 0 || !p->nics[k].name)
			continue;
		for (size_t i = 0; i < p->n_workloads; i++) {
			struct agent_workload *w = &p->workloads[i];
			struct where a;

			if (w->path != AGENT_PATH_VF || !w->nic_name ||
			    strcmp(w->nic_name, p->nics[k].name) != 0)
				continue;
			if (++used <= cap)
				continue;
			a = where(l, &w->origin, "workloads", "path");
			jr_error_at(
				a.r, a.path, false,
				"'vf' needs a VF of NIC '%s', but all %ld it may use are taken by earlier 'vf' workloads (use \"auto\" to fall back to software, or raise max_vfs of NIC '%s')",
				p->nics[k].name, cap, p->nics[k].name);
		}
	}
}

static void
check_chains(struct policy_loader *l, const char **nic_names, size_t n_nic_names,
	     const char **nf_names, size_t n_nf_names)
{
	struct agent_policy *p = l->policy;

	for (size_t i = 0; i < p->n_chains; i++) {
		struct agent_chain *c = &p->chains[i];
		struct where cw = where(l, &c->origin, "chains", NULL);

		for (size_t h = 0; h < c->n_hops; h++) {
			const char *name = c->hop_names[h];
			char path[96];
			long k;

			if (!name)
				continue;
			snprintf(path, sizeof(path), "%s.hops[%zu]", cw.path, h);
			k = find_workload(p, name);
			if (k < 0) {
				unknown_ref(
					cw.r, path, "workload", name,
					jr_nearest(name, nf_names, n_nf_names),
					"declare it under workloads with \"type\": \"nf\", or fix the name");
				continue;
			}
			c->hops[h] = (size_t)k;
			if (p->workloads[k].type != AGENT_WORKLOAD_NF) {
				jr_error_at(
					cw.r, path, false,
					"'%s' is a vm, not an nf (a chain's hops are NF workloads; put the VM's MAC in match instead)",
					name);
				continue;
			}
			for (size_t g = 0; g < h; g++) {
				if (c->hop_names[g] && strcmp(c->hop_names[g], name) == 0) {
					jr_error_at(
						cw.r, path, false,
						"'%s' is already hops[%zu] (a chain visits each NF once; remove one)",
						name, g);
					break;
				}
			}
		}
		if (c->egress == AGENT_EGRESS_NIC && c->egress_name) {
			long k = find_nic(p, c->egress_name);
			char path[96];

			snprintf(path, sizeof(path), "%s.egress", cw.path);
			if (k < 0)
				unknown_ref(cw.r, path, "NIC", c->egress_name,
					    jr_nearest(c->egress_name, nic_names, n_nic_names),
					    "use a NIC name or \"drop\"");
			else
				c->egress_nic = (size_t)k;
		}
		for (size_t j = 0; j < i; j++) {
			struct agent_chain *o = &p->chains[j];
			char mac[VFM_MAC_STRLEN];
			char path[96];
			struct where b;

			if (vfm_mac_is_zero(c->match_mac) ||
			    memcmp(c->match_mac, o->match_mac, VFM_MAC_LEN) != 0 ||
			    c->match_vlan != o->match_vlan)
				continue;
			vfm_mac_format(c->match_mac, mac, sizeof(mac));
			b = where(l, &o->origin, "chains", "match");
			snprintf(path, sizeof(path), "%s.match", cw.path);
			jr_error_at(
				cw.r, path, false,
				"dst_mac %s vlan %u is already the match of chain '%s' at %s:%u:%u (traffic can enter one chain only)",
				mac, c->match_vlan, o->name ? o->name : "?", o->origin.file,
				b.pos.line, b.pos.column);
			break;
		}
	}
}

int
policy_check(struct policy_loader *l)
{
	struct agent_policy *p = l->policy;
	size_t n_nic_names = 0, n_nf_names = 0;
	const char **nic_names = names_of(l, &n_nic_names, true, false);
	const char **nf_names = names_of(l, &n_nf_names, false, true);

	if (!nic_names || !nf_names) {
		free(nic_names);
		free(nf_names);
		return -ENOMEM;
	}
	dup_names(l, "nics", p->n_nics, sizeof(*p->nics), p->nics, offsetof(struct agent_nic, name),
		  offsetof(struct agent_nic, origin));
	dup_names(l, "workloads", p->n_workloads, sizeof(*p->workloads), p->workloads,
		  offsetof(struct agent_workload, name), offsetof(struct agent_workload, origin));
	dup_names(l, "chains", p->n_chains, sizeof(*p->chains), p->chains,
		  offsetof(struct agent_chain, name), offsetof(struct agent_chain, origin));
	check_workload_nics(l, nic_names, n_nic_names);
	check_macs(l);
	check_vf_ranges(l);
	check_vf_capacity(l);
	check_chains(l, nic_names, n_nic_names, nf_names, n_nf_names);
	free(nic_names);
	free(nf_names);
	return l->diags->oom ? -ENOMEM : 0;
}
