/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vf-manager: discovery of SR-IOV physical functions (PFs) and their virtual functions (VFs),
 * and the changes the agent makes to them: the number of VFs, per-VF settings through netlink
 * (MAC, VLAN, spoof-check, trust, link state, rates), driver binding (vfio-pci or the kernel
 * driver), saving and restoring a VF's original state, and IRQ affinity under /proc/irq.
 *
 * Two backends sit behind one context (vfm_ctx_new()): the real one ("sysfs+netlink": sysfs
 * under a configurable root, rtnetlink through libnl-route-3) and a simulated SR-IOV NIC
 * ("sim"), which materializes a sysfs-shaped tree from a small JSON file and plays the kernel's
 * part when that tree is written. The same discovery code reads both.
 *
 * Every function returns >= 0 on success and -errno on failure. A failure also leaves a
 * message that names the place, the value and the fix: vfm_ctx_last_error(). Debug messages go
 * to the callback set with vfm_set_print() (silent by default).
 *
 * A context is used by one thread at a time (it holds the last error); several contexts,
 * also in several processes, may work on the same tree. Nothing here calls exit() or asserts
 * on caller input.
 */
#ifndef NFPATH_VFM_H
#define NFPATH_VFM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfpath/vfm-parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Logging (libbpf style) ---------------------------------------------------------------- */

enum vfm_print_level {
	VFM_WARN,
	VFM_INFO,
	VFM_DEBUG,
};

typedef int (*vfm_print_fn)(enum vfm_print_level level, const char *fmt, va_list args);

/* Set the print callback for every context (NULL: silent). Returns the previous one.
 * Declare the callback with __attribute__((format(printf, 2, 0))) for -Wformat=2. */
vfm_print_fn vfm_set_print(vfm_print_fn fn);

/* ---- Context --------------------------------------------------------------------------------- */

struct vfm_ctx;

enum vfm_netlink_mode {
	/* Read and write VF state through netlink only when sysfs_root is the live "/sys". */
	VFM_NETLINK_AUTO = 0,
	VFM_NETLINK_ON,
	VFM_NETLINK_OFF,
};

struct vfm_options {
	/* sysfs root (default "/sys"). With sim_file: the directory of the simulated tree
	 * (default: $XDG_RUNTIME_DIR or /tmp, then "nfpath-sim-UID/BASENAME"). */
	const char *sysfs_root;
	/* procfs root for /proc/irq (default "/proc"; for the simulator: "SIMROOT/proc"). */
	const char *procfs_root;
	/* Simulated NIC description (JSON); NULL selects the real backend. */
	const char *sim_file;
	/* Rebuild the simulated tree from sim_file even if it already exists. */
	bool sim_reset;
	/* Time-out of one sysfs write in milliseconds (default 10000). */
	unsigned int write_timeout_ms;
	/* EBUSY retries of one sysfs write (default 5; backoff 50 ms, doubling). */
	unsigned int busy_retries;
	enum vfm_netlink_mode netlink;
};

/*
 * Open a context. opts may be NULL (real backend, /sys, /proc).
 * Returns 0, -EINVAL (bad option), -ENOENT (sim_file missing), -ENOTEMPTY (sim tree directory
 * holds something that is not a simulated tree), -ENOMEM, or a sim_file parse error (-EINVAL).
 * On failure, *ret_err_msg (if not NULL) receives a malloc'ed message the caller frees.
 */
int vfm_ctx_new(const struct vfm_options *opts, struct vfm_ctx **ret_ctx, char **ret_err_msg);
void vfm_ctx_free(struct vfm_ctx *ctx);

/* "sysfs+netlink" or "sim". */
const char *vfm_ctx_backend_name(const struct vfm_ctx *ctx);
bool vfm_ctx_is_simulated(const struct vfm_ctx *ctx);
const char *vfm_ctx_sysfs_root(const struct vfm_ctx *ctx);
const char *vfm_ctx_procfs_root(const struct vfm_ctx *ctx);

/* Message of the last failure on this context ("" if none). Valid until the next call. */
const char *vfm_ctx_last_error(const struct vfm_ctx *ctx);

/* ---- VF settings (netlink state) ------------------------------------------------------------ */

enum vfm_link_state {
	VFM_LINK_AUTO = 0, /* IFLA_VF_LINK_STATE_AUTO: follows the PF */
	VFM_LINK_ENABLE = 1,
	VFM_LINK_DISABLE = 2,
};

#define VFM_VLAN_PROTO_8021Q  0x8100
#define VFM_VLAN_PROTO_8021AD 0x88a8

/* Bits of vfm_vf_config.mask. */
#define VFM_VF_MAC        (1u << 0)
#define VFM_VF_VLAN       (1u << 1) /* vlan, qos and vlan_proto together */
#define VFM_VF_SPOOFCHK   (1u << 2)
#define VFM_VF_TRUST      (1u << 3)
#define VFM_VF_LINK_STATE (1u << 4)
#define VFM_VF_RATE       (1u << 5) /* min_tx_rate and max_tx_rate together */
#define VFM_VF_ALL        0x3fu

struct vfm_vf_config {
	uint32_t mask; /* which fields are set (VFM_VF_*) */
	uint8_t mac[VFM_MAC_LEN];
	uint16_t vlan;       /* 0 = no VLAN, 1 .. 4095 */
	uint8_t qos;         /* 802.1p priority, 0 .. 7 */
	uint16_t vlan_proto; /* VFM_VLAN_PROTO_8021Q or _8021AD */
	bool spoofchk;
	bool trust;
	enum vfm_link_state link_state;
	uint32_t min_tx_rate; /* Mbit/s, 0 = no minimum */
	uint32_t max_tx_rate; /* Mbit/s, 0 = unlimited */
};

/* ---- Inventory ------------------------------------------------------------------------------ */

struct vfm_vf {
	unsigned int index;
	char *syspath;      /* sysfs directory of the VF's PCI function; NULL when !has_pci */
	bool has_pci;       /* false for VFs without a PCI function (netdevsim) */
	char pci[32];       /* PCI address, "" when !has_pci */
	char driver[64];    /* "" when no driver is bound */
	char netdev[16];    /* "" when no netdev (vfio-pci, no driver) */
	int iommu_group;    /* -1 when none */
	unsigned int *irqs; /* MSI/MSI-X IRQ numbers, ascending */
	size_t n_irqs;
	int mtu;          /* of the VF's netdev; -1 when unknown */
	bool state_valid; /* state read (netlink or simulator) */
	struct vfm_vf_config state;
	char *problems; /* NULL, or "; "-separated things discovery could not read */
};

struct vfm_pf {
	char *syspath;           /* sysfs directory of the PF device */
	char id[32];             /* PCI address, or the device name on another bus */
	char bus[16];            /* "pci", "netdevsim", ... */
	char netdev[16];         /* "" when the PF has no netdev */
	int ifindex;             /* 0 when unknown */
	uint16_t vendor, device; /* 0 when unknown */
	uint32_t class_code;     /* PCI class (0x020000 Ethernet), 0 when unknown */
	char driver[64];
	bool sriov_capable; /* has sriov_totalvfs/sriov_numvfs */
	int total_vfs;      /* -1 when unknown */
	int num_vfs;        /* -1 when unknown */
	int numa_node;      /* -1 when unknown (the kernel's -1 too) */
	bool local_cpus_valid;
	struct vfm_cpuset local_cpus;
	char operstate[16];    /* "up", "down", ... ; "" when unknown */
	int mtu;               /* -1 when unknown */
	char eswitch_mode[16]; /* "switchdev", "legacy" or "" when not visible */
	bool simulated;        /* a simulated NIC */
	struct vfm_vf *vfs;
	size_t n_vfs;
	char *problems; /* NULL, or "; "-separated things discovery could not read */
};

struct vfm_inventory {
	struct vfm_pf *pfs;
	size_t n_pfs;
	bool simulated;
	char backend[16];
};

/*
 * Discover every SR-IOV PF (and every network PCI function without SR-IOV, reported with
 * sriov_capable = false) under the sysfs root, with its VFs and their VF state. Problems with
 * one device are recorded in its 'problems' and never fail the whole discovery.
 * Returns 0, -ENOENT (no bus/pci/devices and no class/net under the root), -ENOMEM.
 */
int vfm_inventory_load(struct vfm_ctx *ctx, struct vfm_inventory **ret_inv);
void vfm_inventory_free(struct vfm_inventory *inv);

/*
 * Discover one PF, named by netdev ("eth0") or PCI address ("0000:3b:00.0").
 * Returns 0, -ENODEV (no such device), -ENOMEM. Free with vfm_pf_free().
 */
int vfm_pf_load(struct vfm_ctx *ctx, const char *name, struct vfm_pf **ret_pf);
void vfm_pf_free(struct vfm_pf *pf);

/* ---- Changes -------------------------------------------------------------------------------- */

/* Flags of vfm_pf_set_num_vfs(). */
#define VFM_NUMVFS_FORCE (1u << 0) /* destroy VFs even if one is in use */
/* Write the count as asked: no 0 first, no sriov_totalvfs check (the kernel answers; tests). */
#define VFM_NUMVFS_DIRECT (1u << 1)

/*
 * Set the number of VFs of a PF. The kernel refuses to change a non-zero count to another
 * non-zero count, so this writes 0 first (unless VFM_NUMVFS_DIRECT). Changing the count
 * destroys every VF: refused with -EBUSY while a VF is in use (bound to vfio-pci or another
 * userspace driver) unless VFM_NUMVFS_FORCE. Each write has a time-out and EBUSY retries.
 * Returns 0, -ENODEV (no such PF), -EOPNOTSUPP (no SR-IOV), -ERANGE (above sriov_totalvfs),
 * -EBUSY, -ETIMEDOUT, or the kernel's -errno.
 */
int vfm_pf_set_num_vfs(struct vfm_ctx *ctx, const char *pf, unsigned int n, unsigned int flags);

/* Read one VF's state. Returns 0, -ENODEV, -EINVAL (no such VF), -EOPNOTSUPP, netlink errors. */
int vfm_vf_get_config(struct vfm_ctx *ctx, const char *pf, unsigned int vf,
		      struct vfm_vf_config *ret_cfg);

/*
 * Apply the fields of cfg selected by cfg->mask to one VF, one netlink request per field, then
 * read back and verify. A failed step or a read-back mismatch rolls back the steps already done
 * and leaves the VF as it was.
 * Returns 0, -ENODEV, -EINVAL (no such VF, a value out of range), -EOPNOTSUPP ("this device
 * cannot configure VFs"), -EIO (read-back mismatch), or another kernel -errno.
 */
int vfm_vf_set_config(struct vfm_ctx *ctx, const char *pf, unsigned int vf,
		      const struct vfm_vf_config *cfg);

/* A VF's original state, saved before the first change so that its release restores it. */
struct vfm_vf_saved {
	char pf[32]; /* PF id (PCI address or device name) */
	unsigned int vf;
	struct vfm_vf_config cfg; /* mask: the fields that were readable */
	char driver[64];          /* "" = no driver was bound */
	int mtu;                  /* -1 = unknown */
};

/* Read everything vfm_vf_restore() puts back. Returns 0, -ENODEV, -EINVAL (no such VF). */
int vfm_vf_save(struct vfm_ctx *ctx, const char *pf, unsigned int vf,
		struct vfm_vf_saved *ret_saved);

/*
 * Put a VF back as saved: driver binding, then netlink settings, then MTU.
 * Returns 0 or the first failure's -errno (the remaining steps are still tried).
 */
int vfm_vf_restore(struct vfm_ctx *ctx, const struct vfm_vf_saved *saved);

/* Text form of a saved state ("key value" lines), for the agent's journal and nfpath-vf. */
/* Returns the length, or -ENOSPC if buf is too small (1024 bytes are always enough). */
int vfm_vf_saved_format(const struct vfm_vf_saved *saved, char *buf, size_t len);
/* Returns 0, or -EINVAL (with the line number in *ret_line when not NULL). */
int vfm_vf_saved_parse(const char *text, struct vfm_vf_saved *ret_saved, unsigned int *ret_line);

/*
 * Bind a VF to a driver: "vfio-pci" (needs an IOMMU group) or another driver by name, "" or
 * "kernel" for the VF's kernel driver (clears driver_override and lets the kernel probe), or
 * "none" (unbind only). Uses driver_override, driver/unbind and drivers_probe, then checks
 * which driver took the device.
 * Returns 0, -ENODEV, -EINVAL, -EOPNOTSUPP (VF without a PCI function, or vfio-pci without an
 * IOMMU group), -EIO (the driver did not take the device), -ETIMEDOUT, or a write error.
 */
int vfm_vf_bind(struct vfm_ctx *ctx, const char *pf, unsigned int vf, const char *driver);

/* ---- IRQs ----------------------------------------------------------------------------------- */

#define VFM_IRQ_PINNED  0
#define VFM_IRQ_MANAGED 1 /* the kernel manages this IRQ's affinity (EPERM/EIO): not an error */

/*
 * Write PROCFS/irq/N/smp_affinity_list. Returns VFM_IRQ_PINNED, VFM_IRQ_MANAGED, -EINVAL
 * (empty set), -ENOENT (no such IRQ), or another write error.
 */
int vfm_irq_set_affinity(struct vfm_ctx *ctx, unsigned int irq, const struct vfm_cpuset *cpus);

/* Read PROCFS/irq/N/smp_affinity_list. Returns 0, -ENOENT, -EINVAL (unparsable). */
int vfm_irq_get_affinity(struct vfm_ctx *ctx, unsigned int irq, struct vfm_cpuset *ret_cpus);

/*
 * Pin every IRQ of a VF. *ret_pinned and *ret_managed (may be NULL) count the outcomes.
 * Returns 0 (even when some were managed), or the first real failure's -errno.
 */
int vfm_vf_pin_irqs(struct vfm_ctx *ctx, const char *pf, unsigned int vf,
		    const struct vfm_cpuset *cpus, unsigned int *ret_pinned,
		    unsigned int *ret_managed);

/* ---- Names ---------------------------------------------------------------------------------- */

const char *vfm_link_state_name(enum vfm_link_state s); /* "auto", "enable", "disable" */
int vfm_link_state_parse(const char *s, enum vfm_link_state *ret_state);
const char *vfm_vlan_proto_name(uint16_t proto); /* "802.1Q", "802.1ad" */
int vfm_vlan_proto_parse(const char *s, uint16_t *ret_proto);

#ifdef __cplusplus
}
#endif

#endif /* NFPATH_VFM_H */
