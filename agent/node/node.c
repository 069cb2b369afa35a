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

/* Does allocation 'a' (journal JSON) give VF 'vf' of PF 'pf' (or of PF 'p' by netdev)? */
static bool
alloc_has_vf(json_t *a, const char *pf, const struct vfm_pf *p, unsigned int vf)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(a, "workloads"), i, e)
	{
		const char *epf = json_string_value(json_object_get(e, "pf"));

		if (epf && json_integer_value(json_object_get(e, "vf")) == (json_int_t)vf &&
		    (strcmp(epf, pf) == 0 || (p && strcmp(epf, p->netdev) == 0)))
			return true;
	}
	return false;
}

bool
agent_node_vf_owned(void *opaque, const char *pf, unsigned int vf)
{
	const struct agent_node *n = opaque;
	const struct agent_journal *j = n->journal;
	const struct vfm_pf *p = agent_node_pf(n, pf);
	json_t *o;
	size_t k;

	if (!j)
		return false;
	if (agent_journal_find_vf(j, pf, vf) ||
	    (p && (agent_journal_find_vf(j, p->id, vf) || agent_journal_find_vf(j, p->netdev, vf))))
		return true;
	/* Every allocation the journal holds: applied, pending, orphaned targets. */
	if (alloc_has_vf(j->applied, pf, p, vf) || alloc_has_vf(j->pending, pf, p, vf))
		return true;
	json_array_foreach(j->orphans, k, o)
	{
		if (alloc_has_vf(o, pf, p, vf))
			return true;
	}
	return false;
}
