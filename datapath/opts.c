// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpath-dp's command line: parsing, defaults, the usage text and the EAL argument vector.
 * Kept free of DPDK calls so that tests can drive it without an EAL (opts.h).
 */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void
dp_opts_usage(FILE *f)
{
	fputs("Usage: nfpath-dp [OPTION]... [-- EAL-ARGUMENT...]\n"
	      "The nfpath datapath: a DPDK primary process that owns the uplink port, steers MAC\n"
	      "addresses to chains (rte_flow when the NIC accepts it, a software classifier\n"
	      "otherwise) and takes orders over a unix control socket.\n"
	      "\n"
	      "Ports:\n"
	      "  -p, --port DEVARGS       add a port; the first is the uplink. A PCI address\n"
	      "                           (0000:03:00.0[,args]) or a virtual device\n"
	      "                           (net_tap0,iface=t0 | net_af_packet0,iface=veth0 |\n"
	      "                           net_ring0 | net_null0 | net_memif0,role=server,...).\n"
	      "                           Repeat for up to 16 ports.\n"
	      "  -q, --rx-queues N        RX queues on the uplink (1-16, default 1). Queue 0 is\n"
	      "                           the default queue; 1..N-1 take rte_flow-steered MACs.\n"
	      "      --rxd N              RX descriptors per queue (default 512)\n"
	      "      --txd N              TX descriptors per queue (default 512)\n"
	      "      --isolate            put the uplink in rte_flow isolated mode: only\n"
	      "                           traffic matched by a rule reaches nfpath-dp (for\n"
	      "                           bifurcated NICs whose kernel netdev keeps the rest)\n"
	      "\n"
	      "CPUs and memory:\n"
	      "  -l, --lcores MAP         EAL lcore map (default: '0@C0,1@C1' on the first two\n"
	      "                           CPUs of the affinity mask: lcore 0 serves control, the\n"
	      "                           others forward; with one lcore it does both)\n"
	      "      --file-prefix NAME   EAL file prefix for hugepage files and the runtime\n"
	      "                           directory (default 'nfpath'); NF processes use the same\n"
	      "      --mbufs N            mbufs per NUMA socket (default: sized from ports,\n"
	      "                           queues, descriptors and lcores)\n"
	      "      --no-huge            run without hugepages (tests only: no NF processes\n"
	      "                           can attach)\n"
	      "      --in-memory          no shared files (tests only: no NF processes)\n"
	      "      --idle-sleep US      sleep US microseconds after a poll round that found\n"
	      "                           no packet (default 0: busy polling)\n"
	      "\n"
	      "Control:\n"
	      "  -s, --socket PATH        control socket (default /run/nfpath/dp.sock), mode\n"
	      "                           0660; root and members of the socket group may use it\n"
	      "      --socket-group NAME  group of the control socket (default 'nfpath', used\n"
	      "                           when it exists)\n"
	      "      --ctl-idle S         close control clients other than root and our own\n"
	      "                           user after S seconds without a request (default 30)\n"
	      "      --vhost-dir DIR      directory of the vhost-user sockets that vhost_add\n"
	      "                           creates (default /run/nfpath/vhost)\n"
	      "      --vhost-group NAME   group of those sockets, so QEMU can connect (default\n"
	      "                           'kvm', used when it exists); mode 0660\n"
	      "      --max-vm-ports N     VM (vhost-user) ports vhost_add may create (0-1024,\n"
	      "                           default 256); each costs memory only once used\n"
	      "      --log-level LEVEL    EAL log level (e.g. 'notice', 'pmd.net.tap:debug')\n"
	      "  -h, --help               this text\n"
	      "  -V, --version            print the version\n"
	      "\n"
	      "Arguments after '--' go to the DPDK EAL unchanged. nfpath-dp always passes\n"
	      "--no-pci unless a port is a PCI address (then only that device is allowed).\n"
	      "Telemetry: /nfpath/stats, /nfpath/flows, /nfpath/chains (dpdk-telemetry.py -f PREFIX).\n"
	      "SIGTERM or SIGINT drains the TX buffers, removes rte_flow rules and the socket.\n"
	      "See nfpath-dp(8).\n",
	      f);
}

static int
parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *ret, const char *opt,
	   FILE *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(err, "nfpath-dp: %s: '%s' is not a number in %u-%u\n", opt, s, min, max);
		return -EINVAL;
	}
	*ret = (unsigned int)v;
	return 0;
}

enum {
	OPT_RXD = 256,
	OPT_TXD,
	OPT_ISOLATE,
	OPT_FILE_PREFIX,
	OPT_MBUFS,
	OPT_NO_HUGE,
	OPT_IN_MEMORY,
	OPT_IDLE_SLEEP,
	OPT_CTL_IDLE,
	OPT_SOCKET_GROUP,
	OPT_LOG_LEVEL,
	OPT_VHOST_DIR,
	OPT_VHOST_GROUP,
	OPT_MAX_VM_PORTS,
};

int
dp_opts_parse(struct dp_opts *o, int argc, char **argv, FILE *err)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"rx-queues", required_argument, NULL, 'q'},
		{"rxd", required_argument, NULL, OPT_RXD},
		{"txd", required_argument, NULL, OPT_TXD},
		{"isolate", no_argument, NULL, OPT_ISOLATE},
		{"lcores", required_argument, NULL, 'l'},
		{"file-prefix", required_argument, NULL, OPT_FILE_PREFIX},
		{"mbufs", required_argument, NULL, OPT_MBUFS},
		{"no-huge", no_argument, NULL, OPT_NO_HUGE},
		{"in-memory", no_argument, NULL, OPT_IN_MEMORY},
		{"idle-sleep", required_argument, NULL, OPT_IDLE_SLEEP},
		{"ctl-idle", required_argument, NULL, OPT_CTL_IDLE},
		{"socket", required_argument, NULL, 's'},
		{"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"vhost-dir", required_argument, NULL, OPT_VHOST_DIR},
		{"vhost-group", required_argument, NULL, OPT_VHOST_GROUP},
		{"max-vm-ports", required_argument, NULL, OPT_MAX_VM_PORTS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, r;

	memset(o, 0, sizeof(*o));
	o->rx_queues = 1;
	o->rxd = 512;
	o->ctl_idle_s = 30;
	o->txd = 512;
	o->file_prefix = DP_DEFAULT_FILE_PREFIX;
	o->socket_path = DP_DEFAULT_SOCKET;
	o->socket_group = DP_DEFAULT_GROUP;
	o->vhost_dir = DP_DEFAULT_VHOST_DIR;
	o->vhost_group = DP_DEFAULT_VHOST_GROUP;
	o->max_vm_ports = DP_DEF_VM_PORTS;

	optind = 0; /* 0: full re-initialisation of GNU getopt (tests parse many times) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:q:l:s:hV", longopts, NULL)) != -1) {
		r = 0;
		switch (c) {
		case 'p':
			if (o->n_ports >= DP_MAX_ETH_PORTS) {
				fprintf(err, "nfpath-dp: --port '%s': at most %d ports\n", optarg,
					DP_MAX_ETH_PORTS);
				return -EINVAL;
			}
			if (!optarg[0] || strlen(optarg) >= sizeof(o->eal_strbuf[0]) - 8) {
				fprintf(err, "nfpath-dp: --port: devargs empty or too long\n");
				return -EINVAL;
			}
			o->ports[o->n_ports++] = optarg;
			break;
		case 'q':
			r = parse_uint(optarg, 1, DP_MAX_QUEUES, &o->rx_queues, "--rx-queues", err);
			break;
		case OPT_RXD:
			r = parse_uint(optarg, 64, 4096, &o->rxd, "--rxd", err);
			break;
		case OPT_TXD:
			r = parse_uint(optarg, 64, 4096, &o->txd, "--txd", err);
			break;
		case OPT_ISOLATE:
			o->isolate = true;
			break;
		case 'l':
			o->lcores = optarg;
			break;
		case OPT_FILE_PREFIX:
			if (!optarg[0] || strchr(optarg, '/')) {
				fprintf(err, "nfpath-dp: --file-prefix '%s': give a plain name\n",
					optarg);
				return -EINVAL;
			}
			o->file_prefix = optarg;
			break;
		case OPT_MBUFS:
			r = parse_uint(optarg, 512, 16u << 20, &o->mbufs, "--mbufs", err);
			break;
		case OPT_NO_HUGE:
			o->no_huge = true;
			break;
		case OPT_IN_MEMORY:
			o->in_memory = true;
			break;
		case OPT_IDLE_SLEEP:
			r = parse_uint(optarg, 0, 1000000, &o->idle_sleep_us, "--idle-sleep", err);
			break;
		case OPT_CTL_IDLE:
			r = parse_uint(optarg, 1, 86400, &o->ctl_idle_s, "--ctl-idle", err);
			break;
		case 's':
			if (!optarg[0] || strlen(optarg) >= 100) {
				fprintf(err,
					"nfpath-dp: --socket '%s': give a path of 1-99 bytes\n",
					optarg);
				return -EINVAL;
			}
			o->socket_path = optarg;
			break;
		case OPT_SOCKET_GROUP:
			o->socket_group = optarg;
			break;
		case OPT_VHOST_DIR:
			if (!optarg[0] || strlen(optarg) > 60) {
				fprintf(err,
					"nfpath-dp: --vhost-dir '%s': give a directory path of "
					"1-60 bytes (sockets in it need room for a name)\n",
					optarg);
				return -EINVAL;
			}
			o->vhost_dir = optarg;
			break;
		case OPT_VHOST_GROUP:
			o->vhost_group = optarg;
			break;
		case OPT_MAX_VM_PORTS:
			r = parse_uint(optarg, 0, DP_MAX_VM_PORTS, &o->max_vm_ports,
				       "--max-vm-ports", err);
			break;
		case OPT_LOG_LEVEL:
			o->log_level = optarg;
			break;
		case 'h':
			o->help = true;
			break;
		case 'V':
			o->version = true;
			break;
		case ':':
			fprintf(err, "nfpath-dp: option '%s' needs a value (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(err, "nfpath-dp: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (r < 0) {
			return r;
		}
	}
	if (optind < argc) {
		/* getopt_long stops at '--' and leaves the rest for the EAL. */
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(err,
				"nfpath-dp: unexpected argument '%s' (EAL arguments go after '--')\n",
				argv[optind]);
			return -EINVAL;
		}
		o->extra_eal = &argv[optind];
		o->n_extra_eal = argc - optind;
	}
	if (o->help || o->version) {
		return 0;
	}
	if (o->no_huge && o->in_memory) {
		fprintf(err, "nfpath-dp: --no-huge and --in-memory exclude each other (the EAL "
			     "refuses both): give one\n");
		return -EINVAL;
	}
	if (o->n_ports == 0) {
		fprintf(err, "nfpath-dp: no port: give the uplink with --port DEVARGS, e.g. "
			     "--port net_af_packet0,iface=eth1 (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

void
dp_opts_default_lcores(struct dp_opts *o, int n_cpus, const int *cpus)
{
	if (o->lcores) {
		return;
	}
	if (n_cpus >= 2) {
		snprintf(o->lcores_buf, sizeof(o->lcores_buf), "0@%d,1@%d", cpus[0], cpus[1]);
	} else {
		snprintf(o->lcores_buf, sizeof(o->lcores_buf), "0@%d", n_cpus ? cpus[0] : 0);
	}
	o->lcores = o->lcores_buf;
}

static bool
hexrun(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

bool
dp_devargs_is_pci(const char *d)
{
	size_t n = strcspn(d, ",");

	/* DDDD:BB:DD.F */
	if (n == 12 && hexrun(d, 4) && d[4] == ':' && hexrun(d + 5, 2) && d[7] == ':' &&
	    hexrun(d + 8, 2) && d[10] == '.' && d[11] >= '0' && d[11] <= '7') {
		return true;
	}
	/* BB:DD.F */
	return n == 7 && hexrun(d, 2) && d[2] == ':' && hexrun(d + 3, 2) && d[5] == '.' &&
	       d[6] >= '0' && d[6] <= '7';
}

int
dp_devargs_name(const char *devargs, char *buf, size_t len)
{
	size_t n = strcspn(devargs, ",");
	int w;

	if (dp_devargs_is_pci(devargs) && n == 7) {
		w = snprintf(buf, len, "0000:%.*s", (int)n, devargs);
	} else {
		w = snprintf(buf, len, "%.*s", (int)n, devargs);
	}
	if (w < 0 || (size_t)w >= len || n == 0) {
		return -EINVAL;
	}
	return 0;
}

/* Copies the value of 'key=' in devargs (after the device name) to val; false if absent. */
static bool
devargs_get(const char *devargs, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);

	for (const char *c = strchr(devargs, ','); c; c = strchr(c + 1, ',')) {
		if (strncmp(c + 1, key, kl) == 0 && c[1 + kl] == '=') {
			size_t n = strcspn(c + 2 + kl, ",");

			snprintf(val, len, "%.*s", (int)n, c + 2 + kl);
			return n < len;
		}
	}
	return false;
}

int
dp_devargs_iface_mtu(const char *devargs)
{
	char iface[64], path[128];
	FILE *f;
	int mtu = -1;

	if (strncmp(devargs, "net_af_packet", 13) != 0 ||
	    !devargs_get(devargs, "iface", iface, sizeof(iface)) || !iface[0] ||
	    strchr(iface, '/') || iface[0] == '.') {
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", iface);
	f = fopen(path, "r");
	if (!f) {
		return -1;
	}
	if (fscanf(f, "%d", &mtu) != 1 || mtu < 68 || mtu > 65535) {
		mtu = -1;
	}
	fclose(f);
	return mtu;
}

/*
 * A net_af_packet port's ring frames must hold the interface's longest frame, or the kernel
 * cuts it (tp_snaplen) and the PMD passes the cut frame on as whole. The kernel puts a frame
 * at offset 66 of its ring frame (TPACKET_V2: TPACKET_ALIGN(52 + 16) - 14); 80 leaves room,
 * and 18 is an Ethernet header with a VLAN tag the kernel did not strip. The PMD's default
 * (framesz=2048) holds MTU 1500 and stays as is there. The PMD copies a frame into one mbuf
 * (22.11 has no scattered RX), whose data room must hold framesz - 32: rx_frame_max.
 * The PMD finds frame i at i * framesz (rte_eth_af_packet.c, rd[]) while the kernel starts
 * every block afresh: blocksz must be a multiple of framesz (and of the page), or RX stalls
 * after the first block. framesz is rounded up to 1 KiB, blocksz is lcm(framesz, 4096).
 */
#define AFP_FRAME_DEFAULT  2048u
#define AFP_FRAME_OVERHEAD (80u + 18u)
#define AFP_FRAME_HDR      32u /* TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) */

static unsigned int
afp_gcd(unsigned int a, unsigned int b)
{
	while (b) {
		unsigned int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int
afp_size_frames(struct dp_opts *o, unsigned int i, char *buf, size_t len)
{
	const char *d = o->ports[i];
	int mtu = dp_devargs_iface_mtu(d);
	unsigned int need, block, frame = AFP_FRAME_DEFAULT;
	char v[32];
	int w;

	o->port_mtu[i] = mtu > 0 ? (unsigned int)mtu : 0;
	w = snprintf(buf, len, "%s", d);
	if (mtu <= 0) {
		return w < 0 || (size_t)w >= len ? -E2BIG : 0;
	}
	need = ((unsigned int)mtu + AFP_FRAME_OVERHEAD + 1023u) & ~1023u;
	block = need * (4096u / afp_gcd(need, 4096u));
	if (devargs_get(d, "framesz", v, sizeof(v)) || devargs_get(d, "blocksz", v, sizeof(v))) {
		if (devargs_get(d, "framesz", v, sizeof(v))) {
			frame = (unsigned int)strtoul(v, NULL, 0);
		}
		if (frame < need) {
			fprintf(stderr,
				"nfpath-dp: warning: --port '%s': framesz=%u is short for the "
				"interface's MTU %d: longer frames arrive cut; give framesz=%u "
				"and blocksz=%u or leave both out\n",
				d, frame, mtu, need, block);
		}
	} else if (need > AFP_FRAME_DEFAULT) {
		frame = need;
		w = snprintf(buf, len, "%s,framesz=%u,blocksz=%u", d, need, block);
	}
	if (frame > AFP_FRAME_HDR && frame - AFP_FRAME_HDR > o->rx_frame_max) {
		o->rx_frame_max = frame - AFP_FRAME_HDR;
	}
	return w < 0 || (size_t)w >= len ? -E2BIG : 0;
}

static int
push(struct dp_opts *o, const char *s)
{
	if (o->eal_argc >= DP_EAL_ARGV_MAX - 1) {
		return -E2BIG;
	}
	o->eal_argv[o->eal_argc++] = (char *)s;
	o->eal_argv[o->eal_argc] = NULL;
	return 0;
}

int
dp_opts_eal_argv(struct dp_opts *o, const char *argv0)
{
	bool any_pci = false;
	int r = 0;

	o->eal_argc = 0;
	r |= push(o, argv0);
	r |= push(o, "--file-prefix");
	r |= push(o, o->file_prefix);
	if (o->lcores) {
		r |= push(o, "--lcores");
		r |= push(o, o->lcores);
	}
	for (unsigned int i = 0; i < o->n_ports; i++) {
		bool pci = dp_devargs_is_pci(o->ports[i]);

		any_pci |= pci;
		r |= afp_size_frames(o, i, o->eal_strbuf[i], sizeof(o->eal_strbuf[i]));
		r |= push(o, pci ? "-a" : "--vdev");
		r |= push(o, o->eal_strbuf[i]);
	}
	if (!any_pci) {
		/* Otherwise EAL probes every PCI NIC, the machine's own included. */
		r |= push(o, "--no-pci");
	}
	if (o->no_huge) {
		r |= push(o, "--no-huge");
	}
	if (o->in_memory) {
		r |= push(o, "--in-memory");
	}
	if (o->log_level) {
		r |= push(o, "--log-level");
		r |= push(o, o->log_level);
	}
	for (int i = 0; i < o->n_extra_eal; i++) {
		r |= push(o, o->extra_eal[i]);
	}
	return r ? -E2BIG : 0;
}
