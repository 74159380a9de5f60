/*
 * supervisor.c: the start/stop engine and the public API of supervisor.h.
 *
 * The engine is a single-threaded poll loop: every tick it launches what
 * has become startable, polls readiness of what is starting (command
 * probes run as child processes, so slow probes overlap), and checks that
 * ready services stay alive through the settle time.  Backends
 * (sup_backend.h) only know how to launch, test liveness, stop and kill
 * one service; probes are in sup_probe.c, child processes in sup_spawn.c.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "err.h"
#include "sup_backend.h"
#include "util.h"

#define KILL_GRACE_MS 3000	/* after SIGKILL, how long to wait for the exit */
#define TAIL_LINES 10

void
sup_sleep_ms(long ms)
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
		long now = ck_now_ms();
		while (read(sup->infd, &buf, sizeof(buf)) > 0)
			;
		/* a directory that never stops changing must not spin the loop */
		if (now - sup->woke < 2)
			sup_sleep_ms(1);
		sup->woke = now;
	}
}

void
sup_set_msg(struct ck_sup *sup, size_t i, int rc, const char *fmt, ...)
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

int
ck_sup_open(struct ck_registry *reg, struct ck_sup **out)
{
	struct ck_sup *sup;
	int r;

	*out = NULL;
	if ((sup = calloc(1, sizeof(*sup))) == NULL ||
	    (sup->rt = calloc(reg->n ? reg->n : 1, sizeof(*sup->rt))) == NULL) {
		free(sup);
		return ck_errf(CK_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < reg->n; i++)
		sup->rt[i].launch_fd = -1;
	sup->sigfd = sup->infd = -1;
	sup->reg = reg;
	sup->be = reg->backend == CK_BACKEND_SYSTEMD ? &ck_backend_systemd : &ck_backend_builtin;
	if ((r = sup_env_build(sup)) != 0) {
		ck_sup_close(sup);
		return r;
	}
	*out = sup;
	return 0;
}

void
ck_sup_close(struct ck_sup *sup)
{
	if (sup == NULL)
		return;
	for (size_t i = 0; i < sup->reg->n; i++) {
		sup_probe_cancel(sup, i);
		if (sup->be->reset != NULL)
			sup->be->reset(sup, i);
		free(sup->rt[i].msg);
	}
	sup_env_free(sup);
	free(sup->rt);
	free(sup);
}

void
ck_sup_set_progress(struct ck_sup *sup, ck_sup_progress cb, void *u)
{
	sup->cb = cb;
	sup->cbu = u;
}

int
ck_sup_result(struct ck_sup *sup, size_t i, const char **msg)
{
	if (msg != NULL)
		*msg = sup->rt[i].msg ? sup->rt[i].msg : "";
	return sup->rt[i].rc;
}

int
ck_sup_alive(struct ck_sup *sup, size_t i)
{
	return sup->be->alive(sup, i);
}

int
ck_sup_state(struct ck_sup *sup, size_t i, enum ck_svc_state *st)
{
	*st = CK_SVC_STOPPED;
	if (!sup->be->alive(sup, i))
		return 0;
	*st = sup_probe(sup, i, 1) ? CK_SVC_RUNNING : CK_SVC_START_PENDING;
	return 0;
}

static void
reset_rt(struct ck_sup *sup)
{
	for (size_t i = 0; i < sup->reg->n; i++) {
		sup_probe_cancel(sup, i);
		if (sup->be->reset != NULL)
			sup->be->reset(sup, i);
		free(sup->rt[i].msg);
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
		sup_set_msg(sup, i, CK_E_SERVICE, "service %s %s; last lines of its log:\n%s", s->name, why, tail);
	else if (sup->reg->backend == CK_BACKEND_SYSTEMD)
		sup_set_msg(sup, i, CK_E_SERVICE, "service %s %s (see journalctl -u %s)", s->name, why, s->unit);
	else
		sup_set_msg(sup, i, CK_E_SERVICE, "service %s %s (its log is empty)", s->name, why);
	free(tail);
	sup->rt[i].st = S_FAILED;
	sup_probe_cancel(sup, i);
	emit(sup, CK_EV_FAIL, i, sup->rt[i].msg);
}

/* An operation's outcome: record the first failure and whether to stop launching. */
struct progress {
	int ignore;
	int aborted;
	int first_fail;
};

static void
note_fail(struct progress *pg, size_t i)
{
	if (pg->first_fail < 0)
		pg->first_fail = (int)i;
	if (!pg->ignore)
		pg->aborted = 1;
}

static const char *
probe_name(enum ck_probe_kind k)
{
	switch (k) {
	case CK_PROBE_PID:
		return "pid";
	case CK_PROBE_TCP:
		return "tcp";
	case CK_PROBE_TLS:
		return "tls";
	case CK_PROBE_CMD:
		return "cmd";
	default:
		return "file";
	}
}

/* Mark the wanted services and, transitively, what they require. */
static void
start_select(struct ck_sup *sup, const unsigned char *want)
{
	struct ck_registry *reg = sup->reg;

	for (size_t k = reg->n; k-- > 0;) {
		size_t i = (size_t)reg->order[k];
		if (want[i])
			sup->rt[i].st = S_WAIT;
		if (sup->rt[i].st == S_WAIT)
			for (size_t d = 0; d < reg->svc[i].ndeps; d++)
				sup->rt[reg->svc[i].dep_idx[d]].st = S_WAIT;
	}
}

/*
 * Follow service i once it has been launched: launch pipe, liveness,
 * probe, settle time.  Returns 1 while it is still in progress.
 */
static int
start_watch(struct ck_sup *sup, size_t i, struct progress *pg)
{
	struct svcrt *rt = &sup->rt[i];
	const struct ck_service *s = &sup->reg->svc[i];
	enum sup_st before = rt->st;
	long now = ck_now_ms();
	char why[256];
	int r, active = 0;

	if (rt->st == S_STARTING && sup->be->launch_check != NULL &&
	    (r = sup->be->launch_check(sup, i, 0)) != 0) {
		if (r > 0)
			return 1;	/* still launching */
		rt->st = S_FAILED;
		emit(sup, CK_EV_FAIL, i, rt->msg);
	}
	if (rt->st == S_STARTING) {
		active = 1;
		if (!sup->be->alive(sup, i)) {
			fail_with_tail(sup, i, "exited before it became ready");
		} else if (sup_probe(sup, i, 0)) {
			rt->st = S_SETTLING;
			rt->tready = now;
		} else if (now - rt->t0 > s->start_timeout_ms) {
			snprintf(why, sizeof(why), "did not become ready within %.1f s (probe %s)",
			    (double)s->start_timeout_ms / 1000, probe_name(s->probe));
			fail_with_tail(sup, i, why);
		}
	}
	if (rt->st == S_SETTLING) {
		active = 0;
		if (!sup->be->alive(sup, i)) {
			if (s->probe == CK_PROBE_PID)
				snprintf(why, sizeof(why), "exited %ld ms after it was started",
				    now - rt->t0);
			else
				snprintf(why, sizeof(why), "exited %ld ms after it became ready",
				    now - rt->tready);
			fail_with_tail(sup, i, why);
		} else if (now - rt->tready >= sup->reg->settle_ms) {
			rt->st = S_DONE;
			sup_set_msg(sup, i, 0, "service %s started", s->name);
			emit(sup, CK_EV_DONE, i, NULL);
		} else {
			active = 1;
		}
	}
	if (before != S_FAILED && rt->st == S_FAILED)
		note_fail(pg, i);
	return active;
}

/*
 * Launch service i if it waits and its dependencies are ready; skip it if
 * one failed or the start was abandoned.  Returns 1 while it is in
 * progress (waiting or launched).
 */
static int
start_launch(struct ck_sup *sup, size_t i, long now, struct progress *pg)
{
	struct ck_registry *reg = sup->reg;
	struct svcrt *rt = &sup->rt[i];
	const struct ck_service *s = &reg->svc[i];
	int ready = 1, failed = -1, r;

	for (size_t d = 0; d < s->ndeps; d++) {
		enum sup_st ds = sup->rt[s->dep_idx[d]].st;
		if (ds == S_FAILED || ds == S_SKIPPED)
			failed = s->dep_idx[d];
		else if (ds != S_DONE && !(ds == S_SETTLING &&
		    reg->svc[s->dep_idx[d]].probe != CK_PROBE_PID))
			ready = 0;	/* "alive" is no readiness: a pid
					   probe counts after the settle time */
	}
	if (failed >= 0 || pg->aborted) {
		rt->st = S_SKIPPED;
		if (failed >= 0)
			sup_set_msg(sup, i, CK_E_SERVICE, "service %s not started: it requires %s, which "
			    "did not start", s->name, reg->svc[failed].name);
		else
			sup_set_msg(sup, i, CK_E_SERVICE, "service %s not started: the start was "
			    "abandoned after an earlier failure", s->name);
		emit(sup, CK_EV_SKIP, i, rt->msg);
		return 0;
	}
	if (!ready)
		return 1;
	emit(sup, CK_EV_BEGIN, i, NULL);
	rt->t0 = now;
	if (!sup->be->alive(sup, i) && (r = sup->be->launch(sup, i)) != 0) {
		sup_set_msg(sup, i, r, "%s", ck_err_detail());
		rt->st = S_FAILED;
		emit(sup, CK_EV_FAIL, i, rt->msg);
		note_fail(pg, i);
		return 0;
	}
	rt->st = S_STARTING;
	sup_watch_probe(sup, i);
	return 1;
}

int
ck_sup_start(struct ck_sup *sup, const unsigned char *want, int ignore)
{
	struct ck_registry *reg = sup->reg;
	struct progress pg = { ignore, 0, -1 };
	size_t n = reg->n, active;
	sigset_t chld, oldmask;

	reset_rt(sup);
	sup->dirs_made = 0;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &oldmask);
	/* without these the loop still works, waking at every poll tick */
	sup->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	sup->infd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	start_select(sup, want);
	for (;;) {
		long now;
		active = 0;
		for (size_t k = 0; k < n; k++) {
			size_t i = (size_t)reg->order[k];
			if (sup->rt[i].st == S_STARTING || sup->rt[i].st == S_SETTLING)
				active += (size_t)start_watch(sup, i, &pg);
		}
		now = ck_now_ms();
		for (size_t k = 0; k < n; k++) {
			size_t i = (size_t)reg->order[k];
			if (sup->rt[i].st == S_WAIT)
				active += (size_t)start_launch(sup, i, now, &pg);
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
		sup_probe_cancel(sup, i);
		if (sup->be->reset != NULL)
			sup->be->reset(sup, i);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (pg.first_fail < 0) {
		for (size_t i = 0; i < n; i++)
			if (sup->rt[i].st == S_SKIPPED || sup->rt[i].st == S_FAILED)
				pg.first_fail = (int)i;
	}
	if (pg.first_fail >= 0)
		return ck_errf(CK_E_SERVICE, "%s", sup->rt[pg.first_fail].msg);
	return 0;
}

/* reach[a*n+b]: service a requires b, transitively (deps come first in order). */
static unsigned char *
stop_reach(const struct ck_registry *reg)
{
	size_t n = reg->n;
	unsigned char *reach = calloc(n * n, 1);

	if (reach == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		size_t a = (size_t)reg->order[k];
		for (size_t d = 0; d < reg->svc[a].ndeps; d++) {
			size_t b = (size_t)reg->svc[a].dep_idx[d];
			reach[a * n + b] = 1;
			for (size_t c = 0; c < n; c++)
				if (reach[b * n + c])
					reach[a * n + c] = 1;
		}
	}
	return reach;
}

/* Begin stopping service i once no selected dependent is still up. */
static int
stop_begin(struct ck_sup *sup, size_t i, const unsigned char *reach, long now)
{
	size_t n = sup->reg->n;
	struct svcrt *rt = &sup->rt[i];
	const struct ck_service *s = &sup->reg->svc[i];
	int r;

	for (size_t j = 0; j < n; j++)
		if (reach[j * n + i] && (sup->rt[j].st == S_WAIT || sup->rt[j].st == S_STOPPING))
			return 1;
	emit(sup, CK_EV_BEGIN, i, NULL);
	rt->t0 = now;
	if (!sup->be->alive(sup, i)) {
		sup->be->reap(sup, i);
		rt->st = S_DONE;
		sup_set_msg(sup, i, 0, "service %s was not running", s->name);
		emit(sup, CK_EV_DONE, i, NULL);
		return 0;
	}
	if ((r = sup->be->stop(sup, i)) != 0) {
		sup_set_msg(sup, i, r, "%s", ck_err_detail());
		/* still try to kill it after the timeout */
	}
	rt->st = S_STOPPING;
	return 0;
}

/* Follow a stop in progress; SIGKILL after the timeout.  1 while in progress. */
static int
stop_watch(struct ck_sup *sup, size_t i, long now, int *first_fail)
{
	struct svcrt *rt = &sup->rt[i];
	const struct ck_service *s = &sup->reg->svc[i];
	int st;

	if (rt->stop_pid > 0 && waitpid(rt->stop_pid, &st, WNOHANG) != 0)
		rt->stop_pid = 0;
	if (!sup->be->alive(sup, i)) {
		sup->be->reap(sup, i);
		rt->st = S_DONE;
		if (rt->killed) {
			sup_set_msg(sup, i, 0, "service %s did not stop within %.1f s and was killed "
			    "(SIGKILL)", s->name, (double)s->stop_timeout_ms / 1000);
			emit(sup, CK_EV_WARN, i, rt->msg);
		} else {
			sup_set_msg(sup, i, 0, "service %s stopped", s->name);
		}
		emit(sup, CK_EV_DONE, i, NULL);
		return 0;
	}
	if (!rt->killed && now - rt->t0 > s->stop_timeout_ms) {
		sup->be->kill(sup, i);
		rt->killed = 1;
	} else if (rt->killed && now - rt->t0 > s->stop_timeout_ms + KILL_GRACE_MS) {
		sup_set_msg(sup, i, CK_E_SERVICE, "service %s is still running after SIGKILL",
		    s->name);
		rt->st = S_FAILED;
		emit(sup, CK_EV_FAIL, i, rt->msg);
		if (*first_fail < 0)
			*first_fail = (int)i;
		return 0;
	}
	return 1;
}

int
ck_sup_stop(struct ck_sup *sup, const unsigned char *want, int ignore)
{
	struct ck_registry *reg = sup->reg;
	size_t n = reg->n, active;
	unsigned char *reach = NULL;
	int first_fail = -1;

	reset_rt(sup);
	if (n == 0)
		return 0;
	if ((reach = stop_reach(reg)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (want[i])
			sup->rt[i].st = S_WAIT;
	for (;;) {
		long now = ck_now_ms();
		active = 0;
		for (size_t k = n; k-- > 0;) {
			size_t i = (size_t)reg->order[k];

			if (sup->rt[i].st == S_WAIT && stop_begin(sup, i, reach, now)) {
				active++;
				continue;
			}
			if (sup->rt[i].st == S_STOPPING)
				active += (size_t)stop_watch(sup, i, now, &first_fail);
		}
		if (active == 0)
			break;
		sup_sleep_ms(reg->poll_ms);
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
