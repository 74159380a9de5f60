/*
 * registry.h: the service registry (services.conf(5)).
 *
 * One INI file, parsed with lib/inifile: an optional [registry] section
 * (backend, settle, poll) and one [service NAME] section per service.
 * ck_registry_load() validates the whole file before anything acts on it:
 * unknown or duplicate keys, a service without a start command, a name or
 * alias used twice, a dependency on an unknown service, a dependency
 * cycle and malformed values are CK_E_CONFIG (CK_E_CYCLE for a cycle) with
 * a detail that names the file and the line.  ck_registry_load() reads
 * only a regular file and, when the caller is root, only one owned by root
 * and not writable by group or others (CK_E_ACCESS): its commands run as
 * root.
 */
#ifndef CK_REGISTRY_H
#define CK_REGISTRY_H

#include <stddef.h>

enum ck_probe_kind {
	CK_PROBE_PID = 0,	/* ready while the process is alive */
	CK_PROBE_TCP,		/* a TCP connect to host:port succeeds */
	CK_PROBE_TLS,		/* a TLS handshake with host:port succeeds */
	CK_PROBE_CMD,		/* "sh -c CMD" exits 0 */
	CK_PROBE_FILE,		/* the file exists */
};

/* How svcctl --replace-cert restarts services (svcctl(8) RESTART POLICY). */
enum ck_swap_policy {
	CK_POLICY_VMWARE = 0,	/* stop all, start core, swap, start all */
	CK_POLICY_MINIMAL,	/* swap, reload or restart what uses the entry */
};

enum ck_backend_kind {
	CK_BACKEND_BUILTIN = 0,	/* our own detached supervisor */
	CK_BACKEND_SYSTEMD,	/* units driven through systemctl(1) */
};

struct ck_service {
	char *name;		/* canonical name */
	char *display;		/* display name (defaults to name) */
	char **aliases;		/* other accepted names */
	size_t naliases;
	char *start;		/* sh -c command that runs the service */
	char *stop;		/* optional sh -c stop command */
	char *dir;		/* working directory, NULL = run directory */
	enum ck_probe_kind probe;
	char *probe_host;	/* tcp/tls probe host ("127.0.0.1") */
	int probe_port;
	char *probe_arg;	/* cmd or file probe argument */
	long start_timeout_ms;
	long stop_timeout_ms;
	char **deps;		/* names of required services (canonical) */
	size_t ndeps;
	int *dep_idx;		/* indexes of deps in the registry */
	int core;		/* core certificate service */
	int manual;		/* startup type manual: --all skips it */
	char *user;		/* run as this user (root only) */
	char **profiles;	/* vMon profiles the service belongs to */
	size_t nprofiles;
	char *tls_host;		/* endpoint serving the machine certificate */
	int tls_port;
	char *unit;		/* systemd unit, default NAME.service */
	char **env;		/* environment = NAME=VALUE ... (each malloc'ed) */
	size_t nenv;
	char **pass_env;	/* pass_environment = NAME ...: taken from svcctl's */
	size_t npass_env;
	char **uses;		/* uses = STORE[/ALIAS] ...: store entries it reads */
	size_t nuses;
	char *reload;		/* reload = COMMAND (sh -c, as the service's user) */
	int reload_signal;	/* reload = signal:NAME: the signal, else 0 */
	int restart_with_requires; /* restarted when a service it requires is */
	int line;		/* line of the [service NAME] header */
};

struct ck_registry {
	char *path;
	enum ck_backend_kind backend;
	long settle_ms;		/* a ready service must stay up this long */
	long poll_ms;		/* readiness poll interval */
	enum ck_swap_policy swap_policy; /* --replace-cert default */
	struct ck_service *svc;
	size_t n;
	int *order;		/* indexes in dependency order (deps first) */
};

#define CK_REG_DEFAULT_START_TIMEOUT_MS 60000
#define CK_REG_DEFAULT_STOP_TIMEOUT_MS 10000
#define CK_REG_DEFAULT_SETTLE_MS 300
#define CK_REG_DEFAULT_POLL_MS 25

/* Load and validate path. */
int ck_registry_load(const char *path, struct ck_registry **out);
/* The same from a buffer (tests); name is used in messages. */
int ck_registry_parse(const char *name, const char *buf, size_t len, struct ck_registry **out);
void ck_registry_free(struct ck_registry *reg);

/* Index of the service called name (canonical name or alias, exact match
 * first, then ASCII case-insensitive), or CK_E_NOENT. */
int ck_registry_find(const struct ck_registry *reg, const char *name);
/* 1 if service i belongs to profile (case-insensitive).  The profile "ALL"
 * holds every automatic service. */
int ck_registry_in_profile(const struct ck_registry *reg, size_t i, const char *profile);
/*
 * 1 if service i uses the store entry STORE/ALIAS: its uses = names the
 * store (any alias) or STORE/ALIAS (store names ASCII case-insensitive,
 * aliases exact); or the entry is MACHINE_SSL_CERT/__MACHINE_CERT and the
 * service serves TLS (a tls_endpoint, or a tls: probe when it has no
 * uses =).  1 if it can reload (reload =).
 */
int ck_registry_uses(const struct ck_registry *reg, size_t i, const char *store, const char *alias);
int ck_registry_can_reload(const struct ck_registry *reg, size_t i);

/*
 * Parse a duration: "250ms", "5s", "2m" or a bare number of seconds
 * ("1.5" allowed).  Result in milliseconds.
 */
int ck_parse_duration(const char *s, long *ms);

/* "vmware" or "minimal" <-> enum ck_swap_policy; CK_E_INVAL for others. */
int ck_swap_policy_parse(const char *s, enum ck_swap_policy *p);
const char *ck_swap_policy_name(enum ck_swap_policy p);

#endif
