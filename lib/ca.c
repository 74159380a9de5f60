/* ca.c: the VMCA's state and install: open a VMCA directory, load and
 * validate its signing pair, install a new pair, make a self-signed root
 * (see ca.h; the files of the VMCA are listed in ca_priv.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca_priv.h"
#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "secmem.h"
#include "util.h"
#include "x509gen.h"

char *
ca_join(const struct ck_ca *ca, const char *name)
{
	return ck_asprintf("%s/%s", ca->dir, name);
}

/* --- opening ------------------------------------------------------------- */

int
ca_reload(struct ck_ca *ca)
{
	char *path = NULL;
	int r;

	sk_X509_pop_free(ca->chain, X509_free);
	ca->chain = NULL;
	EVP_PKEY_free(ca->key);
	ca->key = NULL;
	/* signed with the key of the root replaced now, if any */
	OPENSSL_free(ca->issued);
	ca->issued = NULL;
	ca->issued_len = 0;
	if ((path = ca_join(ca, ROOT_FILE)) == NULL)
		return CK_E_NOMEM;
	r = ck_certs_load(path, &ca->chain);
	if (r == CK_E_NOENT) {
		ck_err_clear();
		r = 0;
	} else if (r != 0) {
		char d[512];
		snprintf(d, sizeof(d), "%s", ck_err_detail());
		r = ck_errf(CK_E_CA_MISSING, "%s: %s", path, d);
	}
	free(path);
	return r;
}

int
ck_ca_open(const char *dir, struct ck_ca **out)
{
	struct ck_ca *ca = NULL;
	int r;

	*out = NULL;
	if (dir == NULL)
		dir = ck_path(CK_PATH_VMCA);
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return CK_E_NOMEM;
	if ((ca->dir = strdup(dir)) == NULL) {
		free(ca);
		return CK_E_NOMEM;
	}
	/* nothing inside a directory others could plant links in is touched;
	 * then finish an install a crash interrupted: the pair must match */
	if ((r = ck_dir_check(ca->dir, "VMCA directory")) != 0 ||
	    (r = ca_install_recover(ca)) != 0 || (r = ca_reload(ca)) != 0) {
		ck_ca_close(ca);
		return r;
	}
	*out = ca;
	return 0;
}

void
ck_ca_close(struct ck_ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->env != NULL)
		mdb_env_close(ca->env);
	EVP_PKEY_free(ca->key);
	sk_X509_pop_free(ca->chain, X509_free);
	OPENSSL_free(ca->issued);
	free(ca->dir);
	free(ca);
}

int
ck_ca_has_root(struct ck_ca *ca)
{
	return ca->chain != NULL && sk_X509_num(ca->chain) > 0;
}

X509 *
ck_ca_cert(struct ck_ca *ca)
{
	return ck_ca_has_root(ca) ? sk_X509_value(ca->chain, 0) : NULL;
}

STACK_OF(X509) *
ck_ca_chain(struct ck_ca *ca)
{
	return ck_ca_has_root(ca) ? ca->chain : NULL;
}

const char *
ck_ca_dir(struct ck_ca *ca)
{
	return ca->dir;
}

int
ca_need_root(struct ck_ca *ca)
{
	char *path = NULL;
	int r;

	if (!ck_ca_has_root(ca))
		return ck_errf(CK_E_CA_MISSING, "no VMCA root in %s: create one with --selfca "
		    "or install one with --rootca", ca->dir);
	if (ca->key != NULL)
		return 0;
	if ((path = ca_join(ca, KEY_FILE)) == NULL)
		return CK_E_NOMEM;
	if ((r = ck_key_load_fast(path, NULL, &ca->key)) != 0) {
		char d[512];
		snprintf(d, sizeof(d), "%s", ck_err_detail());
		r = ck_errf(CK_E_CA_MISSING, "VMCA key: %s", d);
	} else if (ck_cert_key_match(ck_ca_cert(ca), ca->key) != 0) {
		r = ck_errf(CK_E_CA_MISSING, "%s does not match %s/" ROOT_FILE, path, ca->dir);
		EVP_PKEY_free(ca->key);
		ca->key = NULL;
	}
	free(path);
	return r;
}

/* --- validation and installation ----------------------------------------- */

static const char *
not_ca_reason(X509 *x)
{
	uint32_t fl = X509_get_extension_flags(x);

	if (X509_get_version(x) != X509_VERSION_3)
		return "it is not an X.509 v3 certificate, so it cannot carry basicConstraints";
	if (!(fl & EXFLAG_BCONS))
		return "it has no basicConstraints extension (CA:TRUE is required)";
	if (!(fl & EXFLAG_CA))
		return "its basicConstraints says CA:FALSE";
	if ((fl & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
		return "its keyUsage lacks keyCertSign (Certificate Sign)";
	return "X509_check_ca refused it";
}

char *
ca_name_str(const X509_NAME *n, char *buf, size_t len)
{
	return X509_NAME_oneline(n, buf, (int)len);
}

int
ck_ca_validate(STACK_OF(X509) *chain, EVP_PKEY *key)
{
	int n = chain ? sk_X509_num(chain) : 0;
	char a[256], b[256];
	X509 *first, *last;
	int bits;

	if (n == 0)
		return ck_errf(CK_E_FORMAT, "no certificate in the chain");
	for (int i = 0; i + 1 < n; i++) {
		X509 *x = sk_X509_value(chain, i), *up = sk_X509_value(chain, i + 1);
		int v = X509_check_issued(up, x);
		if (v != X509_V_OK)
			return ck_errf(CK_E_CHAIN_ORDER, "certificate %d (%s) was not issued by "
			    "certificate %d (%s): %s; order the file signing cert first, then "
			    "each issuer, root last", i + 1, ca_name_str(X509_get_subject_name(x), a,
			    sizeof(a)), i + 2, ca_name_str(X509_get_subject_name(up), b, sizeof(b)),
			    X509_verify_cert_error_string(v));
		if (X509_verify(x, X509_get0_pubkey(up)) != 1) {
			ERR_clear_error();
			return ck_errf(CK_E_CHAIN_ORDER, "certificate %d (%s): its signature does "
			    "not verify with the key of certificate %d", i + 1,
			    ca_name_str(X509_get_subject_name(x), a, sizeof(a)), i + 2);
		}
	}
	last = sk_X509_value(chain, n - 1);
	if (X509_NAME_cmp(X509_get_subject_name(last), X509_get_issuer_name(last)) != 0)
		return ck_errf(CK_E_CHAIN_INCOMPLETE, "the last certificate (%s) is not a "
		    "root: append its issuer (%s) and any intermediates to the file",
		    ca_name_str(X509_get_subject_name(last), a, sizeof(a)),
		    ca_name_str(X509_get_issuer_name(last), b, sizeof(b)));
	if (X509_verify(last, X509_get0_pubkey(last)) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_CHAIN_INCOMPLETE, "the root (%s) is not correctly "
		    "self-signed", ca_name_str(X509_get_subject_name(last), a, sizeof(a)));
	}
	/* VMware accepts an expired chain and then signs certificates that
	 * can never verify; refuse it here. */
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chain, i);
		time_t now = (time_t)ck_now();
		if (X509_cmp_time(X509_get0_notAfter(x), &now) < 0) {
			ca_fmt_time(X509_get0_notAfter(x), b, sizeof(b));
			return ck_errf(CK_E_TIME, "certificate %d (%s) expired on %s", i + 1,
			    ca_name_str(X509_get_subject_name(x), a, sizeof(a)), b);
		}
		/* nor a CA that is not valid yet: what it signed would not be */
		if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0) {
			ca_fmt_time(X509_get0_notBefore(x), b, sizeof(b));
			return ck_errf(CK_E_TIME, "certificate %d (%s) is not valid before %s",
			    i + 1, ca_name_str(X509_get_subject_name(x), a, sizeof(a)), b);
		}
	}
	first = sk_X509_value(chain, 0);
	if (X509_check_ca(first) != 1)
		return ck_errf(CK_E_NOT_CA, "Not a CA Cert: %s: %s",
		    ca_name_str(X509_get_subject_name(first), a, sizeof(a)), not_ca_reason(first));
	if (key == NULL)
		return 0;
	if (!ck_key_is_rsa(key))
		return ck_errf(CK_E_KEY, "the VMCA signing key must be RSA");
	if (ck_cert_key_match(first, key) != 0)
		return ck_errf(CK_E_KEY_MISMATCH, "the private key is not the key of %s",
		    ca_name_str(X509_get_subject_name(first), a, sizeof(a)));
	bits = ck_key_bits(key);
	if (bits < 2048 || bits > 16384)
		return ck_errf(CK_E_KEYSIZE, "the VMCA key has %d bits; use 2048..16384", bits);
	return 0;
}

int
ca_usable_now(struct ck_ca *ca, int64_t now)
{
	X509 *cacert = ck_ca_cert(ca);
	time_t t = (time_t)now;
	char when[64];

	if (X509_cmp_time(X509_get0_notAfter(cacert), &t) <= 0) {
		ca_fmt_time(X509_get0_notAfter(cacert), when, sizeof(when));
		return ck_errf(CK_E_TIME, "the VMCA certificate expired on %s: install a new "
		    "root (--selfca or --rootca) first", when);
	}
	if (X509_cmp_time(X509_get0_notBefore(cacert), &t) > 0) {
		ca_fmt_time(X509_get0_notBefore(cacert), when, sizeof(when));
		return ck_errf(CK_E_TIME, "the VMCA certificate is not valid before %s: "
		    "check the clock, or install a root valid now", when);
	}
	return 0;
}

int
ca_add_exts(X509 *x, const STACK_OF(X509_EXTENSION) *exts)
{
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (!X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1))
			return ck_errssl(CK_E_CRYPTO, "X509_add_ext");
	return 0;
}

const EVP_MD *
ca_sig_md(EVP_PKEY *key)
{
	if (ck_key_is_ec(key) && ck_key_bits(key) >= 384)
		return EVP_sha384();
	return EVP_sha256();
}

int
ck_ca_make_root(const struct ck_cfg *cfg, EVP_PKEY *key, long predate_min, X509 **out)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	GENERAL_NAMES *san = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	time_t nb;
	int r;

	*out = NULL;
	if (predate_min < 0)
		return ck_errf(CK_E_INVAL, "predate must not be negative");
	if ((r = ck_cfg_subject(cfg, &subj)) != 0 || (r = ck_cfg_san(cfg, &san)) != 0)
		goto out;
	if (X509_NAME_get_index_by_NID(subj, NID_commonName, -1) < 0) {
		r = ck_errf(CK_E_CSR_FIELD, "a CA certificate needs a Name (CN): set Name "
		    "in the configuration or pass --Name");
		goto out;
	}
	if ((x = X509_new()) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	nb = (time_t)(ck_now() - predate_min * 60);
	if (!X509_set_version(x, X509_VERSION_3) || (r = ca_set_serial(x)) != 0 ||
	    !X509_set_subject_name(x, subj) || !X509_set_issuer_name(x, subj) ||
	    !ASN1_TIME_adj(X509_getm_notBefore(x), nb, 0, 0) ||
	    !ASN1_TIME_adj(X509_getm_notAfter(x), nb, CK_CA_ROOT_DAYS, 0) ||
	    !X509_set_pubkey(x, key)) {
		r = r ? r : ck_errssl(CK_E_CRYPTO, "X509_set_subject_name");
		goto out;
	}
	if ((r = ck_ext_push_ski(&exts, key)) != 0 ||
	    (san != NULL && (r = ck_ext_push_san(&exts, san)) != 0) ||
	    (r = ck_ext_push_ku(&exts, 1, KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0 ||
	    (r = ck_ext_push_bc(&exts, 1, 0)) != 0 ||
	    (r = ca_add_exts(x, exts)) != 0)
		goto out;
	if (X509_sign(x, key, ca_sig_md(key)) <= 0) {
		r = ck_errssl(CK_E_KEY, "X509_sign");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	ck_exts_free(exts);
	X509_free(x);
	GENERAL_NAMES_free(san);
	X509_NAME_free(subj);
	return r;
}

void
ca_fmt_time(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *d;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	ASN1_TIME_print(b, t);
	n = BIO_get_mem_data(b, &d);
	snprintf(buf, len, "%.*s", (int)n, d);
	BIO_free(b);
}

/*
 * 0 if x was signed by the VMCA's current signing cert.  der (x's DER, or
 * NULL) lets the cert this handle has just signed through without
 * verifying a signature made a moment ago with the same key.
 */
int
ca_issued_here_der(struct ck_ca *ca, X509 *x, const unsigned char *der, int dlen)
{
	X509 *cacert = ck_ca_cert(ca);
	char a[256];

	if (der != NULL && ca->issued != NULL && dlen == ca->issued_len &&
	    memcmp(der, ca->issued, (size_t)dlen) == 0)
		return 0;
	if (cacert == NULL || X509_check_issued(cacert, x) != X509_V_OK ||
	    X509_verify(x, X509_get0_pubkey(cacert)) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_UNSUPPORTED, "Unsupported: %s was not issued by this VMCA "
		    "(%s); renew it with the CA that issued it",
		    ca_name_str(X509_get_subject_name(x), a, sizeof(a)), ca->dir);
	}
	return 0;
}

int
ca_issued_here(struct ck_ca *ca, X509 *x)
{
	return ca_issued_here_der(ca, x, NULL, 0);
}
