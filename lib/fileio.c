/* fileio.c: whole-file reads and crash-safe writes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/file.h>

#include "err.h"
#include "fileio.h"
#include "secmem.h"

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Split path into directory (malloc'ed) and check it can be used. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	if ((d = malloc((size_t)(slash - path) + 1)) == NULL)
		return NULL;
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

static int
write_stdout(const void *data, size_t len)
{
	const char *p = data;
	ssize_t w;

	if (fflush(stdout) != 0)
		return ck_errf(ck_errno(errno), "standard output: %s", strerror(errno));
	while (len > 0) {
		if ((w = write(STDOUT_FILENO, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return ck_errf(ck_errno(errno), "standard output: %s", strerror(errno));
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
ck_file_write(const char *path, const void *data, size_t len, mode_t mode, int flags)
{
	char *dir = NULL, *tmp = NULL, *bak = NULL;
	int fd = -1, dfd = -1, r = CK_E_IO;
	struct stat st;
	size_t plen;

	if (path == NULL || *path == '\0')
		return ck_errf(CK_E_INVAL, "empty output path");
	if (strcmp(path, CK_STDIO_PATH) == 0)
		return write_stdout(data, len);
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return ck_errf(CK_E_SYMLINK, "%s: is a symbolic link, refusing to write through it", path);
		if (S_ISDIR(st.st_mode))
			return ck_errf(CK_E_ISDIR, "%s: is a directory", path);
		if (flags & CK_WRITE_EXCL)
			return ck_errf(CK_E_EXIST, "%s: already exists", path);
	} else if (errno != ENOENT) {
		return ck_errf(ck_errno(errno), "%s: %s", path, strerror(errno));
	}
	if ((dir = dir_of(path)) == NULL)
		return CK_E_NOMEM;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = ck_errf(ck_errno(errno), "%s: directory %s: %s", path, dir, strerror(errno));
		goto out;
	}
	plen = strlen(path);
	if ((tmp = malloc(plen + 16)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	/*
	 * A temp name next to the target, so rename() stays in one filesystem:
	 * mkostemp's random suffix (from the kernel's generator, not rand(),
	 * so a local user cannot guess and pre-create it), created 0600 with
	 * O_EXCL, which never follows a symbolic link (issue 11 item 16).
	 */
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = ck_errf(ck_errno(errno), "%s: cannot create temporary file: %s", path, strerror(errno));
		goto out;
	}
	/* The umask may have narrowed mode; widen back to exactly what was asked. */
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    (!(flags & CK_WRITE_NOSYNC) && fsync(fd) != 0)) {
		r = ck_errf(ck_errno(errno), "%s: write failed: %s", path, strerror(errno));
		goto unlink_tmp;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = ck_errf(ck_errno(errno), "%s: write failed: %s", path, strerror(errno));
		goto unlink_tmp;
	}
	fd = -1;
	if (flags & CK_WRITE_BACKUP && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((bak = malloc(plen + 5)) == NULL) {
			r = CK_E_NOMEM;
			goto unlink_tmp;
		}
		snprintf(bak, plen + 5, "%s.bak", path);
		/* A hard link keeps the old content reachable without a copy. */
		(void)unlink(bak);
		if (link(path, bak) != 0) {
			r = ck_errf(ck_errno(errno), "%s: cannot keep backup %s: %s", path, bak, strerror(errno));
			goto unlink_tmp;
		}
	}
	if (flags & CK_WRITE_EXCL) {
		/* link() fails if the target appeared meanwhile: no silent overwrite. */
		if (link(tmp, path) != 0) {
			r = ck_errf(ck_errno(errno), "%s: %s", path, strerror(errno));
			goto unlink_tmp;
		}
		(void)unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		r = ck_errf(ck_errno(errno), "%s: rename failed: %s", path, strerror(errno));
		goto unlink_tmp;
	}
	if (!(flags & CK_WRITE_NOSYNC))
		(void)fsync(dfd);
	r = 0;
	goto out;
unlink_tmp:
	if (fd >= 0)
		close(fd);
	fd = -1;
	(void)unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(bak);
	free(tmp);
	free(dir);
	return r;
}

int
ck_fd_read(int fd, size_t max, char **bufp, size_t *lenp, int secret)
{
	char *buf = NULL, *nbuf;
	size_t cap = 0, len = 0;
	int r = CK_E_IO;

	*bufp = NULL;
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= len + 1) {
				r = ck_errf(CK_E_TOOLONG, "input larger than %zu bytes", max);
				goto out;
			}
			nbuf = secret ? ck_secalloc(ncap) : malloc(ncap);
			if (nbuf == NULL) {
				r = CK_E_NOMEM;
				goto out;
			}
			if (buf != NULL)
				memcpy(nbuf, buf, len);
			if (secret)
				ck_secfree(buf);
			else
				free(buf);
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = ck_errf(ck_errno(errno), "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = ck_errf(CK_E_TOOLONG, "input larger than %zu bytes", max);
			goto out;
		}
	}
	if (buf == NULL) {
		buf = secret ? ck_secalloc(1) : malloc(1);
		if (buf == NULL)
			return CK_E_NOMEM;
	}
	buf[len] = '\0';
	*bufp = buf;
	buf = NULL;
	if (lenp != NULL)
		*lenp = len;
	r = 0;
out:
	if (secret)
		ck_secfree(buf);
	else
		free(buf);
	return r;
}

int
ck_file_read(const char *path, size_t max, char **bufp, size_t *lenp, int secret)
{
	struct stat st;
	int fd, r;

	*bufp = NULL;
	/* asked for by name: a pipe is fine, read to its end */
	if (strcmp(path, CK_STDIO_PATH) == 0)
		return ck_fd_read(STDIN_FILENO, max, bufp, lenp, secret);
	/* O_NONBLOCK: opening a FIFO with no writer would wait forever. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return ck_errf(ck_errno(errno), "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = ck_errf(ck_errno(errno), "%s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ck_errf(CK_E_ISDIR, "%s: is a directory", path);
	}
	/* A FIFO, device or socket can block or never end: inputs are files. */
	if (!S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		close(fd);
		return ck_errf(CK_E_ACCESS, "%s: not a regular file (a FIFO, device or socket "
		    "is refused as an input)", path);
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return ck_errf(CK_E_TOOLONG, "%s: larger than %zu bytes", path, max);
	}
	r = ck_fd_read(fd, max, bufp, lenp, secret);
	close(fd);
	if (r != 0 && r != CK_E_NOMEM)
		ck_errf(r, "%s: %s", path, r == CK_E_TOOLONG ? "file too large" : ck_err_detail());
	return r;
}

int
ck_mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int r = 0;

	if ((p = strdup(path)) == NULL)
		return CK_E_NOMEM;
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST) {
				r = ck_errf(ck_errno(errno), "mkdir %s: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (r == 0) {
		struct stat st;
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			r = ck_errf(CK_E_NOENT, "%s: not a directory", path);
	}
	free(p);
	return r;
}

int
ck_file_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int
ck_file_remove(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return ck_errf(ck_errno(errno), "unlink %s: %s", path, strerror(errno));
	return 0;
}

int
ck_secret_read(const char *spec, char **out)
{
	char *buf = NULL, *end;
	size_t len = 0;
	int r;

	*out = NULL;
	if (spec == NULL)
		return ck_errf(CK_E_INVAL, "no password source given");
	if (strncmp(spec, "fd:", 3) == 0) {
		long fd = strtol(spec + 3, &end, 10);
		if (*end != '\0' || fd < 0 || fd > INT_MAX)
			return ck_errf(CK_E_INVAL, "bad descriptor in '%s'", spec);
		r = ck_fd_read((int)fd, 64 * 1024, &buf, &len, 1);
	} else if (strncmp(spec, "env:", 4) == 0) {
		const char *v = getenv(spec + 4);
		if (v == NULL)
			return ck_errf(CK_E_NOENT, "environment variable %s is not set", spec + 4);
		len = strlen(v);
		if ((buf = ck_secalloc(len + 1)) == NULL)
			return CK_E_NOMEM;
		memcpy(buf, v, len);
		r = 0;
	} else {
		const char *path = strncmp(spec, "file:", 5) == 0 ? spec + 5 : spec;
		r = ck_file_read(path, 64 * 1024, &buf, &len, 1);
	}
	if (r != 0)
		return r;
	/* Only the first line counts, so "echo pw > file" works. */
	end = memchr(buf, '\n', len);
	if (end != NULL)
		len = (size_t)(end - buf);
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	ck_wipe(buf + len, strlen(buf + len));
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int
ck_lock_file(const char *path, int nonblock, int *fdp)
{
	int fd, r;

	*fdp = -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return ck_errf(ck_errno(errno), "open %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) != 0) {
		if (errno == EINTR)
			continue;
		r = errno == EWOULDBLOCK ? CK_E_BUSY : ck_errno(errno);
		r = ck_errf(r, "flock %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

void
ck_unlock_file(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
ck_dir_check(const char *dir, const char *what)
{
	struct stat sb;
	uid_t euid = geteuid();

	if (stat(dir, &sb) != 0)
		return errno == ENOENT ? 0 : ck_errf(ck_errno(errno), "%s %s: %s", what, dir,
		    strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return 0;	/* nothing inside to trust: the caller's open says what it is */
	if (sb.st_uid != euid && sb.st_uid != 0)
		return ck_errf(CK_E_ACCESS, "refusing the %s %s: it belongs to uid %u, not to you "
		    "(uid %u) or root; chown it to root or to the user that runs this", what, dir,
		    (unsigned int)sb.st_uid, (unsigned int)euid);
	if (sb.st_mode & 022)
		return ck_errf(CK_E_ACCESS, "refusing the %s %s: it is writable by group or others "
		    "(mode %04o), so someone else may have put links or files in it; check what "
		    "it holds, then chmod go-w %s", what, dir, (unsigned int)(sb.st_mode & 07777), dir);
	return 0;
}

int
ck_not_symlink(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
		return ck_errf(CK_E_SYMLINK, "%s is a symbolic link; refusing to follow it", path);
	return 0;
}

int
ck_file_sweep(const char *path)
{
	const char *base = strrchr(path, '/');
	char *dir = NULL;
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	size_t bl;

	base = base != NULL ? base + 1 : path;
	bl = strlen(base);
	if ((dir = dir_of(path)) == NULL)
		return CK_E_NOMEM;
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return 0;	/* nothing there to sweep; the write says why */
	}
	while ((de = readdir(d)) != NULL) {
		const char *rest = de->d_name + bl;

		if (strncmp(de->d_name, base, bl) != 0 ||
		    !(strcmp(rest, ".new") == 0 ||
		    (strncmp(rest, ".tmp", 4) == 0 && strlen(rest) == 10)))
			continue;
		/* only our own regular files: never a link, never another's */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	free(dir);
	return 0;
}
