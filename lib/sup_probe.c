/*
 * sup_probe.c: readiness probes (services.conf(5) "probe"): pid (the
 * backend's own notion of started), tcp, tls, file, and cmd, a shell
 * command run asynchronously so slow probes overlap.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <openssl/x509.h>

#include "err.h"
#include "sup_backend.h"
#include "tlsprobe.h"
#include "util.h"


/*
 * A command probe that is only a file test ("test -f PATH", "test -e
 * PATH", "[ -s PATH ]", ...; PATH without anything the shell would
 * expand) is answered with stat(2) instead of a shell: the same answer,
 * without a process per poll, which on a loaded machine is what delays a
 * dependency level.  Returns 0 and the operator and path for such a test,
 * -1 for anything else.
 */
static int
parse_file_test(const char *cmd, char *op, char *path, size_t size)
{
	const char *p = cmd, *a, *e;
	int bracket = 0;
	size_t n;

	while (*p == ' ')
		p++;
	if (strncmp(p, "test ", 5) == 0)
		p += 5;
	else if (strncmp(p, "[ ", 2) == 0) {
		p += 2;
		bracket = 1;
	} else
		return -1;
	while (*p == ' ')
		p++;
	if (p[0] != '-' || strchr("efds", p[1]) == NULL || p[1] == '\0' || p[2] != ' ')
		return -1;
	a = p + 3;
	while (*a == ' ')
		a++;
	for (e = a; *e != '\0' && *e != ' '; e++)
		if (!(isalnum((unsigned char)*e) || strchr("/._-+,@%=:", *e) != NULL))
			return -1;	/* quoting, expansion, operators: use the shell */
	n = (size_t)(e - a);
	if (n == 0 || n >= size)
		return -1;
	while (*e == ' ')
		e++;
	if (bracket) {
		if (*e != ']')
			return -1;
		e++;
		while (*e == ' ')
			e++;
	}
	if (*e != '\0')
		return -1;
	*op = p[1];
	memcpy(path, a, n);
	path[n] = '\0';
	return 0;
}

/*
 * The file a probe looks at, with the test to make of it ('e' exists, 'f'
 * regular file, 'd' directory, 's' not empty): a file: probe, or a command
 * probe that is only a file test.  Relative paths are in the service's
 * directory.  NULL for any other probe (or out of memory).
 */
static char *
probe_path(const struct ck_service *s, char *op)
{
	char buf[4096];
	const char *rel;

	if (s->probe == CK_PROBE_FILE) {
		*op = 'e';
		rel = s->probe_arg;
	} else if (s->probe == CK_PROBE_CMD && parse_file_test(s->probe_arg, op, buf, sizeof(buf)) == 0)
		rel = buf;
	else
		return NULL;
	if (rel[0] == '/')
		return strdup(rel);
	return ck_asprintf("%s/%s", s->dir ? s->dir : ck_path(CK_PATH_RUN), rel);
}

/* 1 if path passes test op (see probe_path), 0 if not. */
static int
file_ok(const char *path, char op)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return 0;
	switch (op) {
	case 'f':
		return S_ISREG(sb.st_mode);
	case 'd':
		return S_ISDIR(sb.st_mode);
	case 's':
		return sb.st_size > 0;
	default:
		return 1;
	}
}

/*
 * One readiness check.  Returns 1 ready, 0 not yet.  Command probes are
 * asynchronous unless sync is set: the first call starts the command and
 * later calls collect its status.
 */
int
sup_probe(struct ck_sup *sup, size_t i, int sync)
{
	const struct ck_service *s = &sup->reg->svc[i];
	struct svcrt *rt = &sup->rt[i];
	char *path, op;
	int st;
	pid_t w;

	switch (s->probe) {
	case CK_PROBE_PID:
		return sup->be->ready(sup, i);
	case CK_PROBE_TCP:
		return ck_tcp_probe(s->probe_host, s->probe_port, sync ? SUP_PROBE_TIMEOUT_MS : 200) == 0;
	case CK_PROBE_TLS: {
		X509 *x = NULL;
		int ok = ck_tls_peer_cert(s->probe_host, s->probe_port, SUP_PROBE_TIMEOUT_MS, &x) == 0;
		X509_free(x);
		return ok;
	}
	case CK_PROBE_FILE:
	case CK_PROBE_CMD:
		if ((path = probe_path(s, &op)) != NULL) {
			int ok = file_ok(path, op);
			free(path);
			return ok;
		}
		if (s->probe == CK_PROBE_FILE)
			return 0;	/* out of memory: not ready yet */
		if (rt->probe_pid == 0) {
			/* one probe per poll interval, each started as soon as allowed */
			if (!sync && rt->probe_t0 != 0 && ck_now_ms() - rt->probe_t0 < sup->reg->poll_ms)
				return 0;
			rt->probe_pid = sup_spawn_sh(sup, s, s->probe_arg, 0);
			rt->probe_t0 = ck_now_ms();
			if (rt->probe_pid < 0) {
				rt->probe_pid = 0;
				return 0;
			}
		}
		for (;;) {
			w = waitpid(rt->probe_pid, &st, WNOHANG);
			if (w < 0 && errno == EINTR)
				continue;
			/* a synchronous probe (--status) waits, but not forever */
			if (w == 0 && sync && ck_now_ms() - rt->probe_t0 <= SUP_PROBE_TIMEOUT_MS) {
				sup_sleep_ms(5);
				continue;
			}
			break;
		}
		if (w == 0) {
			if (ck_now_ms() - rt->probe_t0 > (sync ? SUP_PROBE_TIMEOUT_MS : SUP_CMD_PROBE_MAX_MS)) {
				kill(-rt->probe_pid, SIGKILL);
				waitpid(rt->probe_pid, &st, 0);
				rt->probe_pid = 0;
			}
			return 0;
		}
		rt->probe_pid = 0;
		return w > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	return 0;
}

void
sup_probe_cancel(struct ck_sup *sup, size_t i)
{
	struct svcrt *rt = &sup->rt[i];
	int st;

	if (rt->probe_pid > 0) {
		kill(-rt->probe_pid, SIGKILL);
		waitpid(rt->probe_pid, &st, 0);
		rt->probe_pid = 0;
	}
}

/*
 * Wake the poll loop as soon as a file probe's file may have appeared,
 * with inotify on its directory, rather than at the next poll tick.  Only
 * a wake-up: readiness is still decided by the probe, so a directory that
 * cannot be watched (not there yet, out of watches) just means polling.
 */
void
sup_watch_probe(struct ck_sup *sup, size_t i)
{
	char op, *path, *slash;

	if (sup->infd < 0 || (path = probe_path(&sup->reg->svc[i], &op)) == NULL)
		return;
	if ((slash = strrchr(path, '/')) != NULL) {
		slash[slash == path ? 1 : 0] = '\0';
		(void)inotify_add_watch(sup->infd, path, IN_CREATE | IN_MOVED_TO | IN_ATTRIB |
		    IN_CLOSE_WRITE | IN_ONLYDIR);
	}
	free(path);
}

