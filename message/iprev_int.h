/*
 * message/iprev_int.h - iprev (RFC 8601 2.7.3): forward-confirmed reverse
 * DNS of the client address, for message.c. Never blocks but in
 * iprev_finish().
 *
 * SYNOPSIS
 *   void iprev_start(msg_iprev *p, dns_resolver *r, dns_budget *b,
 *       const char *ip);
 *   void iprev_advance(msg_iprev *p, dns_resolver *r);
 *   void iprev_finish(msg_iprev *p, dns_resolver *r);
 *   void iprev_clear(msg_iprev *p);
 *
 * DESCRIPTION
 *   iprev_start() makes p's own pool of budget b (dns_budget_pool:
 *   MSG_IPREV_LOOKUPS lookups that nothing else uses and that never use
 *   b's count, b's deadline; the client's own DNS answers them, so they
 *   must not starve SPF or DMARC) and starts the PTR lookup of ip in it.
 *   iprev_advance() starts the A (IPv4)
 *   or AAAA (IPv6) lookups of the PTR names, at most MSG_IPREV_MAX_NAMES,
 *   once the PTR answer is in, without waiting. iprev_finish() waits for
 *   what is left (up to the budget's deadline) and sets p->res: pass when
 *   one name resolves back to ip (p->res.name), fail when the forward
 *   answers came and none does, permerror when there is no PTR data
 *   (NXDOMAIN or NODATA: RFC 8601 2.7.3), temperror when a lookup failed
 *   or timed out and no name confirmed. p->res.ptr_sec / fwd_sec are the
 *   DNSSEC states of the PTR answer and of the confirming (or last)
 *   forward answer. iprev_clear() frees the queries and zeroes p.
 */
#ifndef AUTHMILTER_MESSAGE_IPREV_INT_H
#define AUTHMILTER_MESSAGE_IPREV_INT_H

#include "dns/dns.h"
#include "message/message.h"
#include "util/ipaddr.h"

/* RFC 7208 5.5 bounds the names of a PTR answer it checks to 10; iprev
 * takes the same bound (RFC 8601 2.7.3 names none). */
#define MSG_IPREV_MAX_NAMES 10
/* iprev's own DNS allowance: the PTR and one lookup per name */
#define MSG_IPREV_LOOKUPS (1 + MSG_IPREV_MAX_NAMES)

typedef struct msg_iprev {
	int started;
	dns_budget *pool;                     /* MSG_IPREV_LOOKUPS of b */
	ipaddr addr;
	dns_query *ptr;
	int fwd_started;
	size_t nnames;
	char names[MSG_IPREV_MAX_NAMES][DNS_MAX_NAME_LEN + 1];
	dns_query *fwd[MSG_IPREV_MAX_NAMES];
	msg_iprev_result res;
} msg_iprev;

void iprev_start(msg_iprev *p, dns_resolver *r, dns_budget *b,
    const char *ip);
void iprev_advance(msg_iprev *p, dns_resolver *r);
void iprev_finish(msg_iprev *p, dns_resolver *r);
void iprev_clear(msg_iprev *p);

#endif
