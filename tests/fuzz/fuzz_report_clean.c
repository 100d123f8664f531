/*
 * tests/fuzz/fuzz_report_clean.c - libFuzzer target: report_clean()
 * (report/report_clean.c) on arbitrary bytes into buffers of every size:
 * the result is never longer than the input or the buffer, Jansson takes
 * it as a JSON string (its own UTF-8 check), it holds no C0/C1 control,
 * DEL, U+FFFE or U+FFFF, and cleaning it again changes nothing.
 */
#include "report/report.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLEAN_MAX 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[FUZZ_CLEAN_MAX + 1], out[FUZZ_CLEAN_MAX + 1], again[sizeof(out)];
	size_t n, len, cap, i;
	json_t *j;

	n = size > FUZZ_CLEAN_MAX ? FUZZ_CLEAN_MAX : size;
	memcpy(in, data, n);
	in[n] = '\0';
	/* the first octet picks the buffer size: cuts land everywhere */
	cap = n > 0 ? 1 + (size_t)data[0] % (n + 1) : 1;
	len = report_clean(out, cap, in + (n > 0), (int)(n > 1 && data[1] & 1));
	if (len != strlen(out) || len >= cap || len > strlen(in + (n > 0)))
		abort();
	j = json_string(out);
	if (j == NULL)
		abort();
	json_decref(j);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f || (c == 0xc2 &&
		    (unsigned char)out[i + 1] < 0xa0) ||
		    (c == 0xef && (unsigned char)out[i + 1] == 0xbf &&
		    (unsigned char)out[i + 2] >= 0xbe))
			abort();
	}
	report_clean(again, sizeof(again), out, 0);
	if (strcmp(again, out) != 0)
		abort();
	return 0;
}
