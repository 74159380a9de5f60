/* check_cfg.c: certool.cfg parsing and the subject/SAN model (lib/cfg). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "cfg.h"
#include "err.h"
#include "fileio.h"
#include "suites.h"

static char *dir;

static void
setup(void)
{
	dir = test_tmpdir();
	ck_assert_ptr_nonnull(dir);
}

static void
teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

/* Write content to dir/name and load it. */
static int
load(const char *content, size_t len, struct ck_cfg **out)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/t.cfg", dir);
	ck_assert_int_eq(ck_file_write(path, content, len, 0644, 0), 0);
	return ck_cfg_load(path, out);
}
#define LOAD(s, out) load(s, sizeof(s) - 1, out)

static char *
subject_str(const struct ck_cfg *c)
{
	X509_NAME *n = NULL;
	static char buf[1024];
	BIO *b;
	long len;
	char *d;

	ck_assert_int_eq(ck_cfg_subject(c, &n), 0);
	b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ);
	len = BIO_get_mem_data(b, &d);
	snprintf(buf, sizeof(buf), "%.*s", (int)len, d);
	BIO_free(b);
	X509_NAME_free(n);
	return buf;
}

static char *
san_str(const struct ck_cfg *c)
{
	GENERAL_NAMES *g = NULL;
	static char buf[8192];
	X509_EXTENSION *e;
	BIO *b;
	long len;
	char *d;

	ck_assert_int_eq(ck_cfg_san(c, &g), 0);
	if (g == NULL)
		return strcpy(buf, "(none)");
	e = X509V3_EXT_i2d(NID_subject_alt_name, 0, g);
	b = BIO_new(BIO_s_mem());
	X509V3_EXT_print(b, e, 0, 0);
	len = BIO_get_mem_data(b, &d);
	snprintf(buf, sizeof(buf), "%.*s", (int)len, d);
	BIO_free(b);
	X509_EXTENSION_free(e);
	GENERAL_NAMES_free(g);
	return buf;
}

START_TEST(t_keys)
{
	ck_assert_int_eq(ck_cfg_key_lookup("Name"), CK_CFG_NAME);
	ck_assert_int_eq(ck_cfg_key_lookup("Hostname"), CK_CFG_HOSTNAME);
	ck_assert_int_eq(ck_cfg_key_lookup("name"), -1);	/* case-sensitive */
	ck_assert_int_eq(ck_cfg_key_lookup("Foo"), -1);
	for (int k = 0; k < CK_CFG_NKEYS; k++)
		ck_assert_int_eq(ck_cfg_key_lookup(ck_cfg_key_name((enum ck_cfg_key)k)), k);
	ck_assert_ptr_null(ck_cfg_key_name(CK_CFG_NKEYS));
}
END_TEST

START_TEST(t_order_fixed)
{
	struct ck_cfg *c = NULL;

	/* file order scrambled; BOM, CRLF, indentation, comments */
	ck_assert_int_eq(LOAD("\xef\xbb\xbf# sample\r\n  OrgUnit = A, B \r\nCountry=US\r\n"
	    "Hostname = h1.example.com , h2.example.com\r\n\tName = host1 # trailing\r\n"
	    "DomainComponent = dc=vsphere.local\r\nState=CA\r\nLocality = PA\r\n"
	    "Organization=Org\r\nIPAddress = 10.0.0.5, ::1\r\nEmail = a@example.com\r\n", &c), 0);
	ck_assert_str_eq(subject_str(c),
	    "CN=host1, DC=vsphere, DC=local, C=US, ST=CA, L=PA, O=Org, OU=A, OU=B");
	ck_assert_str_eq(san_str(c), "email:a@example.com, IP Address:10.0.0.5, "
	    "IP Address:0:0:0:0:0:0:0:1, DNS:h1.example.com, DNS:h2.example.com");
	ck_assert_int_eq(c->line[CK_CFG_NAME], 5);
	ck_cfg_free(c);
}
END_TEST

START_TEST(t_override_and_empty)
{
	struct ck_cfg *c = NULL, *d = NULL;

	ck_assert_int_eq(LOAD("Name =\nCountry = US\nDomainComponent = a.b.c\n", &c), 0);
	ck_assert_ptr_null(ck_cfg_get(c, CK_CFG_NAME));	/* empty = unset */
	ck_assert_str_eq(subject_str(c), "DC=a, DC=b, DC=c, C=US");
	ck_assert_str_eq(san_str(c), "(none)");
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_NAME, "override"), 0);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_COUNTRY, "DE"), 0);
	ck_assert_int_eq(ck_cfg_dup(c, &d), 0);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_COUNTRY, NULL), 0);
	ck_assert_str_eq(subject_str(d), "CN=override, DC=a, DC=b, DC=c, C=DE");
	ck_assert_str_eq(subject_str(c), "CN=override, DC=a, DC=b, DC=c");
	ck_cfg_free(c);
	ck_cfg_free(d);
}
END_TEST

START_TEST(t_long_line)
{
	struct ck_cfg *c = NULL;
	char buf[8192];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "Name = many\nHostname = ");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%shost%d.example.com", i ? "," : "", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n");
	ck_assert_int_gt(n, 1000);	/* well past inih's 200-byte lines */
	ck_assert_int_eq(load(buf, n, &c), 0);
	ck_assert(strstr(san_str(c), "DNS:host99.example.com") != NULL);
	ck_cfg_free(c);
}
END_TEST

START_TEST(t_errors)
{
	struct ck_cfg *c = NULL;
	char path[4200];

	ck_assert_int_eq(LOAD("Name = a\nFoo = 1\n", &c), CK_E_CONFIG);
	ck_assert(strstr(ck_err_detail(), "t.cfg:2") != NULL);
	ck_assert(strstr(ck_err_detail(), "unrecognised option 'Foo'") != NULL);
	ck_assert_int_eq(LOAD("name = a\n", &c), CK_E_CONFIG);	/* case */
	ck_assert_int_eq(LOAD("Name = a\nCountry = US\nName = b\n", &c), CK_E_CONFIG);
	ck_assert(strstr(ck_err_detail(), "t.cfg:3") != NULL);
	ck_assert(strstr(ck_err_detail(), "more than once") != NULL);
	ck_assert_int_eq(LOAD("Name = a\njunk line\n", &c), CK_E_CONFIG);
	ck_assert(strstr(ck_err_detail(), "t.cfg:2") != NULL);
	ck_assert_int_eq(LOAD("[sec]\nName = a\n", &c), CK_E_CONFIG);
	ck_assert_int_eq(LOAD("\xff\xfeN\0a\0m\0e\0=\0a\0\n\0", &c), CK_E_UTF16);
	ck_assert_int_eq(LOAD("\xfe\xff\0N\0a\0m\0e", &c), CK_E_UTF16);
	ck_assert_ptr_null(c);
	snprintf(path, sizeof(path), "%s/missing.cfg", dir);
	ck_assert_int_eq(ck_cfg_load(path, &c), CK_E_NOENT);
	ck_assert_int_eq(ck_cfg_new(&c), 0);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_NKEYS, "x"), CK_E_INVAL);
	ck_cfg_free(c);
}
END_TEST

START_TEST(t_field_errors)
{
	struct ck_cfg *c = NULL;
	X509_NAME *n = NULL;
	GENERAL_NAMES *g = NULL;
	char longcn[80];

	ck_assert_int_eq(ck_cfg_new(&c), 0);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_COUNTRY, "USA"), 0);
	ck_assert_int_eq(ck_cfg_subject(c, &n), CK_E_CSR_FIELD);
	ck_assert(strstr(ck_err_detail(), "Country") != NULL);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_COUNTRY, "U$"), 0);
	ck_assert_int_eq(ck_cfg_subject(c, &n), CK_E_CSR_FIELD);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_COUNTRY, NULL), 0);
	memset(longcn, 'a', 65);
	longcn[65] = '\0';
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_NAME, longcn), 0);
	ck_assert_int_eq(ck_cfg_subject(c, &n), CK_E_CSR_FIELD);
	ck_assert(strstr(ck_err_detail(), "Name") != NULL);
	ck_assert_ptr_null(n);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_IPADDRESS, "999.1.1.1"), 0);
	ck_assert_int_eq(ck_cfg_san(c, &g), CK_E_CSR_FIELD);
	ck_assert(strstr(ck_err_detail(), "999.1.1.1") != NULL);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_IPADDRESS, NULL), 0);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_HOSTNAME, "bad host"), 0);
	ck_assert_int_eq(ck_cfg_san(c, &g), CK_E_CSR_FIELD);	/* no spaces in names */
	ck_assert_ptr_null(g);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_HOSTNAME, "h\xc3\xa9.example.com"), 0);
	ck_assert_int_eq(ck_cfg_san(c, &g), CK_E_CSR_FIELD);
	ck_assert_ptr_null(g);
	ck_cfg_free(c);
}
END_TEST

Suite *
suite_cfg(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("cfg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_keys);
	tcase_add_test(tc, t_order_fixed);
	tcase_add_test(tc, t_override_and_empty);
	tcase_add_test(tc, t_long_line);
	tcase_add_test(tc, t_errors);
	tcase_add_test(tc, t_field_errors);
	suite_add_tcase(s, tc);
	return s;
}
