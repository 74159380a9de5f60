/*
 * sup_log.c: the tail of a service's log file (built-in backend), as
 * shown to the admin when the service fails: the lines written since this
 * start, made safe for a terminal.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "paths.h"
#include "sup_backend.h"

/*
 * A service writes what it likes to its log; the tail is shown on a
 * terminal.  Control characters but newline and tab (ESC above all: title,
 * colour, cursor and OSC sequences) and the C1 controls in UTF-8 (U+0080 to
 * U+009F) become '?'.
 */
static void
sanitise(char *t)
{
	unsigned char *p = (unsigned char *)t, *q = p;

	for (; *p != '\0'; p++) {
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*q++ = '?';
			p++;
		} else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			*q++ = '?';
		else
			*q++ = *p;
	}
	*q = '\0';
}

char *
ck_sup_log_tail(struct ck_sup *sup, size_t i, int maxlines)
{
	char *path = sup_svc_file(CK_PATH_LOG, &sup->reg->svc[i], ".log"), *buf = NULL, *p, *res;
	off_t off = sup->rt[i].log_off, size;
	struct stat sb;
	ssize_t n;
	int fd, lines = 0;
	size_t len;

	if (path == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || sb.st_size <= off) {
		close(fd);
		return strdup("");
	}
	size = sb.st_size - off;
	if (size > 4096) {
		off = sb.st_size - 4096;
		size = 4096;
	}
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	n = pread(fd, buf, (size_t)size, off);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	len = (size_t)n;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	for (p = buf + len; p > buf; p--)
		if (p[-1] == '\n' && ++lines >= maxlines)
			break;
	res = strdup(p);
	free(buf);
	if (res != NULL)
		sanitise(res);
	return res;
}
