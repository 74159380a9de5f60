#include "config.h"
#include <stdlib.h>
#include "err.h"
#include "util.h"
#include "suites.h"

START_TEST(t_split)
{
	size_t n;
	char **v = ck_split(" a, b ,,c ", ',', &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_str_eq(v[2], "c");
	ck_assert_ptr_null(v[3]);
	free(v);
	v = ck_split("", ',', &n);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

START_TEST(t_parse_long)
{
	long v;
	ck_assert_int_eq(ck_parse_long("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(ck_parse_long("101", 0, 100, &v), CK_E_INVAL);
	ck_assert_int_eq(ck_parse_long("4x", 0, 100, &v), CK_E_INVAL);
	ck_assert_int_eq(ck_parse_long("", 0, 100, &v), CK_E_INVAL);
	ck_assert_int_eq(ck_parse_long("-1", 0, 100, &v), CK_E_INVAL);
}
END_TEST

START_TEST(t_caseeq)
{
	ck_assert(ck_strcaseeq("MACHINE_SSL_CERT", "machine_ssl_cert"));
	ck_assert(!ck_strcaseeq("abc", "abcd"));
	ck_assert(ck_strcaseeq("", ""));
}
END_TEST

START_TEST(t_asprintf)
{
	char *s = ck_asprintf("%s-%d", "x", 7);
	ck_assert_str_eq(s, "x-7");
	free(s);
}
END_TEST

Suite *
suite_util(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, t_split);
	tcase_add_test(tc, t_parse_long);
	tcase_add_test(tc, t_caseeq);
	tcase_add_test(tc, t_asprintf);
	suite_add_tcase(s, tc);
	return s;
}
