/*
 * spf/eval_int.h - the limits of check_host() (private to spf/; the entry
 * points are in spf.h). Each is RFC 7208 4.6.4 unless said otherwise.
 */
#ifndef AUTHMILTER_SPF_EVAL_INT_H
#define AUTHMILTER_SPF_EVAL_INT_H

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
/* Terms in all the records one evaluation parses (the top-level record,
 * its includes and redirects; local limit, RFC 7208 sets none): the
 * terms of one evaluation never take more than 8192 * sizeof(spf_term)
 * (576 KB on x86-64), whatever the 11 records hold (two records of the
 * largest size SPF_MAX_RECORD_TERMS allows). Past it: permerror. */
#define SPF_MAX_EVAL_TERMS 8192
/* Lookups started ahead of their term (spf_ev_prefetch): never more in
 * one evaluation than 4.6.4 lets it evaluate DNS terms. */
#define SPF_MAX_PREFETCH SPF_MAX_DNS_TERMS
/* 4.3 / 7.3: a domain name to query is at most 253 octets (no final dot). */
#define SPF_MAX_DOMAIN_LEN DOMAIN_MAX_TEXT

#include <stdint.h>

#include "spf/record_int.h"
#include "spf/spf.h"
#include "util/domain.h"
#include "util/ipaddr.h"

/*
 * One evaluation (one identity): everything check_host() needs, on the
 * caller's stack. identity.c fills the inputs, eval.c (the driver) and
 * eval_dns.c (lookups and the mechanisms that query DNS) do the rest.
 *
 *   spf_code spf_eval_run(spf_eval *ev, const char *domain, spf_result *out);
 *   int      spf_domain_valid(const char *d, char *why, size_t whylen);
 *
 * Between eval.c and eval_dns.c (nothing else uses these):
 *
 *   void spf_setr(spf_eval *ev, const char *fmt, ...);
 *   const dns_answer *spf_ev_lookup(spf_eval *ev, dns_query **qp,
 *            const char *name, dns_type t);
 *   int  spf_ev_deadline_passed(spf_eval *ev);
 *   int  spf_ev_void(spf_eval *ev, const char *what, const char *name);
 *   int  spf_ev_temp(spf_eval *ev, const char *what, const char *name,
 *            const dns_answer *a);
 *   const char *spf_ev_validated_name(void *arg);
 *   int  spf_ev_prefetch(spf_eval *ev, const char *name, dns_type t);
 *   void spf_ev_prefetch_drop(spf_eval *ev);
 *   void spf_ev_expand(spf_eval *ev);
 *   const dns_answer *spf_ev_wait(spf_eval *ev, dns_query *q);
 *   int  spf_mech_a(spf_eval *ev, const spf_term *t, const char *name,
 *            dns_type at);
 *   int  spf_mech_mx(spf_eval *ev, const spf_term *t, const char *name,
 *            dns_type at);
 *   int  spf_mech_ptr(spf_eval *ev, const char *name);
 *   int  spf_mech_exists(spf_eval *ev, const char *name);
 *
 * spf_setr() sets ev->reason (cut to SPF_REASON_MAX); fixed fields are
 * filled with strcopy() (util/strcopy.h), cut to their size.
 * spf_ev_lookup() starts a query (freed by the caller with
 * dns_query_free(*qp)) and waits for it until the lookup timeout or the
 * evaluation's deadline, whichever comes first, counting its DNSSEC state.
 * spf_ev_void() counts a void lookup (SPF_M_PERM with the reason set past
 * SPF_MAX_VOID_LOOKUPS, else SPF_M_NOMATCH); spf_ev_temp() sets a
 * temperror reason and returns SPF_M_TEMP. spf_ev_validated_name() is the
 * %{p} callback of the macro expander (arg: the spf_eval; ev->pdomain the
 * preferred domain).
 * spf_ev_prefetch() starts the lookup of a term's target when a record is
 * parsed, ahead of the term's evaluation, in the evaluation's budget; it
 * returns 0 (nothing started) once the started-but-untaken prefetches plus
 * ev->lookups reach SPF_MAX_DNS_TERMS, or SPF_MAX_PREFETCH were started,
 * or in a cache-only attempt (dns_cache_only_active). spf_ev_lookup()
 * takes a prefetched query for the same name and type instead of starting
 * one (one answered at once with a temporary failure, e.g. refused by the
 * budget, is dropped and the lookup started afresh), so the answers, the
 * 4.6.4 counts (made only when a term is evaluated) and the result are
 * those of an evaluation without prefetch. spf_ev_prefetch_drop() cancels
 * the untaken ones (spf_eval_run, at the end).
 * spf_ev_wait() waits for q as dns_query_wait() until the lookup's
 * deadline, and meanwhile calls spf_ev_expand() whenever a prefetched
 * TXT query is answered: a record that arrives while an earlier term is
 * still waiting has its own targets prefetched then (spf_ev_prefetch, so
 * the same bounds), not one round trip after the evaluation reaches it.
 * spf_ev_expand() parses each answered, not yet expanded prefetched TXT
 * answer (dns_query_peek: nothing is consumed or counted, the trace sees
 * the answer when its term takes it) and, when it is one valid SPF record,
 * prefetches its targets as if it were being evaluated. The mechanisms return an SPF_M_* outcome for the
 * target name given (already expanded; at: A or AAAA by the client's
 * family), with ev->reason set on errors.
 */
typedef struct spf_eval {
	dns_resolver *r;
	ipaddr ip;
	const char *helo;          /* %{h} */
	const char *receiver;      /* %{r} */
	int64_t now;               /* %{t} */
	int64_t deadline;          /* absolute, dns_now_ms() clock */
	dns_budget *budget;        /* the message's, or NULL */
	char deadline_what[64];    /* "deadline passed" or the budget's words */
	char sender[SPF_SENDER_MAX];
	char local[SPF_SENDER_MAX];
	char sender_domain[DNS_MAX_NAME_LEN + 1];

	unsigned lookups, voids;
	size_t terms;              /* parsed so far, SPF_MAX_EVAL_TERMS */
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

	/* lookups started ahead (spf_ev_prefetch); q NULL once taken */
	unsigned npf, pf_started;
	struct spf_prefetch {
		dns_query *q;
		dns_type type;
		int expanded;      /* its answer seen by spf_ev_expand() */
		char name[DNS_MAX_NAME_LEN + 1];
	} pf[SPF_MAX_PREFETCH];
} spf_eval;

/* Outcome of one mechanism. */
enum { SPF_M_NOMATCH = 0, SPF_M_MATCH = 1, SPF_M_TEMP = -1, SPF_M_PERM = -2 };

spf_code spf_eval_run(spf_eval *ev, const char *domain, spf_result *out);
int spf_domain_valid(const char *d, char *why, size_t whylen);

void spf_setr(spf_eval *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const dns_answer *spf_ev_lookup(spf_eval *ev, dns_query **qp,
    const char *name, dns_type t);
int spf_ev_deadline_passed(spf_eval *ev);
int spf_ev_void(spf_eval *ev, const char *what, const char *name);
int spf_ev_temp(spf_eval *ev, const char *what, const char *name,
    const dns_answer *a);
const char *spf_ev_validated_name(void *arg);
int spf_ev_prefetch(spf_eval *ev, const char *name, dns_type t);
void spf_ev_prefetch_drop(spf_eval *ev);
void spf_ev_expand(spf_eval *ev);
const dns_answer *spf_ev_wait(spf_eval *ev, dns_query *q);
int spf_mech_a(spf_eval *ev, const spf_term *t, const char *name,
    dns_type at);
int spf_mech_mx(spf_eval *ev, const spf_term *t, const char *name,
    dns_type at);
int spf_mech_ptr(spf_eval *ev, const char *name);
int spf_mech_exists(spf_eval *ev, const char *name);

#endif
