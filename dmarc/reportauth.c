/*
 * dmarc/reportauth.c - the external report destination check (RFC 9990 4,
 * RFC 7489 7.1) over the answer the caller fetched: does
 * "PD._report._dmarc.HOST" authorize HOST to receive PD's reports (see
 * dmarc.h). Shared by the report sender and `authmilter domain`.
 */
#include "dmarc/dmarc.h"

#include <stdio.h>
#include <string.h>

int
dmarc_report_auth(const dns_answer *a, const char *name, const char *host,
    dmarc_mailbox *mb, char *why, size_t whylen)
{
	size_t i, k;

	for (i = 0; a != NULL && a->status == DNS_RECORDS && i < a->count;
	    i++) {
		dmarc_record rec;
		char w[160];

		if (a->records[i].type != DNS_T_TXT ||
		    dmarc_record_parse(a->records[i].u.txt.text,
		    a->records[i].u.txt.len, DMARC_MODE_RFC9989, &rec, w,
		    sizeof(w)) == DMARC_RECORD_NOT_DMARC)
			continue;
		for (k = 0; k < rec.nrua; k++) {
			dmarc_mailbox o;

			if (dmarc_mailto_parse(rec.rua[k].uri,
			    strlen(rec.rua[k].uri), &o, NULL, 0) < 0 ||
			    strcmp(o.domain, host) != 0) {
				/* RFC 9990 4: an override elsewhere voids both */
				snprintf(why, whylen, "%s names another host",
				    name);
				return 0;
			}
			if (mb != NULL)
				*mb = o;
		}
		return 1;
	}
	snprintf(why, whylen, "%s has no v=DMARC1 record", name);
	return 0;
}
