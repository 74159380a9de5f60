/* cmd_status.c: --status and --list-services / --list. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "svcctl.h"

/*
 * service-control's layout: a header line per non-empty category, then
 * one line with the names, space separated (with a leading space).
 */
int
cmd_status(struct svcctl_opts *o)
{
	static const struct { enum ck_svc_state st; const char *hdr; } cats[] = {
		{ CK_SVC_RUNNING, "Running:" },
		{ CK_SVC_START_PENDING, "StartPending:" },
		{ CK_SVC_STOPPED, "Stopped:" },
	};
	struct ck_registry *reg = NULL;
	struct ck_sup *sup = NULL;
	unsigned char *want = NULL;
	enum ck_svc_state *st = NULL;
	int r, x;

	if ((x = svcctl_load_registry(o, &reg)) != 0)
		goto out;
	want = calloc(reg->n ? reg->n : 1, 1);
	st = calloc(reg->n ? reg->n : 1, sizeof(*st));
	if (want == NULL || st == NULL) {
		ck_warnx("out of memory");
		x = SX_FAIL;
		goto out;
	}
	if ((x = svcctl_select(o, reg, want, 1)) != 0)
		goto out;
	if ((r = ck_sup_open(reg, &sup)) != 0) {
		ck_warnr(r, "supervisor");
		x = SX_FAIL;
		goto out;
	}
	for (size_t i = 0; i < reg->n; i++)
		if (want[i])
			ck_sup_state(sup, i, &st[i]);
	for (size_t c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
		int any = 0;
		for (size_t k = 0; k < reg->n; k++) {
			size_t i = (size_t)reg->order[k];
			if (!want[i] || st[i] != cats[c].st)
				continue;
			if (!any)
				printf("%s\n", cats[c].hdr);
			printf(" %s", reg->svc[i].name);
			any = 1;
		}
		if (any)
			printf("\n");
	}
	x = SX_OK;
out:
	ck_sup_close(sup);
	free(st);
	free(want);
	ck_registry_free(reg);
	return x;
}

int
cmd_list(struct svcctl_opts *o)
{
	struct ck_registry *reg = NULL;
	int x;

	if ((x = svcctl_load_registry(o, &reg)) != 0)
		return x;
	for (size_t k = 0; k < reg->n; k++) {
		const struct ck_service *s = &reg->svc[reg->order[k]];
		printf("%s (%s)\n", s->name, s->display);
	}
	ck_registry_free(reg);
	return SX_OK;
}
