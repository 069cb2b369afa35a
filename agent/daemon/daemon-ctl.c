// SPDX-License-Identifier: BSD-3-Clause
/* What nfpathd answers on its control socket (daemon.h, ctl-sock.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "nf-run.h"

const struct agent_ctl_op agent_daemon_ctl_ops[] = {
	/* name, mutating (root or group nfpath only) */
	{"status", false},     /* */
	{"vfs", false},        /* */
	{"stats", false},      /* */
	{"reload", true},      /* */
	{"plan", false},       /* with policy paths: privileged (checked in op_plan) */
	{"explain", false},    /* */
	{"apply", true},       /* */
	{"domain_xml", false}, /* */
};
const size_t agent_daemon_n_ctl_ops =
	sizeof(agent_daemon_ctl_ops) / sizeof(agent_daemon_ctl_ops[0]);

static json_t *
str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

json_t *
agent_daemon_status_json(struct agent_daemon *d)
{
	size_t pfs = 0, vfs = 0;
	json_t *policy, *o;

	for (size_t i = 0; d->node.inv && i < d->node.inv->n_pfs; i++)
		if (d->node.inv->pfs[i].sriov_capable) {
			pfs++;
			vfs += d->node.inv->pfs[i].n_vfs;
		}
	if (d->policy)
		policy = json_pack("{s:b,s:I,s:s,s:I,s:I,s:I,s:I}", "in_force", 1, "generation",
				   (json_int_t)d->policy_generation, "dir", d->settings->policy_dir,
				   "loaded_at", (json_int_t)d->policy_loaded_at, "nics",
				   (json_int_t)d->policy->n_nics, "workloads",
				   (json_int_t)d->policy->n_workloads, "chains",
				   (json_int_t)d->policy->n_chains);
	else
		policy = json_pack("{s:b,s:I,s:s}", "in_force", 0, "generation", (json_int_t)0,
				   "dir", d->settings->policy_dir);
	o = json_pack("{s:I,s:b,s:I,s:s,s:o,s:O,s:I,s:I,s:I,s:I,"
		      "s:{s:s,s:I,s:I,s:o},"
		      "s:{s:o,s:b,s:I,s:o},"
		      "s:{s:o,s:b,s:I,s:I,s:o},"
		      "s:{s:s,s:I,s:I,s:o}}",
		      "pid", (json_int_t)getpid(), "ready", d->converges > 0, "started",
		      (json_int_t)d->started, "summary", d->status, "policy", policy,
		      "policy_rejected", d->policy_rejected ? d->policy_rejected : json_null(),
		      "reloads", (json_int_t)d->reloads, "rejected_reloads",
		      (json_int_t)d->rejected_reloads, "converges", (json_int_t)d->converges,
		      "last_converge", (json_int_t)d->last_converge,
		      /* inventory */
		      "inventory", "backend", d->node.vfm ? vfm_ctx_backend_name(d->node.vfm) : "",
		      "pfs", (json_int_t)pfs, "vfs", (json_int_t)vfs, "error",
		      str_or_null(d->inv_error),
		      /* datapath */
		      "datapath", "socket", str_or_null(d->node.dp ? d->node.dp->path : NULL),
		      "connected", d->dp_up, "connects",
		      (json_int_t)(d->node.dp ? d->node.dp->connects : 0), "error",
		      str_or_null(d->dp_error),
		      /* libvirt */
		      "libvirt", "uri", str_or_null(d->settings->libvirt_uri), "connected",
		      d->node.virt != NULL, "domains", (json_int_t)d->virt_domains, "events",
		      (json_int_t)d->virt_events, "error", str_or_null(d->node.virt_error),
		      /* journal */
		      "journal", "path", d->node.journal_path, "generation",
		      (json_int_t)(d->node.journal ? d->node.journal->generation : 0), "vfs",
		      (json_int_t)(d->node.journal ? d->node.journal->n_vfs : 0), "error",
		      str_or_null(d->node.journal_error));
	if (o) {
		json_object_set_new(o, "apply",
				    json_pack("{s:b,s:I,s:I,s:I,s:I,s:O,s:O,s:o}", "converged",
					      d->converged, "applies", (json_int_t)d->applies,
					      "failed_applies", (json_int_t)d->failed_applies,
					      "checked", (json_int_t)d->apply.checked, "changed",
					      (json_int_t)d->apply.changed, "errors",
					      d->apply.errors, "notes", d->apply.notes,
					      "plan_error", str_or_null(d->plan_error)));
		json_object_set(o, "placements", d->apply.placements);
		json_object_set(o, "chains", d->apply.chains);
		json_object_set_new(o, "nfs", nf_runner_status(d->nfr, nf_run_now_ms()));
		if (d->plan)
			json_object_set_new(o, "plan",
					    json_pack("{s:I,s:I,s:I}", "vf",
						      (json_int_t)d->plan->n_vf, "software",
						      (json_int_t)d->plan->n_software, "unplaced",
						      (json_int_t)d->plan->n_unplaced));
	}
	return o;
}

static json_t *
vfs_json(const struct agent_daemon *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && d->node.inv && i < d->node.inv->n_pfs; i++) {
		const struct vfm_pf *pf = &d->node.inv->pfs[i];
		json_t *vfs = json_array(), *o;

		if (!pf->sriov_capable)
			continue;
		for (size_t k = 0; vfs && k < pf->n_vfs; k++) {
			const struct vfm_vf *vf = &pf->vfs[k];
			char mac[32] = "";

			if (vf->state_valid && (vf->state.mask & VFM_VF_MAC))
				vfm_mac_format(vf->state.mac, mac, sizeof(mac));
			json_array_append_new(
				vfs, json_pack("{s:I,s:s,s:s,s:s,s:o,s:I,s:I}", "index",
					       (json_int_t)vf->index, "pci", vf->pci, "driver",
					       vf->driver, "netdev", vf->netdev, "mac",
					       str_or_null(mac), "vlan",
					       (json_int_t)(vf->state_valid ? vf->state.vlan : 0),
					       "irqs", (json_int_t)vf->n_irqs));
		}
		o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:b,s:o}", "pf", pf->id, "netdev",
			      pf->netdev, "driver", pf->driver, "numa_node",
			      (json_int_t)pf->numa_node, "total_vfs", (json_int_t)pf->total_vfs,
			      "num_vfs", (json_int_t)pf->num_vfs, "simulated", pf->simulated, "vfs",
			      vfs ? vfs : json_array());
		json_array_append_new(arr, o);
	}
	return json_pack("{s:o}", "pfs", arr ? arr : json_array());
}

/* Text that a FILE-printing function writes, as a JSON string. */
static json_t *
text_of(void (*print)(const void *, FILE *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *s;

	if (!f)
		return NULL;
	print(arg, f);
	fclose(f);
	s = json_stringn(buf, len);
	free(buf);
	return s;
}

static void
print_plan(const void *plan, FILE *f)
{
	agent_plan_print(plan, f);
}

static void
print_decision(const void *dec, FILE *f)
{
	agent_decision_print(dec, f);
}

static int
op_plan(struct agent_daemon *d, json_t *request, const struct agent_ctl_peer *peer, json_t **ret,
	char *err, size_t errlen)
{
	json_t *paths = json_object_get(request, "paths");
	struct agent_policy *pol = NULL;
	struct agent_plan *plan = NULL;
	int r;

	if (json_array_size(paths)) {
		struct agent_diags diags = {0};
		const char **v = calloc(json_array_size(paths), sizeof(*v));
		size_t i;
		json_t *p;

		if (!peer->privileged) {
			snprintf(err, errlen,
				 "planning other policy files needs root or group nfpath (nfpathd "
				 "reads them); without files the policy in force is planned");
			return -EPERM;
		}
		if (!v)
			return -ENOMEM;
		json_array_foreach(paths, i, p)
		{
			v[i] = json_string_value(p);
			if (!v[i]) {
				free(v);
				snprintf(err, errlen, "'paths' must be strings");
				return -EINVAL;
			}
		}
		r = agent_policy_load_paths(v, json_array_size(paths), &pol, &diags);
		free(v);
		if (r < 0) {
			char buf[1024];
			size_t off = 0;

			for (size_t k = 0; k < diags.n && off < errlen; k++) {
				agent_diag_format(&diags.v[k], buf, sizeof(buf));
				off += (size_t)snprintf(err + off, errlen - off, "%s%s",
							k ? "\n" : "rejected:\n", buf);
			}
			agent_diags_clear(&diags);
			return -EINVAL;
		}
		agent_diags_clear(&diags);
	}
	r = agent_daemon_plan(d, pol, &plan, err, errlen);
	agent_policy_free(pol);
	if (r < 0)
		return r;
	*ret = json_pack("{s:o,s:o}", "json", agent_plan_to_json(plan), "text",
			 text_of(print_plan, plan));
	agent_plan_free(plan);
	return 0;
}

static int
op_explain(struct agent_daemon *d, json_t *request, json_t **ret, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(request, "name"));
	const struct agent_decision *dec;
	json_t *pl = NULL, *v, *o, *text, *nfs = nf_runner_status(d->nfr, nf_run_now_ms()), *nf;
	size_t i;

	if (!name) {
		json_decref(nfs);
		snprintf(err, errlen, "'name' (a workload) is required");
		return -EINVAL;
	}
	if (!d->plan) {
		json_decref(nfs);
		snprintf(err, errlen, "nothing planned yet (no policy in force: nfpathctl status)");
		return -ENOENT;
	}
	dec = agent_plan_decision(d->plan, name);
	if (!dec) {
		json_decref(nfs);
		snprintf(err, errlen, "no workload '%s' in the policy in force", name);
		return -ENOENT;
	}
	json_array_foreach(d->apply.placements, i, v)
	{
		const char *w = json_string_value(json_object_get(v, "workload"));

		if (w && strcmp(w, name) == 0)
			pl = v;
	}
	o = agent_decision_to_json(dec);
	if (o)
		json_object_set(o, "applied", pl ? pl : json_null());
	text = text_of(print_decision, dec);
	nf = NULL;
	json_array_foreach(nfs, i, v)
	{
		const char *n = json_string_value(json_object_get(v, "name"));

		if (n && strcmp(n, name) == 0)
			nf = v;
	}
	if (o && nf) {
		/* The NF's process as nfpathd runs it. */
		char line[1024];

		snprintf(line, sizeof(line),
			 "%s  process:   %s, pid %lld, %lld restarts, %lld recent deaths, CPUs %s, "
			 "lcore %lld%s%s%s%s\n",
			 json_string_value(text) ? json_string_value(text) : "",
			 json_string_value(json_object_get(nf, "state")),
			 (long long)json_integer_value(json_object_get(nf, "pid")),
			 (long long)json_integer_value(json_object_get(nf, "restarts")),
			 (long long)json_integer_value(json_object_get(nf, "recent_deaths")),
			 json_string_value(json_object_get(nf, "cpus")),
			 (long long)json_integer_value(json_object_get(nf, "lcore")),
			 json_is_string(json_object_get(nf, "last_exit")) ? "; last " : "",
			 json_is_string(json_object_get(nf, "last_exit"))
				 ? json_string_value(json_object_get(nf, "last_exit"))
				 : "",
			 json_is_string(json_object_get(nf, "error")) ? "; " : "",
			 json_is_string(json_object_get(nf, "error"))
				 ? json_string_value(json_object_get(nf, "error"))
				 : "");
		json_decref(text);
		text = json_string(line);
		json_object_set(o, "process", nf);
	}
	json_decref(nfs);
	*ret = json_pack("{s:o,s:o}", "json", o, "text", text);
	return 0;
}

int
agent_daemon_ctl_handle(void *opaque, const char *op, json_t *request,
			const struct agent_ctl_peer *peer, json_t **ret_result, char *err,
			size_t errlen)
{
	struct agent_daemon *d = opaque;
	json_t *res = NULL;
	int r;

	if (strcmp(op, "plan") == 0) {
		r = op_plan(d, request, peer, &res, err, errlen);
		if (r < 0)
			return r;
	} else if (strcmp(op, "explain") == 0) {
		r = op_explain(d, request, &res, err, errlen);
		if (r < 0)
			return r;
	} else if (strcmp(op, "apply") == 0) {
		agent_log(AGENT_LOG_INFO, "apply asked by pid %d (uid %u)", (int)peer->pid,
			  (unsigned)peer->uid);
		agent_daemon_converge(d, "nfpathctl apply");
		res = json_pack("{s:b,s:I,s:I,s:O,s:O}", "converged", d->converged, "checked",
				(json_int_t)d->apply.checked, "changed",
				(json_int_t)d->apply.changed, "errors", d->apply.errors, "notes",
				d->apply.notes);
	} else if (strcmp(op, "domain_xml") == 0) {
		const char *name = json_string_value(json_object_get(request, "name"));
		char *xml = NULL;

		if (!name) {
			snprintf(err, errlen, "'name' (a libvirt domain) is required");
			return -EINVAL;
		}
		if (!d->node.virt) {
			snprintf(err, errlen, "libvirt is not connected (nfpathctl status)");
			return -ENOTCONN;
		}
		r = json_is_true(json_object_get(request, "inactive"))
			    ? agent_virt_get_inactive_xml(d->node.virt, name, &xml)
			    : agent_virt_get_xml(d->node.virt, name, &xml);
		if (r < 0) {
			snprintf(err, errlen, "domain '%s': %s", name,
				 agent_virt_last_error(d->node.virt));
			return r;
		}
		res = json_pack("{s:s,s:s}", "name", name, "xml", xml);
		free(xml);
	} else if (strcmp(op, "status") == 0) {
		res = agent_daemon_status_json(d);
	} else if (strcmp(op, "vfs") == 0) {
		res = vfs_json(d);
	} else if (strcmp(op, "stats") == 0) {
		if (!d->node.dp) {
			snprintf(err, errlen,
				 "the datapath is off (no datapath_socket configured)");
			return -ENOTCONN;
		}
		r = agent_dp_stats(d->node.dp, &res);
		if (r < 0) {
			snprintf(err, errlen, "datapath: %s", d->node.dp->err);
			return r;
		}
	} else if (strcmp(op, "reload") == 0) {
		agent_log(AGENT_LOG_INFO, "reload asked by pid %d (uid %u)", (int)peer->pid,
			  (unsigned)peer->uid);
		r = agent_daemon_reload(d, "nfpathctl reload");
		agent_daemon_converge(d, "nfpathctl reload");
		res = json_pack("{s:b,s:I,s:O}", "accepted", r == 0, "generation",
				(json_int_t)d->policy_generation, "policy_rejected",
				d->policy_rejected ? d->policy_rejected : json_null());
	} else {
		snprintf(err, errlen, "op '%s' has no handler", op);
		return -ENOSYS;
	}
	if (!res) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*ret_result = res;
	return 0;
}
