#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "err.h"
#include "fileio.h"
#include "secmem.h"
#include "suites.h"

static char *dir;

static void setup(void) { dir = test_tmpdir(); ck_assert_ptr_nonnull(dir); }
static void teardown(void) { test_rm_rf(dir); free(dir); }

static char *
p(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

START_TEST(t_write_mode)
{
	struct stat st;
	char *buf;
	size_t len;
	mode_t old = umask(0);

	ck_assert_int_eq(ck_file_write(p("k"), "secret", 6, 0600, 0), 0);
	umask(old);
	ck_assert_int_eq(stat(p("k"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(ck_file_read(p("k"), 100, &buf, &len, 0), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(buf, "secret");
	free(buf);
	/* replace keeps exactly the new content, no temp files left */
	ck_assert_int_eq(ck_file_write(p("k"), "x", 1, 0644, 0), 0);
	ck_assert_int_eq(stat(p("k"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(st.st_size, 1);
}
END_TEST

START_TEST(t_symlink_refused)
{
	char *buf;
	ck_assert_int_eq(ck_file_write(p("target"), "orig", 4, 0600, 0), 0);
	char target[4096];
	snprintf(target, sizeof(target), "%s", p("target"));
	ck_assert_int_eq(symlink(target, p("link")), 0);
	ck_assert_int_eq(ck_file_write(p("link"), "evil", 4, 0600, 0), CK_E_SYMLINK);
	ck_assert_int_eq(ck_file_read(p("target"), 100, &buf, NULL, 0), 0);
	ck_assert_str_eq(buf, "orig");
	free(buf);
}
END_TEST

START_TEST(t_dir_refused)
{
	ck_assert_int_eq(mkdir(p("d"), 0700), 0);
	ck_assert_int_eq(ck_file_write(p("d"), "x", 1, 0600, 0), CK_E_ISDIR);
	ck_assert_int_eq(ck_file_write(p("missing/x"), "x", 1, 0600, 0), CK_E_NOENT);
	ck_assert(strstr(ck_err_detail(), "missing") != NULL);
}
END_TEST

START_TEST(t_excl_backup)
{
	char *buf;
	ck_assert_int_eq(ck_file_write(p("f"), "one", 3, 0600, CK_WRITE_EXCL), 0);
	ck_assert_int_eq(ck_file_write(p("f"), "two", 3, 0600, CK_WRITE_EXCL), CK_E_EXIST);
	ck_assert_int_eq(ck_file_write(p("f"), "two", 3, 0600, CK_WRITE_BACKUP), 0);
	ck_assert_int_eq(ck_file_read(p("f.bak"), 100, &buf, NULL, 0), 0);
	ck_assert_str_eq(buf, "one");
	free(buf);
}
END_TEST

START_TEST(t_read_limits)
{
	char *buf = NULL;
	ck_assert_int_eq(ck_file_write(p("big"), "0123456789", 10, 0600, 0), 0);
	ck_assert_int_eq(ck_file_read(p("big"), 5, &buf, NULL, 0), CK_E_TOOLONG);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(ck_file_read(p("nope"), 5, &buf, NULL, 0), CK_E_NOENT);
	ck_assert_int_eq(ck_file_read(dir, 5, &buf, NULL, 0), CK_E_ISDIR);
	ck_assert_int_eq(ck_file_write(p("empty"), "", 0, 0600, 0), 0);
	ck_assert_int_eq(ck_file_read(p("empty"), 5, &buf, NULL, 1), 0);
	ck_assert_str_eq(buf, "");
	ck_secfree(buf);
}
END_TEST

START_TEST(t_secret_read)
{
	char *s;
	int fds[2];
	ck_assert_int_eq(ck_file_write(p("pw"), "pa ss\r\nsecond\n", 14, 0600, 0), 0);
	ck_assert_int_eq(ck_secret_read(p("pw"), &s), 0);
	ck_assert_str_eq(s, "pa ss");
	ck_secfree(s);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "fdpw\n", 5), 5);
	close(fds[1]);
	{
		char spec[32];
		snprintf(spec, sizeof(spec), "fd:%d", fds[0]);
		ck_assert_int_eq(ck_secret_read(spec, &s), 0);
	}
	close(fds[0]);
	ck_assert_str_eq(s, "fdpw");
	ck_secfree(s);
	setenv("CK_TEST_PW", "envpw", 1);
	ck_assert_int_eq(ck_secret_read("env:CK_TEST_PW", &s), 0);
	ck_assert_str_eq(s, "envpw");
	ck_secfree(s);
	ck_assert_int_eq(ck_secret_read("env:CK_TEST_UNSET_X", &s), CK_E_NOENT);
	ck_assert_int_eq(ck_secret_read("fd:x", &s), CK_E_INVAL);
}
END_TEST

START_TEST(t_mkdir_p)
{
	struct stat st;
	ck_assert_int_eq(ck_mkdir_p(p("a/b/c"), 0700), 0);
	ck_assert_int_eq(stat(p("a/b/c"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(ck_mkdir_p(p("a/b/c"), 0700), 0);
	ck_assert_int_eq(ck_file_write(p("file"), "x", 1, 0600, 0), 0);
	ck_assert_int_ne(ck_mkdir_p(p("file/sub"), 0700), 0);
}
END_TEST

START_TEST(t_lock_file)
{
	int a = -1, b = -1;

	ck_assert_int_eq(ck_lock_file(p("x.lock"), 1, &a), 0);
	ck_assert_int_ge(a, 0);
	/* flock locks belong to the open file description: a second open
	 * in the same process conflicts like another process would */
	ck_assert_int_eq(ck_lock_file(p("x.lock"), 1, &b), CK_E_BUSY);
	ck_assert_int_eq(b, -1);
	ck_unlock_file(a);
	ck_assert_int_eq(ck_lock_file(p("x.lock"), 1, &b), 0);
	ck_unlock_file(b);
	/* never through a symlink */
	ck_assert_int_eq(symlink("x.lock", p("l.lock")), 0);
	ck_assert_int_eq(ck_lock_file(p("l.lock"), 0, &a), CK_E_SYMLINK);
}
END_TEST

Suite *
suite_fileio(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_write_mode);
	tcase_add_test(tc, t_symlink_refused);
	tcase_add_test(tc, t_dir_refused);
	tcase_add_test(tc, t_excl_backup);
	tcase_add_test(tc, t_read_limits);
	tcase_add_test(tc, t_secret_read);
	tcase_add_test(tc, t_mkdir_p);
	tcase_add_test(tc, t_lock_file);
	suite_add_tcase(s, tc);
	return s;
}
