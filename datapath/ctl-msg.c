// SPDX-License-Identifier: BSD-3-Clause
/*
 * Control requests and replies (ctl-msg.h). Strict: duplicate keys, unknown fields, wrong
 * types and out-of-range values are errors that name the field and what is expected, so the
 * agent learns of a mismatch at once instead of the datapath guessing.
 */
#include "ctl-msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[DP_CTL_OP_MAX] = {
	[DP_CTL_HELLO] = "hello",         [DP_CTL_PORT_LIST] = "port_list",
	[DP_CTL_FLOW_ADD] = "flow_add",   [DP_CTL_FLOW_DEL] = "flow_del",
	[DP_CTL_FLOW_LIST] = "flow_list", [DP_CTL_CHAIN_SET] = "chain_set",
	[DP_CTL_CHAIN_DEL] = "chain_del", [DP_CTL_CHAIN_LIST] = "chain_list",
	[DP_CTL_STATS] = "stats",         [DP_CTL_VHOST_ADD] = "vhost_add",
	[DP_CTL_VHOST_DEL] = "vhost_del", [DP_CTL_NF_ADD] = "nf_add",
	[DP_CTL_NF_DEL] = "nf_del",       [DP_CTL_NF_LIST] = "nf_list",
};

static const char *const err_names[DP_CTL_E_MAX] = {
	[DP_CTL_E_PARSE] = "parse_error",       [DP_CTL_E_TOO_LARGE] = "too_large",
	[DP_CTL_E_BAD_REQUEST] = "bad_request", [DP_CTL_E_VERSION] = "unsupported_version",
	[DP_CTL_E_UNKNOWN_OP] = "unknown_op",   [DP_CTL_E_INVALID] = "invalid_argument",
	[DP_CTL_E_NOT_FOUND] = "not_found",     [DP_CTL_E_NO_SPACE] = "no_space",
	[DP_CTL_E_UNSUPPORTED] = "unsupported", [DP_CTL_E_PERMISSION] = "permission_denied",
	[DP_CTL_E_INTERNAL] = "internal",       [DP_CTL_E_BUSY] = "busy",
};

/* Fields each op accepts besides v, id and op. */
static const char *const op_fields[DP_CTL_OP_MAX][5] = {
	[DP_CTL_HELLO] = {"client"},
	[DP_CTL_FLOW_ADD] = {"mac", "vlan", "chain", "port"},
	[DP_CTL_FLOW_DEL] = {"mac", "vlan"},
	[DP_CTL_CHAIN_SET] = {"chain", "hops", "on_hop_down"},
	[DP_CTL_NF_ADD] = {"name", "service", "ring_size", "cpu"},
	[DP_CTL_NF_DEL] = {"name"},
	[DP_CTL_CHAIN_DEL] = {"chain"},
	[DP_CTL_VHOST_ADD] = {"name", "mode", "mac", "vlan", "spoofchk"},
	[DP_CTL_VHOST_DEL] = {"name"},
};

const char *
dp_ctl_op_name(enum dp_ctl_op op)
{
	return op < DP_CTL_OP_MAX && op_names[op] ? op_names[op] : "?";
}

const char *
dp_ctl_errtype_name(enum dp_ctl_errtype t)
{
	return t < DP_CTL_E_MAX && err_names[t] ? err_names[t] : "internal";
}

__attribute__((format(printf, 3, 4))) static int
fail(struct dp_ctl_err *err, enum dp_ctl_errtype t, const char *fmt, ...)
{
	va_list ap;

	err->type = t;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void
dp_ctl_mac_format(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx", hex digits of either case. */
static bool
parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17) {
		return false;
	}
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':')) {
			return false;
		}
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static int
get_uint(json_t *o, const char *field, json_int_t max, bool required, uint32_t *ret, bool *present,
	 struct dp_ctl_err *err)
{
	json_t *v = json_object_get(o, field);
	json_int_t i;

	if (present) {
		*present = v != NULL;
	}
	if (!v) {
		return required ? fail(err, DP_CTL_E_INVALID, "'%s' is missing", field) : 0;
	}
	if (!json_is_integer(v)) {
		return fail(err, DP_CTL_E_INVALID, "'%s' must be an integer 0-%lld", field,
			    (long long)max);
	}
	i = json_integer_value(v);
	if (i < 0 || i > max) {
		return fail(err, DP_CTL_E_INVALID, "'%s': %lld is out of range (0-%lld)", field,
			    (long long)i, (long long)max);
	}
	*ret = (uint32_t)i;
	return 0;
}

static int
get_portref(json_t *v, const char *where, struct dp_ctl_portref *p, struct dp_ctl_err *err)
{
	memset(p, 0, sizeof(*p));
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > 65535) {
			return fail(err, DP_CTL_E_INVALID, "'%s': port index %lld is out of range",
				    where, (long long)i);
		}
		p->index = (uint32_t)i;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (!s[0] || strlen(s) >= sizeof(p->name)) {
			return fail(err, DP_CTL_E_INVALID,
				    "'%s': port name must have 1-%zu characters", where,
				    sizeof(p->name) - 1);
		}
		p->by_name = true;
		strcpy(p->name, s);
		return 0;
	}
	return fail(err, DP_CTL_E_INVALID,
		    "'%s' must be a port index (integer) or a device name (string)", where);
}

static int
parse_vlan(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	uint32_t vlan = 0;
	bool has_vlan;

	if (get_uint(o, "vlan", 4094, false, &vlan, &has_vlan, err) < 0 ||
	    (has_vlan && vlan == 0)) {
		return fail(err, DP_CTL_E_INVALID,
			    "'vlan' must be an integer 1-4094 (omit it for untagged frames)");
	}
	req->vlan = (uint16_t)vlan;
	return 0;
}

static int
parse_mac_vlan(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_t *m = json_object_get(o, "mac");

	if (!m) {
		return fail(err, DP_CTL_E_INVALID, "'mac' is missing");
	}
	if (!json_is_string(m) || !parse_mac(json_string_value(m), req->mac)) {
		return fail(err, DP_CTL_E_INVALID,
			    "'mac' must be a string like \"02:00:00:00:00:01\"");
	}
	return parse_vlan(o, req, err);
}

/* 1-32 of [A-Za-z0-9_-]: it names a socket file and a DPDK device. */
static int
parse_name(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_t *v = json_object_get(o, "name");
	const char *s;
	size_t n;

	if (!v) {
		return fail(err, DP_CTL_E_INVALID, "'name' is missing");
	}
	s = json_is_string(v) ? json_string_value(v) : "";
	n = strlen(s);
	if (n == 0 || n > 32 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_-") != n) {
		return fail(err, DP_CTL_E_INVALID,
			    "'name' must be a string of 1-32 letters, digits, '_' or '-'");
	}
	memcpy(req->name, s, n + 1);
	return 0;
}

/* vhost_add: name, optional mode, mac (with vlan), vlan, spoofchk. */
static int
parse_vhost_add(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_t *mode = json_object_get(o, "mode"), *sc = json_object_get(o, "spoofchk");

	if (parse_name(o, req, err) < 0) {
		return -EINVAL;
	}
	if (mode) {
		const char *m = json_string_value(mode);

		if (!m || (strcmp(m, "client") && strcmp(m, "server"))) {
			return fail(err, DP_CTL_E_INVALID,
				    "'mode' must be \"client\" (QEMU serves the socket, nfpath-dp "
				    "connects) or \"server\" (nfpath-dp serves it; the default)");
		}
		req->vhost_client = !strcmp(m, "client");
	}
	req->spoofchk = true;
	if (sc) {
		if (!json_is_boolean(sc)) {
			return fail(err, DP_CTL_E_INVALID,
				    "'spoofchk' must be true (the default) or false");
		}
		req->spoofchk = json_is_true(sc);
	}
	req->has_mac = json_object_get(o, "mac") != NULL;
	return req->has_mac ? parse_mac_vlan(o, req, err) : parse_vlan(o, req, err);
}

/* An NF or service name: 1-31 of [A-Za-z0-9_.-] (it names a slot in shared memory). */
static int
get_nf_name(json_t *v, const char *where, char *out, struct dp_ctl_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t n = strlen(s);

	if (n == 0 || n > 31 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != n) {
		return fail(err, DP_CTL_E_INVALID,
			    "'%s' must be an NF name: 1-31 letters, digits, '_', '.' or '-'",
			    where);
	}
	memcpy(out, s, n + 1);
	return 0;
}

static int
parse_nf_add(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_t *name = json_object_get(o, "name"), *svc = json_object_get(o, "service");
	json_t *cpu = json_object_get(o, "cpu");
	bool has_ring;

	if (!name) {
		return fail(err, DP_CTL_E_INVALID, "'name' is missing");
	}
	if (get_nf_name(name, "name", req->name, err) < 0 ||
	    (svc && get_nf_name(svc, "service", req->service, err) < 0)) {
		return -EINVAL;
	}
	if (get_uint(o, "ring_size", 65536, false, &req->ring_size, &has_ring, err) < 0) {
		return -EINVAL;
	}
	if (!has_ring) {
		req->ring_size = 1024;
	} else if (req->ring_size < 64 || (req->ring_size & (req->ring_size - 1))) {
		return fail(err, DP_CTL_E_INVALID,
			    "'ring_size' must be a power of two, 64-65536 (default 1024)");
	}
	req->cpu = -1;
	if (cpu) {
		json_int_t c = json_is_integer(cpu) ? json_integer_value(cpu) : -2;

		if (c < -1 || c > 4095) {
			return fail(err, DP_CTL_E_INVALID,
				    "'cpu' must be a CPU number 0-4095, or -1 for none");
		}
		req->cpu = (int32_t)c;
	}
	return 0;
}

static int
parse_hops(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_t *hops = json_object_get(o, "hops"), *h;
	size_t i;

	if (!hops) {
		return fail(err, DP_CTL_E_INVALID, "'hops' is missing");
	}
	if (!json_is_array(hops) || json_array_size(hops) < 1 ||
	    json_array_size(hops) > DP_CTL_MAX_HOPS) {
		return fail(err, DP_CTL_E_INVALID, "'hops' must be an array of 1-%d hops",
			    DP_CTL_MAX_HOPS);
	}
	json_array_foreach(hops, i, h)
	{
		struct dp_ctl_hop *hop = &req->hops[i];
		char where[32];
		json_t *port, *nf;

		snprintf(where, sizeof(where), "hops[%zu]", i);
		if (!json_is_object(h) || json_object_size(h) != 1) {
			return fail(err, DP_CTL_E_INVALID,
				    "'%s' must be an object with one key, \"port\" or \"nf\"",
				    where);
		}
		port = json_object_get(h, "port");
		nf = json_object_get(h, "nf");
		if (port) {
			snprintf(where, sizeof(where), "hops[%zu].port", i);
			if (get_portref(port, where, &hop->port, err) < 0) {
				return -EINVAL;
			}
		} else if (nf) {
			snprintf(where, sizeof(where), "hops[%zu].nf", i);
			if (get_nf_name(nf, where, hop->nf, err) < 0) {
				return -EINVAL;
			}
			hop->is_nf = true;
		} else {
			return fail(err, DP_CTL_E_INVALID,
				    "'%s': unknown hop kind (\"port\" or "
				    "\"nf\")",
				    where);
		}
	}
	req->n_hops = (unsigned int)json_array_size(hops);
	return 0;
}

static int
check_fields(json_t *o, enum dp_ctl_op op, struct dp_ctl_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		bool known = !strcmp(key, "v") || !strcmp(key, "id") || !strcmp(key, "op");

		(void)v;
		for (int i = 0; !known && i < 5 && op_fields[op][i]; i++) {
			known = !strcmp(key, op_fields[op][i]);
		}
		if (!known) {
			return fail(err, DP_CTL_E_BAD_REQUEST, "unknown field '%.64s' for op '%s'",
				    key, op_names[op]);
		}
	}
	return 0;
}

static int
parse_obj(json_t *o, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_t *v = json_object_get(o, "v"), *id = json_object_get(o, "id");
	json_t *op = json_object_get(o, "op");
	bool present;
	int i;

	if (id) {
		if (!json_is_integer(id) || json_integer_value(id) < 0) {
			return fail(err, DP_CTL_E_BAD_REQUEST,
				    "'id' must be a non-negative integer");
		}
		req->has_id = true;
		req->id = json_integer_value(id);
	}
	if (!v) {
		return fail(err, DP_CTL_E_BAD_REQUEST,
			    "'v' (protocol version) is missing; this "
			    "datapath speaks %d",
			    DP_CTL_VERSION);
	}
	if (!json_is_integer(v) || json_integer_value(v) != DP_CTL_VERSION) {
		return fail(err, DP_CTL_E_VERSION,
			    "'v' must be %d, the version this datapath "
			    "speaks",
			    DP_CTL_VERSION);
	}
	if (!id) {
		return fail(err, DP_CTL_E_BAD_REQUEST, "'id' is missing");
	}
	if (!op) {
		return fail(err, DP_CTL_E_BAD_REQUEST, "'op' is missing");
	}
	if (!json_is_string(op)) {
		return fail(err, DP_CTL_E_BAD_REQUEST, "'op' must be a string");
	}
	for (i = 0; i < DP_CTL_OP_MAX; i++) {
		if (!strcmp(json_string_value(op), op_names[i])) {
			break;
		}
	}
	if (i == DP_CTL_OP_MAX) {
		return fail(err, DP_CTL_E_UNKNOWN_OP, "unknown op '%.64s'", json_string_value(op));
	}
	req->op = (enum dp_ctl_op)i;
	if (check_fields(o, req->op, err) < 0) {
		return -EINVAL;
	}
	switch (req->op) {
	case DP_CTL_HELLO: {
		json_t *c = json_object_get(o, "client");

		if (c && !json_is_string(c)) {
			return fail(err, DP_CTL_E_INVALID, "'client' must be a string");
		}
		return 0;
	}
	case DP_CTL_FLOW_ADD:
		if (parse_mac_vlan(o, req, err) < 0 ||
		    get_uint(o, "chain", DP_CTL_MAX_CHAIN, true, &req->chain, NULL, err) < 0) {
			return -EINVAL;
		}
		/* The group bit: broadcast and multicast reach every workload of their VLAN
		 * (fwd.c) and must not be steered into one chain. */
		if (req->mac[0] & 1) {
			return fail(err, DP_CTL_E_INVALID,
				    "'mac' %s is a %s address: only unicast MACs are steered "
				    "(broadcast and multicast reach every workload of the VLAN)",
				    json_string_value(json_object_get(o, "mac")),
				    memcmp(req->mac, "\xff\xff\xff\xff\xff\xff", 6) ? "multicast"
										    : "broadcast");
		}
		if (json_object_get(o, "port")) {
			req->has_port = true;
			return get_portref(json_object_get(o, "port"), "port", &req->port, err);
		}
		return 0;
	case DP_CTL_FLOW_DEL:
		return parse_mac_vlan(o, req, err);
	case DP_CTL_CHAIN_SET:
		if (get_uint(o, "chain", DP_CTL_MAX_CHAIN, true, &req->chain, &present, err) < 0) {
			return -EINVAL;
		}
		if (json_object_get(o, "on_hop_down")) {
			const char *d = json_string_value(json_object_get(o, "on_hop_down"));

			if (!d || (strcmp(d, "drop") && strcmp(d, "bypass"))) {
				return fail(err, DP_CTL_E_INVALID,
					    "'on_hop_down' must be \"drop\" or \"bypass\"");
			}
			req->on_hop_down_bypass = !strcmp(d, "bypass");
		}
		return parse_hops(o, req, err);
	case DP_CTL_CHAIN_DEL:
		return get_uint(o, "chain", DP_CTL_MAX_CHAIN, true, &req->chain, &present, err);
	case DP_CTL_VHOST_ADD:
		return parse_vhost_add(o, req, err);
	case DP_CTL_VHOST_DEL:
		return parse_name(o, req, err);
	case DP_CTL_NF_ADD:
		return parse_nf_add(o, req, err);
	case DP_CTL_NF_DEL:
		if (!json_object_get(o, "name")) {
			return fail(err, DP_CTL_E_INVALID, "'name' is missing");
		}
		return get_nf_name(json_object_get(o, "name"), "name", req->name, err);
	default:
		return 0;
	}
}

int
dp_ctl_parse(const char *buf, size_t len, struct dp_ctl_req *req, struct dp_ctl_err *err)
{
	json_error_t jerr;
	json_t *o;
	int r;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	if (len > DP_CTL_MSG_MAX) {
		return fail(err, DP_CTL_E_TOO_LARGE, "request of %zu bytes; the limit is %d", len,
			    DP_CTL_MSG_MAX);
	}
	if (len == 0) {
		return fail(err, DP_CTL_E_PARSE, "empty message: a request is one JSON object");
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!o) {
		return fail(err, DP_CTL_E_PARSE, "not JSON: %s at line %d column %d", jerr.text,
			    jerr.line, jerr.column);
	}
	if (!json_is_object(o)) {
		json_decref(o);
		return fail(err, DP_CTL_E_BAD_REQUEST, "a request is a JSON object");
	}
	r = parse_obj(o, req, err);
	json_decref(o);
	return r;
}

static char *
dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

char *
dp_ctl_reply_ok(const struct dp_ctl_req *req, json_t *result)
{
	return dump(json_pack("{s:i, s:I, s:b, s:o}", "v", DP_CTL_VERSION, "id",
			      (json_int_t)req->id, "ok", 1, "result",
			      result ? result : json_object()));
}

char *
dp_ctl_reply_err(bool has_id, int64_t id, enum dp_ctl_errtype t, const char *msg)
{
	char clean[256];
	size_t i;

	/* Messages quote user input, maybe cut inside a UTF-8 sequence: keep them ASCII. */
	for (i = 0; msg[i] && i < sizeof(clean) - 1; i++) {
		unsigned char c = (unsigned char)msg[i];

		clean[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	clean[i] = '\0';
	msg = clean;
	return dump(json_pack("{s:i, s:o, s:b, s:{s:s, s:s}}", "v", DP_CTL_VERSION, "id",
			      has_id ? json_integer(id) : json_null(), "ok", 0, "error", "type",
			      dp_ctl_errtype_name(t), "message", msg));
}
