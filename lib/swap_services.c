/*
 * swap_services.c: how a certificate swap restarts services, by restart
 * policy (svcctl(8) RESTART POLICY).  vmware: every service stopped, the
 * core ones started, every automatic one started (ck_swap_services).
 * minimal: which services use the swapped entry, and bringing exactly
 * those onto the new files: reload what can reload, restart what cannot
 * (ck_swap_refresh, lib/swap.c's "reload" and "rollback-reload" phases,
 * between publish and verify).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "paths.h"
#include "store.h"
#include "supervisor.h"
#include "swap.h"
#include "swap_int.h"

void
ck_swap_svc_progress(void *u, enum ck_sup_event ev, const struct ck_service *s, const char *detail)
{
	struct ck_swap_svc_note *sn = u;

	if (ev == CK_EV_FAIL || ev == CK_EV_SKIP)
		ck_swap_note(sn->fn, sn->u, CK_NOTE_FAIL, "%s", detail ? detail : s->name);
	else if (ev == CK_EV_WARN)
		ck_swap_note(sn->fn, sn->u, CK_NOTE_WARN, "%s", detail ? detail : s->name);
}

int
ck_swap_services(struct ck_registry *reg, int start, int which, ck_swap_notify fn, void *u)
{
	struct ck_sup *sup = NULL;
	unsigned char *want = calloc(reg->n ? reg->n : 1, 1);
	struct ck_swap_svc_note sn = { fn, u };
	int r;

	if (want == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < reg->n; i++)
		want[i] = which == 0 || (which == 1 && reg->svc[i].core) ||
		    (which == 2 && !reg->svc[i].manual);
	if ((r = ck_sup_open(reg, &sup)) != 0)
		goto out;
	ck_sup_set_progress(sup, ck_swap_svc_progress, &sn);
	r = start ? ck_sup_start(sup, want, 0) : ck_sup_stop(sup, want, 0);
out:
	ck_sup_close(sup);
	free(want);
	return r;
}

/* use[i]: service i uses the entry (or, with roots, the trusted roots). */
static void
users(const struct ck_registry *reg, const char *store, const char *alias, int roots,
    unsigned char *use)
{
	for (size_t i = 0; i < reg->n; i++)
		use[i] = (unsigned char)(ck_registry_uses(reg, i, store, alias) ||
		    (roots && ck_registry_uses(reg, i, CK_STORE_TRUSTED_ROOTS, "")));
}

/* " a b c" of the services with set[i], in dependency order; " (none)". */
static void
names(const struct ck_registry *reg, const unsigned char *set, char *buf, size_t sz)
{
	size_t l = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < reg->n && l + 1 < sz; k++) {
		size_t i = (size_t)reg->order[k];
		if (set[i])
			l += (size_t)snprintf(buf + l, sz - l, " %s", reg->svc[i].name);
	}
	if (buf[0] == '\0')
		snprintf(buf, sz, " (none)");
}

/* Add to restart[] the running restart_with_requires dependents of what
 * it holds, transitively (the order puts requirements first). */
static void
dependents(const struct ck_registry *reg, const unsigned char *alive, unsigned char *restart)
{
	for (size_t k = 0; k < reg->n; k++) {
		size_t i = (size_t)reg->order[k];
		const struct ck_service *s = &reg->svc[i];

		if (restart[i] || !s->restart_with_requires || !alive[i])
			continue;
		for (size_t d = 0; d < s->ndeps; d++)
			if (restart[s->dep_idx[d]])
				restart[i] = 1;
	}
}

void
ck_swap_plan_minimal(const struct ck_swap *sw, const struct ck_registry *reg)
{
	unsigned char *use = calloc(reg->n ? reg->n : 1, 4), *rel, *rst, *left;
	char a[1024], b[1024], c[1024], what[1024];
	int ssl = ck_swap_is_machine_cert(sw->store, sw->alias);

	if (use == NULL)
		return;
	rel = use + reg->n;
	rst = rel + reg->n;
	left = rst + reg->n;
	users(reg, sw->store, sw->alias, sw->root_pem != NULL, use);
	for (size_t i = 0; i < reg->n; i++) {
		rel[i] = use[i] && ck_registry_can_reload(reg, i);
		rst[i] = use[i] && !rel[i];
		left[i] = 1;	/* (every service counts as running here) */
	}
	dependents(reg, left, rst);
	for (size_t i = 0; i < reg->n; i++)
		left[i] = !rel[i] && !rst[i];
	names(reg, rel, a, sizeof(a));
	names(reg, rst, b, sizeof(b));
	names(reg, left, c, sizeof(c));
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan: restart policy minimal: only the "
	    "services that use %s/%s are reloaded or restarted", sw->store, sw->alias);
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 1. journal in %s", ck_path(CK_PATH_JOURNAL));
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 2. replace %s/%s %s -> %s, the old entry "
	    "to %s%s", sw->store, sw->alias, sw->old_sha1, sw->new_sha1, CK_STORE_BACKUP,
	    sw->root_pem ? ", and add --root-cert to TRUSTED_ROOTS" : "");
	if (ck_swap_publish_phrase(ssl, sw->root_pem != NULL, what, sizeof(what)))
		ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 3. publish %s", what);
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 4. reload:%s", a);
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan:    restart (they cannot reload, or "
	    "follow one that restarts):%s", b);
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan:    leave as they are:%s", c);
	ck_swap_note(sw->notify, sw->u, CK_NOTE_INFO, "plan: 5. verify every tls_endpoint serves "
	    "the new certificate; on failure roll back the same way");
	free(use);
}

/* Reload rel[]; with rollback, move a failed one to restart[]. */
static int
reload(struct ck_sup *sup, const struct ck_registry *reg, unsigned char *rel,
    unsigned char *restart, int rollback, ck_swap_notify fn, void *u)
{
	char list[1024];
	int r;

	names(reg, rel, list, sizeof(list));
	ck_swap_note(fn, u, CK_NOTE_INFO, "reloading:%s", list);
	if ((r = ck_sup_reload(sup, rel)) == 0 || !rollback)
		return r;
	for (size_t i = 0; i < reg->n; i++) {
		const char *msg;
		if (rel[i] && ck_sup_result(sup, i, &msg) != 0) {
			ck_swap_note(fn, u, CK_NOTE_WARN, "warning: %s; restarting it instead", msg);
			restart[i] = 1;
		}
	}
	ck_err_clear();
	return 0;
}

int
ck_swap_refresh(struct ck_registry *reg, const char *store, const char *alias, int roots,
    int rollback, ck_swap_notify fn, void *u)
{
	struct ck_sup *sup = NULL;
	struct ck_swap_svc_note sn = { fn, u };
	unsigned char *use = calloc(reg->n ? reg->n : 1, 5), *alive, *rel, *restart, *start;
	char list[1024];
	int r, any_rel = 0, any_restart = 0;

	if (use == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	alive = use + reg->n;
	rel = alive + reg->n;
	restart = rel + reg->n;
	start = restart + reg->n;
	users(reg, store, alias, roots, use);
	if ((r = ck_sup_open(reg, &sup)) != 0)
		goto out;
	ck_sup_set_progress(sup, ck_swap_svc_progress, &sn);
	for (size_t i = 0; i < reg->n; i++) {
		/* up is enough (no probe): a reload or a restart is what follows */
		alive[i] = (use[i] || reg->svc[i].restart_with_requires) && ck_sup_alive(sup, i);
		rel[i] = use[i] && alive[i] && ck_registry_can_reload(reg, i);
		restart[i] = use[i] && !rel[i] && (alive[i] || !reg->svc[i].manual);
		any_rel |= rel[i];
	}
	if (any_rel && (r = reload(sup, reg, rel, restart, rollback, fn, u)) != 0)
		goto out;
	dependents(reg, alive, restart);
	for (size_t i = 0; i < reg->n; i++) {
		start[i] = restart[i] && (alive[i] || !reg->svc[i].manual);
		any_restart |= restart[i];
	}
	if (any_restart) {
		names(reg, restart, list, sizeof(list));
		ck_swap_note(fn, u, CK_NOTE_INFO, "restarting:%s", list);
		if ((r = ck_sup_stop(sup, restart, 0)) != 0 || (r = ck_sup_start(sup, start, 0)) != 0)
			goto out;
	}
	if (!any_rel && !any_restart)
		ck_swap_note(fn, u, CK_NOTE_INFO, "no running service uses %s/%s: nothing to reload "
		    "or restart", store, alias);
	r = 0;
out:
	ck_sup_close(sup);
	free(use);
	return r;
}

void
ck_swap_set_policy(struct ck_swap *sw, enum ck_swap_policy p)
{
	sw->policy = p;
	sw->policy_set = 1;
}

enum ck_swap_policy
ck_swap_get_policy(const struct ck_swap *sw, const struct ck_registry *reg)
{
	return sw->policy_set ? sw->policy : reg->swap_policy;
}
