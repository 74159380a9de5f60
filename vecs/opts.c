/*
 * opts.c: the one table of options and commands.  It drives the parser,
 * the usage text and `--help`, so they cannot drift apart.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vecs.h"

const struct vopt vecs_opts[O_MAX] = {
	[O_NAME] = { "--name", "<store-name>", "store name (case-insensitive, at most 128 characters)" },
	[O_USER] = { "--user", "<user-name>", "user to grant or revoke, or EVERYONE" },
	[O_GRANT] = { "--grant", "read|write|read,write",
	    "replace the user's access with this (read,write adds both)" },
	[O_REVOKE] = { "--revoke", "read|write", "remove this access from the user" },
	[O_STORE] = { "--store", "<store-name>", "store to work on" },
	[O_ALIAS] = { "--alias", "<alias>", "entry alias (default: SHA-1 thumbprint of the certificate)" },
	[O_CERT] = { "--cert", "<cert-file>", "PEM certificate or chain (or DER)" },
	[O_KEY] = { "--key", "<key-file>", "PEM private key (with --cert) or a secret (alone)" },
	[O_CRL] = { "--crl", "<crl-file>", "PEM CRL, stored as a Certification Revocation List entry" },
	[O_PASSWORD] = { "--password", "<password>",
	    "key password on the command line (visible to other users: prefer --password-file)" },
	[O_PASSWORD_FILE] = { "--password-file", "<file>",
	    "read the key password from the first line of a file (or fd:N, env:NAME)" },
	[O_OUTPUT] = { "--output", "<output-file>", "write to this file (0600, atomically) instead of stdout" },
	[O_TEXT] = { "--text", NULL, "print certificates and keys as text" },
	[O_ALIASES] = { "--aliases", NULL, "print the aliases only" },
	[O_JSON] = { "--json", NULL, "print JSON for scripts" },
	[O_EXPIRING] = { "--expiring", "<days>", "list certificates expiring within this many days (or expired)" },
	[O_ALL_STORES] = { "--all-stores", NULL, "with --expiring: look in every store" },
	[O_REPLACE] = { "--replace", NULL,
	    "atomically replace an existing alias, keeping the old entry in BACKUP_STORE as bkp_<alias>" },
	[O_BACKUP_STORE] = { "--backup-store", "<store-name>", "store for the backup copy (default BACKUP_STORE)" },
	[O_RSA_ONLY] = { "--rsa-only", NULL, "refuse non-RSA keys, as vecs-cli does (error 11)" },
	[O_LEAF_ONLY] = { "--leaf-only", NULL, "keep only the first certificate of a chain" },
	[O_BUNDLE] = { "--bundle", "<pem-file>", "PEM bundle: one Trusted Cert entry per certificate" },
	[O_P12] = { "--p12", "<pkcs12-file>", "PKCS#12 file of a Private Key entry (password from --password-file)" },
	[O_CAPATH] = { "--capath", "<dir>", "CA directory to publish trusted roots and CRLs to" },
	[O_MACHINE_SSL_DIR] = { "--machine-ssl-dir", "<dir>", "directory for machine-ssl.crt and machine-ssl.key" },
	[O_STRICT] = { "--strict", NULL, "fail with error 4312 if the alias does not exist" },
	[O_YES] = { "-y", NULL, "do not ask for confirmation" },
	[O_SERVER] = { "--server", "<server-name>", "remote server (not supported: vecs works on the local store)" },
	[O_UPN] = { "--upn", "<user-name>", "remote user (not supported)" },
	[O_HELP] = { "--help", NULL, "describe this command" },
	[O_SYNC] = { "--sync", NULL,
	    "with --bundle: make the store hold exactly the bundle's certificates (one transaction)" },
	[O_DRY_RUN] = { "--dry-run", NULL, "with --sync: list what would be added and removed; change nothing" },
	[O_REMOVE_VMCA_ROOTS] = { "--remove-vmca-roots", NULL,
	    "with --sync: remove the VMCA's own roots too when the bundle lacks them" },
	[O_NAGIOS] = { "--nagios", NULL,
	    "with --expiring: one Nagios/Icinga status line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN" },
	[O_CRITICAL] = { "--critical", "<days>",
	    "with --nagios: CRITICAL within this many days (default 0: expired)" },
};

#define R(x) { x, 1 }
#define O(x) { x, 0 }

static const struct vcmd cmds[] = {
	{ "store", "create", { R(O_NAME), O(O_SERVER), O(O_UPN) }, 3,
	    C_LAST_WINS | C_DANGLE_EMPTY, cmd_store_create, "create a store owned by the caller" },
	{ "store", "list", { O(O_JSON), O(O_SERVER), O(O_UPN) }, 3,
	    C_LAST_WINS | C_DANGLE_EMPTY, cmd_store_list, "list the stores in creation order" },
	{ "store", "delete", { R(O_NAME), O(O_YES), O(O_SERVER), O(O_UPN) }, 4,
	    C_LAST_WINS | C_DANGLE_EMPTY, cmd_store_delete, "delete a store and all its entries" },
	{ "store", "permission", { R(O_NAME), R(O_USER), O(O_GRANT), O(O_REVOKE) }, 4,
	    C_DANGLE_EMPTY, cmd_store_permission, "grant or revoke read/write access to a store" },
	{ "store", "get-permissions", { R(O_NAME), O(O_JSON), O(O_SERVER), O(O_UPN) }, 4,
	    C_LAST_WINS | C_DANGLE_EMPTY, cmd_store_getperm, "show the owner and access list of a store" },
	{ "entry", "create", { R(O_STORE), O(O_ALIAS), O(O_CERT), O(O_KEY), O(O_CRL), O(O_PASSWORD),
	    O(O_PASSWORD_FILE), O(O_REPLACE), O(O_BACKUP_STORE), O(O_RSA_ONLY), O(O_LEAF_ONLY),
	    O(O_SERVER), O(O_UPN) }, 13, 0, cmd_entry_create,
	    "add an entry (Private Key, Trusted Cert, Secret Key, CRL)" },
	{ "entry", "replace", { R(O_STORE), O(O_ALIAS), O(O_CERT), O(O_KEY), O(O_PASSWORD),
	    O(O_PASSWORD_FILE), O(O_BACKUP_STORE), O(O_RSA_ONLY), O(O_LEAF_ONLY) }, 9, 0,
	    cmd_entry_create, "atomically replace an entry, backing up the old one" },
	{ "entry", "list", { R(O_STORE), O(O_TEXT), O(O_ALIASES), O(O_JSON), O(O_EXPIRING),
	    O(O_ALL_STORES), O(O_NAGIOS), O(O_CRITICAL), O(O_SERVER), O(O_UPN) }, 10, 0, cmd_entry_list,
	    "list the entries of a store in insertion order" },
	{ "entry", "getcert", { R(O_STORE), R(O_ALIAS), O(O_OUTPUT), O(O_TEXT), O(O_PASSWORD),
	    O(O_PASSWORD_FILE), O(O_SERVER), O(O_UPN), O(O_JSON) }, 9, 0, cmd_entry_getcert,
	    "print the certificate (chain) of an entry" },
	{ "entry", "getkey", { R(O_STORE), R(O_ALIAS), O(O_OUTPUT), O(O_TEXT), O(O_PASSWORD),
	    O(O_PASSWORD_FILE), O(O_SERVER), O(O_UPN) }, 8, 0, cmd_entry_getkey,
	    "print the private key or secret of an entry" },
	{ "entry", "delete", { R(O_STORE), R(O_ALIAS), O(O_YES), O(O_STRICT), O(O_SERVER), O(O_UPN) }, 6,
	    0, cmd_entry_delete, "delete an entry" },
	{ "entry", "import", { R(O_STORE), O(O_BUNDLE), O(O_P12), O(O_ALIAS), O(O_PASSWORD_FILE),
	    O(O_REPLACE), O(O_SYNC), O(O_DRY_RUN), O(O_REMOVE_VMCA_ROOTS) }, 9, 0, cmd_entry_import,
	    "import a PEM bundle (one entry per certificate) or a PKCS#12 file" },
	{ "entry", "export", { R(O_STORE), O(O_OUTPUT), O(O_ALIAS), O(O_P12), O(O_PASSWORD_FILE) }, 5,
	    0, cmd_entry_export, "export a store as one PEM bundle, or an entry as PKCS#12" },
	{ "force-refresh", NULL, { O(O_CAPATH), O(O_MACHINE_SSL_DIR), O(O_SERVER), O(O_UPN) }, 4,
	    0, cmd_force_refresh, "re-publish trusted roots, CRLs and machine-ssl files" },
	{ "help", NULL, { { O_MAX, 0 } }, 0, C_NO_STORE, cmd_help, "print this text" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
use_line(FILE *f, const struct vcmd *c)
{
	fprintf(f, "\t%s", c->group);
	if (c->verb != NULL)
		fprintf(f, " %s", c->verb);
	for (int i = 0; i < c->nuse; i++) {
		const struct vopt *o = &vecs_opts[c->use[i].id];
		fprintf(f, c->use[i].required ? " %s" : " [%s", o->name);
		if (o->meta != NULL)
			fprintf(f, " %s", o->meta);
		if (!c->use[i].required)
			fputc(']', f);
	}
	fputc('\n', f);
}

void
vecs_usage(FILE *f)
{
	fputs("Usage: vecs-cli { arguments }\nArguments:\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].group, "help") != 0)
			use_line(f, &cmds[i]);
	fputs("\thelp\n", f);
}

void
vecs_cmd_usage(FILE *f, const struct vcmd *c, int verbose)
{
	fputs("Usage: vecs-cli\n", f);
	use_line(f, c);
	if (!verbose) {
		fputs("Run 'vecs-cli help' for every command.\n", f);
		return;
	}
	fprintf(f, "\n%s.\n\n", c->summary);
	for (int i = 0; i < c->nuse; i++) {
		const struct vopt *o = &vecs_opts[c->use[i].id];
		char lhs[64];
		snprintf(lhs, sizeof(lhs), "%s%s%s", o->name, o->meta ? " " : "",
		    o->meta ? o->meta : "");
		fprintf(f, "  %-32s %s\n", lhs, o->help);
	}
}

const struct vcmd *
vecs_find(const char *group, const char *verb, int *group_known)
{
	*group_known = 0;
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].group, group) != 0)
			continue;
		*group_known = 1;
		if (cmds[i].verb == NULL)
			return &cmds[i];
		if (verb != NULL && strcmp(cmds[i].verb, verb) == 0)
			return &cmds[i];
	}
	return NULL;
}

/*
 * vecs-cli's grammar: long options only, each value the next argv token
 * (which may begin with "--"); we also take --opt=value.  Duplicates: first
 * wins, or last wins for C_LAST_WINS commands.  A missing value is an
 * error, or an empty value for C_DANGLE_EMPTY commands.
 */
int
vecs_parse(const struct vcmd *c, int argc, char **argv, struct vctx *ctx)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = NULL, *val;
		size_t alen;
		int id = -1;

		if (strncmp(a, "--", 2) == 0 && (eq = strchr(a, '=')) != NULL)
			alen = (size_t)(eq - a);
		else
			alen = strlen(a);
		for (int j = 0; j < c->nuse; j++) {
			const char *n = vecs_opts[c->use[j].id].name;
			if (strlen(n) == alen && strncmp(n, a, alen) == 0) {
				id = (int)c->use[j].id;
				break;
			}
		}
		if (id < 0 && strcmp(a, "--help") == 0)
			id = O_HELP;
		if (id < 0)
			return vsyntax(c, "Error: Unknown option [%s] for '%s%s%s' \n", a, c->group,
			    c->verb ? " " : "", c->verb ? c->verb : "");
		if (vecs_opts[id].meta == NULL) {
			if (eq != NULL)
				return vsyntax(c, "Error: Option [%.*s] takes no value \n", (int)alen, a);
			ctx->set[id]++;
			continue;
		}
		if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else if (c->flags & C_DANGLE_EMPTY) {
			val = "";
		} else {
			return vsyntax(c, "Error: Option [%s] needs a value \n", a);
		}
		if (ctx->set[id]++ == 0 || (c->flags & C_LAST_WINS))
			ctx->val[id] = val;
	}
	return 0;
}
