/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for vf-manager's unit tests: build realistic sysfs trees in a temporary directory
 * (the layouts the kernel makes for PCI PFs, VFs, drivers, netdevs, IOMMU groups, MSI IRQs
 * and /proc/irq), and read back what the library wrote.
 */
#ifndef NFPATH_TEST_VFM_FIXTURE_H
#define NFPATH_TEST_VFM_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

/* A fresh temporary directory (mkdtemp); the caller frees it with fx_cleanup(). */
char *fx_tmpdir(void);
void fx_cleanup(char *dir);

/* Write ROOT/rel (creating directories) with the formatted content plus a newline. */
void fx_put(const char *root, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Symlink ROOT/link -> target (relative to ROOT), written as a relative link. */
void fx_link(const char *root, const char *link, const char *target);
void fx_mkdir(const char *root, const char *rel);
/* Read ROOT/rel into buf without the trailing newline; "" when missing. */
const char *fx_get(const char *root, const char *rel, char *buf, size_t len);
bool fx_exists(const char *root, const char *rel);

struct fx_pf {
	const char *pci;       /* "0000:3b:00.0" */
	const char *netdev;    /* NULL: no netdev */
	const char *driver;    /* "i40e" */
	const char *vf_driver; /* kernel driver of VFs, "iavf" */
	int total_vfs;         /* -1: no SR-IOV attributes */
	int num_vfs;
	const char *numa_node;  /* text of numa_node ("1", "-1") */
	const char *local_cpus; /* "0-3" */
	unsigned int vfio_mask; /* VFs bound to vfio-pci */
	unsigned int irq_base;  /* first MSI IRQ number of VF 0 (3 per VF) */
};

/* Add a PCI PF (and its VFs) to a sysfs tree at root; its /proc/irq entries go under proc. */
void fx_add_pf(const char *root, const char *proc, const struct fx_pf *pf);

/* Address of VF i of PF "0000:BB:00.F": "0000:BB:10.i" (offset 0x80, stride 1). */
void fx_vf_pci(const char *pfpci, unsigned int i, char *buf, size_t len);

#endif
