// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/inventory-node.c: the planner's inventory built from a fake sysfs tree
 * (two NUMA nodes on two packages, hyperthread siblings, an offline CPU; and a kernel without
 * NUMA), vf-manager's simulated NIC (PFs, VFs, the in_use rule: a VF with a MAC and a VF bound
 * to vfio-pci are in use unless nfpathd owns them), libvirt's test:///default (domains), and the
 * result fed to agent_plan() (6 VMs on 'auto', 4 VFs: 4 VF placements and 2 software ones).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "inventory-node.h"
#include "nfpath/agent-plan.h"

struct env {
	char dir[64];
	char sys[128]; /* fake sysfs for the CPU topology */
	char sim[128]; /* the simulated NIC's tree */
	char nic[128]; /* its JSON description */
	struct vfm_ctx *ctx;
	struct vfm_inventory *vfm;
	struct agent_diags warn;
};

/* mkdir -p of the directory part of ROOT/REL, then write 'text' to it. */
static void
put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				fail_msg("mkdir %s: %s", path, strerror(errno));
			*p = '/';
		}
	}
	f = fopen(path, "w");
	if (!f)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void
put_cpu(const char *root, unsigned cpu, const char *package, const char *siblings)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/topology/physical_package_id", cpu);
	put(root, rel, package);
	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/topology/thread_siblings_list", cpu);
	put(root, rel, siblings);
}

/* Two NUMA nodes: node0 = CPUs 0-3 on package 0, node1 = CPUs 4-7 on package 1; siblings
 * (0,2) (1,3) (4,6) (5,7); CPU 7 offline (no topology directory, as the kernel shows it). */
static void
make_two_nodes(struct env *e)
{
	put(e->sys, "devices/system/cpu/online", "0-6\n");
	put(e->sys, "devices/system/cpu/possible", "0-7\n");
	put(e->sys, "devices/system/node/possible", "0-1\n");
	put(e->sys, "devices/system/node/has_cpu", "0-1\n");
	put(e->sys, "devices/system/node/node0/cpulist", "0-3\n");
	put(e->sys, "devices/system/node/node1/cpulist", "4-7\n");
	put_cpu(e->sys, 0, "0\n", "0,2\n");
	put_cpu(e->sys, 1, "0\n", "1,3\n");
	put_cpu(e->sys, 2, "0\n", "0,2\n");
	put_cpu(e->sys, 3, "0\n", "1,3\n");
	put_cpu(e->sys, 4, "1\n", "4,6\n");
	put_cpu(e->sys, 5, "1\n", "5,7\n");
	put_cpu(e->sys, 6, "1\n", "4,6\n");
}

/* A kernel without NUMA: no node/ directory; two CPUs, siblings of one core. */
static void
make_no_numa(struct env *e)
{
	put(e->sys, "devices/system/cpu/online", "0-1\n");
	put_cpu(e->sys, 0, "0\n", "0-1\n");
	put_cpu(e->sys, 1, "0\n", "0-1\n");
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	snprintf(e->dir, sizeof(e->dir), "/tmp/invnode-test-XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->sys, sizeof(e->sys), "%s/sys", e->dir);
	snprintf(e->sim, sizeof(e->sim), "%s/sim", e->dir);
	snprintf(e->nic, sizeof(e->nic), "%s/nic.json", e->dir);
	mkdir(e->sys, 0755);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;
	char cmd[256];

	vfm_inventory_free(e->vfm);
	vfm_ctx_free(e->ctx);
	agent_diags_clear(&e->warn);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		print_message("cleanup of %s failed\n", e->dir);
	free(e);
	return 0;
}

/* Open the simulated NIC described by 'json'. */
static void
open_sim(struct env *e, const char *json)
{
	struct vfm_options o = {.sysfs_root = e->sim, .sim_file = e->nic, .sim_reset = true};
	char *msg = NULL;
	FILE *f = fopen(e->nic, "w");

	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	if (vfm_ctx_new(&o, &e->ctx, &msg) != 0)
		fail_msg("simulated NIC: %s", msg ? msg : "?");
}

static void
load_vfm(struct env *e)
{
	vfm_inventory_free(e->vfm);
	e->vfm = NULL;
	assert_int_equal(vfm_inventory_load(e->ctx, &e->vfm), 0);
}

static void
print_warnings(const struct env *e)
{
	char buf[1024];

	for (size_t i = 0; i < e->warn.n; i++) {
		agent_diag_format(&e->warn.v[i], buf, sizeof(buf));
		print_message("warning: %s\n", buf);
	}
}

static bool
warned(const struct env *e, const char *needle)
{
	char buf[1024];

	for (size_t i = 0; i < e->warn.n; i++) {
		agent_diag_format(&e->warn.v[i], buf, sizeof(buf));
		if (strstr(buf, needle))
			return true;
	}
	return false;
}

static struct agent_inventory *
build(struct env *e, const struct agent_node_sources *given)
{
	struct agent_node_sources src = {0};
	struct agent_inventory *inv = NULL;
	char err[512];
	int r;

	if (given)
		src = *given;
	src.sysfs_root = e->sys;
	src.warn = &e->warn;
	if (!src.vfm)
		src.vfm = e->vfm;
	r = agent_inventory_from_node(&src, &inv, err, sizeof(err));
	print_warnings(e);
	if (r != 0)
		fail_msg("agent_inventory_from_node: %d: %s", r, err);
	return inv;
}

static int
cpus_first_of(const struct vfm_cpuset *s)
{
	for (unsigned c = 0; c < VFM_CPUSET_MAX; c++) {
		if (vfm_cpuset_isset(s, c))
			return (int)c;
	}
	return -1;
}

static const char *
fmt(const struct vfm_cpuset *s)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ % 4];

	if (vfm_cpuset_format(s, b, 256) < 0)
		b[0] = '\0';
	return b;
}

/* ---- CPU topology ---- */

static void
test_two_nodes(void **state)
{
	struct env *e = *state;
	struct agent_inventory *inv;

	make_two_nodes(e);
	inv = build(e, NULL);
	assert_int_equal(inv->n_numa, 2);
	assert_int_equal(inv->numa[0].id, 0);
	assert_int_equal(inv->numa[0].socket, 0);
	assert_string_equal(fmt(&inv->numa[0].cpus), "0-3");
	assert_int_equal(inv->numa[1].id, 1);
	assert_int_equal(inv->numa[1].socket, 1);
	/* CPU 7 is offline: never handed out. */
	assert_string_equal(fmt(&inv->numa[1].cpus), "4-6");
	assert_int_equal(agent_inventory_cpu_node(inv, 7), -1);
	/* (5,7) lost its offline sibling: CPU 5 is a core alone. */
	assert_int_equal(inv->n_siblings, 3);
	assert_string_equal(fmt(&inv->siblings[0]), "0,2");
	assert_string_equal(fmt(&inv->siblings[1]), "1,3");
	assert_string_equal(fmt(&inv->siblings[2]), "4,6");
	assert_int_equal(inv->n_pfs, 0);
	assert_int_equal(inv->n_domains, 0);
	assert_false(inv->datapath.present);
	assert_int_equal(vfm_cpuset_count(&inv->reserved), 0);
	agent_inventory_free(inv);
}

static void
test_node_ids_sorted_and_sockets(void **state)
{
	struct env *e = *state;
	struct agent_inventory *inv;
	struct vfm_cpuset reserved = {0}, lcores = {0};
	struct agent_node_sources src = {
		.reserved = &reserved, .datapath_present = true, .datapath_lcores = &lcores};

	make_two_nodes(e);
	/* Both nodes on one package; a node with memory only (no CPU) is not a placement. */
	put_cpu(e->sys, 4, "0\n", "4,6\n");
	put(e->sys, "devices/system/node/node2/cpulist", "\n");
	vfm_cpuset_set(&reserved, 0);
	vfm_cpuset_set(&lcores, 1);
	inv = build(e, &src);
	assert_int_equal(inv->n_numa, 2);
	assert_int_equal(inv->numa[1].socket, 0);
	assert_string_equal(fmt(&inv->reserved), "0");
	assert_true(inv->datapath.present);
	assert_string_equal(fmt(&inv->datapath.lcores), "1");
	agent_inventory_free(inv);
}

static void
test_no_numa(void **state)
{
	struct env *e = *state;
	struct agent_inventory *inv;

	make_no_numa(e);
	inv = build(e, NULL);
	assert_int_equal(inv->n_numa, 1);
	assert_int_equal(inv->numa[0].id, 0);
	assert_int_equal(inv->numa[0].socket, 0);
	assert_string_equal(fmt(&inv->numa[0].cpus), "0-1");
	assert_int_equal(inv->n_siblings, 1);
	assert_string_equal(fmt(&inv->siblings[0]), "0-1");
	agent_inventory_free(inv);
}

static void
test_topology_errors(void **state)
{
	struct env *e = *state;
	struct agent_node_sources src = {.sysfs_root = e->sys};
	struct agent_inventory *inv = NULL;
	char err[512];

	/* Nothing at all: the error names the place and what to check. */
	assert_int_equal(agent_inventory_from_node(&src, &inv, err, sizeof(err)), -ENOENT);
	assert_null(inv);
	assert_non_null(strstr(err, e->sys));
	assert_non_null(strstr(err, "cpu/online"));

	/* A garbled cpulist. */
	make_two_nodes(e);
	put(e->sys, "devices/system/node/node1/cpulist", "4-x\n");
	assert_int_equal(agent_inventory_from_node(&src, &inv, err, sizeof(err)), -EINVAL);
	assert_null(inv);
	assert_non_null(strstr(err, "node1/cpulist"));
	assert_non_null(strstr(err, "'4-x'"));

	/* No CPU online, no NUMA directory. */
	make_no_numa(e);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/devices/system/node'", e->sys);
		assert_int_equal(system(cmd), 0);
	}
	put(e->sys, "devices/system/cpu/online", "\n");
	assert_int_equal(agent_inventory_from_node(&src, &inv, err, sizeof(err)), -EINVAL);
	assert_null(inv);
	assert_non_null(strstr(err, "cpu/online"));
}

/* ---- PFs and VFs from the simulated NIC ---- */

#define NIC_JSON(numa, local, total, num)                                                          \
	"{\"comment\": \"test NIC (simulated)\", \"pfs\": [{\"name\": \"simnic0\", \"pci\": "      \
	"\"0000:3b:00.0\", \"total_vfs\": " total ", \"num_vfs\": " num ", \"numa_node\": " numa   \
	", \"local_cpus\": \"" local "\", \"mtu\": 1500, \"irqs_per_vf\": 1}]}"

static bool
own_1_and_2(void *opaque, const char *pf, unsigned int vf)
{
	int *calls = opaque;

	(*calls)++;
	return strcmp(pf, "simnic0") == 0 && (vf == 1 || vf == 2);
}

static void
test_pfs_and_in_use(void **state)
{
	struct env *e = *state;
	struct vfm_vf_config cfg = {.mask = VFM_VF_MAC};
	struct agent_inventory *inv;
	const struct agent_inv_pf *pf;
	struct vfm_pci_addr want;
	int calls = 0;
	struct agent_node_sources owned = {.vf_owned = own_1_and_2, .opaque = &calls};

	make_two_nodes(e);
	/* The simulator's local CPUs name CPUs 7-9, which this node lacks or has offline. */
	open_sim(e, NIC_JSON("1", "4-9", "8", "4"));
	assert_int_equal(vfm_mac_parse("52:54:00:aa:00:01", cfg.mac), 0);
	if (vfm_vf_set_config(e->ctx, "simnic0", 1, &cfg) != 0)
		fail_msg("set MAC: %s", vfm_ctx_last_error(e->ctx));
	if (vfm_vf_bind(e->ctx, "simnic0", 2, "vfio-pci") != 0)
		fail_msg("bind: %s", vfm_ctx_last_error(e->ctx));
	load_vfm(e);

	inv = build(e, NULL);
	assert_int_equal(inv->n_pfs, 1);
	pf = agent_inventory_pf(inv, "simnic0");
	assert_non_null(pf);
	assert_ptr_equal(agent_inventory_pf(inv, "0000:3b:00.0"), pf);
	assert_true(pf->has_pci);
	assert_int_equal(vfm_pci_addr_parse("0000:3b:00.0", &want), 0);
	assert_true(vfm_pci_addr_equal(&pf->pci, &want));
	assert_int_equal(pf->numa_node, 1);
	assert_string_equal(fmt(&pf->local_cpus), "4-6");
	assert_int_equal(pf->total_vfs, 8);
	assert_int_equal(pf->n_vfs, 4);
	for (unsigned i = 0; i < 4; i++) {
		char pci[32];

		assert_int_equal(pf->vfs[i].index, i);
		assert_true(pf->vfs[i].has_pci);
		snprintf(pci, sizeof(pci), "0000:3b:10.%u", i);
		assert_int_equal(vfm_pci_addr_parse(pci, &want), 0);
		assert_true(vfm_pci_addr_equal(&pf->vfs[i].pci, &want));
	}
	assert_false(pf->vfs[0].in_use);
	assert_true(pf->vfs[1].in_use); /* a MAC nfpath did not set */
	assert_true(pf->vfs[2].in_use); /* bound to vfio-pci by someone else */
	assert_false(pf->vfs[3].in_use);
	agent_inventory_free(inv);

	/* The same VFs, configured by nfpathd itself (its journal says so): free for the plan. */
	inv = build(e, &owned);
	pf = agent_inventory_pf(inv, "simnic0");
	assert_non_null(pf);
	assert_true(calls >= 2);
	for (unsigned i = 0; i < 4; i++)
		assert_false(pf->vfs[i].in_use);
	agent_inventory_free(inv);
}

static void
test_pf_on_missing_node(void **state)
{
	struct env *e = *state;
	struct agent_inventory *inv;

	/* The simulated NIC says node 1 on a machine without NUMA: never invent the node. */
	make_no_numa(e);
	open_sim(e, NIC_JSON("1", "0-3", "4", "2"));
	load_vfm(e);
	inv = build(e, NULL);
	assert_int_equal(inv->n_numa, 1);
	assert_int_equal(inv->n_pfs, 1);
	assert_int_equal(inv->pfs[0].numa_node, -1);
	assert_string_equal(fmt(&inv->pfs[0].local_cpus), "0-1");
	assert_int_equal(inv->pfs[0].n_vfs, 2);
	assert_int_equal(inv->pfs[0].total_vfs, 4);
	assert_true(warned(e, "PF 'simnic0': its NUMA node 1 is not one of this machine's"));
	agent_inventory_free(inv);
}

static void
test_pf_without_vfs(void **state)
{
	struct env *e = *state;
	struct agent_inventory *inv;

	make_no_numa(e);
	open_sim(e, NIC_JSON("0", "0-1", "4", "0"));
	load_vfm(e);
	inv = build(e, NULL);
	assert_int_equal(inv->n_pfs, 1);
	assert_int_equal(inv->pfs[0].numa_node, 0);
	assert_int_equal(inv->pfs[0].n_vfs, 0);
	assert_int_equal(inv->pfs[0].total_vfs, 4);
	agent_inventory_free(inv);
}

/* A netdevsim PF (Linux 6.1 as the simulator shows it): no PCI address, VFs without PCI
 * functions, no NUMA node. */
static void
test_netdevsim_pf(void **state)
{
	struct env *e = *state;
	struct agent_inventory *inv;
	const struct agent_inv_pf *pf;

	make_no_numa(e);
	open_sim(e, "{\"pfs\": [{\"name\": \"eni1np1\", \"netdevsim\": 1, \"total_vfs\": 4, "
		    "\"num_vfs\": 2}]}");
	load_vfm(e);
	inv = build(e, NULL);
	assert_int_equal(inv->n_pfs, 1);
	pf = agent_inventory_pf(inv, "eni1np1");
	assert_non_null(pf);
	assert_false(pf->has_pci);
	assert_int_equal(pf->numa_node, -1);
	assert_int_equal(pf->total_vfs, 4);
	assert_int_equal(pf->n_vfs, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pf->vfs[i].index, i);
		assert_false(pf->vfs[i].has_pci);
		assert_false(pf->vfs[i].in_use);
	}
	agent_inventory_free(inv);
}

/* ---- libvirt domains ---- */

#define DOM_XML                                                                                    \
	"<domain type='test'><name>%s</name><memory>1048576</memory><vcpu>%u</vcpu>"               \
	"<os><type>hvm</type></os></domain>"

static void
define(struct agent_virt *v, const char *name, unsigned vcpus)
{
	char xml[512];

	snprintf(xml, sizeof(xml), DOM_XML, name, vcpus);
	if (agent_virt_define_xml(v, xml) != 0)
		fail_msg("define %s: %s", name, agent_virt_last_error(v));
}

static void
test_domains(void **state)
{
	struct env *e = *state;
	struct agent_virt *v = NULL;
	struct agent_inventory *inv;
	const struct agent_inv_domain *d;
	char err[512];
	int n;

	make_no_numa(e);
	if (agent_virt_open("test:///default", false, &v, err, sizeof(err)) != 0)
		fail_msg("libvirt: %s", err);
	define(v, "web", 3);
	{
		struct agent_node_sources src = {.virt = v};

		inv = build(e, &src);
	}
	assert_int_equal(inv->n_domains, 2);
	d = agent_inventory_domain(inv, "test");
	assert_non_null(d);
	assert_true(d->running);
	n = agent_virt_vcpu_count(v, "test");
	assert_true(n >= 1);
	assert_int_equal(d->vcpus, (unsigned)n);
	d = agent_inventory_domain(inv, "web");
	assert_non_null(d);
	assert_false(d->running);
	assert_int_equal(d->vcpus, 3);
	agent_inventory_free(inv);
	agent_virt_close(v);
}

/* ---- fed to the planner ---- */

#define VM(n)                                                                                      \
	"{\"name\": \"vm" #n "\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": "                    \
	"\"52:54:00:00:00:0" #n "\", \"path\": \"auto\"}"

static void
test_feeds_plan(void **state)
{
	struct env *e = *state;
	static const char pol_text[] =
		"{\"nics\": [{\"name\": \"n0\", \"pf\": \"simnic0\", \"uplink\": \"net_tap0\", "
		"\"max_vfs\": 4}], \"workloads\": [" VM(1) "," VM(2) "," VM(3) "," VM(4) "," VM(
			5) "," VM(6) "]}";
	struct agent_policy_source ps = {"p.json", pol_text, sizeof(pol_text) - 1};
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	struct agent_virt *v = NULL;
	struct agent_inventory *inv;
	struct agent_plan *plan = NULL;
	struct vfm_cpuset reserved = {0};
	char err[512];

	make_two_nodes(e);
	open_sim(e, NIC_JSON("0", "0-3", "4", "4"));
	load_vfm(e);
	if (agent_virt_open("test:///default", false, &v, err, sizeof(err)) != 0)
		fail_msg("libvirt: %s", err);
	for (int i = 1; i <= 6; i++) {
		char name[8];

		snprintf(name, sizeof(name), "vm%d", i);
		define(v, name, 1);
	}
	vfm_cpuset_set(&reserved, 0);
	{
		struct agent_node_sources src = {
			.reserved = &reserved, .datapath_present = true, .virt = v};

		inv = build(e, &src);
	}
	assert_int_equal(agent_policy_load_sources(&ps, 1, &p, &diags), 0);
	assert_int_equal(agent_plan(p, inv, NULL, &plan), 0);
	for (size_t i = 0; i < plan->n_decisions; i++)
		print_message("  %s: %s\n", plan->decisions[i].workload, plan->decisions[i].reason);
	assert_int_equal(plan->n_vf, 4);
	assert_int_equal(plan->n_software, 2);
	assert_int_equal(plan->n_unplaced, 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(plan->decisions[i].place, AGENT_PLACE_VF);
		assert_string_equal(plan->decisions[i].pf, "simnic0");
		assert_int_equal(plan->decisions[i].vf, i);
		assert_int_equal(plan->decisions[i].numa_node, 0);
		/* Pinned on the NIC's node, never on the housekeeping CPU. */
		assert_true(vfm_cpuset_count(&plan->decisions[i].cpus) > 0);
		assert_false(vfm_cpuset_isset(&plan->decisions[i].cpus, 0));
		assert_int_equal(agent_inventory_cpu_node(
					 inv, (unsigned)cpus_first_of(&plan->decisions[i].cpus)),
				 0);
	}
	assert_int_equal(plan->decisions[4].place, AGENT_PLACE_SOFTWARE);
	assert_int_equal(plan->decisions[5].place, AGENT_PLACE_SOFTWARE);
	agent_plan_free(plan);
	agent_policy_free(p);
	agent_diags_clear(&diags);
	agent_inventory_free(inv);
	agent_virt_close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_ids_sorted_and_sockets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_numa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_topology_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pfs_and_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_on_missing_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_without_vfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netdevsim_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feeds_plan, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
