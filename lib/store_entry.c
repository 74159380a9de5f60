/*
 * store_entry.c: building validated VECS entries from PEM input,
 * shared by `vecs entry create` and svcctl's machine-certificate swap.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"

static int
set_alias(struct ck_entry *e, const char *alias, const char *thumb)
{
	const char *a = alias != NULL && *alias != '\0' ? alias : thumb;

	if (a == NULL || *a == '\0')
		return ck_errf(CK_E_INVAL, "an alias is required");
	if (strlen(a) > CK_ALIAS_MAX)
		return ck_errf(CK_E_TOOLONG, "alias is longer than %d bytes", CK_ALIAS_MAX);
	if ((e->alias = strdup(a)) == NULL)
		return CK_E_NOMEM;
	return 0;
}

int
ck_entry_build(const char *cert, size_t cert_len, const char *key, size_t key_len,
    const char *alias, const char *password, int flags, struct ck_entry **out)
{
	STACK_OF(X509) *sk = NULL;
	EVP_PKEY *k = NULL;
	struct ck_entry *e = NULL;
	char thumb[2 * EVP_MAX_MD_SIZE + 1];
	int r;

	*out = NULL;
	if (cert_len == 0)
		cert = NULL;
	if (key_len == 0)
		key = NULL;
	if (cert == NULL && key == NULL)
		return ck_errf(CK_E_INVAL, "a certificate or a key must be specified");
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CK_E_NOMEM;
	if (cert == NULL) {
		/* a secret: stored raw, as given (VECS does not parse secrets) */
		e->type = CK_ENTRY_SECRET_KEY;
		if ((r = set_alias(e, alias, NULL)) != 0)
			goto out;
		if ((e->key = ck_secalloc(key_len + 1)) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		memcpy(e->key, key, key_len);
		e->key_len = key_len;
		r = 0;
		goto out;
	}
	if ((r = ck_certs_parse(cert, cert_len, &sk)) != 0)
		goto out;
	if (flags & CK_BUILD_LEAF_ONLY)
		while (sk_X509_num(sk) > 1)
			X509_free(sk_X509_pop(sk));
	e->ncerts = sk_X509_num(sk);
	if ((r = ck_cert_digest_hex(sk_X509_value(sk, 0), EVP_sha1(), thumb)) != 0 ||
	    (r = set_alias(e, alias, thumb)) != 0 ||
	    (r = ck_certs_to_pem(sk, &e->cert_pem, &e->cert_len)) != 0)
		goto out;
	if (key == NULL) {
		e->type = CK_ENTRY_TRUSTED_CERT;
		goto out;
	}
	/* stored keys are given unencrypted; --password protects them here */
	if ((r = ck_key_parse(key, key_len, NULL, &k)) != 0)
		goto out;
	if ((flags & CK_BUILD_RSA_ONLY) && !ck_key_is_rsa(k)) {
		r = ck_errf(CK_E_KEY, "the private key is not an RSA key "
		    "(vecs-cli accepts RSA keys only)");
		goto out;
	}
	if ((r = ck_cert_key_match(sk_X509_value(sk, 0), k)) != 0) {
		r = ck_errf(CK_E_KEY_MISMATCH, "the private key does not match the "
		    "first certificate");
		goto out;
	}
	if ((r = ck_key_to_pem(k, password != NULL && *password != '\0' ? password : NULL,
	    &e->key, &e->key_len)) != 0)
		goto out;
	e->type = password != NULL && *password != '\0' ? CK_ENTRY_ENCRYPTED_KEY :
	    CK_ENTRY_PRIVATE_KEY;
out:
	EVP_PKEY_free(k);
	ck_certs_free(sk);
	if (r != 0) {
		ck_entry_free(e);
		return r;
	}
	*out = e;
	return 0;
}

int
ck_entry_build_crl(const char *crl, size_t crl_len, const char *alias,
    struct ck_entry **out)
{
	X509_CRL *c = NULL;
	BIO *b = NULL;
	struct ck_entry *e = NULL;
	unsigned char d[EVP_MAX_MD_SIZE];
	char thumb[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int n = 0;
	char *data;
	long len;
	int r;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CK_E_NOMEM;
	e->type = CK_ENTRY_CRL;
	if ((b = BIO_new_mem_buf(crl, (int)crl_len)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	ERR_clear_error();
	if ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) == NULL) {
		r = ck_errssl(CK_E_FORMAT, "PEM_read_bio_X509_CRL: not a PEM CRL");
		goto out;
	}
	if (!X509_CRL_digest(c, EVP_sha1(), d, &n)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_CRL_digest");
		goto out;
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(thumb + 2 * i, 3, "%02x", d[i]);
	if ((r = set_alias(e, alias, thumb)) != 0)
		goto out;
	BIO_free(b);
	if ((b = BIO_new(BIO_s_mem())) == NULL || !PEM_write_bio_X509_CRL(b, c)) {
		r = ck_errssl(CK_E_CRYPTO, "PEM_write_bio_X509_CRL");
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	if (len <= 0 || (e->cert_pem = malloc((size_t)len + 1)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	memcpy(e->cert_pem, data, (size_t)len);
	e->cert_pem[len] = '\0';
	e->cert_len = (size_t)len;
	e->ncerts = 0;
	r = 0;
out:
	BIO_free(b);
	X509_CRL_free(c);
	if (r != 0) {
		ck_entry_free(e);
		return r;
	}
	*out = e;
	return 0;
}

int
ck_entry_dup(const struct ck_entry *src, struct ck_entry **out)
{
	struct ck_entry *e;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CK_E_NOMEM;
	*e = *src;
	e->alias = src->alias ? strdup(src->alias) : NULL;
	e->cert_pem = NULL;
	e->key = NULL;
	if (src->cert_len && (e->cert_pem = malloc(src->cert_len + 1)) != NULL) {
		memcpy(e->cert_pem, src->cert_pem, src->cert_len);
		e->cert_pem[src->cert_len] = '\0';
	}
	if (src->key_len && (e->key = ck_secalloc(src->key_len + 1)) != NULL) {
		memcpy(e->key, src->key, src->key_len);
		e->key[src->key_len] = '\0';
	}
	if ((src->alias && e->alias == NULL) || (src->cert_len && e->cert_pem == NULL) ||
	    (src->key_len && e->key == NULL)) {
		ck_entry_free(e);
		return CK_E_NOMEM;
	}
	*out = e;
	return 0;
}
