/* paths.c: compiled-in defaults, relocated under $CERTKIT_ROOT. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "paths.h"

#ifndef CK_LOCALSTATEDIR
#define CK_LOCALSTATEDIR "/var"
#endif
#ifndef CK_SYSCONFDIR
#define CK_SYSCONFDIR "/etc"
#endif
#ifndef CK_RUNSTATEDIR
#define CK_RUNSTATEDIR "/run"
#endif
#ifndef CK_DATADIR
#define CK_DATADIR "/usr/share/certkit"
#endif

static char *cache[CK_PATH_MAX];

void
ck_paths_reset(void)
{
	for (int i = 0; i < CK_PATH_MAX; i++) {
		free(cache[i]);
		cache[i] = NULL;
	}
}

static char *
cat2(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	/* join with exactly one slash */
	if (la > 0 && a[la - 1] == '/' && lb > 0 && b[0] == '/')
		b++, lb--;
	else if (la > 0 && a[la - 1] != '/' && lb > 0 && b[0] != '/')
		s[la++] = '/';
	memcpy(s + la, b, lb + 1);
	return s;
}

static const char *
envdir(const char *name)
{
	const char *v = getenv(name);
	return (v != NULL && *v != '\0') ? v : NULL;
}

/* A compiled-in absolute path, moved under the sandbox root if one is set. */
static char *
rooted(const char *p)
{
	const char *root = envdir("CERTKIT_ROOT");
	return root ? cat2(root, p) : strdup(p);
}

const char *
ck_path(enum ck_path_id id)
{
	const char *e;

	if (id < 0 || id >= CK_PATH_MAX)
		return NULL;
	if (cache[id] != NULL)
		return cache[id];
	switch (id) {
	case CK_PATH_ROOT:
		e = envdir("CERTKIT_ROOT");
		cache[id] = strdup(e ? e : "");
		break;
	case CK_PATH_STATE:
		cache[id] = rooted(CK_LOCALSTATEDIR "/lib/certkit");
		break;
	case CK_PATH_VMCA:
		e = envdir("VMCA_DATA_DIR");
		cache[id] = e ? strdup(e) : cat2(ck_path(CK_PATH_STATE), "vmca");
		break;
	case CK_PATH_VECS:
		e = envdir("CERTKIT_VECS_DIR");
		cache[id] = e ? strdup(e) : cat2(ck_path(CK_PATH_STATE), "vecs");
		break;
	case CK_PATH_RUN:
		/* configure's runstatedir (/run on Debian: dh passes it), so
		 * pidfiles and locks are gone at boot without a symlink */
		cache[id] = rooted(CK_RUNSTATEDIR "/certkit");
		break;
	case CK_PATH_JOURNAL:
		cache[id] = cat2(ck_path(CK_PATH_STATE), "journal");
		break;
	case CK_PATH_LOG:
		cache[id] = rooted(CK_LOCALSTATEDIR "/log/certkit");
		break;
	case CK_PATH_CONF:
		cache[id] = rooted(CK_SYSCONFDIR "/certkit");
		break;
	case CK_PATH_REGISTRY:
		e = envdir("CERTKIT_REGISTRY");
		cache[id] = e ? strdup(e) : cat2(ck_path(CK_PATH_CONF), "services.conf");
		break;
	case CK_PATH_CAPATH:
		e = envdir("CERTKIT_CAPATH");
		cache[id] = e ? strdup(e) : cat2(ck_path(CK_PATH_CONF), "trusted");
		break;
	case CK_PATH_MACHINE_SSL:
		e = envdir("CERTKIT_MACHINE_SSL_DIR");
		cache[id] = e ? strdup(e) : cat2(ck_path(CK_PATH_CONF), "machine-ssl");
		break;
	case CK_PATH_AUDIT:
		/* with the state it describes, where the log directory's
		 * logrotate snippet cannot rotate it away */
		e = envdir("CERTKIT_AUDIT_LOG");
		cache[id] = e ? strdup(e) : cat2(ck_path(CK_PATH_STATE), "log/audit.log");
		break;
	case CK_PATH_DATA:
		cache[id] = strdup(CK_DATADIR);
		break;
	default:
		return NULL;
	}
	return cache[id];
}

char *
ck_path_join(enum ck_path_id id, const char *name)
{
	const char *d = ck_path(id);
	return d ? cat2(d, name) : NULL;
}

int
ck_node_fqdn(char **out)
{
	const char *e = getenv("CERTKIT_FQDN");
	char host[256];
	struct addrinfo hints, *res = NULL;

	*out = NULL;
	if (e != NULL && *e != '\0') {
		*out = strdup(e);
		return *out ? 0 : CK_E_NOMEM;
	}
	if (gethostname(host, sizeof(host)) != 0)
		return ck_errf(CK_E_IO, "gethostname: %s", strerror(errno));
	host[sizeof(host) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (strchr(host, '.') == NULL && getaddrinfo(host, NULL, &hints, &res) == 0 &&
	    res != NULL && res->ai_canonname != NULL)
		*out = strdup(res->ai_canonname);
	else
		*out = strdup(host);
	if (res != NULL)
		freeaddrinfo(res);
	return *out ? 0 : CK_E_NOMEM;
}
