// SPDX-License-Identifier: BSD-3-Clause
/*
 * One policy file's JSON tree -> typed NICs, workloads and chains appended to the policy
 * (policy-internal.h). Everything that can be judged from one item alone is checked here (types,
 * ranges, enum words, MACs, CPU lists, PCI addresses, VF ranges); what needs every file is left
 * to policy-check.c. An item with mistakes is still appended, so the cross checks do not report
 * follow-on errors (a hop naming a workload whose MAC was bad is not "unknown").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "policy-nf.h"

static const char *const top_fields[] = {"version", "nics", "workloads", "chains", NULL};
static const char *const nic_fields[] = {"name", "pf",     "max_vfs", "vf_driver",
					 "mtu",  "uplink", NULL};
static const char *const workload_fields[] = {
	"name",         "type",        "domain",          "nic",
	"mac",          "vlan",        "vlan_qos",        "vlan_proto",
	"path",         "spoofchk",    "trust",           "link_state",
	"min_tx_rate",  "max_tx_rate", "numa_affinity",   "cpu_policy",
	"cores",        "cpus",        "allow_path_move", "exec",
	"env",          "user",        "group",           "restart",
	"stop_timeout", NULL};
static const char *const chain_fields[] = {"name", "match", "hops", "egress", "on_hop_down", NULL};
static const char *const match_fields[] = {"dst_mac", "vlan", NULL};

static const char *const type_names[] = {"vm", "nf", NULL};
static const char *const path_names[] = {"auto", "vf", "software", NULL};
static const char *const numa_names[] = {"preferred", "required", "socket", "none", NULL};
static const char *const cpu_names[] = {"shared", "dedicated", NULL};
static const char *const link_names[] = {"auto", "enable", "disable", NULL};
static const char *const proto_names[] = {"802.1q", "802.1ad", NULL};
static const char *const hop_down_names[] = {"drop", "bypass", NULL};

/* Highest VF number in a range; PCI SR-IOV allows 65535 VFs but no NIC comes near 4096. */
#define VF_NUM_MAX      4095
#define MAX_TX_RATE_MAX 4000000 /* Mbps: 4 Tbit/s */

const char *
agent_workload_type_name(enum agent_workload_type t)
{
	return (unsigned)t < 2 ? type_names[t] : "?";
}

const char *
agent_path_name(enum agent_path p)
{
	return (unsigned)p < 3 ? path_names[p] : "?";
}

const char *
agent_numa_affinity_name(enum agent_numa_affinity a)
{
	return (unsigned)a < 4 ? numa_names[a] : "?";
}

const char *
agent_cpu_policy_name(enum agent_cpu_policy c)
{
	return (unsigned)c < 2 ? cpu_names[c] : "?";
}

const char *
agent_link_state_name(enum agent_link_state s)
{
	return (unsigned)s < 3 ? link_names[s] : "?";
}

const char *
agent_vlan_proto_name(enum agent_vlan_proto p)
{
	return (unsigned)p < 2 ? proto_names[p] : "?";
}

const char *
agent_hop_down_name(enum agent_hop_down h)
{
	return (unsigned)h < 2 ? hop_down_names[h] : "?";
}

bool
policy_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > AGENT_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

static bool
has_space(const char *s)
{
	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			return true;
	}
	return false;
}

/* Member 'key' as a name; *ret is a copy. */
static int
read_name(struct jr *r, json_t *obj, const char *key, bool required, char **ret)
{
	const char *s;
	int k = jr_string(r, obj, key, required, &s);
	size_t saved;

	if (k != 1)
		return k;
	if (!policy_name_valid(s)) {
		saved = jr_push_key(r, key);
		jr_error(
			r, false,
			"'%s' is not a valid name (use 1-%d letters, digits, '_', '-' or '.', starting with a letter or digit)",
			s, AGENT_NAME_MAX);
		jr_pop(r, saved);
		return -1;
	}
	*ret = strdup(s);
	if (!*ret) {
		r->diags->oom = 1;
		return -1;
	}
	return 1;
}

/* Member 'key' as a unicast, non-zero MAC. */
static int
read_mac(struct jr *r, json_t *obj, const char *key, bool required, uint8_t ret[VFM_MAC_LEN])
{
	const char *s;
	int k = jr_string(r, obj, key, required, &s);
	uint8_t mac[VFM_MAC_LEN];
	size_t saved;

	if (k != 1)
		return k;
	saved = jr_push_key(r, key);
	k = -1;
	if (has_space(s) || vfm_mac_parse(s, mac) != 0)
		jr_error(r, false,
			 "'%s' is not a MAC address (write six hex octets like 52:54:00:12:34:56)",
			 s);
	else if (vfm_mac_is_zero(mac))
		jr_error(
			r, false,
			"'%s' is the all-zero MAC (use a unicast address such as 52:54:00:12:34:56)",
			s);
	else if (vfm_mac_is_multicast(mac))
		jr_error(
			r, false,
			"'%s' is a multicast MAC (use a unicast address: the first octet must be even)",
			s);
	else
		k = 1;
	jr_pop(r, saved);
	if (k == 1)
		memcpy(ret, mac, VFM_MAC_LEN);
	return k;
}

static bool
netdev_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool
parse_uint(const char *s, const char *end, unsigned max, unsigned *ret)
{
	unsigned long v = 0;

	if (s == end || end - s > 5)
		return false;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* "ens1f0", "0000:3b:00.0", optionally followed by "#first-last" or "#n". */
static int
read_pf(struct jr *r, json_t *obj, struct agent_nic *nic)
{
	const char *s, *hash;
	int k = jr_string(r, obj, "pf", false, &s);
	size_t saved;
	char *pf;

	if (k == 0) {
		/* No PF: a datapath port only (an uplink for software-placed traffic or a chain's
		 * egress). Then what configures VFs makes no sense. */
		static const char *const vf_only[] = {"max_vfs", "vf_driver", "mtu"};

		if (!json_object_get(obj, "uplink"))
			jr_error(
				r, false,
				"a NIC needs 'pf' (an SR-IOV PF) or 'uplink' (a datapath port), or "
				"both (add one)");
		for (size_t i = 0; i < sizeof(vf_only) / sizeof(vf_only[0]); i++) {
			if (json_object_get(obj, vf_only[i])) {
				saved = jr_push_key(r, vf_only[i]);
				jr_error(
					r, false,
					"'%s' is about a PF and its VFs; this NIC has no 'pf' (add "
					"one, or remove '%s')",
					vf_only[i], vf_only[i]);
				jr_pop(r, saved);
			}
		}
		return 0;
	}
	if (k != 1)
		return k;
	hash = strchr(s, '#');
	pf = strndup(s, hash ? (size_t)(hash - s) : strlen(s));
	if (!pf) {
		r->diags->oom = 1;
		return -1;
	}
	saved = jr_push_key(r, "pf");
	k = 1;
	if (strchr(pf, ':')) {
		nic->pf_is_pci = true;
		if (has_space(pf) || vfm_pci_addr_parse(pf, &nic->pf_pci) != 0) {
			jr_error(
				r, false,
				"'%s' is not a PCI address (write DDDD:BB:DD.F, like 0000:3b:00.0)",
				pf);
			k = -1;
		}
	} else if (!netdev_name_valid(pf)) {
		jr_error(
			r, false,
			"'%s' is not a network interface name (use 1-15 characters without '/', ':' or spaces)",
			pf);
		k = -1;
	}
	if (k == 1 && hash) {
		const char *dash = strchr(hash + 1, '-');
		const char *end = hash + strlen(hash);
		bool ok;

		if (dash) {
			ok = parse_uint(hash + 1, dash, VF_NUM_MAX, &nic->vf_first) &&
			     parse_uint(dash + 1, end, VF_NUM_MAX, &nic->vf_last) &&
			     nic->vf_first <= nic->vf_last;
		} else {
			ok = parse_uint(hash + 1, end, VF_NUM_MAX, &nic->vf_first);
			nic->vf_last = nic->vf_first;
		}
		if (!ok) {
			jr_error(
				r, false,
				"'%s' has a bad VF range (write PF#FIRST-LAST with FIRST <= LAST <= %d, like ens1f0#0-3)",
				s, VF_NUM_MAX);
			k = -1;
		}
		nic->has_vf_range = ok;
	}
	jr_pop(r, saved);
	/* A PF that did not parse takes no part in the cross checks (no overlap noise). */
	if (k == 1)
		nic->pf = pf;
	else
		free(pf);
	return k;
}

static bool
driver_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 31)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!islower(c) && !isdigit(c) && c != '_' && c != '-')
			return false;
	}
	return true;
}

static char *
dup_or_oom(struct jr *r, const char *s)
{
	char *d = strdup(s);

	if (!d)
		r->diags->oom = 1;
	return d;
}

static void
origin_set(struct jr *r, struct agent_origin *o, const struct agent_policy *p, size_t file_index,
	   size_t index)
{
	struct json_pos pos = jr_pos(r, jr_path(r), false);

	o->file = p->files[file_index];
	o->file_index = file_index;
	o->index = index;
	o->line = pos.line;
	o->column = pos.column;
}

static void
parse_nic(struct jr *r, json_t *obj, struct agent_nic *nic)
{
	const char *s;
	long long x;

	jr_check_fields(r, obj, nic_fields);
	if (read_name(r, obj, "name", true, &nic->name) == 1 && strcmp(nic->name, "drop") == 0) {
		size_t saved = jr_push_key(r, "name");

		jr_error(r, false, "'drop' is reserved for a chain's egress (choose another name)");
		jr_pop(r, saved);
	}
	read_pf(r, obj, nic);
	if (jr_int(r, obj, "max_vfs", false, 0, VF_NUM_MAX + 1, &x) == 1) {
		nic->has_max_vfs = true;
		nic->max_vfs = (unsigned)x;
	}
	s = "vfio-pci";
	if (jr_string(r, obj, "vf_driver", false, &s) == 1 && !driver_name_valid(s)) {
		size_t saved = jr_push_key(r, "vf_driver");

		jr_error(
			r, false,
			"'%s' is not a driver name (use vfio-pci or a kernel driver such as iavf or mlx5_core)",
			s);
		jr_pop(r, saved);
	}
	nic->vf_driver = dup_or_oom(r, s);
	if (jr_int(r, obj, "mtu", false, 68, 65535, &x) == 1)
		nic->mtu = (unsigned)x;
	if (jr_string(r, obj, "uplink", false, &s) == 1) {
		if (!s[0] || has_space(s)) {
			size_t saved = jr_push_key(r, "uplink");

			jr_error(
				r, false,
				"'%s' is not a DPDK device (name one without spaces, like 0000:3b:00.0 or net_tap0,iface=nfp0)",
				s);
			jr_pop(r, saved);
		}
		nic->uplink = dup_or_oom(r, s);
	}
}

static void
parse_cpus(struct jr *r, json_t *obj, struct agent_workload *w)
{
	const char *s;
	size_t saved;
	int e;

	if (jr_string(r, obj, "cpus", false, &s) != 1)
		return;
	saved = jr_push_key(r, "cpus");
	e = has_space(s) ? -EINVAL : vfm_cpulist_parse(s, &w->cpus);
	if (e == -ERANGE)
		jr_error(r, false, "'%s' names a CPU above %d (use CPUs 0-%d)", s,
			 VFM_CPUSET_MAX - 1, VFM_CPUSET_MAX - 1);
	else if (e != 0)
		jr_error(r, false, "'%s' is not a CPU list (write CPUs and ranges like 0-3,8)", s);
	else
		w->has_cpus = true;
	jr_pop(r, saved);
}

/* A field that only one workload type may have. */
static void
only_for(struct jr *r, json_t *obj, const char *key, const char *type, const char *why)
{
	size_t saved;

	if (!json_object_get(obj, key))
		return;
	saved = jr_push_key(r, key);
	jr_error(r, true, "only for type '%s' (%s)", type, why);
	jr_pop(r, saved);
}

static void
parse_workload(struct jr *r, json_t *obj, struct agent_workload *w)
{
	const char *s;
	long long x;
	int e;
	int type_ok;
	bool is_vm;

	jr_check_fields(r, obj, workload_fields);
	read_name(r, obj, "name", true, &w->name);
	type_ok = jr_enum(r, obj, "type", type_names, &e);
	if (type_ok == 0)
		jr_error(r, false, "missing required field 'type' (add it: \"vm\" or \"nf\")");
	w->type = type_ok == 1 ? (enum agent_workload_type)e : AGENT_WORKLOAD_VM;
	is_vm = w->type == AGENT_WORKLOAD_VM;
	read_name(r, obj, "nic", true, &w->nic_name);

	if (is_vm && jr_string(r, obj, "domain", false, &s) == 1) {
		if (!s[0]) {
			size_t saved = jr_push_key(r, "domain");

			jr_error(
				r, false,
				"is empty (name the libvirt domain, or remove the field to use the workload name)");
			jr_pop(r, saved);
		}
		w->domain = dup_or_oom(r, s);
	} else if (is_vm && w->name) {
		w->domain = dup_or_oom(r, w->name);
	}
	if (type_ok == 1 && !is_vm) {
		only_for(r, obj, "domain", "vm",
			 "an NF is a process, not a libvirt domain; remove it");
	}
	if (type_ok == 1 && is_vm) {
		only_for(r, obj, "cores", "nf",
			 "a VM's vCPUs come from its libvirt domain; remove it");
	}

	w->has_mac = read_mac(r, obj, "mac", type_ok == 1 && is_vm, w->mac) == 1;
	if (jr_int(r, obj, "vlan", false, 1, 4094, &x) == 1)
		w->vlan = (uint16_t)x;
	if (jr_int(r, obj, "vlan_qos", false, 0, 7, &x) == 1)
		w->qos = (uint8_t)x;
	if (jr_enum(r, obj, "vlan_proto", proto_names, &e) == 1)
		w->vlan_proto = (enum agent_vlan_proto)e;
	if (!json_object_get(obj, "vlan")) {
		static const char *const needs_vlan[] = {"vlan_qos", "vlan_proto", NULL};

		for (size_t i = 0; needs_vlan[i]; i++) {
			size_t saved;

			if (!json_object_get(obj, needs_vlan[i]))
				continue;
			saved = jr_push_key(r, needs_vlan[i]);
			jr_error(r, true, "needs a vlan (add \"vlan\" or remove this field)");
			jr_pop(r, saved);
		}
	}

	if (jr_enum(r, obj, "path", path_names, &e) == 1)
		w->path = (enum agent_path)e;
	w->spoofchk = true;
	jr_bool(r, obj, "spoofchk", &w->spoofchk);
	jr_bool(r, obj, "trust", &w->trust);
	if (jr_enum(r, obj, "link_state", link_names, &e) == 1)
		w->link_state = (enum agent_link_state)e;
	if (jr_int(r, obj, "min_tx_rate", false, 0, MAX_TX_RATE_MAX, &x) == 1)
		w->min_tx_rate = (uint32_t)x;
	if (jr_int(r, obj, "max_tx_rate", false, 0, MAX_TX_RATE_MAX, &x) == 1)
		w->max_tx_rate = (uint32_t)x;
	if (w->max_tx_rate && w->min_tx_rate > w->max_tx_rate) {
		size_t saved = jr_push_key(r, "min_tx_rate");

		jr_error(
			r, false,
			"%u Mbps is above max_tx_rate %u Mbps (lower min_tx_rate or raise max_tx_rate)",
			w->min_tx_rate, w->max_tx_rate);
		jr_pop(r, saved);
	}
	if (jr_enum(r, obj, "numa_affinity", numa_names, &e) == 1)
		w->numa_affinity = (enum agent_numa_affinity)e;
	if (jr_enum(r, obj, "cpu_policy", cpu_names, &e) == 1)
		w->cpu_policy = (enum agent_cpu_policy)e;
	w->cores = is_vm ? 0 : 1;
	if (!is_vm && jr_int(r, obj, "cores", false, 1, VFM_CPUSET_MAX, &x) == 1)
		w->cores = (unsigned)x;
	parse_cpus(r, obj, w);
	if (!is_vm && w->has_cpus && w->cpu_policy == AGENT_CPU_DEDICATED &&
	    w->cores > vfm_cpuset_count(&w->cpus)) {
		size_t saved = jr_push_key(r, "cores");

		jr_error(
			r, false,
			"%u dedicated cores do not fit in the %u CPUs of cpus (lower cores or list more CPUs)",
			w->cores, vfm_cpuset_count(&w->cpus));
		jr_pop(r, saved);
	}
	w->allow_path_move = !is_vm;
	jr_bool(r, obj, "allow_path_move", &w->allow_path_move);
	if (type_ok == 1)
		policy_parse_nf_run(r, obj, !is_vm, &w->run);
}

static void
parse_chain(struct jr *r, json_t *obj, struct agent_chain *c)
{
	json_t *match, *hops, *v;
	const char *s;
	long long x;
	size_t i;
	int e;

	jr_check_fields(r, obj, chain_fields);
	read_name(r, obj, "name", true, &c->name);
	if (jr_member(r, obj, "match", true, JSON_OBJECT, &match) == 1) {
		size_t saved = jr_push_key(r, "match");

		jr_check_fields(r, match, match_fields);
		read_mac(r, match, "dst_mac", true, c->match_mac);
		if (jr_int(r, match, "vlan", false, 1, 4094, &x) == 1)
			c->match_vlan = (uint16_t)x;
		jr_pop(r, saved);
	}
	if (jr_member(r, obj, "hops", true, JSON_ARRAY, &hops) == 1) {
		size_t saved = jr_push_key(r, "hops");

		if (json_array_size(hops) == 0)
			jr_error(
				r, false,
				"is empty (list the NF workloads the traffic goes through, in order)");
		c->hop_names = calloc(json_array_size(hops) + 1, sizeof(*c->hop_names));
		c->hops = calloc(json_array_size(hops) + 1, sizeof(*c->hops));
		if (!c->hop_names || !c->hops) {
			r->diags->oom = 1;
		} else {
			json_array_foreach(hops, i, v)
			{
				size_t saved2 = jr_push_index(r, i);

				if (jr_expect(r, v, JSON_STRING))
					c->hop_names[i] = dup_or_oom(r, json_string_value(v));
				jr_pop(r, saved2);
			}
			c->n_hops = json_array_size(hops);
		}
		jr_pop(r, saved);
	}
	if (jr_string(r, obj, "egress", true, &s) == 1) {
		c->egress = strcmp(s, "drop") == 0 ? AGENT_EGRESS_DROP : AGENT_EGRESS_NIC;
		c->egress_name = dup_or_oom(r, s);
	}
	if (jr_enum(r, obj, "on_hop_down", hop_down_names, &e) == 1)
		c->on_hop_down = (enum agent_hop_down)e;
}

static int
parse_array(struct jr *r, struct agent_policy *p, json_t *root, const char *key, size_t fi)
{
	json_t *arr, *v;
	size_t i, saved, n;
	int k = jr_member(r, root, key, false, JSON_ARRAY, &arr);

	if (k != 1)
		return 0;
	n = json_array_size(arr);
	saved = jr_push_key(r, key);
	if (strcmp(key, "nics") == 0) {
		struct agent_nic *nv = realloc(p->nics, (p->n_nics + n + 1) * sizeof(*nv));

		if (!nv)
			goto oom;
		p->nics = nv;
	} else if (strcmp(key, "workloads") == 0) {
		struct agent_workload *wv =
			realloc(p->workloads, (p->n_workloads + n + 1) * sizeof(*wv));

		if (!wv)
			goto oom;
		p->workloads = wv;
	} else {
		struct agent_chain *cv = realloc(p->chains, (p->n_chains + n + 1) * sizeof(*cv));

		if (!cv)
			goto oom;
		p->chains = cv;
	}
	json_array_foreach(arr, i, v)
	{
		size_t saved2 = jr_push_index(r, i);

		if (!jr_expect(r, v, JSON_OBJECT)) {
			jr_pop(r, saved2);
			continue;
		}
		if (strcmp(key, "nics") == 0) {
			struct agent_nic *nic = &p->nics[p->n_nics++];

			memset(nic, 0, sizeof(*nic));
			origin_set(r, &nic->origin, p, fi, i);
			parse_nic(r, v, nic);
		} else if (strcmp(key, "workloads") == 0) {
			struct agent_workload *w = &p->workloads[p->n_workloads++];

			memset(w, 0, sizeof(*w));
			origin_set(r, &w->origin, p, fi, i);
			parse_workload(r, v, w);
		} else {
			struct agent_chain *c = &p->chains[p->n_chains++];

			memset(c, 0, sizeof(*c));
			origin_set(r, &c->origin, p, fi, i);
			parse_chain(r, v, c);
		}
		jr_pop(r, saved2);
	}
	jr_pop(r, saved);
	return 0;
oom:
	jr_pop(r, saved);
	return -ENOMEM;
}

int
policy_parse_file(struct policy_loader *l, size_t file_index, json_t *root)
{
	struct jr *r = &l->readers[file_index];
	long long version;
	json_t *v;
	int k;

	if (!json_is_object(root)) {
		jr_error(
			r, false,
			"expected an object, got %s (a policy file is an object with nics, workloads and chains)",
			jr_type_name(root));
		return 0;
	}
	jr_check_fields(r, root, top_fields);
	v = json_object_get(root, "version");
	if (v && json_is_integer(v)) {
		version = json_integer_value(v);
		if (version != AGENT_POLICY_VERSION) {
			size_t saved = jr_push_key(r, "version");

			jr_error(r, false,
				 "version %lld is not supported (this nfpath reads version %d)",
				 version, AGENT_POLICY_VERSION);
			jr_pop(r, saved);
		}
	} else if (v) {
		size_t saved = jr_push_key(r, "version");

		jr_expect(r, v, JSON_INTEGER);
		jr_pop(r, saved);
	}
	if ((k = parse_array(r, l->policy, root, "nics", file_index)) < 0 ||
	    (k = parse_array(r, l->policy, root, "workloads", file_index)) < 0 ||
	    (k = parse_array(r, l->policy, root, "chains", file_index)) < 0)
		return k;
	return l->diags->oom ? -ENOMEM : 0;
}
