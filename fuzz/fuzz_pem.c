/* fuzz_pem.c: certificates, chains and private keys as certkit loads them. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "err.h"
#include "pki.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *sk = NULL;
	EVP_PKEY *k = NULL;
	char hex[2 * EVP_MAX_MD_SIZE + 1], *txt = NULL, *pem = NULL;

	if (ck_certs_parse((const char *)data, size, &sk) == 0) {
		for (int i = 0; i < sk_X509_num(sk); i++) {
			X509 *x = sk_X509_value(sk, i);
			int64_t left;
			(void)ck_cert_digest_hex(x, EVP_sha1(), hex);
			if (ck_cert_text(x, &txt) == 0)
				free(txt);
			(void)ck_cert_is_ca(x);
			(void)ck_cert_seconds_left(x, &left);
		}
		if (ck_certs_to_pem(sk, &pem, NULL) == 0)
			free(pem);
	}
	/* "pw" decrypts keys encrypted by the seed corpus; others must fail cleanly */
	if (ck_key_parse((const char *)data, size, "pw", &k) == 0) {
		if (sk != NULL)
			(void)ck_cert_key_match(sk_X509_value(sk, 0), k);
		EVP_PKEY_free(k);
	}
	ck_certs_free(sk);
	ERR_clear_error();
	return 0;
}
