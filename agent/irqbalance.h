/* SPDX-License-Identifier: BSD-3-Clause */
/* TEMPORARY interface copy; replaced by the real one at merge. */
#ifndef AGENT_IRQBALANCE_H
#define AGENT_IRQBALANCE_H
#include <stddef.h>
int agent_irqbalance_write(const char *path, const unsigned int *irqs, size_t n, char *err,
			   size_t errlen);
int agent_irqbalance_running(const char *procfs_root);
#endif
