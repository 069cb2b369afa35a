// SPDX-License-Identifier: BSD-3-Clause
/*
 * The simulated NIC's description file (JSON, see README.md "The simulated NIC"): strict
 * parsing into struct sim, every error naming the file, the field and the fix. Used by
 * backend-sim.c when a context opens, and by the fuzzer through vfm_sim_parse().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "backend-sim.h"

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
		if (strcmp(key, "netdevs") == 0) {
			if (!json_is_boolean(v))
				return json_fail(ctx, file, key, "expected true or false");
			sim->netdevs = json_is_true(v);
			continue;
		}
		return json_fail(ctx, file, key,
				 "unknown field (known: pfs, irq_base, netdevs, comment)");
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
		if (vfm_sim_net_pf(sim, &sim->pfs[i]) &&
		    strlen(sim->pfs[i].name) > SIM_NET_PF_NAME_MAX) {
			char where[32];

			snprintf(where, sizeof(where), "pfs[%zu].name", i);
			return json_fail(ctx, file, where,
					 "'%s' is longer than %d characters, too long with "
					 "\"netdevs\" (its netdevs are NAME-cable, NAMEv63, ...)",
					 sim->pfs[i].name, SIM_NET_PF_NAME_MAX);
		}
	}
	return 0;
}

int
vfm_sim_load_file(struct vfm_ctx *ctx, struct sim *sim, const char *file)
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
