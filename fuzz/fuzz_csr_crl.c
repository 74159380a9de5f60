/*
 * fuzz_csr_crl.c: what arrives from another machine for the VMCA: a CSR for
 * `certool --gencertfromcsr` (loaded as certool loads it, then put through
 * the whole signing policy: SAN, basicConstraints, keyUsage, wildcards,
 * without recording), and a CRL for `certool --viewcrl` / `vecs entry
 * create --crl`.  The first input byte picks which.
 */
#define _GNU_SOURCE
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca.h"
#include "cfg.h"
#include "err.h"
#include "memfile.h"
#include "pki.h"
#include "store.h"
#include "x509gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct ck_ca *ca;

/* One EC root in a private directory, made once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];
	struct ck_cfg *c = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	STACK_OF(X509) *sk = NULL;

	(void)argc; (void)argv;
	snprintf(tmpl, sizeof(tmpl), "%s/ckfuzzca.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL || ck_ca_open(tmpl, &ca) != 0 || ck_cfg_new(&c) != 0 ||
	    ck_cfg_set(c, CK_CFG_NAME, "fuzz root") != 0 ||
	    ck_key_generate(CK_KEY_RSA, 2048, &k) != 0 ||
	    ck_ca_make_root(c, k, 0, &x) != 0 || (sk = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(sk, x))
		abort();
	x = NULL;
	if (ck_ca_install(ca, sk, k) != 0) {
		ck_ca_close(ca);
		ca = NULL;
	}
	sk_X509_pop_free(sk, X509_free);
	EVP_PKEY_free(k);
	ck_cfg_free(c);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_REQ *req = NULL;
	X509_CRL *crl = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	struct ck_entry *e = NULL;
	char path[64], *txt = NULL, *pem = NULL;
	size_t len;
	int fd;

	if (size == 0)
		return 0;
	if ((fd = memfile(data + 1, size - 1, path, sizeof(path))) < 0)
		return 0;
	if (data[0] & 1) {
		if (ck_req_load(path, &req) == 0) {
			struct ck_sign_opts o = { .flags = CK_SIGN_NO_RECORD | (data[0] & 2 ? CK_SIGN_ALLOW_CA : 0) |
			    (data[0] & 4 ? CK_SIGN_ALLOW_WILDCARD : 0) };
			if (ck_req_to_pem(req, &pem, &len) == 0)
				free(pem);
			if (ca != NULL && ck_ca_sign_req(ca, req, &o, &leaf, &chain) == 0) {
				if (ck_cert_text(leaf, &txt) == 0)
					free(txt);
			}
		}
	} else {
		if (ck_crl_load(path, &crl) == 0) {
			if (ck_crl_text(crl, &txt) == 0)
				free(txt);
			if (ck_crl_to_pem(crl, &pem, &len) == 0)
				free(pem);
		}
		if (ck_entry_build_crl((const char *)data + 1, size - 1, NULL, &e) == 0)
			ck_entry_free(e);
	}
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	X509_CRL_free(crl);
	X509_REQ_free(req);
	close(fd);
	ERR_clear_error();
	return 0;
}
