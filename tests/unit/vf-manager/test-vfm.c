// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/vfm.c and irq.c with the real (sysfs+netlink) backend on fixture
 * trees: every write lands in a regular file, so each test checks the resulting tree. The
 * order of sysfs writes (0 before a new VF count) is observed through the debug log callback.
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

#include "fixture.h"
#include "nfpath/vfm.h"

#define PF   "0000:3b:00.0"
#define PFD  "devices/pci0000:3b/0000:3b:00.0"
#define VF2D "devices/pci0000:3b/0000:3b:10.2"

struct env {
	char *dir;
	char root[512];
	char proc[512];
	struct vfm_ctx *ctx;
};

static char writes[4096];

static int record_writes(enum vfm_print_level level, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));

static int
record_writes(enum vfm_print_level level, const char *fmt, va_list args)
{
	char line[512];

	(void)level;
	vsnprintf(line, sizeof(line), fmt, args);
	if (strncmp(line, "write '", 7) == 0 && strstr(line, "sriov_numvfs")) {
		char *q = strchr(line + 7, '\'');

		if (q)
			*q = '\0';
		strncat(writes, line + 7, sizeof(writes) - strlen(writes) - 2);
		strcat(writes, " ");
	}
	return 0;
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct vfm_options o = {.write_timeout_ms = 300, .busy_retries = 2};

	e->dir = fx_tmpdir();
	snprintf(e->root, sizeof(e->root), "%s/sys", e->dir);
	snprintf(e->proc, sizeof(e->proc), "%s/proc", e->dir);
	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = PF,
				  .netdev = "ens1f0",
				  .driver = "i40e",
				  .vf_driver = "iavf",
				  .total_vfs = 8,
				  .num_vfs = 4,
				  .numa_node = "0",
				  .local_cpus = "0-3",
				  .vfio_mask = 0x2,
				  .irq_base = 100});
	fx_add_pf(e->root, e->proc,
		  &(struct fx_pf){.pci = "0000:00:03.0",
				  .netdev = "eth0",
				  .driver = "e1000e",
				  .total_vfs = -1});
	o.sysfs_root = e->root;
	o.procfs_root = e->proc;
	assert_int_equal(vfm_ctx_new(&o, &e->ctx, NULL), 0);
	writes[0] = '\0';
	vfm_set_print(record_writes);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	vfm_set_print(NULL);
	vfm_ctx_free(e->ctx);
	fx_cleanup(e->dir);
	free(e);
	return 0;
}

static void
test_numvfs_rules(void **state)
{
	struct env *e = *state;
	char buf[64];

	/* VF 1 is on vfio-pci: changing the count would destroy it. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 2, 0), -EBUSY);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "VF 1"));
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "vfio-pci"));
	assert_string_equal(writes, "");
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "4");

	/* Above sriov_totalvfs: refused before anything is written. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "ens1f0", 9, VFM_NUMVFS_FORCE), -ERANGE);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "sriov_totalvfs (8)"));
	assert_string_equal(writes, "");

	/* Same count: nothing to do. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 4, 0), 0);
	assert_string_equal(writes, "");

	/* Forced: through 0. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 2, VFM_NUMVFS_FORCE), 0);
	assert_string_equal(writes, "0 2 ");
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "2");

	/* Direct: one write, as asked. */
	writes[0] = '\0';
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 3, VFM_NUMVFS_DIRECT), 0);
	assert_string_equal(writes, "3 ");

	/* To 0: a single write. */
	writes[0] = '\0';
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 0, VFM_NUMVFS_FORCE), 0);
	assert_string_equal(writes, "0 ");
	assert_string_equal(fx_get(e->root, PFD "/sriov_numvfs", buf, sizeof(buf)), "0");

	/* A NIC without SR-IOV, a missing PF. */
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "eth0", 1, 0), -EOPNOTSUPP);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, "nosuch0", 1, 0), -ENODEV);
}

static void
test_numvfs_timeout(void **state)
{
	struct env *e = *state;
	char path[1024];

	/* sriov_numvfs that cannot be read (here a FIFO, which reads as empty). */
	snprintf(path, sizeof(path), "%s/" PFD "/sriov_numvfs", e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(vfm_pf_set_num_vfs(e->ctx, PF, 0, VFM_NUMVFS_FORCE), -EIO);
	/* Refused as unsafe, nothing written. */
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "unreadable"));
}

static void
test_numvfs_timeout_write(void **state)
{
	struct env *e = *state;
	char path[1024];

	/* A driver that never returns from a write (a FIFO without reader blocks the writer):
	 * the write is abandoned after write_timeout_ms and the next steps are not taken. */
	snprintf(path, sizeof(path), "%s/" VF2D "/driver_override", e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, "vfio-pci"), -ETIMEDOUT);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "driver_override"));
	/* Nothing else was touched: still bound to iavf. */
	assert_true(fx_exists(e->root, VF2D "/driver"));
	assert_true(fx_exists(e->root, "bus/pci/drivers/iavf/0000:3b:10.2"));
}

static void
test_bind_writes(void **state)
{
	struct env *e = *state;
	char buf[64];

	/* On a fixture no kernel probes: the writes land, and the check reports it. */
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, "vfio-pci"), -EIO);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "did not take the device"));
	assert_string_equal(fx_get(e->root, VF2D "/driver_override", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_get(e->root, "bus/pci/drivers/iavf/unbind", buf, sizeof(buf)),
			    "0000:3b:10.2");
	assert_string_equal(fx_get(e->root, "bus/pci/drivers_probe", buf, sizeof(buf)),
			    "0000:3b:10.2");

	/* Already bound to what is asked: no writes. */
	fx_put(e->root, "bus/pci/drivers_probe", "%s", "");
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 1, "vfio-pci"), 0);
	assert_string_equal(fx_get(e->root, "bus/pci/drivers_probe", buf, sizeof(buf)), "");

	/* Bad arguments. */
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 9, "vfio-pci"), -EINVAL);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "VF 9 does not exist"));
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, "../x"), -EINVAL);
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, NULL), -EINVAL);
}

static void
test_bind_no_iommu(void **state)
{
	struct env *e = *state;
	char path[1024];

	snprintf(path, sizeof(path), "%s/" VF2D "/iommu_group", e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(vfm_vf_bind(e->ctx, PF, 2, "vfio-pci"), -EOPNOTSUPP);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "IOMMU"));
}

static void
test_vf_config_needs_netlink(void **state)
{
	struct env *e = *state;
	struct vfm_vf_config cfg = {.mask = VFM_VF_TRUST, .trust = true};
	struct vfm_vf_saved saved;

	/* A fixture root is not the live kernel: netlink is off, said so. */
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 0, &cfg), -EOPNOTSUPP);
	assert_non_null(strstr(vfm_ctx_last_error(e->ctx), "netlink"));
	assert_int_equal(vfm_vf_set_config(e->ctx, PF, 4, &cfg), -EINVAL);
	/* Save still records driver and MTU. */
	assert_int_equal(vfm_vf_save(e->ctx, PF, 2, &saved), 0);
	assert_string_equal(saved.driver, "iavf");
	assert_int_equal(saved.mtu, 1500);
	assert_int_equal(saved.cfg.mask, 0);
	assert_string_equal(saved.pf, PF);
}

static void
test_restore_mtu(void **state)
{
	struct env *e = *state;
	struct vfm_vf_saved saved;
	struct vfm_pf *pf;
	char buf[64], rel[256];

	assert_int_equal(vfm_pf_load(e->ctx, PF, &pf), 0);
	snprintf(rel, sizeof(rel), "class/net/%s/mtu", pf->vfs[3].netdev);
	vfm_pf_free(pf);
	assert_int_equal(vfm_vf_save(e->ctx, PF, 3, &saved), 0);
	fx_put(e->root, rel, "9000");
	assert_int_equal(vfm_vf_restore(e->ctx, &saved), 0);
	assert_string_equal(fx_get(e->root, rel, buf, sizeof(buf)), "1500");
	/* A saved state for a VF that no longer exists. */
	saved.vf = 7;
	assert_int_equal(vfm_vf_restore(e->ctx, &saved), -EINVAL);
}

static void
test_irq_pinning(void **state)
{
	struct env *e = *state;
	struct vfm_cpuset cpus, got;
	unsigned int pinned = 99, managed = 99;
	char buf[64];

	assert_int_equal(vfm_cpulist_parse("2-3", &cpus), 0);
	assert_int_equal(vfm_vf_pin_irqs(e->ctx, PF, 2, &cpus, &pinned, &managed), 0);
	assert_int_equal(pinned, 3);
	assert_int_equal(managed, 0);
	for (unsigned int irq = 106; irq < 109; irq++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "irq/%u/smp_affinity_list", irq);
		assert_string_equal(fx_get(e->proc, rel, buf, sizeof(buf)), "2-3");
		assert_int_equal(vfm_irq_get_affinity(e->ctx, irq, &got), 0);
		assert_true(vfm_cpuset_equal(&got, &cpus));
	}
	/* IRQs of another VF untouched. */
	assert_string_equal(fx_get(e->proc, "irq/109/smp_affinity_list", buf, sizeof(buf)), "0-3");
	/* vfio-pci VF: no IRQs, nothing pinned. */
	assert_int_equal(vfm_vf_pin_irqs(e->ctx, PF, 1, &cpus, &pinned, &managed), 0);
	assert_int_equal(pinned, 0);
	/* A missing IRQ, an empty set, garbage. */
	assert_int_equal(vfm_irq_set_affinity(e->ctx, 5000, &cpus), -ENOENT);
	memset(&got, 0, sizeof(got));
	assert_int_equal(vfm_irq_set_affinity(e->ctx, 106, &got), -EINVAL);
	fx_put(e->proc, "irq/106/smp_affinity_list", "garbage");
	assert_int_equal(vfm_irq_get_affinity(e->ctx, 106, &got), -EINVAL);
}

static void
test_ctx(void **state)
{
	struct env *e = *state;
	struct vfm_ctx *ctx;
	char *err = NULL;

	assert_string_equal(vfm_ctx_backend_name(e->ctx), "sysfs+netlink");
	assert_false(vfm_ctx_is_simulated(e->ctx));
	assert_string_equal(vfm_ctx_procfs_root(e->ctx), e->proc);
	assert_int_equal(vfm_ctx_new(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(
		vfm_ctx_new(&(struct vfm_options){.sim_file = "/nonexistent.json"}, &ctx, &err),
		-ENOENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "/nonexistent.json"));
	free(err);
	vfm_ctx_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numvfs_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numvfs_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numvfs_timeout_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_no_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_config_needs_netlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_pinning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
