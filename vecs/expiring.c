/*
 * expiring.c: `vecs entry list --expiring DAYS`, the census monitoring
 * runs: which certificates expire within DAYS days (or have expired), in
 * one store (--store) or all (--all-stores), as lines, JSON, or one
 * Nagios/Icinga plugin status line (--nagios).
 *
 * Root (and the owner of a sandbox store) reads the store itself, skipping
 * stores it may not read; anyone else reads the published summary
 * (lib/expiry.h), which holds names and dates and no key, so monitoring
 * needs no privilege.  Certificates are read without libcrypto.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "expiry.h"
#include "util.h"
#include "vecs.h"

/* Nagios plugin statuses */
enum { NG_OK = 0, NG_WARNING = 1, NG_CRITICAL = 2, NG_UNKNOWN = 3 };

struct item {
	char *store, *alias, *type;
	int64_t left;		/* seconds until notAfter; < 0 expired */
	int64_t not_after;
};

struct census {
	const char *only;	/* --store, or NULL for every store */
	int64_t now, horizon;
	size_t total;		/* certificates looked at */
	struct item *it;	/* the expiring ones */
	size_t n, cap;
	int nagios;
};

static int
take(const struct ck_expiry_item *e, void *arg)
{
	struct census *c = arg;
	struct item *x;

	if (c->only != NULL && strcasecmp(c->only, e->store) != 0)
		return 0;
	if (e->alias == NULL) {
		if (!c->nagios)
			fprintf(stderr, "Warning: Skipped store [%s]: access denied \n", e->store);
		return 0;
	}
	c->total++;
	if (e->not_after - c->now > c->horizon)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct item *ni = realloc(c->it, cap * sizeof(*ni));
		if (ni == NULL)
			return CK_E_NOMEM;
		c->it = ni;
		c->cap = cap;
	}
	x = &c->it[c->n];
	x->store = strdup(e->store);
	x->alias = strdup(e->alias);
	x->type = strdup(e->type);
	x->not_after = e->not_after;
	x->left = e->not_after - c->now;
	c->n++;
	return x->store && x->alias && x->type ? 0 : CK_E_NOMEM;
}

static int
by_left(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->left < y->left ? -1 : x->left > y->left;
}

static void
iso(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "unknown");
}

/* One status line, perfdata after '|' (Nagios plugin guidelines). */
static int
nagios_report(const struct census *c, long days, long crit)
{
	size_t expired = 0, critical = 0;
	int st;

	for (size_t i = 0; i < c->n; i++) {
		expired += c->it[i].left <= 0;
		critical += c->it[i].left <= (int64_t)crit * 86400;
	}
	st = critical ? NG_CRITICAL : c->n ? NG_WARNING : NG_OK;
	printf("VECS %s - ", st == NG_OK ? "OK" : st == NG_WARNING ? "WARNING" : "CRITICAL");
	if (c->n == 0)
		printf("%zu certificates, none expires within %ld days", c->total, days);
	else
		printf("%zu of %zu certificates expire within %ld days (%zu expired):", c->n,
		    c->total, days, expired);
	for (size_t i = 0; i < c->n && i < 3; i++)
		printf("%s %s/%s %s %lld days", i ? "," : "", c->it[i].store, c->it[i].alias,
		    c->it[i].left <= 0 ? "expired" : "in", (long long)(c->it[i].left / 86400));
	if (c->n > 3)
		printf(", ...");
	printf(" | certificates=%zu;;;0 expiring=%zu;;;0 expired=%zu;;;0", c->total, c->n,
	    expired);
	if (c->n > 0)
		printf(" min_days_left=%lld;%ld;%ld", (long long)(c->it[0].left / 86400), days, crit);
	printf("\n");
	return st;
}

static void
plain_report(const struct census *c, int json)
{
	char na[32];

	if (json)
		fputs("[", stdout);
	for (size_t i = 0; i < c->n; i++) {
		const struct item *x = &c->it[i];
		iso(x->not_after, na, sizeof(na));
		if (json) {
			printf("%s\n  {\"store\": ", i ? "," : "");
			json_str(stdout, x->store, strlen(x->store));
			fputs(", \"alias\": ", stdout);
			json_str(stdout, x->alias, strlen(x->alias));
			printf(", \"type_name\": \"%s\", \"not_after\": \"%s\", \"days_left\": %lld}",
			    x->type, na, (long long)(x->left / 86400));
		} else {
			printf("%s\t%s\t%s\t%lld\n", x->store, x->alias, na,
			    (long long)(x->left / 86400));
		}
	}
	if (json)
		fputs(c->n ? "\n]\n" : "]\n", stdout);
}

/* A failure: vecs-cli's report, or in --nagios mode UNKNOWN on stdout. */
static int
failed(const struct census *c, unsigned int code, int r, const char *what)
{
	const char *d = ck_err_detail();

	if (!c->nagios)
		return r != 0 ? vfail_ck(code, r) : vfail(code);
	printf("VECS UNKNOWN - %s%s%s%s%s\n", what, r ? ": " : "", r ? ck_strerror(r) : "",
	    r && *d ? ": " : "", r ? d : "");
	return NG_UNKNOWN;
}

static int
census_take(struct vctx *ctx, struct census *c)
{
	int64_t written;
	uint32_t uid = (uint32_t)ctx->uid;
	char *path;
	int r, x;

	if (!vecs_caller_allowed(ctx->uid)) {
		/* the unprivileged path: the published summary */
		if ((path = ck_expiry_path(NULL)) == NULL)
			return failed(c, W_NOT_ENOUGH_MEMORY, CK_E_NOMEM, "out of memory");
		r = ck_expiry_read(path, &written, take, c);
		if (r == CK_E_NOENT || r == CK_E_ACCESS) {
			if (!c->nagios)
				fprintf(stderr, "Error: No readable expiry summary %s: root's next "
				    "change to the store, or `vecs force-refresh`, writes it \n", path);
			x = failed(c, vecs_code(r), r, "no readable expiry summary");
		} else {
			x = r != 0 ? failed(c, vecs_code(r), r, path) : 0;
		}
		free(path);
		return x;
	}
	if (c->nagios) {
		/* vecs_open prints its failures in vecs-cli's form */
		if ((r = ck_store_open(NULL, 0, &ctx->st)) != 0)
			return failed(c, vecs_code(r), r, "cannot open the certificate store");
	} else if ((x = vecs_open(ctx)) != 0) {
		return x;
	}
	if (c->only != NULL) {
		struct ck_store_info info;
		if ((r = ck_store_info(ctx->st, c->only, &info)) == CK_E_NOENT) {
			if (!c->nagios)
				fprintf(stderr, "Error : Store [%s] does not exist\n", c->only);
			return failed(c, W_OBJECT_NOT_FOUND, 0, "no such store");
		}
		if (r == 0 && ck_store_access(&info, uid, CK_ACCESS_READ) != 0) {
			if (!c->nagios)
				fprintf(stderr, "Error: Access to store [%s] is denied \n", info.name);
			return failed(c, W_ACCESS_DENIED, 0, "access to the store is denied");
		}
	}
	if ((r = ck_expiry_walk(ctx->st, &uid, take, c)) != 0)
		return failed(c, vecs_code(r), r, "cannot read the certificate store");
	return 0;
}

int
vecs_list_expiring(struct vctx *ctx)
{
	struct census c;
	long days, crit = 0;
	int x;

	memset(&c, 0, sizeof(c));
	c.nagios = ctx->set[O_NAGIOS] != 0;
	c.only = ctx->set[O_ALL_STORES] ? NULL : ctx->val[O_STORE];
	c.now = ck_now();
	if (ck_parse_long(ctx->val[O_EXPIRING], 0, 36500, &days) != 0) {
		if (c.nagios)
			return failed(&c, 0, 0, "--expiring needs a number of days (0..36500)");
		return vsyntax(ctx->cmd, "Error: --expiring needs a number of days (0..36500), "
		    "not [%s] \n", ctx->val[O_EXPIRING]);
	}
	if (ctx->set[O_CRITICAL] && (!c.nagios ||
	    ck_parse_long(ctx->val[O_CRITICAL], 0, days, &crit) != 0)) {
		if (c.nagios)
			return failed(&c, 0, 0, "--critical needs a number of days, at most --expiring's");
		return vsyntax(ctx->cmd, "Error: --critical goes with --nagios \n");
	}
	if (!ctx->set[O_ALL_STORES] && (c.only == NULL || *c.only == '\0')) {
		if (c.nagios)
			return failed(&c, 0, 0, "--expiring needs --store or --all-stores");
		return vsyntax(ctx->cmd, "Error: --expiring needs --store or --all-stores \n");
	}
	if (ctx->set[O_TEXT] || ctx->set[O_ALIASES] || (c.nagios && ctx->set[O_JSON])) {
		if (c.nagios)
			return failed(&c, 0, 0, "--nagios prints one status line: no --text, "
			    "--aliases or --json");
		return vsyntax(ctx->cmd, "Error: --expiring prints its own lines; of --text, "
		    "--aliases and --json only --json goes with it \n");
	}
	c.horizon = (int64_t)days * 86400;
	if ((x = census_take(ctx, &c)) == 0) {
		if (c.n > 0)	/* qsort(NULL, 0, ...) is undefined */
			qsort(c.it, c.n, sizeof(*c.it), by_left);
		if (c.nagios)
			x = nagios_report(&c, days, crit);
		else {
			plain_report(&c, ctx->set[O_JSON] != 0);
			/* like grep: 1 when something was found (expiring or expired) */
			x = c.n > 0 ? 1 : 0;
		}
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.it[i].store);
		free(c.it[i].alias);
		free(c.it[i].type);
	}
	free(c.it);
	return x;
}
