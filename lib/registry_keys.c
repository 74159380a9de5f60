/*
 * registry_keys.c: the keys of services.conf(5) and their values: the
 * table of [service NAME] keys, the [registry] keys, and the inih handler
 * that routes each key to its section.  A key seen twice in one section,
 * an unknown key and a malformed value are CK_E_CONFIG naming the line.
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "registry.h"
#include "registry_int.h"
#include "util.h"

static const char *const skey_names[K_NKEYS] = {
	"display", "aliases", "start", "stop", "probe", "start_timeout",
	"stop_timeout", "requires", "core", "startup", "user", "profiles",
	"tls_endpoint", "unit", "directory", "environment", "pass_environment", "uses",
	"reload", "restart_with_requires",
};

/* "service NAME" -> NAME (pointer into section), or NULL. */
const char *
ck_reg_service_section(const char *section)
{
	if (strncmp(section, "service", 7) != 0 || (section[7] != ' ' && section[7] != '\t'))
		return NULL;
	section += 7;
	while (*section == ' ' || *section == '\t')
		section++;
	return section;
}

int
ck_reg_valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.' && *s != '@')
			return 0;
	return 1;
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

int
ck_swap_policy_parse(const char *s, enum ck_swap_policy *p)
{
	if (strcmp(s, "vmware") == 0)
		*p = CK_POLICY_VMWARE;
	else if (strcmp(s, "minimal") == 0)
		*p = CK_POLICY_MINIMAL;
	else
		return CK_E_INVAL;
	return 0;
}

const char *
ck_swap_policy_name(enum ck_swap_policy p)
{
	return p == CK_POLICY_MINIMAL ? "minimal" : "vmware";
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

int
ck_reg_set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

void
ck_reg_free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n && w != NULL; i++)
		free(w[i]);
	free(w);
}

/*
 * Split v at blanks into malloc'ed words, as systemd splits Environment=:
 * double quotes keep blanks (and \" and \\ inside them stand for " and \);
 * nothing else is expanded.  CK_E_INVAL for an unterminated quote.
 */
static int
split_words(const char *v, char ***out, size_t *n)
{
	char **w = NULL, **nw, *cur;
	size_t k = 0, len = strlen(v);
	int inq;

	*out = NULL;
	*n = 0;
	for (const char *p = v;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if ((cur = malloc(len + 1)) == NULL)
			goto nomem;
		for (inq = 0, k = 0; *p != '\0' && (inq || (*p != ' ' && *p != '\t')); p++) {
			if (*p == '"')
				inq = !inq;
			else if (inq && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
				cur[k++] = *++p;
			else
				cur[k++] = *p;
		}
		cur[k] = '\0';
		if ((nw = realloc(w, (*n + 1) * sizeof(*w))) == NULL) {
			free(cur);
			goto nomem;
		}
		w = nw;
		w[(*n)++] = cur;
		if (inq) {
			ck_reg_free_words(w, *n);
			*n = 0;
			return CK_E_INVAL;
		}
	}
	*out = w;
	return 0;
nomem:
	ck_reg_free_words(w, *n);
	*n = 0;
	return CK_E_NOMEM;
}

/* The first n bytes of s are a variable name ([A-Za-z_][A-Za-z0-9_]*) that
 * is not certkit's own (CK_*: set by svcctl for every child). */
static int
env_name(const char *s, size_t n)
{
	if (n == 0 || n > 128 || isdigit((unsigned char)s[0]) || (n >= 3 && strncmp(s, "CK_", 3) == 0))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/*
 * environment = NAME=VALUE ... and pass_environment = NAME ...: words of
 * names (a value is never echoed in a message: it may be a secret).  A
 * name given twice is an error, as is one of certkit's own CK_* names.
 */
static int
env_key(struct pctx *c, struct ck_service *s, int k, const char *key, const char *value,
    int lineno)
{
	char **w = NULL;
	size_t n = 0, nl;
	int r;

	if ((r = split_words(value, &w, &n)) == CK_E_NOMEM)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	if (r != 0)
		return ck_errf(CK_E_CONFIG, "%s:%d: %s of service %s: a double quote is not closed",
		    c->name, lineno, key, s->name);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(w[i], '=');

		nl = k == K_ENV ? (eq ? (size_t)(eq - w[i]) : 0) : strlen(w[i]);
		if ((k == K_ENV && eq == NULL) || (k == K_PASS_ENV && eq != NULL) || !env_name(w[i], nl)) {
			r = ck_errf(CK_E_CONFIG, "%s:%d: %s of service %s: word %zu is not %s (a name of "
			    "letters, digits and '_', not CK_*, which svcctl sets)", c->name, lineno, key,
			    s->name, i + 1, k == K_ENV ? "NAME=VALUE" : "a variable NAME");
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (strncmp(w[j], w[i], nl) == 0 && (w[j][nl] == '=' || w[j][nl] == '\0')) {
				r = ck_errf(CK_E_CONFIG, "%s:%d: %s of service %s names %.*s twice",
				    c->name, lineno, key, s->name, (int)nl, w[i]);
				goto out;
			}
	}
	if (k == K_ENV) {
		s->env = w;
		s->nenv = n;
	} else {
		s->pass_env = w;
		s->npass_env = n;
	}
	return 0;
out:
	ck_reg_free_words(w, n);
	return r;
}

/* A store or alias name as vecs accepts it, roughly: printable, no blank,
 * and no '/', which separates them here. */
static int
entry_name(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '/')
			return 0;
	return 1;
}

/* uses = STORE[/ALIAS] ..., blanks or commas between them. */
static int
uses_key(struct pctx *c, struct ck_service *s, const char *value, int lineno)
{
	char *v = strdup(value), **w = NULL;
	size_t n = 0;
	int r = 0;

	if (v == NULL)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	for (char *p = v; *p; p++)
		if (*p == ',')
			*p = ' ';
	r = split_words(v, &w, &n);
	free(v);
	if (r == CK_E_NOMEM)
		return ck_errf(CK_E_NOMEM, "registry: out of memory");
	if (r != 0 || n == 0) {
		ck_reg_free_words(w, n);
		return ck_errf(CK_E_CONFIG, "%s:%d: uses of service %s: expected STORE or STORE/ALIAS, "
		    "one or more", c->name, lineno, s->name);
	}
	for (size_t i = 0; i < n; i++) {
		const char *sl = strchr(w[i], '/');
		size_t sn = sl ? (size_t)(sl - w[i]) : strlen(w[i]);

		if (!entry_name(w[i], sn) || (sl != NULL && !entry_name(sl + 1, strlen(sl + 1)))) {
			ck_reg_free_words(w, n);
			return ck_errf(CK_E_CONFIG, "%s:%d: uses of service %s: word %zu is not STORE or "
			    "STORE/ALIAS", c->name, lineno, s->name, i + 1);
		}
	}
	s->uses = w;
	s->nuses = n;
	return 0;
}

/* reload = COMMAND or reload = signal:NAME (HUP, USR1, USR2, or SIGHUP ...). */
static int
reload_key(struct pctx *c, struct ck_service *s, const char *value, int lineno)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "WINCH", SIGWINCH },
		{ "INT", SIGINT }, { "TERM", SIGTERM }, { "QUIT", SIGQUIT },
	};
	const char *nm;

	if (*value == '\0')
		return ck_errf(CK_E_CONFIG, "%s:%d: empty reload command for service %s",
		    c->name, lineno, s->name);
	if (strncmp(value, "signal:", 7) != 0)
		return ck_reg_set_str(&s->reload, value);
	nm = value + 7;
	while (*nm == ' ')
		nm++;
	if (strncmp(nm, "SIG", 3) == 0)
		nm += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(nm, sigs[i].name) == 0) {
			s->reload_signal = sigs[i].sig;
			return 0;
		}
	return ck_errf(CK_E_CONFIG, "%s:%d: reload of service %s: unknown signal (use signal:HUP, "
	    "USR1, USR2, WINCH, INT, TERM or QUIT)", c->name, lineno, s->name);
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
		return ck_reg_set_str(&s->display, value);
	case K_START:
	case K_STOP:
		if (*value == '\0')
			return ck_errf(CK_E_CONFIG, "%s:%d: empty %s command for service %s",
			    c->name, lineno, key, s->name);
		return ck_reg_set_str(k == K_START ? &s->start : &s->stop, value);
	case K_USER:
		return ck_reg_set_str(&s->user, value);
	case K_UNIT:
		return ck_reg_set_str(&s->unit, value);
	case K_DIR:
		if (value[0] != '/')
			return ck_errf(CK_E_CONFIG, "%s:%d: directory '%s' is not an absolute path",
			    c->name, lineno, value);
		return ck_reg_set_str(&s->dir, value);
	case K_ENV:
	case K_PASS_ENV:
		return env_key(c, s, k, key, value, lineno);
	case K_USES:
		return uses_key(c, s, value, lineno);
	case K_RELOAD:
		return reload_key(c, s, value, lineno);
	case K_RESTART_WITH:
		if (parse_bool(value, &b) != 0)
			return ck_errf(CK_E_CONFIG, "%s:%d: restart_with_requires must be yes or no, "
			    "not '%s'", c->name, lineno, value);
		s->restart_with_requires = b;
		return 0;
	case K_ALIASES:
	case K_REQUIRES:
	case K_PROFILES: {
		size_t n;
		char **v = ck_split(value, ',', &n);
		if (v == NULL)
			return ck_errf(CK_E_NOMEM, "registry: out of memory");
		for (size_t i = 0; i < n; i++)
			if (!ck_reg_valid_name(v[i])) {
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
			return ck_reg_set_str(&s->probe_arg, a);
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
	static const char *const names[4] = { "backend", "settle", "poll", "swap_policy" };
	int k;
	long ms;

	for (k = 0; k < 4; k++)
		if (strcmp(key, names[k]) == 0)
			break;
	if (k == 4)
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
	if (k == 3) {
		if (ck_swap_policy_parse(value, &c->reg->swap_policy) != 0)
			return ck_errf(CK_E_CONFIG, "%s:%d: swap_policy must be vmware or minimal, not '%s'",
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

int
ck_reg_handler(void *user, const char *section, const char *key, const char *value, int lineno)
{
	struct pctx *c = user;
	const char *nm;

	if (*section == '\0')
		return ck_errf(CK_E_CONFIG, "%s:%d: a key outside any section (expected "
		    "[registry] or [service NAME] first)", c->name, lineno);
	if (strcmp(section, "registry") == 0)
		return registry_key(c, key, value, lineno);
	if ((nm = ck_reg_service_section(section)) == NULL)
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
