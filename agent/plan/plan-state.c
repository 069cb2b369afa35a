// SPDX-License-Identifier: BSD-3-Clause
/* Helpers on the planner's working state (plan-state.h), shared by plan.c and plan-actions.c. */
#include <stdio.h>

#include "plan-state.h"

const char plan_foreign[] = "(in use outside nfpath)";

void
plan_vf_name(const struct agent_inv_pf *pf, const char *pf_name, unsigned vf, char *buf, size_t len)
{
	const struct agent_inv_vf *v = pf ? agent_inv_pf_vf(pf, vf) : NULL;
	char pci[VFM_PCI_ADDR_STRLEN];

	if (v && v->has_pci && vfm_pci_addr_format(&v->pci, pci, sizeof(pci)) == 0)
		snprintf(buf, len, "%s#%u (%s)", pf_name, vf, pci);
	else
		snprintf(buf, len, "%s#%u", pf_name, vf);
}

const char *
plan_kind(const struct agent_workload *w)
{
	return w->type == AGENT_WORKLOAD_VM ? "VM" : "NF";
}
