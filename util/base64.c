/*
 * util/base64.c - strict base64 decoder skipping FWS (see base64.h).
 */
#include "util/base64.h"

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

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
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (++pad > 2)
				return -1;
			nsig++;
			continue;
		}
		if (pad > 0 || (v = b64val(c)) < 0)
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
