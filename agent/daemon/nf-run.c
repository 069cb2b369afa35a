// SPDX-License-Identifier: BSD-3-Clause
/* nfpathd's NF runner (nf-run.h): start, supervise, log, stop and re-adopt NF processes. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nfpath/base-file.h"

#include "nf-proc.h"
#include "nf-run.h"

#define LOG_ERR     3
#define LOG_WARNING 4
#define LOG_INFO    6
#define LOG_DEBUG   7

#define LOGBUF  4096
#define MAX_NFS 64 /* lcores NF_RUN_LCORE_BASE .. +63 */

struct nf_entry {
	char *name;
	struct nf_sup sup;
	pid_t pid; /* 0: no process */
	int pidfd;
	unsigned long long starttime;
	bool child; /* ours to reap (else adopted: its exit status is lost) */
	int log_fd; /* our end of RUN_DIR/nf/NAME.log (O_RDWR), -1 none */
	char logbuf[LOGBUF];
	size_t loglen;
	int lcore;  /* NF_RUN_LCORE_BASE + n, -1 not yet */
	char *spec; /* what it runs, as JSON text: a change restarts it */
	struct vfm_cpuset cpus;
	bool wanted; /* in the policy at the last sync */
	bool slot_ready;
	bool restart_pending; /* stopping to start again with a new spec */
	unsigned stop_timeout;
	uint64_t kill_at; /* stopping: SIGKILL at this time (0: sent) */
	char error[512];
	char user[64];
	/* what the last sync wanted, to start it from dispatch() too */
	struct nf_run_want want;
	struct agent_nf_run *run_copy;
	char *policy_file;
};

struct nf_runner {
	struct nf_run_conf conf; /* its strings are the copies below */
	char *state_dir, *run_dir, *procfs, *default_user;
	struct nf_entry *v[MAX_NFS];
	size_t n;
	struct nf_run_dp dp;
	char *dp_prefix;
	bool need_converge;
	char journal_path[PATH_MAX];
};

static void
nolog(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

uint64_t
nf_run_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
nf_runner_new(const struct nf_run_conf *conf, struct nf_runner **ret)
{
	struct nf_runner *nr = calloc(1, sizeof(*nr));

	if (!nr)
		return -ENOMEM;
	nr->conf = *conf;
	if (!nr->conf.log)
		nr->conf.log = nolog;
	nr->state_dir = strdup(conf->state_dir);
	nr->run_dir = strdup(conf->run_dir);
	nr->procfs = strdup(conf->procfs ? conf->procfs : "/proc");
	nr->default_user = conf->default_user ? strdup(conf->default_user) : NULL;
	if (!nr->state_dir || !nr->run_dir || !nr->procfs ||
	    (conf->default_user && !nr->default_user)) {
		nf_runner_free(nr);
		return -ENOMEM;
	}
	nr->conf.state_dir = nr->state_dir;
	nr->conf.run_dir = nr->run_dir;
	nr->conf.procfs = nr->procfs;
	nr->conf.default_user = nr->default_user;
	nf_sup_conf_defaults(&nr->conf.sup);
	snprintf(nr->journal_path, sizeof(nr->journal_path), "%s/%s", conf->state_dir,
		 NF_RUN_JOURNAL);
	*ret = nr;
	return 0;
}

static void
run_free(struct agent_nf_run *run)
{
	if (!run)
		return;
	agent_nf_run_free(run);
	free(run);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
entry_free(struct nf_entry *e)
{
	close_fd(&e->pidfd);
	close_fd(&e->log_fd);
	free(e->name);
	free(e->spec);
	free(e->policy_file);
	run_free(e->run_copy);
	free(e);
}

void
nf_runner_free(struct nf_runner *nr)
{
	if (!nr)
		return;
	for (size_t i = 0; i < nr->n; i++)
		entry_free(nr->v[i]);
	free(nr->dp_prefix);
	free(nr->state_dir);
	free(nr->run_dir);
	free(nr->procfs);
	free(nr->default_user);
	free(nr);
}

static struct nf_entry *
find(const struct nf_runner *nr, const char *name)
{
	for (size_t i = 0; i < nr->n; i++)
		if (strcmp(nr->v[i]->name, name) == 0)
			return nr->v[i];
	return NULL;
}

static int
free_lcore(const struct nf_runner *nr)
{
	for (int l = NF_RUN_LCORE_BASE; l < NF_RUN_LCORE_BASE + MAX_NFS; l++) {
		bool used = false;

		for (size_t i = 0; i < nr->n && !used; i++)
			used = nr->v[i]->lcore == l;
		if (!used)
			return l;
	}
	return -1;
}

static struct nf_entry *
entry_add(struct nf_runner *nr, const char *name)
{
	struct nf_entry *e;

	if (nr->n == MAX_NFS)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		return NULL;
	}
	e->pidfd = e->log_fd = -1;
	e->lcore = free_lcore(nr);
	nf_sup_init(&e->sup, &nr->conf.sup, AGENT_RESTART_ON_FAILURE);
	nr->v[nr->n++] = e;
	return e;
}

static void
entry_remove(struct nf_runner *nr, struct nf_entry *e)
{
	for (size_t i = 0; i < nr->n; i++) {
		if (nr->v[i] != e)
			continue;
		memmove(&nr->v[i], &nr->v[i + 1], sizeof(nr->v[0]) * (nr->n - i - 1));
		nr->n--;
		break;
	}
	entry_free(e);
}

/* ---- the NF journal ----------------------------------------------------------------------------
 */

static void
journal_save(struct nf_runner *nr)
{
	json_t *nfs = json_array(), *root;
	char *text;
	int r;

	for (size_t i = 0; i < nr->n; i++) {
		const struct nf_entry *e = nr->v[i];

		if (!e->pid)
			continue;
		json_array_append_new(nfs, json_pack("{s:s,s:i,s:I,s:i,s:s?,s:I,s:s}", "name",
						     e->name, "pid", (int)e->pid, "starttime",
						     (json_int_t)e->starttime, "lcore", e->lcore,
						     "spec", e->spec, "restarts",
						     (json_int_t)e->sup.restarts, "user", e->user));
	}
	root = json_pack("{s:i,s:o}", "version", 1, "nfs", nfs);
	text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text) {
		nr->conf.log(LOG_ERR, "%s: out of memory", nr->journal_path);
		return;
	}
	r = base_mkdir_p(nr->conf.state_dir, 0700);
	if (r == 0)
		r = base_write_text_atomic(nr->journal_path, text, 0600);
	if (r < 0)
		nr->conf.log(
			LOG_ERR,
			"%s: cannot write it: %s (a restarted nfpathd would not find these NFs)",
			nr->journal_path, strerror(-r));
	free(text);
}

static void
log_path(const struct nf_runner *nr, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/nf/%s.log", nr->conf.run_dir, name);
}

/* Our end of the NF's log FIFO (created when missing). */
static int
open_log(struct nf_runner *nr, struct nf_entry *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 80];
	struct stat st;

	if (e->log_fd >= 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s/nf", nr->conf.run_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	log_path(nr, e->name, path, sizeof(path));
	if (lstat(path, &st) == 0 && !S_ISFIFO(st.st_mode))
		unlink(path);
	if (mkfifo(path, 0600) != 0 && errno != EEXIST)
		return -errno;
	e->log_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return e->log_fd < 0 ? -errno : 0;
}

/* One line of the NF's output into nfpathd's log ("<N>" prefixes kept as the priority). */
static void
log_line(struct nf_runner *nr, const struct nf_entry *e, char *line, size_t len)
{
	int prio = LOG_INFO;

	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	line[len] = '\0';
	if (len >= 3 && line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>') {
		prio = line[1] - '0';
		line += 3;
	}
	nr->conf.log(prio, "nf %s: %s", e->name, line);
}

static void
drain_log(struct nf_runner *nr, struct nf_entry *e)
{
	ssize_t n;

	if (e->log_fd < 0)
		return;
	while ((n = read(e->log_fd, e->logbuf + e->loglen, LOGBUF - 1 - e->loglen)) > 0) {
		char *start = e->logbuf, *nl;

		e->loglen += (size_t)n;
		while ((nl = memchr(start, '\n', e->loglen - (size_t)(start - e->logbuf)))) {
			log_line(nr, e, start, (size_t)(nl - start));
			start = nl + 1;
		}
		e->loglen -= (size_t)(start - e->logbuf);
		memmove(e->logbuf, start, e->loglen);
		if (e->loglen == LOGBUF - 1) { /* a line longer than the buffer: cut it */
			log_line(nr, e, e->logbuf, e->loglen);
			e->loglen = 0;
		}
	}
}

int
nf_runner_load(struct nf_runner *nr)
{
	json_error_t jerr;
	json_t *root, *nfs, *o;
	size_t i;
	int adopted = 0;

	root = json_load_file(nr->journal_path, 0, &jerr);
	if (!root) {
		if (access(nr->journal_path, F_OK) != 0)
			return 0;
		nr->conf.log(LOG_ERR, "%s:%d:%d: %s (set aside; the NFs it named are not adopted)",
			     nr->journal_path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	nfs = json_object_get(root, "nfs");
	json_array_foreach(nfs, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *spec = json_string_value(json_object_get(o, "spec"));
		pid_t pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
		unsigned long long st =
			(unsigned long long)json_integer_value(json_object_get(o, "starttime"));
		struct nf_entry *e;
		int fd;

		if (!name || find(nr, name))
			continue;
		if (nf_proc_adopt(nr->conf.procfs, pid, st, &fd) < 0) {
			nr->conf.log(LOG_INFO,
				     "nf %s: pid %d of the NF journal is gone (or another process "
				     "now): it is started again",
				     name, (int)pid);
			continue;
		}
		e = entry_add(nr, name);
		if (!e) {
			close(fd);
			continue;
		}
		e->pid = pid;
		e->pidfd = fd;
		e->starttime = st;
		e->child = false;
		e->lcore = (int)json_integer_value(json_object_get(o, "lcore"));
		e->spec = spec ? strdup(spec) : NULL;
		snprintf(e->user, sizeof(e->user), "%s",
			 json_string_value(json_object_get(o, "user")) ?: "");
		nf_sup_started(&e->sup, nf_run_now_ms(), true);
		e->sup.restarts = (unsigned long)json_integer_value(json_object_get(o, "restarts"));
		e->sup.starts = e->sup.restarts + 1;
		open_log(nr, e);
		nr->conf.log(LOG_INFO, "nf %s: adopted pid %d (still running from before)", name,
			     (int)pid);
		adopted++;
	}
	json_decref(root);
	return adopted;
}

/* ---- starting -------------------------------------------------------------------------------- */

/* What the NF runs, as one JSON text: a change means a restart. */
static char *
make_spec(const struct nf_run_want *w, const char *prefix)
{
	json_t *argv = json_array(), *env = json_array(), *o;
	char cpus[256];
	char *s;

	for (size_t i = 0; i < w->run->argc; i++)
		json_array_append_new(argv, json_string(w->run->argv[i]));
	for (size_t i = 0; i < w->run->n_env; i++)
		json_array_append_new(env, json_string(w->run->env[i]));
	vfm_cpuset_format(&w->cpus, cpus, sizeof(cpus));
	o = json_pack("{s:o,s:o,s:s?,s:s?,s:s,s:s}", "exec", argv, "env", env, "user", w->run->user,
		      "group", w->run->group, "cpus", cpus, "prefix", prefix);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return s;
}

static struct agent_nf_run *
run_dup(const struct agent_nf_run *src)
{
	struct agent_nf_run *r = calloc(1, sizeof(*r));
	bool ok = r != NULL;

	if (!ok)
		return NULL;
	r->argv = calloc(src->argc + 1, sizeof(char *));
	r->env = calloc(src->n_env + 1, sizeof(char *));
	ok = r->argv && r->env;
	for (size_t i = 0; ok && i < src->argc; i++)
		ok = (r->argv[r->argc++] = strdup(src->argv[i])) != NULL;
	for (size_t i = 0; ok && i < src->n_env; i++)
		ok = (r->env[r->n_env++] = strdup(src->env[i])) != NULL;
	if (ok && src->user)
		ok = (r->user = strdup(src->user)) != NULL;
	if (ok && src->group)
		ok = (r->group = strdup(src->group)) != NULL;
	r->restart = src->restart;
	r->stop_timeout = src->stop_timeout;
	if (!ok) {
		run_free(r);
		return NULL;
	}
	return r;
}

/* uid/gid/groups of the NF: the policy's user and group, else the default user, else the
 * datapath's user (which the NF must be able to share memory with). */
static int
resolve_ids(struct nf_runner *nr, struct nf_entry *e, const struct agent_nf_run *run, uid_t *uid,
	    gid_t *gid, gid_t *groups, int *n_groups)
{
	const char *uname = run->user               ? run->user
			    : nr->conf.default_user ? nr->conf.default_user
						    : NF_RUN_DEFAULT_USER;
	struct passwd *pw;
	struct group *gr;
	char *end;

	errno = 0;
	pw = getpwnam(uname);
	if (!pw && run->user && strspn(uname, "0123456789") == strlen(uname))
		pw = getpwuid((uid_t)strtoul(uname, &end, 10));
	if (!pw && run->user) {
		snprintf(e->error, sizeof(e->error),
			 "user '%s' does not exist on this node (create it, or change user)",
			 uname);
		return -ENOENT;
	}
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		snprintf(e->user, sizeof(e->user), "%s", pw->pw_name);
	} else {
		/* No default user on this node: run as the datapath runs. */
		char path[PATH_MAX], line[256];
		FILE *f;

		*uid = 0;
		*gid = 0;
		snprintf(path, sizeof(path), "%s/%d/status", nr->conf.procfs, (int)nr->dp.pid);
		f = nr->dp.pid > 0 ? fopen(path, "re") : NULL;
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long a;

			if (sscanf(line, "Uid: %lu", &a) == 1)
				*uid = (uid_t)a;
			else if (sscanf(line, "Gid: %lu", &a) == 1)
				*gid = (gid_t)a;
		}
		if (f)
			fclose(f);
		snprintf(e->user, sizeof(e->user), "uid %u (nfpath-dp's; no user '%s' here)",
			 (unsigned)*uid, uname);
	}
	*n_groups = 0;
	if (pw && getgrouplist(pw->pw_name, pw->pw_gid, groups, n_groups) < 0)
		*n_groups = 0;
	if (pw && *n_groups == 0) {
		int max = 64;

		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &max) >= 0)
			*n_groups = max;
	}
	if (run->group) {
		gr = getgrnam(run->group);
		if (!gr && strspn(run->group, "0123456789") == strlen(run->group))
			gr = getgrgid((gid_t)strtoul(run->group, &end, 10));
		if (!gr) {
			snprintf(e->error, sizeof(e->error),
				 "group '%s' does not exist on this node (create it, or change "
				 "group)",
				 run->group);
			return -ENOENT;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static void
push_env(char **envp, size_t *n, size_t max, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < *n; i++)
		if (strncmp(envp[i], kv, klen + 1) == 0)
			return; /* the policy set it */
	if (*n < max)
		envp[(*n)++] = (char *)kv;
}

static int
start(struct nf_runner *nr, struct nf_entry *e, uint64_t now, json_t *errors)
{
	const struct nf_run_want *w = &e->want;
	const struct agent_nf_run *run = e->run_copy;
	const char *prefix = nr->dp_prefix ? nr->dp_prefix : "nfpath";
	char *argv[AGENT_NF_ARGS_MAX + 16], *envp[AGENT_NF_ENV_MAX + 8];
	char lcores[300], cpus[256], env_nf[128], env_prefix[128 + 32], logp[PATH_MAX + 80];
	char err[512];
	gid_t groups[64];
	int n_groups = 0, out_fd = -1, keep_fd = -1, pidfd = -1, r;
	size_t argc = 0, n_env = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	pid_t pid;

	e->error[0] = '\0';
	if (!run || run->argc == 0)
		return 0;
	r = e->policy_file ? nf_proc_trust_policy_file(e->policy_file, err, sizeof(err)) : 0;
	if (r == 0)
		r = nf_proc_trust_program(run->argv[0], err, sizeof(err));
	if (r == 0)
		r = resolve_ids(nr, e, run, &uid, &gid, groups, &n_groups);
	else
		snprintf(e->error, sizeof(e->error), "%s", err);
	if (r == 0 && e->lcore < 0) {
		snprintf(e->error, sizeof(e->error), "no lcore id left (at most %d NFs)", MAX_NFS);
		r = -ENOSPC;
	}
	if (r == 0 && (r = open_log(nr, e)) < 0)
		snprintf(e->error, sizeof(e->error), "log FIFO under %s/nf: %s", nr->conf.run_dir,
			 strerror(-r));
	if (r == 0) {
		log_path(nr, e->name, logp, sizeof(logp));
		out_fd = open(logp, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		keep_fd = open(logp, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (out_fd < 0 || keep_fd < 0) {
			r = -errno;
			snprintf(e->error, sizeof(e->error), "%.300s: %s", logp, strerror(errno));
		}
	}
	if (r == 0) {
		/* PROGRAM EAL-ARGS -- --name SLOT ARGS... */
		vfm_cpuset_format(&w->cpus, cpus, sizeof(cpus));
		snprintf(lcores, sizeof(lcores), "%d@(%s)", e->lcore, cpus);
		argv[argc++] = run->argv[0];
		argv[argc++] = "--proc-type=secondary";
		argv[argc++] = "--file-prefix";
		argv[argc++] = (char *)prefix;
		argv[argc++] = "--no-pci";
		if (vfm_cpuset_count(&w->cpus)) {
			argv[argc++] = "--lcores";
			argv[argc++] = lcores;
		}
		argv[argc++] = "--";
		argv[argc++] = "--name";
		argv[argc++] = e->name;
		for (size_t i = 1; i < run->argc; i++)
			argv[argc++] = run->argv[i];
		argv[argc] = NULL;
		for (size_t i = 0; i < run->n_env; i++)
			envp[n_env++] = run->env[i];
		snprintf(env_nf, sizeof(env_nf), "NFPATH_NF=%s", e->name);
		snprintf(env_prefix, sizeof(env_prefix), "NFPATH_FILE_PREFIX=%s", prefix);
		push_env(envp, &n_env, AGENT_NF_ENV_MAX + 7, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
		push_env(envp, &n_env, AGENT_NF_ENV_MAX + 7, env_nf);
		push_env(envp, &n_env, AGENT_NF_ENV_MAX + 7, env_prefix);
		static const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
		char pass_kv[3][1024];

		for (size_t i = 0; i < 3; i++) {
			const char *v = getenv(pass[i]);

			if (!v)
				continue;
			snprintf(pass_kv[i], sizeof(pass_kv[i]), "%s=%s", pass[i], v);
			push_env(envp, &n_env, AGENT_NF_ENV_MAX + 7, pass_kv[i]);
		}
		envp[n_env] = NULL;
		struct nf_spawn sp = {
			.argv = argv,
			.envp = envp,
			.set_ids = uid != geteuid() || gid != getegid() || uid != 0,
			.uid = uid,
			.gid = gid,
			.groups = groups,
			.n_groups = (size_t)n_groups,
			.cpus = &w->cpus,
			.out_fd = out_fd,
			.keep_fd = keep_fd,
		};

		r = nf_proc_spawn(&sp, &pid, &pidfd, err, sizeof(err));
		if (r < 0)
			snprintf(e->error, sizeof(e->error), "%s", err);
	}
	close_fd(&out_fd);
	close_fd(&keep_fd);
	if (r < 0) {
		char msg[700];

		snprintf(msg, sizeof(msg), "nf '%s' not started: %s", e->name, e->error);
		if (e->sup.state != NF_FAILED)
			nr->conf.log(LOG_ERR, "%s", msg);
		if (errors)
			json_array_append_new(errors, json_string(msg));
		nf_sup_failed(&e->sup, &nr->conf.sup, now);
		return r;
	}
	e->pid = pid;
	e->pidfd = pidfd;
	e->child = true;
	e->cpus = w->cpus;
	if (nf_proc_starttime(nr->conf.procfs, pid, &e->starttime) < 0)
		e->starttime = 0;
	nf_sup_started(&e->sup, now, false);
	journal_save(nr);
	nr->conf.log(LOG_INFO, "nf %s: started pid %d as %s on CPUs %s (lcore %d)%s", e->name,
		     (int)pid, e->user, cpus, e->lcore, e->sup.restarts ? " (a restart)" : "");
	return 1;
}

/* ---- stopping -------------------------------------------------------------------------------- */

static void
begin_stop(struct nf_runner *nr, struct nf_entry *e, uint64_t now, const char *why)
{
	if (!e->pid || e->sup.state == NF_STOPPING)
		return;
	nr->conf.log(LOG_INFO, "nf %s: stopping pid %d (%s): SIGTERM, SIGKILL after %u s", e->name,
		     (int)e->pid, why, e->stop_timeout);
	e->sup.state = NF_STOPPING;
	e->kill_at = now + (uint64_t)e->stop_timeout * 1000;
	int r = nf_proc_signal(e->pidfd, SIGTERM);

	if (r < 0 && r != -ESRCH)
		nr->conf.log(LOG_WARNING, "nf %s: SIGTERM: %s", e->name, strerror(-r));
}

static bool
datapath_alive(const struct nf_runner *nr)
{
	if (!nr->dp.up)
		return false;
	/* a zombie nfpath-dp (dead, its parent has not reaped it yet) is gone */
	return nr->dp.pid <= 0 || nf_proc_alive(nr->conf.procfs, nr->dp.pid);
}

/* The process of 'e' ended (its pidfd polled readable). */
static void
ended(struct nf_runner *nr, struct nf_entry *e, uint64_t now)
{
	int status = -1, r;
	char how[128];
	bool dp_gone;

	if (e->child) {
		r = nf_proc_reap(e->pidfd, &status);
		if (r == 0)
			return; /* not yet (spurious) */
		if (r < 0)
			status = -1;
	}
	drain_log(nr, e);
	if (e->loglen) {
		log_line(nr, e, e->logbuf, e->loglen);
		e->loglen = 0;
	}
	close_fd(&e->pidfd);
	dp_gone = !datapath_alive(nr) || (nr->dp.pid <= 0 && status >= 0 && WIFEXITED(status) &&
					  WEXITSTATUS(status) == NF_EXIT_DATAPATH_GONE);
	nf_proc_status_str(status, how, sizeof(how));
	e->pid = 0;
	nf_sup_exited(&e->sup, &nr->conf.sup, now, status, dp_gone);
	nr->conf.log(e->sup.state == NF_STOPPED ? LOG_INFO : LOG_WARNING, "nf %s: %s%s; %s%s",
		     e->name, how, dp_gone ? " (its datapath went away)" : "",
		     nf_state_name(e->sup.state),
		     e->sup.state == NF_BACKING_OFF || e->sup.state == NF_CRASH_LOOPING
			     ? " (restart in a moment)"
			     : "");
	journal_save(nr);
	if (!e->wanted || e->restart_pending)
		nr->need_converge = true;
}

/* ---- sync, poll, timers ---------------------------------------------------------------------- */

static bool
entry_may_start(const struct nf_runner *nr, const struct nf_entry *e, uint64_t now)
{
	if (!e->wanted || e->pid || !e->slot_ready || !nr->dp.up)
		return false;
	if (e->sup.starts == 0 && e->sup.state == NF_STOPPED)
		return true;
	return nf_sup_due(&e->sup, now, nr->dp.up);
}

int
nf_runner_sync(struct nf_runner *nr, const struct nf_run_want *wants, size_t n,
	       const struct nf_run_dp *dp, uint64_t now, json_t *errors)
{
	int started = 0;

	free(nr->dp_prefix);
	nr->dp_prefix = dp->file_prefix ? strdup(dp->file_prefix) : NULL;
	nr->dp.up = dp->up;
	nr->dp.pid = dp->pid;
	for (size_t i = 0; i < nr->n; i++)
		nr->v[i]->wanted = false;
	for (size_t k = 0; k < n; k++) {
		const struct nf_run_want *w = &wants[k];
		struct nf_entry *e = find(nr, w->name);
		char *spec = make_spec(w, nr->dp_prefix ? nr->dp_prefix : "nfpath");

		if (!e)
			e = entry_add(nr, w->name);
		if (!e || !spec) {
			free(spec);
			if (errors)
				json_array_append_new(
					errors, json_sprintf("nf '%s': out of memory (or more than "
							     "%d NFs)",
							     w->name, MAX_NFS));
			continue;
		}
		e->wanted = true;
		e->slot_ready = w->slot_ready;
		e->sup.restart = w->run->restart;
		e->stop_timeout = w->run->stop_timeout;
		/* A process attached to the slot that nfpathd does not know: a start whose
		 * journal write a crash cut off. Adopt it rather than start a second one. */
		if (!e->pid && w->attached && w->attached_pid > 0) {
			unsigned long long st;
			int fd;

			if (nf_proc_starttime(nr->conf.procfs, w->attached_pid, &st) == 0 &&
			    nf_proc_adopt(nr->conf.procfs, w->attached_pid, st, &fd) == 0) {
				e->pid = w->attached_pid;
				e->pidfd = fd;
				e->starttime = st;
				e->child = false;
				free(e->spec);
				e->spec = strdup(spec);
				nf_sup_started(&e->sup, now, true);
				open_log(nr, e);
				journal_save(nr);
				nr->conf.log(LOG_INFO,
					     "nf %s: adopted pid %d (attached to its slot)",
					     e->name, (int)e->pid);
			}
		}
		if (!e->spec || strcmp(e->spec, spec) != 0) {
			/* First sight, or what it runs changed. */
			struct agent_nf_run *copy = run_dup(w->run);
			bool changed = e->spec != NULL;

			run_free(e->run_copy);
			e->run_copy = copy;
			free(e->policy_file);
			e->policy_file = w->policy_file ? strdup(w->policy_file) : NULL;
			free(e->spec);
			e->spec = spec;
			spec = NULL;
			if (changed && e->pid) {
				e->restart_pending = true;
				begin_stop(nr, e, now,
					   "its exec, env, user, group or CPUs changed");
			} else if (changed || e->sup.state == NF_FAILED) {
				nf_sup_init(&e->sup, &nr->conf.sup, w->run->restart);
			}
		} else if (!e->run_copy) {
			/* adopted, running what the policy says (the spec holds the CPUs) */
			e->cpus = w->cpus;
			e->run_copy = run_dup(w->run);
			free(e->policy_file);
			e->policy_file = w->policy_file ? strdup(w->policy_file) : NULL;
		}
		free(spec);
		e->want = *w;
		e->want.run = e->run_copy;
		e->want.name = e->name;
		e->want.policy_file = e->policy_file;
		if (e->pid)
			nf_sup_tick_running(&e->sup, &nr->conf.sup, now, w->attached);
		if (entry_may_start(nr, e, now)) {
			if (start(nr, e, now, errors) > 0)
				started++;
		} else if (e->sup.state == NF_FAILED && errors && e->error[0] && !e->pid)
			json_array_append_new(
				errors, json_sprintf("nf '%s' not started: %s", e->name, e->error));
	}
	for (size_t i = 0; i < nr->n;) {
		struct nf_entry *e = nr->v[i];

		if (e->wanted) {
			i++;
			continue;
		}
		if (e->pid) {
			begin_stop(nr, e, now, "no longer in the policy");
			i++;
			continue;
		}
		entry_remove(nr, e);
		journal_save(nr);
	}
	return started;
}

bool
nf_runner_busy(const struct nf_runner *nr, const char *name)
{
	const struct nf_entry *e = find(nr, name);

	return e && e->pid;
}

size_t
nf_runner_pollfds(struct nf_runner *nr, struct pollfd *fds, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; nr && i < nr->n && k + 2 <= max; i++) {
		fds[k++] = (struct pollfd){.fd = nr->v[i]->pidfd, .events = POLLIN};
		fds[k++] = (struct pollfd){.fd = nr->v[i]->log_fd, .events = POLLIN};
	}
	return k;
}

bool
nf_runner_dispatch(struct nf_runner *nr, const struct pollfd *fds, size_t n, uint64_t now)
{
	bool converge;

	if (!nr)
		return false;
	/* Entries are not added or removed here, so fds still line up with them. */
	for (size_t i = 0; i < nr->n && 2 * i + 1 < n; i++) {
		struct nf_entry *e = nr->v[i];

		if (fds[2 * i + 1].revents && fds[2 * i + 1].fd == e->log_fd)
			drain_log(nr, e);
		if (fds[2 * i].revents && fds[2 * i].fd == e->pidfd && e->pidfd >= 0)
			ended(nr, e, now);
	}
	for (size_t i = 0; i < nr->n; i++) {
		struct nf_entry *e = nr->v[i];

		if (e->pid && e->sup.state == NF_STOPPING && e->kill_at && now >= e->kill_at) {
			nr->conf.log(LOG_WARNING,
				     "nf %s: still running %u s after SIGTERM: SIGKILL", e->name,
				     e->stop_timeout);
			e->kill_at = 0;
			nf_proc_signal(e->pidfd, SIGKILL);
		}
		if (e->pid)
			nf_sup_tick_running(&e->sup, &nr->conf.sup, now, false);
		if (!e->pid && e->restart_pending && e->wanted) {
			e->restart_pending = false;
			nf_sup_init(&e->sup, &nr->conf.sup, e->sup.restart);
		}
		if (entry_may_start(nr, e, now))
			start(nr, e, now, NULL);
	}
	converge = nr->need_converge;
	nr->need_converge = false;
	return converge;
}

int
nf_runner_timeout(const struct nf_runner *nr, uint64_t now)
{
	uint64_t best = UINT64_MAX;

	for (size_t i = 0; nr && i < nr->n; i++) {
		const struct nf_entry *e = nr->v[i];
		uint64_t t = UINT64_MAX;

		if (e->pid && e->sup.state == NF_STOPPING && e->kill_at)
			t = e->kill_at;
		else if (e->pid && e->sup.state == NF_STARTING)
			t = e->sup.started_at + nr->conf.sup.running_after_ms;
		else if (!e->pid && e->wanted && e->slot_ready &&
			 (e->sup.state == NF_BACKING_OFF || e->sup.state == NF_CRASH_LOOPING ||
			  e->sup.state == NF_FAILED))
			t = e->sup.next_start_at;
		if (t < best)
			best = t;
	}
	if (best == UINT64_MAX)
		return -1;
	return best <= now ? 0 : (int)(best - now > 600000 ? 600000 : best - now);
}

json_t *
nf_runner_status(const struct nf_runner *nr, uint64_t now)
{
	json_t *a = json_array();

	for (size_t i = 0; nr && i < nr->n; i++) {
		const struct nf_entry *e = nr->v[i];
		char cpus[256], how[128];
		json_t *o;

		vfm_cpuset_format(&e->cpus, cpus, sizeof(cpus));
		nf_proc_status_str(e->sup.last_status, how, sizeof(how));
		o = json_pack("{s:s,s:s,s:i,s:I,s:I,s:s,s:i,s:i}", "name", e->name, "state",
			      nf_state_name(e->sup.state), "pid", (int)e->pid, "restarts",
			      (json_int_t)e->sup.restarts, "recent_deaths",
			      (json_int_t)nf_sup_recent_deaths(&e->sup, &nr->conf.sup, now), "cpus",
			      cpus, "lcore", e->lcore, "adopted", !e->child && e->pid);
		if (!o)
			continue;
		json_object_set_new(o, "adopted", json_boolean(!e->child && e->pid));
		json_object_set_new(o, "last_exit",
				    e->sup.has_exit ? json_string(how) : json_null());
		json_object_set_new(o, "error", e->error[0] ? json_string(e->error) : json_null());
		json_object_set_new(o, "user", e->user[0] ? json_string(e->user) : json_null());
		if (e->pid)
			json_object_set_new(o, "running_ms",
					    json_integer((json_int_t)(now - e->sup.started_at)));
		if (!e->pid && (e->sup.state == NF_BACKING_OFF ||
				e->sup.state == NF_CRASH_LOOPING || e->sup.state == NF_FAILED))
			json_object_set_new(
				o, "next_start_ms",
				json_integer(e->sup.next_start_at > now
						     ? (json_int_t)(e->sup.next_start_at - now)
						     : 0));
		json_array_append_new(a, o);
	}
	return a;
}

void
nf_runner_wait_stopped(struct nf_runner *nr, int timeout_ms)
{
	uint64_t end = nf_run_now_ms() + (uint64_t)timeout_ms;
	struct pollfd fds[2 * MAX_NFS];

	for (;;) {
		uint64_t now = nf_run_now_ms();
		bool stopping = false;
		size_t n;

		for (size_t i = 0; i < nr->n; i++)
			stopping |= nr->v[i]->pid && nr->v[i]->sup.state == NF_STOPPING;
		if (!stopping || now >= end)
			return;
		n = nf_runner_pollfds(nr, fds, 2 * MAX_NFS);
		for (size_t i = 0; i < n; i++)
			if (i % 2 == 1 || nr->v[i / 2]->sup.state != NF_STOPPING)
				fds[i].fd = -1; /* only the stopping NFs' pidfds */
		poll(fds, n, (int)(end - now));
		for (size_t i = 0; i < nr->n; i++) {
			struct nf_entry *e = nr->v[i];

			if (2 * i < n && fds[2 * i].revents && e->pidfd >= 0)
				ended(nr, e, nf_run_now_ms());
		}
	}
}
