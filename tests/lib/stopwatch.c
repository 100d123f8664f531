/*
 * tests/lib/stopwatch.c - the benchmarks' clock (see stopwatch.h).
 */
#include "tests/lib/stopwatch.h"

#include <time.h>

double
stopwatch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
