// SPDX-License-Identifier: BSD-3-Clause
/*
 * agent_plan(): placement of every workload (VF or software path, NUMA node, CPUs) and the
 * ordered actions that get the node from 'current' there. Pure: same inputs, same plan.
 *
 * Steps: (1) keep what is allocated and still valid (stability); (2) dedicated CPUs, whole cores,
 * by NUMA affinity; (3) shared CPUs, the pool nobody holds exclusively; (4) VFs: 'vf' workloads
 * first, then 'auto' ones and software-placed workloads allowed to move back; (5) software path
 * for the rest of 'auto' (VM: vhost-user port, NF: NF slot); (6) actions: removals of what is
 * stale, VF creation, per workload (make before break for moves), datapath pin, chains, IRQs:
 * plan-actions.c, which also builds the result. The working state is in plan-state.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-actions.h"
#include "plan-internal.h"
#include "plan-state.h"

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
			      : iv && iv->in_use ? plan_foreign
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
			plan_vf_name(s->pf, s->pf->name, s->vf, vf, sizeof(vf));
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
				pl.vf_owner[f][inv->pfs[f].vfs[v].index] = plan_foreign;
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
	plan_build_actions(&pl);
	plan_build_result(&pl);
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
