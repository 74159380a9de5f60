/* pki.c: certificates and keys on OpenSSL 3's EVP/BIO APIs. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"

/* --- certificates ------------------------------------------------------- */

/*
 * No PEM block: DER certificates one after another (AD CS hands out DER
 * .cer files), the whole of buf; else say what would convert it.
 */
static int
der_certs(const char *buf, size_t len, STACK_OF(X509) *sk)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	X509 *x;

	while (len > 0 && p < end && *p == 0x30 &&
	    (x = d2i_X509(NULL, &p, (long)(end - p))) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			return CK_E_NOMEM;
		}
	}
	ERR_clear_error();
	if (sk_X509_num(sk) > 0 && p == end)
		return 0;
	return ck_errf(CK_E_FORMAT, "no PEM or DER certificate found (another encoding? "
	    "openssl x509 -in FILE -out FILE.pem converts what OpenSSL can read; "
	    "openssl pkcs7 -print_certs a PKCS#7 bundle)");
}

int
ck_certs_parse(const char *buf, size_t len, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk = NULL;
	BIO *b = NULL;
	X509 *x;
	int r = CK_E_NOMEM;

	*out = NULL;
	if (len > CK_PEM_MAX)
		return ck_errf(CK_E_TOOLONG, "certificate input larger than %d bytes", CK_PEM_MAX);
	if ((sk = sk_X509_new_null()) == NULL)
		goto out;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto out;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto out;
		}
	}
	/* End of input is the only acceptable way out of the loop. */
	{
		unsigned long e = ERR_peek_last_error();
		if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
			r = ck_errssl(CK_E_FORMAT, "PEM_read_bio_X509: damaged certificate block");
			goto out;
		}
		ERR_clear_error();
	}
	if (sk_X509_num(sk) == 0 && (r = der_certs(buf, len, sk)) != 0)
		goto out;
	*out = sk;
	sk = NULL;
	r = 0;
out:
	BIO_free(b);
	ck_certs_free(sk);
	return r;
}

int
ck_certs_load(const char *path, STACK_OF(X509) **out)
{
	char *buf = NULL;
	size_t len;
	int r;

	*out = NULL;
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 0)) != 0)
		return r;
	if ((r = ck_certs_parse(buf, len, out)) != 0 && r != CK_E_NOMEM) {
		char d[512];
		snprintf(d, sizeof(d), "%s", ck_err_detail());
		ck_errf(r, "%s: %s", path, d);
	}
	free(buf);
	return r;
}

int
ck_cert_load(const char *path, X509 **out)
{
	STACK_OF(X509) *sk = NULL;
	int r;

	*out = NULL;
	if ((r = ck_certs_load(path, &sk)) != 0)
		return r;
	*out = sk_X509_shift(sk);
	ck_certs_free(sk);
	return 0;
}

void
ck_certs_free(STACK_OF(X509) *sk)
{
	sk_X509_pop_free(sk, X509_free);
}

/* Copy a memory BIO's contents into a NUL-terminated buffer. */
static int
bio_to_buf(BIO *b, int secret, char **out, size_t *lenp)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s;

	if (n < 0)
		return CK_E_CRYPTO;
	s = secret ? ck_secalloc((size_t)n + 1) : malloc((size_t)n + 1);
	if (s == NULL)
		return CK_E_NOMEM;
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	if (lenp != NULL)
		*lenp = (size_t)n;
	return 0;
}

int
ck_cert_to_pem(X509 *x, char **pem, size_t *len)
{
	BIO *b;
	int r;

	*pem = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	if (!PEM_write_bio_X509(b, x))
		r = ck_errssl(CK_E_CRYPTO, "PEM_write_bio_X509");
	else
		r = bio_to_buf(b, 0, pem, len);
	BIO_free(b);
	return r;
}

int
ck_certs_to_pem(STACK_OF(X509) *sk, char **pem, size_t *len)
{
	BIO *b;
	int r = 0;

	*pem = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	for (int i = 0; i < sk_X509_num(sk) && r == 0; i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(sk, i)))
			r = ck_errssl(CK_E_CRYPTO, "PEM_write_bio_X509");
	if (r == 0)
		r = bio_to_buf(b, 0, pem, len);
	BIO_free(b);
	return r;
}

int
ck_cert_digest_hex(X509 *x, const EVP_MD *md, char *hex)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char digits[] = "0123456789abcdef";

	if (!X509_digest(x, md, d, &n))
		return ck_errssl(CK_E_CRYPTO, "X509_digest");
	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
	return 0;
}

int
ck_cert_text(X509 *x, char **out)
{
	BIO *b;
	int r;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	if (!X509_print(b, x))
		r = ck_errssl(CK_E_CRYPTO, "X509_print");
	else
		r = bio_to_buf(b, 0, out, NULL);
	BIO_free(b);
	return r;
}

int
ck_cert_is_ca(X509 *x)
{
	return X509_check_ca(x) == 1;
}

int
ck_cert_seconds_left(X509 *x, int64_t *secs)
{
	int days = 0, s = 0;

	if (!ASN1_TIME_diff(&days, &s, NULL, X509_get0_notAfter(x)))
		return ck_errssl(CK_E_CERT, "ASN1_TIME_diff");
	*secs = (int64_t)days * 86400 + s;
	return 0;
}

/* --- keys ---------------------------------------------------------------- */

struct pwctx {
	const char *password;
	int asked;
};

/* Never prompts: hands over the given password, or fails. */
static int
pw_cb(char *buf, int size, int rwflag, void *u)
{
	struct pwctx *p = u;
	size_t n;

	(void)rwflag;
	p->asked = 1;
	if (p->password == NULL)
		return -1;
	n = strlen(p->password);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, p->password, n);
	return (int)n;
}

/* A DER private key: PKCS#8 (encrypted or not), PKCS#1 or SEC1. */
static EVP_PKEY *
der_key(const char *buf, size_t len, struct pwctx *pw)
{
	const unsigned char *p = (const unsigned char *)buf;
	EVP_PKEY *k;
	BIO *b;

	ERR_clear_error();
	if ((k = d2i_AutoPrivateKey(NULL, &p, (long)len)) != NULL)
		return k;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return NULL;
	k = d2i_PKCS8PrivateKey_bio(b, NULL, pw_cb, pw);
	BIO_free(b);
	return k;
}

int
ck_key_parse(const char *buf, size_t len, const char *password, EVP_PKEY **out)
{
	struct pwctx pw = { password, 0 };
	BIO *b;
	EVP_PKEY *k;

	*out = NULL;
	if (len > CK_PEM_MAX)
		return ck_errf(CK_E_TOOLONG, "key input too large");
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return CK_E_NOMEM;
	ERR_clear_error();
	k = PEM_read_bio_PrivateKey(b, NULL, pw_cb, &pw);
	BIO_free(b);
	if (k == NULL && !pw.asked && len > 0 && (unsigned char)buf[0] == 0x30)
		k = der_key(buf, len, &pw);
	if (k == NULL) {
		if (pw.asked) {
			ERR_clear_error();
			return ck_errf(CK_E_PASSWORD, password == NULL ?
			    "the private key is encrypted and no password was given" :
			    "cannot decrypt the private key: wrong password");
		}
		return ck_errssl(CK_E_KEY, "not a PEM or DER private key (PKCS#8, PKCS#1 or SEC1; "
		    "openssl pkey -in FILE -out FILE.pem converts what OpenSSL can read)");
	}
	*out = k;
	return 0;
}

int
ck_key_load(const char *path, const char *password, EVP_PKEY **out)
{
	char *buf = NULL;
	size_t len;
	int r;

	*out = NULL;
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 1)) != 0)
		return r;
	if ((r = ck_key_parse(buf, len, password, out)) != 0 && r != CK_E_NOMEM)
		ck_errwrap(r, "%s", path);
	ck_secfree(buf);
	return r;
}

int
ck_key_load_pwspec(const char *path, const char *pwspec, EVP_PKEY **out)
{
	char *pw = NULL;
	int r;

	*out = NULL;
	if (pwspec != NULL && (r = ck_secret_read(pwspec, &pw)) != 0)
		return ck_errwrap(r, "password %s", pwspec);
	if ((r = ck_key_load(path, pw, out)) != 0 && strstr(ck_err_detail(), path) == NULL)
		ck_errwrap(r, "%s", path);
	ck_secfree(pw);
	return r;
}

int
ck_key_to_pem(EVP_PKEY *k, const char *password, char **pem, size_t *len)
{
	const EVP_CIPHER *c = NULL;
	BIO *b;
	int ok, r;

	*pem = NULL;
	if ((b = BIO_new(BIO_s_secmem())) == NULL && (b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	if (password != NULL)
		c = EVP_aes_256_cbc();
	ok = PEM_write_bio_PKCS8PrivateKey(b, k, c, NULL, 0, NULL, (void *)password);
	if (!ok)
		r = ck_errssl(CK_E_CRYPTO, "PEM_write_bio_PKCS8PrivateKey");
	else
		r = bio_to_buf(b, 1, pem, len);
	BIO_free(b);
	return r;
}

int
ck_key_write(const char *path, EVP_PKEY *k, const char *password)
{
	char *pem = NULL;
	size_t len = 0;
	int r;

	if ((r = ck_key_to_pem(k, password, &pem, &len)) != 0)
		return r;
	r = ck_file_write(path, pem, len, 0600, 0);
	ck_secfree(pem);
	return r;
}

int
ck_pubkey_to_pem(EVP_PKEY *k, int pkcs1, char **pem, size_t *len)
{
	BIO *b;
	int ok, r;

	*pem = NULL;
	if (pkcs1 && !ck_key_is_rsa(k))
		return ck_errf(CK_E_UNSUPPORTED, "PKCS#1 public key output needs an RSA key");
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	if (pkcs1) {
		/* PKCS#1 RSAPublicKey through the encoder API (no deprecated RSA calls). */
		OSSL_ENCODER_CTX *ec = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_PUBLIC_KEY,
		    "PEM", "type-specific", NULL);
		ok = ec != NULL && OSSL_ENCODER_CTX_get_num_encoders(ec) > 0 && OSSL_ENCODER_to_bio(ec, b);
		OSSL_ENCODER_CTX_free(ec);
	} else {
		ok = PEM_write_bio_PUBKEY(b, k);
	}
	if (!ok)
		r = ck_errssl(CK_E_CRYPTO, "writing the public key");
	else
		r = bio_to_buf(b, 0, pem, len);
	BIO_free(b);
	return r;
}

int
ck_cert_key_match(X509 *x, EVP_PKEY *k)
{
	EVP_PKEY *pub = X509_get0_pubkey(x);

	if (pub == NULL)
		return ck_errssl(CK_E_CERT, "X509_get0_pubkey");
	if (EVP_PKEY_eq(pub, k) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_KEY_MISMATCH, "the private key does not belong to the certificate");
	}
	return 0;
}

int
ck_key_bits(EVP_PKEY *k)
{
	return EVP_PKEY_get_bits(k);
}

int
ck_key_is_rsa(EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "RSA");
}

int
ck_key_is_ec(EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "EC");
}

int
ck_pem_write(const char *path, const char *pem, size_t len, unsigned int mode)
{
	return ck_file_write(path, pem, len, (mode_t)mode, 0);
}
