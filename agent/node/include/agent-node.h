/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node as the apply engine sees it: one struct of adapters to the world (vf-manager, its
 * inventory, libvirt, the datapath's control client, the journal, the banned-IRQ list) and a log
 * callback. nfpathd (daemon/) fills one in and owns what it points to; the apply engine (apply/)
 * and the unit tests drive the node only through it, so apply knows no daemon.
 */
#ifndef AGENT_NODE_H
#define AGENT_NODE_H

#include <stdarg.h>
#include <stdbool.h>

#include "nfpath/vfm.h"

#include "dp-client.h"
#include "journal.h"
#include "virt.h"

/* Syslog priorities, written as "<N>" prefixes on stderr (journald and sd-daemon(3) read them). */
#define AGENT_LOG_ERR     3
#define AGENT_LOG_WARNING 4
#define AGENT_LOG_INFO    6
#define AGENT_LOG_DEBUG   7

/* One line for the operator, without a trailing newline. */
typedef void agent_node_log_fn(void *opaque, int prio, const char *line);

struct agent_node {
	struct vfm_ctx *vfm;        /* vf-manager (real or simulated backend) */
	struct vfm_inventory *inv;  /* its inventory; reloaded after VFs are created */
	struct agent_virt *virt;    /* NULL: libvirt not connected */
	const char *libvirt_uri;    /* NULL or "": libvirt is off */
	char virt_error[512];       /* why virt is NULL when it should not be */
	struct agent_dp_client *dp; /* NULL: the datapath is off */
	struct agent_journal *journal;
	const char *state_dir;   /* where the journal is written */
	char journal_path[4096]; /* for messages */
	char journal_error[512]; /* the last write's failure, "" when it worked */
	/* The IRQs the engine pinned are listed here for irqbalance's policy script ("": none is
	 * written); irqbalance under procfs root vfm_ctx_procfs_root() is told to rescan. */
	char irqbalance_banned[4096];
	agent_node_log_fn *log; /* NULL: stderr with "<N>" prefixes */
	void *log_opaque;
	/* Called after every change the apply engine made on the node and after every journal
	 * write ('what' says which), NULL: none. The unit tests stop a run here, as a crash
	 * would. */
	void (*step)(void *opaque, const char *what);
	void *step_opaque;
};

void agent_node_log(const struct agent_node *n, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void agent_node_vlog(const struct agent_node *n, int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* A PF of the vf-manager inventory by netdev name or id, and one of its VFs; NULL when there is
 * none. */
const struct vfm_pf *agent_node_pf(const struct agent_node *n, const char *name);
const struct vfm_vf *agent_node_vf(const struct vfm_pf *pf, unsigned int index);

/* Is VF vf of PF pf (netdev name or id) nfpath's own: its original is journalled, or an
 * allocation the journal holds (applied, pending, orphaned) gives it to a workload? 'opaque' is
 * the struct agent_node (the vf_owned callback of inventory-node.h). */
bool agent_node_vf_owned(void *opaque, const char *pf, unsigned int vf);

/* Reload n->inv from vf-manager (after VFs were created). Returns 0 or -errno (n->inv kept). */
int agent_node_reload_inventory(struct agent_node *n);

#endif /* AGENT_NODE_H */
