/*
 * supervisor.h: starting, stopping and watching the registry's services.
 *
 * svcctl is not a daemon.  The built-in backend runs each service detached
 * in its own session (double fork, setsid, its own process group) with
 * stdout/stderr appended to <log>/<name>.log and a pidfile
 * <run>/<name>.pid holding "PID SID STARTTIME", so a later svcctl finds it;
 * STARTTIME (field 22 of /proc/PID/stat) guards against a recycled pid:
 * a pidfile whose process has another start time is stale and nothing is
 * signalled.  The systemd backend drives units through systemctl(1).
 *
 * Start is dependency-ordered and parallel: every service whose
 * dependencies are ready is launched at once, readiness is polled every
 * reg->poll_ms, and a ready service must stay up reg->settle_ms.  Stop is
 * the reverse: a service is stopped once every selected service that
 * depends on it has stopped.  The library never prints; progress goes to
 * a callback and each service's outcome is kept for the caller.
 *
 * Files: supervisor.c (this API and the engine), sup_spawn.c (every child
 * process and the environment built for it), sup_pidfile.c (the built-in
 * backend: launch, pidfiles, /proc), sup_log.c (service log tails),
 * systemd.c (the systemd backend), sup_probe.c (readiness probes),
 * sup_reload.c (reloads);
 * sup_backend.h is their private interface, included by nothing else.
 */
#ifndef CK_SUPERVISOR_H
#define CK_SUPERVISOR_H

#include <stddef.h>
#include <sys/types.h>

#include "registry.h"

enum ck_svc_state {
	CK_SVC_STOPPED = 0,
	CK_SVC_START_PENDING,	/* process alive, probe not passing */
	CK_SVC_RUNNING,		/* process alive and probe passing */
};

enum ck_sup_event {
	CK_EV_BEGIN,		/* "Performing start operation on service X" */
	CK_EV_DONE,		/* "Successfully started service X" */
	CK_EV_FAIL,		/* failure; detail says why */
	CK_EV_WARN,		/* success with a remark (e.g. SIGKILL needed) */
	CK_EV_SKIP,		/* not attempted (a dependency failed) */
};

typedef void (*ck_sup_progress)(void *u, enum ck_sup_event ev, const struct ck_service *s,
    const char *detail);

struct ck_sup;

/* A supervisor over reg (not copied: reg must outlive it).  The commands
 * of services, probes and stop get CK_MACHINE_SSL, CK_CONF_DIR,
 * CK_RUN_DIR, CK_LOG_DIR and CK_SERVICE in an environment built for
 * them; the caller's own environment is never changed. */
int ck_sup_open(struct ck_registry *reg, struct ck_sup **out);
void ck_sup_close(struct ck_sup *sup);
void ck_sup_set_progress(struct ck_sup *sup, ck_sup_progress cb, void *u);

/*
 * Start the services with want[i] != 0, and the services they require
 * (pulled in).  Without ignore, the first failure stops further launches
 * (services already launched are still watched to the end).  Returns 0
 * if every wanted service is running, else CK_E_SERVICE with the first
 * failure as detail.
 */
int ck_sup_start(struct ck_sup *sup, const unsigned char *want, int ignore);
/* Stop the services with want[i] != 0, dependents first.  A stop is
 * always carried through for every selected service (a service that will
 * not stop does not keep the others running); ignore only exists for
 * symmetry with ck_sup_start.  CK_E_SERVICE if one survived SIGKILL. */
int ck_sup_stop(struct ck_sup *sup, const unsigned char *want, int ignore);
/*
 * Reload the services with want[i] != 0 (lib/sup_reload.c): each one's
 * reload = command runs as its other commands do (its user, its
 * environment with CK_PID, at most its start_timeout), or its reload
 * signal goes to its main process.  A service that is not running, has
 * no reload, whose command fails or that exits on it fails.  Every
 * selected service is tried; ck_sup_result() gives each outcome.  Returns
 * 0, or CK_E_SERVICE with the first failure as detail.
 */
int ck_sup_reload(struct ck_sup *sup, const unsigned char *want);
/* 1 if service i's process (or unit) is up, without running its probe. */
int ck_sup_alive(struct ck_sup *sup, size_t i);
/* Current state of service i (runs the readiness probe once). */
int ck_sup_state(struct ck_sup *sup, size_t i, enum ck_svc_state *st);
/* Outcome of service i in the last start/stop: 0 or a CK_E_* code, and a
 * message (with the tail of the service's log for failures). */
int ck_sup_result(struct ck_sup *sup, size_t i, const char **msg);

/* The last lines (at most maxlines) of the service's log, malloc'ed, with
 * control characters (but newline and tab) replaced by '?'. */
char *ck_sup_log_tail(struct ck_sup *sup, size_t i, int maxlines);

#endif
