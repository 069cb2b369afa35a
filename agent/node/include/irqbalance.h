/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeping irqbalance's hands off the IRQs nfpathd pins (agent/README.md, "IRQs and irqbalance").
 *
 * Mechanism: irqbalance's policy script. nfpath's package ships
 *   /usr/lib/nfpath/irqbalance-policy                      (packaging/irqbalance/)
 *   /lib/systemd/system/irqbalance.service.d/nfpath.conf   (packaging/systemd/)
 * The drop-in starts irqbalance with --policyscript=/usr/lib/nfpath/irqbalance-policy; irqbalance
 * runs the script for every IRQ it adds to its database (at start, when a new IRQ appears, and
 * on every rescan), and the script prints "ban=true" when the IRQ is listed in the file nfpathd
 * writes with agent_irqbalance_write() (AGENT_IRQBALANCE_BANNED_FILE). After the list changed,
 * agent_irqbalance_rescan() sends irqbalance SIGHUP so that IRQs it already knew are looked at
 * again (irqbalance(1): "SIGHUP Forces a rescan of the available IRQs").
 */
#ifndef AGENT_IRQBALANCE_H
#define AGENT_IRQBALANCE_H

#include <stddef.h>

/* Where nfpathd writes the list, and where the shipped policy script reads it (the script also
 * honours NFPATH_IRQBALANCE_BANNED, for tests). */
#define AGENT_IRQBALANCE_BANNED_FILE "/run/nfpath/irqbalance-banned"

/*
 * Write the IRQs nfpathd pins to 'path' atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory): comment lines starting with '#', then one IRQ number a line,
 * ascending, each once, mode 0644. Nothing is written when the file already says exactly that.
 * Returns 1 when the file changed, 0 unchanged, -EINVAL (NULL path, or irqs NULL with n > 0),
 * -ENOMEM, or the -errno of the failed step with err saying which and where.
 */
int agent_irqbalance_write(const char *path, const unsigned int *irqs, size_t n, char *err,
			   size_t errlen);

/* Whether irqbalance runs: a PROCFS/[0-9]* /comm says "irqbalance". 1 yes, 0 no (also when
 * PROCFS cannot be read). NULL = "/proc". */
int agent_irqbalance_running(const char *procfs_root);

/*
 * Send SIGHUP to every irqbalance found under 'procfs_root' (NULL = "/proc"), so that it runs
 * the policy script again for every IRQ. With a root other than "/proc" (tests), a process is
 * signalled only when the real /proc/PID/comm says "irqbalance" too. Returns the number of
 * processes signalled (0: none runs), or -errno of a failed kill() (EPERM) with err.
 */
int agent_irqbalance_rescan(const char *procfs_root, char *err, size_t errlen);

#endif /* AGENT_IRQBALANCE_H */
