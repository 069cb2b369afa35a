// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fixture sysfs trees for vf-manager's unit tests (see fixture.h). Layout as the kernel makes
 * it: devices/pci0000:BB/ADDR/ holds the attributes, bus/pci/devices/ADDR and class/net/IF
 * link to it, drivers live in bus/pci/drivers/NAME, IOMMU groups in kernel/iommu_groups/N.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

static void
die(const char *what, const char *path)
{
	fprintf(stderr, "fixture: %s '%s': %s\n", what, path, strerror(errno));
	abort();
}

char *
fx_tmpdir(void)
{
	char tmpl[] = "/tmp/vfm-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	if (!d)
		die("mkdtemp", tmpl);
	return strdup(d);
}

void
fx_cleanup(char *dir)
{
	char cmd[PATH_MAX + 16];

	if (!dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fixture: cleanup of '%s' failed\n", dir);
	free(dir);
}

static void
mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			die("mkdir", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		die("mkdir", buf);
}

void
fx_mkdir(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdir_p(path);
}

static void
mkparent(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	mkdir_p(dirname(buf));
}

void
fx_put(const char *root, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkparent(path);
	f = fopen(path, "w");
	if (!f)
		die("fopen", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

void
fx_link(const char *root, const char *link, const char *target)
{
	char path[PATH_MAX], rel[PATH_MAX] = "";

	for (const char *p = link; *p; p++)
		if (*p == '/')
			strncat(rel, "../", sizeof(rel) - strlen(rel) - 1);
	strncat(rel, target, sizeof(rel) - strlen(rel) - 1);
	snprintf(path, sizeof(path), "%s/%s", root, link);
	mkparent(path);
	unlink(path);
	if (symlink(rel, path) < 0)
		die("symlink", path);
}

const char *
fx_get(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return buf;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

bool
fx_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

void
fx_vf_pci(const char *pfpci, unsigned int i, char *buf, size_t len)
{
	char bus[8] = "";

	memcpy(bus, pfpci + 5, 2);
	snprintf(buf, len, "0000:%s:%02x.%u", bus, 0x10 + i / 8, i % 8);
}

static void
dev_dir(const char *pci, char *buf, size_t len)
{
	snprintf(buf, len, "devices/pci0000:%.2s/%s", pci + 5, pci);
}

static void
add_driver(const char *root, const char *drv)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/bind", drv);
	fx_put(root, rel, "%s", "");
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/unbind", drv);
	fx_put(root, rel, "%s", "");
}

static void
bind(const char *root, const char *dev, const char *pci, const char *drv)
{
	char rel[512], target[256];

	add_driver(root, drv);
	snprintf(rel, sizeof(rel), "%s/driver", dev);
	snprintf(target, sizeof(target), "bus/pci/drivers/%s", drv);
	fx_link(root, rel, target);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", drv, pci);
	fx_link(root, rel, dev);
}

static void
add_netdev(const char *root, const char *dev, const char *ifname, int ifindex)
{
	char rel[512], target[512];

	snprintf(rel, sizeof(rel), "%s/net/%s/ifindex", dev, ifname);
	fx_put(root, rel, "%d", ifindex);
	snprintf(rel, sizeof(rel), "%s/net/%s/mtu", dev, ifname);
	fx_put(root, rel, "1500");
	snprintf(rel, sizeof(rel), "%s/net/%s/operstate", dev, ifname);
	fx_put(root, rel, "up");
	snprintf(rel, sizeof(rel), "%s/net/%s/device", dev, ifname);
	fx_link(root, rel, dev);
	snprintf(rel, sizeof(rel), "class/net/%s", ifname);
	snprintf(target, sizeof(target), "%s/net/%s", dev, ifname);
	fx_link(root, rel, target);
}

void
fx_add_pf(const char *root, const char *proc, const struct fx_pf *pf)
{
	char dev[128], rel[512], target[256];
	static int ifindex = 10;

	dev_dir(pf->pci, dev, sizeof(dev));
	snprintf(rel, sizeof(rel), "%s/vendor", dev);
	fx_put(root, rel, "0x8086");
	snprintf(rel, sizeof(rel), "%s/device", dev);
	fx_put(root, rel, "0x1572");
	snprintf(rel, sizeof(rel), "%s/class", dev);
	fx_put(root, rel, "0x020000");
	snprintf(rel, sizeof(rel), "%s/numa_node", dev);
	fx_put(root, rel, "%s", pf->numa_node ? pf->numa_node : "0");
	snprintf(rel, sizeof(rel), "%s/local_cpulist", dev);
	fx_put(root, rel, "%s", pf->local_cpus ? pf->local_cpus : "0-3");
	snprintf(rel, sizeof(rel), "%s/driver_override", dev);
	fx_put(root, rel, "(null)");
	snprintf(rel, sizeof(rel), "%s/subsystem", dev);
	fx_link(root, rel, "bus/pci");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", pf->pci);
	fx_link(root, rel, dev);
	fx_put(root, "bus/pci/drivers_probe", "%s", "");
	if (pf->driver)
		bind(root, dev, pf->pci, pf->driver);
	if (pf->netdev)
		add_netdev(root, dev, pf->netdev, ifindex++);
	if (pf->total_vfs < 0)
		return;
	snprintf(rel, sizeof(rel), "%s/sriov_totalvfs", dev);
	fx_put(root, rel, "%d", pf->total_vfs);
	snprintf(rel, sizeof(rel), "%s/sriov_numvfs", dev);
	fx_put(root, rel, "%d", pf->num_vfs);
	for (int i = 0; i < pf->num_vfs; i++) {
		char vpci[32], vdev[128];
		int group = 50 + i;

		fx_vf_pci(pf->pci, (unsigned int)i, vpci, sizeof(vpci));
		dev_dir(vpci, vdev, sizeof(vdev));
		snprintf(rel, sizeof(rel), "%s/vendor", vdev);
		fx_put(root, rel, "0x8086");
		snprintf(rel, sizeof(rel), "%s/device", vdev);
		fx_put(root, rel, "0x154c");
		snprintf(rel, sizeof(rel), "%s/class", vdev);
		fx_put(root, rel, "0x020000");
		snprintf(rel, sizeof(rel), "%s/driver_override", vdev);
		fx_put(root, rel, "(null)");
		snprintf(rel, sizeof(rel), "%s/physfn", vdev);
		fx_link(root, rel, dev);
		snprintf(rel, sizeof(rel), "%s/virtfn%d", dev, i);
		fx_link(root, rel, vdev);
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s", vpci);
		fx_link(root, rel, vdev);
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/devices/%s", group, vpci);
		fx_link(root, rel, vdev);
		snprintf(rel, sizeof(rel), "%s/iommu_group", vdev);
		snprintf(target, sizeof(target), "kernel/iommu_groups/%d", group);
		fx_link(root, rel, target);
		add_driver(root, "vfio-pci");
		if (pf->vfio_mask & (1u << i)) {
			bind(root, vdev, vpci, "vfio-pci");
		} else if (pf->vf_driver) {
			char ifname[32];

			bind(root, vdev, vpci, pf->vf_driver);
			snprintf(ifname, sizeof(ifname), "%sv%d", pf->netdev ? pf->netdev : "vf",
				 i);
			add_netdev(root, vdev, ifname, ifindex++);
			for (int j = 0; j < 3; j++) {
				unsigned int irq = pf->irq_base + (unsigned int)(3 * i + j);

				snprintf(rel, sizeof(rel), "%s/msi_irqs/%u", vdev, irq);
				fx_put(root, rel, "msix");
				if (proc) {
					snprintf(rel, sizeof(rel), "irq/%u/smp_affinity_list", irq);
					fx_put(proc, rel, "0-3");
				}
			}
		}
	}
}
