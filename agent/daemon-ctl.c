// SPDX-License-Identifier: BSD-3-Clause
/* What nfpathd answers on its control socket (daemon.h, ctl-sock.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

const struct agent_ctl_op agent_daemon_ctl_ops[] = {
	{"status", false},
	{"vfs", false},
	{"stats", false},
	{"reload", true},
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

	for (size_t i = 0; d->inv && i < d->inv->n_pfs; i++)
		if (d->inv->pfs[i].sriov_capable) {
			pfs++;
			vfs += d->inv->pfs[i].n_vfs;
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
		      "inventory", "backend", d->vfm ? vfm_ctx_backend_name(d->vfm) : "", "pfs",
		      (json_int_t)pfs, "vfs", (json_int_t)vfs, "error", str_or_null(d->inv_error),
		      /* datapath */
		      "datapath", "socket", str_or_null(d->dp ? d->dp->path : NULL), "connected",
		      d->dp_up, "connects", (json_int_t)(d->dp ? d->dp->connects : 0), "error",
		      str_or_null(d->dp_error),
		      /* libvirt */
		      "libvirt", "uri", str_or_null(d->settings->libvirt_uri), "connected",
		      d->virt != NULL, "domains", (json_int_t)d->virt_domains, "events",
		      (json_int_t)d->virt_events, "error", str_or_null(d->virt_error),
		      /* journal */
		      "journal", "path", d->journal_path, "generation",
		      (json_int_t)(d->journal ? d->journal->generation : 0), "vfs",
		      (json_int_t)(d->journal ? d->journal->n_vfs : 0), "error",
		      str_or_null(d->journal_error));
	return o;
}

static json_t *
vfs_json(const struct agent_daemon *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && d->inv && i < d->inv->n_pfs; i++) {
		const struct vfm_pf *pf = &d->inv->pfs[i];
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

int
agent_daemon_ctl_handle(void *opaque, const char *op, json_t *request,
			const struct agent_ctl_peer *peer, json_t **ret_result, char *err,
			size_t errlen)
{
	struct agent_daemon *d = opaque;
	json_t *res = NULL;
	int r;

	(void)request;
	if (strcmp(op, "status") == 0) {
		res = agent_daemon_status_json(d);
	} else if (strcmp(op, "vfs") == 0) {
		res = vfs_json(d);
	} else if (strcmp(op, "stats") == 0) {
		if (!d->dp) {
			snprintf(err, errlen,
				 "the datapath is off (no datapath_socket configured)");
			return -ENOTCONN;
		}
		r = agent_dp_stats(d->dp, &res);
		if (r < 0) {
			snprintf(err, errlen, "datapath: %s", d->dp->err);
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
