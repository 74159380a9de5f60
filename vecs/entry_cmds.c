/*
 * entry_cmds.c: `vecs entry create|replace|list|getcert|getkey|delete`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certinfo.h"
#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"
#include "util.h"
#include "vecs.h"

/* Read an input file whole; prints vecs-cli's message on failure. */
static int
read_input(const char *path, int secret, char **buf, size_t *len)
{
	int r;

	if ((r = ck_file_read(path, CK_PEM_MAX, buf, len, secret)) == 0)
		return 0;
	fprintf(stderr, "Error: Failed to open file [%s] \n", path);
	if (r == CK_E_NOENT)
		return vfail(W_FILE_NOT_FOUND);
	/* too large for a certificate or key: not a label problem */
	return vfail_ck(r == CK_E_ACCESS ? W_ACCESS_DENIED : r == CK_E_TOOLONG ? W_BAD_FORMAT :
	    vecs_code(r), r);
}

int
vecs_password(struct vctx *ctx, char **pw)
{
	int r;

	*pw = NULL;
	if (ctx->set[O_PASSWORD] && ctx->set[O_PASSWORD_FILE])
		return vsyntax(ctx->cmd, "Error: Give --password or --password-file, not both \n");
	if (ctx->set[O_PASSWORD_FILE]) {
		if ((r = ck_secret_read(ctx->val[O_PASSWORD_FILE], pw)) != 0) {
			fprintf(stderr, "Error: Failed to read the password from [%s] \n",
			    ctx->val[O_PASSWORD_FILE]);
			return vfail_ck(r == CK_E_NOENT ? W_FILE_NOT_FOUND : vecs_code(r), r);
		}
		return 0;
	}
	if (ctx->set[O_PASSWORD]) {
		size_t n = strlen(ctx->val[O_PASSWORD]);
		if ((*pw = ck_secalloc(n + 1)) == NULL)
			return vfail(W_NOT_ENOUGH_MEMORY);
		memcpy(*pw, ctx->val[O_PASSWORD], n);
	}
	return 0;
}

int
vecs_check_access(struct vctx *ctx, const char *store, uint32_t want, int *missing)
{
	struct ck_store_info info;
	int r;

	*missing = 0;
	if ((r = ck_store_info(ctx->st, store, &info)) != 0) {
		if (r == CK_E_NOENT) {
			*missing = 1;
			return 0;
		}
		return vfail_ck(vecs_code(r), r);
	}
	if (ck_store_access(&info, (uint32_t)ctx->uid, want) != 0) {
		fprintf(stderr, "Error: Access to store [%s] is denied \n", store);
		return vfail(W_ACCESS_DENIED);
	}
	return 0;
}

/* 1 if buf holds nothing but white space (or nothing at all). */
static int
blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (strchr(" \t\r\n", buf[i]) == NULL || buf[i] == '\0')
			return 0;
	return 1;
}

/* Report an ck_entry_build failure the way vecs-cli does. */
static int
build_failed(struct vctx *ctx, int r, int have_alias)
{
	const char *cert = ctx->val[O_CERT], *key = ctx->val[O_KEY];

	switch (r) {
	case CK_E_FORMAT:
		if (!have_alias)
			fprintf(stderr, "Error: Could not generate alias from certificate\n");
		fprintf(stderr, "Error: The certificate file [%s] holds no valid PEM certificate \n",
		    cert ? cert : ctx->val[O_CRL]);
		return vfail(W_BAD_FORMAT);
	case CK_E_KEY:
		fprintf(stderr, "Error: The key file [%s] holds no usable private key: %s \n",
		    key, ck_err_detail());
		return vfail(W_BAD_FORMAT);
	case CK_E_PASSWORD:
		fprintf(stderr, "Error: The key file [%s] is encrypted; give the key unencrypted "
		    "(use --password-file to protect it in the store) \n", key);
		return vfail(W_BAD_FORMAT);
	case CK_E_KEY_MISMATCH:
		fprintf(stderr, "Error: The key in [%s] does not match the first certificate in [%s] \n",
		    key, cert);
		return vfail(W_PRIVATE_KEY_MISMATCH);
	case CK_E_TOOLONG:
		fprintf(stderr, "Error: The alias is longer than %d bytes \n", CK_ALIAS_MAX);
		return vfail(W_INVALID_PARAMETER);
	default:
		return vfail_ck(vecs_code(r), r);
	}
}

/* What the entry as built may surprise its user with. */
static void
entry_warnings(const char *store, const struct ck_entry *e, int have_pw)
{
	if (e->type == CK_ENTRY_SECRET_KEY && strstr(e->key, "-----BEGIN") != NULL &&
	    strstr(e->key, "PRIVATE KEY-----") != NULL)
		fprintf(stderr, "Warning: The key for alias [%s] was given without --cert and is "
		    "stored as a Secret Key (raw bytes), not as a private key \n", e->alias);
	if (e->type == CK_ENTRY_SECRET_KEY && have_pw)
		fprintf(stderr, "Warning: --password does not apply to a Secret Key; "
		    "the secret is stored as given \n");
	if ((e->type == CK_ENTRY_PRIVATE_KEY || e->type == CK_ENTRY_ENCRYPTED_KEY) && e->ncerts > 1)
		fprintf(stderr, "Warning: The certificate for alias [%s] is a chain of %d "
		    "certificates; consumers that expect a leaf may fail (--leaf-only keeps the "
		    "first) \n", e->alias, e->ncerts);
	if (e->type == CK_ENTRY_ENCRYPTED_KEY && ck_strcaseeq(store, CK_STORE_MACHINE_SSL) &&
	    ck_strcaseeq(e->alias, CK_MACHINE_CERT_ALIAS))
		fprintf(stderr, "Warning: With a password the key of [%s] is stored encrypted, "
		    "which services cannot load: it will not be published as machine-ssl.key \n",
		    e->alias);
}

/* Add e to store, or replace it there (the old one to backup) if backup. */
static int
entry_store(struct vctx *ctx, const char *store, const struct ck_entry *e, const char *backup)
{
	struct ck_entry *old = NULL;
	int r, missing;

	if ((r = vecs_open(ctx)) != 0 ||
	    (r = vecs_check_access(ctx, store, CK_ACCESS_WRITE, &missing)) != 0)
		return r;
	if (missing) {
		fprintf(stderr, "Error: Failed to open the store.\n");
		return vfail(W_OBJECT_NOT_FOUND);
	}
	if (backup != NULL) {
		if (ck_store_entry_get(ctx->st, store, e->alias, &old) != 0)
			old = NULL;
		r = ck_store_entry_replace(ctx->st, store, e, backup);
	} else {
		r = ck_store_entry_add(ctx->st, store, e);
	}
	if (r == CK_E_EXIST) {
		fprintf(stderr, "Error: An entry with alias [%s] already exists in store [%s] "
		    "(aliases are case-insensitive; --replace replaces it) \n", e->alias, store);
		r = vfail(W_ALREADY_EXISTS);
	} else if (r == CK_E_NOENT) {
		fprintf(stderr, "Error: Failed to open the store.\n");
		r = vfail(W_OBJECT_NOT_FOUND);
	} else if (r != 0) {
		fprintf(stderr, "Error: Failed to add alias [%s] to store [%s]; the store is "
		    "unchanged \n", e->alias, store);
		r = vfail_ck(vecs_code(r), r);
	} else if (old != NULL) {
		printf("Entry with alias [%s] in store [%s] was replaced successfully; the previous "
		    "entry is in store [%s] as [bkp_%s] \n", e->alias, store, backup, old->alias);
	} else {
		printf("Entry with alias [%s] in store [%s] was created successfully \n", e->alias, store);
	}
	ck_entry_free(old);
	return r;
}

int
cmd_entry_create(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE], *alias = ctx->val[O_ALIAS];
	const char *backup = ctx->set[O_BACKUP_STORE] ? ctx->val[O_BACKUP_STORE] : CK_STORE_BACKUP;
	int replace = strcmp(ctx->cmd->verb, "replace") == 0 || ctx->set[O_REPLACE];
	char *cbuf = NULL, *kbuf = NULL, *pw = NULL;
	size_t clen = 0, klen = 0;
	struct ck_entry *e = NULL;
	int r, flags = 0;

	if (store == NULL || *store == '\0') {
		fprintf(stderr, "Error: The store name [%s] is invalid \n", store ? store : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if (ctx->set[O_CRL] && (ctx->set[O_CERT] || ctx->set[O_KEY]))
		return vsyntax(ctx->cmd, "Error: --crl cannot be combined with --cert or --key \n");
	if (!ctx->set[O_CERT] && !ctx->set[O_KEY] && !ctx->set[O_CRL]) {
		fprintf(stderr, "Error: A certificate or a key must be specified. \n");
		return vsyntax(ctx->cmd, NULL);
	}
	if ((r = vecs_password(ctx, &pw)) != 0)
		return r;
	if (ctx->set[O_CERT] && (r = read_input(ctx->val[O_CERT], 0, &cbuf, &clen)) != 0)
		goto out;
	if (ctx->set[O_CRL] && (r = read_input(ctx->val[O_CRL], 0, &cbuf, &clen)) != 0)
		goto out;
	if (ctx->set[O_KEY] && (r = read_input(ctx->val[O_KEY], 1, &kbuf, &klen)) != 0)
		goto out;
	/* a replace with a key file that holds nothing would turn a Private
	 * Key entry into a Trusted Cert one and unpublish machine-ssl.key:
	 * refused, before anything is opened */
	if (replace && ctx->set[O_KEY] && clen > 0 && blank(kbuf, klen)) {
		fprintf(stderr, "Error: The key file [%s] holds no private key; the store is "
		    "unchanged (give the key of the certificate, or no --key for a Trusted Cert) \n",
		    ctx->val[O_KEY]);
		r = vfail(W_BAD_FORMAT);
		goto out;
	}
	/* an empty file counts as not given, as in vecs-cli */
	if (clen == 0 && klen == 0) {
		fprintf(stderr, "Error: A certificate or a key must be specified. \n");
		r = vsyntax(ctx->cmd, NULL);
		goto out;
	}
	if (clen == 0 && (alias == NULL || *alias == '\0')) {
		fprintf(stderr, "Error: The alias [%s] is invalid \n", alias ? alias : "");
		r = vsyntax(ctx->cmd, NULL);
		goto out;
	}
	if (ctx->set[O_RSA_ONLY])
		flags |= CK_BUILD_RSA_ONLY;
	if (ctx->set[O_LEAF_ONLY])
		flags |= CK_BUILD_LEAF_ONLY;
	if (ctx->set[O_CRL])
		r = ck_entry_build_crl(cbuf, clen, alias, &e);
	else
		r = ck_entry_build(cbuf, clen, kbuf, klen, alias, pw, flags, &e);
	if (r != 0) {
		r = build_failed(ctx, r, alias != NULL && *alias != '\0');
		goto out;
	}
	entry_warnings(store, e, pw != NULL);
	if ((r = entry_store(ctx, store, e, replace ? backup : NULL)) != 0)
		goto out;
	r = vecs_autopublish(ctx->st, store);
out:
	ck_entry_free(e);
	free(cbuf);
	ck_secfree(kbuf);
	ck_secfree(pw);
	return r;
}

/* --- listing ------------------------------------------------------------- */

static X509 *
first_cert(const struct ck_entry *e)
{
	BIO *b;
	X509 *x;

	if (e->cert_len == 0 || e->type == CK_ENTRY_CRL || e->type == CK_ENTRY_SECRET_KEY)
		return NULL;
	if ((b = BIO_new_mem_buf(e->cert_pem, (int)e->cert_len)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return x;
}

static void
print_x509_text(X509 *x)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);

	if (b != NULL) {
		X509_print(b, x);
		BIO_free(b);
	}
}

/* notAfter in RFC 3339, the one time format of certkit's JSON */
static void
not_after(X509 *x, char *buf, size_t n)
{
	ck_asn1_time_rfc3339(X509_get0_notAfter(x), buf);
	if (buf[0] == '\0')
		snprintf(buf, n, "unknown");
}

struct elist {
	struct vctx *ctx;
	const char *store;
	int mode;		/* 0 default, 1 text, 2 aliases, 3 json */
	size_t n;
};

static int
print_entry(const struct ck_entry *e, void *arg)
{
	struct elist *el = arg;
	X509 *x = NULL;
	char na[32], tp[2 * EVP_MAX_MD_SIZE + 1];

	switch (el->mode) {
	case 0:
		printf("Alias :\t%s\nEntry type :\t%s\nCertificate :\t", e->alias,
		    ck_entry_type_name(e->type));
		fwrite(e->cert_pem ? e->cert_pem : "", 1, e->cert_len, stdout);
		fputs("\n\n", stdout);
		break;
	case 1:
		printf("Alias :\t%s\nEntry type :\t%s\n", e->alias, ck_entry_type_name(e->type));
		if (e->cert_len == 0)
			fputs("Certificate :\t\n\n", stdout);
		else if ((x = first_cert(e)) != NULL)
			print_x509_text(x);
		break;
	case 2:
		printf("%s\n", e->alias);
		break;
	case 3:
		printf("%s\n    {\"alias\": ", el->n ? "," : "");
		json_str(stdout, e->alias, strlen(e->alias));
		ck_time_rfc3339(e->created, na);
		printf(", \"type\": %d, \"type_name\": \"%s\", \"created\": \"%s\"",
		    e->type, ck_entry_type_name(e->type), na);
		if ((x = first_cert(e)) != NULL) {
			not_after(x, na, sizeof(na));
			ck_cert_digest_hex(x, EVP_sha1(), tp);
			printf(", \"not_after\": \"%s\", \"thumbprint\": \"%s\"", na, tp);
		}
		fputs(", \"cert\": ", stdout);
		if (e->cert_len)
			json_str(stdout, e->cert_pem, e->cert_len);
		else
			fputs("null", stdout);
		fputc('}', stdout);
		break;
	}
	X509_free(x);
	el->n++;
	return 0;
}

int
cmd_entry_list(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE];
	struct elist el = { ctx, store, 0, 0 };
	size_t n;
	int r, missing;

	if (ctx->set[O_EXPIRING])
		return vecs_list_expiring(ctx);
	if (ctx->set[O_ALL_STORES] || ctx->set[O_NAGIOS] || ctx->set[O_CRITICAL])
		return vsyntax(ctx->cmd, "Error: --all-stores, --nagios and --critical go with "
		    "--expiring \n");
	if (ctx->set[O_TEXT] + ctx->set[O_ALIASES] + ctx->set[O_JSON] > 1)
		return vsyntax(ctx->cmd, "Error: Give at most one of --text, --aliases, --json \n");
	if (store == NULL || *store == '\0') {
		fprintf(stderr, "Error : An invalid store name [%s] was specified \n",
		    store ? store : "");
		return vsyntax(ctx->cmd, NULL);
	}
	el.mode = ctx->set[O_TEXT] ? 1 : ctx->set[O_ALIASES] ? 2 : ctx->set[O_JSON] ? 3 : 0;
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = vecs_check_access(ctx, store, CK_ACCESS_READ, &missing)) != 0)
		return r;
	/* count and entries from one read-only snapshot */
	if ((r = ck_store_txn_begin(ctx->st, 0)) != 0)
		return vfail_ck(vecs_code(r), r);
	if ((r = ck_store_count(ctx->st, store, &n)) != 0) {
		ck_store_txn_abort(ctx->st);
		fprintf(stderr, "Error: Could not retrieve number of entries in store\n");
		return vfail_ck(vecs_code(r), r == CK_E_NOENT ? 0 : r);
	}
	if (el.mode == 3) {
		fputs("{\"store\": ", stdout);
		json_str(stdout, store, strlen(store));
		printf(", \"count\": %zu, \"entries\": [", n);
	} else {
		printf("Number of entries in store :\t%zu\n", n);
	}
	r = ck_store_entry_iter(ctx->st, store, print_entry, &el);
	ck_store_txn_abort(ctx->st);
	if (r != 0)
		return vfail_ck(vecs_code(r), r);
	if (el.mode == 3)
		fputs(el.n ? "\n]}\n" : "]}\n", stdout);
	return 0;
}

/* --- getcert / getkey ----------------------------------------------------- */

static int
get_entry(struct vctx *ctx, struct ck_entry **e)
{
	const char *store = ctx->val[O_STORE], *alias = ctx->val[O_ALIAS];
	int r, missing;

	if (store == NULL || *store == '\0' || alias == NULL || *alias == '\0') {
		fprintf(stderr, "Error: The store name [%s] or the Alias [%s] is invalid \n",
		    store ? store : "", alias ? alias : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = vecs_check_access(ctx, store, CK_ACCESS_READ, &missing)) != 0)
		return r;
	if (missing) {
		fprintf(stderr, "Error: Failed to open the store.\n");
		return vfail(W_OBJECT_NOT_FOUND);
	}
	if ((r = ck_store_entry_get(ctx->st, store, alias, e)) != 0) {
		if (r == CK_E_NOENT) {
			fprintf(stderr, "Error: No entry with alias [%s] in store [%s] \n", alias, store);
			return vfail(W_OBJECT_NOT_FOUND);
		}
		return vfail_ck(vecs_code(r), r);
	}
	return 0;
}

/* Write data + "\n" to --output (0600, atomic). */
static int
write_output(const char *path, const char *data, size_t len, int secret)
{
	char *buf;
	int r;

	buf = secret ? ck_secalloc(len + 1) : malloc(len + 1);
	if (buf == NULL)
		return vfail(W_NOT_ENOUGH_MEMORY);
	memcpy(buf, data, len);
	buf[len] = '\n';
	r = ck_file_write(path, buf, len + 1, 0600, 0);
	if (secret)
		ck_secfree(buf);
	else
		free(buf);
	if (r != 0) {
		fprintf(stderr, "Error: Failed to write file [%s] \n", path);
		return vfail_ck(r == CK_E_NOENT ? W_FILE_NOT_FOUND : vecs_code(r), r);
	}
	return 0;
}

int
cmd_entry_getcert(struct vctx *ctx)
{
	struct ck_entry *e = NULL;
	X509 *x = NULL;
	int r;

	if ((r = get_entry(ctx, &e)) != 0)
		return r;
	if (e->cert_len == 0) {
		fprintf(stderr, "Error: No certificates were found for entry [%s] of type [%s].\n",
		    e->alias, ck_entry_type_name(e->type));
		r = vfail(W_INVALID_PARAMETER);
		goto out;
	}
	if (ctx->set[O_OUTPUT] && (r = write_output(ctx->val[O_OUTPUT], e->cert_pem,
	    e->cert_len, 0)) != 0)
		goto out;
	if (ctx->set[O_JSON] && ctx->set[O_TEXT]) {
		r = vsyntax(ctx->cmd, "Error: Give --text or --json, not both \n");
		goto out;
	}
	if (ctx->set[O_JSON]) {
		char *json = NULL;
		if (e->type == CK_ENTRY_CRL || (x = first_cert(e)) == NULL) {
			fprintf(stderr, "Error: Entry [%s] holds no certificate to describe \n",
			    e->alias);
			r = vfail(W_INVALID_PARAMETER);
			goto out;
		}
		if ((r = ck_certinfo_json(x, e->cert_pem, e->cert_len, NULL, &json)) != 0) {
			r = vfail_ck(vecs_code(r), r);
			goto out;
		}
		printf("%s\n", json);
		free(json);
	} else if (ctx->set[O_TEXT]) {
		if (e->type == CK_ENTRY_CRL) {
			BIO *b = BIO_new_mem_buf(e->cert_pem, (int)e->cert_len), *o;
			X509_CRL *c = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
			if (c != NULL && (o = BIO_new_fp(stdout, BIO_NOCLOSE)) != NULL) {
				X509_CRL_print(o, c);
				BIO_free(o);
			}
			X509_CRL_free(c);
			BIO_free(b);
		} else if ((x = first_cert(e)) != NULL) {
			print_x509_text(x);
		}
	} else if (!ctx->set[O_OUTPUT]) {
		fwrite(e->cert_pem, 1, e->cert_len, stdout);
		fputc('\n', stdout);
	}
	r = 0;
out:
	X509_free(x);
	ck_entry_free(e);
	return r;
}

int
cmd_entry_getkey(struct vctx *ctx)
{
	struct ck_entry *e = NULL;
	EVP_PKEY *k = NULL;
	char *pw = NULL, *pem = NULL;
	size_t pemlen = 0;
	int r;

	if ((r = vecs_password(ctx, &pw)) != 0)
		return r;
	if ((r = get_entry(ctx, &e)) != 0)
		goto out;
	if (e->type != CK_ENTRY_PRIVATE_KEY && e->type != CK_ENTRY_ENCRYPTED_KEY &&
	    e->type != CK_ENTRY_SECRET_KEY) {
		fprintf(stderr, "Error: No key was found for entry [%s] of type [%s]\n",
		    e->alias, ck_entry_type_name(e->type));
		r = vfail(W_INVALID_PARAMETER);
		goto out;
	}
	if (e->type == CK_ENTRY_SECRET_KEY) {
		if (ctx->set[O_OUTPUT])
			r = write_output(ctx->val[O_OUTPUT], e->key, e->key_len, 1);
		else {
			fwrite(e->key, 1, e->key_len, stdout);
			fputc('\n', stdout);
		}
		goto out;
	}
	r = ck_key_parse(e->key, e->key_len, e->type == CK_ENTRY_ENCRYPTED_KEY ? pw : NULL, &k);
	if (r == CK_E_PASSWORD) {
		fprintf(stderr, "Error: The private key of entry [%s] is encrypted: %s; give the "
		    "right password with --password-file \n", e->alias,
		    pw == NULL ? "no password was given" : "the password is wrong");
		r = vfail(W_WRONG_PASSWORD);
		goto out;
	}
	if (r != 0) {
		fprintf(stderr, "Error: The stored private key of entry [%s] is damaged \n", e->alias);
		r = vfail_ck(W_BAD_FORMAT, r);
		goto out;
	}
	if ((r = ck_key_to_pem(k, NULL, &pem, &pemlen)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	if (ctx->set[O_OUTPUT] && (r = write_output(ctx->val[O_OUTPUT], pem, pemlen, 1)) != 0)
		goto out;
	if (ctx->set[O_TEXT]) {
		BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);
		if (b != NULL) {
			EVP_PKEY_print_private(b, k, 0, NULL);
			BIO_free(b);
		}
	} else if (!ctx->set[O_OUTPUT]) {
		fwrite(pem, 1, pemlen, stdout);
		fputc('\n', stdout);
	}
	r = 0;
out:
	EVP_PKEY_free(k);
	ck_secfree(pem);
	ck_entry_free(e);
	ck_secfree(pw);
	return r;
}

int
cmd_entry_delete(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE], *alias = ctx->val[O_ALIAS];
	int r, missing;

	if (!ctx->set[O_YES]) {
		printf("Warning: This operation will delete entry [%s] from store [%s]\n"
		    "Do you wish to continue? Y/N [N] \n", alias ? alias : "(null)",
		    store ? store : "(null)");
		if (!vecs_confirm())
			return 0;
	}
	if (store == NULL || *store == '\0' || alias == NULL || *alias == '\0') {
		fprintf(stderr, "Error : An invalid store name [%s] was specified\n ",
		    store ? store : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = vecs_check_access(ctx, store, CK_ACCESS_WRITE, &missing)) != 0)
		return r;
	if (missing) {
		fprintf(stderr, "Error: Failed to open the store\n");
		return vfail(W_OBJECT_NOT_FOUND);
	}
	r = ck_store_entry_delete(ctx->st, store, alias);
	if (r == CK_E_NOENT) {
		fprintf(stderr, "Warning: No entry with alias [%s] in store [%s]; nothing was "
		    "deleted \n", alias, store);
		if (ctx->set[O_STRICT])
			return vfail(W_OBJECT_NOT_FOUND);
	} else if (r != 0) {
		fprintf(stderr, "Error: Failed to delete alias [%s] from store [%s]; the store is "
		    "unchanged \n", alias, store);
		return vfail_ck(vecs_code(r), r);
	}
	printf("Deleted entry with alias [%s] in store [%s] successfully\n ", alias, store);
	return r == 0 ? vecs_autopublish(ctx->st, store) : 0;
}
