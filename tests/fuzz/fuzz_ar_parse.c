/*
 * tests/fuzz/fuzz_ar_parse.c - libFuzzer target: Authentication-Results
 * parser and the authserv-id check, on arbitrary bytes.
 */
#include "message/ar_parse_int.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	ar_header *h = ar_parse((const char *)data, size, err, sizeof(err));

	ar_header_free(h);
	(void)ar_claims_authserv_id((const char *)data, size, "mx.example.org");
	return 0;
}
