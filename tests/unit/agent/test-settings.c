// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/settings.c: defaults, every field, and each rejection with its
 * message.
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

#include "nfpath/agent-settings.h"

static void
test_defaults(void **state)
{
	struct agent_settings *s = NULL;
	struct agent_diags d = {0};

	(void)state;
	assert_int_equal(agent_settings_load("/nonexistent/nfpathd.json", true, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(s->policy_dir, "/etc/nfpath/policies.d");
	assert_string_equal(s->datapath_socket, "/run/nfpath/dp.sock");
	assert_string_equal(s->control_socket, "/run/nfpath/nfpathd.sock");
	assert_string_equal(s->libvirt_uri, "qemu:///system");
	assert_string_equal(s->sysfs_root, "/sys");
	assert_string_equal(s->procfs_root, "/proc");
	assert_string_equal(s->state_dir, "/var/lib/nfpath");
	assert_int_equal(vfm_cpuset_count(&s->reserved_cpus), 0);
	assert_int_equal(s->vf_backend, AGENT_VF_BACKEND_REAL);
	assert_null(s->sim_nic_file);
	assert_string_equal(agent_vf_backend_name(s->vf_backend), "real");
	agent_settings_free(s);

	s = NULL;
	assert_int_equal(agent_settings_load("/nonexistent/nfpathd.json", false, &s, &d), -EINVAL);
	assert_null(s);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message,
			    "cannot read: No such file or directory (check the path)");
	agent_diags_clear(&d);
}

static void
test_all_fields(void **state)
{
	const char *text =
		"{\"policy_dir\": \"/tmp/p\", \"datapath_socket\": \"/tmp/dp.sock\",\n"
		" \"control_socket\": \"/tmp/c.sock\", \"libvirt_uri\": \"test:///default\",\n"
		" \"sysfs_root\": \"/tmp/sys\", \"procfs_root\": \"/tmp/proc\",\n"
		" \"state_dir\": \"/tmp/state\", \"reserved_cpus\": \"0-1,4\",\n"
		" \"vf_backend\": \"sim\", \"sim_nic_file\": \"/tmp/nic.json\"}";
	struct agent_settings *s = NULL;
	struct agent_diags d = {0};
	char path[] = "/tmp/nfpath-settings-XXXXXX";
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(agent_settings_load(path, false, &s, &d), 0);
	unlink(path);
	assert_int_equal(d.n, 0);
	assert_string_equal(s->policy_dir, "/tmp/p");
	assert_string_equal(s->datapath_socket, "/tmp/dp.sock");
	assert_string_equal(s->control_socket, "/tmp/c.sock");
	assert_string_equal(s->libvirt_uri, "test:///default");
	assert_string_equal(s->sysfs_root, "/tmp/sys");
	assert_string_equal(s->procfs_root, "/tmp/proc");
	assert_string_equal(s->state_dir, "/tmp/state");
	assert_int_equal(vfm_cpuset_count(&s->reserved_cpus), 3);
	assert_true(vfm_cpuset_isset(&s->reserved_cpus, 4));
	assert_int_equal(s->vf_backend, AGENT_VF_BACKEND_SIM);
	assert_string_equal(s->sim_nic_file, "/tmp/nic.json");
	agent_settings_free(s);
}

static void
expect(const char *text, const char *const *want, size_t n)
{
	struct agent_settings *s = NULL;
	struct agent_diags d = {0};

	assert_int_equal(agent_settings_load_buffer("nfpathd.json", text, strlen(text), &s, &d),
			 -EINVAL);
	assert_null(s);
	for (size_t i = 0; i < d.n; i++) {
		char buf[512];

		agent_diag_format(&d.v[i], buf, sizeof(buf));
		print_message("got:  %s\n", buf);
		if (i < n)
			assert_string_equal(buf, want[i]);
	}
	assert_int_equal(d.n, n);
	agent_diags_clear(&d);
}

static void
test_rejections(void **state)
{
	static const char *const w1[] = {
		"nfpathd.json:1:16: policy_dir: 'etc/nfpath' is not an absolute path (start it with '/')",
		"nfpathd.json:1:47: reserved_cpus: '0-' is not a CPU list (write CPUs and ranges like 0-3,8)",
		"nfpathd.json:2:2: policy_dri: unknown field (did you mean 'policy_dir'?)",
		"nfpathd.json:2:37: libvirt_uri: 'qemu' is not a libvirt URI (write one like qemu:///system or test:///default)",
		"nfpathd.json:2:59: vf_backend: 'fake' is not valid (use one of: real, sim)",
	};
	static const char *const w2[] = {
		"nfpathd.json:1:16: vf_backend: 'sim' needs sim_nic_file (add \"sim_nic_file\": the simulated NIC's description)",
	};
	static const char *const w3[] = {
		"nfpathd.json:1:2: sim_nic_file: is only read with \"vf_backend\": \"sim\" (remove it, or set vf_backend to sim)",
	};
	static const char *const w4[] = {
		"nfpathd.json:1:29: state_dir: duplicate key, first set at 1:2 (remove one)",
	};
	static const char *const w5[] = {
		"nfpathd.json:1:2: '[' or '{' expected near '42' (fix the JSON syntax)",
	};
	static const char *const w7[] = {
		"nfpathd.json:1:1: expected an object, got an array (the settings file is one object)",
	};
	static const char *const w6[] = {
		"nfpathd.json:1:19: reserved_cpus: '5000' names a CPU above 1023 (use CPUs 0-1023)",
	};

	(void)state;
	expect("{\"policy_dir\": \"etc/nfpath\", \"reserved_cpus\": \"0-\",\n"
	       " \"policy_dri\": \"/x\", \"libvirt_uri\": \"qemu\", \"vf_backend\": \"fake\"}",
	       w1, 5);
	expect("{\"vf_backend\": \"sim\"}", w2, 1);
	expect("{\"sim_nic_file\": \"/x\"}", w3, 1);
	expect("{\"state_dir\": \"/a\", \"x\": 1, \"state_dir\": \"/b\"}", w4, 1);
	expect("42", w5, 1);
	expect("[42]", w7, 1);
	expect("{\"reserved_cpus\": \"5000\"}", w6, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_fields),
		cmocka_unit_test(test_rejections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
