/*
 * report/report_pack.c - a report record in one malloc'd block of its
 * actual size, for queues that hold many records (the history writer's):
 * a report_record is ~6 KB of fixed arrays, a typical one packs into a
 * few hundred octets. Contract in report.h (report_record_pack).
 *
 * Layout: the fixed part (time, the two alignment flags, total size),
 * then every string field of the record in one fixed order, each
 * NUL-terminated. Unpacking checks every string against the block size
 * and its field's size, so even a damaged block gives a defined record.
 */
#include "report/report.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct report_packed {
	int64_t time;
	size_t size;                  /* of the whole block */
	int dkim_aligned, spf_aligned;
	char s[];                     /* the strings, NUL-terminated, in order */
};

#define F(name) { offsetof(report_record, name), \
	sizeof(((report_record *)0)->name) }

static const struct {
	size_t off, size;
} fields[] = {
	F(source_ip), F(header_from), F(envelope_from), F(envelope_to),
	F(policy_domain), F(org_domain), F(spf_domain), F(spf_scope),
	F(spf_result), F(dkim), F(dmarc_result), F(disposition), F(reasons),
	F(discovery), F(p), F(sp), F(np), F(adkim), F(aspf), F(testing),
	F(psd), F(fo), F(rua), F(ruf),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

report_packed *
report_record_pack(const report_record *r)
{
	size_t k, len[NFIELDS], total = sizeof(report_packed);
	report_packed *p;
	char *dst;

	for (k = 0; k < NFIELDS; k++) {
		/* a field is NUL-terminated within its array (strnlen for safety) */
		len[k] = strnlen((const char *)r + fields[k].off,
		    fields[k].size - 1);
		total += len[k] + 1;
	}
	if ((p = malloc(total)) == NULL)
		return NULL;
	p->time = r->time;
	p->size = total;
	p->dkim_aligned = r->dkim_aligned;
	p->spf_aligned = r->spf_aligned;
	dst = p->s;
	for (k = 0; k < NFIELDS; k++) {
		memcpy(dst, (const char *)r + fields[k].off, len[k]);
		dst[len[k]] = '\0';
		dst += len[k] + 1;
	}
	return p;
}

size_t
report_packed_size(const report_packed *p)
{
	return p->size;
}

void
report_record_unpack(const report_packed *p, report_record *out)
{
	const char *s = p->s, *end = (const char *)p + p->size;
	size_t k;

	memset(out, 0, sizeof(*out));
	out->time = p->time;
	out->dkim_aligned = p->dkim_aligned;
	out->spf_aligned = p->spf_aligned;
	for (k = 0; k < NFIELDS && s < end; k++) {
		size_t n = strnlen(s, (size_t)(end - s));

		memcpy((char *)out + fields[k].off, s,
		    n < fields[k].size ? n : fields[k].size - 1);
		s += n + 1;
	}
}
