/*
 * tlsprobe.h: what a TLS endpoint really serves.
 *
 * A real handshake (TLS 1.2 or later, SNI = host unless host is an
 * address), no certificate verification: the point is to see which
 * certificate the service presents, not to trust it.  Everything is
 * bounded by timeout_ms.
 */
#ifndef CK_TLSPROBE_H
#define CK_TLSPROBE_H

#include <openssl/x509.h>

/* The peer's leaf certificate.  Errors: CK_E_IO (connect), CK_E_TIMEOUT,
 * CK_E_CRYPTO (handshake failed), CK_E_CERT (no certificate). */
int ck_tls_peer_cert(const char *host, int port, long timeout_ms, X509 **out);
/* 0 if a TCP connection to host:port succeeds within timeout_ms. */
int ck_tcp_probe(const char *host, int port, long timeout_ms);

#endif
