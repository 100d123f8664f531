/*
 * tests/fuzz/fuzz_ar_parse.c - libFuzzer target: Authentication-Results
 * parser, the authserv-id check and where the results start
 * (ar_results_offset: never past the input), on arbitrary bytes.
 */
#include "message/ar_parse_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	ar_header *h = ar_parse((const char *)data, size, err, sizeof(err));

	ar_header_free(h);
	(void)ar_claims_authserv_id((const char *)data, size, "mx.example.org");
	if (ar_results_offset((const char *)data, size, "mx.example.org") >
	    size)
		abort();
	return 0;
}
