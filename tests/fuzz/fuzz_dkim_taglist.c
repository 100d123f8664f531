/*
 * tests/fuzz/fuzz_dkim_taglist.c - libFuzzer target: the RFC 6376 3.2
 * tag-list parser and the DKIM-Signature tag table on arbitrary bytes.
 * Checks that every span returned lies inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_sig_int.h"
#include "util/taglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	taglist_tag tags[16];
	size_t n, k;
	char err[160];
	const char *s = (const char *)data;
	static dkim_sig sig;
	strbuf sb;

	if (taglist_parse(s, size, size ? data[0] & 3 : 0, tags, 16, &n, err,
	    sizeof(err)) == 0)
		for (k = 0; k < n; k++)
			if (tags[k].value_end > size || tags[k].value_start >
			    tags[k].value_end || tags[k].value + tags[k].value_len >
			    s + size)
				abort();
	(void)dkim_sig_parse(&sig, s, size, err, sizeof(err));
	sb_init_max(&sb, size + 1);
	(void)dkim_sig_strip_b(s, size, &sb);
	sb_free(&sb);
	return 0;
}
