/*
 * message/iprev.c - iprev, RFC 8601 2.7.3 (contract in iprev_int.h):
 * the PTR of the client address, then the A or AAAA of each name it
 * returns, all started without waiting; informational only (the verdict
 * never reads it). Its lookups go in a pool of the message's budget
 * (MSG_IPREV_LOOKUPS of its own): the client's DNS answers them, so a PTR
 * with many names must not use the count SPF and DMARC need.
 */
#include "message/iprev_int.h"

#include <stdio.h>
#include <string.h>

#include "util/strcopy.h"

void
iprev_start(msg_iprev *p, dns_resolver *r, dns_budget *b, const char *ip)
{
	char rev[IPADDR_REVERSE_MAX];

	iprev_clear(p);
	p->started = 1;
	strcopy(p->res.ip, sizeof(p->res.ip), ip);
	if ((p->pool = dns_budget_pool(b, "iprev", MSG_IPREV_LOOKUPS)) ==
	    NULL) {
		p->res.code = MSG_IPREV_TEMPERROR;
		snprintf(p->res.why, sizeof(p->res.why),
		    "out of memory starting the lookups");
		return;
	}
	if (ipaddr_parse(ip, &p->addr) == 0)
		(void)ipaddr_unmap(&p->addr);  /* ::ffff:a.b.c.d: in-addr.arpa */
	else
		p->addr.family = 0;
	if (p->addr.family == 0 || ipaddr_reverse_name(&p->addr, rev,
	    sizeof(rev)) < 0) {
		p->res.code = MSG_IPREV_PERMERROR;
		snprintf(p->res.why, sizeof(p->res.why),
		    "no reverse name for the client address");
		return;
	}
	p->ptr = dns_query_start_in(r, p->pool, 0, rev, DNS_T_PTR);
}

static void
start_forward(msg_iprev *p, dns_resolver *r, const dns_answer *a)
{
	dns_type t = p->addr.family == AF_INET6 ? DNS_T_AAAA : DNS_T_A;
	size_t i;

	p->fwd_started = 1;
	p->res.ptr_sec = a->sec;
	if (a->status != DNS_RECORDS)
		return;
	for (i = 0; i < a->count && p->nnames < MSG_IPREV_MAX_NAMES; i++) {
		if (a->records[i].type != DNS_T_PTR)
			continue;
		strcopy(p->names[p->nnames], sizeof(p->names[0]),
		    a->records[i].u.ptr);
		p->fwd[p->nnames] = dns_query_start_in(r, p->pool, 0,
		    p->names[p->nnames], t);
		p->nnames++;
	}
}

void
iprev_advance(msg_iprev *p, dns_resolver *r)
{
	if (!p->started || p->fwd_started || p->ptr == NULL ||
	    !dns_query_done(p->ptr))
		return;
	start_forward(p, r, dns_query_wait(p->ptr, dns_now_ms()));
}

/* Does the forward answer a hold the client address? */
static int
confirms(const msg_iprev *p, const dns_answer *a)
{
	size_t i;
	ipaddr x;

	for (i = 0; a->status == DNS_RECORDS && i < a->count; i++) {
		if (a->records[i].type == DNS_T_A)
			ipaddr_from_in(&x, &a->records[i].u.a);
		else if (a->records[i].type == DNS_T_AAAA)
			ipaddr_from_in6(&x, &a->records[i].u.aaaa);
		else
			continue;
		if (ipaddr_equal(&x, &p->addr))
			return 1;
	}
	return 0;
}

void
iprev_finish(msg_iprev *p, dns_resolver *r)
{
	int64_t deadline = dns_budget_deadline(p->pool);
	const dns_answer *a;
	size_t i;
	int temp = 0;

	if (!p->started || p->res.code != MSG_IPREV_NONE)
		return;
	if (deadline == 0)
		deadline = dns_now_ms() + dns_resolver_timeout_ms(r);
	a = p->ptr != NULL ? dns_query_wait(p->ptr, deadline) : NULL;
	if (a == NULL || a->status == DNS_TEMPFAIL) {
		p->res.code = MSG_IPREV_TEMPERROR;
		strcopy(p->res.why, sizeof(p->res.why), "PTR lookup failed");
		if (a != NULL && a->why[0] != '\0') {
			strcopy(p->res.why, sizeof(p->res.why), "PTR lookup: ");
			strcopy(p->res.why + 12, sizeof(p->res.why) - 12, a->why);
		}
		return;
	}
	if (!p->fwd_started)
		start_forward(p, r, a);
	if (a->status != DNS_RECORDS || p->nnames == 0) {
		/* RFC 8601 2.7.3: no PTR data is a permerror */
		p->res.code = MSG_IPREV_PERMERROR;
		snprintf(p->res.why, sizeof(p->res.why), "no PTR record");
		return;
	}
	for (i = 0; i < p->nnames; i++) {
		const dns_answer *f = p->fwd[i] != NULL ?
		    dns_query_wait(p->fwd[i], deadline) : NULL;

		if (f == NULL || f->status == DNS_TEMPFAIL) {
			temp = 1;
			continue;
		}
		p->res.fwd_sec = f->sec;
		if (confirms(p, f)) {
			p->res.code = MSG_IPREV_PASS;
			strcopy(p->res.name, sizeof(p->res.name), p->names[i]);
			return;
		}
	}
	strcopy(p->res.name, sizeof(p->res.name), p->names[0]);
	p->res.code = temp ? MSG_IPREV_TEMPERROR : MSG_IPREV_FAIL;
	snprintf(p->res.why, sizeof(p->res.why), temp ?
	    "a forward lookup of the PTR names failed" :
	    "no PTR name resolves to the address");
}

void
iprev_clear(msg_iprev *p)
{
	size_t i;

	dns_query_free(p->ptr);
	for (i = 0; i < p->nnames; i++)
		dns_query_free(p->fwd[i]);
	dns_budget_release(p->pool);
	memset(p, 0, sizeof(*p));
}

const char *
msg_iprev_name(msg_iprev_code c)
{
	switch (c) {
	case MSG_IPREV_PASS: return "pass";
	case MSG_IPREV_FAIL: return "fail";
	case MSG_IPREV_TEMPERROR: return "temperror";
	case MSG_IPREV_PERMERROR: return "permerror";
	default: return "none";
	}
}
