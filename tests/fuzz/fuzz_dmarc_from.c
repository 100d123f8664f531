/*
 * tests/fuzz/fuzz_dmarc_from.c - libFuzzer target: From author-domain
 * extraction on arbitrary bytes (split at the first NUL-free '\n\n' into
 * two From fields), with invariants: every domain returned is a
 * lowercase host name of at most 253 octets.
 */
#include "dmarc/dmarc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *vals[2] = { (const char *)data, NULL };
	size_t lens[2] = { size, 0 }, n = 1, i, k;
	const uint8_t *sep = size > 1 ? memmem(data, size, "\n\n", 2) : NULL;
	dmarc_from out;
	char why[160];

	if (sep != NULL) {
		lens[0] = (size_t)(sep - data);
		vals[1] = (const char *)sep + 2;
		lens[1] = size - lens[0] - 2;
		n = 2;
	}
	if (dmarc_from_parse(vals, lens, n, &out, why, sizeof(why)) ==
	    DMARC_FROM_OK && out.ndomains == 0)
		abort();
	if (out.ndomains > DMARC_MAX_AUTHORS)
		abort();
	for (i = 0; i < out.ndomains; i++) {
		size_t len = strlen(out.domains[i]);
		if (len == 0 || len > DMARC_DOMAIN_MAX)
			abort();
		for (k = 0; k < len; k++) {
			char c = out.domains[i][k];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_' || c == '.'))
				abort();
		}
	}
	return 0;
}
