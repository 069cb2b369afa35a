// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpathd: the node agent. Makes the node match the policy and keeps it so; see nfpathd(8).
 * This file is the command line; daemon.c is the rest.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfpath/base-util.h"
#include "daemon.h"

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: nfpathd [OPTIONS]\n"
		"\n"
		"The nfpath node agent. Options override the node settings file.\n"
		"  -c, --settings FILE        node settings (default " AGENT_SETTINGS_FILE
		", may be absent)\n"
		"  -p, --policy-dir DIR       policy drop-in directory (default "
		"/etc/nfpath/policies.d)\n"
		"  -s, --state-dir DIR        journal directory (default /var/lib/nfpath)\n"
		"  -S, --control-socket PATH  socket for nfpathctl (default "
		"/run/nfpath/nfpathd.sock)\n"
		"  -d, --datapath-socket PATH nfpath-dp's control socket ('' = no datapath)\n"
		"  -l, --libvirt-uri URI      libvirt connection ('' = no libvirt)\n"
		"      --sysfs-root DIR       sysfs root (default /sys)\n"
		"      --procfs-root DIR      procfs root (default /proc)\n"
		"      --vf-backend real|sim  vf-manager backend\n"
		"      --sim-nic-file FILE    simulated NIC description (with --vf-backend sim)\n"
		"      --reserved-cpus LIST   CPUs never given to workloads (0-1,8)\n"
		"      --resync-interval SEC  periodic resync (default 60)\n"
		"      --debounce-ms MS       let policy directory changes settle (default 200)\n"
		"      --ready-timeout SEC    tell systemd READY=1 after this even when the node is\n"
		"                             not converged yet (default 60; STATUS= says what is not)\n"
		"      --nf-crash-loop N/SEC  an NF that died N times within SEC seconds is\n"
		"                             crash-looping (default 5/60)\n"
		"      --nf-backoff MS/MS     an NF's first restart delay and its ceiling\n"
		"                             (default 1000/30000)\n"
		"  -f, --foreground           accepted; nfpathd always stays in the foreground\n"
		"  -v, --verbose              debug messages (<7>)\n"
		"  -h, --help                 this text\n"
		"\n"
		"Signals: SIGHUP reloads the policy; SIGTERM/SIGINT stop. See nfpathd(8).\n");
}

enum {
	OPT_SYSFS = 256,
	OPT_PROCFS,
	OPT_BACKEND,
	OPT_SIM,
	OPT_RESERVED,
	OPT_RESYNC,
	OPT_DEBOUNCE,
	OPT_READY,
	OPT_NF_LOOP,
	OPT_NF_BACKOFF,
};

static int parse_uint(const char *opt, const char *s, unsigned int min, unsigned int max,
		      unsigned int *ret);

/* "A/B", each a number from 1 to its maximum. */
static int
parse_pair(const char *opt, const char *s, const char *how, unsigned int max_a, unsigned int max_b,
	   unsigned int *a, unsigned int *b)
{
	char first[16] = "";
	const char *slash = strchr(s, '/');

	if (!slash || (size_t)(slash - s) >= sizeof(first)) {
		fprintf(stderr, "nfpathd: %s '%s': write %s\n", opt, s, how);
		return -1;
	}
	memcpy(first, s, (size_t)(slash - s));
	return parse_uint(opt, first, 1, max_a, a) || parse_uint(opt, slash + 1, 1, max_b, b) ? -1
											      : 0;
}

static int
parse_uint(const char *opt, const char *s, unsigned int min, unsigned int max, unsigned int *ret)
{
	unsigned long long v;

	if (base_parse_uint(s, min, max, &v) < 0) {
		fprintf(stderr, "nfpathd: %s '%s': not a number in %u-%u\n", opt, s, min, max);
		return -1;
	}
	*ret = (unsigned int)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"settings", required_argument, NULL, 'c'},
		{"policy-dir", required_argument, NULL, 'p'},
		{"state-dir", required_argument, NULL, 's'},
		{"control-socket", required_argument, NULL, 'S'},
		{"datapath-socket", required_argument, NULL, 'd'},
		{"libvirt-uri", required_argument, NULL, 'l'},
		{"sysfs-root", required_argument, NULL, OPT_SYSFS},
		{"procfs-root", required_argument, NULL, OPT_PROCFS},
		{"vf-backend", required_argument, NULL, OPT_BACKEND},
		{"sim-nic-file", required_argument, NULL, OPT_SIM},
		{"reserved-cpus", required_argument, NULL, OPT_RESERVED},
		{"resync-interval", required_argument, NULL, OPT_RESYNC},
		{"debounce-ms", required_argument, NULL, OPT_DEBOUNCE},
		{"ready-timeout", required_argument, NULL, OPT_READY},
		{"nf-crash-loop", required_argument, NULL, OPT_NF_LOOP},
		{"nf-backoff", required_argument, NULL, OPT_NF_BACKOFF},
		{"foreground", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct agent_daemon_options o = {0};
	struct agent_daemon d;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:p:s:S:d:l:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.settings_file = optarg;
			break;
		case 'p':
			o.policy_dir = optarg;
			break;
		case 's':
			o.state_dir = optarg;
			break;
		case 'S':
			o.control_socket = optarg;
			break;
		case 'd':
			o.datapath_socket = optarg;
			break;
		case 'l':
			o.libvirt_uri = optarg;
			break;
		case OPT_SYSFS:
			o.sysfs_root = optarg;
			break;
		case OPT_PROCFS:
			o.procfs_root = optarg;
			break;
		case OPT_BACKEND:
			o.vf_backend = optarg;
			break;
		case OPT_SIM:
			o.sim_nic_file = optarg;
			break;
		case OPT_RESERVED:
			o.reserved_cpus = optarg;
			break;
		case OPT_RESYNC:
			if (parse_uint("--resync-interval", optarg, 1, 86400, &o.resync_sec))
				return 2;
			break;
		case OPT_DEBOUNCE:
			if (parse_uint("--debounce-ms", optarg, 0, 60000, &o.debounce_ms))
				return 2;
			break;
		case OPT_READY:
			if (parse_uint("--ready-timeout", optarg, 1, 3600, &o.ready_timeout_sec))
				return 2;
			break;
		case OPT_NF_LOOP:
			if (parse_pair("--nf-crash-loop", optarg, "DEATHS/SECONDS (such as 5/60)",
				       32, 86400, &o.nf_loop_deaths, &o.nf_loop_window_sec))
				return 2;
			break;
		case OPT_NF_BACKOFF:
			if (parse_pair("--nf-backoff", optarg,
				       "FIRST_MS/MAX_MS (such as 1000/30000)", 3600000, 3600000,
				       &o.nf_backoff_first_ms, &o.nf_backoff_max_ms))
				return 2;
			break;
		case 'f':
			break;
		case 'v':
			o.verbose = true;
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
		fprintf(stderr, "nfpathd: unexpected argument '%s' (nfpathd takes options only)\n",
			argv[optind]);
		return 2;
	}
	r = agent_daemon_init(&d, &o);
	if (r == 0)
		r = agent_daemon_run(&d);
	agent_daemon_fini(&d);
	agent_log(r == 0 ? AGENT_LOG_INFO : AGENT_LOG_ERR, "nfpathd %s",
		  r == 0 ? "stopped" : "failed");
	return r == 0 ? 0 : 1;
}
