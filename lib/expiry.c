/* expiry.c: the published expiry summary (expiry.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "certsum.h"
#include "err.h"
#include "expiry.h"
#include "fileio.h"
#include "paths.h"
#include "store_int.h"
#include "util.h"

#define HEADER "# certkit expiry summary 1 "

char *
ck_expiry_path(const char *dir)
{
	const char *d = dir != NULL ? dir : ck_path(CK_PATH_VECS);
	size_t n = strlen(d);

	/* a sibling of the directory, which is 0700: "/x/vecs/" -> "/x/vecs.expiry" */
	while (n > 1 && d[n - 1] == '/')
		n--;
	return ck_asprintf("%.*s.expiry", (int)n, d);
}

struct walk {
	struct ck_store *st;
	const uint32_t *reader;
	int (*fn)(const struct ck_expiry_item *, void *);
	void *arg;
	const char *store;
};

static int
walk_entry(const struct ck_entry *e, void *arg)
{
	struct walk *w = arg;
	struct ck_expiry_item it;
	char s1[CK_AUDIT_SHA1_HEX], s256[CK_AUDIT_SHA256_HEX];
	unsigned char *der = NULL;
	size_t n;
	int r;

	if (e->type == CK_ENTRY_CRL || e->cert_len == 0 ||
	    ck_pem_first_der(e->cert_pem, e->cert_len, &der, &n) != 0 ||
	    ck_der_not_after(der, n, &it.not_after) != 0) {
		free(der);
		ck_err_clear();
		return 0;	/* no certificate, nothing to expire */
	}
	ck_audit_thumbs_der(der, n, s1, s256);
	free(der);
	it.store = w->store;
	it.alias = e->alias;
	it.type = ck_entry_type_name(e->type);
	it.sha1 = s1;
	r = w->fn(&it, w->arg);
	return r;
}

static int
walk_store(const struct ck_store_info *info, void *arg)
{
	struct walk *w = arg;

	w->store = info->name;
	if (w->reader != NULL && ck_store_access(info, *w->reader, CK_ACCESS_READ) != 0) {
		struct ck_expiry_item it = { info->name, NULL, NULL, 0, NULL };
		return w->fn(&it, w->arg);
	}
	return ck_store_entry_iter(w->st, info->name, walk_entry, w);
}

int
ck_expiry_walk(struct ck_store *st, const uint32_t *reader,
    int (*fn)(const struct ck_expiry_item *, void *), void *arg)
{
	struct walk w = { st, reader, fn, arg, NULL };
	int r;

	if ((r = ck_store_txn_begin(st, 0)) != 0)
		return r;
	r = ck_store_list(st, walk_store, &w);
	ck_store_txn_abort(st);
	return r;
}

struct buf {
	char *p;
	size_t len, cap;
};

static int
add_line(const struct ck_expiry_item *it, void *arg)
{
	struct buf *b = arg;
	char *line = ck_asprintf("%s\t%s\t%s\t%" PRId64 "\t%s\n", it->store, it->alias, it->type,
	    it->not_after, it->sha1);
	size_t n;

	if (line == NULL)
		return CK_E_NOMEM;
	n = strlen(line);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap * 2 + n + 1024;
		char *np = realloc(b->p, cap);
		if (np == NULL) {
			free(line);
			return CK_E_NOMEM;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, line, n + 1);
	b->len += n;
	free(line);
	return 0;
}

int
ck_expiry_publish(struct ck_store *st)
{
	struct buf b = { NULL, 0, 0 };
	const char *dir = NULL;
	char *path = NULL, *hdr = NULL;
	int r;

	if (mdb_env_get_path(st->env, &dir) != 0 || dir == NULL)
		return ck_errf(CK_E_DB, "the store has no directory");
	if ((hdr = ck_asprintf(HEADER "%" PRId64 "\n", ck_now())) == NULL ||
	    (path = ck_expiry_path(dir)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	b.cap = strlen(hdr) + 4096;
	if ((b.p = malloc(b.cap)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	memcpy(b.p, hdr, strlen(hdr) + 1);
	b.len = strlen(hdr);
	if ((r = ck_expiry_walk(st, CK_EXPIRY_ALL, add_line, &b)) == 0)
		r = ck_file_write(path, b.p, b.len, 0644, 0);
out:
	free(b.p);
	free(path);
	free(hdr);
	return r;
}

int
ck_expiry_read(const char *path, int64_t *written,
    int (*fn)(const struct ck_expiry_item *, void *), void *arg)
{
	char *buf = NULL, *line, *next;
	size_t len;
	long long w;
	int r;

	if ((r = ck_file_read(path, 64 * 1024 * 1024, &buf, &len, 0)) != 0)
		return r;
	if (strncmp(buf, HEADER, strlen(HEADER)) != 0 ||
	    sscanf(buf + strlen(HEADER), "%lld", &w) != 1) {
		free(buf);
		return ck_errf(CK_E_FORMAT, "%s: not a certkit expiry summary", path);
	}
	*written = (int64_t)w;
	r = 0;
	for (line = strchr(buf, '\n'); r == 0 && line != NULL && line[1] != '\0'; line = next) {
		char *f[5];
		struct ck_expiry_item it;
		int k = 0;

		line++;
		if ((next = strchr(line, '\n')) != NULL)
			*next = '\0';
		for (char *p = line; k < 5; k++) {
			f[k] = p;
			if ((p = strchr(p, '\t')) == NULL) {
				k++;
				break;
			}
			*p++ = '\0';
		}
		if (k != 5) {
			r = ck_errf(CK_E_FORMAT, "%s: a damaged line", path);
			break;
		}
		it.store = f[0];
		it.alias = f[1];
		it.type = f[2];
		it.not_after = strtoll(f[3], NULL, 10);
		it.sha1 = f[4];
		r = fn(&it, arg);
		if (next == NULL)
			break;
	}
	free(buf);
	return r;
}
