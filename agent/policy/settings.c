// SPDX-License-Identifier: BSD-3-Clause
/*
 * Node settings (agent-settings.h): defaults, then nfpathd.json on top, read with the same
 * position-aware reader as policies (json-read.h) so mistakes print as FILE:LINE:COL: path: ...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json-read.h"
#include "nfpath/agent-settings.h"

static const char *const backend_names[] = {"real", "sim", NULL};

static const char *const settings_fields[] = {
	"policy_dir",  "datapath_socket", "control_socket", "libvirt_uri", "sysfs_root",
	"procfs_root", "state_dir",       "reserved_cpus",  "vf_backend",  "sim_nic_file",
	NULL};

const char *
agent_vf_backend_name(enum agent_vf_backend b)
{
	return (unsigned)b < 2 ? backend_names[b] : "?";
}

void
agent_settings_free(struct agent_settings *s)
{
	if (!s)
		return;
	free(s->policy_dir);
	free(s->datapath_socket);
	free(s->control_socket);
	free(s->libvirt_uri);
	free(s->sysfs_root);
	free(s->procfs_root);
	free(s->state_dir);
	free(s->sim_nic_file);
	free(s);
}

struct agent_settings *
agent_settings_new(void)
{
	struct agent_settings *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->policy_dir = strdup("/etc/nfpath/policies.d");
	s->datapath_socket = strdup("/run/nfpath/dp.sock");
	s->control_socket = strdup("/run/nfpath/nfpathd.sock");
	s->libvirt_uri = strdup("qemu:///system");
	s->sysfs_root = strdup("/sys");
	s->procfs_root = strdup("/proc");
	s->state_dir = strdup("/var/lib/nfpath");
	if (!s->policy_dir || !s->datapath_socket || !s->control_socket || !s->libvirt_uri ||
	    !s->sysfs_root || !s->procfs_root || !s->state_dir) {
		agent_settings_free(s);
		return NULL;
	}
	return s;
}

/* An absolute path setting; replaces *field. */
static void
read_abs_path(struct jr *r, json_t *root, const char *key, char **field)
{
	const char *s;
	size_t saved;
	char *d;

	if (jr_string(r, root, key, false, &s) != 1)
		return;
	if (s[0] != '/') {
		saved = jr_push_key(r, key);
		jr_error(r, false, "'%s' is not an absolute path (start it with '/')", s);
		jr_pop(r, saved);
		return;
	}
	d = strdup(s);
	if (!d) {
		r->diags->oom = 1;
		return;
	}
	free(*field);
	*field = d;
}

int
agent_settings_load_buffer(const char *name, const char *text, size_t len,
			   struct agent_settings **ret_settings, struct agent_diags *diags)
{
	struct json_posmap *map = NULL;
	struct agent_settings *s;
	struct jr r = {.file = name, .diags = diags};
	json_error_t err;
	json_t *root;
	size_t before = diags->n;
	const char *str;
	int k, e;

	s = agent_settings_new();
	if (!s)
		return -ENOMEM;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	/* Positions are needed for a tree, or to find every duplicate key. */
	if ((root || json_error_code(&err) == json_error_duplicate_key) &&
	    json_posmap_build(text, len, &map) < 0) {
		json_decref(root);
		agent_settings_free(s);
		return -ENOMEM;
	}
	r.pos = map;
	if (!root) {
		size_t n = json_posmap_n_dups(map);

		if (json_error_code(&err) == json_error_duplicate_key && n > 0) {
			for (size_t i = 0; i < n; i++) {
				const struct json_pos_dup *d = json_posmap_dup(map, i);

				agent_diags_add(diags, name, d->key.line, d->key.column, d->path,
						"duplicate key, first set at %u:%u (remove one)",
						d->first.line, d->first.column);
			}
		} else {
			agent_diags_add(diags, name, err.line > 0 ? (unsigned)err.line : 1,
					err.column > 0 ? (unsigned)err.column : 1, "",
					"%s (fix the JSON syntax)", err.text);
		}
		r.errors++;
		goto out;
	}
	if (!json_is_object(root)) {
		jr_error(&r, false, "expected an object, got %s (the settings file is one object)",
			 jr_type_name(root));
		goto out;
	}
	jr_check_fields(&r, root, settings_fields);
	read_abs_path(&r, root, "policy_dir", &s->policy_dir);
	read_abs_path(&r, root, "datapath_socket", &s->datapath_socket);
	read_abs_path(&r, root, "control_socket", &s->control_socket);
	read_abs_path(&r, root, "sysfs_root", &s->sysfs_root);
	read_abs_path(&r, root, "procfs_root", &s->procfs_root);
	read_abs_path(&r, root, "state_dir", &s->state_dir);
	if (jr_string(&r, root, "libvirt_uri", false, &str) == 1) {
		if (!strstr(str, ":")) {
			size_t saved = jr_push_key(&r, "libvirt_uri");

			jr_error(
				&r, false,
				"'%s' is not a libvirt URI (write one like qemu:///system or test:///default)",
				str);
			jr_pop(&r, saved);
		} else {
			char *d = strdup(str);

			if (!d) {
				diags->oom = 1;
			} else {
				free(s->libvirt_uri);
				s->libvirt_uri = d;
			}
		}
	}
	if (jr_string(&r, root, "reserved_cpus", false, &str) == 1) {
		size_t saved = jr_push_key(&r, "reserved_cpus");

		e = str[0] ? vfm_cpulist_parse(str, &s->reserved_cpus) : 0;
		if (e == -ERANGE)
			jr_error(&r, false, "'%s' names a CPU above %d (use CPUs 0-%d)", str,
				 VFM_CPUSET_MAX - 1, VFM_CPUSET_MAX - 1);
		else if (e != 0)
			jr_error(&r, false,
				 "'%s' is not a CPU list (write CPUs and ranges like 0-3,8)", str);
		jr_pop(&r, saved);
	}
	if (jr_enum(&r, root, "vf_backend", backend_names, &k) == 1)
		s->vf_backend = (enum agent_vf_backend)k;
	read_abs_path(&r, root, "sim_nic_file", &s->sim_nic_file);
	if (s->vf_backend == AGENT_VF_BACKEND_SIM && !json_object_get(root, "sim_nic_file")) {
		size_t saved = jr_push_key(&r, "vf_backend");

		jr_error(
			&r, false,
			"'sim' needs sim_nic_file (add \"sim_nic_file\": the simulated NIC's description)");
		jr_pop(&r, saved);
	} else if (s->vf_backend == AGENT_VF_BACKEND_REAL &&
		   json_object_get(root, "sim_nic_file")) {
		size_t saved = jr_push_key(&r, "sim_nic_file");

		jr_error(
			&r, true,
			"is only read with \"vf_backend\": \"sim\" (remove it, or set vf_backend to sim)");
		jr_pop(&r, saved);
	}
out:
	agent_diags_sort(diags, before, NULL, 0);
	json_decref(root);
	json_posmap_free(map);
	strbuf_free(&r.path);
	if (diags->oom) {
		agent_settings_free(s);
		return -ENOMEM;
	}
	if (r.errors) {
		agent_settings_free(s);
		return -EINVAL;
	}
	*ret_settings = s;
	return 0;
}

int
agent_settings_load(const char *path, bool missing_ok, struct agent_settings **ret_settings,
		    struct agent_diags *diags)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && missing_ok) {
		*ret_settings = agent_settings_new();
		return *ret_settings ? 0 : -ENOMEM;
	}
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		const char *why = fd < 0 ? strerror(errno) : "not a regular file of at most 1 MiB";

		agent_diags_add(diags, path, 0, 0, "", "cannot read: %s (check the path)", why);
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	r = agent_settings_load_buffer(path, buf, len, ret_settings, diags);
	free(buf);
	return r;
}
