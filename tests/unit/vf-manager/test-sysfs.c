// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/sysfs.c: attribute reads, link reads, and the timed write (a FIFO
 * without a reader blocks open() for ever, as a stuck driver blocks a sysfs write).
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "sysfs.h"

static void
test_read(void **state)
{
	char *dir = fx_tmpdir(), path[PATH_MAX], buf[64];
	unsigned long h;
	long v;

	(void)state;
	fx_put(dir, "num", "42");
	fx_put(dir, "neg", "-1");
	fx_put(dir, "junk", "12abc");
	fx_put(dir, "empty", "%s", "");
	fx_put(dir, "hex", "0x8086");
	fx_put(dir, "badhex", "8086");
	fx_mkdir(dir, "adir");
	fx_link(dir, "lnk", "some/where/0000:3b:10.2");

	snprintf(path, sizeof(path), "%s/num", dir);
	assert_int_equal(vfm_read_long(path, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(vfm_read_attr(path, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "42");
	assert_int_equal(vfm_read_attr(path, buf, 2), -EFBIG);
	snprintf(path, sizeof(path), "%s/neg", dir);
	assert_int_equal(vfm_read_long(path, &v), 0);
	assert_int_equal(v, -1);
	snprintf(path, sizeof(path), "%s/junk", dir);
	assert_int_equal(vfm_read_long(path, &v), -EINVAL);
	snprintf(path, sizeof(path), "%s/empty", dir);
	assert_int_equal(vfm_read_long(path, &v), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(vfm_read_long(path, &v), -ENOENT);
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(vfm_read_long(path, &v), -EISDIR);
	snprintf(path, sizeof(path), "%s/hex", dir);
	assert_int_equal(vfm_read_hex(path, &h), 0);
	assert_int_equal(h, 0x8086);
	snprintf(path, sizeof(path), "%s/badhex", dir);
	assert_int_equal(vfm_read_hex(path, &h), -EINVAL);
	snprintf(path, sizeof(path), "%s/lnk", dir);
	assert_int_equal(vfm_readlink_base(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0000:3b:10.2");
	assert_int_equal(vfm_readlink_base(path, buf, 5), -ENAMETOOLONG);
	snprintf(path, sizeof(path), "%s/num", dir);
	assert_int_equal(vfm_readlink_base(path, buf, sizeof(buf)), -EINVAL);
	fx_cleanup(dir);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_write_timed(void **state)
{
	char *dir = fx_tmpdir(), path[PATH_MAX], buf[64];
	long long t0;

	(void)state;
	fx_put(dir, "attr", "0");
	snprintf(path, sizeof(path), "%s/attr", dir);
	assert_int_equal(vfm_write_timed(path, "4", 2000), 0);
	assert_string_equal(fx_get(dir, "attr", buf, sizeof(buf)), "4");
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(vfm_write_timed(path, "4", 2000), -ENOENT);
	fx_mkdir(dir, "adir");
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(vfm_write_timed(path, "4", 2000), -EISDIR);

	/* A write that never finishes: abandoned after the time-out. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	t0 = now_ms();
	assert_int_equal(vfm_write_timed(path, "4", 200), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 200);
	assert_true(now_ms() - t0 < 2000);
	fx_cleanup(dir);
}

static void
test_files(void **state)
{
	char *dir = fx_tmpdir(), path[PATH_MAX], buf[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(vfm_mkdir_p(path), 0);
	assert_int_equal(vfm_mkdir_p(path), 0);
	assert_true(fx_exists(dir, "a/b/c"));
	snprintf(path, sizeof(path), "%s/a/b/c/state", dir);
	assert_int_equal(vfm_write_file_atomic(path, "mac 00:11:22:33:44:55\n"), 0);
	assert_string_equal(fx_get(dir, "a/b/c/state", buf, sizeof(buf)), "mac 00:11:22:33:44:55");
	assert_int_equal(vfm_attr_replace(path, "x"), 0);
	assert_string_equal(fx_get(dir, "a/b/c/state", buf, sizeof(buf)), "x");
	fx_link(dir, "a/lnk", "a/b");
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(vfm_rm_rf(path), 0);
	assert_false(fx_exists(dir, "a"));
	assert_int_equal(vfm_rm_rf(path), 0);
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(vfm_path(buf, sizeof(buf), "%s", path), -ENAMETOOLONG);
	fx_cleanup(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write_timed),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
