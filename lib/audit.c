/* audit.c: audit records to syslog and to the audit file (see audit.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "certsum.h"
#include "err.h"
#include "digest.h"
#include "fileio.h"
#include "log.h"
#include "paths.h"
#include "testhook.h"

#define REC_MAX 2048

static const char *audit_ident;

void
ck_audit_init(const char *ident)
{
	audit_ident = ident;
}

static const char *
ident(void)
{
	return audit_ident != NULL ? audit_ident : ck_progname();
}

/* Append src to dst (size n, used *len), escaping what would break the
 * one-line format: control characters and DEL as \xNN, backslash doubled. */
static void
put_escaped(char *dst, size_t n, size_t *len, const char *src)
{
	for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++) {
		char tmp[5];
		const char *s = tmp;
		if (*p < 0x20 || *p == 0x7f)
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
		else if (*p == '\\')
			s = "\\\\";
		else
			tmp[0] = (char)*p, tmp[1] = '\0';
		for (; *s != '\0' && *len + 1 < n; s++)
			dst[(*len)++] = *s;
	}
	dst[*len] = '\0';
}

/* "uid=0 user=root sudo_user=alice": who, as far as the process knows. */
static void
who(char *buf, size_t n)
{
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	const char *sudo = getenv("SUDO_USER");
	size_t len;

	snprintf(buf, n, "uid=%u user=", (unsigned int)uid);
	len = strlen(buf);
	put_escaped(buf, n, &len, pw != NULL ? pw->pw_name : "?");
	if (sudo != NULL && *sudo != '\0') {
		snprintf(buf + len, n - len, " sudo_user=");
		len = strlen(buf);
		put_escaped(buf, n, &len, sudo);
	}
}

/*
 * Where the syslog records go: syslog(3), or in test builds a datagram
 * socket of the test's own (CERTKIT_TEST_SYSLOG), in the format syslog(3)
 * writes to /dev/log, as test machines often have no syslog daemon.
 */
struct sink {
	int test_fd;			/* the test socket, or -1 */
	struct sockaddr_un sa;
	char *buf;			/* audit file lines */
	size_t len, cap;
};

static void
sink_open(struct sink *k)
{
	const char *path = ck_test_getenv("CERTKIT_TEST_SYSLOG");

	memset(k, 0, sizeof(*k));
	k->test_fd = -1;
	if (path != NULL && strlen(path) < sizeof(k->sa.sun_path)) {
		k->sa.sun_family = AF_UNIX;
		memcpy(k->sa.sun_path, path, strlen(path) + 1);
		k->test_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		return;
	}
	openlog(ident(), LOG_PID, LOG_AUTHPRIV);
}

/* One record: to syslog now, to the file's buffer for sink_close. */
static void
sink_put(struct sink *k, const char *msg)
{
	char line[REC_MAX + 96], ts[32];
	struct tm tm;
	time_t t = time(NULL);
	int n;

	if (k->test_fd >= 0) {
		n = snprintf(line, sizeof(line), "<%d>%s[%ld]: %s", LOG_AUTHPRIV | LOG_NOTICE,
		    ident(), (long)getpid(), msg);
		(void)sendto(k->test_fd, line, (size_t)n, 0, (struct sockaddr *)&k->sa,
		    sizeof(k->sa));
	} else if (k->sa.sun_family == 0) {
		syslog(LOG_NOTICE, "%s", msg);
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s\n", ts, ident(), (long)getpid(), msg);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (k->len + (size_t)n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		char *nb;
		while (cap < k->len + (size_t)n)
			cap *= 2;
		if ((nb = realloc(k->buf, cap)) == NULL)
			return;
		k->buf = nb;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, line, (size_t)n);
	k->len += (size_t)n;
}

/* Append the buffered lines to the audit file: one open, one fsync for a
 * whole committed transaction (an import of thousands of entries). */
static void
sink_close(struct sink *k)
{
	char *path = NULL, *dir = NULL, *slash;
	size_t off = 0;
	ssize_t w;
	int fd;

	if (k->test_fd >= 0)
		close(k->test_fd);
	else if (k->sa.sun_family == 0)
		closelog();
	if (k->len == 0 || (path = strdup(ck_path(CK_PATH_AUDIT))) == NULL ||
	    (dir = strdup(path)) == NULL)
		goto out;
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		(void)ck_mkdir_p(dir, 0750);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		goto out;
	/* O_APPEND: each write lands at the end, whoever else appends */
	while (off < k->len && ((w = write(fd, k->buf + off, k->len - off)) > 0 || errno == EINTR))
		off += w > 0 ? (size_t)w : 0;
	(void)fsync(fd);
	close(fd);
out:
	free(dir);
	free(path);
	free(k->buf);
}

/* "audit: EVENT who details", escaped to one line. */
static void
format(char *msg, size_t n, const char *event, const char *details)
{
	char w[256];
	size_t len;

	who(w, sizeof(w));
	/* who() escaped what came from outside already */
	snprintf(msg, n, "audit: %s %s", event, w);
	len = strlen(msg);
	if (details[0] != '\0') {
		if (len + 1 < n)
			msg[len++] = ' ';
		put_escaped(msg, n, &len, details);
	}
}

void
ck_audit(const char *event, const char *fmt, ...)
{
	char details[REC_MAX], msg[REC_MAX];
	struct sink k;
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	format(msg, sizeof(msg), event, details);
	sink_open(&k);
	sink_put(&k, msg);
	sink_close(&k);
	errno = saved;
}

void
ck_audit_defer(struct ck_audit_queue *q, const char *event, const char *fmt, ...)
{
	char details[REC_MAX];
	va_list ap;
	size_t n;
	char *nb;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	/* a newline would split the record: the escaping happens on output */
	for (char *p = details; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	n = strlen(event) + strlen(details) + 2;
	if (q->len + n + 1 > q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		while (cap < q->len + n + 1)
			cap *= 2;
		if ((nb = realloc(q->buf, cap)) == NULL)
			return;	/* best effort, like the rest of the trail */
		q->buf = nb;
		q->cap = cap;
	}
	snprintf(q->buf + q->len, n + 1, "%s\t%s\n", event, details);
	q->len += n;
}

void
ck_audit_flush(struct ck_audit_queue *q)
{
	char msg[REC_MAX], *p = q->buf;
	struct sink k;
	int saved = errno;

	if (q->len == 0)
		return;
	sink_open(&k);
	while (p < q->buf + q->len) {
		char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
		if (tab == NULL || nl == NULL)
			break;
		*tab = '\0';
		*nl = '\0';
		format(msg, sizeof(msg), p, tab + 1);
		sink_put(&k, msg);
		p = nl + 1;
	}
	sink_close(&k);
	ck_audit_drop(q);
	errno = saved;
}

void
ck_audit_drop(struct ck_audit_queue *q)
{
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
}

static void
hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void
ck_audit_thumbs_der(const unsigned char *der, size_t len, char sha1[CK_AUDIT_SHA1_HEX],
    char sha256[CK_AUDIT_SHA256_HEX])
{
	unsigned char d[32];

	ck_sha1(der, len, d);
	hex(d, 20, sha1);
	ck_sha256(der, len, d);
	hex(d, 32, sha256);
}

void
ck_audit_thumbs_pem(const char *pem, size_t len, char sha1[CK_AUDIT_SHA1_HEX],
    char sha256[CK_AUDIT_SHA256_HEX])
{
	unsigned char *der = NULL;
	size_t n;

	strcpy(sha1, "-");
	strcpy(sha256, "-");
	if (ck_pem_first_der(pem, len, &der, &n) == 0)
		ck_audit_thumbs_der(der, n, sha1, sha256);
	else
		ck_err_clear();	/* no PEM is no thumbprint, not an error */
	free(der);
}
