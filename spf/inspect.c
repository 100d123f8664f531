/*
 * spf/inspect.c - an SPF record as a list of terms for a reader that does
 * not evaluate it (`authmilter domain`: lookup counts, all, ptr): the
 * public face of the evaluator's own parser (record.c), so the audit and
 * the evaluator never disagree on what a record says (see spf.h).
 */
#include "spf/spf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/record_int.h"
#include "util/zalloc.h"

static spf_term_type
public_type(spf_term_kind k)
{
	switch (k) {
	case SPF_T_ALL: return SPF_TERM_ALL;
	case SPF_T_INCLUDE: return SPF_TERM_INCLUDE;
	case SPF_T_A: return SPF_TERM_A;
	case SPF_T_MX: return SPF_TERM_MX;
	case SPF_T_PTR: return SPF_TERM_PTR;
	case SPF_T_IP4: return SPF_TERM_IP4;
	case SPF_T_IP6: return SPF_TERM_IP6;
	case SPF_T_EXISTS: return SPF_TERM_EXISTS;
	case SPF_T_REDIRECT: return SPF_TERM_REDIRECT;
	case SPF_T_EXP: return SPF_TERM_EXP;
	case SPF_T_UNKNOWN_MOD: break;
	}
	return SPF_TERM_OTHER;
}

int
spf_is_record(const char *txt, size_t len)
{
	return spf_record_is_spf(txt, len);
}

int
spf_record_inspect(const char *txt, size_t len, spf_record_info *out,
    char *err, size_t errlen)
{
	spf_record rec;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = spf_record_parse(txt, len, &rec, err, errlen);
	if (rc != 0)
		return rc;
	if (rec.nterms > 0 &&
	    (out->terms = zalloc(rec.nterms * sizeof(*out->terms))) == NULL) {
		spf_record_free(&rec);
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	for (i = 0; i < rec.nterms; i++) {
		const spf_term *t = &rec.terms[i];
		spf_term_info *o = &out->terms[i];
		size_t n = t->speclen;

		o->type = public_type(t->kind);
		o->qualifier = t->qualifier;
		if (t->spec != NULL) {
			o->macro = memchr(t->spec, '%', t->speclen) != NULL;
			if (n >= sizeof(o->target))
				n = sizeof(o->target) - 1;
			memcpy(o->target, t->spec, n);
			o->target[n] = '\0';
		}
	}
	out->nterms = rec.nterms;
	spf_record_free(&rec);
	return 0;
}

void
spf_record_info_free(spf_record_info *info)
{
	free(info->terms);
	memset(info, 0, sizeof(*info));
}
