/*
 * spf/eval_dns.c - the DNS side of check_host() (RFC 7208): lookups
 * bounded by the evaluation's deadline with their DNSSEC state counted,
 * the 4.6.4 void-lookup count, temperror reasons, the mechanisms that
 * query DNS (a, mx, ptr, exists; 5.3-5.7) and PTR validation (5.5, also
 * behind the %{p} macro, 7.3). Contract in eval_int.h.
 *
 * Independent address lookups of one term (the hosts of an MX set, the
 * names of a PTR set) are started together so their round trips overlap;
 * the 4.6.4 counts are per term, so that changes nothing about the limits.
 * The targets of a parsed record's terms are started ahead
 * (spf_ev_prefetch) and taken by the term's own lookup; every wait
 * (spf_ev_wait) also expands the prefetched records that arrive meanwhile,
 * so a nested include's targets start when its record comes in.
 */
#include "spf/eval_int.h"

#include <string.h>
#include <strings.h>

#include "util/domain.h"

#include "util/strcopy.h"

static int64_t
wait_deadline(spf_eval *ev)
{
	int64_t d = dns_now_ms() + dns_resolver_timeout_ms(ev->r);

	return d < ev->deadline ? d : ev->deadline;
}

static void
note(spf_eval *ev, const dns_answer *a)
{
	ev->nanswers++;
	if (a->sec == DNS_SEC_SECURE)
		ev->nsecure++;
	else if (a->sec == DNS_SEC_BOGUS)
		ev->bogus = 1;
}

static const char *
why(const dns_answer *a)
{
	if (a->sec == DNS_SEC_BOGUS)
		return a->why[0] ? a->why : "DNSSEC bogus";
	if (a->rcode == 2)
		return "SERVFAIL";
	if (a->why[0])
		return a->why;
	return dns_status_name(a->status);
}

/* ---- lookups started ahead of their term (contract in eval_int.h) ---- */

int
spf_ev_prefetch(spf_eval *ev, const char *name, dns_type t)
{
	struct spf_prefetch *pf;
	unsigned i, pending = 0;

	if (dns_cache_only_active() || spf_ev_deadline_passed(ev))
		return 0;
	for (i = 0; i < ev->npf; i++) {
		if (ev->pf[i].q == NULL)
			continue;
		if (ev->pf[i].type == t &&
		    strcasecmp(ev->pf[i].name, name) == 0)
			return 1;	/* already on its way */
		pending++;
	}
	if (ev->pf_started >= SPF_MAX_PREFETCH ||
	    ev->lookups + pending >= SPF_MAX_DNS_TERMS)
		return 0;
	for (i = 0; i < ev->npf && ev->pf[i].q != NULL; i++)
		;
	if (i == ev->npf)
		ev->npf++;
	pf = &ev->pf[i];
	strcopy(pf->name, sizeof(pf->name), name);
	pf->type = t;
	pf->expanded = 0;
	pf->q = dns_query_start_in(ev->r, ev->budget, 0, name, t);
	ev->pf_started++;
	return 1;
}

void
spf_ev_prefetch_drop(spf_eval *ev)
{
	unsigned i;

	for (i = 0; i < ev->npf; i++) {
		dns_query_free(ev->pf[i].q);
		ev->pf[i].q = NULL;
	}
	ev->npf = 0;
}

/* The prefetched query for name and type, taken out of its slot; NULL
 * when there is none, or it was answered at once with a temporary failure
 * (refused by the budget then: asked afresh, as without prefetch). */
static dns_query *
take_prefetched(spf_eval *ev, const char *name, dns_type t)
{
	dns_query *q;
	unsigned i;

	for (i = 0; i < ev->npf; i++) {
		if (ev->pf[i].q == NULL || ev->pf[i].type != t ||
		    strcasecmp(ev->pf[i].name, name) != 0)
			continue;
		q = ev->pf[i].q;
		ev->pf[i].q = NULL;
		if (dns_query_done(q) && dns_query_wait(q,
		    dns_now_ms())->status == DNS_TEMPFAIL) {
			dns_query_free(q);
			return NULL;
		}
		return q;
	}
	return NULL;
}

/* q's answer; meanwhile the prefetched records that arrive are
 * expanded (contract in eval_int.h). */
const dns_answer *
spf_ev_wait(spf_eval *ev, dns_query *q)
{
	dns_query *qs[1 + SPF_MAX_PREFETCH];
	int64_t dl = wait_deadline(ev);
	unsigned i, n;

	for (;;) {
		spf_ev_expand(ev);
		n = 0;
		qs[n++] = q;
		for (i = 0; i < ev->npf; i++)
			if (ev->pf[i].q != NULL && ev->pf[i].type == DNS_T_TXT &&
			    !ev->pf[i].expanded)
				qs[n++] = ev->pf[i].q;
		/* 0: q answered; -1: the deadline (dns_query_wait's) */
		if (n == 1 || dns_query_wait_any(qs, n, dl) <= 0)
			break;
	}
	return dns_query_wait(q, dl);
}

const dns_answer *
spf_ev_lookup(spf_eval *ev, dns_query **qp, const char *name, dns_type t)
{
	const dns_answer *a;

	if ((*qp = take_prefetched(ev, name, t)) == NULL)
		*qp = dns_query_start_in(ev->r, ev->budget, 0, name, t);
	a = spf_ev_wait(ev, *qp);
	note(ev, a);
	return a;
}

int
spf_ev_deadline_passed(spf_eval *ev)
{
	return dns_now_ms() >= ev->deadline;
}

/* A void lookup (4.6.4): returns SPF_M_PERM when over the limit. */
int
spf_ev_void(spf_eval *ev, const char *what, const char *name)
{
	if (++ev->voids > SPF_MAX_VOID_LOOKUPS) {
		spf_setr(ev, "too many void DNS lookups (%u > %d, RFC 7208 "
		    "4.6.4), last %s %s", ev->voids, SPF_MAX_VOID_LOOKUPS, what,
		    name);
		return SPF_M_PERM;
	}
	return SPF_M_NOMATCH;
}

int
spf_ev_temp(spf_eval *ev, const char *what, const char *name,
    const dns_answer *a)
{
	if (spf_ev_deadline_passed(ev))
		spf_setr(ev, "%s during %s lookup for %s",
		    ev->deadline_what, what, name);
	else
		spf_setr(ev, "%s lookup for %s: %s", what, name, why(a));
	return SPF_M_TEMP;
}

/*
 * RFC 7208 5.5: the PTR names of ev->ip (first SPF_MAX_PTR_NAMES) whose
 * A/AAAA lookup gives back ev->ip. Only names accepted by filter (NULL: all)
 * are validated. Writes up to max names into out; returns how many, or
 * -1 when the PTR lookup itself was void (for the void count).
 */
static int
validate_ptr(spf_eval *ev, const char *filter, char (*out)[DNS_MAX_NAME_LEN + 1],
    unsigned max)
{
	char rev[IPADDR_REVERSE_MAX];
	dns_query *q, *qs[SPF_MAX_PTR_NAMES];
	const char *names[SPF_MAX_PTR_NAMES];
	const dns_answer *a;
	dns_type t = ev->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
	unsigned n = 0, found = 0, i;
	size_t j;
	int rc = 0;

	if (ipaddr_reverse_name(&ev->ip, rev, sizeof(rev)) < 0)
		return 0;
	a = spf_ev_lookup(ev, &q, rev, DNS_T_PTR);
	if (a->status == DNS_NXDOMAIN || a->status == DNS_NODATA)
		rc = -1;
	for (j = 0; a->status == DNS_RECORDS && j < a->count &&
	    n < SPF_MAX_PTR_NAMES; j++) {
		if (a->records[j].type != DNS_T_PTR)
			continue;
		if (filter == NULL || domain_within(a->records[j].u.ptr,
		    filter, DOMAIN_TRAILING_DOT)) {
			names[n] = a->records[j].u.ptr;
			qs[n] = dns_query_start_in(ev->r, ev->budget, 0,
			    names[n], t);
			n++;
		} else {
			n++;  /* counts toward the first 10, needs no lookup */
			names[n - 1] = NULL;
			qs[n - 1] = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		const dns_answer *aa;

		if (qs[i] == NULL)
			continue;
		aa = spf_ev_wait(ev, qs[i]);
		note(ev, aa);
		for (j = 0; aa->status == DNS_RECORDS && j < aa->count &&
		    found < max; j++) {
			ipaddr x;

			if (aa->records[j].type == DNS_T_A)
				ipaddr_from_in(&x, &aa->records[j].u.a);
			else if (aa->records[j].type == DNS_T_AAAA)
				ipaddr_from_in6(&x, &aa->records[j].u.aaaa);
			else
				continue;
			if (ipaddr_equal(&x, &ev->ip)) {
				strcopy(out[found], DNS_MAX_NAME_LEN + 1,
				    names[i]);
				found++;
				break;
			}
		}
		dns_query_free(qs[i]);
	}
	dns_query_free(q);
	return rc < 0 && found == 0 ? -1 : (int)found;
}

/* %{p} (7.3): a validated name in <domain> if any, else any, else unknown. */
const char *
spf_ev_validated_name(void *arg)
{
	spf_eval *ev = arg;
	unsigned i;

	if (!ev->pnames_done) {
		int n = validate_ptr(ev, NULL, ev->pnames, SPF_MAX_PTR_NAMES);

		ev->npnames = n > 0 ? (unsigned)n : 0;
		ev->pnames_done = 1;
	}
	for (i = 0; i < ev->npnames; i++)
		if (ev->pdomain && domain_within(ev->pnames[i], ev->pdomain,
		    DOMAIN_TRAILING_DOT))
			return ev->pnames[i];
	return ev->npnames ? ev->pnames[0] : "unknown";
}

/* ---- the mechanisms that query DNS (5.3-5.7) ---- */

static int
addr_match(spf_eval *ev, const dns_record *r, const spf_term *t)
{
	ipaddr x;

	if (r->type == DNS_T_A)
		ipaddr_from_in(&x, &r->u.a);
	else if (r->type == DNS_T_AAAA)
		ipaddr_from_in6(&x, &r->u.aaaa);
	else
		return 0;
	return ipaddr_match(&ev->ip, &x, x.family == AF_INET ? t->cidr4 :
	    t->cidr6);
}

int
spf_mech_a(spf_eval *ev, const spf_term *t, const char *name, dns_type at)
{
	dns_query *q;
	const dns_answer *a = spf_ev_lookup(ev, &q, name, at);
	int rc = SPF_M_NOMATCH;
	size_t i;

	if (a->status == DNS_TEMPFAIL)
		rc = spf_ev_temp(ev, dns_type_name(at), name, a);
	else if (a->status == DNS_RECORDS) {
		for (i = 0; i < a->count && rc == SPF_M_NOMATCH; i++)
			if (addr_match(ev, &a->records[i], t))
				rc = SPF_M_MATCH;
	} else if (a->status != DNS_BADNAME)
		rc = spf_ev_void(ev, dns_type_name(at), name);
	dns_query_free(q);
	return rc;
}

int
spf_mech_mx(spf_eval *ev, const spf_term *t, const char *name, dns_type at)
{
	dns_query *q, *qs[SPF_MAX_MX_ADDRESS_LOOKUPS];
	const dns_answer *a = spf_ev_lookup(ev, &q, name, DNS_T_MX);
	size_t i, j, n = 0;
	int rc = SPF_M_NOMATCH, tempfail = 0;

	if (a->status == DNS_TEMPFAIL) {
		rc = spf_ev_temp(ev, "MX", name, a);
		goto out;
	}
	if (a->status != DNS_RECORDS) {
		if (a->status != DNS_BADNAME)
			rc = spf_ev_void(ev, "MX", name);
		goto out;
	}
	if (a->count > SPF_MAX_MX_ADDRESS_LOOKUPS) {
		spf_setr(ev, "%s has %zu MX records, more than %d (RFC 7208 "
		    "4.6.4)", name, a->count, SPF_MAX_MX_ADDRESS_LOOKUPS);
		rc = SPF_M_PERM;
		goto out;
	}
	for (i = 0; i < a->count; i++) {
		/* RFC 7505 null MX ("."): no host to look up */
		if (a->records[i].type != DNS_T_MX ||
		    a->records[i].u.mx.host[0] == '\0')
			continue;
		qs[n++] = dns_query_start_in(ev->r, ev->budget, 0,
		    a->records[i].u.mx.host, at);
	}
	for (i = 0; i < n; i++) {
		const dns_answer *aa = spf_ev_wait(ev, qs[i]);

		note(ev, aa);
		if (aa->status == DNS_TEMPFAIL && !tempfail) {
			tempfail = 1;
			spf_ev_temp(ev, dns_type_name(at), "an MX host", aa);
		}
		for (j = 0; rc == SPF_M_NOMATCH && aa->status == DNS_RECORDS &&
		    j < aa->count; j++)
			if (addr_match(ev, &aa->records[j], t))
				rc = SPF_M_MATCH;
	}
	for (i = 0; i < n; i++)
		dns_query_free(qs[i]);
	if (rc == SPF_M_NOMATCH && tempfail)
		rc = SPF_M_TEMP;
out:
	dns_query_free(q);
	return rc;
}

int
spf_mech_ptr(spf_eval *ev, const char *name)
{
	char one[1][DNS_MAX_NAME_LEN + 1];
	int n = validate_ptr(ev, name, one, 1);

	if (n < 0) {
		char rev[IPADDR_REVERSE_MAX];

		if (ipaddr_reverse_name(&ev->ip, rev, sizeof(rev)) < 0)
			rev[0] = '\0';
		return spf_ev_void(ev, "PTR", rev);
	}
	return n > 0 ? SPF_M_MATCH : SPF_M_NOMATCH;
}

int
spf_mech_exists(spf_eval *ev, const char *name)
{
	dns_query *q;
	const dns_answer *a = spf_ev_lookup(ev, &q, name, DNS_T_A);
	int rc = SPF_M_NOMATCH;

	if (a->status == DNS_TEMPFAIL)
		rc = spf_ev_temp(ev, "A", name, a);
	else if (a->status == DNS_RECORDS)
		rc = SPF_M_MATCH;
	else if (a->status != DNS_BADNAME)
		rc = spf_ev_void(ev, "A", name);
	dns_query_free(q);
	return rc;
}
