// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for the policy loader (agent/policy-*.c, json-pos.c, json-read.c) and the node
 * settings loader. The input is one policy file, or two when it contains the line "---" (so the
 * cross-file checks run too); the same bytes are also read as node settings. Beyond "no crash,
 * no leak", it checks the loader's contract: a policy xor diagnostics, every diagnostic with a
 * position, every reference in a returned policy resolved. The position scanner also gets the
 * raw bytes, since the loader only hands it text that Jansson accepted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-pos.h"
#include "nfpath/agent-policy.h"
#include "nfpath/agent-settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_policy(const struct agent_policy *p)
{
	for (size_t i = 0; i < p->n_workloads; i++) {
		const struct agent_workload *w = &p->workloads[i];

		if (!w->name || w->nic >= p->n_nics || (w->vlan > 4094) ||
		    (w->type == AGENT_WORKLOAD_VM && (!w->has_mac || !w->domain)))
			abort();
		if (w->max_tx_rate && w->min_tx_rate > w->max_tx_rate)
			abort();
	}
	for (size_t i = 0; i < p->n_chains; i++) {
		const struct agent_chain *c = &p->chains[i];

		if (c->n_hops == 0)
			abort();
		for (size_t h = 0; h < c->n_hops; h++) {
			if (c->hops[h] >= p->n_workloads ||
			    p->workloads[c->hops[h]].type != AGENT_WORKLOAD_NF)
				abort();
		}
		if (c->egress == AGENT_EGRESS_NIC && c->egress_nic >= p->n_nics)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct agent_policy_source src[2] = {{"a.json", text, size}, {"b.json", NULL, 0}};
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	struct agent_settings *s = NULL;
	struct json_posmap *map = NULL;
	struct json_pos pos;
	const uint8_t *sep = size >= 5 ? memmem(data, size, "\n---\n", 5) : NULL;
	size_t n = 1;
	int r;

	if (sep) {
		src[0].len = (size_t)(sep - data);
		src[1].text = (const char *)sep + 5;
		src[1].len = size - src[0].len - 5;
		n = 2;
	}
	r = agent_policy_load_sources(src, n, &p, &diags);
	if (r == 0 && (!p || diags.n != 0))
		abort();
	if (r == -EINVAL && (p || diags.n == 0))
		abort();
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		abort();
	for (size_t i = 0; i < diags.n; i++) {
		if (diags.v[i].line == 0 || diags.v[i].column == 0 || !diags.v[i].message[0])
			abort();
	}
	if (p)
		check_policy(p);
	agent_policy_free(p);
	agent_diags_clear(&diags);

	r = agent_settings_load_buffer("nfpathd.json", text, size, &s, &diags);
	if ((r == 0) != (s != NULL) || (r == -EINVAL && diags.n == 0))
		abort();
	agent_settings_free(s);
	agent_diags_clear(&diags);

	if (json_posmap_build(text, size, &map) == 0) {
		for (size_t i = 0; i < json_posmap_n_dups(map); i++) {
			const struct json_pos_dup *d = json_posmap_dup(map, i);

			if (!json_posmap_key(map, d->path, &pos) || d->key.line < d->first.line ||
			    (d->key.line == d->first.line && d->key.column <= d->first.column))
				abort();
		}
		json_posmap_value(map, "", &pos);
		json_posmap_free(map);
	}
	return 0;
}
