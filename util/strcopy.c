/*
 * util/strcopy.c - bounded string copy (contract in strcopy.h): at most
 * size - 1 octets and a NUL, truncation reported, never an overrun.
 */
#include "util/strcopy.h"

#include <string.h>

int
strcopy_n(char *dst, size_t size, const char *src, size_t n)
{
	int rc = 0;

	if (size == 0)
		return -1;
	if (n >= size) {
		n = size - 1;
		rc = -1;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return rc;
}

int
strcopy(char *dst, size_t size, const char *src)
{
	if (src == NULL)
		src = "";
	/* strnlen reads no further than the octets that can be kept (+1 to
	 * tell a fit from a cut) */
	return strcopy_n(dst, size, src, strnlen(src, size));
}
