/*
 * certsum.h: what the audit trail and the expiry summary need of a
 * stored certificate -- its DER bytes and its notAfter -- read without
 * libcrypto, so vecs can delete entries (and republish the summary)
 * without loading it.  Public data only; nothing here prints.
 */
#ifndef CK_CERTSUM_H
#define CK_CERTSUM_H

#include <stddef.h>
#include <stdint.h>

/* The DER bytes of the first PEM block in pem (any label; pem need not
 * be NUL-terminated), malloc'ed; CK_E_FORMAT when there is none. */
int ck_pem_first_der(const char *pem, size_t len, unsigned char **der, size_t *n);
/* An X.509 certificate's notAfter, as seconds since the epoch (UTC);
 * CK_E_FORMAT when der is not a certificate this walk understands. */
int ck_der_not_after(const unsigned char *der, size_t n, int64_t *t);

#endif
