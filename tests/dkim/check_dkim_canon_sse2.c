/*
 * tests/dkim/check_dkim_canon_sse2.c - the whole dkim_canon suite
 * (reference comparison and every chunk split included) run against the
 * canonicalizer built without its AVX2 scan, so the SSE2 path that x86-64
 * CPUs without AVX2 use is tested on machines that have it. This object's
 * definitions of the dkim_canon functions take the place of the
 * library's.
 */
#define DKIM_CANON_NO_AVX2 1
#include "dkim/dkim_canon.c"
#include "check_dkim_canon.c"
