/* SPDX-License-Identifier: BSD-3-Clause */
/* TEMPORARY interface copy; replaced by the real one at merge. */
#ifndef AGENT_INVENTORY_NODE_H
#define AGENT_INVENTORY_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "nfpath/agent-inventory.h"
#include "nfpath/vfm.h"

struct agent_virt;

struct agent_node_sources {
	const struct vfm_inventory *vfm;
	const char *sysfs_root;
	const struct vfm_cpuset *reserved;
	bool datapath_present;
	const struct vfm_cpuset *datapath_lcores;
	struct agent_virt *virt;
	bool (*vf_owned)(void *opaque, const char *pf, unsigned int vf);
	void *opaque;
};

int agent_inventory_from_node(const struct agent_node_sources *src,
			      struct agent_inventory **ret_inv, char *err, size_t errlen);

#endif
