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

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "fileio.h"
#include "inifile.h"
#include "registry.h"
#include "util.h"

#define REG_MAX_FILE (4 * 1024 * 1024)

enum skey {
	K_DISPLAY, K_ALIASES, K_START, K_STOP, K_PROBE, K_START_TIMEOUT,
	K_STOP_TIMEOUT, K_REQUIRES, K_CORE, K_STARTUP, K_USER, K_PROFILES,
	K_TLS, K_UNIT, K_DIR, K_NKEYS
};

static const char *const skey_names[K_NKEYS] = {
	"display", "aliases", "start", "stop", "probe", "start_timeout",
	"stop_timeout", "requires", "core", "startup", "user", "profiles",
	"tls_endpoint", "unit", "directory",
};

/* Per-service parse bookkeeping, parallel to reg->svc. */
struct sinfo {
	int keyline[K_NKEYS];	/* 0 = key not seen */
};

struct pctx {
	const char *name;	/* file name for messages */
	struct ck_registry *reg;
	struct sinfo *info;
	size_t cap;
	int regline[3];		/* [registry] keys: backend, settle, poll */
	int cur;		/* index of the service being filled, -1 */
	int in_registry;
};

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

/* "service NAME" -> NAME (pointer into section), or NULL. */
static const char *
service_section(const char *section)
{
	if (strncmp(section, "service", 7) != 0 || (section[7] != ' ' && section[7] != '\t'))
		return NULL;
	section += 7;
	while (*section == ' ' || *section == '\t')
		section++;
	return section;
}

static int
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.' && *s != '@')
			return 0;
	return 1;
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
			} else if ((nm = service_section(sec)) != NULL) {
				if (!valid_name(nm))
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
ck_parse_duration(const char *s, long *ms)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || !(isdigit((unsigned char)*s) || *s == '.'))
		return ck_errf(CK_E_INVAL, "'%s' is not a duration", s ? s : "");
	v = strtod(s, &end);
	if (strcmp(end, "ms") == 0)
		;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		v *= 60000;
	else
		return ck_errf(CK_E_INVAL, "'%s' is not a duration (use 250ms, 5s, 2m)", s);
	if (v < 0 || v > 24.0 * 3600 * 1000)
		return ck_errf(CK_E_INVAL, "duration '%s' is out of range (0 to 24 hours)", s);
	*ms = (long)(v + 0.5);
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	if (ck_strcaseeq(v, "yes") || ck_strcaseeq(v, "true") || strcmp(v, "1") == 0 || ck_strcaseeq(v, "on"))
		*out = 1;
	else if (ck_strcaseeq(v, "no") || ck_strcaseeq(v, "false") || strcmp(v, "0") == 0 || ck_strcaseeq(v, "off"))
		*out = 0;
	else
		return CK_E_INVAL;
	return 0;
}

/* "PORT" or "HOST:PORT" (HOST may be [v6]). */
static int
parse_hostport(const char *v, char **host, int *port)
{
	const char *colon = strrchr(v, ':'), *ps = v;
	long p;
	char *h;

	if (colon != NULL)
		ps = colon + 1;
	if (ck_parse_long(ps, 1, 65535, &p) != 0)
		return CK_E_INVAL;
	if (colon == NULL || colon == v)
		h = strdup("127.0.0.1");
	else if (v[0] == '[' && colon[-1] == ']')
		h = strndup(v + 1, (size_t)(colon - v - 2));
	else
		h = strndup(v, (size_t)(colon - v));
	if (h == NULL)
		return CK_E_NOMEM;
	if (*h == '\0') {
		free(h);
		return CK_E_INVAL;
	}
	free(*host);
	*host = h;
	*port = (int)p;
	return 0;
}

static int
set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static int
service_key(struct pctx *c, struct ck_service *s, struct sinfo *in, const char *key,
    const char *value, int lineno)
{
	int k, r, b;
	long ms;

	for (k = 0; k < K_NKEYS; k++)
		if (strcmp(key, skey_names[k]) == 0)
			break;
	if (k == K_NKEYS)
		return ck_errf(CK_E_CONFIG, "%s:%d: unknown key '%s' in [service %s]",
		    c->name, lineno, key, s->name);
	if (in->keyline[k] != 0)
		return ck_errf(CK_E_CONFIG, "%s:%d: duplicate key '%s' in [service %s] (first at line %d)",
		    c->name, lineno, key, s->name, in->keyline[k]);
	in->keyline[k] = lineno;
	switch (k) {
	case K_DISPLAY:
		return set_str(&s->display, value);
	case K_START:
	case K_STOP:
		if (*value == '\0')
			return ck_errf(CK_E_CONFIG, "%s:%d: empty %s command for service %s",
			    c->name, lineno, key, s->name);
		return set_str(k == K_START ? &s->start : &s->stop, value);
	case K_USER:
		return set_str(&s->user, value);
	case K_UNIT:
		return set_str(&s->unit, value);
	case K_DIR:
		if (value[0] != '/')
			return ck_errf(CK_E_CONFIG, "%s:%d: directory '%s' is not an absolute path",
			    c->name, lineno, value);
		return set_str(&s->dir, value);
	case K_ALIASES:
	case K_REQUIRES:
	case K_PROFILES: {
		size_t n;
		char **v = ck_split(value, ',', &n);
		if (v == NULL)
			return ck_errf(CK_E_NOMEM, "registry: out of memory");
		for (size_t i = 0; i < n; i++)
			if (!valid_name(v[i])) {
				r = ck_errf(CK_E_CONFIG, "%s:%d: invalid name '%s' in %s", c->name,
				    lineno, v[i], key);
				free(v);
				return r;
			}
		if (k == K_ALIASES) {
			s->aliases = v;
			s->naliases = n;
		} else if (k == K_REQUIRES) {
			s->deps = v;
			s->ndeps = n;
		} else {
			s->profiles = v;
			s->nprofiles = n;
		}
		return 0;
	}
	case K_PROBE:
		if (strcmp(value, "pid") == 0) {
			s->probe = CK_PROBE_PID;
			return 0;
		}
		if (strncmp(value, "tcp:", 4) == 0 || strncmp(value, "tls:", 4) == 0) {
			s->probe = value[1] == 'c' ? CK_PROBE_TCP : CK_PROBE_TLS;
			if ((r = parse_hostport(value + 4, &s->probe_host, &s->probe_port)) != 0)
				return ck_errf(CK_E_CONFIG, "%s:%d: bad probe '%s': expected %.3s:PORT "
				    "or %.3s:HOST:PORT with PORT 1..65535", c->name, lineno, value, value, value);
			return 0;
		}
		if (strncmp(value, "cmd:", 4) == 0 || strncmp(value, "file:", 5) == 0) {
			const char *a = strchr(value, ':') + 1;
			while (*a == ' ')
				a++;
			if (*a == '\0')
				return ck_errf(CK_E_CONFIG, "%s:%d: probe '%s' has nothing after ':'",
				    c->name, lineno, value);
			s->probe = value[0] == 'c' ? CK_PROBE_CMD : CK_PROBE_FILE;
			return set_str(&s->probe_arg, a);
		}
		return ck_errf(CK_E_CONFIG, "%s:%d: unknown probe '%s' (use pid, tcp:PORT, "
		    "tls:PORT, cmd:COMMAND or file:PATH)", c->name, lineno, value);
	case K_START_TIMEOUT:
	case K_STOP_TIMEOUT:
		if (ck_parse_duration(value, &ms) != 0 || ms < 1)
			return ck_errf(CK_E_CONFIG, "%s:%d: bad %s '%s' (a duration like 500ms, 30s, 2m)",
			    c->name, lineno, key, value);
		if (k == K_START_TIMEOUT)
			s->start_timeout_ms = ms;
		else
			s->stop_timeout_ms = ms;
		return 0;
	case K_CORE:
		if (parse_bool(value, &b) != 0)
			return ck_errf(CK_E_CONFIG, "%s:%d: core must be yes or no, not '%s'",
			    c->name, lineno, value);
		s->core = b;
		return 0;
	case K_STARTUP:
		if (ck_strcaseeq(value, "automatic"))
			s->manual = 0;
		else if (ck_strcaseeq(value, "manual"))
			s->manual = 1;
		else
			return ck_errf(CK_E_CONFIG, "%s:%d: startup must be automatic or manual, not '%s'",
			    c->name, lineno, value);
		return 0;
	case K_TLS:
		if (parse_hostport(value, &s->tls_host, &s->tls_port) != 0 || strchr(value, ':') == NULL)
			return ck_errf(CK_E_CONFIG, "%s:%d: bad tls_endpoint '%s': expected HOST:PORT",
			    c->name, lineno, value);
		return 0;
	}
	return 0;
}

static int
registry_key(struct pctx *c, const char *key, const char *value, int lineno)
{
	static const char *const names[3] = { "backend", "settle", "poll" };
	int k;
	long ms;

	for (k = 0; k < 3; k++)
		if (strcmp(key, names[k]) == 0)
			break;
	if (k == 3)
		return ck_errf(CK_E_CONFIG, "%s:%d: unknown key '%s' in [registry]", c->name, lineno, key);
	if (c->regline[k] != 0)
		return ck_errf(CK_E_CONFIG, "%s:%d: duplicate key '%s' in [registry] (first at line %d)",
		    c->name, lineno, key, c->regline[k]);
	c->regline[k] = lineno;
	if (k == 0) {
		if (strcmp(value, "builtin") == 0)
			c->reg->backend = CK_BACKEND_BUILTIN;
		else if (strcmp(value, "systemd") == 0)
			c->reg->backend = CK_BACKEND_SYSTEMD;
		else
			return ck_errf(CK_E_CONFIG, "%s:%d: backend must be builtin or systemd, not '%s'",
			    c->name, lineno, value);
		return 0;
	}
	if (ck_parse_duration(value, &ms) != 0 || (k == 2 && (ms < 1 || ms > 10000)))
		return ck_errf(CK_E_CONFIG, "%s:%d: bad %s '%s' (a duration like 25ms)", c->name,
		    lineno, key, value);
	if (k == 1)
		c->reg->settle_ms = ms;
	else
		c->reg->poll_ms = ms;
	return 0;
}

static int
handler(void *user, const char *section, const char *key, const char *value, int lineno)
{
	struct pctx *c = user;
	const char *nm;

	if (*section == '\0')
		return ck_errf(CK_E_CONFIG, "%s:%d: a key outside any section (expected "
		    "[registry] or [service NAME] first)", c->name, lineno);
	if (strcmp(section, "registry") == 0)
		return registry_key(c, key, value, lineno);
	if ((nm = service_section(section)) == NULL)
		return ck_errf(CK_E_CONFIG, "%s:%d: unknown section (expected "
		    "[registry] or [service NAME])", c->name, lineno);
	if (c->cur < 0 || strcmp(c->reg->svc[c->cur].name, nm) != 0) {
		c->cur = -1;
		for (size_t i = 0; i < c->reg->n; i++)
			if (strcmp(c->reg->svc[i].name, nm) == 0)
				c->cur = (int)i;
		if (c->cur < 0)	/* the pre-scan saw every header */
			return ck_errf(CK_E_CONFIG, "%s:%d: unexpected section '[%s]'", c->name, lineno, section);
	}
	return service_key(c, &c->reg->svc[c->cur], &c->info[c->cur], key, value, lineno);
}

/* Aliases and names must be unique (case-insensitively) over the file. */
static int
check_names(struct pctx *c)
{
	struct ck_registry *reg = c->reg;

	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		for (size_t a = 0; a < s->naliases; a++) {
			int line = c->info[i].keyline[K_ALIASES];
			for (size_t j = 0; j < reg->n; j++) {
				struct ck_service *o = &reg->svc[j];
				if (ck_strcaseeq(o->name, s->aliases[a]))
					return ck_errf(CK_E_CONFIG, "%s:%d: alias '%s' of service %s is the name "
					    "of service %s (line %d)", c->name, line, s->aliases[a], s->name,
					    o->name, o->line);
				for (size_t b = 0; b < o->naliases; b++) {
					if (j == i && b == a)
						continue;
					if ((j < i || (j == i && b < a)) && ck_strcaseeq(o->aliases[b], s->aliases[a]))
						return ck_errf(CK_E_CONFIG, "%s:%d: duplicate alias '%s': service %s "
						    "already uses it (line %d)", c->name, line, s->aliases[a],
						    o->name, c->info[j].keyline[K_ALIASES]);
				}
			}
		}
	}
	return 0;
}

/* What systemctl takes as a unit: a name with a type suffix, no path. */
static int
unit_name_ok(const char *u)
{
	static const char *const types[] = { ".service", ".socket", ".target", ".mount",
	    ".timer", ".path", ".scope", ".slice", ".device", ".swap", ".automount" };
	size_t n = strlen(u);

	if (n == 0 || n > 255 || u[0] == '-' || u[0] == '.')
		return 0;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == 0x7f)
			return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i]);
		if (n > k && strcmp(u + n - k, types[i]) == 0)
			return 1;
	}
	return 0;
}

static int
resolve_deps(struct pctx *c)
{
	struct ck_registry *reg = c->reg;

	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		int line = c->info[i].keyline[K_REQUIRES];
		/* the systemd backend runs the unit, not a command */
		if (s->start == NULL && reg->backend != CK_BACKEND_SYSTEMD)
			return ck_errf(CK_E_CONFIG, "%s:%d: service %s has no start command "
			    "(add start = COMMAND, or drive units with backend = systemd)",
			    c->name, s->line, s->name);
		if (reg->backend == CK_BACKEND_SYSTEMD && s->unit != NULL &&
		    !unit_name_ok(s->unit))
			return ck_errf(CK_E_CONFIG, "%s:%d: service %s: unit '%s' is not a systemd "
			    "unit name (NAME.service, .socket, .target...: no '/', spaces or "
			    "control characters)", c->name, c->info[i].keyline[K_UNIT], s->name,
			    s->unit);
		if (s->ndeps == 0)
			continue;
		if ((s->dep_idx = calloc(s->ndeps, sizeof(int))) == NULL)
			return ck_errf(CK_E_NOMEM, "registry: out of memory");
		for (size_t d = 0; d < s->ndeps; d++) {
			int j = ck_registry_find(reg, s->deps[d]);
			if (j < 0)
				return ck_errf(CK_E_CONFIG, "%s:%d: service %s requires unknown service '%s'",
				    c->name, line, s->name, s->deps[d]);
			if ((size_t)j == i)
				return ck_errf(CK_E_CYCLE, "%s:%d: service %s requires itself",
				    c->name, line, s->name);
			for (size_t e = 0; e < d; e++)
				if (s->dep_idx[e] == j)
					return ck_errf(CK_E_CONFIG, "%s:%d: service %s lists '%s' twice in requires",
					    c->name, line, s->name, s->deps[d]);
			s->dep_idx[d] = j;
		}
	}
	return 0;
}

/* The cycle closed by an edge to service i, from stack[k] (where i is) up. */
static int
cycle_error(struct pctx *c, const int *stack, int depth, int i)
{
	struct ck_registry *reg = c->reg;
	char path[1024] = "";
	int k = depth - 1;

	while (k > 0 && stack[k] != i)
		k--;
	for (; k < depth; k++) {
		strncat(path, reg->svc[stack[k]].name, sizeof(path) - strlen(path) - 1);
		strncat(path, " -> ", sizeof(path) - strlen(path) - 1);
	}
	strncat(path, reg->svc[i].name, sizeof(path) - strlen(path) - 1);
	return ck_errf(CK_E_CYCLE, "%s:%d: dependency cycle: %s", c->name,
	    c->info[stack[depth - 1]].keyline[K_REQUIRES], path);
}

/*
 * Depth-first topological sort from root, iterative: stack[] holds the
 * path (at most every service once), next[] the next dependency to visit
 * at each level, so a chain of any length needs no C stack.  mark: 0 new,
 * 1 on the path, 2 done.  A back edge is a cycle; the error shows it from
 * the service whose requires line closes it.
 */
static int
visit(struct pctx *c, int root, int *mark, int *stack, size_t *next, size_t *no)
{
	struct ck_registry *reg = c->reg;
	int depth = 1;

	if (mark[root] == 2)
		return 0;
	mark[root] = 1;
	stack[0] = root;
	next[0] = 0;
	while (depth > 0) {
		int i = stack[depth - 1], d;
		const struct ck_service *s = &reg->svc[i];

		if (next[depth - 1] == s->ndeps) {
			mark[i] = 2;
			reg->order[(*no)++] = i;
			depth--;
			continue;
		}
		d = s->dep_idx[next[depth - 1]++];
		if (mark[d] == 2)
			continue;
		if (mark[d] == 1)
			return cycle_error(c, stack, depth, d);
		mark[d] = 1;
		stack[depth] = d;
		next[depth++] = 0;
	}
	return 0;
}

static int
sort_deps(struct pctx *c)
{
	struct ck_registry *reg = c->reg;
	int *mark = NULL, *stack = NULL, r = 0;
	size_t no = 0, *next = NULL;

	if (reg->n == 0)
		return 0;
	mark = calloc(reg->n, sizeof(int));
	stack = calloc(reg->n + 1, sizeof(int));
	next = calloc(reg->n + 1, sizeof(size_t));
	reg->order = calloc(reg->n, sizeof(int));
	if (mark == NULL || stack == NULL || next == NULL || reg->order == NULL) {
		r = ck_errf(CK_E_NOMEM, "registry: out of memory");
		goto out;
	}
	for (size_t i = 0; i < reg->n; i++)
		if ((r = visit(c, (int)i, mark, stack, next, &no)) != 0)
			goto out;
out:
	free(next);
	free(stack);
	free(mark);
	return r;
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
	if ((r = ck_ini_parse_buf(name, buf, len, 0, handler, &c)) != 0)
		goto out;
	if ((r = resolve_deps(&c)) != 0)
		goto out;
	if ((r = check_names(&c)) != 0)
		goto out;
	if ((r = sort_deps(&c)) != 0)
		goto out;
	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		if (s->display == NULL && (r = set_str(&s->display, s->name)) != 0)
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
