#!/bin/sh
# LOG_COMPILER for compiled tests: runs the test directly, or under valgrind
# memcheck when VALGRIND_TESTS=1 (errors and definite leaks fail the test).
if [ "${VALGRIND_TESTS:-0}" = 1 ] && [ -n "${VALGRIND:-}" ]; then
	CK_FORK=no exec "$VALGRIND" --quiet --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite "$@"
fi
exec "$@"
