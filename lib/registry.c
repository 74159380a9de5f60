/*
 * registry.c: services.conf(5) on lib/inifile, validated as a whole.
 *
 * inih only reports keys, so a tolerant pre-scan of the raw text finds
 * the [section] header lines first: that gives every service a line to
 * name in errors (even a section without keys) and catches a service
 * declared twice.  The real parse then fills the services, and checks
 * that need the whole file (dependencies, aliases, cycles) run last.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "inifile.h"
#include "registry.h"
#include "registry_int.h"
#include "store.h"
#include "util.h"

#define REG_MAX_FILE (4 * 1024 * 1024)

static int
grow(struct pctx *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 16;
	struct ck_service *s;
	struct sinfo *in;

	s = realloc(c->reg->svc, ncap * sizeof(*s));
	if (s == NULL)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	c->reg->svc = s;
	in = realloc(c->info, ncap * sizeof(*in));
	if (in == NULL)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	c->info = in;
	c->cap = ncap;
	return 0;
}

/*
 * Pre-scan: create one service per [service NAME] header, in file order,
 * with its header line.  Unknown sections and repeated services are
 * errors here; syntax errors are left to the INI parser.
 */
static int
prescan(struct pctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int lineno = 0, r;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *e, *rb;
		char sec[256];
		const char *nm;
		size_t sl;

		if (eol == NULL)
			eol = end;
		lineno++;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q < eol && *q == '[' && (rb = memchr(q, ']', (size_t)(eol - q))) != NULL) {
			q++;
			e = rb;
			while (q < e && (*q == ' ' || *q == '\t'))
				q++;
			while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			sl = (size_t)(e - q);
			if (sl >= sizeof(sec))
				return ck_errf(CK_E_CONFIG, "%s:%d: section name too long", c->name, lineno);
			memcpy(sec, q, sl);
			sec[sl] = '\0';
			if (strcmp(sec, "registry") == 0) {
				/* fine */
			} else if ((nm = ck_reg_service_section(sec)) != NULL) {
				if (!ck_reg_valid_name(nm))
					return ck_errf(CK_E_CONFIG, "%s:%d: invalid service name '%s' "
					    "(letters, digits, '-', '_', '.', '@'; at most 64)", c->name, lineno, nm);
				for (size_t i = 0; i < c->reg->n; i++)
					if (ck_strcaseeq(c->reg->svc[i].name, nm))
						return ck_errf(CK_E_CONFIG, "%s:%d: service '%s' is already "
						    "defined at line %d", c->name, lineno, nm, c->reg->svc[i].line);
				if (c->reg->n == c->cap && (r = grow(c)) != 0)
					return r;
				struct ck_service *s = &c->reg->svc[c->reg->n];
				memset(s, 0, sizeof(*s));
				memset(&c->info[c->reg->n], 0, sizeof(c->info[0]));
				s->line = lineno;
				s->start_timeout_ms = CK_REG_DEFAULT_START_TIMEOUT_MS;
				s->stop_timeout_ms = CK_REG_DEFAULT_STOP_TIMEOUT_MS;
				if ((s->name = strdup(nm)) == NULL)
					return ck_errf(CK_E_NOMEM, "registry: out of memory");
				c->reg->n++;
			} else {
				/* the header is not echoed: a file given as -r by
				 * mistake (a password file) must not reach the terminal */
				return ck_errf(CK_E_CONFIG, "%s:%d: unknown section (expected "
				    "[registry] or [service NAME])", c->name, lineno);
			}
		}
		p = eol + 1;
	}
	return 0;
}

int
ck_registry_parse(const char *name, const char *buf, size_t len, struct ck_registry **out)
{
	struct pctx c;
	struct ck_registry *reg = NULL;
	int r;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.cur = -1;
	if ((reg = calloc(1, sizeof(*reg))) == NULL || (reg->path = strdup(name)) == NULL) {
		free(reg);
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	}
	reg->settle_ms = CK_REG_DEFAULT_SETTLE_MS;
	reg->poll_ms = CK_REG_DEFAULT_POLL_MS;
	c.reg = reg;
	if ((r = prescan(&c, buf, len)) != 0)
		goto out;
	if ((r = ck_ini_parse_buf(name, buf, len, 0, ck_reg_handler, &c)) != 0)
		goto out;
	if ((r = ck_reg_resolve_deps(&c)) != 0)
		goto out;
	if ((r = ck_reg_check_names(&c)) != 0)
		goto out;
	if ((r = ck_reg_sort_deps(&c)) != 0)
		goto out;
	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		if (s->display == NULL && (r = ck_reg_set_str(&s->display, s->name)) != 0)
			goto out;
		if (s->unit == NULL && (s->unit = ck_asprintf("%s.service", s->name)) == NULL) {
			r = ck_errf(CK_E_NOMEM, "registry: out of memory");
			goto out;
		}
	}
	*out = reg;
	reg = NULL;
	r = 0;
out:
	free(c.info);
	ck_registry_free(reg);
	return r;
}

/*
 * Read the registry from an open descriptor, after checking what it is:
 * a regular file (a FIFO would hang the read), and, when we run as root,
 * owned by root and not writable by group or others, since its commands
 * (probes, stop, start) run as root: a registry someone else can write is
 * a way to root.
 */
static int
read_checked(const char *path, int fd, char **buf, size_t *len)
{
	struct stat sb;
	size_t cap = 0;
	ssize_t n;

	if (fstat(fd, &sb) != 0)
		return ck_errf(ck_errno(errno), "%s: fstat: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return ck_errf(CK_E_CONFIG, "%s: not a regular file", path);
	if (geteuid() == 0 && (sb.st_uid != 0 || (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0))
		return ck_errf(CK_E_ACCESS, "%s: refused: a registry used by root must be owned by "
		    "root and writable by nobody else (it is owned by uid %ld, mode %03o); "
		    "fix it with chown root %s && chmod go-w %s", path, (long)sb.st_uid,
		    (unsigned)(sb.st_mode & 07777), path, path);
	if (sb.st_size > REG_MAX_FILE)
		return ck_errf(CK_E_CONFIG, "%s: larger than %d bytes", path, REG_MAX_FILE);
	cap = (size_t)sb.st_size + 1;
	if ((*buf = malloc(cap)) == NULL)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	*len = 0;
	while ((n = read(fd, *buf + *len, cap - 1 - *len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ck_errf(ck_errno(errno), "%s: read: %s", path, strerror(errno));
		*len += (size_t)n;
		if (*len == cap - 1)
			break;	/* grew while we read: what fstat saw is enough */
	}
	(*buf)[*len] = '\0';
	return 0;
}

int
ck_registry_load(const char *path, struct ck_registry **out)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return ck_errf(ck_errno(errno), "%s: cannot read the service registry: %s", path,
		    strerror(errno));
	r = read_checked(path, fd, &buf, &len);
	close(fd);
	if (r == 0)
		r = ck_registry_parse(path, buf, len, out);
	free(buf);
	return r;
}

void
ck_registry_free(struct ck_registry *reg)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		free(s->name);
		free(s->display);
		free(s->aliases);
		free(s->start);
		free(s->stop);
		free(s->dir);
		free(s->probe_host);
		free(s->probe_arg);
		free(s->deps);
		free(s->dep_idx);
		free(s->user);
		free(s->profiles);
		free(s->tls_host);
		free(s->unit);
		ck_reg_free_words(s->env, s->nenv);
		ck_reg_free_words(s->pass_env, s->npass_env);
		ck_reg_free_words(s->uses, s->nuses);
		free(s->reload);
	}
	free(reg->svc);
	free(reg->order);
	free(reg->path);
	free(reg);
}

int
ck_registry_find(const struct ck_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->n; i++) {
		if (strcmp(reg->svc[i].name, name) == 0)
			return (int)i;
		for (size_t a = 0; a < reg->svc[i].naliases; a++)
			if (strcmp(reg->svc[i].aliases[a], name) == 0)
				return (int)i;
	}
	for (size_t i = 0; i < reg->n; i++) {
		if (ck_strcaseeq(reg->svc[i].name, name))
			return (int)i;
		for (size_t a = 0; a < reg->svc[i].naliases; a++)
			if (ck_strcaseeq(reg->svc[i].aliases[a], name))
				return (int)i;
	}
	return CK_E_NOENT;
}

int
ck_registry_in_profile(const struct ck_registry *reg, size_t i, const char *profile)
{
	const struct ck_service *s = &reg->svc[i];

	if (ck_strcaseeq(profile, "ALL"))
		return !s->manual;
	for (size_t p = 0; p < s->nprofiles; p++)
		if (ck_strcaseeq(s->profiles[p], profile))
			return 1;
	return 0;
}

int
ck_registry_uses(const struct ck_registry *reg, size_t i, const char *store, const char *alias)
{
	const struct ck_service *s = &reg->svc[i];
	size_t sl = strlen(store);

	for (size_t u = 0; u < s->nuses; u++) {
		const char *w = s->uses[u];
		if (strncasecmp(w, store, sl) == 0 && (w[sl] == '\0' ||
		    (w[sl] == '/' && strcmp(w + sl + 1, alias) == 0)))
			return 1;
	}
	/* a TLS server serves the machine certificate unless it says otherwise */
	return ck_strcaseeq(store, CK_STORE_MACHINE_SSL) && strcmp(alias, CK_MACHINE_CERT_ALIAS) == 0 &&
	    (s->tls_host != NULL || (s->probe == CK_PROBE_TLS && s->nuses == 0));
}

int
ck_registry_can_reload(const struct ck_registry *reg, size_t i)
{
	return reg->svc[i].reload != NULL || reg->svc[i].reload_signal != 0;
}
