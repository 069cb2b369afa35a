// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpathctl: the operator's command line. Dispatches to one function per subcommand (ctl.h).
 * 'validate', 'plan' and 'explain' work offline. Subcommands that talk to nfpathd's socket
 * slot into the same table.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct ctl_command commands[] = {
	{"validate", "[--json] [--settings FILE] FILE_OR_DIR...",
	 "check policy files (and node settings) offline; exit 1 with every mistake", ctl_validate},
	{"plan",
	 "[--json] [--socket PATH] [POLICY...] | --inventory FILE [--current FILE] POLICY...",
	 "print the actions a policy would cause (on this node: ask nfpathd; or on an inventory "
	 "file), without applying them",
	 ctl_plan},
	{"explain",
	 "[--json] [--socket PATH] NAME | NAME --inventory FILE [--current FILE] POLICY...",
	 "print why a workload is where it is (VF or software, NUMA node, CPUs, what was tried)",
	 ctl_explain},
	{"status", "[--json] [--socket PATH | --settings FILE]",
	 "what the running nfpathd is doing: policy in force, rejected edits, VFs, datapath, libvirt",
	 ctl_status},
	{"vfs", "[--json] [--socket PATH | --settings FILE]", "the VFs nfpathd sees", ctl_vfs},
	{"stats", "[--json] [--socket PATH | --settings FILE]",
	 "the datapath's counters, through nfpathd", ctl_stats},
	{"apply", "[--json] [--socket PATH | --settings FILE]",
	 "converge now: plan and apply the policy in force (root or group nfpath); exit 1 when "
	 "something is left undone",
	 ctl_apply},
	{"domain-xml", "DOMAIN [--inactive] [--json] [--socket PATH | --settings FILE]",
	 "a libvirt domain's live (or persistent) XML as nfpathd's connection sees it (with "
	 "test:/// the only view of its pins and interfaces)",
	 ctl_domain_xml},
	{"reload", "[--json] [--socket PATH | --settings FILE]",
	 "reload the policy now (root or group nfpath); exit 1 when it is rejected", ctl_reload},
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: nfpathctl COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s %s\n      %s\n", commands[i].name, commands[i].args,
			commands[i].summary);
	fprintf(out, "\nSee nfpathctl(8) and nfpath-policy(5).\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "nfpathctl: unknown command '%s' (run 'nfpathctl --help' for the list)\n",
		argv[1]);
	return CTL_EXIT_USAGE;
}
