// SPDX-License-Identifier: BSD-3-Clause
/* One apply run's messages and journal writes (apply-run.h), shared by apply.c and apply-dp.c. */
#include <stdarg.h>
#include <stdio.h>

#include "apply-run.h"

/* ---- messages -------------------------------------------------------------------------------- */

enum msg_kind { MSG_PROBLEM, MSG_NOTE, MSG_CHANGED };

/* Log one line of the run and keep it where 'nfpathctl status/apply' shows it. */
__attribute__((format(printf, 3, 0))) static void
apply_vmsg(struct apply_run *r, enum msg_kind kind, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	agent_node_log(r->node, kind == MSG_PROBLEM ? AGENT_LOG_ERR : AGENT_LOG_INFO, "apply: %s",
		       line);
	if (kind == MSG_CHANGED) {
		r->res->changed++;
		if (r->node->step)
			r->node->step(r->node->step_opaque, line);
		return;
	}
	json_array_append_new(kind == MSG_PROBLEM ? r->res->errors : r->res->notes,
			      json_string(line));
	if (kind == MSG_PROBLEM && r->pl)
		json_array_append_new(json_object_get(r->pl, "errors"), json_string(line));
}

void
apply_problem(struct apply_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apply_vmsg(r, MSG_PROBLEM, fmt, ap);
	va_end(ap);
}

void
apply_note(struct apply_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apply_vmsg(r, MSG_NOTE, fmt, ap);
	va_end(ap);
}

void
apply_changed(struct apply_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apply_vmsg(r, MSG_CHANGED, fmt, ap);
	va_end(ap);
}

json_t *
apply_cpus_json(const struct vfm_cpuset *c)
{
	char buf[4096];

	if (!vfm_cpuset_count(c) || vfm_cpuset_format(c, buf, sizeof(buf)) < 0)
		return json_null();
	return json_string(buf);
}

void
apply_mac_str(const uint8_t mac[VFM_MAC_LEN], char buf[VFM_MAC_STRLEN])
{
	vfm_mac_format(mac, buf, VFM_MAC_STRLEN);
}

int
apply_journal_save(struct apply_run *r)
{
	struct agent_node *n = r->node;
	int ret = agent_journal_write(n->state_dir, n->journal, n->journal_error,
				      sizeof(n->journal_error));

	if (ret < 0) {
		apply_problem(r, "%s", n->journal_error);
	} else {
		n->journal_error[0] = '\0';
		if (n->step)
			n->step(n->step_opaque, "journal written");
	}
	return ret;
}
