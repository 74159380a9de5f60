/* check_journal.c: the swap journal: atomic write, read back, damage. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "secmem.h"
#include "journal.h"
#include "suites.h"

static char *root;

static void
setup(void)
{
	root = test_tmpdir();
	setenv("CERTKIT_ROOT", root, 1);
	ck_paths_reset();
}

static void
teardown(void)
{
	test_rm_rf(root);
	free(root);
	unsetenv("CERTKIT_ROOT");
	ck_paths_reset();
}

static struct ck_journal
sample(void)
{
	struct ck_journal j;

	memset(&j, 0, sizeof(j));
	j.op = (char *)"replace";
	j.phase = (char *)"swap";
	j.store = (char *)"MACHINE_SSL_CERT";
	j.alias = (char *)"__MACHINE_CERT";
	j.old_sha1 = (char *)"aa";
	j.new_sha1 = (char *)"bb";
	j.old_sha256 = (char *)"cc";
	j.new_sha256 = (char *)"dd";
	j.old_type = 1;
	j.new_type = 1;
	j.started = 1700000000;
	j.pid = 42;
	return j;
}

START_TEST(t_roundtrip)
{
	struct ck_journal j = sample(), *back = NULL;
	char *path;
	struct stat sb;

	ck_assert_int_eq(ck_journal_read(&back), CK_E_NOENT);
	ck_assert_int_eq(ck_journal_write(&j), 0);
	path = ck_path_join(CK_PATH_JOURNAL, "swap.journal");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(ck_journal_read(&back), 0);
	ck_assert_str_eq(back->phase, "swap");
	ck_assert_str_eq(back->store, "MACHINE_SSL_CERT");
	ck_assert_str_eq(back->new_sha256, "dd");
	ck_assert_ptr_null(back->reason);
	ck_assert_int_eq(back->pid, 42);
	ck_assert(back->started == 1700000000);
	ck_journal_free(back);
	/* a new phase replaces the file whole */
	j.phase = (char *)"rollback-start";
	j.reason = (char *)"phase verify failed: wrong cert";
	ck_assert_int_eq(ck_journal_write(&j), 0);
	ck_assert_int_eq(ck_journal_read(&back), 0);
	ck_assert_str_eq(back->phase, "rollback-start");
	ck_assert_str_eq(back->reason, "phase verify failed: wrong cert");
	ck_journal_free(back);
	/* a newline in the reason would corrupt the format */
	j.reason = (char *)"two\nlines";
	ck_assert_int_eq(ck_journal_write(&j), CK_E_INVAL);
	ck_assert_int_eq(ck_journal_remove(), 0);
	ck_assert_int_eq(ck_journal_read(&back), CK_E_NOENT);
	free(path);
}
END_TEST

START_TEST(t_staged)
{
	char *d = NULL, *path;
	size_t n = 0;
	struct stat sb;

	ck_assert_int_eq(ck_journal_stage("new.key", "KEY", 3, 1), 0);
	ck_assert_int_eq(ck_journal_stage("new.pem", "PEM", 3, 0), 0);
	path = ck_path_join(CK_PATH_JOURNAL, "new.key");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	free(path);
	ck_assert_int_eq(ck_journal_staged("new.key", &d, &n, 1), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(d, "KEY", 3);
	ck_secfree(d);
	ck_assert_int_eq(ck_journal_staged("old.pem", &d, &n, 0), CK_E_NOENT);
	/* remove takes the staged files too */
	ck_assert_int_eq(ck_journal_remove(), 0);
	ck_assert_int_eq(ck_journal_staged("new.pem", &d, &n, 0), CK_E_NOENT);
}
END_TEST

START_TEST(t_damaged)
{
	struct ck_journal *j = NULL;
	const char *good = "format=certkit-swap-1\nop=replace\nphase=plan\nstore=S\nalias=A\n"
	    "old_sha1=1\nnew_sha1=2\nold_sha256=3\nnew_sha256=4\nold_type=1\nnew_type=1\n"
	    "started=5\npid=6\nreason=\n";

	ck_assert_int_eq(ck_journal_parse("j", good, strlen(good), &j), 0);
	ck_assert_str_eq(j->phase, "plan");
	ck_journal_free(j);
	ck_assert_int_eq(ck_journal_parse("j", "format=certkit-swap-1\n", 22, &j), CK_E_FORMAT);
	ck_assert(strstr(ck_err_detail(), "incomplete") != NULL);
	ck_assert_int_eq(ck_journal_parse("j", "format=other-9\n", 15, &j), CK_E_FORMAT);
	ck_assert_int_eq(ck_journal_parse("j", "format=certkit-swap-1\nwhat=1\n", 29, &j), CK_E_FORMAT);
	ck_assert(strstr(ck_err_detail(), "j:2") != NULL);
	ck_assert_int_eq(ck_journal_parse("j", "garbage\n", 8, &j), CK_E_FORMAT);
	ck_assert_int_eq(ck_journal_parse("j", "format=certkit-swap-1\npid=x\n", 28, &j), CK_E_FORMAT);
	ck_assert_ptr_null(j);
}
END_TEST

Suite *
suite_journal(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_roundtrip);
	tcase_add_test(tc, t_staged);
	tcase_add_test(tc, t_damaged);
	suite_add_tcase(s, tc);
	return s;
}
