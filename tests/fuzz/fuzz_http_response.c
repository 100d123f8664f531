/*
 * tests/fuzz/fuzz_http_response.c - libFuzzer target: the status line and
 * header end of an HTTP response as `authmilter stats` reads it from the
 * metrics endpoint (cli/http_client.c), on arbitrary bytes (not
 * NUL-terminated): the body offset must stay within the input.
 */
#include "cli/http_client_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned status = 0;
	size_t off = 0;

	if (http_response_body((const char *)data, size, &status, &off) == 0 &&
	    (off > size || status > 999))
		abort();
	return 0;
}
