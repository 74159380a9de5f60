/*
 * sup_pidfile.c: the built-in backend.  Each service runs detached in its
 * own session with stdout/stderr appended to <log>/<name>.log, and is
 * recorded in <run>/<name>.pid as "PID SID STARTTIME" (see supervisor.h);
 * liveness, stop and kill go by that record and /proc, never by a pid
 * alone.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "sup_backend.h"
#include "testhook.h"
#include "util.h"

struct pidrec {
	pid_t pid;
	pid_t sid;
	unsigned long long start;
};

char *
sup_svc_file(enum ck_path_id dir, const struct ck_service *s, const char *ext)
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

/*
 * A service spawned by svcctl as its own user is recorded in two steps:
 * before the spawn, an intent record "launch TOKEN" (TOKEN: svcctl's pid
 * and a clock reading), with CK_LAUNCH=TOKEN in the service's
 * environment; after it, the "PID SID STARTTIME" record.  A svcctl killed
 * between the two leaves the intent, and the next one finds the service
 * by its token: a session leader whose environment holds it.  So no
 * instant exists at which a service runs that no record leads to.
 */
static pid_t
find_launched(const char *token)
{
	char want[128], path[64], buf[16384];
	size_t wl;
	DIR *d;
	struct dirent *de;
	pid_t found = 0, sid;

	wl = (size_t)snprintf(want, sizeof(want), "CK_LAUNCH=%s", token) + 1;
	if (wl > sizeof(want) || (d = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (de = readdir(d)) != NULL) {
		char *end;
		long p = strtol(de->d_name, &end, 10);
		ssize_t n;
		int fd;

		if (*end != '\0' || p <= 1 || proc_stat((pid_t)p, NULL, NULL, &sid, NULL) != 0 ||
		    sid != (pid_t)p)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/environ", p);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		for (ssize_t o = 0; n > 0 && o < n; o += (ssize_t)strnlen(buf + o, (size_t)(n - o)) + 1)
			if ((size_t)(n - o) >= wl && memcmp(buf + o, want, wl) == 0) {
				found = (pid_t)p;
				break;
			}
	}
	closedir(d);
	return found;
}

static int
write_pidrec(const char *pidpath, pid_t pid, pid_t sid, unsigned long long start)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%ld %ld %llu\n", (long)pid, (long)sid, start);
	return ck_file_write(pidpath, buf, strlen(buf), 0644, CK_WRITE_NOSYNC);
}

/* An intent record's service, found and recorded; CK_E_NOENT if none runs. */
static int
adopt_launch(const char *pidpath, const char *token, struct pidrec *pr)
{
	unsigned long long start;
	pid_t p = find_launched(token);

	if (p <= 0 || proc_stat(p, NULL, NULL, NULL, &start) != 0)
		return CK_E_NOENT;
	pr->pid = pr->sid = p;
	pr->start = start;
	(void)write_pidrec(pidpath, p, p, start);
	return 0;
}

static int
read_pidfile(const struct ck_service *s, struct pidrec *pr)
{
	char *path = sup_svc_file(CK_PATH_RUN, s, ".pid"), *buf = NULL;
	long long a = 0, b = 0;
	unsigned long long c = 0;
	int r;

	if (path == NULL)
		return CK_E_NOMEM;
	if ((r = ck_file_read(path, 256, &buf, NULL, 0)) != 0)
		goto out;
	if (strncmp(buf, "launch ", 7) == 0) {
		buf[7 + strcspn(buf + 7, "\n")] = '\0';
		r = adopt_launch(path, buf + 7, pr);
		goto out;
	}
	if (sscanf(buf, "%lld %lld %llu", &a, &b, &c) != 3 || a <= 1 || b <= 0) {
		r = CK_E_FORMAT;
		goto out;
	}
	pr->pid = (pid_t)a;
	pr->sid = (pid_t)b;
	pr->start = c;
	r = 0;
out:
	free(buf);
	free(path);
	return r;
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
become_service(struct ck_sup *sup, const struct ck_service *s, int logfd, int wfd,
    const char *pidpath)
{
	struct passwd *pw = NULL;
	char **envp, **env = sup_env_of(sup, s);
	size_t ne = 0, k = 0;
	sigset_t none;
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
	/* the supervisor's environment, CK_SERVICE and the user's identity */
	while (env[ne] != NULL)
		ne++;
	if ((envp = calloc(ne + 5, sizeof(char *))) == NULL)
		child_fail(wfd, 2);
	for (size_t e = 0; e < ne; e++)
		if (s->user == NULL || (strncmp(env[e], "HOME=", 5) != 0 &&
		    strncmp(env[e], "USER=", 5) != 0 && strncmp(env[e], "LOGNAME=", 8) != 0))
			envp[k++] = env[e];
	if ((envp[k++] = ck_asprintf("CK_SERVICE=%s", s->name)) == NULL)
		child_fail(wfd, 2);
	/* the pidfile is written as svcctl's user, before switching */
	if (proc_stat(getpid(), NULL, NULL, NULL, &start) != 0)
		child_fail(wfd, 6);
	if (write_pidrec(pidpath, getpid(), getsid(0), start) != 0)
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
		if ((envp[k++] = ck_asprintf("HOME=%s", pw->pw_dir)) == NULL ||
		    (envp[k++] = ck_asprintf("USER=%s", pw->pw_name)) == NULL ||
		    (envp[k++] = ck_asprintf("LOGNAME=%s", pw->pw_name)) == NULL)
			child_fail(wfd, 2);
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
	{
		char *argv[] = { (char *)"sh", (char *)"-c", s->start, NULL };
		execve("/bin/sh", argv, envp);
	}
	unlink(pidpath);
	child_fail(wfd, 7);
}

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
launch_spawn(struct ck_sup *sup, const struct ck_service *s, int logfd, const char *pidpath)
{
	const char *dir = s->dir ? s->dir : ck_path(CK_PATH_RUN);
	unsigned long long start = 0;
	char why[512], words[1024], token[64], intent[80], *launchvar = NULL,
	    *argv[32] = { (char *)"/bin/sh", (char *)"-c", (char *)s->start, NULL };
	struct timespec ts;
	pid_t p;
	int e, st;

	(void)sup_plain_command(s->start, words, sizeof(words), argv, 32);
	/* checked first as well: how posix_spawn reports a failed chdir or
	 * exec depends on the C library (and valgrind loses it: the child
	 * just exits 127), these two messages must not */
	if (access(dir, X_OK) != 0)
		return ck_errf(CK_E_SERVICE, "chdir for service %s failed: %s (%s)", s->name,
		    strerror(errno), dir);
	if (argv[0][0] == '/' && access(argv[0], X_OK) != 0)
		return ck_errf(CK_E_SERVICE, "exec %s for service %s failed: %s", argv[0], s->name,
		    strerror(errno));
	/* the intent record first (see find_launched) */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(token, sizeof(token), "%ld.%lld.%09ld", (long)getpid(), (long long)ts.tv_sec,
	    ts.tv_nsec);
	snprintf(intent, sizeof(intent), "launch %s\n", token);
	if (ck_file_write(pidpath, intent, strlen(intent), 0644, CK_WRITE_NOSYNC) != 0)
		return ck_errf(CK_E_SERVICE, "write pidfile for service %s failed: %s", s->name,
		    ck_err_detail());
	if ((launchvar = ck_asprintf("CK_LAUNCH=%s", token)) == NULL) {
		unlink(pidpath);
		return ck_errf(CK_E_NOMEM, "out of memory");
	}
	/* what fails now (a race with the checks above) is reported as is */
	e = sup_spawn_cmd(sup, s, argv, 0, logfd, launchvar, &p);
	free(launchvar);
	if (e != 0) {
		unlink(pidpath);
		return ck_errf(CK_E_SERVICE, "start of service %s failed: %s", s->name, strerror(e));
	}
	/* tests: die where only the intent record leads to the service */
	if (ck_test_getenv("CERTKIT_TEST_KILL_AFTER_SPAWN") != NULL)
		raise(SIGKILL);
	/* a zombie still has its /proc entry: a service that exited at once is
	 * recorded all the same, and then seen dead by the poll loop */
	if (proc_stat(p, NULL, NULL, NULL, &start) != 0)
		snprintf(why, sizeof(why), "process %ld vanished", (long)p);
	else if (write_pidrec(pidpath, p, p, start) == 0)
		return 0;
	else
		snprintf(why, sizeof(why), "%s", ck_err_detail());
	/* without a pidfile nothing could stop it later: stop it now */
	kill(-p, SIGKILL);
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	unlink(pidpath);
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
	logpath = sup_svc_file(CK_PATH_LOG, s, ".log");
	pidpath = sup_svc_file(CK_PATH_RUN, s, ".pid");
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
		r = launch_spawn(sup, s, logfd, pidpath);
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
			become_service(sup, s, logfd, pfd[1], pidpath);
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
static int
bi_stop(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = &sup->reg->svc[i];
	struct pidrec pr;

	if (read_pidfile(s, &pr) != 0 || !pid_alive(&pr))
		return 0;
	if (s->stop != NULL) {
		pid_t p = sup_spawn_sh(sup, s, s->stop, pr.pid);
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
	if ((path = sup_svc_file(CK_PATH_RUN, &sup->reg->svc[i], ".pid")) != NULL) {
		unlink(path);
		free(path);
	}
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
bi_launch_check(struct ck_sup *sup, size_t i, int block)
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
		sup_set_msg(sup, i, CK_E_SERVICE, "%s for service %s failed: %s", stages[stage],
		    sup->reg->svc[i].name, strerror(msg[1]));
		return CK_E_SERVICE;
	}
	return 0;
}

static pid_t
bi_main_pid(struct ck_sup *sup, size_t i)
{
	struct pidrec pr;

	if (read_pidfile(&sup->reg->svc[i], &pr) != 0 || !pid_alive(&pr))
		return 0;
	return pr.pid;
}

/* Forget a launch in flight: reap the intermediate child, close the pipe. */
static void
bi_reset(struct ck_sup *sup, size_t i)
{
	reap_mid(sup, i, 1);
	if (sup->rt[i].launch_fd >= 0)
		close(sup->rt[i].launch_fd);
	sup->rt[i].launch_fd = -1;
}

const struct ck_backend ck_backend_builtin = {
	.launch = bi_launch,
	.alive = bi_alive,
	.ready = bi_alive,	/* a process of our own is started once it runs */
	.stop = bi_stop,
	.kill = bi_kill,
	.reap = bi_reap,
	.launch_check = bi_launch_check,
	.main_pid = bi_main_pid,
	.reset = bi_reset,
};
