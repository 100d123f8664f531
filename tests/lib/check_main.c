/*
 * tests/lib/check_main.c - main() of every Check unit program: runs the
 * suite the program's check_suite() builds (the convention is in
 * tests/lib/check_main.h). Exit status 0 when no test failed, 1 when one
 * did or the set-up failed.
 *
 * Linked only into the unit programs, from an archive of its own
 * (Makefile CHECK_MAIN): the conformance runners, benchmarks and fuzz
 * targets keep their own main(), and so would a unit program that still
 * defines one (the archive member is then never pulled in).
 */
#include "tests/lib/check_main.h"

#include <stddef.h>

static char **main_argv;
static int main_nofork;
static int (*main_at_end)(void);

char **
check_main_argv(void)
{
	return main_argv;
}

void
check_main_nofork(void)
{
	main_nofork = 1;
}

void
check_main_at_end(int (*fn)(void))
{
	main_at_end = fn;
}

int
main(int argc, char **argv)
{
	Suite *s;
	SRunner *sr;
	int failed, bad = 0;

	(void)argc;
	main_argv = argv;
	if ((s = check_suite()) == NULL)
		return 1;
	sr = srunner_create(s);
	if (main_nofork)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (main_at_end != NULL)
		bad = main_at_end();
	return failed == 0 && bad == 0 ? 0 : 1;
}
