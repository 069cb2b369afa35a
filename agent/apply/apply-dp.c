// SPDX-License-Identifier: BSD-3-Clause
/*
 * The datapath's part of apply (apply.h, apply-dp.h): NF slots, vhost-user ports, chains and
 * steering flows on nfpath-dp, through its control socket. The datapath keeps no durable state, so
 * every run lists what it has (nf_list, port_list, flow_list, chain_list) and sends what is missing
 * or different: after a datapath restart that is a full replay.
 *
 * Names and numbers: an NF workload's slot is named as the workload (and is its own service); a
 * VM's vhost-user port is net_vhost_WORKLOAD; chain numbers are allocated by nfpathd and kept in
 * the journal's "ids" ("chain:NAME" for the policy's chains, "vm:NAME" for the one-hop chain
 * that steers a software-placed VM's MAC to its port, "nf:NAME" for an NF's own MAC).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply-dp.h"

#define CHAIN_ID_MAX 1023 /* the control protocol's chain numbers are 0-1023; 0 is not used */

static const char *
str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static json_t *
list(struct apply_run *r, const char *op, const char *member)
{
	json_t *res = NULL, *v;

	if (agent_dp_client_request(r->node->dp, op, NULL, &res) < 0)
		return NULL;
	v = json_incref(json_object_get(res, member));
	json_decref(res);
	return json_is_array(v) ? v : (json_decref(v), NULL);
}

void
apply_dp_begin(struct apply_run *r)
{
	r->dp_ok = false;
	if (!r->node->dp) {
		snprintf(r->dp_error, sizeof(r->dp_error),
			 "the datapath is off (no datapath_socket in the settings)");
		return;
	}
	r->dp_ports = list(r, "port_list", "ports");
	if (!r->dp_ports) {
		snprintf(r->dp_error, sizeof(r->dp_error), "%s", r->node->dp->err);
		return;
	}
	r->dp_flows = list(r, "flow_list", "flows");
	r->dp_chains = list(r, "chain_list", "chains");
	r->dp_nfs = list(r, "nf_list", "nfs");
	if (!r->dp_nfs) /* nfpath-dp without an NF table: no NF slots */
		r->dp_nfs = json_array();
	if (!r->dp_flows || !r->dp_chains) {
		snprintf(r->dp_error, sizeof(r->dp_error), "%s", r->node->dp->err);
		return;
	}
	r->dp_ok = true;
}

void
apply_dp_end(struct apply_run *r)
{
	json_decref(r->dp_nfs);
	json_decref(r->dp_ports);
	json_decref(r->dp_flows);
	json_decref(r->dp_chains);
	r->dp_nfs = r->dp_ports = r->dp_flows = r->dp_chains = NULL;
}

static json_t *
find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));

		if (s && strcmp(s, value) == 0)
			return v;
	}
	return NULL;
}

static json_t *
find_flow(struct apply_run *r, const char *mac, unsigned int vlan)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->dp_flows, i, v)
	{
		const char *m = json_string_value(json_object_get(v, "mac"));

		if (m && strcasecmp(m, mac) == 0 &&
		    json_integer_value(json_object_get(v, "vlan")) == (json_int_t)vlan)
			return v;
	}
	return NULL;
}

static json_t *
find_chain(struct apply_run *r, unsigned int id)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->dp_chains, i, v)
	{
		if (json_integer_value(json_object_get(v, "chain")) == (json_int_t)id)
			return v;
	}
	return NULL;
}

/* Forget a listed object (after it was deleted) so later steps see the datapath as it is. */
static void
unlist(json_t *arr, json_t *item)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (v == item) {
			json_array_remove(arr, i);
			return;
		}
	}
}

/* ---- chain numbers --------------------------------------------------------------------------- */

static unsigned int
id_get(struct apply_run *r, const char *key, bool create)
{
	json_t *ids = r->node->journal->ids;
	json_t *v = json_object_get(ids, key);
	bool used[CHAIN_ID_MAX + 1] = {false};
	const char *k;
	size_t i;

	if (v)
		return (unsigned int)json_integer_value(v);
	if (!create)
		return 0;
	json_object_foreach(ids, k, v)
	{
		if (json_integer_value(v) <= CHAIN_ID_MAX)
			used[json_integer_value(v)] = true;
	}
	/* Chains someone else set (by hand, another tool) are not taken over. */
	json_array_foreach(r->dp_chains, i, v)
	{
		json_int_t c = json_integer_value(json_object_get(v, "chain"));

		if (c >= 0 && c <= CHAIN_ID_MAX)
			used[c] = true;
	}
	for (unsigned int c = 1; c <= CHAIN_ID_MAX; c++) {
		if (!used[c]) {
			json_object_set_new(ids, key, json_integer(c));
			/* Durable before the datapath has it: a crash then leaves no chain the
			 * journal does not know. */
			if (apply_journal_save(r) < 0) {
				json_object_del(ids, key);
				return 0;
			}
			return c;
		}
	}
	apply_problem(r, "no free chain number for '%s' (all %d in use)", key, CHAIN_ID_MAX);
	return 0;
}

static void
id_drop(struct apply_run *r, const char *key)
{
	json_object_del(r->node->journal->ids, key);
}

/* The datapath port of a NIC's uplink: its devargs up to the first comma ("net_tap0"). */
static void
nic_port(const struct agent_nic *nic, char *buf, size_t len)
{
	size_t n = nic->uplink ? strcspn(nic->uplink, ",") : 0;

	if (n >= len)
		n = len - 1;
	memcpy(buf, nic->uplink ? nic->uplink : "", n);
	buf[n] = '\0';
}

/* ---- chains and flows ------------------------------------------------------------------------ */

static bool
hops_equal(json_t *want, json_t *have)
{
	size_t i;
	json_t *h;

	if (!json_is_array(have) || json_array_size(want) != json_array_size(have))
		return false;
	json_array_foreach(want, i, h)
	{
		json_t *o = json_array_get(have, i);
		const char *k = json_object_get(h, "nf") ? "nf" : "port";
		const char *a = json_string_value(json_object_get(h, k));
		const char *b = json_string_value(json_object_get(o, k));

		if (!a || !b || strcmp(a, b) != 0)
			return false;
	}
	return true;
}

static int
ensure_chain(struct apply_run *r, const char *what, unsigned int id, json_t *hops,
	     const char *on_hop_down, bool force)
{
	json_t *have = find_chain(r, id);
	int ret;

	r->res->checked++;
	if (have && !force && hops_equal(hops, json_object_get(have, "hops")))
		return 0;
	ret = agent_dp_chain_set(r->node->dp, id, hops, on_hop_down, NULL);
	if (ret < 0) {
		apply_problem(r, "%s: chain_set %u: %s", what, id, r->node->dp->err);
		return ret;
	}
	apply_changed(r, "datapath: chain %u set for %s", id, what);
	return 0;
}

/* Steer mac/vlan (arriving on 'port', NULL = the default uplink) into chain 'id'. Returns the
 * steering object ({"mac","vlan","chain","path","reason"|"queue"}), or NULL on failure. */
static json_t *
ensure_flow(struct apply_run *r, const char *what, const uint8_t mac[VFM_MAC_LEN],
	    unsigned int vlan, unsigned int id, const char *port)
{
	char m[VFM_MAC_STRLEN];
	json_t *have, *res = NULL, *o;
	int ret;

	apply_mac_str(mac, m);
	have = find_flow(r, m, vlan);
	r->res->checked++;
	if (have && json_integer_value(json_object_get(have, "chain")) == (json_int_t)id &&
	    (!port || !port[0] ||
	     strcmp(str_or(json_string_value(json_object_get(have, "port")), ""), port) == 0)) {
		res = json_incref(have);
	} else {
		ret = agent_dp_flow_add(r->node->dp, m, vlan, id, port && port[0] ? port : NULL,
					&res);
		if (ret < 0) {
			apply_problem(r, "%s: flow_add %s vlan %u -> chain %u: %s", what, m, vlan,
				      id, r->node->dp->err);
			return NULL;
		}
		apply_changed(r, "datapath: %s vlan %u steered to chain %u (%s) for %s", m, vlan,
			      id, str_or(json_string_value(json_object_get(res, "path")), "?"),
			      what);
	}
	o = json_pack("{s:s,s:I,s:I,s:O*,s:O*,s:O*,s:O*}", "mac", m, "vlan", (json_int_t)vlan,
		      "chain", (json_int_t)id, "port", json_object_get(res, "port"), "path",
		      json_object_get(res, "path"), "reason", json_object_get(res, "reason"),
		      "queue", json_object_get(res, "queue"));
	json_decref(res);
	return o;
}

/* Delete mac/vlan's flow when it points to chain 'id' (someone else's flow stays). */
static void
remove_flow(struct apply_run *r, const uint8_t mac[VFM_MAC_LEN], unsigned int vlan, unsigned int id)
{
	char m[VFM_MAC_STRLEN];
	json_t *have;

	apply_mac_str(mac, m);
	have = find_flow(r, m, vlan);
	r->res->checked++;
	if (!have || json_integer_value(json_object_get(have, "chain")) != (json_int_t)id)
		return;
	if (agent_dp_flow_del(r->node->dp, m, vlan) < 0 &&
	    strcmp(r->node->dp->err_type, "not_found")) {
		apply_problem(r, "flow_del %s vlan %u: %s", m, vlan, r->node->dp->err);
		return;
	}
	unlist(r->dp_flows, have);
	apply_changed(r, "datapath: steering of %s vlan %u removed", m, vlan);
}

static void
remove_chain(struct apply_run *r, unsigned int id)
{
	json_t *have = find_chain(r, id);

	r->res->checked++;
	if (!have)
		return;
	if (agent_dp_chain_del(r->node->dp, id) < 0 && strcmp(r->node->dp->err_type, "not_found")) {
		apply_problem(r, "chain_del %u: %s", id, r->node->dp->err);
		return;
	}
	unlist(r->dp_chains, have);
	apply_changed(r, "datapath: chain %u removed", id);
}

/* ---- software placements --------------------------------------------------------------------- */

/* Does the datapath's VM port carry the workload the plan says (port_list's workload_mac, vlan,
 * spoofchk)? A member the datapath does not report is not held against it. */
static bool
vhost_matches(json_t *have, const char *mac, unsigned int vlan, bool spoofchk)
{
	json_t *m = json_object_get(have, "workload_mac"), *v = json_object_get(have, "vlan");
	json_t *sc = json_object_get(have, "spoofchk");

	if (m && !(mac ? json_is_string(m) && strcasecmp(json_string_value(m), mac) == 0
		       : json_is_null(m)))
		return false;
	if (v && json_integer_value(v) != (json_int_t)vlan)
		return false;
	/* The datapath checks only what it knows: no MAC, no check. */
	return !sc || json_is_true(sc) == (spoofchk && mac);
}

static int
ensure_vhost(struct apply_run *r, const struct agent_alloc_entry *e, bool spoofchk, char *sock,
	     size_t socklen)
{
	const char *name = e->workload, *s;
	char port[64], m[VFM_MAC_STRLEN];
	json_t *have, *res = NULL;

	snprintf(port, sizeof(port), "net_vhost_%s", name);
	if (e->has_mac)
		apply_mac_str(e->mac, m);
	have = find_by(r->dp_ports, "name", port);
	r->res->checked++;
	if (have && !vhost_matches(have, e->has_mac ? m : NULL, e->vlan, spoofchk)) {
		/* The port's MAC, VLAN or spoof check is fixed when it is added: recreate it
		 * (the guest reconnects to the same socket). The datapath refuses to delete a
		 * port a chain sends to: the VM's own chain goes first and is set again after. */
		char key[96];
		unsigned int id;

		snprintf(key, sizeof(key), "vm:%s", name);
		id = id_get(r, key, false);
		if (id)
			remove_chain(r, id);
		if (agent_dp_vhost_del(r->node->dp, name) < 0 &&
		    strcmp(r->node->dp->err_type, "not_found")) {
			apply_problem(r, "'%s': vhost_del (to change its MAC/VLAN/spoofchk): %s",
				      name, r->node->dp->err);
			return -EIO;
		}
		apply_changed(
			r,
			"datapath: vhost-user port %s removed: its workload_mac %s vlan %lld "
			"spoofchk %s differ from the plan",
			port,
			str_or(json_string_value(json_object_get(have, "workload_mac")), "none"),
			(long long)json_integer_value(json_object_get(have, "vlan")),
			json_is_true(json_object_get(have, "spoofchk")) ? "on" : "off");
		unlist(r->dp_ports, have);
		have = NULL;
	}
	if (!have) {
		if (agent_dp_vhost_add(r->node->dp, name, e->has_mac ? m : NULL, e->vlan, spoofchk,
				       &res) < 0) {
			apply_problem(r, "'%s': vhost_add: %s", name, r->node->dp->err);
			return -EIO;
		}
		apply_changed(r,
			      "datapath: vhost-user port %s added for VM '%s' (MAC %s, VLAN %u, "
			      "spoofchk %s)",
			      port, name, e->has_mac ? m : "none", e->vlan,
			      spoofchk ? "on" : "off");
		json_array_append(r->dp_ports, res);
		have = res;
	}
	s = json_string_value(json_object_get(have, "vhost_socket"));
	snprintf(sock, socklen, "%s", s ? s : "");
	json_object_set_new(r->pl, "vhost", json_string(port));
	json_object_set_new(r->pl, "vhost_socket", s ? json_string(s) : json_null());
	json_decref(res);
	return 0;
}

static int
ensure_nf_slot(struct apply_run *r, const struct agent_alloc_entry *e)
{
	json_t *have = find_by(r->dp_nfs, "name", e->workload), *args;
	int ret, cpu = -1;

	r->res->checked++;
	for (unsigned c = 0; c < VFM_CPUSET_MAX && cpu < 0; c++)
		if (vfm_cpuset_isset(&e->cpus, c))
			cpu = (int)c;
	if (!have) {
		args = json_pack("{s:s,s:s}", "name", e->workload, "service", e->workload);
		if (args && cpu >= 0)
			json_object_set_new(args, "cpu", json_integer(cpu));
		ret = agent_dp_client_request(r->node->dp, "nf_add", args, NULL);
		json_decref(args);
		if (ret < 0) {
			apply_problem(r, "'%s': nf_add: %s", e->workload, r->node->dp->err);
			return ret;
		}
		apply_changed(r, "datapath: NF slot '%s' added (CPU %d)", e->workload, cpu);
	} else if (cpu >= 0 && json_integer_value(json_object_get(have, "cpu")) != cpu) {
		apply_note(r,
			   "NF slot '%s' has CPU %lld, the plan says %d: it changes when the slot "
			   "is free (the NF process stopped)",
			   e->workload, (long long)json_integer_value(json_object_get(have, "cpu")),
			   cpu);
	}
	json_object_set_new(r->pl, "nf_slot", json_string(e->workload));
	json_object_set(r->pl, "nf_state", have ? json_object_get(have, "state") : json_null());
	return 0;
}

int
apply_dp_ensure_software(struct apply_run *r, const struct agent_alloc_entry *e,
			 const struct agent_workload *w, char *sock, size_t socklen)
{
	const struct agent_nic *nic = &r->p->nics[w->nic];
	char key[96], port[64], what[96];
	unsigned int id;
	json_t *hops, *steer;
	int ret;

	sock[0] = '\0';
	if (!r->dp_ok) {
		apply_problem(r, "'%s': software path not set up: %s", e->workload, r->dp_error);
		return -EAGAIN;
	}
	nic_port(nic, port, sizeof(port));
	if (e->type == AGENT_WORKLOAD_VM) {
		ret = ensure_vhost(r, e, w->spoofchk, sock, socklen);
		if (ret < 0)
			return ret;
		snprintf(key, sizeof(key), "vm:%s", e->workload);
		hops = json_pack("[{s:s+}]", "port", "net_vhost_", e->workload);
	} else {
		ret = ensure_nf_slot(r, e);
		if (ret < 0 || !e->has_mac)
			return ret;
		if (!port[0]) {
			apply_problem(r, "'%s': NIC '%s' has no uplink: its MAC cannot be steered",
				      e->workload, nic->name);
			return -EINVAL;
		}
		snprintf(key, sizeof(key), "nf:%s", e->workload);
		hops = json_pack("[{s:s},{s:s}]", "nf", e->workload, "port", port);
	}
	if (!e->has_mac) {
		json_decref(hops);
		return 0;
	}
	snprintf(what, sizeof(what), "'%s'", e->workload);
	id = hops ? id_get(r, key, true) : 0;
	if (!id || ensure_chain(r, what, id, hops, NULL, false) < 0) {
		json_decref(hops);
		return -EIO;
	}
	json_decref(hops);
	steer = ensure_flow(r, what, e->mac, e->vlan, id, port);
	if (!steer)
		return -EIO;
	json_object_set_new(r->pl, "steering", steer);
	return 0;
}

void
apply_dp_remove_software(struct apply_run *r, const struct agent_alloc_entry *e, char *sock,
			 size_t socklen)
{
	const struct agent_alloc_entry *now = agent_alloc_find(r->want, e->workload);
	char key[96], port[64];
	unsigned int id;
	json_t *have;

	sock[0] = '\0';
	if (!r->dp_ok) {
		apply_problem(r, "'%s': old software path not removed: %s", e->workload,
			      r->dp_error);
		return;
	}
	snprintf(key, sizeof(key), "%s:%s", e->type == AGENT_WORKLOAD_VM ? "vm" : "nf",
		 e->workload);
	id = id_get(r, key, false);
	if (id && e->has_mac)
		remove_flow(r, e->mac, e->vlan, id);
	/* Still software (its MAC or VLAN changed): the slot, port and chain stay. */
	if (now && now->place == AGENT_PLACE_SOFTWARE)
		return;
	if (id) {
		remove_chain(r, id);
		id_drop(r, key);
	}
	if (e->type == AGENT_WORKLOAD_VM) {
		snprintf(port, sizeof(port), "net_vhost_%s", e->workload);
		have = find_by(r->dp_ports, "name", port);
		r->res->checked++;
		if (!have)
			return;
		snprintf(sock, socklen, "%s",
			 str_or(json_string_value(json_object_get(have, "vhost_socket")), ""));
		if (agent_dp_vhost_del(r->node->dp, e->workload) < 0) {
			apply_problem(r, "'%s': vhost_del: %s", e->workload, r->node->dp->err);
			return;
		}
		unlist(r->dp_ports, have);
		apply_changed(r, "datapath: vhost-user port %s removed", port);
		return;
	}
	have = find_by(r->dp_nfs, "name", e->workload);
	r->res->checked++;
	if (!have)
		return;
	if (agent_dp_nf_del(r->node->dp, e->workload) < 0) {
		apply_problem(r, "'%s': nf_del: %s%s", e->workload, r->node->dp->err,
			      strcmp(r->node->dp->err_type, "busy") == 0
				      ? " (stop the NF process; nfpathd retries at the next resync)"
				      : "");
		return;
	}
	unlist(r->dp_nfs, have);
	apply_changed(r, "datapath: NF slot '%s' removed", e->workload);
}

/* ---- the policy's chains --------------------------------------------------------------------- */

/* A chain spec (plan.c) starts with "MAC/VLAN:". */
static bool
spec_match(const char *spec, uint8_t mac[VFM_MAC_LEN], unsigned int *vlan)
{
	char m[VFM_MAC_STRLEN];
	const char *slash = spec ? strchr(spec, '/') : NULL;

	if (!slash || (size_t)(slash - spec) >= sizeof(m))
		return false;
	memcpy(m, spec, (size_t)(slash - spec));
	m[slash - spec] = '\0';
	return vfm_mac_parse(m, mac) == 0 && sscanf(slash + 1, "%u", vlan) == 1;
}

void
apply_dp_remove_stale_chains(struct apply_run *r)
{
	for (size_t k = 0; k < r->n_olds; k++) {
		for (size_t i = 0; i < r->olds[k]->n_chains; i++) {
			const struct agent_alloc_chain *c = &r->olds[k]->chains[i];
			const struct agent_alloc_chain *now = NULL;
			uint8_t mac[VFM_MAC_LEN], nmac[VFM_MAC_LEN];
			unsigned int vlan = 0, nvlan = 0, id;
			char key[96];

			for (size_t j = 0; j < r->want->n_chains; j++)
				if (strcmp(r->want->chains[j].name, c->name) == 0)
					now = &r->want->chains[j];
			if (now && strcmp(now->spec, c->spec) == 0)
				continue;
			snprintf(key, sizeof(key), "chain:%s", c->name);
			id = id_get(r, key, false);
			if (!id)
				continue;
			if (!r->dp_ok) {
				apply_problem(r, "chain '%s' not removed: %s", c->name,
					      r->dp_error);
				continue;
			}
			/* Its steering goes when the chain goes or its match changed. */
			if (spec_match(c->spec, mac, &vlan) &&
			    !(now && spec_match(now->spec, nmac, &nvlan) &&
			      memcmp(mac, nmac, VFM_MAC_LEN) == 0 && vlan == nvlan))
				remove_flow(r, mac, vlan, id);
			if (!now) {
				remove_chain(r, id);
				id_drop(r, key);
			}
		}
	}
}

void
apply_dp_ensure_chains(struct apply_run *r)
{
	for (size_t c = 0; c < r->p->n_chains; c++) {
		const struct agent_chain *ch = &r->p->chains[c];
		json_t *hops = json_array(), *steer = NULL;
		char key[96], port[64], what[96];
		bool force = false;
		unsigned int id = 0;

		snprintf(what, sizeof(what), "chain '%s'", ch->name);
		for (size_t h = 0; h < ch->n_hops; h++)
			json_array_append_new(hops, json_pack("{s:s}", "nf", ch->hop_names[h]));
		if (ch->egress == AGENT_EGRESS_NIC) {
			nic_port(&r->p->nics[ch->egress_nic], port, sizeof(port));
			json_array_append_new(hops, json_pack("{s:s}", "port", port));
		}
		for (size_t i = 0; i < r->plan->n_actions; i++)
			force |= r->plan->actions[i].type == AGENT_ACT_SET_CHAIN &&
				 strcmp(r->plan->actions[i].chain, ch->name) == 0;
		if (!r->dp_ok) {
			apply_problem(r, "%s not set: %s", what, r->dp_error);
		} else if (ch->egress != AGENT_EGRESS_NIC || !port[0]) {
			apply_problem(r,
				      "%s: nfpath-dp chains end in a port; egress '%s' has none "
				      "(give the chain a NIC with an uplink as egress)",
				      what, ch->egress_name);
		} else {
			snprintf(key, sizeof(key), "chain:%s", ch->name);
			id = id_get(r, key, true);
			if (id && ensure_chain(r, what, id, hops,
					       agent_hop_down_name(ch->on_hop_down), force) == 0)
				steer = ensure_flow(r, what, ch->match_mac, ch->match_vlan, id,
						    NULL);
		}
		json_array_append_new(r->res->chains,
				      json_pack("{s:s,s:o,s:o,s:s,s:o}", "name", ch->name, "id",
						id ? json_integer(id) : json_null(), "hops", hops,
						"on_hop_down", agent_hop_down_name(ch->on_hop_down),
						"steering", steer ? steer : json_null()));
	}
}
