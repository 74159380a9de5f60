/*
 * pki_chain.c: chain helpers of pki.h that only the CA and the swap use.
 * A file of its own so that pki.o, which vecs links, calls no OpenSSL
 * function vecs's lazy loader (vecs/lazycrypto.c) does not forward.
 */
#include "config.h"

#include <openssl/x509v3.h>

#include "err.h"
#include "pki.h"

int
ck_chain_to_send(const STACK_OF(X509) *chain, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk;
	int n = chain ? sk_X509_num(chain) : 0;

	*out = NULL;
	if (n > 0) {
		X509 *last = sk_X509_value(chain, n - 1);
		if (X509_check_issued(last, last) == X509_V_OK)
			n--;
	}
	if ((sk = sk_X509_new_null()) == NULL)
		return CK_E_NOMEM;
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chain, i);
		if (!X509_up_ref(x) || !sk_X509_push(sk, x)) {
			ck_certs_free(sk);
			return CK_E_NOMEM;
		}
	}
	*out = sk;
	return 0;
}
