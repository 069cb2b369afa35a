// SPDX-License-Identifier: BSD-3-Clause
/* Tests of datapath/ctl-msg.c: request parsing (every op, every error type) and replies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl-msg.h"

static struct dp_ctl_req req;
static struct dp_ctl_err err;

static int
parse(const char *s)
{
	return dp_ctl_parse(s, strlen(s), &req, &err);
}

static void
expect_err(const char *s, enum dp_ctl_errtype t, const char *needle)
{
	assert_int_equal(parse(s), -EINVAL);
	if (err.type != t) {
		fail_msg("'%s': got %s (%s), want %s", s, dp_ctl_errtype_name(err.type), err.msg,
			 dp_ctl_errtype_name(t));
	}
	if (needle && !strstr(err.msg, needle)) {
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, needle);
	}
}

static void
test_simple_ops(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"v\":1,\"id\":7,\"op\":\"hello\",\"client\":\"nfpathd\"}"), 0);
	assert_int_equal(req.op, DP_CTL_HELLO);
	assert_true(req.has_id);
	assert_int_equal(req.id, 7);
	assert_int_equal(parse("{\"v\":1,\"id\":0,\"op\":\"port_list\"}"), 0);
	assert_int_equal(req.op, DP_CTL_PORT_LIST);
	assert_int_equal(parse("{\"op\":\"stats\",\"id\":9007199254740991,\"v\":1}"), 0);
	assert_int_equal(req.op, DP_CTL_STATS);
	assert_int_equal(req.id, 9007199254740991LL);
	assert_int_equal(parse("{\"v\":1,\"id\":1,\"op\":\"flow_list\"}"), 0);
	assert_int_equal(parse("{\"v\":1,\"id\":1,\"op\":\"chain_list\"}"), 0);
	assert_int_equal(req.op, DP_CTL_CHAIN_LIST);
}

static void
test_flow_add(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:0A:0b:00:00:"
			       "01\",\"vlan\":100,\"chain\":5,\"port\":\"net_tap0\"}"),
			 0);
	assert_int_equal(req.op, DP_CTL_FLOW_ADD);
	assert_memory_equal(req.mac, ((uint8_t[]){2, 0x0a, 0x0b, 0, 0, 1}), 6);
	assert_int_equal(req.vlan, 100);
	assert_int_equal(req.chain, 5);
	assert_true(req.has_port);
	assert_true(req.port.by_name);
	assert_string_equal(req.port.name, "net_tap0");

	assert_int_equal(parse("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:"
			       "01\",\"chain\":0,\"port\":1}"),
			 0);
	assert_int_equal(req.vlan, 0);
	assert_false(req.port.by_name);
	assert_int_equal(req.port.index, 1);

	assert_int_equal(parse("{\"v\":1,\"id\":2,\"op\":\"flow_del\",\"mac\":\"ff:ff:ff:ff:ff:"
			       "ff\",\"vlan\":4094}"),
			 0);
	assert_int_equal(req.op, DP_CTL_FLOW_DEL);
	assert_int_equal(req.vlan, 4094);
}

static void
test_flow_errors(void **state)
{
	(void)state;
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"chain\":1}", DP_CTL_E_INVALID,
		   "'mac' is missing");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00\",\"chain\":1}",
		   DP_CTL_E_INVALID, "'mac'");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02-00-00-00-00-01\",\"chain\":"
		   "1}",
		   DP_CTL_E_INVALID, "'mac'");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":2,\"chain\":1}", DP_CTL_E_INVALID,
		   "'mac'");
	/* Broadcast and multicast are never steered into one chain. */
	expect_err(
		"{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"ff:ff:ff:ff:ff:ff\",\"chain\":1}",
		DP_CTL_E_INVALID, "is a broadcast address");
	expect_err(
		"{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"01:00:5e:00:00:01\",\"chain\":1}",
		DP_CTL_E_INVALID, "is a multicast address");
	expect_err(
		"{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"33:33:00:00:00:01\",\"chain\":1}",
		DP_CTL_E_INVALID, "multicast");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\"}",
		   DP_CTL_E_INVALID, "'chain' is missing");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1024}",
		   DP_CTL_E_INVALID, "out of range");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "\"1\"}",
		   DP_CTL_E_INVALID, "integer");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1,\"vlan\":4095}",
		   DP_CTL_E_INVALID, "'vlan'");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1,\"vlan\":0}",
		   DP_CTL_E_INVALID, "omit it");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1,\"vlan\":1.5}",
		   DP_CTL_E_INVALID, "'vlan'");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1,\"port\":[]}",
		   DP_CTL_E_INVALID, "'port'");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1,\"port\":\"\"}",
		   DP_CTL_E_INVALID, "'port'");
	expect_err("{\"v\":1,\"id\":2,\"op\":\"flow_del\",\"mac\":\"02:00:00:00:00:01\",\"chain\":"
		   "1}",
		   DP_CTL_E_BAD_REQUEST, "unknown field 'chain'");
	/* The id is kept for the error reply. */
	assert_true(req.has_id);
	assert_int_equal(req.id, 2);
}

static void
test_chain(void **state)
{
	(void)state;
	assert_int_equal(
		parse("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1023,\"hops\":[{"
		      "\"nf\":\"fw\"},{\"port\":\"net_ring1\"}],\"on_hop_down\":\"bypass\"}"),
		0);
	assert_int_equal(req.op, DP_CTL_CHAIN_SET);
	assert_int_equal(req.chain, 1023);
	assert_int_equal(req.n_hops, 2);
	assert_true(req.hops[0].is_nf);
	assert_string_equal(req.hops[0].nf, "fw");
	assert_true(req.on_hop_down_bypass);
	assert_false(req.hops[1].is_nf);
	assert_string_equal(req.hops[1].port.name, "net_ring1");
	assert_int_equal(parse("{\"v\":1,\"id\":3,\"op\":\"chain_del\",\"chain\":0}"), 0);
	assert_int_equal(req.op, DP_CTL_CHAIN_DEL);

	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1}", DP_CTL_E_INVALID,
		   "'hops' is missing");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[]}",
		   DP_CTL_E_INVALID, "1-8 hops");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":{}}",
		   DP_CTL_E_INVALID, "1-8 hops");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"port\":1},{"
		   "\"port\":1},{\"port\":1},{\"port\":1},{\"port\":1},{\"port\":1},{\"port\":1},{"
		   "\"port\":1},{\"port\":1}]}",
		   DP_CTL_E_INVALID, "1-8 hops");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"vm\":1}]}",
		   DP_CTL_E_INVALID, "unknown hop kind");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"port\":1,"
		   "\"nf\":2}]}",
		   DP_CTL_E_INVALID, "one key");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"nf\":-1}]}",
		   DP_CTL_E_INVALID, "'hops[0].nf' must be an NF name");
	expect_err(
		"{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"nf\":\"a b\"}]}",
		DP_CTL_E_INVALID, "'hops[0].nf' must be an NF name");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"port\":1}],"
		   "\"on_hop_down\":\"retry\"}",
		   DP_CTL_E_INVALID, "'on_hop_down' must be");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":1,\"hops\":[3]}",
		   DP_CTL_E_INVALID, "hops[0]");
	expect_err("{\"v\":1,\"id\":3,\"op\":\"chain_del\",\"chain\":-1}", DP_CTL_E_INVALID,
		   "out of range");
}

static void
test_nf_ops(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"fw.1\","
			       "\"service\":\"fw\",\"ring_size\":4096,\"cpu\":1}"),
			 0);
	assert_int_equal(req.op, DP_CTL_NF_ADD);
	assert_string_equal(req.name, "fw.1");
	assert_string_equal(req.service, "fw");
	assert_int_equal(req.ring_size, 4096);
	assert_int_equal(req.cpu, 1);
	/* Defaults: own service, 1024 entries, no CPU. */
	assert_int_equal(parse("{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"nat\"}"), 0);
	assert_string_equal(req.service, "");
	assert_int_equal(req.ring_size, 1024);
	assert_int_equal(req.cpu, -1);
	assert_int_equal(parse("{\"v\":1,\"id\":4,\"op\":\"nf_del\",\"name\":\"nat\"}"), 0);
	assert_int_equal(req.op, DP_CTL_NF_DEL);
	assert_int_equal(parse("{\"v\":1,\"id\":4,\"op\":\"nf_list\"}"), 0);
	assert_int_equal(req.op, DP_CTL_NF_LIST);

	expect_err("{\"v\":1,\"id\":4,\"op\":\"nf_add\"}", DP_CTL_E_INVALID, "'name' is missing");
	expect_err(
		"{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"a-name-longer-than-31-characters\"}",
		DP_CTL_E_INVALID, "'name' must be an NF name");
	expect_err("{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"x\",\"ring_size\":1000}",
		   DP_CTL_E_INVALID, "power of two");
	expect_err("{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"x\",\"ring_size\":32}",
		   DP_CTL_E_INVALID, "power of two");
	expect_err("{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"x\",\"cpu\":-2}",
		   DP_CTL_E_INVALID, "'cpu' must be");
	expect_err("{\"v\":1,\"id\":4,\"op\":\"nf_add\",\"name\":\"x\",\"slot\":1}",
		   DP_CTL_E_BAD_REQUEST, "unknown field 'slot'");
	expect_err("{\"v\":1,\"id\":4,\"op\":\"nf_del\",\"name\":7}", DP_CTL_E_INVALID,
		   "'name' must be an NF name");
}

static void
test_envelope_errors(void **state)
{
	static char big[DP_CTL_MSG_MAX + 2];

	(void)state;
	expect_err("", DP_CTL_E_PARSE, "empty message");
	expect_err("{\"v\":1,", DP_CTL_E_PARSE, "line 1");
	expect_err("[1,2]", DP_CTL_E_BAD_REQUEST, "object");
	expect_err("\"hello\"", DP_CTL_E_BAD_REQUEST, NULL);
	expect_err("{\"id\":1,\"op\":\"hello\"}", DP_CTL_E_BAD_REQUEST, "'v'");
	expect_err("{\"v\":2,\"id\":1,\"op\":\"hello\"}", DP_CTL_E_VERSION, "1");
	expect_err("{\"v\":\"1\",\"id\":1,\"op\":\"hello\"}", DP_CTL_E_VERSION, NULL);
	expect_err("{\"v\":1,\"op\":\"hello\"}", DP_CTL_E_BAD_REQUEST, "'id' is missing");
	expect_err("{\"v\":1,\"id\":\"x\",\"op\":\"hello\"}", DP_CTL_E_BAD_REQUEST, "'id'");
	assert_false(req.has_id);
	expect_err("{\"v\":1,\"id\":-4,\"op\":\"hello\"}", DP_CTL_E_BAD_REQUEST, "'id'");
	expect_err("{\"v\":1,\"id\":1}", DP_CTL_E_BAD_REQUEST, "'op' is missing");
	expect_err("{\"v\":1,\"id\":1,\"op\":7}", DP_CTL_E_BAD_REQUEST, "'op'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"reboot\"}", DP_CTL_E_UNKNOWN_OP, "'reboot'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"hello\",\"x\":1}", DP_CTL_E_BAD_REQUEST,
		   "unknown field 'x'");
	expect_err("{\"v\":1,\"id\":1,\"id\":2,\"op\":\"hello\"}", DP_CTL_E_PARSE, "duplicate");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"hello\",\"client\":5}", DP_CTL_E_INVALID,
		   "'client'");
	memset(big, ' ', sizeof(big));
	assert_int_equal(dp_ctl_parse(big, sizeof(big), &req, &err), -EINVAL);
	assert_int_equal(err.type, DP_CTL_E_TOO_LARGE);
	/* Embedded NUL: Jansson rejects it, so a C string cut cannot hide the rest. */
	assert_int_equal(dp_ctl_parse("{\"v\":1}\0{", 10, &req, &err), -EINVAL);
}

static void
test_every_name(void **state)
{
	(void)state;
	/* A missing table entry would make replies fail to build. */
	for (int i = 0; i < DP_CTL_OP_MAX; i++) {
		assert_string_not_equal(dp_ctl_op_name((enum dp_ctl_op)i), "?");
	}
	for (int i = 0; i < DP_CTL_E_MAX; i++) {
		const char *n = dp_ctl_errtype_name((enum dp_ctl_errtype)i);

		assert_true(i == DP_CTL_E_INTERNAL || strcmp(n, "internal") != 0);
	}
	assert_string_equal(dp_ctl_errtype_name(DP_CTL_E_BUSY), "busy");
}

static void
test_vhost(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"vm-1_a\"}"), 0);
	assert_int_equal(req.op, DP_CTL_VHOST_ADD);
	assert_string_equal(req.name, "vm-1_a");
	/* Without the new fields: server mode, no MAC, spoofchk on (nfpathd of before). */
	assert_false(req.vhost_client);
	assert_false(req.has_mac);
	assert_true(req.spoofchk);
	assert_int_equal(
		parse("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"a\",\"mode\":"
		      "\"client\",\"mac\":\"02:00:00:00:00:0A\",\"vlan\":20,\"spoofchk\":false}"),
		0);
	assert_true(req.vhost_client);
	assert_true(req.has_mac);
	assert_int_equal(req.mac[5], 0x0a);
	assert_int_equal(req.vlan, 20);
	assert_false(req.spoofchk);
	assert_int_equal(parse("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"a\",\"mode\":"
			       "\"server\",\"vlan\":7}"),
			 0);
	assert_false(req.vhost_client);
	assert_false(req.has_mac);
	assert_int_equal(req.vlan, 7);
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"a\",\"mode\":\"both\"}",
		   DP_CTL_E_INVALID, "'mode' must be");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"a\",\"spoofchk\":1}",
		   DP_CTL_E_INVALID, "'spoofchk'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"a\",\"mac\":\"02:00\"}",
		   DP_CTL_E_INVALID, "'mac'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"a\",\"vlan\":0}",
		   DP_CTL_E_INVALID, "'vlan'");
	assert_int_equal(parse("{\"v\":1,\"id\":1,\"op\":\"vhost_del\",\"name\":\"x\"}"), 0);
	assert_int_equal(req.op, DP_CTL_VHOST_DEL);
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\"}", DP_CTL_E_INVALID,
		   "'name' is missing");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"../x\"}", DP_CTL_E_INVALID,
		   "'name'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":\"\"}", DP_CTL_E_INVALID,
		   "'name'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":7}", DP_CTL_E_INVALID,
		   "'name'");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_add\",\"name\":"
		   "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		   DP_CTL_E_INVALID, "1-32");
	expect_err("{\"v\":1,\"id\":1,\"op\":\"vhost_del\",\"name\":\"x\",\"chain\":1}",
		   DP_CTL_E_BAD_REQUEST, "unknown field");
}

static void
test_replies(void **state)
{
	json_error_t je;
	json_t *o;
	char *s;

	(void)state;
	assert_int_equal(parse("{\"v\":1,\"id\":42,\"op\":\"hello\"}"), 0);
	s = dp_ctl_reply_ok(&req, json_pack("{s:i}", "x", 3));
	assert_non_null(s);
	o = json_loads(s, 0, &je);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "result"), "x")), 3);
	json_decref(o);
	free(s);

	s = dp_ctl_reply_err(false, 0, DP_CTL_E_UNKNOWN_OP, "bad \xc3 op\n");
	assert_non_null(s);
	o = json_loads(s, 0, &je);
	assert_non_null(o);
	assert_true(json_is_null(json_object_get(o, "id")));
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "error"), "type")),
			    "unknown_op");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "error"), "message")),
		"bad ? op?");
	json_decref(o);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_ops),  cmocka_unit_test(test_flow_add),
		cmocka_unit_test(test_flow_errors), cmocka_unit_test(test_chain),
		cmocka_unit_test(test_nf_ops),      cmocka_unit_test(test_envelope_errors),
		cmocka_unit_test(test_replies),     cmocka_unit_test(test_every_name),
		cmocka_unit_test(test_vhost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
