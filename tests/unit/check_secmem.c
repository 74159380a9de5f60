#include "config.h"
#include <string.h>
#include "secmem.h"
#include "suites.h"

START_TEST(t_secalloc)
{
	size_t before = ck_secmem_wiped();
	char *p = ck_secalloc(100);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(p[i], 0);
	memset(p, 'k', 100);
	ck_secfree(p);
	ck_assert_uint_eq(ck_secmem_wiped() - before, 100);
	ck_secfree(NULL);
}
END_TEST

START_TEST(t_wipe)
{
	char buf[32];
	memset(buf, 'x', sizeof(buf));
	ck_wipe(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 0);
}
END_TEST

START_TEST(t_strfree)
{
	size_t before = ck_secmem_wiped();
	ck_strfree_secret(strdup("hunter2"));
	ck_assert_uint_eq(ck_secmem_wiped() - before, 7);
}
END_TEST

Suite *
suite_secmem(void)
{
	Suite *s = suite_create("secmem");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, t_secalloc);
	tcase_add_test(tc, t_wipe);
	tcase_add_test(tc, t_strfree);
	suite_add_tcase(s, tc);
	return s;
}
