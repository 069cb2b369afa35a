// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpath-simnic: the packet side of the SIMULATED SR-IOV NIC (vf-manager's sim backend with
 * "netdevs": true; README.md, "Packets: real netdevs and the embedded switch").
 *   switch   run the embedded switch in the foreground until SIGTERM or SIGINT
 *   repair   open the NIC once: finishes what a killed process left (VF count, netdevs)
 *   destroy  delete every netdev of the NIC and its tree
 *   stats    print the switch's counters (per port: rx, tx and drops by reason), fresh from
 *            a running switch
 * Everything else (VF count, VF settings) goes through nfpath-vf or the library, as on real
 * hardware: the switch follows the tree.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "backend-sim.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: nfpath-simnic --sim FILE [--sysfs-root DIR] [-v] "
		   "switch|repair|destroy|stats\n"
		   "The packet side of a SIMULATED SR-IOV NIC (not real hardware): see "
		   "vf-manager/README.md.\n");
}

static int print_stderr(enum vfm_print_level level, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));

static int
print_stderr(enum vfm_print_level level, const char *fmt, va_list args)
{
	(void)level;
	fputs("nfpath-simnic: ", stderr);
	vfprintf(stderr, fmt, args);
	return fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"sim", required_argument, NULL, 's'},
		{"sysfs-root", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vfm_options o = {0};
	struct vfm_ctx *ctx;
	const char *cmd;
	char *msg = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.sim_file = optarg;
			break;
		case 'r':
			o.sysfs_root = optarg;
			break;
		case 'v':
			vfm_set_print(print_stderr);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.sim_file || optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "switch") && strcmp(cmd, "repair") && strcmp(cmd, "destroy") &&
	    strcmp(cmd, "stats")) {
		fprintf(stderr,
			"nfpath-simnic: unknown command '%s' (switch, repair, destroy, stats)\n",
			cmd);
		return 2;
	}
	if (vfm_ctx_new(&o, &ctx, &msg) < 0) {
		fprintf(stderr, "nfpath-simnic: %s\n", msg ? msg : "cannot open the simulated NIC");
		free(msg);
		return 1;
	}
	r = 0;
	if (strcmp(cmd, "switch") == 0) {
		struct sigaction sa = {.sa_handler = on_signal};

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		fprintf(stderr, "nfpath-simnic: SIMULATED NIC switch running on '%s'\n",
			vfm_sim_of(ctx)->root);
		r = vfm_sim_switch_run(ctx, &stop);
	} else if (strcmp(cmd, "destroy") == 0) {
		struct sim *sim = vfm_sim_of(ctx);
		char root[PATH_MAX];

		snprintf(root, sizeof(root), "%s", sim->root);
		vfm_sim_net_destroy(sim);
		vfm_ctx_free(ctx);
		ctx = NULL;
		r = vfm_rm_rf(root);
		if (r < 0)
			fprintf(stderr, "nfpath-simnic: removing '%s': %s\n", root, strerror(-r));
	} else if (strcmp(cmd, "stats") == 0) {
		struct sim *sim = vfm_sim_of(ctx);
		char path[PATH_MAX], text[65536];

		/* A running switch writes its counters when it applies a generation: fresh ones. */
		while (flock(sim->lock_fd, LOCK_EX) < 0 && errno == EINTR)
			;
		vfm_sim_net_bump(sim);
		flock(sim->lock_fd, LOCK_UN);
		vfm_sim_net_notify(sim);
		r = vfm_path(path, sizeof(path), "%s/" SIM_STATE "/switch/stats",
			     vfm_sim_of(ctx)->root);
		if (r == 0)
			r = vfm_read_attr(path, text, sizeof(text));
		if (r >= 0)
			printf("%s\n", text);
		else
			fprintf(stderr, "nfpath-simnic: no switch counters in '%s': %s\n", path,
				strerror(-r));
	}
	if (r < 0 && ctx && strcmp(cmd, "switch") == 0)
		fprintf(stderr, "nfpath-simnic: %s\n", vfm_ctx_last_error(ctx));
	vfm_ctx_free(ctx);
	return r < 0 ? 1 : 0;
}
