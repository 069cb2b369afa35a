// SPDX-License-Identifier: BSD-3-Clause
/*
 * The simulated SR-IOV NIC ("sim"), for machines without SR-IOV hardware: the embedded demo
 * and fast tests. It is named as a simulation wherever a user can see it.
 *
 * From a small JSON file (see vf-manager/sim-example.json and README.md) it materializes a
 * sysfs-shaped tree under a directory: PCI devices with vendor/device/class, numa_node,
 * local_cpulist, sriov_* attributes, driver links, netdevs under class/net, IOMMU groups, and a
 * proc/irq tree. The discovery code of the real backend reads that tree unchanged. Writes to it
 * go through sim_write_attr(), which plays the kernel's part:
 *   - sriov_numvfs: ERANGE above sriov_totalvfs, EBUSY from non-zero to non-zero, otherwise
 *     create or destroy virtfnN links, VF device directories, IOMMU groups; VFs are probed to
 *     their kernel driver (netdev + MSI-X IRQs) as with sriov_drivers_autoprobe = 1;
 *   - driver_override, DRIVER/unbind, DRIVER/bind and drivers_probe move driver links;
 *   - smp_affinity_list of an IRQ marked managed answers EIO, as Debian 6.1 does.
 * VF netlink state (MAC, VLAN, ...) lives in files of the tree (nfpath-sim/pf/PF/vfN, the
 * "key value" format of saved.c), so every process using the same tree sees the same state.
 * A lock file serializes writers. Nothing here pretends to be fast or complete hardware: see
 * README.md, "How the simulation differs from real hardware".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "backend-sim.h"
#include "backend.h"
#include "ctx.h"
#include "saved.h"
#include "sysfs.h"

#define SIM_MARKER  "NFPATH-SIMULATED"
#define SIM_STATE   "nfpath-sim"
#define SIM_MAX_PFS 64

struct sim_pf {
	char name[16]; /* netdev */
	struct vfm_pci_addr addr;
	char pci[VFM_PCI_ADDR_STRLEN]; /* the device's name: PCI address, or "netdevsimN" */
	bool nsim;                     /* a netdevsim bus device (no PCI functions) */
	unsigned int vendor, device, vf_device;
	unsigned int class_code; /* PCI class: 0x020000 Ethernet (a netdev), 0x010802 NVMe, ... */
	bool vf_autoprobe;       /* sriov_drivers_autoprobe: new VFs get their driver */
	char driver[32], vf_driver[32];
	unsigned int total_vfs, num_vfs;
	int numa_node;
	char local_cpus[256];
	unsigned int mtu;
	unsigned int irqs_per_vf;
	bool managed_irqs; /* queue IRQs (all but the first of each VF) are kernel-managed */
	bool switchdev;
	unsigned int vf_offset, vf_stride;
	unsigned int vfio_vfs; /* bitmask: VFs bound to vfio-pci when the tree is built */
	uint32_t unsupported;  /* VFM_VF_* the "driver" refuses with EOPNOTSUPP */
	uint32_t ignored;      /* VFM_VF_* the "driver" accepts but does not apply */
};

struct sim {
	struct sim_pf pfs[SIM_MAX_PFS];
	size_t n_pfs;
	unsigned int irq_base;
	char root[PATH_MAX]; /* real path of the tree */
	char proc[PATH_MAX]; /* real path of its proc/ */
	int lock_fd;
};

static struct sim *
sim_of(struct vfm_ctx *ctx)
{
	return ctx->backend;
}

/* ---- JSON file -------------------------------------------------------------------------- */

static int json_fail(struct vfm_ctx *ctx, const char *file, const char *where, const char *fmt, ...)
	VFM_FMT(4, 5);

static int
json_fail(struct vfm_ctx *ctx, const char *file, const char *where, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vfm_fail(ctx, -EINVAL, "%s: %s: %s (simulated NIC file)", file, where, msg);
}

static int
get_uint(struct vfm_ctx *ctx, const char *file, const char *where, json_t *v, unsigned long max,
	 unsigned int *ret)
{
	json_int_t i;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		unsigned long u;

		errno = 0;
		u = strtoul(s, &end, 0);
		if (!*s || *end || errno || u > max || *s == '-')
			return json_fail(ctx, file, where, "'%s' is not a number in 0-%lu", s, max);
		*ret = (unsigned int)u;
		return 0;
	}
	if (!json_is_integer(v))
		return json_fail(ctx, file, where, "expected a number");
	i = json_integer_value(v);
	if (i < 0 || (unsigned long long)i > max)
		return json_fail(ctx, file, where, "%lld is out of range (0-%lu)", (long long)i,
				 max);
	*ret = (unsigned int)i;
	return 0;
}

static int
get_str(struct vfm_ctx *ctx, const char *file, const char *where, json_t *v, char *buf, size_t len)
{
	const char *s;

	if (!json_is_string(v))
		return json_fail(ctx, file, where, "expected a string");
	s = json_string_value(v);
	if (!*s || strlen(s) >= len || strchr(s, '/') || strchr(s, '\n'))
		return json_fail(ctx, file, where, "'%s' is empty, too long or holds '/'", s);
	strcpy(buf, s);
	return 0;
}

static int
get_fields(struct vfm_ctx *ctx, const char *file, const char *where, json_t *v, uint32_t *ret)
{
	static const char *const names[] = {"mac", "vlan", "spoofchk", "trust", "state", "rate"};
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return json_fail(ctx, file, where, "expected an array of VF settings");
	json_array_foreach(v, i, e)
	{
		size_t k;

		for (k = 0; k < 6; k++)
			if (json_is_string(e) && strcmp(json_string_value(e), names[k]) == 0)
				break;
		if (k == 6)
			return json_fail(ctx, file, where,
					 "expected mac, vlan, spoofchk, trust, state or rate");
		*ret |= 1u << k;
	}
	return 0;
}

static int
parse_pf(struct vfm_ctx *ctx, const char *file, size_t idx, json_t *o, struct sim_pf *pf)
{
	char where[64];
	const char *key;
	json_t *v;
	int r;

	memset(pf, 0, sizeof(*pf));
	pf->vendor = 0x1af4;
	pf->device = 0x10f1;
	pf->vf_device = 0x10f2;
	pf->class_code = 0x020000;
	pf->vf_autoprobe = true;
	strcpy(pf->driver, "nfpath-sim-pf");
	strcpy(pf->vf_driver, "nfpath-sim-vf");
	pf->numa_node = -1;
	strcpy(pf->local_cpus, "0");
	pf->mtu = 1500;
	pf->irqs_per_vf = 3;
	pf->vf_offset = 0x80;
	pf->vf_stride = 1;
	if (!json_is_object(o)) {
		snprintf(where, sizeof(where), "pfs[%zu]", idx);
		return json_fail(ctx, file, where, "expected an object");
	}
	json_object_foreach(o, key, v)
	{
		unsigned int u;

		snprintf(where, sizeof(where), "pfs[%zu].%s", idx, key);
		if (strcmp(key, "name") == 0) {
			r = get_str(ctx, file, where, v, pf->name, sizeof(pf->name));
		} else if (strcmp(key, "pci") == 0) {
			if (!json_is_string(v) ||
			    vfm_pci_addr_parse(json_string_value(v), &pf->addr) < 0)
				return json_fail(ctx, file, where,
						 "expected a PCI address like \"0000:3b:00.0\"");
			vfm_pci_addr_format(&pf->addr, pf->pci, sizeof(pf->pci));
			r = 0;
		} else if (strcmp(key, "netdevsim") == 0) {
			r = get_uint(ctx, file, where, v, 1023, &u);
			if (r < 0)
				return r;
			pf->nsim = true;
			snprintf(pf->pci, sizeof(pf->pci), "netdevsim%u", u);
		} else if (strcmp(key, "class") == 0) {
			r = get_uint(ctx, file, where, v, 0xffffff, &pf->class_code);
		} else if (strcmp(key, "vf_autoprobe") == 0) {
			if (!json_is_boolean(v))
				return json_fail(ctx, file, where, "expected true or false");
			pf->vf_autoprobe = json_is_true(v);
			r = 0;
		} else if (strcmp(key, "vendor") == 0) {
			r = get_uint(ctx, file, where, v, 0xffff, &pf->vendor);
		} else if (strcmp(key, "device") == 0) {
			r = get_uint(ctx, file, where, v, 0xffff, &pf->device);
		} else if (strcmp(key, "vf_device") == 0) {
			r = get_uint(ctx, file, where, v, 0xffff, &pf->vf_device);
		} else if (strcmp(key, "driver") == 0) {
			r = get_str(ctx, file, where, v, pf->driver, sizeof(pf->driver));
		} else if (strcmp(key, "vf_driver") == 0) {
			r = get_str(ctx, file, where, v, pf->vf_driver, sizeof(pf->vf_driver));
		} else if (strcmp(key, "total_vfs") == 0) {
			r = get_uint(ctx, file, where, v, 64, &pf->total_vfs);
		} else if (strcmp(key, "num_vfs") == 0) {
			r = get_uint(ctx, file, where, v, 64, &pf->num_vfs);
		} else if (strcmp(key, "numa_node") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < -1 ||
			    json_integer_value(v) > 63)
				return json_fail(ctx, file, where, "expected -1 (unknown) or 0-63");
			pf->numa_node = (int)json_integer_value(v);
			r = 0;
		} else if (strcmp(key, "local_cpus") == 0) {
			struct vfm_cpuset set;

			if (!json_is_string(v) || vfm_cpulist_parse(json_string_value(v), &set) < 0)
				return json_fail(ctx, file, where,
						 "expected a CPU list like \"0-3\"");
			vfm_cpuset_format(&set, pf->local_cpus, sizeof(pf->local_cpus));
			r = 0;
		} else if (strcmp(key, "mtu") == 0) {
			r = get_uint(ctx, file, where, v, 65535, &pf->mtu);
			if (r == 0 && pf->mtu < 68)
				return json_fail(ctx, file, where, "%u is below 68", pf->mtu);
		} else if (strcmp(key, "irqs_per_vf") == 0) {
			r = get_uint(ctx, file, where, v, 16, &pf->irqs_per_vf);
		} else if (strcmp(key, "managed_irqs") == 0 || strcmp(key, "switchdev") == 0) {
			if (!json_is_boolean(v))
				return json_fail(ctx, file, where, "expected true or false");
			if (key[0] == 'm')
				pf->managed_irqs = json_is_true(v);
			else
				pf->switchdev = json_is_true(v);
			r = 0;
		} else if (strcmp(key, "vf_offset") == 0) {
			r = get_uint(ctx, file, where, v, 0xff, &pf->vf_offset);
		} else if (strcmp(key, "vf_stride") == 0) {
			r = get_uint(ctx, file, where, v, 8, &pf->vf_stride);
			if (r == 0 && pf->vf_stride == 0)
				return json_fail(ctx, file, where, "must be 1-8");
		} else if (strcmp(key, "vfio_vfs") == 0) {
			size_t i;
			json_t *e;

			if (!json_is_array(v))
				return json_fail(ctx, file, where,
						 "expected an array of VF indices");
			json_array_foreach(v, i, e)
			{
				r = get_uint(ctx, file, where, e, 31, &u);
				if (r < 0)
					return r;
				pf->vfio_vfs |= 1u << u;
			}
			r = 0;
		} else if (strcmp(key, "unsupported_vf_settings") == 0) {
			r = get_fields(ctx, file, where, v, &pf->unsupported);
		} else if (strcmp(key, "ignored_vf_settings") == 0) {
			r = get_fields(ctx, file, where, v, &pf->ignored);
		} else {
			return json_fail(
				ctx, file, where,
				"unknown field (known: name, pci, netdevsim, vendor, device, vf_device, class, vf_autoprobe, driver, vf_driver, total_vfs, num_vfs, numa_node, local_cpus, mtu, irqs_per_vf, managed_irqs, switchdev, vf_offset, vf_stride, vfio_vfs, unsupported_vf_settings, ignored_vf_settings)");
		}
		if (r < 0)
			return r;
	}
	snprintf(where, sizeof(where), "pfs[%zu]", idx);
	if (!pf->pci[0])
		return json_fail(ctx, file, where, "'pci' (or 'netdevsim') is required");
	if (!pf->name[0] && (pf->nsim || (pf->class_code >> 16) == 0x02))
		return json_fail(
			ctx, file, where,
			"'name' (the netdev) is required for a network device (class 0x02xxxx "
			"or netdevsim)");
	if (pf->nsim && strcmp(pf->driver, "nfpath-sim-pf") == 0)
		strcpy(pf->driver, "netdevsim");
	if (pf->nsim && (json_object_get(o, "pci") || pf->vfio_vfs))
		return json_fail(ctx, file, where,
				 "a netdevsim device has no PCI address and no PCI VFs ('pci', "
				 "'vfio_vfs')");
	if (pf->num_vfs > pf->total_vfs)
		return json_fail(ctx, file, where, "num_vfs %u is above total_vfs %u", pf->num_vfs,
				 pf->total_vfs);
	return 0;
}

static int
sim_load_json(struct vfm_ctx *ctx, struct sim *sim, const char *file, json_t *root)
{
	json_t *pfs, *v;
	const char *key;
	int r = 0;

	sim->irq_base = 128;
	if (!json_is_object(root))
		return json_fail(ctx, file, "(top)", "expected an object with \"pfs\"");
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "pfs") == 0 || strcmp(key, "comment") == 0)
			continue;
		if (strcmp(key, "irq_base") == 0) {
			r = get_uint(ctx, file, key, v, 100000, &sim->irq_base);
			if (r < 0)
				return r;
			continue;
		}
		return json_fail(ctx, file, key, "unknown field (known: pfs, irq_base, comment)");
	}
	pfs = json_object_get(root, "pfs");
	if (!json_is_array(pfs) || json_array_size(pfs) == 0 || json_array_size(pfs) > SIM_MAX_PFS)
		return json_fail(ctx, file, "pfs", "expected an array of 1-%d PFs", SIM_MAX_PFS);
	for (size_t i = 0; i < json_array_size(pfs); i++) {
		r = parse_pf(ctx, file, i, json_array_get(pfs, i), &sim->pfs[i]);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(sim->pfs[j].pci, sim->pfs[i].pci) == 0 ||
			    (sim->pfs[i].name[0] &&
			     strcmp(sim->pfs[j].name, sim->pfs[i].name) == 0)) {
				char where[32];

				snprintf(where, sizeof(where), "pfs[%zu]", i);
				return json_fail(ctx, file, where, "same name or pci as pfs[%zu]",
						 j);
			}
		}
		sim->n_pfs = i + 1;
	}
	return 0;
}

static int
sim_load_file(struct vfm_ctx *ctx, struct sim *sim, const char *file)
{
	json_error_t jerr;
	json_t *root;
	int r;

	root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (access(file, R_OK) != 0)
			return vfm_fail(ctx, -ENOENT, "%s: cannot read the simulated NIC file: %s",
					file, strerror(errno));
		return vfm_fail(ctx, -EINVAL, "%s:%d:%d: %s (simulated NIC file)", file, jerr.line,
				jerr.column, jerr.text);
	}
	r = sim_load_json(ctx, sim, file, root);
	json_decref(root);
	return r;
}

int
vfm_sim_parse(struct vfm_ctx *ctx, const char *text, size_t len)
{
	json_error_t jerr;
	struct sim *sim;
	json_t *root;
	int r;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return vfm_fail(ctx, -EINVAL, "(buffer):%d:%d: %s (simulated NIC file)", jerr.line,
				jerr.column, jerr.text);
	sim = calloc(1, sizeof(*sim));
	if (!sim) {
		json_decref(root);
		return -ENOMEM;
	}
	r = sim_load_json(ctx, sim, "(buffer)", root);
	if (r == 0)
		r = (int)sim->n_pfs;
	free(sim);
	json_decref(root);
	return r;
}

/* ---- Tree helpers ----------------------------------------------------------------------- */

static int put(const struct sim *sim, const char *rel, const char *fmt, ...) VFM_FMT(3, 4);

/* Create file ROOT/rel (and its directories) holding the formatted text plus a newline. */
static int
put(const struct sim *sim, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], text[512], *dir;
	va_list ap;
	int fd, r = 0;
	size_t len;

	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0)
		return -ENAMETOOLONG;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	r = vfm_mkdir_p(dirname(dir));
	free(dir);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	len = strlen(text);
	text[len++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		r = -EIO;
	close(fd);
	return r;
}

/* Symlink ROOT/link_rel -> target_rel (relative to ROOT), written as a relative link. */
/* The identity files every simulated PCI function has (PF and VF alike). */
static int
put_pci_ids(const struct sim *sim, const char *devrel, const struct sim_pf *pf, unsigned int device)
{
	static const char *const names[] = {"vendor", "device", "class", "numa_node",
					    "local_cpulist"};
	char rel[PATH_MAX], num[4][16];
	const char *val[] = {num[0], num[1], num[2], num[3], pf->local_cpus};
	int r = 0;

	snprintf(num[0], sizeof(num[0]), "0x%04x", pf->vendor);
	snprintf(num[1], sizeof(num[1]), "0x%04x", device);
	snprintf(num[2], sizeof(num[2]), "0x%06x", pf->class_code);
	snprintf(num[3], sizeof(num[3]), "%d", pf->numa_node);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", devrel, names[i]);
		r |= put(sim, rel, "%s", val[i]);
	}
	return r;
}

static int
link_rel(const struct sim *sim, const char *link, const char *target)
{
	char path[PATH_MAX], rel[PATH_MAX], *dir;
	size_t pos = 0;
	int r;

	for (const char *p = link; *p; p++) {
		if (*p == '/') {
			if (pos + 3 >= sizeof(rel))
				return -ENAMETOOLONG;
			memcpy(rel + pos, "../", 3);
			pos += 3;
		}
	}
	if (pos + strlen(target) + 1 > sizeof(rel))
		return -ENAMETOOLONG;
	strcpy(rel + pos, target);
	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, link) < 0)
		return -ENAMETOOLONG;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	r = vfm_mkdir_p(dirname(dir));
	free(dir);
	if (r < 0)
		return r;
	unlink(path);
	return symlink(rel, path) < 0 ? -errno : 0;
}

static int
rm_rel(const struct sim *sim, const char *rel)
{
	char path[PATH_MAX];

	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0)
		return -ENAMETOOLONG;
	return vfm_rm_rf(path);
}

static long
read_rel_long(const struct sim *sim, const char *rel, long dflt)
{
	char path[PATH_MAX];
	long v;

	if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0 ||
	    vfm_read_long(path, &v) < 0)
		return dflt;
	return v;
}

/* Next value of a counter kept in the tree (IRQ numbers, IOMMU groups, ifindexes). */
static unsigned int
counter_next(const struct sim *sim, const char *name, unsigned int first)
{
	char rel[64];
	long v;

	snprintf(rel, sizeof(rel), SIM_STATE "/%s", name);
	v = read_rel_long(sim, rel, first);
	put(sim, rel, "%ld", v + 1);
	return (unsigned int)v;
}

static void
dev_rel(const struct sim_pf *pf, const char *pci, char *buf, size_t len)
{
	if (pf->nsim)
		snprintf(buf, len, "devices/%s", pci); /* /sys/devices/netdevsim1 */
	else
		snprintf(buf, len, "devices/pci%04x:%02x/%s", pf->addr.domain, pf->addr.bus, pci);
}

static void
vf_pci(const struct sim_pf *pf, unsigned int i, char *buf, size_t len)
{
	unsigned int rid = ((unsigned int)pf->addr.bus << 8) | ((unsigned int)pf->addr.dev << 3) |
			   pf->addr.func;
	struct vfm_pci_addr a = pf->addr;

	rid += pf->vf_offset + i * pf->vf_stride;
	a.bus = (uint8_t)((rid >> 8) & 0xff);
	a.dev = (uint8_t)((rid >> 3) & 0x1f);
	a.func = (uint8_t)(rid & 7);
	vfm_pci_addr_format(&a, buf, len);
}

static const struct sim_pf *
sim_pf_by_pci(const struct sim *sim, const char *pci)
{
	for (size_t i = 0; i < sim->n_pfs; i++)
		if (strcmp(sim->pfs[i].pci, pci) == 0)
			return &sim->pfs[i];
	return NULL;
}

/* The PF owning VF 'pci'; *ret_index gets the VF index. */
static const struct sim_pf *
sim_pf_of_vf(const struct sim *sim, const char *pci, unsigned int *ret_index)
{
	char buf[VFM_PCI_ADDR_STRLEN];

	for (size_t i = 0; i < sim->n_pfs; i++) {
		const struct sim_pf *pf = &sim->pfs[i];

		if (pf->nsim)
			continue;
		for (unsigned int v = 0; v < pf->total_vfs; v++) {
			vf_pci(pf, v, buf, sizeof(buf));
			if (strcmp(buf, pci) == 0) {
				*ret_index = v;
				return pf;
			}
		}
	}
	return NULL;
}

/* ---- The kernel's part ------------------------------------------------------------------ */

static int
make_netdev(const struct sim *sim, const char *devrel, const char *ifname, unsigned int mtu,
	    const char *mac, bool switchdev)
{
	char rel[PATH_MAX], target[PATH_MAX];
	int r = 0;

	snprintf(rel, sizeof(rel), "%s/net/%s/ifindex", devrel, ifname);
	r |= put(sim, rel, "%u", counter_next(sim, "next_ifindex", 100));
	snprintf(rel, sizeof(rel), "%s/net/%s/mtu", devrel, ifname);
	r |= put(sim, rel, "%u", mtu);
	snprintf(rel, sizeof(rel), "%s/net/%s/operstate", devrel, ifname);
	r |= put(sim, rel, "up");
	snprintf(rel, sizeof(rel), "%s/net/%s/address", devrel, ifname);
	r |= put(sim, rel, "%s", mac);
	if (switchdev) {
		snprintf(rel, sizeof(rel), "%s/net/%s/phys_switch_id", devrel, ifname);
		r |= put(sim, rel, "00112233");
	}
	snprintf(rel, sizeof(rel), "class/net/%s", ifname);
	snprintf(target, sizeof(target), "%s/net/%s", devrel, ifname);
	r |= link_rel(sim, rel, target);
	snprintf(rel, sizeof(rel), "%s/net/%s/device", devrel, ifname);
	r |= link_rel(sim, rel, devrel);
	return r ? -EIO : 0;
}

/* Bind a VF to drv as the kernel's probe would: driver links; for the VF's kernel driver a
 * netdev and MSI-X IRQs (vfio-pci allocates none until a user opens the device). */
static int
vf_bind(const struct sim *sim, const struct sim_pf *pf, unsigned int i, const char *drv)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], rel[PATH_MAX], target[PATH_MAX];
	int r = 0;

	vf_pci(pf, i, pci, sizeof(pci));
	dev_rel(pf, pci, devrel, sizeof(devrel));
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s", drv);
	{
		char path[PATH_MAX];

		if (vfm_path(path, sizeof(path), "%s/%s", sim->root, rel) < 0 ||
		    access(path, F_OK) != 0)
			return -ENODEV; /* no such driver loaded */
	}
	snprintf(rel, sizeof(rel), "%s/driver", devrel);
	snprintf(target, sizeof(target), "bus/pci/drivers/%s", drv);
	r |= link_rel(sim, rel, target);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", drv, pci);
	r |= link_rel(sim, rel, devrel);
	if (strcmp(drv, pf->vf_driver) == 0) {
		char ifname[32], mac[VFM_MAC_STRLEN];

		snprintf(ifname, sizeof(ifname), "%sv%u", pf->name, i);
		snprintf(mac, sizeof(mac), "02:00:%02x:%02x:%02x:%02x", pf->addr.bus, pf->addr.dev,
			 pf->addr.func, i & 0xff);
		/* Only a network function gets a netdev (an NVMe VF gets a controller). */
		if ((pf->class_code >> 16) == 0x02)
			r |= make_netdev(sim, devrel, ifname, pf->mtu, mac, false);
		for (unsigned int j = 0; j < pf->irqs_per_vf; j++) {
			unsigned int irq = counter_next(sim, "next_irq", sim->irq_base);

			snprintf(rel, sizeof(rel), "%s/msi_irqs/%u", devrel, irq);
			r |= put(sim, rel, "msix");
			snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity_list", irq);
			r |= put(sim, rel, "%s", pf->local_cpus);
			if (pf->managed_irqs && j > 0) {
				snprintf(rel, sizeof(rel), "proc/irq/%u/nfpath-sim-managed", irq);
				r |= put(sim, rel, "kernel-managed queue IRQ (simulated)");
			}
		}
	}
	return r ? -EIO : 0;
}

/*
 * Remove directory 'devrel/sub' and, for each entry NAME in it, 'where/NAME' (a VF's netdevs
 * under class/net, its IRQs under proc/irq).
 */
static void
rm_listed(const struct sim *sim, const char *devrel, const char *sub, const char *where)
{
	char path[PATH_MAX], rel[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (vfm_path(path, sizeof(path), "%s/%s/%s", sim->root, devrel, sub) == 0 &&
	    (d = opendir(path))) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", where, e->d_name);
			rm_rel(sim, rel);
		}
		closedir(d);
	}
	snprintf(rel, sizeof(rel), "%s/%s", devrel, sub);
	rm_rel(sim, rel);
}
static int
vf_unbind(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], rel[PATH_MAX], path[PATH_MAX];
	char drv[64];

	vf_pci(pf, i, pci, sizeof(pci));
	dev_rel(pf, pci, devrel, sizeof(devrel));
	if (vfm_path(path, sizeof(path), "%s/%s/driver", sim->root, devrel) < 0)
		return -ENAMETOOLONG;
	if (vfm_readlink_base(path, drv, sizeof(drv)) < 0)
		return 0;
	unlink(path);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", drv, pci);
	rm_rel(sim, rel);
	/* Its netdevs and IRQs, and their entries elsewhere in the tree. */
	rm_listed(sim, devrel, "net", "class/net");
	rm_listed(sim, devrel, "msi_irqs", "proc/irq");
	return 0;
}

static int
vf_state_path(const struct sim *sim, const char *pfpci, unsigned int i, char *buf, size_t len)
{
	return vfm_path(buf, len, "%s/" SIM_STATE "/pf/%s/vf%u", sim->root, pfpci, i);
}

/* A netdevsim VF is an entry of the device's VF table, no PCI function. netdevsim allocates
 * the table (max_vfs entries, all zero) when the device is made and keeps it while the VF count
 * goes to 0 and back: settings survive 0 -> N. */
static int
nsim_vf_create(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	struct vfm_vf_config cfg = {.mask = VFM_VF_ALL, .vlan_proto = VFM_VLAN_PROTO_8021Q};
	char path[PATH_MAX], dir[PATH_MAX], state[1024];
	int r;

	if (vf_state_path(sim, pf->pci, i, path, sizeof(path)) < 0 ||
	    vfm_path(dir, sizeof(dir), "%s/" SIM_STATE "/pf/%s", sim->root, pf->pci) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) == 0)
		return 0;
	vfm_vf_config_format(&cfg, state, sizeof(state));
	r = vfm_mkdir_p(dir);
	if (r == 0)
		r = vfm_write_file_atomic(path, state);
	return r;
}

static int
vf_create(const struct sim *sim, const struct sim_pf *pf, unsigned int i, const char *drv)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], pfrel[96], rel[PATH_MAX];
	char target[PATH_MAX], state[1024], path[PATH_MAX];
	struct vfm_vf_config cfg = {
		.mask = VFM_VF_ALL,
		.vlan_proto = VFM_VLAN_PROTO_8021Q,
		.spoofchk = true,
	};
	unsigned int group;
	int r = 0;

	if (pf->nsim)
		return nsim_vf_create(sim, pf, i);
	vf_pci(pf, i, pci, sizeof(pci));
	dev_rel(pf, pci, devrel, sizeof(devrel));
	dev_rel(pf, pf->pci, pfrel, sizeof(pfrel));
	r |= put_pci_ids(sim, devrel, pf, pf->vf_device);
	snprintf(rel, sizeof(rel), "%s/driver_override", devrel);
	r |= put(sim, rel, "(null)");
	snprintf(rel, sizeof(rel), "%s/physfn", devrel);
	r |= link_rel(sim, rel, pfrel);
	snprintf(rel, sizeof(rel), "%s/subsystem", devrel);
	r |= link_rel(sim, rel, "bus/pci");
	snprintf(rel, sizeof(rel), "%s/virtfn%u", pfrel, i);
	r |= link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pci);
	r |= link_rel(sim, rel, devrel);
	group = counter_next(sim, "next_iommu_group", 40);
	snprintf(rel, sizeof(rel), "kernel/iommu_groups/%u/devices/%s", group, pci);
	r |= link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "%s/iommu_group", devrel);
	snprintf(target, sizeof(target), "kernel/iommu_groups/%u", group);
	r |= link_rel(sim, rel, target);
	if (r)
		return -EIO;
	/* A fresh VF: zero MAC, no VLAN, spoof-check on, untrusted, link auto, no rate limits. */
	vfm_vf_config_format(&cfg, state, sizeof(state));
	if (vf_state_path(sim, pf->pci, i, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (vfm_path(target, sizeof(target), "%s/" SIM_STATE "/pf/%s", sim->root, pf->pci) < 0)
		return -ENAMETOOLONG;
	r = vfm_mkdir_p(target);
	if (r == 0)
		r = vfm_write_file_atomic(path, state);
	if (r == 0 && drv)
		r = vf_bind(sim, pf, i, drv);
	return r;
}

static int
vf_destroy(const struct sim *sim, const struct sim_pf *pf, unsigned int i)
{
	char pci[VFM_PCI_ADDR_STRLEN], devrel[96], pfrel[96], rel[PATH_MAX];
	char path[PATH_MAX], grp[32];

	if (pf->nsim)
		return 0; /* the VF table stays (nsim_vf_create) */
	vf_pci(pf, i, pci, sizeof(pci));
	dev_rel(pf, pci, devrel, sizeof(devrel));
	dev_rel(pf, pf->pci, pfrel, sizeof(pfrel));
	vf_unbind(sim, pf, i);
	if (vfm_path(path, sizeof(path), "%s/%s/iommu_group", sim->root, devrel) == 0 &&
	    vfm_readlink_base(path, grp, sizeof(grp)) == 0) {
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%s", grp);
		rm_rel(sim, rel);
	}
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pci);
	rm_rel(sim, rel);
	snprintf(rel, sizeof(rel), "%s/virtfn%u", pfrel, i);
	rm_rel(sim, rel);
	rm_rel(sim, devrel);
	if (vf_state_path(sim, pf->pci, i, path, sizeof(path)) == 0)
		unlink(path);
	return 0;
}

static int
parse_count(const char *value, unsigned long *ret)
{
	char *end;

	errno = 0;
	if (*value < '0' || *value > '9')
		return -EINVAL;
	*ret = strtoul(value, &end, 10);
	if (errno || (*end && strcmp(end, "\n") != 0))
		return -EINVAL;
	return 0;
}

/* sriov_numvfs_store() of drivers/pci/iov.c, in the order the kernel checks. */
static int
numvfs_store(struct vfm_ctx *ctx, const struct sim_pf *pf, const char *path, const char *value)
{
	struct sim *sim = sim_of(ctx);
	char busy_rel[PATH_MAX];
	unsigned long n;
	long cur, busy;
	int r = 0;

	if (parse_count(value, &n) < 0)
		return -EINVAL;
	/* Test hook: the next N writes answer EBUSY, as a driver still tearing down does. */
	snprintf(busy_rel, sizeof(busy_rel), SIM_STATE "/pf/%s/busy_numvfs_writes", pf->pci);
	busy = read_rel_long(sim, busy_rel, 0);
	if (busy > 0) {
		put(sim, busy_rel, "%ld", busy - 1);
		return -EBUSY;
	}
	cur = read_rel_long(sim, path + strlen(sim->root) + 1, 0);
	if (pf->nsim) {
		/* nsim_drv_configure_vfs() of drivers/net/netdevsim/dev.c (6.1): no
		 * sriov_totalvfs; above debugfs max_vfs is ENOMEM, checked after EBUSY. */
		if ((unsigned long)cur == n)
			return 0;
		if (cur != 0 && n != 0)
			return -EBUSY;
		if (n > pf->total_vfs)
			return -ENOMEM;
	}
	if (n > pf->total_vfs)
		return -ERANGE;
	if ((unsigned long)cur == n)
		return 0;
	if (n == 0) {
		for (long i = cur - 1; i >= 0; i--)
			vf_destroy(sim, pf, (unsigned int)i);
	} else {
		if (cur != 0)
			return -EBUSY;
		for (unsigned int i = 0; i < n && r == 0; i++)
			r = vf_create(sim, pf, i, pf->vf_autoprobe ? pf->vf_driver : NULL);
		if (r < 0) {
			for (long i = (long)n - 1; i >= 0; i--)
				vf_destroy(sim, pf, (unsigned int)i);
			return r;
		}
	}
	return vfm_write_plain(path, value);
}

/* Resolve the device a driver/bus write names ("0000:3b:10.0"); VFs only in the sim. */
static int
device_by_value(const struct sim *sim, const char *value, const struct sim_pf **ret_pf,
		unsigned int *ret_index, char *devpath, size_t len)
{
	struct vfm_pci_addr a;
	char pci[VFM_PCI_ADDR_STRLEN];

	if (vfm_pci_addr_parse(value, &a) < 0)
		return -EINVAL;
	vfm_pci_addr_format(&a, pci, sizeof(pci));
	*ret_pf = sim_pf_of_vf(sim, pci, ret_index);
	if (!*ret_pf)
		return -ENODEV;
	if (vfm_path(devpath, len, "%s/bus/pci/devices/%s", sim->root, pci) < 0)
		return -ENAMETOOLONG;
	if (access(devpath, F_OK) != 0)
		return -ENODEV;
	return 0;
}

static int
sim_write_attr_locked(struct vfm_ctx *ctx, const char *path, const char *value)
{
	struct sim *sim = sim_of(ctx);
	char dirbuf[PATH_MAX], *dir, *real, base[NAME_MAX + 1];
	const char *slash = strrchr(path, '/');
	int r;

	if (!slash || strlen(path) >= sizeof(dirbuf))
		return -EINVAL;
	snprintf(base, sizeof(base), "%s", slash + 1);
	strcpy(dirbuf, path);
	dir = dirname(dirbuf);
	real = realpath(dir, NULL);
	if (!real)
		return -ENOENT;
	/* Never write outside the simulated tree. */
	if (strncmp(real, sim->root, strlen(sim->root)) != 0 &&
	    strncmp(real, sim->proc, strlen(sim->proc)) != 0) {
		free(real);
		return vfm_fail(ctx, -EPERM, "simulator: '%s' is outside the simulated tree '%s'",
				path, sim->root);
	}

	if (strcmp(base, "sriov_numvfs") == 0) {
		const char *pci = strrchr(real, '/') + 1;
		const struct sim_pf *pf = sim_pf_by_pci(sim, pci);
		char realpath_file[PATH_MAX];

		r = pf ? vfm_path(realpath_file, sizeof(realpath_file), "%s/%s", real, base) : -EIO;
		if (r == 0)
			r = numvfs_store(ctx, pf, realpath_file, value);
	} else if (strcmp(base, "unbind") == 0 || strcmp(base, "bind") == 0 ||
		   strcmp(base, "drivers_probe") == 0) {
		const struct sim_pf *pf;
		unsigned int idx;
		char devpath[PATH_MAX], link[PATH_MAX + 32], cur[64], ovr[64];
		const char *drv = strrchr(real, '/') + 1;

		r = device_by_value(sim, value, &pf, &idx, devpath, sizeof(devpath));
		if (r == 0) {
			snprintf(link, sizeof(link), "%s/driver", devpath);
			if (vfm_readlink_base(link, cur, sizeof(cur)) < 0)
				cur[0] = '\0';
			snprintf(link, sizeof(link), "%s/driver_override", devpath);
			if (vfm_read_attr(link, ovr, sizeof(ovr)) < 0 || strcmp(ovr, "(null)") == 0)
				ovr[0] = '\0';
			if (base[0] == 'u') {
				/* unbind: only from the driver that holds the device */
				r = strcmp(cur, drv) == 0 ? vf_unbind(sim, pf, idx) : -ENODEV;
			} else if (base[0] == 'b') {
				if (cur[0] || (ovr[0] && strcmp(ovr, drv) != 0))
					r = -ENODEV;
				else
					r = vf_bind(sim, pf, idx, drv);
			} else if (!cur[0]) {
				/* drivers_probe: the override wins; no match leaves it unbound. A
				 * VF is probed only with an override or with its PF's
				 * sriov_drivers_autoprobe at 1 (pci_device_can_probe()). */
				char arel[PATH_MAX];

				dev_rel(pf, pf->pci, arel, sizeof(arel));
				strncat(arel, "/sriov_drivers_autoprobe",
					sizeof(arel) - strlen(arel) - 1);
				if (ovr[0] || read_rel_long(sim, arel, 1) != 0)
					r = vf_bind(sim, pf, idx, ovr[0] ? ovr : pf->vf_driver);
				if (r == -ENODEV)
					r = 0;
			}
		}
	} else if (strcmp(base, "driver_override") == 0) {
		char v[64];
		size_t n = strlen(value);

		if (n >= sizeof(v))
			r = -EINVAL;
		else {
			strcpy(v, value);
			while (n > 0 && v[n - 1] == '\n')
				v[--n] = '\0';
			r = vfm_path(dirbuf, sizeof(dirbuf), "%s/%s", real, base);
			if (r == 0)
				r = vfm_write_plain(dirbuf, n ? v : "(null)");
		}
	} else if (strcmp(base, "smp_affinity_list") == 0) {
		struct vfm_cpuset set;
		char list[4096];

		r = vfm_path(dirbuf, sizeof(dirbuf), "%s/nfpath-sim-managed", real);
		if (r == 0 && access(dirbuf, F_OK) == 0)
			r = -EIO;
		else if (r == 0 && vfm_cpulist_parse(value, &set) < 0)
			r = -EINVAL;
		else if (r == 0) {
			vfm_cpuset_format(&set, list, sizeof(list));
			r = vfm_write_plain(path, list);
		}
	} else if (strcmp(base, "mtu") == 0) {
		unsigned long mtu;

		if (parse_count(value, &mtu) < 0 || mtu < 68 || mtu > 65535)
			r = -EINVAL;
		else
			r = vfm_write_plain(path, value);
	} else {
		r = vfm_write_plain(path, value);
	}
	free(real);
	return r;
}

static int
sim_lock(struct sim *sim)
{
	while (flock(sim->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void
sim_unlock(struct sim *sim)
{
	flock(sim->lock_fd, LOCK_UN);
}

static int
sim_write_attr(struct vfm_ctx *ctx, const char *path, const char *value)
{
	struct sim *sim = sim_of(ctx);
	int r;

	r = sim_lock(sim);
	if (r < 0)
		return r;
	r = sim_write_attr_locked(ctx, path, value);
	sim_unlock(sim);
	return r;
}

/* ---- VF state (netlink in the real backend) --------------------------------------------- */

static int
sim_vf_read(const struct sim *sim, const char *pfpci, unsigned int i, struct vfm_vf_config *cfg)
{
	char path[PATH_MAX], text[1024];
	int r;

	r = vf_state_path(sim, pfpci, i, path, sizeof(path));
	if (r < 0)
		return r;
	r = vfm_read_attr(path, text, sizeof(text));
	if (r < 0)
		return r;
	return vfm_vf_config_parse(text, cfg);
}

static int
sim_vf_get_all(struct vfm_ctx *ctx, const struct vfm_pf *pf, struct vfm_vf_config *cfgs, size_t n)
{
	struct sim *sim = sim_of(ctx);
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		memset(&cfgs[i], 0, sizeof(cfgs[i]));
		if (sim_vf_read(sim, pf->id, (unsigned int)i, &cfgs[i]) == 0)
			count++;
		else
			memset(&cfgs[i], 0, sizeof(cfgs[i]));
	}
	return count;
}

static int
sim_vf_set(struct vfm_ctx *ctx, const struct vfm_pf *pf, unsigned int vf,
	   const struct vfm_vf_config *cfg)
{
	struct sim *sim = sim_of(ctx);
	const struct sim_pf *spf = sim_pf_by_pci(sim, pf->id);
	struct vfm_vf_config cur;
	char path[PATH_MAX], text[1024];
	long numvfs;
	char rel[PATH_MAX];
	int r;

	if (!spf)
		return vfm_fail(ctx, -EOPNOTSUPP,
				"'%s': this device cannot configure VFs (simulated)", pf->netdev);
	r = sim_lock(sim);
	if (r < 0)
		return r;
	dev_rel(spf, spf->pci, rel, sizeof(rel));
	strncat(rel, "/sriov_numvfs", sizeof(rel) - strlen(rel) - 1);
	numvfs = read_rel_long(sim, rel, 0);
	/* The checks a driver's ndo_set_vf_* makes, with the errno it answers. */
	if (vf >= (unsigned long)numvfs)
		r = -EINVAL;
	else if (cfg->mask & spf->unsupported)
		r = -EOPNOTSUPP;
	else if ((cfg->mask & VFM_VF_MAC) && vfm_mac_is_multicast(cfg->mac))
		r = -EINVAL;
	else if ((cfg->mask & VFM_VF_VLAN) && (cfg->vlan > 4095 || cfg->qos > 7))
		r = -EINVAL;
	else if ((cfg->mask & VFM_VF_VLAN) && cfg->vlan_proto != VFM_VLAN_PROTO_8021Q &&
		 cfg->vlan_proto != VFM_VLAN_PROTO_8021AD)
		r = -EPROTONOSUPPORT;
	else if ((cfg->mask & VFM_VF_RATE) && cfg->max_tx_rate &&
		 cfg->min_tx_rate > cfg->max_tx_rate)
		r = -EINVAL;
	else if ((cfg->mask & VFM_VF_LINK_STATE) && (unsigned int)cfg->link_state > 2)
		r = -EINVAL;
	if (r == 0)
		r = sim_vf_read(sim, spf->pci, vf, &cur);
	if (r == 0) {
		struct vfm_vf_config want = *cfg;

		/* A driver that accepts a setting and ignores it: only the read-back tells. */
		want.mask &= ~spf->ignored;
		cfg = &want;
		if (cfg->mask & VFM_VF_MAC)
			memcpy(cur.mac, cfg->mac, VFM_MAC_LEN);
		if (cfg->mask & VFM_VF_VLAN) {
			cur.vlan = cfg->vlan;
			cur.qos = cfg->qos;
			cur.vlan_proto = cfg->vlan_proto;
		}
		if (cfg->mask & VFM_VF_SPOOFCHK)
			cur.spoofchk = cfg->spoofchk;
		if (cfg->mask & VFM_VF_TRUST)
			cur.trust = cfg->trust;
		if (cfg->mask & VFM_VF_LINK_STATE)
			cur.link_state = cfg->link_state;
		if (cfg->mask & VFM_VF_RATE) {
			cur.min_tx_rate = cfg->min_tx_rate;
			cur.max_tx_rate = cfg->max_tx_rate;
		}
		cur.mask = VFM_VF_ALL;
		r = vfm_vf_config_format(&cur, text, sizeof(text));
		if (r >= 0)
			r = vf_state_path(sim, spf->pci, vf, path, sizeof(path));
		if (r >= 0)
			r = vfm_write_file_atomic(path, text);
	}
	sim_unlock(sim);
	if (r < 0)
		return vfm_fail(ctx, r, "'%s': configuring VF %u: %s (simulated NIC)", pf->netdev,
				vf, strerror(-r));
	return 0;
}

/* ---- Building the tree ------------------------------------------------------------------ */

static size_t
sim_pf_index(const struct sim *sim, const struct sim_pf *pf)
{
	return (size_t)(pf - sim->pfs);
}

/* A netdevsim device as 6.1 shows it: /sys/devices/netdevsimN on bus netdevsim with
 * sriov_numvfs but no sriov_totalvfs (the limit is debugfs netdevsim/netdevsimN/max_vfs), no
 * NUMA node or CPU list, one port netdev; VFs are netlink state only. */
static int
build_nsim_pf(struct vfm_ctx *ctx, struct sim *sim, const struct sim_pf *pf)
{
	char devrel[96], rel[PATH_MAX], target[PATH_MAX], mac[VFM_MAC_STRLEN];
	int r = 0;

	dev_rel(pf, pf->pci, devrel, sizeof(devrel));
	snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
	r |= put(sim, rel, "0");
	snprintf(rel, sizeof(rel), "%s/new_port", devrel);
	r |= put(sim, rel, "%s", "");
	snprintf(rel, sizeof(rel), "%s/del_port", devrel);
	r |= put(sim, rel, "%s", "");
	snprintf(rel, sizeof(rel), "kernel/debug/netdevsim/%s/max_vfs", pf->pci);
	r |= put(sim, rel, "%u", pf->total_vfs);
	snprintf(rel, sizeof(rel), "%s/subsystem", devrel);
	r |= link_rel(sim, rel, "bus/netdevsim");
	snprintf(rel, sizeof(rel), "bus/netdevsim/devices/%s", pf->pci);
	r |= link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "bus/netdevsim/drivers/%s/%s", pf->driver, pf->pci);
	r |= link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "%s/driver", devrel);
	snprintf(target, sizeof(target), "bus/netdevsim/drivers/%s", pf->driver);
	r |= link_rel(sim, rel, target);
	if (r)
		return -EIO;
	snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x",
		 (unsigned int)(sim_pf_index(sim, pf) >> 8),
		 (unsigned int)(sim_pf_index(sim, pf) & 0xff));
	r = make_netdev(sim, devrel, pf->name, pf->mtu, mac, pf->switchdev);
	for (unsigned int i = 0; i < pf->num_vfs && r == 0; i++)
		r = nsim_vf_create(sim, pf, i);
	if (r == 0 && pf->num_vfs) {
		snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
		r = put(sim, rel, "%u", pf->num_vfs);
	}
	if (r < 0)
		return vfm_fail(ctx, r,
				"simulator: building netdevsim device %s under '%s' failed: %s",
				pf->pci, sim->root, strerror(-r));
	return 0;
}

static int
build_pf(struct vfm_ctx *ctx, struct sim *sim, const struct sim_pf *pf)
{
	char devrel[96], rel[PATH_MAX], target[PATH_MAX], mac[VFM_MAC_STRLEN];
	int r = 0;

	if (pf->nsim)
		return build_nsim_pf(ctx, sim, pf);
	dev_rel(pf, pf->pci, devrel, sizeof(devrel));
	r |= put_pci_ids(sim, devrel, pf, pf->device);
	snprintf(rel, sizeof(rel), "%s/sriov_totalvfs", devrel);
	r |= put(sim, rel, "%u", pf->total_vfs);
	snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
	r |= put(sim, rel, "0");
	snprintf(rel, sizeof(rel), "%s/sriov_offset", devrel);
	r |= put(sim, rel, "%u", pf->vf_offset);
	snprintf(rel, sizeof(rel), "%s/sriov_stride", devrel);
	r |= put(sim, rel, "%u", pf->vf_stride);
	snprintf(rel, sizeof(rel), "%s/sriov_vf_device", devrel);
	r |= put(sim, rel, "%04x", pf->vf_device);
	snprintf(rel, sizeof(rel), "%s/sriov_drivers_autoprobe", devrel);
	r |= put(sim, rel, "%d", pf->vf_autoprobe ? 1 : 0);
	snprintf(rel, sizeof(rel), "%s/driver_override", devrel);
	r |= put(sim, rel, "(null)");
	snprintf(rel, sizeof(rel), "%s/subsystem", devrel);
	r |= link_rel(sim, rel, "bus/pci");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pf->pci);
	r |= link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", pf->driver, pf->pci);
	r |= link_rel(sim, rel, devrel);
	snprintf(rel, sizeof(rel), "%s/driver", devrel);
	snprintf(target, sizeof(target), "bus/pci/drivers/%s", pf->driver);
	r |= link_rel(sim, rel, target);
	snprintf(mac, sizeof(mac), "02:00:00:%02x:%02x:%02x", pf->addr.bus, pf->addr.dev,
		 pf->addr.func);
	if (r)
		return -EIO;
	if (pf->name[0])
		r = make_netdev(sim, devrel, pf->name, pf->mtu, mac, pf->switchdev);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < pf->num_vfs && r == 0; i++)
		r = vf_create(sim, pf, i,
			      (pf->vfio_vfs & (1u << i)) ? "vfio-pci"
			      : pf->vf_autoprobe         ? pf->vf_driver
							 : NULL);
	if (r == 0 && pf->num_vfs) {
		snprintf(rel, sizeof(rel), "%s/sriov_numvfs", devrel);
		r = put(sim, rel, "%u", pf->num_vfs);
	}
	if (r < 0)
		return vfm_fail(ctx, r, "simulator: building PF %s under '%s' failed: %s", pf->pci,
				sim->root, strerror(-r));
	return 0;
}

static int
build_tree(struct vfm_ctx *ctx, struct sim *sim, const char *file)
{
	const char *drivers[] = {"vfio-pci"};
	char rel[PATH_MAX];
	int r = 0;

	r |= put(
		sim, SIM_MARKER,
		"This is a SIMULATED sysfs tree made by nfpath vf-manager from '%s'. It is not real hardware.",
		file);
	r |= put(sim, "bus/pci/drivers_probe", "%s", "");
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/bind", drivers[i]);
		r |= put(sim, rel, "%s", "");
		snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/unbind", drivers[i]);
		r |= put(sim, rel, "%s", "");
	}
	for (size_t i = 0; i < sim->n_pfs; i++) {
		const char *pdrv[] = {sim->pfs[i].driver, sim->pfs[i].vf_driver};

		if (sim->pfs[i].nsim)
			continue;
		for (size_t j = 0; j < 2; j++) {
			snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/bind", pdrv[j]);
			r |= put(sim, rel, "%s", "");
			snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/unbind", pdrv[j]);
			r |= put(sim, rel, "%s", "");
		}
	}
	r |= put(sim, "proc/irq/0/smp_affinity_list", "0");
	r |= put(sim, "proc/irq/0/nfpath-sim-managed", "the timer IRQ (simulated)");
	if (r)
		return vfm_fail(ctx, -EIO, "simulator: cannot write the tree under '%s'",
				sim->root);
	for (size_t i = 0; i < sim->n_pfs; i++) {
		r = build_pf(ctx, sim, &sim->pfs[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool
dir_is_empty(const char *path)
{
	struct dirent *e;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return true;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* Under systemd (INVOCATION_ID is set for every unit) a read-only tree is most likely outside
 * the unit's writable paths (nfpathd.service: ProtectSystem=strict): say which setting to add. */
static const char *
sim_rw_hint(char *buf, size_t len, int err, const char *path)
{
	buf[0] = '\0';
	if ((err == -EROFS || err == -EACCES) && getenv("INVOCATION_ID"))
		snprintf(
			buf, len,
			"; outside this unit's writable paths: add ReadWritePaths=%s in a drop-in "
			"('systemctl edit nfpathd'), or leave sysfs_root unset for the unit's state "
			"directory",
			path);
	return buf;
}

static int
sim_open(struct vfm_ctx *ctx, const struct vfm_options *opts)
{
	char dflt[PATH_MAX], marker[PATH_MAX], lockpath[PATH_MAX], hint[PATH_MAX + 160], *real;
	const char *root = ctx->sysfs_root;
	struct sim *sim;
	bool exists;
	int r;

	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->lock_fd = -1;
	ctx->backend = sim;
	r = sim_load_file(ctx, sim, opts->sim_file);
	if (r < 0)
		return r;
	if (!root) {
		/* Under a unit with StateDirectory= (nfpathd.service: /var/lib/nfpath) the tree
		 * goes there: ProtectSystem=strict leaves little else writable, and PrivateTmp's
		 * /tmp is gone when the unit restarts, with the simulated VFs in it. */
		const char *rt = getenv("XDG_RUNTIME_DIR"), *st = getenv("STATE_DIRECTORY");
		char *copy = strdup(opts->sim_file), *base, *dot;

		if (!copy)
			return -ENOMEM;
		base = basename(copy);
		dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		if (st && st[0] == '/')
			/* The first of its directories (a colon-separated list). */
			r = vfm_path(dflt, sizeof(dflt), "%.*s/sim/%s", (int)strcspn(st, ":"), st,
				     base);
		else
			r = vfm_path(dflt, sizeof(dflt), "%s/nfpath-sim-%u/%s",
				     rt && *rt ? rt : "/tmp", (unsigned int)getuid(), base);
		free(copy);
		if (r < 0)
			return r;
		root = dflt;
		ctx->sysfs_root = strdup(dflt);
		if (!ctx->sysfs_root)
			return -ENOMEM;
	}
	r = vfm_mkdir_p(root);
	if (r < 0)
		return vfm_fail(ctx, r, "simulator: cannot create the tree directory '%s': %s%s",
				root, strerror(-r), sim_rw_hint(hint, sizeof(hint), r, root));
	if (vfm_path(marker, sizeof(marker), "%s/" SIM_MARKER, root) < 0)
		return -ENAMETOOLONG;
	exists = access(marker, F_OK) == 0;
	if (!exists && !dir_is_empty(root))
		return vfm_fail(
			ctx, -ENOTEMPTY,
			"simulator: '%s' is not empty and is not a simulated tree (no " SIM_MARKER
			"); give --sysfs-root an empty or new directory",
			root);
	real = realpath(root, NULL);
	if (!real || strlen(real) >= sizeof(sim->root)) {
		free(real);
		return -ENAMETOOLONG;
	}
	strcpy(sim->root, real);
	free(real);
	snprintf(sim->proc, sizeof(sim->proc), "%.*s/proc", PATH_MAX - 8, sim->root);
	if (!ctx->procfs_root) {
		ctx->procfs_root = strdup(sim->proc);
		if (!ctx->procfs_root)
			return -ENOMEM;
	} else {
		char *p = realpath(ctx->procfs_root, NULL);

		if (p && strlen(p) < sizeof(sim->proc))
			strcpy(sim->proc, p);
		free(p);
	}
	r = vfm_path(lockpath, sizeof(lockpath), "%s/" SIM_STATE, sim->root);
	if (r == 0)
		r = vfm_mkdir_p(lockpath);
	if (r == 0)
		r = vfm_path(lockpath, sizeof(lockpath), "%s/" SIM_STATE "/lock", sim->root);
	if (r < 0)
		return r;
	sim->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (sim->lock_fd < 0) {
		int e = errno;

		return vfm_fail(ctx, -e, "simulator: cannot open '%s': %s%s", lockpath, strerror(e),
				sim_rw_hint(hint, sizeof(hint), -e, sim->root));
	}
	ctx->vf_state_readable = true;

	r = sim_lock(sim);
	if (r < 0)
		return r;
	if (exists && opts->sim_reset) {
		struct dirent *e;
		DIR *d = opendir(sim->root);

		while (d && (e = readdir(d))) {
			char sub[PATH_MAX];

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    strcmp(e->d_name, SIM_STATE) == 0)
				continue;
			if (vfm_path(sub, sizeof(sub), "%s/%s", sim->root, e->d_name) == 0)
				vfm_rm_rf(sub);
		}
		if (d)
			closedir(d);
		/* Keep the lock file; drop the rest of the state. */
		if (vfm_path(marker, sizeof(marker), "%s/" SIM_STATE "/pf", sim->root) == 0)
			vfm_rm_rf(marker);
		for (const char *c = "next_irq\0next_iommu_group\0next_ifindex\0"; *c;
		     c += strlen(c) + 1) {
			char rel[64];

			snprintf(rel, sizeof(rel), SIM_STATE "/%s", c);
			rm_rel(sim, rel);
		}
		exists = false;
	}
	if (!exists)
		r = build_tree(ctx, sim, opts->sim_file);
	sim_unlock(sim);
	vfm_debug("simulator: %zu simulated PFs in '%s' (%s)", sim->n_pfs, sim->root,
		  exists ? "existing tree" : "built now");
	return r;
}

static void
sim_close(struct vfm_ctx *ctx)
{
	struct sim *sim = sim_of(ctx);

	if (!sim)
		return;
	if (sim->lock_fd >= 0)
		close(sim->lock_fd);
	free(sim);
	ctx->backend = NULL;
}

const struct vfm_backend_ops vfm_backend_sim = {
	.name = "sim",
	.simulated = true,
	.open = sim_open,
	.close = sim_close,
	.write_attr = sim_write_attr,
	.vf_get_all = sim_vf_get_all,
	.vf_set = sim_vf_set,
};
