// SPDX-License-Identifier: BSD-3-Clause
/*
 * Integration test of vf-manager's IRQ pinning (irq.c) on the real /proc/irq: every IRQ's
 * current affinity is written back unchanged (harmless), and each answer is either "pinned"
 * or "managed" (EPERM/EIO from the kernel), never a failure. Needs root; exits 77 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfpath/vfm.h"

int
main(void)
{
	unsigned int pinned = 0, managed = 0, failed = 0;
	struct vfm_options o = {.procfs_root = "/proc"};
	struct vfm_ctx *ctx;
	struct dirent *e;
	DIR *d;

	if (geteuid() != 0) {
		printf("SKIP: needs root to write /proc/irq\n");
		return 77;
	}
	d = opendir("/proc/irq");
	if (!d) {
		printf("SKIP: no /proc/irq here\n");
		return 77;
	}
	if (vfm_ctx_new(&o, &ctx, NULL) < 0)
		return 1;
	while ((e = readdir(d))) {
		struct vfm_cpuset cur;
		char *end;
		unsigned long irq = strtoul(e->d_name, &end, 10);
		int r;

		if (*end || e->d_name[0] == '.')
			continue;
		if (vfm_irq_get_affinity(ctx, (unsigned int)irq, &cur) < 0)
			continue;
		r = vfm_irq_set_affinity(ctx, (unsigned int)irq, &cur);
		if (r == VFM_IRQ_PINNED) {
			pinned++;
		} else if (r == VFM_IRQ_MANAGED) {
			managed++;
			printf("# IRQ %lu: kernel-managed\n", irq);
		} else {
			failed++;
			printf("not ok - IRQ %lu: %s\n", irq, vfm_ctx_last_error(ctx));
		}
	}
	closedir(d);
	vfm_ctx_free(ctx);
	printf("IRQs: %u pinned, %u managed, %u failed\n", pinned, managed, failed);
	if (pinned + managed == 0) {
		printf("SKIP: no IRQ with a readable smp_affinity_list\n");
		return 77;
	}
	return failed ? 1 : 0;
}
