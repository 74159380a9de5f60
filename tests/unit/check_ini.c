#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "inifile.h"
#include "suites.h"

struct seen {
	char out[8192];
};

static int
collect(void *user, const char *section, const char *key, const char *value, int lineno)
{
	struct seen *s = user;
	size_t n = strlen(s->out);
	snprintf(s->out + n, sizeof(s->out) - n, "%d:[%s]%s=%s;", lineno, section, key, value);
	return 0;
}

static int
refuse_foo(void *user, const char *section, const char *key, const char *value, int lineno)
{
	if (strcmp(key, "Foo") == 0)
		return ck_errf(CK_E_CONFIG, "line %d: unrecognised option '%s'", lineno, key);
	return collect(user, section, key, value, lineno);
}

#define PARSE(str, fl, h, s) ck_ini_parse_buf("t.cfg", str, sizeof(str) - 1, fl, h, s)

START_TEST(t_basic)
{
	struct seen s = { "" };
	ck_assert_int_eq(PARSE("\xef\xbb\xbfName = CA\r\n  Country=US # comment\r\n\n# x\nState= A, B \n", CK_INI_HASH_ANYWHERE, collect, &s), 0);
	ck_assert_str_eq(s.out, "1:[]Name=CA;2:[]Country=US;5:[]State=A, B;");
}
END_TEST

START_TEST(t_sections_semicolon)
{
	struct seen s = { "" };
	ck_assert_int_eq(PARSE("[svc]\nstart = a ; b\n  indented = yes\n[other]\nx=\n", 0, collect, &s), 0);
	ck_assert_str_eq(s.out, "2:[svc]start=a ; b;3:[svc]indented=yes;5:[other]x=;");
}
END_TEST

START_TEST(t_errors)
{
	struct seen s = { "" };
	ck_assert_int_eq(PARSE("a=1\nnoequals\n", 0, collect, &s), CK_E_CONFIG);
	ck_assert(strstr(ck_err_detail(), "t.cfg:2") != NULL);
	ck_assert_int_eq(PARSE("\xff\xfeN\0a\0", 0, collect, &s), CK_E_UTF16);
	ck_assert(strstr(ck_err_detail(), "UTF16") != NULL);
	ck_assert_int_eq(PARSE("a=1\n[s]\n", CK_INI_NO_SECTIONS, collect, &s), CK_E_CONFIG);
	ck_assert_int_eq(PARSE("a=1\n[bad\n", 0, collect, &s), CK_E_CONFIG);
	ck_assert_int_eq(PARSE(" = v\n", 0, collect, &s), CK_E_CONFIG);
	ck_assert_int_eq(PARSE("x=1\nFoo=2\n", 0, refuse_foo, &s), CK_E_CONFIG);
	ck_assert(strstr(ck_err_detail(), "line 2") != NULL);
	ck_assert_int_eq(PARSE("a\0=1\n", 0, collect, &s), CK_E_CONFIG);
}
END_TEST

START_TEST(t_long_line)
{
	struct seen s = { "" };
	size_t n = 5000;
	char *buf = malloc(n + 16), *big;
	strcpy(buf, "Hostname=");
	memset(buf + 9, 'h', n);
	strcpy(buf + 9 + n, "\n");
	ck_assert_int_eq(ck_ini_parse_buf("t.cfg", buf, strlen(buf), 0, collect, &s), 0);
	ck_assert_uint_eq(strlen(s.out), strlen("1:[]Hostname=;") + n);
	free(buf);
	big = malloc(CK_INI_MAX_LINE + 100);
	memset(big, 'x', CK_INI_MAX_LINE + 50);
	big[0] = 'k'; big[1] = '=';
	ck_assert_int_eq(ck_ini_parse_buf("t.cfg", big, CK_INI_MAX_LINE + 50, 0, collect, &s), CK_E_CONFIG);
	ck_assert(strstr(ck_err_detail(), "longer") != NULL);
	free(big);
}
END_TEST

START_TEST(t_file)
{
	struct seen s = { "" };
	ck_assert_int_eq(ck_ini_parse_file("/nonexistent/x.cfg", 0, collect, &s), CK_E_NOENT);
}
END_TEST

Suite *
suite_ini(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, t_basic);
	tcase_add_test(tc, t_sections_semicolon);
	tcase_add_test(tc, t_errors);
	tcase_add_test(tc, t_long_line);
	tcase_add_test(tc, t_file);
	suite_add_tcase(s, tc);
	return s;
}
