// SPDX-License-Identifier: BSD-3-Clause
/* TEMPORARY: stand-ins until the helpers' inventory-node.c, virt ifaces and irqbalance.c merge. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory-node.h"
#include "irqbalance.h"
#include "virt.h"

int
agent_inventory_from_node(const struct agent_node_sources *src, struct agent_inventory **ret_inv,
			  char *err, size_t errlen)
{
	struct agent_inventory *inv = calloc(1, sizeof(*inv));
	char buf[256] = "0-1";
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	(void)err;
	(void)errlen;
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "0");
		fclose(f);
	}
	inv->n_numa = 1;
	inv->numa = calloc(1, sizeof(*inv->numa));
	vfm_cpulist_parse(buf, &inv->numa[0].cpus);
	if (src->reserved)
		inv->reserved = *src->reserved;
	inv->datapath.present = src->datapath_present;
	if (src->datapath_lcores)
		inv->datapath.lcores = *src->datapath_lcores;
	inv->pfs = calloc(src->vfm ? src->vfm->n_pfs + 1 : 1, sizeof(*inv->pfs));
	for (size_t i = 0; src->vfm && i < src->vfm->n_pfs; i++) {
		const struct vfm_pf *p = &src->vfm->pfs[i];
		struct agent_inv_pf *q = &inv->pfs[inv->n_pfs];

		if (!p->sriov_capable || !p->netdev[0])
			continue;
		q->name = strdup(p->netdev);
		q->has_pci = vfm_pci_addr_parse(p->id, &q->pci) == 0;
		q->numa_node = p->numa_node < 0 ? -1 : p->numa_node;
		q->local_cpus = p->local_cpus;
		q->total_vfs = p->total_vfs < 0 ? 0 : (unsigned)p->total_vfs;
		q->vfs = calloc(p->n_vfs + 1, sizeof(*q->vfs));
		for (size_t v = 0; v < p->n_vfs; v++) {
			q->vfs[v].index = p->vfs[v].index;
			q->vfs[v].has_pci = vfm_pci_addr_parse(p->vfs[v].pci, &q->vfs[v].pci) == 0;
			q->vfs[v].in_use = false;
		}
		q->n_vfs = p->n_vfs;
		inv->n_pfs++;
	}
	if (src->virt) {
		char **names = NULL;
		size_t n = 0;

		if (agent_virt_list_domains(src->virt, &names, &n) == 0) {
			inv->domains = calloc(n + 1, sizeof(*inv->domains));
			for (size_t i = 0; i < n; i++) {
				inv->domains[i].name = strdup(names[i]);
				inv->domains[i].vcpus =
					(unsigned)agent_virt_vcpu_count(src->virt, names[i]);
				inv->domains[i].running =
					agent_virt_is_active(src->virt, names[i]) == 1;
			}
			inv->n_domains = n;
			agent_virt_names_free(names, n);
		}
	}
	*ret_inv = inv;
	return 0;
}

int
agent_irqbalance_write(const char *path, const unsigned int *irqs, size_t n, char *err,
		       size_t errlen)
{
	(void)path, (void)irqs, (void)n, (void)err, (void)errlen;
	return 0;
}
