// SPDX-License-Identifier: BSD-3-Clause
/*
 * The node inventory's lookups and destructor. The JSON loader is inventory-json.c; nfpathd
 * builds the same struct from the live node in node/inventory-node.c (sysfs, vf-manager,
 * libvirt).
 */
#include <stdlib.h>
#include <string.h>

#include "nfpath/agent-inventory.h"

void
agent_inventory_free(struct agent_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_pfs; i++) {
		free(inv->pfs[i].name);
		free(inv->pfs[i].vfs);
	}
	for (size_t i = 0; i < inv->n_domains; i++)
		free(inv->domains[i].name);
	free(inv->numa);
	free(inv->siblings);
	free(inv->pfs);
	free(inv->domains);
	free(inv);
}

const struct agent_inv_numa *
agent_inventory_numa(const struct agent_inventory *inv, unsigned id)
{
	for (size_t i = 0; i < inv->n_numa; i++) {
		if (inv->numa[i].id == id)
			return &inv->numa[i];
	}
	return NULL;
}

const struct agent_inv_pf *
agent_inventory_pf(const struct agent_inventory *inv, const char *name)
{
	struct vfm_pci_addr addr;
	bool is_pci;

	if (!name) /* a NIC without a PF (datapath port only) */
		return NULL;
	is_pci = vfm_pci_addr_parse(name, &addr) == 0;
	for (size_t i = 0; i < inv->n_pfs; i++) {
		const struct agent_inv_pf *pf = &inv->pfs[i];

		if (pf->name && strcmp(pf->name, name) == 0)
			return pf;
		if (is_pci && pf->has_pci && vfm_pci_addr_equal(&pf->pci, &addr))
			return pf;
	}
	return NULL;
}

const struct agent_inv_vf *
agent_inv_pf_vf(const struct agent_inv_pf *pf, unsigned index)
{
	for (size_t i = 0; i < pf->n_vfs; i++) {
		if (pf->vfs[i].index == index)
			return &pf->vfs[i];
	}
	return NULL;
}

const struct agent_inv_domain *
agent_inventory_domain(const struct agent_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_domains; i++) {
		if (inv->domains[i].name && strcmp(inv->domains[i].name, name) == 0)
			return &inv->domains[i];
	}
	return NULL;
}

int
agent_inventory_cpu_node(const struct agent_inventory *inv, unsigned cpu)
{
	for (size_t i = 0; i < inv->n_numa; i++) {
		if (vfm_cpuset_isset(&inv->numa[i].cpus, cpu))
			return (int)inv->numa[i].id;
	}
	return -1;
}

void
agent_inventory_cpu_siblings(const struct agent_inventory *inv, unsigned cpu,
			     struct vfm_cpuset *ret_set)
{
	for (size_t i = 0; i < inv->n_siblings; i++) {
		if (vfm_cpuset_isset(&inv->siblings[i], cpu)) {
			*ret_set = inv->siblings[i];
			return;
		}
	}
	memset(ret_set, 0, sizeof(*ret_set));
	vfm_cpuset_set(ret_set, cpu);
}
