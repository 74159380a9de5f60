/*
 * memfile.h: for loaders that only take a path, hand the fuzz input over as
 * an anonymous in-memory file (/proc/self/fd/N of a memfd).  Included by
 * the targets; header-only so fuzz/build.sh needs no extra rule.
 */
#ifndef CK_FUZZ_MEMFILE_H
#define CK_FUZZ_MEMFILE_H

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Write data to a fresh memfd and put its path in path; fd or -1. */
static inline int
memfile(const void *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
