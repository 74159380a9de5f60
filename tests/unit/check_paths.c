#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "paths.h"
#include "suites.h"

static void
clean_env(void)
{
	unsetenv("CERTKIT_ROOT");
	unsetenv("VMCA_DATA_DIR");
	unsetenv("CERTKIT_VECS_DIR");
	unsetenv("CERTKIT_REGISTRY");
	unsetenv("CERTKIT_CAPATH");
	unsetenv("CERTKIT_MACHINE_SSL_DIR");
	unsetenv("CERTKIT_AUDIT_LOG");	/* the runner's; each test runs in a child */
	ck_paths_reset();
}

START_TEST(t_defaults)
{
	clean_env();
	ck_assert_str_eq(ck_path(CK_PATH_STATE), CK_LOCALSTATEDIR "/lib/certkit");
	ck_assert_str_eq(ck_path(CK_PATH_VMCA), CK_LOCALSTATEDIR "/lib/certkit/vmca");
	ck_assert_str_eq(ck_path(CK_PATH_REGISTRY), CK_SYSCONFDIR "/certkit/services.conf");
	ck_assert_str_eq(ck_path(CK_PATH_ROOT), "");
	ck_assert_str_eq(ck_path(CK_PATH_RUN), CK_RUNSTATEDIR "/certkit");
	ck_assert_str_eq(ck_path(CK_PATH_AUDIT), CK_LOCALSTATEDIR "/lib/certkit/log/audit.log");
}
END_TEST

START_TEST(t_root)
{
	clean_env();
	setenv("CERTKIT_ROOT", "/tmp/sb/", 1);
	ck_assert_str_eq(ck_path(CK_PATH_STATE), "/tmp/sb" CK_LOCALSTATEDIR "/lib/certkit");
	ck_assert_str_eq(ck_path(CK_PATH_VECS), "/tmp/sb" CK_LOCALSTATEDIR "/lib/certkit/vecs");
	ck_assert_str_eq(ck_path(CK_PATH_LOG), "/tmp/sb" CK_LOCALSTATEDIR "/log/certkit");
	ck_assert_str_eq(ck_path(CK_PATH_CONF), "/tmp/sb" CK_SYSCONFDIR "/certkit");
	/* every path but DATA lives under the root */
	for (int i = CK_PATH_STATE; i < CK_PATH_MAX; i++)
		if (i != CK_PATH_DATA)
			ck_assert_msg(strncmp(ck_path(i), "/tmp/sb/", 8) == 0, "%d: %s", i, ck_path(i));
	clean_env();
}
END_TEST

START_TEST(t_overrides)
{
	char *j;
	clean_env();
	setenv("CERTKIT_ROOT", "/sb", 1);
	setenv("VMCA_DATA_DIR", "/elsewhere/vmca", 1);
	ck_assert_str_eq(ck_path(CK_PATH_VMCA), "/elsewhere/vmca");
	j = ck_path_join(CK_PATH_VMCA, "root.cer");
	ck_assert_str_eq(j, "/elsewhere/vmca/root.cer");
	free(j);
	/* the publish directories, for vecs and svcctl alike */
	ck_assert_str_eq(ck_path(CK_PATH_CAPATH), "/sb" CK_SYSCONFDIR "/certkit/trusted");
	ck_paths_reset();
	setenv("CERTKIT_CAPATH", "/etc/ssl/certs", 1);
	setenv("CERTKIT_MACHINE_SSL_DIR", "/srv/ssl", 1);
	ck_assert_str_eq(ck_path(CK_PATH_CAPATH), "/etc/ssl/certs");
	ck_assert_str_eq(ck_path(CK_PATH_MACHINE_SSL), "/srv/ssl");
	clean_env();
}
END_TEST

Suite *
suite_paths(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, t_defaults);
	tcase_add_test(tc, t_root);
	tcase_add_test(tc, t_overrides);
	suite_add_tcase(s, tc);
	return s;
}
