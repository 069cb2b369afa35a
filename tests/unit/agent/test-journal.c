// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/node/journal.c on a real temporary directory: write and reload, first record
 * of a VF wins, a crash between write and rename (leftover temp file), corrupt journals.
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

#include "journal.h"

static char dir[] = "/tmp/nfpath-test-journal-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/nfpath-test-journal-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool
exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static struct vfm_vf_saved
saved_vf(const char *pf, unsigned int vf, uint8_t last)
{
	struct vfm_vf_saved s;

	memset(&s, 0, sizeof(s));
	snprintf(s.pf, sizeof(s.pf), "%s", pf);
	s.vf = vf;
	s.cfg.mask = VFM_VF_MAC | VFM_VF_VLAN | VFM_VF_SPOOFCHK;
	s.cfg.mac[0] = 0x02;
	s.cfg.mac[5] = last;
	s.cfg.vlan = 100 + vf;
	s.cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
	s.cfg.spoofchk = true;
	snprintf(s.driver, sizeof(s.driver), "iavf");
	s.mtu = 1500;
	return s;
}

static void
test_missing_is_enoent(void **state)
{
	struct agent_journal *j = NULL;
	char err[512];
	int stale = -1;

	(void)state;
	assert_int_equal(agent_journal_load(dir, &j, &stale, err, sizeof(err)), -ENOENT);
	assert_null(j);
	assert_int_equal(stale, 0);
}

static void
test_write_reload(void **state)
{
	struct agent_journal *j = agent_journal_new(), *k = NULL;
	struct vfm_vf_saved a = saved_vf("0000:3b:00.0", 0, 1), b = saved_vf("0000:3b:00.0", 3, 2);
	struct vfm_vf_saved later = saved_vf("0000:3b:00.0", 0, 9);
	const struct vfm_vf_saved *f;
	char err[512];
	int stale = -1;

	(void)state;
	assert_non_null(j);
	assert_int_equal(agent_journal_set_intent(j, "policy generation 3: \"web\" on VF 0"), 0);
	assert_int_equal(agent_journal_add_vf(j, &a), 1);
	assert_int_equal(agent_journal_add_vf(j, &b), 1);
	/* The original is what the VF looked like first: a later record does not replace it. */
	assert_int_equal(agent_journal_add_vf(j, &later), 0);
	assert_int_equal(agent_journal_write(dir, j, err, sizeof(err)), 0);
	assert_int_equal(j->generation, 1);
	assert_int_equal(agent_journal_write(dir, j, err, sizeof(err)), 0);
	assert_int_equal(j->generation, 2);
	assert_false(exists(AGENT_JOURNAL_TMPFILE));

	assert_int_equal(agent_journal_load(dir, &k, &stale, err, sizeof(err)), 0);
	assert_int_equal(stale, 0);
	assert_int_equal(k->generation, 2);
	assert_string_equal(k->intent, "policy generation 3: \"web\" on VF 0");
	assert_int_equal(k->n_vfs, 2);
	f = agent_journal_find_vf(k, "0000:3b:00.0", 0);
	assert_non_null(f);
	assert_int_equal(f->cfg.mac[5], 1);
	assert_int_equal(f->cfg.vlan, 100);
	assert_string_equal(f->driver, "iavf");
	f = agent_journal_find_vf(k, "0000:3b:00.0", 3);
	assert_non_null(f);
	assert_int_equal(f->cfg.vlan, 103);
	assert_null(agent_journal_find_vf(k, "0000:3b:00.0", 1));
	assert_int_equal(agent_journal_remove_vf(k, "0000:3b:00.0", 0), 1);
	assert_int_equal(agent_journal_remove_vf(k, "0000:3b:00.0", 0), 0);
	assert_int_equal(k->n_vfs, 1);
	/* A first journal has no allocations: applied and pending null, no ids, no orphans. */
	assert_true(json_is_null(k->applied) && json_is_null(k->pending));
	assert_int_equal(json_object_size(k->ids), 0);
	assert_int_equal(json_array_size(k->orphans), 0);
	agent_journal_free(j);
	agent_journal_free(k);
}

/* The allocations (applied, pending, orphaned targets) and chain ids survive a reload. */
static void
test_allocations(void **state)
{
	struct agent_journal *j = agent_journal_new(), *k = NULL;
	char err[512];

	(void)state;
	json_decref(j->applied);
	j->applied = json_pack("{s:[],s:[],s:s}", "workloads", "chains", "datapath_cpus", "0");
	json_decref(j->pending);
	j->pending = json_pack("{s:[{s:s}]}", "workloads", "name", "vm1");
	json_array_append_new(j->orphans, json_pack("{s:[{s:s}]}", "workloads", "name", "vm9"));
	json_object_set_new(j->ids, "chain:web", json_integer(3));
	assert_int_equal(agent_journal_write(dir, j, err, sizeof(err)), 0);
	assert_int_equal(agent_journal_load(dir, &k, NULL, err, sizeof(err)), 0);
	assert_true(json_equal(k->applied, j->applied));
	assert_true(json_equal(k->pending, j->pending));
	assert_true(json_equal(k->orphans, j->orphans));
	assert_int_equal(json_integer_value(json_object_get(k->ids, "chain:web")), 3);
	agent_journal_free(j);
	agent_journal_free(k);
}

/* A crash after the temp file was written but before the rename: the old journal is valid. */
static void
test_crash_before_rename(void **state)
{
	struct agent_journal *j = agent_journal_new(), *k = NULL;
	char err[512];
	int stale = 0;

	(void)state;
	agent_journal_set_intent(j, "old");
	assert_int_equal(agent_journal_write(dir, j, err, sizeof(err)), 0);
	write_file(AGENT_JOURNAL_TMPFILE,
		   "{\"version\":1,\"generation\":2,\"intent\":\"new\",\"vf");
	assert_int_equal(agent_journal_load(dir, &k, &stale, err, sizeof(err)), 0);
	assert_int_equal(stale, 1);
	assert_string_equal(k->intent, "old");
	assert_int_equal(k->generation, 1);
	assert_false(exists(AGENT_JOURNAL_TMPFILE));
	agent_journal_free(j);
	agent_journal_free(k);
}

static void
expect_corrupt(const char *text, const char *needle)
{
	struct agent_journal *k = NULL;
	char err[512] = "";

	write_file(AGENT_JOURNAL_FILE, text);
	assert_int_equal(agent_journal_load(dir, &k, NULL, err, sizeof(err)), -EINVAL);
	assert_null(k);
	if (!strstr(err, needle) || !strstr(err, "corrupt journal") ||
	    !strstr(err, "move it aside"))
		fail_msg("message '%s' lacks '%s'", err, needle);
}

static void
test_corrupt(void **state)
{
	(void)state;
	expect_corrupt("{\"version\":1,\"generation\":", "line 1");
	expect_corrupt("", "line");
	expect_corrupt("[1,2]", "not a JSON object");
	expect_corrupt("{\"version\":2,\"generation\":1,\"intent\":\"\",\"vfs\":[]}", "'version'");
	expect_corrupt("{\"version\":1,\"generation\":-4,\"intent\":\"\",\"vfs\":[]}",
		       "generation");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":7,\"vfs\":[]}", "'intent'");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":\"\",\"vfs\":{}}", "'vfs'");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":\"\",\"vfs\":[{\"saved\":1}]}",
		       "vfs[0].saved");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":\"\",\"vfs\":[{\"saved\":"
		       "\"pf 0000:3b:00.0\\nvf 0\\nbogus line\"}]}",
		       "vfs[0].saved: line");
	expect_corrupt("{\"version\":1,\"version\":1}", "duplicate");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":\"\",\"vfs\":[],"
		       "\"pending\":[1]}",
		       "'pending'");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":\"\",\"vfs\":[],"
		       "\"ids\":{\"chain:x\":-1}}",
		       "ids.chain:x");
	expect_corrupt("{\"version\":1,\"generation\":1,\"intent\":\"\",\"vfs\":[],"
		       "\"orphans\":[3]}",
		       "'orphans'");
}

static void
test_unwritable(void **state)
{
	struct agent_journal *j = agent_journal_new();
	char err[512] = "", path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/file", dir);
	write_file("file", "x");
	/* a state "directory" that is a file */
	assert_true(agent_journal_write(path, j, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	assert_int_equal(j->generation, 0);
	agent_journal_free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_before_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
