// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for the datapath's control-message parser (datapath/ctl-msg.c): any bytes in,
 * a parsed request or a typed error out, and a reply that is valid JSON either way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_ctl_req req;
	struct dp_ctl_err err;
	json_error_t je;
	json_t *o;
	char *reply;

	if (dp_ctl_parse((const char *)data, size, &req, &err) == 0) {
		if (req.op >= DP_CTL_OP_MAX || req.n_hops > DP_CTL_MAX_HOPS ||
		    req.chain > DP_CTL_MAX_CHAIN || req.vlan > 4094) {
			abort();
		}
		reply = dp_ctl_reply_ok(&req, NULL);
	} else {
		if (err.type >= DP_CTL_E_MAX || !memchr(err.msg, '\0', sizeof(err.msg))) {
			abort();
		}
		reply = dp_ctl_reply_err(req.has_id, req.id, err.type, err.msg);
	}
	if (!reply) {
		abort();
	}
	o = json_loads(reply, 0, &je);
	if (!o || !json_is_object(o)) {
		abort();
	}
	json_decref(o);
	free(reply);
	return 0;
}
