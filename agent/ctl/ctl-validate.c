// SPDX-License-Identifier: BSD-3-Clause
/*
 * 'nfpathctl validate [--json] [--settings FILE] FILE_OR_DIR...': load the named policy files and
 * directories as one node's merged policy (exactly as nfpathd would) and report. Offline: it
 * never contacts nfpathd. Valid: one summary line per file, exit 0. Invalid: every diagnostic,
 * exit 1. With --json the output is a JSON array of diagnostics ([] when valid).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "nfpath/agent-policy.h"
#include "nfpath/agent-settings.h"

static void
validate_usage(FILE *out)
{
	fprintf(out,
		"usage: nfpathctl validate [--json] [--settings FILE] FILE_OR_DIR...\n"
		"  Files and directories (their *.json, in name order) are merged as one policy.\n"
		"  --json           print diagnostics as a JSON array\n"
		"  --settings FILE  also check a node settings file (nfpathd.json)\n");
}

static void
print_summary(const struct agent_policy *p)
{
	for (size_t f = 0; f < p->n_files; f++) {
		size_t nics = 0, wls = 0, chains = 0;

		for (size_t i = 0; i < p->n_nics; i++)
			nics += p->nics[i].origin.file_index == f;
		for (size_t i = 0; i < p->n_workloads; i++)
			wls += p->workloads[i].origin.file_index == f;
		for (size_t i = 0; i < p->n_chains; i++)
			chains += p->chains[i].origin.file_index == f;
		printf("%s: valid: %zu NIC%s, %zu workload%s, %zu chain%s\n", p->files[f], nics,
		       nics == 1 ? "" : "s", wls, wls == 1 ? "" : "s", chains,
		       chains == 1 ? "" : "s");
	}
}

int
ctl_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"settings", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct agent_diags diags = {0};
	struct agent_policy *policy = NULL;
	struct agent_settings *settings = NULL;
	const char *settings_file = NULL;
	bool json = false;
	int c, r = 0, rs = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			settings_file = optarg;
			break;
		case 'h':
			validate_usage(stdout);
			return CTL_EXIT_OK;
		default:
			validate_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc && !settings_file) {
		fprintf(stderr, "nfpathctl validate: name at least one policy file or directory\n");
		validate_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (settings_file)
		rs = agent_settings_load(settings_file, false, &settings, &diags);
	if (optind < argc)
		r = agent_policy_load_paths((const char *const *)argv + optind,
					    (size_t)(argc - optind), &policy, &diags);
	if (r == -ENOMEM || rs == -ENOMEM) {
		fprintf(stderr, "nfpathctl validate: out of memory\n");
		agent_policy_free(policy);
		agent_settings_free(settings);
		agent_diags_clear(&diags);
		return CTL_EXIT_FAIL;
	}
	if (json) {
		agent_diags_print_json(&diags, stdout);
	} else if (diags.n) {
		agent_diags_print(&diags, stderr);
		fprintf(stderr, "nfpathctl validate: %zu problem%s found; nothing was applied\n",
			diags.n, diags.n == 1 ? "" : "s");
	} else {
		if (settings)
			printf("%s: valid: node settings\n", settings_file);
		if (policy)
			print_summary(policy);
	}
	c = (r == 0 && rs == 0 && diags.n == 0) ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	agent_policy_free(policy);
	agent_settings_free(settings);
	agent_diags_clear(&diags);
	return c;
}
