/*
 * opts.c: the one option table; it drives the parser and --help, so the
 * help never drifts from what is accepted.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "certool.h"

const char *const group_names[G_NGROUPS] = {
	"init", "functions", "config", "files", "options", "connection",
};

static const char *const group_titles[G_NGROUPS] = {
	"Initialisation commands (--help=init)",
	"Functions (--help=functions)",
	"certool.cfg keys, also accepted as options; the command line wins (--help=config)",
	"Files (--help=files)",
	"Other options (--help=options)",
	("Connection options: accepted for compatibility; only the local node is served "
	    "(--help=connection)"),
};

const struct opt opts[O_NOPTS] = {
	[O_SELFCA] = { "selfca", K_CMD, G_INIT, NULL,
	    "create a self-signed root and install it as the VMCA signing certificate" },
	[O_ROOTCA] = { "rootca", K_CMD, G_INIT, NULL,
	    "install --cert (chain) and --privkey as the VMCA signing pair" },
	[O_GENCSR] = { "gencsr", K_CMD, G_INIT, NULL,
	    "new key pair and a CSR from the config (--privkey --pubkey --csrfile)" },
	[O_INITCSR] = { "initcsr", K_CMD, G_INIT, NULL, "deprecated name of --gencsr" },
	[O_GETDC] = { "getdc", K_CMD, G_INIT, NULL, "print the default domain name" },
	[O_WAITVMCA] = { "WaitVMCA", K_CMD, G_INIT, NULL,
	    "wait up to --wait minutes until the VMCA has a root" },
	[O_WAITVMDIR] = { "WaitVMDIR", K_CMD, G_INIT, NULL,
	    "succeeds at once: there is no directory service locally" },
	[O_PUBLISH_ROOTS] = { "publish-roots", K_CMD, G_INIT, NULL,
	    "add the VMCA's certificates to TRUSTED_ROOTS and publish them in the CA directory" },
	[O_VERSION] = { "version", K_CMD, G_FUNCTIONS, NULL, "print the version" },
	[O_GENCERT] = { "gencert", K_CMD, G_FUNCTIONS, NULL,
	    "VMCA-signed certificate for --privkey from the config, to --cert" },
	[O_GENKEY] = { "genkey", K_CMD, G_FUNCTIONS, NULL,
	    "new key pair to --privkey (and --pubkey)" },
	[O_REVOKECERT] = { "revokecert", K_CMD, G_FUNCTIONS, NULL, "revoke --cert" },
	[O_VIEWCERT] = { "viewcert", K_CMD, G_FUNCTIONS, NULL, "print --cert as text" },
	[O_GETROOTCA] = { "getrootca", K_CMD, G_FUNCTIONS, NULL,
	    "print the VMCA certificate; with --cert also write root.cer there" },
	[O_ENUMCERT] = { "enumcert", K_CMD, G_FUNCTIONS, NULL,
	    "list issued certificates by --filter" },
	[O_GENCISCERT] = { "genCIScert", K_CMD, G_FUNCTIONS, NULL,
	    "solution-user certificate (OU=mID-<machine id>, --FQDN)" },
	[O_STATUS] = { "status", K_CMD, G_FUNCTIONS, NULL,
	    "print ACTIVE, REVOKED, EXPIRED or UNKNOWN for --cert" },
	[O_GETCRL] = { "getcrl", K_CMD, G_FUNCTIONS, NULL, "write the current CRL to --crl" },
	[O_GENCRL] = { "gencrl", K_CMD, G_FUNCTIONS, NULL, "generate a new CRL" },
	[O_VIEWCRL] = { "viewcrl", K_CMD, G_FUNCTIONS, NULL, "print --crl as text" },
	[O_GENSELFCACERT] = { "genselfcacert", K_CMD, G_FUNCTIONS, NULL,
	    "self-signed CA certificate and key to --outcert/--outprivkey" },
	[O_GENCSRFROMCERT] = { "gencsrfromcert", K_CMD, G_FUNCTIONS, NULL,
	    "CSR with --cert's subject and --privkey's key, to --csrfile" },
	[O_ENABLEOPT] = { "enableserveroption", K_CMD, G_FUNCTIONS, NULL,
	    "switch on server option --option (multiplesan)" },
	[O_DISABLEOPT] = { "disableserveroption", K_CMD, G_FUNCTIONS, NULL,
	    "switch off server option --option (multiplesan)" },
	[O_GETOPT] = { "getserveroption", K_CMD, G_FUNCTIONS, NULL,
	    "print the server options that are on" },
	[O_GENCERTFROMCSR] = { "gencertfromcsr", K_CMD, G_FUNCTIONS, NULL,
	    "VMCA-signed certificate for --csrfile, to --cert" },
	[O_RENEWCERT] = { "renewcert", K_CMD, G_FUNCTIONS, NULL,
	    "reissue VMCA-issued --cert for --days (to --outcert, else in place)" },
	[O_VIEWERROR] = { "viewerror", K_CMDARG, G_FUNCTIONS, "CODE",
	    "explain an error code" },

	[O_CONFIG] = { "config", K_VAL, G_FILES, "FILE",
	    "certool.cfg to read (default: certool.cfg in the current directory)" },
	[O_PRIVKEY] = { "privkey", K_VAL, G_FILES, "FILE", "private key" },
	[O_PUBKEY] = { "pubkey", K_VAL, G_FILES, "FILE", "public key" },
	[O_CERT] = { "cert", K_VAL, G_FILES, "FILE", "certificate (chain for --rootca)" },
	[O_CHAIN] = { "chain", K_VAL, G_FILES, "FILE",
	    "write the CA chain here, so --cert holds the leaf alone" },
	[O_CSRFILE] = { "csrfile", K_VAL, G_FILES, "FILE", "certificate signing request" },
	[O_CRL] = { "crl", K_VAL, G_FILES, "FILE", "CRL file" },
	[O_CURRCRL] = { "currcrl", K_VAL, G_FILES, "FILE", "accepted and ignored" },
	[O_OUTCERT] = { "outcert", K_VAL, G_FILES, "FILE", "output certificate" },
	[O_OUTPRIVKEY] = { "outprivkey", K_VAL, G_FILES, "FILE", "output private key" },

	[O_NAME] = { "Name", K_VAL, G_CONFIG, "CN", "subject CN" },
	[O_DOMAINCOMPONENT] = { "DomainComponent", K_VAL, G_CONFIG, "DOMAIN",
	    "DC RDNs (split on '.')" },
	[O_COUNTRY] = { "Country", K_VAL, G_CONFIG, "CC", "C, two letters" },
	[O_STATE] = { "State", K_VAL, G_CONFIG, "ST,...", "ST" },
	[O_LOCALITY] = { "Locality", K_VAL, G_CONFIG, "L,...", "L" },
	[O_ORGANIZATION] = { "Organization", K_VAL, G_CONFIG, "O,...", "O" },
	[O_ORGUNIT] = { "OrgUnit", K_VAL, G_CONFIG, "OU,...", "OU" },
	[O_EMAIL] = { "Email", K_VAL, G_CONFIG, "ADDR,...", "SAN email" },
	[O_IPADDRESS] = { "IPAddress", K_VAL, G_CONFIG, "IP,...", "SAN IP address" },
	[O_HOSTNAME] = { "Hostname", K_VAL, G_CONFIG, "DNS,...", "SAN DNS name" },

	[O_PREDATE] = { "predate", K_VAL, G_OPTIONS, "MINUTES",
	    "backdate CA certificates (0..10080, default 4320)" },
	[O_FILTER] = { "filter", K_VAL, G_OPTIONS, "WHICH",
	    "active, revoked, expired or all" },
	[O_OPTION] = { "option", K_VAL, G_OPTIONS, "NAME", "server option: multiplesan" },
	[O_WAIT] = { "wait", K_VAL, G_OPTIONS, "MINUTES", "for --WaitVMCA (default 3)" },
	[O_FQDN] = { "FQDN", K_VAL, G_OPTIONS, "NAME", "DNS name for --genCIScert" },
	[O_DATAENC] = { "dataencipherment", K_FLAG, G_OPTIONS, NULL,
	    "add dataEncipherment to the key usage" },
	[O_DAYS] = { "days", K_VAL, G_OPTIONS, "N",
	    "certificate lifetime (default 730, at most 3660; renewals at most 730)" },
	[O_KEYSIZE] = { "keysize", K_VAL, G_OPTIONS, "BITS",
	    "RSA 2048..16384 (default 2048; 3072 for --selfca and --gencsr); EC 256 or 384" },
	[O_KEYTYPE] = { "keytype", K_VAL, G_OPTIONS, "TYPE", "rsa (default) or ec" },
	[O_PASSWORD_FILE] = { "password-file", K_VAL, G_OPTIONS, "FILE",
	    "password that encrypts new keys and decrypts input keys" },
	[O_PASSWORD_FD] = { "password-fd", K_VAL, G_OPTIONS, "N",
	    "read that password from descriptor N" },
	[O_ALLOW_WILDCARD] = { "allow-wildcard", K_FLAG, G_OPTIONS, NULL,
	    "let the VMCA sign '*' in CN and DNS names" },
	[O_ALLOW_CA] = { "allow-ca", K_FLAG, G_OPTIONS, NULL,
	    "let the VMCA sign CA requests (subordinate CAs)" },
	[O_ALLOW_EXTENSIONS] = { "allow-extensions", K_FLAG, G_OPTIONS, NULL,
	    "copy CSR extensions beyond SAN, leaf KU and EKU serverAuth/clientAuth" },
	[O_AIA_URL] = { "aia-url", K_VAL, G_OPTIONS, "URL",
	    "add an AIA caIssuers URL to issued certificates" },
	[O_KEEPKEY] = { "keepkey", K_FLAG, G_OPTIONS, NULL,
	    ("--gencsr: also keep the new key in the store as MACHINE_SSL_CERT/__MACHINE_CSR, "
	    "for svcctl --replace-cert --cert without --key") },

	[O_JSON] = { "json", K_FLAG, G_OPTIONS, NULL,
	    ("--viewcert, --enumcert, --status: JSON on stdout (the vSphere API's Tls.Info); "
	    "the Status trailer goes to stderr") },

	[O_SERVER] = { "server", K_VAL, G_CONNECTION, "HOST",
	    "this node (default): its FQDN, short name, any address of its interfaces, localhost; another host is refused" },
	[O_SRP_UPN] = { "srp-upn", K_VAL, G_CONNECTION, "UPN", "ignored" },
	[O_SRP_PWD] = { "srp-pwd", K_VAL, G_CONNECTION, "PWD", "ignored" },
	[O_PORT] = { "port", K_VAL, G_CONNECTION, "PORT", "ignored" },
	[O_USER] = { "user", K_VAL, G_CONNECTION, "USER", "ignored" },
	[O_PASSWORD] = { "password", K_VAL, G_CONNECTION, "PWD", "ignored" },
	[O_DOMAIN] = { "domain", K_VAL, G_CONNECTION, "DOMAIN",
	    "SSO domain (default vsphere.local)" },

	[O_HELP] = { "help", K_HELP, -1, "GROUP",
	    "help: init, functions, config, files, options or connection" },
	[O_PKCS12] = { "PKCS12", K_IGNORED, -1, NULL, NULL },
	[O_PRV] = { "prv", K_IGNORED, -1, NULL, NULL },
	[O_TRS] = { "trs", K_IGNORED, -1, NULL, NULL },
	[O_RVK] = { "rvk", K_IGNORED, -1, NULL, NULL },
	[O_ALL] = { "all", K_IGNORED, -1, NULL, NULL },
	[O_INITVMCA] = { "InitVMCA", K_IGNORED, -1, NULL, NULL },
};

int
help_group(const char *s)
{
	for (int g = 0; g < G_NGROUPS; g++)
		if (strcmp(s, group_names[g]) == 0)
			return g;
	return -1;
}

void
print_help(int group)
{
	char left[64];

	if (group < 0)
		printf("usage: certool --COMMAND [--OPTION[=VALUE] ...]\n"
		    "       certool -h|--help[=init|functions|config|files|options|connection]\n"
		    "       certool --version\n"
		    "Local replacement for VMware certool: the VMCA lives in $VMCA_DATA_DIR.\n"
		    "Several commands in one call run in the order listed. See certool(1).\n");
	for (int g = 0; g < G_NGROUPS; g++) {
		if (group >= 0 && g != group)
			continue;
		printf("\n%s:\n", group_titles[g]);
		for (int i = 0; i < O_NOPTS; i++) {
			if (opts[i].group != g)
				continue;
			if (opts[i].arg != NULL)
				snprintf(left, sizeof(left), "--%s=%s", opts[i].name, opts[i].arg);
			else
				snprintf(left, sizeof(left), "--%s", opts[i].name);
			printf("  %-30s %s\n", left, opts[i].help);
		}
	}
	if (group < 0)
		printf("\n  %-30s %s\n", "--help[=GROUP]", opts[O_HELP].help);
}

/* Find an option: exact match first, else a unique prefix. */
static int
lookup(const char *name, size_t len)
{
	int found = -1, n = 0;

	for (int i = 0; i < O_NOPTS; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return i;
	for (int i = 0; i < O_NOPTS; i++)
		if (strncmp(opts[i].name, name, len) == 0) {
			found = i;
			n++;
		}
	if (n == 1)
		return found;
	if (n > 1) {
		fprintf(stderr, "error: option '--%.*s' is ambiguous; possibilities:", (int)len, name);
		for (int i = 0; i < O_NOPTS; i++)
			if (strncmp(opts[i].name, name, len) == 0)
				fprintf(stderr, " '--%s'", opts[i].name);
		fprintf(stderr, "\n");
		return -2;
	}
	fprintf(stderr, "error: unrecognised option '--%.*s' (see certool --help)\n", (int)len, name);
	return -2;
}

int
parse_args(struct ctx *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val = NULL;
		size_t len;
		int id;

		if (strcmp(a, "-h") == 0)
			a = "--help";	/* the one short option, as every tool has it */
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			fprintf(stderr, "error: unexpected argument '%s': options are "
			    "--name=value or --name value (see certool --help)\n", a);
			return E_UNKNOWN;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		if ((id = lookup(a, len)) < 0)
			return E_UNKNOWN;
		if (eq != NULL)
			val = eq + 1;
		switch (opts[id].kind) {
		case K_VAL:
		case K_CMDARG:
			if (val == NULL) {
				if (i + 1 >= argc) {
					fprintf(stderr, "error: the required argument for option "
					    "'--%s' is missing\n", opts[id].name);
					return E_UNKNOWN;
				}
				val = argv[++i];
			}
			break;
		case K_HELP:
			/* --help init (older certool) as well as --help=init */
			if (val == NULL && i + 1 < argc && help_group(argv[i + 1]) >= 0)
				val = argv[++i];
			if (val == NULL)
				val = "";
			break;
		default:
			if (val != NULL) {
				fprintf(stderr, "error: option '--%s' does not take an argument\n",
				    opts[id].name);
				return E_UNKNOWN;
			}
			val = "";
		}
		if (c->val[id] != NULL) {
			fprintf(stderr, "error: option '--%s' cannot be specified more than once\n",
			    opts[id].name);
			return E_UNKNOWN;
		}
		c->val[id] = val;
	}
	return 0;
}
