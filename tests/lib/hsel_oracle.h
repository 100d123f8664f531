/*
 * tests/lib/hsel_oracle.h - RFC 6376 5.4.2 header field selection the
 * plain way: the oracle that the DKIM verifier's indexed selection
 * (dkim/dkim_hdrs.c, dkim_hsel_next()) is compared with, by
 * tests/dkim/check_dkim_headers.c and tests/fuzz/fuzz_dkim_hdrs.c.
 * Header-only (static functions): the fuzz target is built from its one
 * .c file and links no test library.
 *
 *   hsel_oracle_next(hs, used, name, len) scans the stored fields from the
 *   bottom up for the last one not yet used (used[k] == 0) whose name,
 *   its trailing spaces and TABs dropped, equals name[0..len) without
 *   ASCII case; marks it used and returns its index, or DKIM_HSEL_NONE.
 *   Names are compared as octets: a NUL is an octet like any other.
 */
#ifndef AUTHMILTER_TESTS_HSEL_ORACLE_H
#define AUTHMILTER_TESTS_HSEL_ORACLE_H

#include <ctype.h>
#include <stddef.h>

#include "dkim/dkim_hdrs_int.h"

static int
hsel_oracle_same(const char *a, const char *b, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (tolower((unsigned char)a[k]) != tolower((unsigned char)b[k]))
			return 0;
	return 1;
}

static size_t
hsel_oracle_next(const dkim_hstore *hs, unsigned char *used,
    const char *name, size_t len)
{
	size_t k;

	for (k = hs->n; k > 0; k--) {
		size_t nl;
		const char *n = dkim_hs_name(hs, k - 1, &nl);

		while (nl > 0 && (n[nl - 1] == ' ' || n[nl - 1] == '\t'))
			nl--;
		if (!used[k - 1] && nl == len &&
		    hsel_oracle_same(n, name, len)) {
			used[k - 1] = 1;
			return k - 1;
		}
	}
	return DKIM_HSEL_NONE;
}

#endif
