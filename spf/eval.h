/*
 * spf/eval.h - the limits of check_host() (private to spf/; the entry points
 * are in spf.h). Each is RFC 7208 4.6.4 unless said otherwise.
 */
#ifndef AUTHMILTER_SPF_EVAL_H
#define AUTHMILTER_SPF_EVAL_H

/* 4.6.4: at most 10 terms that cause DNS queries (include a mx ptr exists
 * redirect); the 11th is a permerror. */
#define SPF_MAX_DNS_TERMS 10
/* 4.6.4: at most 2 "void lookups" (NXDOMAIN or no answers); the 3rd is a
 * permerror. */
#define SPF_MAX_VOID_LOOKUPS 2
/* 4.6.4: an "mx" term may not cause more than 10 address lookups: more
 * than 10 MX records is a permerror. */
#define SPF_MAX_MX_ADDRESS_LOOKUPS 10
/* 4.6.4: a "ptr" term (and %{p}, 7.3) looks at the first 10 PTR names;
 * the rest are ignored. */
#define SPF_MAX_PTR_NAMES 10
/* include/redirect nesting: bounded by SPF_MAX_DNS_TERMS, plus the
 * top-level record. */
#define SPF_MAX_DEPTH (SPF_MAX_DNS_TERMS + 1)
/* 4.3 / 7.3: a domain name to query is at most 253 octets (no final dot). */
#define SPF_MAX_DOMAIN_LEN 253

#include <stdint.h>

#include "spf/spf.h"
#include "util/ipaddr.h"

/*
 * One evaluation (one identity): everything check_host() needs, on the
 * caller's stack. identity.c fills the inputs, eval.c does the rest.
 *
 *   spf_code spf_eval_run(spf_eval *ev, const char *domain, spf_result *out);
 *   int      spf_domain_valid(const char *d, char *why, size_t whylen);
 */
typedef struct spf_eval {
	dns_resolver *r;
	ipaddr ip;
	const char *helo;          /* %{h} */
	const char *receiver;      /* %{r} */
	int64_t now;               /* %{t} */
	int64_t deadline;          /* absolute, dns_now_ms() clock */
	char sender[SPF_SENDER_MAX];
	char local[SPF_SENDER_MAX];
	char sender_domain[DNS_MAX_NAME_LEN + 1];

	unsigned lookups, voids;
	unsigned nanswers, nsecure;
	int bogus;
	int depth;
	char stack[SPF_MAX_DEPTH + 1][DNS_MAX_NAME_LEN + 1];
	char mechanism[SPF_MECHANISM_MAX];
	char reason[SPF_REASON_MAX];
	char explanation[SPF_EXPLANATION_MAX];

	/* %{p}: validated names, found once per evaluation */
	int pnames_done;
	unsigned npnames;
	char pnames[SPF_MAX_PTR_NAMES][DNS_MAX_NAME_LEN + 1];
	const char *pdomain;       /* <domain> the %{p} asker prefers */
} spf_eval;

spf_code spf_eval_run(spf_eval *ev, const char *domain, spf_result *out);
int spf_domain_valid(const char *d, char *why, size_t whylen);

#endif
