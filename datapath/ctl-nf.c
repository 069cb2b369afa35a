// SPDX-License-Identifier: BSD-3-Clause
/*
 * Control ops for network functions (ctl-nf.h). Runs on the control thread under
 * dp->ctl_lock. The NF table itself (nf.c) is what forwarders and NF processes read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl-nf.h"
#include "nf.h"

static const char *const state_names[] = {
	[DP_NF_FREE] = "free",
	[DP_NF_WAITING] = "waiting",
	[DP_NF_ATTACHED] = "attached",
	[DP_NF_DEAD] = "dead",
};

static json_t *
slot_json(const struct dp_nf_table *t, const struct dp_nf_slot *s)
{
	const struct dp_nf_stats *st = &s->stats;
	uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	uint32_t nedges = __atomic_load_n(&s->nedges, __ATOMIC_ACQUIRE);
	json_t *edges = json_array();

	/* The NFs that feed this one through rings of their own (chain edges), and their fill. */
	for (uint32_t i = 0; i < nedges && i < DP_MAX_EDGES; i++) {
		const struct dp_nf_slot *from = &t->shm->slots[(s->edge_from[i] - 1u) % DP_MAX_NFS];
		const char *name = from->state != DP_NF_FREE ? from->name : "";

		if (json_array_append_new(edges, json_pack("{s:s, s:i}", "from", name, "queued",
							   (int)rte_ring_count(s->edge[i]))) < 0) {
			json_decref(edges);
			return NULL;
		}
	}
	/* "o" takes 'edges', also when the pack fails (NULL then). */
	return json_pack(
		"{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I}, s:o}",
		"name", s->name, "service", t->shm->services[s->service].name, "slot", (int)s->id,
		"state", state <= DP_NF_DEAD ? state_names[state] : "?", "pid",
		(int)__atomic_load_n(&s->pid, __ATOMIC_RELAXED), "cpu", (int)s->cpu, "ring_size",
		1 << s->ring_size_log2, "stats", "rx", (json_int_t)st->rx, "tx", (json_int_t)st->tx,
		"out", (json_int_t)st->out, "drop_action", (json_int_t)st->drop_action, "drop_full",
		(json_int_t)st->drop_full, "drop_down", (json_int_t)st->drop_down, "drop_bad",
		(json_int_t)st->drop_bad, "wakeups", (json_int_t)st->wakeups, "edges", edges);
}

json_t *
dp_ctl_nf_add(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	const char *svc = req->service[0] ? req->service : req->name;
	int socket = dp->ports[0].socket;
	uint16_t id;
	int r;

	r = dp_nf_slot_add(dp->nf, req->name, svc, req->ring_size, socket, req->cpu, &id);
	if (r == 0) {
		return slot_json(dp->nf, &dp->nf->shm->slots[id]);
	}
	err->type = r == -EEXIST   ? DP_CTL_E_BUSY
		    : r == -ENOSPC ? DP_CTL_E_NO_SPACE
				   : DP_CTL_E_INTERNAL;
	if (r == -EEXIST) {
		snprintf(err->msg, sizeof(err->msg), "an NF named '%s' exists (nf_del it first)",
			 req->name);
	} else if (r == -ENOSPC) {
		snprintf(err->msg, sizeof(err->msg),
			 "no room for '%s': at most %d NF slots, %d services, %d replicas each, "
			 "%d NFs feeding one",
			 req->name, DP_MAX_NFS, DP_MAX_SERVICES, DP_MAX_REPLICAS, DP_MAX_EDGES);
	} else {
		snprintf(err->msg, sizeof(err->msg), "nf_add '%s': %s", req->name, strerror(-r));
	}
	return NULL;
}

json_t *
dp_ctl_nf_del(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	int id = dp_nf_slot_find(dp->nf, req->name), r;

	r = id < 0 ? id : dp_nf_slot_del(dp->nf, (uint16_t)id);
	if (r == 0) {
		return json_object();
	}
	err->type = r == -EBUSY ? DP_CTL_E_BUSY : DP_CTL_E_NOT_FOUND;
	snprintf(err->msg, sizeof(err->msg),
		 r == -EBUSY ? "NF '%s' has a live process attached: stop it first"
			     : "no NF named '%s' (see nf_list)",
		 req->name);
	return NULL;
}

json_t *
dp_ctl_nf_list(struct dp *dp)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < DP_MAX_NFS; i++) {
		const struct dp_nf_slot *s = &dp->nf->shm->slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != DP_NF_FREE) {
			json_array_append_new(a, slot_json(dp->nf, s));
		}
	}
	return json_pack("{s:o, s:I, s:I}", "nfs", a, "reclaimed", (json_int_t)dp->nf->reclaimed,
			 "deaths", (json_int_t)dp->nf->deaths);
}

int
dp_ctl_nf_chain_set(struct dp *dp, const struct dp_ctl_req *req, int egress, struct dp_chain *c,
		    struct dp_ctl_err *err)
{
	const char *names[DP_NF_MAX_HOPS];
	unsigned int n = req->n_hops - 1;
	int nfc = dp->nf_chain_of[req->chain], r;

	for (unsigned int i = 0; i < req->n_hops; i++) {
		if (req->hops[i].is_nf != (i < n)) {
			err->type = DP_CTL_E_INVALID;
			snprintf(err->msg, sizeof(err->msg),
				 "hops[%u]: a chain through NFs lists its NFs, then one port "
				 "(the egress)",
				 i);
			return -EINVAL;
		}
		if (i < n) {
			names[i] = req->hops[i].nf;
		}
	}
	if (nfc < 0) {
		/* A free NF-table chain: one no chain id maps to. */
		for (int k = 0; k < DP_NF_MAX_CHAINS && nfc < 0; k++) {
			bool used = false;

			for (unsigned int j = 0; j < DP_MAX_CHAINS && !used; j++) {
				used = dp->nf_chain_of[j] == k;
			}
			nfc = used ? -1 : k;
		}
		if (nfc < 0) {
			err->type = DP_CTL_E_NO_SPACE;
			snprintf(err->msg, sizeof(err->msg), "at most %d chains through NFs",
				 DP_NF_MAX_CHAINS);
			return -ENOSPC;
		}
	}
	r = dp_nf_chain_set(dp->nf, (uint16_t)nfc, names, n, (uint16_t)egress,
			    req->on_hop_down_bypass ? DP_ON_DOWN_BYPASS : DP_ON_DOWN_DROP);
	if (r < 0) {
		err->type = r == -ENOENT   ? DP_CTL_E_NOT_FOUND
			    : r == -ENOSPC ? DP_CTL_E_NO_SPACE
			    : r == -EINVAL ? DP_CTL_E_INVALID
					   : DP_CTL_E_INTERNAL;
		if (r == -ENOENT) {
			snprintf(err->msg, sizeof(err->msg),
				 "hops: an NF named there does not exist (nf_add it first)");
		} else if (r == -ENOSPC) {
			snprintf(err->msg, sizeof(err->msg),
				 "hops: an NF would be fed by more than %d NFs (each replica of a "
				 "hop feeds each replica of the next through its own ring)",
				 DP_MAX_EDGES);
		} else if (r != -EINVAL) {
			snprintf(err->msg, sizeof(err->msg), "chain_set: %s", strerror(-r));
		} else {
			snprintf(err->msg, sizeof(err->msg), "hops: 1-%d NFs, each at most once",
				 DP_NF_MAX_HOPS);
		}
		return r;
	}
	dp->nf_chain_of[req->chain] = (int16_t)nfc;
	memset(c, 0, sizeof(*c));
	c->id = req->chain;
	c->n_hops = 2;
	c->hops[0].type = DP_HOP_NF;
	c->hops[0].nf = (uint16_t)nfc;
	c->hops[1].type = DP_HOP_PORT;
	c->hops[1].port = (uint16_t)egress;
	return 0;
}

void
dp_ctl_nf_chain_release(struct dp *dp, uint32_t id)
{
	if (id < DP_MAX_CHAINS && dp->nf_chain_of[id] >= 0) {
		dp_nf_chain_del(dp->nf, (uint16_t)dp->nf_chain_of[id]);
		dp->nf_chain_of[id] = -1;
	}
}

json_t *
dp_ctl_nf_chain_hops(const struct dp *dp, const struct dp_chain *c)
{
	const struct dp_nf_chain *nc = &dp->nf->shm->chains[c->hops[0].nf % DP_NF_MAX_CHAINS];
	json_t *hops = json_array();

	for (uint32_t i = 0; i < nc->nhops; i++) {
		json_array_append_new(
			hops, json_pack("{s:s}", "nf", dp->nf->shm->services[nc->hops[i]].name));
	}
	json_array_append_new(hops, json_pack("{s:s, s:i}", "port", dp->ports[c->hops[1].port].name,
					      "index", c->hops[1].port));
	return hops;
}
