/* check_certinfo.c: lib/certinfo.c (Tls.Info JSON, RFC 3339) and lib/node.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certinfo.h"
#include "err.h"
#include "node.h"
#include "pki.h"
#include "suites.h"

START_TEST(t_rfc3339)
{
	char b[CK_RFC3339_LEN];
	ASN1_TIME *t = ASN1_TIME_set(NULL, 951782400);	/* 2000-02-29 */

	ck_time_rfc3339(0, b);
	ck_assert_str_eq(b, "1970-01-01T00:00:00Z");
	ck_time_rfc3339(951782400 + 86399, b);
	ck_assert_str_eq(b, "2000-02-29T23:59:59Z");
	ck_asn1_time_rfc3339(t, b);
	ck_assert_str_eq(b, "2000-02-29T00:00:00Z");
	/* GeneralizedTime past 2049 */
	ck_assert_int_eq(ASN1_TIME_set_string(t, "20510101120000Z"), 1);
	ck_asn1_time_rfc3339(t, b);
	ck_assert_str_eq(b, "2051-01-01T12:00:00Z");
	ck_asn1_time_rfc3339(NULL, b);
	ck_assert_str_eq(b, "");
	ASN1_TIME_free(t);
}
END_TEST

#define PREFIX "{\"status\": \"ACTIVE\", \"version\": 3, \"serial_number\": \"07\", "
START_TEST(t_json)
{
	EVP_PKEY *k = NULL;
	X509 *x;
	char *j = NULL;

	X509_NAME *n = X509_NAME_new();

	ck_assert_int_eq(ck_key_generate(CK_KEY_EC, 256, &k), 0);
	x = test_selfsigned(k, "x", 7);
	ck_assert_ptr_nonnull(x);
	/* a T61String CN with a quote and byte 0xff (Latin-1 y-diaeresis):
	 * escaped, and the byte as UTF-8 (OpenSSL refuses a UTF8String that
	 * is not UTF-8 already when it parses or sets a name) */
	ck_assert_int_eq(X509_NAME_add_entry_by_NID(n, NID_commonName, V_ASN1_T61STRING,
	    (const unsigned char *)"a\"b\xff", 4, -1, 0), 1);
	ck_assert_int_eq(X509_set_subject_name(x, n), 1);
	X509_NAME_free(n);
	ck_assert_int_eq(ck_certinfo_json(x, NULL, 0, "\"status\": \"ACTIVE\", ", &j), 0);
	ck_assert_msg(strncmp(j, PREFIX, strlen(PREFIX)) == 0, "%s", j);
	ck_assert_msg(strstr(j, "\"subject_dn\": \"CN=a\\\\\\\"b\xc3\xbf\"") != NULL, "%s", j);
	ck_assert_ptr_null(strstr(j, "\xff"));
	ck_assert_ptr_nonnull(strstr(j, "\"key_usage\": []"));
	ck_assert_ptr_nonnull(strstr(j, "\"subject_alternative_name\": []"));
	ck_assert_ptr_nonnull(strstr(j, "\"cert\": \"-----BEGIN CERTIFICATE-----\\n"));
	ck_assert_int_eq(j[strlen(j) - 1], '}');
	free(j);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(t_node)
{
	struct ck_cfg *cfg = NULL;
	int used = -1;

	setenv("CERTKIT_FQDN", "vc1.example.test", 1);
	ck_assert(ck_node_is_me("localhost"));
	ck_assert(ck_node_is_me("127.0.0.1"));
	ck_assert(ck_node_is_me("127.1.2.3"));
	ck_assert(ck_node_is_me("::1"));
	ck_assert(ck_node_is_me("[::1]"));
	ck_assert(ck_node_is_me("VC1.example.test."));
	ck_assert(ck_node_is_me("vc1"));
	ck_assert(!ck_node_is_me("vc"));
	ck_assert(!ck_node_is_me("vc1.example"));
	ck_assert(!ck_node_is_me("vc1.example.test.."));
	ck_assert(!ck_node_is_me("example.test"));
	ck_assert(!ck_node_is_me("192.0.2.254"));
	ck_assert(!ck_node_is_me(""));
	ck_assert(!ck_node_is_me(NULL));

	ck_assert_int_eq(ck_cfg_new(&cfg), 0);
	ck_assert_int_eq(ck_cfg_node_defaults(cfg, NULL, &used), 0);
	ck_assert_int_eq(used, 1);
	ck_assert_str_eq(ck_cfg_get(cfg, CK_CFG_NAME), "vc1.example.test");
	ck_assert_str_eq(ck_cfg_get(cfg, CK_CFG_HOSTNAME), "vc1.example.test");
	ck_assert_int_eq(ck_cfg_set(cfg, CK_CFG_NAME, "given"), 0);
	ck_assert_int_eq(ck_cfg_set(cfg, CK_CFG_HOSTNAME, NULL), 0);
	ck_assert_int_eq(ck_cfg_node_defaults(cfg, "other.example.test", &used), 0);
	ck_assert_str_eq(ck_cfg_get(cfg, CK_CFG_NAME), "given");
	ck_assert_str_eq(ck_cfg_get(cfg, CK_CFG_HOSTNAME), "other.example.test");
	ck_assert_int_eq(ck_cfg_node_defaults(cfg, NULL, &used), 0);
	ck_assert_int_eq(used, 0);
	ck_cfg_free(cfg);
	unsetenv("CERTKIT_FQDN");
}
END_TEST

Suite *
suite_certinfo(void)
{
	Suite *s = suite_create("certinfo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_rfc3339);
	tcase_add_test(tc, t_json);
	tcase_add_test(tc, t_node);
	suite_add_tcase(s, tc);
	return s;
}
