/*
 * testhook.h: the one gate for test hooks.
 *
 * The test suite steers a few timing-dependent paths through environment
 * variables (a fake clock, a SIGKILL or a pause at a named phase, a short
 * poll interval).  Those hooks exist only in builds configured with
 * --enable-test-hooks (tests/build.sh does); in any other build
 * ck_test_getenv() is a constant NULL, the code behind it is dead and the
 * variable's name is not even in the binary, so no environment can reach
 * a hook in a shipped program (tests/e2e/hardening.sh checks with strings).
 */
#ifndef CK_TESTHOOK_H
#define CK_TESTHOOK_H

#include <stdlib.h>

#ifdef CK_TEST_HOOKS
#define ck_test_getenv(name) ((const char *)getenv(name))
#else
#define ck_test_getenv(name) ((const char *)NULL)
#endif

/*
 * Named points a test can stop a program at (test builds only; in any
 * other build both are empty): ck_test_kill raises SIGKILL when
 * CERTKIT_TEST_KILL_AT names point; ck_test_pause, when
 * CERTKIT_TEST_PAUSE_AT names it and CERTKIT_TEST_PAUSE_FILE is set,
 * creates that file and waits (up to 5 minutes) until the test removes it.
 */
#ifdef CK_TEST_HOOKS
void ck_test_kill(const char *point);
void ck_test_pause(const char *point);
#else
#define ck_test_kill(point) ((void)(point))
#define ck_test_pause(point) ((void)(point))
#endif

#endif
