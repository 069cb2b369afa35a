// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/virt.c against libvirt's test driver (test:///default: one running
 * domain "test", 2 NUMA cells of 8 CPUs): define domains whose XML holds a hostdev interface and
 * a vhost-user interface, pin vCPUs and the emulator and read the pins back (also in the live
 * XML), lifecycle events through the pipe, libvirt errors as -errno with text; interfaces
 * (virt-xml.c): hostdev VFs and vhost-user ports added, corrected, moved and removed, with the
 * persistent XML compared byte for byte for idempotency, the live part of a running domain
 * skipped (the test driver has no attach), and numatune.
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

/* ---- interfaces and numatune (virt-xml.c) ---- */

static const uint8_t MAC_A[VFM_MAC_LEN] = {0x52, 0x54, 0x00, 0x10, 0x00, 0x01};
static const uint8_t MAC_B[VFM_MAC_LEN] = {0x52, 0x54, 0x00, 0x10, 0x00, 0x02};
static const uint8_t MAC_C[VFM_MAC_LEN] = {0x52, 0x54, 0x00, 0x10, 0x00, 0x03};
static const uint8_t MAC_D[VFM_MAC_LEN] = {0x52, 0x54, 0x00, 0x10, 0x00, 0x04};

/* A domain with these <devices> and optional extra top-level elements. */
static void
define_with(const char *name, const char *top, const char *devices)
{
	char xml[4096];

	snprintf(xml, sizeof(xml),
		 "<domain type='test'><name>%s</name><memory>1048576</memory><vcpu>2</vcpu>%s"
		 "<os><type>hvm</type></os><devices>%s</devices></domain>",
		 name, top, devices);
	if (agent_virt_define_xml(v, xml) != 0)
		fail_msg("define %s: %s", name, agent_virt_last_error(v));
}

static char *
inactive_xml(const char *name)
{
	char *xml = NULL;

	assert_int_equal(agent_virt_get_inactive_xml(v, name, &xml), 0);
	assert_non_null(xml);
	return xml;
}

static struct vfm_pci_addr
pci(const char *s)
{
	struct vfm_pci_addr a;

	assert_int_equal(vfm_pci_addr_parse(s, &a), 0);
	return a;
}

/* The interface with 'mac' (asserting there is exactly one) from the live/persistent XML. */
static struct agent_virt_iface
iface_of(const char *name, bool inactive, const uint8_t *mac, size_t *ret_total)
{
	struct agent_virt_iface *ifs = NULL, found;
	size_t n = 0, hits = 0;

	assert_int_equal(agent_virt_get_ifaces(v, name, inactive, &ifs, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (ifs[i].has_mac && memcmp(ifs[i].mac, mac, VFM_MAC_LEN) == 0) {
			found = ifs[i];
			hits++;
		}
	free(ifs);
	assert_int_equal(hits, 1);
	if (ret_total)
		*ret_total = n;
	return found;
}

static size_t
count_mac(const char *name, bool inactive, const uint8_t *mac)
{
	struct agent_virt_iface *ifs = NULL;
	size_t n = 0, hits = 0;

	assert_int_equal(agent_virt_get_ifaces(v, name, inactive, &ifs, &n), 0);
	for (size_t i = 0; i < n; i++)
		hits += ifs[i].has_mac && memcmp(ifs[i].mac, mac, VFM_MAC_LEN) == 0;
	free(ifs);
	return hits;
}

/* ensure hostdev twice: 1 then 0 with the XML unchanged. */
static void
hostdev_twice(const char *name, const uint8_t *mac, const char *vf, uint16_t vlan)
{
	struct vfm_pci_addr a = pci(vf);
	bool skipped = true;
	char *x1, *x2;

	assert_int_equal(agent_virt_ensure_hostdev_iface(v, name, mac, &a, vlan, &skipped), 1);
	assert_false(skipped);
	x1 = inactive_xml(name);
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, name, mac, &a, vlan, &skipped), 0);
	x2 = inactive_xml(name);
	assert_string_equal(x1, x2);
	free(x1);
	free(x2);
}

static void
test_hostdev_add_idempotent(void **state)
{
	struct agent_virt_iface f;
	size_t total;
	char *xml;

	(void)state;
	define_with("h-add", "", "");
	hostdev_twice("h-add", MAC_A, "0000:3b:10.2", 100);
	f = iface_of("h-add", true, MAC_A, &total);
	assert_int_equal(total, 1);
	assert_string_equal(f.type, "hostdev");
	assert_true(f.has_pci);
	assert_true(vfm_pci_addr_equal(&f.pci, &(struct vfm_pci_addr){0, 0x3b, 0x10, 2}));
	assert_int_equal(f.vlan, 100);
	xml = inactive_xml("h-add");
	assert_non_null(strstr(xml, "<interface type='hostdev' managed='yes'>"));
	assert_non_null(strstr(xml, "<tag id='100'/>"));
	free(xml);
	/* a second VF with another MAC beside it, without a VLAN */
	hostdev_twice("h-add", MAC_B, "0000:3b:10.3", 0);
	f = iface_of("h-add", true, MAC_B, &total);
	assert_int_equal(total, 2);
	assert_int_equal(f.vlan, 0);
	assert_int_equal(iface_of("h-add", true, MAC_A, NULL).vlan, 100);
}

static void
test_hostdev_replace_and_drift(void **state)
{
	struct vfm_pci_addr a = pci("0000:3b:10.0");
	struct agent_virt_iface f;
	bool skipped;
	size_t total;
	char *xml;

	(void)state;
	define_vm("h-drift"); /* MAC_A: hostdev 3b:10.0 VLAN 100; MAC_B: vhost-user */
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "h-drift", MAC_A, &a, 100, &skipped),
			 0);
	/* the VLAN changes */
	hostdev_twice("h-drift", MAC_A, "0000:3b:10.0", 200);
	assert_int_equal(iface_of("h-drift", true, MAC_A, NULL).vlan, 200);
	/* no VLAN: the <vlan> element goes */
	hostdev_twice("h-drift", MAC_A, "0000:3b:10.0", 0);
	xml = inactive_xml("h-drift");
	assert_null(strstr(xml, "<vlan"));
	free(xml);
	/* another VF */
	hostdev_twice("h-drift", MAC_A, "0000:3b:11.4", 0);
	f = iface_of("h-drift", true, MAC_A, &total);
	assert_true(vfm_pci_addr_equal(&f.pci, &(struct vfm_pci_addr){0, 0x3b, 0x11, 4}));
	assert_int_equal(total, 2); /* the vhost-user port of MAC_B is untouched */
	assert_string_equal(iface_of("h-drift", true, MAC_B, NULL).type, "vhostuser");

	/* Drift by hand: the domain redefined with the wrong VF, VLAN and managed='no', and a
	 * second interface with the same MAC. */
	assert_int_equal(agent_virt_undefine(v, "h-drift"), 0);
	define_with("h-drift", "",
		    "<interface type='hostdev' managed='no'><mac address='52:54:00:10:00:01'/>"
		    "<source><address type='pci' domain='0x0000' bus='0x3b' slot='0x10' "
		    "function='0x7'/></source><vlan><tag id='7'/></vlan></interface>"
		    "<interface type='vhostuser'><mac address='52:54:00:10:00:01'/>"
		    "<source type='unix' path='/tmp/x.sock' mode='client'/>"
		    "<model type='virtio'/></interface>");
	assert_int_equal(count_mac("h-drift", true, MAC_A), 2);
	hostdev_twice("h-drift", MAC_A, "0000:3b:11.4", 300);
	f = iface_of("h-drift", true, MAC_A, &total);
	assert_int_equal(total, 1);
	assert_string_equal(f.type, "hostdev");
	assert_true(vfm_pci_addr_equal(&f.pci, &(struct vfm_pci_addr){0, 0x3b, 0x11, 4}));
	assert_int_equal(f.vlan, 300);
	xml = inactive_xml("h-drift");
	assert_non_null(strstr(xml, "managed='yes'"));
	free(xml);

	/* the VF is held by another MAC's interface of this domain */
	a = pci("0000:3b:11.4");
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "h-drift", MAC_C, &a, 0, &skipped),
			 -EBUSY);
	assert_non_null(strstr(agent_virt_last_error(v), "52:54:00:10:00:01"));
	assert_int_equal(count_mac("h-drift", true, MAC_C), 0);
}

static void
test_vhostuser_shared_memory(void **state)
{
	struct agent_virt_iface f;
	bool skipped = true;
	char *x1, *x2;

	(void)state;
	define_with("vu", "", "");
	x1 = inactive_xml("vu");
	assert_null(strstr(x1, "<access mode='shared'/>"));
	free(x1);
	assert_int_equal(agent_virt_ensure_vhostuser_iface(v, "vu", MAC_A,
							   "/run/nfpath/vhost/vu.sock", &skipped),
			 1);
	assert_false(skipped);
	x1 = inactive_xml("vu");
	assert_non_null(strstr(x1, "<memoryBacking>"));
	assert_non_null(strstr(x1, "<access mode='shared'/>"));
	assert_non_null(strstr(x1, "<source type='unix' path='/run/nfpath/vhost/vu.sock' "
				   "mode='client'/>"));
	assert_non_null(strstr(x1, "<model type='virtio'/>"));
	assert_int_equal(agent_virt_ensure_vhostuser_iface(v, "vu", MAC_A,
							   "/run/nfpath/vhost/vu.sock", &skipped),
			 0);
	x2 = inactive_xml("vu");
	assert_string_equal(x1, x2);
	free(x1);
	free(x2);
	f = iface_of("vu", true, MAC_A, NULL);
	assert_string_equal(f.type, "vhostuser");
	assert_string_equal(f.socket, "/run/nfpath/vhost/vu.sock");
	assert_false(f.has_pci);
	/* another socket: corrected in place */
	assert_int_equal(agent_virt_ensure_vhostuser_iface(v, "vu", MAC_A,
							   "/run/nfpath/vhost/vu2.sock", NULL),
			 1);
	assert_string_equal(iface_of("vu", true, MAC_A, NULL).socket, "/run/nfpath/vhost/vu2.sock");

	/* NUMA cells with private memory override <access>: made shared too */
	define_with("vu-numa",
		    "<memoryBacking><access mode='private'/></memoryBacking><cpu><numa>"
		    "<cell id='0' cpus='0' memory='524288' unit='KiB' memAccess='private'/>"
		    "<cell id='1' cpus='1' memory='524288' unit='KiB'/></numa></cpu>",
		    "");
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "vu-numa", MAC_B, "/tmp/vu-numa.sock", NULL),
		1);
	x1 = inactive_xml("vu-numa");
	assert_non_null(strstr(x1, "<access mode='shared'/>"));
	assert_null(strstr(x1, "private"));
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "vu-numa", MAC_B, "/tmp/vu-numa.sock", NULL),
		0);
	x2 = inactive_xml("vu-numa");
	assert_string_equal(x1, x2);
	free(x1);
	free(x2);
}

static void
test_path_move_and_remove(void **state)
{
	struct vfm_pci_addr a = pci("0000:3b:10.1");
	struct agent_virt_iface f;
	bool skipped = true;
	size_t total;
	char *xml;

	(void)state;
	/* a hostdev with a guest PCI slot and a boot order, and another interface */
	define_with("mv", "",
		    "<interface type='hostdev' managed='yes'><mac address='52:54:00:10:00:01'/>"
		    "<source><address type='pci' domain='0x0000' bus='0x3b' slot='0x10' "
		    "function='0x1'/></source><boot order='2'/>"
		    "<address type='pci' domain='0x0000' bus='0x00' slot='0x07' "
		    "function='0x0'/></interface>"
		    "<interface type='network'><mac address='52:54:00:10:00:03'/>"
		    "<source network='default'/></interface>");
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "mv", MAC_A, &a, 0, NULL), 0);
	/* VF -> software path, same MAC */
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "mv", MAC_A, "/tmp/mv.sock", &skipped), 1);
	assert_false(skipped);
	f = iface_of("mv", true, MAC_A, &total);
	assert_int_equal(total, 2);
	assert_string_equal(f.type, "vhostuser");
	assert_false(f.has_pci);
	xml = inactive_xml("mv");
	assert_null(strstr(xml, "type='hostdev'"));
	assert_non_null(strstr(xml, "slot='0x07'")); /* the guest keeps its slot */
	assert_non_null(strstr(xml, "<boot order='2'/>"));
	assert_non_null(strstr(xml, "<access mode='shared'/>"));
	free(xml);
	assert_int_equal(agent_virt_ensure_vhostuser_iface(v, "mv", MAC_A, "/tmp/mv.sock", NULL),
			 0);
	/* and back to a VF */
	hostdev_twice("mv", MAC_A, "0000:3b:10.1", 42);
	f = iface_of("mv", true, MAC_A, NULL);
	assert_string_equal(f.type, "hostdev");
	assert_int_equal(f.vlan, 42);
	assert_string_equal(iface_of("mv", true, MAC_C, NULL).type, "network");

	/* remove: 1 then 0; the other interface stays */
	assert_int_equal(agent_virt_remove_iface(v, "mv", MAC_A, &skipped), 1);
	assert_false(skipped);
	assert_int_equal(count_mac("mv", true, MAC_A), 0);
	assert_int_equal(count_mac("mv", true, MAC_C), 1);
	xml = inactive_xml("mv");
	assert_int_equal(agent_virt_remove_iface(v, "mv", MAC_A, &skipped), 0);
	{
		char *x2 = inactive_xml("mv");

		assert_string_equal(xml, x2);
		free(x2);
	}
	free(xml);
}

/* A running domain: the persistent config changes, the live part is skipped (the test driver
 * has no attach) with the reason; get_ifaces tells the live XML from the persistent one. */
static void
test_running_live_vs_inactive(void **state)
{
	struct vfm_pci_addr a = pci("0000:3b:10.5");
	bool skipped = false;
	size_t total;

	(void)state;
	define_vm("run");
	assert_int_equal(agent_virt_start(v, "run"), 0);
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "run", MAC_C, &a, 5, &skipped), 1);
	assert_true(skipped);
	assert_non_null(strstr(agent_virt_last_error(v), "attach"));
	/* persistent: three interfaces; live: still the two it started with */
	assert_int_equal(iface_of("run", true, MAC_C, &total).vlan, 5);
	assert_int_equal(total, 3);
	assert_int_equal(count_mac("run", false, MAC_C), 0);
	assert_int_equal(iface_of("run", false, MAC_A, &total).vlan, 100);
	assert_int_equal(total, 2);
	/* nothing more to change in the config: 0, and the live part still skipped */
	skipped = false;
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "run", MAC_C, &a, 5, &skipped), 0);
	assert_true(skipped);
	/* a path move on a running domain: config only (the test driver cannot detach) */
	skipped = false;
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "run", MAC_A, "/tmp/run.sock", &skipped), 1);
	assert_true(skipped);
	assert_non_null(strstr(agent_virt_last_error(v), "detach"));
	/* a new vhost-user port for a domain running without shared memory: config only */
	skipped = false;
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "run", MAC_D, "/tmp/run-d.sock", &skipped), 1);
	assert_true(skipped);
	assert_non_null(strstr(agent_virt_last_error(v), "shared memory"));
	assert_string_equal(iface_of("run", true, MAC_A, NULL).type, "vhostuser");
	assert_string_equal(iface_of("run", false, MAC_A, NULL).type, "hostdev");
	/* after a restart the live XML is the persistent one */
	assert_int_equal(agent_virt_destroy(v, "run"), 0);
	assert_int_equal(agent_virt_start(v, "run"), 0);
	assert_string_equal(iface_of("run", false, MAC_A, NULL).type, "vhostuser");
	assert_int_equal(iface_of("run", false, MAC_C, NULL).vlan, 5);
	assert_string_equal(iface_of("run", false, MAC_D, NULL).socket, "/tmp/run-d.sock");
	skipped = true;
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "run", MAC_A, "/tmp/run.sock", &skipped), 0);
	assert_false(skipped); /* the live XML already has it: nothing to attach */
	/* remove on a running domain: config only, live skipped */
	assert_int_equal(agent_virt_remove_iface(v, "run", MAC_C, &skipped), 1);
	assert_true(skipped);
	assert_int_equal(count_mac("run", true, MAC_C), 0);
	assert_int_equal(count_mac("run", false, MAC_C), 1);
}

static void
test_iface_errors(void **state)
{
	struct vfm_pci_addr a = pci("0000:3b:10.0");
	static const uint8_t zero[VFM_MAC_LEN];
	struct agent_virt_iface *ifs = NULL;
	size_t n = 0;
	bool skipped;

	(void)state;
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "nosuch", MAC_A, &a, 0, &skipped),
			 -ENOENT);
	assert_non_null(strstr(agent_virt_last_error(v), "nosuch"));
	assert_int_equal(agent_virt_ensure_vhostuser_iface(v, "nosuch", MAC_A, "/tmp/s", &skipped),
			 -ENOENT);
	assert_int_equal(agent_virt_remove_iface(v, "nosuch", MAC_A, &skipped), -ENOENT);
	assert_int_equal(agent_virt_get_ifaces(v, "nosuch", false, &ifs, &n), -ENOENT);
	assert_int_equal(agent_virt_set_numatune(v, "nosuch", 0, true), -ENOENT);
	define_with("bad-args", "", "");
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "bad-args", zero, &a, 0, &skipped),
			 -EINVAL);
	assert_int_equal(agent_virt_ensure_hostdev_iface(v, "bad-args", MAC_A, &a, 4096, &skipped),
			 -EINVAL);
	assert_int_equal(
		agent_virt_ensure_vhostuser_iface(v, "bad-args", MAC_A, "rel.sock", &skipped),
		-EINVAL);
	assert_non_null(strstr(agent_virt_last_error(v), "rel.sock"));
	/* a domain without interfaces */
	assert_int_equal(agent_virt_get_ifaces(v, "bad-args", true, &ifs, &n), 0);
	assert_int_equal(n, 0);
	free(ifs);
	/* the test driver's own domain: one network interface, live and persistent */
	assert_string_equal(
		iface_of("test", false, (const uint8_t[]){0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, NULL)
			.type,
		"network");
}

static void
test_numatune(void **state)
{
	char *x1, *x2;
	bool skipped = true;

	(void)state;
	define_with("numa", "", "");
	assert_int_equal(agent_virt_set_numatune(v, "numa", -1, true), 0);
	x1 = inactive_xml("numa");
	assert_null(strstr(x1, "<numatune>"));
	free(x1);
	assert_int_equal(agent_virt_set_numatune(v, "numa", 1, true), 1);
	x1 = inactive_xml("numa");
	assert_non_null(strstr(x1, "<memory mode='strict' nodeset='1'/>"));
	assert_int_equal(agent_virt_set_numatune(v, "numa", 1, true), 0);
	x2 = inactive_xml("numa");
	assert_string_equal(x1, x2);
	free(x1);
	free(x2);
	assert_int_equal(agent_virt_set_numatune_ex(v, "numa", 0, false, &skipped), 1);
	assert_false(skipped);
	x1 = inactive_xml("numa");
	assert_non_null(strstr(x1, "<memory mode='preferred' nodeset='0'/>"));
	free(x1);
	assert_int_equal(agent_virt_set_numatune(v, "numa", -1, false), 0);

	/* a running domain: live and persistent */
	define_with("numa-run", "<numatune><memory mode='strict' nodeset='0'/></numatune>", "");
	assert_int_equal(agent_virt_start(v, "numa-run"), 0);
	assert_int_equal(agent_virt_set_numatune_ex(v, "numa-run", 1, true, &skipped), 1);
	assert_false(skipped);
	assert_int_equal(agent_virt_get_xml(v, "numa-run", &x1), 0);
	assert_non_null(strstr(x1, "<memory mode='strict' nodeset='1'/>"));
	free(x1);
	x1 = inactive_xml("numa-run");
	assert_non_null(strstr(x1, "<memory mode='strict' nodeset='1'/>"));
	free(x1);
	assert_int_equal(agent_virt_set_numatune(v, "numa-run", 1, true), 0);
	/* the mode of a running domain cannot change (test driver and QEMU alike): config only */
	assert_int_equal(agent_virt_set_numatune_ex(v, "numa-run", 1, false, &skipped), 1);
	assert_true(skipped);
	assert_non_null(strstr(agent_virt_last_error(v), "numatune mode"));
	assert_int_equal(agent_virt_get_xml(v, "numa-run", &x1), 0);
	assert_non_null(strstr(x1, "<memory mode='strict' nodeset='1'/>"));
	free(x1);
	x1 = inactive_xml("numa-run");
	assert_non_null(strstr(x1, "<memory mode='preferred' nodeset='1'/>"));
	free(x1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_define_list_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostdev_add_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostdev_replace_and_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vhostuser_shared_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_move_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_live_vs_inactive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numatune, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
