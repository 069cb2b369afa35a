// SPDX-License-Identifier: BSD-3-Clause
/* An NF workload's run fields: exec, env, user, group, restart, stop_timeout (policy-nf.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy-nf.h"

static const char *const restart_names[] = {"on-failure", "always", "never", NULL};
static const char *const run_fields[] = {"exec",    "env",          "user", "group",
					 "restart", "stop_timeout", NULL};

const char *
agent_restart_name(enum agent_restart r)
{
	return (unsigned)r < 3 ? restart_names[r] : "?";
}

void
agent_nf_run_free(struct agent_nf_run *run)
{
	for (size_t i = 0; i < run->argc; i++)
		free(run->argv[i]);
	free(run->argv);
	for (size_t i = 0; i < run->n_env; i++)
		free(run->env[i]);
	free(run->env);
	free(run->user);
	free(run->group);
	memset(run, 0, sizeof(*run));
}

/* A JSON string without an embedded NUL (the kernel cuts argv and environment strings there). */
static bool
plain_string(json_t *v)
{
	return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

static void
oom(struct jr *r)
{
	jr_error(r, false, "out of memory");
}

static void
parse_exec(struct jr *r, json_t *obj, struct agent_nf_run *run)
{
	json_t *exec, *v;
	size_t saved, i, n;

	if (jr_member(r, obj, "exec", false, JSON_ARRAY, &exec) != 1)
		return;
	saved = jr_push_key(r, "exec");
	n = json_array_size(exec);
	if (n == 0) {
		jr_error(
			r, false,
			"is empty (give the program and its arguments: [\"/usr/bin/nf-forward\"])");
		jr_pop(r, saved);
		return;
	}
	if (n > AGENT_NF_ARGS_MAX) {
		jr_error(r, false, "has %zu strings, at most %d are allowed (pass a file instead)",
			 n, AGENT_NF_ARGS_MAX);
		jr_pop(r, saved);
		return;
	}
	run->argv = calloc(n + 1, sizeof(*run->argv));
	if (!run->argv) {
		oom(r);
		jr_pop(r, saved);
		return;
	}
	json_array_foreach(exec, i, v)
	{
		size_t s2 = jr_push_index(r, i);
		const char *s;

		if (!jr_expect(r, v, JSON_STRING)) {
			jr_pop(r, s2);
			continue;
		}
		s = json_string_value(v);
		if (!plain_string(v))
			jr_error(r, false, "contains a NUL character (remove it)");
		else if (i == 0 && s[0] != '/')
			jr_error(
				r, false,
				"'%s' is not an absolute path (nfpathd does not search PATH: write "
				"the program's full path, such as /usr/bin/%s)",
				s, s[0] ? s : "nf-forward");
		else if (!(run->argv[run->argc] = strdup(s)))
			oom(r);
		else
			run->argc++;
		jr_pop(r, s2);
	}
	if (run->argc != n) { /* all or nothing: a half argv is no program */
		for (i = 0; i < run->argc; i++)
			free(run->argv[i]);
		free(run->argv);
		run->argv = NULL;
		run->argc = 0;
	}
	jr_pop(r, saved);
}

static bool
env_name_valid(const char *s)
{
	if (!s[0] || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static void
parse_env(struct jr *r, json_t *obj, struct agent_nf_run *run)
{
	json_t *env, *v;
	const char *key;
	size_t saved, n;

	if (jr_member(r, obj, "env", false, JSON_OBJECT, &env) != 1)
		return;
	saved = jr_push_key(r, "env");
	n = json_object_size(env);
	if (n > AGENT_NF_ENV_MAX) {
		jr_error(r, false, "has %zu variables, at most %d are allowed", n,
			 AGENT_NF_ENV_MAX);
		jr_pop(r, saved);
		return;
	}
	run->env = calloc(n + 1, sizeof(*run->env));
	if (!run->env) {
		oom(r);
		jr_pop(r, saved);
		return;
	}
	json_object_foreach(env, key, v)
	{
		size_t s2 = jr_push_key(r, key);
		char *kv;

		if (!env_name_valid(key)) {
			jr_error(r, true,
				 "'%s' is not a variable name (use letters, digits and '_', not "
				 "starting with a digit)",
				 key);
		} else if (jr_expect(r, v, JSON_STRING)) {
			if (!plain_string(v)) {
				jr_error(r, false, "contains a NUL character (remove it)");
			} else if (asprintf(&kv, "%s=%s", key, json_string_value(v)) < 0) {
				oom(r);
			} else {
				run->env[run->n_env++] = kv;
			}
		}
		jr_pop(r, s2);
	}
	jr_pop(r, saved);
}

/* A user or group name as useradd(8) and systemd-sysusers accept it, or a number. */
static bool
account_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	if (strspn(s, "0123456789") == n)
		return true;
	if (!(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!islower(c) && !isdigit(c) && c != '_' && c != '-' && !(c == '$' && i == n - 1))
			return false;
	}
	return true;
}

static void
parse_account(struct jr *r, json_t *obj, const char *key, char **ret)
{
	const char *s;
	size_t saved;

	if (jr_string(r, obj, key, false, &s) != 1)
		return;
	saved = jr_push_key(r, key);
	if (!account_name_valid(s))
		jr_error(r, false,
			 "'%s' is not a %s name (use lower-case letters, digits, '_' and '-', "
			 "starting with a letter or '_', at most 32, or a number)",
			 s, key);
	else if (!(*ret = strdup(s)))
		oom(r);
	jr_pop(r, saved);
}

void
policy_parse_nf_run(struct jr *r, json_t *obj, bool is_nf, struct agent_nf_run *run)
{
	long long x;
	int e;

	run->restart = AGENT_RESTART_ON_FAILURE;
	run->stop_timeout = AGENT_NF_STOP_TIMEOUT_DEFAULT;
	if (!is_nf) {
		for (size_t i = 0; run_fields[i]; i++) {
			size_t saved;

			if (!json_object_get(obj, run_fields[i]))
				continue;
			saved = jr_push_key(r, run_fields[i]);
			jr_error(
				r, true,
				"only for type 'nf' (nfpathd runs NF processes, libvirt runs a VM; "
				"remove it)");
			jr_pop(r, saved);
		}
		return;
	}
	parse_exec(r, obj, run);
	parse_env(r, obj, run);
	parse_account(r, obj, "user", &run->user);
	parse_account(r, obj, "group", &run->group);
	if (jr_enum(r, obj, "restart", restart_names, &e) == 1)
		run->restart = (enum agent_restart)e;
	if (jr_int(r, obj, "stop_timeout", false, 1, AGENT_NF_STOP_TIMEOUT_MAX, &x) == 1)
		run->stop_timeout = (unsigned)x;
	if (json_object_get(obj, "exec"))
		return;
	for (size_t i = 1; run_fields[i]; i++) {
		size_t saved;

		if (!json_object_get(obj, run_fields[i]))
			continue;
		saved = jr_push_key(r, run_fields[i]);
		jr_error(r, true,
			 "needs exec (nfpathd runs an NF only when the policy says what to run: "
			 "add \"exec\" or remove this field)");
		jr_pop(r, saved);
	}
}
