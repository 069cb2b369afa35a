/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an NF workload says nfpathd runs (nfpath-policy(5), "Running an NF"): the program and its
 * arguments, environment, user and group, restart policy and stop time-out. Part of struct
 * agent_workload (agent-policy.h); an NF without "exec" is not run by nfpathd (its slot waits for
 * a process started some other way).
 */
#ifndef NFPATH_AGENT_NF_RUN_H
#define NFPATH_AGENT_NF_RUN_H

#include <stdbool.h>
#include <stddef.h>

enum agent_restart {
	AGENT_RESTART_ON_FAILURE, /* restart when it exits non-zero or by a signal (default) */
	AGENT_RESTART_ALWAYS,     /* restart whenever it exits */
	AGENT_RESTART_NEVER,      /* never restart */
};

/* Longest argv and environment nfpathd accepts from a policy. */
#define AGENT_NF_ARGS_MAX 256
#define AGENT_NF_ENV_MAX  128
/* stop_timeout: default and limit, seconds. */
#define AGENT_NF_STOP_TIMEOUT_DEFAULT 10
#define AGENT_NF_STOP_TIMEOUT_MAX     3600

struct agent_nf_run {
	size_t argc;  /* 0: nfpathd does not run this NF */
	char **argv;  /* argc strings + NULL; argv[0] an absolute path */
	size_t n_env; /* "KEY=VALUE" strings, in the policy's order */
	char **env;   /* n_env + NULL */
	char *user;   /* NULL: nfpathd's default NF user */
	char *group;  /* NULL: the user's primary group */
	enum agent_restart restart;
	unsigned stop_timeout; /* seconds between SIGTERM and SIGKILL */
};

void agent_nf_run_free(struct agent_nf_run *run);
/* The policy-language spelling: "on-failure", "always", "never". */
const char *agent_restart_name(enum agent_restart r);

#endif /* NFPATH_AGENT_NF_RUN_H */
