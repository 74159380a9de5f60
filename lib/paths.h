/*
 * paths.h: the one place that decides where state and configuration live.
 *
 * Compiled-in defaults come from configure (localstatedir, sysconfdir,
 * runstatedir).
 * CERTKIT_ROOT=<dir> relocates every path of all three tools under <dir>
 * (a whole appliance can live in a directory).  VMCA_DATA_DIR overrides
 * the VMCA directory alone; CERTKIT_VECS_DIR the store directory alone;
 * CERTKIT_REGISTRY the service registry file alone; CERTKIT_CAPATH and
 * CERTKIT_MACHINE_SSL_DIR the directories vecs publishes into;
 * CERTKIT_FQDN the node's name; CERTKIT_AUDIT_LOG the audit file.
 */
#ifndef CK_PATHS_H
#define CK_PATHS_H

enum ck_path_id {
	CK_PATH_ROOT,		/* sandbox root ("" when not relocated) */
	CK_PATH_STATE,		/* <localstatedir>/lib/certkit */
	CK_PATH_VMCA,		/* <state>/vmca, or $VMCA_DATA_DIR */
	CK_PATH_VECS,		/* <state>/vecs, or $CERTKIT_VECS_DIR */
	CK_PATH_RUN,		/* <runstatedir>/certkit: pidfiles, locks */
	CK_PATH_JOURNAL,	/* <state>/journal: svcctl swap journal */
	CK_PATH_LOG,		/* <localstatedir>/log/certkit */
	CK_PATH_CONF,		/* <sysconfdir>/certkit */
	CK_PATH_REGISTRY,	/* <conf>/services.conf, or $CERTKIT_REGISTRY */
	CK_PATH_CAPATH,		/* <conf>/trusted (hash-named roots, CRLs), or $CERTKIT_CAPATH */
	CK_PATH_MACHINE_SSL,	/* <conf>/machine-ssl, or $CERTKIT_MACHINE_SSL_DIR */
	CK_PATH_DATA,		/* <datadir>/certkit: shipped sample configs */
	CK_PATH_AUDIT,		/* <state>/log/audit.log, or $CERTKIT_AUDIT_LOG */
	CK_PATH_MAX
};

/* The path for id; the string lives until ck_paths_reset() or exit. */
const char *ck_path(enum ck_path_id id);
/* Forget cached paths (tests change the environment between cases). */
void ck_paths_reset(void);
/* malloc'ed "<ck_path(id)>/<name>". */
char *ck_path_join(enum ck_path_id id, const char *name);
/* The node's FQDN (the name its machine certificate must hold):
 * $CERTKIT_FQDN, else gethostname() canonicalised through the resolver
 * when it has no dot.  malloc'ed. */
int ck_node_fqdn(char **out);

#endif
