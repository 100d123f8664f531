/*
 * tests/fuzz/fuzz_dmarc_uri.c - libFuzzer target: the report destination
 * parsers (dmarc/uri.c) on arbitrary bytes, with the property that makes
 * them safe to hand to a sendmail command checked on every success: the
 * mailbox is printable ASCII without blanks, has exactly one '@', a
 * local-part of 1..64 octets without '"', '%' or '!', a lowercase LDH
 * domain of two labels or more that mb.domain repeats, and parsing the
 * mailbox again gives the same mailbox. A dmarc-uri accepted with the
 * mailto scheme names a mailbox too.
 */
#include "dmarc/dmarc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_mailbox(const dmarc_mailbox *mb)
{
	dmarc_mailbox again;
	const char *at = strchr(mb->addr, '@');
	size_t i, n = strlen(mb->addr);

	if (at == NULL || strchr(at + 1, '@') != NULL || at == mb->addr ||
	    at - mb->addr > 64 || n > DMARC_MAILBOX_MAX ||
	    strcmp(at + 1, mb->domain) != 0 || strchr(mb->domain, '.') == NULL)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)mb->addr[i];

		if (c <= 0x20 || c >= 0x7f)
			abort();
		if (mb->addr + i < at && (c == '"' || c == '%' || c == '!'))
			abort();
		if (mb->addr + i > at && !((c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			abort();
	}
	if (dmarc_mailbox_parse(mb->addr, n, &again, NULL, 0) != 0 ||
	    strcmp(again.addr, mb->addr) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	dmarc_mailbox mb;
	dmarc_uri u;
	char why[160];

	why[sizeof(why) - 1] = 'x';
	if (dmarc_mailto_parse(s, size, &mb, why, sizeof(why)) == 0)
		check_mailbox(&mb);
	else if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
		abort();
	if (dmarc_mailbox_parse(s, size, &mb, why, sizeof(why)) == 0)
		check_mailbox(&mb);
	if (dmarc_uri_parse(s, size, &u, why, sizeof(why)) == 0) {
		if (strlen(u.uri) > DMARC_MAX_URI_LEN || (u.mailto &&
		    dmarc_mailto_parse(u.uri, strlen(u.uri), &mb, NULL, 0) != 0))
			abort();
		if (u.mailto)
			check_mailbox(&mb);
	}
	return 0;
}
