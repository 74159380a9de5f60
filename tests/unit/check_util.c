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

START_TEST(t_be)
{
	unsigned char b[8];

	ck_put_be(b, 0x0102030405060708ull, 8);
	ck_assert_int_eq(b[0], 1);
	ck_assert_int_eq(b[7], 8);
	ck_assert(ck_get_be(b, 8) == 0x0102030405060708ull);
	ck_put_be(b, 0xdeadbeefu, 4);
	ck_assert_int_eq(b[0], 0xde);
	ck_assert(ck_get_be(b, 4) == 0xdeadbeefu);
}
END_TEST

START_TEST(t_now_ms)
{
	long a = ck_now_ms(), b = ck_now_ms();
	ck_assert(a > 0 && b >= a);
}
END_TEST

static void
quote_is(const char *in, size_t n, const char *want)
{
	char *q = ck_json_quote(in, n);
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(q, want);
	free(q);
}

START_TEST(t_json_quote)
{
	quote_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	quote_is("\n\t\r\x01\x7f", 5, "\"\\n\\t\\r\\u0001\\u007f\"");
	/* valid UTF-8 is copied: e-acute, euro sign, an emoji */
	quote_is("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92\"");
	/* a C1 control (U+0085) is escaped */
	quote_is("\xc2\x85", 2, "\"\\u0085\"");
	/* invalid: a lone byte, a stray continuation, overlong, a surrogate, truncated */
	quote_is("\x85", 1, "\"\\u0085\"");
	quote_is("a\xff" "b", 3, "\"a\\u00ffb\"");
	quote_is("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
	quote_is("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
	quote_is("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
	/* an embedded NUL is escaped, not a terminator */
	quote_is("a\0b", 3, "\"a\\u0000b\"");
	quote_is("", 0, "\"\"");
}
END_TEST

START_TEST(t_utf8_len)
{
	ck_assert_uint_eq(ck_utf8_len((const unsigned char *)"a", 1), 1);
	ck_assert_uint_eq(ck_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
	ck_assert_uint_eq(ck_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	ck_assert_uint_eq(ck_utf8_len((const unsigned char *)"\xe0\x80\x80", 3), 0);
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
	tcase_add_test(tc, t_be);
	tcase_add_test(tc, t_now_ms);
	tcase_add_test(tc, t_json_quote);
	tcase_add_test(tc, t_utf8_len);
	suite_add_tcase(s, tc);
	return s;
}
