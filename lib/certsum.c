/* certsum.c: PEM to DER, and a certificate's notAfter, by a short DER walk. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certsum.h"
#include "err.h"

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static const char *
find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

int
ck_pem_first_der(const char *pem, size_t len, unsigned char **der, size_t *n)
{
	const char *b, *e;
	unsigned int acc = 0;
	int bits = 0;

	*der = NULL;
	*n = 0;
	/* "-----BEGIN LABEL-----" ... "-----END " */
	if (pem == NULL || (b = find(pem, len, "-----BEGIN ")) == NULL ||
	    (b = find(b + 11, len - (size_t)(b + 11 - pem), "-----")) == NULL)
		return ck_errf(CK_E_FORMAT, "no PEM block");
	b += 5;
	if ((e = find(b, len - (size_t)(b - pem), "-----END ")) == NULL)
		return ck_errf(CK_E_FORMAT, "a PEM block without its END line");
	if ((*der = malloc((size_t)(e - b) * 3 / 4 + 3)) == NULL)
		return CK_E_NOMEM;
	for (const char *p = b; p < e; p++) {
		int v = b64val((unsigned char)*p);
		if (v < 0)
			continue;	/* line breaks, padding */
		acc = (acc << 6) | (unsigned int)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			(*der)[(*n)++] = (unsigned char)(acc >> bits);
		}
	}
	if (*n == 0) {
		free(*der);
		*der = NULL;
		return ck_errf(CK_E_FORMAT, "an empty PEM block");
	}
	return 0;
}

/* One DER element at *p (before end): its tag, and its contents in
 * [*body, *body + *blen); *p moves past it.  -1 if malformed. */
static int
tlv(const unsigned char **p, const unsigned char *end, int *tag, const unsigned char **body,
    size_t *blen)
{
	const unsigned char *q = *p;
	size_t len = 0;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	if (*q < 0x80) {
		len = *q++;
	} else {
		int k = *q++ & 0x7f;
		if (k == 0 || k > 4 || end - q < k)
			return -1;
		while (k-- > 0)
			len = (len << 8) | *q++;
	}
	if ((size_t)(end - q) < len)
		return -1;
	*body = q;
	*blen = len;
	*p = q + len;
	return 0;
}

static int
digits(const unsigned char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
ck_der_not_after(const unsigned char *der, size_t n, int64_t *t)
{
	const unsigned char *p = der, *end = der + n, *body;
	size_t blen;
	struct tm tm;
	int tag, year, off;

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
	 * OPTIONAL, serial, signature, issuer, validity SEQUENCE { notBefore,
	 * notAfter } ... } ... } */
	if (tlv(&p, end, &tag, &body, &blen) != 0 || tag != 0x30)
		goto bad;
	p = body, end = body + blen;
	if (tlv(&p, end, &tag, &body, &blen) != 0 || tag != 0x30)
		goto bad;
	p = body, end = body + blen;
	if (tlv(&p, end, &tag, &body, &blen) != 0)
		goto bad;
	if (tag == 0xa0 && tlv(&p, end, &tag, &body, &blen) != 0)	/* serial */
		goto bad;
	if (tlv(&p, end, &tag, &body, &blen) != 0 ||	/* signature */
	    tlv(&p, end, &tag, &body, &blen) != 0 ||	/* issuer */
	    tlv(&p, end, &tag, &body, &blen) != 0 || tag != 0x30)	/* validity */
		goto bad;
	p = body, end = body + blen;
	if (tlv(&p, end, &tag, &body, &blen) != 0 ||	/* notBefore */
	    tlv(&p, end, &tag, &body, &blen) != 0)
		goto bad;
	/* UTCTime YYMMDDHHMMSSZ (RFC 5280: 1950..2049), GeneralizedTime
	 * YYYYMMDDHHMMSSZ */
	if (tag == 0x17 && blen == 13 && body[12] == 'Z') {
		if ((year = digits(body, 2)) < 0)
			goto bad;
		year += year >= 50 ? 1900 : 2000;
		off = 2;
	} else if (tag == 0x18 && blen == 15 && body[14] == 'Z') {
		if ((year = digits(body, 4)) < 0)
			goto bad;
		off = 4;
	} else {
		goto bad;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = digits(body + off, 2) - 1;
	tm.tm_mday = digits(body + off + 2, 2);
	tm.tm_hour = digits(body + off + 4, 2);
	tm.tm_min = digits(body + off + 6, 2);
	tm.tm_sec = digits(body + off + 8, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60)
		goto bad;
	*t = (int64_t)timegm(&tm);
	return 0;
bad:
	return ck_errf(CK_E_FORMAT, "not an X.509 certificate with a notAfter");
}
