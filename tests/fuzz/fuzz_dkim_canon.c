/*
 * tests/fuzz/fuzz_dkim_canon.c - libFuzzer target: header and body
 * canonicalization (RFC 6376 3.4). The first byte picks simple/relaxed and
 * a chunking seed; the body canonicalized in random chunks (1 to 17
 * octets) and as one chunk must both equal the plain oracle's result
 * (tests/lib/canon_oracle.h; abort otherwise); so must the header
 * canonicalizer's, over a field made of the input's thirds. The rest is
 * also fed as a whole message to the verifier (no resolver), split by
 * message/ (mp_*), to exercise header handling.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dkim/dkim_canon_int.h"
#include "message/message.h"
#include "tests/lib/canon_oracle.h"

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
	strbuf a, b, h, want;
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
	sb_init(&want);
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
	canon_oracle_body(relaxed, s, size, &want);
	if (a.len != want.len || memcmp(a.s, want.s, a.len) != 0 ||
	    b.len != want.len || memcmp(b.s, want.s, b.len) != 0)
		abort();
	sb_reset(&want);
	canon_oracle_header(relaxed, s, size / 3, s + size / 3,
	    size - size / 3, &want);
	if (dkim_canon_header(&h, relaxed, s, size / 3, s + size / 3,
	    size - size / 3, 1) < 0 || h.len != want.len ||
	    memcmp(h.s, want.s, h.len) != 0)
		abort();
	v = dkim_verifier_new(NULL, NULL);
	if (v != NULL) {
		char err[128];

		(void)dkim_msg_verify(v, s, size, err, sizeof(err));
		dkim_verifier_free(v);
	}
	sb_free(&a);
	sb_free(&b);
	sb_free(&h);
	sb_free(&want);
	return 0;
}
