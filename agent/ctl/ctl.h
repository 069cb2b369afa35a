/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpathctl's subcommands. Each is one function with the arguments after its name; ctl.c looks
 * the name up in a table, so a new subcommand (status, plan, apply... which talk to nfpathd) is a
 * new file plus one table row.
 */
#ifndef AGENT_CTL_H
#define AGENT_CTL_H

/* Exit codes shared by every subcommand. */
#define CTL_EXIT_OK    0
#define CTL_EXIT_FAIL  1 /* the request was understood and the answer is "no" / it failed */
#define CTL_EXIT_USAGE 2 /* bad command line */

struct ctl_command {
	const char *name;
	const char *args;                  /* usage synopsis after the name */
	const char *summary;               /* one line for --help */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

int ctl_validate(int argc, char **argv);
int ctl_plan(int argc, char **argv);
int ctl_explain(int argc, char **argv);
/* ctl-status.c: ask the running nfpathd */
int ctl_status(int argc, char **argv);
int ctl_vfs(int argc, char **argv);
int ctl_stats(int argc, char **argv);
int ctl_reload(int argc, char **argv);
int ctl_apply(int argc, char **argv);
int ctl_domain_xml(int argc, char **argv);

#endif /* AGENT_CTL_H */
