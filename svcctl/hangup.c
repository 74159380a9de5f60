/*
 * hangup.c: an operation that changes services (--start, --stop,
 * --restart, --replace-cert, --resume, --rollback) is not cancellable:
 * a dropped session (SIGHUP), ^C (SIGINT), SIGTERM or a closed terminal or
 * pipe (SIGPIPE, EIO/EPIPE on output) must not leave services half
 * stopped.  The signals are caught and noted, the operation runs to its
 * end or its rollback, and its result is recorded where the admin finds it
 * on the next login: the system log and <log dir>/svcctl.log.  Output that
 * can no longer be written is dropped; it never changes the exit status.
 *
 * Handlers, not SIG_IGN: a caught signal is reset to its default at exec,
 * so no child (service, probe, systemctl) inherits the immunity.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "paths.h"
#include "svcctl.h"

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	if (caught == 0)
		caught = sig;
}

void
svcctl_uncancellable(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void
svcctl_record(const char *what, int status)
{
	char line[256], ts[32], sig[64] = "";
	time_t t = time(NULL);
	struct tm tm;
	char *path = NULL;
	int fd, n;

	if (caught != 0)
		snprintf(sig, sizeof(sig), " (SIG%s received and ignored: not cancellable)",
		    caught == SIGHUP ? "HUP" : caught == SIGINT ? "INT" : caught == SIGTERM ? "TERM" :
		    "PIPE");
	openlog("svcctl", LOG_PID, LOG_DAEMON);
	syslog(status == SX_OK ? LOG_NOTICE : LOG_ERR, "%s: exit %d%s", what, status, sig);
	closelog();
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s svcctl[%ld] %s: exit %d%s\n", ts, (long)getpid(), what,
	    status, sig);
	if (n <= 0 || ck_mkdir_p(ck_path(CK_PATH_LOG), 0750) != 0)
		return;
	if ((path = ck_path_join(CK_PATH_LOG, "svcctl.log")) == NULL)
		return;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			(void)errno;	/* nowhere left to say it */
		close(fd);
	}
	free(path);
}
