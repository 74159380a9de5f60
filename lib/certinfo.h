/*
 * certinfo.h: a certificate as the vSphere API's Tls.Info, in JSON, and
 * the one time format of every JSON certkit prints (RFC 3339, UTC).
 *
 * Shared by vecs (entry getcert --json, which loads libcrypto lazily:
 * every OpenSSL function used here is in vecs/lazycrypto.c's table) and
 * certool (--viewcert, --enumcert, --status with --json).  Strings go
 * through ck_json_quote, so the output is valid UTF-8 JSON whatever bytes
 * a certificate holds.  Nothing here prints.
 */
#ifndef CK_CERTINFO_H
#define CK_CERTINFO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#define CK_RFC3339_LEN 21	/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL */

/* "YYYY-MM-DDTHH:MM:SSZ" for epoch seconds / a broken-down UTC time /
 * an ASN1_TIME ("" when it cannot be read).  buf holds CK_RFC3339_LEN. */
void ck_time_rfc3339(int64_t epoch, char *buf);
void ck_tm_rfc3339(const struct tm *tm, char *buf);
void ck_asn1_time_rfc3339(const ASN1_TIME *t, char *buf);

/*
 * x as one JSON object (no newline), malloc'ed in *out: version,
 * serial_number (lowercase hex), signature_algorithm, issuer_dn,
 * subject_dn (RFC 2253), valid_from, valid_to (RFC 3339), thumbprint
 * (SHA-1, lowercase hex, as vecs prints it) and thumbprint_sha256, is_ca,
 * path_length_constraint (-1: none), key_usage, extended_key_usage,
 * subject_alternative_name, authority_information_access_uri (arrays of
 * strings), cert (PEM: pem if given, else x's own).  extra, if not NULL,
 * is added after the opening brace as is (e.g. "\"status\": \"ACTIVE\", ").
 */
int ck_certinfo_json(X509 *x, const char *pem, size_t pemlen, const char *extra, char **out);

#endif
