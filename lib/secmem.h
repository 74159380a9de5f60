/*
 * secmem.h: memory for secrets (keys, passwords).
 * ck_secfree() wipes the whole allocation before freeing it; ck_wipe() is a
 * memset the compiler may not remove.  A test hook counts wiped bytes so the
 * unit tests can prove key buffers are cleared.
 */
#ifndef CK_SECMEM_H
#define CK_SECMEM_H

#include <stddef.h>

void ck_wipe(void *p, size_t n);
/* Zeroed allocation of n bytes, wiped on ck_secfree.  NULL on failure. */
void *ck_secalloc(size_t n);
void ck_secfree(void *p);
/* Wipe a NUL-terminated string and free it (plain malloc'ed memory). */
void ck_strfree_secret(char *s);
/* Wipe n bytes at p, then free(p). */
void ck_freezero(void *p, size_t n);
/*
 * Keep secrets out of core files: PR_SET_DUMPABLE 0 (no core, no ptrace or
 * /proc/PID/mem by other processes of the same user) and a soft RLIMIT_CORE
 * of 0.  Each program calls it first thing in main.  The hard limit is
 * kept, so a service svcctl starts (it inherits the soft limit; exec
 * resets the dumpable flag) can raise its own limit again.
 */
int ck_nocore(void);
/* Test hook: total bytes wiped by this module since start. */
size_t ck_secmem_wiped(void);

#endif
