// SPDX-License-Identifier: BSD-3-Clause
/*
 * rte_flow MAC steering with software fallback (flow.h). The table is indexed by the
 * classifier's key position, so finding a flow costs one hash lookup. Only the control thread
 * writes it, under dp->ctl_lock; queue_chain[] is published with release stores for fwd.c.
 */
#include "flow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <sys/utsname.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

const char *
dp_flow_path_name(enum dp_flow_path p)
{
	return p == DP_FLOW_HARDWARE ? "hardware" : "software";
}

void
dp_flow_rule_build(struct dp_flow_rule *r, const struct dp_cls_key *k, uint16_t queue)
{
	int i = 0;

	memset(r, 0, sizeof(*r));
	r->attr.ingress = 1;
	memcpy(r->eth_spec.hdr.dst_addr.addr_bytes, k->mac, RTE_ETHER_ADDR_LEN);
	memset(r->eth_mask.hdr.dst_addr.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	r->pattern[i].type = RTE_FLOW_ITEM_TYPE_ETH;
	r->pattern[i].spec = &r->eth_spec;
	r->pattern[i].mask = &r->eth_mask;
	i++;
	if (k->vlan) {
		/* The VLAN item itself says the frame is tagged; has_vlan in the ETH mask is a
		 * newer field that drivers such as net_tap refuse ("item not supported"). */
		r->vlan_spec.hdr.vlan_tci = rte_cpu_to_be_16(k->vlan);
		r->vlan_mask.hdr.vlan_tci = rte_cpu_to_be_16(0x0fff);
		r->pattern[i].type = RTE_FLOW_ITEM_TYPE_VLAN;
		r->pattern[i].spec = &r->vlan_spec;
		r->pattern[i].mask = &r->vlan_mask;
		i++;
	}
	r->pattern[i].type = RTE_FLOW_ITEM_TYPE_END;
	r->queue.index = queue;
	r->actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
	r->actions[0].conf = &r->queue;
	r->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
}

int
dp_flows_create(struct dp *dp, unsigned int entries)
{
	dp->flows = calloc(1, sizeof(*dp->flows) + entries * sizeof(struct dp_flow));
	if (!dp->flows) {
		return -ENOMEM;
	}
	dp->flows->size = entries;
	return 0;
}

static void
flow_hw_remove(struct dp *dp, struct dp_flow *f)
{
	struct rte_flow_error err;
	struct dp_port *p = &dp->ports[f->port];

	if (f->path != DP_FLOW_HARDWARE) {
		return;
	}
	__atomic_store_n(&p->queue_chain[f->queue], -1, __ATOMIC_RELEASE);
	if (f->rte) {
		(void)rte_flow_destroy(p->port_id, f->rte, &err);
		f->rte = NULL;
	}
	f->path = DP_FLOW_SOFTWARE;
}

void
dp_flows_free(struct dp *dp)
{
	if (!dp->flows) {
		return;
	}
	for (unsigned int i = 0; i < dp->flows->size; i++) {
		if (dp->flows->flows[i].used) {
			flow_hw_remove(dp, &dp->flows->flows[i]);
		}
	}
	free(dp->flows);
	dp->flows = NULL;
}

static const char *
flow_err(const struct rte_flow_error *e, int r)
{
	return e->message ? e->message : strerror(r < 0 ? -r : r);
}

/* Whether kernel module 'name' is loaded or built in (/sys/module, modules.builtin). */
static bool
kernel_has_module(const char *name)
{
	char path[320], line[256], want[64];
	struct utsname u;
	struct stat st;
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (stat(path, &st) == 0) {
		return true;
	}
	if (uname(&u) != 0) {
		return false;
	}
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", u.release);
	snprintf(want, sizeof(want), "/%s.ko", name);
	fp = fopen(path, "r");
	while (fp && !found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		found = strlen(line) >= strlen(want) &&
			strcmp(line + strlen(line) - strlen(want), want) == 0;
	}
	if (fp) {
		fclose(fp);
	}
	return found;
}

/*
 * net_tap turns rte_flow rules into TC rules and reports every kernel refusal as "Kernel too old
 * for flower support" whatever is missing: name the TC modules the kernel lacks, so the reason
 * says what to install. Empty for other drivers or when nothing is missing.
 */
static void
flow_kernel_hint(const struct dp_port *p, char *buf, size_t len)
{
	static const char *const need[] = {"sch_multiq", "cls_flower", "act_skbedit"};
	struct rte_eth_dev_info info;
	size_t off = 0;

	buf[0] = '\0';
	memset(&info, 0, sizeof(info));
	if (rte_eth_dev_info_get(p->port_id, &info) != 0 || !info.driver_name ||
	    strcmp(info.driver_name, "net_tap") != 0) {
		return;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]) && off < len; i++) {
		if (!kernel_has_module(need[i])) {
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? ", " : "; the kernel lacks TC module ",
						need[i]);
		}
	}
	if (off && off < len) {
		snprintf(buf + off, len - off,
			 " (net_tap needs sch_multiq, cls_flower, act_skbedit)");
	}
}

/* Tries the hardware path for 'f'; leaves f->reason when it does not work. */
static void
flow_hw_try(struct dp *dp, struct dp_flow *f)
{
	struct dp_port *p = &dp->ports[f->port];
	struct dp_flow_rule rule;
	struct rte_flow_error err;
	char hint[128];
	uint64_t key;
	int q = -1, r;

	for (int i = 1; i < p->nb_rxq; i++) {
		if (__atomic_load_n(&p->queue_chain[i], __ATOMIC_RELAXED) < 0) {
			q = i;
			break;
		}
	}
	if (q < 0) {
		snprintf(f->reason, sizeof(f->reason),
			 "no free RX queue on port '%s' (%u queues, queue 0 is the default one; "
			 "raise --rx-queues)",
			 p->name, p->nb_rxq);
		return;
	}
#ifdef DP_FAULT_WRONG_QUEUE
	/* A deliberately broken build for the kernel lab: the rule steers to the next queue while
	 * the datapath believes it steers to q. The lab's steering check must fail with it. */
	dp_flow_rule_build(&rule, &f->key, (uint16_t)((q + 1) % p->nb_rxq));
#else
	dp_flow_rule_build(&rule, &f->key, (uint16_t)q);
#endif
	memset(&err, 0, sizeof(err));
	r = rte_flow_validate(p->port_id, &rule.attr, rule.pattern, rule.actions, &err);
	if (r != 0) {
		flow_kernel_hint(p, hint, sizeof(hint));
		snprintf(f->reason, sizeof(f->reason), "rte_flow_validate on '%s': %s (%s)%s",
			 p->name, flow_err(&err, r), strerror(-r), hint);
		return;
	}
	memset(&err, 0, sizeof(err));
	f->rte = rte_flow_create(p->port_id, &rule.attr, rule.pattern, rule.actions, &err);
	if (!f->rte) {
		r = rte_errno;
		flow_kernel_hint(p, hint, sizeof(hint));
		snprintf(f->reason, sizeof(f->reason),
			 "rte_flow_create on '%s' (validation passed): %s (%s)%s", p->name,
			 flow_err(&err, -r), strerror(r), hint);
		return;
	}
	f->path = DP_FLOW_HARDWARE;
	f->queue = (uint16_t)q;
	f->reason[0] = '\0';
	/* The queue's previous owner may still be read by a forwarder that loaded its chain
	 * before flow_hw_remove cleared it: after a grace period none does, and the new key and
	 * chain are seen together (the key first, the chain published with release). */
	if (dp->rcu) {
		rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	}
	memcpy(&key, &f->key, sizeof(key));
	__atomic_store_n(&p->queue_key[q], key, __ATOMIC_RELAXED);
	__atomic_store_n(&p->queue_chain[q], (int32_t)f->chain, __ATOMIC_RELEASE);
}

int
dp_flow_add(struct dp *dp, const struct dp_cls_key *k, uint32_t chain, uint16_t port,
	    const struct dp_flow **ret)
{
	struct dp_flow *f;
	int pos;

	if (port >= dp->n_ports || !dp->ports[port].used || chain >= DP_MAX_CHAINS) {
		return -EINVAL;
	}
	pos = dp_classifier_pos(dp, k);
	if (pos >= 0 && dp->flows->flows[pos].used) {
		f = &dp->flows->flows[pos];
		if (f->port != port) {
			/* Moving a MAC to another port: remove the old rule first. */
			flow_hw_remove(dp, f);
			snprintf(f->reason, sizeof(f->reason), "moved");
		}
		f->chain = chain;
		f->port = port;
		if (dp_classifier_set(dp, k, chain) < 0) {
			return -ENOSPC;
		}
		if (f->path == DP_FLOW_HARDWARE) {
			__atomic_store_n(&dp->ports[port].queue_chain[f->queue], (int32_t)chain,
					 __ATOMIC_RELEASE);
		} else {
			flow_hw_try(dp, f);
		}
		*ret = f;
		return 0;
	}
	pos = dp_classifier_set(dp, k, chain);
	if (pos < 0) {
		return pos == -ENOSPC ? -ENOSPC : pos;
	}
	if ((unsigned int)pos >= dp->flows->size) {
		(void)dp_classifier_del(dp, k);
		return -ENOSPC;
	}
	f = &dp->flows->flows[pos];
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->key = *k;
	f->chain = chain;
	f->port = port;
	f->path = DP_FLOW_SOFTWARE;
	flow_hw_try(dp, f);
	dp->flows->n_used++;
	*ret = f;
	return 0;
}

int
dp_flow_del(struct dp *dp, const struct dp_cls_key *k)
{
	int pos = dp_classifier_pos(dp, k);
	struct dp_flow *f;

	if (pos < 0 || !dp->flows->flows[pos].used) {
		return -ENOENT;
	}
	f = &dp->flows->flows[pos];
	flow_hw_remove(dp, f);
	(void)dp_classifier_del(dp, k);
	f->used = false;
	dp->flows->n_used--;
	return 0;
}

void
dp_flow_probe(struct dp *dp, uint16_t port, char *buf, size_t len)
{
	struct dp_port *p = &dp->ports[port];
	struct dp_cls_key k = {.mac = {0x02, 0, 0, 0, 0, 0x01}};
	struct dp_flow_rule rule;
	struct rte_flow_error err;
	int r;

	/* Rules a previous nfpath-dp left in the device (kernel-side rules can outlive the
	 * process, e.g. net_tap's on its remote= interface) serve nothing: flush them. The
	 * agent sends every flow again after a restart. */
	if (p->is_uplink) {
		memset(&err, 0, sizeof(err));
		(void)rte_flow_flush(p->port_id, &err);
	}
	dp_flow_rule_build(&rule, &k, 0);
	memset(&err, 0, sizeof(err));
	r = rte_flow_validate(p->port_id, &rule.attr, rule.pattern, rule.actions, &err);
	if (r == 0) {
		snprintf(buf, len, "validates");
	} else if (r == -ENOSYS || r == -ENOTSUP) {
		snprintf(buf, len, "unsupported");
	} else {
		snprintf(buf, len, "refused: %s", flow_err(&err, r));
	}
}
