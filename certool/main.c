/*
 * certool: a local, compatible replacement for VMware's certool.
 * main parses the command line, runs the commands given in their fixed
 * order, and ends with the "Status :" trailer scripts look for.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "audit.h"
#include "certool.h"
#include "err.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"
#include "node.h"
#include "secmem.h"
#include "testhook.h"

/*
 * Whether openssl.cnf (OPENSSL_CONF, else the default file) can change
 * what libcrypto does for certool: outside comments, it names a
 * provider setup (a FIPS configuration is one), default
 * properties (alg_section), engines, the random generator, the string
 * table, or an included file.  Loading the file costs about 1M
 * instructions, 4% of a --gencert, even when, like Debian's default, it
 * sets none of these; oid_section, ssl_conf and the sections of the
 * openssl commands do not concern certool.  An unreadable file is left to
 * OpenSSL to judge.
 */
static int
openssl_conf_matters(void)
{
	static const char *const words[] = {
		"providers", "alg_section", "engines", "random", "stbl_section", "include", "fips",
	};
	char *path = CONF_get1_default_config_file(), *buf = NULL;
	size_t len;
	int r, hit = 0;

	if (path == NULL)
		return 1;
	r = ck_file_read(path, 1024 * 1024, &buf, &len, 0);
	OPENSSL_free(path);
	if (r != 0) {
		ck_err_clear();
		return r != CK_E_NOENT;
	}
	/* blank the comments out, then look for the module names (which
	 * OpenSSL matches case-sensitively) */
	for (char *h = strchr(buf, '#'); h != NULL; h = strchr(h, '#')) {
		char *nl = strchr(h, '\n');
		size_t n = nl != NULL ? (size_t)(nl - h) : strlen(h);
		memset(h, ' ', n);
		h += n;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && !hit; i++)
		hit = strstr(buf, words[i]) != NULL;
	free(buf);
	return hit;
}

static const cmd_fn handlers[O_NCMDS] = {
	[O_SELFCA] = cmd_selfca, [O_ROOTCA] = cmd_rootca, [O_GENCSR] = cmd_gencsr,
	[O_INITCSR] = cmd_initcsr, [O_GETDC] = cmd_getdc, [O_WAITVMCA] = cmd_waitvmca,
	[O_WAITVMDIR] = cmd_waitvmdir, [O_PUBLISH_ROOTS] = cmd_publish_roots,
	[O_VERSION] = cmd_version, [O_GENCERT] = cmd_gencert, [O_GENKEY] = cmd_genkey,
	[O_REVOKECERT] = cmd_revokecert, [O_VIEWCERT] = cmd_viewcert,
	[O_GETROOTCA] = cmd_getrootca, [O_ENUMCERT] = cmd_enumcert,
	[O_GENCISCERT] = cmd_genciscert, [O_STATUS] = cmd_status, [O_GETCRL] = cmd_getcrl,
	[O_GENCRL] = cmd_gencrl, [O_VIEWCRL] = cmd_viewcrl,
	[O_GENSELFCACERT] = cmd_genselfcacert, [O_GENCSRFROMCERT] = cmd_gencsrfromcert,
	[O_ENABLEOPT] = cmd_enableopt, [O_DISABLEOPT] = cmd_disableopt,
	[O_GETOPT] = cmd_getopt, [O_GENCERTFROMCSR] = cmd_gencertfromcsr,
	[O_RENEWCERT] = cmd_renewcert, [O_VIEWERROR] = cmd_viewerror,
};

/* A --server naming another machine would silently act on this one:
 * refuse it.  Any name of this node is fine (lib/node.h): appliances
 * deployed with an IP address as their identity pass that address. */
static int
check_server(const char *s)
{
	if (s == NULL || ck_node_is_me(s))
		return 0;
	return failx(E_ARGS, "--server=%s: certool only serves the local VMCA, and %s is not "
	    "a name or address of this node; run it on %s instead, or drop --server", s, s, s);
}

/*
 * A failed write to standard output (a full disk, a closed pipe) or to
 * standard error is a failure, not a success nobody saw: 70010, the
 * I/O code, when the command had succeeded.
 */
static int
out_checked(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "certool: standard output: write error: %s\n", strerror(errno));
		return code == 0 ? E_CERT_IO : code;
	}
	if (fflush(stderr) != 0 || ferror(stderr))
		return code == 0 ? E_CERT_IO : code;
	return code;
}

int
main(int argc, char **argv)
{
	struct ctx c;
	FILE *trailer;
	int code = 0, ncmd = 0, g;

	ck_log_init(argv[0]);
	ck_audit_init("certool");
	if (ck_nocore() != 0)
		ck_warnx("%s (a core file could hold key material)", ck_err_detail());
	ck_test_pause("main");	/* lets a test look at the process */
	/* openssl.cnf only when it can change the crypto (FIPS and other
	 * provider setups are honoured); see openssl_conf_matters.  No atexit
	 * OPENSSL_cleanup: freeing libcrypto's tables cost 0.9M instructions
	 * (4% of a --gencert) just before the process goes away; our own
	 * objects, keys among them, are still freed (and cleared) as we go. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT | (openssl_conf_matters() ?
	    OPENSSL_INIT_LOAD_CONFIG : OPENSSL_INIT_NO_LOAD_CONFIG), NULL);
	/* Hash_DRBG over SHA-256 (NIST SP 800-90A, like the default CTR_DRBG):
	 * SHA-256 is fetched for signing anyway, while the default DRBG's
	 * AES-CTR fetch costs as much as a quarter of a --gencert. */
	(void)RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256");
	memset(&c, 0, sizeof(c));
	if (isatty(STDERR_FILENO))
		ck_key_progress(keygen_progress, NULL);
	if (argc < 2) {
		print_help(-1);
		return 0;
	}
	if ((code = parse_args(&c, argc, argv)) != 0)
		return code & 0xff;
	if (c.val[O_HELP] != NULL) {
		if (c.val[O_HELP][0] == '\0')
			g = -1;
		else if ((g = help_group(c.val[O_HELP])) < 0) {
			fprintf(stderr, "error: unknown help group '%s': use init, functions, "
			    "config, files, options or connection\n", c.val[O_HELP]);
			return E_UNKNOWN & 0xff;
		}
		print_help(g);
		return out_checked(0) & 0xff;
	}
	for (int i = 0; i < O_NCMDS; i++)
		ncmd += c.val[i] != NULL;
	if (ncmd > 0)
		code = check_server(c.val[O_SERVER]);
	for (int i = 0; i < O_NCMDS && code == 0; i++)
		if (c.val[i] != NULL)
			code = handlers[i](&c);
	fflush(stdout);
	/* with --json, stdout holds the JSON alone: the trailer goes to stderr */
	trailer = c.val[O_JSON] != NULL ? stderr : stdout;
	if (code < 0) {
		/* a config syntax error: reported like an option error, no trailer */
		code = -code;
	} else if (code == 0) {
		fprintf(trailer, "Status : Success\n");
	} else {
		fprintf(trailer, "Status : Failed\nError Code : %d\nError Message : %s\n", code,
		    code_message(code) ? code_message(code) : "Unknown error");
	}
	ck_cfg_free(c.cfg);
	if (c.password != NULL)
		ck_secfree(c.password);
	return out_checked(code) & 0xff;
}
