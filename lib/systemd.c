/*
 * systemd.c: the systemd backend.  Units are driven through systemctl(1)
 * with --no-block so that the engine in supervisor.c keeps control of the
 * parallel start and of the readiness probes; the unit's ActiveState
 * (`systemctl is-active`) stands in for "the process is alive" (any of
 * active, activating, deactivating, reloading) and, for a pid probe, for
 * "ready" (active only).
 *
 * The engine ticks every poll interval (25 ms) and asks alive and ready
 * of every starting unit, which was two systemctl forks per tick: 80 a
 * second per unit.  One answer now serves both and stands for a gap that
 * starts at SD_GAP_MIN ms after a start or stop and doubles, while the
 * state stays the same, up to SD_GAP_MAX ms: a unit that takes 5 s to
 * start costs about a dozen forks, and readiness is seen at most
 * SD_GAP_MAX ms late.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "sup_backend.h"
#include "util.h"

#define SD_GAP_MIN 50
#define SD_GAP_MAX 500

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

/* Forget the cached state: the unit was just told to change. */
static void
sd_forget(struct ck_sup *sup, size_t i)
{
	sup->rt[i].sd_t = 0;
	sup->rt[i].sd_gap = 0;
}

static int
sd_launch(struct ck_sup *sup, size_t i)
{
	const struct ck_service *s = svc(sup, i);
	int st = systemctl(sup, "start", "--no-block", s->unit, NULL, 0);

	sd_forget(sup, i);
	if (st != 0)
		return ck_errf(CK_E_SERVICE, "systemctl start --no-block %s failed (exit status %d)",
		    s->unit, st);
	return 0;
}

/* The unit's ActiveState as `systemctl is-active` prints it, asked again
 * only when the last answer is older than its gap. */
static void
active_state(struct ck_sup *sup, size_t i, char *out, size_t outsz)
{
	struct svcrt *rt = &sup->rt[i];
	long now = ck_now_ms();
	char st[sizeof(rt->sd_state)];

	if (rt->sd_t == 0 || now - rt->sd_t >= rt->sd_gap) {
		st[0] = '\0';
		systemctl(sup, "is-active", NULL, svc(sup, i)->unit, st, sizeof(st));
		st[strcspn(st, "\n")] = '\0';
		if (rt->sd_t != 0 && strcmp(st, rt->sd_state) == 0)
			rt->sd_gap = rt->sd_gap * 2 > SD_GAP_MAX ? SD_GAP_MAX : rt->sd_gap * 2;
		else
			rt->sd_gap = SD_GAP_MIN;
		memcpy(rt->sd_state, st, sizeof(st));
		rt->sd_t = ck_now_ms();	/* the answer's age counts from its arrival */
	}
	snprintf(out, outsz, "%s", rt->sd_state);
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

	sd_forget(sup, i);
	if (st != 0)
		return ck_errf(CK_E_SERVICE, "systemctl stop --no-block %s failed (exit status %d)",
		    s->unit, st);
	return 0;
}

static int
sd_kill(struct ck_sup *sup, size_t i)
{
	systemctl(sup, "kill", "--signal=SIGKILL", svc(sup, i)->unit, NULL, 0);
	sd_forget(sup, i);
	return 0;
}

static void
sd_reap(struct ck_sup *sup, size_t i)
{
	sd_forget(sup, i);
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
	.reset = sd_forget,
	.main_pid = sd_main_pid,
};
