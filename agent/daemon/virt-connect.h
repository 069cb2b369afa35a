/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpathd's libvirt connection, opened by a short-lived thread so that no virConnectOpen() runs
 * on the main loop (virt-connect.c says why: READY=1 must not wait for libvirtd, which is
 * ordered after nfpathd).
 */
#ifndef NFPATH_AGENT_VIRT_CONNECT_H
#define NFPATH_AGENT_VIRT_CONNECT_H

#include <stddef.h>

#include "virt.h"

struct agent_virt_connect;

/* Starts agent_virt_open(uri, events) in a thread. 0, or -errno when no thread could start. */
int agent_virt_connect_start(const char *uri, struct agent_virt_connect **ret);

/* Readable (POLLIN) once the attempt is over. */
int agent_virt_connect_fd(const struct agent_virt_connect *c);

/*
 * The attempt's result: -EINPROGRESS while it runs; else what agent_virt_open() returned, with
 * the connection in *ret_v (0) or the message in err (< 0). Free 'c' afterwards.
 */
int agent_virt_connect_take(struct agent_virt_connect *c, struct agent_virt **ret_v, char *err,
			    size_t errlen);

/* Gives 'c' up; a thread still waiting for libvirtd frees it (and its connection) when done. */
void agent_virt_connect_free(struct agent_virt_connect *c);

#endif
