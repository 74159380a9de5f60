/*
 * lazycrypto.h: libcrypto loaded on first use instead of at start-up.
 *
 * A program linked with lib/lazycrypto.c instead of -lcrypto pays for
 * loading and relocating libcrypto (about 3 M instructions, most of a
 * short command's run time) only when it first calls an OpenSSL function.
 * lazycrypto.c defines each OpenSSL function the program uses, with the
 * prototype from the OpenSSL headers; the first call of each loads the
 * library (dlopen of CK_LIBCRYPTO_SONAME) and looks the function up under
 * the symbol version it was built against.  Since the program is not
 * linked with libcrypto, a call to a function missing from lazycrypto.c's
 * table is an undefined reference: the link fails, so the table cannot
 * fall behind the code.
 *
 * Not thread-safe on first use: for single-threaded programs.
 */
#ifndef CK_LAZYCRYPTO_H
#define CK_LAZYCRYPTO_H

/*
 * The program defines this: libcrypto (lib, its soname) could not be
 * loaded (func NULL) or lacks the function func; detail is dlerror()'s
 * reason.  It must not return.
 */
_Noreturn void ck_lazycrypto_failed(const char *lib, const char *func, const char *detail);

#endif
