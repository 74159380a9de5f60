/*
 * certool.h: what the certool command files share: the option table, the
 * parsed command line, VMware-compatible error codes and output helpers.
 */
#ifndef CERTOOL_H
#define CERTOOL_H

#include <stddef.h>

#include <openssl/evp.h>

#include "cfg.h"

/* VMware certool error codes (certool(1) EXIT STATUS; exit = code & 255). */
enum {
	E_OK = 0,
	E_FILE_NOT_FOUND = 2,
	E_ACCESS_DENIED = 5,
	E_BAD_FORMAT = 11,
	E_NOT_SUPPORTED = 50,
	E_INVALID_PARAMETER = 87,
	E_ROOT_MISSING = 70000,
	E_TIME = 70002,
	E_ARGS = 70003,
	E_TIMEOUT = 70004,
	E_CERT_DECODE = 70008,
	E_KEY_IO = 70009,
	E_CERT_IO = 70010,
	E_NOT_CA = 70011,
	E_CSR_FIELD = 70012,
	E_KEY_LENGTH = 70015,
	E_START_TIME = 70034,
	E_KEY_MISMATCH = 70037,
	E_REVOKED = 70048,
	E_SUBJECT = 70060,
	E_SAN = 70061,
	E_CHAIN_INCOMPLETE = 70062,
	E_CHAIN_ORDER = 70063,
	E_CSR_CREATE = 70064,
	E_KEY_DECODE = 70065,
	E_UNKNOWN = 70101,
};

/* Option kinds. */
enum { K_CMD, K_CMDARG, K_VAL, K_FLAG, K_HELP, K_IGNORED };

/* Help groups (--help=GROUP). */
enum { G_INIT, G_FUNCTIONS, G_CONFIG, G_FILES, G_OPTIONS, G_CONNECTION, G_NGROUPS };

/* Option ids: the index into the table in opts.c. */
enum opt_id {
	/* commands, in the order they run when several are given */
	O_SELFCA, O_ROOTCA, O_GENCSR, O_INITCSR, O_GETDC, O_WAITVMCA, O_WAITVMDIR,
	O_PUBLISH_ROOTS, O_VERSION, O_GENCERT, O_GENKEY, O_REVOKECERT, O_VIEWCERT,
	O_GETROOTCA, O_ENUMCERT, O_GENCISCERT, O_STATUS, O_GETCRL, O_GENCRL, O_VIEWCRL,
	O_GENSELFCACERT, O_GENCSRFROMCERT, O_ENABLEOPT, O_DISABLEOPT, O_GETOPT,
	O_GENCERTFROMCSR, O_RENEWCERT, O_VIEWERROR,
	O_NCMDS,
	/* files */
	O_CONFIG = O_NCMDS, O_PRIVKEY, O_PUBKEY, O_CERT, O_CHAIN, O_CSRFILE, O_CRL,
	O_CURRCRL, O_OUTCERT, O_OUTPRIVKEY,
	/* certool.cfg keys, in enum ck_cfg_key order */
	O_NAME, O_DOMAINCOMPONENT, O_COUNTRY, O_STATE, O_LOCALITY, O_ORGANIZATION,
	O_ORGUNIT, O_EMAIL, O_IPADDRESS, O_HOSTNAME,
	/* other options */
	O_PREDATE, O_FILTER, O_OPTION, O_WAIT, O_FQDN, O_DATAENC, O_DAYS, O_KEYSIZE,
	O_KEYTYPE, O_PASSWORD_FILE, O_PASSWORD_FD, O_ALLOW_WILDCARD, O_ALLOW_CA,
	O_AIA_URL, O_KEEPKEY, O_ALLOW_EXTENSIONS, O_JSON,
	/* connection */
	O_SERVER, O_SRP_UPN, O_SRP_PWD, O_PORT, O_USER, O_PASSWORD, O_DOMAIN,
	/* help and accepted-but-ignored */
	O_HELP, O_PKCS12, O_PRV, O_TRS, O_RVK, O_ALL, O_INITVMCA,
	O_NOPTS
};

struct opt {
	const char *name;
	int kind;
	int group;
	const char *arg;	/* metavariable, NULL for flags */
	const char *help;
};

extern const struct opt opts[O_NOPTS];
extern const char *const group_names[G_NGROUPS];

/* The parsed command line and state shared by the commands of one run. */
struct ctx {
	const char *val[O_NOPTS];	/* value, or "" for flags; NULL if absent */
	struct ck_cfg *cfg;		/* loaded once, CLI overrides applied */
	char *password;			/* from --password-file/--password-fd */
	int password_read;
};

/* Parse argv into c.  On a syntax error prints "error: ..." on stderr and
 * returns E_UNKNOWN. */
int parse_args(struct ctx *c, int argc, char **argv);
/* Print help for one group (or all with group < 0). */
void print_help(int group);
/* The help group named s, or -1. */
int help_group(const char *s);

/* Command handlers: return 0 or a VMware code, having printed details. */
typedef int (*cmd_fn)(struct ctx *c);
int cmd_selfca(struct ctx *c);
int cmd_rootca(struct ctx *c);
int cmd_gencsr(struct ctx *c);
int cmd_initcsr(struct ctx *c);
int cmd_getdc(struct ctx *c);
int cmd_waitvmca(struct ctx *c);
int cmd_waitvmdir(struct ctx *c);
int cmd_publish_roots(struct ctx *c);
int cmd_version(struct ctx *c);
int cmd_gencert(struct ctx *c);
int cmd_genkey(struct ctx *c);
int cmd_revokecert(struct ctx *c);
int cmd_viewcert(struct ctx *c);
int cmd_getrootca(struct ctx *c);
int cmd_enumcert(struct ctx *c);
int cmd_genciscert(struct ctx *c);
int cmd_status(struct ctx *c);
int cmd_getcrl(struct ctx *c);
int cmd_gencrl(struct ctx *c);
int cmd_viewcrl(struct ctx *c);
int cmd_genselfcacert(struct ctx *c);
int cmd_gencsrfromcert(struct ctx *c);
int cmd_enableopt(struct ctx *c);
int cmd_disableopt(struct ctx *c);
int cmd_getopt(struct ctx *c);
int cmd_gencertfromcsr(struct ctx *c);
int cmd_renewcert(struct ctx *c);
int cmd_viewerror(struct ctx *c);

/* --- helpers (util.c) ---------------------------------------------------- */

/* Map a CK_E_* code to a VMware code, print the detail on stderr prefixed
 * with what (e.g. the file name), and return the code. */
int fail(int ck, const char *what);
/* The same with an explicit VMware code. */
int failc(int code, int ck, const char *what);
/* Print "certool: <msg>" on stderr and return code. */
int failx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Map only. */
int map_err(int ck);
/* Key generation progress for ck_key_progress: on stderr, only when it
 * is a terminal (main registers it then) and only after a second. */
void keygen_progress(void *u, int what);
/* "Error Message" text and symbolic name of a code; NULL if unknown. */
const char *code_message(int code);
const char *code_name(int code);

/* Require option id; prints "<opt> is required" and returns E_ARGS if absent. */
int need(struct ctx *c, int id);
/* Load --config (default certool.cfg) and apply CLI overrides. */
int load_config(struct ctx *c);
/* load_config, but with no --config and no ./certool.cfg an empty
 * configuration (the command's defaults) and the CLI's options. */
int load_config_or_defaults(struct ctx *c);
/* Apply the CLI's certool.cfg options over cfg. */
int apply_cli_cfg(struct ctx *c, struct ck_cfg *cfg);
/* The password from --password-file / --password-fd, or NULL. */
int get_password(struct ctx *c, const char **pw);
/* get_password for a new key file: refuses --password alone (70003). */
int new_key_password(struct ctx *c, const char **pw);
/* Load a private key (with the password if any). */
int load_key(struct ctx *c, const char *path, EVP_PKEY **k);
/* RSA key sizes when --keysize is not given: VMware certool's, and the
 * vSphere API's for the operations it defines (VmcaRoot, TlsCsr). */
#define CK_VMWARE_KEY_BITS 2048
#define CK_API_KEY_BITS 3072
/* Generate the key --keytype/--keysize ask for (RSA: rsa_bits by default). */
int new_key(struct ctx *c, long rsa_bits, EVP_PKEY **k);
/* Parse a numeric option into [min,max]. */
int num_opt(struct ctx *c, int id, long def, long min, long max, long *out);

/*
 * A set of output files written all-or-nothing, even across a crash.
 * out_stage writes each file to "<path>.certool-new.XXXXXX" (mkostemp: a
 * name nobody can pre-create; synced, final mode); out_install makes
 * them the outputs: with more than one file, a journal
 * "<first path>.certool-set" listing the renames is synced first (the
 * commit point) and removed after them, so a crash leaves the old set or,
 * once the next run with that first output has finished the renames, the
 * new one.  Staging first removes stale temporaries of ours for the same
 * outputs (and finishes a committed set).  out_abort removes the staged
 * files.  out_commit = out_stage + out_install.
 */
struct outset {
	struct {
		const char *path;
		char *data;
		size_t len;
		unsigned int mode;
		int secret;
		char *tmp;	/* staged file */
	} f[4];
	int n;
};
/* Queue data (taken over; secret data must be ck_secalloc'ed). */
int out_add(struct outset *o, const char *path, char *data, size_t len,
    unsigned int mode, int secret);
int out_stage(struct outset *o);
int out_install(struct outset *o);
void out_abort(struct outset *o);
int out_commit(struct outset *o);
void out_free(struct outset *o);

#endif
