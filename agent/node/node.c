// SPDX-License-Identifier: BSD-3-Clause
/* The apply engine's view of the node (agent-node.h): logging and vf-manager inventory look-ups. */
#include <stdio.h>
#include <string.h>

#include "agent-node.h"

void
agent_node_vlog(const struct agent_node *n, int prio, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (n->log) {
		n->log(n->log_opaque, prio, line);
		return;
	}
	fprintf(stderr, "<%d>%s\n", prio, line);
	fflush(stderr);
}

void
agent_node_log(const struct agent_node *n, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	agent_node_vlog(n, prio, fmt, ap);
	va_end(ap);
}

const struct vfm_pf *
agent_node_pf(const struct agent_node *n, const char *name)
{
	for (size_t i = 0; n->inv && name && i < n->inv->n_pfs; i++) {
		const struct vfm_pf *pf = &n->inv->pfs[i];

		if (strcmp(pf->netdev, name) == 0 || strcmp(pf->id, name) == 0)
			return pf;
	}
	return NULL;
}

const struct vfm_vf *
agent_node_vf(const struct vfm_pf *pf, unsigned int index)
{
	for (size_t i = 0; pf && i < pf->n_vfs; i++) {
		if (pf->vfs[i].index == index)
			return &pf->vfs[i];
	}
	return NULL;
}

int
agent_node_reload_inventory(struct agent_node *n)
{
	struct vfm_inventory *inv = NULL;
	int r = vfm_inventory_load(n->vfm, &inv);

	if (r < 0)
		return r;
	vfm_inventory_free(n->inv);
	n->inv = inv;
	return 0;
}
