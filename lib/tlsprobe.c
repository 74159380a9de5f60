/* tlsprobe.c: TCP connect and TLS handshake probes with deadlines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "tlsprobe.h"
#include "util.h"

/* Wait for fd to become readable/writable until deadline. */
static int
wait_fd(int fd, short ev, long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long left;
	int n;

	for (;;) {
		left = deadline - ck_now_ms();
		if (left <= 0)
			return CK_E_TIMEOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return CK_E_TIMEOUT;
		if (errno != EINTR)
			return CK_E_IO;
	}
}

/* Non-blocking connect to host:port; *fdp stays non-blocking. */
static int
connect_to(const char *host, int port, long deadline, int *fdp)
{
	struct addrinfo hints, *res = NULL, *ai;
	char ps[16];
	int fd = -1, r = CK_E_IO, e = 0, soerr;
	socklen_t sl;

	*fdp = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof(ps), "%d", port);
	if ((e = getaddrinfo(host, ps, &hints, &res)) != 0)
		return ck_errf(CK_E_IO, "%s:%d: getaddrinfo: %s", host, port, gai_strerror(e));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno != EINPROGRESS) {
			e = errno;
			close(fd);
			fd = -1;
			continue;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline)) != 0) {
			e = ETIMEDOUT;
			close(fd);
			fd = -1;
			if (r == CK_E_TIMEOUT)
				break;
			continue;
		}
		sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
			goto connected;
		e = soerr;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return ck_errf(e == ETIMEDOUT ? CK_E_TIMEOUT : CK_E_IO, "connect %s:%d: %s", host, port,
	    strerror(e ? e : ECONNREFUSED));
connected:
	freeaddrinfo(res);
	*fdp = fd;
	return 0;
}

int
ck_tcp_probe(const char *host, int port, long timeout_ms)
{
	int fd = -1, r;

	r = connect_to(host, port, ck_now_ms() + timeout_ms, &fd);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
is_address(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int
ck_tls_peer_cert(const char *host, int port, long timeout_ms, X509 **out)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *peer = NULL;
	long deadline = ck_now_ms() + timeout_ms;
	int fd = -1, r, n, e;

	*out = NULL;
	if ((r = connect_to(host, port, deadline, &fd)) != 0)
		goto out;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		r = ck_errssl(CK_E_CRYPTO, "SSL_CTX_new");
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		r = ck_errssl(CK_E_CRYPTO, "SSL_new");
		goto out;
	}
	if (!is_address(host))
		SSL_set_tlsext_host_name(ssl, host);
	for (;;) {
		ERR_clear_error();
		n = SSL_connect(ssl);
		if (n == 1)
			break;
		e = SSL_get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if ((r = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) != 0) {
				r = ck_errf(r, "TLS handshake with %s:%d: %s", host, port,
				    r == CK_E_TIMEOUT ? "timed out" : "poll failed");
				goto out;
			}
			continue;
		}
		r = ck_errssl(CK_E_CRYPTO, "TLS handshake with %s:%d failed", host, port);
		goto out;
	}
	if ((peer = SSL_get1_peer_certificate(ssl)) == NULL) {
		r = ck_errf(CK_E_CERT, "%s:%d presented no certificate", host, port);
		goto out;
	}
	*out = peer;
	peer = NULL;
	r = 0;
out:
	if (ssl != NULL) {
		SSL_set_quiet_shutdown(ssl, 1);
		SSL_free(ssl);
	}
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	return r;
}
