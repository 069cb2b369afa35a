// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/backend-sim*.c (file-tree-only mode: no root), through the same public
 * API as the real backend: the tree it materializes, the kernel's part it plays on writes
 * (sriov_numvfs, binding, managed IRQs), VF state shared between processes, rollback and restore,
 * bad NIC files.
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
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "ctx.h"
#include "fixture.h"
#include "nfpath/vfm.h"

#define PF     "0000:3b:00.0"
#define PFD    "devices/pci0000:3b/0000:3b:00.0"
#define VFD(i) "devices/pci0000:3b/0000:3b:10." #i

struct env {
	char *dir;
	char root[512];
	char json[512];
	struct vfm_ctx *ctx;
};

static const char *
example_file(void)
{
	const char *f = getenv("NFPATH_SIM_EXAMPLE");

	return f ? f : "vf-manager/sim-example.json";
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->dir = fx_tmpdir();
	snprintf(e->root, sizeof(e->root), "%s/tree", e->dir);
	snprintf(e->json, sizeof(e->json), "%s/nic.json", e->dir);
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

static int
open_sim(struct env *e, const char *file, char **err)
{
	struct vfm_options o = {.sysfs_root = e->root, .sim_file = file, .busy_retries = 3};

	vfm_ctx_free(e->ctx);
	e->ctx = NULL;
	return vfm_ctx_new(&o, &e->ctx, err);
}

static void
open_example(struct env *e)
{
	assert_int_equal(open_sim(e, example_file(), NULL), 0);
}

static void
test_example_inventory(void **state)
{
	struct env *e = *state;
	struct vfm_inventory *inv;
	const struct vfm_pf *pf;
	struct vfm_cpuset want;
	char buf[256];

	open_example(e);
	assert_true(vfm_ctx_is_simulated(e->ctx));
	assert_string_equal(vfm_ctx_backend_name(e->ctx), "sim");
	assert_true(fx_exists(e->root, "NFPATH-SIMULATED"));
	assert_non_null(strstr(fx_get(e->root, "NFPATH-SIMULATED", buf, sizeof(buf)), "SIMULATED"));
	assert_int_equal(vfm_inventory_load(e->ctx, &inv), 0);
	assert_true(inv->simulated);
	assert_string_equal(inv->backend, "sim");
	assert_int_equal(inv->n_pfs, 1);
	pf = &inv->pfs[0];
	assert_true(pf->simulated);
	assert_string_equal(pf->id, PF);
	assert_string_equal(pf->netdev, "simnic0");
	assert_int_equal(pf->vendor, 0x8086);
	assert_int_equal(pf->total_vfs, 8);
	assert_int_equal(pf->num_vfs, 4);
	assert_int_equal(pf->numa_node, 0);
	assert_int_equal(vfm_cpulist_parse("0-1", &want), 0);
	assert_true(vfm_cpuset_equal(&pf->local_cpus, &want));
	assert_string_equal(pf->operstate, "up");
	assert_int_equal(pf->mtu, 1500);
	assert_null(pf->problems);
	assert_int_equal(pf->n_vfs, 4);
	for (unsigned int i = 0; i < 4; i++) {
		const struct vfm_vf *vf = &pf->vfs[i];

		snprintf(buf, sizeof(buf), "0000:3b:10.%u", i);
		assert_string_equal(vf->pci, buf);
		assert_string_equal(vf->driver, "nfpath-sim-vf");
		snprintf(buf, sizeof(buf), "simnic0v%u", i);
		assert_string_equal(vf->netdev, buf);
		assert_true(vf->iommu_group >= 0);
		assert_int_equal(vf->n_irqs, 3);
		assert_int_equal(vf->mtu, 1500);
		assert_true(vf->state_valid);
		assert_true(vfm_mac_is_zero(vf->state.mac));
		assert_int_equal(vf->state.vlan, 0);
		assert_true(vf->state.spoofchk);
		assert_false(vf->state.trust);
		assert_int_equal(vf->state.link_state, VFM_LINK_AUTO);
		assert_null(vf->problems);
		if (i > 0)
			assert_true(vf->irqs[0] > pf->vfs[i - 1].irqs[2]);
	}
	vfm_inventory_free(inv);
}

static void
test_numvfs(void **state)
{
	struct env *e = *state;
	char buf[64], path[1024];
	struct vfm_pf *pf;

	open_example(e);
	assert_int_equal(vfm_pf_load(e->ctx, "simnic0", &pf), 0);
	assert_true(fx_exists(e->root, VFD(3)));
	snprintf(path, sizeof(path), "irq/%u/smp_affinity_list", pf->vfs[3].irqs[0]);
	vfm_pf_free(pf);
	assert_true(fx_exists(e->root, "proc/irq"));

	/* 4 -> 2: through 0, as the kernel wants. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "simnic0", 2, 0), 0);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "2");
	assert_true(fx_exists(e->root, PFD "/virtfn0"));
	assert_true(fx_exists(e->root, PFD "/virtfn1"));
	assert_false(fx_exists(e->root, PFD "/virtfn2"));
	assert_false(fx_exists(e->root, PFD "/virtfn3"));
	assert_false(fx_exists(e->root, VFD(3)));
	assert_false(fx_exists(e->root, "bus/pci/devices/0000:3b:10.3"));
	assert_false(fx_exists(e->root, "class/net/simnic0v3"));
	assert_false(fx_exists(e->root, "nfpath-sim/pf/" PF "/vf3"));
	assert_true(fx_exists(e->root, "class/net/simnic0v1"));
	assert_true(fx_exists(e->root, VFD(1) "/physfn"));
	assert_true(fx_exists(e->root, VFD(1) "/msi_irqs"));
	{
		char full[1100];

		snprintf(full, sizeof(full), "proc/%s", path);
		assert_false(fx_exists(e->root, full));
	}

	/* The kernel's rule, seen directly: non-zero to non-zero is EBUSY. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 3, VFM_NUMVFS_DIRECT), -EBUSY);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "EBUSY"));
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "2");
	assert_true(fx_exists(e->root, PFD "/virtfn1"));
	/* Above total: refused before touching anything. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 9, 0), -ERANGE);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "2");
	/* Up to the total. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 8, 0), 0);
	assert_true(fx_exists(e->root, PFD "/virtfn7"));
	assert_true(fx_exists(e->root, "class/net/simnic0v7"));
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 0, 0), 0);
	assert_false(fx_exists(e->root, PFD "/virtfn0"));
	assert_false(fx_exists(e->root, "kernel/iommu_groups/40"));
}

static void
test_kernel_part_direct(void **state)
{
	struct env *e = *state;
	char path[1024], buf[64];

	open_example(e);
	snprintf(path, sizeof(path), "%s/" PFD "/sriov_numvfs", e->root);
	/* What the kernel answers, without the library's checks in front. */
	assert_int_equal(e->ctx->ops->write_attr(e->ctx, path, "9"), -ERANGE);
	assert_int_equal(e->ctx->ops->write_attr(e->ctx, path, "2"), -EBUSY);
	assert_int_equal(e->ctx->ops->write_attr(e->ctx, path, "two"), -EINVAL);
	assert_int_equal(e->ctx->ops->write_attr(e->ctx, path, "4"), 0);
	assert_int_equal(e->ctx->ops->write_attr(e->ctx, path, "0\n"), 0);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "0");
	/* Never outside the tree. */
	snprintf(path, sizeof(path), "%s/outside", e->dir);
	fx_put(e->dir, "outside", "x");
	assert_int_equal(e->ctx->ops->write_attr(e->ctx, path, "y"), -EPERM);
	assert_string_equal(fx_get(e->dir, "outside", buf, sizeof(buf)), "x");
}

static void
test_busy_retry(void **state)
{
	struct env *e = *state;
	char buf[64];

	open_example(e);
	/* A driver answering EBUSY twice, then accepting: retried with backoff. */
	fx_put(e->root, "nfpath-sim/pf/" PF "/busy_numvfs_writes", "2");
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 0, 0), 0);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "0");
	assert_string_equal(
		fx_get(e->root, "nfpath-sim/pf/" PF "/busy_numvfs_writes", buf, sizeof(buf)), "0");
	/* Busy for longer than the retries: EBUSY, count unchanged. */
	fx_put(e->root, "nfpath-sim/pf/" PF "/busy_numvfs_writes", "10");
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 2, 0), -EBUSY);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "0");
	assert_string_equal(
		fx_get(e->root, "nfpath-sim/pf/" PF "/busy_numvfs_writes", buf, sizeof(buf)), "6");
}

static void
test_vf_config(void **state)
{
	struct env *e = *state;
	struct vfm_vf_config cfg =
				     {
					     .mask = VFM_VF_ALL,
					     .mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
					     .vlan = 100,
					     .qos = 3,
					     .vlan_proto = VFM_VLAN_PROTO_8021AD,
					     .spoofchk = false,
					     .trust = true,
					     .link_state = VFM_LINK_DISABLE,
					     .min_tx_rate = 100,
					     .max_tx_rate = 1000,
				     },
			     got, other;
	char buf[512];

	open_example(e);
	assert_int_equal(vfm_vf_set_config(e->ctx, "simnic0", 1, &cfg), 0);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 1, &got), 0);
	assert_memory_equal(got.mac, cfg.mac, 6);
	assert_int_equal(got.vlan, 100);
	assert_int_equal(got.qos, 3);
	assert_int_equal(got.vlan_proto, VFM_VLAN_PROTO_8021AD);
	assert_false(got.spoofchk);
	assert_true(got.trust);
	assert_int_equal(got.link_state, VFM_LINK_DISABLE);
	assert_int_equal(got.min_tx_rate, 100);
	assert_int_equal(got.max_tx_rate, 1000);
	/* The state lives in the tree. */
	fx_get(e->root, "nfpath-sim/pf/" PF "/vf1", buf, sizeof(buf));
	assert_non_null(strstr(buf, "mac 52:54:00:12:34:56"));
	assert_non_null(strstr(buf, "vlan 100"));
	/* Other VFs untouched. */
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 0, &other), 0);
	assert_true(vfm_mac_is_zero(other.mac));
	assert_true(other.spoofchk);

	/* One field only. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = VFM_VF_TRUST;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), 0);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 1, &got), 0);
	assert_false(got.trust);
	assert_int_equal(got.vlan, 100);

	/* Refused with a message, VF untouched. */
	cfg.mask = VFM_VF_VLAN;
	cfg.vlan = 5000;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), -EINVAL);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "vlan 5000 is out of range"));
	cfg.vlan = 10;
	cfg.qos = 8;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), -EINVAL);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "qos 8 is out of range (0-7)"));
	cfg.qos = 0;
	cfg.vlan_proto = 0x9100;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), -EINVAL);
	cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
	cfg.mask = VFM_VF_MAC;
	cfg.mac[0] = 0x01;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), -EINVAL);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "unicast"));
	cfg.mask = VFM_VF_RATE;
	cfg.min_tx_rate = 500;
	cfg.max_tx_rate = 100;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), -EINVAL);
	cfg.mask = 0x1000;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 1, &cfg), -EINVAL);
	cfg.mask = VFM_VF_TRUST;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 4, &cfg), -EINVAL);
	assert_non_null(
		strstr(vfm_ctx_last_error(e->ctx), "VF 4 does not exist (it has 4 VFs: 0-3)"));
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 1, &got), 0);
	assert_int_equal(got.vlan, 100);
	assert_int_equal(got.min_tx_rate, 100);
}

static void
write_nic(struct env *e, const char *extra)
{
	fx_put(e->dir, "nic.json",
	       "{\"pfs\": [{\"name\": \"simnic0\", \"pci\": \"0000:3b:00.0\", \"total_vfs\": 4, "
	       "\"num_vfs\": 2, \"numa_node\": 1, \"local_cpus\": \"2-3\"%s}]}",
	       extra);
}

static void
test_rollback(void **state)
{
	struct env *e = *state;
	struct vfm_vf_config cfg =
				     {
					     .mask = VFM_VF_MAC | VFM_VF_TRUST,
					     .mac = {0x52, 0x54, 0x00, 0, 0, 1},
					     .trust = true,
				     },
			     got;
	char before[512], after[512];

	/* A driver without trust support, and one that ignores spoof-check settings. */
	write_nic(e, ", \"unsupported_vf_settings\": [\"trust\"], "
		     "\"ignored_vf_settings\": [\"spoofchk\"]");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	fx_get(e->root, "nfpath-sim/pf/" PF "/vf0", before, sizeof(before));

	/* MAC applied, trust refused: the MAC is rolled back. */
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 0, &cfg), -EOPNOTSUPP);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "configuring VF 0"));
	fx_get(e->root, "nfpath-sim/pf/" PF "/vf0", after, sizeof(after));
	assert_string_equal(before, after);

	/* Spoof-check accepted but not applied: the read-back catches it. */
	cfg.mask = VFM_VF_MAC | VFM_VF_SPOOFCHK;
	cfg.spoofchk = false;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 0, &cfg), -EIO);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "spoofchk does not read back"));
	fx_get(e->root, "nfpath-sim/pf/" PF "/vf0", after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 0, &got), 0);
	assert_true(vfm_mac_is_zero(got.mac));

	/* What the driver supports still works. */
	cfg.mask = VFM_VF_MAC;
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 0, &cfg), 0);
}

static void
test_bind(void **state)
{
	struct env *e = *state;
	struct vfm_pf *pf;
	char buf[64];

	open_example(e);
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, "vfio-pci"), 0);
	assert_true(fx_exists(e->root, "bus/pci/drivers/vfio-pci/0000:3b:10.2"));
	assert_false(fx_exists(e->root, "bus/pci/drivers/nfpath-sim-vf/0000:3b:10.2"));
	assert_false(fx_exists(e->root, "class/net/simnic0v2"));
	assert_false(fx_exists(e->root, VFD(2) "/msi_irqs"));
	assert_string_equal(fx_get(e->root, VFD(2) "/driver_override", buf, sizeof(buf)),
			    "vfio-pci");
	assert_int_equal(vfm_pf_load(e->ctx, PF, &pf), 0);
	assert_string_equal(pf->vfs[2].driver, "vfio-pci");
	assert_string_equal(pf->vfs[2].netdev, "");
	assert_int_equal(pf->vfs[2].n_irqs, 0);
	vfm_pf_free(pf);

	/* In use: changing the VF count is refused unless forced. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 2, 0), -EBUSY);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "4");

	/* Back to the kernel driver: netdev and IRQs come back. */
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, "kernel"), 0);
	assert_string_equal(fx_get(e->root, VFD(2) "/driver_override", buf, sizeof(buf)), "(null)");
	assert_true(fx_exists(e->root, "class/net/simnic0v2"));
	assert_int_equal(vfm_pf_load(e->ctx, PF, &pf), 0);
	assert_string_equal(pf->vfs[2].driver, "nfpath-sim-vf");
	assert_int_equal(pf->vfs[2].n_irqs, 3);
	vfm_pf_free(pf);

	/* A driver that is not loaded. */
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 3, "igb_uio"), -EIO);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "modprobe igb_uio"));
	/* Unbound now (as the kernel leaves it); the kernel driver takes it back. */
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 3, "kernel"), 0);
	assert_true(fx_exists(e->root, "class/net/simnic0v3"));
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 2, 0), 0);
}

static void
test_save_restore(void **state)
{
	struct env *e = *state;
	struct vfm_vf_saved saved;
	struct vfm_vf_config cfg =
				     {
					     .mask = VFM_VF_MAC | VFM_VF_VLAN | VFM_VF_TRUST |
						     VFM_VF_RATE,
					     .mac = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef},
					     .vlan = 42,
					     .vlan_proto = VFM_VLAN_PROTO_8021Q,
					     .trust = true,
					     .max_tx_rate = 2000,
				     },
			     got;
	char before[512], after[512], buf[64];

	open_example(e);
	fx_get(e->root, "nfpath-sim/pf/" PF "/vf3", before, sizeof(before));
	assert_int_equal(vfm_vf_save(e->ctx, "simnic0", 3, &saved), 0);
	assert_string_equal(saved.pf, PF);
	assert_string_equal(saved.driver, "nfpath-sim-vf");
	assert_int_equal(saved.mtu, 1500);
	assert_int_equal(saved.cfg.mask, VFM_VF_ALL);

	/* A tenant's settings, a changed MTU, then passthrough. */
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 3, &cfg), 0);
	fx_put(e->root, "class/net/simnic0v3/mtu", "9000");
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 3, "vfio-pci"), 0);

	assert_int_equal(vfm_vf_restore(e->ctx, &saved), 0);
	fx_get(e->root, "nfpath-sim/pf/" PF "/vf3", after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 3, &got), 0);
	assert_true(vfm_mac_is_zero(got.mac));
	assert_int_equal(got.vlan, 0);
	assert_false(got.trust);
	assert_true(fx_exists(e->root, "bus/pci/drivers/nfpath-sim-vf/0000:3b:10.3"));
	/* Back through a plain probe: driver_override is cleared, as it was. */
	assert_string_equal(fx_get(e->root, VFD(3) "/driver_override", buf, sizeof(buf)), "(null)");
	/* The rebind made a fresh netdev with the PF's MTU: nothing left of the tenant's. */
	assert_string_equal(fx_get(e->root, "class/net/simnic0v3/mtu", buf, sizeof(buf)), "1500");

	/* MTU alone. */
	fx_put(e->root, "class/net/simnic0v3/mtu", "9000");
	assert_int_equal(vfm_vf_restore(e->ctx, &saved), 0);
	assert_string_equal(fx_get(e->root, "class/net/simnic0v3/mtu", buf, sizeof(buf)), "1500");

	/* Restoring a VF that is gone fails cleanly. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 2, 0), 0);
	assert_int_equal(vfm_vf_restore(e->ctx, &saved), -EINVAL);
}

static void
test_restore_vfio(void **state)
{
	struct env *e = *state;
	struct vfm_vf_saved saved;
	struct vfm_pf *pf;

	/* A VF that was on vfio-pci before the agent took it goes back to vfio-pci. */
	write_nic(e, ", \"vfio_vfs\": [1]");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	assert_int_equal(vfm_vf_save(e->ctx, PF, 1, &saved), 0);
	assert_string_equal(saved.driver, "vfio-pci");
	assert_int_equal(saved.mtu, -1);
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 1, "kernel"), 0);
	assert_true(fx_exists(e->root, "class/net/simnic0v1"));
	assert_int_equal(vfm_vf_restore(e->ctx, &saved), 0);
	assert_int_equal(vfm_pf_load(e->ctx, PF, &pf), 0);
	assert_string_equal(pf->vfs[1].driver, "vfio-pci");
	assert_string_equal(pf->vfs[1].netdev, "");
	assert_int_equal(pf->numa_node, 1);
	vfm_pf_free(pf);
}

static void
test_irqs(void **state)
{
	struct env *e = *state;
	struct vfm_cpuset cpus, got;
	unsigned int pinned = 0, managed = 0;
	struct vfm_pf *pf;

	open_example(e);
	assert_string_not_equal(vfm_ctx_procfs_root(e->ctx), "/proc");
	assert_int_equal(vfm_cpulist_parse("1", &cpus), 0);
	assert_int_equal(vfm_vf_pin_irqs(e->ctx, PF, 0, &cpus, &pinned, &managed), 0);
	/* sim-example.json: the queue IRQs (all but the first) are kernel-managed. */
	assert_int_equal(pinned, 1);
	assert_int_equal(managed, 2);
	assert_int_equal(vfm_pf_load(e->ctx, PF, &pf), 0);
	assert_int_equal(vfm_irq_get_affinity(e->ctx, pf->vfs[0].irqs[0], &got), 0);
	assert_true(vfm_cpuset_equal(&got, &cpus));
	assert_int_equal(vfm_irq_get_affinity(e->ctx, pf->vfs[0].irqs[1], &got), 0);
	assert_false(vfm_cpuset_equal(&got, &cpus));
	assert_int_equal(vfm_irq_set_affinity(e->ctx, pf->vfs[0].irqs[1], &cpus), VFM_IRQ_MANAGED);
	assert_int_equal(vfm_irq_set_affinity(e->ctx, pf->vfs[1].irqs[0], &cpus), VFM_IRQ_PINNED);
	vfm_pf_free(pf);
}

static void
test_shared_between_processes(void **state)
{
	struct env *e = *state;
	struct vfm_vf_config got;
	pid_t pid;
	int status;

	open_example(e);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vfm_options o = {.sysfs_root = e->root, .sim_file = example_file()};
		struct vfm_vf_config cfg = {.mask = VFM_VF_MAC, .mac = {2, 0, 0, 0, 0, 9}};
		struct vfm_ctx *ctx;

		if (vfm_ctx_new(&o, &ctx, NULL) < 0)
			_exit(1);
		if (vfm_vf_set_config(ctx, PF, 3, &cfg) < 0)
			_exit(2);
		if (vfm_pf_set_num_vfs(ctx, PF, 6, 0) < 0)
			_exit(3);
		vfm_ctx_free(ctx);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The VF count changed, so VF 3 is a fresh one: check the MAC on a VF set after. */
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 5, &got), 0);
	assert_true(vfm_mac_is_zero(got.mac));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vfm_options o = {.sysfs_root = e->root, .sim_file = example_file()};
		struct vfm_vf_config cfg = {.mask = VFM_VF_MAC, .mac = {2, 0, 0, 0, 0, 9}};
		struct vfm_ctx *ctx;

		if (vfm_ctx_new(&o, &ctx, NULL) < 0 || vfm_vf_set_config(ctx, PF, 5, &cfg) < 0)
			_exit(1);
		vfm_ctx_free(ctx);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 5, &got), 0);
	assert_int_equal(got.mac[5], 9);

	/* A new context reuses the tree; sim_reset rebuilds it from the file. */
	assert_int_equal(open_sim(e, example_file(), NULL), 0);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 5, &got), 0);
	assert_int_equal(got.mac[5], 9);
	{
		struct vfm_options o = {
			.sysfs_root = e->root, .sim_file = example_file(), .sim_reset = true};

		vfm_ctx_free(e->ctx);
		assert_int_equal(vfm_ctx_new(&o, &e->ctx, NULL), 0);
	}
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 5, &got), -EINVAL);
	assert_int_equal(vfm_vf_get_config(e->ctx, PF, 3, &got), 0);
	assert_true(vfm_mac_is_zero(got.mac));
}

static void
expect_bad(struct env *e, const char *text, const char *msg)
{
	char *err = NULL;

	fx_put(e->dir, "nic.json", "%s", text);
	print_message("nic file: %s\n", text);
	assert_int_equal(open_sim(e, e->json, &err), -EINVAL);
	assert_null(e->ctx);
	assert_non_null(err);
	print_message("message: %s\n", err);
	assert_non_null(strstr(err, msg));
	assert_non_null(strstr(err, "simulated NIC file"));
	free(err);
}

static void
test_bad_files(void **state)
{
	struct env *e = *state;
	char *err = NULL;

	expect_bad(e, "{\"pfs\": [", "nic.json:2:0: ']' expected");
	expect_bad(e, "{\"pfs\": [], \"pfs\": []}", "duplicate");
	expect_bad(e, "{\"pfs\": []}", "pfs: expected an array of 1-64 PFs");
	expect_bad(e, "{\"nics\": []}", "nics: unknown field");
	expect_bad(
		e,
		"{\"pfs\": [{\"name\": \"a\", \"pci\": \"0000:3b:00.0\", \"total_vfs\": 4, \"colour\": 1}]}",
		"pfs[0].colour: unknown field");
	expect_bad(e, "{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.9\", \"total_vfs\": 4}]}",
		   "pfs[0].pci: expected a PCI address");
	expect_bad(e, "{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\", \"total_vfs\": -4}]}",
		   "pfs[0].total_vfs: -4 is out of range");
	expect_bad(
		e,
		"{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\", \"total_vfs\": 2, \"num_vfs\": 3}]}",
		"num_vfs 3 is above total_vfs 2");
	expect_bad(
		e,
		"{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\", \"total_vfs\": 2, \"numa_node\": -2}]}",
		"pfs[0].numa_node");
	expect_bad(e,
		   "{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\", \"local_cpus\": \"3-1\"}]}",
		   "pfs[0].local_cpus");
	expect_bad(e, "{\"pfs\": [{\"pci\": \"3b:00.0\"}]}", "'name' (the netdev) is required");
	expect_bad(e, "{\"pfs\": [{\"name\": \"a\"}]}", "'pci' (or 'netdevsim') is required");
	expect_bad(e, "{\"pfs\": [{\"name\": \"a\", \"netdevsim\": 1, \"pci\": \"3b:00.0\"}]}",
		   "a netdevsim device has no PCI address");
	expect_bad(
		e,
		"{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\"}, {\"name\": \"a\", \"pci\": \"3b:00.1\"}]}",
		"same name or pci as pfs[0]");
	expect_bad(e, "{\"pfs\": [{\"name\": \"a/b\", \"pci\": \"3b:00.0\"}]}", "pfs[0].name");
	expect_bad(e, "{\"netdevs\": 1, \"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\"}]}",
		   "netdevs: expected true or false");
	expect_bad(e,
		   "{\"netdevs\": true, \"pfs\": [{\"name\": \"simnic0123\", \"pci\": "
		   "\"3b:00.0\"}]}",
		   "pfs[0].name: 'simnic0123' is longer than 9 characters");
	expect_bad(
		e,
		"{\"pfs\": [{\"name\": \"a\", \"pci\": \"3b:00.0\", \"ignored_vf_settings\": [\"colour\"]}]}",
		"pfs[0].ignored_vf_settings");

	/* A directory that is not a simulated tree is never overwritten. */
	write_nic(e, "");
	fx_put(e->root, "precious", "data");
	assert_int_equal(open_sim(e, e->json, &err), -ENOTEMPTY);
	assert_non_null(strstr(err, "not a simulated tree"));
	free(err);
	assert_true(fx_exists(e->root, "precious"));
}

/*
 * A process killed in the middle of a VF-count change leaves numvfs_pending and a half-made
 * set of VFs; the next open finishes the change. A build killed half-way is built again.
 * (The same with real netdevs and random kill points: tests/simnic, suite simnic.)
 */
static void
test_kill_repair(void **state)
{
	struct env *e = *state;
	struct vfm_inventory *inv;
	char buf[64];

	write_nic(e, "");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "2");
	/* "0 -> 4" killed after VF 0 was made again: the old count in sriov_numvfs, VF 1 gone. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 0, 0), 0);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 1, 0), 0);
	fx_put(e->root, "nfpath-sim/pf/" PF "/numvfs_pending", "4");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	assert_false(fx_exists(e->root, "nfpath-sim/pf/" PF "/numvfs_pending"));
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "4");
	assert_int_equal(vfm_inventory_load(e->ctx, &inv), 0);
	assert_int_equal(inv->pfs[0].n_vfs, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_true(inv->pfs[0].vfs[i].state_valid);
	vfm_inventory_free(inv);
	/* "4 -> 0" killed before it destroyed anything. */
	fx_put(e->root, "nfpath-sim/pf/" PF "/numvfs_pending", "0");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "0");
	assert_false(fx_exists(e->root, PFD "/virtfn0"));
	assert_false(fx_exists(e->root, VFD(0)));
	assert_false(fx_exists(e->root, "nfpath-sim/pf/" PF "/vf0"));
	/* A killed build: its flag makes the next open build the tree again. */
	fx_put(e->root, "nfpath-sim/building", "1");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	assert_false(fx_exists(e->root, "nfpath-sim/building"));
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "2");
	assert_true(fx_exists(e->root, VFD(1) "/net/simnic0v1"));
}

/* A netdevsim device as Linux 6.1 shows it (checked against the real one in the kernel lab). */
static void
test_netdevsim(void **state)
{
	struct env *e = *state;
	struct vfm_vf_config cfg = {.mask = VFM_VF_MAC | VFM_VF_TRUST,
				    .mac = {2, 0, 0, 0, 0, 7},
				    .trust = true},
			     got;
	struct vfm_vf_saved saved;
	struct vfm_pf *pf = NULL;

	fx_put(e->dir, "nic.json", "%s",
	       "{\"pfs\": [{\"name\": \"eth0\", \"netdevsim\": 1, \"total_vfs\": 4}]}");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	/* No sriov_totalvfs, no NUMA node, no PCI; the limit is debugfs max_vfs. */
	assert_true(fx_exists(e->root, "devices/netdevsim1/sriov_numvfs"));
	assert_false(fx_exists(e->root, "devices/netdevsim1/sriov_totalvfs"));
	assert_false(fx_exists(e->root, "devices/netdevsim1/numa_node"));
	assert_true(fx_exists(e->root, "kernel/debug/netdevsim/netdevsim1/max_vfs"));
	assert_int_equal(vfm_pf_load(e->ctx, "eth0", &pf), 0);
	assert_string_equal(pf->id, "netdevsim1");
	assert_string_equal(pf->bus, "netdevsim");
	assert_string_equal(pf->driver, "netdevsim");
	assert_true(pf->sriov_capable);
	assert_int_equal(pf->total_vfs, 4);
	assert_int_equal(pf->numa_node, -1);
	vfm_pf_free(pf);

	/* The kernel's order: EBUSY (non-zero to non-zero) before ENOMEM (above max_vfs). */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "eth0", 5, VFM_NUMVFS_DIRECT), -ENOMEM);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "eth0", 5, 0), -ERANGE);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "eth0", 4, 0), 0);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "eth0", 5, VFM_NUMVFS_DIRECT), -EBUSY);
	assert_int_equal(vfm_pf_load(e->ctx, "netdevsim1", &pf), 0);
	assert_string_equal(pf->netdev, "eth0");
	assert_int_equal(pf->num_vfs, 4);
	assert_int_equal(pf->n_vfs, 4);
	assert_false(pf->vfs[0].has_pci);
	assert_null(pf->vfs[0].problems);
	assert_true(pf->vfs[0].state_valid);
	/* A fresh netdevsim VF: all zero, spoof-check off. */
	assert_true(vfm_mac_is_zero(pf->vfs[0].state.mac));
	assert_false(pf->vfs[0].state.spoofchk);
	vfm_pf_free(pf);

	/* Save names the PF by its netdev; restore finds it again. */
	assert_int_equal(vfm_vf_save(e->ctx, "netdevsim1", 1, &saved), 0);
	assert_string_equal(saved.pf, "eth0");
	assert_int_equal(vfm_vf_set_config(e->ctx, "eth0", 1, &cfg), 0);
	assert_int_equal(vfm_vf_restore(e->ctx, &saved), 0);
	assert_int_equal(vfm_vf_get_config(e->ctx, "eth0", 1, &got), 0);
	assert_false(got.trust);
	assert_true(vfm_mac_is_zero(got.mac));

	/* netdevsim keeps its VF table while the count goes 4 -> 0 -> 2. */
	assert_int_equal(vfm_vf_set_config(e->ctx, "eth0", 1, &cfg), 0);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "eth0", 2, 0), 0);
	assert_int_equal(vfm_vf_get_config(e->ctx, "eth0", 1, &got), 0);
	assert_int_equal(got.mac[5], 7);
	assert_true(got.trust);
	assert_int_equal(vfm_vf_get_config(e->ctx, "eth0", 2, &got), -EINVAL);
}

/* An NVMe-like PF as the kernel lab's: no netdev, VFs not probed (sriov_drivers_autoprobe 0). */
static void
test_nvme_autoprobe_off(void **state)
{
	struct env *e = *state;
	struct vfm_pf *pf = NULL;

	fx_put(e->dir, "nic.json", "%s",
	       "{\"pfs\": [{\"pci\": \"0000:81:00.0\", \"class\": \"0x010802\", "
	       "\"driver\": \"nvme\", \"vf_driver\": \"nvme\", \"vf_autoprobe\": false, "
	       "\"total_vfs\": 4, \"vf_offset\": 1, \"irqs_per_vf\": 2}]}");
	assert_int_equal(open_sim(e, e->json, NULL), 0);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "0000:81:00.0", 2, 0), 0);
	assert_int_equal(vfm_pf_load(e->ctx, "0000:81:00.0", &pf), 0);
	assert_string_equal(pf->netdev, "");
	assert_int_equal(pf->class_code, 0x010802);
	assert_int_equal(pf->n_vfs, 2);
	assert_string_equal(pf->vfs[0].pci, "0000:81:00.1");
	assert_string_equal(pf->vfs[0].driver, ""); /* not probed */
	assert_false(pf->vfs[0].state_valid);
	vfm_pf_free(pf);
	/* Without an override the kernel does not probe the VF: "kernel" says why. */
	assert_int_equal(vfm_vf_bind(e->ctx, "0000:81:00.0", 0, "kernel"), -EIO);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "sriov_drivers_autoprobe is 0"));
	assert_int_equal(vfm_vf_bind(e->ctx, "0000:81:00.0", 0, "nvme"), 0);
	assert_int_equal(vfm_pf_load(e->ctx, "0000:81:00.0", &pf), 0);
	assert_string_equal(pf->vfs[0].driver, "nvme");
	assert_string_equal(pf->vfs[0].netdev, ""); /* an NVMe VF has no netdev */
	assert_int_equal(pf->vfs[0].n_irqs, 2);
	vfm_pf_free(pf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example_inventory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numvfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_part_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_vfio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_between_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netdevsim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_autoprobe_off, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
