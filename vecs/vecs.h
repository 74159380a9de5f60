/*
 * vecs.h: shared pieces of the vecs binary: the option table, the command
 * table, the parsed invocation and the vecs-cli error reporting.
 */
#ifndef VECS_H
#define VECS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <openssl/x509.h>

#include "store.h"

/* Win32 / VECS codes that vecs-cli prints and exits with (mod 256). */
#define W_FILE_NOT_FOUND	2
#define W_PATH_NOT_FOUND	3
#define W_ACCESS_DENIED		5
#define W_NOT_ENOUGH_MEMORY	8
#define W_BAD_FORMAT		11
#define W_WRITE_FAULT		29
#define W_NOT_SUPPORTED		50
#define W_MOD_NOT_FOUND		126
#define W_INVALID_PARAMETER	87
#define W_DISK_FULL		112
#define W_LABEL_TOO_LONG	154
#define W_BUSY			170
#define W_ALREADY_EXISTS	183
#define W_IMPLEMENTATION_LIMIT	1292
#define W_NO_SUCH_USER		1317
#define W_WRONG_PASSWORD	1323
#define W_OBJECT_NOT_FOUND	4312
#define W_DATABASE_FAILURE	4313
#define W_INVALID_STATE		5023
#define W_PRIVATE_KEY_MISMATCH	90018
#define W_PUBLISH_FAILED	90019	/* certkit's own: the store changed, its files did not */

enum optid {
	O_NAME, O_USER, O_GRANT, O_REVOKE,
	O_STORE, O_ALIAS, O_CERT, O_KEY, O_CRL,
	O_PASSWORD, O_PASSWORD_FILE, O_OUTPUT, O_TEXT, O_ALIASES, O_JSON,
	O_EXPIRING, O_ALL_STORES, O_REPLACE, O_BACKUP_STORE, O_RSA_ONLY, O_LEAF_ONLY,
	O_BUNDLE, O_P12, O_CAPATH, O_MACHINE_SSL_DIR, O_STRICT,
	O_YES, O_SERVER, O_UPN, O_HELP,
	O_SYNC, O_DRY_RUN, O_REMOVE_VMCA_ROOTS,	/* entry import --sync (bundle.c) */
	O_NAGIOS, O_CRITICAL,
	O_MAX
};

struct vopt {
	const char *name;	/* "--store", "-y" */
	const char *meta;	/* value placeholder, NULL for a flag */
	const char *help;
};

/* command flags */
enum {
	C_LAST_WINS = 1 << 0,	/* duplicate option: last value wins (store create...) */
	C_DANGLE_EMPTY = 1 << 1,/* option without value: empty value, not an error */
	C_NO_STORE = 1 << 2,	/* does not open the store */
};

struct vuse {
	enum optid id;
	int required;		/* shown without brackets in the usage line */
};

struct vctx;

struct vcmd {
	const char *group, *verb;
	struct vuse use[20];
	int nuse;
	int flags;
	int (*exec)(struct vctx *);
	const char *summary;
};

struct vctx {
	const struct vcmd *cmd;
	const char *val[O_MAX];
	int set[O_MAX];
	struct ck_store *st;
	uid_t uid;
};

extern const struct vopt vecs_opts[O_MAX];

/* opts.c */
void vecs_usage(FILE *f);
void vecs_cmd_usage(FILE *f, const struct vcmd *c, int verbose);
const struct vcmd *vecs_find(const char *group, const char *verb, int *group_known);
/* Parse argv (after group and verb) into ctx; W_INVALID_PARAMETER with a
 * message printed on error. */
int vecs_parse(const struct vcmd *c, int argc, char **argv, struct vctx *ctx);

/* main.c: reporting */
/* Print the "vecs-cli failed. Error N: ..." line and return the exit status. */
int vfail(unsigned int code);
/* Print "vecs: <ck_err_detail()>" (if any), then vfail(code). */
int vfail_ck(unsigned int code, int r);
/* Map a CK_E_* code to the Win32/VECS number vecs-cli would report. */
unsigned int vecs_code(int r);
/* Syntax error: message (may be NULL), the command's usage on stderr, E(87). */
int vsyntax(const struct vcmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Open the store (after the caller check); reports and returns exit status. */
int vecs_open(struct vctx *ctx);
/* May uid open the store at all (root, or the owner of a sandbox store)? */
int vecs_caller_allowed(uid_t uid);
/* expiring.c: entry list --expiring (exit 1 when something expires) */
int vecs_list_expiring(struct vctx *ctx);
/* Ask "Do you wish to continue?"; 1 if the answer is Y or y. */
int vecs_confirm(void);

/* entry_cmds.c: the password from --password-file or --password (NULL if
 * none; free with ck_secfree); prints and returns status on error. */
int vecs_password(struct vctx *ctx, char **pw);
/* May the caller do want (CK_ACCESS_*) on store?  *missing = 1 if the store
 * does not exist.  Prints and returns the exit status when denied. */
int vecs_check_access(struct vctx *ctx, const char *store, uint32_t want, int *missing);

/* command implementations */
int cmd_store_create(struct vctx *);
int cmd_store_list(struct vctx *);
int cmd_store_delete(struct vctx *);
int cmd_store_permission(struct vctx *);
int cmd_store_getperm(struct vctx *);
int cmd_entry_create(struct vctx *);
int cmd_entry_list(struct vctx *);
int cmd_entry_getcert(struct vctx *);
int cmd_entry_getkey(struct vctx *);
int cmd_entry_delete(struct vctx *);
int cmd_entry_import(struct vctx *);
int cmd_entry_export(struct vctx *);
int cmd_force_refresh(struct vctx *);
int cmd_help(struct vctx *);

/* refresh.c: re-publish the CA directory and machine-ssl files.  NULL
 * directories mean the defaults; returns 0 or CK_E_*. */
int vecs_publish(struct ck_store *st, const char *capath, const char *ssldir,
    int want_roots, int want_ssl);
/* Publish after a change to a built-in store: 0, or (the change being
 * made) a message and vfail(W_PUBLISH_FAILED), so scripts can tell that
 * the published files are stale. */
int vecs_autopublish(struct ck_store *st, const char *store);

/* bundle.c: open the store and check the caller may do want on it
 * (a missing store is E4312); prints and returns the exit status. */
int vecs_open_store_for(struct vctx *ctx, const char *store, uint32_t want);
/* bundle.c: every certificate of a PEM bundle, refusing an empty or
 * damaged one; prints and returns the exit status. */
int vecs_read_bundle(const char *path, STACK_OF(X509) **out);
/* sync.c: entry import --bundle --sync [--dry-run] [--remove-vmca-roots] */
int vecs_import_sync(struct vctx *ctx);

/* store_cmds.c: s[0..n) as a JSON string (ck_json_quote) */
void json_str(FILE *f, const char *s, size_t n);

#endif
