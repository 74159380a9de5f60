/* inifile.c: line normalisation in front of inih (see inifile.h for why). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "err.h"
#include "fileio.h"
#include "inifile.h"

/* One normalised line of the file. */
struct line {
	int lineno;
	char *key;	/* NULL for blank and section lines */
	char *value;
	char *raw;	/* what inih sees */
};

struct ctx {
	const char *name;
	struct line *lines;
	size_t nlines;
	size_t next;	/* reader position */
	ck_ini_handler h;
	void *user;
	int r;		/* first error */
};

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' || *s == '\v')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\f' || e[-1] == '\v'))
		*--e = '\0';
	return s;
}

/* inih reader: hands out our normalised lines one at a time. */
static char *
reader(char *str, int num, void *stream)
{
	struct ctx *c = stream;
	const char *raw;

	if (c->next >= c->nlines)
		return NULL;
	raw = c->lines[c->next++].raw;
	snprintf(str, (size_t)num, "%s\n", raw);
	return str;
}

/* inih handler: the value is the index of our line, which holds the truth. */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	char *end;
	unsigned long i;

	(void)name;
	if (c->r != 0)
		return 1;
	i = strtoul(value, &end, 10);
	if (*end != '\0' || i >= c->nlines || c->lines[i].key == NULL) {
		c->r = ck_errf(CK_E_CONFIG, "%s: internal parse error", c->name);
		return 1;
	}
	c->r = c->h(c->user, section, c->lines[i].key, c->lines[i].value, c->lines[i].lineno);
	return 1;
}

/*
 * Normalise line s (lineno) into l.  Errors name the file and the line
 * number only, never the text: a file given by mistake may be a password
 * or key file (issue 11: --config or -r of a password file printed it).
 */
static int
parse_line(struct ctx *c, char *s, int lineno, int flags, struct line *l)
{
	char *eq, *hash;

	memset(l, 0, sizeof(*l));
	l->lineno = lineno;
	s = trim(s);
	if ((flags & CK_INI_HASH_ANYWHERE) && (hash = strchr(s, '#')) != NULL) {
		*hash = '\0';
		s = trim(s);
	}
	if (*s == '#' || *s == ';')
		*s = '\0';
	if (*s == '\0') {
		l->raw = strdup("");
	} else if (*s == '[') {
		char *close = strchr(s, ']');
		if (flags & CK_INI_NO_SECTIONS)
			return ck_errf(CK_E_CONFIG, "%s:%d: a [section] line, and sections are not "
			    "allowed here", c->name, lineno);
		if (close == NULL || close[1] != '\0' || close == s + 1 || strlen(s) > 150)
			return ck_errf(CK_E_CONFIG, "%s:%d: invalid section line (expected [name], "
			    "at most 150 characters)", c->name, lineno);
		l->raw = strdup(s);
	} else {
		if ((eq = strchr(s, '=')) == NULL)
			return ck_errf(CK_E_CONFIG, "%s:%d: the options configuration file contains an "
			    "invalid line (not 'key = value'; its text is not shown)", c->name, lineno);
		*eq = '\0';
		if (*trim(s) == '\0')
			return ck_errf(CK_E_CONFIG, "%s:%d: line has no key before '='", c->name, lineno);
		l->key = strdup(trim(s));
		l->value = strdup(trim(eq + 1));
		if ((l->raw = malloc(32)) != NULL)
			snprintf(l->raw, 32, "k=%zu", c->nlines);
		if (l->key == NULL || l->value == NULL) {
			free(l->raw);
			l->raw = NULL;
		}
	}
	if (l->raw == NULL) {
		free(l->key);
		free(l->value);
		l->key = l->value = NULL;
		return CK_E_NOMEM;
	}
	return 0;
}

/* Room for one more line in c->lines. */
static int
grow(struct ctx *c, size_t *cap)
{
	size_t ncap;
	struct line *nl;

	if (c->nlines < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if ((nl = realloc(c->lines, ncap * sizeof(*nl))) == NULL)
		return CK_E_NOMEM;
	c->lines = nl;
	*cap = ncap;
	return 0;
}

int
ck_ini_parse_buf(const char *name, const char *buf, size_t len, int flags,
    ck_ini_handler h, void *user)
{
	struct ctx c = { .name = name, .h = h, .user = user };
	char *copy = NULL, *p, *end;
	size_t cap = 0;
	int r = 0, lineno = 0, ir;

	if (len >= 2 && (((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) ||
	    ((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff)))
		return ck_errf(CK_E_UTF16, "Config file: %s uses UTF16 encoding, certool supports only UTF8 or ASCII encoding for config files", name);
	if (memchr(buf, '\0', len) != NULL)
		return ck_errf(CK_E_CONFIG, "%s: contains a NUL byte (binary or UTF-16 file?)", name);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return CK_E_NOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';

	for (p = copy; p < copy + len; p = end + 1) {
		lineno++;
		end = memchr(p, '\n', (size_t)(copy + len - p));
		if (end == NULL)
			end = copy + len;
		*end = '\0';
		if ((size_t)(end - p) > CK_INI_MAX_LINE) {
			r = ck_errf(CK_E_CONFIG, "%s:%d: line longer than %d characters", name, lineno, CK_INI_MAX_LINE);
			goto out;
		}
		if ((r = grow(&c, &cap)) != 0 ||
		    (r = parse_line(&c, p, lineno, flags, &c.lines[c.nlines])) != 0)
			goto out;
		c.nlines++;
	}

	ir = ini_parse_stream(reader, &c, handler, &c);
	if (c.r != 0)
		r = c.r;
	else if (ir > 0)
		r = ck_errf(CK_E_CONFIG, "%s:%d: syntax error", name, ir);
	else if (ir < 0)
		r = CK_E_NOMEM;
out:
	for (size_t i = 0; i < c.nlines; i++) {
		free(c.lines[i].key);
		free(c.lines[i].value);
		free(c.lines[i].raw);
	}
	free(c.lines);
	free(copy);
	return r;
}

int
ck_ini_parse_file(const char *path, int flags, ck_ini_handler h, void *user)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = ck_file_read(path, CK_INI_MAX_FILE, &buf, &len, 0)) != 0)
		return r;
	r = ck_ini_parse_buf(path, buf, len, flags, h, user);
	free(buf);
	return r;
}
