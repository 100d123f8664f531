/*
 * spf/identity.c - the public entry points of spf.h: turn an SMTP
 * transaction (client IP, HELO, MAIL FROM) into check_host() inputs for
 * the MAIL FROM and HELO identities (RFC 7208 2.3, 2.4, 4.1, 4.3).
 */
#include "spf/spf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spf/eval_int.h"
#include "util/envaddr.h"
#include "util/strcopy.h"

/* Common set-up; returns 0, or -1 after filling out (bad IP). */
static int
setup(spf_eval *ev, dns_resolver *r, const spf_request *req,
    spf_identity id, spf_result *out)
{
	memset(ev, 0, sizeof(*ev));
	memset(out, 0, sizeof(*out));
	out->identity = id;
	out->dnssec = DNS_SEC_INSECURE;
	ev->r = r;
	ev->helo = req->helo ? req->helo : "";
	ev->receiver = req->receiver;
	ev->now = req->now ? req->now : (int64_t)time(NULL);
	ev->deadline = req->deadline_ms ? req->deadline_ms :
	    dns_now_ms() + SPF_DEFAULT_DEADLINE_MS;
	ev->budget = req->budget;
	snprintf(ev->deadline_what, sizeof(ev->deadline_what),
	    "deadline passed");
	if (dns_budget_deadline(req->budget) != 0 &&
	    dns_budget_deadline(req->budget) <= ev->deadline) {
		/* the message's deadline is the binding one */
		ev->deadline = dns_budget_deadline(req->budget);
		snprintf(ev->deadline_what, sizeof(ev->deadline_what),
		    "message DNS deadline of %u ms reached",
		    dns_budget_timeout_ms(req->budget));
	}
	if (req->ip == NULL || ipaddr_parse(req->ip, &ev->ip) != 0) {
		out->code = SPF_PERMERROR;
		snprintf(out->reason, sizeof(out->reason),
		    "client address '%s' is not an IP address",
		    req->ip ? req->ip : "");
		return -1;
	}
	ipaddr_unmap(&ev->ip);  /* RFC 7208 5: IPv4-mapped is IPv4 */
	return 0;
}

/* The sender local@domain and its parts; domain "" when unusable. */
static void
set_sender(spf_eval *ev, const char *local, size_t llen, const char *domain)
{
	if (llen == 0) {
		local = "postmaster";  /* RFC 7208 4.3 */
		llen = 10;
	}
	strcopy_n(ev->local, sizeof(ev->local), local, llen);
	strcopy(ev->sender_domain, sizeof(ev->sender_domain), domain);
	{
		size_t l = strlen(ev->local), d = strlen(ev->sender_domain);

		if (l + 1 + d >= sizeof(ev->sender))
			l = sizeof(ev->sender) - 2 - d;  /* d <= 255 < 510 */
		memcpy(ev->sender, ev->local, l);
		ev->sender[l] = '@';
		memcpy(ev->sender + l + 1, ev->sender_domain, d + 1);
	}
}

static void
run(spf_eval *ev, const char *domain, spf_result *out)
{
	spf_identity id = out->identity;

	spf_eval_run(ev, domain, out);
	out->identity = id;
}

void
spf_check_helo(dns_resolver *r, const spf_request *req, spf_result *out)
{
	spf_eval ev;
	spf_request hr = *req;

	/* its own allowance when given (lives as long as ev: this call) */
	if (req->helo_budget != NULL)
		hr.budget = req->helo_budget;
	if (setup(&ev, r, &hr, SPF_ID_HELO, out) != 0)
		return;
	set_sender(&ev, "postmaster", 10, ev.helo);
	run(&ev, ev.helo, out);
}

void
spf_check_mailfrom(dns_resolver *r, const spf_request *req, spf_result *out)
{
	spf_eval ev;
	const char *mf = req->mail_from, *at;

	if (mf == NULL || mf[0] == '\0') {
		/* RFC 7208 2.4: the null sender is postmaster@helo */
		if (setup(&ev, r, req, SPF_ID_MAILFROM, out) != 0)
			return;
		set_sender(&ev, "postmaster", 10, ev.helo);
		run(&ev, ev.helo, out);
		return;
	}
	if (setup(&ev, r, req, SPF_ID_MAILFROM, out) != 0)
		return;
	at = envaddr_domain(mf);
	if (at == NULL)
		set_sender(&ev, "", 0, mf);
	else
		set_sender(&ev, mf, envaddr_local_len(mf), at);
	run(&ev, ev.sender_domain, out);
}

const spf_result *
spf_check(dns_resolver *r, const spf_request *req, spf_result *mailfrom,
    spf_result *helo)
{
	if (req->mail_from == NULL || req->mail_from[0] == '\0') {
		/* the same check_host(ip, helo, postmaster@helo): no need to
		 * ask DNS twice; it decides, so it has the budget, never
		 * HELO's own allowance */
		spf_request nr = *req;

		nr.helo_budget = NULL;
		spf_check_helo(r, &nr, helo);
		*mailfrom = *helo;
		mailfrom->identity = SPF_ID_MAILFROM;
		return helo;
	}
	/* MAIL FROM first: DMARC uses it, HELO must not starve it */
	spf_check_mailfrom(r, req, mailfrom);
	spf_check_helo(r, req, helo);
	return mailfrom;
}
