// SPDX-License-Identifier: BSD-3-Clause
/*
 * The planner's last steps (plan-actions.h): the ordered actions that get the node from the
 * current allocation to the placements plan.c decided (removals of what is stale, VF creation,
 * per workload with make before break for moves, the datapath's pin, chains, IRQs), and the
 * plan's result: decisions and the new allocation, sorted so the same inputs give the same plan.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-actions.h"
#include "plan-internal.h"

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
	plan_vf_name(pf, e->pf ? e->pf : "?", e->vf, vf, sizeof(vf));
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

		plan_vf_name(s->pf, s->pf->name, s->vf, vf, sizeof(vf));
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
				act_text(a, "attach VF %s to %s '%s'", vf, plan_kind(w), w->name);
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
					 s->slot, plan_kind(w), w->name);
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
		plan_vf_name(s->pf, s->pf->name, s->vf, vf, sizeof(vf));
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

void
plan_build_actions(struct planner *pl)
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

			if (o && o != plan_foreign) {
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

void
plan_build_result(struct planner *pl)
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
