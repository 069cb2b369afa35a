// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/discover.c: discovery over fixture sysfs trees laid out as the
 * kernel makes them (fixture.c), good and broken, through the public API.
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

#include "fixture.h"
#include "nfpath/vfm.h"

struct env {
	char *dir;
	char root[512];
	char proc[512];
	struct vfm_ctx *ctx;
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->dir = fx_tmpdir();
	snprintf(e->root, sizeof(e->root), "%s/sys", e->dir);
	snprintf(e->proc, sizeof(e->proc), "%s/proc", e->dir);
	fx_mkdir(e->root, "bus/pci/devices");
	fx_mkdir(e->root, "class/net");
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	vfm_ctx_free(e->ctx);
	fx_cleanup(e->dir);
	free(e);
	return 0;
}

static struct vfm_ctx *
open_ctx(struct env *e)
{
	struct vfm_options o = {.sysfs_root = e->root, .procfs_root = e->proc};

	assert_int_equal(vfm_ctx_new(&o, &e->ctx, NULL), 0);
	return e->ctx;
}

static const struct vfm_pf *
find_pf(const struct vfm_inventory *inv, const char *id)
{
	for (size_t i = 0; i < inv->n_pfs; i++)
		if (strcmp(inv->pfs[i].id, id) == 0)
			return &inv->pfs[i];
	fail_msg("PF %s not discovered", id);
	return NULL;
}

static void
test_realistic_tree(void **state)
{
	struct env *e = *state;
	struct vfm_inventory *inv;
	const struct vfm_pf *pf;
	struct vfm_cpuset want;
	char vpci[32];

	/* PF with 4 VFs: 0 and 1 on vfio-pci, 2 and 3 on iavf. */
	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:3b:00.0",
				  .netdev = "ens1f0",
				  .driver = "i40e",
				  .vf_driver = "iavf",
				  .total_vfs = 8,
				  .num_vfs = 4,
				  .numa_node = "0",
				  .local_cpus = "0-3",
				  .vfio_mask = 0x3,
				  .irq_base = 100});
	/* PF with 0 VFs on NUMA node 1. */
	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:5e:00.0",
				  .netdev = "ens2f0",
				  .driver = "ixgbe",
				  .total_vfs = 63,
				  .num_vfs = 0,
				  .numa_node = "1",
				  .local_cpus = "4-7,12"});
	/* A NIC without SR-IOV, numa_node -1. */
	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:00:03.0",
				  .netdev = "eth0",
				  .driver = "e1000e",
				  .total_vfs = -1,
				  .numa_node = "-1",
				  .local_cpus = "0-7"});
	/* Something that is not a network function: ignored. */
	fx_put(e->root, "devices/pci0000:00/0000:00:1f.0/class", "0x060100");
	fx_link(e->root, "bus/pci/devices/0000:00:1f.0", "devices/pci0000:00/0000:00:1f.0");

	assert_int_equal(vfm_inventory_load(open_ctx(e), &inv), 0);
	assert_false(inv->simulated);
	assert_string_equal(inv->backend, "sysfs+netlink");
	assert_int_equal(inv->n_pfs, 3);
	/* Sorted by id. */
	assert_string_equal(inv->pfs[0].id, "0000:00:03.0");

	pf = find_pf(inv, "0000:3b:00.0");
	assert_string_equal(pf->bus, "pci");
	assert_string_equal(pf->netdev, "ens1f0");
	assert_string_equal(pf->driver, "i40e");
	assert_int_equal(pf->vendor, 0x8086);
	assert_int_equal(pf->device, 0x1572);
	assert_int_equal(pf->class_code, 0x020000);
	assert_true(pf->sriov_capable);
	assert_int_equal(pf->total_vfs, 8);
	assert_int_equal(pf->num_vfs, 4);
	assert_int_equal(pf->numa_node, 0);
	assert_true(pf->local_cpus_valid);
	assert_int_equal(vfm_cpulist_parse("0-3", &want), 0);
	assert_true(vfm_cpuset_equal(&pf->local_cpus, &want));
	assert_string_equal(pf->operstate, "up");
	assert_int_equal(pf->mtu, 1500);
	assert_true(pf->ifindex > 0);
	assert_string_equal(pf->eswitch_mode, "legacy");
	assert_false(pf->simulated);
	assert_null(pf->problems);
	assert_int_equal(pf->n_vfs, 4);
	for (unsigned int i = 0; i < 4; i++) {
		const struct vfm_vf *vf = &pf->vfs[i];

		fx_vf_pci("0000:3b:00.0", i, vpci, sizeof(vpci));
		assert_int_equal(vf->index, i);
		assert_true(vf->has_pci);
		assert_string_equal(vf->pci, vpci);
		assert_int_equal(vf->iommu_group, 50 + (int)i);
		/* Netlink is off for a fixture root: no VF state. */
		assert_false(vf->state_valid);
		assert_null(vf->problems);
		if (i < 2) {
			assert_string_equal(vf->driver, "vfio-pci");
			assert_string_equal(vf->netdev, "");
			assert_int_equal(vf->n_irqs, 0);
			assert_int_equal(vf->mtu, -1);
		} else {
			assert_string_equal(vf->driver, "iavf");
			assert_string_not_equal(vf->netdev, "");
			assert_int_equal(vf->n_irqs, 3);
			assert_int_equal(vf->irqs[0], 100 + 3 * i);
			assert_int_equal(vf->irqs[2], 102 + 3 * i);
			assert_int_equal(vf->mtu, 1500);
		}
	}

	pf = find_pf(inv, "0000:5e:00.0");
	assert_int_equal(pf->numa_node, 1);
	assert_int_equal(pf->num_vfs, 0);
	assert_int_equal(pf->total_vfs, 63);
	assert_int_equal(pf->n_vfs, 0);
	assert_int_equal(vfm_cpulist_parse("4-7,12", &want), 0);
	assert_true(vfm_cpuset_equal(&pf->local_cpus, &want));

	pf = find_pf(inv, "0000:00:03.0");
	assert_false(pf->sriov_capable);
	assert_int_equal(pf->numa_node, -1);
	assert_non_null(strstr(pf->problems, "no SR-IOV capability"));
	vfm_inventory_free(inv);
}

static void
test_pf_load_by_name(void **state)
{
	struct env *e = *state;
	struct vfm_pf *pf;

	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:3b:00.1",
				  .netdev = "ens1f1",
				  .driver = "i40e",
				  .vf_driver = "iavf",
				  .total_vfs = 4,
				  .num_vfs = 2,
				  .numa_node = "1",
				  .irq_base = 200});
	open_ctx(e);
	assert_int_equal(vfm_pf_load(e->ctx, "ens1f1", &pf), 0);
	assert_string_equal(pf->id, "0000:3b:00.1");
	assert_int_equal(pf->numa_node, 1);
	assert_int_equal(pf->n_vfs, 2);
	vfm_pf_free(pf);
	/* Short PCI form and upper case. */
	assert_int_equal(vfm_pf_load(e->ctx, "3B:00.1", &pf), 0);
	assert_string_equal(pf->netdev, "ens1f1");
	vfm_pf_free(pf);
	assert_int_equal(vfm_pf_load(e->ctx, "nosuch0", &pf), -ENODEV);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "nosuch0"));
	assert_int_equal(vfm_pf_load(e->ctx, "0000:99:00.0", &pf), -ENODEV);
	assert_int_equal(vfm_pf_load(e->ctx, "../etc", &pf), -EINVAL);
	assert_int_equal(vfm_pf_load(e->ctx, "", &pf), -EINVAL);
}

static void
test_broken_tree(void **state)
{
	struct env *e = *state;
	struct vfm_inventory *inv;
	const struct vfm_pf *pf;
	char vpci[32], rel[1024];

	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:3b:00.0",
				  .netdev = "ens1f0",
				  .driver = "i40e",
				  .vf_driver = "iavf",
				  .total_vfs = 8,
				  .num_vfs = 4,
				  .irq_base = 100});
	/* Dangling virtfn2: the VF's directory is gone. */
	fx_vf_pci("0000:3b:00.0", 2, vpci, sizeof(vpci));
	snprintf(rel, sizeof(rel), "rm -rf '%s/devices/pci0000:3b/%s'", e->root, vpci);
	assert_int_equal(system(rel), 0);
	/* Unreadable numa_node (a directory where a file should be: EISDIR even for root). */
	snprintf(rel, sizeof(rel), "%s/devices/pci0000:3b/0000:3b:00.0/numa_node", e->root);
	assert_int_equal(unlink(rel), 0);
	fx_mkdir(e->root, "devices/pci0000:3b/0000:3b:00.0/numa_node");
	/* Garbage local_cpulist. */
	fx_put(e->root, "devices/pci0000:3b/0000:3b:00.0/local_cpulist", "zz-top");

	/* A second PF: garbage sriov_totalvfs and no netdev. */
	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:af:00.0",
				  .driver = "mlx5_core",
				  .total_vfs = 2,
				  .num_vfs = 0,
				  .numa_node = "1"});
	fx_put(e->root, "devices/pci0000:af/0000:af:00.0/sriov_totalvfs", "lots");

	assert_int_equal(vfm_inventory_load(open_ctx(e), &inv), 0);
	assert_int_equal(inv->n_pfs, 2);

	pf = find_pf(inv, "0000:3b:00.0");
	assert_int_equal(pf->num_vfs, 4);
	assert_int_equal(pf->numa_node, -1);
	assert_false(pf->local_cpus_valid);
	assert_non_null(strstr(pf->problems, "numa_node"));
	assert_non_null(strstr(pf->problems, "local_cpulist: garbage 'zz-top'"));
	assert_int_equal(pf->n_vfs, 4);
	assert_false(pf->vfs[2].has_pci);
	assert_non_null(strstr(pf->vfs[2].problems, "dangling"));
	/* The other VFs are intact. */
	assert_true(pf->vfs[1].has_pci);
	assert_true(pf->vfs[3].has_pci);
	assert_string_equal(pf->vfs[3].driver, "iavf");
	assert_null(pf->vfs[3].problems);

	pf = find_pf(inv, "0000:af:00.0");
	assert_true(pf->sriov_capable);
	assert_int_equal(pf->total_vfs, -1);
	assert_int_equal(pf->numa_node, 1);
	assert_non_null(strstr(pf->problems, "sriov_totalvfs: garbage 'lots'"));
	assert_non_null(strstr(pf->problems, "no netdev"));
	assert_string_equal(pf->netdev, "");
	vfm_inventory_free(inv);
}

static void
test_no_sysfs(void **state)
{
	struct env *e = *state;
	struct vfm_inventory *inv = NULL;
	struct vfm_options o = {.sysfs_root = "/nonexistent/sys"};

	assert_int_equal(vfm_ctx_new(&o, &e->ctx, NULL), 0);
	assert_int_equal(vfm_inventory_load(e->ctx, &inv), -ENOENT);
	assert_null(inv);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "/nonexistent/sys"));
}

/* The live /sys of this machine: whatever it holds, discovery does not fail. */
static void
test_live_sys(void **state)
{
	struct env *e = *state;
	struct vfm_inventory *inv;

	assert_int_equal(vfm_ctx_new(NULL, &e->ctx, NULL), 0);
	assert_string_equal(vfm_ctx_sysfs_root(e->ctx), "/sys");
	assert_int_equal(vfm_inventory_load(e->ctx, &inv), 0);
	for (size_t i = 0; i < inv->n_pfs; i++)
		assert_true(inv->pfs[i].id[0] != '\0');
	vfm_inventory_free(inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_realistic_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_load_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_sysfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_sys, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
