/*
 * refresh.c: `vecs force-refresh` and the publishing behind it.
 *
 * With no directory service to sync from, a refresh re-publishes the
 * database: TRUSTED_ROOTS certificates and TRUSTED_ROOT_CRLS CRLs into a CA
 * directory as OpenSSL hash-named files (c_rehash style: <hash>.N for
 * certificates, <hash>.rN for CRLs, mode 0644), and MACHINE_SSL_CERT's
 * __MACHINE_CERT as machine-ssl.crt (0644) and machine-ssl.key (0600).
 * Files whose content is already right are not rewritten, and hash-named
 * files with no entry behind them are removed, so a refresh is idempotent
 * and the directory mirrors the store.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "secmem.h"
#include "util.h"
#include "vecs.h"

struct pubfile {
	char name[24];
	unsigned long hash;
	int crl;
	char *data;
	size_t len;
};

struct pubset {
	struct pubfile *f;
	size_t n, cap;
	int r;
};

static int
pub_add(struct pubset *ps, unsigned long hash, int crl, char *data, size_t len)
{
	int idx = 0;

	for (size_t i = 0; i < ps->n; i++) {
		if (ps->f[i].hash != hash || ps->f[i].crl != crl)
			continue;
		if (ps->f[i].len == len && memcmp(ps->f[i].data, data, len) == 0) {
			free(data);	/* the same object twice: publish once */
			return 0;
		}
		idx++;
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 32;
		struct pubfile *p = realloc(ps->f, cap * sizeof(*p));
		if (p == NULL) {
			free(data);
			return CK_E_NOMEM;
		}
		ps->f = p;
		ps->cap = cap;
	}
	snprintf(ps->f[ps->n].name, sizeof(ps->f[ps->n].name), "%08lx.%s%d", hash,
	    crl ? "r" : "", idx);
	ps->f[ps->n].hash = hash;
	ps->f[ps->n].crl = crl;
	ps->f[ps->n].data = data;
	ps->f[ps->n].len = len;
	ps->n++;
	return 0;
}

static int
collect_certs(const struct ck_entry *e, void *arg)
{
	struct pubset *ps = arg;
	STACK_OF(X509) *sk = NULL;
	int r = 0, ok;

	if (e->cert_len == 0 || e->type == CK_ENTRY_CRL || e->type == CK_ENTRY_SECRET_KEY)
		return 0;
	if (ck_certs_parse(e->cert_pem, e->cert_len, &sk) != 0)
		return 0;	/* an unreadable entry is not published */
	for (int i = 0; i < sk_X509_num(sk) && r == 0; i++) {
		X509 *x = sk_X509_value(sk, i);
		unsigned long h = X509_NAME_hash_ex(X509_get_subject_name(x), NULL, NULL, &ok);
		char *pem;
		size_t len;
		if (!ok || (r = ck_cert_to_pem(x, &pem, &len)) != 0)
			break;
		r = pub_add(ps, h, 0, pem, len);
	}
	ck_certs_free(sk);
	return r;
}

static int
collect_crls(const struct ck_entry *e, void *arg)
{
	struct pubset *ps = arg;
	X509_CRL *c = NULL;
	BIO *b;
	char *pem;
	int ok;

	if (e->cert_len == 0 || (b = BIO_new_mem_buf(e->cert_pem, (int)e->cert_len)) == NULL)
		return 0;
	c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (c == NULL)
		return 0;
	if ((pem = malloc(e->cert_len)) == NULL) {
		X509_CRL_free(c);
		return CK_E_NOMEM;
	}
	memcpy(pem, e->cert_pem, e->cert_len);
	{
		unsigned long h = X509_NAME_hash_ex(X509_CRL_get_issuer(c), NULL, NULL, &ok);
		X509_CRL_free(c);
		if (!ok) {
			free(pem);
			return 0;
		}
		return pub_add(ps, h, 1, pem, e->cert_len);
	}
}

/* Write path unless it already holds exactly data. */
static int
sync_file(const char *path, const char *data, size_t len, mode_t mode, int secret)
{
	char *cur = NULL;
	size_t curlen = 0;
	int same, r;

	if (ck_file_read(path, CK_PEM_MAX, &cur, &curlen, secret) == 0) {
		same = curlen == len && memcmp(cur, data, len) == 0;
		if (secret)
			ck_secfree(cur);
		else
			free(cur);
		if (same) {
			struct stat sb;
			if (stat(path, &sb) == 0 && (sb.st_mode & 07777) == mode)
				return 0;
		}
	}
	if ((r = ck_file_write(path, data, len, mode, 0)) != 0)
		return ck_errf(r, "%s: %s", path, ck_err_detail());
	return 0;
}

/* c_rehash-style names: 8 hex digits, '.', optional 'r', digits. */
static int
is_hash_name(const char *s)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	if (s[8] != '.')
		return 0;
	s += 9;
	if (*s == 'r')
		s++;
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int
publish_roots(struct ck_store *st, const char *dir)
{
	struct pubset ps = { NULL, 0, 0, 0 };
	DIR *d = NULL;
	struct dirent *de;
	char *path = NULL;
	int r;

	if ((r = ck_store_entry_iter(st, CK_STORE_TRUSTED_ROOTS, collect_certs, &ps)) != 0 ||
	    (r = ck_store_entry_iter(st, CK_STORE_TRUSTED_CRLS, collect_crls, &ps)) != 0)
		goto out;
	if ((r = ck_mkdir_p(dir, 0755)) != 0)
		goto out;
	for (size_t i = 0; i < ps.n; i++) {
		free(path);
		if ((path = ck_asprintf("%s/%s", dir, ps.f[i].name)) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		if ((r = sync_file(path, ps.f[i].data, ps.f[i].len, 0644, 0)) != 0)
			goto out;
	}
	/* remove what no entry stands for any more */
	if ((d = opendir(dir)) == NULL) {
		r = ck_errf(ck_errno(errno), "opendir %s: %s", dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t i;
		if (!is_hash_name(de->d_name))
			continue;
		for (i = 0; i < ps.n && strcmp(ps.f[i].name, de->d_name) != 0; i++)
			;
		if (i < ps.n)
			continue;
		free(path);
		if ((path = ck_asprintf("%s/%s", dir, de->d_name)) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		if ((r = ck_file_remove(path)) != 0)
			goto out;
	}
	r = 0;
out:
	if (d != NULL)
		closedir(d);
	free(path);
	for (size_t i = 0; i < ps.n; i++)
		free(ps.f[i].data);
	free(ps.f);
	return r;
}

static int
publish_ssl(struct ck_store *st, const char *dir)
{
	struct ck_entry *e = NULL;
	char *crt = NULL, *key = NULL;
	int r;

	if ((crt = ck_asprintf("%s/machine-ssl.crt", dir)) == NULL ||
	    (key = ck_asprintf("%s/machine-ssl.key", dir)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	r = ck_store_entry_get(st, CK_STORE_MACHINE_SSL, CK_MACHINE_CERT_ALIAS, &e);
	if (r == CK_E_NOENT || (r == 0 && (e->cert_len == 0 || e->key_len == 0))) {
		/* no machine certificate: nothing may be left behind */
		if ((r = ck_file_remove(crt)) == 0)
			r = ck_file_remove(key);
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = ck_mkdir_p(dir, 0755)) != 0)
		goto out;
	/* key first: a reader never sees a new certificate with an old key */
	if ((r = sync_file(key, e->key, e->key_len, 0600, 1)) == 0)
		r = sync_file(crt, e->cert_pem, e->cert_len, 0644, 0);
out:
	ck_entry_free(e);
	free(crt);
	free(key);
	return r;
}

int
vecs_publish(struct ck_store *st, const char *capath, const char *ssldir,
    int want_roots, int want_ssl)
{
	int r = 0;

	if (capath == NULL)
		capath = ck_path(CK_PATH_CAPATH);
	if (ssldir == NULL)
		ssldir = ck_path(CK_PATH_MACHINE_SSL);
	/* one snapshot for everything published */
	if ((r = ck_store_txn_begin(st, 0)) != 0)
		return r;
	if (want_roots)
		r = publish_roots(st, capath);
	if (r == 0 && want_ssl)
		r = publish_ssl(st, ssldir);
	ck_store_txn_abort(st);
	return r;
}

void
vecs_autopublish(struct ck_store *st, const char *store)
{
	int roots = ck_strcaseeq(store, CK_STORE_TRUSTED_ROOTS) ||
	    ck_strcaseeq(store, CK_STORE_TRUSTED_CRLS);
	int ssl = ck_strcaseeq(store, CK_STORE_MACHINE_SSL);
	int r;

	if (!roots && !ssl)
		return;
	if ((r = vecs_publish(st, NULL, NULL, roots, ssl)) != 0)
		fprintf(stderr, "Warning: The store was changed, but publishing the files failed "
		    "(%s: %s); run 'vecs force-refresh' \n", ck_strerror(r), ck_err_detail());
}

int
cmd_force_refresh(struct vctx *ctx)
{
	int r;

	if ((ctx->set[O_CAPATH] && *ctx->val[O_CAPATH] == '\0') ||
	    (ctx->set[O_MACHINE_SSL_DIR] && *ctx->val[O_MACHINE_SSL_DIR] == '\0'))
		return vsyntax(ctx->cmd, "Error: An empty directory name was given \n");
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = vecs_publish(ctx->st, ctx->val[O_CAPATH], ctx->val[O_MACHINE_SSL_DIR], 1, 1)) != 0) {
		fprintf(stderr, "Error: Failed to trigger root cert refresh \n");
		/* a directory that cannot be made or used is a path problem */
		return vfail_ck(r == CK_E_NOENT ? W_PATH_NOT_FOUND : vecs_code(r), r);
	}
	return 0;
}
