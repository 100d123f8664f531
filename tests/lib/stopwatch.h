/*
 * tests/lib/stopwatch.h - the clock benchmarks time with.
 *
 * SYNOPSIS
 *   double stopwatch_now(void);
 *
 * DESCRIPTION
 *   stopwatch_now() is the monotonic clock (CLOCK_MONOTONIC) in seconds,
 *   to nanoseconds: differences of two readings are elapsed time,
 *   whatever the wall clock does meanwhile.
 */
#ifndef AUTHMILTER_TESTS_STOPWATCH_H
#define AUTHMILTER_TESTS_STOPWATCH_H

double stopwatch_now(void);

#endif
