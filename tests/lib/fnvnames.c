/*
 * tests/lib/fnvnames.c - names colliding under the old unkeyed hash (see
 * fnvnames.h).
 */
#include "tests/lib/fnvnames.h"

#include <stdio.h>

uint32_t
fnvnames_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t k;

	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)p[k];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return h;
}

void
fnvnames_make(char (*names)[FNVNAMES_LEN], size_t count, uint32_t mask)
{
	unsigned long tried = 0;
	size_t found = 0;

	while (found < count) {
		int n = snprintf(names[found], FNVNAMES_LEN, "X-%lx", tried++);

		if ((fnvnames_hash(names[found], (size_t)n) & mask) == 0)
			found++;
	}
}
