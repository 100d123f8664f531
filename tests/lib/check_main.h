/*
 * tests/lib/check_main.h - the one main() of the Check unit programs
 * (tests/lib/check_main.c) and what a program gives it.
 *
 * CONVENTION
 *   A unit test tests/FOLDER/check_NAME.c has no main() of its own. It
 *   includes this header and defines
 *
 *       Suite *check_suite(void);
 *
 *   which builds its suite (suite_create, tcase_create, tcase_add_test,
 *   fixtures, timeouts) and returns it. The shared main() runs that suite
 *   with srunner_run_all(CK_NORMAL): each test in a child process unless
 *   Check's CK_FORK environment variable says "no" (tests/run.sh sets it
 *   under VALGRIND=1), and exits 0 when every test passed, 1 otherwise.
 *
 *   The few programs that need more call, from check_suite():
 *
 *     check_main_argv()      the program's arguments (argv[0] first, NULL
 *                            last): for a helper mode the test runs itself
 *                            in (check_hash --print-hash), which prints
 *                            and exits from check_suite().
 *     check_main_nofork()    the tests run in this process whatever CK_FORK
 *                            says (check_milter_diff counts outcomes and
 *                            owns child processes).
 *     check_main_at_end(fn)  fn() runs after the suite (a summary, stopping
 *                            helper processes); a non-zero result fails
 *                            the program.
 *
 *   check_suite() returning NULL means its set-up failed (it said why on
 *   stderr): the program exits 1 without running a test.
 */
#ifndef AUTHMILTER_TESTS_CHECK_MAIN_H
#define AUTHMILTER_TESTS_CHECK_MAIN_H

#include <check.h>

/* Defined by each Check program. */
Suite *check_suite(void);

char **check_main_argv(void);
void check_main_nofork(void);
void check_main_at_end(int (*fn)(void));

#endif
