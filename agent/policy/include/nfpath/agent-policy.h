/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy model: what should run on this node, as nfpathd's planner consumes it. A policy is
 * the merge of one or more JSON files (a drop-in directory read in name order); the language is
 * documented in nfpath-policy(5) and policies/schema/nfpath-policy.schema.json.
 *
 * agent_policy_load*() return either a complete, typed and cross-checked policy or, when any
 * file has any mistake, no policy and every diagnostic found (agent-diag.h). They never exit.
 */
#ifndef NFPATH_AGENT_POLICY_H
#define NFPATH_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfpath/agent-diag.h"
#include "nfpath/agent-nf-run.h"
#include "nfpath/vfm-parse.h"

/* The only language version so far ("version": 1 at the top of a file; optional). */
#define AGENT_POLICY_VERSION 1

/* Longest name of a NIC, workload or chain. */
#define AGENT_NAME_MAX 63

enum agent_workload_type {
	AGENT_WORKLOAD_VM, /* a libvirt domain */
	AGENT_WORKLOAD_NF, /* a network-function process linking libnfpath */
};

enum agent_path {
	AGENT_PATH_AUTO,     /* a VF when one is free, else the software path */
	AGENT_PATH_VF,       /* a VF or nothing */
	AGENT_PATH_SOFTWARE, /* the DPDK software path only */
};

enum agent_numa_affinity {
	AGENT_NUMA_PREFERRED, /* the NIC's node if it has room, else anywhere (default) */
	AGENT_NUMA_REQUIRED,  /* the NIC's node or not at all */
	AGENT_NUMA_SOCKET,    /* the NIC's socket (package), any node on it */
	AGENT_NUMA_NONE,      /* anywhere */
};

enum agent_cpu_policy {
	AGENT_CPU_SHARED,    /* CPUs shared with other workloads (default) */
	AGENT_CPU_DEDICATED, /* CPUs of its own */
};

enum agent_link_state {
	AGENT_LINK_AUTO,    /* the VF follows the PF's link (default) */
	AGENT_LINK_ENABLE,  /* always up */
	AGENT_LINK_DISABLE, /* always down */
};

enum agent_vlan_proto {
	AGENT_VLAN_8021Q,  /* "802.1q" (default) */
	AGENT_VLAN_8021AD, /* "802.1ad" (QinQ outer tag) */
};

enum agent_hop_down {
	AGENT_HOP_DOWN_DROP,   /* drop the chain's traffic while a hop is down (default) */
	AGENT_HOP_DOWN_BYPASS, /* skip the dead hop */
};

enum agent_egress {
	AGENT_EGRESS_NIC,  /* out of a NIC's uplink */
	AGENT_EGRESS_DROP, /* the chain consumes its traffic */
};

/* Where an item was declared. */
struct agent_origin {
	const char *file;  /* owned by the policy (agent_policy.files) */
	size_t file_index; /* index into agent_policy.files */
	size_t index;      /* index in its file's array */
	unsigned line, column;
};

struct agent_nic {
	char *name;
	char *pf; /* netdev name or PCI address as written, without the "#first-last" VF range */
	bool pf_is_pci;
	struct vfm_pci_addr pf_pci; /* when pf_is_pci */
	bool has_vf_range;
	unsigned vf_first, vf_last; /* inclusive, when has_vf_range */
	bool has_max_vfs;
	unsigned max_vfs; /* VFs nfpath may create/use on this NIC, when has_max_vfs */
	char *vf_driver;  /* "vfio-pci" (default) or a kernel driver name such as "iavf" */
	unsigned mtu;     /* 0 = leave as it is */
	char *uplink;     /* DPDK device for software-placed traffic; NULL = no software path */
	struct agent_origin origin;
};

struct agent_workload {
	char *name;
	enum agent_workload_type type;
	char *domain; /* VM: libvirt domain name (default: name); NF: NULL */
	char *nic_name;
	size_t nic;   /* index into agent_policy.nics */
	bool has_mac; /* always true for VMs */
	uint8_t mac[VFM_MAC_LEN];
	uint16_t vlan; /* 0 = untagged, else 1-4094 */
	uint8_t qos;   /* 802.1p priority 0-7 */
	enum agent_vlan_proto vlan_proto;
	enum agent_path path;
	bool spoofchk; /* default true */
	bool trust;    /* default false */
	enum agent_link_state link_state;
	uint32_t min_tx_rate; /* Mbps, 0 = none */
	uint32_t max_tx_rate; /* Mbps, 0 = unlimited */
	enum agent_numa_affinity numa_affinity;
	enum agent_cpu_policy cpu_policy;
	unsigned cores; /* NF: cores it needs (default 1); VM: 0 (vCPUs come from libvirt) */
	bool has_cpus;
	struct vfm_cpuset cpus; /* CPUs it may run on, when has_cpus */
	bool allow_path_move; /* may move between VF and software; default false (VM), true (NF) */
	struct agent_nf_run run; /* NF: what nfpathd runs (run.argc 0: nothing) */
	struct agent_origin origin;
};

struct agent_chain {
	char *name;
	uint8_t match_mac[VFM_MAC_LEN]; /* destination MAC that enters the chain */
	uint16_t match_vlan;            /* 0 = untagged */
	size_t n_hops;
	char **hop_names;
	size_t *hops; /* indices into agent_policy.workloads, all NFs, in order */
	enum agent_egress egress;
	char *egress_name; /* "drop" or a NIC name */
	size_t egress_nic; /* index into agent_policy.nics when egress is NIC */
	enum agent_hop_down on_hop_down;
	struct agent_origin origin;
};

struct agent_policy {
	size_t n_files;
	char **files; /* the files merged, in load order */
	size_t n_nics;
	struct agent_nic *nics;
	size_t n_workloads;
	struct agent_workload *workloads;
	size_t n_chains;
	struct agent_chain *chains;
};

/* One policy text in memory, for agent_policy_load_sources(). */
struct agent_policy_source {
	const char *name; /* used in diagnostics, as a file name */
	const char *text; /* need not be NUL-terminated */
	size_t len;
};

/*
 * Load and merge policy texts in the order given. On success sets *ret_policy (the caller frees it
 * with agent_policy_free()) and returns 0. Returns -EINVAL when anything is wrong: every problem
 * found is appended to 'diags' and no policy is returned. -ENOMEM when memory ran out.
 */
int agent_policy_load_sources(const struct agent_policy_source *sources, size_t n,
			      struct agent_policy **ret_policy, struct agent_diags *diags);

/*
 * Load and merge files and directories: a directory contributes its "*.json" files in name order
 * (hidden files skipped; entries that are not regular files, through symlinks, skipped with a
 * warning on stderr). Files are opened without blocking (a FIFO never stalls the load), at most
 * 16 MiB each. Returns as agent_policy_load_sources(); a file or directory that cannot be read,
 * or a named path that is not a regular file, is a diagnostic (-EINVAL), not another error.
 */
int agent_policy_load_paths(const char *const *paths, size_t n, struct agent_policy **ret_policy,
			    struct agent_diags *diags);

/* "FIFO", "socket", "character device", ... for a stat() st_mode, for messages. */
const char *agent_policy_file_kind(unsigned int mode);

void agent_policy_free(struct agent_policy *policy);

/* Look up a NIC or workload by name. NULL when there is none. */
const struct agent_nic *agent_policy_nic(const struct agent_policy *policy, const char *name);
const struct agent_workload *agent_policy_workload(const struct agent_policy *policy,
						   const char *name);

/* The policy-language spelling of each enum value ("vm", "auto", "802.1ad", ...). */
const char *agent_workload_type_name(enum agent_workload_type t);
const char *agent_path_name(enum agent_path p);
const char *agent_numa_affinity_name(enum agent_numa_affinity a);
const char *agent_cpu_policy_name(enum agent_cpu_policy c);
const char *agent_link_state_name(enum agent_link_state s);
const char *agent_vlan_proto_name(enum agent_vlan_proto p);
const char *agent_hop_down_name(enum agent_hop_down h);

#endif /* NFPATH_AGENT_POLICY_H */
