/*
 * tests/fuzz/fuzz_spf_record.c - libFuzzer target: SPF record selection and
 * parsing (spf/record.c) on arbitrary bytes, with "v=spf1 " forced in
 * front half of the time so the term parser is reached. Every term a
 * successful parse returns must lie inside the input, and a parse gives
 * exactly the terms spf_record_count_terms() counts, never more than
 * SPF_MAX_RECORD_TERMS.
 */
#include "spf/record_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const char *txt, size_t len)
{
	spf_record rec;
	char err[256];
	size_t i;

	(void)spf_record_is_spf(txt, len);
	if (spf_record_parse(txt, len, &rec, err, sizeof(err)) != 0)
		return;
	if (rec.nterms > SPF_MAX_RECORD_TERMS ||
	    rec.nterms != spf_record_count_terms(txt, len))
		abort();
	for (i = 0; i < rec.nterms; i++) {
		const spf_term *t = &rec.terms[i];

		if (t->text < txt || t->text + t->textlen > txt + len ||
		    (t->spec && (t->spec < txt || t->spec + t->speclen >
		    txt + len)))
			abort();
	}
	spf_record_free(&rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 8);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	one(buf, size);
	memcpy(buf, "v=spf1 ", 7);
	memcpy(buf + 7, data, size);
	one(buf, size + 7);
	free(buf);
	return 0;
}
