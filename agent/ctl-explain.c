// SPDX-License-Identifier: BSD-3-Clause
/*
 * 'nfpathctl explain [--json] NAME --inventory FILE [--settings FILE] [--current FILE]
 * POLICY...': why workload NAME is (or would be) where it is: VF or software path, which VF or
 * slot, NUMA node, CPUs, and what the planner tried first. Offline, from the same inputs as
 * 'plan'.
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl-plan.h"
#include "ctl.h"

static void
explain_usage(FILE *out)
{
	fprintf(out, "usage: nfpathctl explain [--json] NAME --inventory FILE [--settings FILE] "
		     "[--current FILE] POLICY...\n"
		     "  Prints why workload NAME is placed where it is (or why it is not).\n");
}

int
ctl_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"inventory", required_argument, NULL, 'i'},
		{"current", required_argument, NULL, 'c'},
		{"settings", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *inventory = NULL, *current = NULL, *settings = NULL, *name;
	const struct agent_decision *d;
	struct agent_plan *plan = NULL;
	bool json = false;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'i':
			inventory = optarg;
			break;
		case 'c':
			current = optarg;
			break;
		case 's':
			settings = optarg;
			break;
		case 'h':
			explain_usage(stdout);
			return CTL_EXIT_OK;
		default:
			explain_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (!inventory || argc - optind < 2) {
		fprintf(stderr, "nfpathctl explain: %s\n",
			!inventory ? "--inventory FILE is required (nfpathd is not asked yet)"
				   : "name a workload and at least one policy file or directory");
		explain_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	name = argv[optind];
	ret = ctl_plan_run("explain", (const char *const *)argv + optind + 1,
			   (size_t)(argc - optind - 1), inventory, settings, current, &plan);
	if (ret != CTL_EXIT_OK)
		return ret;
	d = agent_plan_decision(plan, name);
	if (!d) {
		fprintf(stderr,
			"nfpathctl explain: no workload '%s' in the policy (see 'nfpathctl "
			"validate' for its workloads)\n",
			name);
		ret = CTL_EXIT_FAIL;
	} else if (json) {
		if (agent_decision_print_json(d, stdout) < 0)
			ret = CTL_EXIT_FAIL;
	} else {
		agent_decision_print(d, stdout);
	}
	agent_plan_free(plan);
	return ret;
}
