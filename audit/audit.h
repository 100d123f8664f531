/*
 * audit/audit.h - "is this domain ready to send?": the checks behind
 * `authmilter domain D` over the libraries (the public header of audit/).
 *
 * SYNOPSIS
 *   int  audit_domain(dns_resolver *r, const audit_request *req,
 *            audit_report *out);
 *   void audit_report_free(audit_report *rep);
 *   const char *audit_level_name(audit_level l);
 *   const char *audit_area_name(audit_area a);
 *
 * DESCRIPTION
 *   audit_domain() looks the domain's SPF, DKIM (the selectors in req),
 *   DMARC and MX records up through r (queries that do not depend on each
 *   other run at once) and judges them with the libraries' own parsers
 *   (spf_record_inspect, dkim_key_inspect, dmarc_record_parse and the
 *   RFC 9989 tree walk of dmarc_evaluate, dmarc_report_auth). Each
 *   finding has an area (SPF, DKIM, DMARC, MX), a level (ok, warning,
 *   error), a stable code ("spf-lookups", "dkim-testing", ...), a reason
 *   in words, the RFC section it rests on, and the DNSSEC state of the
 *   answer it comes from. Every answer used is listed too (name, type,
 *   status, DNSSEC state). A lookup that failed temporarily sets
 *   out->tempfail (and an error finding says which); a DNSSEC-bogus
 *   answer is an error finding. Returns 0, or -1 when memory ran out
 *   (out then holds what was found so far). Nothing here prints or logs.
 *
 *   Bounds (local limits): the SPF walk follows includes and redirects
 *   until AUDIT_SPF_WALK_MAX DNS terms have been counted (then the count
 *   is "at least"); at most AUDIT_MAX_SELECTORS selectors.
 */
#ifndef AUTHMILTER_AUDIT_H
#define AUTHMILTER_AUDIT_H

#include <stddef.h>

#include "dns/dns.h"

/* Local limit: DNS terms the SPF walk counts before it stops following
 * (four times RFC 7208 4.6.4's 10: enough to say how far over it is). */
#define AUDIT_SPF_WALK_MAX 40
#define AUDIT_MAX_SELECTORS 16
#define AUDIT_REASON_MAX 400

typedef enum { AUDIT_OK, AUDIT_WARNING, AUDIT_ERROR } audit_level;
typedef enum { AUDIT_SPF, AUDIT_DKIM, AUDIT_DMARC, AUDIT_MX } audit_area;
#define AUDIT_NAREAS 4

typedef struct audit_finding {
	audit_area area;
	audit_level level;
	const char *code;              /* stable: "spf-lookups", ... */
	const char *rfc;               /* "RFC 7208 4.6.4", ... */
	dns_sec sec;                   /* of the answer it comes from */
	char reason[AUDIT_REASON_MAX];
} audit_finding;

typedef struct audit_answer {
	char name[DNS_MAX_NAME_LEN + 1];
	dns_type type;
	dns_status status;
	dns_sec sec;
} audit_answer;

typedef struct audit_request {
	const char *domain;
	const char *const *selectors;  /* DKIM selectors to check */
	size_t nselectors;
} audit_request;

typedef struct audit_report {
	char domain[DNS_MAX_NAME_LEN + 1];
	audit_finding *findings;
	size_t nfindings, capf;
	audit_answer *answers;
	size_t nanswers, capa;
	int tempfail;                  /* a lookup failed temporarily */
	int oom;
} audit_report;

int audit_domain(dns_resolver *r, const audit_request *req,
    audit_report *out);
void audit_report_free(audit_report *rep);
const char *audit_level_name(audit_level l);   /* "ok" "warning" "error" */
const char *audit_area_name(audit_area a);     /* "SPF" "DKIM" "DMARC" "MX" */

#endif
