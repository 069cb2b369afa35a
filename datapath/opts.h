/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line of nfpath-dp: our options, their defaults, and the EAL argument vector built
 * from them (main.c hands it to rte_eal_init). Pure: no DPDK calls, unit-tested in
 * tests/unit/datapath/test-opts.c.
 */
#ifndef NFPATH_DP_OPTS_H
#define NFPATH_DP_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "dp.h"

#define DP_DEFAULT_FILE_PREFIX "nfpath"
#define DP_DEFAULT_SOCKET      "/run/nfpath/dp.sock"
#define DP_DEFAULT_GROUP       "nfpath"
#define DP_DEFAULT_VHOST_DIR   "/run/nfpath/vhost"
#define DP_DEFAULT_VHOST_GROUP "kvm"
#define DP_EAL_ARGV_MAX        64

struct dp_opts {
	const char *ports[DP_MAX_ETH_PORTS]; /* devargs; [0] is the uplink */
	unsigned int n_ports;
	unsigned int rx_queues; /* on the uplink */
	unsigned int rxd, txd;
	const char *lcores; /* EAL --lcores map; NULL: derived from the CPU affinity */
	char lcores_buf[64];
	const char *file_prefix;
	const char *socket_path;
	const char *socket_group;
	const char *vhost_dir;   /* vhost-user sockets */
	const char *vhost_group; /* group of the vhost-user sockets (QEMU's) */
	unsigned int mbufs;      /* per socket; 0: sized from ports, queues and lcores */
	unsigned int idle_sleep_us;
	unsigned int ctl_idle_s;   /* control clients other than root/ours idle longer are closed */
	unsigned int max_vm_ports; /* VM (vhost-user) ports vhost_add may create */
	bool isolate;
	bool no_huge;
	bool in_memory;
	bool help;
	bool version;
	const char *log_level;
	char **extra_eal; /* after '--' */
	int n_extra_eal;
	/* Built by dp_opts_eal_argv(). */
	char *eal_argv[DP_EAL_ARGV_MAX];
	int eal_argc;
	char eal_strbuf[DP_MAX_ETH_PORTS][300];
	/* Found by dp_opts_eal_argv(): each port's interface MTU (0: none known) and the
	 * longest frame a net_af_packet port copies into one mbuf (0: none). */
	unsigned int port_mtu[DP_MAX_ETH_PORTS];
	unsigned int rx_frame_max;
};

/* Parses argv into 'o' (defaults first). Messages go to 'err'. Returns 0, or -EINVAL. */
int dp_opts_parse(struct dp_opts *o, int argc, char **argv, FILE *err);

/*
 * Fills o->lcores from the CPUs in 'cpus' (a count and the first two CPU numbers) when the user
 * gave none: main lcore 0 on the first CPU, one forwarding lcore 1 on the second if there is one.
 */
void dp_opts_default_lcores(struct dp_opts *o, int n_cpus, const int *cpus);

/* Builds o->eal_argv. Returns 0, or -E2BIG when too many arguments. */
int dp_opts_eal_argv(struct dp_opts *o, const char *argv0);

/* True when 'devargs' names a PCI device ("0000:03:00.0" or "03:00.0", optional ",args"). */
bool dp_devargs_is_pci(const char *devargs);

/* Writes the DPDK device name of 'devargs' (up to the first ',', PCI with domain) to 'buf'. */
int dp_devargs_name(const char *devargs, char *buf, size_t len);
/* The MTU of a net_af_packet port's interface (/sys/class/net/IFACE/mtu), -1 if unknown. */
int dp_devargs_iface_mtu(const char *devargs);

void dp_opts_usage(FILE *f);

#endif
