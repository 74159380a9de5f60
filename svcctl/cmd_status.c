/* cmd_status.c: --status and --list-services / --list. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "journal.h"
#include "log.h"
#include "svcctl.h"

static const char *
state_name(enum ck_svc_state st)
{
	return st == CK_SVC_RUNNING ? "running" : st == CK_SVC_START_PENDING ? "start_pending" :
	    "stopped";
}

/* {"services": [{"name", "display", "state", "manual"}...], "swap_pending":
 * null or {"store", "alias", "phase", "old_sha1", "new_sha1"}} */
static void
print_json(const struct ck_registry *reg, const unsigned char *want,
    const enum ck_svc_state *st, const struct ck_journal *j)
{
	int n = 0;

	printf("{\"services\": [");
	for (size_t k = 0; k < reg->n; k++) {
		size_t i = (size_t)reg->order[k];
		if (!want[i])
			continue;
		printf("%s\n  {\"name\": ", n++ ? "," : "");
		svcctl_json_str(stdout, reg->svc[i].name);
		printf(", \"display\": ");
		svcctl_json_str(stdout, reg->svc[i].display);
		printf(", \"state\": \"%s\", \"manual\": %s}", state_name(st[i]),
		    reg->svc[i].manual ? "true" : "false");
	}
	printf("%s], \"swap_pending\": ", n ? "\n" : "");
	if (j == NULL) {
		printf("null}\n");
		return;
	}
	printf("{\"store\": ");
	svcctl_json_str(stdout, j->store);
	printf(", \"alias\": ");
	svcctl_json_str(stdout, j->alias);
	printf(", \"phase\": ");
	svcctl_json_str(stdout, j->phase);
	printf(", \"old_sha1\": ");
	svcctl_json_str(stdout, j->old_sha1);
	printf(", \"new_sha1\": ");
	svcctl_json_str(stdout, j->new_sha1);
	printf("}}\n");
}

/*
 * service-control's layout: a header line per non-empty category, then
 * one line with the names, space separated (with a leading space).
 */
static void
print_layout(const struct ck_registry *reg, const unsigned char *want,
    const enum ck_svc_state *st)
{
	static const struct { enum ck_svc_state st; const char *hdr; } cats[] = {
		{ CK_SVC_RUNNING, "Running:" },
		{ CK_SVC_START_PENDING, "StartPending:" },
		{ CK_SVC_STOPPED, "Stopped:" },
	};

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
}

/*
 * The exit status, systemctl is-active style: SX_PENDING when a swap
 * journal is pending, else SX_NOT_RUNNING when a service that should run
 * is not running (the named ones, the profile's, or with neither every
 * automatic one: manual services may be stopped), else 0.
 */
int
cmd_status(struct svcctl_opts *o)
{
	struct ck_registry *reg = NULL;
	struct ck_sup *sup = NULL;
	struct ck_journal *j = NULL;
	unsigned char *want = NULL;
	enum ck_svc_state *st = NULL;
	int r, x, pending, named = o->nnames > 0 || o->profile != NULL;

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
	x = SX_OK;
	for (size_t i = 0; i < reg->n; i++) {
		if (!want[i])
			continue;
		ck_sup_state(sup, i, &st[i]);
		if (st[i] != CK_SVC_RUNNING && (named || !reg->svc[i].manual))
			x = SX_NOT_RUNNING;
	}
	/* main() has said so on stderr; unreadable counts as pending */
	r = ck_journal_read(&j);
	pending = r != CK_E_NOENT;
	ck_err_clear();
	if (o->json)
		print_json(reg, want, st, r == 0 ? j : NULL);
	else
		print_layout(reg, want, st);
	if (pending)
		x = SX_PENDING;
out:
	ck_journal_free(j);
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
