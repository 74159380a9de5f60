/*
 * cmd_crl.c: revocation and what is derived from the index: --revokecert,
 * --status, --enumcert, --gencrl, --getcrl, --viewcrl; and --version,
 * --viewerror.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "certinfo.h"
#include "certool.h"
#include "err.h"
#include "pki.h"
#include "util.h"
#include "x509gen.h"

/* Load --cert and open the VMCA. */
static int
cert_and_ca(struct ctx *c, X509 **x, struct ck_ca **ca)
{
	int r, code;

	if ((code = need(c, O_CERT)) != 0)
		return code;
	if ((r = ck_cert_load(c->val[O_CERT], x)) != 0)
		return fail(r, c->val[O_CERT]);
	if ((r = ck_ca_open(NULL, ca)) != 0) {
		X509_free(*x);
		*x = NULL;
		return fail(r, "VMCA");
	}
	return 0;
}

int
cmd_revokecert(struct ctx *c)
{
	struct ck_ca *ca = NULL;
	X509 *x = NULL;
	int r, code;

	if ((code = cert_and_ca(c, &x, &ca)) != 0)
		return code;
	if ((r = ck_ca_revoke(ca, x, 0)) != 0)
		code = fail(r, c->val[O_CERT]);
	ck_ca_close(ca);
	X509_free(x);
	return code;
}

/* x as Tls.Info JSON on stdout, with "status" first when given, then end. */
static int
print_json(X509 *x, const char *status, const char *end)
{
	char extra[64], *json = NULL;
	int r;

	if (status != NULL)
		snprintf(extra, sizeof(extra), "\"status\": \"%s\", ", status);
	if ((r = ck_certinfo_json(x, NULL, 0, status != NULL ? extra : NULL, &json)) != 0)
		return fail(r, NULL);
	printf("%s%s", json, end);
	free(json);
	return 0;
}

int
cmd_status(struct ctx *c)
{
	static const char *const names[] = { "ACTIVE", "REVOKED", "EXPIRED", "UNKNOWN" };
	struct ck_ca *ca = NULL;
	enum ck_cert_status st;
	X509 *x = NULL;
	int r, code;

	if ((code = cert_and_ca(c, &x, &ca)) != 0)
		return code;
	if ((r = ck_ca_status(ca, x, &st)) != 0)
		code = fail(r, c->val[O_CERT]);
	else if (c->val[O_JSON] != NULL)
		code = print_json(x, names[st], "\n");
	else
		printf("Certificate : %s\n", names[st]);
	ck_ca_close(ca);
	X509_free(x);
	return code;
}

struct enumctx {
	int n;
	int json;
};

static int
print_one(void *u, X509 *x, enum ck_cert_status st)
{
	struct enumctx *e = u;
	char *pem = NULL, *text = NULL;
	int r;

	if (e->json) {
		static const char *const names[] = { "ACTIVE", "REVOKED", "EXPIRED", "UNKNOWN" };
		fputs(e->n++ ? ",\n  " : "\n  ", stdout);
		return print_json(x, names[st], "") == 0 ? 0 : CK_E_NOMEM;
	}
	if ((r = ck_cert_to_pem(x, &pem, NULL)) != 0 || (r = ck_cert_text(x, &text)) != 0) {
		free(pem);
		return r;
	}
	fprintf(stderr, "Cert index: %d\n", e->n++);
	printf("Cert \n%s\n%s\n", pem, text);
	free(text);
	free(pem);
	return 0;
}

int
cmd_enumcert(struct ctx *c)
{
	static const struct {
		const char *name;
		enum ck_enum_filter f;
	} filters[] = {
		{ "active", CK_ENUM_ACTIVE }, { "revoked", CK_ENUM_REVOKED },
		{ "expired", CK_ENUM_EXPIRED }, { "all", CK_ENUM_ALL },
	};
	struct enumctx e = { 0, c->val[O_JSON] != NULL };
	struct ck_ca *ca = NULL;
	int f = -1, r, code;

	if ((code = need(c, O_FILTER)) != 0)
		return code;
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (ck_strcaseeq(c->val[O_FILTER], filters[i].name))
			f = (int)filters[i].f;
	if (f < 0)
		return failx(E_ARGS, "--filter=%s: use active, revoked, expired or all",
		    c->val[O_FILTER]);
	if ((r = ck_ca_open(NULL, &ca)) != 0)
		return fail(r, "VMCA");
	if (e.json)
		fputs("[", stdout);
	if ((r = ck_ca_enum(ca, (enum ck_enum_filter)f, print_one, &e)) != 0)
		code = fail(r, "enumerating");
	if (e.json)
		fputs(e.n ? "\n]\n" : "]\n", stdout);
	ck_ca_close(ca);
	return code;
}

int
cmd_gencrl(struct ctx *c)
{
	struct ck_ca *ca = NULL;
	int r, code = 0;

	(void)c;
	if ((r = ck_ca_open(NULL, &ca)) != 0 || (r = ck_ca_gen_crl(ca, NULL)) != 0)
		code = fail(r, "CRL");
	ck_ca_close(ca);
	return code;
}

int
cmd_getcrl(struct ctx *c)
{
	struct outset o = { .n = 0 };
	struct ck_ca *ca = NULL;
	X509_CRL *crl = NULL;
	char *pem = NULL;
	size_t len;
	int r, code;

	if ((code = need(c, O_CRL)) != 0)
		return code;
	if ((r = ck_ca_open(NULL, &ca)) != 0 || (r = ck_ca_get_crl(ca, &crl)) != 0 ||
	    (r = ck_crl_to_pem(crl, &pem, &len)) != 0) {
		code = fail(r, "CRL");
		goto out;
	}
	if (out_add(&o, c->val[O_CRL], pem, len, 0644, 0) != 0) {
		code = fail(CK_E_LIMIT, NULL);
		goto out;
	}
	pem = NULL;
	code = out_commit(&o);
out:
	free(pem);
	out_free(&o);
	X509_CRL_free(crl);
	ck_ca_close(ca);
	return code;
}

int
cmd_viewcrl(struct ctx *c)
{
	X509_CRL *crl = NULL;
	char *text = NULL;
	int r, code;

	if ((code = need(c, O_CRL)) != 0)
		return code;
	if ((r = ck_crl_load(c->val[O_CRL], &crl)) != 0)
		return fail(r, c->val[O_CRL]);
	if ((r = ck_crl_text(crl, &text)) != 0)
		code = fail(r, c->val[O_CRL]);
	else
		printf("CRL Info : \n%s\n", text);
	free(text);
	X509_CRL_free(crl);
	return code;
}

int
cmd_version(struct ctx *c)
{
	(void)c;
	printf("certkit certool - Version %s (local VMCA; compatible with VMware Certificate "
	    "Server 2.0.0)\n", PACKAGE_VERSION);
	return 0;
}

int
cmd_viewerror(struct ctx *c)
{
	long n;

	if (ck_parse_long(c->val[O_VIEWERROR], 0, 1L << 30, &n) != 0)
		return failx(E_ARGS, "--viewerror=%s: give an error code such as 70003",
		    c->val[O_VIEWERROR]);
	if (code_name((int)n) == NULL)
		return failx(E_ARGS, "%ld is not a certool error code (see certool(1) "
		    "EXIT STATUS)", n);
	printf("Short Error : %s\n%s\n", code_name((int)n), code_message((int)n));
	return 0;
}
