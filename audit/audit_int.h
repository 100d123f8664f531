/*
 * audit/audit_int.h - what the checks of audit/ share (private to audit/):
 * the lookups (started at once, waited for with the resolver's per-lookup
 * deadline, each recorded in the report) and the findings.
 */
#ifndef AUTHMILTER_AUDIT_INT_H
#define AUTHMILTER_AUDIT_INT_H

#include "audit/audit.h"

typedef struct audit_ctx {
	dns_resolver *r;
	audit_report *rep;
	const char *domain;
} audit_ctx;

/* One lookup: started by ax_start (never blocks), waited for by ax_wait
 * (which records it in the report, and for a temporary failure or bogus
 * data adds an error finding in area), freed by ax_free. */
typedef struct ax_q {
	dns_query *q;
	const dns_answer *a;
	char name[DNS_MAX_NAME_LEN + 1];
	dns_type type;
} ax_q;

void ax_start(audit_ctx *c, ax_q *x, const char *name, dns_type type);
const dns_answer *ax_wait(audit_ctx *c, ax_q *x, audit_area area);
void ax_free(ax_q *x);
/* records, NODATA or NXDOMAIN (not a failure) */
int ax_known(const dns_answer *a);
int ax_empty(const dns_answer *a);

void ax_add(audit_ctx *c, audit_area area, audit_level level,
    const char *code, const char *rfc, dns_sec sec, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* The checks of each area. audit_spf() says whether the record lets any
 * host send (*sends: not only "-all") and whether there is one (*have),
 * for the null MX check. */
void audit_spf(audit_ctx *c, ax_q *txt, int *sends, int *have);
void audit_dkim(audit_ctx *c, ax_q *key, const char *selector);
void audit_dmarc(audit_ctx *c, ax_q *txt);

#endif
