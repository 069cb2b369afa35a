/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the simulated SR-IOV NIC, shared by its files:
 *   backend-sim.c         the backend ops (open with repair, VF state, lock), building the tree
 *   backend-sim-json.c    the NIC description file
 *   backend-sim-tree.c    the sysfs-shaped tree and the kernel's part in it
 *   backend-sim-net.c     real netdevs (veth pairs) of the packet-carrying mode, repair
 *   backend-sim-switch.c  the embedded switch (AF_PACKET on every port), run by nfpath-simnic
 * Nothing outside these files (and nfpath-simnic.c, the tests) includes this header.
 */
#ifndef NFPATH_VFM_BACKEND_SIM_H
#define NFPATH_VFM_BACKEND_SIM_H

#include <signal.h>
#include <stdint.h>

#include "backend.h"
#include "ctx.h"
#include "netlink.h"
#include "saved.h"
#include "sysfs.h"

#define SIM_MARKER  "NFPATH-SIMULATED"
#define SIM_STATE   "nfpath-sim"
#define SIM_MAX_PFS 64
#define SIM_MAX_VFS 64
/* With "netdevs": the PF's netdev name leaves room for "-cable" in IFNAMSIZ. */
#define SIM_NET_PF_NAME_MAX 9

struct sim_pf {
	char name[16]; /* netdev */
	struct vfm_pci_addr addr;
	char pci[VFM_PCI_ADDR_STRLEN]; /* the device's name: PCI address, or "netdevsimN" */
	bool nsim;                     /* a netdevsim bus device (no PCI functions) */
	unsigned int vendor, device, vf_device;
	unsigned int class_code; /* PCI class: 0x020000 Ethernet (a netdev), 0x010802 NVMe, ... */
	bool vf_autoprobe;       /* sriov_drivers_autoprobe: new VFs get their driver */
	char driver[32], vf_driver[32];
	unsigned int total_vfs, num_vfs;
	int numa_node;
	char local_cpus[256];
	unsigned int mtu;
	unsigned int irqs_per_vf;
	bool managed_irqs; /* queue IRQs (all but the first of each VF) are kernel-managed */
	bool switchdev;
	unsigned int vf_offset, vf_stride;
	unsigned int vfio_vfs; /* bitmask: VFs bound to vfio-pci when the tree is built */
	uint32_t unsupported;  /* VFM_VF_* the "driver" refuses with EOPNOTSUPP */
	uint32_t ignored;      /* VFM_VF_* the "driver" accepts but does not apply */
};

struct sim {
	struct sim_pf pfs[SIM_MAX_PFS];
	size_t n_pfs;
	unsigned int irq_base;
	bool netdevs;        /* real netdevs and the embedded switch (needs CAP_NET_ADMIN) */
	char root[PATH_MAX]; /* real path of the tree */
	char proc[PATH_MAX]; /* real path of its proc/ */
	int lock_fd;
};

struct vfm_sim_net; /* backend-sim-net.c: the netlink socket */

struct sim *vfm_sim_of(struct vfm_ctx *ctx);

/* ---- backend-sim-json.c ----------------------------------------------------------------- */

/* Load and check the description file into sim. Returns 0 or -errno with a message. */
int vfm_sim_load_file(struct vfm_ctx *ctx, struct sim *sim, const char *file);
/* Check a simulated NIC description (JSON text) without building a tree (fuzzing).
 * Returns the number of PFs, or -EINVAL with a message on ctx. */
int vfm_sim_parse(struct vfm_ctx *ctx, const char *text, size_t len);

/* ---- backend-sim-tree.c ----------------------------------------------------------------- */

/* Write ROOT/rel (and its directories): the formatted text plus a newline. Like every file
 * the simulator writes, through vfm_write_file_atomic() (sysfs.c): temporary file, fsync,
 * rename, fsync of the directory, so a kill leaves the old contents or the new. */
int vfm_sim_put(const struct sim *sim, const char *rel, const char *fmt, ...) VFM_FMT(3, 4);
int vfm_sim_put_pci_ids(const struct sim *sim, const char *devrel, const struct sim_pf *pf,
			unsigned int device);
int vfm_sim_link_rel(const struct sim *sim, const char *link, const char *target);
int vfm_sim_rm_rel(const struct sim *sim, const char *rel);
long vfm_sim_read_rel_long(const struct sim *sim, const char *rel, long dflt);
unsigned int vfm_sim_counter_next(const struct sim *sim, const char *name, unsigned int first);
void vfm_sim_dev_rel(const struct sim_pf *pf, const char *pci, char *buf, size_t len);
/* VF i's PCI address, and the MAC its netdev starts with. */
void vfm_sim_vf_pci(const struct sim_pf *pf, unsigned int i, char *buf, size_t len);
void vfm_sim_vf_mac(const struct sim_pf *pf, unsigned int i, char *buf, size_t len);
const struct sim_pf *vfm_sim_pf_by_pci(const struct sim *sim, const char *pci);
int vfm_sim_make_netdev(const struct sim *sim, const char *devrel, const char *ifname,
			unsigned int mtu, const char *mac, bool switchdev);
int vfm_sim_vf_state_path(const struct sim *sim, const char *pfpci, unsigned int i, char *buf,
			  size_t len);
int vfm_sim_nsim_vf_create(const struct sim *sim, const struct sim_pf *pf, unsigned int i);
int vfm_sim_vf_create(const struct sim *sim, const struct sim_pf *pf, unsigned int i,
		      const char *drv);
int vfm_sim_vf_destroy(const struct sim *sim, const struct sim_pf *pf, unsigned int i);
/* Finish a VF-count change a killed process left (its numvfs_pending file). Returns 0/-errno;
 * *ret_repaired says whether there was one. The caller holds the lock. */
int vfm_sim_numvfs_repair(const struct sim *sim, const struct sim_pf *pf, bool *ret_repaired);
/* The PF's sriov_numvfs as the tree says (0 when unreadable). */
long vfm_sim_numvfs(const struct sim *sim, const struct sim_pf *pf);
/* Interpret a write to the tree as the kernel would. The caller holds the lock. */
int vfm_sim_write_attr_locked(struct vfm_ctx *ctx, const char *path, const char *value);
/* Read VF i's state file. Returns 0 or -errno. */
int vfm_sim_vf_read(const struct sim *sim, const char *pfpci, unsigned int i,
		    struct vfm_vf_config *cfg);

/* ---- backend-sim-net.c ------------------------------------------------------------------ */

/* Whether the PF has real netdevs (the "netdevs" mode, an Ethernet PCI PF). */
bool vfm_sim_net_pf(const struct sim *sim, const struct sim_pf *pf);
/* Netdev names: the VF's netdev (PFv3), the switch's ports (PF-s3, PF-sp for the PF's
 * uplink, PF-sw for the wire) and the cable (PF-cable). */
void vfm_sim_net_vf_name(const struct sim_pf *pf, unsigned int i, char *buf, size_t len);
void vfm_sim_net_port_name(const struct sim_pf *pf, int vf, char *buf, size_t len);
#define SIM_PORT_PF   (-1)
#define SIM_PORT_WIRE (-2)
/* The PF's netdev and its wire. Idempotent. Returns 0 or -errno. */
int vfm_sim_net_pf_add(const struct sim *sim, const struct sim_pf *pf);
/* VF i's veth pair (PFvI <-> PF-sI). Idempotent. */
int vfm_sim_net_vf_add(const struct sim *sim, const struct sim_pf *pf, unsigned int i,
		       const char *mac);
int vfm_sim_net_vf_del(const struct sim *sim, const struct sim_pf *pf, unsigned int i);
/* A netdev's MAC address. Returns 0 or -errno. */
int vfm_sim_net_get_mac(const char *ifname, uint8_t ret_mac[VFM_MAC_LEN]);
/* Apply a VF's MAC to its netdev and its link state to its switch port. */
int vfm_sim_net_vf_apply(const struct sim *sim, const struct sim_pf *pf, unsigned int i,
			 const struct vfm_vf_config *cfg);
/* Make the netdevs match the tree: every VF below sriov_numvfs has its pair, no VF netdev
 * above it, the PF's pairs exist. Run at every open (repair after a kill). */
int vfm_sim_net_repair(struct vfm_ctx *ctx, const struct sim *sim);
/* Delete every netdev of the simulated NIC. */
void vfm_sim_net_destroy(const struct sim *sim);
/* Tell a running switch the configuration changed and wait (up to 2 s) until it has applied
 * it. Called without the lock. */
void vfm_sim_net_notify(const struct sim *sim);
/* Bump the configuration generation (under the lock). */
unsigned long vfm_sim_net_bump(const struct sim *sim);

/* ---- backend-sim-switch.c --------------------------------------------------------------- */

/* Run the embedded switch of every netdev PF until *stop is set. Returns 0 or -errno. */
int vfm_sim_switch_run(struct vfm_ctx *ctx, volatile sig_atomic_t *stop);

#endif /* NFPATH_VFM_BACKEND_SIM_H */
