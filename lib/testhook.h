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

#endif
