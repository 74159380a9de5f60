/*
 * fileio.h: reading and atomically writing files.
 *
 * ck_file_write() never leaves a partial file: it writes a temporary file in
 * the target's directory (created O_EXCL|O_NOFOLLOW with the final mode, so a
 * key is 0600 from the moment it exists), fsyncs it, renames it over the
 * target and fsyncs the directory.  A target that is a symbolic link or a
 * directory is refused.
 */
#ifndef CK_FILEIO_H
#define CK_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

enum {
	CK_WRITE_EXCL = 1 << 0,		/* fail with CK_E_EXIST if the target exists */
	CK_WRITE_BACKUP = 1 << 1,	/* keep the previous file as <path>.bak */
	CK_WRITE_NOSYNC = 1 << 2,	/* skip fsync: for files a crash may lose
					   (pidfiles, test markers), never state */
};

/* Atomically replace path with len bytes of data, created with mode.
 * The path "-" is standard output (what the user asked for: stdio's
 * buffer is flushed first so the order holds; mode and flags do not
 * apply); ck_file_read reads "-" as standard input. */
#define CK_STDIO_PATH "-"
int ck_file_write(const char *path, const void *data, size_t len, mode_t mode, int flags);

/*
 * Read a whole regular file into a NUL-terminated malloc'ed buffer.
 * Anything else (FIFO, device, socket) gives CK_E_ACCESS without blocking,
 * a directory CK_E_ISDIR.  Files larger than max bytes give CK_E_TOOLONG.  *lenp (if not NULL) gets
 * the length without the terminator.  With secret != 0 the buffer is
 * allocated with ck_secalloc (free with ck_secfree).
 */
int ck_file_read(const char *path, size_t max, char **bufp, size_t *lenp, int secret);

/* Read all of fd (up to max bytes) likewise. */
int ck_fd_read(int fd, size_t max, char **bufp, size_t *lenp, int secret);

/* mkdir -p with mode for each created component. */
int ck_mkdir_p(const char *path, mode_t mode);

/* 1 if path exists (lstat), 0 if not. */
int ck_file_exists(const char *path);

/* Remove path; a missing file is not an error. */
int ck_file_remove(const char *path);

/*
 * Read a secret (password) from "file:PATH", "fd:N", "env:NAME" or a plain
 * path.  The trailing newline is stripped; the result is ck_secalloc'ed.
 */
int ck_secret_read(const char *spec, char **out);
/*
 * A directory whose contents root may act on (the store, the VMCA, the
 * swap journal) must be owned by the caller or root and not writable by
 * group or others: otherwise another user may have planted symbolic
 * links in it.  0 if it is (or does not exist yet, or is no directory:
 * the caller's own open reports that), else CK_E_ACCESS with
 * a message naming what (e.g. "certificate store directory") and the fix.
 * Files inside such a directory can then be checked with
 * ck_not_symlink() once, without a race.
 */
int ck_dir_check(const char *dir, const char *what);
/* CK_E_SYMLINK if path is a symbolic link, else 0 (also if missing). */
int ck_not_symlink(const char *path);

/*
 * Open (creating it 0600, never through a symlink) the lock file path and
 * take an exclusive flock on it: waiting, or with nonblock CK_E_BUSY when
 * another process holds it.  The lock lasts until ck_unlock_file(*fdp)
 * or the process ends (a crash never leaves it held).
 */
int ck_lock_file(const char *path, int nonblock, int *fdp);

/*
 * Remove what a killed writer of path can leave beside it: ck_file_write's
 * temporaries (path.tmpXXXXXX) and a staged twin (path.new), if they are
 * regular files of ours.  Only for a path whose writers are serialised by
 * a lock the caller holds (the swap journal, the published machine-ssl
 * pair), so nothing swept can be another writer's work in progress.
 */
int ck_file_sweep(const char *path);
void ck_unlock_file(int fd);

#endif
