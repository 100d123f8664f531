/*
 * audit/audit_dmarc.c - the DMARC checks of `authmilter domain`: the
 * record at _dmarc.D (one, its syntax), the policy the RFC 9989 tree walk
 * finds for mail from D (dmarc_evaluate's own discovery), p= / sp= / np=,
 * t=, psd=, and the rua / ruf destinations with the _report._dmarc
 * authorization of external ones (RFC 9990 4, RFC 7489 7.1).
 */
#include "audit/audit_int.h"

#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "util/domain.h"

/* One rua/ruf list: each URI's destination, external ones authorized. */
static void
check_uris(audit_ctx *c, const dmarc_result *res, const dmarc_uri *uris,
    size_t n, const char *tag)
{
	const char *org = res->org_domain[0] ? res->org_domain :
	    res->policy_domain;
	ax_q q[DMARC_MAX_URIS];
	dmarc_mailbox mb[DMARC_MAX_URIS];
	int ext[DMARC_MAX_URIS];
	char name[DNS_MAX_NAME_LEN + 64], why[200];
	size_t i;

	memset(q, 0, sizeof(q));
	for (i = 0; i < n; i++) {
		ext[i] = 0;
		if (!uris[i].mailto)
			continue;
		if (dmarc_mailto_parse(uris[i].uri, strlen(uris[i].uri),
		    &mb[i], why, sizeof(why)) < 0)
			continue;
		if (domain_within(mb[i].domain, org, 0))
			continue;
		ext[i] = 1;
		snprintf(name, sizeof(name), "%s._report._dmarc.%s",
		    res->policy_domain, mb[i].domain);
		ax_start(c, &q[i], name, DNS_T_TXT);
	}
	for (i = 0; i < n; i++) {
		const dns_answer *a;

		if (!uris[i].mailto) {
			ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-uri",
			    "RFC 9990 2.2", res->sec, "%s=%s: not a mailto: "
			    "URI; receivers send reports by mail only", tag,
			    uris[i].uri);
			continue;
		}
		if (dmarc_mailto_parse(uris[i].uri, strlen(uris[i].uri),
		    &mb[i], why, sizeof(why)) < 0) {
			ax_add(c, AUDIT_DMARC, AUDIT_ERROR, "dmarc-uri",
			    "RFC 9990 2.2", res->sec, "%s=%s: %s", tag,
			    uris[i].uri, why);
			continue;
		}
		if (!ext[i]) {
			ax_add(c, AUDIT_DMARC, AUDIT_OK, "dmarc-report-dest",
			    "RFC 9990 4", res->sec, "%s=%s: within %s", tag,
			    mb[i].addr, org);
			continue;
		}
		a = ax_wait(c, &q[i], AUDIT_DMARC);
		if (!ax_known(a))
			continue;
		if (dmarc_report_auth(a, q[i].name, mb[i].domain, NULL, why,
		    sizeof(why)))
			ax_add(c, AUDIT_DMARC, AUDIT_OK, "dmarc-report-auth",
			    "RFC 9990 4", a->sec, "%s=%s: external, authorized "
			    "by %s", tag, mb[i].addr, q[i].name);
		else
			ax_add(c, AUDIT_DMARC, AUDIT_ERROR,
			    "dmarc-report-unauth", "RFC 9990 4", a->sec,
			    "%s=%s: external and not authorized (%s): "
			    "receivers send it no reports", tag, mb[i].addr,
			    why);
	}
	for (i = 0; i < n; i++)
		ax_free(&q[i]);
}

static const char *
discovered(dmarc_discovery d)
{
	switch (d) {
	case DMARC_DISCOVERY_AUTHOR: return "at the domain itself";
	case DMARC_DISCOVERY_TREEWALK: return "by the tree walk, at the "
	    "organizational domain";
	case DMARC_DISCOVERY_PSD: return "by the tree walk, at a public "
	    "suffix domain (psd=y)";
	default: return "";
	}
}

void
audit_dmarc(audit_ctx *c, ax_q *q)
{
	const dns_answer *a = ax_wait(c, q, AUDIT_DMARC);
	dmarc_fetch f;
	dmarc_from from;
	dmarc_input in;
	dmarc_options opt;
	dmarc_result res;
	const dmarc_record *rec;

	if (!ax_known(a))
		return;
	dmarc_fetch_from_answer(a, DMARC_MODE_RFC9989, &f);
	if (f.status == DMARC_FETCH_MANY)
		ax_add(c, AUDIT_DMARC, AUDIT_ERROR, "dmarc-multiple",
		    "RFC 9989 4.10", a->sec, "%s has several v=DMARC1 "
		    "records: receivers discard them all", q->name);
	/* the policy a receiver finds for mail from the domain */
	memset(&from, 0, sizeof(from));
	from.ndomains = 1;
	snprintf(from.domains[0], sizeof(from.domains[0]), "%s", c->domain);
	memset(&in, 0, sizeof(in));
	in.from = &from;
	memset(&opt, 0, sizeof(opt));
	opt.mode = DMARC_MODE_RFC9989;
	if (dmarc_evaluate(c->r, &in, &opt, &res) != 0)
		return;
	if (res.result == DMARC_RESULT_TEMPERROR) {
		c->rep->tempfail = 1;
		ax_add(c, AUDIT_DMARC, AUDIT_ERROR, "dns-temperror",
		    "RFC 9989 4.10", res.sec, "%s", res.reason);
		return;
	}
	if (!res.have_record) {
		ax_add(c, AUDIT_DMARC, AUDIT_ERROR, "dmarc-none",
		    "RFC 9989 4.10", res.sec, "no DMARC policy record for %s "
		    "(nor at its organizational domain): many receivers "
		    "refuse or junk mail without one", c->domain);
		return;
	}
	rec = &res.record;
	if (res.discovery == DMARC_DISCOVERY_AUTHOR && f.status == DMARC_FETCH_ONE &&
	    f.rstatus == DMARC_RECORD_UNUSABLE) {
		ax_add(c, AUDIT_DMARC, AUDIT_ERROR, "dmarc-syntax",
		    "RFC 9989 4.10.1", res.sec, "the record at %s has no "
		    "usable policy: %s", q->name, f.why);
		return;
	}
	ax_add(c, AUDIT_DMARC, AUDIT_OK, "dmarc-record", "RFC 9989 4.10",
	    res.sec, "policy record of %s found %s", res.policy_domain,
	    discovered(res.discovery));
	if (rec->invalid != 0)
		ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-invalid-tag",
		    "RFC 9989 4.7", res.sec, "the record at _dmarc.%s has "
		    "tags that are ignored (unknown or with an invalid "
		    "value)%s%s", res.policy_domain,
		    res.discovery == DMARC_DISCOVERY_AUTHOR && f.why[0] ? ": " :
		    "", res.discovery == DMARC_DISCOVERY_AUTHOR ? f.why : "");
	if (rec->p_implied || rec->p == DMARC_P_NONE || rec->p == DMARC_P_UNSET)
		ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-p-none",
		    "RFC 9989 4.7", res.sec, "p=none: monitoring only, "
		    "receivers are asked to do nothing with failing mail");
	else
		ax_add(c, AUDIT_DMARC, AUDIT_OK, "dmarc-policy",
		    "RFC 9989 4.7", res.sec, "p=%s",
		    dmarc_policy_name(rec->p));
	if (rec->sp == DMARC_P_NONE && rec->p > DMARC_P_NONE)
		ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-sp-none",
		    "RFC 9989 4.7", res.sec, "sp=none: sub-domains are "
		    "unprotected although p=%s", dmarc_policy_name(rec->p));
	else if (rec->sp != DMARC_P_UNSET)
		ax_add(c, AUDIT_DMARC, AUDIT_OK, "dmarc-sp", "RFC 9989 4.7",
		    res.sec, "sp=%s", dmarc_policy_name(rec->sp));
	if (rec->np != DMARC_P_UNSET)
		ax_add(c, AUDIT_DMARC, rec->np == DMARC_P_NONE ?
		    AUDIT_WARNING : AUDIT_OK, "dmarc-np", "RFC 9989 4.7",
		    res.sec, "np=%s (non-existent sub-domains)",
		    dmarc_policy_name(rec->np));
	if (res.discovery == DMARC_DISCOVERY_AUTHOR) {
		/* pct= is RFC 7489's (RFC 9989 dropped it for t=): read the
		 * same answer in that mode for the receivers that still do */
		dmarc_fetch f7;

		dmarc_fetch_from_answer(a, DMARC_MODE_RFC7489, &f7);
		if (f7.status == DMARC_FETCH_ONE &&
		    (f7.rec.seen & DMARC_TAG_PCT) && f7.rec.pct < 100)
			ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-pct",
			    "RFC 7489 6.3", res.sec, "pct=%u: RFC 7489 "
			    "receivers apply the policy to %u%% of failing "
			    "mail only; RFC 9989 dropped pct= (t=y is its "
			    "testing flag)", f7.rec.pct, f7.rec.pct);
	}
	if (rec->t)
		ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-testing",
		    "RFC 9989 4.7", res.sec, "t=y: receivers apply the "
		    "policy one step softer (testing)");
	if (rec->psd == DMARC_PSD_Y)
		ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-psd",
		    "RFC 9989 4.7", res.sec, "psd=y: %s declares itself a "
		    "public suffix domain; a sending domain does not",
		    res.policy_domain);
	else if (rec->psd == DMARC_PSD_N)
		ax_add(c, AUDIT_DMARC, AUDIT_OK, "dmarc-psd", "RFC 9989 4.7",
		    res.sec, "psd=n: %s is an organizational domain",
		    res.policy_domain);
	if (rec->nrua == 0)
		ax_add(c, AUDIT_DMARC, AUDIT_WARNING, "dmarc-no-rua",
		    "RFC 9989 4.7", res.sec, "no rua=: you get no aggregate "
		    "reports, so you will not see mail that fails");
	check_uris(c, &res, rec->rua, rec->nrua, "rua");
	check_uris(c, &res, rec->ruf, rec->nruf, "ruf");
}
