/*
 * supervisor.c: the built-in backend and the start/stop engine.
 *
 * The engine is a single-threaded poll loop: every tick it launches what
 * has become startable, polls readiness of what is starting (command
 * probes run as child processes, so slow probes overlap), and checks that
 * ready services stay alive through the settle time.  Backends only know
 * how to launch, test liveness, stop and kill one service.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "supervisor.h"
#include "tlsprobe.h"
#include "util.h"

#define PROBE_TIMEOUT_MS 2000	/* one tcp/tls probe, one status cmd probe */
#define CMD_PROBE_MAX_MS 5000	/* an async command probe is killed after this */
#define KILL_GRACE_MS 3000	/* after SIGKILL, how long to wait for the exit */
#define TAIL_LINES 10

enum st {
	S_IDLE = 0,	/* not part of this operation */
	S_WAIT,		/* waiting for dependencies / dependents */
	S_STARTING,	/* launched, probe not yet passing */
	S_SETTLING,	/* probe passed, must stay up settle_ms */
	S_STOPPING,	/* stop begun */
	S_DONE,
	S_FAILED,
	S_SKIPPED,
};

struct svcrt {
	enum st st;
	long t0;		/* launch / stop time (ms, monotonic) */
	long tready;
	int killed;
	pid_t probe_pid;	/* running command probe, or 0 */
	long probe_t0;
	pid_t stop_pid;		/* running stop command, or 0 */
	off_t log_off;		/* log size before this start */
	int launch_fd;		/* pipe from a launch in flight, or -1 */
	pid_t mid_pid;		/* intermediate child of the double fork, or 0 */
	int rc;
	char *msg;
};

struct ck_sup {
	struct ck_registry *reg;
	const struct ck_backend *be;
	struct svcrt *rt;
	ck_sup_progress cb;
	void *cbu;
	int sigfd;		/* SIGCHLD, while a start runs, or -1 */
	int infd;		/* inotify on file probes' directories, or -1 */
	long woke;		/* when the last inotify wake-up came (ms) */
	int dirs_made;		/* run and log directories made for this start */
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Sleep up to ms, waking early when a child (a command probe, a stop
 * command) exits, so its result is seen at once, or, during a start, when
 * a file probe's directory changes.  SIGCHLD is blocked by the caller for
 * the duration of the operation.
 */
static void
wait_tick(struct ck_sup *sup, long ms)
{
	sigset_t set;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	struct pollfd pf[2];
	union {
		struct signalfd_siginfo si;
		char b[4096];
	} buf;
	nfds_t n = 0;

	if (sup->sigfd < 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigtimedwait(&set, NULL, &ts);
		return;
	}
	pf[n++] = (struct pollfd){ .fd = sup->sigfd, .events = POLLIN };
	if (sup->infd >= 0)
		pf[n++] = (struct pollfd){ .fd = sup->infd, .events = POLLIN };
	if (poll(pf, n, (int)ms) <= 0)
		return;
	while (read(sup->sigfd, &buf, sizeof(buf)) > 0)
		;
	if (n > 1 && (pf[1].revents & POLLIN)) {
		long now = now_ms();
		while (read(sup->infd, &buf, sizeof(buf)) > 0)
			;
		/* a directory that never stops changing must not spin the loop */
		if (now - sup->woke < 2)
			sleep_ms(1);
		sup->woke = now;
	}
}

/*
 * Wake the poll loop as soon as a file probe's file may have appeared,
 * with inotify on its directory, rather than at the next poll tick.  Only
 * a wake-up: readiness is still decided by the probe, so a directory that
 * cannot be watched (not there yet, out of watches) just means polling.
 */
static char *probe_path(const struct ck_service *s, char *op);

static void
watch_probe(struct ck_sup *sup, size_t i)
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

static void
set_msg(struct ck_sup *sup, size_t i, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set_msg(struct ck_sup *sup, size_t i, int rc, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(sup->rt[i].msg);
	sup->rt[i].msg = strdup(buf);
	sup->rt[i].rc = rc;
}

static void
emit(struct ck_sup *sup, enum ck_sup_event ev, size_t i, const char *detail)
{
	if (sup->cb != NULL)
		sup->cb(sup->cbu, ev, &sup->reg->svc[i], detail);
}

/* --- pidfiles and /proc ---------------------------------------------------- */

struct pidrec {
	pid_t pid;
	pid_t sid;
	unsigned long long start;
};

static char *
svc_file(enum ck_path_id dir, const struct ck_service *s, const char *ext)
{
	char *name = ck_asprintf("%s%s", s->name, ext), *p;

	if (name == NULL)
		return NULL;
	p = ck_path_join(dir, name);
	free(name);
	return p;
}

/* Fields of /proc/PID/stat: state, pgrp, session, starttime. */
static int
proc_stat(pid_t pid, char *state, pid_t *pgrp, pid_t *sid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int fd, n, field;
	char st = '?';
	long pg = 0, se = 0;
	unsigned long long stt = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return CK_E_NOENT;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return CK_E_NOENT;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: skip to the last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return CK_E_FORMAT;
	p++;
	for (field = 3; *p != '\0'; field++) {
		while (*p == ' ')
			p++;
		if (field == 3)
			st = *p;
		else if (field == 5)
			pg = strtol(p, NULL, 10);
		else if (field == 6)
			se = strtol(p, NULL, 10);
		else if (field == 22) {
			stt = strtoull(p, NULL, 10);
			break;
		}
		while (*p != ' ' && *p != '\0')
			p++;
	}
	if (field != 22)
		return CK_E_FORMAT;
	if (state)
		*state = st;
	if (pgrp)
		*pgrp = (pid_t)pg;
	if (sid)
		*sid = (pid_t)se;
	if (start)
		*start = stt;
	return 0;
}

static int
read_pidfile(const struct ck_service *s, struct pidrec *pr)
{
	char *path = svc_file(CK_PATH_RUN, s, ".pid"), *buf = NULL;
	long long a = 0, b = 0;
	unsigned long long c = 0;
	int r;

	if (path == NULL)
		return CK_E_NOMEM;
	r = ck_file_read(path, 256, &buf, NULL, 0);
	free(path);
	if (r != 0)
		return r;
	if (sscanf(buf, "%lld %lld %llu", &a, &b, &c) != 3 || a <= 1 || b <= 0) {
		free(buf);
		return CK_E_FORMAT;
	}
	free(buf);
	pr->pid = (pid_t)a;
	pr->sid = (pid_t)b;
	pr->start = c;
	return 0;
}

/* 1 if the pidfile's process is alive and is the one we started. */
static int
pid_alive(const struct pidrec *pr)
{
	char state;
	unsigned long long start;

	if (proc_stat(pr->pid, &state, NULL, NULL, &start) != 0)
		return 0;
	if (start != pr->start)
		return 0;	/* pid recycled by another process */
	return state != 'Z' && state != 'X';
}

/*
 * Kill what remains of the service's process group once its leader is
 * gone (children a shell script left behind).  A member must carry both
 * the group id (the leader's pid) and the recorded session id, so a
 * recycled pid elsewhere is never hit.
 */
static void
kill_leftovers(const struct pidrec *pr)
{
	DIR *d;
	struct dirent *de;
	pid_t pg, sid;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long p = strtol(de->d_name, &end, 10);
		if (*end != '\0' || p <= 1)
			continue;
		if (proc_stat((pid_t)p, NULL, &pg, &sid, NULL) == 0 && pg == pr->pid && sid == pr->sid)
			kill((pid_t)p, SIGKILL);
	}
	closedir(d);
}

/* --- built-in backend -------------------------------------------------------- */

static int
bi_alive(struct ck_sup *sup, size_t i)
{
	struct pidrec pr;

	if (read_pidfile(&sup->reg->svc[i], &pr) != 0)
		return 0;
	return pid_alive(&pr);
}

static void
child_fail(int wfd, int stage)
{
	int msg[2] = { stage, errno };
	ssize_t w = write(wfd, msg, sizeof(msg));

	(void)w;
	_exit(127);
}

/* The grandchild: become the service. Never returns. */
static void
become_service(const struct ck_service *s, int logfd, int wfd, const char *pidpath)
{
	struct passwd *pw = NULL;
	sigset_t none;
	char buf[96];
	unsigned long long start = 0;
	int nfd;

	if (setpgid(0, 0) != 0)
		child_fail(wfd, 1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	if ((nfd = open("/dev/null", O_RDONLY)) < 0 || dup2(nfd, 0) < 0)
		child_fail(wfd, 2);
	if (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		child_fail(wfd, 2);
	if (nfd > 2)
		close(nfd);
	if (logfd > 2)
		close(logfd);
	/* the pidfile is written as svcctl's user, before switching */
	setenv("CK_SERVICE", s->name, 1);
	if (proc_stat(getpid(), NULL, NULL, NULL, &start) != 0)
		child_fail(wfd, 6);
	snprintf(buf, sizeof(buf), "%ld %ld %llu\n", (long)getpid(), (long)getsid(0), start);
	if (ck_file_write(pidpath, buf, strlen(buf), 0644, CK_WRITE_NOSYNC) != 0)
		child_fail(wfd, 6);
	if (s->user != NULL) {
		errno = 0;
		if ((pw = getpwnam(s->user)) == NULL) {
			if (errno == 0)
				errno = ENOENT;
			child_fail(wfd, 4);
		}
		if (pw->pw_uid != geteuid()) {
			if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
			    setuid(pw->pw_uid) != 0)
				child_fail(wfd, 5);
		}
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
		setenv("LOGNAME", pw->pw_name, 1);
	}
	/* as the service's user: a directory it cannot enter is an error */
	if (chdir(s->dir ? s->dir : ck_path(CK_PATH_RUN)) != 0)
		child_fail(wfd, 3);
	/* nothing of svcctl's (store, lock files) may leak into the service:
	 * everything above stderr closes at exec, the report pipe included */
#ifdef CLOSE_RANGE_CLOEXEC
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
#endif
		for (int fd = 3; fd < 1024; fd++)
			if (fd != wfd)
				close(fd);
	execl("/bin/sh", "sh", "-c", s->start, (char *)NULL);
	unlink(pidpath);
	child_fail(wfd, 7);
}

static int spawn_cmd(const struct ck_service *s, char *const argv[], pid_t svcpid, int logfd,
    pid_t *pid);
static int plain_command(const char *cmd, char *buf, size_t size, char **argv, int max);

/*
 * A service that runs as svcctl's own user is spawned directly, as one
 * vfork-like step (spawn_cmd); only a user switch (initgroups, setgid,
 * setuid: posix_spawn has none) takes the double fork of bi_launch.  The
 * service is then our child until svcctl exits and init inherits it: if
 * it dies meanwhile it stays a zombie, which pid_alive() counts as gone
 * and bi_reap() collects.  The pidfile is written here, for the pid
 * posix_spawn returned, before anything reads it.
 */
static int
launch_spawn(const struct ck_service *s, int logfd, const char *pidpath)
{
	const char *dir = s->dir ? s->dir : ck_path(CK_PATH_RUN);
	unsigned long long start = 0;
	char buf[96], why[512], words[1024], *argv[32] = { (char *)"/bin/sh", (char *)"-c",
		(char *)s->start, NULL };
	pid_t p;
	int e, st;

	(void)plain_command(s->start, words, sizeof(words), argv, 32);
	/* checked first as well: how posix_spawn reports a failed chdir or
	 * exec depends on the C library (and valgrind loses it: the child
	 * just exits 127), these two messages must not */
	if (access(dir, X_OK) != 0)
		return ck_errf(CK_E_SERVICE, "chdir for service %s failed: %s (%s)", s->name,
		    strerror(errno), dir);
	if (argv[0][0] == '/' && access(argv[0], X_OK) != 0)
		return ck_errf(CK_E_SERVICE, "exec %s for service %s failed: %s", argv[0], s->name,
		    strerror(errno));
	/* what fails now (a race with the checks above) is reported as is */
	if ((e = spawn_cmd(s, argv, 0, logfd, &p)) != 0)
		return ck_errf(CK_E_SERVICE, "start of service %s failed: %s", s->name, strerror(e));
	/* a zombie still has its /proc entry: a service that exited at once is
	 * recorded all the same, and then seen dead by the poll loop */
	if (proc_stat(p, NULL, NULL, NULL, &start) != 0)
		snprintf(why, sizeof(why), "process %ld vanished", (long)p);
	else {
		snprintf(buf, sizeof(buf), "%ld %ld %llu\n", (long)p, (long)p, start);
		if (ck_file_write(pidpath, buf, strlen(buf), 0644, CK_WRITE_NOSYNC) == 0)
			return 0;
		snprintf(why, sizeof(why), "%s", ck_err_detail());
	}
	/* without a pidfile nothing could stop it later: stop it now */
	kill(-p, SIGKILL);
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return ck_errf(CK_E_SERVICE, "write pidfile for service %s failed: %s", s->name, why);
}

static int
bi_launch(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = &sup->reg->svc[i];
	char *logpath = NULL, *pidpath = NULL, hdr[256], ts[32];
	int logfd = -1, pfd[2] = { -1, -1 }, r;
	pid_t a;
	ssize_t n;
	struct stat sb;
	time_t t = time(NULL);
	struct tm tm;

	/* once per start operation, not once per service of a level */
	if (!sup->dirs_made) {
		if ((r = ck_mkdir_p(ck_path(CK_PATH_RUN), 0755)) != 0 ||
		    (r = ck_mkdir_p(ck_path(CK_PATH_LOG), 0750)) != 0)
			goto out;
		sup->dirs_made = 1;
	}
	logpath = svc_file(CK_PATH_LOG, s, ".log");
	pidpath = svc_file(CK_PATH_RUN, s, ".pid");
	if (logpath == NULL || pidpath == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	if ((logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) < 0) {
		r = ck_errf(ck_errno(errno), "open %s: %s", logpath, strerror(errno));
		goto out;
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(hdr, sizeof(hdr), "=== svcctl: starting %s at %s ===\n", s->name, ts);
	if (n > 0 && write(logfd, hdr, (size_t)n) < 0) {
		r = ck_errf(CK_E_IO, "write %s: %s", logpath, strerror(errno));
		goto out;
	}
	/* the tail shown on failure starts after our header line */
	if (fstat(logfd, &sb) == 0)
		sup->rt[i].log_off = sb.st_size;
	if (s->user == NULL) {
		r = launch_spawn(s, logfd, pidpath);
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		r = ck_errf(CK_E_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((a = fork()) < 0) {
		r = ck_errf(CK_E_IO, "fork: %s", strerror(errno));
		goto out;
	}
	if (a == 0) {
		pid_t b;
		close(pfd[0]);
		if (setsid() < 0)
			child_fail(pfd[1], 1);
		if ((b = fork()) < 0)
			child_fail(pfd[1], 1);
		if (b == 0)
			become_service(s, logfd, pfd[1], pidpath);
		/* the copies of the parent's heap this child holds are its own
		 * to free (memcheck counts a forked child's leaks too) */
		free(pidpath);
		free(logpath);
		_exit(0);
	}
	close(pfd[1]);
	pfd[1] = -1;
	/* the intermediate child exits at once; it is reaped by the poll
	 * loop (reap_mid) rather than waited for here, launch after launch */
	sup->rt[i].mid_pid = a;
	/*
	 * The grandchild reports a failure before exec through the pipe;
	 * EOF means exec happened.  Launches do not wait for it one by one:
	 * the poll loop reads the pipe (launch_check), so a whole level of
	 * services is launched at once.
	 */
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) != 0) {
		r = ck_errf(CK_E_IO, "fcntl: %s", strerror(errno));
		goto out;
	}
	sup->rt[i].launch_fd = pfd[0];
	pfd[0] = -1;
	r = 0;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (logfd >= 0)
		close(logfd);
	free(pidpath);
	free(logpath);
	return r;
}

/* Run the stop command, or SIGTERM the process group. */
static pid_t spawn_sh(const struct ck_service *s, const char *cmd, pid_t svcpid);

static int
bi_stop(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = &sup->reg->svc[i];
	struct pidrec pr;

	if (read_pidfile(s, &pr) != 0 || !pid_alive(&pr))
		return 0;
	if (s->stop != NULL) {
		pid_t p = spawn_sh(s, s->stop, pr.pid);
		if (p < 0)
			return ck_errf(CK_E_SERVICE, "cannot run the stop command of %s: %s", s->name,
			    strerror(errno));
		sup->rt[i].stop_pid = p;
		return 0;
	}
	if (kill(-pr.pid, SIGTERM) != 0 && kill(pr.pid, SIGTERM) != 0 && errno != ESRCH)
		return ck_errf(ck_errno(errno), "kill %ld (service %s): %s", (long)pr.pid, s->name,
		    strerror(errno));
	return 0;
}

static int
bi_kill(struct ck_sup *sup, size_t i)
{
	struct pidrec pr;

	if (read_pidfile(&sup->reg->svc[i], &pr) != 0 || !pid_alive(&pr))
		return 0;
	if (kill(-pr.pid, SIGKILL) != 0)
		kill(pr.pid, SIGKILL);
	return 0;
}

static void
bi_reap(struct ck_sup *sup, size_t i)
{
	struct pidrec pr;
	char *path, state;
	unsigned long long start;
	int st;

	if (read_pidfile(&sup->reg->svc[i], &pr) == 0) {
		if (pid_alive(&pr))
			return;
		kill_leftovers(&pr);
		/* a service this svcctl spawned is its child: collect the zombie
		 * (only the one recorded, never a recycled pid) */
		if (proc_stat(pr.pid, &state, NULL, NULL, &start) == 0 && state == 'Z' &&
		    start == pr.start)
			waitpid(pr.pid, &st, WNOHANG);
	}
	if ((path = svc_file(CK_PATH_RUN, &sup->reg->svc[i], ".pid")) != NULL) {
		unlink(path);
		free(path);
	}
}

static const struct ck_backend backend_builtin = {
	.launch = bi_launch,
	.alive = bi_alive,
	.ready = bi_alive,	/* a process of our own is started once it runs */
	.stop = bi_stop,
	.kill = bi_kill,
	.reap = bi_reap,
};

/* --- helpers ------------------------------------------------------------------ */

/*
 * A start command that is one plain command, "exec /path/prog arg ..." or
 * "/path/prog arg ...": words of characters the shell gives no meaning to,
 * the program named by a path (so no builtin, function or PATH search is
 * involved).  The shell would only exec it; svcctl execs it itself, one
 * exec less per service, which is what a level of services starting at
 * once on a small machine waits for.  Splits such a command into argv
 * (over a copy in buf) and returns the word count; returns 0 and leaves
 * argv alone for anything else.
 */
static int
plain_command(const char *cmd, char *buf, size_t size, char **argv, int max)
{
	char *p, *save = NULL, *w[32];
	int n = 0;

	if (strlen(cmd) >= size || max > 32)
		return 0;
	strcpy(buf, cmd);
	for (p = buf; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || strchr("/._-+,@%=: ", *p) != NULL))
			return 0;	/* quoting, expansion, operators: the shell's */
	for (p = strtok_r(buf, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save)) {
		if (n == max - 1)
			return 0;
		w[n++] = p;
	}
	if (n > 0 && strcmp(w[0], "exec") == 0) {
		memmove(w, w + 1, (size_t)(n - 1) * sizeof(*w));
		n--;
	}
	if (n == 0 || strchr(w[0], '/') == NULL || strchr(w[0], '=') != NULL)
		return 0;
	memcpy(argv, w, (size_t)n * sizeof(*w));
	argv[n] = NULL;
	return n;
}

/*
 * posix_spawn argv (argv[0] a path), with CK_SERVICE (and CK_PID when svcpid > 0)
 * in its environment, signals unblocked and at their defaults, in the
 * service's directory, and nothing of ours open above stderr.
 *
 * With logfd < 0 the command is a probe or a stop command: its own
 * process group, stdio on /dev/null.  With logfd >= 0 it is the service
 * itself: its own session (so a terminal's hangup never reaches it),
 * stdin on /dev/null, stdout and stderr appended to logfd.
 *
 * posix_spawn (vfork-like in glibc) rather than fork: a level of services
 * starts, and probes run many times a second, from a process with
 * libcrypto mapped; copying its page tables for each child costs more
 * than the child's own start.  Returns 0, or an errno value.
 */
static int
spawn_cmd(const struct ck_service *s, char *const argv[], pid_t svcpid, int logfd, pid_t *pid)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **envp = NULL, *svc = NULL, *pidv = NULL;
	size_t ne = 0, k = 0;
	int e = ENOMEM;

	*pid = -1;
	while (environ[ne] != NULL)
		ne++;
	if ((envp = calloc(ne + 3, sizeof(char *))) == NULL)
		return ENOMEM;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "CK_SERVICE=", 11) != 0 && strncmp(environ[i], "CK_PID=", 7) != 0)
			envp[k++] = environ[i];
	if ((svc = ck_asprintf("CK_SERVICE=%s", s->name)) == NULL)
		goto out;
	envp[k++] = svc;
	if (svcpid > 0) {
		if ((pidv = ck_asprintf("CK_PID=%ld", (long)svcpid)) == NULL)
			goto out;
		envp[k++] = pidv;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	if (logfd < 0) {
		posix_spawnattr_setpgroup(&at, 0);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
		    POSIX_SPAWN_SETSIGDEF);
	} else
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
		    POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (logfd < 0) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	} else {
		posix_spawn_file_actions_adddup2(&fa, logfd, 1);
		posix_spawn_file_actions_adddup2(&fa, logfd, 2);
	}
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	/* our own descriptors are close-on-exec; this covers a library's */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	posix_spawn_file_actions_addchdir_np(&fa, s->dir ? s->dir : ck_path(CK_PATH_RUN));
	e = posix_spawn(pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e != 0)
		*pid = -1;
out:
	free(pidv);
	free(svc);
	free(envp);
	return e;
}

/* sh -c cmd in the background, output to /dev/null, own process group. */
static pid_t
spawn_sh(const struct ck_service *s, const char *cmd, pid_t svcpid)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
	pid_t p;
	int e = spawn_cmd(s, argv, svcpid, -1, &p);

	if (e != 0)
		errno = e;
	return p;
}

int
ck_sup_run(char *const argv[], char *out, size_t outsz)
{
	int pfd[2], st, fd;
	pid_t p;
	size_t got = 0;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	if ((p = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (p == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(pfd[1], 1);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			if (out == NULL)
				dup2(fd, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char tmp[512];
		n = read(pfd[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out != NULL && got + 1 < outsz) {
			size_t k = (size_t)n < outsz - 1 - got ? (size_t)n : outsz - 1 - got;
			memcpy(out + got, tmp, k);
			got += k;
		}
	}
	close(pfd[0]);
	if (out != NULL && outsz > 0)
		out[got] = '\0';
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *
ck_sup_log_tail(struct ck_sup *sup, size_t i, int maxlines)
{
	char *path = svc_file(CK_PATH_LOG, &sup->reg->svc[i], ".log"), *buf = NULL, *p, *res;
	off_t off = sup->rt[i].log_off, size;
	struct stat sb;
	ssize_t n;
	int fd, lines = 0;
	size_t len;

	if (path == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || sb.st_size <= off) {
		close(fd);
		return strdup("");
	}
	size = sb.st_size - off;
	if (size > 4096) {
		off = sb.st_size - 4096;
		size = 4096;
	}
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	n = pread(fd, buf, (size_t)size, off);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	len = (size_t)n;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	for (p = buf + len; p > buf; p--)
		if (p[-1] == '\n' && ++lines >= maxlines)
			break;
	res = strdup(p);
	free(buf);
	return res;
}

/* Reap the double fork's intermediate child of service i. */
static void
reap_mid(struct ck_sup *sup, size_t i, int block)
{
	int st;
	pid_t w;

	if (sup->rt[i].mid_pid <= 0)
		return;
	do
		w = waitpid(sup->rt[i].mid_pid, &st, block ? 0 : WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w != 0)
		sup->rt[i].mid_pid = 0;
}

/*
 * 1 while the launch of service i is still in flight, 0 once the service
 * exec'd (or for backends without a launch pipe), CK_E_SERVICE (message
 * set) if it failed before exec.
 */
static int
launch_check(struct ck_sup *sup, size_t i, int block)
{
	static const char *const stages[] = { "", "setpgid", "open /dev/null", "chdir",
		"getpwnam", "setuid", "write pidfile", "exec /bin/sh" };
	struct svcrt *rt = &sup->rt[i];
	int msg[2];
	ssize_t n;

	reap_mid(sup, i, 0);
	if (rt->launch_fd < 0)
		return 0;
	if (block)
		fcntl(rt->launch_fd, F_SETFL, 0);
	do
		n = read(rt->launch_fd, msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 1;
	close(rt->launch_fd);
	rt->launch_fd = -1;
	if (n == (ssize_t)sizeof(msg)) {
		int stage = msg[0] >= 0 && msg[0] < 8 ? msg[0] : 0;
		set_msg(sup, i, CK_E_SERVICE, "%s for service %s failed: %s", stages[stage],
		    sup->reg->svc[i].name, strerror(msg[1]));
		return CK_E_SERVICE;
	}
	return 0;
}

/* --- probes -------------------------------------------------------------------- */

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
static int
probe(struct ck_sup *sup, size_t i, int sync)
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
		return ck_tcp_probe(s->probe_host, s->probe_port, sync ? PROBE_TIMEOUT_MS : 200) == 0;
	case CK_PROBE_TLS: {
		X509 *x = NULL;
		int ok = ck_tls_peer_cert(s->probe_host, s->probe_port, PROBE_TIMEOUT_MS, &x) == 0;
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
			if (!sync && rt->probe_t0 != 0 && now_ms() - rt->probe_t0 < sup->reg->poll_ms)
				return 0;
			rt->probe_pid = spawn_sh(s, s->probe_arg, 0);
			rt->probe_t0 = now_ms();
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
			if (w == 0 && sync && now_ms() - rt->probe_t0 <= PROBE_TIMEOUT_MS) {
				sleep_ms(5);
				continue;
			}
			break;
		}
		if (w == 0) {
			if (now_ms() - rt->probe_t0 > (sync ? PROBE_TIMEOUT_MS : CMD_PROBE_MAX_MS)) {
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

static void
probe_cancel(struct ck_sup *sup, size_t i)
{
	struct svcrt *rt = &sup->rt[i];
	int st;

	if (rt->probe_pid > 0) {
		kill(-rt->probe_pid, SIGKILL);
		waitpid(rt->probe_pid, &st, 0);
		rt->probe_pid = 0;
	}
}

/* --- public API ------------------------------------------------------------------ */

int
ck_sup_open(struct ck_registry *reg, struct ck_sup **out)
{
	struct ck_sup *sup;

	*out = NULL;
	if ((sup = calloc(1, sizeof(*sup))) == NULL ||
	    (sup->rt = calloc(reg->n ? reg->n : 1, sizeof(*sup->rt))) == NULL) {
		free(sup);
		return ck_errf(CK_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < reg->n; i++)
		sup->rt[i].launch_fd = -1;
	sup->sigfd = sup->infd = -1;
	/* what services and probes may use in their commands */
	setenv("CK_MACHINE_SSL", ck_path(CK_PATH_MACHINE_SSL), 1);
	setenv("CK_CONF_DIR", ck_path(CK_PATH_CONF), 1);
	setenv("CK_RUN_DIR", ck_path(CK_PATH_RUN), 1);
	setenv("CK_LOG_DIR", ck_path(CK_PATH_LOG), 1);
	sup->reg = reg;
	sup->be = reg->backend == CK_BACKEND_SYSTEMD ? &ck_backend_systemd : &backend_builtin;
	*out = sup;
	return 0;
}

void
ck_sup_close(struct ck_sup *sup)
{
	if (sup == NULL)
		return;
	for (size_t i = 0; i < sup->reg->n; i++) {
		probe_cancel(sup, i);
		reap_mid(sup, i, 1);
		free(sup->rt[i].msg);
		if (sup->rt[i].launch_fd >= 0)
			close(sup->rt[i].launch_fd);
	}
	free(sup->rt);
	free(sup);
}

void
ck_sup_set_progress(struct ck_sup *sup, ck_sup_progress cb, void *u)
{
	sup->cb = cb;
	sup->cbu = u;
}

struct ck_registry *
ck_sup_registry(struct ck_sup *sup)
{
	return sup->reg;
}

int
ck_sup_result(struct ck_sup *sup, size_t i, const char **msg)
{
	if (msg != NULL)
		*msg = sup->rt[i].msg ? sup->rt[i].msg : "";
	return sup->rt[i].rc;
}

int
ck_sup_state(struct ck_sup *sup, size_t i, enum ck_svc_state *st)
{
	*st = CK_SVC_STOPPED;
	if (!sup->be->alive(sup, i))
		return 0;
	*st = probe(sup, i, 1) ? CK_SVC_RUNNING : CK_SVC_START_PENDING;
	return 0;
}

static void
reset_rt(struct ck_sup *sup)
{
	for (size_t i = 0; i < sup->reg->n; i++) {
		probe_cancel(sup, i);
		reap_mid(sup, i, 1);
		free(sup->rt[i].msg);
		if (sup->rt[i].launch_fd >= 0)
			close(sup->rt[i].launch_fd);
		memset(&sup->rt[i], 0, sizeof(sup->rt[i]));
		sup->rt[i].launch_fd = -1;
	}
}

/* Fail service i with the tail of its log appended to why. */
static void
fail_with_tail(struct ck_sup *sup, size_t i, const char *why)
{
	char *tail = sup->reg->backend == CK_BACKEND_BUILTIN ? ck_sup_log_tail(sup, i, TAIL_LINES) : NULL;
	const struct ck_service *s = &sup->reg->svc[i];

	if (tail != NULL && *tail != '\0')
		set_msg(sup, i, CK_E_SERVICE, "service %s %s; last lines of its log:\n%s", s->name, why, tail);
	else if (sup->reg->backend == CK_BACKEND_SYSTEMD)
		set_msg(sup, i, CK_E_SERVICE, "service %s %s (see journalctl -u %s)", s->name, why, s->unit);
	else
		set_msg(sup, i, CK_E_SERVICE, "service %s %s (its log is empty)", s->name, why);
	free(tail);
	sup->rt[i].st = S_FAILED;
	probe_cancel(sup, i);
	emit(sup, CK_EV_FAIL, i, sup->rt[i].msg);
}

int
ck_sup_start(struct ck_sup *sup, const unsigned char *want, int ignore)
{
	struct ck_registry *reg = sup->reg;
	size_t n = reg->n, active;
	int aborted = 0, first_fail = -1, r;
	char why[256];
	sigset_t chld, oldmask;

	reset_rt(sup);
	sup->dirs_made = 0;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &oldmask);
	/* without these the loop still works, waking at every poll tick */
	sup->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	sup->infd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* the wanted services and, transitively, what they require */
	for (size_t k = n; k-- > 0;) {
		size_t i = (size_t)reg->order[k];
		if (want[i])
			sup->rt[i].st = S_WAIT;
		if (sup->rt[i].st == S_WAIT)
			for (size_t d = 0; d < reg->svc[i].ndeps; d++)
				sup->rt[reg->svc[i].dep_idx[d]].st = S_WAIT;
	}
	for (;;) {
		long now = now_ms();
		active = 0;
		for (size_t k = 0; k < n; k++) {
			size_t i = (size_t)reg->order[k];
			struct svcrt *rt = &sup->rt[i];
			const struct ck_service *s = &reg->svc[i];
			enum st before = rt->st;

			now = now_ms();
			if (rt->st == S_STARTING && (r = launch_check(sup, i, 0)) != 0) {
				if (r > 0) {
					active++;
					continue;	/* still launching */
				}
				rt->st = S_FAILED;
				emit(sup, CK_EV_FAIL, i, rt->msg);
			}
			if (rt->st == S_STARTING) {
				active++;
				if (!sup->be->alive(sup, i)) {
					fail_with_tail(sup, i, "exited before it became ready");
				} else if (probe(sup, i, 0)) {
					rt->st = S_SETTLING;
					rt->tready = now;
				} else if (now - rt->t0 > s->start_timeout_ms) {
					snprintf(why, sizeof(why), "did not become ready within %.1f s (probe %s)",
					    (double)s->start_timeout_ms / 1000, s->probe == CK_PROBE_PID ? "pid" :
					    s->probe == CK_PROBE_TCP ? "tcp" : s->probe == CK_PROBE_TLS ? "tls" :
					    s->probe == CK_PROBE_CMD ? "cmd" : "file");
					fail_with_tail(sup, i, why);
				}
			}
			if (rt->st == S_SETTLING) {
				if (!sup->be->alive(sup, i)) {
					if (s->probe == CK_PROBE_PID)
						snprintf(why, sizeof(why), "exited %ld ms after it was started",
						    now - rt->t0);
					else
						snprintf(why, sizeof(why), "exited %ld ms after it became ready",
						    now - rt->tready);
					fail_with_tail(sup, i, why);
				} else if (now - rt->tready >= reg->settle_ms) {
					rt->st = S_DONE;
					set_msg(sup, i, 0, "service %s started", s->name);
					emit(sup, CK_EV_DONE, i, NULL);
				} else {
					active++;
				}
			}
			if (before != S_FAILED && rt->st == S_FAILED) {
				if (first_fail < 0)
					first_fail = (int)i;
				if (!ignore)
					aborted = 1;
			}
		}
		now = now_ms();
		for (size_t k = 0; k < n; k++) {
			size_t i = (size_t)reg->order[k];
			struct svcrt *rt = &sup->rt[i];
			const struct ck_service *s = &reg->svc[i];
			int ready = 1, failed = -1;

			if (rt->st != S_WAIT)
				continue;
			for (size_t d = 0; d < s->ndeps; d++) {
				enum st ds = sup->rt[s->dep_idx[d]].st;
				if (ds == S_FAILED || ds == S_SKIPPED)
					failed = s->dep_idx[d];
				else if (ds != S_DONE && !(ds == S_SETTLING &&
				    reg->svc[s->dep_idx[d]].probe != CK_PROBE_PID))
					ready = 0;	/* "alive" is no readiness: a pid
							   probe counts after the settle time */
			}
			if (failed >= 0 || aborted) {
				rt->st = S_SKIPPED;
				if (failed >= 0)
					set_msg(sup, i, CK_E_SERVICE, "service %s not started: it requires %s, which "
					    "did not start", s->name, reg->svc[failed].name);
				else
					set_msg(sup, i, CK_E_SERVICE, "service %s not started: the start was "
					    "abandoned after an earlier failure", s->name);
				emit(sup, CK_EV_SKIP, i, rt->msg);
				continue;
			}
			if (!ready) {
				active++;
				continue;
			}
			emit(sup, CK_EV_BEGIN, i, NULL);
			rt->t0 = now;
			if (!sup->be->alive(sup, i) && (r = sup->be->launch(sup, i)) != 0) {
				set_msg(sup, i, r, "%s", ck_err_detail());
				rt->st = S_FAILED;
				emit(sup, CK_EV_FAIL, i, rt->msg);
				if (first_fail < 0)
					first_fail = (int)i;
				if (!ignore)
					aborted = 1;
				continue;
			}
			rt->st = S_STARTING;
			watch_probe(sup, i);
			active++;
		}
		if (active == 0)
			break;
		wait_tick(sup, reg->poll_ms);
	}
	if (sup->infd >= 0)
		close(sup->infd);
	if (sup->sigfd >= 0)
		close(sup->sigfd);
	sup->sigfd = sup->infd = -1;
	for (size_t i = 0; i < n; i++) {
		probe_cancel(sup, i);
		reap_mid(sup, i, 1);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (first_fail < 0) {
		for (size_t i = 0; i < n; i++)
			if (sup->rt[i].st == S_SKIPPED || sup->rt[i].st == S_FAILED)
				first_fail = (int)i;
	}
	if (first_fail >= 0)
		return ck_errf(CK_E_SERVICE, "%s", sup->rt[first_fail].msg);
	return 0;
}

int
ck_sup_stop(struct ck_sup *sup, const unsigned char *want, int ignore)
{
	struct ck_registry *reg = sup->reg;
	size_t n = reg->n, active;
	unsigned char *reach = NULL;	/* reach[a*n+b]: a requires b, transitively */
	int first_fail = -1, r;

	reset_rt(sup);
	if (n == 0)
		return 0;
	if ((reach = calloc(n * n, 1)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	for (size_t k = 0; k < n; k++) {	/* deps come first in order */
		size_t a = (size_t)reg->order[k];
		for (size_t d = 0; d < reg->svc[a].ndeps; d++) {
			size_t b = (size_t)reg->svc[a].dep_idx[d];
			reach[a * n + b] = 1;
			for (size_t c = 0; c < n; c++)
				if (reach[b * n + c])
					reach[a * n + c] = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (want[i])
			sup->rt[i].st = S_WAIT;
	for (;;) {
		long now = now_ms();
		active = 0;
		for (size_t k = n; k-- > 0;) {
			size_t i = (size_t)reg->order[k];
			struct svcrt *rt = &sup->rt[i];
			const struct ck_service *s = &reg->svc[i];
			int blocked = 0;

			if (rt->st == S_WAIT) {
				for (size_t j = 0; j < n; j++)
					if (reach[j * n + i] && (sup->rt[j].st == S_WAIT || sup->rt[j].st == S_STOPPING))
						blocked = 1;
				if (blocked) {
					active++;
					continue;
				}
				emit(sup, CK_EV_BEGIN, i, NULL);
				rt->t0 = now;
				if (!sup->be->alive(sup, i)) {
					sup->be->reap(sup, i);
					rt->st = S_DONE;
					set_msg(sup, i, 0, "service %s was not running", s->name);
					emit(sup, CK_EV_DONE, i, NULL);
					continue;
				}
				if ((r = sup->be->stop(sup, i)) != 0) {
					set_msg(sup, i, r, "%s", ck_err_detail());
					/* still try to kill it after the timeout */
				}
				rt->st = S_STOPPING;
			}
			if (rt->st != S_STOPPING)
				continue;
			if (rt->stop_pid > 0) {
				int st;
				if (waitpid(rt->stop_pid, &st, WNOHANG) != 0)
					rt->stop_pid = 0;
			}
			if (!sup->be->alive(sup, i)) {
				sup->be->reap(sup, i);
				rt->st = S_DONE;
				if (rt->killed) {
					set_msg(sup, i, 0, "service %s did not stop within %.1f s and was killed "
					    "(SIGKILL)", s->name, (double)s->stop_timeout_ms / 1000);
					emit(sup, CK_EV_WARN, i, rt->msg);
				} else {
					set_msg(sup, i, 0, "service %s stopped", s->name);
				}
				emit(sup, CK_EV_DONE, i, NULL);
				continue;
			}
			if (!rt->killed && now - rt->t0 > s->stop_timeout_ms) {
				sup->be->kill(sup, i);
				rt->killed = 1;
			} else if (rt->killed && now - rt->t0 > s->stop_timeout_ms + KILL_GRACE_MS) {
				set_msg(sup, i, CK_E_SERVICE, "service %s is still running after SIGKILL",
				    s->name);
				rt->st = S_FAILED;
				emit(sup, CK_EV_FAIL, i, rt->msg);
				if (first_fail < 0)
					first_fail = (int)i;
				continue;
			}
			active++;
		}
		if (active == 0)
			break;
		sleep_ms(reg->poll_ms);
	}
	for (size_t i = 0; i < n; i++)
		if (sup->rt[i].stop_pid > 0) {
			int st;
			kill(-sup->rt[i].stop_pid, SIGKILL);
			waitpid(sup->rt[i].stop_pid, &st, 0);
			sup->rt[i].stop_pid = 0;
		}
	free(reach);
	(void)ignore;
	if (first_fail >= 0)
		return ck_errf(CK_E_SERVICE, "%s", sup->rt[first_fail].msg);
	return 0;
}
