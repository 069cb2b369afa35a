// SPDX-License-Identifier: BSD-3-Clause
/*
 * base/file.c: the durable write leaves the old or the new file when its writer is killed at any
 * step (a child process _exit()s from the crash hook at each step in turn), the write-once
 * variant keeps the first content, and the reader refuses FIFOs without blocking and caps sizes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nfpath/base-file.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/nfpath-base-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
slurp(const char *path)
{
	char *text = NULL;

	if (base_read_file(path, 1 << 20, &text, NULL) < 0)
		return NULL;
	return text;
}

static enum base_write_step crash_at;

static void
crash_hook(enum base_write_step s)
{
	if (s == crash_at)
		_exit(42);
}

/* A writer killed at each step: the target is the old or the new content, never anything else. */
static void
test_killed_at_each_step(void **state)
{
	char path[300];
	static char old_text[8192], new_text[8192];

	(void)state;
	memset(old_text, 'o', sizeof(old_text) - 1);
	memset(new_text, 'n', sizeof(new_text) - 1);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	for (int s = BASE_WRITE_OPENED; s <= BASE_WRITE_DONE; s++) {
		pid_t pid;
		int status;
		char *got;

		assert_int_equal(base_write_text_atomic(path, old_text, 0600), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			crash_at = (enum base_write_step)s;
			base_file_set_crash_hook(crash_hook);
			base_write_text_atomic(path, new_text, 0600);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 42);
		got = slurp(path);
		assert_non_null(got);
		if (s < BASE_WRITE_RENAMED)
			assert_string_equal(got, old_text);
		else
			assert_string_equal(got, new_text);
		free(got);
		/* A writer killed before its rename leaves its temporary file; it can be swept. */
		assert_int_equal(base_remove_stale_temps(path), s < BASE_WRITE_RENAMED ? 1 : 0);
		assert_int_equal(base_remove_stale_temps(path), 0);
	}
}

/* The mode is exact: a restrictive umask does not narrow a file that others must read. */
static void
test_mode_is_exact(void **state)
{
	char path[300];
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	snprintf(path, sizeof(path), "%s/world-readable", dir);
	assert_int_equal(base_write_text_atomic(path, "1\n", 0644), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void
test_once_keeps_first(void **state)
{
	char path[300];
	char *got;

	(void)state;
	snprintf(path, sizeof(path), "%s/vf0.saved", dir);
	assert_int_equal(base_write_file_once(path, "first\n", 6, 0600), 0);
	assert_int_equal(base_write_file_once(path, "second\n", 7, 0600), -EEXIST);
	got = slurp(path);
	assert_string_equal(got, "first\n");
	free(got);
}

static void
test_failed_write_leaves_target(void **state)
{
	char path[300];

	(void)state;
	/* A target in a directory that does not exist: nothing is created anywhere. */
	snprintf(path, sizeof(path), "%s/missing/x.json", dir);
	assert_int_equal(base_write_text_atomic(path, "x", 0600), -ENOENT);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_read_refuses_fifo_and_caps(void **state)
{
	char path[300];
	char *text = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/p.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* Opened non-blocking and refused before any read: this returns at once, with no writer. */
	assert_int_equal(base_read_file(path, 100, &text, &len), -EINVAL);
	assert_null(text);
	snprintf(path, sizeof(path), "%s/big.json", dir);
	assert_int_equal(base_write_text_atomic(path, "0123456789", 0600), 0);
	assert_int_equal(base_read_file(path, 9, &text, &len), -EFBIG);
	assert_int_equal(base_read_file(path, 10, &text, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(text, "0123456789");
	free(text);
	assert_int_equal(base_read_file(dir, 10, &text, &len), -EINVAL); /* a directory */
	assert_int_equal(base_read_file("/proc/self/stat", 65536, &text, &len), 0); /* size 0 */
	assert_true(len > 0);
	free(text);
}

static void
test_mkdir_p(void **state)
{
	char path[300];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(base_mkdir_p(path, 0700), 0);
	assert_int_equal(base_mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(base_mkdir_p("", 0700), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_killed_at_each_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once_keeps_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_leaves_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refuses_fifo_and_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
