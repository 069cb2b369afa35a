// SPDX-License-Identifier: BSD-3-Clause
/*
 * vfm-kernel-check: vf-manager's real backend against a real kernel, run inside the
 * kernel-lab guest (QEMU with netdevsim and an emulated NVMe SR-IOV PF). Standalone: it links
 * vf-manager only and prints TAP ("ok N - text" / "not ok N - text", then "1..N"); exit 0 when
 * all are ok, 1 otherwise, 2 on a usage error.
 *
 *   vfm-kernel-check [--netdevsim-pf IFNAME] [--nvme-pf PCI_ADDR]
 *                    [--sysfs-root DIR] [--procfs-root DIR] [--sim FILE]
 *
 * --sim FILE runs the same checks against vf-manager's simulated NIC (the tree goes under
 * --sysfs-root): a dry run of this program's own logic where no lab kernel is available.
 *
 * --netdevsim-pf: a netdevsim PF with sriov_totalvfs >= 4 and 0 VFs. Creates 4 VFs, sets and
 *   reads back every VF setting on each, checks the out-of-range VF error, saves and restores
 *   a VF exactly, asks the kernel for 4 -> 5 VFs directly, and removes the VFs.
 * --nvme-pf: an SR-IOV PCI PF (QEMU's emulated NVMe). Discovery through real sysfs (virtfnN,
 *   physfn, IOMMU group, NUMA node, local_cpulist), numvfs 0 -> 2 -> 0 with the 0-first rule,
 *   vfio-pci binding and back, and the VF's MSI-X IRQs pinned through /proc/irq (a managed
 *   IRQ's refusal is reported as managed, not as a failure).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "nfpath/vfm.h"

/* Where meson built nfpath-vf and put the lab's equivalent NIC file (copied into the guest at
 * these paths by the runner's --with); --nfpath-vf and --sim-lab override them. */
#ifndef VFM_CHECK_NFPATH_VF
#define VFM_CHECK_NFPATH_VF ""
#endif
#ifndef VFM_CHECK_SIM_LAB
#define VFM_CHECK_SIM_LAB ""
#endif

static unsigned int n_tests, n_failed;

static bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	printf("%sok %u - ", cond ? "" : "not ", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static void
skip(const char *fmt, const char *why)
{
	n_tests++;
	printf("ok %u - %s # SKIP %s\n", n_tests, fmt, why);
}

static const char *
err(struct vfm_ctx *ctx, int r)
{
	static char buf[600];

	snprintf(buf, sizeof(buf), "%d %s", r, r < 0 ? vfm_ctx_last_error(ctx) : "");
	return buf;
}

static bool
cfg_equal(const struct vfm_vf_config *want, const struct vfm_vf_config *got, char *why, size_t len)
{
	char a[VFM_MAC_STRLEN], b[VFM_MAC_STRLEN];

	why[0] = '\0';
	if ((want->mask & VFM_VF_MAC) && memcmp(want->mac, got->mac, VFM_MAC_LEN) != 0) {
		vfm_mac_format(want->mac, a, sizeof(a));
		vfm_mac_format(got->mac, b, sizeof(b));
		snprintf(why, len, "mac %s != %s", b, a);
	} else if ((want->mask & VFM_VF_VLAN) &&
		   (want->vlan != got->vlan || want->qos != got->qos)) {
		snprintf(why, len, "vlan/qos %u/%u != %u/%u", got->vlan, got->qos, want->vlan,
			 want->qos);
	} else if ((want->mask & VFM_VF_SPOOFCHK) && want->spoofchk != got->spoofchk) {
		snprintf(why, len, "spoofchk %d != %d", got->spoofchk, want->spoofchk);
	} else if ((want->mask & VFM_VF_TRUST) && want->trust != got->trust) {
		snprintf(why, len, "trust %d != %d", got->trust, want->trust);
	} else if ((want->mask & VFM_VF_LINK_STATE) && want->link_state != got->link_state) {
		snprintf(why, len, "link state %s != %s", vfm_link_state_name(got->link_state),
			 vfm_link_state_name(want->link_state));
	} else if ((want->mask & VFM_VF_RATE) && (want->min_tx_rate != got->min_tx_rate ||
						  want->max_tx_rate != got->max_tx_rate)) {
		snprintf(why, len, "rate %u-%u != %u-%u", got->min_tx_rate, got->max_tx_rate,
			 want->min_tx_rate, want->max_tx_rate);
	}
	return why[0] == '\0';
}

/* Simulated run (--sim): no kernel behind the tree, `ip` cannot see it. */
static bool simulated;
static const char *sysfs_root = "/sys";

/* A number read straight from a sysfs/debugfs file, not through vf-manager; -1000 if none. */
static long read_long_file(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static long
read_long_file(const char *fmt, ...)
{
	char path[4200], buf[64];
	va_list ap;
	long v = -1000;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "r");
	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f)) {
		char *end;
		long x = strtol(buf, &end, 10);

		if (end != buf && (*end == '\n' || *end == '\0'))
			v = x;
	}
	fclose(f);
	return v;
}

/* The `vf N ...` line of `ip -d link show dev IFNAME` (iproute2 reading the kernel's netlink
 * answer itself): true when found. */
static bool
ip_vf_line(const char *ifname, unsigned int vf, char *line, size_t len)
{
	char cmd[128], buf[2048], want[16];
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s -d link show dev %s 2>&1",
		 access("/usr/bin/ip", X_OK) == 0 ? "/usr/bin/ip" : "ip", ifname);
	snprintf(want, sizeof(want), "vf %u ", vf);
	line[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f)) {
		const char *p = buf + strspn(buf, " \t");

		if (!found && strncmp(p, want, strlen(want)) == 0) {
			snprintf(line, len, "%s", p);
			line[strcspn(line, "\n")] = '\0';
			found = true;
		}
	}
	pclose(f);
	return found;
}

/* Every field of cfg in an `ip -d link show` VF line; why names the first one missing. */
static bool
ip_line_matches(const char *line, const struct vfm_vf_config *cfg, char *why, size_t len)
{
	char want[6][64], mac[VFM_MAC_STRLEN];

	vfm_mac_format(cfg->mac, mac, sizeof(mac));
	snprintf(want[0], sizeof(want[0]), "link/ether %s", mac);
	snprintf(want[1], sizeof(want[1]), "vlan %u, qos %u", cfg->vlan, cfg->qos);
	snprintf(want[2], sizeof(want[2]), "spoof checking %s", cfg->spoofchk ? "on" : "off");
	snprintf(want[3], sizeof(want[3]), "link-state %s", vfm_link_state_name(cfg->link_state));
	snprintf(want[4], sizeof(want[4]), "trust %s", cfg->trust ? "on" : "off");
	snprintf(want[5], sizeof(want[5]), "max_tx_rate %uMbps", cfg->max_tx_rate);
	/* iproute2 prints no vlan 0 and no rate 0. */
	if (cfg->vlan == 0)
		want[1][0] = '\0';
	if (cfg->max_tx_rate == 0)
		want[5][0] = '\0';
	for (unsigned int i = 0; i < 6; i++) {
		if (want[i][0] && !strstr(line, want[i])) {
			snprintf(why, len, "no '%s' in '%s'", want[i], line);
			return false;
		}
	}
	snprintf(why, len, "%s", line);
	return true;
}

/* ---- real discovery vs the simulator ------------------------------------------------------- */

static const char *nfpath_vf = VFM_CHECK_NFPATH_VF;
static const char *sim_lab = VFM_CHECK_SIM_LAB;
static const char *sim_file; /* --sim: the "real" side is this simulated tree */

/* Run `nfpath-vf [--sim FILE --sysfs-root DIR] ARGS`; its stdout as JSON when json. */
static int
run_nfpath_vf(const char *sim, const char *root, const char *args, json_t **ret_json)
{
	char cmd[8192];
	json_error_t jerr;
	json_t *j = NULL;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s%s%s --sysfs-root %s %s 2>&1", nfpath_vf,
		 sim ? " --sim " : "", sim ? sim : "", root, args);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	if (ret_json) {
		j = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!j)
			printf("# %s: not JSON: %s\n", cmd, jerr.text);
	}
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	if (ret_json)
		*ret_json = j;
	else if (st != 0)
		printf("# %s: exit status %d\n", cmd, st);
	return st == 0 ? 0 : -EIO;
}

static json_t *
pf_by(json_t *list, const char *key, const char *value)
{
	json_t *pfs = json_object_get(list, "pfs"), *pf;
	size_t i;

	json_array_foreach(pfs, i, pf)
	{
		if (json_is_string(json_object_get(pf, key)) &&
		    strcmp(json_string_value(json_object_get(pf, key)), value) == 0)
			return pf;
	}
	return NULL;
}

/* Append "key: real X, simulated Y; " for each key of keys[] that differs. */
static void
diff_keys(const char *where, json_t *real, json_t *sim, const char *const *keys, char *out,
	  size_t len)
{
	for (const char *const *k = keys; *k; k++) {
		json_t *a = json_object_get(real, *k), *b = json_object_get(sim, *k);
		char *sa, *sb;

		if (json_equal(a, b) || (!a && !b))
			continue;
		sa = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		sb = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		snprintf(out + strlen(out), len - strlen(out), "%s%s: real %s, simulated %s; ",
			 where, *k, sa ? sa : "(none)", sb ? sb : "(none)");
		free(sa);
		free(sb);
	}
}

/*
 * The fields a simulated PF must share with the real one it stands for. Left out, because
 * they belong to one boot or one machine: ifindex, operstate, MTU, IOMMU group numbers, IRQ
 * numbers, the simulated flag. VFs: their count, addresses, driver, netdev, whether they have
 * an IOMMU group and IRQs, and their whole netlink state.
 */
static void
compare_pf(const char *what, json_t *real, json_t *sim)
{
	static const char *const pf_keys[] = {"id",           "bus",     "netdev",    "vendor",
					      "device",       "class",   "driver",    "sriov",
					      "total_vfs",    "num_vfs", "numa_node", "local_cpus",
					      "eswitch_mode", NULL};
	static const char *const vf_keys[] = {"index", "pci", "driver", "netdev", "state", NULL};
	char diff[4096] = "";
	json_t *rv, *sv;

	if (!ok(real && sim, "compare %s: found in both listings (real %s, simulated %s)", what,
		real ? "yes" : "no", sim ? "yes" : "no"))
		return;
	diff_keys("", real, sim, pf_keys, diff, sizeof(diff));
	rv = json_object_get(real, "vfs");
	sv = json_object_get(sim, "vfs");
	if (json_array_size(rv) != json_array_size(sv))
		snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff),
			 "vfs: real %zu, simulated %zu; ", json_array_size(rv),
			 json_array_size(sv));
	for (size_t i = 0; i < json_array_size(rv) && i < json_array_size(sv); i++) {
		json_t *a = json_array_get(rv, i), *b = json_array_get(sv, i);
		char where[32];

		snprintf(where, sizeof(where), "vfs[%zu].", i);
		diff_keys(where, a, b, vf_keys, diff, sizeof(diff));
		if (json_is_null(json_object_get(a, "iommu_group")) !=
		    json_is_null(json_object_get(b, "iommu_group")))
			snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff),
				 "%siommu_group: present in one only; ", where);
		if ((json_array_size(json_object_get(a, "irqs")) == 0) !=
		    (json_array_size(json_object_get(b, "irqs")) == 0))
			snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff),
				 "%sirqs: real %zu, simulated %zu; ", where,
				 json_array_size(json_object_get(a, "irqs")),
				 json_array_size(json_object_get(b, "irqs")));
	}
	ok(diff[0] == '\0', "compare %s: real and simulated discovery agree%s%s", what,
	   diff[0] ? ": " : "", diff);
}

static void
compare_listings(const char *stage, const char *root, const char *nsim, const char *nvme)
{
	json_t *real = NULL, *sim = NULL;
	char what[128];
	int r;

	r = run_nfpath_vf(sim_file, sysfs_root, "list --json", &real);
	ok(r == 0 && real, "compare %s: `nfpath-vf list --json` on the %s backend: %s", stage,
	   sim_file ? "simulated (dry run)" : "real", r == 0 ? "ok" : "failed");
	r = run_nfpath_vf(sim_lab, root, "list --json", &sim);
	ok(r == 0 && sim, "compare %s: `nfpath-vf --sim %s list --json`: %s", stage, sim_lab,
	   r == 0 ? "ok" : "failed");
	if (real && sim) {
		if (nsim) {
			json_t *rp = pf_by(real, "netdev", nsim);

			snprintf(what, sizeof(what), "%s: netdevsim %s", stage, nsim);
			compare_pf(
				what, rp,
				rp ? pf_by(sim, "id", json_string_value(json_object_get(rp, "id")))
				   : NULL);
		}
		if (nvme) {
			snprintf(what, sizeof(what), "%s: nvme %s", stage, nvme);
			compare_pf(what, pf_by(real, "id", nvme), pf_by(sim, "id", nvme));
		}
	}
	json_decref(real);
	json_decref(sim);
}

/* Discovery through nfpath-vf on the real kernel and on the simulator's stand-ins of the same
 * devices (sim-lab.json): with no VFs, then with 2 VFs made the same way on both. */
static void
check_compare(const char *nsim, const char *nvme)
{
	char root[] = "/tmp/vfm-compare-XXXXXX", args[256], cmd[300];

	if (!nfpath_vf[0] || access(nfpath_vf, X_OK) != 0 || !sim_lab[0] ||
	    access(sim_lab, R_OK) != 0) {
		skip("compare real and simulated discovery",
		     "no nfpath-vf or sim-lab.json (give --nfpath-vf and --sim-lab)");
		return;
	}
	if (!ok(mkdtemp(root) != NULL, "compare: a directory for the simulated tree: %s", root))
		return;
	/* A fresh simulated tree, built from the file. */
	run_nfpath_vf(sim_lab, root, "--sim-reset list", NULL);
	compare_listings("0 VFs", root, nsim, nvme);
	for (int side = 0; side < 2; side++) {
		const char *f = side ? sim_lab : sim_file;
		const char *rt = side ? root : sysfs_root;

		if (nsim) {
			snprintf(args, sizeof(args), "numvfs %s 2", nsim);
			ok(run_nfpath_vf(f, rt, args, NULL) == 0, "compare: `nfpath-vf %s%s`",
			   side ? "--sim ... " : "", args);
		}
		if (nvme) {
			snprintf(args, sizeof(args), "numvfs %s 2", nvme);
			ok(run_nfpath_vf(f, rt, args, NULL) == 0, "compare: `nfpath-vf %s%s`",
			   side ? "--sim ... " : "", args);
		}
	}
	compare_listings("2 VFs", root, nsim, nvme);
	for (int side = 0; side < 2; side++) {
		const char *f = side ? sim_lab : sim_file;
		const char *rt = side ? root : sysfs_root;

		if (nsim) {
			snprintf(args, sizeof(args), "numvfs %s 0", nsim);
			run_nfpath_vf(f, rt, args, NULL);
		}
		if (nvme) {
			snprintf(args, sizeof(args), "numvfs %s 0 --force", nvme);
			run_nfpath_vf(f, rt, args, NULL);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
}

/* ---- netdevsim ---------------------------------------------------------------------------- */

static void
check_netdevsim(struct vfm_ctx *ctx, const char *ifname)
{
	struct vfm_vf_config cfg, got;
	struct vfm_vf_saved saved;
	struct vfm_pf *pf = NULL;
	char why[600], line[512], numvfs[4200], id[32];
	long max_vfs;
	int r;

	r = vfm_pf_load(ctx, ifname, &pf);
	if (!ok(r == 0, "netdevsim: PF '%s' found: %s", ifname, err(ctx, r)))
		return;
	/* netdevsim has no sriov_totalvfs: its limit is debugfs max_vfs, read here directly. */
	max_vfs = read_long_file("%s/kernel/debug/netdevsim/%s/max_vfs", sysfs_root, pf->id);
	ok(pf->sriov_capable && pf->total_vfs >= 4 && pf->total_vfs == max_vfs,
	   "netdevsim: '%s' (%s on bus %s) is SR-IOV capable with %d VFs total (debugfs max_vfs %ld)",
	   ifname, pf->id, pf->bus, pf->total_vfs, max_vfs);
	ok(pf->num_vfs == 0, "netdevsim: '%s' starts with 0 VFs (has %d)", ifname, pf->num_vfs);
	snprintf(numvfs, sizeof(numvfs), "%s/sriov_numvfs", pf->syspath);
	snprintf(id, sizeof(id), "%s", pf->id);
	vfm_pf_free(pf);
	pf = NULL;

	r = vfm_pf_set_num_vfs(ctx, ifname, 4, 0);
	ok(r == 0 && read_long_file("%s", numvfs) == 4,
	   "netdevsim: create 4 VFs, sriov_numvfs reads %ld: %s", read_long_file("%s", numvfs),
	   err(ctx, r));
	r = vfm_pf_load(ctx, ifname, &pf);
	ok(r == 0 && pf->num_vfs == 4 && pf->n_vfs == 4,
	   "netdevsim: discovery sees 4 VFs (sriov_numvfs %d, %zu listed)", pf ? pf->num_vfs : -1,
	   pf ? pf->n_vfs : 0);
	if (pf)
		ok(pf->n_vfs == 4 && pf->vfs[3].state_valid,
		   "netdevsim: VF state read through netlink during discovery");
	vfm_pf_free(pf);
	pf = NULL;

	for (unsigned int i = 0; i < 4; i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.mask = VFM_VF_ALL;
		cfg.mac[0] = 0x52;
		cfg.mac[1] = 0x54;
		cfg.mac[5] = (uint8_t)(0x10 + i);
		cfg.vlan = (uint16_t)(100 + i);
		cfg.qos = (uint8_t)(i + 1);
		cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
		cfg.spoofchk = i % 2 == 0;
		cfg.trust = i % 2 == 1;
		cfg.link_state = i % 2 ? VFM_LINK_DISABLE : VFM_LINK_ENABLE;
		cfg.min_tx_rate = 100 * (i + 1);
		cfg.max_tx_rate = 1000 * (i + 1);
		r = vfm_vf_set_config(ctx, ifname, i, &cfg);
		ok(r == 0,
		   "netdevsim: VF %u: set mac, vlan+qos, spoofchk, trust, link state, rates: %s", i,
		   err(ctx, r));
		r = vfm_vf_get_config(ctx, ifname, i, &got);
		ok(r == 0 && cfg_equal(&cfg, &got, why, sizeof(why)),
		   "netdevsim: VF %u reads back: %s", i,
		   r == 0 ? (why[0] ? why : "all equal") : err(ctx, r));
		if (simulated) {
			skip("netdevsim: VF in `ip -d link show`", "simulated: ip cannot see it");
		} else {
			bool found = ip_vf_line(ifname, i, line, sizeof(line));

			ok(found && ip_line_matches(line, &cfg, why, sizeof(why)),
			   "netdevsim: VF %u in `ip -d link show`: %s", i,
			   found ? why : "no such vf line");
		}
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = VFM_VF_TRUST;
	cfg.trust = true;
	r = vfm_vf_set_config(ctx, ifname, 4, &cfg);
	ok(r == -EINVAL && strstr(vfm_ctx_last_error(ctx), "does not exist"),
	   "netdevsim: VF 4 (out of range) is a clean error: %s", err(ctx, r));
	r = vfm_vf_set_config(ctx, ifname, 4096, &cfg);
	ok(r == -EINVAL, "netdevsim: VF 4096 is a clean error: %s", err(ctx, r));

	r = vfm_vf_save(ctx, ifname, 2, &saved);
	ok(r == 0, "netdevsim: save VF 2: %s", err(ctx, r));
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = VFM_VF_MAC | VFM_VF_VLAN | VFM_VF_TRUST | VFM_VF_RATE;
	cfg.mac[0] = 0x02;
	cfg.mac[5] = 0x99;
	cfg.vlan = 999;
	cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
	cfg.trust = !saved.cfg.trust;
	cfg.max_tx_rate = 77;
	r = vfm_vf_set_config(ctx, ifname, 2, &cfg);
	ok(r == 0, "netdevsim: give VF 2 a tenant's settings: %s", err(ctx, r));
	ok(strcmp(saved.pf, ifname) == 0,
	   "netdevsim: the saved state names the PF by its netdev '%s'", saved.pf);
	r = vfm_vf_restore(ctx, &saved);
	ok(r == 0, "netdevsim: restore VF 2: %s", err(ctx, r));
	r = vfm_vf_get_config(ctx, ifname, 2, &got);
	ok(r == 0 && cfg_equal(&saved.cfg, &got, why, sizeof(why)),
	   "netdevsim: VF 2 is exactly as saved: %s",
	   r == 0 ? (why[0] ? why : "all equal") : err(ctx, r));

	if (simulated) {
		skip("netdevsim: VF 2 restored in `ip -d link show`",
		     "simulated: ip cannot see it");
	} else {
		bool found = ip_vf_line(ifname, 2, line, sizeof(line));

		ok(found && ip_line_matches(line, &saved.cfg, why, sizeof(why)),
		   "netdevsim: VF 2 restored in `ip -d link show`: %s",
		   found ? why : "no such vf line");
	}

	/* The kernel checks the 0-first rule before max_vfs: EBUSY, written as asked. */
	r = vfm_pf_set_num_vfs(ctx, ifname, 5, VFM_NUMVFS_DIRECT);
	ok(r == -EBUSY && strstr(vfm_ctx_last_error(ctx), "the kernel refused"),
	   "netdevsim: 4 -> 5 VFs asked directly gets the kernel's EBUSY: %s", err(ctx, r));
	ok(read_long_file("%s", numvfs) == 4,
	   "netdevsim: still 4 VFs after the refusal (sriov_numvfs %ld)",
	   read_long_file("%s", numvfs));
	r = vfm_pf_set_num_vfs(ctx, ifname, 5, 0);
	ok(r == -ERANGE && read_long_file("%s", numvfs) == 4,
	   "netdevsim: 4 -> 5 through vf-manager is refused before any write: %s", err(ctx, r));

	/* Non-zero to non-zero through vf-manager: it must write 0 first. */
	r = vfm_pf_set_num_vfs(ctx, ifname, 2, 0);
	ok(r == 0 && read_long_file("%s", numvfs) == 2,
	   "netdevsim: 4 -> 2 through vf-manager (0 first), sriov_numvfs reads %ld: %s",
	   read_long_file("%s", numvfs), err(ctx, r));
	/* The device is also found by its device name, as 'nfpath-vf list' shows it. */
	r = vfm_pf_load(ctx, id, &pf);
	ok(r == 0 && pf->num_vfs == 2 && strcmp(pf->netdev, ifname) == 0,
	   "netdevsim: PF found by its device name '%s' (netdev '%s'): %s", id,
	   pf ? pf->netdev : "?", err(ctx, r));
	vfm_pf_free(pf);
	pf = NULL;

	r = vfm_pf_set_num_vfs(ctx, ifname, 0, 0);
	ok(r == 0 && read_long_file("%s", numvfs) == 0,
	   "netdevsim: remove the VFs, sriov_numvfs reads %ld: %s", read_long_file("%s", numvfs),
	   err(ctx, r));
	r = vfm_pf_set_num_vfs(ctx, ifname, 5, VFM_NUMVFS_DIRECT);
	ok(r == -ENOMEM && read_long_file("%s", numvfs) == 0,
	   "netdevsim: 0 -> 5 (above max_vfs) asked directly gets the kernel's ENOMEM: %s",
	   err(ctx, r));
}

/* ---- NVMe SR-IOV PF ----------------------------------------------------------------------- */

static void
check_nvme(struct vfm_ctx *ctx, const char *pci)
{
	struct vfm_pf *pf = NULL;
	struct vfm_cpuset cpus;
	char link[4200], target[64] = "", cpustr[256] = "?", numvfs[4200], virtfn2[4200];
	char pfdir[4096];
	long autoprobe;
	unsigned int pinned = 0, managed = 0;
	int r;

	r = vfm_pf_load(ctx, pci, &pf);
	if (!ok(r == 0, "nvme: PF %s found: %s", pci, err(ctx, r)))
		return;
	if (!ok(pf->sriov_capable && pf->total_vfs >= 2, "nvme: %s driver %s, sriov_totalvfs %d",
		pf->id, pf->driver, pf->total_vfs)) {
		vfm_pf_free(pf);
		return;
	}
	if (pf->local_cpus_valid)
		vfm_cpuset_format(&pf->local_cpus, cpustr, sizeof(cpustr));
	ok(pf->numa_node >= -1, "nvme: NUMA node %d", pf->numa_node);
	ok(pf->local_cpus_valid, "nvme: local_cpulist %s", cpustr);
	if (pf->num_vfs != 0) {
		printf("# nvme: PF starts with %d VFs; removing them\n", pf->num_vfs);
		vfm_pf_set_num_vfs(ctx, pci, 0, VFM_NUMVFS_FORCE);
	}
	/* Pin to one CPU, the first local one: a change the affinity files can show. */
	memset(&cpus, 0, sizeof(cpus));
	for (unsigned int c = 0; c < VFM_CPUSET_MAX; c++) {
		if (pf->local_cpus_valid && vfm_cpuset_isset(&pf->local_cpus, c)) {
			vfm_cpuset_set(&cpus, c);
			break;
		}
	}
	if (vfm_cpuset_count(&cpus) == 0)
		vfm_cpuset_set(&cpus, 0);
	snprintf(numvfs, sizeof(numvfs), "%s/sriov_numvfs", pf->syspath);
	snprintf(virtfn2, sizeof(virtfn2), "%s/virtfn2", pf->syspath);
	snprintf(pfdir, sizeof(pfdir), "%s", pf->syspath);
	vfm_pf_free(pf);
	pf = NULL;

	r = vfm_pf_set_num_vfs(ctx, pci, 2, 0);
	ok(r == 0 && read_long_file("%s", numvfs) == 2,
	   "nvme: 0 -> 2 VFs, sriov_numvfs reads %ld: %s", read_long_file("%s", numvfs),
	   err(ctx, r));
	r = vfm_pf_load(ctx, pci, &pf);
	if (!ok(r == 0 && pf->num_vfs == 2 && pf->n_vfs == 2, "nvme: discovery sees 2 VFs"))
		goto out;
	for (unsigned int i = 0; i < 2; i++) {
		const struct vfm_vf *vf = &pf->vfs[i];

		ok(vf->has_pci && !vf->problems, "nvme: virtfn%u -> %s%s%s", i, vf->pci,
		   vf->problems ? ": " : "", vf->problems ? vf->problems : "");
		target[0] = '\0';
		if (vf->syspath) {
			ssize_t n;

			snprintf(link, sizeof(link), "%s/physfn", vf->syspath);
			n = readlink(link, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
		}
		ok(strstr(target, pf->id) != NULL, "nvme: VF %u physfn -> %s", i, target);
		ok(vf->iommu_group >= 0, "nvme: VF %u IOMMU group %d", i, vf->iommu_group);
	}
	vfm_pf_free(pf);
	pf = NULL;

	r = vfm_pf_set_num_vfs(ctx, pci, 1, VFM_NUMVFS_DIRECT);
	ok(r == -EBUSY && read_long_file("%s", numvfs) == 2,
	   "nvme: 2 -> 1 written directly gets the kernel's EBUSY, sriov_numvfs still %ld: %s",
	   read_long_file("%s", numvfs), err(ctx, r));

	/* Non-zero to non-zero through vf-manager: it must write 0 first. */
	r = vfm_pf_set_num_vfs(ctx, pci, 3, 0);
	ok(r == 0 && read_long_file("%s", numvfs) == 3 && access(virtfn2, F_OK) == 0,
	   "nvme: 2 -> 3 through vf-manager (0 first), sriov_numvfs reads %ld, virtfn2 %s: %s",
	   read_long_file("%s", numvfs), access(virtfn2, F_OK) == 0 ? "exists" : "missing",
	   err(ctx, r));
	r = vfm_pf_set_num_vfs(ctx, pci, 2, 0);
	ok(r == 0 && read_long_file("%s", numvfs) == 2 && access(virtfn2, F_OK) != 0,
	   "nvme: 3 -> 2 through vf-manager, sriov_numvfs reads %ld, virtfn2 %s: %s",
	   read_long_file("%s", numvfs), access(virtfn2, F_OK) == 0 ? "left" : "gone", err(ctx, r));

	/* VF 0 gets interrupts of its own once its NVMe secondary controller is online. */
	if (simulated) {
		skip("nvme: VF 0's secondary controller online", "simulated");
	} else if (access("/lab/bin/lab-nvme-vf", X_OK) != 0) {
		skip("nvme: VF 0's secondary controller online", "no /lab/bin/lab-nvme-vf");
	} else {
		char cmd[4400];

		snprintf(
			cmd, sizeof(cmd),
			"c=$(ls %s/nvme | head -n1) && /lab/bin/lab-nvme-vf /dev/$c online 1 3 2 "
			"&& /lab/bin/lab-nvme-vf /dev/$c list | grep -q 'vfn 1 online nvq 3 nvi 2'",
			pfdir);
		ok(system(cmd) == 0, "nvme: VF 0's secondary controller online (3 queues, 2 IRQs)");
	}

	r = vfm_vf_bind(ctx, pci, 0, "vfio-pci");
	ok(r == 0, "nvme: bind VF 0 to vfio-pci: %s", err(ctx, r));
	r = vfm_pf_load(ctx, pci, &pf);
	if (r == 0)
		ok(strcmp(pf->vfs[0].driver, "vfio-pci") == 0, "nvme: VF 0 driver is '%s'",
		   pf->vfs[0].driver);
	vfm_pf_free(pf);
	pf = NULL;
	/* The lab's PF has sriov_drivers_autoprobe 0 (a host handing VFs to VMs): the kernel
	 * then probes a VF only for a named driver (driver_override). */
	autoprobe = read_long_file("%s/sriov_drivers_autoprobe", pfdir);
	r = vfm_vf_bind(ctx, pci, 0, "kernel");
	if (autoprobe == 0)
		ok(r == -EIO && strstr(vfm_ctx_last_error(ctx), "sriov_drivers_autoprobe is 0"),
		   "nvme: VF 0 to 'any kernel driver' with sriov_drivers_autoprobe 0 is refused "
		   "with the reason: %s",
		   err(ctx, r));
	else
		ok(r == 0, "nvme: VF 0 to its kernel driver: %s", err(ctx, r));
	r = vfm_vf_bind(ctx, pci, 0, "nvme");
	vfm_pf_load(ctx, pci, &pf);
	ok(r == 0 && pf && strcmp(pf->vfs[0].driver, "nvme") == 0,
	   "nvme: VF 0 bound to its kernel driver by name: %s (driver now '%s')", err(ctx, r),
	   pf ? pf->vfs[0].driver : "?");
	/* nvme allocates the vectors in its reset work, after probe: wait up to 10 s. */
	for (unsigned int i = 0; i < 100 && pf && pf->vfs[0].n_irqs < 2; i++) {
		usleep(100000);
		vfm_pf_free(pf);
		pf = NULL;
		vfm_pf_load(ctx, pci, &pf);
	}
	if (ok(pf && pf->vfs[0].n_irqs >= 2, "nvme: VF 0 lists %zu MSI-X IRQs in msi_irqs",
	       pf ? pf->vfs[0].n_irqs : 0)) {
		unsigned int in_proc = 0;

		for (size_t i = 0; i < pf->vfs[0].n_irqs; i++) {
			struct vfm_cpuset got;

			in_proc += vfm_irq_get_affinity(ctx, pf->vfs[0].irqs[i], &got) == 0;
		}
		ok(in_proc == pf->vfs[0].n_irqs, "nvme: %u of VF 0's %zu IRQs are in /proc/irq",
		   in_proc, pf->vfs[0].n_irqs);
		r = vfm_vf_pin_irqs(ctx, pci, 0, &cpus, &pinned, &managed);
		ok(r == 0 && pinned >= 1 && managed >= 1 && pinned + managed == pf->vfs[0].n_irqs,
		   "nvme: VF 0 IRQs: %u pinned, %u refused as kernel-managed: %s", pinned, managed,
		   err(ctx, r));
		if (r == 0) {
			unsigned int follow = 0;

			for (size_t i = 0; i < pf->vfs[0].n_irqs; i++) {
				struct vfm_cpuset got;

				if (vfm_irq_get_affinity(ctx, pf->vfs[0].irqs[i], &got) == 0 &&
				    vfm_cpuset_equal(&got, &cpus))
					follow++;
			}
			ok(follow >= pinned,
			   "nvme: the %u pinned IRQs read back on the CPU asked (%u IRQs there)",
			   pinned, follow);
		}
	}
	vfm_pf_free(pf);
	pf = NULL;

out:
	vfm_pf_free(pf);
	r = vfm_pf_set_num_vfs(ctx, pci, 0, VFM_NUMVFS_FORCE);
	ok(r == 0, "nvme: 2 -> 0 VFs: %s", err(ctx, r));
	r = vfm_pf_load(ctx, pci, &pf);
	ok(r == 0 && pf->num_vfs == 0 && pf->n_vfs == 0 && read_long_file("%s", numvfs) == 0,
	   "nvme: no VF left (sriov_numvfs %ld)", read_long_file("%s", numvfs));
	vfm_pf_free(pf);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: vfm-kernel-check [--netdevsim-pf IFNAME] [--nvme-pf PCI_ADDR] "
		   "[--sysfs-root DIR] [--procfs-root DIR] [--sim FILE] [--nfpath-vf EXE] "
		   "[--sim-lab FILE]\n");
}

static int print_debug(enum vfm_print_level level, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));

static int
print_debug(enum vfm_print_level level, const char *fmt, va_list args)
{
	if (level > VFM_INFO && !getenv("VFM_KERNEL_CHECK_DEBUG"))
		return 0;
	printf("# ");
	vprintf(fmt, args);
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"netdevsim-pf", required_argument, NULL, 'n'},
		{"nvme-pf", required_argument, NULL, 'p'},
		{"sysfs-root", required_argument, NULL, 's'},
		{"procfs-root", required_argument, NULL, 'r'},
		{"sim", required_argument, NULL, 'S'},
		{"nfpath-vf", required_argument, NULL, 'V'},
		{"sim-lab", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vfm_options o = {.netlink = VFM_NETLINK_ON, .write_timeout_ms = 20000};
	const char *nsim = NULL, *nvme = NULL;
	struct vfm_pci_addr addr;
	struct vfm_ctx *ctx;
	char *msg = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			nsim = optarg;
			break;
		case 'p':
			nvme = optarg;
			break;
		case 's':
			o.sysfs_root = optarg;
			break;
		case 'r':
			o.procfs_root = optarg;
			break;
		case 'S':
			o.sim_file = optarg;
			o.sim_reset = true;
			simulated = true;
			sim_file = optarg;
			break;
		case 'V':
			nfpath_vf = optarg;
			break;
		case 'L':
			sim_lab = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfm-kernel-check: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!nsim && !nvme) {
		fprintf(stderr,
			"vfm-kernel-check: nothing to check: give --netdevsim-pf and/or --nvme-pf\n");
		usage(stderr);
		return 2;
	}
	if (nvme && vfm_pci_addr_parse(nvme, &addr) < 0) {
		fprintf(stderr,
			"vfm-kernel-check: --nvme-pf '%s' is not a PCI address (0000:01:00.0)\n",
			nvme);
		return 2;
	}
	if (nsim && (!*nsim || strlen(nsim) >= 16 || strchr(nsim, '/'))) {
		fprintf(stderr, "vfm-kernel-check: --netdevsim-pf '%s' is not an interface name\n",
			nsim);
		return 2;
	}
#ifdef VFM_FAULT_SKIP_ZERO
	printf("# FAULT: linked with a vf-manager that changes a non-zero VF count without writing "
	       "0 first (VFM_FAULT_SKIP_ZERO): this check must fail\n");
#endif
	vfm_set_print(print_debug);
	r = vfm_ctx_new(&o, &ctx, &msg);
	if (!ok(r == 0, "vf-manager context (backend %s, sysfs '%s', procfs '%s'): %s",
		r == 0 ? vfm_ctx_backend_name(ctx) : "?", r == 0 ? vfm_ctx_sysfs_root(ctx) : "?",
		r == 0 ? vfm_ctx_procfs_root(ctx) : "?", msg ? msg : (r ? strerror(-r) : "ok"))) {
		free(msg);
		printf("1..%u\n", n_tests);
		return 1;
	}
	sysfs_root = vfm_ctx_sysfs_root(ctx);
	check_compare(nsim, nvme);
	if (nsim)
		check_netdevsim(ctx, nsim);
	if (nvme)
		check_nvme(ctx, nvme);
	vfm_ctx_free(ctx);
	printf("1..%u\n", n_tests);
	return n_failed ? 1 : 0;
}
