/*
 * message/upstream.c - mail relayed by a gateway in upstream_networks:
 * the original client (IP and HELO) is read from the gateway's own
 * Received field, and SPF and iprev judge it instead of the gateway.
 *
 * Which Received field: the header fields are read top down (the newest
 * first). A field whose from clause names an address in upstream_networks
 * or trusted_networks is a hop between our own hosts (our MTA's own
 * Received field naming the gateway, a hop between chained gateways) and
 * is skipped; the first field naming any other address is the gateway's
 * record of the original client. A field that cannot be read stops the
 * walk: the fields below it may have been written by the sender, so
 * reading on would let a sender choose the address judged. At most
 * MSG_MAX_UPSTREAM_HOPS fields are looked through.
 *
 * Fail closed: when no such field is found (none, unreadable, too many
 * hops), the gateway's own address is NOT judged (it would pass nothing
 * useful and say nothing of the sender): SPF is none with the reason
 * (verdict.c), DMARC then rests on DKIM alone, so a p=reject domain
 * without an aligned DKIM pass is still rejected. Not temperror: the
 * message would carry the same fields on every retry, and with the
 * default on_dns_temperror = accept a temperror would accept what the
 * policy rejects. The verdict's `upstream` says which (the log line).
 * dmarc_exempt_networks likewise matches the original client only: with
 * no usable field nothing is exempt.
 */
#include <stdio.h>
#include <string.h>

#include "message/message_int.h"
#include "message/received_parse_int.h"
#include "util/ipaddr.h"
#include "util/strbuf.h"
#include "util/strcopy.h"

static int
ours(const msg_env *env, const char *ip)
{
	ipaddr a;

	if (ipaddr_parse(ip, &a) < 0)
		return 0;
	/* no ipaddr_unmap(): received_parse() gives ::ffff:a.b.c.d unmapped */
	return ipaddr_match_list(&a, env->upstream, env->upstream_prefix,
	    env->nupstream) || ipaddr_match_list(&a, env->trusted,
	    env->trusted_prefix, env->ntrusted);
}

static void
hop_fail(msg *m, const char *why)
{
	m->hop_state = MSG_HOP_FAILED;
	str_fmt(m->hop_why, sizeof(m->hop_why), "no usable Received field "
	    "from gateway %s: Received field %u: %s", m->ip, m->nreceived, why);
}

/* One Received field (value NULL: too big to be read). */
int
msg_upstream_received(msg *m, const char *value, size_t len)
{
	received_hop h;
	char err[128];

	if (m->hop_state != MSG_HOP_LOOKING)
		return 0;
	m->nreceived++;
	if (value == NULL) {
		hop_fail(m, "too big to be read");
		return -1;
	}
	if (received_parse(value, len, &h, err, sizeof(err)) < 0) {
		hop_fail(m, err);
		return -1;
	}
	if (ours(m->env, h.ip)) {
		if (m->nreceived >= MSG_MAX_UPSTREAM_HOPS) {
			snprintf(err, sizeof(err), "more than %u hops through "
			    "upstream_networks (local limit)",
			    (unsigned)MSG_MAX_UPSTREAM_HOPS);
			hop_fail(m, err);
			return -1;
		}
		return 0;
	}
	strcopy(m->src_ip, sizeof(m->src_ip), h.ip);
	strcopy(m->src_helo, sizeof(m->src_helo), h.helo);
	m->hop_state = MSG_HOP_FOUND;
	str_fmt(m->hop_why, sizeof(m->hop_why), "client %s (helo %s) from "
	    "Received field %u, via gateway %s", m->src_ip, m->src_helo,
	    m->nreceived, m->ip);
	return 0;
}

/* End of headers: still looking means there was no field to read. */
static void
hop_eoh(msg *m)
{
	const char *arip = msg_upstream_ar_ip(m);
	ipaddr a;

	if (m->hop_state != MSG_HOP_LOOKING)
		return;
	m->hop_state = MSG_HOP_FAILED;
	if (arip != NULL && ipaddr_parse(arip, &a) == 0) {
		/* the reports' source IP: the client the gateway's AR names
		 * (its SPF result, if any, is upstream_ar.c's) */
		(void)ipaddr_unmap(&a);
		(void)ipaddr_format(&a, m->src_ip, sizeof(m->src_ip));
		str_fmt(m->hop_why, sizeof(m->hop_why), "client %s from the "
		    "Authentication-Results of the gateway %s (no usable "
		    "Received field)", m->src_ip, m->ip);
		return;
	}
	if (m->nreceived == 0)
		str_fmt(m->hop_why, sizeof(m->hop_why), "no usable Received "
		    "field from gateway %s: none in the message", m->ip);
	else
		str_fmt(m->hop_why, sizeof(m->hop_why), "no usable Received "
		    "field from gateway %s: all %u name upstream or trusted "
		    "hosts", m->ip, m->nreceived);
}

void
msg_upstream_eoh(msg *m)
{
	char why[sizeof(m->hop_why)];

	hop_eoh(m);
	/* dmarc_exempt_networks judges the original client, once known
	 * (from the Received field or the trusted gateway's AR); the
	 * gateway's own address never exempts the mail it relays */
	m->exempt_source = strcmp(m->src_ip, m->ip) != 0 &&
	    msg_ip_exempt(m->env, m->src_ip);
	if (m->gw_ar_why[0] != '\0') {
		strcopy(why, sizeof(why), m->hop_why);
		str_fmt(m->hop_why, sizeof(m->hop_why), "%s; %s", why,
		    m->gw_ar_why);
	}
}
