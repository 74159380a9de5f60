/*
 * sup_reload.c: ck_sup_reload(), the reload a minimal certificate swap
 * (lib/swap_services.c) asks of a service that can load a new certificate
 * without a restart: its reload = command, run like every other command
 * of the service (its user, its environment, CK_PID set, its own
 * session), or its reload = signal:NAME sent to its main process.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "err.h"
#include "sup_backend.h"
#include "util.h"

int
sup_wait_cmd(pid_t p, long ms, long poll_ms)
{
	long t0 = ck_now_ms();
	int st;
	pid_t w;

	for (;;) {
		if ((w = waitpid(p, &st, WNOHANG)) == p)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (ck_now_ms() - t0 > ms) {
			kill(-p, SIGKILL);
			while (waitpid(p, &st, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		sup_sleep_ms(poll_ms);
	}
}

/* Reload service i: 0, or CK_E_SERVICE with its message set. */
static int
reload_one(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = &sup->reg->svc[i];
	pid_t main = sup->be->main_pid != NULL ? sup->be->main_pid(sup, i) : 0;
	pid_t p;
	int st;

	if (!sup->be->alive(sup, i) || main <= 0) {
		sup_set_msg(sup, i, CK_E_SERVICE, "service %s is not running: nothing to reload", s->name);
		return CK_E_SERVICE;
	}
	if (s->reload == NULL) {
		if (kill(main, s->reload_signal) != 0) {
			sup_set_msg(sup, i, CK_E_SERVICE, "service %s: reload signal %d to pid %ld: %s",
			    s->name, s->reload_signal, (long)main, strerror(errno));
			return CK_E_SERVICE;
		}
		sup_set_msg(sup, i, 0, "service %s: sent its reload signal to pid %ld", s->name,
		    (long)main);
		return 0;
	}
	if ((p = sup_spawn_sh(sup, s, s->reload, main)) < 0) {
		sup_set_msg(sup, i, CK_E_SERVICE, "cannot run the reload command of %s: %s", s->name,
		    strerror(errno));
		return CK_E_SERVICE;
	}
	if ((st = sup_wait_cmd(p, s->start_timeout_ms, sup->reg->poll_ms)) != 0) {
		if (st < 0)
			sup_set_msg(sup, i, CK_E_SERVICE, "the reload command of %s did not finish within "
			    "%.1f s (start_timeout) and was killed", s->name,
			    (double)s->start_timeout_ms / 1000);
		else
			sup_set_msg(sup, i, CK_E_SERVICE, "the reload command of %s failed (exit status %d)",
			    s->name, st);
		return CK_E_SERVICE;
	}
	if (!sup->be->alive(sup, i)) {
		sup_set_msg(sup, i, CK_E_SERVICE, "service %s exited on its reload", s->name);
		return CK_E_SERVICE;
	}
	sup_set_msg(sup, i, 0, "service %s reloaded", s->name);
	return 0;
}

int
ck_sup_reload(struct ck_sup *sup, const unsigned char *want)
{
	int first = -1;

	for (size_t i = 0; i < sup->reg->n; i++) {
		if (!want[i])
			continue;
		free(sup->rt[i].msg);
		sup->rt[i].msg = NULL;
		sup->rt[i].rc = 0;
		if (!ck_registry_can_reload(sup->reg, i)) {
			sup_set_msg(sup, i, CK_E_SERVICE, "service %s has no reload", sup->reg->svc[i].name);
		} else if (reload_one(sup, i) == 0) {
			continue;
		}
		if (first < 0)
			first = (int)i;
	}
	if (first >= 0)
		return ck_errf(CK_E_SERVICE, "%s", sup->rt[first].msg);
	return 0;
}
