/* SPDX-License-Identifier: BSD-3-Clause */
/* The planner's actions and result (plan-actions.c), built from the placements plan.c made. */
#ifndef AGENT_PLAN_ACTIONS_H
#define AGENT_PLAN_ACTIONS_H

#include "plan-state.h"

/* Append to pl->plan the ordered actions from pl->cur to the placements in pl->ws. */
void plan_build_actions(struct planner *pl);
/* Fill pl->plan's decisions and result (sorted by workload and chain name). */
void plan_build_result(struct planner *pl);

#endif /* AGENT_PLAN_ACTIONS_H */
