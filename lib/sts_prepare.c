/*
 * sts_prepare.c: the first half of a signing-certificate swap, which
 * changes nothing: obtain the new chain and key (files, or a new
 * certificate from the local VMCA), validate them as the API's
 * SigningCertificate.set does, and build the entry ck_swap_run installs
 * (lib/sts.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca.h"
#include "cfg.h"
#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "sts.h"
#include "swap_int.h"
#include "util.h"

/* What a source gives: the leaf, its key, the certificates after it. */
struct sts_source {
	X509 *leaf;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
	STACK_OF(X509) *full;	/* the verified chain, leaf to root */
};

/* The API takes "the corresponding unencrypted PKCS#8 private key": an
 * encrypted one or another format is refused, saying how to convert. */
static int
load_pkcs8(const char *path, EVP_PKEY **key)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 1)) != 0)
		return strstr(ck_err_detail(), path) ? r : ck_errwrap(r, "%s", path);
	if (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL)
		r = ck_errf(CK_E_PASSWORD, "%s: the private key is encrypted; the signing certificate "
		    "takes an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)", path);
	else if (strstr(buf, "-----BEGIN PRIVATE KEY-----") == NULL)
		r = ck_errf(CK_E_KEY, "%s: not an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); "
		    "convert it with openssl pkcs8 -topk8 -nocrypt", path);
	else if ((r = ck_key_parse(buf, len, NULL, key)) != 0)
		r = ck_errwrap(r, "%s", path);
	ck_secfree(buf);
	return r;
}

/* Every check of SigningCertificate.set, in order, each result reported. */
static int
validate(struct ck_swap *sw, struct ck_store *st, struct sts_source *src)
{
	ck_swap_notify n = sw->notify;
	void *u = sw->u;
	const char *what;
	int r;

	if (ck_cert_key_match(src->leaf, src->key) != 0)
		return ck_errf(CK_E_KEY_MISMATCH, "the private key does not match the leaf certificate");
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: the private key matches the leaf certificate");
	if ((r = ck_swap_check_validity(sw, src->leaf)) != 0)
		return r;
	/* no keyUsage extension means every usage (RFC 5280 4.2.1.3) */
	if ((X509_get_key_usage(src->leaf) & KU_DIGITAL_SIGNATURE) == 0)
		return ck_errf(CK_E_POLICY, "the leaf's key usage does not allow digitalSignature, "
		    "which signing tokens needs; issue it with digitalSignature in keyUsage");
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: the key usage allows digitalSignature");
	if ((r = ck_swap_verify_to(st, src->leaf, src->chain, NULL, "add the issuing root with "
	    "vecs entry create --store TRUSTED_ROOTS, or give the intermediates after the leaf",
	    &what, &src->full)) != 0)
		return r;
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: the chain verifies to TRUSTED_ROOTS (%d certificates, "
	    "leaf to root)", sk_X509_num(src->full));
	if (strcmp(sw->old_sha1, sw->new_sha1) == 0)
		return ck_errf(CK_E_EXIST, "the new certificate is the active one (thumbprint %s)",
		    sw->new_sha1);
	if (strcmp(sw->old_sha1, CK_SWAP_NONE) == 0)
		ck_swap_note(n, u, CK_NOTE_INFO, "ok: new thumbprint %s (there is no active signing "
		    "certificate yet)", sw->new_sha1);
	else
		ck_swap_note(n, u, CK_NOTE_INFO, "ok: new thumbprint %s (active %s, which stays in the "
		    "list of chains that validate tokens)", sw->new_sha1, sw->old_sha1);
	return 0;
}

/* set: the chain file (leaf first) and the key file. */
static int
source_files(const struct ck_swap *sw, const struct ck_sts_req *req, struct sts_source *src)
{
	int r;

	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: %s, key %s", req->cert_path,
	    req->key_path);
	if ((r = ck_certs_load(req->cert_path, &src->chain)) != 0)
		return strstr(ck_err_detail(), req->cert_path) ? r :
		    ck_errwrap(r, "%s", req->cert_path);
	src->leaf = sk_X509_shift(src->chain);
	return load_pkcs8(req->key_path, &src->key);
}

/* refresh: a new key and certificate from the local VMCA, CN=STS (as
 * VMware's procedure's certool.cfg has it) and the node's FQDN. */
static int
source_vmca(const struct ck_swap *sw, struct sts_source *src)
{
	struct ck_ca *ca = NULL;
	struct ck_cfg *cfg = NULL;
	struct ck_sign_opts so;
	char *fqdn = NULL;
	int r;

	memset(&so, 0, sizeof(so));
	so.days = CK_STS_DAYS;
	so.flags = CK_SIGN_NO_RECORD;	/* lib/swap.c records it once it is in place */
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: the VMCA, a new RSA %d key, %d days",
	    CK_STS_KEY_BITS, CK_STS_DAYS);
	if ((r = ck_swap_vmca(&ca)) != 0)
		goto out;
	if ((r = ck_cfg_new(&cfg)) != 0 || (r = ck_cfg_set(cfg, CK_CFG_NAME, CK_STS_CN)) != 0)
		goto out;
	if (ck_node_fqdn(&fqdn) == 0 && (r = ck_cfg_set(cfg, CK_CFG_HOSTNAME, fqdn)) != 0)
		goto out;
	ck_err_clear();
	if ((r = ck_key_generate(CK_KEY_RSA, CK_STS_KEY_BITS, &src->key)) != 0 ||
	    (r = ck_ca_sign_config(ca, cfg, src->key, &so, &src->leaf, NULL)) != 0)
		goto out;
	r = ck_chain_to_send(ck_ca_chain(ca), &src->chain);
out:
	free(fqdn);
	ck_cfg_free(cfg);
	ck_ca_close(ca);
	return r;
}

static void
source_free(struct sts_source *src)
{
	EVP_PKEY_free(src->key);
	X509_free(src->leaf);
	ck_certs_free(src->chain);
	if (src->full != NULL)
		sk_X509_pop_free(src->full, X509_free);
}

/* The active entry (or an empty one, thumbprints "none"). */
static int
load_current(struct ck_swap *sw, struct ck_store *st)
{
	struct ck_entry none;
	int r;

	r = ck_store_entry_get(st, CK_STORE_STS, CK_STS_ACTIVE_ALIAS, &sw->old);
	if (r == 0)
		return ck_swap_digests(sw->old, sw->old_sha1, sw->old_sha256);
	if (r != CK_E_NOENT)
		return r;
	ck_err_clear();
	memset(&none, 0, sizeof(none));
	none.alias = (char *)CK_STS_ACTIVE_ALIAS;
	snprintf(sw->old_sha1, sizeof(sw->old_sha1), "%s", CK_SWAP_NONE);
	snprintf(sw->old_sha256, sizeof(sw->old_sha256), "%s", CK_SWAP_NONE);
	return ck_entry_dup(&none, &sw->old);
}

/* The new entry: the verified chain, leaf to root, and the PKCS#8 key. */
static int
build_entry(struct ck_swap *sw, const struct sts_source *src)
{
	char *certpem = NULL, *keypem = NULL;
	size_t certlen = 0, keylen = 0;
	int r;

	if ((r = ck_certs_to_pem(src->full, &certpem, &certlen)) == 0 &&
	    (r = ck_key_to_pem(src->key, NULL, &keypem, &keylen)) == 0)
		r = ck_entry_build(certpem, certlen, keypem, keylen, CK_STS_ACTIVE_ALIAS, NULL, 0,
		    &sw->new);
	if (keypem != NULL)
		ck_secfree(keypem);
	free(certpem);
	return r;
}

int
ck_sts_prepare(const struct ck_sts_req *req, ck_swap_notify notify, void *u,
    struct ck_swap **out)
{
	struct ck_swap *sw = NULL;
	struct ck_store *st = NULL;
	struct sts_source src;
	int r;

	*out = NULL;
	memset(&src, 0, sizeof(src));
	if (req->refresh ? req->cert_path || req->key_path : !req->cert_path || !req->key_path)
		return ck_errf(CK_E_INVAL, "give a chain and its key, or refresh");
	if ((sw = calloc(1, sizeof(*sw))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	sw->notify = notify;
	sw->u = u;
	if ((sw->store = strdup(CK_STORE_STS)) == NULL ||
	    (sw->alias = strdup(CK_STS_ACTIVE_ALIAS)) == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) != 0) {
		r = ck_errwrap(r, "open the certificate store %s", ck_path(CK_PATH_VECS));
		goto out;
	}
	if ((r = load_current(sw, st)) != 0)
		goto out;
	if ((r = req->refresh ? source_vmca(sw, &src) : source_files(sw, req, &src)) != 0)
		goto out;
	if (src.leaf == NULL) {
		r = ck_errf(CK_E_CERT, "%s holds no certificate", req->cert_path);
		goto out;
	}
	if ((r = ck_cert_digest_hex(src.leaf, EVP_sha1(), sw->new_sha1)) != 0 ||
	    (r = ck_cert_digest_hex(src.leaf, EVP_sha256(), sw->new_sha256)) != 0)
		goto out;
	ck_swap_note(notify, u, CK_NOTE_INFO, "validating the new signing certificate for %s/%s",
	    sw->store, sw->alias);
	if ((r = validate(sw, st, &src)) != 0 || (r = build_entry(sw, &src)) != 0)
		goto out;
	*out = sw;
	sw = NULL;
out:
	source_free(&src);
	ck_store_close(st);
	ck_swap_free(sw);
	return r;
}
