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
/* Test hook: total bytes wiped by this module since start. */
size_t ck_secmem_wiped(void);

#endif
