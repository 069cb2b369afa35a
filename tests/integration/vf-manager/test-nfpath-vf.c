// SPDX-License-Identifier: BSD-3-Clause
/*
 * Integration test of the nfpath-vf tool, run as a process: complete inventories from the
 * simulated NIC (vf-manager/sim-example.json) and from a fixture sysfs tree, and the operator
 * workflow set -> bind -> restore, numvfs, pin, with the exit statuses and messages a user
 * sees. Arguments: PATH_TO_NFPATH_VF PATH_TO_SIM_EXAMPLE.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"

static const char *tool, *example;
static char *dir;
static char out[1 << 16];

/* Run "TOOL --sim EXAMPLE --sysfs-root DIR/sim ARGS" (or with the given prefix); stdout and
 * stderr into 'out'. Returns the exit status. */
static int run(const char *opts, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
run(const char *opts, const char *fmt, ...)
{
	char args[1024], cmd[4096];
	va_list ap;
	size_t n;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", tool, opts, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	print_message("$ %s\n%s", cmd, out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char simopts[1024], fxopts[1024];

static json_t *
run_json(const char *opts)
{
	json_error_t err;
	json_t *j;

	assert_int_equal(run(opts, "--json list"), 0);
	j = json_loads(out, 0, &err);
	if (!j)
		fail_msg("not JSON: %s", err.text);
	return j;
}

static json_t *
vf_of(json_t *inv, size_t pf, size_t vf)
{
	return json_array_get(
		json_object_get(json_array_get(json_object_get(inv, "pfs"), pf), "vfs"), vf);
}

static const char *
str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static json_int_t
num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void
test_sim_inventory(void **state)
{
	json_t *inv, *pf, *vfs;

	(void)state;
	inv = run_json(simopts);
	assert_string_equal(str(inv, "backend"), "sim");
	assert_true(json_is_true(json_object_get(inv, "simulated")));
	assert_int_equal(json_array_size(json_object_get(inv, "pfs")), 1);
	pf = json_array_get(json_object_get(inv, "pfs"), 0);
	assert_true(json_is_true(json_object_get(pf, "simulated")));
	assert_string_equal(str(pf, "id"), "0000:3b:00.0");
	assert_string_equal(str(pf, "bus"), "pci");
	assert_string_equal(str(pf, "netdev"), "simnic0");
	assert_string_equal(str(pf, "vendor"), "0x8086");
	assert_string_equal(str(pf, "device"), "0x1572");
	assert_string_equal(str(pf, "class"), "0x020000");
	assert_string_equal(str(pf, "driver"), "nfpath-sim-pf");
	assert_true(json_is_true(json_object_get(pf, "sriov")));
	assert_int_equal(num(pf, "total_vfs"), 8);
	assert_int_equal(num(pf, "num_vfs"), 4);
	assert_int_equal(num(pf, "numa_node"), 0);
	assert_string_equal(str(pf, "local_cpus"), "0-1");
	assert_string_equal(str(pf, "operstate"), "up");
	assert_int_equal(num(pf, "mtu"), 1500);
	assert_string_equal(str(pf, "eswitch_mode"), "legacy");
	assert_int_equal(json_array_size(json_object_get(pf, "problems")), 0);
	vfs = json_object_get(pf, "vfs");
	assert_int_equal(json_array_size(vfs), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *vf = json_array_get(vfs, i), *st = json_object_get(vf, "state");
		char want[32];

		assert_int_equal(num(vf, "index"), (json_int_t)i);
		snprintf(want, sizeof(want), "0000:3b:10.%zu", i);
		assert_string_equal(str(vf, "pci"), want);
		assert_string_equal(str(vf, "driver"), "nfpath-sim-vf");
		snprintf(want, sizeof(want), "simnic0v%zu", i);
		assert_string_equal(str(vf, "netdev"), want);
		assert_true(num(vf, "iommu_group") >= 0);
		assert_int_equal(json_array_size(json_object_get(vf, "irqs")), 3);
		assert_int_equal(num(vf, "mtu"), 1500);
		assert_true(json_is_object(st));
		assert_string_equal(str(st, "mac"), "00:00:00:00:00:00");
		assert_int_equal(num(st, "vlan"), 0);
		assert_int_equal(num(st, "qos"), 0);
		assert_string_equal(str(st, "vlan_proto"), "802.1Q");
		assert_true(json_is_true(json_object_get(st, "spoofchk")));
		assert_true(json_is_false(json_object_get(st, "trust")));
		assert_string_equal(str(st, "link_state"), "auto");
		assert_int_equal(num(st, "min_tx_rate"), 0);
		assert_int_equal(num(st, "max_tx_rate"), 0);
	}
	json_decref(inv);

	/* The text form says it is a simulation. */
	assert_int_equal(run(simopts, "list"), 0);
	assert_non_null(strstr(out, "SIMULATED SR-IOV NIC (not real hardware)"));
	assert_non_null(strstr(out, "PF 0000:3b:00.0 (simulated) netdev simnic0"));
	assert_non_null(strstr(out, "VF 3 0000:3b:10.3 driver nfpath-sim-vf netdev simnic0v3"));
}

static void
test_sim_workflow(void **state)
{
	json_t *inv, *vf, *st;
	char saved[1024];

	(void)state;
	assert_int_equal(run(simopts,
			     "set simnic0 1 mac 52:54:00:11:22:33 vlan 100 qos 3 "
			     "spoofchk off trust on state enable min_rate 10 max_rate 1000"),
			 0);
	assert_non_null(strstr(out, "set and verified"));
	snprintf(saved, sizeof(saved), "sim/nfpath-sim/saved/0000:3b:00.0-vf1");
	assert_true(fx_exists(dir, saved));
	inv = run_json(simopts);
	st = json_object_get(vf_of(inv, 0, 1), "state");
	assert_string_equal(str(st, "mac"), "52:54:00:11:22:33");
	assert_int_equal(num(st, "vlan"), 100);
	assert_int_equal(num(st, "qos"), 3);
	assert_true(json_is_false(json_object_get(st, "spoofchk")));
	assert_true(json_is_true(json_object_get(st, "trust")));
	assert_string_equal(str(st, "link_state"), "enable");
	assert_int_equal(num(st, "min_tx_rate"), 10);
	assert_int_equal(num(st, "max_tx_rate"), 1000);
	/* The neighbour is untouched. */
	assert_string_equal(str(json_object_get(vf_of(inv, 0, 2), "state"), "mac"),
			    "00:00:00:00:00:00");
	json_decref(inv);

	/* Only max_rate: min_rate kept. A second set does not overwrite the saved original. */
	assert_int_equal(run(simopts, "set 0000:3b:00.0 1 max_rate 2000"), 0);
	inv = run_json(simopts);
	st = json_object_get(vf_of(inv, 0, 1), "state");
	assert_int_equal(num(st, "min_tx_rate"), 10);
	assert_int_equal(num(st, "max_tx_rate"), 2000);
	json_decref(inv);

	/* Like 'ip link': vlan alone resets qos and protocol; qos alone keeps the VLAN. */
	assert_int_equal(run(simopts, "set simnic0 2 vlan 200 qos 1 proto 802.1ad"), 0);
	assert_int_equal(run(simopts, "set simnic0 2 qos 5"), 0);
	inv = run_json(simopts);
	st = json_object_get(vf_of(inv, 0, 2), "state");
	assert_int_equal(num(st, "vlan"), 200);
	assert_int_equal(num(st, "qos"), 5);
	assert_string_equal(str(st, "vlan_proto"), "802.1ad");
	json_decref(inv);
	assert_int_equal(run(simopts, "set simnic0 2 vlan 300"), 0);
	inv = run_json(simopts);
	st = json_object_get(vf_of(inv, 0, 2), "state");
	assert_int_equal(num(st, "vlan"), 300);
	assert_int_equal(num(st, "qos"), 0);
	assert_string_equal(str(st, "vlan_proto"), "802.1Q");
	json_decref(inv);
	assert_int_equal(run(simopts, "restore simnic0 2"), 0);

	assert_int_equal(run(simopts, "bind simnic0 1 vfio-pci"), 0);
	inv = run_json(simopts);
	vf = vf_of(inv, 0, 1);
	assert_string_equal(str(vf, "driver"), "vfio-pci");
	assert_true(json_is_null(json_object_get(vf, "netdev")));
	assert_int_equal(json_array_size(json_object_get(vf, "irqs")), 0);
	json_decref(inv);

	/* In use: numvfs refused, then restore gives everything back. */
	assert_int_equal(run(simopts, "numvfs simnic0 2"), 1);
	assert_non_null(strstr(out, "bound to vfio-pci"));
	assert_int_equal(run(simopts, "restore simnic0 1"), 0);
	assert_false(fx_exists(dir, saved));
	inv = run_json(simopts);
	vf = vf_of(inv, 0, 1);
	st = json_object_get(vf, "state");
	assert_string_equal(str(vf, "driver"), "nfpath-sim-vf");
	assert_string_equal(str(vf, "netdev"), "simnic0v1");
	assert_string_equal(str(st, "mac"), "00:00:00:00:00:00");
	assert_int_equal(num(st, "vlan"), 0);
	assert_true(json_is_true(json_object_get(st, "spoofchk")));
	assert_true(json_is_false(json_object_get(st, "trust")));
	assert_string_equal(str(st, "link_state"), "auto");
	assert_int_equal(num(st, "max_tx_rate"), 0);
	json_decref(inv);
	assert_int_equal(run(simopts, "restore simnic0 1"), 1);
	assert_non_null(strstr(out, "no saved state"));
}

static void
test_sim_numvfs_and_pin(void **state)
{
	json_t *inv;

	(void)state;
	assert_int_equal(run(simopts, "numvfs simnic0 6"), 0);
	inv = run_json(simopts);
	assert_int_equal(num(json_array_get(json_object_get(inv, "pfs"), 0), "num_vfs"), 6);
	json_decref(inv);
	assert_int_equal(run(simopts, "numvfs simnic0 9"), 1);
	assert_non_null(strstr(out, "above sriov_totalvfs (8)"));
	assert_int_equal(run(simopts, "--direct numvfs simnic0 2"), 1);
	assert_non_null(strstr(out, "EBUSY"));
	assert_int_equal(run(simopts, "--json numvfs simnic0 9"), 1);
	assert_non_null(strstr(out, "\"ok\": false"));
	assert_non_null(strstr(out, "\"errno\": 34"));
	assert_int_equal(run(simopts, "pin simnic0 0 1"), 0);
	assert_non_null(strstr(out, "1 IRQs pinned to 1, 2 kernel-managed"));
	assert_int_equal(run(simopts, "set simnic0 7 trust on"), 1);
	assert_non_null(strstr(out, "VF 7 does not exist (it has 6 VFs: 0-5)"));
	assert_int_equal(run(simopts, "numvfs simnic0 4"), 0);
}

static void
test_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(run(simopts, "frobnicate"), 2);
	assert_non_null(strstr(out, "unknown command 'frobnicate'"));
	assert_int_equal(run(simopts, "set simnic0 0 vlan 5000"), 2);
	assert_non_null(strstr(out, "vlan '5000' is out of range (0-4095)"));
	assert_int_equal(run(simopts, "set simnic0 0"), 2);
	assert_int_equal(run(simopts, "set simnic0 0 mac"), 2);
	assert_int_equal(run(simopts, "set simnic0 0 colour red"), 2);
	assert_int_equal(run(simopts, "pin simnic0 0 3-1"), 2);
	assert_int_equal(run(simopts, "numvfs simnic0 many"), 2);
	assert_int_equal(run(simopts, "list extra"), 2);
	assert_int_equal(run("", "%s", ""), 2);
	assert_int_equal(run("", "--help"), 0);
	assert_non_null(strstr(out, "Usage: nfpath-vf"));
	assert_int_equal(run("--sim /nonexistent.json", "list"), 1);
	assert_non_null(strstr(out, "/nonexistent.json"));
}

static void
test_fixture_inventory(void **state)
{
	char root[1024], proc[1024], opts[2200], buf[64];
	json_t *inv, *pfs, *pf, *vf;

	(void)state;
	snprintf(root, sizeof(root), "%s/fixture", dir);
	snprintf(proc, sizeof(proc), "%s/fixture-proc", dir);
	fx_add_pf(root, proc,
		  &(struct fx_pf){.pci = "0000:3b:00.0",
				  .netdev = "ens1f0",
				  .driver = "i40e",
				  .vf_driver = "iavf",
				  .total_vfs = 8,
				  .num_vfs = 4,
				  .numa_node = "1",
				  .local_cpus = "8-15",
				  .vfio_mask = 0x1,
				  .irq_base = 300});
	fx_add_pf(root, NULL,
		  &(struct fx_pf){.pci = "0000:00:03.0",
				  .netdev = "eth0",
				  .driver = "e1000e",
				  .total_vfs = -1,
				  .numa_node = "-1"});
	snprintf(opts, sizeof(opts), "--sysfs-root %s", root);
	inv = run_json(opts);
	assert_string_equal(str(inv, "backend"), "sysfs+netlink");
	assert_true(json_is_false(json_object_get(inv, "simulated")));
	pfs = json_object_get(inv, "pfs");
	assert_int_equal(json_array_size(pfs), 2);
	pf = json_array_get(pfs, 0);
	assert_string_equal(str(pf, "id"), "0000:00:03.0");
	assert_true(json_is_false(json_object_get(pf, "sriov")));
	assert_int_equal(num(pf, "numa_node"), -1);
	pf = json_array_get(pfs, 1);
	assert_true(json_is_false(json_object_get(pf, "simulated")));
	assert_string_equal(str(pf, "netdev"), "ens1f0");
	assert_int_equal(num(pf, "numa_node"), 1);
	assert_string_equal(str(pf, "local_cpus"), "8-15");
	assert_int_equal(num(pf, "num_vfs"), 4);
	vf = vf_of(inv, 1, 0);
	assert_string_equal(str(vf, "driver"), "vfio-pci");
	assert_true(json_is_null(json_object_get(vf, "netdev")));
	vf = vf_of(inv, 1, 3);
	assert_string_equal(str(vf, "driver"), "iavf");
	assert_string_equal(str(vf, "netdev"), "ens1f0v3");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(vf, "irqs"), 0)), 309);
	/* No netlink for a fixture: no VF state, said with null. */
	assert_true(json_is_null(json_object_get(vf, "state")));
	json_decref(inv);
	assert_int_equal(run(opts, "list"), 0);
	assert_null(strstr(out, "SIMULATED"));
	assert_non_null(strstr(out, "numa_node 1 local_cpus 8-15 vfs 4/8"));
	/* IRQ pinning under --procfs-root. */
	snprintf(opts, sizeof(opts), "--sysfs-root %s --procfs-root %s", root, proc);
	assert_int_equal(run(opts, "pin ens1f0 3 2,4"), 0);
	assert_non_null(strstr(out, "3 IRQs pinned to 2,4, 0 kernel-managed"));
	assert_string_equal(fx_get(proc, "irq/309/smp_affinity_list", buf, sizeof(buf)), "2,4");
	assert_string_equal(fx_get(proc, "irq/311/smp_affinity_list", buf, sizeof(buf)), "2,4");
	assert_string_equal(fx_get(proc, "irq/306/smp_affinity_list", buf, sizeof(buf)), "0-3");
	/* VF 0 on vfio-pci: the count does not change. */
	assert_int_equal(run(opts, "numvfs ens1f0 2"), 1);
	assert_non_null(strstr(out, "VF 0 (0000:3b:10.0) is bound to vfio-pci"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_inventory),      cmocka_unit_test(test_sim_workflow),
		cmocka_unit_test(test_sim_numvfs_and_pin), cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_fixture_inventory),
	};
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NFPATH_VF SIM_EXAMPLE_JSON\n", argv[0]);
		return 2;
	}
	tool = argv[1];
	example = argv[2];
	dir = fx_tmpdir();
	snprintf(simopts, sizeof(simopts), "--sim %s --sysfs-root %s/sim", example, dir);
	(void)fxopts;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	fx_cleanup(dir);
	return r;
}
