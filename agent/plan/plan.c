// SPDX-License-Identifier: BSD-3-Clause
/*
 * agent_plan(): placement of every workload (VF or software path, NUMA node, CPUs) and the
 * ordered actions that get the node from 'current' there. Pure: same inputs, same plan.
 *
 * Steps: (1) keep what is allocated and still valid (stability); (2) dedicated CPUs, whole cores,
 * by NUMA affinity; (3) shared CPUs, the pool nobody holds exclusively; (4) VFs: 'vf' workloads
 * first, then 'auto' ones and software-placed workloads allowed to move back; (5) software path
 * for the rest of 'auto' (VM: vhost-user port, NF: NF slot); (6) actions: removals of what is
 * stale, VF creation, per workload (make before break for moves), datapath pin, chains, IRQs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"

struct ws {
	const struct agent_workload *w;
	const struct agent_alloc_entry *cur; /* same name and type, or NULL */
	const struct agent_inv_pf *pf;       /* its NIC's PF, NULL when not in the inventory */
	const struct agent_nic *nic;
	int nic_node;
	unsigned need; /* CPUs */
	bool chain_hop;
	bool cpu_ok;
	bool cpu_kept;
	int node;
	struct vfm_cpuset cpus, emu;
	enum agent_place place;
	unsigned vf, slot;
	bool kept;       /* placement (VF or software) unchanged */
	bool move;       /* software -> VF, make before break */
	bool remove_cur; /* the current placement goes before anything is added */
	bool done;       /* placement decided */
	struct strbuf reason;
	size_t n_tried;
	char **tried;
};

struct planner {
	const struct agent_policy *p;
	const struct agent_inventory *inv;
	const struct agent_alloc *cur;
	struct ws *ws;
	struct vfm_cpuset universe;  /* every node's CPUs minus the reserved ones */
	struct vfm_cpuset exclusive; /* held by a dedicated workload or the datapath */
	struct vfm_cpuset dp;
	const char *(*vf_owner)[AGENT_INV_VFS_MAX]; /* per inventory PF */
	unsigned *nic_vfs;                          /* VFs per policy NIC */
	bool *vhost_used, *slot_used;
	size_t n_slots;
	struct agent_plan *plan;
	size_t cap_actions;
	bool oom;
};

static const char FOREIGN[] = "(in use outside nfpath)";

static void __attribute__((format(printf, 2, 3))) tried(struct ws *s, const char *fmt, ...)
{
	char line[512], **n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = realloc(s->tried, (s->n_tried + 1) * sizeof(*n));
	if (!n)
		return;
	s->tried = n;
	s->tried[s->n_tried] = strdup(line);
	if (s->tried[s->n_tried])
		s->n_tried++;
}

static void
vf_name(const struct agent_inv_pf *pf, const char *pf_name, unsigned vf, char *buf, size_t len)
{
	const struct agent_inv_vf *v = pf ? agent_inv_pf_vf(pf, vf) : NULL;
	char pci[VFM_PCI_ADDR_STRLEN];

	if (v && v->has_pci && vfm_pci_addr_format(&v->pci, pci, sizeof(pci)) == 0)
		snprintf(buf, len, "%s#%u (%s)", pf_name, vf, pci);
	else
		snprintf(buf, len, "%s#%u", pf_name, vf);
}

static const char *
kind(const struct agent_workload *w)
{
	return w->type == AGENT_WORKLOAD_VM ? "VM" : "NF";
}

static struct agent_action *
act(struct planner *pl, enum agent_action_type type, const char *workload)
{
	struct agent_plan *plan = pl->plan;
	struct agent_action *a;

	if (plan->n_actions == pl->cap_actions) {
		size_t cap = pl->cap_actions ? pl->cap_actions * 2 : 16;
		struct agent_action *n = realloc(plan->actions, cap * sizeof(*n));

		if (!n) {
			pl->oom = true;
			return NULL;
		}
		plan->actions = n;
		pl->cap_actions = cap;
	}
	a = &plan->actions[plan->n_actions++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->workload = plan_strdup(workload, &pl->oom);
	return a;
}

static void __attribute__((format(printf, 2, 3)))
act_text(struct agent_action *a, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!a)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->text = strdup(line);
}

/* ---- inputs ---- */

static const struct agent_alloc_entry *
cur_entry(const struct agent_alloc *cur, const struct agent_workload *w)
{
	const struct agent_alloc_entry *e = cur ? agent_alloc_find(cur, w->name) : NULL;

	return e && e->type == w->type ? e : NULL;
}

static bool
is_chain_hop(const struct agent_policy *p, size_t wi)
{
	for (size_t c = 0; c < p->n_chains; c++) {
		for (size_t h = 0; h < p->chains[c].n_hops; h++) {
			if (p->chains[c].hops[h] == wi)
				return true;
		}
	}
	return false;
}

static void
init_ws(struct planner *pl)
{
	const struct agent_policy *p = pl->p;
	const struct agent_inventory *inv = pl->inv;

	for (size_t i = 0; i < p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		const struct agent_workload *w = &p->workloads[i];
		const struct agent_inv_domain *d;

		s->w = w;
		s->nic = &p->nics[w->nic];
		s->cur = cur_entry(pl->cur, w);
		s->pf = agent_inventory_pf(inv, s->nic->pf);
		s->nic_node = s->pf ? s->pf->numa_node : -1;
		s->node = -1;
		s->chain_hop = is_chain_hop(p, i);
		if (w->type == AGENT_WORKLOAD_NF) {
			s->need = w->cores ? w->cores : 1;
		} else {
			d = agent_inventory_domain(inv, w->domain ? w->domain : w->name);
			s->need = d ? d->vcpus : 0;
			if (!d)
				tried(s,
				      "CPUs: libvirt domain '%s' is not defined, so its vCPUs are "
				      "pinned once it is",
				      w->domain ? w->domain : w->name);
		}
	}
}

/* ---- CPUs ---- */

static void
allowed_of(const struct planner *pl, const struct ws *s, struct vfm_cpuset *ret)
{
	if (s->w->has_cpus)
		plan_cpus_and(ret, &s->w->cpus, &pl->universe);
	else
		*ret = pl->universe;
}

static bool
node_acceptable(const struct planner *pl, const struct ws *s, int node)
{
	unsigned nodes[AGENT_INV_NUMA_MAX];
	size_t n = plan_node_order(pl->inv, s->nic_node, s->w->numa_affinity, nodes);

	for (size_t i = 0; i < n; i++) {
		if ((int)nodes[i] == node)
			return true;
	}
	return false;
}

static void
plan_datapath(struct planner *pl)
{
	const struct agent_inventory *inv = pl->inv;
	struct strbuf why = {0};
	struct vfm_cpuset all;

	if (!inv->datapath.present)
		return;
	if (!plan_cpus_empty(&inv->datapath.lcores)) {
		pl->dp = inv->datapath.lcores;
	} else if (pl->cur && !plan_cpus_empty(&pl->cur->datapath_cpus) &&
		   plan_cpus_subset(&pl->cur->datapath_cpus, &pl->universe)) {
		pl->dp = pl->cur->datapath_cpus;
	} else {
		/* One whole core on the node of the first PF (its uplink's node), else node 0. */
		int home = inv->n_pfs && inv->pfs[0].numa_node >= 0 ? inv->pfs[0].numa_node : -1;
		unsigned nodes[AGENT_INV_NUMA_MAX];
		size_t n = plan_node_order(inv, home, AGENT_NUMA_PREFERRED, nodes);

		for (size_t i = 0; i < n; i++) {
			if (plan_cpus_dedicated(inv, nodes[i], 1, &pl->universe, &pl->universe,
						&pl->dp, &why))
				break;
		}
	}
	strbuf_free(&why);
	plan_cpus_or(&all, &pl->exclusive, &pl->dp);
	pl->exclusive = all;
}

static void
keep_dedicated(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		const struct agent_alloc_entry *c = s->cur;
		struct vfm_cpuset allowed, free;

		if (s->w->cpu_policy != AGENT_CPU_DEDICATED || !c || !c->dedicated ||
		    plan_cpus_empty(&c->cpus) || s->need == 0)
			continue;
		allowed_of(pl, s, &allowed);
		plan_cpus_andnot(&free, &allowed, &pl->exclusive);
		if (!plan_cpus_subset(&c->cpus, &free) || vfm_cpuset_count(&c->cpus) < s->need ||
		    !node_acceptable(pl, s, c->numa_node))
			continue;
		s->cpus = c->cpus;
		s->node = c->numa_node;
		s->cpu_ok = s->cpu_kept = true;
		plan_cpus_or(&pl->exclusive, &pl->exclusive, &c->cpus);
	}
}

static void
alloc_dedicated(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		unsigned nodes[AGENT_INV_NUMA_MAX];
		struct vfm_cpuset allowed, free;
		size_t n;

		if (s->w->cpu_policy != AGENT_CPU_DEDICATED || s->cpu_ok)
			continue;
		if (s->need == 0) {
			s->cpu_ok = true;
			s->node = s->nic_node;
			continue;
		}
		allowed_of(pl, s, &allowed);
		plan_cpus_andnot(&free, &pl->universe, &pl->exclusive);
		n = plan_node_order(pl->inv, s->nic_node, s->w->numa_affinity, nodes);
		for (size_t k = 0; k < n && !s->cpu_ok; k++) {
			struct strbuf why = {0};

			if (plan_cpus_dedicated(pl->inv, nodes[k], s->need, &free, &allowed,
						&s->cpus, &why)) {
				s->cpu_ok = true;
				s->node = (int)nodes[k];
				plan_cpus_or(&pl->exclusive, &pl->exclusive, &s->cpus);
			} else {
				tried(s, "dedicated CPUs on %s", strbuf_str(&why));
			}
			strbuf_free(&why);
		}
	}
}

static void
node_pool(const struct planner *pl, unsigned node, struct vfm_cpuset *ret)
{
	const struct agent_inv_numa *n = agent_inventory_numa(pl->inv, node);

	memset(ret, 0, sizeof(*ret));
	if (!n)
		return;
	plan_cpus_and(ret, &n->cpus, &pl->universe);
	plan_cpus_andnot(ret, ret, &pl->exclusive);
}

static void
alloc_shared(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		unsigned nodes[AGENT_INV_NUMA_MAX];
		struct vfm_cpuset allowed, pool;
		size_t n;

		if (s->w->cpu_policy != AGENT_CPU_SHARED)
			continue;
		if (s->need == 0) {
			s->cpu_ok = true;
			s->node = s->nic_node;
			continue;
		}
		allowed_of(pl, s, &allowed);
		n = plan_node_order(pl->inv, s->nic_node, s->w->numa_affinity, nodes);
		for (size_t k = 0; k < n && !s->cpu_ok; k++) {
			node_pool(pl, nodes[k], &pool);
			plan_cpus_and(&pool, &pool, &allowed);
			if (plan_cpus_empty(&pool)) {
				tried(s,
				      "shared CPUs on node %u: none left that are allowed, not "
				      "reserved and not held by a dedicated workload",
				      nodes[k]);
				continue;
			}
			s->cpus = pool;
			s->node = (int)nodes[k];
			s->cpu_ok = true;
		}
	}
}

static void
emulator_cpus(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		const struct agent_inv_numa *n;

		if (s->w->type != AGENT_WORKLOAD_VM || !s->cpu_ok || plan_cpus_empty(&s->cpus))
			continue;
		if (s->w->cpu_policy == AGENT_CPU_SHARED) {
			s->emu = s->cpus;
			continue;
		}
		/* Dedicated vCPUs: keep QEMU's own threads off them, on the node's shared pool,
		 * else its housekeeping CPUs, else (a full node) the vCPUs' CPUs after all. */
		node_pool(pl, (unsigned)s->node, &s->emu);
		n = agent_inventory_numa(pl->inv, (unsigned)s->node);
		if (plan_cpus_empty(&s->emu) && n)
			plan_cpus_and(&s->emu, &n->cpus, &pl->inv->reserved);
		if (plan_cpus_empty(&s->emu))
			s->emu = s->cpus;
	}
}

/* ---- VFs and the software path ---- */

static size_t
pf_index(const struct planner *pl, const struct agent_inv_pf *pf)
{
	return (size_t)(pf - pl->inv->pfs);
}

static void
vf_span(const struct ws *s, unsigned *first, unsigned *last)
{
	*first = s->nic->has_vf_range ? s->nic->vf_first : 0;
	*last = s->nic->has_vf_range ? s->nic->vf_last : AGENT_INV_VFS_MAX - 1;
	if (s->pf && s->pf->total_vfs && *last >= s->pf->total_vfs)
		*last = s->pf->total_vfs - 1;
}

static bool
nic_full(const struct planner *pl, const struct ws *s)
{
	return s->nic->has_max_vfs && pl->nic_vfs[s->w->nic] >= s->nic->max_vfs;
}

static void
take_vf(struct planner *pl, struct ws *s, unsigned vf)
{
	pl->vf_owner[pf_index(pl, s->pf)][vf] = s->w->name;
	pl->nic_vfs[s->w->nic]++;
	s->place = AGENT_PLACE_VF;
	s->vf = vf;
	s->done = true;
}

static bool
cur_vf_valid(const struct planner *pl, const struct ws *s)
{
	const struct agent_alloc_entry *c = s->cur;
	unsigned first, last;

	if (!c || c->place != AGENT_PLACE_VF || !s->pf || !c->pf || strcmp(c->pf, s->pf->name))
		return false;
	vf_span(s, &first, &last);
	return c->vf >= first && c->vf <= last && c->vf < s->pf->total_vfs &&
	       !pl->vf_owner[pf_index(pl, s->pf)][c->vf] && !nic_full(pl, s);
}

static bool
software_possible(const struct planner *pl, const struct ws *s)
{
	return pl->inv->datapath.present && s->nic->uplink;
}

static void
keep_placements(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		const struct agent_alloc_entry *c = s->cur;

		if (!c || !s->cpu_ok)
			continue;
		if (c->place == AGENT_PLACE_VF && s->w->path != AGENT_PATH_SOFTWARE &&
		    !s->chain_hop && cur_vf_valid(pl, s)) {
			take_vf(pl, s, c->vf);
			s->kept = true;
		} else if (c->place == AGENT_PLACE_SOFTWARE && s->w->path != AGENT_PATH_VF &&
			   software_possible(pl, s)) {
			bool *used =
				s->w->type == AGENT_WORKLOAD_VM ? pl->vhost_used : pl->slot_used;

			if (c->slot < pl->n_slots && !used[c->slot]) {
				used[c->slot] = true;
				s->place = AGENT_PLACE_SOFTWARE;
				s->slot = c->slot;
				s->kept = s->done = true;
			}
		}
	}
}

/* Describe why no VF is free (for 'tried'). */
static void
why_no_vf(const struct planner *pl, const struct ws *s, struct strbuf *sb)
{
	unsigned first, last;

	if (!s->pf) {
		if (!s->nic->pf) {
			strbuf_printf(sb, "NIC '%s' has no PF (a datapath port only): no VFs",
				      s->nic->name);
			return;
		}
		strbuf_printf(sb, "PF '%s' of NIC '%s' is not in the inventory", s->nic->pf,
			      s->nic->name);
		return;
	}
	vf_span(s, &first, &last);
	if (s->pf->total_vfs == 0 || first >= s->pf->total_vfs) {
		strbuf_printf(sb, "PF '%s' has %u VFs, none in NIC '%s''s range", s->pf->name,
			      s->pf->total_vfs, s->nic->name);
		return;
	}
	if (nic_full(pl, s))
		strbuf_printf(sb, "NIC '%s' is at its max_vfs (%u);", s->nic->name,
			      s->nic->max_vfs);
	strbuf_printf(sb, " VFs %u-%u of %s:", first, last, s->pf->name);
	for (unsigned v = first; v <= last; v++) {
		const struct agent_inv_vf *iv = agent_inv_pf_vf(s->pf, v);
		const char *o = pl->vf_owner[pf_index(pl, s->pf)][v];

		strbuf_printf(sb, " #%u %s%s", v,
			      o                  ? o
			      : iv && iv->in_use ? FOREIGN
						 : "free",
			      v < last ? "," : "");
	}
}

static bool
find_vf(struct planner *pl, struct ws *s)
{
	struct strbuf why = {0};
	unsigned first, last;

	if (s->pf && !nic_full(pl, s)) {
		vf_span(s, &first, &last);
		for (unsigned v = first; v <= last && v < s->pf->total_vfs; v++) {
			if (pl->vf_owner[pf_index(pl, s->pf)][v])
				continue;
			take_vf(pl, s, v);
			return true;
		}
	}
	why_no_vf(pl, s, &why);
	tried(s, "VF: %s", strbuf_str(&why));
	strbuf_free(&why);
	return false;
}

static void
place_vfs(struct planner *pl, enum agent_path path)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		bool candidate = false;

		if (!s->cpu_ok || s->w->path != path)
			continue;
		if (!s->done)
			candidate = !(path == AGENT_PATH_AUTO && s->chain_hop);
		else if (s->place == AGENT_PLACE_SOFTWARE && path == AGENT_PATH_AUTO &&
			 !s->chain_hop)
			candidate = s->w->allow_path_move; /* a software-placed one moves back */
		if (!candidate) {
			if (s->done && s->place == AGENT_PLACE_SOFTWARE &&
			    path == AGENT_PATH_AUTO && !s->chain_hop && s->pf) {
				unsigned first, last, v;

				vf_span(s, &first, &last);
				for (v = first; v <= last && v < s->pf->total_vfs; v++) {
					if (!pl->vf_owner[pf_index(pl, s->pf)][v])
						break;
				}
				if (v <= last && v < s->pf->total_vfs && !nic_full(pl, s))
					tried(s,
					      "VF: %s#%u is free, but allow_path_move is false, "
					      "so it stays on the software path",
					      s->pf->name, v);
			}
			continue;
		}
		if (s->done) {
			unsigned old = s->slot;
			bool *used =
				s->w->type == AGENT_WORKLOAD_VM ? pl->vhost_used : pl->slot_used;

			s->done = false;
			if (find_vf(pl, s)) {
				s->move = true;
				s->kept = false;
				used[old] = false;
			} else {
				s->done = true;
			}
		} else {
			find_vf(pl, s);
		}
	}
}

static void
place_software(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		bool *used;
		size_t k;

		if (!s->cpu_ok || s->done || s->w->path == AGENT_PATH_VF)
			continue;
		if (!software_possible(pl, s)) {
			tried(s, "software path: %s",
			      !pl->inv->datapath.present ? "nfpath-dp is not present on this node"
							 : "its NIC has no 'uplink'");
			continue;
		}
		used = s->w->type == AGENT_WORKLOAD_VM ? pl->vhost_used : pl->slot_used;
		for (k = 0; k < pl->n_slots && used[k]; k++)
			;
		if (k == pl->n_slots)
			continue; /* cannot happen: one slot per workload and current entry */
		used[k] = true;
		s->place = AGENT_PLACE_SOFTWARE;
		s->slot = (unsigned)k;
		s->done = true;
	}
}

/* ---- reasons ---- */

static void
reasons(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		const struct agent_workload *w = s->w;
		char cpus[128], vf[64];
		const char *sw = w->type == AGENT_WORKLOAD_VM ? "vhost-user port" : "NF slot";

		plan_cpus_str(&s->cpus, cpus, sizeof(cpus));
		if (!s->cpu_ok) {
			strbuf_printf(&s->reason,
				      "unplaced: no CPUs for its %u %s (numa_affinity '%s', "
				      "cpu_policy '%s'); free CPUs or relax the policy",
				      s->need, w->type == AGENT_WORKLOAD_VM ? "vCPUs" : "cores",
				      agent_numa_affinity_name(w->numa_affinity),
				      agent_cpu_policy_name(w->cpu_policy));
			continue;
		}
		if (!s->done) {
			if (w->path == AGENT_PATH_VF)
				strbuf_printf(&s->reason,
					      "unplaced: path is 'vf' and NIC '%s' has no free VF; "
					      "free one, raise max_vfs or use path 'auto'",
					      s->nic->name);
			else
				strbuf_printf(&s->reason,
					      "unplaced: no VF and no software path for NIC '%s'",
					      s->nic->name);
			continue;
		}
		if (s->place == AGENT_PLACE_VF) {
			vf_name(s->pf, s->pf->name, s->vf, vf, sizeof(vf));
			strbuf_printf(&s->reason, "%s VF %s, NUMA node %d, CPUs %s",
				      s->move   ? "moves (make before break) to the freed"
				      : s->kept ? "keeps"
						: "gets",
				      vf, s->node, cpus);
		} else {
			strbuf_printf(
				&s->reason, "%s software path (%s %u), NUMA node %d, CPUs %s: %s",
				s->kept ? "stays on the" : "goes to the", sw, s->slot, s->node,
				cpus,
				w->path == AGENT_PATH_SOFTWARE ? "its path is 'software'"
				: s->chain_hop ? "it is a hop of a chain (chains run zero-copy)"
					       : "no VF is free on its NIC (fallback of 'auto')");
		}
	}
}

/* ---- actions ---- */

static void
steering_text(struct agent_action *a, bool add)
{
	char mac[VFM_MAC_STRLEN];

	if (!a)
		return;
	vfm_mac_format(a->mac, mac, sizeof(mac));
	if (a->vlan)
		act_text(a, "%s steering of %s vlan %u %s %s '%s'", add ? "add" : "remove", mac,
			 a->vlan, add ? "to" : "from", "workload", a->workload);
	else
		act_text(a, "%s steering of %s %s %s '%s'", add ? "add" : "remove", mac,
			 add ? "to" : "from", "workload", a->workload);
}

/* Actions that take down an allocation entry. */
static void
remove_entry(struct planner *pl, const struct agent_alloc_entry *e)
{
	struct agent_action *a;
	const struct agent_inv_pf *pf;
	char vf[64];

	if (e->place == AGENT_PLACE_SOFTWARE) {
		if (e->has_mac) {
			a = act(pl, AGENT_ACT_REMOVE_STEERING, e->workload);
			if (a) {
				a->has_mac = true;
				memcpy(a->mac, e->mac, VFM_MAC_LEN);
				a->vlan = e->vlan;
				a->slot = e->slot;
				steering_text(a, false);
			}
		}
		a = act(pl,
			e->type == AGENT_WORKLOAD_VM ? AGENT_ACT_REMOVE_VHOST
						     : AGENT_ACT_REMOVE_NF_SLOT,
			e->workload);
		if (a) {
			a->slot = e->slot;
			act_text(a, "remove %s %u of '%s'",
				 e->type == AGENT_WORKLOAD_VM ? "vhost-user port" : "NF slot",
				 e->slot, e->workload);
		}
		return;
	}
	pf = e->pf ? agent_inventory_pf(pl->inv, e->pf) : NULL;
	vf_name(pf, e->pf ? e->pf : "?", e->vf, vf, sizeof(vf));
	a = act(pl, AGENT_ACT_DETACH_VF, e->workload);
	if (a) {
		a->pf = plan_strdup(e->pf, &pl->oom);
		a->vf = e->vf;
		act_text(a, "detach VF %s from %s '%s'", vf,
			 e->type == AGENT_WORKLOAD_VM ? "VM" : "NF", e->workload);
	}
	/* Restore it unless someone outside nfpath has it now. */
	if (pf && e->vf < pf->total_vfs &&
	    !(agent_inv_pf_vf(pf, e->vf) && agent_inv_pf_vf(pf, e->vf)->in_use)) {
		a = act(pl, AGENT_ACT_RELEASE_VF, NULL);
		if (a) {
			a->pf = plan_strdup(e->pf, &pl->oom);
			a->vf = e->vf;
			act_text(a, "release VF %s (restore its original state)", vf);
		}
	}
}

static bool
same_l2(const struct ws *s, const struct agent_alloc_entry *e)
{
	return e->has_mac == s->w->has_mac &&
	       (!e->has_mac || memcmp(e->mac, s->w->mac, VFM_MAC_LEN) == 0) &&
	       e->vlan == s->w->vlan;
}

static void
add_workload(struct planner *pl, struct ws *s)
{
	const struct agent_workload *w = s->w;
	const struct agent_alloc_entry *c = s->kept ? s->cur : NULL;
	/* Pins belong to the domain or process, not to its path: only a change re-pins. */
	bool cpus_same = s->cur && vfm_cpuset_equal(&s->cur->cpus, &s->cpus);
	bool emu_same = s->cur && vfm_cpuset_equal(&s->cur->emulator_cpus, &s->emu);
	struct agent_action *a;
	char vf[64], cpus[128];

	plan_cpus_str(&s->cpus, cpus, sizeof(cpus));
	if (s->place == AGENT_PLACE_VF) {
		bool exists = agent_inv_pf_vf(s->pf, s->vf) != NULL;

		vf_name(s->pf, s->pf->name, s->vf, vf, sizeof(vf));
		if (!c || !exists || !same_l2(s, c)) {
			a = act(pl, AGENT_ACT_CONFIGURE_VF, w->name);
			if (a) {
				a->pf = plan_strdup(s->pf->name, &pl->oom);
				a->vf = s->vf;
				a->has_mac = w->has_mac;
				memcpy(a->mac, w->mac, VFM_MAC_LEN);
				a->vlan = w->vlan;
				act_text(a, "configure VF %s for '%s' (MAC, VLAN, rates, trust)",
					 vf, w->name);
			}
		}
		if (!c || !exists) {
			a = act(pl, AGENT_ACT_ATTACH_VF, w->name);
			if (a) {
				a->pf = plan_strdup(s->pf->name, &pl->oom);
				a->vf = s->vf;
				act_text(a, "attach VF %s to %s '%s'", vf, kind(w), w->name);
			}
		}
	} else {
		if (!c) {
			a = act(pl,
				w->type == AGENT_WORKLOAD_VM ? AGENT_ACT_ADD_VHOST
							     : AGENT_ACT_ADD_NF_SLOT,
				w->name);
			if (a) {
				a->slot = s->slot;
				act_text(a, "add %s %u for %s '%s' on nfpath-dp",
					 w->type == AGENT_WORKLOAD_VM ? "vhost-user port"
								      : "NF slot",
					 s->slot, kind(w), w->name);
			}
		}
		if (c && !same_l2(s, c) && c->has_mac) {
			a = act(pl, AGENT_ACT_REMOVE_STEERING, w->name);
			if (a) {
				a->has_mac = true;
				memcpy(a->mac, c->mac, VFM_MAC_LEN);
				a->vlan = c->vlan;
				a->slot = c->slot;
				steering_text(a, false);
			}
		}
		if (w->has_mac && (!c || !same_l2(s, c))) {
			a = act(pl, AGENT_ACT_ADD_STEERING, w->name);
			if (a) {
				a->has_mac = true;
				memcpy(a->mac, w->mac, VFM_MAC_LEN);
				a->vlan = w->vlan;
				a->slot = s->slot;
				steering_text(a, true);
			}
		}
	}
	if (!plan_cpus_empty(&s->cpus) && !cpus_same) {
		a = act(pl, w->type == AGENT_WORKLOAD_VM ? AGENT_ACT_PIN_VCPUS : AGENT_ACT_PIN_NF,
			w->name);
		if (a) {
			a->cpus = s->cpus;
			act_text(a, "pin %s of '%s' to CPUs %s (%s, NUMA node %d)",
				 w->type == AGENT_WORKLOAD_VM ? "vCPUs" : "the NF's cores", w->name,
				 cpus, agent_cpu_policy_name(w->cpu_policy), s->node);
		}
	}
	if (w->type == AGENT_WORKLOAD_VM && !plan_cpus_empty(&s->emu) && !emu_same) {
		a = act(pl, AGENT_ACT_PIN_EMULATOR, w->name);
		if (a) {
			a->cpus = s->emu;
			plan_cpus_str(&s->emu, cpus, sizeof(cpus));
			act_text(a, "pin the emulator threads of '%s' to CPUs %s", w->name, cpus);
		}
	}
	if (s->move) {
		/* The new path is up: now take the old one down. */
		remove_entry(pl, s->cur);
	}
}

static void
irq_pins(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		struct agent_action *a;
		char vf[64], cpus[128];

		if (!s->done || s->place != AGENT_PLACE_VF || plan_cpus_empty(&s->cpus))
			continue;
		if (s->kept && agent_inv_pf_vf(s->pf, s->vf) &&
		    vfm_cpuset_equal(&s->cur->cpus, &s->cpus))
			continue;
		a = act(pl, AGENT_ACT_PIN_VF_IRQS, s->w->name);
		if (!a)
			return;
		a->pf = plan_strdup(s->pf->name, &pl->oom);
		a->vf = s->vf;
		a->cpus = s->cpus;
		vf_name(s->pf, s->pf->name, s->vf, vf, sizeof(vf));
		plan_cpus_str(&s->cpus, cpus, sizeof(cpus));
		act_text(a, "pin the IRQs of VF %s to CPUs %s (where '%s' runs)", vf, cpus,
			 s->w->name);
	}
}

static char *
chain_spec(const struct agent_chain *c, bool *oom)
{
	struct strbuf sb = {0};
	char mac[VFM_MAC_STRLEN];
	char *r;

	vfm_mac_format(c->match_mac, mac, sizeof(mac));
	strbuf_printf(&sb, "%s/%u:", mac, c->match_vlan);
	for (size_t h = 0; h < c->n_hops; h++)
		strbuf_printf(&sb, "%s%s", h ? "," : "", c->hop_names[h]);
	strbuf_printf(&sb, ">%s/%s", c->egress_name, agent_hop_down_name(c->on_hop_down));
	if (sb.oom)
		*oom = true;
	r = sb.oom ? NULL : plan_strdup(strbuf_str(&sb), oom);
	strbuf_free(&sb);
	return r;
}

static const struct agent_alloc_chain *
cur_chain(const struct agent_alloc *cur, const char *name)
{
	for (size_t i = 0; cur && i < cur->n_chains; i++) {
		if (strcmp(cur->chains[i].name, name) == 0)
			return &cur->chains[i];
	}
	return NULL;
}

static void
build_actions(struct planner *pl)
{
	const struct agent_policy *p = pl->p;
	const struct agent_alloc *cur = pl->cur;
	struct agent_action *a;
	char cpus[128];

	/* 1. Chains that are no longer in the policy. */
	for (size_t i = 0; cur && i < cur->n_chains; i++) {
		bool found = false;

		for (size_t c = 0; c < p->n_chains; c++)
			found |= strcmp(p->chains[c].name, cur->chains[i].name) == 0;
		if (!found) {
			a = act(pl, AGENT_ACT_REMOVE_CHAIN, NULL);
			if (a) {
				a->chain = plan_strdup(cur->chains[i].name, &pl->oom);
				act_text(a, "remove chain '%s'", cur->chains[i].name);
			}
		}
	}
	/* 2. Stale allocations, and ones that must go before their replacement (a VF no longer
	 *    valid, a path the policy no longer allows): break before make is unavoidable here. */
	for (size_t i = 0; cur && i < cur->n; i++) {
		const struct agent_alloc_entry *e = &cur->entries[i];
		const struct agent_workload *w = agent_policy_workload(p, e->workload);
		struct ws *s = w ? &pl->ws[w - p->workloads] : NULL;

		if (s && s->cur == e && (s->kept || s->move))
			continue;
		if (s && s->cur == e)
			s->remove_cur = true;
		remove_entry(pl, e);
	}
	/* 3. VFs that must exist. */
	for (size_t f = 0; f < pl->inv->n_pfs; f++) {
		const struct agent_inv_pf *pf = &pl->inv->pfs[f];
		unsigned need = 0;
		bool missing = false;

		for (unsigned v = 0; v < AGENT_INV_VFS_MAX && v < pf->total_vfs; v++) {
			const char *o = pl->vf_owner[f][v];

			if (o && o != FOREIGN) {
				need = v + 1;
				missing |= agent_inv_pf_vf(pf, v) == NULL;
			}
		}
		if (pf->n_vfs && pf->vfs[pf->n_vfs - 1].index + 1 > need)
			need = pf->vfs[pf->n_vfs - 1].index + 1;
		/* Changing sriov_numvfs destroys every VF on most drivers: when VFs must be
		 * created, create all that this PF's NICs may use, once. */
		for (size_t n = 0; missing && n < p->n_nics; n++) {
			const struct agent_nic *nic = &p->nics[n];
			unsigned cap = nic->has_vf_range  ? nic->vf_last + 1
				       : nic->has_max_vfs ? nic->max_vfs
							  : 0;

			if (agent_inventory_pf(pl->inv, nic->pf) != pf)
				continue;
			if (cap > pf->total_vfs)
				cap = pf->total_vfs;
			if (cap > need)
				need = cap;
		}
		if (missing) {
			a = act(pl, AGENT_ACT_CREATE_VFS, NULL);
			if (a) {
				a->pf = plan_strdup(pf->name, &pl->oom);
				a->vf = need;
				act_text(a, "create VFs on %s: %u (sriov_numvfs)", pf->name, need);
			}
		}
	}
	/* 4. Each workload: its path, then its pins; a move removes its old path last. */
	for (size_t i = 0; i < p->n_workloads; i++) {
		if (pl->ws[i].done)
			add_workload(pl, &pl->ws[i]);
	}
	/* 5. The datapath's lcores. */
	if (!plan_cpus_empty(&pl->dp) && !(cur && vfm_cpuset_equal(&cur->datapath_cpus, &pl->dp))) {
		a = act(pl, AGENT_ACT_PIN_DATAPATH, NULL);
		if (a) {
			a->cpus = pl->dp;
			plan_cpus_str(&pl->dp, cpus, sizeof(cpus));
			act_text(a, "pin nfpath-dp's lcores to CPUs %s", cpus);
		}
	}
	/* 6. Chains, once their NF slots exist. */
	for (size_t c = 0; c < p->n_chains; c++) {
		const struct agent_alloc_chain *cc = cur_chain(cur, p->chains[c].name);
		char *spec = chain_spec(&p->chains[c], &pl->oom);

		if (spec && !(cc && strcmp(cc->spec, spec) == 0)) {
			a = act(pl, AGENT_ACT_SET_CHAIN, NULL);
			if (a) {
				a->chain = plan_strdup(p->chains[c].name, &pl->oom);
				act_text(a, "set chain '%s' (%s)", p->chains[c].name, spec);
			}
		}
		free(spec);
	}
	/* 7. IRQs of each VF to the CPUs that consume them. */
	irq_pins(pl);
}

/* ---- result ---- */

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct agent_alloc_entry *)a)->workload,
		      ((const struct agent_alloc_entry *)b)->workload);
}

static int
chain_cmp(const void *a, const void *b)
{
	return strcmp(((const struct agent_alloc_chain *)a)->name,
		      ((const struct agent_alloc_chain *)b)->name);
}

static void
build_result(struct planner *pl)
{
	const struct agent_policy *p = pl->p;
	struct agent_plan *plan = pl->plan;
	struct agent_alloc *r = calloc(1, sizeof(*r));

	plan->result = r;
	plan->decisions = calloc(p->n_workloads ? p->n_workloads : 1, sizeof(*plan->decisions));
	if (!r || !plan->decisions) {
		pl->oom = true;
		return;
	}
	r->entries = calloc(p->n_workloads ? p->n_workloads : 1, sizeof(*r->entries));
	r->chains = calloc(p->n_chains ? p->n_chains : 1, sizeof(*r->chains));
	if (!r->entries || !r->chains) {
		pl->oom = true;
		return;
	}
	r->datapath_cpus = pl->dp;
	for (size_t c = 0; c < p->n_chains; c++) {
		r->chains[r->n_chains].name = plan_strdup(p->chains[c].name, &pl->oom);
		r->chains[r->n_chains].spec = chain_spec(&p->chains[c], &pl->oom);
		r->n_chains++;
	}
	qsort(r->chains, r->n_chains, sizeof(*r->chains), chain_cmp);
	for (size_t i = 0; i < p->n_workloads; i++) {
		struct ws *s = &pl->ws[i];
		struct agent_decision *d = &plan->decisions[plan->n_decisions++];
		bool placed = s->cpu_ok && s->done;

		d->workload = plan_strdup(s->w->name, &pl->oom);
		d->type = s->w->type;
		d->place = placed ? s->place : AGENT_PLACE_NONE;
		d->pf = placed && s->place == AGENT_PLACE_VF ? plan_strdup(s->pf->name, &pl->oom)
							     : NULL;
		d->vf = s->vf;
		d->slot = s->slot;
		d->numa_node = placed ? s->node : -1;
		if (placed)
			d->cpus = s->cpus;
		d->kept = placed && s->kept;
		d->moved = placed && (s->move || (s->cur && s->remove_cur));
		d->reason = s->reason.oom ? NULL : plan_strdup(strbuf_str(&s->reason), &pl->oom);
		d->tried = s->tried;
		d->n_tried = s->n_tried;
		s->tried = NULL;
		s->n_tried = 0;
		if (!placed) {
			plan->n_unplaced++;
			continue;
		}
		if (s->place == AGENT_PLACE_VF)
			plan->n_vf++;
		else
			plan->n_software++;
		struct agent_alloc_entry *e = &r->entries[r->n++];

		e->workload = plan_strdup(s->w->name, &pl->oom);
		e->type = s->w->type;
		e->place = s->place;
		e->pf = s->place == AGENT_PLACE_VF ? plan_strdup(s->pf->name, &pl->oom) : NULL;
		e->vf = s->place == AGENT_PLACE_VF ? s->vf : 0;
		e->slot = s->place == AGENT_PLACE_SOFTWARE ? s->slot : 0;
		e->has_mac = s->w->has_mac;
		memcpy(e->mac, s->w->mac, VFM_MAC_LEN);
		e->vlan = s->w->vlan;
		e->numa_node = s->node;
		e->dedicated = s->w->cpu_policy == AGENT_CPU_DEDICATED;
		e->cpus = s->cpus;
		e->emulator_cpus = s->emu;
	}
	qsort(r->entries, r->n, sizeof(*r->entries), entry_cmp);
}

int
agent_plan(const struct agent_policy *policy, const struct agent_inventory *inv,
	   const struct agent_alloc *current, struct agent_plan **ret_plan)
{
	struct planner pl = {.p = policy, .inv = inv, .cur = current};
	int ret = 0;

	if (!policy || !inv || !ret_plan)
		return -EINVAL;
	pl.plan = calloc(1, sizeof(*pl.plan));
	pl.ws = calloc(policy->n_workloads + 1, sizeof(*pl.ws));
	pl.vf_owner = calloc(inv->n_pfs + 1, sizeof(*pl.vf_owner));
	pl.nic_vfs = calloc(policy->n_nics + 1, sizeof(*pl.nic_vfs));
	pl.n_slots = policy->n_workloads + (current ? current->n : 0) + 1;
	pl.vhost_used = calloc(pl.n_slots, sizeof(bool));
	pl.slot_used = calloc(pl.n_slots, sizeof(bool));
	if (!pl.plan || !pl.ws || !pl.vf_owner || !pl.nic_vfs || !pl.vhost_used || !pl.slot_used) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < inv->n_numa; i++)
		plan_cpus_or(&pl.universe, &pl.universe, &inv->numa[i].cpus);
	plan_cpus_andnot(&pl.universe, &pl.universe, &inv->reserved);
	for (size_t f = 0; f < inv->n_pfs; f++) {
		for (size_t v = 0; v < inv->pfs[f].n_vfs; v++) {
			if (inv->pfs[f].vfs[v].in_use)
				pl.vf_owner[f][inv->pfs[f].vfs[v].index] = FOREIGN;
		}
	}
	init_ws(&pl);
	plan_datapath(&pl);
	keep_dedicated(&pl);
	alloc_dedicated(&pl);
	alloc_shared(&pl);
	emulator_cpus(&pl);
	keep_placements(&pl);
	place_vfs(&pl, AGENT_PATH_VF);
	place_vfs(&pl, AGENT_PATH_AUTO);
	place_software(&pl);
	reasons(&pl);
	build_actions(&pl);
	build_result(&pl);
	if (pl.oom)
		ret = -ENOMEM;
out:
	for (size_t i = 0; pl.ws && i < policy->n_workloads; i++) {
		strbuf_free(&pl.ws[i].reason);
		for (size_t t = 0; t < pl.ws[i].n_tried; t++)
			free(pl.ws[i].tried[t]);
		free(pl.ws[i].tried);
	}
	free(pl.ws);
	free(pl.vf_owner);
	free(pl.nic_vfs);
	free(pl.vhost_used);
	free(pl.slot_used);
	if (ret < 0) {
		agent_plan_free(pl.plan);
		return ret;
	}
	*ret_plan = pl.plan;
	return 0;
}
