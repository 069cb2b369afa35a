// SPDX-License-Identifier: BSD-3-Clause
/*
 * 'nfpathctl plan': the actions a policy would cause, without applying anything, and a summary
 * line (text), or the actions, decisions and resulting allocations (--json; its "allocations"
 * can be given back with --current to check that a re-plan changes nothing). Offline with
 * '--inventory FILE [--settings FILE] [--current FILE] POLICY...' on the node the inventory
 * describes; without --inventory it asks a running nfpathd, which plans against the live node
 * and its journal's allocation.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl-plan.h"
#include "ctl.h"
#include "nfpath/agent-settings.h"

int
ctl_plan_run(const char *cmd, const char *const *paths, size_t n, const char *inventory,
	     const char *settings, const char *current, struct agent_plan **ret_plan)
{
	struct agent_settings *set = NULL;
	struct agent_diags diags = {0};
	struct agent_policy *policy = NULL;
	struct agent_inventory *inv = NULL;
	struct agent_alloc *cur = NULL;
	int r, ret = CTL_EXIT_FAIL;

	r = agent_policy_load_paths(paths, n, &policy, &diags);
	if (r == 0)
		r = agent_inventory_load(inventory, &inv, &diags);
	if (r == 0 && settings)
		r = agent_settings_load(settings, false, &set, &diags);
	if (r == 0 && current)
		r = agent_alloc_load(current, &cur, &diags);
	if (r < 0) {
		agent_diags_print(&diags, stderr);
		if (r == -ENOMEM)
			fprintf(stderr, "nfpathctl %s: out of memory\n", cmd);
		else
			fprintf(stderr, "nfpathctl %s: %zu problem%s found; nothing was planned\n",
				cmd, diags.n, diags.n == 1 ? "" : "s");
		goto out;
	}
	if (set) {
		for (unsigned c = 0; c < VFM_CPUSET_MAX; c++) {
			if (vfm_cpuset_isset(&set->reserved_cpus, c))
				vfm_cpuset_set(&inv->reserved, c);
		}
	}
	r = agent_plan(policy, inv, cur, ret_plan);
	if (r < 0) {
		fprintf(stderr, "nfpathctl %s: planning failed: %s\n", cmd, strerror(-r));
		goto out;
	}
	ret = CTL_EXIT_OK;
out:
	agent_diags_clear(&diags);
	agent_policy_free(policy);
	agent_inventory_free(inv);
	agent_alloc_free(cur);
	agent_settings_free(set);
	return ret;
}

int
ctl_plan_parse_opts(int argc, char **argv, void (*usage)(FILE *out), struct ctl_plan_opts *ret_opts)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"inventory", required_argument, NULL, 'i'},
		{"current", required_argument, NULL, 'c'},
		{"settings", required_argument, NULL, 's'},
		{"socket", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_plan_opts o = {0};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'i':
			o.inventory = optarg;
			break;
		case 'c':
			o.current = optarg;
			break;
		case 's':
			o.settings = optarg;
			break;
		case 'S':
			o.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	*ret_opts = o;
	return -1;
}

static void
plan_usage(FILE *out)
{
	fprintf(out,
		"usage: nfpathctl plan [--json] [--socket PATH] [POLICY...]   (ask nfpathd)\n"
		"       nfpathctl plan [--json] --inventory FILE [--settings FILE] [--current FILE] "
		"POLICY...\n"
		"  Prints the actions the policy (files and directories, merged) would cause on the\n"
		"  node described by the inventory, without applying them.\n"
		"  --inventory FILE  the node: NUMA nodes, CPUs, PFs and VFs, datapath, domains\n"
		"  --settings FILE   node settings (nfpathd.json): its reserved_cpus are never used\n"
		"  --current FILE    what is allocated now (the \"allocations\" of plan --json)\n"
		"  --json            actions, decisions and resulting allocations as JSON\n");
}

int
ctl_plan(int argc, char **argv)
{
	struct ctl_plan_opts o;
	struct agent_plan *plan = NULL;
	int ret;

	ret = ctl_plan_parse_opts(argc, argv, plan_usage, &o);
	if (ret >= 0)
		return ret;
	if (!o.inventory)
		return ctl_plan_daemon("plan", &o, "plan", NULL, argv + optind,
				       (size_t)(argc - optind));
	if (optind >= argc) {
		fprintf(stderr, "nfpathctl plan: name at least one policy file or directory\n");
		plan_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	ret = ctl_plan_run("plan", (const char *const *)argv + optind, (size_t)(argc - optind),
			   o.inventory, o.settings, o.current, &plan);
	if (ret != CTL_EXIT_OK)
		return ret;
	if (o.json) {
		if (agent_plan_print_json(plan, stdout) < 0)
			ret = CTL_EXIT_FAIL;
	} else {
		agent_plan_print(plan, stdout);
	}
	agent_plan_free(plan);
	return ret;
}
