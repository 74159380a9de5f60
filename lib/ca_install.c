/*
 * ca_install.c: installing the VMCA's signing pair, crash-atomically.
 *
 * root.cer and privatekey.pem must always match: a VMCA whose key is not
 * the key of its certificate signs nothing.  Two renames cannot be made
 * atomic together, so an install is a small journal:
 *
 *   1. the new pair is written to a fresh directory .install.XXXXXX
 *      (mkdtemp: a name nobody can guess or pre-create), both files
 *      synced, and that directory renamed to install.new: the commit
 *      point.  A failure or crash before it changes nothing, not even
 *      the backups; the stray directory is removed by the next install.
 *   2. the backups are rotated as pairs (root.cer.N and privatekey.pem.N
 *      move together, see rotate_pair), then install.new/rotated marks
 *      the rotation done;
 *   3. privatekey.pem and root.cer are renamed from install.new into
 *      place, and install.new is removed.
 *
 * Every step after the commit point can be repeated after a crash, so
 * whoever opens the VMCA next (ck_ca_open, under install.lock) finishes
 * the install: the pair on disk is the old one or the new one, never a
 * mix, and so are its backups.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ca_priv.h"
#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"
#include "testhook.h"
#include "util.h"

#define NEW_DIR "install.new"
#define ROTATED "rotated"
#define TMP_PREFIX ".install."

/* A path in a PATH_BUF buffer; ca dirs are checked to be short enough
 * (see dir_ok), so it is never truncated. */
#define PATH_BUF 4096
static void pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, PATH_BUF, fmt, ap);
	va_end(ap);
}

static int
dir_ok(const struct ck_ca *ca)
{
	if (strlen(ca->dir) > PATH_BUF - 64)
		return ck_errf(CK_E_TOOLONG, "%.64s...: the VMCA directory name is too long",
		    ca->dir);
	return 0;
}

int
ca_lock(struct ck_ca *ca, const char *name, int *fd)
{
	char *path;
	int r = 0;

	*fd = -1;
	if ((r = ck_mkdir_p(ca->dir, 0700)) != 0)
		return r;
	if ((path = ca_join(ca, name)) == NULL)
		return CK_E_NOMEM;
	r = ck_lock_file(path, 0, fd);
	free(path);
	return r;
}

static int
sync_dir(const char *dir)
{
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) != 0)
		r = ck_errf(ck_errno(errno), "fsync %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

static int
exists_at(const char *dir, const char *name, int i)
{
	char p[PATH_BUF];

	if (i < 0)
		pathf(p, "%s/%s", dir, name);
	else
		pathf(p, "%s/%s.%d", dir, name, i);
	return ck_file_exists(p);
}

/* rename dir/name.i to dir/name.j (j < 0: remove it); a missing source is fine. */
static int
move_backup(const char *dir, const char *name, int i, int j)
{
	char from[PATH_BUF], to[PATH_BUF];

	pathf(from, "%s/%s.%d", dir, name, i);
	if (j < 0)
		return ck_file_remove(from);
	pathf(to, "%s/%s.%d", dir, name, j);
	if (rename(from, to) != 0 && errno != ENOENT)
		return ck_errf(ck_errno(errno), "rename %s %s: %s", from, to, strerror(errno));
	return 0;
}

/* dir/name -> dir/name.0 as a hard link (or a copy, keeping the mode). */
static int
backup_current(const char *dir, const char *name)
{
	char cur[PATH_BUF], to[PATH_BUF];
	char *buf = NULL;
	size_t len;
	struct stat st;
	int r = 0;

	pathf(cur, "%s/%s", dir, name);
	pathf(to, "%s.0", cur);
	if (!ck_file_exists(cur) || ck_file_exists(to) || link(cur, to) == 0)
		return 0;
	if (lstat(cur, &st) != 0)
		return ck_errf(ck_errno(errno), "backup %s: %s", cur, strerror(errno));
	if ((r = ck_file_read(cur, CK_PEM_MAX, &buf, &len, 1)) == 0)
		r = ck_file_write(to, buf, len, st.st_mode & 0777, 0);
	if (buf != NULL)
		ck_secfree(buf);
	return r;
}

/*
 * Make room at .0 and back the current pair up there, moving the two
 * files of a pair together.  Repeatable after a crash at any point: the
 * shift runs below the lowest slot g that does not hold a whole pair (a
 * crash leaves its one half-moved pair there, finished first), so pairs
 * already moved are not moved again; a full set drops the oldest pair.
 */
static int
rotate_pair(const char *dir)
{
	static const char *const names[2] = { KEY_FILE, ROOT_FILE };
	int g, r;

	for (g = 0; g < CK_CA_MAX_BACKUPS; g++)
		if (!exists_at(dir, names[0], g) || !exists_at(dir, names[1], g))
			break;
	if (g == CK_CA_MAX_BACKUPS) {
		g = CK_CA_MAX_BACKUPS - 1;
		for (int k = 0; k < 2; k++)
			if ((r = move_backup(dir, names[k], g, -1)) != 0)
				return r;
	}
	/* half a pair at g: the other half went up to g + 1 already */
	for (int k = 0; k < 2; k++)
		if (g + 1 < CK_CA_MAX_BACKUPS && exists_at(dir, names[k], g) &&
		    !exists_at(dir, names[k], g + 1) && exists_at(dir, names[1 - k], g + 1) &&
		    (r = move_backup(dir, names[k], g, g + 1)) != 0)
			return r;
	for (int i = g - 1; i >= 0; i--) {
		for (int k = 0; k < 2; k++) {
			if ((r = move_backup(dir, names[k], i, i + 1)) != 0)
				return r;
			ck_test_kill(k == 0 ? "ca-rotate-half" : "ca-rotate-pair");
		}
	}
	for (int k = 0; k < 2; k++) {
		if ((r = backup_current(dir, names[k])) != 0)
			return r;
		ck_test_kill("ca-backup-half");
	}
	return sync_dir(dir);
}

/* Remove dir/sub/<the files an install writes> and dir/sub itself. */
static void
remove_stage(const char *dir, const char *sub)
{
	static const char *const names[] = { KEY_FILE, ROOT_FILE, ROTATED };
	char p[PATH_BUF];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pathf(p, "%s/%s/%s", dir, sub, names[i]);
		(void)unlink(p);
	}
	pathf(p, "%s/%s", dir, sub);
	(void)rmdir(p);
}

/* Stray .install.* directories of installs that died before committing. */
static void
remove_strays(const char *dir)
{
	DIR *d;
	struct dirent *e;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0 &&
		    strlen(e->d_name) == strlen(TMP_PREFIX) + 6)
			remove_stage(dir, e->d_name);
	closedir(d);
}

/* Steps 2 and 3 of an install committed in dir/install.new. */
static int
finish(const char *dir)
{
	char stage[PATH_BUF], mark[PATH_BUF], from[PATH_BUF], to[PATH_BUF];
	static const char *const names[2] = { KEY_FILE, ROOT_FILE };
	int r;

	pathf(stage, "%s/" NEW_DIR, dir);
	pathf(mark, "%s/" ROTATED, stage);
	if (!ck_file_exists(mark)) {
		if ((r = rotate_pair(dir)) != 0 ||
		    (r = ck_file_write(mark, "", 0, 0600, 0)) != 0)
			return r;
	}
	ck_test_kill("ca-rotated");
	for (int k = 0; k < 2; k++) {
		pathf(from, "%s/%s", stage, names[k]);
		pathf(to, "%s/%s", dir, names[k]);
		if (ck_file_exists(from) && rename(from, to) != 0)
			return ck_errf(ck_errno(errno), "rename %s %s: %s", from, to,
			    strerror(errno));
		ck_test_kill(k == 0 ? "ca-key-placed" : "ca-root-placed");
	}
	if ((r = sync_dir(dir)) != 0)
		return r;
	remove_stage(dir, NEW_DIR);
	return sync_dir(dir);
}

int
ca_install_recover(struct ck_ca *ca)
{
	char *stage;
	int fd, r, pending;

	if ((r = dir_ok(ca)) != 0)
		return r;
	if ((stage = ca_join(ca, NEW_DIR)) == NULL)
		return CK_E_NOMEM;
	pending = ck_file_exists(stage);
	free(stage);
	if (!pending)
		return 0;
	if ((r = ca_lock(ca, "install.lock", &fd)) != 0)
		return r;
	/* another opener (or the installer itself) may have finished it
	 * while we waited for the lock */
	r = exists_at(ca->dir, NEW_DIR, -1) ? finish(ca->dir) : 0;
	close(fd);
	return r;
}

/* Step 1: the new pair, synced, in dir/install.new. */
static int
stage(const char *dir, const char *certpem, size_t clen, const char *keypem, size_t klen)
{
	char tmp[PATH_BUF], p[PATH_BUF], to[PATH_BUF];
	int r;

	pathf(tmp, "%s/" TMP_PREFIX "XXXXXX", dir);
	if (mkdtemp(tmp) == NULL)
		return ck_errf(ck_errno(errno), "mkdtemp %s: %s", tmp, strerror(errno));
	pathf(p, "%s/" KEY_FILE, tmp);
	if ((r = ck_file_write(p, keypem, klen, 0600, CK_WRITE_EXCL)) != 0)
		goto out;
	pathf(p, "%s/" ROOT_FILE, tmp);
	if ((r = ck_file_write(p, certpem, clen, 0644, CK_WRITE_EXCL)) != 0)
		goto out;
	ck_test_kill("ca-staged");
	pathf(to, "%s/" NEW_DIR, dir);
	if (rename(tmp, to) != 0) {
		r = ck_errf(ck_errno(errno), "rename %s %s: %s", tmp, to, strerror(errno));
		goto out;
	}
	return sync_dir(dir);
out:
	remove_stage(dir, strrchr(tmp, '/') + 1);
	return r;
}

int
ck_ca_install(struct ck_ca *ca, STACK_OF(X509) *chain, EVP_PKEY *key)
{
	char *certpem = NULL, *keypem = NULL;
	size_t clen, klen;
	int r, lockfd = -1;

	if ((r = dir_ok(ca)) != 0 || (r = ck_ca_validate(chain, key)) != 0)
		return r;
	if ((r = ck_certs_to_pem(chain, &certpem, &clen)) != 0 ||
	    (r = ck_key_to_pem(key, NULL, &keypem, &klen)) != 0)
		goto out;
	/* one installer at a time, so two rotations cannot interleave */
	if ((r = ca_lock(ca, "install.lock", &lockfd)) != 0)
		goto out;
	remove_strays(ca->dir);
	/* an install that a crash interrupted is finished before this one */
	if (ck_file_exists(ca->dir) && exists_at(ca->dir, NEW_DIR, -1) &&
	    (r = finish(ca->dir)) != 0)
		goto out;
	if ((r = stage(ca->dir, certpem, clen, keypem, klen)) != 0 ||
	    (r = finish(ca->dir)) != 0)
		goto out;
	ca_audit_cert("vmca.root.install", ca->chain ? sk_X509_value(ca->chain, 0) : NULL,
	    sk_X509_value(chain, 0), NULL);
	r = ca_reload(ca);
out:
	if (lockfd >= 0)
		close(lockfd);	/* releases the lock */
	if (keypem != NULL)
		ck_secfree(keypem);
	free(certpem);
	return r;
}
