/*
 * publish.c: the store's contents as files, for vecs and svcctl alike.
 *
 * With no directory service to sync from, publishing writes the
 * database out: TRUSTED_ROOTS certificates and TRUSTED_ROOT_CRLS CRLs into
 * a CA directory as OpenSSL hash-named files (c_rehash style: <hash>.N for
 * certificates, <hash>.rN for CRLs, mode 0644), and MACHINE_SSL_CERT's
 * __MACHINE_CERT as machine-ssl.crt (0644) and machine-ssl.key (0600).
 * Files whose content is already right are not rewritten, so publishing
 * is idempotent.
 *
 * The CA directory may be shared (an admin may point it at the system's
 * /etc/ssl/certs), so certkit only ever replaces or removes files it wrote
 * itself: their names are kept in a manifest in that directory
 * (.certkit-published).  A hash-named file that is not on the manifest, or
 * is a symbolic link, belongs to someone else: it is left alone, and the
 * next free index is taken instead.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "publish.h"
#include "secmem.h"
#include "util.h"

#define MANIFEST	".certkit-published"
#define NAME_LEN	24
#define MAX_INDEX	10000	/* c_rehash gives up far earlier */

struct pubfile {
	char name[NAME_LEN];	/* "" until a name is chosen */
	unsigned long hash;
	int crl;
	char *data;
	size_t len;
};

struct pubset {
	struct pubfile *f;
	size_t n, cap;
};

/* The names on the manifest that are still regular files. */
struct nameset {
	char (*v)[NAME_LEN];
	size_t n, cap;
};

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 32;
	if ((p = realloc(*v, c * size)) == NULL)
		return CK_E_NOMEM;
	*v = p;
	*cap = c;
	return 0;
}

static int
pub_add(struct pubset *ps, unsigned long hash, int crl, char *data, size_t len)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->f[i].hash == hash && ps->f[i].crl == crl && ps->f[i].len == len &&
		    memcmp(ps->f[i].data, data, len) == 0) {
			free(data);	/* the same object twice: publish once */
			return 0;
		}
	}
	if (grow((void **)&ps->f, &ps->cap, ps->n, sizeof(*ps->f)) != 0) {
		free(data);
		return CK_E_NOMEM;
	}
	ps->f[ps->n].name[0] = '\0';
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

/* 1 if path is a regular file holding exactly data with mode. */
static int
file_is(const char *path, const char *data, size_t len, mode_t mode, int secret)
{
	char *cur = NULL;
	size_t curlen = 0;
	struct stat sb;
	int same;

	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 07777) != mode ||
	    (size_t)sb.st_size != len)
		return 0;
	if (ck_file_read(path, CK_PEM_MAX, &cur, &curlen, secret) != 0)
		return 0;
	same = curlen == len && memcmp(cur, data, len) == 0;
	if (secret)
		ck_secfree(cur);
	else
		free(cur);
	return same;
}

/* Write path unless it already holds exactly data. */
static int
sync_file(const char *path, const char *data, size_t len, mode_t mode, int secret)
{
	int r;

	if (file_is(path, data, len, mode, secret))
		return 0;
	if ((r = ck_file_write(path, data, len, mode, 0)) != 0)
		return ck_errf(r, "%s: %s", path, ck_err_detail());
	return 0;
}

/* c_rehash-style names: 8 hex digits, '.', optional 'r', digits. */
static int
is_hash_name(const char *s)
{
	int i;

	if (strlen(s) >= NAME_LEN)
		return 0;
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

/* lstat of name in dir: 1 for a regular file, 0 for anything else
 * (a link too), -1 if there is nothing. */
static int
regular_in(const char *dir, const char *name)
{
	char *path = ck_asprintf("%s/%s", dir, name);
	struct stat sb;
	int r;

	if (path == NULL || lstat(path, &sb) != 0)
		r = path != NULL && errno == ENOENT ? -1 : 0;
	else
		r = S_ISREG(sb.st_mode);
	free(path);
	return r;
}

static int
on_list(const struct nameset *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i], name) == 0)
			return 1;
	return 0;
}

/*
 * The names certkit published in dir earlier.  A name that is no longer a
 * regular file was taken over by someone (or removed): it is not ours.
 */
static int
manifest_read(const char *dir, struct nameset *m)
{
	char *path = NULL, *buf = NULL, *line, *save = NULL;
	int r;

	if ((path = ck_asprintf("%s/%s", dir, MANIFEST)) == NULL)
		return CK_E_NOMEM;
	r = ck_file_read(path, CK_PEM_MAX, &buf, NULL, 0);
	if (r == CK_E_NOENT) {
		r = 0;
		goto out;
	}
	if (r != 0) {
		r = ck_errf(r, "%s: %s", path, ck_err_detail());
		goto out;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (!is_hash_name(line) || on_list(m, line) || regular_in(dir, line) != 1)
			continue;
		if ((r = grow((void **)&m->v, &m->cap, m->n, sizeof(*m->v))) != 0)
			goto out;
		snprintf(m->v[m->n++], NAME_LEN, "%s", line);
	}
out:
	free(buf);
	free(path);
	return r;
}

/* Record the names of ps (and, with old, those of m too) as certkit's own. */
static int
manifest_write(const char *dir, const struct pubset *ps, const struct nameset *old)
{
	/* worded as vecs first wrote it: other words would rewrite every manifest */
	static const char head[] = "# files vecs published here; vecs removes only these\n";
	size_t cap = sizeof(head) + (ps->n + (old ? old->n : 0)) * (NAME_LEN + 1), len;
	char *buf = NULL, *path = NULL;
	int r;

	if ((buf = malloc(cap)) == NULL || (path = ck_asprintf("%s/%s", dir, MANIFEST)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	len = (size_t)snprintf(buf, cap, "%s", head);
	for (size_t i = 0; i < ps->n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", ps->f[i].name);
	for (size_t i = 0; old != NULL && i < old->n; i++) {
		size_t j;
		for (j = 0; j < ps->n && strcmp(ps->f[j].name, old->v[i]) != 0; j++)
			;
		if (j == ps->n)
			len += (size_t)snprintf(buf + len, cap - len, "%s\n", old->v[i]);
	}
	r = sync_file(path, buf, len, 0644, 0);
out:
	free(path);
	free(buf);
	return r;
}

static int
taken(const struct pubset *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->f[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * Name every object: a file of ours that already holds it keeps its name
 * (nothing is rewritten); the others get the lowest index that is neither
 * used in this run nor held by a file that is not ours.
 */
static int
assign_names(const char *dir, struct pubset *ps, const struct nameset *mine)
{
	char name[NAME_LEN], *path = NULL;

	for (size_t k = 0; k < mine->n; k++) {
		free(path);
		if ((path = ck_asprintf("%s/%s", dir, mine->v[k])) == NULL)
			return CK_E_NOMEM;
		for (size_t i = 0; i < ps->n; i++) {
			struct pubfile *f = &ps->f[i];
			snprintf(name, sizeof(name), "%08lx.%s", f->hash, f->crl ? "r" : "");
			if (f->name[0] != '\0' || strncmp(mine->v[k], name, strlen(name)) != 0 ||
			    !isdigit((unsigned char)mine->v[k][strlen(name)]) ||
			    !file_is(path, f->data, f->len, 0644, 0))
				continue;
			snprintf(f->name, sizeof(f->name), "%s", mine->v[k]);
			break;
		}
	}
	free(path);
	for (size_t i = 0; i < ps->n; i++) {
		struct pubfile *f = &ps->f[i];
		int idx;
		for (idx = 0; f->name[0] == '\0' && idx < MAX_INDEX; idx++) {
			snprintf(name, sizeof(name), "%08lx.%s%d", f->hash, f->crl ? "r" : "", idx);
			if (!taken(ps, name) && (on_list(mine, name) || regular_in(dir, name) == -1))
				snprintf(f->name, sizeof(f->name), "%s", name);
		}
		if (f->name[0] == '\0')
			return ck_errf(CK_E_LIMIT, "%s: no free index for %08lx", dir, f->hash);
	}
	return 0;
}

static int
publish_roots(struct ck_store *st, const char *dir)
{
	struct pubset ps = { NULL, 0, 0 };
	struct nameset mine = { NULL, 0, 0 };
	char *path = NULL;
	int r, fresh = 0;

	if ((r = ck_store_entry_iter(st, CK_STORE_TRUSTED_ROOTS, collect_certs, &ps)) != 0 ||
	    (r = ck_store_entry_iter(st, CK_STORE_TRUSTED_CRLS, collect_crls, &ps)) != 0)
		goto out;
	if ((r = ck_mkdir_p(dir, 0755)) != 0 || (r = manifest_read(dir, &mine)) != 0 ||
	    (r = assign_names(dir, &ps, &mine)) != 0)
		goto out;
	/* claim new names before the files exist: a crash leaves no orphan */
	for (size_t i = 0; i < ps.n; i++)
		fresh |= !on_list(&mine, ps.f[i].name);
	if (fresh && (r = manifest_write(dir, &ps, &mine)) != 0)
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
	/* remove what was published and no entry stands for any more */
	for (size_t k = 0; k < mine.n; k++) {
		if (taken(&ps, mine.v[k]) || regular_in(dir, mine.v[k]) != 1)
			continue;
		free(path);
		if ((path = ck_asprintf("%s/%s", dir, mine.v[k])) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		if ((r = ck_file_remove(path)) != 0)
			goto out;
	}
	r = manifest_write(dir, &ps, NULL);
out:
	free(path);
	for (size_t i = 0; i < ps.n; i++)
		free(ps.f[i].data);
	free(ps.f);
	free(mine.v);
	return r;
}

/* Write data to path's ".new" twin, ready to be renamed into place. */
static int
stage_file(const char *path, const char *data, size_t len, mode_t mode, char **tmp)
{
	struct stat sb;
	int r;

	/* rename() would replace a link silently, where ck_file_write refuses */
	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
		return ck_errf(CK_E_SYMLINK, "%s: is a symbolic link, refusing to replace it", path);
	if ((*tmp = ck_asprintf("%s.new", path)) == NULL)
		return CK_E_NOMEM;
	if ((r = ck_file_write(*tmp, data, len, mode, 0)) != 0)
		return ck_errf(r, "%s: %s", *tmp, ck_err_detail());
	return 0;
}

/*
 * machine-ssl.key and .crt as one pair, as far as two files can be: both
 * are written in full under temporary names first, then renamed back to
 * back, key first, so a reader never sees a new certificate with an old
 * key.  A crash between the renames leaves a new key with the old
 * certificate; the next publish (any vecs write, force-refresh, or an
 * svcctl --resume) repairs it.  e NULL, or without a certificate or key:
 * nothing may be left behind.
 */
static int
publish_ssl(const struct ck_entry *e, const char *dir, struct ck_publish_report *rep)
{
	char *crt = NULL, *key = NULL, *crtnew = NULL, *keynew = NULL;
	int r;

	if ((crt = ck_asprintf("%s/machine-ssl.crt", dir)) == NULL ||
	    (key = ck_asprintf("%s/machine-ssl.key", dir)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	/* the publish lock is held: what a killed publish staged is stale */
	(void)ck_file_sweep(key);
	(void)ck_file_sweep(crt);
	if (e == NULL || e->cert_len == 0 || e->key_len == 0) {
		if ((r = ck_file_remove(crt)) == 0)
			r = ck_file_remove(key);
		goto out;
	}
	r = 0;
	if (e->type == CK_ENTRY_ENCRYPTED_KEY) {
		/* services cannot load it; the last working pair stays up */
		if (rep != NULL) {
			rep->key_kept = 1;
			snprintf(rep->alias, sizeof(rep->alias), "%s", e->alias ? e->alias : "");
			rep->ssldir = dir;
		}
		goto out;
	}
	if (file_is(key, e->key, e->key_len, 0600, 1) &&
	    file_is(crt, e->cert_pem, e->cert_len, 0644, 0))
		goto out;
	if ((r = ck_mkdir_p(dir, 0755)) != 0 ||
	    (r = stage_file(key, e->key, e->key_len, 0600, &keynew)) != 0 ||
	    (r = stage_file(crt, e->cert_pem, e->cert_len, 0644, &crtnew)) != 0)
		goto unlink_new;
	if (rename(keynew, key) != 0 || rename(crtnew, crt) != 0) {
		r = ck_errf(ck_errno(errno), "%s: rename: %s", dir, strerror(errno));
		goto unlink_new;
	}
	goto out;
unlink_new:
	if (keynew != NULL)
		(void)unlink(keynew);
	if (crtnew != NULL)
		(void)unlink(crtnew);
out:
	free(crtnew);
	free(keynew);
	free(crt);
	free(key);
	return r;
}

/*
 * Publishing is serialised with an exclusive flock in the store directory:
 * without it, a writer holding an older snapshot could finish after one
 * holding a newer snapshot, deleting the newer files or putting back an
 * older machine-ssl.crt.  Closing *fdp releases the lock.
 */
static int
lock_take(int *fdp)
{
	char *lpath;
	int r;

	if ((lpath = ck_path_join(CK_PATH_VECS, "publish.lock")) == NULL)
		return CK_E_NOMEM;
	r = ck_lock_file(lpath, 0, fdp);
	free(lpath);
	return r;
}

static void
report_init(struct ck_publish_report *rep)
{
	if (rep != NULL)
		memset(rep, 0, sizeof(*rep));
}

int
ck_publish_store(struct ck_store *st, const char *capath, const char *ssldir, int what,
    struct ck_publish_report *rep)
{
	struct ck_entry *e = NULL;
	int r, lockfd = -1;

	report_init(rep);
	if (capath == NULL)
		capath = ck_path(CK_PATH_CAPATH);
	if (ssldir == NULL)
		ssldir = ck_path(CK_PATH_MACHINE_SSL);
	if ((r = lock_take(&lockfd)) != 0)
		goto unlock;
	/* one snapshot for everything published, taken under the lock, so
	 * the last writer to publish always publishes the newest database */
	if ((r = ck_store_txn_begin(st, 0)) != 0)
		goto unlock;
	if (what & CK_PUBLISH_ROOTS)
		r = publish_roots(st, capath);
	if (r == 0 && (what & CK_PUBLISH_SSL)) {
		r = ck_store_entry_get(st, CK_STORE_MACHINE_SSL, CK_MACHINE_CERT_ALIAS, &e);
		if (r == 0 || r == CK_E_NOENT)
			r = publish_ssl(e, ssldir, rep);
	}
	ck_store_txn_abort(st);
unlock:
	ck_unlock_file(lockfd);
	ck_entry_free(e);
	return r;
}

int
ck_publish_machine_ssl(const struct ck_entry *e, const char *ssldir,
    struct ck_publish_report *rep)
{
	int r, lockfd = -1;

	report_init(rep);
	if (ssldir == NULL)
		ssldir = ck_path(CK_PATH_MACHINE_SSL);
	if ((r = lock_take(&lockfd)) == 0)
		r = publish_ssl(e, ssldir, rep);
	ck_unlock_file(lockfd);
	return r;
}
