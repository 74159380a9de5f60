/*
 * registry_deps.c: the checks that need the whole registry, run after
 * every key is read: unique names and aliases, dependencies resolved to
 * indexes, and the dependency order (an iterative depth-first sort, so a
 * chain of thousands of services needs no C stack).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "registry.h"
#include "registry_int.h"
#include "util.h"

/* Aliases and names must be unique (case-insensitively) over the file. */
int
ck_reg_check_names(struct pctx *c)
{
	struct ck_registry *reg = c->reg;

	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		for (size_t a = 0; a < s->naliases; a++) {
			int line = c->info[i].keyline[K_ALIASES];
			for (size_t j = 0; j < reg->n; j++) {
				struct ck_service *o = &reg->svc[j];
				if (ck_strcaseeq(o->name, s->aliases[a]))
					return ck_errf(CK_E_CONFIG, "%s:%d: alias '%s' of service %s is the name "
					    "of service %s (line %d)", c->name, line, s->aliases[a], s->name,
					    o->name, o->line);
				for (size_t b = 0; b < o->naliases; b++) {
					if (j == i && b == a)
						continue;
					if ((j < i || (j == i && b < a)) && ck_strcaseeq(o->aliases[b], s->aliases[a]))
						return ck_errf(CK_E_CONFIG, "%s:%d: duplicate alias '%s': service %s "
						    "already uses it (line %d)", c->name, line, s->aliases[a],
						    o->name, c->info[j].keyline[K_ALIASES]);
				}
			}
		}
	}
	return 0;
}

/* What systemctl takes as a unit: a name with a type suffix, no path. */
static int
unit_name_ok(const char *u)
{
	static const char *const types[] = { ".service", ".socket", ".target", ".mount",
	    ".timer", ".path", ".scope", ".slice", ".device", ".swap", ".automount" };
	size_t n = strlen(u);

	if (n == 0 || n > 255 || u[0] == '-' || u[0] == '.')
		return 0;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == 0x7f)
			return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i]);
		if (n > k && strcmp(u + n - k, types[i]) == 0)
			return 1;
	}
	return 0;
}

int
ck_reg_resolve_deps(struct pctx *c)
{
	struct ck_registry *reg = c->reg;

	for (size_t i = 0; i < reg->n; i++) {
		struct ck_service *s = &reg->svc[i];
		int line = c->info[i].keyline[K_REQUIRES];
		/* the systemd backend runs the unit, not a command */
		if (s->start == NULL && reg->backend != CK_BACKEND_SYSTEMD)
			return ck_errf(CK_E_CONFIG, "%s:%d: service %s has no start command "
			    "(add start = COMMAND, or drive units with backend = systemd)",
			    c->name, s->line, s->name);
		if (reg->backend == CK_BACKEND_SYSTEMD && s->unit != NULL &&
		    !unit_name_ok(s->unit))
			return ck_errf(CK_E_CONFIG, "%s:%d: service %s: unit '%s' is not a systemd "
			    "unit name (NAME.service, .socket, .target...: no '/', spaces or "
			    "control characters)", c->name, c->info[i].keyline[K_UNIT], s->name,
			    s->unit);
		if (s->ndeps == 0)
			continue;
		if ((s->dep_idx = calloc(s->ndeps, sizeof(int))) == NULL)
			return ck_errf(CK_E_NOMEM, "registry: out of memory");
		for (size_t d = 0; d < s->ndeps; d++) {
			int j = ck_registry_find(reg, s->deps[d]);
			if (j < 0)
				return ck_errf(CK_E_CONFIG, "%s:%d: service %s requires unknown service '%s'",
				    c->name, line, s->name, s->deps[d]);
			if ((size_t)j == i)
				return ck_errf(CK_E_CYCLE, "%s:%d: service %s requires itself",
				    c->name, line, s->name);
			for (size_t e = 0; e < d; e++)
				if (s->dep_idx[e] == j)
					return ck_errf(CK_E_CONFIG, "%s:%d: service %s lists '%s' twice in requires",
					    c->name, line, s->name, s->deps[d]);
			s->dep_idx[d] = j;
		}
	}
	return 0;
}

/* The cycle closed by an edge to service i, from stack[k] (where i is) up. */
static int
cycle_error(struct pctx *c, const int *stack, int depth, int i)
{
	struct ck_registry *reg = c->reg;
	char path[1024] = "";
	int k = depth - 1;

	while (k > 0 && stack[k] != i)
		k--;
	for (; k < depth; k++) {
		strncat(path, reg->svc[stack[k]].name, sizeof(path) - strlen(path) - 1);
		strncat(path, " -> ", sizeof(path) - strlen(path) - 1);
	}
	strncat(path, reg->svc[i].name, sizeof(path) - strlen(path) - 1);
	return ck_errf(CK_E_CYCLE, "%s:%d: dependency cycle: %s", c->name,
	    c->info[stack[depth - 1]].keyline[K_REQUIRES], path);
}

/*
 * Depth-first topological sort from root, iterative: stack[] holds the
 * path (at most every service once), next[] the next dependency to visit
 * at each level, so a chain of any length needs no C stack.  mark: 0 new,
 * 1 on the path, 2 done.  A back edge is a cycle; the error shows it from
 * the service whose requires line closes it.
 */
static int
visit(struct pctx *c, int root, int *mark, int *stack, size_t *next, size_t *no)
{
	struct ck_registry *reg = c->reg;
	int depth = 1;

	if (mark[root] == 2)
		return 0;
	mark[root] = 1;
	stack[0] = root;
	next[0] = 0;
	while (depth > 0) {
		int i = stack[depth - 1], d;
		const struct ck_service *s = &reg->svc[i];

		if (next[depth - 1] == s->ndeps) {
			mark[i] = 2;
			reg->order[(*no)++] = i;
			depth--;
			continue;
		}
		d = s->dep_idx[next[depth - 1]++];
		if (mark[d] == 2)
			continue;
		if (mark[d] == 1)
			return cycle_error(c, stack, depth, d);
		mark[d] = 1;
		stack[depth] = d;
		next[depth++] = 0;
	}
	return 0;
}

int
ck_reg_sort_deps(struct pctx *c)
{
	struct ck_registry *reg = c->reg;
	int *mark = NULL, *stack = NULL, r = 0;
	size_t no = 0, *next = NULL;

	if (reg->n == 0)
		return 0;
	mark = calloc(reg->n, sizeof(int));
	stack = calloc(reg->n + 1, sizeof(int));
	next = calloc(reg->n + 1, sizeof(size_t));
	reg->order = calloc(reg->n, sizeof(int));
	if (mark == NULL || stack == NULL || next == NULL || reg->order == NULL) {
		r = ck_errf(CK_E_NOMEM, "registry: out of memory");
		goto out;
	}
	for (size_t i = 0; i < reg->n; i++)
		if ((r = visit(c, (int)i, mark, stack, next, &no)) != 0)
			goto out;
out:
	free(next);
	free(stack);
	free(mark);
	return r;
}
