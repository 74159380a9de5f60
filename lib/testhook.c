/* testhook.c: the kill and pause points of testhook.h (test builds only). */
#include "config.h"

#ifdef CK_TEST_HOOKS
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "testhook.h"

void
ck_test_kill(const char *point)
{
	const char *k = ck_test_getenv("CERTKIT_TEST_KILL_AT");

	if (k != NULL && strcmp(k, point) == 0)
		raise(SIGKILL);
}

void
ck_test_pause(const char *point)
{
	const char *k = ck_test_getenv("CERTKIT_TEST_PAUSE_AT"),
	    *f = ck_test_getenv("CERTKIT_TEST_PAUSE_FILE");
	struct timespec ts = { 0, 50 * 1000000L };

	if (k == NULL || f == NULL || strcmp(k, point) != 0 ||
	    ck_file_write(f, point, strlen(point), 0600, CK_WRITE_NOSYNC) != 0)
		return;
	for (int n = 0; n < 6000 && access(f, F_OK) == 0; n++)
		nanosleep(&ts, NULL);
}
#else
typedef int ck_testhook_empty;	/* ISO C wants a declaration in every file */
#endif
