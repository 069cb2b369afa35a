// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/netlink.c: the -NLE_* to -errno mapping, and reading VF state of
 * a device without VFs ('lo') through a real rtnetlink socket. The veth test in a network
 * namespace is in tests/integration/vf-manager.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/errno.h>

#include "netlink.h"

static void
test_nle_map(void **state)
{
	(void)state;
	assert_int_equal(vfm_nle_to_errno(0), 0);
	assert_int_equal(vfm_nle_to_errno(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	assert_int_equal(vfm_nle_to_errno(NLE_OPNOTSUPP), -EOPNOTSUPP);
	assert_int_equal(vfm_nle_to_errno(-NLE_OBJ_NOTFOUND), -ENODEV);
	assert_int_equal(vfm_nle_to_errno(-NLE_INVAL), -EINVAL);
	assert_int_equal(vfm_nle_to_errno(-NLE_RANGE), -ERANGE);
	assert_int_equal(vfm_nle_to_errno(-NLE_BUSY), -EBUSY);
	assert_int_equal(vfm_nle_to_errno(-NLE_PERM), -EPERM);
	assert_int_equal(vfm_nle_to_errno(-NLE_NOACCESS), -EACCES);
	assert_int_equal(vfm_nle_to_errno(-NLE_NOMEM), -ENOMEM);
	assert_int_equal(vfm_nle_to_errno(-NLE_NODEV), -ENODEV);
	assert_int_equal(vfm_nle_to_errno(-NLE_FAILURE), -EIO);
	assert_int_equal(vfm_nle_to_errno(-9999), -EIO);
	/* Every code maps to a negative errno. */
	for (int i = 1; i <= NLE_MAX; i++)
		assert_true(vfm_nle_to_errno(-i) < 0);
}

static void
test_lo_has_no_vfs(void **state)
{
	struct vfm_ctx *ctx;
	struct vfm_vf_config cfgs[2];

	(void)state;
	assert_int_equal(vfm_ctx_new(NULL, &ctx, NULL), 0);
	memset(cfgs, 0xab, sizeof(cfgs));
	assert_int_equal(vfm_nl_vf_get_all(ctx, "lo", cfgs, 2), 0);
	assert_int_equal(cfgs[0].mask, 0);
	assert_int_equal(cfgs[1].mask, 0);
	assert_int_equal(vfm_nl_vf_get_all(ctx, "nosuchdev0", cfgs, 2), -ENODEV);
	assert_non_null(strstr(vfm_ctx_last_error(ctx), "nosuchdev0"));
	vfm_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nle_map),
		cmocka_unit_test(test_lo_has_no_vfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
