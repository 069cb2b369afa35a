// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpathd's node inventory (inventory-node.h): the planner's struct agent_inventory filled from
 * sysfs (NUMA nodes, sockets, online CPUs, hyperthread siblings), a vf-manager discovery (PFs
 * and their VFs, with the in_use rule) and libvirt (domains). Topology that cannot be read fails
 * the whole inventory (placing on a guessed topology would pin wrongly); a PF or a domain that
 * cannot be read is left out with a warning, and the rest is planned.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory-node.h"

/* Userspace drivers: a VF bound to one is in a VM or a DPDK process. */
static const char *const user_drivers[] = {"vfio-pci", "uio_pci_generic", "igb_uio", NULL};

struct builder {
	const struct agent_node_sources *src;
	const char *root;
	struct agent_inventory *inv;
	struct vfm_cpuset all; /* every CPU of every node (online only) */
	char *err;
	size_t errlen;
};

static void __attribute__((format(printf, 3, 4)))
warn(struct builder *b, const char *place, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!b->src->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agent_diags_add(b->src->warn, place, 0, 0, "", "%s", msg);
}

static int __attribute__((format(printf, 3, 4)))
fail(struct builder *b, int r, const char *fmt, ...)
{
	va_list ap;

	if (b->err && b->errlen) {
		va_start(ap, fmt);
		vsnprintf(b->err, b->errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Read the first line of a small file, without its newline. Returns 0 or -errno. */
static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		r = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (r == 0)
		buf[strcspn(buf, "\n")] = '\0';
	return r;
}

static void
cpus_and(struct vfm_cpuset *dst, const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

static void
cpus_or(struct vfm_cpuset *dst, const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

static bool
cpus_overlap(const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++) {
		if (a->bits[i] & b->bits[i])
			return true;
	}
	return false;
}

/* Lowest CPU of the set, or -1. */
static int
cpus_first(const struct vfm_cpuset *s)
{
	for (unsigned c = 0; c < VFM_CPUSET_MAX; c++) {
		if (vfm_cpuset_isset(s, c))
			return (int)c;
	}
	return -1;
}

/* "nodeN" / "cpuN" with only digits after the prefix: N, else -1. */
static long
numbered(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	char *end;
	long n;

	if (strncmp(name, prefix, pl) != 0 || name[pl] < '0' || name[pl] > '9')
		return -1;
	errno = 0;
	n = strtol(name + pl, &end, 10);
	if (*end || errno || n < 0)
		return -1;
	return n;
}

static int
cmp_numa(const void *a, const void *b)
{
	const struct agent_inv_numa *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
cmp_vf(const void *a, const void *b)
{
	const struct agent_inv_vf *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* Add a node unless it has no online CPU. */
static int
add_node(struct builder *b, unsigned id, const struct vfm_cpuset *cpus)
{
	struct agent_inventory *inv = b->inv;
	struct agent_inv_numa *n, *v;
	char path[4096], line[64];
	long pkg;
	int first;

	v = realloc(inv->numa, (inv->n_numa + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	inv->numa = v;
	n = &inv->numa[inv->n_numa];
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->socket = id;
	n->cpus = *cpus;
	first = cpus_first(cpus);
	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/topology/physical_package_id",
		 b->root, first);
	if (read_line(path, line, sizeof(line)) == 0) {
		char *end;

		errno = 0;
		pkg = strtol(line, &end, 10);
		/* -1 on some platforms (no package information): keep the default. */
		if (!*end && end != line && !errno && pkg >= 0 && pkg <= 0xffff)
			n->socket = (unsigned)pkg;
	}
	inv->n_numa++;
	cpus_or(&b->all, &b->all, cpus);
	return 0;
}

/* NUMA nodes from ROOT/devices/system/node/nodeN/cpulist, or one node 0 with every online
 * CPU when the kernel has no NUMA (no node/ directory). Offline CPUs are left out. */
static int
read_nodes(struct builder *b)
{
	char path[4096], line[4096];
	struct vfm_cpuset online = {0};
	bool have_online;
	DIR *d;
	int r;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", b->root);
	r = read_line(path, line, sizeof(line));
	have_online = r == 0;
	if (have_online && vfm_cpulist_parse(line, &online) < 0)
		return fail(b, -EINVAL, "%s: '%s' is not a CPU list", path, line);

	snprintf(path, sizeof(path), "%s/devices/system/node", b->root);
	d = opendir(path);
	if (!d) {
		r = -errno;
		if (r != -ENOENT)
			return fail(b, r, "%s: cannot read: %s", path, strerror(-r));
		if (!have_online)
			return fail(b, -ENOENT,
				    "%s/devices/system: neither node/ nor cpu/online: cannot learn "
				    "this machine's CPUs (is sysfs mounted at '%s'?)",
				    b->root, b->root);
		if (vfm_cpuset_count(&online) == 0)
			return fail(b, -ENODEV, "%s/devices/system/cpu/online: no CPU online",
				    b->root);
		return add_node(b, 0, &online);
	}

	r = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char cpath[4096];
		struct vfm_cpuset cpus;
		long id = numbered(e->d_name, "node");

		if (id < 0)
			continue;
		snprintf(cpath, sizeof(cpath), "%s/devices/system/node/node%ld/cpulist", b->root,
			 id);
		if (id >= AGENT_INV_NUMA_MAX) {
			warn(b, cpath,
			     "NUMA node %ld is beyond the %d nodes nfpath handles: left out", id,
			     AGENT_INV_NUMA_MAX);
			continue;
		}
		r = read_line(cpath, line, sizeof(line));
		if (r == -ENODATA || (r == 0 && line[strspn(line, " \t")] == '\0')) {
			/* A node with memory only (no CPU): nothing to place there. */
			continue;
		}
		if (r < 0) {
			r = fail(b, r, "%s: cannot read: %s", cpath, strerror(-r));
			break;
		}
		if (vfm_cpulist_parse(line, &cpus) < 0) {
			r = fail(b, -EINVAL, "%s: '%s' is not a CPU list", cpath, line);
			break;
		}
		if (have_online)
			cpus_and(&cpus, &cpus, &online);
		if (vfm_cpuset_count(&cpus) == 0) {
			warn(b, cpath, "NUMA node %ld has no online CPU: left out", id);
			continue;
		}
		if (cpus_overlap(&cpus, &b->all)) {
			r = fail(b, -EINVAL, "%s: CPUs '%s' are also in another NUMA node", cpath,
				 line);
			break;
		}
		r = add_node(b, (unsigned)id, &cpus);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (b->inv->n_numa == 0)
		return fail(b, -ENODEV, "%s: no NUMA node with an online CPU", path);
	qsort(b->inv->numa, b->inv->n_numa, sizeof(b->inv->numa[0]), cmp_numa);
	return 0;
}

/* Hyperthread sibling sets of the online CPUs: size > 1 only, each once. */
static int
read_siblings(struct builder *b)
{
	struct agent_inventory *inv = b->inv;

	for (unsigned c = 0; c < VFM_CPUSET_MAX; c++) {
		char path[4096], line[4096];
		struct vfm_cpuset set;
		bool dup = false;
		struct vfm_cpuset *v;

		if (!vfm_cpuset_isset(&b->all, c))
			continue;
		snprintf(path, sizeof(path),
			 "%s/devices/system/cpu/cpu%u/topology/thread_siblings_list", b->root, c);
		if (read_line(path, line, sizeof(line)) < 0)
			continue; /* no topology: a core alone */
		if (vfm_cpulist_parse(line, &set) < 0) {
			warn(b, path, "'%s' is not a CPU list: CPU %u taken as a core alone", line,
			     c);
			continue;
		}
		cpus_and(&set, &set, &b->all);
		if (vfm_cpuset_count(&set) < 2)
			continue;
		for (size_t i = 0; i < inv->n_siblings && !dup; i++) {
			if (vfm_cpuset_equal(&inv->siblings[i], &set))
				dup = true;
			else if (cpus_overlap(&inv->siblings[i], &set)) {
				warn(b, path,
				     "sibling set '%s' overlaps another one: CPU %u taken as a core "
				     "alone",
				     line, c);
				dup = true;
			}
		}
		if (dup)
			continue;
		v = realloc(inv->siblings, (inv->n_siblings + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		inv->siblings = v;
		inv->siblings[inv->n_siblings++] = set;
	}
	return 0;
}

static bool
is_user_driver(const char *driver)
{
	for (size_t i = 0; user_drivers[i]; i++) {
		if (strcmp(driver, user_drivers[i]) == 0)
			return true;
	}
	return false;
}

/* Something nfpath does not own uses this VF. */
static bool
vf_in_use(const struct builder *b, const char *pf, const struct vfm_vf *vf)
{
	if (b->src->vf_owned && b->src->vf_owned(b->src->opaque, pf, vf->index))
		return false;
	if (is_user_driver(vf->driver))
		return true;
	return vf->state_valid && (vf->state.mask & VFM_VF_MAC) && !vfm_mac_is_zero(vf->state.mac);
}

static int
add_pf(struct builder *b, const struct vfm_pf *vp)
{
	struct agent_inventory *inv = b->inv;
	struct agent_inv_pf *pf;
	char place[64];
	unsigned max_index = 0;
	bool any = false;

	snprintf(place, sizeof(place), "PF '%s'", vp->netdev);
	if (vp->total_vfs < 0 && vp->num_vfs < 0) {
		warn(b, place, "cannot read its VF count (%s): left out",
		     vp->problems ? vp->problems : "sriov_totalvfs and sriov_numvfs unreadable");
		return 0;
	}
	if (vp->problems)
		warn(b, place, "discovery problems: %s", vp->problems);

	pf = &inv->pfs[inv->n_pfs];
	memset(pf, 0, sizeof(*pf));
	pf->name = strdup(vp->netdev);
	if (!pf->name)
		return -ENOMEM;
	pf->vfs = calloc(vp->n_vfs ? vp->n_vfs : 1, sizeof(*pf->vfs));
	if (!pf->vfs) {
		free(pf->name);
		return -ENOMEM;
	}
	pf->has_pci = vfm_pci_addr_parse(vp->id, &pf->pci) == 0;
	pf->numa_node = vp->numa_node < 0 ? -1 : vp->numa_node;
	if (pf->numa_node >= 0 && !agent_inventory_numa(inv, (unsigned)pf->numa_node)) {
		warn(b, place,
		     "its NUMA node %d is not one of this machine's (with online CPUs): NUMA node "
		     "taken as unknown",
		     pf->numa_node);
		pf->numa_node = -1;
	}
	if (vp->local_cpus_valid)
		cpus_and(&pf->local_cpus, &vp->local_cpus, &b->all);

	for (size_t i = 0; i < vp->n_vfs; i++) {
		const struct vfm_vf *vv = &vp->vfs[i];
		struct agent_inv_vf *vf;

		if (vv->index >= AGENT_INV_VFS_MAX) {
			warn(b, place, "VF %u is beyond the %d VFs nfpath handles: left out",
			     vv->index, AGENT_INV_VFS_MAX);
			continue;
		}
		if (agent_inv_pf_vf(pf, vv->index))
			continue;
		vf = &pf->vfs[pf->n_vfs++];
		vf->index = vv->index;
		vf->has_pci = vv->has_pci && vfm_pci_addr_parse(vv->pci, &vf->pci) == 0;
		vf->in_use = vf_in_use(b, pf->name, vv);
		if (vf->index > max_index)
			max_index = vf->index;
		any = true;
	}
	qsort(pf->vfs, pf->n_vfs, sizeof(pf->vfs[0]), cmp_vf);

	if (vp->total_vfs >= 0) {
		pf->total_vfs = (unsigned)vp->total_vfs;
	} else {
		/* netdevsim without a readable debugfs max_vfs: what exists is the limit we know.
		 */
		pf->total_vfs = (unsigned)(vp->num_vfs > 0 ? vp->num_vfs : 0);
		warn(b, place, "sriov_totalvfs unknown: taking the %u VFs that exist as its limit",
		     pf->total_vfs);
	}
	if (any && max_index >= pf->total_vfs)
		pf->total_vfs = max_index + 1;
	if (pf->total_vfs > AGENT_INV_VFS_MAX)
		pf->total_vfs = AGENT_INV_VFS_MAX;
	inv->n_pfs++;
	return 0;
}

static int
read_pfs(struct builder *b)
{
	const struct vfm_inventory *vi = b->src->vfm;
	struct agent_inventory *inv = b->inv;

	if (!vi || vi->n_pfs == 0)
		return 0;
	inv->pfs = calloc(vi->n_pfs, sizeof(*inv->pfs));
	if (!inv->pfs)
		return -ENOMEM;
	for (size_t i = 0; i < vi->n_pfs; i++) {
		const struct vfm_pf *vp = &vi->pfs[i];
		int r;

		/* Not a NIC nfpath can use: no SR-IOV, or no netdev (an NVMe controller). */
		if (!vp->sriov_capable || !vp->netdev[0])
			continue;
		if (agent_inventory_pf(inv, vp->netdev)) {
			warn(b, vp->id, "netdev '%s' seen twice: the second PF is left out",
			     vp->netdev);
			continue;
		}
		r = add_pf(b, vp);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
read_domains(struct builder *b)
{
	struct agent_inventory *inv = b->inv;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!b->src->virt)
		return 0;
	r = agent_virt_list_domains(b->src->virt, &names, &n);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		warn(b, agent_virt_uri(b->src->virt), "cannot list libvirt domains: %s",
		     agent_virt_last_error(b->src->virt));
		return 0;
	}
	if (n) {
		inv->domains = calloc(n, sizeof(*inv->domains));
		if (!inv->domains) {
			agent_virt_names_free(names, n);
			return -ENOMEM;
		}
	}
	r = 0;
	for (size_t i = 0; i < n; i++) {
		struct agent_inv_domain *d = &inv->domains[inv->n_domains];
		char place[160];
		int vcpus, active;

		snprintf(place, sizeof(place), "libvirt domain '%s'", names[i]);
		vcpus = agent_virt_vcpu_count(b->src->virt, names[i]);
		active = vcpus < 0 ? vcpus : agent_virt_is_active(b->src->virt, names[i]);
		if (vcpus < 0 || active < 0) {
			/* -ENOENT: undefined between the list and now. */
			warn(b, place, "cannot read it (%s): left out",
			     agent_virt_last_error(b->src->virt));
			continue;
		}
		if (vcpus < 1 || vcpus > AGENT_INV_VCPUS_MAX) {
			warn(b, place, "%d vCPUs is out of range (1-%d): left out", vcpus,
			     AGENT_INV_VCPUS_MAX);
			continue;
		}
		d->name = names[i];
		names[i] = NULL;
		d->vcpus = (unsigned)vcpus;
		d->running = active == 1;
		inv->n_domains++;
	}
	agent_virt_names_free(names, n);
	return r;
}

int
agent_inventory_from_node(const struct agent_node_sources *src, struct agent_inventory **ret_inv,
			  char *err, size_t errlen)
{
	struct builder b = {.src = src, .err = err, .errlen = errlen};
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!src || !ret_inv)
		return fail(&b, -EINVAL, "agent_inventory_from_node: no sources");
	b.root = src->sysfs_root ? src->sysfs_root : "/sys";
	b.inv = calloc(1, sizeof(*b.inv));
	if (!b.inv)
		return -ENOMEM;

	r = read_nodes(&b);
	if (r == 0)
		r = read_siblings(&b);
	if (r == 0) {
		if (src->reserved)
			b.inv->reserved = *src->reserved;
		b.inv->datapath.present = src->datapath_present;
		if (src->datapath_lcores)
			b.inv->datapath.lcores = *src->datapath_lcores;
		r = read_pfs(&b);
	}
	if (r == 0)
		r = read_domains(&b);
	if (r < 0) {
		if (r == -ENOMEM)
			fail(&b, r, "out of memory building the node inventory");
		agent_inventory_free(b.inv);
		return r;
	}
	*ret_inv = b.inv;
	return 0;
}
