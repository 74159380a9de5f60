/* cfg.c: certool.cfg keys and the subject/SAN they describe (see cfg.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "cfg.h"
#include "err.h"
#include "inifile.h"
#include "util.h"

static const char *const keynames[CK_CFG_NKEYS] = {
	"Name", "DomainComponent", "Country", "State", "Locality",
	"Organization", "OrgUnit", "Email", "IPAddress", "Hostname",
};

const char *
ck_cfg_key_name(enum ck_cfg_key k)
{
	if ((int)k < 0 || k >= CK_CFG_NKEYS)
		return NULL;
	return keynames[k];
}

int
ck_cfg_key_lookup(const char *name)
{
	for (int i = 0; i < CK_CFG_NKEYS; i++)
		if (strcmp(name, keynames[i]) == 0)
			return i;
	return -1;
}

int
ck_cfg_new(struct ck_cfg **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return CK_E_NOMEM;
	return 0;
}

void
ck_cfg_free(struct ck_cfg *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < CK_CFG_NKEYS; i++)
		free(c->val[i]);
	free(c->path);
	free(c);
}

int
ck_cfg_set(struct ck_cfg *c, enum ck_cfg_key k, const char *value)
{
	char *v = NULL;

	if ((int)k < 0 || k >= CK_CFG_NKEYS)
		return ck_errf(CK_E_INVAL, "no such certool.cfg key");
	if (value != NULL && (v = strdup(value)) == NULL)
		return CK_E_NOMEM;
	free(c->val[k]);
	c->val[k] = v;
	c->line[k] = 0;
	return 0;
}

const char *
ck_cfg_get(const struct ck_cfg *c, enum ck_cfg_key k)
{
	if (c == NULL || (int)k < 0 || k >= CK_CFG_NKEYS || c->val[k] == NULL ||
	    c->val[k][0] == '\0')
		return NULL;
	return c->val[k];
}

int
ck_cfg_dup(const struct ck_cfg *c, struct ck_cfg **out)
{
	struct ck_cfg *n = NULL;
	int r;

	*out = NULL;
	if ((r = ck_cfg_new(&n)) != 0)
		return r;
	for (int i = 0; i < CK_CFG_NKEYS; i++) {
		if (c->val[i] != NULL && (n->val[i] = strdup(c->val[i])) == NULL)
			goto nomem;
		n->line[i] = c->line[i];
	}
	if (c->path != NULL && (n->path = strdup(c->path)) == NULL)
		goto nomem;
	*out = n;
	return 0;
nomem:
	ck_cfg_free(n);
	return CK_E_NOMEM;
}

/*
 * An unknown key as an error message may show it: every certool.cfg key is
 * a short word of letters, so a typo of one is shown and anything else (a
 * password file given as --config by mistake) is not (issue 11 item 18).
 */
static const char *
shown_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > 16)
		return "...";
	for (size_t i = 0; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= 'A' && key[i] <= 'Z')))
			return "...";
	return key;
}

struct loadctx {
	struct ck_cfg *c;
	const char *path;
};

static int
on_key(void *user, const char *section, const char *key, const char *value, int lineno)
{
	struct loadctx *l = user;
	int k;

	if (section[0] != '\0')
		return ck_errf(CK_E_CONFIG, "%s:%d: unrecognised option in a section "
		    "(certool.cfg has no sections)", l->path, lineno);
	if ((k = ck_cfg_key_lookup(key)) < 0)
		return ck_errf(CK_E_CONFIG, "%s:%d: unrecognised option '%s' (keys are "
		    "case-sensitive; see certool.cfg(5))", l->path, lineno, shown_key(key));
	if (l->c->line[k] != 0)
		return ck_errf(CK_E_CONFIG, "%s:%d: option '%s' cannot be specified more "
		    "than once (first on line %d)", l->path, lineno, key, l->c->line[k]);
	if ((l->c->val[k] = strdup(value)) == NULL)
		return CK_E_NOMEM;
	l->c->line[k] = lineno;
	return 0;
}

int
ck_cfg_load(const char *path, struct ck_cfg **out)
{
	struct ck_cfg *c = NULL;
	struct loadctx l;
	int r;

	*out = NULL;
	if ((r = ck_cfg_new(&c)) != 0)
		return r;
	if ((c->path = strdup(path)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	l.c = c;
	l.path = path;
	if ((r = ck_ini_parse_file(path, CK_INI_HASH_ANYWHERE, on_key, &l)) != 0)
		goto out;
	*out = c;
	c = NULL;
	r = 0;
out:
	ck_cfg_free(c);
	return r;
}

/* --- subject and SAN ----------------------------------------------------- */

/* Add one RDN; maxlen 0 means no limit of ours. */
static int
add_rdn(X509_NAME *n, int nid, const char *key, const char *v, size_t maxlen)
{
	if (maxlen != 0 && strlen(v) > maxlen)
		return ck_errf(CK_E_CSR_FIELD, "%s '%s' is longer than %zu characters",
		    key, v, maxlen);
	if (!X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8,
	    (const unsigned char *)v, -1, -1, 0))
		return ck_errssl(CK_E_CSR_FIELD, "%s '%s': X509_NAME_add_entry_by_NID", key, v);
	return 0;
}

/* Add one RDN per comma-separated, trimmed value of key k. */
static int
add_multi(X509_NAME *n, const struct ck_cfg *c, enum ck_cfg_key k, int nid, size_t maxlen)
{
	const char *v = ck_cfg_get(c, k);
	char **parts;
	size_t np;
	int r = 0;

	if (v == NULL)
		return 0;
	if ((parts = ck_split(v, ',', &np)) == NULL)
		return CK_E_NOMEM;
	for (size_t i = 0; i < np && r == 0; i++)
		r = add_rdn(n, nid, keynames[k], parts[i], maxlen);
	free(parts);
	return r;
}

static int
printable(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr(" '()+,-./:=?", ch) != NULL))
			return 0;
	}
	return 1;
}

int
ck_cfg_subject(const struct ck_cfg *c, X509_NAME **out)
{
	X509_NAME *n = NULL;
	const char *v;
	char **parts = NULL;
	size_t np;
	int r;

	*out = NULL;
	if ((n = X509_NAME_new()) == NULL)
		return CK_E_NOMEM;
	if ((v = ck_cfg_get(c, CK_CFG_NAME)) != NULL &&
	    (r = add_rdn(n, NID_commonName, "Name", v, 64)) != 0)
		goto out;
	if ((v = ck_cfg_get(c, CK_CFG_DOMAINCOMPONENT)) != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncasecmp(v, "dc=", 3) == 0)
			v += 3;
		if ((parts = ck_split(v, '.', &np)) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < np; i++) {
			/* "dc=a.dc=b" style: drop each label's "dc=" too */
			const char *p = strncasecmp(parts[i], "dc=", 3) == 0 ? parts[i] + 3 : parts[i];
			if ((r = add_rdn(n, NID_domainComponent, "DomainComponent", p, 63)) != 0)
				goto out;
		}
	}
	if ((v = ck_cfg_get(c, CK_CFG_COUNTRY)) != NULL) {
		if (strlen(v) != 2 || !printable(v)) {
			r = ck_errf(CK_E_CSR_FIELD, "Country '%s' must be exactly 2 printable "
			    "characters (an ISO 3166 code such as US)", v);
			goto out;
		}
		if ((r = add_rdn(n, NID_countryName, "Country", v, 2)) != 0)
			goto out;
	}
	if ((r = add_multi(n, c, CK_CFG_STATE, NID_stateOrProvinceName, 128)) != 0 ||
	    (r = add_multi(n, c, CK_CFG_LOCALITY, NID_localityName, 128)) != 0 ||
	    (r = add_multi(n, c, CK_CFG_ORGANIZATION, NID_organizationName, 64)) != 0 ||
	    (r = add_multi(n, c, CK_CFG_ORGUNIT, NID_organizationalUnitName, 64)) != 0)
		goto out;
	*out = n;
	n = NULL;
	r = 0;
out:
	free(parts);
	X509_NAME_free(n);
	return r;
}

static int
add_gen(GENERAL_NAMES *gens, int type, const char *v)
{
	GENERAL_NAME *g = NULL;
	ASN1_IA5STRING *s = NULL;

	if ((g = GENERAL_NAME_new()) == NULL)
		return CK_E_NOMEM;
	if (type == GEN_IPADD) {
		ASN1_OCTET_STRING *ip = a2i_IPADDRESS(v);
		if (ip == NULL) {
			GENERAL_NAME_free(g);
			ERR_clear_error();
			return ck_errf(CK_E_CSR_FIELD, "IPAddress '%s' is not an IPv4 or IPv6 "
			    "address", v);
		}
		GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
	} else {
		if ((s = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(s, v, (int)strlen(v))) {
			ASN1_IA5STRING_free(s);
			GENERAL_NAME_free(g);
			return CK_E_NOMEM;
		}
		GENERAL_NAME_set0_value(g, type, s);
	}
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return CK_E_NOMEM;
	}
	return 0;
}

static int
ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
ck_cfg_san(const struct ck_cfg *c, GENERAL_NAMES **out)
{
	static const struct {
		enum ck_cfg_key k;
		int type;
	} order[] = {
		{ CK_CFG_EMAIL, GEN_EMAIL },
		{ CK_CFG_IPADDRESS, GEN_IPADD },
		{ CK_CFG_HOSTNAME, GEN_DNS },
	};
	GENERAL_NAMES *gens = NULL;
	char **parts = NULL;
	size_t np;
	int r = 0;

	*out = NULL;
	if ((gens = GENERAL_NAMES_new()) == NULL)
		return CK_E_NOMEM;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *v = ck_cfg_get(c, order[i].k);
		if (v == NULL)
			continue;
		if ((parts = ck_split(v, ',', &np)) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		for (size_t j = 0; j < np; j++) {
			if (order[i].type != GEN_IPADD && !ascii_only(parts[j])) {
				r = ck_errf(CK_E_CSR_FIELD, "%s '%s' must be printable ASCII "
				    "without spaces", keynames[order[i].k], parts[j]);
				goto out;
			}
			if ((r = add_gen(gens, order[i].type, parts[j])) != 0)
				goto out;
		}
		free(parts);
		parts = NULL;
	}
	if (sk_GENERAL_NAME_num(gens) > 0) {
		*out = gens;
		gens = NULL;
	}
	r = 0;
out:
	free(parts);
	GENERAL_NAMES_free(gens);
	return r;
}
