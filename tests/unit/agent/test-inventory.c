// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/plan/inventory.c and inventory-json.c: a full node, the "num_vfs" shorthand,
 * lookups (PF by name and by PCI address, CPU -> node, sibling sets), and every rejection with
 * its JSON path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nfpath/agent-inventory.h"

static const char NODE[] =
	"{\"version\": 1,\n"
	" \"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}, {\"id\": 1, \"socket\": 0, \"cpus\": "
	"\"4-7\"}],\n"
	" \"siblings\": [\"0,2\", \"1,3\"],\n"
	" \"reserved_cpus\": \"0\",\n"
	" \"datapath\": {\"present\": true, \"lcores\": \"1\"},\n"
	" \"pfs\": [{\"name\": \"ens1f0\", \"pci\": \"0000:3b:00.0\", \"numa_node\": 1,\n"
	"           \"local_cpus\": \"4-7\", \"total_vfs\": 8,\n"
	"           \"vfs\": [{\"index\": 3, \"pci\": \"0000:3b:02.3\", \"in_use\": true},\n"
	"                    {\"index\": 0}]},\n"
	"          {\"name\": \"ens2f0\", \"total_vfs\": 4, \"num_vfs\": 2}],\n"
	" \"domains\": [{\"name\": \"vm1\", \"vcpus\": 4, \"running\": true}]}\n";

static struct agent_inventory *
load_ok(const char *text)
{
	struct agent_inventory *inv = NULL;
	struct agent_diags d = {0};
	int r = agent_inventory_load_buffer("inv.json", text, strlen(text), &inv, &d);

	for (size_t i = 0; i < d.n; i++)
		print_message("unexpected: %s: %s\n", d.v[i].path, d.v[i].message);
	assert_int_equal(r, 0);
	assert_int_equal(d.n, 0);
	agent_diags_clear(&d);
	return inv;
}

static void
test_full_node(void **state)
{
	struct agent_inventory *inv = load_ok(NODE);
	const struct agent_inv_pf *pf;
	struct vfm_cpuset s;
	char buf[64];

	(void)state;
	assert_int_equal(inv->n_numa, 2);
	assert_int_equal(inv->numa[0].socket, 0); /* default: its id */
	assert_int_equal(inv->numa[1].socket, 0);
	assert_int_equal(agent_inventory_cpu_node(inv, 5), 1);
	assert_int_equal(agent_inventory_cpu_node(inv, 9), -1);
	agent_inventory_cpu_siblings(inv, 3, &s);
	vfm_cpuset_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "1,3");
	agent_inventory_cpu_siblings(inv, 6, &s);
	vfm_cpuset_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "6");
	assert_true(vfm_cpuset_isset(&inv->reserved, 0));
	assert_true(inv->datapath.present);
	assert_true(vfm_cpuset_isset(&inv->datapath.lcores, 1));

	pf = agent_inventory_pf(inv, "0000:3b:00.0");
	assert_non_null(pf);
	assert_ptr_equal(pf, agent_inventory_pf(inv, "ens1f0"));
	assert_int_equal(pf->numa_node, 1);
	assert_int_equal(pf->total_vfs, 8);
	assert_int_equal(pf->n_vfs, 2);
	assert_int_equal(pf->vfs[0].index, 0); /* sorted */
	assert_false(pf->vfs[0].in_use);
	assert_true(agent_inv_pf_vf(pf, 3)->in_use);
	assert_true(agent_inv_pf_vf(pf, 3)->has_pci);
	assert_null(agent_inv_pf_vf(pf, 1));

	pf = agent_inventory_pf(inv, "ens2f0");
	assert_int_equal(pf->numa_node, -1);
	assert_int_equal(pf->n_vfs, 2);
	assert_int_equal(pf->vfs[1].index, 1);
	assert_null(agent_inventory_pf(inv, "ens9"));

	assert_int_equal(agent_inventory_domain(inv, "vm1")->vcpus, 4);
	assert_true(agent_inventory_domain(inv, "vm1")->running);
	assert_null(agent_inventory_domain(inv, "vm2"));
	agent_inventory_free(inv);
	agent_inventory_free(NULL);
}

struct bad_case {
	const char *text;
	const char *path;
	const char *message; /* a substring */
};

static const struct bad_case bad_cases[] = {
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}], \"pfss\": []}", "pfss",
	 "unknown field"},
	{"{\"pfs\": []}", "numa_nodes", "missing"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}, {\"id\": 0, \"cpus\": \"4\"}]}",
	 "numa_nodes[1]", "node 0 is listed twice"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}, {\"id\": 1, \"cpus\": \"3-4\"}]}",
	 "numa_nodes[1]", "shares CPUs with node 0"},
	{"{\"numa_nodes\": [{\"id\": 64, \"cpus\": \"0\"}]}", "numa_nodes[0].id",
	 "64 is out of range (use 0-63)"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"3-1\"}]}", "numa_nodes[0].cpus",
	 "'3-1' is not a CPU list"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-3\"}], \"siblings\": [\"0,1\", \"1,2\"]}",
	 "siblings[1]", "shares CPUs with siblings[0]"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"pfs\": [{\"name\": \"p\", "
	 "\"total_vfs\": 2, \"vfs\": [{\"index\": 2}]}]}",
	 "pfs[0].vfs[0]", "VF 2 is beyond total_vfs 2"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"pfs\": [{\"name\": \"p\", "
	 "\"total_vfs\": 2, \"num_vfs\": 3}]}",
	 "pfs[0].num_vfs", "more than total_vfs"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"pfs\": [{\"name\": \"p\", "
	 "\"numa_node\": 1, \"total_vfs\": 2}]}",
	 "pfs[0].numa_node", "node 1 is not in numa_nodes"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"pfs\": [{\"name\": \"p\", "
	 "\"pci\": \"3b:00\", \"total_vfs\": 2}]}",
	 "pfs[0].pci", "is not a PCI address"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"pfs\": [{\"name\": \"p\", "
	 "\"total_vfs\": 1}, {\"name\": \"p\", \"total_vfs\": 1}]}",
	 "pfs[1]", "PF 'p' is listed twice"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"domains\": [{\"name\": \"d\", "
	 "\"vcpus\": 0}]}",
	 "domains[0].vcpus", "0 is out of range"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0\"}], \"datapath\": {\"present\": 1}}",
	 "datapath.present", "must be true or false"},
	{"[1, 2]", "", "must be an object"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-1\"}, {\"id\": 1, \"cpus\": \"2-3\"}], "
	 "\"siblings\": [\"1,2\"]}",
	 "siblings[0]", "spans NUMA nodes 0 and 1"},
	{"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-1\"}], \"siblings\": [\"1,9\"]}",
	 "siblings[0]", "CPU 9 is on no NUMA node"},
};

static void
test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct agent_inventory *inv = NULL;
	struct agent_diags d = {0};
	bool found = false;

	assert_int_equal(
		agent_inventory_load_buffer("inv.json", c->text, strlen(c->text), &inv, &d),
		-EINVAL);
	assert_null(inv);
	for (size_t i = 0; i < d.n; i++) {
		print_message("diag: '%s': %s\n", d.v[i].path, d.v[i].message);
		found |= strcmp(d.v[i].path, c->path) == 0 && strstr(d.v[i].message, c->message);
	}
	assert_true(found);
	agent_diags_clear(&d);
}

static void
test_syntax_error_position(void **state)
{
	struct agent_inventory *inv = NULL;
	struct agent_diags d = {0};
	const char *text = "{\n  \"numa_nodes\": [,]\n}";

	(void)state;
	assert_int_equal(agent_inventory_load_buffer("inv.json", text, strlen(text), &inv, &d),
			 -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_true(d.v[0].column > 0);
	agent_diags_clear(&d);
	/* Duplicate keys are refused too. */
	text = "{\"numa_nodes\": [], \"numa_nodes\": []}";
	assert_int_equal(agent_inventory_load_buffer("inv.json", text, strlen(text), &inv, &d),
			 -EINVAL);
	assert_int_equal(d.n, 1);
	agent_diags_clear(&d);
}

static void
test_file(void **state)
{
	struct agent_inventory *inv = NULL;
	struct agent_diags d = {0};
	char path[] = "/tmp/test-inventory-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(NODE, f);
	fclose(f);
	assert_int_equal(agent_inventory_load(path, &inv, &d), 0);
	assert_int_equal(inv->n_pfs, 2);
	agent_inventory_free(inv);
	unlink(path);
	assert_int_equal(agent_inventory_load(path, &inv, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].message, "cannot open"));
	agent_diags_clear(&d);
}

int
main(void)
{
	struct CMUnitTest tests[3 + sizeof(bad_cases) / sizeof(bad_cases[0])];
	size_t n = 0;
	static char names[sizeof(bad_cases) / sizeof(bad_cases[0])][80];

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_full_node);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_syntax_error_position);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_file);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(names[i], sizeof(names[i]), "bad: %s", bad_cases[i].path);
		tests[n++] =
			(struct CMUnitTest){names[i], test_bad, NULL, NULL, (void *)&bad_cases[i]};
	}
	return _cmocka_run_group_tests("inventory", tests, n, NULL, NULL);
}
