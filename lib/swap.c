/*
 * swap.c: validate, journal, stop, start core, swap, publish, start,
 * verify; roll back on failure; resume or roll back after a crash.
 *
 * The journal phases are written before the phase starts, so after a
 * crash the journal names the phase that was in progress.  Every phase is
 * idempotent (stopping stopped services, starting running ones, swapping
 * to the entry already in place, publishing the same files), which is why
 * --resume simply runs the forward phases again from "stop" and
 * --rollback runs the rollback phases from the beginning.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "cfg.h"
#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "testhook.h"
#include "publish.h"
#include "secmem.h"
#include "store.h"
#include "supervisor.h"
#include "swap.h"
#include "tlsprobe.h"
#include "util.h"

#define WARN_DAYS 30
#define VERIFY_TIMEOUT_MS 5000
#define HEX_MAX (2 * EVP_MAX_MD_SIZE + 1)

struct ck_swap {
	char *store, *alias;
	struct ck_entry *old;
	struct ck_entry *new;
	char *root_pem;
	size_t root_len;
	char old_sha1[HEX_MAX], new_sha1[HEX_MAX];
	char old_sha256[HEX_MAX], new_sha256[HEX_MAX];
	ck_swap_notify notify;
	void *u;
};

/* What the phases work on, from a fresh swap or from a journal. */
struct run {
	struct ck_journal *j;
	struct ck_entry *old, *new;
	char *root_pem;
	size_t root_len;
	struct ck_registry *reg;
	ck_swap_notify notify;
	void *u;
};

static void
note(ck_swap_notify fn, void *u, enum ck_swap_note k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note(ck_swap_notify fn, void *u, enum ck_swap_note k, const char *fmt, ...)
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

static void
test_kill(const char *phase)
{
	const char *k = ck_test_getenv("CERTKIT_TEST_KILL_AT");

	if (k != NULL && strcmp(k, phase) == 0)
		raise(SIGKILL);
}

/*
 * Tests only: with CERTKIT_TEST_PAUSE_AT=POINT and CERTKIT_TEST_PAUSE_FILE
 * set, create the file at POINT and wait (up to 5 minutes) until the test
 * removes it, so a test can act at that exact point without timing.
 */
static void
test_pause(const char *point)
{
	const char *k = ck_test_getenv("CERTKIT_TEST_PAUSE_AT"),
	    *f = ck_test_getenv("CERTKIT_TEST_PAUSE_FILE");
	struct timespec ts = { 0, 50 * 1000000L };

	if (k == NULL || f == NULL || strcmp(k, point) != 0 ||
	    ck_file_write(f, point, strlen(point), 0600, CK_WRITE_NOSYNC) != 0)
		return;
	for (int n = 0; n < 6000 && access(f, F_OK) == 0; n++)
		nanosleep(&ts, NULL);
}

int
ck_node_fqdn(char **out)
{
	const char *e = getenv("CERTKIT_FQDN");
	char host[256];
	struct addrinfo hints, *res = NULL;

	*out = NULL;
	if (e != NULL && *e != '\0') {
		*out = strdup(e);
		return *out ? 0 : CK_E_NOMEM;
	}
	if (gethostname(host, sizeof(host)) != 0)
		return ck_errf(CK_E_IO, "gethostname: %s", strerror(errno));
	host[sizeof(host) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (strchr(host, '.') == NULL && getaddrinfo(host, NULL, &hints, &res) == 0 &&
	    res != NULL && res->ai_canonname != NULL)
		*out = strdup(res->ai_canonname);
	else
		*out = strdup(host);
	if (res != NULL)
		freeaddrinfo(res);
	return *out ? 0 : CK_E_NOMEM;
}

/* --- preparing ------------------------------------------------------------ */

static int
leaf_of(const struct ck_entry *e, X509 **leaf)
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

static int
digests(const struct ck_entry *e, char *sha1, char *sha256)
{
	X509 *x = NULL;
	int r;

	if ((r = leaf_of(e, &x)) != 0)
		return r;
	if ((r = ck_cert_digest_hex(x, EVP_sha1(), sha1)) == 0)
		r = ck_cert_digest_hex(x, EVP_sha256(), sha256);
	X509_free(x);
	return r;
}

/* The VMCA chain to send with a leaf: root.cer minus a self-signed root. */
static int
ca_send_chain(struct ck_ca *ca, STACK_OF(X509) **out)
{
	STACK_OF(X509) *all = ck_ca_chain(ca), *sk;
	int n;

	if ((sk = sk_X509_new_null()) == NULL)
		return CK_E_NOMEM;
	n = all ? sk_X509_num(all) : 0;
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(all, i);
		if (i == n - 1 && X509_check_issued(x, x) == X509_V_OK)
			break;
		if (!X509_up_ref(x) || !sk_X509_push(sk, x)) {
			ck_certs_free(sk);
			return CK_E_NOMEM;
		}
	}
	*out = sk;
	return 0;
}

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

static int
verify_chain(struct ck_store *st, X509 *leaf, STACK_OF(X509) *chain, STACK_OF(X509) *roots,
    const char **what)
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
		r = ck_errf(CK_E_VERIFY, "the chain does not verify to %s: %s (depth %d); add the "
		    "issuing root with --root-cert or vecs entry create --store TRUSTED_ROOTS",
		    *what, X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	r = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(xs);
	ERR_clear_error();
	return r;
}

static int
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
	return 0;
}

/* Steps of issue 1: every check, in order, each reported. */
static int
validate(struct ck_swap *sw, struct ck_store *st, X509 *leaf, EVP_PKEY *key, STACK_OF(X509) *chain,
    STACK_OF(X509) *roots, const char *fqdn)
{
	ck_swap_notify n = sw->notify;
	void *u = sw->u;
	time_t now = (time_t)ck_now();
	int64_t left;
	char sans[1024];
	const char *what;
	int r;

	if ((r = ck_cert_key_match(leaf, key)) != 0)
		return ck_errf(CK_E_KEY_MISMATCH, "the private key does not match the certificate");
	note(n, u, CK_NOTE_INFO, "ok: the private key matches the certificate");
	if (X509_cmp_time(X509_get0_notBefore(leaf), &now) > 0)
		return ck_errf(CK_E_EXPIRED, "the certificate is not valid yet (notBefore is in the future)");
	if (X509_cmp_time(X509_get0_notAfter(leaf), &now) <= 0)
		return ck_errf(CK_E_EXPIRED, "the certificate has expired");
	{
		ASN1_TIME *t = ASN1_TIME_set(NULL, now);
		int days = 0, secs = 0;
		if (t == NULL || !ASN1_TIME_diff(&days, &secs, t, X509_get0_notAfter(leaf))) {
			ASN1_TIME_free(t);
			return ck_errssl(CK_E_CERT, "cannot read the certificate's notAfter");
		}
		ASN1_TIME_free(t);
		left = (int64_t)days * 86400 + secs;
	}
	if (left < (int64_t)WARN_DAYS * 86400)
		note(n, u, CK_NOTE_WARN, "warning: the certificate expires in %lld days (less than %d)",
		    (long long)(left / 86400), WARN_DAYS);
	else
		note(n, u, CK_NOTE_INFO, "ok: valid now, %lld days left", (long long)(left / 86400));
	if (ck_cert_is_ca(leaf))
		return ck_errf(CK_E_INVAL, "the certificate is a CA certificate; a machine "
		    "certificate must be an end-entity certificate");
	note(n, u, CK_NOTE_INFO, "ok: not a CA certificate");
	san_list(leaf, sans, sizeof(sans));
	/* the FQDN itself must be there: services and peers that pin the
	 * node's name do not all accept a wildcard for it */
	if (X509_check_host(leaf, fqdn, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
	    X509_CHECK_FLAG_NO_WILDCARDS, NULL) != 1)
		return ck_errf(CK_E_SAN, "the SubjectAltName does not hold the node FQDN '%s' (it has: %s)%s; "
		    "issue the certificate with DNS Name=%s, or give --fqdn", fqdn, sans,
		    X509_check_host(leaf, fqdn, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1 ?
		    "; a wildcard that matches it does not count" : "", fqdn);
	note(n, u, CK_NOTE_INFO, "ok: the SubjectAltName holds the node FQDN %s", fqdn);
	if ((r = verify_chain(st, leaf, chain, roots, &what)) != 0)
		return r;
	note(n, u, CK_NOTE_INFO, "ok: the chain verifies to %s", what);
	if (strcmp(sw->old_sha1, sw->new_sha1) == 0)
		return ck_errf(CK_E_EXIST, "the new certificate is the current one (thumbprint %s)",
		    sw->new_sha1);
	note(n, u, CK_NOTE_INFO, "ok: new thumbprint %s (current %s)", sw->new_sha1, sw->old_sha1);
	return 0;
}


/* The entry whose swap also publishes machine-ssl.crt/.key. */
static int
is_machine_cert(const char *store, const char *alias)
{
	return ck_strcaseeq(store, CK_STORE_MACHINE_SSL) && ck_strcaseeq(alias, CK_MACHINE_CERT_ALIAS);
}

/*
 * What a swap publishes, for the plan and the phase announcements:
 * "machine-ssl.crt/.key in DIR", "the trusted roots in DIR", or both.
 * 0 if nothing.
 */
static int
publish_phrase(int ssl, int roots, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s%s%s%s", ssl ? "machine-ssl.crt/.key in " : "",
	    ssl ? ck_path(CK_PATH_MACHINE_SSL) : "",
	    !roots ? "" : ssl ? " and the trusted roots in " : "the trusted roots in ",
	    !roots ? "" : ck_path(CK_PATH_CAPATH));
	return ssl || roots;
}
/* Name path in the error unless the detail already does. */
static int
wrap_path(int r, const char *path)
{
	if (strstr(ck_err_detail(), path) != NULL)
		return r;
	return ck_errwrap(r, "%s", path);
}

static int
load_key_file(const char *path, const char *pwspec, EVP_PKEY **key)
{
	char *pw = NULL;
	int r;

	if (pwspec != NULL && (r = ck_secret_read(pwspec, &pw)) != 0)
		return ck_errwrap(r, "--key-password %s", pwspec);
	r = ck_key_load(path, pw, key);
	if (r != 0)
		r = wrap_path(r, path);
	ck_secfree(pw);
	return r;
}

int
ck_swap_prepare(const struct ck_swap_req *req, ck_swap_notify notify, void *u,
    struct ck_swap **out)
{
	struct ck_swap *sw = NULL;
	struct ck_store *st = NULL;
	struct ck_ca *ca = NULL;
	struct ck_cfg *cfg = NULL;
	struct ck_entry *csr = NULL;
	STACK_OF(X509) *sk = NULL, *chain = NULL, *roots = NULL, *all = NULL;
	X509 *leaf = NULL, *oldleaf = NULL;
	EVP_PKEY *key = NULL;
	char *fqdn = NULL, *certpem = NULL, *keypem = NULL;
	size_t certlen = 0, keylen = 0;
	struct ck_sign_opts so;
	int r, nsrc = (req->cert_path != NULL) + (req->vmca_config != NULL) + (req->renew != 0);

	*out = NULL;
	if (nsrc != 1)
		return ck_errf(CK_E_INVAL, "give exactly one of --cert, --vmca-config and --renew");
	if (req->days != 0 && req->cert_path != NULL)
		return ck_errf(CK_E_INVAL, "--days goes with --renew or --vmca-config");
	if (req->days < 0 || req->days > CK_CA_RENEW_MAX_DAYS)
		return ck_errf(CK_E_INVAL, "--days %d is outside 1..%d", req->days, CK_CA_RENEW_MAX_DAYS);
	if ((req->chain_path || req->root_path) && req->cert_path == NULL)
		return ck_errf(CK_E_INVAL, "--chain and --root-cert go with --cert");
	if (req->renew && req->key_path)
		return ck_errf(CK_E_INVAL, "--renew keeps the current key; do not give --key");
	if ((sw = calloc(1, sizeof(*sw))) == NULL ||
	    (sw->store = strdup(req->store ? req->store : CK_STORE_MACHINE_SSL)) == NULL ||
	    (sw->alias = strdup(req->alias ? req->alias : CK_MACHINE_CERT_ALIAS)) == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	sw->notify = notify;
	sw->u = u;
	if (req->fqdn != NULL)
		fqdn = strdup(req->fqdn);
	else if ((r = ck_node_fqdn(&fqdn)) != 0)
		goto out;
	if (fqdn == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) != 0) {
		r = ck_errwrap(r, "open the certificate store %s", ck_path(CK_PATH_VECS));
		goto out;
	}
	if ((r = ck_store_entry_get(st, sw->store, sw->alias, &sw->old)) != 0) {
		r = ck_errwrap(r, "no current entry %s in store %s to replace (create it with vecs "
		    "entry create)", sw->alias, sw->store);
		goto out;
	}
	if ((r = digests(sw->old, sw->old_sha1, sw->old_sha256)) != 0)
		goto out;

	if (req->cert_path != NULL) {
		note(notify, u, CK_NOTE_INFO, "source: %s", req->cert_path);
		if ((r = ck_certs_load(req->cert_path, &sk)) != 0) {
			r = wrap_path(r, req->cert_path);
			goto out;
		}
		leaf = sk_X509_shift(sk);
		chain = sk;
		sk = NULL;
		if (req->chain_path != NULL) {
			if ((r = ck_certs_load(req->chain_path, &sk)) != 0) {
				r = wrap_path(r, req->chain_path);
				goto out;
			}
			while (sk_X509_num(sk) > 0)
				sk_X509_push(chain, sk_X509_shift(sk));
		}
		if (req->root_path != NULL && (r = ck_certs_load(req->root_path, &roots)) != 0) {
			r = wrap_path(r, req->root_path);
			goto out;
		}
		if (req->key_path != NULL) {
			if ((r = load_key_file(req->key_path, req->key_password, &key)) != 0)
				goto out;
		} else {
			r = ck_store_entry_get(st, sw->store, CK_CSR_KEY_ALIAS, &csr);
			if (r == CK_E_NOENT || (r == 0 && csr->key_len == 0)) {
				r = ck_errf(CK_E_NOENT, "no --key given and no key of an earlier CSR "
				    "(entry %s in store %s)", CK_CSR_KEY_ALIAS, sw->store);
				goto out;
			}
			if (r != 0)
				goto out;
			if ((r = ck_key_parse(csr->key, csr->key_len, NULL, &key)) != 0) {
				r = ck_errwrap(r, "the CSR key %s/%s", sw->store, CK_CSR_KEY_ALIAS);
				goto out;
			}
			note(notify, u, CK_NOTE_INFO, "key: the key of the earlier CSR (%s/%s)", sw->store,
			    CK_CSR_KEY_ALIAS);
		}
	} else {
		/* a dry run or a failed validation must not leave the certificate in
		 * the VMCA index: the swap phase records it (record_new) */
		memset(&so, 0, sizeof(so));
		so.days = req->days;
		so.flags = CK_SIGN_NO_RECORD;
		if ((r = ck_ca_open(NULL, &ca)) != 0)
			goto out;
		if (!ck_ca_has_root(ca)) {
			r = ck_errf(CK_E_CA_MISSING, "the VMCA in %s has no root; create one with "
			    "certool --selfca", ck_path(CK_PATH_VMCA));
			goto out;
		}
		if (req->renew) {
			note(notify, u, CK_NOTE_INFO, "source: VMCA renewal of the current certificate");
			if ((r = leaf_of(sw->old, &oldleaf)) != 0)
				goto out;
			if (sw->old->key == NULL || (r = ck_key_parse(sw->old->key, sw->old->key_len, NULL, &key)) != 0) {
				r = ck_errf(sw->old->key ? r : CK_E_NOENT, "the current entry's key cannot be "
				    "used for a renewal");
				goto out;
			}
			if ((r = ck_ca_renew(ca, oldleaf, key, req->days, so.flags, &leaf, NULL)) != 0)
				goto out;
		} else {
			note(notify, u, CK_NOTE_INFO, "source: VMCA, from %s", req->vmca_config);
			if ((r = ck_cfg_load(req->vmca_config, &cfg)) != 0)
				goto out;
			if (req->key_path != NULL)
				r = load_key_file(req->key_path, req->key_password, &key);
			else
				r = ck_key_generate(CK_KEY_RSA, 3072, &key);
			if (r != 0)
				goto out;
			if ((r = ck_ca_sign_config(ca, cfg, key, &so, &leaf, NULL)) != 0)
				goto out;
		}
		if ((r = ca_send_chain(ca, &chain)) != 0)
			goto out;
	}
	if (leaf == NULL) {
		r = ck_errf(CK_E_CERT, "no certificate");
		goto out;
	}
	if ((r = ck_cert_digest_hex(leaf, EVP_sha1(), sw->new_sha1)) != 0 ||
	    (r = ck_cert_digest_hex(leaf, EVP_sha256(), sw->new_sha256)) != 0)
		goto out;
	note(notify, u, CK_NOTE_INFO, "validating the new certificate for %s/%s", sw->store, sw->alias);
	if ((r = validate(sw, st, leaf, key, chain, roots, fqdn)) != 0)
		goto out;
	/* the entry: leaf + chain, key as PKCS#8 */
	if ((all = sk_X509_new_null()) == NULL || !X509_up_ref(leaf) || !sk_X509_push(all, leaf)) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);
		if (X509_check_issued(c, c) == X509_V_OK)
			continue;	/* roots live in TRUSTED_ROOTS, not in the entry */
		X509_up_ref(c);
		sk_X509_push(all, c);
	}
	if ((r = ck_certs_to_pem(all, &certpem, &certlen)) != 0 ||
	    (r = ck_key_to_pem(key, NULL, &keypem, &keylen)) != 0)
		goto out;
	/* no password: services cannot load an Encrypted Private Key, so the
	 * new entry never is one (an encrypted --key was decrypted above, or
	 * refused without --key-password) and the publish phase never skips it */
	if ((r = ck_entry_build(certpem, certlen, keypem, keylen, sw->alias, NULL, 0, &sw->new)) != 0)
		goto out;
	if (roots != NULL && sk_X509_num(roots) > 0) {
		if ((r = ck_certs_to_pem(roots, &sw->root_pem, &sw->root_len)) != 0)
			goto out;
	}
	*out = sw;
	sw = NULL;
	r = 0;
out:
	if (keypem != NULL)
		ck_secfree(keypem);
	free(certpem);
	ck_certs_free(all);
	EVP_PKEY_free(key);
	X509_free(leaf);
	X509_free(oldleaf);
	ck_certs_free(chain);
	ck_certs_free(roots);
	ck_certs_free(sk);
	ck_entry_free(csr);
	ck_cfg_free(cfg);
	ck_ca_close(ca);
	ck_store_close(st);
	free(fqdn);
	ck_swap_free(sw);
	return r;
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
	char core[512] = "", tls[1024] = "", what[1024];
	int ssl = is_machine_cert(sw->store, sw->alias);

	for (size_t k = 0; k < reg->n; k++) {
		const struct ck_service *s = &reg->svc[reg->order[k]];
		size_t l = strlen(tls);
		if (s->core) {
			strncat(core, " ", sizeof(core) - strlen(core) - 1);
			strncat(core, s->name, sizeof(core) - strlen(core) - 1);
		}
		if (s->tls_host != NULL && !s->manual)
			snprintf(tls + l, sizeof(tls) - l, " %s:%d (%s)", s->tls_host, s->tls_port, s->name);
	}
	note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 1. journal in %s", ck_path(CK_PATH_JOURNAL));
	note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 2. stop all %zu services", reg->n);
	note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 3. start the core services:%s", core[0] ? core : " (none)");
	note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 4. replace %s/%s %s -> %s, the old entry to %s%s",
	    sw->store, sw->alias, sw->old_sha1, sw->new_sha1, CK_STORE_BACKUP,
	    sw->root_pem ? ", and add --root-cert to TRUSTED_ROOTS" : "");
	if (publish_phrase(ssl, sw->root_pem != NULL, what, sizeof(what)))
		note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 5. publish %s", what);
	note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 6. start all automatic services");
	if (ssl)
		note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 7. verify every service is ready and the new "
		    "certificate is served on:%s", tls[0] ? tls : " (no tls_endpoint registered)");
	else
		note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 7. verify every service is ready");
}

/* --- the phases ------------------------------------------------------------ */

static int
publishes(const struct ck_journal *j)
{
	return is_machine_cert(j->store, j->alias);
}

static int
set_phase(struct run *rn, const char *phase, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Journal the phase (durably), announce it, and honour the test hook. */
static int
set_phase(struct run *rn, const char *phase, const char *fmt, ...)
{
	char *p = strdup(phase), buf[1024];
	va_list ap;
	int r;

	if (p == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	free(rn->j->phase);
	rn->j->phase = p;
	if ((r = ck_journal_write(rn->j)) != 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	note(rn->notify, rn->u, CK_NOTE_PHASE, "%s", buf);
	test_kill(phase);
	return 0;
}

struct svc_note { ck_swap_notify fn; void *u; };

static void
svc_progress(void *u, enum ck_sup_event ev, const struct ck_service *s, const char *detail)
{
	struct svc_note *sn = u;

	if (ev == CK_EV_FAIL || ev == CK_EV_SKIP)
		note(sn->fn, sn->u, CK_NOTE_FAIL, "%s", detail ? detail : s->name);
	else if (ev == CK_EV_WARN)
		note(sn->fn, sn->u, CK_NOTE_WARN, "%s", detail ? detail : s->name);
}

/* which: 0 every service (stop), 1 core, 2 every automatic one */
static int
services(struct run *rn, int start, int which)
{
	struct ck_registry *reg = rn->reg;
	struct ck_sup *sup = NULL;
	unsigned char *want = calloc(reg->n ? reg->n : 1, 1);
	struct svc_note sn = { rn->notify, rn->u };
	int r;

	if (want == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < reg->n; i++)
		want[i] = which == 0 || (which == 1 && reg->svc[i].core) ||
		    (which == 2 && !reg->svc[i].manual);
	if ((r = ck_sup_open(reg, &sup)) != 0)
		goto out;
	ck_sup_set_progress(sup, svc_progress, &sn);
	r = start ? ck_sup_start(sup, want, 0) : ck_sup_stop(sup, want, 0);
out:
	ck_sup_close(sup);
	free(want);
	return r;
}

/* Put e in place unless the store already has it (by thumbprint). */
static int
put_entry(struct run *rn, const struct ck_entry *e, const char *sha1, const char *backup)
{
	struct ck_store *st = NULL;
	struct ck_entry *cur = NULL;
	char csha1[HEX_MAX], csha256[HEX_MAX];
	int r;

	if ((r = ck_store_open(NULL, 0, &st)) != 0)
		goto out;
	if (rn->root_pem != NULL && e == rn->new) {
		struct ck_entry *root = NULL;
		if ((r = ck_entry_build(rn->root_pem, rn->root_len, NULL, 0, NULL, NULL, 0, &root)) != 0)
			goto out;
		r = ck_store_entry_add(st, CK_STORE_TRUSTED_ROOTS, root);
		if (r == 0)
			note(rn->notify, rn->u, CK_NOTE_INFO, "added the root %s to TRUSTED_ROOTS", root->alias);
		ck_entry_free(root);
		if (r != 0 && r != CK_E_EXIST)
			goto out;
	}
	r = ck_store_entry_get(st, rn->j->store, rn->j->alias, &cur);
	if (r == 0 && digests(cur, csha1, csha256) == 0 && strcmp(csha1, sha1) == 0) {
		note(rn->notify, rn->u, CK_NOTE_INFO, "the store already holds %s", sha1);
		r = 0;
		goto out;
	}
	if (r != 0 && r != CK_E_NOENT)
		goto out;
	if ((r = ck_store_entry_replace(st, rn->j->store, e, backup)) != 0)
		goto out;
out:
	ck_entry_free(cur);
	ck_store_close(st);
	return r;
}

/*
 * Add the new certificate to the VMCA index if the VMCA issued it (a
 * --vmca-config or --renew swap; a --cert from certool --gencert is
 * indexed already), now that it is in the store.  Recording twice is
 * harmless, so --resume may run this again.  A certificate from another
 * CA, or no VMCA at all, is left alone.  Never fails the swap: the new
 * entry is in place and valid, and undoing a working swap because the
 * VMCA's index cannot be written (a custom-CA --cert swap on a node whose
 * VMCA is damaged) would be worse; a warning says what is missing.
 */
static void
record_new(struct run *rn)
{
	struct ck_ca *ca = NULL;
	X509 *x = NULL;
	int r;

	if ((r = leaf_of(rn->new, &x)) == 0 && (r = ck_ca_open(NULL, &ca)) == 0 &&
	    ck_ca_has_root(ca) && (r = ck_ca_record(ca, x)) == CK_E_UNSUPPORTED)
		r = 0;	/* not issued by this VMCA */
	if (r != 0)
		note(rn->notify, rn->u, CK_NOTE_WARN, "warning: the new certificate is in place, "
		    "but could not be recorded in the VMCA index (%s%s%s): certool --status, "
		    "--enumcert and --revokecert will not know it", ck_strerror(r),
		    *ck_err_detail() ? ": " : "", ck_err_detail());
	ck_err_clear();
	ck_ca_close(ca);
	X509_free(x);
}

/*
 * The publish phases: machine-ssl.crt/.key from e, as vecs publishes them
 * (lib/publish.c: the same lock, staged and renamed key first, an
 * encrypted key never written); and, when this swap adds a --root-cert
 * root to TRUSTED_ROOTS, the CA directory, so services that read it trust
 * the new chain now rather than after the next vecs command.  The root
 * stays in the store on a rollback, so rollback-publish publishes it too.
 */
static int
publish(struct run *rn, const struct ck_entry *e)
{
	struct ck_publish_report rep;
	struct ck_store *st = NULL;
	int r;

	if (publishes(rn->j)) {
		if ((r = ck_publish_machine_ssl(e, NULL, &rep)) != 0)
			return ck_errwrap(r, "publish in %s", ck_path(CK_PATH_MACHINE_SSL));
		if (rep.key_kept)
			note(rn->notify, rn->u, CK_NOTE_WARN, "warning: %s/%s holds an encrypted private "
			    "key, which services cannot load: machine-ssl.crt/.key in %s were left as "
			    "they were", rn->j->store, rep.alias, rep.ssldir);
	}
	if (rn->root_pem == NULL)
		return 0;
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) == 0)
		r = ck_publish_store(st, NULL, NULL, CK_PUBLISH_ROOTS, NULL);
	ck_store_close(st);
	if (r != 0)
		return ck_errwrap(r, "publish the trusted roots in %s", ck_path(CK_PATH_CAPATH));
	return 0;
}

/* What the publish phases publish, for their announcement; 0 if nothing. */
static int
publish_what(const struct run *rn, char *buf, size_t sz)
{
	return publish_phrase(publishes(rn->j), rn->root_pem != NULL, buf, sz);
}

/*
 * Every automatic service's tls_endpoint must serve the certificate with
 * these digests.  SHA-256 decides; the lines name certificates by their
 * SHA-1 thumbprint, as every other line of the swap (and vecs) does.
 */
static int
verify_served(struct run *rn, const char *sha1, const char *sha256)
{
	struct ck_registry *reg = rn->reg;
	char got1[HEX_MAX], got256[HEX_MAX];
	int r = 0, n = 0;

	if (!publishes(rn->j)) {
		/* tls_endpoint names where the machine certificate is served */
		note(rn->notify, rn->u, CK_NOTE_INFO, "%s/%s is not the machine certificate: no "
		    "tls_endpoint to check", rn->j->store, rn->j->alias);
		return 0;
	}
	for (size_t i = 0; i < reg->n; i++) {
		const struct ck_service *s = &reg->svc[i];
		struct timespec ts = { 0, 100 * 1000000L };
		int tries = VERIFY_TIMEOUT_MS / 100;
		X509 *x = NULL;

		if (s->tls_host == NULL || s->manual)
			continue;
		n++;
		do {
			r = ck_tls_peer_cert(s->tls_host, s->tls_port, 2000, &x);
			if (r == 0 || r == CK_E_CRYPTO)
				break;
			nanosleep(&ts, NULL);
		} while (--tries > 0);
		if (r != 0)
			return ck_errwrap(r, "service %s: no TLS answer on %s:%d", s->name, s->tls_host,
			    s->tls_port);
		if ((r = ck_cert_digest_hex(x, EVP_sha1(), got1)) == 0)
			r = ck_cert_digest_hex(x, EVP_sha256(), got256);
		X509_free(x);
		if (r != 0)
			return r;
		if (strcmp(got256, sha256) != 0)
			return ck_errf(CK_E_VERIFY, "service %s serves the wrong certificate on %s:%d "
			    "(thumbprint %s, expected %s)", s->name, s->tls_host, s->tls_port, got1, sha1);
		note(rn->notify, rn->u, CK_NOTE_INFO, "ok: %s serves %s on %s:%d", s->name, got1,
		    s->tls_host, s->tls_port);
	}
	if (n == 0)
		note(rn->notify, rn->u, CK_NOTE_INFO, "no tls_endpoint in the registry to check");
	return 0;
}

static int
rollback_phases(struct run *rn)
{
	char what[1024];
	int r;

	if ((r = set_phase(rn, "rollback-stop", "rollback: stopping all services")) != 0 ||
	    (r = services(rn, 0, 0)) != 0)
		return r;
	if ((r = set_phase(rn, "rollback-swap", "rollback: restoring %s/%s %s", rn->j->store,
	    rn->j->alias, rn->j->old_sha1)) != 0 ||
	    (r = put_entry(rn, rn->old, rn->j->old_sha1, NULL)) != 0)
		return r;
	if (publish_what(rn, what, sizeof(what)) && ((r = set_phase(rn, "rollback-publish",
	    "rollback: publishing %s", what)) != 0 || (r = publish(rn, rn->old)) != 0))
		return r;
	if ((r = set_phase(rn, "rollback-start", "rollback: starting all services")) != 0 ||
	    (r = services(rn, 1, 2)) != 0)
		return r;
	if ((r = set_phase(rn, "rollback-verify", "rollback: verifying the old certificate is served")) != 0 ||
	    (r = verify_served(rn, rn->j->old_sha1, rn->j->old_sha256)) != 0)
		return r;
	return ck_journal_remove();
}

/*
 * Roll back after failure reason; returns CK_E_STATE (journal kept) if
 * the rollback fails too, else 0.
 */
static int
rollback(struct run *rn, const char *reason)
{
	char *why = strdup(reason ? reason : "");
	int r;

	free(rn->j->reason);
	rn->j->reason = why;
	if (why != NULL)
		for (char *p = why; *p; p++)
			if (*p == '\n')
				*p = ' ';
	if ((r = rollback_phases(rn)) != 0) {
		char *d = strdup(ck_err_detail());
		r = ck_errf(CK_E_STATE, "the rollback failed too: %s; the journal in %s is kept: fix "
		    "the cause and run svcctl --rollback (or --resume)", d ? d : ck_strerror(r),
		    ck_path(CK_PATH_JOURNAL));
		free(d);
		return r;
	}
	note(rn->notify, rn->u, CK_NOTE_INFO, "rollback complete: %s/%s is %s again and is served",
	    rn->j->store, rn->j->alias, rn->j->old_sha1);
	return 0;
}

static int
forward_phases(struct run *rn)
{
	struct ck_registry *reg = rn->reg;
	char core[512] = "", what[1024];
	int r;

	for (size_t k = 0; k < reg->n; k++) {
		const struct ck_service *s = &reg->svc[reg->order[k]];
		if (s->core) {
			strncat(core, " ", sizeof(core) - strlen(core) - 1);
			strncat(core, s->name, sizeof(core) - strlen(core) - 1);
		}
	}
	if ((r = set_phase(rn, "stop", "stopping all services")) != 0 || (r = services(rn, 0, 0)) != 0)
		return r;
	if ((r = set_phase(rn, "core", "starting the core services:%s", core[0] ? core : " (none)")) != 0 ||
	    (r = services(rn, 1, 1)) != 0)
		return r;
	if ((r = set_phase(rn, "swap", "replacing %s/%s (the old entry goes to %s as bkp_%s)",
	    rn->j->store, rn->j->alias, CK_STORE_BACKUP, rn->j->alias)) != 0 ||
	    (r = put_entry(rn, rn->new, rn->j->new_sha1, CK_STORE_BACKUP)) != 0)
		return r;
	record_new(rn);
	if (publish_what(rn, what, sizeof(what)) && ((r = set_phase(rn, "publish", "publishing %s",
	    what)) != 0 || (r = publish(rn, rn->new)) != 0))
		return r;
	if ((r = set_phase(rn, "start", "starting all services")) != 0 || (r = services(rn, 1, 2)) != 0)
		return r;
	if ((r = set_phase(rn, "verify", "verifying the services serve the new certificate")) != 0 ||
	    (r = verify_served(rn, rn->j->new_sha1, rn->j->new_sha256)) != 0)
		return r;
	return ck_journal_remove();
}

/* Forward; on failure roll back.  The failure's code is returned. */
static int
forward(struct run *rn, int *rolled_back)
{
	int r, r2;
	char *why;

	*rolled_back = 0;
	if ((r = forward_phases(rn)) == 0) {
		note(rn->notify, rn->u, CK_NOTE_INFO, "done: %s/%s is now %s; the previous certificate "
		    "%s is in %s", rn->j->store, rn->j->alias, rn->j->new_sha1, rn->j->old_sha1, CK_STORE_BACKUP);
		return 0;
	}
	why = ck_asprintf("phase %s failed: %s", rn->j->phase, ck_err_detail()[0] ?
	    ck_err_detail() : ck_strerror(r));
	note(rn->notify, rn->u, CK_NOTE_FAIL, "%s; rolling back", why ? why : ck_strerror(r));
	if ((r2 = rollback(rn, why)) != 0) {
		free(why);
		return r2;
	}
	*rolled_back = 1;
	r = ck_errf(r == CK_E_STATE ? CK_E_SERVICE : r, "%s; the previous certificate was restored",
	    why ? why : ck_strerror(r));
	free(why);
	return r;
}

static int
take_lock(int *fdp)
{
	char *p;
	int fd, r;

	*fdp = -1;
	if ((r = ck_mkdir_p(ck_path(CK_PATH_RUN), 0755)) != 0)
		return r;
	if ((p = ck_path_join(CK_PATH_RUN, "swap.lock")) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = ck_errf(ck_errno(errno), "open %s: %s", p, strerror(errno));
		free(p);
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		r = ck_errf(CK_E_BUSY, "another certificate swap is running (it holds the lock %s); "
		    "wait for it to finish", p);
		close(fd);
		free(p);
		return r;
	}
	free(p);
	*fdp = fd;
	return 0;
}

static void
drop_lock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static struct ck_entry *
entry_dup(const struct ck_entry *e)
{
	struct ck_entry *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->alias = strdup(e->alias);
	d->type = e->type;
	d->cert_pem = e->cert_pem ? strndup(e->cert_pem, e->cert_len) : NULL;
	d->cert_len = e->cert_len;
	if (e->key != NULL && (d->key = ck_secalloc(e->key_len + 1)) != NULL) {
		memcpy(d->key, e->key, e->key_len);
		d->key[e->key_len] = '\0';
	}
	d->key_len = e->key_len;
	if (d->alias == NULL || (e->cert_pem && d->cert_pem == NULL) || (e->key && d->key == NULL)) {
		ck_entry_free(d);
		return NULL;
	}
	return d;
}

/*
 * The entry ck_swap_prepare validated against must still be the current
 * one once the lock is held: prepare reads it without the lock, and a
 * swap that completed in between would make the journal's "old"
 * certificate stale, so a rollback would restore the wrong one.
 * CK_E_BUSY (the exit status of a lost race for the lock) if it changed.
 */
static int
entry_unchanged(const struct ck_swap *sw)
{
	struct ck_store *st = NULL;
	struct ck_entry *cur = NULL;
	char sha1[HEX_MAX] = "", sha256[HEX_MAX];
	int r;

	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) != 0)
		return ck_errwrap(r, "open the certificate store %s", ck_path(CK_PATH_VECS));
	r = ck_store_entry_get(st, sw->store, sw->alias, &cur);
	if (r == 0)
		r = digests(cur, sha1, sha256);
	if (r != 0 && r != CK_E_NOENT)
		goto out;
	if (r == CK_E_NOENT || strcmp(sha1, sw->old_sha1) != 0) {
		r = ck_errf(CK_E_BUSY, "%s/%s changed while this swap was being prepared (it was %s, "
		    "it is now %s): another swap completed in between; nothing was changed; check the "
		    "current certificate and run the swap again if it is still wanted", sw->store,
		    sw->alias, sw->old_sha1, r == CK_E_NOENT ? "missing" : sha1);
		goto out;
	}
	r = 0;
out:
	ck_entry_free(cur);
	ck_store_close(st);
	return r;
}

int
ck_swap_run(struct ck_swap *sw, struct ck_registry *reg, int *rolled_back)
{
	struct ck_journal j;
	struct run rn;
	struct ck_journal *pending = NULL;
	int lock = -1, r;

	*rolled_back = 0;
	memset(&j, 0, sizeof(j));
	memset(&rn, 0, sizeof(rn));
	test_pause("lock");
	if ((r = take_lock(&lock)) != 0)
		return r;
	if ((r = ck_journal_read(&pending)) != CK_E_NOENT) {
		if (r == 0)
			r = ck_errf(CK_E_PENDING, "an interrupted swap of %s/%s (phase %s) is pending; "
			    "run svcctl --resume or svcctl --rollback first", pending->store, pending->alias,
			    pending->phase);
		goto out;
	}
	if ((r = entry_unchanged(sw)) != 0)
		goto out;
	j.op = (char *)"replace";
	j.phase = strdup("plan");
	j.store = sw->store;
	j.alias = sw->alias;
	j.old_sha1 = sw->old_sha1;
	j.new_sha1 = sw->new_sha1;
	j.old_sha256 = sw->old_sha256;
	j.new_sha256 = sw->new_sha256;
	j.old_type = sw->old->type;
	j.new_type = sw->new->type;
	j.started = (int64_t)time(NULL);
	j.pid = (long)getpid();
	if (j.phase == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	/* stage both entries first: the journal must never point at nothing */
	if ((r = ck_journal_stage("new.pem", sw->new->cert_pem, sw->new->cert_len, 0)) != 0 ||
	    (r = ck_journal_stage("new.key", sw->new->key ? sw->new->key : "",
	    sw->new->key ? sw->new->key_len : 0, 1)) != 0 ||
	    (r = ck_journal_stage("old.pem", sw->old->cert_pem ? sw->old->cert_pem : "",
	    sw->old->cert_pem ? sw->old->cert_len : 0, 0)) != 0 ||
	    (r = ck_journal_stage("old.key", sw->old->key ? sw->old->key : "",
	    sw->old->key ? sw->old->key_len : 0, 1)) != 0)
		goto out;
	if (sw->root_pem != NULL && (r = ck_journal_stage("root.pem", sw->root_pem, sw->root_len, 0)) != 0)
		goto out;
	rn.j = &j;
	rn.old = sw->old;
	rn.new = sw->new;
	rn.root_pem = sw->root_pem;
	rn.root_len = sw->root_len;
	rn.reg = reg;
	rn.notify = sw->notify;
	rn.u = sw->u;
	free(j.phase);
	j.phase = NULL;
	if ((r = set_phase(&rn, "plan", "journal written in %s", ck_path(CK_PATH_JOURNAL))) != 0)
		goto out;
	r = forward(&rn, rolled_back);
out:
	free(j.phase);
	free(j.reason);
	ck_journal_free(pending);
	drop_lock(lock);
	return r;
}

/* Rebuild the run from the journal and the staged files. */
static int
load_run(struct run *rn, struct ck_registry *reg, ck_swap_notify notify, void *u)
{
	char *pem = NULL, *key = NULL;
	size_t pl = 0, kl = 0;
	int r;
	static const char *const which[2] = { "old", "new" };

	memset(rn, 0, sizeof(*rn));
	rn->reg = reg;
	rn->notify = notify;
	rn->u = u;
	if ((r = ck_journal_read(&rn->j)) != 0) {
		if (r == CK_E_NOENT)
			r = ck_errf(CK_E_PENDING, "there is no interrupted swap to resume or roll back "
			    "(no journal in %s)", ck_path(CK_PATH_JOURNAL));
		return r;
	}
	for (int w = 0; w < 2; w++) {
		char nm[16];
		struct ck_entry e;

		snprintf(nm, sizeof(nm), "%s.pem", which[w]);
		if ((r = ck_journal_staged(nm, &pem, &pl, 0)) != 0)
			return r;
		snprintf(nm, sizeof(nm), "%s.key", which[w]);
		if ((r = ck_journal_staged(nm, &key, &kl, 1)) != 0) {
			free(pem);
			return r;
		}
		memset(&e, 0, sizeof(e));
		e.alias = rn->j->alias;
		e.type = w ? rn->j->new_type : rn->j->old_type;
		e.cert_pem = pl ? pem : NULL;
		e.cert_len = pl;
		e.key = kl ? key : NULL;
		e.key_len = kl;
		if (w)
			rn->new = entry_dup(&e);
		else
			rn->old = entry_dup(&e);
		free(pem);
		ck_secfree(key);
		pem = key = NULL;
		if ((w ? rn->new : rn->old) == NULL)
			return ck_errf(CK_E_NOMEM, "out of memory");
	}
	if (ck_journal_staged("root.pem", &pem, &pl, 0) == 0) {
		rn->root_pem = pem;
		rn->root_len = pl;
	}
	note(notify, u, CK_NOTE_INFO, "pending swap of %s/%s from %s to %s, interrupted in phase %s%s%s",
	    rn->j->store, rn->j->alias, rn->j->old_sha1, rn->j->new_sha1, rn->j->phase,
	    rn->j->reason ? " after: " : "", rn->j->reason ? rn->j->reason : "");
	return 0;
}

static void
free_run(struct run *rn)
{
	ck_journal_free(rn->j);
	ck_entry_free(rn->old);
	ck_entry_free(rn->new);
	free(rn->root_pem);
}

int
ck_swap_resume(struct ck_registry *reg, ck_swap_notify notify, void *u, int *rolled_back)
{
	struct run rn;
	int lock = -1, r;

	*rolled_back = 0;
	memset(&rn, 0, sizeof(rn));
	if ((r = take_lock(&lock)) != 0)
		return r;
	if ((r = load_run(&rn, reg, notify, u)) != 0)
		goto out;
	if (strncmp(rn.j->phase, "rollback", 8) == 0) {
		/* a rollback was under way: finishing it is the only safe way on */
		note(notify, u, CK_NOTE_INFO, "a rollback was in progress; completing the rollback");
		if ((r = rollback(&rn, rn.j->reason)) == 0) {
			*rolled_back = 1;
			r = ck_errf(CK_E_SERVICE, "the interrupted swap had failed (%s); the previous "
			    "certificate was restored", rn.j->reason ? rn.j->reason : "no reason recorded");
		}
		goto out;
	}
	r = forward(&rn, rolled_back);
out:
	free_run(&rn);
	drop_lock(lock);
	return r;
}

int
ck_swap_rollback(struct ck_registry *reg, ck_swap_notify notify, void *u)
{
	struct run rn;
	int lock = -1, r;

	memset(&rn, 0, sizeof(rn));
	if ((r = take_lock(&lock)) != 0)
		return r;
	if ((r = load_run(&rn, reg, notify, u)) != 0)
		goto out;
	r = rollback(&rn, rn.j->reason ? rn.j->reason : "rollback requested");
out:
	free_run(&rn);
	drop_lock(lock);
	return r;
}
