/* common.c: registry loading, service selection and the output format
 * service-control's users parse. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "paths.h"
#include "svcctl.h"
#include "util.h"

int
svcctl_load_registry(struct svcctl_opts *o, struct ck_registry **reg)
{
	const char *path = o->registry ? o->registry : ck_path(CK_PATH_REGISTRY);
	int r;

	if ((r = ck_registry_load(path, reg)) != 0) {
		ck_warnx("service registry %s: %s%s%s", path, ck_strerror(r),
		    ck_err_detail()[0] ? ": " : "", ck_err_detail());
		if (r == CK_E_NOENT)
			ck_warnx("give the registry with --registry FILE, or install one as %s "
			    "(a sample is services.conf in %s)", ck_path(CK_PATH_REGISTRY),
			    ck_path(CK_PATH_DATA));
		return SX_REGISTRY;
	}
	return 0;
}

int
svcctl_select(struct svcctl_opts *o, struct ck_registry *reg, unsigned char *want,
    int all_means_every)
{
	int found = 0;

	memset(want, 0, reg->n);
	if (o->profile != NULL) {
		for (size_t i = 0; i < reg->n; i++)
			if (ck_registry_in_profile(reg, i, o->profile))
				want[i] = 1, found = 1;
		if (!found) {
			ck_warnx("no service belongs to profile '%s' (see profiles = in %s)", o->profile,
			    reg->path);
			return SX_UNKNOWN;
		}
		return 0;
	}
	if (o->all || o->nnames == 0) {
		for (size_t i = 0; i < reg->n; i++)
			want[i] = all_means_every || !reg->svc[i].manual;
		return 0;
	}
	for (size_t k = 0; k < o->nnames; k++) {
		int i = ck_registry_find(reg, o->names[k]);
		if (i < 0) {
			ck_warnx("unknown service '%s'; svcctl --list-services shows the names in %s",
			    o->names[k], reg->path);
			return SX_UNKNOWN;
		}
		want[i] = 1;
	}
	return 0;
}

/* s as a JSON string on f: the one escaper, ck_json_quote (valid UTF-8
 * always, every other byte escaped). */
void
svcctl_json_str(FILE *f, const char *s)
{
	char *q = ck_json_quote(s, strlen(s));

	fputs(q != NULL ? q : "\"\"", f);
	free(q);
}

/*
 * service-control's lines: "Performing start operation on service X...",
 * "Successfully started service X", and on failure "Error executing start
 * on service X. Details {...}" (JSON-ish, one line), then the log tail
 * for a human.
 */
void
svcctl_progress(void *u, enum ck_sup_event ev, const struct ck_service *s, const char *detail)
{
	const struct svcctl_progress_ctx *pc = u;
	const char *verb = pc ? pc->verb : "start";
	int already = pc != NULL && pc->was_running != NULL && pc->was_running[s - pc->svc];

	switch (ev) {
	case CK_EV_BEGIN:
		if (!already)
			printf("Performing %s operation on service %s...\n", verb, s->name);
		break;
	case CK_EV_DONE:
		if (already) {
			printf("Service %s is already running\n", s->name);
			break;
		}
		printf("Successfully %s service %s\n", strcmp(verb, "start") == 0 ? "started" : "stopped",
		    s->name);
		break;
	case CK_EV_WARN:
		fflush(stdout);
		ck_warnx("warning: %s", detail);
		break;
	case CK_EV_FAIL:
	case CK_EV_SKIP: {
		const char *nl = detail ? strchr(detail, '\n') : NULL;
		char *first = detail ? strndup(detail, nl ? (size_t)(nl - detail) : strlen(detail)) : NULL;
		fflush(stdout);
		fprintf(stderr, "Error executing %s on service %s. Details {\"detail\": [{\"id\": "
		    "\"svcctl.%s.%s\", \"args\": [", verb, s->name, verb,
		    ev == CK_EV_SKIP ? "skipped" : "failed");
		svcctl_json_str(stderr, s->name);
		fprintf(stderr, "], \"localized\": ");
		svcctl_json_str(stderr, first ? first : "");
		fprintf(stderr, "}], \"componentKey\": null, \"problemId\": null, \"resolution\": null}\n");
		/* the log tail, readable */
		for (const char *p = nl; p != NULL && p[1] != '\0'; p = strchr(p + 1, '\n')) {
			const char *e = strchr(p + 1, '\n');
			fprintf(stderr, "    | %.*s\n", (int)(e ? e - p - 1 : (long)strlen(p + 1)), p + 1);
		}
		free(first);
		break;
	}
	}
	fflush(stdout);
}

void
svcctl_failed(const char *msg)
{
	char *first = strndup(msg, strcspn(msg, "\n"));

	fflush(stdout);
	fprintf(stderr, "Service-control failed. Error: {\"detail\": [{\"id\": \"svcctl.failed\", "
	    "\"localized\": ");
	svcctl_json_str(stderr, first ? first : msg);
	fprintf(stderr, "}], \"componentKey\": null, \"problemId\": null, \"resolution\": null}\n");
	free(first);
}
