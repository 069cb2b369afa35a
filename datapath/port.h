/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports of nfpath-dp: the devices the EAL probed from --port devargs, configured with their
 * RX queues (queue 0 is the default queue, the others take rte_flow-steered MACs) and one TX
 * queue per forwarding lcore, each fed from its NUMA socket's mempool.
 */
#ifndef NFPATH_DP_PORT_H
#define NFPATH_DP_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"

/* Finds the probed devices and reads their sockets. Returns 0 or -errno (message printed). */
int dp_ports_probe(struct dp *dp);
/* Configures queues (mempools must exist) and starts the ports. Returns 0 or -errno. */
int dp_ports_start(struct dp *dp);
/* Stops and closes every port. */
void dp_ports_close(struct dp *dp);
#define DP_VHOST_NAME_MAX 32

/*
 * Creates vhost-user port 'net_vhost_NAME' in server mode, its socket NAME.sock in
 * --vhost-dir (mode 0660, group --vhost-group), starts it and adds it to the poll lists.
 * Returns its index in dp->ports, or -EEXIST, -ENOSPC, -errno with 'msg' filled.
 */
int dp_port_vhost_add(struct dp *dp, const char *name, char *msg, size_t msg_len);
/* Removes a vhost port no chain or flow uses. Returns 0 or -ENOENT. */
int dp_port_vhost_del(struct dp *dp, unsigned int idx);
/* Index in dp->ports of a port named 'name', or -1. */
int dp_port_find(const struct dp *dp, const char *name);

#endif
