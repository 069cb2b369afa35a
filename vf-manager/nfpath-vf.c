// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpath-vf: the operator's tool over vf-manager (think 'ip link ... vf' plus discovery).
 * list, numvfs, set, bind, restore and pin, against the live system, a sysfs fixture
 * (--sysfs-root) or a simulated NIC (--sim FILE). 'set' and 'bind' save the VF's original state
 * (under --state-dir) before the first change; 'restore' puts it back. Man page: nfpath-vf(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "nfpath/base-file.h"
#include "nfpath/base-util.h"
#include "nfpath/vfm.h"

#define EXIT_USAGE 2

static bool opt_json;

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: nfpath-vf [OPTIONS] COMMAND ...\n"
		"Commands:\n"
		"  list                                 PFs and VFs with everything discovery found\n"
		"  numvfs PF N [--force] [--direct]     set the number of VFs (0 first, as the kernel wants)\n"
		"  set PF VF [mac M] [vlan V] [qos Q] [proto 802.1Q|802.1ad] [spoofchk on|off]\n"
		"         [trust on|off] [state auto|enable|disable] [min_rate R] [max_rate R]\n"
		"  bind PF VF vfio-pci|kernel|DRIVER    bind a VF to vfio-pci, back to its kernel driver,\n"
		"                                       or to the driver named\n"
		"  restore PF VF                        put back the state saved before the first change\n"
		"  pin PF VF CPULIST                    pin the VF's IRQs (managed IRQs are reported)\n"
		"Options:\n"
		"  --sysfs-root DIR    sysfs root (default /sys; with --sim: the simulated tree)\n"
		"  --procfs-root DIR   procfs root for /proc/irq (default /proc)\n"
		"  --sim FILE          use the simulated SR-IOV NIC described in FILE (JSON)\n"
		"  --sim-reset         rebuild the simulated tree from FILE\n"
		"  --state-dir DIR     where original VF states are saved (default /run/nfpath/vf-saved)\n"
		"  --timeout MS        time-out of one sysfs write (default 10000)\n"
		"  --json              machine-readable output\n"
		"  --debug             print vf-manager's debug messages on stderr\n"
		"  -h, --help          this text\n"
		"PF is a netdev name or a PCI address; VF is the VF index.\n");
}

static int print_debug(enum vfm_print_level level, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));

static int
print_debug(enum vfm_print_level level, const char *fmt, va_list args)
{
	(void)level;
	fputs("nfpath-vf: debug: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	return 0;
}

static int
fail(struct vfm_ctx *ctx, int r, const char *what)
{
	const char *msg = ctx ? vfm_ctx_last_error(ctx) : "";

	if (opt_json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:i}", "ok", 0, "operation", what, "error",
				      msg[0] ? msg : strerror(-r), "errno", -r);

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	}
	fprintf(stderr, "nfpath-vf: %s: %s\n", what, msg[0] ? msg : strerror(-r));
	return 1;
}

static void
print_ok(const char *what, const char *detail)
{
	if (opt_json) {
		json_t *o =
			json_pack("{s:b, s:s, s:s}", "ok", 1, "operation", what, "detail", detail);

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("%s\n", detail);
	}
}

/* ---- list ------------------------------------------------------------------------------- */

static json_t *
problems_json(const char *problems)
{
	json_t *a = json_array();
	const char *p = problems;

	while (p && *p) {
		const char *sep = strstr(p, "; ");
		size_t len = sep ? (size_t)(sep - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, len));
		p = sep ? sep + 2 : NULL;
	}
	return a;
}

static json_t *
state_json(const struct vfm_vf *vf)
{
	const struct vfm_vf_config *c = &vf->state;
	char mac[VFM_MAC_STRLEN];
	json_t *o;

	if (!vf->state_valid)
		return json_null();
	o = json_object();
	if (c->mask & VFM_VF_MAC) {
		vfm_mac_format(c->mac, mac, sizeof(mac));
		json_object_set_new(o, "mac", json_string(mac));
	}
	if (c->mask & VFM_VF_VLAN) {
		json_object_set_new(o, "vlan", json_integer(c->vlan));
		json_object_set_new(o, "qos", json_integer(c->qos));
		json_object_set_new(o, "vlan_proto",
				    json_string(vfm_vlan_proto_name(c->vlan_proto)));
	}
	if (c->mask & VFM_VF_SPOOFCHK)
		json_object_set_new(o, "spoofchk", json_boolean(c->spoofchk));
	if (c->mask & VFM_VF_TRUST)
		json_object_set_new(o, "trust", json_boolean(c->trust));
	if (c->mask & VFM_VF_LINK_STATE)
		json_object_set_new(o, "link_state",
				    json_string(vfm_link_state_name(c->link_state)));
	if (c->mask & VFM_VF_RATE) {
		json_object_set_new(o, "min_tx_rate", json_integer(c->min_tx_rate));
		json_object_set_new(o, "max_tx_rate", json_integer(c->max_tx_rate));
	}
	return o;
}

static json_t *
str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static json_t *
int_or_null(long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *
vf_json(const struct vfm_vf *vf)
{
	json_t *o = json_object(), *irqs = json_array();

	for (size_t i = 0; i < vf->n_irqs; i++)
		json_array_append_new(irqs, json_integer(vf->irqs[i]));
	json_object_set_new(o, "index", json_integer(vf->index));
	json_object_set_new(o, "pci", str_or_null(vf->has_pci ? vf->pci : NULL));
	json_object_set_new(o, "driver", str_or_null(vf->driver));
	json_object_set_new(o, "netdev", str_or_null(vf->netdev));
	json_object_set_new(o, "iommu_group", int_or_null(vf->iommu_group));
	json_object_set_new(o, "irqs", irqs);
	json_object_set_new(o, "mtu", int_or_null(vf->mtu));
	json_object_set_new(o, "state", state_json(vf));
	json_object_set_new(o, "problems", problems_json(vf->problems));
	return o;
}

static json_t *
pf_json(const struct vfm_pf *pf)
{
	json_t *o = json_object(), *vfs = json_array();
	char buf[4096];

	json_object_set_new(o, "id", json_string(pf->id));
	json_object_set_new(o, "bus", json_string(pf->bus));
	json_object_set_new(o, "simulated", json_boolean(pf->simulated));
	json_object_set_new(o, "netdev", str_or_null(pf->netdev));
	json_object_set_new(o, "ifindex", pf->ifindex ? json_integer(pf->ifindex) : json_null());
	snprintf(buf, sizeof(buf), "0x%04x", pf->vendor);
	json_object_set_new(o, "vendor", pf->vendor ? json_string(buf) : json_null());
	snprintf(buf, sizeof(buf), "0x%04x", pf->device);
	json_object_set_new(o, "device", pf->device ? json_string(buf) : json_null());
	snprintf(buf, sizeof(buf), "0x%06x", pf->class_code);
	json_object_set_new(o, "class", pf->class_code ? json_string(buf) : json_null());
	json_object_set_new(o, "driver", str_or_null(pf->driver));
	json_object_set_new(o, "sriov", json_boolean(pf->sriov_capable));
	json_object_set_new(o, "total_vfs", int_or_null(pf->total_vfs));
	json_object_set_new(o, "num_vfs", int_or_null(pf->num_vfs));
	json_object_set_new(o, "numa_node", json_integer(pf->numa_node));
	if (pf->local_cpus_valid && vfm_cpuset_format(&pf->local_cpus, buf, sizeof(buf)) >= 0)
		json_object_set_new(o, "local_cpus", json_string(buf));
	else
		json_object_set_new(o, "local_cpus", json_null());
	json_object_set_new(o, "operstate", str_or_null(pf->operstate));
	json_object_set_new(o, "mtu", int_or_null(pf->mtu));
	json_object_set_new(o, "eswitch_mode", str_or_null(pf->eswitch_mode));
	for (size_t i = 0; i < pf->n_vfs; i++)
		json_array_append_new(vfs, vf_json(&pf->vfs[i]));
	json_object_set_new(o, "vfs", vfs);
	json_object_set_new(o, "problems", problems_json(pf->problems));
	return o;
}

static void
print_problems(const char *indent, const char *problems)
{
	const char *p = problems;

	while (p && *p) {
		const char *sep = strstr(p, "; ");
		int len = sep ? (int)(sep - p) : (int)strlen(p);

		printf("%s! %.*s\n", indent, len, p);
		p = sep ? sep + 2 : NULL;
	}
}

static void
print_pf_text(const struct vfm_pf *pf)
{
	char cpus[4096] = "?";

	if (pf->local_cpus_valid)
		vfm_cpuset_format(&pf->local_cpus, cpus, sizeof(cpus));
	printf("PF %s%s netdev %s driver %s", pf->id, pf->simulated ? " (simulated)" : "",
	       pf->netdev[0] ? pf->netdev : "-", pf->driver[0] ? pf->driver : "-");
	if (pf->vendor)
		printf(" id %04x:%04x", pf->vendor, pf->device);
	if (strcmp(pf->bus, "pci") != 0)
		printf(" bus %s", pf->bus);
	printf("\n   numa_node %d local_cpus %s", pf->numa_node, cpus);
	if (pf->sriov_capable)
		printf(" vfs %d/%d", pf->num_vfs, pf->total_vfs);
	else
		printf(" no-sriov");
	printf(" link %s mtu %d", pf->operstate[0] ? pf->operstate : "?", pf->mtu);
	if (pf->eswitch_mode[0])
		printf(" eswitch %s", pf->eswitch_mode);
	printf("\n");
	print_problems("   ", pf->problems);
	for (size_t i = 0; i < pf->n_vfs; i++) {
		const struct vfm_vf *vf = &pf->vfs[i];

		printf("   VF %u %s driver %s netdev %s iommu_group ", vf->index,
		       vf->has_pci ? vf->pci : "-", vf->driver[0] ? vf->driver : "-",
		       vf->netdev[0] ? vf->netdev : "-");
		if (vf->iommu_group >= 0)
			printf("%d", vf->iommu_group);
		else
			printf("-");
		printf(" irqs ");
		for (size_t j = 0; j < vf->n_irqs; j++)
			printf("%s%u", j ? "," : "", vf->irqs[j]);
		if (!vf->n_irqs)
			printf("-");
		printf("\n");
		if (vf->state_valid) {
			const struct vfm_vf_config *c = &vf->state;
			char mac[VFM_MAC_STRLEN];

			vfm_mac_format(c->mac, mac, sizeof(mac));
			printf("      mac %s vlan %u qos %u proto %s spoofchk %s trust %s state %s min_rate %u max_rate %u\n",
			       mac, c->vlan, c->qos, vfm_vlan_proto_name(c->vlan_proto),
			       c->spoofchk ? "on" : "off", c->trust ? "on" : "off",
			       vfm_link_state_name(c->link_state), c->min_tx_rate, c->max_tx_rate);
		}
		print_problems("      ", vf->problems);
	}
}

static int
cmd_list(struct vfm_ctx *ctx)
{
	struct vfm_inventory *inv;
	int r;

	r = vfm_inventory_load(ctx, &inv);
	if (r < 0)
		return fail(ctx, r, "list");
	if (opt_json) {
		json_t *o = json_object(), *pfs = json_array();

		json_object_set_new(o, "backend", json_string(inv->backend));
		json_object_set_new(o, "simulated", json_boolean(inv->simulated));
		json_object_set_new(o, "sysfs_root", json_string(vfm_ctx_sysfs_root(ctx)));
		json_object_set_new(o, "procfs_root", json_string(vfm_ctx_procfs_root(ctx)));
		for (size_t i = 0; i < inv->n_pfs; i++)
			json_array_append_new(pfs, pf_json(&inv->pfs[i]));
		json_object_set_new(o, "pfs", pfs);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		if (inv->simulated)
			printf("SIMULATED SR-IOV NIC (not real hardware): tree '%s'\n",
			       vfm_ctx_sysfs_root(ctx));
		if (inv->n_pfs == 0)
			printf("no SR-IOV PFs or network PCI functions under '%s'\n",
			       vfm_ctx_sysfs_root(ctx));
		for (size_t i = 0; i < inv->n_pfs; i++)
			print_pf_text(&inv->pfs[i]);
	}
	vfm_inventory_free(inv);
	return 0;
}

/* ---- helpers for the change commands ---------------------------------------------------- */

static int
parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long long v;

	if (base_parse_uint(s, 0, max, &v) < 0)
		return -EINVAL;
	*ret = (unsigned long)v;
	return 0;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nfpath-vf: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see nfpath-vf --help)\n");
	return EXIT_USAGE;
}

/* Path of the saved state of PF/VF: STATE_DIR/PFID-vfN. */
static int
saved_path(struct vfm_ctx *ctx, const char *state_dir, const char *pfname, unsigned int vf,
	   char *buf, size_t len)
{
	struct vfm_pf *pf;
	int r, n;

	r = vfm_pf_load(ctx, pfname, &pf);
	if (r < 0)
		return r;
	n = snprintf(buf, len, "%s/%s-vf%u", state_dir, pf->id, vf);
	vfm_pf_free(pf);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Save the VF's original state unless a saved state already exists. */
static int
save_once(struct vfm_ctx *ctx, const char *state_dir, const char *pf, unsigned int vf)
{
	struct vfm_vf_saved saved;
	char path[4096], text[2048];
	int r;

	r = saved_path(ctx, state_dir, pf, vf, path, sizeof(path));
	if (r < 0)
		return r;
	if (access(path, F_OK) == 0)
		return 0;
	r = vfm_vf_save(ctx, pf, vf, &saved);
	if (r < 0)
		return r;
	r = vfm_vf_saved_format(&saved, text, sizeof(text));
	if (r < 0)
		return r;
	r = base_mkdir_p(state_dir, 0755);
	if (r < 0) {
		fprintf(stderr, "nfpath-vf: cannot create state directory '%s': %s\n", state_dir,
			strerror(-r));
		return r;
	}
	/* Durable and whole (temporary file, fsync, link, fsync of the directory): a crash never
	 * leaves a torn record that would block saving it again, and the first original wins. */
	r = base_write_file_once(path, text, strlen(text), 0644);
	if (r == -EEXIST)
		return 0;
	if (r < 0) {
		fprintf(stderr, "nfpath-vf: cannot save the original state to '%s': %s\n", path,
			strerror(-r));
		return r;
	}
	return 0;
}

/* ---- numvfs, set, bind, restore, pin ---------------------------------------------------- */

static int
cmd_numvfs(struct vfm_ctx *ctx, int argc, char **argv, unsigned int flags)
{
	unsigned long n;
	char detail[128];
	int r;

	if (argc != 2)
		return usage_error("numvfs wants PF N");
	if (parse_uint(argv[1], 4096, &n) < 0)
		return usage_error("numvfs: '%s' is not a VF count", argv[1]);
	r = vfm_pf_set_num_vfs(ctx, argv[0], (unsigned int)n, flags);
	if (r < 0)
		return fail(ctx, r, "numvfs");
	snprintf(detail, sizeof(detail), "%s: %lu VFs", argv[0], n);
	print_ok("numvfs", detail);
	return 0;
}

static int
parse_set_args(int argc, char **argv, struct vfm_vf_config *cfg)
{
	unsigned long v;

	memset(cfg, 0, sizeof(*cfg));
	cfg->vlan_proto = VFM_VLAN_PROTO_8021Q;
	if (argc % 2 != 0)
		return usage_error("set: '%s' has no value", argv[argc - 1]);
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *val = argv[i + 1];

		if (strcmp(k, "mac") == 0) {
			if (vfm_mac_parse(val, cfg->mac) < 0)
				return usage_error("set: mac '%s' is not xx:xx:xx:xx:xx:xx", val);
			cfg->mask |= VFM_VF_MAC;
		} else if (strcmp(k, "vlan") == 0) {
			if (parse_uint(val, 4095, &v) < 0)
				return usage_error("set: vlan '%s' is out of range (0-4095)", val);
			cfg->vlan = (uint16_t)v;
			cfg->mask |= VFM_VF_VLAN;
		} else if (strcmp(k, "qos") == 0) {
			if (parse_uint(val, 7, &v) < 0)
				return usage_error("set: qos '%s' is out of range (0-7)", val);
			cfg->qos = (uint8_t)v;
			cfg->mask |= VFM_VF_VLAN;
		} else if (strcmp(k, "proto") == 0) {
			if (vfm_vlan_proto_parse(val, &cfg->vlan_proto) < 0)
				return usage_error("set: proto '%s' is not 802.1Q or 802.1ad", val);
			cfg->mask |= VFM_VF_VLAN;
		} else if (strcmp(k, "spoofchk") == 0 || strcmp(k, "trust") == 0) {
			bool on;

			if (strcmp(val, "on") == 0)
				on = true;
			else if (strcmp(val, "off") == 0)
				on = false;
			else
				return usage_error("set: '%s' is not on or off", val);
			if (k[0] == 's') {
				cfg->spoofchk = on;
				cfg->mask |= VFM_VF_SPOOFCHK;
			} else {
				cfg->trust = on;
				cfg->mask |= VFM_VF_TRUST;
			}
		} else if (strcmp(k, "state") == 0) {
			if (vfm_link_state_parse(val, &cfg->link_state) < 0)
				return usage_error("set: state '%s' is not auto, enable or disable",
						   val);
			cfg->mask |= VFM_VF_LINK_STATE;
		} else if (strcmp(k, "min_rate") == 0 || strcmp(k, "max_rate") == 0) {
			if (parse_uint(val, UINT32_MAX, &v) < 0)
				return usage_error("set: rate '%s' is not a number of Mbit/s", val);
			if (k[1] == 'i')
				cfg->min_tx_rate = (uint32_t)v;
			else
				cfg->max_tx_rate = (uint32_t)v;
			cfg->mask |= VFM_VF_RATE;
		} else {
			return usage_error("set: unknown setting '%s'", k);
		}
	}
	if (!cfg->mask)
		return usage_error("set: nothing to set");
	return 0;
}

static int
cmd_set(struct vfm_ctx *ctx, const char *state_dir, int argc, char **argv)
{
	struct vfm_vf_config cfg, cur;
	unsigned long vf;
	char detail[160];
	int r;

	if (argc < 2)
		return usage_error("set wants PF VF SETTING VALUE ...");
	if (parse_uint(argv[1], 65535, &vf) < 0)
		return usage_error("set: '%s' is not a VF index", argv[1]);
	r = parse_set_args(argc - 2, argv + 2, &cfg);
	if (r)
		return r;
	/* Fields given partly keep their current values (min or max rate alone; qos alone). */
	if ((cfg.mask & (VFM_VF_RATE | VFM_VF_VLAN)) &&
	    vfm_vf_get_config(ctx, argv[0], (unsigned int)vf, &cur) == 0) {
		bool has_min = false, has_max = false, has_vlan = false, has_qos = false,
		     has_proto = false;

		for (int i = 2; i + 1 < argc; i += 2) {
			has_min |= strcmp(argv[i], "min_rate") == 0;
			has_max |= strcmp(argv[i], "max_rate") == 0;
			has_vlan |= strcmp(argv[i], "vlan") == 0;
			has_qos |= strcmp(argv[i], "qos") == 0;
			has_proto |= strcmp(argv[i], "proto") == 0;
		}
		if ((cfg.mask & VFM_VF_RATE) && !has_min)
			cfg.min_tx_rate = cur.min_tx_rate;
		if ((cfg.mask & VFM_VF_RATE) && !has_max)
			cfg.max_tx_rate = cur.max_tx_rate;
		/* As with 'ip link ... vf N vlan V': qos 0 and 802.1Q unless given; qos or proto
		 * alone keep the current VLAN. */
		if ((cfg.mask & VFM_VF_VLAN) && !has_vlan) {
			cfg.vlan = cur.vlan;
			if (!has_qos)
				cfg.qos = cur.qos;
			if (!has_proto)
				cfg.vlan_proto = cur.vlan_proto;
		}
	}
	r = save_once(ctx, state_dir, argv[0], (unsigned int)vf);
	if (r < 0)
		return fail(ctx, r, "set (saving the original state)");
	r = vfm_vf_set_config(ctx, argv[0], (unsigned int)vf, &cfg);
	if (r < 0)
		return fail(ctx, r, "set");
	snprintf(detail, sizeof(detail), "%s VF %lu: set and verified", argv[0], vf);
	print_ok("set", detail);
	return 0;
}

static int
cmd_bind(struct vfm_ctx *ctx, const char *state_dir, int argc, char **argv)
{
	unsigned long vf;
	char detail[160];
	int r;

	if (argc != 3)
		return usage_error("bind wants PF VF vfio-pci|kernel|DRIVER");
	if (parse_uint(argv[1], 65535, &vf) < 0)
		return usage_error("bind: '%s' is not a VF index", argv[1]);
	r = save_once(ctx, state_dir, argv[0], (unsigned int)vf);
	if (r < 0)
		return fail(ctx, r, "bind (saving the original state)");
	r = vfm_vf_bind(ctx, argv[0], (unsigned int)vf, argv[2]);
	if (r < 0)
		return fail(ctx, r, "bind");
	snprintf(detail, sizeof(detail), "%s VF %lu: bound to %s", argv[0], vf, argv[2]);
	print_ok("bind", detail);
	return 0;
}

static int
cmd_restore(struct vfm_ctx *ctx, const char *state_dir, int argc, char **argv)
{
	struct vfm_vf_saved saved;
	char path[4096], text[4096], detail[160];
	unsigned long vf;
	unsigned int line = 0;
	size_t n;
	FILE *f;
	int r;

	if (argc != 2)
		return usage_error("restore wants PF VF");
	if (parse_uint(argv[1], 65535, &vf) < 0)
		return usage_error("restore: '%s' is not a VF index", argv[1]);
	r = saved_path(ctx, state_dir, argv[0], (unsigned int)vf, path, sizeof(path));
	if (r < 0)
		return fail(ctx, r, "restore");
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr,
			"nfpath-vf: restore: no saved state '%s' (%s); nfpath-vf saves it on the first 'set' or 'bind'\n",
			path, strerror(errno));
		return 1;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	r = vfm_vf_saved_parse(text, &saved, &line);
	if (r < 0) {
		fprintf(stderr,
			"nfpath-vf: restore: %s:%u: not a saved VF state; remove the file\n", path,
			line);
		return 1;
	}
	r = vfm_vf_restore(ctx, &saved);
	if (r < 0)
		return fail(ctx, r, "restore");
	unlink(path);
	snprintf(detail, sizeof(detail), "%s VF %lu: restored", argv[0], vf);
	print_ok("restore", detail);
	return 0;
}

static int
cmd_pin(struct vfm_ctx *ctx, int argc, char **argv)
{
	struct vfm_cpuset cpus;
	unsigned int pinned = 0, managed = 0;
	unsigned long vf;
	char detail[160];
	int r;

	if (argc != 3)
		return usage_error("pin wants PF VF CPULIST");
	if (parse_uint(argv[1], 65535, &vf) < 0)
		return usage_error("pin: '%s' is not a VF index", argv[1]);
	if (vfm_cpulist_parse(argv[2], &cpus) < 0)
		return usage_error("pin: '%s' is not a CPU list like 0-3,8", argv[2]);
	r = vfm_vf_pin_irqs(ctx, argv[0], (unsigned int)vf, &cpus, &pinned, &managed);
	if (r < 0)
		return fail(ctx, r, "pin");
	snprintf(detail, sizeof(detail), "%s VF %lu: %u IRQs pinned to %s, %u kernel-managed",
		 argv[0], vf, pinned, argv[2], managed);
	print_ok("pin", detail);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"sysfs-root", required_argument, NULL, 's'},
		{"procfs-root", required_argument, NULL, 'p'},
		{"sim", required_argument, NULL, 'S'},
		{"sim-reset", no_argument, NULL, 'R'},
		{"state-dir", required_argument, NULL, 'd'},
		{"timeout", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"debug", no_argument, NULL, 'D'},
		{"force", no_argument, NULL, 'f'},
		{"direct", no_argument, NULL, 'x'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vfm_options opts = {0};
	const char *state_dir = NULL;
	char state_buf[4096], *err = NULL;
	unsigned int flags = 0;
	struct vfm_ctx *ctx = NULL;
	const char *cmd;
	unsigned long ms;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opts.sysfs_root = optarg;
			break;
		case 'p':
			opts.procfs_root = optarg;
			break;
		case 'S':
			opts.sim_file = optarg;
			break;
		case 'R':
			opts.sim_reset = true;
			break;
		case 'd':
			state_dir = optarg;
			break;
		case 't':
			if (parse_uint(optarg, 3600000, &ms) < 0 || ms == 0)
				return usage_error("--timeout '%s' is not 1-3600000 ms", optarg);
			opts.write_timeout_ms = (unsigned int)ms;
			break;
		case 'j':
			opt_json = true;
			break;
		case 'D':
			vfm_set_print(print_debug);
			break;
		case 'f':
			flags |= VFM_NUMVFS_FORCE;
			break;
		case 'x':
			flags |= VFM_NUMVFS_DIRECT;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "list") != 0 && strcmp(cmd, "numvfs") != 0 && strcmp(cmd, "set") != 0 &&
	    strcmp(cmd, "bind") != 0 && strcmp(cmd, "restore") != 0 && strcmp(cmd, "pin") != 0)
		return usage_error("unknown command '%s'", cmd);

	r = vfm_ctx_new(&opts, &ctx, &err);
	if (r < 0) {
		fprintf(stderr, "nfpath-vf: %s\n", err ? err : strerror(-r));
		free(err);
		return 1;
	}
	if (!state_dir) {
		if (vfm_ctx_is_simulated(ctx)) {
			snprintf(state_buf, sizeof(state_buf), "%s/nfpath-sim/saved",
				 vfm_ctx_sysfs_root(ctx));
			state_dir = state_buf;
		} else {
			state_dir = "/run/nfpath/vf-saved";
		}
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "list") == 0)
		r = argc ? usage_error("list takes no arguments (got '%s')", argv[0])
			 : cmd_list(ctx);
	else if (strcmp(cmd, "numvfs") == 0)
		r = cmd_numvfs(ctx, argc, argv, flags);
	else if (strcmp(cmd, "set") == 0)
		r = cmd_set(ctx, state_dir, argc, argv);
	else if (strcmp(cmd, "bind") == 0)
		r = cmd_bind(ctx, state_dir, argc, argv);
	else if (strcmp(cmd, "restore") == 0)
		r = cmd_restore(ctx, state_dir, argc, argv);
	else
		r = cmd_pin(ctx, argc, argv);
	vfm_ctx_free(ctx);
	return r;
}
