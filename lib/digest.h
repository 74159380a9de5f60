/*
 * digest.h: SHA-1 and SHA-256 (FIPS 180-4) of a byte string, for
 * thumbprints of certificates in code that must not load libcrypto (vecs
 * changes and deletes entries without it).  Public data only: a key is
 * never hashed here (keys go through OpenSSL, which wipes what it frees).
 */
#ifndef CK_DIGEST_H
#define CK_DIGEST_H

#include <stddef.h>

void ck_sha1(const void *data, size_t len, unsigned char out[20]);
void ck_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
