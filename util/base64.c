/*
 * util/base64.c - strict base64 decoder skipping FWS (see base64.h).
 */
#include "util/base64.h"

/* Each octet's class: its sextet (0..63), B64_WS (FWS, skipped), B64_PAD
 * ('=') or B64_BAD. One table lookup per character: b= of an RSA-2048
 * signature is 344 characters on every message. */
#define B64_BAD -1
#define B64_WS -2
#define B64_PAD -3

static const signed char b64tab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -2, -2, -1, -1, -2, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -3, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

size_t
base64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}

int
base64_decode(const char *s, size_t len, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	unsigned long acc = 0;
	size_t i, o = 0, nsig = 0, pad = 0;

	for (i = 0; i < len; i++) {
		int v = b64tab[(unsigned char)s[i]];

		if (v == B64_WS)
			continue;
		if (v == B64_PAD) {
			if (++pad > 2)
				return -1;
			nsig++;
			continue;
		}
		if (pad > 0 || v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		nsig++;
		if (nsig % 4 == 0) {
			if (o + 3 > outmax)
				return -1;
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (nsig % 4 != 0)
		return -1;
	if (pad > 0) {
		/* the last quantum had `pad` '=': acc holds 4 - pad sextets */
		size_t keep = 3 - pad;

		if (pad == 1)
			acc <<= 6;
		else
			acc <<= 12;
		if (o + keep > outmax)
			return -1;
		out[o++] = (unsigned char)(acc >> 16);
		if (keep == 2)
			out[o++] = (unsigned char)(acc >> 8);
	}
	*outlen = o;
	return 0;
}
