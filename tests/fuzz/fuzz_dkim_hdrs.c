/*
 * tests/fuzz/fuzz_dkim_hdrs.c - libFuzzer target: the DKIM verifier's
 * header store and field selection (dkim/dkim_hdrs.c). The input is
 * lines: "name:value" lines are header fields (the first byte of the
 * input sets a small byte bound, so the bound is hit often), the lines
 * after the first empty line are h= names of signatures (";" starts the
 * next signature). Properties (abort otherwise): every stored field reads
 * back as given (value line breaks as CRLF), the counted bytes never pass
 * the bound, and the indexed selection equals the plain RFC 6376 5.4.2
 * bottom-up scan for every signature.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "dkim/dkim_hdrs_int.h"
#include "tests/lib/hsel_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 512

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *names[MAX_NAMES];
	size_t nlen[MAX_NAMES], sigstart[MAX_NAMES + 2];
	size_t i, k, nnames = 0, nsig = 0;
	dkim_hstore hs;
	dkim_hsel sel;
	unsigned char *used;

	if (size < 1)
		return 0;
	dkim_hs_init(&hs, 16 + (size_t)data[0] * 8);
	for (i = 1; i < size;) {
		const char *nl = memchr(s + i, '\n', size - i);
		size_t e = nl != NULL ? (size_t)(nl - s) : size;
		const char *colon = memchr(s + i, ':', e - i);

		if (e == i) {
			i = e + 1;
			break;  /* h= names follow */
		}
		if (colon != NULL) {
			size_t before = hs.n, n = (size_t)(colon - (s + i)), vl, k2;
			const char *v = colon + 1, *got;
			int rc = dkim_hs_add(&hs, s + i, n, v, (size_t)(s + e - v));

			if (rc == 0) {
				got = dkim_hs_name(&hs, before, &vl);
				if (hs.n != before + 1 || vl != n || memcmp(got, s + i, n))
					abort();
				got = dkim_hs_value(&hs, before, &vl);
				/* no LF in one input line: the value is kept as is */
				for (k2 = 0; k2 < (size_t)(s + e - v); k2++)
					if (k2 >= vl || got[k2] != v[k2])
						abort();
				if (vl != (size_t)(s + e - v))
					abort();
			} else if (rc == 1 && !hs.overflow) {
				abort();
			}
			if (hs.wire > hs.max)
				abort();
		}
		i = e + 1;
	}
	sigstart[0] = 0;
	while (i < size && nnames < MAX_NAMES) {
		const char *nl = memchr(s + i, '\n', size - i);
		size_t e = nl != NULL ? (size_t)(nl - s) : size;

		if (e > i && s[i] == ';') {
			if (nsig < MAX_NAMES)
				sigstart[++nsig] = nnames;
		} else {
			names[nnames] = s + i;
			nlen[nnames++] = e - i;
		}
		i = e + 1;
	}
	sigstart[++nsig] = nnames;
	used = calloc(hs.n + 1, 1);
	if (used != NULL && dkim_hsel_init(&sel, nnames) == 0) {
		for (k = 0; k < nnames; k++)
			if (dkim_hsel_add(&sel, names[k], nlen[k]) < 0)
				abort();
		if (dkim_hsel_scan(&sel, &hs) == 0) {
			size_t g;

			for (g = 0; g < nsig; g++) {
				memset(used, 0, hs.n + 1);
				dkim_hsel_begin(&sel);
				for (k = sigstart[g]; k < sigstart[g + 1]; k++)
					if (dkim_hsel_next(&sel, names[k], nlen[k]) !=
					    hsel_oracle_next(&hs, used, names[k],
					    nlen[k]))
						abort();
			}
		}
		dkim_hsel_free(&sel);
	}
	free(used);
	dkim_hs_free(&hs);
	return 0;
}
