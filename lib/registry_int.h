/*
 * registry_int.h: what the files of the registry parser share, private to
 * them: lib/registry.c (the file, the section pre-scan, the parse driver,
 * lookups), lib/registry_keys.c (the keys and their values) and
 * lib/registry_deps.c (checks over the whole file: names, dependencies,
 * their order).  Nothing else includes this header.
 */
#ifndef CK_REGISTRY_INT_H
#define CK_REGISTRY_INT_H

#include <stddef.h>

#include "registry.h"

enum skey {
	K_DISPLAY, K_ALIASES, K_START, K_STOP, K_PROBE, K_START_TIMEOUT,
	K_STOP_TIMEOUT, K_REQUIRES, K_CORE, K_STARTUP, K_USER, K_PROFILES,
	K_TLS, K_UNIT, K_DIR, K_ENV, K_PASS_ENV, K_USES, K_RELOAD,
	K_RESTART_WITH, K_NKEYS
};

/* Per-service parse bookkeeping, parallel to reg->svc. */
struct sinfo {
	int keyline[K_NKEYS];	/* 0 = key not seen */
};

struct pctx {
	const char *name;	/* file name for messages */
	struct ck_registry *reg;
	struct sinfo *info;
	size_t cap;
	int regline[4];		/* [registry] keys: backend settle poll swap_policy */
	int cur;		/* index of the service being filled, -1 */
	int in_registry;
};

/* registry_keys.c: one key of [service NAME] or [registry] (inih handler) */
int ck_reg_handler(void *user, const char *section, const char *key, const char *value,
    int lineno);
/* "service NAME" -> NAME (pointer into section), or NULL. */
const char *ck_reg_service_section(const char *section);
/* A service name, alias, profile: letters, digits, "-_.@", at most 64. */
int ck_reg_valid_name(const char *s);
/* Free n malloc'ed words and their array. */
void ck_reg_free_words(char **w, size_t n);
/* *dst = strdup(v), the old value freed; CK_E_NOMEM with a message. */
int ck_reg_set_str(char **dst, const char *v);

/* registry_deps.c: every service has a start command and known, distinct
 * dependencies; names and aliases are unique; reg->order is a
 * dependency order (CK_E_CYCLE names the cycle). */
int ck_reg_resolve_deps(struct pctx *c);
int ck_reg_check_names(struct pctx *c);
int ck_reg_sort_deps(struct pctx *c);

#endif
