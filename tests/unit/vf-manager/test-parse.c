// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/parse.c: MAC, CPU list and PCI address parsers, with the bad inputs
 * a policy file or a garbled sysfs attribute can hold.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nfpath/vfm-parse.h"

static char overlong[8192];

static void
test_mac_good(void **state)
{
	uint8_t mac[VFM_MAC_LEN];
	char buf[VFM_MAC_STRLEN];
	const uint8_t want[VFM_MAC_LEN] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

	(void)state;
	assert_int_equal(vfm_mac_parse("52:54:00:AB:cd:ef", mac), 0);
	assert_memory_equal(mac, want, VFM_MAC_LEN);
	assert_int_equal(vfm_mac_parse("  52:54:00:ab:cd:ef\n", mac), 0);
	assert_memory_equal(mac, want, VFM_MAC_LEN);
	assert_int_equal(vfm_mac_format(mac, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "52:54:00:ab:cd:ef");
	assert_int_equal(vfm_mac_format(mac, buf, sizeof(buf) - 1), -ENOSPC);

	assert_int_equal(vfm_mac_parse("00:00:00:00:00:00", mac), 0);
	assert_true(vfm_mac_is_zero(mac));
	assert_int_equal(vfm_mac_parse("01:00:5e:00:00:01", mac), 0);
	assert_true(vfm_mac_is_multicast(mac));
	assert_int_equal(vfm_mac_parse("ff:ff:ff:ff:ff:ff", mac), 0);
	assert_true(vfm_mac_is_multicast(mac));
	assert_int_equal(vfm_mac_parse("52:54:00:00:00:01", mac), 0);
	assert_false(vfm_mac_is_multicast(mac));
	assert_false(vfm_mac_is_zero(mac));
}

static void
test_mac_bad(void **state)
{
	static const char *const bad[] = {
		"52:54:00:zz:00:01",
		"",
		"   ",
		"52:54:00:00:00",
		"52:54:00:00:00:01:02",
		"52-54-00-00-00-01",
		"5:54:00:00:00:01:",
		"52:54:00:00:00:1",
		"52:54:00:00:00:0g",
		"52:54:00:00:00:01x",
		"52:54:00 00:00:01",
		"+2:54:00:00:00:01",
	};
	uint8_t mac[VFM_MAC_LEN] = {1, 2, 3, 4, 5, 6};
	const uint8_t orig[VFM_MAC_LEN] = {1, 2, 3, 4, 5, 6};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("mac '%s'\n", bad[i]);
		assert_int_equal(vfm_mac_parse(bad[i], mac), -EINVAL);
	}
	assert_int_equal(vfm_mac_parse(overlong, mac), -EINVAL);
	assert_int_equal(vfm_mac_parse(NULL, mac), -EINVAL);
	/* Output untouched on failure. */
	assert_memory_equal(mac, orig, VFM_MAC_LEN);
}

static void
test_cpulist_good(void **state)
{
	struct vfm_cpuset set;
	char buf[64];

	(void)state;
	assert_int_equal(vfm_cpulist_parse("0-3,8,10-11", &set), 0);
	assert_int_equal(vfm_cpuset_count(&set), 7);
	assert_true(vfm_cpuset_isset(&set, 0));
	assert_true(vfm_cpuset_isset(&set, 3));
	assert_false(vfm_cpuset_isset(&set, 4));
	assert_true(vfm_cpuset_isset(&set, 8));
	assert_false(vfm_cpuset_isset(&set, 9));
	assert_true(vfm_cpuset_isset(&set, 11));
	assert_int_equal(vfm_cpuset_format(&set, buf, sizeof(buf)), (int)strlen("0-3,8,10-11"));
	assert_string_equal(buf, "0-3,8,10-11");

	/* sysfs style: newline at the end; overlapping and unordered pieces canonicalise. */
	assert_int_equal(vfm_cpulist_parse("5,1-2,2-3\n", &set), 0);
	assert_int_equal(vfm_cpuset_format(&set, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "1-3,5");

	assert_int_equal(vfm_cpulist_parse("1023", &set), 0);
	assert_true(vfm_cpuset_isset(&set, 1023));
	assert_int_equal(vfm_cpuset_format(&set, buf, 4), -ENOSPC);

	struct vfm_cpuset empty = {0};
	assert_int_equal(vfm_cpuset_format(&empty, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void
test_cpulist_bad(void **state)
{
	static const char *const bad[] = {
		"0-", "3-1", "",     " ",   ",",    "0,",    ",0", "0,,1",
		"-1", "a",   "0-3x", "1 2", "0--3", "0-3-5", "+1", "0x3",
	};
	struct vfm_cpuset set = {0};

	(void)state;
	vfm_cpuset_set(&set, 42);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("cpulist '%s'\n", bad[i]);
		assert_int_equal(vfm_cpulist_parse(bad[i], &set), -EINVAL);
	}
	assert_int_equal(vfm_cpulist_parse(overlong, &set), -EINVAL);
	assert_int_equal(vfm_cpulist_parse(NULL, &set), -EINVAL);
	assert_int_equal(vfm_cpulist_parse("1024", &set), -ERANGE);
	assert_int_equal(vfm_cpulist_parse("0-99999999999999999999", &set), -ERANGE);
	/* Output untouched on failure. */
	assert_int_equal(vfm_cpuset_count(&set), 1);
	assert_true(vfm_cpuset_isset(&set, 42));
}

static void
test_pci_good(void **state)
{
	struct vfm_pci_addr a, b;
	char buf[VFM_PCI_ADDR_STRLEN];

	(void)state;
	assert_int_equal(vfm_pci_addr_parse("0000:3b:00.1", &a), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 0x3b);
	assert_int_equal(a.dev, 0);
	assert_int_equal(a.func, 1);
	assert_int_equal(vfm_pci_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0000:3b:00.1");
	assert_int_equal(vfm_pci_addr_format(&a, buf, sizeof(buf) - 1), -ENOSPC);

	assert_int_equal(vfm_pci_addr_parse("3B:1f.7\n", &b), 0);
	assert_int_equal(b.bus, 0x3b);
	assert_int_equal(b.dev, 0x1f);
	assert_int_equal(b.func, 7);
	assert_false(vfm_pci_addr_equal(&a, &b));

	assert_int_equal(vfm_pci_addr_parse("10000:00:02.0", &a), -EINVAL);
	assert_int_equal(vfm_pci_addr_parse("ffff:ff:1f.7", &a), 0);
	assert_int_equal(a.domain, 0xffff);
}

static void
test_pci_bad(void **state)
{
	static const char *const bad[] = {
		"0000:3b:00.x",   "",
		"0000:3b:00",     "0000:3b:20.0",
		"0000:3b:00.8",   "0000:100:00.0",
		"0000:3b:00.1.2", "0000-3b-00.1",
		"0000:3b:00.",    ":3b:00.1",
		"0:0:0:00.1",     "3b.00.1",
		"0000:3b :00.1",  "00.1",
	};
	struct vfm_pci_addr a = {.domain = 7};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("pci '%s'\n", bad[i]);
		assert_int_equal(vfm_pci_addr_parse(bad[i], &a), -EINVAL);
	}
	assert_int_equal(vfm_pci_addr_parse(overlong, &a), -EINVAL);
	assert_int_equal(vfm_pci_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(a.domain, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_good),     cmocka_unit_test(test_mac_bad),
		cmocka_unit_test(test_cpulist_good), cmocka_unit_test(test_cpulist_bad),
		cmocka_unit_test(test_pci_good),     cmocka_unit_test(test_pci_bad),
	};

	memset(overlong, '1', sizeof(overlong) - 1);
	return cmocka_run_group_tests_name("vf-manager/parse", tests, NULL, NULL);
}
