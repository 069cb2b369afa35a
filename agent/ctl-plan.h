/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What 'nfpathctl plan' and 'explain' share: load a policy, an inventory and optionally current
 * allocations, and run the planner, printing diagnostics the way 'validate' does.
 */
#ifndef AGENT_CTL_PLAN_H
#define AGENT_CTL_PLAN_H

#include "nfpath/agent-plan.h"

/*
 * Load the policy files/directories 'paths', the inventory file, (when not NULL) the node
 * settings, whose reserved_cpus join the inventory's housekeeping CPUs, and (when not NULL) the
 * current allocations, then plan. Returns CTL_EXIT_OK with *ret_plan, or CTL_EXIT_FAIL after
 * printing every problem to stderr prefixed with 'cmd'.
 */
int ctl_plan_run(const char *cmd, const char *const *paths, size_t n, const char *inventory,
		 const char *settings, const char *current, struct agent_plan **ret_plan);

#endif /* AGENT_CTL_PLAN_H */
