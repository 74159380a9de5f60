/*
 * swap_prepare.c: the first half of a swap, which changes nothing: obtain
 * the new certificate (files, VMCA-issued from a certool.cfg, or a VMCA
 * renewal of the current one), validate it against the node and the
 * store, build the new entry, and describe the plan.  lib/swap.c runs it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "backup.h"
#include "ca.h"
#include "cfg.h"
#include "err.h"
#include "node.h"
#include "paths.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "swap.h"
#include "swap_int.h"
#include "util.h"

#define WARN_DAYS 30
/* Free space a swap wants beyond its own files, on each file system it
 * writes: journal rewrites, LMDB's copy-on-write pages and the services'
 * logs while they restart. */
#define SPACE_SLACK (1024 * 1024)
#define PAGE_ROUND(n) (((uint64_t)(n) + 4095) / 4096 * 4096)

void
ck_swap_note(ck_swap_notify fn, void *u, enum ck_swap_note k, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fn(u, k, buf);
}

int
ck_swap_leaf(const struct ck_entry *e, X509 **leaf)
{
	STACK_OF(X509) *sk = NULL;
	int r;

	*leaf = NULL;
	if (e->cert_pem == NULL || e->cert_len == 0)
		return ck_errf(CK_E_CERT, "entry %s has no certificate", e->alias);
	if ((r = ck_certs_parse(e->cert_pem, e->cert_len, &sk)) != 0)
		return r;
	*leaf = sk_X509_shift(sk);
	ck_certs_free(sk);
	return 0;
}

int
ck_swap_digests(const struct ck_entry *e, char *sha1, char *sha256)
{
	X509 *x = NULL;
	int r;

	if ((r = ck_swap_leaf(e, &x)) != 0)
		return r;
	if ((r = ck_cert_digest_hex(x, EVP_sha1(), sha1)) == 0)
		r = ck_cert_digest_hex(x, EVP_sha256(), sha256);
	X509_free(x);
	return r;
}

int
ck_swap_is_machine_cert(const char *store, const char *alias)
{
	return ck_strcaseeq(store, CK_STORE_MACHINE_SSL) && ck_strcaseeq(alias, CK_MACHINE_CERT_ALIAS);
}

int
ck_swap_publish_phrase(int ssl, int roots, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s%s%s%s", ssl ? "machine-ssl.crt/.key in " : "",
	    ssl ? ck_path(CK_PATH_MACHINE_SSL) : "",
	    !roots ? "" : ssl ? " and the trusted roots in " : "the trusted roots in ",
	    !roots ? "" : ck_path(CK_PATH_CAPATH));
	return ssl || roots;
}

size_t
ck_swap_core_names(const struct ck_registry *reg, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < reg->n; k++) {
		const struct ck_service *s = &reg->svc[reg->order[k]];
		if (s->core) {
			strncat(buf, " ", sz - strlen(buf) - 1);
			strncat(buf, s->name, sz - strlen(buf) - 1);
			n++;
		}
	}
	if (n == 0)
		snprintf(buf, sz, " (none)");
	return n;
}

/* --- validating ------------------------------------------------------------ */

static int
collect_roots(const struct ck_entry *e, void *arg)
{
	X509_STORE *xs = arg;
	STACK_OF(X509) *sk = NULL;

	if (e->cert_pem == NULL || e->cert_len == 0 || e->type == CK_ENTRY_CRL)
		return 0;
	if (ck_certs_parse(e->cert_pem, e->cert_len, &sk) != 0)
		return 0;	/* a damaged trusted entry trusts nothing */
	for (int i = 0; i < sk_X509_num(sk); i++)
		X509_STORE_add_cert(xs, sk_X509_value(sk, i));
	ck_certs_free(sk);
	return 0;
}

/*
 * leaf verifies through chain to TRUSTED_ROOTS or one of roots (may be
 * NULL); *what names what it verified to; *full (if full != NULL) gets the
 * chain that verified, leaf to root.  hint ends the CK_E_VERIFY message.
 */
int
ck_swap_verify_to(struct ck_store *st, X509 *leaf, STACK_OF(X509) *chain, STACK_OF(X509) *roots,
    const char *hint, const char **what, STACK_OF(X509) **full)
{
	X509_STORE *xs = NULL;
	X509_STORE_CTX *ctx = NULL;
	int r, err;

	*what = "TRUSTED_ROOTS";
	if ((xs = X509_STORE_new()) == NULL || (ctx = X509_STORE_CTX_new()) == NULL) {
		r = ck_errssl(CK_E_NOMEM, "X509_STORE_new");
		goto out;
	}
	if ((r = ck_store_entry_iter(st, CK_STORE_TRUSTED_ROOTS, collect_roots, xs)) != 0 &&
	    r != CK_E_NOENT)
		goto out;
	for (int i = 0; roots != NULL && i < sk_X509_num(roots); i++) {
		X509_STORE_add_cert(xs, sk_X509_value(roots, i));
		*what = "TRUSTED_ROOTS or --root-cert";
	}
	if (!X509_STORE_CTX_init(ctx, xs, leaf, chain)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_STORE_CTX_init");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, (time_t)ck_now());
	ERR_clear_error();
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		r = ck_errf(CK_E_VERIFY, "the chain does not verify to %s: %s (depth %d); %s",
		    *what, X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx), hint);
		goto out;
	}
	if (full != NULL && (*full = X509_STORE_CTX_get1_chain(ctx)) == NULL) {
		r = ck_errssl(CK_E_NOMEM, "X509_STORE_CTX_get1_chain");
		goto out;
	}
	r = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(xs);
	ERR_clear_error();
	return r;
}

/* The leaf verifies through chain to TRUSTED_ROOTS or a --root-cert root. */
static int
verify_chain(struct ck_store *st, const struct source *src, const char **what)
{
	return ck_swap_verify_to(st, src->leaf, src->chain, src->roots, "add the issuing root "
	    "with --root-cert or vecs entry create --store TRUSTED_ROOTS", what, NULL);
}

static void
san_list(X509 *x, char *buf, size_t sz)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	buf[0] = '\0';
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS) {
			size_t l = strlen(buf);
			snprintf(buf + l, sz - l, "%s%.*s", l ? ", " : "",
			    ASN1_STRING_length(g->d.dNSName), (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		}
	}
	GENERAL_NAMES_free(gens);
	if (buf[0] == '\0')
		snprintf(buf, sz, "no DNS names");
}

/* Valid now, and a warning when it expires within WARN_DAYS. */
static int
check_validity(const struct ck_swap *sw, X509 *leaf)
{
	time_t now = (time_t)ck_now();
	ASN1_TIME *t;
	int days = 0, secs = 0;

	if (X509_cmp_time(X509_get0_notBefore(leaf), &now) > 0)
		return ck_errf(CK_E_EXPIRED, "the certificate is not valid yet (notBefore is in the future)");
	if (X509_cmp_time(X509_get0_notAfter(leaf), &now) <= 0)
		return ck_errf(CK_E_EXPIRED, "the certificate has expired");
	t = ASN1_TIME_set(NULL, now);
	if (t == NULL || !ASN1_TIME_diff(&days, &secs, t, X509_get0_notAfter(leaf))) {
		ASN1_TIME_free(t);
		return ck_errssl(CK_E_CERT, "cannot read the certificate's notAfter");
	}
	ASN1_TIME_free(t);
	if (days < WARN_DAYS)
		ck_swap_note(sw->notify, sw->u, CK_NOTE_WARN, "warning: the certificate expires in %d "
		    "days (less than %d)", days, WARN_DAYS);
	else
		ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "ok: valid now, %d days left", days);
	return 0;
}

/* Every check, in order, each result reported. */
static int
validate(struct ck_swap *sw, struct ck_store *st, const struct source *src, const char *fqdn)
{
	ck_swap_notify n = sw->notify;
	void *u = sw->u;
	char sans[1024];
	const char *what;
	int r;

	if ((r = ck_cert_key_match(src->leaf, src->key)) != 0)
		return ck_errf(CK_E_KEY_MISMATCH, "the private key does not match the certificate");
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: the private key matches the certificate");
	if ((r = check_validity(sw, src->leaf)) != 0)
		return r;
	if (ck_cert_is_ca(src->leaf))
		return ck_errf(CK_E_INVAL, "the certificate is a CA certificate; a machine "
		    "certificate must be an end-entity certificate");
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: not a CA certificate");
	san_list(src->leaf, sans, sizeof(sans));
	/* the FQDN itself must be there: services and peers that pin the
	 * node's name do not all accept a wildcard for it */
	if (X509_check_host(src->leaf, fqdn, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
	    X509_CHECK_FLAG_NO_WILDCARDS, NULL) != 1)
		return ck_errf(CK_E_SAN, "the SubjectAltName does not hold the node FQDN '%s' (it has: %s)%s; "
		    "issue the certificate with DNS Name=%s, or give --fqdn", fqdn, sans,
		    X509_check_host(src->leaf, fqdn, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1 ?
		    "; a wildcard that matches it does not count" : "", fqdn);
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: the SubjectAltName holds the node FQDN %s", fqdn);
	if ((r = verify_chain(st, src, &what)) != 0)
		return r;
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: the chain verifies to %s", what);
	if (strcmp(sw->old_sha1, sw->new_sha1) == 0)
		return ck_errf(CK_E_EXIST, "the new certificate is the current one (thumbprint %s)",
		    sw->new_sha1);
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: new thumbprint %s (current %s)", sw->new_sha1, sw->old_sha1);
	ck_swap_note(n, u, CK_NOTE_INFO, "ok: new SHA-256 thumbprint %s (current %s)", sw->new_sha256,
	    sw->old_sha256);
	return 0;
}

/* The same checks for the STS signing certificate (lib/sts_prepare.c). */
int
ck_swap_check_validity(const struct ck_swap *sw, X509 *leaf)
{
	return check_validity(sw, leaf);
}

int
ck_swap_vmca(struct ck_ca **ca)
{
	int r;

	if ((r = ck_ca_open(NULL, ca)) != 0)
		return r;
	if (!ck_ca_has_root(*ca))
		return ck_errf(CK_E_CA_MISSING, "the VMCA in %s has no root; create one with "
		    "certool --selfca", ck_path(CK_PATH_VMCA));
	return 0;
}

/* --- the sources ------------------------------------------------------------ */

/* Name path in the error unless the detail already does. */
static int
wrap_path(int r, const char *path)
{
	if (strstr(ck_err_detail(), path) != NULL)
		return r;
	return ck_errwrap(r, "%s", path);
}

/* The key certool --gencsr kept in the store, for a --cert without --key. */
static int
csr_key(const struct ck_swap *sw, struct ck_store *st, EVP_PKEY **key)
{
	struct ck_entry *csr = NULL;
	int r;

	r = ck_store_entry_get(st, sw->store, CK_CSR_KEY_ALIAS, &csr);
	if (r == CK_E_NOENT || (r == 0 && csr->key_len == 0)) {
		r = ck_errf(CK_E_NOENT, "no --key given and no key of an earlier CSR "
		    "(entry %s in store %s)", CK_CSR_KEY_ALIAS, sw->store);
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = ck_key_parse(csr->key, csr->key_len, NULL, key)) != 0) {
		r = ck_errwrap(r, "the CSR key %s/%s", sw->store, CK_CSR_KEY_ALIAS);
		goto out;
	}
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "key: the key of the earlier CSR (%s/%s)",
	    sw->store, CK_CSR_KEY_ALIAS);
out:
	ck_entry_free(csr);
	return r;
}

/* The certificates of --chain after the source's own chain. */
static int
add_chain(const char *path, struct source *src)
{
	STACK_OF(X509) *sk = NULL;
	int r;

	if ((r = ck_certs_load(path, &sk)) != 0)
		return wrap_path(r, path);
	while (sk_X509_num(sk) > 0)
		sk_X509_push(src->chain, sk_X509_shift(sk));
	ck_certs_free(sk);
	return 0;
}

/* --cert [--chain] [--root-cert] [--key [--key-password]] */
static int
source_files(const struct ck_swap *sw, struct ck_store *st, const struct ck_swap_req *req,
    struct source *src)
{
	STACK_OF(X509) *sk = NULL;
	int r;

	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: %s", req->cert_path);
	if ((r = ck_certs_load(req->cert_path, &sk)) != 0)
		return wrap_path(r, req->cert_path);
	src->leaf = sk_X509_shift(sk);
	src->chain = sk;
	if (req->chain_path != NULL && (r = add_chain(req->chain_path, src)) != 0)
		return r;
	if (req->root_path != NULL && (r = ck_certs_load(req->root_path, &src->roots)) != 0)
		return wrap_path(r, req->root_path);
	if (req->key_path != NULL)
		return ck_key_load_pwspec(req->key_path, req->key_password, &src->key);
	return csr_key(sw, st, &src->key);
}

/*
 * --renew or --vmca-config: the VMCA issues the new certificate.  A dry
 * run or a failed validation must not leave it in the VMCA index: the swap
 * phase records it (lib/swap.c, record_new).
 */
static int
source_vmca(const struct ck_swap *sw, const struct ck_swap_req *req, struct source *src)
{
	struct ck_ca *ca = NULL;
	struct ck_cfg *cfg = NULL;
	X509 *oldleaf = NULL;
	struct ck_sign_opts so;
	int r;

	memset(&so, 0, sizeof(so));
	so.days = req->days;
	so.flags = CK_SIGN_NO_RECORD;
	if ((r = ck_swap_vmca(&ca)) != 0)
		goto out;
	if (req->renew) {
		ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: VMCA renewal of the current certificate");
		if ((r = ck_swap_leaf(sw->old, &oldleaf)) != 0)
			goto out;
		if (sw->old->key == NULL ||
		    (r = ck_key_parse(sw->old->key, sw->old->key_len, NULL, &src->key)) != 0) {
			r = ck_errf(sw->old->key ? r : CK_E_NOENT, "the current entry's key cannot be "
			    "used for a renewal");
			goto out;
		}
		r = ck_ca_renew(ca, oldleaf, src->key, req->days, so.flags, &src->leaf, NULL);
	} else {
		ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "source: VMCA, from %s", req->vmca_config);
		if ((r = ck_cfg_load(req->vmca_config, &cfg)) != 0)
			goto out;
		/* the API's ReplaceSpec defaults: CN and SAN = the node's FQDN */
		if ((r = ck_cfg_node_defaults(cfg, req->fqdn, NULL)) != 0)
			goto out;
		if (req->key_path != NULL)
			r = ck_key_load_pwspec(req->key_path, req->key_password, &src->key);
		else
			r = ck_key_generate(CK_KEY_RSA, 3072, &src->key);
		if (r == 0)
			r = ck_ca_sign_config(ca, cfg, src->key, &so, &src->leaf, NULL);
	}
	if (r == 0)
		r = ck_chain_to_send(ck_ca_chain(ca), &src->chain);
out:
	X509_free(oldleaf);
	ck_cfg_free(cfg);
	ck_ca_close(ca);
	return r;
}

static void
source_free(struct source *src)
{
	EVP_PKEY_free(src->key);
	X509_free(src->leaf);
	ck_certs_free(src->chain);
	ck_certs_free(src->roots);
}

/* --- preparing --------------------------------------------------------------- */

static int
check_req(const struct ck_swap_req *req)
{
	int nsrc = (req->cert_path != NULL) + (req->vmca_config != NULL) + (req->renew != 0) +
	    (req->p12_path != NULL) + (req->self_signed != 0) + (req->from_backup != 0);

	if (nsrc != 1)
		return ck_errf(CK_E_INVAL, "give exactly one of --cert, --p12, --vmca-config, "
		    "--renew, --self-signed and --from-backup");
	if (req->days != 0 && !req->renew && !req->vmca_config && !req->self_signed)
		return ck_errf(CK_E_INVAL, "--days goes with --renew, --vmca-config or --self-signed");
	if (req->days < 0 || req->days > CK_CA_RENEW_MAX_DAYS)
		return ck_errf(CK_E_INVAL, "--days %d is outside 1..%d", req->days, CK_CA_RENEW_MAX_DAYS);
	if ((req->chain_path || req->root_path) && req->cert_path == NULL && req->p12_path == NULL)
		return ck_errf(CK_E_INVAL, "--chain and --root-cert go with --cert or --p12");
	if ((req->renew || req->p12_path || req->from_backup) && req->key_path)
		return ck_errf(CK_E_INVAL, "--key goes with --cert, --vmca-config or --self-signed");
	if (req->from_backup && (req->backup_gen < 0 || req->backup_gen >= CK_BACKUP_DEPTH_MAX))
		return ck_errf(CK_E_INVAL, "--from-backup %d is outside 0..%d", req->backup_gen,
		    CK_BACKUP_DEPTH_MAX - 1);
	if (req->backup_depth < 0 || req->backup_depth > CK_BACKUP_DEPTH_MAX)
		return ck_errf(CK_E_INVAL, "--backup-depth %d is outside 1..%d", req->backup_depth,
		    CK_BACKUP_DEPTH_MAX);
	return 0;
}

/* The source req names. */
static int
get_source(const struct ck_swap *sw, struct ck_store *st, const struct ck_swap_req *req,
    const char *fqdn, struct source *src)
{
	int r;

	if (req->cert_path != NULL)
		return source_files(sw, st, req, src);
	if (req->self_signed)
		return ck_swap_source_selfsigned(sw, req, fqdn, src);
	if (req->from_backup)
		return ck_swap_source_backup(sw, st, req, src);
	if (req->p12_path == NULL)
		return source_vmca(sw, req, src);
	if ((r = ck_swap_source_p12(sw, req, src)) != 0)
		return r;
	if (req->chain_path != NULL && (r = add_chain(req->chain_path, src)) != 0)
		return r;
	if (req->root_path != NULL && (r = ck_certs_load(req->root_path, &src->roots)) != 0)
		return wrap_path(r, req->root_path);
	return 0;
}

/* The swap's names, its FQDN, and the current entry with its digests. */
static int
load_current(struct ck_swap *sw, const struct ck_swap_req *req, struct ck_store **st, char **fqdn)
{
	int r;

	if ((sw->store = strdup(req->store ? req->store : CK_STORE_MACHINE_SSL)) == NULL ||
	    (sw->alias = strdup(req->alias ? req->alias : CK_MACHINE_CERT_ALIAS)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	if (req->fqdn != NULL) {
		if ((*fqdn = strdup(req->fqdn)) == NULL)
			return ck_errf(CK_E_NOMEM, "out of memory");
	} else if ((r = ck_node_fqdn(fqdn)) != 0)
		return r;
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, st)) != 0)
		return ck_errwrap(r, "open the certificate store %s", ck_path(CK_PATH_VECS));
	if ((r = ck_store_entry_get(*st, sw->store, sw->alias, &sw->old)) != 0)
		return ck_errwrap(r, "no current entry %s in store %s to replace (create it with vecs "
		    "entry create)", sw->alias, sw->store);
	return ck_swap_digests(sw->old, sw->old_sha1, sw->old_sha256);
}

/* The new entry: leaf + chain without roots, key as unencrypted PKCS#8. */
static int
build_entry(struct ck_swap *sw, const struct source *src)
{
	STACK_OF(X509) *all = NULL;
	char *certpem = NULL, *keypem = NULL;
	size_t certlen = 0, keylen = 0;
	int r;

	if ((all = sk_X509_new_null()) == NULL || !X509_up_ref(src->leaf) ||
	    !sk_X509_push(all, src->leaf)) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(src->chain); i++) {
		X509 *c = sk_X509_value(src->chain, i);
		if (X509_check_issued(c, c) == X509_V_OK)
			continue;	/* roots live in TRUSTED_ROOTS, not in the entry */
		X509_up_ref(c);
		sk_X509_push(all, c);
	}
	if ((r = ck_certs_to_pem(all, &certpem, &certlen)) != 0 ||
	    (r = ck_key_to_pem(src->key, NULL, &keypem, &keylen)) != 0)
		goto out;
	/* no password: services cannot load an Encrypted Private Key, so the
	 * new entry never is one (an encrypted --key was decrypted above, or
	 * refused without --key-password) and the publish phase never skips it */
	if ((r = ck_entry_build(certpem, certlen, keypem, keylen, sw->alias, NULL, 0, &sw->new)) != 0)
		goto out;
	if (src->roots != NULL && sk_X509_num(src->roots) > 0)
		r = ck_certs_to_pem(src->roots, &sw->root_pem, &sw->root_len);
out:
	if (keypem != NULL)
		ck_secfree(keypem);
	free(certpem);
	ck_certs_free(all);
	return r;
}

int
ck_swap_prepare(const struct ck_swap_req *req, ck_swap_notify notify, void *u,
    struct ck_swap **out)
{
	struct ck_swap *sw = NULL;
	struct ck_store *st = NULL;
	struct source src;
	char *fqdn = NULL;
	int r;

	*out = NULL;
	memset(&src, 0, sizeof(src));
	if ((r = check_req(req)) != 0)
		return r;
	if ((sw = calloc(1, sizeof(*sw))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	sw->notify = notify;
	sw->u = u;
	if ((r = load_current(sw, req, &st, &fqdn)) != 0)
		goto out;
	sw->backup_depth = req->backup_depth;
	if ((r = get_source(sw, st, req, fqdn, &src)) != 0)
		goto out;
	if (src.leaf == NULL) {
		r = ck_errf(CK_E_CERT, "no certificate");
		goto out;
	}
	if ((r = ck_cert_digest_hex(src.leaf, EVP_sha1(), sw->new_sha1)) != 0 ||
	    (r = ck_cert_digest_hex(src.leaf, EVP_sha256(), sw->new_sha256)) != 0)
		goto out;
	ck_swap_note(notify, u, CK_NOTE_INFO, "validating the new certificate for %s/%s", sw->store,
	    sw->alias);
	if ((r = validate(sw, st, &src, fqdn)) != 0 || (r = build_entry(sw, &src)) != 0)
		goto out;
	*out = sw;
	sw = NULL;
	r = 0;
out:
	source_free(&src);
	ck_store_close(st);
	free(fqdn);
	ck_swap_free(sw);
	return r;
}

/* --- free space ------------------------------------------------------------ */

/* One file system a swap writes to, and what it needs there. */
struct fsneed {
	dev_t dev;
	uint64_t need;
	const char *dir;	/* the first of the swap's directories on it */
	char at[4096];		/* dir, or its nearest existing parent */
};

/* Add need bytes for dir (or, if it does not exist yet, its nearest
 * existing parent) to the table. */
static int
add_need(struct fsneed *fs, size_t *n, const char *dir, uint64_t need)
{
	char path[4096];
	struct stat sb;
	char *slash;

	snprintf(path, sizeof(path), "%s", dir);
	while (stat(path, &sb) != 0) {
		if ((slash = strrchr(path, '/')) == NULL || slash == path)
			return ck_errf(ck_errno(errno), "stat %s: %s", dir, strerror(errno));
		*slash = '\0';
	}
	for (size_t i = 0; i < *n; i++)
		if (fs[i].dev == sb.st_dev) {
			fs[i].need += need;
			return 0;
		}
	fs[*n].dev = sb.st_dev;
	fs[*n].need = need + SPACE_SLACK;
	fs[*n].dir = dir;
	snprintf(fs[*n].at, sizeof(fs[*n].at), "%s", path);
	(*n)++;
	return 0;
}

/*
 * Before anything is written or stopped: each file system the swap
 * writes to has room for what it writes there (the staged entries and
 * the journal; the new entry and the backup in the store, as LMDB's
 * copy-on-write pages; the published files) plus SPACE_SLACK.  A swap
 * that runs out of space halfway stops services it then has to restart
 * without a journal; refusing here changes nothing.  CK_E_NOSPC.
 */
int
ck_swap_check_space(const struct ck_swap *sw)
{
	struct fsneed fs[3];
	size_t n = 0;
	uint64_t staged, entry;
	struct statvfs v;
	int r;

	staged = PAGE_ROUND(sw->new->cert_len) + PAGE_ROUND(sw->new->key_len) +
	    PAGE_ROUND(sw->old->cert_len) + PAGE_ROUND(sw->old->key_len) +
	    PAGE_ROUND(sw->root_len) + 2 * PAGE_ROUND(4096) + CK_SWAP_RESERVE;
	entry = PAGE_ROUND(sw->new->cert_len + sw->new->key_len + CK_ALIAS_MAX) +
	    PAGE_ROUND(sw->old->cert_len + sw->old->key_len + CK_ALIAS_MAX) + PAGE_ROUND(sw->root_len);
	if ((r = add_need(fs, &n, ck_path(CK_PATH_JOURNAL), staged)) != 0 ||
	    (r = add_need(fs, &n, ck_path(CK_PATH_VECS), 4 * entry)) != 0)
		return r;
	if (ck_swap_is_machine_cert(sw->store, sw->alias) &&
	    (r = add_need(fs, &n, ck_path(CK_PATH_MACHINE_SSL),
	    2 * (PAGE_ROUND(sw->new->cert_len) + PAGE_ROUND(sw->new->key_len)))) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		uint64_t avail;

		if (statvfs(fs[i].at, &v) != 0)
			continue;	/* cannot tell: the phases will say */
		avail = (uint64_t)(geteuid() == 0 ? v.f_bfree : v.f_bavail) * v.f_frsize;
		if (avail < fs[i].need)
			return ck_errf(CK_E_NOSPC, "not enough free space for the swap on the file "
			    "system of %s: %llu KiB free, it needs about %llu KiB (journal, staged "
			    "entries, store, published files and %d KiB to spare); free some space "
			    "and run the swap again; nothing was changed and no service was stopped",
			    fs[i].dir, (unsigned long long)(avail / 1024),
			    (unsigned long long)(fs[i].need / 1024), SPACE_SLACK / 1024);
	}
	return 0;
}

void
ck_swap_free(struct ck_swap *sw)
{
	if (sw == NULL)
		return;
	ck_entry_free(sw->old);
	ck_entry_free(sw->new);
	free(sw->root_pem);
	free(sw->store);
	free(sw->alias);
	free(sw);
}

const char *
ck_swap_old_thumbprint(const struct ck_swap *sw)
{
	return sw->old_sha1;
}

const char *
ck_swap_new_thumbprint(const struct ck_swap *sw)
{
	return sw->new_sha1;
}

void
ck_swap_plan(const struct ck_swap *sw, const struct ck_registry *reg)
{
	char core[512], tls[1024] = "", what[1024];
	int ssl = ck_swap_is_machine_cert(sw->store, sw->alias);
	ck_swap_notify n = sw->notify;

	if (ck_swap_get_policy(sw, reg) == CK_POLICY_MINIMAL) {
		ck_swap_plan_minimal(sw, reg);
		return;
	}
	ck_swap_core_names(reg, core, sizeof(core));
	for (size_t k = 0; k < reg->n; k++) {
		const struct ck_service *s = &reg->svc[reg->order[k]];
		size_t l = strlen(tls);
		if (s->tls_host != NULL && !s->manual)
			snprintf(tls + l, sizeof(tls) - l, " %s:%d (%s)", s->tls_host, s->tls_port, s->name);
	}
	ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 1. journal in %s", ck_path(CK_PATH_JOURNAL));
	ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 2. stop all %zu services", reg->n);
	ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 3. start the core services:%s", core);
	ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 4. replace %s/%s %s -> %s, the old entry to %s "
	    "as %s%s (older ones kept: %d in all)%s", sw->store, sw->alias, sw->old_sha1, sw->new_sha1,
	    CK_STORE_BACKUP, CK_BACKUP_PREFIX, sw->alias, sw->backup_depth ? sw->backup_depth :
	    CK_BACKUP_DEPTH_DEFAULT, sw->root_pem ? ", and add the root to TRUSTED_ROOTS" : "");
	if (ck_swap_publish_phrase(ssl, sw->root_pem != NULL, what, sizeof(what)))
		ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 5. publish %s", what);
	ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 6. start all automatic services");
	if (ssl)
		ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 7. verify every service is ready and the new "
		    "certificate is served on:%s", tls[0] ? tls : " (no tls_endpoint registered)");
	else
		ck_swap_note(n, sw->u, CK_NOTE_INFO, "plan: 7. verify every service is ready");
}
