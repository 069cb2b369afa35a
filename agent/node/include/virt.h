/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvirt, as nfpathd uses it: one connection (URI from the settings), domains by name, define
 * from XML (VFs as <interface type='hostdev' managed='yes'>, the software path as
 * <interface type='vhostuser'>), vCPU and emulator pinning, the live XML and pin info read back,
 * and domain lifecycle events. libvirt errors become text once, here (err in struct agent_virt).
 *
 * Pinning uses flags 0 (the domain's current state): the test driver refuses LIVE/CONFIG
 * (shared/LAB-NOTES.md); on QEMU, agent_virt_pin_* also writes the persistent config when the
 * domain is persistent.
 *
 * Events: agent_virt_events_start() registers libvirt's default event loop (before the
 * connection is opened: call it through agent_virt_open()'s 'events' flag) and runs it in a
 * thread; every lifecycle event is written as one struct agent_virt_event to a pipe whose read
 * end (agent_virt_event_fd()) the caller polls.
 */
#ifndef AGENT_VIRT_H
#define AGENT_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfpath/vfm-parse.h"

struct agent_virt;

struct agent_virt_event {
	char domain[64]; /* truncated name */
	int event;       /* virDomainEventType (VIR_DOMAIN_EVENT_STARTED...) */
	int detail;
};

/* Open 'uri'. With 'events', lifecycle events are delivered on agent_virt_event_fd().
 * Returns 0, or -errno with the reason in err. */
int agent_virt_open(const char *uri, bool events, struct agent_virt **ret_v, char *err,
		    size_t errlen);
void agent_virt_close(struct agent_virt *v);
const char *agent_virt_last_error(const struct agent_virt *v);
const char *agent_virt_uri(const struct agent_virt *v);

/* All domains (running and defined), names sorted. Free with agent_virt_names_free(). */
int agent_virt_list_domains(struct agent_virt *v, char ***ret_names, size_t *ret_n);
void agent_virt_names_free(char **names, size_t n);

/* Define (or redefine) a persistent domain from XML. Returns 0, -EINVAL (rejected XML). */
int agent_virt_define_xml(struct agent_virt *v, const char *xml);
/* Start / destroy (power off) / undefine a domain by name. -ENOENT when there is none. */
int agent_virt_start(struct agent_virt *v, const char *name);
int agent_virt_destroy(struct agent_virt *v, const char *name);
int agent_virt_undefine(struct agent_virt *v, const char *name);
/* 1 running, 0 not, -ENOENT. */
int agent_virt_is_active(struct agent_virt *v, const char *name);
/* Number of vCPUs (current), -ENOENT. */
int agent_virt_vcpu_count(struct agent_virt *v, const char *name);

/* Pin one vCPU / the emulator threads to 'cpus'. */
int agent_virt_pin_vcpu(struct agent_virt *v, const char *name, unsigned int vcpu,
			const struct vfm_cpuset *cpus);
int agent_virt_pin_emulator(struct agent_virt *v, const char *name, const struct vfm_cpuset *cpus);
/* Read back where one vCPU / the emulator may run. */
int agent_virt_get_vcpu_pin(struct agent_virt *v, const char *name, unsigned int vcpu,
			    struct vfm_cpuset *ret_cpus);
int agent_virt_get_emulator_pin(struct agent_virt *v, const char *name,
				struct vfm_cpuset *ret_cpus);

/* The domain's live XML (or inactive when not running). The caller frees *ret_xml. */
int agent_virt_get_xml(struct agent_virt *v, const char *name, char **ret_xml);
/* The persistent config's XML (VIR_DOMAIN_XML_INACTIVE), also of a running domain. */
int agent_virt_get_inactive_xml(struct agent_virt *v, const char *name, char **ret_xml);

/* Read end of the event pipe, -1 without events. */
int agent_virt_event_fd(const struct agent_virt *v);
/* Read one pending event. Returns 1 and *ret_ev, 0 when none is pending. */
int agent_virt_event_read(struct agent_virt *v, struct agent_virt_event *ret_ev);
const char *agent_virt_event_name(int event); /* "started", "stopped", ... */

/*
 * Interfaces and numatune (virt-xml.c). The domain XML is read and edited with libxml2, never
 * as text. "Persistent" is the domain's INACTIVE|SECURE XML, redefined with virDomainDefineXML
 * (a running domain keeps its live definition; the new one applies at its next start); "live"
 * is the running domain, changed with virDomainAttachDeviceFlags / DetachDeviceFlags (LIVE).
 * When the driver cannot act live (the test driver has no attach; QEMU without host PCI
 * passthrough; a vhost-user port on a domain whose memory is not shared), the live part is
 * skipped, *ret_live_skipped is set and agent_virt_last_error() says why: not an error.
 * A transient domain has no persistent part; there a skipped live part is -EOPNOTSUPP.
 */
struct agent_virt_iface {
	char type[16]; /* "hostdev", "vhostuser", "network", ... as in the XML */
	bool has_mac;
	uint8_t mac[VFM_MAC_LEN];
	bool has_pci; /* hostdev: <source><address type='pci' .../> */
	struct vfm_pci_addr pci;
	char socket[256]; /* vhostuser: <source type='unix' path='...' mode='...'/> */
	uint16_t vlan;    /* <vlan><tag id='N'/></vlan> (the first tag), 0 = none */
};

/* The domain's interfaces: from the live XML when 'inactive' is false (or the domain is not
 * running), else the persistent (VIR_DOMAIN_XML_INACTIVE) XML. Caller frees *ret (NULL when
 * there are none). 0, -ENOENT (no such domain), -EINVAL (XML libxml2 cannot parse), -ENOMEM. */
int agent_virt_get_ifaces(struct agent_virt *v, const char *name, bool inactive,
			  struct agent_virt_iface **ret, size_t *ret_n);

/* Make the domain have exactly one interface with this MAC, a VF:
 *   <interface type='hostdev' managed='yes'><mac/><source><address type='pci' .../></source>
 *   [<vlan><tag id='VLAN'/></vlan>]</interface>   (vlan 0: no <vlan>)
 * An interface with this MAC and another form is replaced (a path move; its guest <address>
 * and <boot> are kept); one of the same type is corrected in place (other settings kept);
 * further interfaces with this MAC are removed. Persistent config and, when running, live.
 * Returns 1 when something changed, 0 when it already was so; -ENOENT (no domain), -EBUSY
 * (another interface of this domain already uses the VF), -EINVAL, -EIO, -EOPNOTSUPP. */
int agent_virt_ensure_hostdev_iface(struct agent_virt *v, const char *name,
				    const uint8_t mac[VFM_MAC_LEN], const struct vfm_pci_addr *vf,
				    uint16_t vlan, bool *ret_live_skipped);
/* The same for a vhost-user port: <interface type='vhostuser'><mac/><source type='unix'
 * path=SOCKET mode='client'/><model type='virtio'/></interface>. QEMU needs the guest memory
 * shared with the backend: <memoryBacking><access mode='shared'/></memoryBacking> is added to
 * the persistent config when missing (and NUMA cells' memAccess='private' made 'shared'); a
 * running domain whose live memory is not shared gets no live port (live skipped). */
int agent_virt_ensure_vhostuser_iface(struct agent_virt *v, const char *name,
				      const uint8_t mac[VFM_MAC_LEN], const char *socket_path,
				      bool *ret_live_skipped);
/* Remove every interface with this MAC (persistent and live). 1 removed, 0 none, -errno. */
int agent_virt_remove_iface(struct agent_virt *v, const char *name, const uint8_t mac[VFM_MAC_LEN],
			    bool *ret_live_skipped);

/* <numatune><memory mode='strict|preferred' nodeset='NODE'/></numatune>, live and persistent,
 * through virDomainSetNumaParameters (flags 0 = the domain's current state first, then CONFIG
 * for the persistent config of a running domain); when the driver refuses the persistent part,
 * the INACTIVE XML is edited and redefined. A refused live part (QEMU cannot change the mode of
 * a running domain) is skipped as above. node < 0 changes nothing and returns 0.
 * 1 changed, 0 already so, -ENOENT, -EINVAL, -EIO. */
int agent_virt_set_numatune(struct agent_virt *v, const char *name, int node, bool strict);
int agent_virt_set_numatune_ex(struct agent_virt *v, const char *name, int node, bool strict,
			       bool *ret_live_skipped);

/* Internal to virt.c and virt-xml.c. */
struct _virDomain;
struct _virDomain *agent_virt_priv_lookup(struct agent_virt *v, const char *name, int *ret_r);
__attribute__((format(printf, 2, 3))) int agent_virt_priv_fail(struct agent_virt *v,
							       const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int agent_virt_priv_error(struct agent_virt *v, int r,
								const char *fmt, ...);

#endif /* AGENT_VIRT_H */
