/*
 * svcctl.h: what the svcctl commands share: the parsed options, the
 * command table and the exit statuses of svcctl(8).
 */
#ifndef SVCCTL_H
#define SVCCTL_H

#include <stddef.h>
#include <stdio.h>

#include "registry.h"
#include "supervisor.h"
#include "swap.h"

/* EXIT STATUS of svcctl(8); fixed, tested in tests/e2e/svcctl_*.sh. */
enum {
	SX_OK = 0,
	SX_FAIL = 1,		/* a service failed to start or stop */
	SX_USAGE = 2,		/* bad command line */
	SX_REGISTRY = 3,	/* registry unreadable or invalid */
	SX_UNKNOWN = 4,		/* unknown service name or profile */
	SX_INVALID = 5,		/* swap: the new certificate failed validation */
	SX_NOTFOUND = 6,	/* swap: a needed entry/key/file is missing */
	SX_EXISTS = 7,		/* swap: the new cert is the current one */
	SX_PENDING = 8,		/* an interrupted swap must be resumed/rolled back first,
				   or --resume/--rollback with nothing pending */
	SX_LOCKED = 9,		/* another swap holds the lock */
	SX_ROLLEDBACK = 10,	/* swap failed; the previous certificate is back */
	SX_BROKEN = 11,		/* swap failed and so did the restore: act now */
	SX_NOT_RUNNING = 12,	/* --status: a selected service is not running */
};

enum svcctl_action {
	A_NONE = 0, A_START, A_STOP, A_RESTART, A_STATUS, A_LIST, A_REPLACE,
	A_RESUME, A_ROLLBACK, A_HELP, A_VERSION,
	A_STS_GET, A_STS_SET, A_STS_REFRESH, A_STS_REMOVE,	/* cmd_sts.c */
};

struct svcctl_opts {
	enum svcctl_action action;
	int all, ignore, dry_run, renew, keep_going, json;	/* json: --status, --get-signing-cert */
	long days;
	long if_expires_within;	/* --if-expires-within DAYS, or -1 */
	const char *registry, *profile;
	const char *cert, *key, *chain, *root_cert, *vmca_config, *key_password;
	const char *store, *alias, *fqdn;
	const char *remove_chain;	/* --remove-signing-chain ALIAS */
	const char *p12;		/* --p12 FILE */
	int self_signed;		/* --self-signed */
	long from_backup;		/* --from-backup N, or -1 */
	long backup_depth;		/* --backup-depth N, or 0 */
	const char *restart_policy;	/* --restart-policy, or NULL (the registry's) */
	char **names;
	size_t nnames;
};

struct svcctl_cmd {
	enum svcctl_action action;
	int (*exec)(struct svcctl_opts *o);
};

int cmd_control(struct svcctl_opts *o);	/* --start --stop --restart */
int cmd_status(struct svcctl_opts *o);	/* --status */
int cmd_list(struct svcctl_opts *o);	/* --list-services --list */
int cmd_swap(struct svcctl_opts *o);	/* --replace-cert --resume --rollback */
/* --get/--set/--refresh-signing-cert, --remove-signing-chain; and the
 * options those accept (SX_USAGE with a message, else 0) */
int cmd_sts(struct svcctl_opts *o);
int cmd_sts_check(const struct svcctl_opts *o);
/* cmd_swap.c's progress printer and exit statuses, which the signing-
 * certificate swaps share */
void svcctl_swap_notify(void *u, enum ck_swap_note kind, const char *msg);
int svcctl_prepare_status(int r);
int svcctl_run_status(int r, int rolled_back);

/* Load the registry named by -r/--registry or ck_path(CK_PATH_REGISTRY);
 * prints the error and returns SX_REGISTRY on failure. */
int svcctl_load_registry(struct svcctl_opts *o, struct ck_registry **reg);
/* Mark the services o selects (names, --all, --vmon-profile) in want[];
 * prints the error and returns SX_UNKNOWN on an unknown name. */
int svcctl_select(struct svcctl_opts *o, struct ck_registry *reg, unsigned char *want,
    int all_means_every);
/* Progress printer in the service-control format; u is a struct
 * svcctl_progress_ctx.  A service in was_running (indexed like svc) is
 * "already running", not started again. */
struct svcctl_progress_ctx {
	const char *verb;			/* "start" / "stop" */
	const struct ck_service *svc;		/* the registry's services */
	const unsigned char *was_running;	/* or NULL */
};
void svcctl_progress(void *u, enum ck_sup_event ev, const struct ck_service *s, const char *detail);
/* Print "Service-control failed. Error: {...}" with msg JSON-escaped. */
void svcctl_failed(const char *msg);
/* If a swap journal is pending, say so on stderr (every run does);
 * returns 1 if one is pending (or unreadable), else 0. */
int svcctl_report_pending(void);
/* hangup.c: catch SIGHUP/INT/TERM/PIPE for the rest of the run (the
 * operation is not cancellable); record what an operation ended with in
 * the system log and <log dir>/svcctl.log. */
void svcctl_uncancellable(void);
void svcctl_record(const char *what, int status);
/* Print s as a JSON string (quotes included). */
void svcctl_json_str(FILE *f, const char *s);

#endif
