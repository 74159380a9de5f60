/* cmd_cert.c: --gencert, --gencertfromcsr, --genCIScert, --renewcert, --viewcert. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "ca.h"
#include "certinfo.h"
#include "certool.h"
#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "util.h"
#include "testhook.h"
#include "x509gen.h"

static int
sign_opts(struct ctx *c, struct ck_sign_opts *so)
{
	long days;
	int code;

	memset(so, 0, sizeof(*so));
	if ((code = num_opt(c, O_DAYS, CK_CA_DEFAULT_DAYS, 1, CK_CA_MAX_DAYS, &days)) != 0)
		return code == E_ARGS ? E_TIME : code;
	so->days = (int)days;
	/* recorded by deliver() once written */
	so->flags = CK_SIGN_NO_RECORD;
	if (c->val[O_ALLOW_WILDCARD] != NULL)
		so->flags |= CK_SIGN_ALLOW_WILDCARD;
	if (c->val[O_ALLOW_CA] != NULL)
		so->flags |= CK_SIGN_ALLOW_CA;
	if (c->val[O_ALLOW_EXTENSIONS] != NULL)
		so->flags |= CK_SIGN_ALLOW_EXTENSIONS;
	if (c->val[O_DATAENC] != NULL)
		so->flags |= CK_SIGN_DATAENC;
	so->aia_url = c->val[O_AIA_URL];
	return 0;
}

/* Queue the leaf (and the chain, into --cert or --chain) in o and stage
 * them (out_stage): nothing is in place until out_install. */
static int
stage_issued(struct ctx *c, const char *certpath, X509 *leaf, STACK_OF(X509) *chain,
    struct outset *o)
{
	char *lpem = NULL, *cpem = NULL, *both = NULL;
	size_t llen, clen = 0;
	int r, code;

	/* an empty chain (a root VMCA) is an empty string, not an empty
	 * PEM conversion */
	if ((r = ck_cert_to_pem(leaf, &lpem, &llen)) != 0 ||
	    (sk_X509_num(chain) > 0 && (r = ck_certs_to_pem(chain, &cpem, &clen)) != 0)) {
		code = fail(r, certpath);
		goto out;
	}
	if (cpem == NULL && (cpem = strdup("")) == NULL) {
		code = fail(CK_E_NOMEM, NULL);
		goto out;
	}
	if (c->val[O_CHAIN] != NULL) {
		if (out_add(o, certpath, lpem, llen, 0644, 0) != 0 ||
		    out_add(o, c->val[O_CHAIN], cpem, clen, 0644, 0) != 0) {
			code = fail(CK_E_LIMIT, NULL);
			goto out;
		}
		lpem = cpem = NULL;
	} else {
		/* VMware's form: the leaf, then the chain minus its root */
		if ((both = malloc(llen + clen + 1)) == NULL) {
			code = fail(CK_E_NOMEM, NULL);
			goto out;
		}
		memcpy(both, lpem, llen);
		if (clen > 0)
			memcpy(both + llen, cpem, clen);
		both[llen + clen] = '\0';
		if (out_add(o, certpath, both, llen + clen, 0644, 0) != 0) {
			code = fail(CK_E_LIMIT, NULL);
			goto out;
		}
		both = NULL;
	}
	code = out_stage(o);
out:
	free(both);
	free(cpem);
	free(lpem);
	return code;
}

/*
 * Record first, deliver second (issue 11 item 13): the leaf and chain are
 * staged as files while the index transaction runs on a thread (the two
 * syncs overlap), and the files are renamed into place only once the
 * record is committed.  So a certificate anybody can find at --cert is
 * always in the index (revocable); a crash before the renames leaves a
 * record without a file (never delivered, still revocable) and staged
 * files the next run removes.  If staging fails, the record is deleted
 * again, durably; if recording fails, the staged files are removed.
 */
static int
deliver(struct ctx *c, struct ck_ca *ca, const char *certpath, X509 *leaf,
    STACK_OF(X509) *chain)
{
	struct ck_ca_pending *p = NULL;
	struct outset o = { .n = 0 };
	int r, code;

	if ((r = ck_ca_record_begin(ca, leaf, &p)) != 0)
		return fail(r, "VMCA index");
	code = stage_issued(c, certpath, leaf, chain, &o);
	r = ck_ca_record_end(p, code == 0);
	if (code != 0) {
		if (r != 0)
			(void)fail(r, "VMCA index: the certificate not written is still recorded");
		goto out;
	}
	if (r != 0) {
		code = fail(r, "VMCA index");
		code = failx(code, "%s: not written: the certificate could not be recorded in "
		    "the VMCA index, so it could not be revoked; fix the index and issue it "
		    "again", certpath);
		goto out;
	}
	ck_test_kill("certool-recorded");
	code = out_install(&o);
out:
	out_free(&o);
	return code;
}

/* Sign cfg for key with the VMCA and write the result to --cert. */
static int
sign_and_write(struct ctx *c, const struct ck_cfg *cfg, EVP_PKEY *k)
{
	struct ck_sign_opts so;
	struct ck_ca *ca = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	int r, code;

	if ((code = sign_opts(c, &so)) != 0)
		return code;
	if ((r = ck_ca_open(NULL, &ca)) != 0)
		return fail(r, "VMCA");
	if ((r = ck_ca_sign_config(ca, cfg, k, &so, &leaf, &chain)) != 0) {
		code = fail(r, "signing");
		goto out;
	}
	code = deliver(c, ca, c->val[O_CERT], leaf, chain);
out:
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	ck_ca_close(ca);
	return code;
}

int
cmd_gencert(struct ctx *c)
{
	EVP_PKEY *k = NULL;
	int code;

	if ((code = need(c, O_PRIVKEY)) != 0 || (code = need(c, O_CERT)) != 0 ||
	    (code = load_config(c)) != 0)
		return code;
	if ((code = load_key(c, c->val[O_PRIVKEY], &k)) != 0)
		return code;
	code = sign_and_write(c, c->cfg, k);
	EVP_PKEY_free(k);
	return code;
}

int
cmd_gencertfromcsr(struct ctx *c)
{
	struct ck_sign_opts so;
	struct ck_ca *ca = NULL;
	X509_REQ *req = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	int r, code;

	if ((code = need(c, O_CSRFILE)) != 0 || (code = need(c, O_CERT)) != 0 ||
	    (code = sign_opts(c, &so)) != 0)
		return code;
	if ((r = ck_req_load(c->val[O_CSRFILE], &req)) != 0)
		return r == CK_E_FORMAT ? failc(E_CSR_FIELD, r, NULL) : fail(r, c->val[O_CSRFILE]);
	if ((r = ck_ca_open(NULL, &ca)) != 0) {
		code = fail(r, "VMCA");
		goto out;
	}
	if ((r = ck_ca_sign_req(ca, req, &so, &leaf, &chain)) != 0) {
		code = fail(r, c->val[O_CSRFILE]);
		goto out;
	}
	code = deliver(c, ca, c->val[O_CERT], leaf, chain);
out:
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	ck_ca_close(ca);
	X509_REQ_free(req);
	return code;
}

/* The machine id VMware keeps in vmafd: a UUID stored once in the state
 * directory, made on first use. */
static int
machine_id(char *out, size_t len)
{
	char *path = ck_path_join(CK_PATH_STATE, "machine-id"), *buf = NULL;
	unsigned char u[16];
	size_t n;
	int r;

	if (path == NULL)
		return CK_E_NOMEM;
	r = ck_file_read(path, 256, &buf, &n, 0);
	if (r == 0) {
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		snprintf(out, len, "%s", buf);
		free(buf);
		if (out[0] != '\0')
			goto done;
		r = CK_E_FORMAT;
	}
	if (r != CK_E_NOENT && r != CK_E_FORMAT)
		goto done;
	if (RAND_bytes(u, sizeof(u)) != 1) {
		r = ck_errf(CK_E_CRYPTO, "RAND_bytes");
		goto done;
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
	    u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	if ((r = ck_mkdir_p(ck_path(CK_PATH_STATE), 0755)) == 0) {
		char line[160];
		snprintf(line, sizeof(line), "%s\n", out);
		r = ck_file_write(path, line, strlen(line), 0644, 0);
	}
done:
	free(path);
	return r == CK_E_NOENT ? 0 : r;
}

/*
 * As VMware's certool (Lightwave's VMCAGenCISCert): the solution user's
 * certificate (as written to --cert, with its chain) and key go into the
 * VECS store named by --Name, under the alias --Name, the store created if
 * needed and an earlier entry replaced in one transaction.  Scripts delete
 * that entry and rely on --genCIScert to make it again.  The key is kept
 * unencrypted (PKCS#8), as every key in the store.
 */
static int
store_ciscert(struct ctx *c, EVP_PKEY *k)
{
	const char *name = c->val[O_NAME];
	struct ck_store *st = NULL;
	struct ck_entry *e = NULL;
	char *cert = NULL, *pem = NULL;
	size_t clen = 0, len = 0;
	int r;

	if ((r = ck_file_read(c->val[O_CERT], CK_PEM_MAX, &cert, &clen, 0)) != 0 ||
	    (r = ck_key_to_pem(k, NULL, &pem, &len)) != 0 ||
	    (r = ck_entry_build(cert, clen, pem, len, name, NULL, 0, &e)) != 0 ||
	    (r = ck_store_open(NULL, 0, &st)) != 0)
		goto failed;
	r = ck_store_create(st, name, (uint32_t)getuid());
	if ((r != 0 && r != CK_E_EXIST) ||
	    (r = ck_store_entry_replace(st, name, e, NULL)) != 0)
		goto failed;
	printf("Certificate and key stored in [%s] as [%s]\n", name, e->alias);
	r = 0;
	goto out;
failed:
	r = fail(r, "--genCIScert: the certificate and key files are written, but could not be "
	    "stored in VECS");
out:
	ck_store_close(st);
	ck_entry_free(e);
	ck_secfree(pem);
	free(cert);
	return r;
}

int
cmd_genciscert(struct ctx *c)
{
	struct ck_cfg *cfg = NULL;
	EVP_PKEY *k = NULL;
	char mid[128], ou[160];
	const char *dom = c->val[O_DOMAIN] ? c->val[O_DOMAIN] : "vsphere.local";
	int r, code;

	if ((code = need(c, O_PRIVKEY)) != 0 || (code = need(c, O_CERT)) != 0)
		return code;
	/* Read a config only when one is named, as VMware does not read one. */
	if (c->val[O_CONFIG] != NULL) {
		if ((code = load_config(c)) != 0)
			return code;
		r = ck_cfg_dup(c->cfg, &cfg);
	} else {
		if ((r = ck_cfg_new(&cfg)) == 0 && (code = apply_cli_cfg(c, cfg)) != 0)
			goto out;
	}
	if (r != 0) {
		code = fail(r, NULL);
		goto out;
	}
	if ((r = machine_id(mid, sizeof(mid))) != 0) {
		code = fail(r, "machine id");
		goto out;
	}
	snprintf(ou, sizeof(ou), "mID-%s", mid);
	if ((r = ck_cfg_set(cfg, CK_CFG_ORGUNIT, ou)) != 0 ||
	    (r = ck_cfg_set(cfg, CK_CFG_DOMAINCOMPONENT, dom)) != 0 ||
	    (ck_cfg_get(cfg, CK_CFG_COUNTRY) == NULL &&
	    (r = ck_cfg_set(cfg, CK_CFG_COUNTRY, "US")) != 0) ||
	    (c->val[O_FQDN] != NULL && (r = ck_cfg_set(cfg, CK_CFG_HOSTNAME, c->val[O_FQDN])) != 0)) {
		code = fail(r, NULL);
		goto out;
	}
	if ((code = load_key(c, c->val[O_PRIVKEY], &k)) != 0)
		goto out;
	if ((code = sign_and_write(c, cfg, k)) == 0 && c->val[O_NAME] != NULL &&
	    c->val[O_NAME][0] != '\0')
		code = store_ciscert(c, k);
out:
	EVP_PKEY_free(k);
	ck_cfg_free(cfg);
	return code;
}

int
cmd_renewcert(struct ctx *c)
{
	struct ck_ca *ca = NULL;
	X509 *old = NULL, *x = NULL;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *k = NULL;
	const char *outp;
	long days;
	int r, code;

	if ((code = need(c, O_CERT)) != 0)
		return code;
	if ((code = num_opt(c, O_DAYS, CK_CA_DEFAULT_DAYS, 1, CK_CA_RENEW_MAX_DAYS, &days)) != 0)
		return E_TIME;
	outp = c->val[O_OUTCERT] ? c->val[O_OUTCERT] : c->val[O_CERT];
	if ((r = ck_cert_load(c->val[O_CERT], &old)) != 0)
		return fail(r, c->val[O_CERT]);
	if (c->val[O_PRIVKEY] != NULL && (code = load_key(c, c->val[O_PRIVKEY], &k)) != 0)
		goto out;
	if ((r = ck_ca_open(NULL, &ca)) != 0 ||
	    (r = ck_ca_renew(ca, old, k, (int)days, CK_SIGN_NO_RECORD |
	    (c->val[O_ALLOW_CA] != NULL ? CK_SIGN_ALLOW_CA : 0), &x, &chain)) != 0) {
		code = fail(r, c->val[O_CERT]);
		goto out;
	}
	/* leaf + chain, as --gencert writes them */
	code = deliver(c, ca, outp, x, chain);
out:
	sk_X509_pop_free(chain, X509_free);
	X509_free(x);
	ck_ca_close(ca);
	EVP_PKEY_free(k);
	X509_free(old);
	return code;
}

int
cmd_viewcert(struct ctx *c)
{
	X509 *x = NULL;
	char *text = NULL;
	int r, code;

	if ((code = need(c, O_CERT)) != 0)
		return code;
	if ((r = ck_cert_load(c->val[O_CERT], &x)) != 0)
		return fail(r, c->val[O_CERT]);
	if (c->val[O_JSON] != NULL)
		r = ck_certinfo_json(x, NULL, 0, NULL, &text);
	else
		r = ck_cert_text(x, &text);
	if (r != 0)
		code = fail(r, c->val[O_CERT]);
	else
		printf("%s\n", text);
	free(text);
	X509_free(x);
	return code;
}
