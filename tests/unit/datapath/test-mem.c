// SPDX-License-Identifier: BSD-3-Clause
/* Tests of datapath/mem.c without an EAL: the hugepage check on a fake sysfs and mount table,
 * and the mempool sizing rule. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "mem.h"

static char root[64];

static void
put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/nfpath-test-mem-XXXXXX");
	if (!mkdtemp(root)) {
		return -1;
	}
	snprintf(p, sizeof(p), "%s/kernel", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/kernel/mm", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/kernel/mm/hugepages", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/kernel/mm/hugepages/hugepages-2048kB", root);
	mkdir(p, 0755);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_hugepages(void **state)
{
	char msg[512], mounts[256];

	(void)state;
	snprintf(mounts, sizeof(mounts), "%s/mounts", root);
	put("mounts", "proc /proc proc rw 0 0\n");
	put("kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	assert_int_equal(dp_mem_hugepages_check(root, mounts, true, msg, sizeof(msg)), -ENOMEM);
	assert_non_null(strstr(msg, "nr_hugepages"));
	assert_non_null(strstr(msg, "--no-huge"));

	put("kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "12\n");
	assert_int_equal(dp_mem_hugepages_check(root, mounts, true, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "mount -t hugetlbfs"));
	/* --in-memory needs no mount. */
	assert_int_equal(dp_mem_hugepages_check(root, mounts, false, msg, sizeof(msg)), 0);

	put("mounts",
	    "proc /proc proc rw 0 0\nnodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n");
	assert_int_equal(dp_mem_hugepages_check(root, mounts, true, msg, sizeof(msg)), 0);
}

static void
test_shortfall(void **state)
{
	char msg[512];

	(void)state;
	put("kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "12\n");
	put("kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "40\n");
	/* 64 MiB of elements: 72 MiB with the overhead, 36 pages, 12 free. */
	dp_mem_shortfall(root, 64ull << 20, msg, sizeof(msg));
	assert_non_null(strstr(msg, "about 72 MiB (36 hugepages of 2 MiB), 12 of 40 are free"));
	assert_non_null(strstr(msg, "'echo 80 > "));
	assert_non_null(strstr(msg, "hugepages-2048kB/nr_hugepages'"));
}

static void
test_mbufs_needed(void **state)
{
	unsigned int n;

	(void)state;
	/* 2 ports x 1 RX + 1 TX queue of 512: 2048 descriptors plus caches and bursts. */
	n = dp_mem_mbufs_needed(1024, 1024, 2, 1, 2, 1024);
	assert_true(n >= 1024 + 1024 + 2 * 32 * 2 + 2 * DP_MBUF_CACHE * 3 / 2 + 1024);
	assert_int_equal((n + 1) & n, 0); /* 2^k - 1 */
	assert_int_equal(dp_mem_mbufs_needed(0, 0, 0, 0, 0, 1), 1);
	assert_int_equal(dp_mem_mbufs_needed(0, 0, 0, 0, 0, 2), 3);
	/* More queues never need fewer mbufs. */
	assert_true(dp_mem_mbufs_needed(8192, 1024, 2, 1, 2, 1024) > n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hugepages),
		cmocka_unit_test(test_shortfall),
		cmocka_unit_test(test_mbufs_needed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
