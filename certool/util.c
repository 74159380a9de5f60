/* util.c: what every certool command needs: error codes, config, outputs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>

#include "certool.h"
#include "err.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"
#include "secmem.h"
#include "testhook.h"
#include "util.h"
#include "x509gen.h"

static const struct {
	int code;
	const char *name;
	const char *msg;
} codes[] = {
	{ E_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND",
	    "Operation failed with error = ERROR_FILE_NOT_FOUND (2)" },
	{ E_ACCESS_DENIED, "ERROR_ACCESS_DENIED",
	    "Operation failed with error = ERROR_ACCESS_DENIED (5)" },
	{ E_BAD_FORMAT, "ERROR_BAD_FORMAT", "Operation failed with error = ERROR_BAD_FORMAT (11)" },
	{ E_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED",
	    "Operation failed with error = ERROR_NOT_SUPPORTED (50)" },
	{ E_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER",
	    "Operation failed with error = ERROR_INVALID_PARAMETER (87)" },
	{ E_ROOT_MISSING, "VMCA_ROOT_CA_MISSING",
	    "The Root CA certificate is missing or failed to Initialize" },
	{ E_TIME, "VMCA_ERROR_INVALID_TIME_SPECIFIED",
	    "Invalid time specified for the Certificate" },
	{ E_ARGS, "VMCA_ARGUMENT_ERROR", "Invalid arguments found" },
	{ E_TIMEOUT, "VMCA_ERROR_TIME_OUT", "Time out occurred before specified Event." },
	{ E_CERT_DECODE, "VMCA_CERT_DECODE_FAILURE", "Cert Decode failure" },
	{ E_KEY_IO, "VMCA_KEY_IO_FAILURE", "Key I/O failure" },
	{ E_CERT_IO, "VMCA_CERT_IO_FAILURE", "Cert I/O failure" },
	{ E_NOT_CA, "VMCA_NOT_CA_CERT", "Not a CA Cert" },
	{ E_CSR_FIELD, "VMCA_INVALID_CSR_FIELD", "Invalid CSR field" },
	{ E_KEY_LENGTH, "VMCA_ERROR_INVALID_KEY_LENGTH",
	    "Key length has to be between 2048(2KB) and 16384(16KB)" },
	{ E_START_TIME, "VMCA_ERROR_CA_HAS_EXPIRED", "Start Time Error" },
	{ E_KEY_MISMATCH, "VMCA_ERROR_CERT_KEY_MISMATCH", "Cert/Key pair does not match" },
	{ E_REVOKED, "VMCA_ERROR_CERT_ALREADY_REVOKED", "This is already revoked cert" },
	{ E_SUBJECT, "VMCA_ERROR_INVALID_SN", "Invalid Subject Name specified" },
	{ E_SAN, "VMCA_ERROR_INVALID_SAN", "Invalid Subject Alternate Name specified." },
	{ E_CHAIN_INCOMPLETE, "VMCA_ERROR_INVALID_CHAIN",
	    "Certificate Chain is not complete" },
	{ E_CHAIN_ORDER, "VMCA_ERROR_INVALID_CHAIN_ORDER",
	    "Invalid Certificate Chain was given as input" },
	{ E_CSR_CREATE, "VMCA_ERROR_CSR_CREATION", "Could not create the CSR" },
	{ E_KEY_DECODE, "VMCA_ERROR_PRIVATE_KEY_DECODE", "Could not decode the Private Key" },
	{ E_UNKNOWN, "VMCA_UNKNOWN_ERROR", "Certificate Server Unknown Error" },
};

const char *
code_message(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].msg;
	return NULL;
}

const char *
code_name(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return NULL;
}

int
map_err(int ck)
{
	switch (ck) {
	case 0: return 0;
	case CK_E_NOENT: return E_FILE_NOT_FOUND;
	case CK_E_ACCESS: case CK_E_SYMLINK: case CK_E_ISDIR: return E_ACCESS_DENIED;
	case CK_E_FORMAT: return E_BAD_FORMAT;
	case CK_E_UNSUPPORTED: return E_NOT_SUPPORTED;
	case CK_E_INVAL: case CK_E_UTF16: return E_ARGS;
	case CK_E_KEY: case CK_E_PASSWORD: return E_KEY_IO;
	/* a write that fails (full disk, I/O error) is an I/O failure, not
	 * 70101, which scripts read as a syntax error */
	case CK_E_CERT: case CK_E_IO: case CK_E_NOSPC: return E_CERT_IO;
	case CK_E_NOT_CA: return E_NOT_CA;
	case CK_E_CSR_FIELD: case CK_E_POLICY: return E_CSR_FIELD;
	case CK_E_KEYSIZE: return E_KEY_LENGTH;
	case CK_E_TIME: return E_TIME;
	case CK_E_START_TIME: return E_START_TIME;
	case CK_E_KEY_MISMATCH: return E_KEY_MISMATCH;
	case CK_E_REVOKED: return E_REVOKED;
	case CK_E_SUBJECT: return E_SUBJECT;
	case CK_E_SAN: return E_SAN;
	case CK_E_CHAIN_INCOMPLETE: return E_CHAIN_INCOMPLETE;
	case CK_E_CHAIN_ORDER: return E_CHAIN_ORDER;
	case CK_E_CA_MISSING: return E_ROOT_MISSING;
	case CK_E_TIMEOUT: return E_TIMEOUT;
	default: return E_UNKNOWN;
	}
}

int
failc(int code, int ck, const char *what)
{
	const char *d = ck_err_detail();
	size_t wl = what != NULL ? strlen(what) : 0;

	/* the library's detail usually names the file already: say it once */
	if (what != NULL && strncmp(d, what, wl) == 0 && d[wl] == ':')
		what = NULL;
	if (d[0] != '\0')
		fprintf(stderr, "%s: %s%s%s\n", ck_progname(), what ? what : "",
		    what ? ": " : "", d);
	else
		fprintf(stderr, "%s: %s%s%s\n", ck_progname(), what ? what : "",
		    what ? ": " : "", ck_strerror(ck));
	ck_err_clear();
	return code;
}

int
fail(int ck, const char *what)
{
	return failc(map_err(ck), ck, what);
}

int
failx(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ck_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int
need(struct ctx *c, int id)
{
	if (c->val[id] != NULL && c->val[id][0] != '\0')
		return 0;
	return failx(E_ARGS, "--%s=%s is required here", opts[id].name,
	    opts[id].arg ? opts[id].arg : "");
}

int
apply_cli_cfg(struct ctx *c, struct ck_cfg *cfg)
{
	int r;

	for (int k = 0; k < CK_CFG_NKEYS; k++)
		if (c->val[O_NAME + k] != NULL &&
		    (r = ck_cfg_set(cfg, (enum ck_cfg_key)k, c->val[O_NAME + k])) != 0)
			return fail(r, "config");
	return 0;
}

int
load_config(struct ctx *c)
{
	const char *path = c->val[O_CONFIG] ? c->val[O_CONFIG] : "certool.cfg";
	int r;

	printf("Using config file : %s\n", path);
	if (c->cfg != NULL)
		return 0;
	if ((r = ck_cfg_load(path, &c->cfg)) != 0) {
		if (r == CK_E_CONFIG) {
			fprintf(stderr, "error: %s\n", ck_err_detail());
			ck_err_clear();
			return -E_UNKNOWN;	/* no trailer, exit 213 */
		}
		if (r == CK_E_UTF16) {
			printf("Config file: %s uses UTF16 encoding, certool supports only UTF8 "
			    "or ASCII encoding for config files\nExiting ...\n", path);
			return fail(r, path);
		}
		printf("Failed to open config file: %s\nExiting ...\n", path);
		failc(E_ARGS, r, path);
		return E_ARGS;
	}
	return apply_cli_cfg(c, c->cfg);
}

int
load_config_or_defaults(struct ctx *c)
{
	int r;

	if (c->cfg != NULL || c->val[O_CONFIG] != NULL || access("certool.cfg", F_OK) == 0)
		return load_config(c);
	printf("Using config file : none (defaults)\n");
	if ((r = ck_cfg_new(&c->cfg)) != 0)
		return fail(r, NULL);
	return apply_cli_cfg(c, c->cfg);
}

int
get_password(struct ctx *c, const char **pw)
{
	char *spec = NULL;
	int r;

	*pw = NULL;
	if (c->password_read) {
		*pw = c->password;
		return 0;
	}
	if (c->val[O_PASSWORD_FILE] != NULL && c->val[O_PASSWORD_FD] != NULL)
		return failx(E_ARGS, "give --password-file or --password-fd, not both");
	if (c->val[O_PASSWORD_FILE] != NULL)
		spec = ck_asprintf("file:%s", c->val[O_PASSWORD_FILE]);
	else if (c->val[O_PASSWORD_FD] != NULL)
		spec = ck_asprintf("fd:%s", c->val[O_PASSWORD_FD]);
	else {
		c->password_read = 1;
		return 0;
	}
	if (spec == NULL)
		return fail(CK_E_NOMEM, NULL);
	r = ck_secret_read(spec, &c->password);
	free(spec);
	if (r != 0)
		return failc(E_ARGS, r, "password");
	if (c->password[0] == '\0')
		return failx(E_ARGS, "the password is empty");
	c->password_read = 1;
	*pw = c->password;
	return 0;
}

/*
 * The password for a new private key file.  --password is VMware's
 * connection (SSO) password: it never encrypts a key, and a key written in
 * clear while the user believes it protected is worse than a refusal.
 */
int
new_key_password(struct ctx *c, const char **pw)
{
	int code;

	if ((code = get_password(c, pw)) != 0)
		return code;
	if (*pw == NULL && c->val[O_PASSWORD] != NULL)
		return failx(E_ARGS, "--password is the connection password and does not "
		    "encrypt keys: the new key would be written unencrypted.  Give its "
		    "password with --password-file or --password-fd, or leave --password out");
	return 0;
}

int
load_key(struct ctx *c, const char *path, EVP_PKEY **k)
{
	const char *pw;
	int r;

	if ((r = get_password(c, &pw)) != 0)
		return r;
	if ((r = ck_key_load_fast(path, pw, k)) != 0) {
		if (r == CK_E_PASSWORD && pw == NULL) {
			ck_err_clear();
			return failx(E_KEY_IO, "%s: the private key is encrypted: give its "
			    "password with --password-file or --password-fd", path);
		}
		if (r == CK_E_NOENT || r == CK_E_ACCESS)
			return fail(r, path);
		return failc(E_KEY_IO, r, path);
	}
	return 0;
}

int
num_opt(struct ctx *c, int id, long def, long min, long max, long *out)
{
	*out = def;
	if (c->val[id] == NULL)
		return 0;
	if (ck_parse_long(c->val[id], min, max, out) != 0)
		return failx(E_ARGS, "--%s=%s: give a whole number from %ld to %ld",
		    opts[id].name, c->val[id], min, max);
	return 0;
}

int
new_key(struct ctx *c, long rsa_bits, EVP_PKEY **k)
{
	const char *t = c->val[O_KEYTYPE] ? c->val[O_KEYTYPE] : "rsa";
	long bits;
	int r, ec;

	if (ck_strcaseeq(t, "rsa"))
		ec = 0;
	else if (ck_strcaseeq(t, "ec"))
		ec = 1;
	else
		return failx(E_ARGS, "--keytype=%s: use rsa or ec", t);
	if ((r = num_opt(c, O_KEYSIZE, ec ? 256 : rsa_bits, 0, 1L << 20, &bits)) != 0)
		return r;
	if ((r = ck_key_generate(ec ? CK_KEY_EC : CK_KEY_RSA, (int)bits, k)) != 0)
		return r == CK_E_KEYSIZE ? failc(ec ? E_ARGS : E_KEY_LENGTH, r, "--keysize") :
		    fail(r, "key generation");
	return 0;
}

/* --- all-or-nothing outputs ---------------------------------------------- */

int
out_add(struct outset *o, const char *path, char *data, size_t len, unsigned int mode,
    int secret)
{
	if (o->n >= (int)(sizeof(o->f) / sizeof(o->f[0])))
		return CK_E_LIMIT;
	o->f[o->n].path = path;
	o->f[o->n].data = data;
	o->f[o->n].len = len;
	o->f[o->n].mode = mode;
	o->f[o->n].secret = secret;
	o->f[o->n].tmp = NULL;
	o->n++;
	return 0;
}

void
out_free(struct outset *o)
{
	out_abort(o);
	for (int i = 0; i < o->n; i++) {
		if (o->f[i].secret)
			ck_secfree(o->f[i].data);
		else
			free(o->f[i].data);
	}
	o->n = 0;
}

/* fsync the directory holding path, so a rename into it is durable. */
static int
sync_dir_of(const char *path)
{
	char *d = strdup(path), *slash;
	int fd, r = 0;

	if (d == NULL)
		return CK_E_NOMEM;
	slash = strrchr(d, '/');
	if (slash == d)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? d : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		r = ck_errf(ck_errno(errno), "fsync the directory of %s: %s", path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	free(d);
	return r;
}

#define SET_SUFFIX ".certool-set"
#define NEW_SUFFIX ".certool-new"

/*
 * Finish a set a crash interrupted after its commit point: the journal
 * holds NUL-terminated "tmp", "final" pairs; a staged file still there is
 * renamed into place.  Then the journal goes.
 */
static void
finish_set(const char *journal)
{
	char *buf = NULL;
	size_t len, i = 0;

	if (ck_file_read(journal, 1 << 16, &buf, &len, 0) == 0) {
		while (i < len) {
			const char *tmp = buf + i, *final;
			i += strlen(tmp) + 1;
			if (i >= len)
				break;
			final = buf + i;
			i += strlen(final) + 1;
			if (strncmp(tmp, final, strlen(final)) == 0 &&
			    strncmp(tmp + strlen(final), NEW_SUFFIX ".", 13) == 0 &&
			    access(tmp, F_OK) == 0 && rename(tmp, final) == 0)
				(void)sync_dir_of(final);
		}
		free(buf);
	}
	ck_err_clear();
	(void)unlink(journal);
}

/* Remove "<path>.certool-new" and "<path>.certool-new.XXXXXX": ours. */
static void
remove_stale(const char *path)
{
	char *dir = strdup(path), *slash, *base;
	DIR *d;
	struct dirent *e;
	size_t bl;

	if (dir == NULL)
		return;
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		base = slash + 1;
	} else {
		base = dir;
	}
	bl = strlen(base);
	if ((d = opendir(slash == NULL ? "." : slash == dir ? "/" : dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			const char *rest = e->d_name + bl;
			if (strncmp(e->d_name, base, bl) != 0 ||
			    strncmp(rest, NEW_SUFFIX, strlen(NEW_SUFFIX)) != 0)
				continue;
			rest += strlen(NEW_SUFFIX);
			if (*rest == '\0' || (rest[0] == '.' && strlen(rest) == 7)) {
				char *p = slash == NULL ? strdup(e->d_name) :
				    ck_asprintf("%s/%s", slash == dir ? "" : dir, e->d_name);
				if (p != NULL)
					(void)unlink(p);
				free(p);
			}
		}
		closedir(d);
	}
	free(dir);
}

/* data -> a new "<path>.certool-new.XXXXXX", synced, with the final mode. */
static int
stage_one(const char *path, const char *data, size_t len, unsigned int mode, char **tmp)
{
	int fd, r = 0;
	size_t off = 0;

	if ((*tmp = ck_asprintf("%s" NEW_SUFFIX ".XXXXXX", path)) == NULL)
		return CK_E_NOMEM;
	/* mkostemp creates it 0600, exclusively, and never follows a link */
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) < 0) {
		r = ck_errf(ck_errno(errno), "%s: %s", *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return r;
	}
	if (fchmod(fd, mode & 0777) != 0)
		r = ck_errf(ck_errno(errno), "fchmod %s: %s", *tmp, strerror(errno));
	while (r == 0 && off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			r = ck_errf(w < 0 ? ck_errno(errno) : CK_E_IO, "write %s: %s", *tmp,
			    w < 0 ? strerror(errno) : "short write");
		else
			off += (size_t)w;
	}
	if (r == 0 && fsync(fd) != 0)
		r = ck_errf(ck_errno(errno), "fsync %s: %s", *tmp, strerror(errno));
	if (close(fd) != 0 && r == 0)
		r = ck_errf(ck_errno(errno), "close %s: %s", *tmp, strerror(errno));
	if (r != 0) {
		(void)unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return r;
}

int
out_stage(struct outset *o)
{
	struct stat st;
	char *journal;
	int r;

	if (o->n > 0) {
		if ((journal = ck_asprintf("%s" SET_SUFFIX, o->f[0].path)) == NULL)
			return fail(CK_E_NOMEM, NULL);
		if (access(journal, F_OK) == 0)
			finish_set(journal);
		free(journal);
	}
	for (int i = 0; i < o->n; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(o->f[i].path, o->f[j].path) == 0)
				return failx(E_ARGS, "%s is given for two outputs", o->f[i].path);
		if (lstat(o->f[i].path, &st) == 0 && (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)))
			return failx(E_ACCESS_DENIED, "%s: refusing to write over a %s",
			    o->f[i].path, S_ISLNK(st.st_mode) ? "symbolic link" : "directory");
	}
	for (int i = 0; i < o->n; i++) {
		remove_stale(o->f[i].path);
		if ((r = stage_one(o->f[i].path, o->f[i].data, o->f[i].len, o->f[i].mode,
		    &o->f[i].tmp)) != 0) {
			out_abort(o);
			if (o->f[i].secret && (r == CK_E_IO || r == CK_E_NOSPC))
				return failc(E_KEY_IO, r, o->f[i].path);
			return fail(r, o->f[i].path);
		}
	}
	return 0;
}

/* The journal of a set: "tmp\0final\0" per file, written atomically. */
static int
write_journal(struct outset *o, char **journal)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((*journal = ck_asprintf("%s" SET_SUFFIX, o->f[0].path)) == NULL)
		return CK_E_NOMEM;
	for (int i = 0; i < o->n; i++)
		len += strlen(o->f[i].tmp) + strlen(o->f[i].path) + 2;
	if ((buf = malloc(len)) == NULL)
		return CK_E_NOMEM;
	len = 0;
	for (int i = 0; i < o->n; i++) {
		size_t a = strlen(o->f[i].tmp) + 1, b = strlen(o->f[i].path) + 1;
		memcpy(buf + len, o->f[i].tmp, a);
		memcpy(buf + len + a, o->f[i].path, b);
		len += a + b;
	}
	r = ck_file_write(*journal, buf, len, 0600, 0);
	free(buf);
	return r;
}

int
out_install(struct outset *o)
{
	char *journal = NULL;
	int r = 0, i;

	if (o->n > 1 && (r = write_journal(o, &journal)) != 0) {
		free(journal);
		out_abort(o);
		return fail(r, o->f[0].path);
	}
	for (i = 0; i < o->n && r == 0; i++) {
		if (rename(o->f[i].tmp, o->f[i].path) != 0)
			r = ck_errf(ck_errno(errno), "rename %s: %s", o->f[i].path, strerror(errno));
		else {
			free(o->f[i].tmp);
			o->f[i].tmp = NULL;
		}
		ck_test_kill("certool-set-half");
	}
	for (int j = 0; j < i && r == 0; j++)
		r = sync_dir_of(o->f[j].path);
	if (journal != NULL) {
		/* after a failed rename the journal finishes the set next time */
		if (r == 0)
			(void)unlink(journal);
		free(journal);
	}
	return r != 0 ? fail(r, NULL) : 0;
}

void
out_abort(struct outset *o)
{
	for (int i = 0; i < o->n; i++) {
		if (o->f[i].tmp != NULL)
			(void)unlink(o->f[i].tmp);
		free(o->f[i].tmp);
		o->f[i].tmp = NULL;
	}
}

int
out_commit(struct outset *o)
{
	struct outset std = { .n = 0 };
	int code, k = 0;

	/* "-" is standard output, written once the files are in place (a
	 * failed write is caught when main flushes it) */
	for (int i = 0; i < o->n; i++) {
		if (strcmp(o->f[i].path, CK_STDIO_PATH) == 0)
			std.f[std.n++] = o->f[i];
		else
			o->f[k++] = o->f[i];
	}
	o->n = k;
	if ((code = out_stage(o)) == 0)
		code = out_install(o);
	for (int i = 0; i < std.n; i++) {
		if (code == 0)
			(void)fwrite(std.f[i].data, 1, std.f[i].len, stdout);
		o->f[o->n++] = std.f[i];	/* out_free frees it */
	}
	return code;
}

/*
 * An 8192-bit key takes half a minute: after a second of it, say so on
 * the terminal and add a dot every half second (nothing for a quick key,
 * nothing into a pipe or a file: main registers this on a TTY only).
 * CERTKIT_TEST_PROGRESS_MS (test builds) shortens the second.
 */
void
keygen_progress(void *u, int what)
{
	static long t0, last;
	static int shown;
	const char *e = ck_test_getenv("CERTKIT_TEST_PROGRESS_MS");
	long after = e != NULL ? atol(e) : 1000, now = ck_now_ms();

	(void)u;
	switch (what) {
	case CK_KEYGEN_BEGIN:
		t0 = now;
		shown = 0;
		break;
	case CK_KEYGEN_STEP:
		if (!shown && now - t0 >= after) {
			fprintf(stderr, "certool: generating the key pair, please wait");
			shown = 1;
			last = now;
		} else if (shown && now - last >= 500) {
			fputc('.', stderr);
			last = now;
		}
		break;
	case CK_KEYGEN_END:
		if (shown)
			fprintf(stderr, " done\n");
		break;
	}
}
