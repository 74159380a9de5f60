/*
 * sup_backend.h: what the supervisor's files share, and nothing else
 * includes.  The engine (supervisor.c) drives a service through a
 * backend (sup_pidfile.c: our own detached processes and pidfiles;
 * systemd.c: units through systemctl), polls readiness with the probes
 * (sup_probe.c), and every child process is made by sup_spawn.c.
 *
 * The per-service run time state and the supervisor itself are defined
 * here so the backends can keep what a launch or a stop has in flight;
 * callers of supervisor.h only ever see the opaque struct ck_sup.
 */
#ifndef CK_SUP_BACKEND_H
#define CK_SUP_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "paths.h"
#include "registry.h"
#include "supervisor.h"

#define SUP_PROBE_TIMEOUT_MS 2000	/* one tcp/tls probe, one status cmd probe */
#define SUP_CMD_PROBE_MAX_MS 5000	/* an async command probe is killed after this */

enum sup_st {
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
	enum sup_st st;
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
	/* the systemd backend's last ActiveState, when it asked, and how long
	 * the answer stands (lib/systemd.c: it backs off while nothing moves) */
	char sd_state[24];
	long sd_t, sd_gap;
};

struct ck_backend {
	/* begin starting the service (must not block on readiness) */
	int (*launch)(struct ck_sup *sup, size_t i);
	/* 1 if the service's process/unit is up, 0 if not */
	int (*alive)(struct ck_sup *sup, size_t i);
	/* 1 if it is up and the backend considers it started: what a pid
	 * probe tests.  A systemd unit still "activating" is alive but not
	 * ready (the StartPending of service-control). */
	int (*ready)(struct ck_sup *sup, size_t i);
	/* begin stopping: stop command or SIGTERM */
	int (*stop)(struct ck_sup *sup, size_t i);
	/* SIGKILL what is left */
	int (*kill)(struct ck_sup *sup, size_t i);
	/* forget the service after it stopped (pidfile) */
	void (*reap)(struct ck_sup *sup, size_t i);
	/* 1 while a launch is in flight, 0 once done, CK_E_SERVICE (message
	 * set) if it failed; NULL for a backend whose launch is synchronous */
	int (*launch_check)(struct ck_sup *sup, size_t i, int block);
	/* forget what a launch or stop left in flight (NULL: nothing) */
	void (*reset)(struct ck_sup *sup, size_t i);
	/* the service's main process (what a reload signal goes to), or 0 */
	pid_t (*main_pid)(struct ck_sup *sup, size_t i);
};

extern const struct ck_backend ck_backend_builtin;
extern const struct ck_backend ck_backend_systemd;

struct ck_sup {
	struct ck_registry *reg;
	const struct ck_backend *be;
	struct svcrt *rt;
	ck_sup_progress cb;
	void *cbu;
	char **env;		/* the environment every child gets (sup_spawn.c) */
	char ***svc_env;	/* per service: env with its registry variables, or
				   NULL where it has none (then env) */
	int sigfd;		/* SIGCHLD, while a start runs, or -1 */
	int infd;		/* inotify on file probes' directories, or -1 */
	long woke;		/* when the last inotify wake-up came (ms) */
	int dirs_made;		/* run and log directories made for this start */
};

/* supervisor.c */
void sup_sleep_ms(long ms);
void sup_set_msg(struct ck_sup *sup, size_t i, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* sup_spawn.c: children.  The environment is built once per supervisor
 * (never by changing ours); spawn_cmd returns 0 or an errno value. */
int sup_env_build(struct ck_sup *sup);
void sup_env_free(struct ck_sup *sup);
/* The environment built for service s's commands (NULL-terminated). */
char **sup_env_of(const struct ck_sup *sup, const struct ck_service *s);
int sup_spawn_cmd(struct ck_sup *sup, const struct ck_service *s, char *const argv[],
    pid_t svcpid, int logfd, const char *extra, pid_t *pid);
pid_t sup_spawn_sh(struct ck_sup *sup, const struct ck_service *s, const char *cmd,
    pid_t svcpid);
int sup_plain_command(const char *cmd, char *buf, size_t size, char **argv, int max);
/* Run argv (no shell, PATH searched) with the supervisor's environment and wait; returns its exit status (or -1), stdout
 * captured into out (if not NULL, up to outsz-1 bytes, NUL-terminated). */
int sup_run(struct ck_sup *sup, char *const argv[], char *out, size_t outsz);

/* sup_pidfile.c */
char *sup_svc_file(enum ck_path_id dir, const struct ck_service *s, const char *ext);

/* sup_reload.c: wait for a command child, kill its group after ms; its
 * exit status, or -1 (killed, or not a normal exit) */
int sup_wait_cmd(pid_t p, long ms, long poll_ms);

/* sup_probe.c */
int sup_probe(struct ck_sup *sup, size_t i, int sync);
void sup_probe_cancel(struct ck_sup *sup, size_t i);
void sup_watch_probe(struct ck_sup *sup, size_t i);

#endif
