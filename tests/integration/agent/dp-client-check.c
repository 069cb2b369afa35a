// SPDX-License-Identifier: BSD-3-Clause
/*
 * agent/node/dp-client.c against a real nfpath-dp (started by test_dp_client.py on net_ring0 and
 * net_ring1): every typed helper, a refusal, and with "restart": the datapath is restarted
 * between two requests of the same client, which reconnects and finds a datapath without state.
 * Usage: dp-client-check SOCKET [restart]. Prints "ok: ..." per check; exit 1 at the first
 * failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-client.h"

static struct agent_dp_client *c;

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "FAIL: %s (last error: %s)\n", what, c->err);
		agent_dp_client_free(c);
		exit(1);
	}
	printf("ok: %s\n", what);
	fflush(stdout);
}

static bool
has_port(json_t *hello, const char *name)
{
	json_t *ports = json_object_get(json_object_get(hello, "capabilities"), "ports"), *p;
	size_t i;

	json_array_foreach(ports, i, p) if (strcmp(json_string_value(json_object_get(p, "name")),
						   name) == 0) return true;
	return false;
}

int
main(int argc, char **argv)
{
	json_t *res = NULL, *hops;
	json_int_t pid1;
	char line[64], *text;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: dp-client-check SOCKET [restart]\n");
		return 2;
	}
	c = agent_dp_client_new(argv[1], 5000);
	check(agent_dp_hello(c, &res) == 0, "hello");
	check(json_integer_value(json_object_get(res, "version")) == 1, "hello: version 1");
	pid1 = json_integer_value(json_object_get(res, "pid"));
	check(pid1 > 0, "hello: the datapath's pid");
	check(has_port(res, "net_ring0") && has_port(res, "net_ring1"), "hello: both ring ports");
	json_decref(res);

	hops = json_pack("[{s:s}]", "port", "net_ring1");
	check(agent_dp_chain_set(c, 1, hops, NULL, &res) == 0, "chain_set 1 -> net_ring1");
	json_decref(hops);
	check(json_integer_value(json_object_get(res, "chain")) == 1,
	      "chain_set: result names chain 1");
	json_decref(res);
	check(agent_dp_flow_add(c, "02:00:00:00:00:0a", 20, 1, NULL, &res) == 0,
	      "flow_add 02:00:00:00:00:0a vlan 20 -> chain 1");
	check(json_integer_value(json_object_get(res, "vlan")) == 20 &&
		      json_string_value(json_object_get(res, "path")) != NULL,
	      "flow_add: result has the vlan and the path taken");
	json_decref(res);
	check(agent_dp_nf_add(c, "fw", NULL, 256, &res) == 0, "nf_add fw ring 256");
	json_decref(res);
	hops = json_pack("[{s:s},{s:s}]", "nf", "fw", "port", "net_ring1");
	check(agent_dp_chain_set(c, 2, hops, "bypass", NULL) == 0,
	      "chain_set 2: fw then net_ring1");
	json_decref(hops);
	check(agent_dp_stats(c, &res) == 0 && json_is_object(res), "stats");
	json_decref(res);
	r = agent_dp_chain_del(c, 999);
	check(r == -EREMOTEIO && c->err_type[0], "chain_del 999 is refused with an error type");
	printf("   (%s)\n", c->err);
	check(agent_dp_flow_del(c, "02:00:00:00:00:0a", 20) == 0, "flow_del");
	check(agent_dp_chain_del(c, 2) == 0, "chain_del 2");
	check(agent_dp_nf_del(c, "fw") == 0, "nf_del fw");
	check(agent_dp_vhost_add(c, "vmx", "02:00:00:00:00:0b", 30, true, &res) == 0,
	      "vhost_add vmx with its workload's MAC and VLAN");
	check(json_is_string(json_object_get(res, "workload_mac")) &&
		      strcmp(json_string_value(json_object_get(res, "workload_mac")),
			     "02:00:00:00:00:0b") == 0 &&
		      json_integer_value(json_object_get(res, "vlan")) == 30 &&
		      json_is_true(json_object_get(res, "spoofchk")),
	      "vmx carries workload_mac 02:00:00:00:00:0b, vlan 30, spoofchk");
	json_decref(res);
	check(agent_dp_vhost_del(c, "vmx") == 0, "vhost_del vmx");
	check(c->connects == 1, "one connection for all of it");

	if (argc > 2 && strcmp(argv[2], "restart") == 0) {
		printf("restart-me\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		/* the old connection is dead: the next request reconnects by itself */
		check(agent_dp_hello(c, &res) == 0, "hello after the datapath restarted");
		check(c->connects == 2, "the client reconnected once");
		check(json_integer_value(json_object_get(res, "pid")) != pid1,
		      "a different nfpath-dp process answered");
		json_decref(res);
		check(agent_dp_client_request(c, "flow_list", NULL, &res) == 0, "flow_list");
		text = json_dumps(res, JSON_COMPACT);
		json_decref(res);
		check(text && !strstr(text, "02:00:00:00:00:0a"),
		      "the restarted datapath has no flows (nothing durable)");
		printf("   (%s)\n", text);
		free(text);
		hops = json_pack("[{s:s}]", "port", "net_ring1");
		check(agent_dp_chain_set(c, 1, hops, NULL, NULL) == 0 &&
			      agent_dp_flow_add(c, "02:00:00:00:00:0a", 20, 1, NULL, NULL) == 0,
		      "replay: chain 1 and the flow again");
		json_decref(hops);
		check(agent_dp_client_request(c, "flow_list", NULL, &res) == 0, "flow_list");
		text = json_dumps(res, JSON_COMPACT);
		json_decref(res);
		check(text && strstr(text, "02:00:00:00:00:0a"), "the replayed flow is listed");
		free(text);
	}
	agent_dp_client_free(c);
	return 0;
}
