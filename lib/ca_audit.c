/* ca_audit.c: audit records (audit.h) of the VMCA's changes. */
#include "config.h"

#include <stdio.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "audit.h"
#include "ca_priv.h"

/* "-" for a missing certificate, else its thumbprints */
static void
thumbs(X509 *x, char sha1[CK_AUDIT_SHA1_HEX], char sha256[CK_AUDIT_SHA256_HEX])
{
	unsigned char *der = NULL;
	int n;

	snprintf(sha1, CK_AUDIT_SHA1_HEX, "-");
	snprintf(sha256, CK_AUDIT_SHA256_HEX, "-");
	if (x != NULL && (n = i2d_X509(x, &der)) > 0)
		ck_audit_thumbs_der(der, (size_t)n, sha1, sha256);
	OPENSSL_free(der);
}

void
ca_audit_cert(const char *event, X509 *old, X509 *new, const char *extra)
{
	char o1[CK_AUDIT_SHA1_HEX], o256[CK_AUDIT_SHA256_HEX];
	char n1[CK_AUDIT_SHA1_HEX], n256[CK_AUDIT_SHA256_HEX], subj[256] = "-";
	X509 *x = new != NULL ? new : old;
	BIGNUM *bn = NULL;
	char *serial = NULL;

	thumbs(old, o1, o256);
	thumbs(new, n1, n256);
	if (x != NULL) {
		ca_name_str(X509_get_subject_name(x), subj, sizeof(subj));
		if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL)
			serial = BN_bn2hex(bn);
	}
	ck_audit(event, "subject=\"%s\" serial=%s old_sha1=%s old_sha256=%s new_sha1=%s "
	    "new_sha256=%s%s%s", subj, serial != NULL ? serial : "-", o1, o256, n1, n256,
	    extra != NULL ? " " : "", extra != NULL ? extra : "");
	OPENSSL_free(serial);
	BN_free(bn);
}

void
ca_audit_der(const char *event, const unsigned char *der, int len)
{
	X509 *x = d2i_X509(NULL, &der, len);

	ca_audit_cert(event, NULL, x, NULL);
	X509_free(x);
}

void
ca_audit_crl(X509_CRL *crl, uint64_t number, const char *pem, size_t len)
{
	char s1[CK_AUDIT_SHA1_HEX], s256[CK_AUDIT_SHA256_HEX];

	ck_audit_thumbs_pem(pem, len, s1, s256);
	ck_audit("vmca.crl.generate", "crl_number=%llu revoked=%d new_sha1=%s new_sha256=%s",
	    (unsigned long long)number, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), s1, s256);
}
