/*
 * tests/fuzz/fuzz_clean.c - libFuzzer target: util/clean on arbitrary
 * bytes into buffers of every size. The first octet picks the buffer
 * size, the second the classes kept; the rest is the text.
 *
 * - clean_utf8_char() against Jansson's UTF-8 check (an independent
 *   decoder) at every offset: a length it gives is a valid string to
 *   Jansson; where it finds no character after a non-ASCII octet, no
 *   1-4 octet prefix there is valid to Jansson either.
 * - clean_utf8(): never longer than the input or the buffer, valid UTF-8
 *   (Jansson) without controls (but what keep allows), C1, U+FFFE/FFFF;
 *   cleaning again changes nothing; in place gives the same text.
 * - clean_copy(): the same length as the input cut to the buffer, every
 *   octet the input's or '?', each in keep.
 * - clean_quote() of printable text: open and close around it, no bare
 *   delimiter or '\' inside, and unescaping gives a prefix of the text.
 */
#include "util/clean.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLEAN_MAX 4096

static int
jansson_valid(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);

	json_decref(j);
	return j != NULL;
}

static void
check_reader(const char *in, size_t n)
{
	size_t i, l, k;
	uint32_t cp;

	for (i = 0; i < n; i++) {
		l = clean_utf8_char(in + i, n - i, &cp);
		if (l > 4 || l > n - i)
			abort();
		if (l > 0 && !jansson_valid(in + i, l))
			abort();
		if (l > 0 && (cp > 0x10ffff || (l == 1) != (cp < 0x80)))
			abort();
		if (l == 0 && (unsigned char)in[i] < 0x80)
			abort();
		for (k = 1; l == 0 && k <= 4 && k <= n - i; k++)
			if (jansson_valid(in + i, k))
				abort();
	}
}

static void
check_utf8(const char *in, size_t n, size_t cap, unsigned keep)
{
	char out[FUZZ_CLEAN_MAX + 1], again[sizeof(out)], inplace[sizeof(out)];
	size_t len, i;

	len = clean_utf8(out, cap, in, keep);
	if (len != strlen(out) || len >= cap || len > strlen(in))
		abort();
	if (!jansson_valid(out, len))
		abort();
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if ((c < 0x80 && !clean_is(c, keep) && c != '?') ||
		    (c == 0xc2 && (unsigned char)out[i + 1] < 0xa0) ||
		    (c == 0xef && (unsigned char)out[i + 1] == 0xbf &&
		    (unsigned char)out[i + 2] >= 0xbe))
			abort();
	}
	clean_utf8(again, sizeof(again), out, keep);
	if (strcmp(again, out) != 0)
		abort();
	memcpy(inplace, in, n + 1);
	clean_utf8(inplace, cap, inplace, keep);
	if (strcmp(inplace, out) != 0)
		abort();
}

static void
check_copy(const char *in, size_t cap, unsigned keep)
{
	char out[FUZZ_CLEAN_MAX + 1];
	size_t len, i, want = strlen(in);

	if (want > cap - 1)
		want = cap - 1;
	if (clean_copy(out, cap, in, keep) != out)
		abort();
	len = strlen(out);
	if (len != want)
		abort();
	for (i = 0; i < len; i++)
		if (out[i] != (clean_is(in[i], keep) ? in[i] : '?'))
			abort();
}

static void
check_quote(const char *in, size_t cap, int open, int close)
{
	char text[FUZZ_CLEAN_MAX + 1], out[FUZZ_CLEAN_MAX + 3];
	size_t len, i, t = 0;

	clean_copy(text, sizeof(text), in, CLEAN_PRINT);
	out[0] = 'G';
	len = clean_quote(out, cap, text, open, close);
	if (cap == 0) {         /* nothing written */
		if (len != 0 || out[0] != 'G')
			abort();
		return;
	}
	if (len != strlen(out) || len >= cap)
		abort();
	if (cap < 3) {
		if (len != 0)
			abort();
		return;
	}
	if (len < 2 || out[0] != open || out[len - 1] != close)
		abort();
	for (i = 1; i < len - 1; i++) {
		if (out[i] == '\\') {
			i++;
			if (i >= len - 1 || (out[i] != open &&
			    out[i] != close && out[i] != '\\'))
				abort();
		} else if (out[i] == open || out[i] == close) {
			abort();
		}
		if (text[t++] != out[i])
			abort();
	}
	/* a cut only where less than an escaped pair, close and the NUL
	 * were left: the text stops at cap - 3 octets or later */
	if (text[t] != '\0' && len + 2 < cap)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned keeps[] = { CLEAN_PRINT, CLEAN_VCHAR,
	    CLEAN_TOKEN, CLEAN_VCHAR | CLEAN_8BIT, CLEAN_DOTATOM, CLEAN_CTL };
	char in[FUZZ_CLEAN_MAX + 1];
	size_t n, cap;
	unsigned keep;

	if (size < 2)
		return 0;
	n = size - 2 > FUZZ_CLEAN_MAX ? FUZZ_CLEAN_MAX : size - 2;
	memcpy(in, data + 2, n);
	in[n] = '\0';
	cap = 1 + (size_t)data[0] % (n + 1);
	keep = keeps[data[1] % (sizeof(keeps) / sizeof(keeps[0]))];
	check_reader(in, n);
	n = strlen(in); /* the cleaners read C strings */
	check_utf8(in, n, cap, (data[1] & 8) ? CLEAN_VCHAR : CLEAN_PRINT);
	check_copy(in, cap, keep);
	check_quote(in, (size_t)data[0] % 16 == 0 ? (size_t)data[0] % 3 :
	    cap + 2, (data[1] & 16) ? '(' : '"', (data[1] & 16) ? ')' : '"');
	return 0;
}
