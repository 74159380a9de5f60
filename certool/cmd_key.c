/* cmd_key.c: --genkey, --gencsr (--initcsr), --gencsrfromcert. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ca.h"
#include "certool.h"
#include "err.h"
#include "node.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "x509gen.h"

/* Queue the private key (PKCS#8, encrypted if a password was given). */
static int
queue_key(struct ctx *c, struct outset *o, const char *path, EVP_PKEY *k)
{
	const char *pw;
	char *pem = NULL;
	size_t len;
	int r;

	if ((r = new_key_password(c, &pw)) != 0)
		return r;
	if ((r = ck_key_to_pem(k, pw, &pem, &len)) != 0)
		return fail(r, path);
	if (out_add(o, path, pem, len, 0600, 1) != 0) {
		ck_secfree(pem);
		return fail(CK_E_LIMIT, path);
	}
	return 0;
}

static int
queue_pub(struct outset *o, const char *path, EVP_PKEY *k, int pkcs1)
{
	char *pem = NULL;
	size_t len;
	int r;

	if ((r = ck_pubkey_to_pem(k, pkcs1, &pem, &len)) != 0)
		return fail(r, path);
	if (out_add(o, path, pem, len, 0644, 0) != 0) {
		free(pem);
		return fail(CK_E_LIMIT, path);
	}
	return 0;
}

int
cmd_genkey(struct ctx *c)
{
	struct outset o = { .n = 0 };
	EVP_PKEY *k = NULL;
	int code;

	if ((code = need(c, O_PRIVKEY)) != 0)
		return code;
	if ((code = new_key(c, CK_VMWARE_KEY_BITS, &k)) != 0)
		goto out;
	if ((code = queue_key(c, &o, c->val[O_PRIVKEY], k)) != 0)
		goto out;
	/* PKCS#1 as VMware for RSA; EC has no PKCS#1 form, so SPKI. */
	if (c->val[O_PUBKEY] != NULL &&
	    (code = queue_pub(&o, c->val[O_PUBKEY], k, ck_key_is_rsa(k))) != 0)
		goto out;
	code = out_commit(&o);
out:
	out_free(&o);
	EVP_PKEY_free(k);
	return code;
}

/*
 * --keepkey: keep k in MACHINE_SSL_CERT/__MACHINE_CSR, replacing an
 * earlier CSR's in one write transaction, in the shape vSphere gives that
 * entry: a Private Key entry whose certificate is a self-signed stand-in
 * for the request (its subject, SAN and key; ck_cert_from_req_selfsigned),
 * so `vecs entry getcert --alias __MACHINE_CSR` works as scripts expect.
 * The key is unencrypted PKCS#8, as every key in the store.  svcctl
 * --replace-cert --cert without --key takes it from there when the CA's
 * certificate comes back (the REST API's "the CSR keeps its private key").
 * Runs after the files are written, so a store that cannot be written
 * loses nothing: the key file is there.
 */
static int
keep_csr_key(X509_REQ *req, EVP_PKEY *k)
{
	struct ck_store *st = NULL;
	struct ck_entry *e = NULL;
	X509 *x = NULL;
	char *pem = NULL, *cpem = NULL;
	size_t len = 0, clen = 0;
	int r;

	if ((r = ck_cert_from_req_selfsigned(req, k, CK_CA_DEFAULT_DAYS, &x)) != 0 ||
	    (r = ck_cert_to_pem(x, &cpem, &clen)) != 0 ||
	    (r = ck_key_to_pem(k, NULL, &pem, &len)) != 0 ||
	    (r = ck_entry_build(cpem, clen, pem, len, CK_CSR_KEY_ALIAS, NULL, 0, &e)) != 0 ||
	    (r = ck_store_open(NULL, 0, &st)) != 0 ||
	    (r = ck_store_entry_replace(st, CK_STORE_MACHINE_SSL, e, NULL)) != 0) {
		r = fail(r, "--keepkey: the CSR and key files are written, but the key could "
		    "not be kept in the store (give --key to svcctl --replace-cert)");
		goto out;
	}
	printf("Key kept in store [%s] as [%s]\n", CK_STORE_MACHINE_SSL, CK_CSR_KEY_ALIAS);
out:
	ck_store_close(st);
	ck_entry_free(e);
	ck_secfree(pem);
	free(cpem);
	X509_free(x);
	return r;
}

int
cmd_gencsr(struct ctx *c)
{
	struct outset o = { .n = 0 };
	EVP_PKEY *k = NULL;
	X509_REQ *req = NULL;
	char *pem = NULL;
	size_t len;
	int code, r;

	if ((code = need(c, O_PRIVKEY)) != 0 || (code = need(c, O_PUBKEY)) != 0 ||
	    (code = need(c, O_CSRFILE)) != 0 || (code = load_config(c)) != 0)
		return code;
	/* the API's TlsCsr defaults: CN and SAN = the node's FQDN, 3072 bits */
	if ((r = ck_cfg_node_defaults(c->cfg, NULL, NULL)) != 0) {
		code = fail(r, "the node's FQDN");
		goto out;
	}
	if ((code = new_key(c, CK_API_KEY_BITS, &k)) != 0)
		goto out;
	if ((r = ck_req_from_cfg(c->cfg, k, 0, &req)) != 0) {
		code = fail(r, "CSR");
		goto out;
	}
	if ((r = ck_req_to_pem(req, &pem, &len)) != 0) {
		code = fail(r, c->val[O_CSRFILE]);
		goto out;
	}
	if ((code = queue_key(c, &o, c->val[O_PRIVKEY], k)) != 0 ||
	    (code = queue_pub(&o, c->val[O_PUBKEY], k, 0)) != 0)
		goto out;
	if (out_add(&o, c->val[O_CSRFILE], pem, len, 0644, 0) != 0) {
		code = fail(CK_E_LIMIT, NULL);
		goto out;
	}
	pem = NULL;
	if ((code = out_commit(&o)) == 0 && c->val[O_KEEPKEY] != NULL)
		code = keep_csr_key(req, k);
out:
	free(pem);
	out_free(&o);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return code;
}

int
cmd_initcsr(struct ctx *c)
{
	printf("This is deprecated. Use gencsr instead.\n");
	if (c->val[O_GENCSR] != NULL)
		return 0;	/* --gencsr already ran */
	return cmd_gencsr(c);
}

int
cmd_gencsrfromcert(struct ctx *c)
{
	struct outset o = { .n = 0 };
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	X509_REQ *req = NULL;
	char *pem = NULL;
	size_t len;
	int code, r;

	if ((code = need(c, O_CERT)) != 0 || (code = need(c, O_PRIVKEY)) != 0 ||
	    (code = need(c, O_CSRFILE)) != 0)
		return code;
	if ((r = ck_cert_load(c->val[O_CERT], &x)) != 0) {
		code = r == CK_E_NOENT ? fail(r, c->val[O_CERT]) :
		    failc(E_CERT_DECODE, r, c->val[O_CERT]);
		goto out;
	}
	if ((code = load_key(c, c->val[O_PRIVKEY], &k)) != 0) {
		if (code == E_KEY_IO)
			code = E_KEY_DECODE;
		goto out;
	}
	if ((r = ck_req_from_cert(x, k, &req)) != 0 || (r = ck_req_to_pem(req, &pem, &len)) != 0) {
		code = failc(E_CSR_CREATE, r, c->val[O_CSRFILE]);
		goto out;
	}
	if (out_add(&o, c->val[O_CSRFILE], pem, len, 0644, 0) != 0) {
		code = fail(CK_E_LIMIT, NULL);
		goto out;
	}
	pem = NULL;
	code = out_commit(&o);
out:
	free(pem);
	out_free(&o);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	X509_free(x);
	return code;
}
