/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node inventory: what the planner (agent-plan.h) needs to know of this machine, whatever it
 * was learnt from. NUMA nodes and their CPUs, hyperthread sibling sets, housekeeping CPUs, the
 * SR-IOV PFs with their VFs, the datapath and the libvirt domains. nfpathd fills it from
 * vf-manager, libvirt and libnuma; tests, 'nfpathctl plan --inventory FILE' and the demo describe
 * a node in a small JSON file (agent_inventory_load*(), format in agent/README.md and
 * policies/inventory/).
 */
#ifndef NFPATH_AGENT_INVENTORY_H
#define NFPATH_AGENT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "nfpath/agent-diag.h"
#include "nfpath/vfm-parse.h"

/* Highest NUMA node id + 1, PF VF count and domain vCPU count the inventory accepts. */
#define AGENT_INV_NUMA_MAX  64
#define AGENT_INV_VFS_MAX   256
#define AGENT_INV_VCPUS_MAX VFM_CPUSET_MAX

struct agent_inv_numa {
	unsigned id;
	unsigned socket; /* the package the node sits on (default: its id) */
	struct vfm_cpuset cpus;
};

struct agent_inv_vf {
	unsigned index; /* VF number on its PF */
	bool has_pci;   /* PCI address known */
	struct vfm_pci_addr pci;
	bool in_use; /* used by something nfpath does not own: never handed out */
};

struct agent_inv_pf {
	char *name; /* netdev name */
	bool has_pci;
	struct vfm_pci_addr pci;
	int numa_node;                /* -1 = unknown */
	struct vfm_cpuset local_cpus; /* sysfs local_cpulist; empty = unknown */
	unsigned total_vfs;           /* sriov_totalvfs: VF indices 0 .. total_vfs - 1 */
	size_t n_vfs;
	struct agent_inv_vf *vfs; /* the VFs that exist now (sriov_numvfs), by ascending index */
};

struct agent_inv_datapath {
	bool present;             /* nfpath-dp runs (or is configured to); else no software path */
	struct vfm_cpuset lcores; /* its lcores; empty = the planner picks one */
};

struct agent_inv_domain {
	char *name;
	unsigned vcpus;
	bool running;
};

struct agent_inventory {
	size_t n_numa;
	struct agent_inv_numa *numa; /* by ascending id */
	size_t n_siblings;
	struct vfm_cpuset *siblings; /* hyperthread sibling sets (a CPU in none is a core alone) */
	struct vfm_cpuset reserved;  /* housekeeping CPUs: never handed out */
	size_t n_pfs;
	struct agent_inv_pf *pfs;
	struct agent_inv_datapath datapath;
	size_t n_domains;
	struct agent_inv_domain *domains;
};

/*
 * Parse an inventory from memory ('name' is used in diagnostics). Returns 0 and *ret_inv (free
 * with agent_inventory_free()); -EINVAL with every problem appended to 'diags' (syntax errors with
 * line and column, others with their JSON path); -ENOMEM.
 */
int agent_inventory_load_buffer(const char *name, const char *text, size_t len,
				struct agent_inventory **ret_inv, struct agent_diags *diags);

/* Read and parse 'path'. As agent_inventory_load_buffer(); an unreadable file is a diagnostic. */
int agent_inventory_load(const char *path, struct agent_inventory **ret_inv,
			 struct agent_diags *diags);

void agent_inventory_free(struct agent_inventory *inv);

/* Lookups; NULL when there is none. */
const struct agent_inv_numa *agent_inventory_numa(const struct agent_inventory *inv, unsigned id);
/* By netdev name, or by PCI address when 'name' parses as one. */
const struct agent_inv_pf *agent_inventory_pf(const struct agent_inventory *inv, const char *name);
const struct agent_inv_vf *agent_inv_pf_vf(const struct agent_inv_pf *pf, unsigned index);
const struct agent_inv_domain *agent_inventory_domain(const struct agent_inventory *inv,
						      const char *name);
/* The NUMA node CPU 'cpu' belongs to, or -1. */
int agent_inventory_cpu_node(const struct agent_inventory *inv, unsigned cpu);
/* The sibling set of 'cpu' (just 'cpu' when it is in none). */
void agent_inventory_cpu_siblings(const struct agent_inventory *inv, unsigned cpu,
				  struct vfm_cpuset *ret_set);

#endif /* NFPATH_AGENT_INVENTORY_H */
