#include "config.h"
#include <errno.h>
#include <string.h>
#include "err.h"
#include "suites.h"

START_TEST(t_strerror)
{
	ck_assert_str_eq(ck_strerror(CK_OK), "Success");
	ck_assert_str_eq(ck_strerror(CK_E_KEY_MISMATCH), "Private key does not match certificate");
	ck_assert_str_eq(ck_strerror(-9999), "Unknown error");
	ck_assert_str_eq(ck_errname(CK_E_NOENT), "CK_E_NOENT");
	/* every code below CK_E_LAST that is in the table has a distinct text */
	for (int a = -1; a > CK_E_LAST; a--)
		for (int b = a - 1; b > CK_E_LAST; b--)
			if (strcmp(ck_errname(a), "CK_E_UNKNOWN") != 0)
				ck_assert_msg(strcmp(ck_strerror(a), ck_strerror(b)) != 0 ||
				    strcmp(ck_errname(b), "CK_E_UNKNOWN") == 0, "%d and %d share a text", a, b);
}
END_TEST

START_TEST(t_detail)
{
	ck_err_clear();
	ck_assert_str_eq(ck_err_detail(), "");
	ck_assert_int_eq(ck_errf(CK_E_CONFIG, "%s:%d: bad", "f.cfg", 3), CK_E_CONFIG);
	ck_assert_str_eq(ck_err_detail(), "f.cfg:3: bad");
	ck_err_clear();
	ck_assert_str_eq(ck_err_detail(), "");
}
END_TEST

START_TEST(t_errno)
{
	ck_assert_int_eq(ck_errno(ENOENT), CK_E_NOENT);
	ck_assert_int_eq(ck_errno(EACCES), CK_E_ACCESS);
	ck_assert_int_eq(ck_errno(ENOSPC), CK_E_NOSPC);
	ck_assert_int_eq(ck_errno(ELOOP), CK_E_SYMLINK);
	ck_assert_int_eq(ck_errno(EIO), CK_E_IO);
	ck_assert_int_eq(ck_errno(0), CK_OK);
}
END_TEST

Suite *
suite_err(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, t_strerror);
	tcase_add_test(tc, t_detail);
	tcase_add_test(tc, t_errno);
	suite_add_tcase(s, tc);
	return s;
}
