/*
 * pki_keygen.c: new key pairs, with the progress a program may show
 * (pki.h).  A file of its own so that vecs, which never makes a key, does
 * not link the keygen calls its lazily loaded libcrypto does not list.
 */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "err.h"
#include "pki.h"

static void (*keygen_fn)(void *, int);
static void *keygen_u;

void
ck_key_progress(void (*fn)(void *u, int what), void *u)
{
	keygen_fn = fn;
	keygen_u = u;
}

static int
keygen_cb(EVP_PKEY_CTX *ctx)
{
	(void)ctx;
	keygen_fn(keygen_u, CK_KEYGEN_STEP);
	return 1;	/* go on */
}

/* RSA with a progress callback (EVP_PKEY_Q_keygen takes none). */
static EVP_PKEY *
rsa_keygen_cb(int bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;

	keygen_fn(keygen_u, CK_KEYGEN_BEGIN);
	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1) {
		EVP_PKEY_CTX_set_cb(ctx, keygen_cb);
		if (EVP_PKEY_generate(ctx, &k) != 1)
			k = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	keygen_fn(keygen_u, CK_KEYGEN_END);
	return k;
}

int
ck_key_generate(enum ck_keytype type, int bits, EVP_PKEY **out)
{
	EVP_PKEY *k = NULL;

	*out = NULL;
	if (type == CK_KEY_RSA) {
		if (bits < 2048 || bits > 16384)
			return ck_errf(CK_E_KEYSIZE, "RSA key size %d is outside 2048..16384", bits);
		k = keygen_fn != NULL ? rsa_keygen_cb(bits) :
		    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (type == CK_KEY_EC) {
		const char *curve = bits == 256 ? "P-256" : bits == 384 ? "P-384" : NULL;
		if (curve == NULL)
			return ck_errf(CK_E_KEYSIZE, "EC key size %d: use 256 (P-256) or 384 (P-384)", bits);
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	} else {
		return ck_errf(CK_E_INVAL, "unknown key type");
	}
	if (k == NULL)
		return ck_errssl(CK_E_CRYPTO, "EVP_PKEY_Q_keygen");
	*out = k;
	return 0;
}

