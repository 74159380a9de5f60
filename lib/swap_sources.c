/*
 * swap_sources.c: three of the swap's sources (lib/swap_int.h): a
 * PKCS#12 file, a new self-signed certificate, and a backup generation.
 * Each only obtains the leaf, key and chain; swap_prepare.c validates
 * them exactly as it validates the other sources.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "backup.h"
#include "ca.h"
#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "swap.h"
#include "swap_int.h"
#include "util.h"
#include "x509gen.h"

#define SELF_SIGNED_BITS 3072
#define SELF_SIGNED_DAYS 730

int
ck_swap_source_p12(const struct ck_swap *sw, const struct ck_swap_req *req, struct source *src)
{
	int r;

	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: %s (PKCS#12)", req->p12_path);
	r = ck_p12_load(req->p12_path, req->key_password, &src->key, &src->leaf, &src->chain);
	if (r != 0 && strstr(ck_err_detail(), req->p12_path) == NULL)
		r = ck_errwrap(r, "%s", req->p12_path);
	return r;
}

/* The extensions of a self-signed machine certificate for fqdn (x has
 * its key set).  The AKI matters: without it, chain building takes an
 * earlier self-signed certificate with the same name in TRUSTED_ROOTS for
 * this one's issuer, and the verification fails. */
static int
selfsigned_exts(X509 *x, EVP_PKEY *key, const char *fqdn)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *g = NULL;
	ASN1_IA5STRING *dns = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	int r;

	if ((gens = GENERAL_NAMES_new()) == NULL || (g = GENERAL_NAME_new()) == NULL ||
	    (dns = ASN1_IA5STRING_new()) == NULL || !ASN1_STRING_set(dns, fqdn, -1) ||
	    (eku = sk_ASN1_OBJECT_new_null()) == NULL ||
	    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) ||
	    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth))) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	GENERAL_NAME_set0_value(g, GEN_DNS, dns);
	dns = NULL;
	if (!sk_GENERAL_NAME_push(gens, g)) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	g = NULL;
	if ((r = ck_ext_push_bc(&exts, 0, -1)) != 0 ||
	    (r = ck_ext_push_ku(&exts, 1, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT)) != 0 ||
	    (r = ck_ext_push_san(&exts, gens)) != 0 || (r = ck_ext_push_ski(&exts, key)) != 0 ||
	    (r = ck_ext_push_aki(&exts, x)) != 0)
		goto out;
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (!X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1)) {
			r = ck_errssl(CK_E_CRYPTO, "X509_add_ext");
			goto out;
		}
	if (!X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0, X509V3_ADD_DEFAULT))
		r = ck_errssl(CK_E_CRYPTO, "X509_add1_ext_i2d extendedKeyUsage");
out:
	sk_ASN1_OBJECT_free(eku);	/* the objects are static */
	ASN1_IA5STRING_free(dns);
	GENERAL_NAME_free(g);
	GENERAL_NAMES_free(gens);
	ck_exts_free(exts);
	return r;
}

/*
 * A new self-signed end-entity certificate: CN and the one SAN the node's
 * FQDN, CA:FALSE, serverAuth and clientAuth, a new RSA key (or --key),
 * --days (730).  It is its own trust anchor: it goes to TRUSTED_ROOTS
 * with the swap, as a --root-cert would, so the node's services and
 * `openssl verify -CApath` trust it.
 */
int
ck_swap_source_selfsigned(const struct ck_swap *sw, const struct ck_swap_req *req,
    const char *fqdn, struct source *src)
{
	ASN1_INTEGER *sn = NULL;
	X509_NAME *name = NULL;
	X509 *x = NULL;
	int r;

	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: a new self-signed certificate for %s",
	    fqdn);
	if (req->key_path != NULL)
		r = ck_key_load_pwspec(req->key_path, req->key_password, &src->key);
	else
		r = ck_key_generate(CK_KEY_RSA, SELF_SIGNED_BITS, &src->key);
	if (r != 0)
		return r;
	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)fqdn, -1, -1, 0)) {
		r = ck_errssl(CK_E_SUBJECT, "X509_NAME_add_entry_by_txt CN=%s", fqdn);
		goto out;
	}
	if ((r = ck_ca_serial(&sn)) != 0)
		goto out;
	if (!X509_set_version(x, X509_VERSION_3) || !X509_set_serialNumber(x, sn) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, NULL) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), req->days ? req->days : SELF_SIGNED_DAYS, 0,
	    NULL) == NULL || !X509_set_pubkey(x, src->key)) {
		r = ck_errssl(CK_E_CRYPTO, "building the self-signed certificate");
		goto out;
	}
	if ((r = selfsigned_exts(x, src->key, fqdn)) != 0)
		goto out;
	if (X509_sign(x, src->key, EVP_sha256()) <= 0) {
		r = ck_errssl(CK_E_CRYPTO, "X509_sign");
		goto out;
	}
	/* a decoded copy: x cached its extensions (none yet) when the AKI was
	 * made, and verification must see the ones it has now */
	if ((src->leaf = X509_dup(x)) == NULL) {
		r = ck_errssl(CK_E_NOMEM, "X509_dup");
		goto out;
	}
	if ((src->chain = sk_X509_new_null()) == NULL || (src->roots = sk_X509_new_null()) == NULL ||
	    !X509_up_ref(src->leaf) || !sk_X509_push(src->roots, src->leaf)) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	X509_free(x);
	X509_NAME_free(name);
	ASN1_INTEGER_free(sn);
	return r;
}

/*
 * Generation req->backup_gen of the entry's history: its certificate
 * (leaf, then the chain it was stored with) and its key (an encrypted one
 * with --key-password).
 */
int
ck_swap_source_backup(const struct ck_swap *sw, struct ck_store *st,
    const struct ck_swap_req *req, struct source *src)
{
	struct ck_entry *e = NULL;
	char *alias = NULL, *pw = NULL;
	int r;

	if ((r = ck_backup_alias(sw->alias, req->backup_gen, &alias)) != 0)
		return r;
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: %s/%s (backup %d)", CK_STORE_BACKUP,
	    alias, req->backup_gen);
	if ((r = ck_store_entry_get(st, CK_STORE_BACKUP, alias, &e)) != 0) {
		r = ck_errf(r, "no backup %d of %s: %s has no entry %s (vecs entry list --store %s "
		    "--aliases lists them)", req->backup_gen, sw->alias, CK_STORE_BACKUP, alias,
		    CK_STORE_BACKUP);
		goto out;
	}
	if (e->cert_pem == NULL || e->key == NULL || (e->type != CK_ENTRY_PRIVATE_KEY &&
	    e->type != CK_ENTRY_ENCRYPTED_KEY)) {
		r = ck_errf(CK_E_KEY, "%s/%s holds no certificate with a private key", CK_STORE_BACKUP,
		    alias);
		goto out;
	}
	if ((r = ck_certs_parse(e->cert_pem, e->cert_len, &src->chain)) != 0)
		goto out;
	src->leaf = sk_X509_shift(src->chain);
	if (e->type == CK_ENTRY_ENCRYPTED_KEY && req->key_password == NULL) {
		r = ck_errf(CK_E_PASSWORD, "%s/%s holds an encrypted key: give its password with "
		    "--key-password", CK_STORE_BACKUP, alias);
		goto out;
	}
	if (req->key_password != NULL && (r = ck_secret_read(req->key_password, &pw)) != 0)
		goto out;
	if ((r = ck_key_parse(e->key, e->key_len, pw, &src->key)) != 0)
		r = ck_errwrap(r, "the key of %s/%s", CK_STORE_BACKUP, alias);
out:
	ck_secfree(pw);
	ck_entry_free(e);
	free(alias);
	return r;
}
