/*
 * tests/fuzz/fuzz_arc_trust.c - libFuzzer target: reading an
 * ARC-Authentication-Results value for arc_trusted_sealers
 * (message/arc_trust.c arc_trust_aar_says: the "i=N;" prefix, then
 * message/ar_parse.c). Properties (abort otherwise): a yes names what
 * counted ("dmarc=pass", "spf=pass" or "dkim=pass" for the author),
 * a no leaves it empty, and the input's first byte picks the instance so
 * both a matching and another i= are tried.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/arc_trust_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char what[128];
	unsigned i;
	int r;

	if (size < 1)
		return 0;
	i = (unsigned)(data[0] % 4);
	r = arc_trust_aar_says((const char *)data + 1, size - 1, i,
	    "orig.example", what, sizeof(what));
	if (memchr(what, '\0', sizeof(what)) == NULL)
		abort();
	if (r == 1 && strncmp(what, "dmarc=pass ", 11) != 0 &&
	    strncmp(what, "spf=pass ", 9) != 0 &&
	    strncmp(what, "dkim=pass ", 10) != 0)
		abort();
	if (r == 0 && what[0] != '\0')
		abort();
	if (r == 1 && i == 0)
		abort();  /* there is no instance 0 */
	return 0;
}
