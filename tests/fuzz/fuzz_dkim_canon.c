/*
 * tests/fuzz/fuzz_dkim_canon.c - libFuzzer target: header and body
 * canonicalization (RFC 6376 3.4). The first byte picks simple/relaxed and
 * a chunking seed; the body canonicalized in random chunks must equal the
 * whole-buffer result (abort otherwise). The rest is also fed as a whole
 * message to the verifier (no resolver), split by message/ (mp_*), to
 * exercise header handling.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dkim/dkim_canon_int.h"
#include "message/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
collect(void *arg, const void *p, size_t n)
{
	sb_append(arg, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dkim_bodycanon bc;
	strbuf a, b, h;
	unsigned seed;
	int relaxed;
	size_t i;
	const char *s;
	dkim_verifier *v;

	if (size < 1)
		return 0;
	relaxed = data[0] & 1;
	seed = data[0];
	s = (const char *)data + 1;
	size--;
	sb_init(&a);
	sb_init(&b);
	sb_init(&h);
	dkim_bodycanon_init(&bc, relaxed, collect, &a);
	dkim_bodycanon_update(&bc, s, size);
	dkim_bodycanon_final(&bc);
	dkim_bodycanon_init(&bc, relaxed, collect, &b);
	for (i = 0; i < size;) {
		size_t c;

		seed = seed * 1103515245u + 12345u;
		c = 1 + (seed >> 16) % 17;
		if (c > size - i)
			c = size - i;
		dkim_bodycanon_update(&bc, s + i, c);
		i += c;
	}
	dkim_bodycanon_final(&bc);
	if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
		abort();
	(void)dkim_canon_header(&h, relaxed, s, size / 3, s + size / 3,
	    size - size / 3, 1);
	v = dkim_verifier_new(NULL, NULL);
	if (v != NULL) {
		char err[128];

		(void)dkim_msg_verify(v, s, size, err, sizeof(err));
		dkim_verifier_free(v);
	}
	sb_free(&a);
	sb_free(&b);
	sb_free(&h);
	return 0;
}
