/*
 * inifile.h: INI-style files (certool.cfg, the service registry) on inih.
 *
 * Debian's libinih is built with a 200-byte line limit, ';' inline comments
 * and indented continuation lines; certool.cfg has none of those.  So we
 * normalise each line ourselves (BOM, CRLF, comments, trimming, long lines)
 * and let inih do the section and key=value structure.  Line numbers in
 * errors are those of the original file.
 */
#ifndef CK_INIFILE_H
#define CK_INIFILE_H

#include <stddef.h>

enum {
	CK_INI_HASH_ANYWHERE = 1 << 0,	/* '#' anywhere starts a comment (certool.cfg) */
	CK_INI_NO_SECTIONS = 1 << 1,	/* a [section] line is an error */
};

#define CK_INI_MAX_LINE (64 * 1024)
#define CK_INI_MAX_FILE (4 * 1024 * 1024)

/*
 * Called once per key.  section is "" outside any section.  Return 0 to go
 * on, or a negative CK_E_* (after ck_errf) to stop the parse with that code.
 */
typedef int (*ck_ini_handler)(void *user, const char *section, const char *key,
    const char *value, int lineno);

/* Parse the file at path.  Errors: CK_E_NOENT/ACCESS (open), CK_E_UTF16,
 * CK_E_CONFIG (line without '=', bad section, NUL byte, line too long),
 * or whatever the handler returned.  The detail names file and line,
 * never the line's text (the file may be a secret given by mistake). */
int ck_ini_parse_file(const char *path, int flags, ck_ini_handler h, void *user);
/* The same over a buffer; name is used in messages. */
int ck_ini_parse_buf(const char *name, const char *buf, size_t len, int flags,
    ck_ini_handler h, void *user);

#endif
