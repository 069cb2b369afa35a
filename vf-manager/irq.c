// SPDX-License-Identifier: BSD-3-Clause
/*
 * IRQ affinity under a configurable procfs root: PROCFS/irq/N/smp_affinity_list. Writes go
 * through the backend (so the simulator can play managed IRQs). The kernel refuses to move a
 * kernel-managed IRQ (EPERM on recent kernels, EIO on Debian's 6.1): that is reported as
 * VFM_IRQ_MANAGED, not as a failure, because nothing the agent does can change it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "ctx.h"
#include "sysfs.h"

int
vfm_irq_set_affinity(struct vfm_ctx *ctx, unsigned int irq, const struct vfm_cpuset *cpus)
{
	char path[PATH_MAX], list[4096];
	int r;

	if (!ctx || !cpus)
		return -EINVAL;
	r = vfm_cpuset_format(cpus, list, sizeof(list));
	if (r <= 0)
		return vfm_fail(ctx, -EINVAL, "IRQ %u: an empty CPU set cannot be an affinity",
				irq);
	if (vfm_path(path, sizeof(path), "%s/irq/%u/smp_affinity_list", ctx->procfs_root, irq) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) != 0)
		return vfm_fail(ctx, -ENOENT, "IRQ %u: '%s' does not exist (wrong --procfs-root?)",
				irq, path);
	r = vfm_attr_write(ctx, path, list, false);
	if (r == -EPERM || r == -EIO) {
		vfm_debug("IRQ %u: kernel-managed (%s), affinity left to the kernel", irq,
			  strerror(-r));
		return VFM_IRQ_MANAGED;
	}
	if (r == -EINVAL)
		return vfm_fail(ctx, r,
				"IRQ %u: the kernel refused CPUs '%s' (offline or not allowed)",
				irq, list);
	if (r < 0)
		return vfm_fail(ctx, r, "IRQ %u: writing '%s' to '%s' failed: %s", irq, list, path,
				strerror(-r));
	return VFM_IRQ_PINNED;
}

int
vfm_irq_get_affinity(struct vfm_ctx *ctx, unsigned int irq, struct vfm_cpuset *ret_cpus)
{
	char path[PATH_MAX], buf[4096];
	int r;

	if (!ctx || !ret_cpus)
		return -EINVAL;
	if (vfm_path(path, sizeof(path), "%s/irq/%u/smp_affinity_list", ctx->procfs_root, irq) < 0)
		return -ENAMETOOLONG;
	r = vfm_read_attr(path, buf, sizeof(buf));
	if (r < 0)
		return vfm_fail(ctx, r, "IRQ %u: reading '%s' failed: %s", irq, path, strerror(-r));
	r = vfm_cpulist_parse(buf, ret_cpus);
	if (r < 0)
		return vfm_fail(ctx, -EINVAL, "IRQ %u: '%s' holds '%.64s', not a CPU list", irq,
				path, buf);
	return 0;
}

int
vfm_vf_pin_irqs(struct vfm_ctx *ctx, const char *name, unsigned int vf,
		const struct vfm_cpuset *cpus, unsigned int *ret_pinned, unsigned int *ret_managed)
{
	unsigned int pinned = 0, managed = 0;
	struct vfm_pf *pf = NULL;
	const struct vfm_vf *v;
	int r;

	if (!ctx || !cpus)
		return -EINVAL;
	r = vfm_pf_load(ctx, name, &pf);
	if (r < 0)
		return r;
	if (vf >= pf->n_vfs) {
		r = vfm_fail(ctx, -EINVAL, "PF %s: VF %u does not exist (it has %zu VFs)", name, vf,
			     pf->n_vfs);
		goto out;
	}
	v = &pf->vfs[vf];
	for (size_t i = 0; i < v->n_irqs; i++) {
		r = vfm_irq_set_affinity(ctx, v->irqs[i], cpus);
		if (r < 0)
			goto out;
		if (r == VFM_IRQ_MANAGED)
			managed++;
		else
			pinned++;
	}
	r = 0;
	if (ret_pinned)
		*ret_pinned = pinned;
	if (ret_managed)
		*ret_managed = managed;
out:
	vfm_pf_free(pf);
	return r;
}
