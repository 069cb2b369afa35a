// SPDX-License-Identifier: BSD-3-Clause
/* Tests of datapath/opts.c: option parsing, defaults and the EAL argument vector. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "opts.h"

static struct dp_opts o;
static FILE *devnull;

static int
parse(int argc, const char **argv)
{
	return dp_opts_parse(&o, argc, (char **)argv, devnull);
}

static bool
has_arg(const char *a, const char *b)
{
	for (int i = 0; i < o.eal_argc; i++) {
		if (!strcmp(o.eal_argv[i], a) &&
		    (!b || (i + 1 < o.eal_argc && !strcmp(o.eal_argv[i + 1], b)))) {
			return true;
		}
	}
	return false;
}

static void
test_defaults(void **state)
{
	const char *argv[] = {"nfpath-dp", "-p", "net_ring0"};
	int cpus[2] = {0, 1};

	(void)state;
	assert_int_equal(parse(3, argv), 0);
	assert_int_equal(o.n_ports, 1);
	assert_string_equal(o.ports[0], "net_ring0");
	assert_int_equal(o.rx_queues, 1);
	assert_string_equal(o.file_prefix, "nfpath");
	assert_string_equal(o.socket_path, "/run/nfpath/dp.sock");
	dp_opts_default_lcores(&o, 2, cpus);
	assert_string_equal(o.lcores, "0@0,1@1");
	assert_int_equal(dp_opts_eal_argv(&o, "nfpath-dp"), 0);
	assert_true(has_arg("--file-prefix", "nfpath"));
	assert_true(has_arg("--lcores", "0@0,1@1"));
	assert_true(has_arg("--vdev", "net_ring0"));
	assert_true(has_arg("--no-pci", NULL));
	assert_null(o.eal_argv[o.eal_argc]);
}

static void
test_one_cpu_lcores(void **state)
{
	const char *argv[] = {"nfpath-dp", "--port=net_null0"};
	int cpus[2] = {3, 0};

	(void)state;
	assert_int_equal(parse(2, argv), 0);
	dp_opts_default_lcores(&o, 1, cpus);
	assert_string_equal(o.lcores, "0@3");
}

static void
test_user_lcores_kept(void **state)
{
	const char *argv[] = {"nfpath-dp", "-p", "net_null0", "-l", "0@1"};
	int cpus[2] = {0, 1};

	(void)state;
	assert_int_equal(parse(5, argv), 0);
	dp_opts_default_lcores(&o, 2, cpus);
	assert_string_equal(o.lcores, "0@1");
}

static void
test_pci_uplink(void **state)
{
	const char *argv[] = {"nfpath-dp",
			      "-p",
			      "0000:03:00.0,dv_flow_en=1",
			      "-p",
			      "net_tap0,iface=t0",
			      "-q",
			      "4",
			      "--isolate"};

	(void)state;
	assert_int_equal(parse(8, argv), 0);
	assert_int_equal(o.rx_queues, 4);
	assert_true(o.isolate);
	assert_int_equal(dp_opts_eal_argv(&o, "x"), 0);
	assert_true(has_arg("-a", "0000:03:00.0,dv_flow_en=1"));
	assert_true(has_arg("--vdev", "net_tap0,iface=t0"));
	assert_false(has_arg("--no-pci", NULL));
}

static void
test_extra_eal_and_flags(void **state)
{
	const char *argv[] = {"nfpath-dp", "-p", "net_ring0",   "--no-huge",    "--file-prefix",
			      "t1",        "--", "--log-level", "lib.eal:debug"};
	const char *both[] = {"nfpath-dp", "-p", "net_ring0", "--no-huge", "--in-memory"};
	const char *inmem[] = {"nfpath-dp", "-p", "net_ring0", "--in-memory"};

	(void)state;
	assert_int_equal(parse(5, both), -EINVAL);
	assert_int_equal(parse(4, inmem), 0);
	assert_int_equal(dp_opts_eal_argv(&o, "x"), 0);
	assert_true(has_arg("--in-memory", NULL));
	assert_int_equal(parse(9, argv), 0);
	assert_int_equal(dp_opts_eal_argv(&o, "x"), 0);
	assert_true(has_arg("--no-huge", NULL));
	assert_false(has_arg("--in-memory", NULL));
	assert_true(has_arg("--file-prefix", "t1"));
	assert_true(has_arg("--log-level", "lib.eal:debug"));
}

static void
test_errors(void **state)
{
	const char *noport[] = {"nfpath-dp"};
	const char *badq[] = {"nfpath-dp", "-p", "net_ring0", "-q", "17"};
	const char *negq[] = {"nfpath-dp", "-p", "net_ring0", "-q", "-1"};
	const char *junkq[] = {"nfpath-dp", "-p", "net_ring0", "--rxd", "12x"};
	const char *unknown[] = {"nfpath-dp", "-p", "net_ring0", "--frobnicate"};
	const char *noval[] = {"nfpath-dp", "-p"};
	const char *stray[] = {"nfpath-dp", "-p", "net_ring0", "stray"};
	const char *slash[] = {"nfpath-dp", "-p", "net_ring0", "--file-prefix", "a/b"};

	(void)state;
	assert_int_equal(parse(1, noport), -EINVAL);
	assert_int_equal(parse(5, badq), -EINVAL);
	assert_int_equal(parse(5, negq), -EINVAL);
	assert_int_equal(parse(5, junkq), -EINVAL);
	assert_int_equal(parse(4, unknown), -EINVAL);
	assert_int_equal(parse(2, noval), -EINVAL);
	assert_int_equal(parse(4, stray), -EINVAL);
	assert_int_equal(parse(5, slash), -EINVAL);
}

static void
test_help_needs_no_port(void **state)
{
	const char *argv[] = {"nfpath-dp", "--help"};

	(void)state;
	assert_int_equal(parse(2, argv), 0);
	assert_true(o.help);
}

static void
test_devargs(void **state)
{
	char name[64];

	(void)state;
	assert_true(dp_devargs_is_pci("0000:03:00.0"));
	assert_true(dp_devargs_is_pci("03:00.1,foo=bar"));
	assert_false(dp_devargs_is_pci("net_tap0,iface=03:00.0"));
	assert_false(dp_devargs_is_pci("0000:03:00.8"));
	assert_false(dp_devargs_is_pci("0000:0g:00.0"));
	assert_int_equal(dp_devargs_name("03:00.1,foo=bar", name, sizeof(name)), 0);
	assert_string_equal(name, "0000:03:00.1");
	assert_int_equal(dp_devargs_name("net_af_packet0,iface=veth0", name, sizeof(name)), 0);
	assert_string_equal(name, "net_af_packet0");
	assert_int_equal(dp_devargs_name(",x", name, sizeof(name)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_one_cpu_lcores),
		cmocka_unit_test(test_user_lcores_kept),
		cmocka_unit_test(test_pci_uplink),
		cmocka_unit_test(test_extra_eal_and_flags),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_needs_no_port),
		cmocka_unit_test(test_devargs),
	};
	int r;

	devnull = fopen("/dev/null", "w");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	fclose(devnull);
	return r;
}
