/*
 * tests/fuzz/fuzz_dmarc_record.c - libFuzzer target: the DMARC record
 * parser in both modes on arbitrary bytes, with invariants checked (a
 * usable record always has a policy; URI lists stay within bounds).
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
	dmarc_record r;
	char why[160];
	int m;

	for (m = 0; m < 2; m++) {
		dmarc_record_status st = dmarc_record_parse((const char *)data,
		    size, m ? DMARC_MODE_RFC7489 : DMARC_MODE_RFC9989, &r, why,
		    sizeof(why));
		if (st == DMARC_RECORD_OK && r.p == DMARC_P_UNSET)
			abort();
		if (r.nrua > DMARC_MAX_URIS || r.nruf > DMARC_MAX_URIS ||
		    r.pct > 100 || memchr(why, '\0', sizeof(why)) == NULL)
			abort();
	}
	return 0;
}
