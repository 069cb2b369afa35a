// SPDX-License-Identifier: BSD-3-Clause
/*
 * A plan for people and programs: text (one action a line, then a summary), JSON (actions,
 * decisions and the resulting allocations, which 'nfpathctl plan --current' reads back), and one
 * decision for 'nfpathctl explain'. Also the plan's destructor and lookups.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"

static const char *const action_names[] = {
	[AGENT_ACT_REMOVE_CHAIN] = "remove-chain",
	[AGENT_ACT_REMOVE_STEERING] = "remove-steering",
	[AGENT_ACT_DETACH_VF] = "detach-vf",
	[AGENT_ACT_RELEASE_VF] = "release-vf",
	[AGENT_ACT_REMOVE_VHOST] = "remove-vhost-port",
	[AGENT_ACT_REMOVE_NF_SLOT] = "remove-nf-slot",
	[AGENT_ACT_CREATE_VFS] = "create-vfs",
	[AGENT_ACT_CONFIGURE_VF] = "configure-vf",
	[AGENT_ACT_ATTACH_VF] = "attach-vf",
	[AGENT_ACT_ADD_VHOST] = "add-vhost-port",
	[AGENT_ACT_ADD_NF_SLOT] = "add-nf-slot",
	[AGENT_ACT_ADD_STEERING] = "add-steering",
	[AGENT_ACT_PIN_VCPUS] = "pin-vcpus",
	[AGENT_ACT_PIN_EMULATOR] = "pin-emulator",
	[AGENT_ACT_PIN_NF] = "pin-nf",
	[AGENT_ACT_PIN_DATAPATH] = "pin-datapath",
	[AGENT_ACT_SET_CHAIN] = "set-chain",
	[AGENT_ACT_PIN_VF_IRQS] = "pin-vf-irqs",
};

const char *
agent_action_type_name(enum agent_action_type t)
{
	return (size_t)t < sizeof(action_names) / sizeof(action_names[0]) && action_names[t]
		       ? action_names[t]
		       : "?";
}

const char *
agent_place_name(enum agent_place p)
{
	switch (p) {
	case AGENT_PLACE_VF:
		return "vf";
	case AGENT_PLACE_SOFTWARE:
		return "software";
	case AGENT_PLACE_NONE:
		break;
	}
	return "unplaced";
}

void
agent_plan_free(struct agent_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_actions; i++) {
		free(plan->actions[i].workload);
		free(plan->actions[i].pf);
		free(plan->actions[i].chain);
		free(plan->actions[i].text);
	}
	for (size_t i = 0; plan->decisions && i < plan->n_decisions; i++) {
		struct agent_decision *d = &plan->decisions[i];

		free(d->workload);
		free(d->pf);
		free(d->reason);
		for (size_t t = 0; t < d->n_tried; t++)
			free(d->tried[t]);
		free(d->tried);
	}
	free(plan->actions);
	free(plan->decisions);
	agent_alloc_free(plan->result);
	free(plan);
}

const struct agent_decision *
agent_plan_decision(const struct agent_plan *plan, const char *workload)
{
	for (size_t i = 0; plan && workload && i < plan->n_decisions; i++) {
		if (plan->decisions[i].workload &&
		    strcmp(plan->decisions[i].workload, workload) == 0)
			return &plan->decisions[i];
	}
	return NULL;
}

void
agent_plan_print(const struct agent_plan *plan, FILE *out)
{
	for (size_t i = 0; i < plan->n_actions; i++)
		fprintf(out, "%3zu. %-17s %s\n", i + 1,
			agent_action_type_name(plan->actions[i].type),
			plan->actions[i].text ? plan->actions[i].text : "");
	for (size_t i = 0; i < plan->n_decisions; i++) {
		if (plan->decisions[i].place == AGENT_PLACE_NONE)
			fprintf(out, "unplaced: '%s': %s\n", plan->decisions[i].workload,
				plan->decisions[i].reason ? plan->decisions[i].reason : "");
	}
	fprintf(out,
		"plan: %zu action%s; %zu workload%s on VFs, %zu on the software path, %zu "
		"unplaced\n",
		plan->n_actions, plan->n_actions == 1 ? "" : "s", plan->n_vf,
		plan->n_vf == 1 ? "" : "s", plan->n_software, plan->n_unplaced);
}

static json_t *
cpus_json(const struct vfm_cpuset *c)
{
	char buf[4096];

	if (plan_cpus_empty(c) || vfm_cpuset_format(c, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return json_string(buf);
}

static json_t *
mac_json(const uint8_t mac[VFM_MAC_LEN])
{
	char buf[VFM_MAC_STRLEN];

	vfm_mac_format(mac, buf, sizeof(buf));
	return json_string(buf);
}

static void
set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *
action_json(const struct agent_action *a)
{
	json_t *o = json_object();

	set(o, "action", json_string(agent_action_type_name(a->type)));
	if (a->workload)
		set(o, "workload", json_string(a->workload));
	if (a->pf) {
		set(o, "pf", json_string(a->pf));
		set(o, a->type == AGENT_ACT_CREATE_VFS ? "num_vfs" : "vf", json_integer(a->vf));
	}
	switch (a->type) {
	case AGENT_ACT_ADD_VHOST:
	case AGENT_ACT_REMOVE_VHOST:
	case AGENT_ACT_ADD_NF_SLOT:
	case AGENT_ACT_REMOVE_NF_SLOT:
		set(o, "slot", json_integer(a->slot));
		break;
	default:
		break;
	}
	if (a->has_mac) {
		set(o, "mac", mac_json(a->mac));
		set(o, "vlan", json_integer(a->vlan));
	}
	if (a->chain)
		set(o, "chain", json_string(a->chain));
	if (!plan_cpus_empty(&a->cpus))
		set(o, "cpus", cpus_json(&a->cpus));
	set(o, "text", json_string(a->text ? a->text : ""));
	return o;
}

static json_t *
decision_json(const struct agent_decision *d)
{
	json_t *o = json_object(), *t = json_array();

	set(o, "workload", json_string(d->workload ? d->workload : ""));
	set(o, "type", json_string(agent_workload_type_name(d->type)));
	set(o, "place", json_string(agent_place_name(d->place)));
	if (d->place == AGENT_PLACE_VF) {
		set(o, "pf", json_string(d->pf));
		set(o, "vf", json_integer(d->vf));
	} else if (d->place == AGENT_PLACE_SOFTWARE) {
		set(o, "slot", json_integer(d->slot));
	}
	set(o, "numa_node", json_integer(d->numa_node));
	set(o, "cpus", cpus_json(&d->cpus));
	set(o, "kept", json_boolean(d->kept));
	set(o, "moved", json_boolean(d->moved));
	set(o, "reason", json_string(d->reason ? d->reason : ""));
	for (size_t i = 0; i < d->n_tried; i++)
		json_array_append_new(t, json_string(d->tried[i]));
	set(o, "tried", t);
	return o;
}

json_t *
agent_alloc_to_json(const struct agent_alloc *a)
{
	json_t *o = json_object(), *w = json_array(), *c = json_array();

	for (size_t i = 0; a && i < a->n; i++) {
		const struct agent_alloc_entry *e = &a->entries[i];
		json_t *x = json_object();

		set(x, "name", json_string(e->workload));
		set(x, "type", json_string(agent_workload_type_name(e->type)));
		set(x, "place", json_string(agent_place_name(e->place)));
		if (e->place == AGENT_PLACE_VF) {
			set(x, "pf", json_string(e->pf));
			set(x, "vf", json_integer(e->vf));
		} else {
			set(x, "slot", json_integer(e->slot));
		}
		if (e->has_mac)
			set(x, "mac", mac_json(e->mac));
		set(x, "vlan", json_integer(e->vlan));
		set(x, "numa_node", json_integer(e->numa_node));
		set(x, "dedicated", json_boolean(e->dedicated));
		set(x, "cpus", cpus_json(&e->cpus));
		set(x, "emulator_cpus", cpus_json(&e->emulator_cpus));
		json_array_append_new(w, x);
	}
	for (size_t i = 0; a && i < a->n_chains; i++)
		json_array_append_new(c, json_pack("{s:s, s:s}", "name", a->chains[i].name, "spec",
						   a->chains[i].spec));
	set(o, "workloads", w);
	set(o, "chains", c);
	set(o, "datapath_cpus", cpus_json(a ? &a->datapath_cpus : &(struct vfm_cpuset){{0}}));
	return o;
}

static int
dump(json_t *o, FILE *out)
{
	int r;

	if (!o)
		return -ENOMEM;
	r = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ? -EIO : 0;
	fputc('\n', out);
	json_decref(o);
	return r;
}

json_t *
agent_plan_to_json(const struct agent_plan *plan)
{
	json_t *o = json_object(), *acts = json_array(), *decs = json_array();

	for (size_t i = 0; i < plan->n_actions; i++)
		json_array_append_new(acts, action_json(&plan->actions[i]));
	for (size_t i = 0; i < plan->n_decisions; i++)
		json_array_append_new(decs, decision_json(&plan->decisions[i]));
	set(o, "actions", acts);
	set(o, "decisions", decs);
	set(o, "allocations", agent_alloc_to_json(plan->result));
	set(o, "summary",
	    json_pack("{s:I, s:I, s:I, s:I}", "actions", (json_int_t)plan->n_actions, "vf",
		      (json_int_t)plan->n_vf, "software", (json_int_t)plan->n_software, "unplaced",
		      (json_int_t)plan->n_unplaced));
	return o;
}

int
agent_plan_print_json(const struct agent_plan *plan, FILE *out)
{
	return dump(agent_plan_to_json(plan), out);
}

json_t *
agent_decision_to_json(const struct agent_decision *d)
{
	return decision_json(d);
}

void
agent_decision_print(const struct agent_decision *d, FILE *out)
{
	char cpus[256];

	plan_cpus_str(&d->cpus, cpus, sizeof(cpus));
	fprintf(out, "%s '%s': %s\n", agent_workload_type_name(d->type), d->workload,
		d->reason ? d->reason : "");
	fprintf(out, "  path:      %s", agent_place_name(d->place));
	if (d->place == AGENT_PLACE_VF)
		fprintf(out, " (%s#%u)", d->pf, d->vf);
	else if (d->place == AGENT_PLACE_SOFTWARE)
		fprintf(out, " (%s %u)",
			d->type == AGENT_WORKLOAD_VM ? "vhost-user port" : "NF slot", d->slot);
	fprintf(out, "\n");
	if (d->numa_node >= 0)
		fprintf(out, "  NUMA node: %d\n", d->numa_node);
	else
		fprintf(out, "  NUMA node: none\n");
	fprintf(out, "  CPUs:      %s\n", cpus);
	for (size_t i = 0; i < d->n_tried; i++)
		fprintf(out, "  tried:     %s\n", d->tried[i]);
}

int
agent_decision_print_json(const struct agent_decision *d, FILE *out)
{
	return dump(decision_json(d), out);
}
