/*
 * tls_prober.c: connect to a TLS endpoint every INTERVAL ms until SIGTERM
 * or SIGINT, and say what a client would have seen during a certificate
 * swap (bench/swap_downtime.sh).
 *
 *   tls_prober HOST PORT [INTERVAL_MS]
 *
 * Each attempt is a new TCP connection and a full TLS handshake (no
 * session reuse, 1 s timeout), started on a fixed INTERVAL grid (at once
 * when the previous attempt overran).  On exit it prints one line:
 *
 *   attempts=N failed=F longest_gap_ms=G first_new_ms=T old_after_new=K
 *
 * failed: attempts whose connect or handshake failed; longest_gap_ms: the
 * longest time between two successful handshakes (or from the first
 * attempt to the first success); first_new_ms: the wall clock (ms since
 * the epoch) of the first handshake that presented a certificate other
 * than the first one seen, 0 if none; old_after_new: handshakes that
 * presented the first certificate again after that.  A benchmark tool:
 * never part of the test suite, no claim about timing is tested.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TIMEOUT_MS 1000

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long
now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP connection to ai within TIMEOUT_MS, or -1. */
static int
tcp_connect(const struct addrinfo *ai)
{
	struct pollfd pf;
	struct timeval tv = { TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000 };
	int fd, e = 0, one = 1;
	socklen_t el = sizeof(e);

	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pf.fd = fd;
		pf.events = POLLOUT;
		if (poll(&pf, 1, TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 ||
		    e != 0)
			goto fail;
	}
	/* the handshake itself blocks, bounded by the socket timeouts */
	if (fcntl(fd, F_SETFL, 0) != 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		goto fail;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

/* One attempt: 0 and the peer certificate's SHA-256 in md, or -1. */
static int
probe(SSL_CTX *ctx, const struct addrinfo *ai, unsigned char *md)
{
	SSL *ssl = NULL;
	X509 *x = NULL;
	unsigned int mdl = 0;
	int fd, r = -1;

	if ((fd = tcp_connect(ai)) < 0)
		return -1;
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1)
		goto out;
	if ((x = SSL_get1_peer_certificate(ssl)) == NULL ||
	    X509_digest(x, EVP_sha256(), md, &mdl) != 1)
		goto out;
	(void)SSL_shutdown(ssl);
	r = 0;
out:
	X509_free(x);
	SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	return r;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints, *ai = NULL;
	struct sigaction sa;
	SSL_CTX *ctx;
	unsigned char first[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
	long interval = argc > 3 ? strtol(argv[3], NULL, 10) : 10;
	long long attempts = 0, failed = 0, gap = 0, old_after_new = 0, first_new = 0;
	long long last_ok, next;
	int have_first = 0, e;

	if (argc < 3 || interval < 1) {
		fprintf(stderr, "usage: tls_prober HOST PORT [INTERVAL_MS]\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "tls_prober: %s:%s: %s\n", argv[1], argv[2], gai_strerror(e));
		return 1;
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		fprintf(stderr, "tls_prober: SSL_CTX_new failed\n");
		return 1;
	}
	/* every attempt a full handshake: no tickets, no session cache */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	last_ok = next = now_ms(CLOCK_MONOTONIC);
	while (!stop) {
		long long t = now_ms(CLOCK_MONOTONIC);
		struct timespec ts;

		if (t < next) {
			ts.tv_sec = (time_t)((next - t) / 1000);
			ts.tv_nsec = (long)((next - t) % 1000) * 1000000L;
			nanosleep(&ts, NULL);
			continue;
		}
		next += interval;
		if (next < t)
			next = t;	/* overran: start again at once, on a new grid */
		if (probe(ctx, ai, md) != 0) {
			/* the stop signal itself interrupts the last attempt:
			 * that one is not the server's failure */
			if (stop)
				break;
			attempts++;
			failed++;
			continue;
		}
		attempts++;
		t = now_ms(CLOCK_MONOTONIC);
		if (t - last_ok > gap)
			gap = t - last_ok;
		last_ok = t;
		if (!have_first) {
			memcpy(first, md, sizeof(first));
			have_first = 1;
		} else if (memcmp(first, md, 32) != 0) {
			if (first_new == 0)
				first_new = now_ms(CLOCK_REALTIME);
		} else if (first_new != 0) {
			old_after_new++;
		}
	}
	/* a failure streak at the end counts as a gap too */
	if (now_ms(CLOCK_MONOTONIC) - last_ok > gap && failed > 0)
		gap = now_ms(CLOCK_MONOTONIC) - last_ok;
	printf("attempts=%lld failed=%lld longest_gap_ms=%lld first_new_ms=%lld old_after_new=%lld\n",
	    attempts, failed, gap, first_new, old_after_new);
	SSL_CTX_free(ctx);
	freeaddrinfo(ai);
	return 0;
}
