// SPDX-License-Identifier: BSD-3-Clause
/*
 * Executes control requests against the datapath (ctl.h): resolves ports, checks chains, adds
 * and removes flows (flow.c) and chains (classifier.c), and renders port lists and counters as
 * JSON. Runs on the main lcore under dp->ctl_lock, which telemetry also takes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ethdev.h>

#include "classifier.h"
#include "ctl-msg.h"
#include "ctl-nf.h"
#include "ctl.h"
#include "flow.h"
#include "fwd.h"
#include "nf.h"
#include "opts.h"
#include "port.h"

void
dp_stats_sum(const struct dp *dp, struct dp_worker_stats *out)
{
	unsigned int n_fwd = dp->n_fwd;
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)out;
	size_t n = sizeof(*out) / sizeof(uint64_t);

	memset(out, 0, sizeof(*out));
	for (unsigned int w = 0; w < n_fwd; w++) {
		src = (const uint64_t *)&dp->stats[w];
		for (size_t i = 0; i < n; i++) {
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		}
	}
}

void
dp_port_stats_sum(const struct dp *dp, unsigned int idx, struct dp_port_stats *out)
{
	size_t n = sizeof(*out) / sizeof(uint64_t);
	uint64_t *dst = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned int w = 0; w < dp->n_fwd; w++) {
		const uint64_t *src = (const uint64_t *)dp_pstats(dp, w, idx);

		for (size_t i = 0; i < n; i++) {
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		}
	}
}

static int
resolve_port(const struct dp *dp, const struct dp_ctl_portref *p, const char *where,
	     struct dp_ctl_err *err)
{
	if (p->by_name) {
		for (unsigned int i = 0; i < dp->n_ports; i++) {
			if (dp->ports[i].used && !strcmp(dp->ports[i].name, p->name)) {
				return (int)i;
			}
		}
		err->type = DP_CTL_E_NOT_FOUND;
		snprintf(err->msg, sizeof(err->msg), "'%s': no port named '%.64s' (see port_list)",
			 where, p->name);
		return -ENOENT;
	}
	if (p->index >= dp->n_ports || !dp->ports[p->index].used) {
		err->type = DP_CTL_E_NOT_FOUND;
		snprintf(err->msg, sizeof(err->msg),
			 "'%s': no port %u (there are %u, see port_list)", where, p->index,
			 dp->n_ports);
		return -ENOENT;
	}
	return (int)p->index;
}

static json_t *
port_json(const struct dp *dp, unsigned int i)
{
	const struct dp_port *p = &dp->ports[i];
	char mac[18];

	dp_ctl_mac_format(p->mac.addr_bytes, mac);
	return json_pack("{s:i, s:s, s:s, s:b, s:i, s:s, s:i, s:i, s:s, s:b}", "index", (int)i,
			 "name", p->name, "devargs", p->devargs, "uplink", p->is_uplink, "socket",
			 p->socket, "mac", mac, "rx_queues", p->nb_rxq, "tx_queues", p->nb_txq,
			 "rte_flow", p->rte_flow_cap, "isolated", p->flow_isolated);
}

static json_t *
port_json_full(const struct dp *dp, unsigned int i)
{
	const struct dp_port *p = &dp->ports[i];
	json_t *o = port_json(dp, i);
	char mac[18];

	if (!o) {
		return NULL;
	}
	json_object_set_new(o, "kind", json_string(p->kind == DP_PORT_VHOST ? "vhost" : "ethdev"));
	if (p->kind == DP_PORT_VHOST) {
		dp_ctl_mac_format(p->wl_mac.addr_bytes, mac);
		json_object_set_new(o, "vhost_socket", json_string(p->vhost_path));
		json_object_update_new(
			o, json_pack("{s:s, s:b, s:i, s:i, s:o, s:i, s:b, s:s}", "mode",
				     p->vhost_client ? "client" : "server", "connected",
				     __atomic_load_n(&p->running, __ATOMIC_RELAXED), "connects",
				     (int)p->connects, "disconnects", (int)p->disconnects,
				     "workload_mac", p->has_wl_mac ? json_string(mac) : json_null(),
				     "vlan", p->vlan, "spoofchk", p->spoofchk && p->has_wl_mac,
				     "max_tx_rate",
				     "not applied: the software path has no rate limiter"));
	}
	return o;
}

static json_t *
flow_json(const struct dp *dp, const struct dp_flow *f)
{
	char mac[18];
	json_t *o;

	dp_ctl_mac_format(f->key.mac, mac);
	o = json_pack("{s:s, s:i, s:i, s:s, s:s}", "mac", mac, "vlan", f->key.vlan, "chain",
		      (int)f->chain, "port", dp->ports[f->port].name, "path",
		      dp_flow_path_name(f->path));
	if (f->path == DP_FLOW_HARDWARE) {
		json_object_set_new(o, "queue", json_integer(f->queue));
	} else {
		json_object_set_new(o, "reason", json_string(f->reason));
	}
	return o;
}

static json_t *
chain_json(const struct dp *dp, const struct dp_chain *c)
{
	json_t *hops;

	if (c->n_hops && c->hops[0].type == DP_HOP_NF) {
		return json_pack("{s:i, s:o}", "chain", (int)c->id, "hops",
				 dp_ctl_nf_chain_hops(dp, c));
	}
	hops = json_array();
	for (uint32_t i = 0; i < c->n_hops; i++) {
		const struct dp_hop *h = &c->hops[i];

		if (h->type == DP_HOP_PORT) {
			json_array_append_new(hops,
					      json_pack("{s:s, s:i}", "port",
							dp->ports[h->port].name, "index", h->port));
		} else {
			json_array_append_new(hops, json_pack("{s:i}", "nf", h->nf));
		}
	}
	return json_pack("{s:i, s:o}", "chain", (int)c->id, "hops", hops);
}

/* The CPUs this process's lcores may run on, as a kernel CPU list ("0-1"). */
static json_t *
lcore_cpus_json(void)
{
	bool cpus[CPU_SETSIZE] = {false};
	char buf[512] = "";
	size_t off = 0;
	unsigned int lc;

	RTE_LCORE_FOREACH(lc)
	{
		rte_cpuset_t cs = rte_lcore_cpuset(lc);

		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &cs))
				cpus[c] = true;
	}
	for (int c = 0; c < CPU_SETSIZE && off < sizeof(buf) - 16; c++) {
		int e = c;

		if (!cpus[c])
			continue;
		while (e + 1 < CPU_SETSIZE && cpus[e + 1])
			e++;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, e > c ? "%s%d-%d" : "%s%d",
					off ? "," : "", c, e);
		c = e;
	}
	return json_string(buf);
}

static json_t *
op_hello(struct dp *dp)
{
	json_t *ops = json_array(), *ports = json_array(), *o;

	for (int i = 0; i < DP_CTL_OP_MAX; i++) {
		json_array_append_new(ops, json_string(dp_ctl_op_name((enum dp_ctl_op)i)));
	}
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		if (dp->ports[i].used) {
			json_array_append_new(ports, port_json_full(dp, i));
		}
	}
	o = json_pack("{s:i, s:s, s:i, s:{s:o, s:o, s:i, s:i, s:i, s:[s,s], s:b, s:i, s:i, s:i, "
		      "s:[s,s], s:b}}",
		      "version", DP_CTL_VERSION, "name", "nfpath-dp", "pid", (int)getpid(),
		      "capabilities", "ops", ops, "ports", ports, "max_chains", DP_MAX_CHAINS,
		      "max_hops", DP_CHAIN_MAX_HOPS, "max_flows", (int)dp->flows->size, "hop_kinds",
		      "port", "nf", "vhost", 1, "max_nfs", DP_MAX_NFS, "max_vm_ports",
		      (int)dp->opts->max_vm_ports, "vm_ports", (int)dp->n_vm, "vhost_modes",
		      "server", "client", "max_tx_rate", 0);
	if (o)
		json_object_set_new(o, "cpus", lcore_cpus_json());
	/* What an NF passes as --file-prefix to attach (nfpathd starts NFs with it). */
	if (o && dp->opts && dp->opts->file_prefix)
		json_object_set_new(o, "file_prefix", json_string(dp->opts->file_prefix));
	return o;
}

static json_t *
op_port_list(struct dp *dp)
{
	json_t *ports = json_array();

	for (unsigned int i = 0; i < dp->n_ports; i++) {
		if (dp->ports[i].used) {
			json_array_append_new(ports, port_json_full(dp, i));
		}
	}
	return json_pack("{s:o}", "ports", ports);
}

static json_t *
op_flow_list(struct dp *dp)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < dp->flows->size; i++) {
		if (dp->flows->flows[i].used) {
			json_array_append_new(a, flow_json(dp, &dp->flows->flows[i]));
		}
	}
	return json_pack("{s:o}", "flows", a);
}

static json_t *
op_chain_list(struct dp *dp)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < DP_MAX_CHAINS; i++) {
		if (dp->chains[i]) {
			json_array_append_new(a, chain_json(dp, dp->chains[i]));
		}
	}
	return json_pack("{s:o}", "chains", a);
}

static json_t *
no_nf_table(struct dp_ctl_err *err)
{
	err->type = DP_CTL_E_UNSUPPORTED;
	snprintf(err->msg, sizeof(err->msg), "this datapath has no NF table");
	return NULL;
}

static int
op_chain_set(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	const struct dp_ctl_hop *last = &req->hops[req->n_hops - 1];
	struct dp_chain c;
	char where[32];
	int p;

	snprintf(where, sizeof(where), "hops[%u].port", req->n_hops - 1);
	if (last->is_nf) {
		err->type = DP_CTL_E_INVALID;
		snprintf(err->msg, sizeof(err->msg),
			 "hops[%u]: a chain ends in a port (its egress), not an NF",
			 req->n_hops - 1);
		return -EINVAL;
	}
	p = resolve_port(dp, &last->port, where, err);
	if (p < 0) {
		return p;
	}
	if (req->n_hops > 1) {
		if (!dp->nf) {
			no_nf_table(err);
			return -ENOTSUP;
		}
		if (dp_ctl_nf_chain_set(dp, req, p, &c, err) < 0) {
			return -EINVAL;
		}
	} else {
		memset(&c, 0, sizeof(c));
		c.id = req->chain;
		c.n_hops = 1;
		c.hops[0].type = DP_HOP_PORT;
		c.hops[0].port = (uint16_t)p;
	}
	if (dp_chain_set(dp, &c) < 0) {
		err->type = DP_CTL_E_INTERNAL;
		snprintf(err->msg, sizeof(err->msg), "out of memory for chain %u", c.id);
		return -ENOMEM;
	}
	if (req->n_hops == 1) {
		/* Published without NFs: the NF-table chain it may have had is unused now. */
		dp_ctl_nf_chain_release(dp, req->chain);
	}
	return 0;
}

static json_t *
op_stats(struct dp *dp)
{
	struct dp_worker_stats *s = calloc(1, sizeof(*s));
	json_t *ports = json_array(), *chains = json_array(), *drops = json_object();
	unsigned int n_hw = 0;
	uint64_t hz = rte_get_tsc_hz();

	if (!s) {
		json_decref(ports);
		json_decref(chains);
		json_decref(drops);
		return NULL;
	}
	dp_stats_sum(dp, s);
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		const struct dp_port *p = &dp->ports[i];
		struct rte_eth_stats es;
		struct dp_port_stats ps;
		json_t *queues, *o;

		if (!p->used) {
			continue;
		}
		dp_port_stats_sum(dp, i, &ps);
		o = json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "index", (int)i, "name", p->name, "kind",
			      p->kind == DP_PORT_VHOST ? "vhost" : "ethdev", "rx_pkts",
			      (json_int_t)ps.rx_pkts, "rx_bytes", (json_int_t)ps.rx_bytes,
			      "tx_pkts", (json_int_t)ps.tx_pkts, "tx_bytes",
			      (json_int_t)ps.tx_bytes, "tx_dropped",
			      (json_int_t)(ps.tx_full + ps.tx_no_peer + ps.tx_oversize), "tx_full",
			      (json_int_t)ps.tx_full, "not_connected", (json_int_t)ps.tx_no_peer,
			      "tx_oversize", (json_int_t)ps.tx_oversize, "spoofed",
			      (json_int_t)ps.spoofed, "flooded", (json_int_t)ps.flood_in);
		if (p->kind == DP_PORT_ETH) {
			queues = json_array();
			for (unsigned int q = 0; q < p->nb_rxq; q++) {
				json_array_append_new(
					queues, json_pack("{s:i, s:I, s:I, s:i}", "queue", (int)q,
							  "rx_pkts", (json_int_t)s->rxq_pkts[i][q],
							  "rx_bytes",
							  (json_int_t)s->rxq_bytes[i][q], "chain",
							  (int)__atomic_load_n(&p->queue_chain[q],
									       __ATOMIC_RELAXED)));
			}
			memset(&es, 0, sizeof(es));
			(void)rte_eth_stats_get(p->port_id, &es);
			json_object_set_new(o, "queues", queues);
			json_object_set_new(o, "device",
					    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "ipackets",
						      (json_int_t)es.ipackets, "opackets",
						      (json_int_t)es.opackets, "imissed",
						      (json_int_t)es.imissed, "ierrors",
						      (json_int_t)es.ierrors, "oerrors",
						      (json_int_t)es.oerrors, "rx_nombuf",
						      (json_int_t)es.rx_nombuf));
		} else {
			json_object_set_new(
				o, "connected",
				json_boolean(__atomic_load_n(&p->running, __ATOMIC_RELAXED)));
		}
		json_array_append_new(ports, o);
	}
	for (unsigned int c = 0; c < DP_MAX_CHAINS; c++) {
		if (dp->chains[c] || s->chain_pkts[c]) {
			json_array_append_new(chains,
					      json_pack("{s:i, s:b, s:I, s:I}", "chain", (int)c,
							"set", dp->chains[c] != NULL, "pkts",
							(json_int_t)s->chain_pkts[c], "bytes",
							(json_int_t)s->chain_bytes[c]));
		}
	}
	for (int r = 0; r < DP_DROP_MAX; r++) {
		json_object_set_new(drops, dp_drop_reason_name((enum dp_drop_reason)r),
				    json_integer((json_int_t)s->drops[r]));
	}
	for (unsigned int i = 0; i < dp->flows->size; i++) {
		n_hw += dp->flows->flows[i].used && dp->flows->flows[i].path == DP_FLOW_HARDWARE;
	}
	json_t *o = json_pack(
		"{s:I, s:o, s:o, s:o, s:{s:i, s:i, s:i, s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I, "
		"s:I}}",
		"uptime_ms", (json_int_t)((rte_get_tsc_cycles() - dp->start_tsc) * 1000 / hz),
		"ports", ports, "chains", chains, "drops", drops, "classifier", "flows",
		(int)dp->flows->n_used, "flows_hardware", (int)n_hw, "flows_software",
		(int)(dp->flows->n_used - n_hw), "software_lookups", (json_int_t)s->sw_classified,
		"hardware_steered", (json_int_t)s->hw_steered, "hardware_foreign",
		(json_int_t)s->hw_foreign, "nfs", "egress", (json_int_t)s->nf_egress, "relayed",
		(json_int_t)s->nf_relayed, "switching", "vm_egress", (json_int_t)s->vm_egress,
		"flooded", (json_int_t)s->flooded, "flood_copies", (json_int_t)s->flood_copies);
	free(s);
	/* Free mbufs (per-lcore caches included) of every pool: back to the start = none lost. */
	if (o) {
		unsigned int avail = 0, size = 0;

		for (unsigned int i = 0; i < RTE_DIM(dp->pools); i++) {
			if (dp->pools[i]) {
				avail += rte_mempool_avail_count(dp->pools[i]);
				size += dp->pools[i]->size;
			}
		}
		json_object_set_new(o, "mbufs",
				    json_pack("{s:I, s:I}", "free", (json_int_t)avail, "size",
					      (json_int_t)size));
	}
	return o;
}

static json_t *
op_vhost_add(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	struct dp_vhost_conf c = {
		.name = req->name,
		.client = req->vhost_client,
		.has_mac = req->has_mac,
		.vlan = req->vlan,
		.spoofchk = req->spoofchk,
	};
	int r;

	memcpy(c.mac, req->mac, sizeof(c.mac));
	r = dp_vhost_add(dp, &c, err->msg, sizeof(err->msg));

	if (r < 0) {
		err->type = r == -EEXIST   ? DP_CTL_E_INVALID
			    : r == -ENOSPC ? DP_CTL_E_NO_SPACE
					   : DP_CTL_E_INTERNAL;
		return NULL;
	}
	return port_json_full(dp, (unsigned int)r);
}

/* Refuses while a chain sends to the port or a flow is installed on it. */
static json_t *
op_vhost_del(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	char name[DP_PORT_NAME_MAX + 16];
	int idx;

	snprintf(name, sizeof(name), "net_vhost_%s", req->name);
	idx = dp_port_find(dp, name);
	if (idx < 0 || dp->ports[idx].kind != DP_PORT_VHOST) {
		err->type = DP_CTL_E_NOT_FOUND;
		snprintf(err->msg, sizeof(err->msg), "no vhost port '%s'", req->name);
		return NULL;
	}
	for (unsigned int c = 0; c < DP_MAX_CHAINS; c++) {
		const struct dp_chain *ch = dp->chains[c];

		for (uint32_t h = 0; ch && h < ch->n_hops; h++) {
			if (ch->hops[h].type == DP_HOP_PORT && ch->hops[h].port == idx) {
				err->type = DP_CTL_E_BUSY;
				snprintf(err->msg, sizeof(err->msg),
					 "chain %u sends to '%s': change or delete the chain first",
					 c, name);
				return NULL;
			}
		}
	}
	for (unsigned int i = 0; i < dp->flows->size; i++) {
		if (dp->flows->flows[i].used && dp->flows->flows[i].port == idx) {
			err->type = DP_CTL_E_BUSY;
			snprintf(err->msg, sizeof(err->msg), "a flow is installed on '%s'", name);
			return NULL;
		}
	}
	if (dp_vhost_del(dp, (unsigned int)idx) < 0) {
		err->type = DP_CTL_E_INTERNAL;
		snprintf(err->msg, sizeof(err->msg), "removing '%s' failed", name);
		return NULL;
	}
	return json_object();
}

static json_t *
execute(struct dp *dp, const struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	struct dp_cls_key k;
	const struct dp_flow *f;
	int r, port = 0;

	memset(&k, 0, sizeof(k));
	memcpy(k.mac, req->mac, sizeof(k.mac));
	k.vlan = req->vlan;
	switch (req->op) {
	case DP_CTL_HELLO:
		return op_hello(dp);
	case DP_CTL_PORT_LIST:
		return op_port_list(dp);
	case DP_CTL_FLOW_LIST:
		return op_flow_list(dp);
	case DP_CTL_CHAIN_LIST:
		return op_chain_list(dp);
	case DP_CTL_STATS:
		return op_stats(dp);
	case DP_CTL_FLOW_ADD:
		if (!__atomic_load_n(&dp->chains[req->chain], __ATOMIC_ACQUIRE)) {
			err->type = DP_CTL_E_NOT_FOUND;
			snprintf(err->msg, sizeof(err->msg),
				 "flow_add: chain %u is not set: chain_set it first", req->chain);
			return NULL;
		}
		if (req->has_port) {
			port = resolve_port(dp, &req->port, "port", err);
			if (port < 0) {
				return NULL;
			}
		}
		r = dp_flow_add(dp, &k, req->chain, (uint16_t)port, &f);
		if (r == -ENOSPC) {
			err->type = DP_CTL_E_NO_SPACE;
			snprintf(err->msg, sizeof(err->msg), "the flow table is full (%u flows)",
				 dp->flows->size);
			return NULL;
		}
		if (r < 0) {
			err->type = DP_CTL_E_INTERNAL;
			snprintf(err->msg, sizeof(err->msg), "flow_add: %s", strerror(-r));
			return NULL;
		}
		return flow_json(dp, f);
	case DP_CTL_FLOW_DEL:
		if (dp_flow_del(dp, &k) < 0) {
			char mac[18];

			dp_ctl_mac_format(k.mac, mac);
			err->type = DP_CTL_E_NOT_FOUND;
			snprintf(err->msg, sizeof(err->msg), "no flow for mac %s vlan %u", mac,
				 k.vlan);
			return NULL;
		}
		return json_object();
	case DP_CTL_CHAIN_SET:
		if (op_chain_set(dp, req, err) < 0) {
			return NULL;
		}
		return chain_json(dp, dp->chains[req->chain]);
	case DP_CTL_CHAIN_DEL:
		if (dp_chain_del(dp, req->chain) < 0) {
			err->type = DP_CTL_E_NOT_FOUND;
			snprintf(err->msg, sizeof(err->msg), "no chain %u", req->chain);
			return NULL;
		}
		dp_ctl_nf_chain_release(dp, req->chain);
		return json_object();
	case DP_CTL_VHOST_ADD:
		return op_vhost_add(dp, req, err);
	case DP_CTL_VHOST_DEL:
		return op_vhost_del(dp, req, err);
	case DP_CTL_NF_ADD:
		return dp->nf ? dp_ctl_nf_add(dp, req, err) : no_nf_table(err);
	case DP_CTL_NF_DEL:
		return dp->nf ? dp_ctl_nf_del(dp, req, err) : no_nf_table(err);
	case DP_CTL_NF_LIST:
		return dp->nf ? dp_ctl_nf_list(dp) : no_nf_table(err);
	default:
		err->type = DP_CTL_E_UNKNOWN_OP;
		snprintf(err->msg, sizeof(err->msg), "op not implemented");
		return NULL;
	}
}

char *
dp_ctl_handle(struct dp *dp, const char *buf, size_t len)
{
	struct dp_ctl_req req;
	struct dp_ctl_err err;
	json_t *result;

	if (dp_ctl_parse(buf, len, &req, &err) < 0) {
		return dp_ctl_reply_err(req.has_id, req.id, err.type, err.msg);
	}
	err.type = DP_CTL_E_INTERNAL;
	snprintf(err.msg, sizeof(err.msg), "out of memory");
	pthread_mutex_lock(&dp->ctl_lock);
	result = execute(dp, &req, &err);
	pthread_mutex_unlock(&dp->ctl_lock);
	if (!result) {
		return dp_ctl_reply_err(true, req.id, err.type, err.msg);
	}
	return dp_ctl_reply_ok(&req, result);
}
