/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Node settings: where nfpathd finds its policies, sockets, libvirt, sysfs/procfs and state, and
 * which CPUs it must leave alone. Read from /etc/nfpath/nfpathd.json (documented in
 * nfpath-policy(5)); every field has a default, so the file may be absent or partial.
 */
#ifndef NFPATH_AGENT_SETTINGS_H
#define NFPATH_AGENT_SETTINGS_H

#include <stdbool.h>

#include "nfpath/agent-diag.h"
#include "nfpath/vfm-parse.h"

#define AGENT_SETTINGS_FILE "/etc/nfpath/nfpathd.json"

enum agent_vf_backend {
	AGENT_VF_BACKEND_REAL, /* sysfs + netlink (default) */
	AGENT_VF_BACKEND_SIM,  /* vf-manager's simulated NIC, described by sim_nic_file */
};

struct agent_settings {
	char *policy_dir;                /* "/etc/nfpath/policies.d" */
	char *datapath_socket;           /* "/run/nfpath/dp.sock": nfpath-dp's control socket */
	char *control_socket;            /* "/run/nfpath/nfpathd.sock": what nfpathctl talks to */
	char *libvirt_uri;               /* "qemu:///system" */
	char *sysfs_root;                /* "/sys" */
	char *procfs_root;               /* "/proc" */
	char *state_dir;                 /* "/var/lib/nfpath": the apply journal */
	struct vfm_cpuset reserved_cpus; /* never given to workloads; default empty */
	enum agent_vf_backend vf_backend;
	char *sim_nic_file; /* NULL unless vf_backend is SIM */
};

/* Settings with every default. Returns NULL without memory. */
struct agent_settings *agent_settings_new(void);

/*
 * Parse settings from memory ('name' is used in diagnostics). Fields absent from the text keep
 * their defaults. Returns 0 and *ret_settings, -EINVAL with diagnostics appended, or -ENOMEM.
 */
int agent_settings_load_buffer(const char *name, const char *text, size_t len,
			       struct agent_settings **ret_settings, struct agent_diags *diags);

/*
 * Read 'path'. When it does not exist and 'missing_ok', returns the defaults. Otherwise as
 * agent_settings_load_buffer(); an unreadable file is a diagnostic (-EINVAL).
 */
int agent_settings_load(const char *path, bool missing_ok, struct agent_settings **ret_settings,
			struct agent_diags *diags);

void agent_settings_free(struct agent_settings *s);

const char *agent_vf_backend_name(enum agent_vf_backend b);

#endif /* NFPATH_AGENT_SETTINGS_H */
