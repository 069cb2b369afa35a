/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What 'nfpathctl plan' and 'explain' share: load a policy, an inventory and optionally current
 * allocations, and run the planner, printing diagnostics the way 'validate' does.
 */
#ifndef AGENT_CTL_PLAN_H
#define AGENT_CTL_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "nfpath/agent-plan.h"

/* The options 'plan' and 'explain' share. */
struct ctl_plan_opts {
	bool json;
	const char *inventory; /* --inventory FILE (required) */
	const char *settings;  /* --settings FILE, or NULL */
	const char *current;   /* --current FILE, or NULL */
	const char *socket;    /* --socket PATH: nfpathd's control socket (no --inventory) */
};

/*
 * Without --inventory, 'plan' and 'explain' ask the running nfpathd (its live inventory and
 * allocations): op "plan" with the policy paths (absolute; none = the policy in force), or
 * "explain" with the name. Prints the answer (text, or JSON with --json). Returns an exit code.
 */
int ctl_plan_daemon(const char *cmd, const struct ctl_plan_opts *o, const char *op,
		    const char *name, char *const *paths, size_t n);

/*
 * Parse those options. Returns -1 to go on (operands start at optind), or the exit code to
 * return now: CTL_EXIT_OK after --help, CTL_EXIT_USAGE after a bad option ('usage' printed).
 */
int ctl_plan_parse_opts(int argc, char **argv, void (*usage)(FILE *out),
			struct ctl_plan_opts *ret_opts);

/*
 * Load the policy files/directories 'paths', the inventory file, (when not NULL) the node
 * settings, whose reserved_cpus join the inventory's housekeeping CPUs, and (when not NULL) the
 * current allocations, then plan. Returns CTL_EXIT_OK with *ret_plan, or CTL_EXIT_FAIL after
 * printing every problem to stderr prefixed with 'cmd'.
 */
int ctl_plan_run(const char *cmd, const char *const *paths, size_t n, const char *inventory,
		 const char *settings, const char *current, struct agent_plan **ret_plan);

#endif /* AGENT_CTL_PLAN_H */
