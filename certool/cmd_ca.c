/*
 * cmd_ca.c: the VMCA's own certificate: --selfca, --genselfcacert,
 * --rootca, --getrootca; server options; the local --WaitVMCA,
 * --WaitVMDIR, --publish-roots and --getdc.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca.h"
#include "ca_trust.h"
#include "certool.h"
#include "err.h"
#include "paths.h"
#include "pki.h"
#include "testhook.h"
#include "util.h"

#define PREDATE_DEFAULT 4320
#define PREDATE_MAX 10080

static int
predate(struct ctx *c, long *out)
{
	*out = PREDATE_DEFAULT;
	if (c->val[O_PREDATE] == NULL)
		return 0;
	if (ck_parse_long(c->val[O_PREDATE], 0, PREDATE_MAX, out) != 0) {
		printf("Invalid start time predate specified it should be between %d and 0\n",
		    PREDATE_MAX);
		return E_ARGS;
	}
	return 0;
}

/* VMware checks the Country length before anything else on these paths. */
static int
check_country(const struct ck_cfg *cfg)
{
	const char *cc = ck_cfg_get(cfg, CK_CFG_COUNTRY);

	if (cc != NULL && strlen(cc) != 2)
		return failx(E_INVALID_PARAMETER, "Country '%s' must be exactly 2 characters "
		    "(an ISO 3166 code such as US)", cc);
	return 0;
}

/*
 * After a new signing pair is installed: the outgoing chain (old, NULL on a
 * fresh VMCA) and the new one into TRUSTED_ROOTS and the CA directory, as
 * VMware's certool adds a new root to VECS.  The outgoing one too, so what
 * it issued keeps verifying even if it was never added (a VMCA made before
 * certool did this).  The pair is in place whatever happens here: a failure
 * says so and how to finish.
 */
static int
trust_new_root(STACK_OF(X509) *old, STACK_OF(X509) *cur)
{
	STACK_OF(X509) *all = NULL;
	int r, added = 0;

	if ((all = sk_X509_new_null()) == NULL)
		return fail(CK_E_NOMEM, NULL);
	for (int i = 0; i < sk_X509_num(old); i++)
		if (!sk_X509_push(all, sk_X509_value(old, i)))
			goto nomem;
	for (int i = 0; i < sk_X509_num(cur); i++)
		if (!sk_X509_push(all, sk_X509_value(cur, i)))
			goto nomem;
	r = ck_ca_publish_roots(all, NULL, &added);
	sk_X509_free(all);	/* the certificates belong to the callers */
	if (r != 0)
		return fail(r, "the new VMCA root is installed, but not trusted yet "
		    "(run certool --publish-roots once this is fixed)");
	printf("Root added to %s and published in %s (%d new)\n", CK_STORE_TRUSTED_ROOTS,
	    ck_path(CK_PATH_CAPATH), added);
	return 0;
nomem:
	sk_X509_free(all);
	return fail(CK_E_NOMEM, NULL);
}

/* Install chain and k as the VMCA's pair, then trust it (trust_new_root). */
static int
install_and_trust(STACK_OF(X509) *chain, EVP_PKEY *k, const char *what)
{
	struct ck_ca *ca = NULL;
	STACK_OF(X509) *old = NULL;
	int r, code;

	if ((r = ck_ca_open(NULL, &ca)) != 0)
		return fail(r, what);
	if (ck_ca_has_root(ca) && (old = X509_chain_up_ref(ck_ca_chain(ca))) == NULL) {
		code = fail(CK_E_NOMEM, NULL);
		goto out;
	}
	if ((r = ck_ca_install(ca, chain, k)) != 0) {
		code = fail(r, what);
		goto out;
	}
	code = trust_new_root(old, ck_ca_chain(ca));
out:
	sk_X509_pop_free(old, X509_free);
	ck_ca_close(ca);
	return code;
}

/* Make a self-signed CA cert and key from cfg. */
static int
make_root(struct ctx *c, const struct ck_cfg *cfg, long bits, X509 **x, EVP_PKEY **k)
{
	long pd;
	int r, code;

	if ((code = predate(c, &pd)) != 0 || (code = check_country(cfg)) != 0)
		return code;
	if ((code = new_key(c, bits, k)) != 0)
		return code;
	if (!ck_key_is_rsa(*k))
		return failx(E_KEY_IO, "the VMCA signing key must be RSA: drop --keytype=ec");
	if ((r = ck_ca_make_root(cfg, *k, pd, x)) != 0)
		return fail(r, "CA certificate");
	return 0;
}

int
cmd_selfca(struct ctx *c)
{
	struct ck_cfg *cfg = NULL;
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	char *fqdn = NULL;
	int r, code;

	if ((code = load_config_or_defaults(c)) != 0)
		return code;
	/*
	 * The VMCA root profile: the subject fields certool.cfg gives (Name,
	 * DomainComponent, Country, State, Locality, Organization, OrgUnit,
	 * Email, IPAddress), as VMware's "Regenerate a New VMCA Root
	 * Certificate" has the admin edit them; what it leaves out takes the
	 * API's VmcaRoot defaults (CN = the node's FQDN, O=VMware, C=US,
	 * ST=California, L=Palo Alto) and DC = the SSO domain.  No DNS name:
	 * a root names no server.
	 */
	{
		static const struct { enum ck_cfg_key k; const char *v; } defs[] = {
			{ CK_CFG_COUNTRY, "US" }, { CK_CFG_STATE, "California" },
			{ CK_CFG_LOCALITY, "Palo Alto" }, { CK_CFG_ORGANIZATION, "VMware" },
		};
		if ((r = ck_cfg_dup(c->cfg, &cfg)) != 0)
			goto cfg_failed;
		for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
			if (ck_cfg_get(cfg, defs[i].k) == NULL &&
			    (r = ck_cfg_set(cfg, defs[i].k, defs[i].v)) != 0)
				goto cfg_failed;
		if ((ck_cfg_get(cfg, CK_CFG_NAME) == NULL &&
		    ((r = ck_node_fqdn(&fqdn)) != 0 || (r = ck_cfg_set(cfg, CK_CFG_NAME, fqdn)) != 0)) ||
		    (r = ck_cfg_set(cfg, CK_CFG_HOSTNAME, NULL)) != 0 ||
		    (ck_cfg_get(cfg, CK_CFG_DOMAINCOMPONENT) == NULL &&
		    (r = ck_cfg_set(cfg, CK_CFG_DOMAINCOMPONENT,
		    c->val[O_DOMAIN] ? c->val[O_DOMAIN] : "vsphere.local")) != 0))
			goto cfg_failed;
	}
	if ((code = make_root(c, cfg, CK_API_KEY_BITS, &x, &k)) != 0)
		goto out;
	if ((sk = sk_X509_new_null()) == NULL || !sk_X509_push(sk, x)) {
		code = fail(CK_E_NOMEM, NULL);
		goto out;
	}
	x = NULL;
	code = install_and_trust(sk, k, "installing the root");
	goto out;
cfg_failed:
	code = fail(r, NULL);
out:
	free(fqdn);
	sk_X509_pop_free(sk, X509_free);
	X509_free(x);
	EVP_PKEY_free(k);
	ck_cfg_free(cfg);
	return code;
}

int
cmd_genselfcacert(struct ctx *c)
{
	struct outset o = { .n = 0 };
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	const char *pw;
	char *cpem = NULL, *kpem = NULL;
	size_t clen, klen;
	int r, code;

	if (c->val[O_OUTCERT] == NULL) {
		printf("Error : No certficate file specified.\n");
		return E_ARGS;
	}
	if (c->val[O_OUTPRIVKEY] == NULL) {
		printf("Error : No private key file specified.\n");
		return E_ARGS;
	}
	if ((code = load_config(c)) != 0)
		return code;
	if ((code = new_key_password(c, &pw)) != 0 || (code = make_root(c, c->cfg, CK_VMWARE_KEY_BITS, &x, &k)) != 0)
		goto out;
	if ((r = ck_cert_to_pem(x, &cpem, &clen)) != 0 ||
	    (r = ck_key_to_pem(k, pw, &kpem, &klen)) != 0) {
		code = fail(r, NULL);
		goto out;
	}
	if (out_add(&o, c->val[O_OUTPRIVKEY], kpem, klen, 0600, 1) != 0) {
		code = fail(CK_E_LIMIT, NULL);
		goto out;
	}
	kpem = NULL;
	if (out_add(&o, c->val[O_OUTCERT], cpem, clen, 0644, 0) != 0) {
		code = fail(CK_E_LIMIT, NULL);
		goto out;
	}
	cpem = NULL;
	code = out_commit(&o);
out:
	free(cpem);
	out_free(&o);
	EVP_PKEY_free(k);
	X509_free(x);
	return code;
}

int
cmd_rootca(struct ctx *c)
{
	STACK_OF(X509) *sk = NULL;
	EVP_PKEY *k = NULL;
	int r, code;

	if ((code = need(c, O_CERT)) != 0 || (code = need(c, O_PRIVKEY)) != 0)
		return code;
	/* the chain is read and checked first, as VMware does */
	if ((r = ck_certs_load(c->val[O_CERT], &sk)) != 0)
		return fail(r, c->val[O_CERT]);
	if ((r = ck_ca_validate(sk, NULL)) != 0) {
		code = fail(r, c->val[O_CERT]);
		goto out;
	}
	if ((code = load_key(c, c->val[O_PRIVKEY], &k)) != 0)
		goto out;
	code = install_and_trust(sk, k, c->val[O_CERT]);
out:
	EVP_PKEY_free(k);
	ck_certs_free(sk);
	return code;
}

int
cmd_getrootca(struct ctx *c)
{
	struct outset o = { .n = 0 };
	struct ck_ca *ca = NULL;
	char *text = NULL, *pem = NULL;
	size_t len;
	int r, code = 0;

	if ((r = ck_ca_open(NULL, &ca)) != 0)
		return fail(r, "VMCA");
	if (!ck_ca_has_root(ca)) {
		code = failx(E_ROOT_MISSING, "no VMCA root in %s: create one with --selfca or "
		    "install one with --rootca", ck_ca_dir(ca));
		goto out;
	}
	if ((r = ck_cert_text(ck_ca_cert(ca), &text)) != 0) {
		code = fail(r, NULL);
		goto out;
	}
	if (c->val[O_CERT] != NULL) {
		if ((r = ck_certs_to_pem(ck_ca_chain(ca), &pem, &len)) != 0) {
			code = fail(r, NULL);
			goto out;
		}
		if (out_add(&o, c->val[O_CERT], pem, len, 0644, 0) != 0) {
			code = fail(CK_E_LIMIT, NULL);
			goto out;
		}
		pem = NULL;
		if ((code = out_commit(&o)) != 0)
			goto out;
	}
	printf("%s\n", text);
	if (c->val[O_CERT] != NULL)
		printf("Certificate written to file : %s\n", c->val[O_CERT]);
out:
	free(pem);
	out_free(&o);
	free(text);
	ck_ca_close(ca);
	return code;
}

static int
setopt(struct ctx *c, int on)
{
	struct ck_ca *ca = NULL;
	int r, code = 0;

	if ((code = need(c, O_OPTION)) != 0)
		return code;
	if (strcmp(c->val[O_OPTION], "multiplesan") != 0) {
		fprintf(stderr, "Unrecognizable server option: %s\n", c->val[O_OPTION]);
		return E_ARGS;
	}
	if ((r = ck_ca_open(NULL, &ca)) != 0 || (r = ck_ca_set_option(ca, "multiplesan", on)) != 0)
		code = fail(r, "server option");
	ck_ca_close(ca);
	return code;
}

int
cmd_enableopt(struct ctx *c)
{
	return setopt(c, 1);
}

int
cmd_disableopt(struct ctx *c)
{
	return setopt(c, 0);
}

int
cmd_getopt(struct ctx *c)
{
	struct ck_ca *ca = NULL;
	int r, on = 0, code = 0;

	(void)c;
	if ((r = ck_ca_open(NULL, &ca)) != 0 || (r = ck_ca_get_option(ca, "multiplesan", &on)) != 0)
		code = fail(r, "server option");
	else if (on)
		printf("multiplesan\n");
	ck_ca_close(ca);
	return code;
}

/* Milliseconds between polls: 10 s, or CERTKIT_TEST_POLL_MS (a testing
 * aid, certool(1) ENVIRONMENT). */
static long
poll_ms(void)
{
	const char *e = ck_test_getenv("CERTKIT_TEST_POLL_MS");
	long ms;

	if (e != NULL && ck_parse_long(e, 0, 10000, &ms) == 0)
		return ms;
	return 10000;
}

int
cmd_waitvmca(struct ctx *c)
{
	struct ck_ca *ca = NULL;
	long minutes, ms = poll_ms();
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int r, code, dots = 0;

	if ((code = num_opt(c, O_WAIT, 3, 1, 24 * 60, &minutes)) != 0)
		return code;
	/* Poll every 10 s, printing a dot each time, as VMware does; each poll
	 * counts 10 s of --wait whatever the test interval. */
	for (long waited = 0;; waited += 10) {
		if ((r = ck_ca_open(NULL, &ca)) != 0) {
			code = fail(r, "VMCA");
			break;
		}
		r = ck_ca_has_root(ca);
		ck_ca_close(ca);
		if (r)
			break;
		if (waited >= minutes * 60) {
			code = failx(E_TIMEOUT, "no VMCA root appeared within %ld minutes", minutes);
			break;
		}
		printf(".");
		fflush(stdout);
		dots = 1;
		nanosleep(&ts, NULL);
	}
	/* end the line of dots, so the Status trailer starts its own line */
	if (dots)
		printf("\n");
	return code;
}

int
cmd_waitvmdir(struct ctx *c)
{
	long minutes;

	/* there is no directory service to wait for; only check --wait */
	return num_opt(c, O_WAIT, 3, 1, 24 * 60, &minutes);
}

/* VMware publishes the VMCA's roots to vmdir, from where every node's
 * VECS takes them; here they go straight into TRUSTED_ROOTS and the CA
 * directory (ca_trust.h).  No VMCA root: nothing to publish, as VMware. */
int
cmd_publish_roots(struct ctx *c)
{
	struct ck_ca *ca = NULL;
	int r, code;

	(void)c;
	if ((r = ck_ca_open(NULL, &ca)) != 0)
		return fail(r, "VMCA");
	if (!ck_ca_has_root(ca))
		code = failx(E_ROOT_MISSING, "no VMCA root in %s to publish: create one with "
		    "--selfca or install one with --rootca", ck_ca_dir(ca));
	else
		code = trust_new_root(NULL, ck_ca_chain(ca));
	ck_ca_close(ca);
	return code;
}

int
cmd_getdc(struct ctx *c)
{
	printf("Default Domain Name : %s\n", c->val[O_DOMAIN] ? c->val[O_DOMAIN] : "vsphere.local");
	return 0;
}
