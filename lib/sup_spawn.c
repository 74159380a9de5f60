/*
 * sup_spawn.c: every process the supervisor starts: a service as svcctl's
 * own user, a readiness command, a stop command, a systemctl call; and
 * the environment they all get.
 *
 * The environment is built once per supervisor, from a few of our
 * variables and certkit's own (sup_env_build); the library never changes
 * the caller's own environment.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "err.h"
#include "paths.h"
#include "sup_backend.h"
#include "util.h"

/* certkit's own variables: set for every child, never taken from ours */
static const char *const own_vars[] = { "CK_MACHINE_SSL=", "CK_CONF_DIR=", "CK_RUN_DIR=",
	"CK_LOG_DIR=", "CK_SERVICE=", "CK_PID=" };

static int
is_own_var(const char *e)
{
	for (size_t k = 0; k < sizeof(own_vars) / sizeof(own_vars[0]); k++)
		if (strncmp(e, own_vars[k], strlen(own_vars[k])) == 0)
			return 1;
	return 0;
}

/* What children take from our environment: the search path, the locale
 * and time zone, and certkit's own CERTKIT_* settings (the sandbox root,
 * the registry, the FQDN).  Nothing else: a password given as
 * --key-password env:NAME, or anything a caller exported, stays ours. */
static int
passed_on(const char *e)
{
	static const char *const names[] = { "PATH=", "LANG=", "LANGUAGE=", "TZ=", "CERTKIT_",
		"LC_" };

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strncmp(e, names[k], strlen(names[k])) == 0)
			return 1;
	return 0;
}

/*
 * sup->env: the environment built for every child: what passed_on()
 * keeps of ours (PATH defaults to the system's), then what services and
 * probes may use in their commands (CK_MACHINE_SSL, CK_CONF_DIR,
 * CK_RUN_DIR, CK_LOG_DIR).  CK_SERVICE and CK_PID are added per child by
 * sup_spawn_cmd, HOME/USER/LOGNAME for a user= service by its launch.
 */
/*
 * service s's environment: the common one (env, ne entries), then what
 * its pass_environment names from ours (when we have it), then its
 * environment = assignments; a later NAME= replaces an earlier one.
 */
static char **
svc_env_build(char *const *env, size_t ne, const struct ck_service *s)
{
	char **v = calloc(ne + s->npass_env + s->nenv + 1, sizeof(char *));
	size_t n = 0;

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < ne; i++)
		if ((v[n++] = strdup(env[i])) == NULL)
			goto nomem;
	for (size_t i = 0; i < s->npass_env + s->nenv; i++) {
		const char *val, *a;
		char *dup;
		size_t nl;

		if (i < s->npass_env) {
			if ((val = getenv(s->pass_env[i])) == NULL)
				continue;	/* not set here: not set there */
			dup = ck_asprintf("%s=%s", s->pass_env[i], val);
		} else {
			dup = strdup(s->env[i - s->npass_env]);
		}
		if (dup == NULL)
			goto nomem;
		a = dup;
		nl = strcspn(a, "=") + 1;
		for (size_t j = 0; j <= n; j++) {
			if (j == n) {
				v[n++] = dup;
				break;
			}
			if (strncmp(v[j], a, nl) == 0) {
				free(v[j]);
				v[j] = dup;
				break;
			}
		}
	}
	return v;
nomem:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

/*
 * sup->env: the environment built for every child: what passed_on()
 * keeps of ours (PATH defaults to the system's), then what services and
 * probes may use in their commands (CK_MACHINE_SSL, CK_CONF_DIR,
 * CK_RUN_DIR, CK_LOG_DIR).  sup->svc_env[i]: the same with service i's
 * registry variables (environment =, pass_environment =), for the
 * services that have some.  CK_SERVICE and CK_PID are added per child by
 * sup_spawn_cmd, HOME/USER/LOGNAME for a user= service by its launch.
 */
int
sup_env_build(struct ck_sup *sup)
{
	extern char **environ;
	static const enum ck_path_id ids[] = { CK_PATH_MACHINE_SSL, CK_PATH_CONF, CK_PATH_RUN,
		CK_PATH_LOG };
	size_t ne = 0, k = 0;
	int path = 0;

	while (environ[ne] != NULL)
		ne++;
	if ((sup->env = calloc(ne + 6, sizeof(char *))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < ne; i++) {
		if (!passed_on(environ[i]) || is_own_var(environ[i]))
			continue;
		if ((sup->env[k++] = strdup(environ[i])) == NULL)
			goto nomem;
		path |= strncmp(environ[i], "PATH=", 5) == 0;
	}
	if (!path && (sup->env[k++] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin")) == NULL)
		goto nomem;
	for (size_t i = 0; i < 4; i++)
		if ((sup->env[k++] = ck_asprintf("%.*s%s", (int)strlen(own_vars[i]), own_vars[i],
		    ck_path(ids[i]))) == NULL)
			goto nomem;
	if ((sup->svc_env = calloc(sup->reg->n ? sup->reg->n : 1, sizeof(char **))) == NULL)
		goto nomem;
	for (size_t i = 0; i < sup->reg->n; i++) {
		const struct ck_service *s = &sup->reg->svc[i];

		if (s->nenv + s->npass_env > 0 && (sup->svc_env[i] = svc_env_build(sup->env, k, s)) == NULL)
			goto nomem;
	}
	return 0;
nomem:
	sup_env_free(sup);
	return ck_errf(CK_E_NOMEM, "out of memory");
}

static void
env_free(char **env)
{
	for (char **e = env; e != NULL && *e != NULL; e++)
		free(*e);
	free(env);
}

void
sup_env_free(struct ck_sup *sup)
{
	for (size_t i = 0; sup->svc_env != NULL && i < sup->reg->n; i++)
		env_free(sup->svc_env[i]);
	free(sup->svc_env);
	sup->svc_env = NULL;
	env_free(sup->env);
	sup->env = NULL;
}

char **
sup_env_of(const struct ck_sup *sup, const struct ck_service *s)
{
	size_t i = (size_t)(s - sup->reg->svc);

	if (sup->svc_env != NULL && i < sup->reg->n && sup->svc_env[i] != NULL)
		return sup->svc_env[i];
	return sup->env;
}

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
int
sup_plain_command(const char *cmd, char *buf, size_t size, char **argv, int max)
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
 * A probe or stop command of a user= service runs as that user, with its
 * groups, HOME/USER/LOGNAME, in its own session, stdio on /dev/null: the
 * service account can write its directory, so a command run there as root
 * would be a way to root.  fork, because posix_spawn cannot change users.
 * Returns 0 or an errno value.
 */
static int
spawn_as_user(struct ck_sup *sup, const struct ck_service *s, char *const argv[], char **envp,
    pid_t *pid)
{
	struct passwd *pw;
	char *home = NULL, *user = NULL, *logname = NULL;
	size_t k = 0;
	pid_t p;
	int fd;

	errno = 0;
	if ((pw = getpwnam(s->user)) == NULL)
		return errno ? errno : ENOENT;
	while (envp[k] != NULL)
		k++;
	if ((home = ck_asprintf("HOME=%s", pw->pw_dir)) == NULL ||
	    (user = ck_asprintf("USER=%s", pw->pw_name)) == NULL ||
	    (logname = ck_asprintf("LOGNAME=%s", pw->pw_name)) == NULL) {
		free(home);
		free(user);
		return ENOMEM;
	}
	envp[k] = home;
	envp[k + 1] = user;
	envp[k + 2] = logname;
	envp[k + 3] = NULL;
	if ((p = fork()) == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		if (setsid() < 0 || (fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, 0) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		if (pw->pw_uid != geteuid() && (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
		    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0))
			_exit(127);
		if (chdir(s->dir ? s->dir : ck_path(CK_PATH_RUN)) != 0)
			_exit(127);
		for (int f = 3; f < 1024; f++)
			close(f);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	envp[k] = NULL;
	free(home);
	free(user);
	free(logname);
	(void)sup;
	if (p < 0)
		return errno;
	*pid = p;
	return 0;
}

/*
 * posix_spawn argv (argv[0] a path), with CK_SERVICE (and CK_PID when svcpid > 0)
 * in its environment, signals unblocked and at their defaults, in the
 * service's directory, and nothing of ours open above stderr.
 *
 * Every child gets its own session (so a terminal's hangup never reaches
 * it).  With logfd < 0 the command is a probe or a stop command: stdio on
 * /dev/null.  With logfd >= 0 it is the service itself: stdin on
 * /dev/null, stdout and stderr appended to logfd.  extra, if not NULL, is
 * one more NAME=VALUE for its environment.
 *
 * posix_spawn (vfork-like in glibc) rather than fork: a level of services
 * starts, and probes run many times a second, from a process with
 * libcrypto mapped; copying its page tables for each child costs more
 * than the child's own start.  Returns 0, or an errno value.
 */
int
sup_spawn_cmd(struct ck_sup *sup, const struct ck_service *s, char *const argv[], pid_t svcpid,
    int logfd, const char *extra, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **envp = NULL, *svc = NULL, *pidv = NULL, **env = sup_env_of(sup, s);
	size_t ne = 0, k = 0;
	int e = ENOMEM;

	*pid = -1;
	while (env[ne] != NULL)
		ne++;
	if ((envp = calloc(ne + 7, sizeof(char *))) == NULL)
		return ENOMEM;
	for (size_t i = 0; i < ne; i++)
		envp[k++] = env[i];
	if (extra != NULL)
		envp[k++] = (char *)extra;
	if ((svc = ck_asprintf("CK_SERVICE=%s", s->name)) == NULL)
		goto out;
	envp[k++] = svc;
	if (svcpid > 0) {
		if ((pidv = ck_asprintf("CK_PID=%ld", (long)svcpid)) == NULL)
			goto out;
		envp[k++] = pidv;
	}
	if (s->user != NULL && logfd < 0) {
		e = spawn_as_user(sup, s, argv, envp, pid);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	/* a session of its own: a hangup of svcctl's terminal or a signal to
	 * its session (a dropped SSH login) never reaches it, and kill(-pid)
	 * still reaches its whole process group */
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
pid_t
sup_spawn_sh(struct ck_sup *sup, const struct ck_service *s, const char *cmd, pid_t svcpid)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
	pid_t p;
	int e = sup_spawn_cmd(sup, s, argv, svcpid, -1, NULL, &p);

	if (e != 0)
		errno = e;
	return p;
}

int
sup_run(struct ck_sup *sup, char *const argv[], char *out, size_t outsz)
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
		/* out of svcctl's session, as every child (see sup_spawn_cmd) */
		(void)setsid();
		signal(SIGPIPE, SIG_DFL);
		dup2(pfd[1], 1);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			if (out == NULL)
				dup2(fd, 1);
		}
		execvpe(argv[0], argv, sup->env);
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

