/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The planner's node inventory (nfpath/agent-inventory.h) built from the live node, for nfpathd:
 * NUMA nodes, sockets, online CPUs and hyperthread siblings from sysfs (a configurable root, so
 * tests use a fake tree), SR-IOV PFs and VFs from a vf-manager discovery (vfm_inventory_load()),
 * libvirt domains through agent/virt.h. inventory-json.c is the other way to fill the same struct
 * (tests, 'nfpathctl plan --inventory').
 *
 * A VF is reported in_use (the planner never hands it out) when nfpath does not own it
 * (vf_owned() says no) and something else visibly uses it: it is bound to a userspace driver
 * (vfio-pci, uio_pci_generic, igb_uio) or its netlink state has a non-zero MAC address.
 */
#ifndef AGENT_INVENTORY_NODE_H
#define AGENT_INVENTORY_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "nfpath/agent-diag.h"
#include "nfpath/agent-inventory.h"
#include "nfpath/vfm.h"

#include "virt.h"

struct agent_node_sources {
	const struct vfm_inventory *vfm; /* vf-manager discovery (nfpath/vfm.h); NULL = no PFs */
	const char *sysfs_root; /* CPU/NUMA topology root: ROOT/devices/system/{node,cpu}; NULL =
				   "/sys" */
	const struct vfm_cpuset *reserved; /* housekeeping CPUs (never handed out); NULL = none */
	bool datapath_present; /* nfpath-dp reachable or configured: software path possible */
	const struct vfm_cpuset *datapath_lcores; /* NULL/empty = the planner picks */
	struct agent_virt *virt;                  /* agent/virt.h; NULL = no libvirt: no domains */
	/* VFs nfpathd itself configured (from its journal): never reported in_use. NULL = none.
	 * 'pf' is the PF's netdev name (the inventory's and the allocations' PF name). */
	bool (*vf_owned)(void *opaque, const char *pf, unsigned int vf);
	void *opaque;
	/* Warnings (a PF, domain or sibling set skipped or corrected, and why): one diagnostic
	 * each, 'file' naming the place (a sysfs path, "PF 'ens1f0'", "libvirt domain 'vm1'").
	 * NULL = not collected. */
	struct agent_diags *warn;
};

/* Build the planner's inventory from the node. Returns 0 and *ret_inv (agent_inventory_free()),
 * -ENOMEM, or -errno with err saying what could not be read and where. A PF or domain that cannot
 * be read is skipped with a warning in 'warn' (may be NULL) — never fails the whole inventory.
 * Fails only when the CPU topology cannot be read: no ROOT/devices/system/node/ and no
 * ROOT/devices/system/cpu/online (-ENOENT), an unreadable or garbled nodeN/cpulist (-errno,
 * -EINVAL), or no online CPU at all (-ENODEV). */
int agent_inventory_from_node(const struct agent_node_sources *src,
			      struct agent_inventory **ret_inv, char *err, size_t errlen);

#endif /* AGENT_INVENTORY_NODE_H */
