/*
 * cmd_sts.c: the STS signing certificate (lib/sts.h), the API's
 * SigningCertificate get / set / refresh, and the removal of a chain that
 * only validates tokens:
 *   --get-signing-cert [--json]
 *   --set-signing-cert --cert CHAIN --key PKCS8 [-n]
 *   --refresh-signing-cert [-n]
 *   --remove-signing-chain ALIAS
 * set and refresh are swaps (lib/swap.h): validated first, journalled,
 * the services stopped and started as for --replace-cert, rolled back if
 * they do not come up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "log.h"
#include "paths.h"
#include "pki.h"
#include "store.h"
#include "sts.h"
#include "swap.h"
#include "svcctl.h"

int
cmd_sts_check(const struct svcctl_opts *o)
{
	if (o->action == A_STS_SET && (o->cert == NULL || o->key == NULL)) {
		ck_warnx("--set-signing-cert needs --cert CHAIN and --key KEY (unencrypted PKCS#8)");
		return SX_USAGE;
	}
	if (o->action != A_STS_SET && (o->cert || o->key)) {
		ck_warnx("--cert and --key go with --set-signing-cert here; see svcctl --help");
		return SX_USAGE;
	}
	if (o->chain || o->root_cert || o->vmca_config || o->renew || o->days || o->store ||
	    o->alias || o->fqdn || o->key_password || o->if_expires_within >= 0 || o->p12 ||
	    o->self_signed || o->from_backup >= 0 || o->backup_depth) {
		ck_warnx("%s takes none of the --replace-cert options but --cert and --key; the key "
		    "must be unencrypted PKCS#8 and the chain's root already in TRUSTED_ROOTS",
		    o->action == A_STS_SET ? "--set-signing-cert" : "this action");
		return SX_USAGE;
	}
	if (o->json && o->action != A_STS_GET) {
		ck_warnx("--json goes with --status or --get-signing-cert");
		return SX_USAGE;
	}
	if (o->dry_run && o->action != A_STS_SET && o->action != A_STS_REFRESH) {
		ck_warnx("--dry-run goes with --replace-cert, --set-signing-cert or "
		    "--refresh-signing-cert");
		return SX_USAGE;
	}
	if (o->all || o->profile || o->nnames || o->ignore) {
		ck_warnx("service names, --all, --vmon-profile and --ignore go with --start, --stop, "
		    "--restart or --status");
		return SX_USAGE;
	}
	return 0;
}

/* --- get ---------------------------------------------------------------------- */

/* name as one RFC 2253 line, malloc'ed. */
static char *
dn(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long n;

	if (b != NULL && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) >= 0 && (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(b);
	return s;
}

/* An ASN1_TIME as RFC 3339 UTC ("2026-12-05T11:00:00Z"). */
static void
rfc3339(const ASN1_TIME *t, char *buf, size_t n)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "unknown");
}

struct certinfo {
	char *subject, *issuer, *pem;
	char from[32], to[32];
	char sha1[2 * EVP_MAX_MD_SIZE + 1], sha256[2 * EVP_MAX_MD_SIZE + 1];
};

static int
certinfo(X509 *x, struct certinfo *ci)
{
	size_t len;

	memset(ci, 0, sizeof(*ci));
	rfc3339(X509_get0_notBefore(x), ci->from, sizeof(ci->from));
	rfc3339(X509_get0_notAfter(x), ci->to, sizeof(ci->to));
	if ((ci->subject = dn(X509_get_subject_name(x))) == NULL ||
	    (ci->issuer = dn(X509_get_issuer_name(x))) == NULL ||
	    ck_cert_digest_hex(x, EVP_sha1(), ci->sha1) != 0 ||
	    ck_cert_digest_hex(x, EVP_sha256(), ci->sha256) != 0 ||
	    ck_cert_to_pem(x, &ci->pem, &len) != 0)
		return -1;
	return 0;
}

static void
certinfo_free(struct certinfo *ci)
{
	free(ci->subject);
	free(ci->issuer);
	free(ci->pem);
}

static int
print_chain_json(const struct ck_sts_chain *c)
{
	struct certinfo ci;
	int n = sk_X509_num(c->certs);

	printf("{\"alias\": ");
	svcctl_json_str(stdout, c->alias);
	printf(", \"cert_chain\": [");
	for (int i = 0; i < n; i++) {
		if (certinfo(sk_X509_value(c->certs, i), &ci) != 0) {
			certinfo_free(&ci);
			return -1;
		}
		printf("%s", i ? ", " : "");
		svcctl_json_str(stdout, ci.pem);
		certinfo_free(&ci);
	}
	printf("], \"certificates\": [");
	for (int i = 0; i < n; i++) {
		if (certinfo(sk_X509_value(c->certs, i), &ci) != 0) {
			certinfo_free(&ci);
			return -1;
		}
		printf("%s{\"subject_dn\": ", i ? ", " : "");
		svcctl_json_str(stdout, ci.subject);
		printf(", \"issuer_dn\": ");
		svcctl_json_str(stdout, ci.issuer);
		printf(", \"valid_from\": \"%s\", \"valid_to\": \"%s\", \"thumbprint\": \"%s\", "
		    "\"thumbprint_sha256\": \"%s\"}", ci.from, ci.to, ci.sha1, ci.sha256);
		certinfo_free(&ci);
	}
	printf("]}");
	return 0;
}

/* SigningCertificate.Info's two members, with each certificate described. */
static int
print_json(const struct ck_sts_info *info)
{
	printf("{\"active_cert_chain\": ");
	if (!info->active)
		printf("null");
	else if (print_chain_json(&info->chains[0]) != 0)
		return -1;
	printf(", \"signing_cert_chains\": [");
	for (size_t i = 0; i < info->n; i++) {
		printf("%s", i ? ", " : "");
		if (print_chain_json(&info->chains[i]) != 0)
			return -1;
	}
	printf("]}\n");
	return 0;
}

static int
print_text(const struct ck_sts_info *info)
{
	struct certinfo ci;

	if (!info->active)
		printf("Active signing certificate: none (svcctl --refresh-signing-cert makes one)\n");
	printf("Chains that validate tokens: %zu%s\n", info->n,
	    info->active ? " (the first is the active one, which signs new tokens)" : "");
	for (size_t i = 0; i < info->n; i++) {
		const struct ck_sts_chain *c = &info->chains[i];
		printf("%zu. %s/%s%s\n", i + 1, CK_STORE_STS, c->alias,
		    info->active && i == 0 ? " (active)" : "");
		for (int k = 0; k < sk_X509_num(c->certs); k++) {
			if (certinfo(sk_X509_value(c->certs, k), &ci) != 0) {
				certinfo_free(&ci);
				return -1;
			}
			printf("   [%d] Subject: %s\n       Issuer: %s\n       Valid: %s to %s\n"
			    "       SHA-1: %s\n       SHA-256: %s\n", k, ci.subject, ci.issuer, ci.from,
			    ci.to, ci.sha1, ci.sha256);
			certinfo_free(&ci);
		}
	}
	return 0;
}

static int
sts_get(struct svcctl_opts *o)
{
	struct ck_store *st = NULL;
	struct ck_sts_info *info = NULL, none;
	int r, x = SX_FAIL;

	memset(&none, 0, sizeof(none));
	r = ck_store_open(NULL, CK_STORE_RDONLY, &st);
	if (r == 0)
		r = ck_sts_get(st, &info);
	else if (r == CK_E_NOENT)
		r = 0;	/* no store database at all: nothing set */
	if (r != 0) {
		ck_warnr(r, "--get-signing-cert: read %s in %s", CK_STORE_STS, ck_path(CK_PATH_VECS));
		goto out;
	}
	if ((o->json ? print_json : print_text)(info ? info : &none) != 0) {
		ck_warnx("--get-signing-cert: out of memory");
		goto out;
	}
	x = SX_OK;
out:
	ck_sts_info_free(info);
	ck_store_close(st);
	return x;
}

/* --- set, refresh, remove ------------------------------------------------------ */

/* The new active chain, as refresh prints it (leaf first, PEM). */
static void
print_active(void)
{
	struct ck_store *st = NULL;
	struct ck_entry *e = NULL;

	if (ck_store_open(NULL, CK_STORE_RDONLY, &st) == 0 &&
	    ck_store_entry_get(st, CK_STORE_STS, CK_STS_ACTIVE_ALIAS, &e) == 0 && e->cert_pem)
		fwrite(e->cert_pem, 1, e->cert_len, stdout);
	ck_entry_free(e);
	ck_store_close(st);
}

static int
sts_swap(struct svcctl_opts *o)
{
	struct ck_registry *reg = NULL;
	struct ck_swap *sw = NULL;
	struct ck_sts_req req;
	const char *what = o->action == A_STS_SET ? "--set-signing-cert" : "--refresh-signing-cert";
	int r, x, rolled_back = 0;

	if ((x = svcctl_load_registry(o, &reg)) != 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.cert_path = o->cert;
	req.key_path = o->key;
	req.refresh = o->action == A_STS_REFRESH;
	printf("==> validating\n");
	if ((r = ck_sts_prepare(&req, svcctl_swap_notify, NULL, &sw)) != 0) {
		ck_warnr(r, "%s: validation failed, nothing was changed", what);
		x = svcctl_prepare_status(r);
		goto out;
	}
	/* every service restarted, as VMware's procedure does: which services
	 * sign tokens is not something a registry says today (svcctl(8)) */
	ck_swap_set_policy(sw, CK_POLICY_VMWARE);
	ck_swap_plan(sw, reg);
	if (o->dry_run) {
		printf("dry run: nothing was changed\n");
		x = SX_OK;
		goto out;
	}
	r = ck_swap_run(sw, reg, &rolled_back);
	x = svcctl_run_status(r, rolled_back);
	if (r != 0) {
		ck_warnr(r, "%s failed", what);
		if (x == SX_ROLLEDBACK)
			ck_warnx("the previous signing certificate is active again");
		goto out;
	}
	if (req.refresh)
		print_active();
out:
	ck_swap_free(sw);
	ck_registry_free(reg);
	return x;
}

static int
sts_remove(struct svcctl_opts *o)
{
	struct ck_store *st = NULL;
	int r, x = SX_FAIL;

	if ((r = ck_store_open(NULL, 0, &st)) == 0)
		r = ck_sts_remove_chain(st, o->remove_chain);
	if (r == 0) {
		printf("removed %s/%s: tokens it signed no longer validate once the token "
		    "services restart\n", CK_STORE_STS, o->remove_chain);
		x = SX_OK;
	} else {
		ck_warnr(r, "--remove-signing-chain %s", o->remove_chain);
		x = r == CK_E_NOENT ? SX_NOTFOUND : r == CK_E_INVAL ? SX_INVALID : SX_FAIL;
	}
	ck_store_close(st);
	return x;
}

int
cmd_sts(struct svcctl_opts *o)
{
	switch (o->action) {
	case A_STS_GET:
		return sts_get(o);
	case A_STS_SET:
	case A_STS_REFRESH:
		return sts_swap(o);
	case A_STS_REMOVE:
		return sts_remove(o);
	default:
		return SX_USAGE;
	}
}
