/*
 * systemd.c: the systemd backend.  Units are driven through systemctl(1)
 * with --no-block so that the engine in supervisor.c keeps control of the
 * parallel start and of the readiness probes; the unit's ActiveState
 * (`systemctl is-active`) stands in for "the process is alive" (any of
 * active, activating, deactivating, reloading) and, for a pid probe, for
 * "ready" (active only).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "sup_backend.h"

static const struct ck_service *
svc(struct ck_sup *sup, size_t i)
{
	return &sup->reg->svc[i];
}

static int
systemctl(struct ck_sup *sup, const char *verb, const char *opt, const char *unit, char *out,
    size_t outsz)
{
	char *argv[6];
	int n = 0;

	argv[n++] = (char *)"systemctl";
	argv[n++] = (char *)verb;
	if (opt != NULL)
		argv[n++] = (char *)opt;
	argv[n++] = (char *)"--";
	argv[n++] = (char *)unit;
	argv[n] = NULL;
	return sup_run(sup, argv, out, outsz);
}

static int
sd_launch(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = svc(sup, i);
	int st = systemctl(sup, "start", "--no-block", s->unit, NULL, 0);

	if (st != 0)
		return ck_errf(CK_E_SERVICE, "systemctl start --no-block %s failed (exit status %d)",
		    s->unit, st);
	return 0;
}

/* The unit's ActiveState as `systemctl is-active` prints it. */
static void
active_state(struct ck_sup *sup, size_t i, char *out, size_t outsz)
{
	out[0] = '\0';
	systemctl(sup, "is-active", NULL, svc(sup, i)->unit, out, outsz);
	out[strcspn(out, "\n")] = '\0';
}

static int
sd_alive(struct ck_sup *sup, size_t i)
{
	char out[64];

	active_state(sup, i, out, sizeof(out));
	/* activating and deactivating units still have processes */
	return strcmp(out, "active") == 0 || strcmp(out, "activating") == 0 ||
	    strcmp(out, "deactivating") == 0 || strcmp(out, "reloading") == 0;
}

/*
 * Started means "active" and nothing else: a unit in "activating" (a
 * Type=notify or forking service that has not reported readiness, or one
 * stuck in ExecStartPre) is exactly the StartPending that must not pass
 * for a start.
 */
static int
sd_ready(struct ck_sup *sup, size_t i)
{
	char out[64];

	active_state(sup, i, out, sizeof(out));
	return strcmp(out, "active") == 0;
}

static int
sd_stop(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = svc(sup, i);
	int st = systemctl(sup, "stop", "--no-block", s->unit, NULL, 0);

	if (st != 0)
		return ck_errf(CK_E_SERVICE, "systemctl stop --no-block %s failed (exit status %d)",
		    s->unit, st);
	return 0;
}

static int
sd_kill(struct ck_sup *sup, size_t i)
{
	systemctl(sup, "kill", "--signal=SIGKILL", svc(sup, i)->unit, NULL, 0);
	return 0;
}

static void
sd_reap(struct ck_sup *sup, size_t i)
{
	(void)sup;
	(void)i;
}

/* MainPID of the unit (systemctl show), 0 if none. */
static pid_t
sd_main_pid(struct ck_sup *sup, size_t i)
{
	char out[64] = "";
	char *argv[] = { (char *)"systemctl", (char *)"show", (char *)"--property=MainPID",
		(char *)"--", svc(sup, i)->unit, NULL };
	long pid = 0;

	if (sup_run(sup, argv, out, sizeof(out)) != 0 || sscanf(out, "MainPID=%ld", &pid) != 1 ||
	    pid <= 1)
		return 0;
	return (pid_t)pid;
}

const struct ck_backend ck_backend_systemd = {
	.launch = sd_launch,
	.alive = sd_alive,
	.ready = sd_ready,
	.stop = sd_stop,
	.kill = sd_kill,
	.reap = sd_reap,
	.main_pid = sd_main_pid,
};
