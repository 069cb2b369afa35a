// SPDX-License-Identifier: BSD-3-Clause
/*
 * 'nfpathctl explain [--json] NAME --inventory FILE [--settings FILE] [--current FILE]
 * POLICY...': why workload NAME is (or would be) where it is: VF or software path, which VF or
 * slot, NUMA node, CPUs, and what the planner tried first. Offline, from the same inputs as
 * 'plan'.
 */
#include <stdio.h>
#include <unistd.h>

#include "ctl-plan.h"
#include "ctl.h"

static void
explain_usage(FILE *out)
{
	fprintf(out, "usage: nfpathctl explain [--json] [--socket PATH] NAME   (ask nfpathd)\n"
		     "       nfpathctl explain [--json] NAME --inventory FILE [--settings FILE] "
		     "[--current FILE] POLICY...\n"
		     "  Prints why workload NAME is placed where it is (or why it is not).\n");
}

int
ctl_explain(int argc, char **argv)
{
	const struct agent_decision *d;
	struct agent_plan *plan = NULL;
	struct ctl_plan_opts o;
	const char *name;
	int ret;

	ret = ctl_plan_parse_opts(argc, argv, explain_usage, &o);
	if (ret >= 0)
		return ret;
	if (!o.inventory && argc - optind == 1)
		return ctl_plan_daemon("explain", &o, "explain", argv[optind], NULL, 0);
	if (!o.inventory || argc - optind < 2) {
		fprintf(stderr, "nfpathctl explain: %s\n",
			!o.inventory
				? "with --inventory, name a workload and policy files; without, "
				  "name just the workload (nfpathd is asked)"
				: "name a workload and at least one policy file or directory");
		explain_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	name = argv[optind];
	ret = ctl_plan_run("explain", (const char *const *)argv + optind + 1,
			   (size_t)(argc - optind - 1), o.inventory, o.settings, o.current, &plan);
	if (ret != CTL_EXIT_OK)
		return ret;
	d = agent_plan_decision(plan, name);
	if (!d) {
		fprintf(stderr,
			"nfpathctl explain: no workload '%s' in the policy (see 'nfpathctl "
			"validate' for its workloads)\n",
			name);
		ret = CTL_EXIT_FAIL;
	} else if (o.json) {
		if (agent_decision_print_json(d, stdout) < 0)
			ret = CTL_EXIT_FAIL;
	} else {
		agent_decision_print(d, stdout);
	}
	agent_plan_free(plan);
	return ret;
}
