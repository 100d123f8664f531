/*
 * tests/lib/test_exit.h - how a test program says it did not run.
 *
 * A test program (conformance runner, script) that cannot run here (its
 * suite absent, a tool not installed, not root) prints one line saying
 * why, with the word "skipped", and exits TEST_EXIT_SKIP: 77, automake's
 * convention. tests/run.sh counts it as skipped, never as passed, and
 * prints the count in its total line. 0 is passed, anything else failed.
 */
#ifndef AUTHMILTER_TEST_EXIT_H
#define AUTHMILTER_TEST_EXIT_H

#define TEST_EXIT_SKIP 77

#endif
