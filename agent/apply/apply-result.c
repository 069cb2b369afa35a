// SPDX-License-Identifier: BSD-3-Clause
/* What one apply run reports (apply-result.h). */
#include <string.h>

#include "apply-result.h"

void
agent_apply_result_init(struct agent_apply_result *res)
{
	memset(res, 0, sizeof(*res));
	res->errors = json_array();
	res->notes = json_array();
	res->placements = json_array();
	res->chains = json_array();
}

void
agent_apply_result_clear(struct agent_apply_result *res)
{
	json_decref(res->errors);
	json_decref(res->notes);
	json_decref(res->placements);
	json_decref(res->chains);
	memset(res, 0, sizeof(*res));
}
