/*
 * argv.h: split a fuzz input into an argv on NUL bytes (argv[0] is the
 * program name), as the kernel hands arguments to main.
 */
#ifndef CK_FUZZ_ARGV_H
#define CK_FUZZ_ARGV_H

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAXARGS 64

/* Fills argv (NULL-terminated) with pointers into *bufp, a NUL-terminated
 * copy of data the caller frees; returns argc, or -1. */
static inline int
split_argv(const char *prog, const unsigned char *data, size_t size, char **bufp,
    char *argv[FUZZ_MAXARGS + 2])
{
	char *buf = malloc(size + 1);
	int argc = 0;
	size_t i = 0;

	if ((*bufp = buf) == NULL)
		return -1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)prog;
	while (i < size && argc <= FUZZ_MAXARGS) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	return argc;
}

#endif
