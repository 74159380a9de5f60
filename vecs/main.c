/*
 * vecs: the VECS certificate store on LMDB, a drop-in for vecs-cli.
 *
 * main() dispatches `vecs <group> <verb> [options]` through the command
 * table in opts.c; each command group lives in its own file.  Output and
 * errors follow vecs-cli (see vecs(1)); the binary behaves the same under
 * the name vecs-cli.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "lazycrypto.h"
#include "log.h"
#include "secmem.h"
#include "paths.h"
#include "vecs.h"
#include "testhook.h"

static const struct {
	unsigned int code;
	const char *text;
} wintab[] = {
	{ W_FILE_NOT_FOUND, "Operation failed with error ERROR_FILE_NOT_FOUND (2)" },
	{ W_PATH_NOT_FOUND, "Operation failed with error ERROR_PATH_NOT_FOUND (3)" },
	{ W_ACCESS_DENIED, "Operation failed with error ERROR_ACCESS_DENIED (5)" },
	{ W_NOT_ENOUGH_MEMORY, "Operation failed with error ERROR_NOT_ENOUGH_MEMORY (8)" },
	{ W_BAD_FORMAT, "Operation failed with error ERROR_BAD_FORMAT (11)" },
	{ W_WRITE_FAULT, "Operation failed with error ERROR_WRITE_FAULT (29)" },
	{ W_NOT_SUPPORTED, "Operation failed with error ERROR_NOT_SUPPORTED (50)" },
	{ W_MOD_NOT_FOUND, "Operation failed with error ERROR_MOD_NOT_FOUND (126)" },
	{ W_INVALID_PARAMETER, "Operation failed with error ERROR_INVALID_PARAMETER (87)" },
	{ W_DISK_FULL, "Operation failed with error ERROR_DISK_FULL (112)" },
	{ W_LABEL_TOO_LONG, "Operation failed with error ERROR_LABEL_TOO_LONG (154)" },
	{ W_BUSY, "Operation failed with error ERROR_BUSY (170)" },
	{ W_ALREADY_EXISTS, "Operation failed with error ERROR_ALREADY_EXISTS (183)" },
	{ W_IMPLEMENTATION_LIMIT, "Operation failed with error ERROR_IMPLEMENTATION_LIMIT (1292)" },
	{ W_NO_SUCH_USER, "Operation failed with error ERROR_NO_SUCH_USER (1317)" },
	{ W_WRONG_PASSWORD, "Operation failed with error ERROR_WRONG_PASSWORD (1323)" },
	{ W_OBJECT_NOT_FOUND, "Operation failed with error ERROR_OBJECT_NOT_FOUND (4312)" },
	{ W_DATABASE_FAILURE, "Operation failed with error ERROR_DATABASE_FAILURE (4313)" },
	{ W_INVALID_STATE, "Operation failed with error ERROR_INVALID_STATE (5023)" },
	{ W_PRIVATE_KEY_MISMATCH, "Private key does not match certificate" },
	{ W_PUBLISH_FAILED, "The store was changed, but its published files were not" },
};

int
vfail(unsigned int code)
{
	const char *text = NULL;

	fflush(stdout);
	for (size_t i = 0; i < sizeof(wintab) / sizeof(wintab[0]); i++)
		if (wintab[i].code == code)
			text = wintab[i].text;
	if (text != NULL)
		fprintf(stderr, "vecs-cli failed. Error %u: %s \n", code, text);
	else
		fprintf(stderr, "vecs-cli failed with error %u\n", code);
	return (int)(code & 255);
}

unsigned int
vecs_code(int r)
{
	switch (r) {
	case CK_E_NOENT: return W_OBJECT_NOT_FOUND;
	case CK_E_EXIST: return W_ALREADY_EXISTS;
	case CK_E_ACCESS: case CK_E_SYMLINK: return W_ACCESS_DENIED;
	case CK_E_FORMAT: case CK_E_KEY: case CK_E_CERT: case CK_E_UTF16: return W_BAD_FORMAT;
	case CK_E_KEY_MISMATCH: return W_PRIVATE_KEY_MISMATCH;
	case CK_E_PASSWORD: return W_WRONG_PASSWORD;
	case CK_E_TOOLONG: return W_LABEL_TOO_LONG;
	case CK_E_LIMIT: return W_IMPLEMENTATION_LIMIT;
	case CK_E_NOUSER: return W_NO_SUCH_USER;
	case CK_E_NOSPC: return W_DISK_FULL;
	case CK_E_NOMEM: return W_NOT_ENOUGH_MEMORY;
	case CK_E_BUSY: return W_BUSY;
	case CK_E_UNSUPPORTED: return W_NOT_SUPPORTED;
	case CK_E_STATE: return W_INVALID_STATE;
	case CK_E_IO: case CK_E_ISDIR: return W_WRITE_FAULT;
	case CK_E_DB: return W_DATABASE_FAILURE;
	default: return W_INVALID_PARAMETER;
	}
}

int
vfail_ck(unsigned int code, int r)
{
	const char *d = ck_err_detail();

	if (r != 0)
		fprintf(stderr, "vecs: %s%s%s\n", ck_strerror(r), *d ? ": " : "", d);
	return vfail(code);
}

int
vsyntax(const struct vcmd *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	if (c != NULL)
		vecs_cmd_usage(stderr, c, 0);
	else
		vecs_usage(stderr);
	return vfail(W_INVALID_PARAMETER);
}

int
vecs_confirm(void)
{
	char ch = 0;
	ssize_t n;

	fflush(stdout);
	do
		n = read(STDIN_FILENO, &ch, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && (ch == 'Y' || ch == 'y');
}

/*
 * Only root may use the store for now (grants are stored and shown; a
 * later change lets granted accounts in).  The owner of the store
 * directory counts as root, so a private sandbox (CERTKIT_ROOT) works
 * for an unprivileged user.
 */
int
vecs_caller_allowed(uid_t uid)
{
	const char *dir = ck_path(CK_PATH_VECS);
	struct stat sb;

	if (uid == 0)
		return 1;
	if (stat(dir, &sb) == 0)
		return sb.st_uid == uid;
	if (errno == ENOENT) {
		/* not created yet: allowed if the caller owns the closest parent */
		char *p = strdup(dir), *s;
		int ok = 0;
		while (p != NULL && (s = strrchr(p, '/')) != NULL && s != p) {
			*s = '\0';
			if (stat(p, &sb) == 0) {
				ok = sb.st_uid == uid;
				break;
			}
			if (errno != ENOENT)
				break;
		}
		free(p);
		return ok;
	}
	return 0;
}

int
vecs_open(struct vctx *ctx)
{
	int r;

	if (!vecs_caller_allowed(ctx->uid)) {
		fprintf(stderr, "Error: Access denied: only root may use the certificate store "
		    "in %s (uid %u) \n", ck_path(CK_PATH_VECS), (unsigned int)ctx->uid);
		return vfail(W_ACCESS_DENIED);
	}
	if ((r = ck_store_open(NULL, 0, &ctx->st)) != 0) {
		fprintf(stderr, "Error: Failed to open the certificate store in %s \n",
		    ck_path(CK_PATH_VECS));
		return vfail_ck(r == CK_E_NOENT ? W_DATABASE_FAILURE : vecs_code(r), r);
	}
	if (ck_store_repaired(ctx->st) > 0)
		fprintf(stderr, "Warning: The certificate store in %s was open to group or others; "
		    "its modes were tightened (directory 0700, files 0600) \n",
		    ck_path(CK_PATH_VECS));
	return 0;
}

/*
 * vecs/lazycrypto.c could not load libcrypto or one of its functions, on
 * the first OpenSSL call of a command that parses certificates or keys.
 */
_Noreturn void
ck_lazycrypto_failed(const char *lib, const char *func, const char *detail)
{
	if (detail == NULL)
		detail = "unknown error";
	fflush(stdout);
	if (func == NULL)
		fprintf(stderr, "Error: Cannot load OpenSSL's libcrypto (%s), which this command "
		    "needs: %s \n", lib, detail);
	else
		fprintf(stderr, "Error: OpenSSL's libcrypto (%s) lacks %s, which this command "
		    "needs: %s \n", lib, func, detail);
	exit(vfail(W_MOD_NOT_FOUND));
}

int
cmd_help(struct vctx *ctx)
{
	(void)ctx;
	vecs_usage(stdout);
	return 0;
}

/* A failed write to standard output or error is error 29 when the
 * command had not failed already. */
static int
vecs_flushed(int r)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (r > 1)
			return r;
		fprintf(stderr, "Error: Failed to write the output: %s \n", strerror(errno));
		return vfail(W_WRITE_FAULT);
	}
	if ((fflush(stderr) != 0 || ferror(stderr)) && r <= 1)
		return W_WRITE_FAULT;
	return r;
}

int
main(int argc, char **argv)
{
	struct vctx ctx;
	const struct vcmd *c;
	const char *verb;
	int known, r, skip;

	ck_log_init(argv[0]);
	ck_audit_init("vecs");	/* vecs-cli too: one name for journalctl -t */
	if (ck_nocore() != 0)
		ck_warnx("%s (a core file could hold key material)", ck_err_detail());
	ck_test_pause("main");	/* lets a test look at the process */
	memset(&ctx, 0, sizeof(ctx));
	ctx.uid = getuid();
	if (argc < 2) {
		vecs_usage(stderr);
		return vfail(W_INVALID_PARAMETER);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		vecs_usage(stdout);
		return vecs_flushed(0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vecs (certkit) %s\n", PACKAGE_VERSION);
		return vecs_flushed(0);
	}
	verb = argc > 2 ? argv[2] : NULL;
	c = vecs_find(argv[1], verb, &known);
	if (c == NULL) {
		if (known)
			return vsyntax(NULL, "Error: Unknown command [%s %s] \n", argv[1],
			    verb ? verb : "");
		return vsyntax(NULL, "Error: Unknown command [%s] \n", argv[1]);
	}
	if (strcmp(c->group, "help") == 0) {
		const struct vcmd *h;
		/* `vecs help entry create` describes one command */
		if (argc > 2 && (h = vecs_find(argv[2], argc > 3 ? argv[3] : NULL, &known)) != NULL &&
		    h != c) {
			vecs_cmd_usage(stdout, h, 1);
			return vecs_flushed(0);
		}
		return vecs_flushed(cmd_help(&ctx));
	}
	skip = c->verb != NULL ? 3 : 2;
	ctx.cmd = c;
	if ((r = vecs_parse(c, argc - skip, argv + skip, &ctx)) != 0)
		return r;
	if (ctx.set[O_HELP]) {
		vecs_cmd_usage(stdout, c, 1);
		return vecs_flushed(0);
	}
	if ((ctx.set[O_SERVER] != 0) != (ctx.set[O_UPN] != 0)) {
		fprintf(stderr, "Error: Error: You have to provide both server and upn \n");
		return vfail(W_INVALID_STATE);
	}
	if (ctx.set[O_SERVER]) {
		fprintf(stderr, "Error: Remote stores (--server %s) are not supported; "
		    "run vecs on that host \n", ctx.val[O_SERVER]);
		return vfail(W_NOT_SUPPORTED);
	}
	r = c->exec(&ctx);
	ck_store_close(ctx.st);
	/* 1 is --expiring's "found": a failed write still counts */
	return vecs_flushed(r);
}
