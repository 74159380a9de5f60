/*
 * svcctl.c: option table, parser, --help, and dispatch to the commands.
 *
 * The flags are service-control's: an action (--start, --stop, --status,
 * ...) and modifiers, in any order, with service names as the non-option
 * words.  `--opt=value` and `--opt value` are both accepted.  The table
 * below is the only description of the options; usage() prints it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "log.h"
#include "secmem.h"
#include "paths.h"
#include "svcctl.h"
#include "util.h"
#include "testhook.h"

enum optid {
	O_START, O_STOP, O_RESTART, O_STATUS, O_LIST_SERVICES, O_LIST, O_REPLACE,
	O_RESUME, O_ROLLBACK, O_ALL, O_IGNORE, O_PROFILE, O_REGISTRY, O_CERT, O_KEY,
	O_KEY_PASSWORD, O_CHAIN, O_ROOT_CERT, O_VMCA_CONFIG, O_RENEW, O_IF_EXPIRES, O_DAYS, O_STORE,
	O_ALIAS, O_FQDN, O_DRY_RUN, O_HELP, O_VERSION,
	O_STS_GET, O_STS_SET, O_STS_REFRESH, O_STS_REMOVE, O_JSON,
	O_P12, O_SELF_SIGNED, O_FROM_BACKUP, O_BACKUP_DEPTH,
	O_RESTART_POLICY,
};

static const struct option_def {
	enum optid id;
	const char *lname;
	char sname;
	const char *arg;	/* NULL: no argument */
	const char *help;
} options[] = {
	{ O_START, "start", 0, NULL, "start NAME... or --all (and what they require)" },
	{ O_STOP, "stop", 0, NULL, "stop NAME... or --all (dependents first)" },
	{ O_RESTART, "restart", 0, NULL, "stop then start NAME... or --all" },
	{ O_STATUS, "status", 0, NULL, "show Running:/StartPending:/Stopped: [--all|NAME...]" },
	{ O_LIST_SERVICES, "list-services", 0, NULL, "list services as 'name (Display Name)'" },
	{ O_LIST, "list", 0, NULL, "the same as --list-services (older spelling)" },
	{ O_REPLACE, "replace-cert", 0, NULL, "validate and swap the machine certificate, restart, verify" },
	{ O_RESUME, "resume", 0, NULL, "finish an interrupted --replace-cert" },
	{ O_ROLLBACK, "rollback", 0, NULL, "undo an interrupted --replace-cert" },
	{ O_ALL, "all", 0, NULL, "every automatic service (--stop: every service)" },
	{ O_IGNORE, "ignore", 0, NULL, "report failures and carry on; exit 0" },
	{ O_PROFILE, "vmon-profile", 0, "PROFILE", "the services of PROFILE (ALL: --all)" },
	{ O_REGISTRY, "registry", 'r', "FILE", "service registry (default: services.conf)" },
	{ O_CERT, "cert", 0, "FILE", "new certificate (PEM; more certs after it form the chain)" },
	{ O_KEY, "key", 0, "FILE", "its private key (default: the key of the last CSR)" },
	{ O_KEY_PASSWORD, "key-password", 0, "SPEC", "password of --key/--p12: file:PATH, fd:N, env:NAME" },
	{ O_CHAIN, "chain", 0, "FILE", "intermediate certificates (PEM)" },
	{ O_ROOT_CERT, "root-cert", 0, "FILE", "root to trust; added to TRUSTED_ROOTS" },
	{ O_VMCA_CONFIG, "vmca-config", 0, "FILE", "have the VMCA issue the cert from this certool.cfg" },
	{ O_RENEW, "renew", 0, NULL, "have the VMCA reissue the current cert (same subject/SAN/key)" },
	{ O_P12, "p12", 0, "FILE", "new certificate, key and chain from a PKCS#12 file (--key-password)" },
	{ O_SELF_SIGNED, "self-signed", 0, NULL, "a new self-signed cert for the FQDN (no CA needed)" },
	{ O_FROM_BACKUP, "from-backup", 0, "N", "put back backup N (0: bkp_ALIAS, 1..8: bkpN_ALIAS)" },
	{ O_BACKUP_DEPTH, "backup-depth", 0, "N", "backups kept per alias, 1..9 (default 3)" },
	{ O_IF_EXPIRES, "if-expires-within", 0, "DAYS",
	    "with --renew: only if the current cert expires within DAYS" },
	{ O_DAYS, "days", 0, "N", "lifetime for --renew/--vmca-config/--self-signed (1..730, default 730)" },
	{ O_STORE, "store", 0, "NAME", "store of the entry to replace (MACHINE_SSL_CERT)" },
	{ O_ALIAS, "alias", 0, "ALIAS", "alias of the entry to replace (__MACHINE_CERT)" },
	{ O_FQDN, "fqdn", 0, "NAME", "node FQDN the SAN must hold (default: hostname -f)" },
	{ O_RESTART_POLICY, "restart-policy", 0, "POLICY",
	    "vmware (stop all) or minimal (only what uses the entry)" },
	{ O_DRY_RUN, "dry-run", 'n', NULL, "print the plan and the validation; change nothing" },
	{ O_JSON, "json", 0, NULL, "with --status or --get-signing-cert: print JSON" },
	{ O_HELP, "help", 'h', NULL, "this help" },
	{ O_VERSION, "version", 0, NULL, "print the version" },
	{ O_STS_GET, "get-signing-cert", 0, NULL,
	    "show the STS signing certificate: active chain, chains that validate" },
	{ O_STS_SET, "set-signing-cert", 0, NULL,
	    "make --cert (chain) + --key (PKCS#8) the STS signing cert, restart" },
	{ O_STS_REFRESH, "refresh-signing-cert", 0, NULL,
	    "have the VMCA issue a new STS signing cert, make it active, restart" },
	{ O_STS_REMOVE, "remove-signing-chain", 0, "ALIAS",
	    "drop a chain that only validates tokens (not the active one)" },
};
#define NOPTS (sizeof(options) / sizeof(options[0]))

static const struct svcctl_cmd commands[] = {
	{ A_START, cmd_control },
	{ A_STOP, cmd_control },
	{ A_RESTART, cmd_control },
	{ A_STATUS, cmd_status },
	{ A_LIST, cmd_list },
	{ A_REPLACE, cmd_swap },
	{ A_RESUME, cmd_swap },
	{ A_ROLLBACK, cmd_swap },
	{ A_STS_GET, cmd_sts },
	{ A_STS_SET, cmd_sts },
	{ A_STS_REFRESH, cmd_sts },
	{ A_STS_REMOVE, cmd_sts },
};

static void
usage(FILE *f)
{
	/* the same options as svcctl(8)'s SYNOPSIS (tests/e2e/svcctl_options.sh) */
	fprintf(f, "usage: svcctl --start|--stop|--restart [--ignore] [-r FILE]\n"
	    "              --all|--vmon-profile PROFILE|NAME...\n"
	    "       svcctl --status [-r FILE] [--json] [--all|--vmon-profile PROFILE|NAME...]\n"
	    "       svcctl --list-services|--list [-r FILE]\n"
	    "       svcctl --replace-cert [-r FILE] [--cert FILE [--key FILE] [--key-password SPEC]\n"
	    "              [--chain FILE] [--root-cert FILE] | --vmca-config FILE [--key FILE] |\n"
	    "              --renew [--if-expires-within DAYS] | --p12 FILE [--key-password SPEC]\n"
	    "              [--chain FILE] [--root-cert FILE] | --self-signed [--key FILE] |\n"
	    "              --from-backup N [--key-password SPEC]] [--days N] [--store NAME]\n"
	    "              [--alias ALIAS] [--fqdn NAME] [--backup-depth N]\n"
	    "              [--restart-policy POLICY] [-n|--dry-run]\n"
	    "       svcctl --resume|--rollback [-r FILE]\n"
	    "       svcctl --get-signing-cert [--json]\n"
	    "       svcctl --set-signing-cert --cert FILE --key FILE [-r FILE] [-n|--dry-run]\n"
	    "       svcctl --refresh-signing-cert [-r FILE] [-n|--dry-run]\n"
	    "       svcctl --remove-signing-chain ALIAS\n"
	    "       svcctl -h|--help|--version\n\noptions:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[64];
		const struct option_def *d = &options[i];
		if (d->sname)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->sname, d->lname,
			    d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->lname, d->arg ? " " : "",
			    d->arg ? d->arg : "");
		fprintf(f, "  %-28s %s\n", left, d->help);
	}
	fprintf(f, "\nexit status: 0 ok, 1 a service failed, 2 usage, 3 registry, 4 unknown service,\n"
	    "5 invalid certificate, 6 not found, 7 already installed, 8 swap pending,\n"
	    "9 swap locked, 10 swap failed and rolled back, 11 swap and rollback failed,\n"
	    "12 --status: a selected service is not running\n");
}

/* The option that names action a, as the user typed it: "--start". */
static const char *
action_name(enum svcctl_action a)
{
	static const struct { enum svcctl_action a; const char *name; } names[] = {
		{ A_START, "--start" }, { A_STOP, "--stop" }, { A_RESTART, "--restart" },
		{ A_REPLACE, "--replace-cert" }, { A_RESUME, "--resume" },
		{ A_ROLLBACK, "--rollback" }, { A_STS_SET, "--set-signing-cert" },
		{ A_STS_REFRESH, "--refresh-signing-cert" },
		{ A_STS_REMOVE, "--remove-signing-chain" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].a == a)
			return names[i].name;
	return "svcctl";
}

static int
set_action(struct svcctl_opts *o, enum svcctl_action a, const char *opt)
{
	if (o->action != A_NONE && o->action != a) {
		ck_warnx("%s cannot be combined with another action; see svcctl --help", opt);
		return SX_USAGE;
	}
	o->action = a;
	return 0;
}

/* Every option unset (the numbers that may be 0 start at -1). */
static void
opts_init(struct svcctl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->if_expires_within = -1;
	o->from_backup = -1;
}

static int
parse(int argc, char **argv, struct svcctl_opts *o)
{
	int r;

	if ((o->names = calloc((size_t)argc + 1, sizeof(char *))) == NULL) {
		ck_warnx("out of memory");
		return SX_FAIL;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		const struct option_def *d = NULL;
		size_t nl;

		if (a[0] != '-' || a[1] == '\0') {
			o->names[o->nnames++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				o->names[o->nnames++] = argv[i];
			break;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (size_t k = 0; k < NOPTS; k++)
				if (strlen(options[k].lname) == nl && strncmp(options[k].lname, a + 2, nl) == 0)
					d = &options[k];
			if (d != NULL && eq != NULL) {
				if (d->arg == NULL) {
					ck_warnx("option --%s takes no value", d->lname);
					return SX_USAGE;
				}
				val = eq + 1;
			}
		} else if (a[2] == '\0') {
			for (size_t k = 0; k < NOPTS; k++)
				if (options[k].sname == a[1])
					d = &options[k];
		}
		if (d == NULL) {
			ck_warnx("unknown option '%s'; see svcctl --help", a);
			return SX_USAGE;
		}
		if (d->arg != NULL && val == NULL) {
			if (i + 1 >= argc) {
				ck_warnx("option --%s needs a value (%s)", d->lname, d->arg);
				return SX_USAGE;
			}
			val = argv[++i];
		}
		switch (d->id) {
		case O_START: r = set_action(o, A_START, a); break;
		case O_STOP: r = set_action(o, A_STOP, a); break;
		case O_RESTART: r = set_action(o, A_RESTART, a); break;
		case O_STATUS: r = set_action(o, A_STATUS, a); break;
		case O_LIST_SERVICES:
		case O_LIST: r = set_action(o, A_LIST, a); break;
		case O_REPLACE: r = set_action(o, A_REPLACE, a); break;
		case O_RESUME: r = set_action(o, A_RESUME, a); break;
		case O_ROLLBACK: r = set_action(o, A_ROLLBACK, a); break;
		case O_HELP: r = set_action(o, A_HELP, a); break;
		case O_VERSION: r = set_action(o, A_VERSION, a); break;
		case O_STS_GET: r = set_action(o, A_STS_GET, a); break;
		case O_STS_SET: r = set_action(o, A_STS_SET, a); break;
		case O_STS_REFRESH: r = set_action(o, A_STS_REFRESH, a); break;
		case O_STS_REMOVE:
			o->remove_chain = val;
			r = set_action(o, A_STS_REMOVE, a);
			break;
		case O_ALL: o->all = 1; r = 0; break;
		case O_IGNORE: o->ignore = 1; r = 0; break;
		case O_DRY_RUN: o->dry_run = 1; r = 0; break;
		case O_JSON: o->json = 1; r = 0; break;
		case O_RENEW: o->renew = 1; r = 0; break;
		case O_PROFILE: o->profile = val; r = 0; break;
		case O_REGISTRY: o->registry = val; r = 0; break;
		case O_CERT: o->cert = val; r = 0; break;
		case O_KEY: o->key = val; r = 0; break;
		case O_KEY_PASSWORD: o->key_password = val; r = 0; break;
		case O_CHAIN: o->chain = val; r = 0; break;
		case O_ROOT_CERT: o->root_cert = val; r = 0; break;
		case O_VMCA_CONFIG: o->vmca_config = val; r = 0; break;
		case O_STORE: o->store = val; r = 0; break;
		case O_ALIAS: o->alias = val; r = 0; break;
		case O_FQDN: o->fqdn = val; r = 0; break;
		case O_P12: o->p12 = val; r = 0; break;
		case O_SELF_SIGNED: o->self_signed = 1; r = 0; break;
		case O_FROM_BACKUP:
			if (ck_parse_long(val, 0, 8, &o->from_backup) != 0) {
				ck_warnx("--from-backup %s: %s (0..8)", val, ck_err_detail());
				return SX_USAGE;
			}
			r = 0;
			break;
		case O_BACKUP_DEPTH:
			if (ck_parse_long(val, 1, 9, &o->backup_depth) != 0) {
				ck_warnx("--backup-depth %s: %s (1..9 backups per alias)", val,
				    ck_err_detail());
				return SX_USAGE;
			}
			r = 0;
			break;
		case O_RESTART_POLICY: {
			enum ck_swap_policy p;
			if (ck_swap_policy_parse(val, &p) != 0) {
				ck_warnx("--restart-policy %s: use vmware or minimal", val);
				return SX_USAGE;
			}
			o->restart_policy = val;
			r = 0;
			break;
		}
		case O_IF_EXPIRES:
			if (ck_parse_long(val, 0, 3650, &o->if_expires_within) != 0) {
				ck_warnx("--if-expires-within %s: %s (0..3650 days)", val, ck_err_detail());
				return SX_USAGE;
			}
			r = 0;
			break;
		case O_DAYS:
			if (ck_parse_long(val, 1, 730, &o->days) != 0) {
				ck_warnx("--days %s: %s (the VMCA renews for at most 730 days)", val,
				    ck_err_detail());
				return SX_USAGE;
			}
			r = 0;
			break;
		default:
			r = SX_USAGE;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* Options that only make sense with some actions. */
static int
check_combination(struct svcctl_opts *o)
{
	int swap = o->action == A_REPLACE;
	int control = o->action == A_START || o->action == A_STOP || o->action == A_RESTART;

	if (o->action >= A_STS_GET)
		return cmd_sts_check(o);
	int given = o->cert != NULL || o->p12 != NULL || o->from_backup >= 0;

	if (!swap && (o->cert || o->key || o->chain || o->root_cert || o->vmca_config || o->renew ||
	    o->days || o->store || o->alias || o->fqdn || o->key_password || o->p12 ||
	    o->self_signed || o->from_backup >= 0 || o->backup_depth ||
	    o->restart_policy)) {
		ck_warnx("certificate options need --replace-cert; see svcctl --help");
		return SX_USAGE;
	}
	if (swap && (o->cert != NULL) + (o->vmca_config != NULL) + (o->renew != 0) + (o->p12 != NULL) +
	    (o->self_signed != 0) + (o->from_backup >= 0) != 1) {
		ck_warnx("--replace-cert needs exactly one source: --cert FILE, --p12 FILE, "
		    "--vmca-config FILE, --renew, --self-signed or --from-backup N");
		return SX_USAGE;
	}
	if (swap && (o->chain || o->root_cert) && o->cert == NULL && o->p12 == NULL) {
		ck_warnx("--chain and --root-cert go with --cert or --p12");
		return SX_USAGE;
	}
	if (swap && o->days && given) {
		ck_warnx("--days goes with --renew, --vmca-config or --self-signed (a given "
		    "certificate has its own)");
		return SX_USAGE;
	}
	if (swap && o->renew && (o->key || o->key_password)) {
		ck_warnx("--renew keeps the current key; do not give --key");
		return SX_USAGE;
	}
	if (swap && (o->p12 || o->from_backup >= 0) && o->key) {
		ck_warnx("--p12 and --from-backup bring their own key; do not give --key");
		return SX_USAGE;
	}
	if (o->if_expires_within >= 0 && !(swap && o->renew)) {
		ck_warnx("--if-expires-within goes with --replace-cert --renew");
		return SX_USAGE;
	}
	if (o->json && o->action != A_STATUS) {
		ck_warnx("--json goes with --status or --get-signing-cert");
		return SX_USAGE;
	}
	if (o->dry_run && !swap) {
		ck_warnx("--dry-run goes with --replace-cert");
		return SX_USAGE;
	}
	if (!control && o->action != A_STATUS && (o->all || o->profile || o->nnames)) {
		ck_warnx("service names, --all and --vmon-profile go with --start, --stop, --restart "
		    "or --status");
		return SX_USAGE;
	}
	if (o->ignore && !control) {
		ck_warnx("--ignore goes with --start, --stop or --restart");
		return SX_USAGE;
	}
	if (control && !o->all && !o->profile && o->nnames == 0) {
		ck_warnx("name the services to act on, or give --all or --vmon-profile");
		return SX_USAGE;
	}
	if ((o->all || o->profile) && o->nnames > 0) {
		ck_warnx("give service names or --all/--vmon-profile, not both");
		return SX_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct svcctl_opts o;
	int r, changes;

	ck_log_init(argv[0]);
	ck_audit_init("svcctl");	/* service-control too */
	if (ck_nocore() != 0)
		ck_warnx("%s (a core file could hold key material)", ck_err_detail());
	ck_test_pause("main");	/* lets a test look at the process */
	opts_init(&o);
	if ((r = parse(argc, argv, &o)) != 0)
		goto out;
	if (o.action == A_HELP) {
		usage(stdout);
		r = SX_OK;
		goto out;
	}
	if (o.action == A_VERSION) {
		printf("svcctl (certkit) %s\n", PACKAGE_VERSION);
		r = SX_OK;
		goto out;
	}
	if (o.action == A_NONE) {
		if (o.all || o.profile || o.nnames > 0)
			ck_warnx("what should happen to them? give --start, --stop, --restart or --status");
		usage(stderr);
		r = SX_USAGE;
		goto out;
	}
	if ((r = check_combination(&o)) != 0)
		goto out;
	changes = o.action == A_START || o.action == A_STOP || o.action == A_RESTART ||
	    (o.action == A_REPLACE && !o.dry_run) || o.action == A_RESUME || o.action == A_ROLLBACK;
	if (changes)
		svcctl_uncancellable();
	if (o.action != A_RESUME && o.action != A_ROLLBACK)
		svcctl_report_pending();
	r = SX_USAGE;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].action == o.action)
			r = commands[i].exec(&o);
	if (changes)
		svcctl_record(action_name(o.action), r);
out:
	free(o.names);
	/* a failed write to stdout or stderr is a failure (1), not a success
	 * nobody saw */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (r == SX_OK)
			ck_warnx("standard output: write error: %s", strerror(errno));
		r = r == SX_OK ? SX_FAIL : r;
	}
	if ((fflush(stderr) != 0 || ferror(stderr)) && r == SX_OK)
		r = SX_FAIL;
	return r;
}
