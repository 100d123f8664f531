/*
 * tests/dkim/check_dkim_canon_portable.c - the whole dkim_canon suite
 * (reference comparison included) run against the canonicalizer built
 * without its SSE2 scan, so the portable word-at-a-time path that other
 * architectures use is tested here too. This object's definitions of the
 * dkim_canon functions take the place of the library's.
 */
#define DKIM_CANON_PORTABLE 1
#include "dkim/dkim_canon.c"
#include "check_dkim_canon.c"
