/*
 * cfg.h: certool.cfg, the subject/SAN model shared by certool and svcctl.
 *
 * A certool.cfg holds up to ten keys (Name, DomainComponent, Country,
 * State, Locality, Organization, OrgUnit, Email, IPAddress, Hostname).
 * ck_cfg_load() reads one with the rules of certool.cfg(5): '#' anywhere
 * starts a comment, keys are case-sensitive, an unknown or duplicate key,
 * a line without '=' and a UTF-16 file are errors naming file and line.
 * An empty value means the key is unset.
 *
 * ck_cfg_subject() and ck_cfg_san() turn the keys into a subject name and
 * a SAN list in the fixed orders VMware uses, whatever the file order:
 *   subject: CN, DC..., C, ST..., L..., O..., OU...
 *   SAN:     email..., IP..., URI..., DNS...
 * Multi-valued keys are split on ',' and each value is trimmed (VMware
 * does not trim; we do).  DomainComponent is split on '.' fully and a
 * leading "dc=" is dropped.
 */
#ifndef CK_CFG_H
#define CK_CFG_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>

enum ck_cfg_key {
	CK_CFG_NAME,
	CK_CFG_DOMAINCOMPONENT,
	CK_CFG_COUNTRY,
	CK_CFG_STATE,
	CK_CFG_LOCALITY,
	CK_CFG_ORGANIZATION,
	CK_CFG_ORGUNIT,
	CK_CFG_EMAIL,
	CK_CFG_IPADDRESS,
	CK_CFG_HOSTNAME,
	CK_CFG_NKEYS
};

struct ck_cfg {
	char *val[CK_CFG_NKEYS];	/* NULL or "" = unset */
	int line[CK_CFG_NKEYS];		/* line in the file, 0 if set otherwise */
	char *path;			/* file it came from, or NULL */
};

/* "Name", "DomainComponent", ... ; NULL for an out-of-range key. */
const char *ck_cfg_key_name(enum ck_cfg_key k);
/* Index of a key name (case-sensitive), or -1. */
int ck_cfg_key_lookup(const char *name);

/* An empty configuration (every key unset). */
int ck_cfg_new(struct ck_cfg **out);
/* Read a certool.cfg.  Errors: CK_E_NOENT / CK_E_ACCESS (open), CK_E_UTF16,
 * CK_E_CONFIG (unknown key, duplicate key, line without '=', [section]);
 * the detail names the file and the line. */
int ck_cfg_load(const char *path, struct ck_cfg **out);
/* Deep copy. */
int ck_cfg_dup(const struct ck_cfg *c, struct ck_cfg **out);
/* Set (or with value NULL, unset) one key, e.g. from a command-line
 * option, which wins over the file. */
int ck_cfg_set(struct ck_cfg *c, enum ck_cfg_key k, const char *value);
/* The value, or NULL if unset (empty counts as unset). */
const char *ck_cfg_get(const struct ck_cfg *c, enum ck_cfg_key k);
void ck_cfg_free(struct ck_cfg *c);

/* The subject in fixed RDN order.  An empty subject is allowed here (the
 * caller decides).  Errors: CK_E_CSR_FIELD (Country not 2 printable chars,
 * a value too long), with the key named in the detail. */
int ck_cfg_subject(const struct ck_cfg *c, X509_NAME **out);
/* The SAN list (email, IP, DNS) or *out = NULL if there is none.
 * Errors: CK_E_CSR_FIELD (bad IP address). */
int ck_cfg_san(const struct ck_cfg *c, GENERAL_NAMES **out);

#endif
