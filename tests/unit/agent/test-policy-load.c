// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/policy-load.c: files and drop-in directories on disk (name order,
 * hidden and non-.json files skipped), unreadable paths, a bad file rejecting the whole load, and
 * diagnostics sorted by file, line and column.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nfpath/agent-policy.h"

static char dir[64];

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/nfpath-load-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_dropin_dir(void **state)
{
	struct agent_policy *p = NULL;
	struct agent_diags d = {0};
	const char *paths[1] = {dir};
	char want[128];

	(void)state;
	/* 20-workloads.json refers to a NIC declared in 10-nics.json: the merge resolves it. */
	put("20-workloads.json",
	    "{\"workloads\": [{\"name\": \"fw\", \"type\": \"nf\", \"nic\": \"n0\"}]}");
	put("10-nics.json", "{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\"}]}");
	put(".hidden.json", "garbage");
	put("README", "garbage");
	put("notes.json.bak", "garbage");
	assert_int_equal(agent_policy_load_paths(paths, 1, &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p->n_files, 2);
	snprintf(want, sizeof(want), "%s/10-nics.json", dir);
	assert_string_equal(p->files[0], want);
	assert_int_equal(p->n_nics, 1);
	assert_int_equal(p->n_workloads, 1);
	assert_int_equal(p->workloads[0].origin.file_index, 1);
	assert_int_equal(p->workloads[0].origin.line, 1);
	assert_int_equal(p->workloads[0].origin.column, 16);
	agent_policy_free(p);
}

/* A FIFO (or socket) among the files is skipped; named, it is refused; neither blocks. */
static void
test_special_files(void **state)
{
	struct agent_policy *p = NULL;
	struct agent_diags d = {0};
	char sub[96], fifo[128], link[128], buf[512];
	const char *paths[1] = {sub}, *named[1] = {fifo};

	(void)state;
	snprintf(sub, sizeof(sub), "%s/special", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put("special/10-nics.json", "{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\"}]}");
	snprintf(fifo, sizeof(fifo), "%s/20-fifo.json", sub);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	put("target.json", "{\"nics\": [{\"name\": \"n1\", \"pf\": \"ens2f0\"}]}");
	snprintf(link, sizeof(link), "%s/30-link.json", sub);
	assert_int_equal(symlink("../target.json", link), 0);
	alarm(10); /* before the fix the open of the FIFO blocked forever */
	assert_int_equal(agent_policy_load_paths(paths, 1, &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p->n_files, 2); /* the file and the symlink to it, not the FIFO */
	agent_policy_free(p);
	p = NULL;
	assert_int_equal(agent_policy_load_paths(named, 1, &p, &d), -EINVAL);
	alarm(0);
	assert_null(p);
	assert_int_equal(d.n, 1);
	agent_diag_format(&d.v[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "20-fifo.json: is a FIFO, not a regular file"));
	agent_diags_clear(&d);
}

static void
test_bad_file_rejects_all(void **state)
{
	struct agent_policy *p = NULL;
	struct agent_diags d = {0};
	char f1[128], f2[128], missing[128], buf[512], want[512];
	const char *paths[3] = {f1, f2, missing};

	(void)state;
	put("good.json", "{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\"}]}");
	put("bad.json", "{\"nics\": [{\"name\": \"n1\", \"pf\": \"ens2f0\", \"mtu\": 1},\n"
			"  {\"name\": \"n2\", \"pf\": \"ens3f0\", \"mtu\": 2}]}");
	snprintf(f1, sizeof(f1), "%s/bad.json", dir);
	snprintf(f2, sizeof(f2), "%s/good.json", dir);
	snprintf(missing, sizeof(missing), "%s/missing.json", dir);
	assert_int_equal(agent_policy_load_paths(paths, 3, &p, &d), -EINVAL);
	assert_null(p);
	assert_int_equal(d.n, 3);
	agent_diag_format(&d.v[0], buf, sizeof(buf));
	snprintf(
		want, sizeof(want),
		"%s/missing.json: cannot read: No such file or directory (check the path and its permissions)",
		dir);
	assert_string_equal(buf, want);
	agent_diag_format(&d.v[1], buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "%s/bad.json:1:49: nics[0].mtu: 1 is out of range (use 68-65535)", dir);
	assert_string_equal(buf, want);
	agent_diag_format(&d.v[2], buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "%s/bad.json:2:41: nics[1].mtu: 2 is out of range (use 68-65535)", dir);
	assert_string_equal(buf, want);
	agent_diags_clear(&d);
}

static void
test_sources_and_lookup(void **state)
{
	const char *text = "{\"nics\": [{\"name\": \"n0\", \"pf\": \"ens1f0\"}]}";
	struct agent_policy_source src = {"mem.json", text, strlen(text)};
	struct agent_policy *p = NULL;
	struct agent_diags d = {0};

	(void)state;
	assert_int_equal(agent_policy_load_sources(&src, 1, &p, &d), 0);
	assert_non_null(agent_policy_nic(p, "n0"));
	assert_null(agent_policy_nic(p, "n1"));
	assert_null(agent_policy_workload(p, "n0"));
	agent_policy_free(p);
	agent_policy_free(NULL);

	/* No files at all: an empty, valid policy. */
	p = NULL;
	assert_int_equal(agent_policy_load_sources(NULL, 0, &p, &d), 0);
	assert_non_null(p);
	assert_int_equal(p->n_nics + p->n_workloads + p->n_chains, 0);
	agent_policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dropin_dir),
		cmocka_unit_test(test_bad_file_rejects_all),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_sources_and_lookup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
