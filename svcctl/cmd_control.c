/* cmd_control.c: --start, --stop, --restart. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "svcctl.h"

int
cmd_control(struct svcctl_opts *o)
{
	struct ck_registry *reg = NULL;
	struct ck_sup *sup = NULL;
	unsigned char *want = NULL, *running = NULL;
	struct svcctl_progress_ctx start = { "start", NULL, NULL }, stop = { "stop", NULL, NULL };
	enum ck_svc_state st;
	int r, x;

	if ((x = svcctl_load_registry(o, &reg)) != 0)
		goto out;
	if ((want = calloc(reg->n ? reg->n : 1, 1)) == NULL ||
	    (running = calloc(reg->n ? reg->n : 1, 1)) == NULL) {
		ck_warnx("out of memory");
		x = SX_FAIL;
		goto out;
	}
	/* --stop --all stops every service, manual ones too; --start --all
	 * starts the automatic ones (service-control) */
	if ((x = svcctl_select(o, reg, want, o->action == A_STOP)) != 0)
		goto out;
	if ((r = ck_sup_open(reg, &sup)) != 0) {
		ck_warnr(r, "supervisor");
		x = SX_FAIL;
		goto out;
	}
	/* --start does not claim to start what runs already (--restart
	 * stops it first, so it does start it) */
	start.svc = stop.svc = reg->svc;
	if (o->action == A_START) {
		for (size_t i = 0; i < reg->n; i++)
			running[i] = ck_sup_state(sup, i, &st) == 0 && st == CK_SVC_RUNNING;
		start.was_running = running;
	}
	printf("Operation not cancellable. Please wait for it to finish...\n");
	fflush(stdout);
	x = SX_OK;
	if (o->action == A_STOP || o->action == A_RESTART) {
		ck_sup_set_progress(sup, svcctl_progress, &stop);
		if ((r = ck_sup_stop(sup, want, o->ignore)) != 0) {
			svcctl_failed(ck_err_detail());
			x = SX_FAIL;
			if (!o->ignore)
				goto out;
		}
	}
	if (o->action == A_START || o->action == A_RESTART) {
		ck_sup_set_progress(sup, svcctl_progress, &start);
		if ((r = ck_sup_start(sup, want, o->ignore)) != 0) {
			svcctl_failed(ck_err_detail());
			x = SX_FAIL;
		}
	}
	if (x != SX_OK && o->ignore) {
		ck_warnx("--ignore: carrying on despite the failures above");
		x = SX_OK;
	}
out:
	ck_sup_close(sup);
	free(running);
	free(want);
	ck_registry_free(reg);
	return x;
}
