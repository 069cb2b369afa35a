// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/virt.c against libvirt's test driver (test:///default: one running
 * domain "test", 2 NUMA cells of 8 CPUs): define domains whose XML holds a hostdev interface and
 * a vhost-user interface, pin vCPUs and the emulator and read the pins back (also in the live
 * XML), lifecycle events through the pipe, libvirt errors as -errno with text.
 */
#include <poll.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virt.h"

#define VM_XML                                                                                     \
	"<domain type='test'><name>%s</name><memory>1048576</memory><vcpu>4</vcpu>"                \
	"<os><type>hvm</type></os><devices>"                                                       \
	"<interface type='hostdev' managed='yes'><mac address='52:54:00:10:00:01'/>"               \
	"<source><address type='pci' domain='0x0000' bus='0x3b' slot='0x10' "                      \
	"function='0x0'/></source><vlan><tag id='100'/></vlan></interface>"                        \
	"<interface type='vhostuser'><mac address='52:54:00:10:00:02'/>"                           \
	"<source type='unix' path='/run/nfpath/vhost/%s.sock' mode='client'/>"                     \
	"<model type='virtio'/></interface>"                                                       \
	"</devices></domain>"

static struct agent_virt *v;

static int
setup(void **state)
{
	char err[512];

	(void)state;
	return agent_virt_open("test:///default", true, &v, err, sizeof(err));
}

static int
teardown(void **state)
{
	(void)state;
	agent_virt_close(v);
	v = NULL;
	return 0;
}

static void
define_vm(const char *name)
{
	char xml[2048];

	snprintf(xml, sizeof(xml), VM_XML, name, name);
	if (agent_virt_define_xml(v, xml) != 0)
		fail_msg("define %s: %s", name, agent_virt_last_error(v));
}

static bool
has_name(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void
test_define_list_xml(void **state)
{
	char **names = NULL, *xml = NULL;
	size_t n = 0;

	(void)state;
	define_vm("web");
	assert_int_equal(agent_virt_list_domains(v, &names, &n), 0);
	assert_true(has_name(names, n, "test")); /* the test driver's own domain */
	assert_true(has_name(names, n, "web"));
	agent_virt_names_free(names, n);
	assert_int_equal(agent_virt_is_active(v, "web"), 0);
	assert_int_equal(agent_virt_vcpu_count(v, "web"), 4);
	assert_int_equal(agent_virt_get_xml(v, "web", &xml), 0);
	assert_non_null(strstr(xml, "type='hostdev'"));
	assert_non_null(strstr(xml, "<tag id='100'/>"));
	assert_non_null(strstr(xml, "type='vhostuser'"));
	assert_non_null(strstr(xml, "/run/nfpath/vhost/web.sock"));
	free(xml);
}

static void
test_pin_and_read_back(void **state)
{
	struct vfm_cpuset want, got, emu;
	char *xml = NULL;

	(void)state;
	define_vm("pinned");
	assert_int_equal(agent_virt_start(v, "pinned"), 0);
	assert_int_equal(agent_virt_is_active(v, "pinned"), 1);
	assert_int_equal(vfm_cpulist_parse("2-3", &want), 0);
	assert_int_equal(agent_virt_pin_vcpu(v, "pinned", 1, &want), 0);
	assert_int_equal(agent_virt_get_vcpu_pin(v, "pinned", 1, &got), 0);
	assert_true(vfm_cpuset_equal(&want, &got));
	assert_int_equal(vfm_cpulist_parse("9", &emu), 0);
	assert_int_equal(agent_virt_pin_emulator(v, "pinned", &emu), 0);
	assert_int_equal(agent_virt_get_emulator_pin(v, "pinned", &got), 0);
	assert_true(vfm_cpuset_equal(&emu, &got));
	assert_int_equal(agent_virt_get_xml(v, "pinned", &xml), 0);
	assert_non_null(strstr(xml, "<vcpupin vcpu='1' cpuset='2-3'/>"));
	assert_non_null(strstr(xml, "<emulatorpin cpuset='9'/>"));
	free(xml);
	/* a vCPU the domain does not have; a CPU the host does not have */
	assert_int_equal(agent_virt_get_vcpu_pin(v, "pinned", 4, &got), -EINVAL);
	assert_int_equal(vfm_cpulist_parse("100", &want), 0);
	assert_int_equal(agent_virt_pin_vcpu(v, "pinned", 0, &want), -EINVAL);
	assert_non_null(strstr(agent_virt_last_error(v), "CPU 100 does not exist"));
}

static void
test_errors(void **state)
{
	struct vfm_cpuset cpus;
	char err[512] = "";
	struct agent_virt *bad = NULL;

	(void)state;
	vfm_cpulist_parse("0", &cpus);
	assert_int_equal(agent_virt_pin_vcpu(v, "nosuch", 0, &cpus), -ENOENT);
	assert_non_null(strstr(agent_virt_last_error(v), "nosuch"));
	assert_int_equal(agent_virt_define_xml(v, "<domain><name>broken"), -EINVAL);
	assert_int_equal(agent_virt_open("bogus:///nowhere", false, &bad, err, sizeof(err)),
			 -ECONNREFUSED);
	assert_null(bad);
	assert_non_null(strstr(err, "bogus:///nowhere"));
}

/* Wait up to 2 s for an event of 'type' on 'name'. */
static bool
wait_event(const char *name, int type)
{
	struct agent_virt_event ev;

	for (int i = 0; i < 20; i++) {
		struct pollfd p = {.fd = agent_virt_event_fd(v), .events = POLLIN};

		poll(&p, 1, 100);
		while (agent_virt_event_read(v, &ev) == 1)
			if (strcmp(ev.domain, name) == 0 && ev.event == type)
				return true;
	}
	return false;
}

static void
test_events(void **state)
{
	(void)state;
	assert_true(agent_virt_event_fd(v) >= 0);
	define_vm("evt");
	assert_true(wait_event("evt", 0)); /* VIR_DOMAIN_EVENT_DEFINED */
	assert_int_equal(agent_virt_start(v, "evt"), 0);
	assert_true(wait_event("evt", 2)); /* STARTED */
	assert_string_equal(agent_virt_event_name(2), "started");
	assert_int_equal(agent_virt_destroy(v, "evt"), 0);
	assert_true(wait_event("evt", 5)); /* STOPPED */
	assert_int_equal(agent_virt_undefine(v, "evt"), 0);
	assert_int_equal(agent_virt_is_active(v, "evt"), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_define_list_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
