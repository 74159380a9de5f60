/*
 * bundle.c: `vecs entry import|export`: PEM trust bundles (one Trusted Cert
 * entry per certificate, alias = thumbprint) and PKCS#12 files of a
 * Private Key entry.  An import is one write transaction: all or nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"
#include "util.h"
#include "vecs.h"

int
vecs_open_store_for(struct vctx *ctx, const char *store, uint32_t want)
{
	int r, missing;

	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = vecs_check_access(ctx, store, want, &missing)) != 0)
		return r;
	if (missing) {
		fprintf(stderr, "Error: Failed to open the store.\n");
		return vfail(W_OBJECT_NOT_FOUND);
	}
	return 0;
}

int
vecs_read_bundle(const char *path, STACK_OF(X509) **out)
{
	BIO *in = NULL;
	char *buf = NULL;
	size_t len = 0;
	X509 *x = NULL;
	unsigned long err;
	int r;

	*out = NULL;
	/* through ck_file_read, which refuses a FIFO or device without blocking */
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 0)) != 0) {
		fprintf(stderr, "Error: Failed to open file [%s] \n", path);
		return vfail_ck(r == CK_E_NOENT ? W_FILE_NOT_FOUND : W_ACCESS_DENIED, r);
	}
	if ((in = BIO_new_mem_buf(buf, (int)len)) == NULL || (*out = sk_X509_new_null()) == NULL) {
		r = vfail_ck(W_NOT_ENOUGH_MEMORY, CK_E_NOMEM);
		goto out;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(*out, x)) {
			X509_free(x);
			r = vfail_ck(W_NOT_ENOUGH_MEMORY, CK_E_NOMEM);
			goto out;
		}
	err = ERR_peek_last_error();
	if (ERR_GET_REASON(err) != PEM_R_NO_START_LINE || sk_X509_num(*out) == 0) {
		fprintf(stderr, "Error: The bundle [%s] %s; nothing was imported \n", path,
		    sk_X509_num(*out) == 0 ? "holds no PEM certificate" :
		    "holds a damaged certificate");
		r = vfail(W_BAD_FORMAT);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	if (r != 0) {
		sk_X509_pop_free(*out, X509_free);
		*out = NULL;
	}
	BIO_free(in);
	free(buf);
	return r;
}

/* Add the bundle's certificates to the store, one transaction. */
static int
import_bundle(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE], *path = ctx->val[O_BUNDLE];
	STACK_OF(X509) *certs = NULL;
	struct ck_entry e;
	char tp[2 * EVP_MAX_MD_SIZE + 1];
	size_t added = 0, skipped = 0;
	int r, intxn = 0;

	memset(&e, 0, sizeof(e));
	if ((r = vecs_read_bundle(path, &certs)) != 0)
		return r;
	if ((r = vecs_open_store_for(ctx, store, CK_ACCESS_WRITE)) != 0)
		goto out;
	if ((r = ck_store_txn_begin(ctx->st, 1)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	intxn = 1;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		e.type = CK_ENTRY_TRUSTED_CERT;
		e.alias = tp;
		if ((r = ck_cert_digest_hex(x, EVP_sha1(), tp)) != 0 ||
		    (r = ck_cert_to_pem(x, &e.cert_pem, &e.cert_len)) != 0) {
			r = vfail_ck(vecs_code(r), r);
			goto out;
		}
		r = ck_store_entry_add(ctx->st, store, &e);
		free(e.cert_pem);
		e.cert_pem = NULL;
		if (r == CK_E_EXIST) {
			fprintf(stderr, "Skipped: certificate [%s] is already in store [%s] \n",
			    tp, store);
			skipped++;
			continue;
		}
		if (r != 0) {
			fprintf(stderr, "Error: Failed to import the bundle [%s] into store [%s]; "
			    "the store is unchanged \n", path, store);
			r = vfail_ck(vecs_code(r), r);
			goto out;
		}
		added++;
	}
	intxn = 0;
	if ((r = ck_store_txn_commit(ctx->st)) != 0) {
		fprintf(stderr, "Error: Failed to import the bundle [%s] into store [%s]; "
		    "the store is unchanged \n", path, store);
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	printf("Imported %zu certificates into store [%s], skipped %zu duplicates \n",
	    added, store, skipped);
	r = vecs_autopublish(ctx->st, store);
out:
	if (intxn)
		ck_store_txn_abort(ctx->st);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

static int
import_p12(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE], *path = ctx->val[O_P12];
	char *buf = NULL, *pw = NULL, *cpem = NULL, *kpem = NULL, *chain = NULL;
	size_t len = 0, clen = 0, klen = 0, chlen = 0;
	const unsigned char *p;
	PKCS12 *p12 = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	STACK_OF(X509) *ca = NULL;
	struct ck_entry *e = NULL;
	int r;

	if (!ctx->set[O_PASSWORD_FILE])
		return vsyntax(ctx->cmd, "Error: --p12 needs --password-file \n");
	if ((r = vecs_password(ctx, &pw)) != 0)
		return r;
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 1)) != 0) {
		fprintf(stderr, "Error: Failed to open file [%s] \n", path);
		r = vfail_ck(r == CK_E_NOENT ? W_FILE_NOT_FOUND : vecs_code(r), r);
		goto out;
	}
	p = (const unsigned char *)buf;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		fprintf(stderr, "Error: [%s] is not a PKCS#12 file \n", path);
		r = vfail(W_BAD_FORMAT);
		goto out;
	}
	/* every iteration count before any key derivation: a hostile count stalls */
	if ((r = ck_p12_check_iter(p12, pw)) != 0 && r != CK_E_PASSWORD) {
		fprintf(stderr, "Error: Refusing the PKCS#12 file [%s] \n", path);
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	ck_err_clear();
	if (r != 0 || !PKCS12_verify_mac(p12, pw, -1) || !PKCS12_parse(p12, pw, &k, &x, &ca)) {
		fprintf(stderr, "Error: Cannot open the PKCS#12 file [%s]: wrong password \n", path);
		r = vfail(W_WRONG_PASSWORD);
		goto out;
	}
	if (k == NULL || x == NULL) {
		fprintf(stderr, "Error: The PKCS#12 file [%s] holds no private key with its "
		    "certificate \n", path);
		r = vfail(W_BAD_FORMAT);
		goto out;
	}
	if ((r = ck_cert_to_pem(x, &cpem, &clen)) != 0 ||
	    (r = ck_key_to_pem(k, NULL, &kpem, &klen)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	if (ca != NULL && sk_X509_num(ca) > 0) {
		char *capem = NULL;
		size_t calen = 0;
		if ((r = ck_certs_to_pem(ca, &capem, &calen)) != 0 ||
		    (chain = malloc(clen + calen + 1)) == NULL) {
			free(capem);
			r = vfail_ck(vecs_code(r ? r : CK_E_NOMEM), r);
			goto out;
		}
		memcpy(chain, cpem, clen);
		memcpy(chain + clen, capem, calen);
		chlen = clen + calen;
		chain[chlen] = '\0';
		free(capem);
	}
	if ((r = ck_entry_build(chain ? chain : cpem, chain ? chlen : clen, kpem, klen,
	    ctx->val[O_ALIAS], NULL, 0, &e)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	if ((r = vecs_open_store_for(ctx, store, CK_ACCESS_WRITE)) != 0)
		goto out;
	r = ctx->set[O_REPLACE] ? ck_store_entry_replace(ctx->st, store, e, CK_STORE_BACKUP) :
	    ck_store_entry_add(ctx->st, store, e);
	if (r != 0) {
		if (r == CK_E_EXIST)
			fprintf(stderr, "Error: An entry with alias [%s] already exists in store [%s] "
			    "(--replace replaces it) \n", e->alias, store);
		r = vfail_ck(vecs_code(r), r == CK_E_EXIST ? 0 : r);
		goto out;
	}
	printf("Entry with alias [%s] in store [%s] was created successfully \n", e->alias, store);
	if (ctx->set[O_REPLACE])
		fprintf(stderr, "Note: the store entry was replaced; nothing was validated against "
		    "the node (FQDN, chain, expiry), no service was restarted and nothing verified "
		    "what they serve: svcctl --replace-cert --p12 does all of that, with rollback \n");
	r = vecs_autopublish(ctx->st, store);
out:
	ck_entry_free(e);
	free(chain);
	free(cpem);
	ck_secfree(kpem);
	sk_X509_pop_free(ca, X509_free);
	X509_free(x);
	EVP_PKEY_free(k);
	PKCS12_free(p12);
	ck_secfree(buf);
	ck_secfree(pw);
	return r;
}

int
cmd_entry_import(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE];

	if (store == NULL || *store == '\0') {
		fprintf(stderr, "Error: The store name [%s] is invalid \n", store ? store : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if (ctx->set[O_BUNDLE] == ctx->set[O_P12] || (ctx->set[O_BUNDLE] && ctx->set[O_P12]))
		return vsyntax(ctx->cmd, "Error: Give exactly one of --bundle or --p12 \n");
	if (ctx->set[O_BUNDLE] && (ctx->set[O_ALIAS] || ctx->set[O_REPLACE] ||
	    ctx->set[O_PASSWORD_FILE]))
		return vsyntax(ctx->cmd, "Error: --bundle takes no --alias, --replace or "
		    "--password-file: aliases are thumbprints and duplicates are skipped \n");
	if (!ctx->set[O_SYNC] && (ctx->set[O_DRY_RUN] || ctx->set[O_REMOVE_VMCA_ROOTS]))
		return vsyntax(ctx->cmd, "Error: --dry-run and --remove-vmca-roots go with --sync \n");
	if (ctx->set[O_SYNC] && !ctx->set[O_BUNDLE])
		return vsyntax(ctx->cmd, "Error: --sync goes with --bundle \n");
	if (ctx->set[O_SYNC])
		return vecs_import_sync(ctx);
	return ctx->set[O_BUNDLE] ? import_bundle(ctx) : import_p12(ctx);
}

struct exp {
	char *buf;
	size_t len, cap;
	FILE *out;
	size_t n;
};

static int
export_one(const struct ck_entry *e, void *arg)
{
	struct exp *x = arg;

	if (e->cert_len == 0 || e->type == CK_ENTRY_CRL || e->type == CK_ENTRY_SECRET_KEY)
		return 0;
	x->n++;
	if (x->out != NULL) {
		fwrite(e->cert_pem, 1, e->cert_len, x->out);
		return 0;
	}
	if (x->len + e->cert_len > x->cap) {
		size_t cap = (x->cap ? x->cap * 2 : 65536) + e->cert_len;
		char *p = realloc(x->buf, cap);
		if (p == NULL)
			return CK_E_NOMEM;
		x->buf = p;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, e->cert_pem, e->cert_len);
	x->len += e->cert_len;
	return 0;
}

static int
export_p12(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE], *alias = ctx->val[O_ALIAS];
	struct ck_entry *e = NULL;
	STACK_OF(X509) *sk = NULL;
	EVP_PKEY *k = NULL;
	X509 *leaf;
	PKCS12 *p12 = NULL;
	unsigned char *der = NULL;
	char *pw = NULL;
	int r, n;

	if (!ctx->set[O_PASSWORD_FILE] || alias == NULL || *alias == '\0')
		return vsyntax(ctx->cmd, "Error: --p12 needs --alias and --password-file \n");
	if ((r = vecs_password(ctx, &pw)) != 0)
		return r;
	if ((r = vecs_open_store_for(ctx, store, CK_ACCESS_READ)) != 0)
		goto out;
	if ((r = ck_store_entry_get(ctx->st, store, alias, &e)) != 0) {
		if (r == CK_E_NOENT)
			fprintf(stderr, "Error: No entry with alias [%s] in store [%s] \n", alias, store);
		r = vfail_ck(vecs_code(r), r == CK_E_NOENT ? 0 : r);
		goto out;
	}
	if (e->type != CK_ENTRY_PRIVATE_KEY && e->type != CK_ENTRY_ENCRYPTED_KEY) {
		fprintf(stderr, "Error: No key was found for entry [%s] of type [%s]\n",
		    e->alias, ck_entry_type_name(e->type));
		r = vfail(W_INVALID_PARAMETER);
		goto out;
	}
	/* an Encrypted Private Key opens with the same password */
	if ((r = ck_key_parse(e->key, e->key_len, e->type == CK_ENTRY_ENCRYPTED_KEY ? pw : NULL,
	    &k)) != 0) {
		fprintf(stderr, "Error: Cannot read the private key of entry [%s] \n", e->alias);
		r = vfail_ck(r == CK_E_PASSWORD ? W_WRONG_PASSWORD : vecs_code(r), r);
		goto out;
	}
	if ((r = ck_certs_parse(e->cert_pem, e->cert_len, &sk)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	leaf = sk_X509_shift(sk);
	p12 = PKCS12_create_ex(pw, e->alias, k, leaf, sk, NID_aes_256_cbc, NID_aes_256_cbc,
	    0, 0, 0, NULL, NULL);
	X509_free(leaf);
	if (p12 == NULL || (n = i2d_PKCS12(p12, &der)) <= 0) {
		r = vfail_ck(W_BAD_FORMAT, ck_errssl(CK_E_CRYPTO, "PKCS12_create"));
		goto out;
	}
	if ((r = ck_file_write(ctx->val[O_P12], der, (size_t)n, 0600, 0)) != 0) {
		fprintf(stderr, "Error: Failed to write file [%s] \n", ctx->val[O_P12]);
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	r = 0;
out:
	OPENSSL_free(der);
	PKCS12_free(p12);
	ck_certs_free(sk);
	EVP_PKEY_free(k);
	ck_entry_free(e);
	ck_secfree(pw);
	return r;
}

int
cmd_entry_export(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE];
	struct exp x = { NULL, 0, 0, NULL, 0 };
	int r;

	if (store == NULL || *store == '\0') {
		fprintf(stderr, "Error: The store name [%s] is invalid \n", store ? store : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if (ctx->set[O_P12])
		return export_p12(ctx);
	if (ctx->set[O_ALIAS] || ctx->set[O_PASSWORD_FILE])
		return vsyntax(ctx->cmd, "Error: --alias and --password-file go with --p12 \n");
	if ((r = vecs_open_store_for(ctx, store, CK_ACCESS_READ)) != 0)
		return r;
	if (!ctx->set[O_OUTPUT])
		x.out = stdout;
	if ((r = ck_store_entry_iter(ctx->st, store, export_one, &x)) != 0) {
		free(x.buf);
		return vfail_ck(vecs_code(r), r);
	}
	if (ctx->set[O_OUTPUT]) {
		r = ck_file_write(ctx->val[O_OUTPUT], x.buf ? x.buf : "", x.len, 0644, 0);
		free(x.buf);
		if (r != 0) {
			fprintf(stderr, "Error: Failed to write file [%s] \n", ctx->val[O_OUTPUT]);
			return vfail_ck(vecs_code(r), r);
		}
		fprintf(stderr, "Exported %zu certificates from store [%s] to [%s] \n", x.n, store,
		    ctx->val[O_OUTPUT]);
	}
	return 0;
}
