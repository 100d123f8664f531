/*
 * message/verdict.c - from a message's results to its verdict: the
 * Authentication-Results (and Received-SPF) values and the action.
 *
 * Rules, in order (each configurable, see authmilter.conf(5)):
 *   - mail not checked (trusted network, authenticated submission):
 *     accept; the header says auth=pass or none (skipped_header);
 *     every Authentication-Results field claiming our authserv-id is
 *     removed whatever the rule (all of them, however many);
 *   - several author domains in From (in one field or several, more than
 *     DMARC_MAX_AUTHORS included), dmarc_reject_multi_from: 550 5.7.1;
 *   - bad From: the author cannot be determined (no From, several From
 *     fields even naming one domain, one that does not parse, a domain
 *     literal, From over its bound, too many author domains). RFC 9989
 *     4.4: no alignment, so dmarc=permerror "bad From (status): why",
 *     never pass; bad_from_action: reject (550 5.7.1; the default "auto"
 *     with dmarc_enforce), quarantine (as p=quarantine), tempfail
 *     (451 4.7.1) or accept (the default without dmarc_enforce, and for
 *     dmarc_exempt_networks); accept goes on to the SPF rule;
 *   - DMARC fail with disposition reject, dmarc_enforce: 550 5.7.1;
 *     with disposition quarantine: quarantine (quarantine_action);
 *   - SPF fail for MAIL FROM, spf_reject_fail: 550 5.7.23 (RFC 7372);
 *   - a temporary DNS failure that decided the outcome (DMARC temperror,
 *     or DMARC not passing while SPF or a signature had a temperror;
 *     never for a bad From, which no retry can make pass):
 *     on_dns_temperror (accept with the header saying so, 451 4.7.x,
 *     or reject);
 *   - an internal failure: on_internal_error (tempfail by default).
 * Whenever the message is accepted it carries our header.
 */
#include <stdio.h>
#include <string.h>

#include "message/ar_build_int.h"
#include "message/message_int.h"
#include "util/envaddr.h"
#include "util/strbuf.h"

static void
set_reply(msg_verdict *v, msg_action a, const char *rcode, const char *xcode,
    const char *text)
{
	v->action = a;
	str_fmt(v->smtp_rcode, sizeof(v->smtp_rcode), "%s", rcode);
	str_fmt(v->smtp_xcode, sizeof(v->smtp_xcode), "%s", xcode);
	str_fmt(v->smtp_text, sizeof(v->smtp_text), "%s", text);
}

/* Map an on_* setting to an action with replies. */
static void
apply_setting(msg_verdict *v, unsigned setting, const char *xtemp,
    const char *text)
{
	char t[256];

	switch (setting) {
	case CONFIG_ACTION_TEMPFAIL:
		str_fmt(t, sizeof(t), "%s, try again later", text);
		set_reply(v, MSG_TEMPFAIL, "451", xtemp, t);
		break;
	case CONFIG_ACTION_REJECT:
		set_reply(v, MSG_REJECT, "550", "5.7.0", text);
		break;
	default:
		v->action = MSG_ACCEPT;
		break;
	}
}

static int
any_dkim_temperror(const msg *m)
{
	size_t i;

	for (i = 0; i < m->ndkim; i++)
		if (m->dkimres[i]->result == DKIM_TEMPERROR)
			return 1;
	return 0;
}

static int
bad_from(const msg *m)
{
	return m->from_status != DMARC_FROM_OK;
}

/* RFC 9989 4.4: "Identifier Alignment cannot occur with a message that
 * is not valid per RFC 5322, particularly one with a malformed, absent,
 * or repeated RFC5322.From header field". What policy discovery found
 * for the domains that could be read is kept (header comment, reports);
 * the result is permerror, nothing aligned, the disposition is set by
 * the bad From rule (decide_action). */
static void
dmarc_bad_from(msg *m)
{
	dmarc_result *d = &m->dmarc;

	if (!m->dmarc_done) {
		memset(d, 0, sizeof(*d));
		d->author_exists = -1;
	}
	d->result = DMARC_RESULT_PERMERROR;
	d->spf_aligned = 0;
	d->dkim_aligned = 0;
	d->dkim_domain[0] = '\0';
	d->nnotes = 0;
	d->disposition = DMARC_P_NONE;
	d->override = DMARC_OVERRIDE_OTHER;
	str_fmt(d->reason, sizeof(d->reason), "bad From (%s): %s",
	    dmarc_from_status_name(m->from_status),
	    m->from_why[0] ? m->from_why : "no usable From address");
	m->dmarc_done = 1;
}

/* The bad From rule: 1 when it decided the action. */
static int
decide_bad_from(msg *m)
{
	const am_config *cfg = m->env->cfg;
	msg_verdict *v = &m->v;
	dmarc_result *d = &m->dmarc;
	unsigned a = cfg->bad_from_action;
	char text[256];

	if (a == CONFIG_BADFROM_AUTO)
		a = cfg->dmarc_enforce ? CONFIG_BADFROM_REJECT :
		    CONFIG_BADFROM_ACCEPT;
	if (m->exempt_source && a != CONFIG_BADFROM_ACCEPT) {
		a = CONFIG_BADFROM_ACCEPT;
		d->override = DMARC_OVERRIDE_LOCAL_POLICY;
	}
	str_fmt(v->reason, sizeof(v->reason), "bad_from_action: %s",
	    d->reason);
	switch (a) {
	case CONFIG_BADFROM_REJECT:
		str_fmt(text, sizeof(text), "Rejected: From header field not "
		    "valid, so DMARC cannot be checked (RFC 9989 4.4): %s",
		    m->from_why);
		set_reply(v, MSG_REJECT, "550", "5.7.1", text);
		d->disposition = DMARC_P_REJECT;
		return 1;
	case CONFIG_BADFROM_TEMPFAIL:
		str_fmt(text, sizeof(text), "From header field not valid, so "
		    "DMARC cannot be checked (RFC 9989 4.4): %s", m->from_why);
		set_reply(v, MSG_TEMPFAIL, "451", "4.7.1", text);
		return 1;
	case CONFIG_BADFROM_QUARANTINE:
		if (cfg->quarantine_action == CONFIG_QUARANTINE_ACCEPT) {
			str_fmt(v->reason, sizeof(v->reason), "bad_from_action "
			    "quarantine, quarantine_action accept: %s", d->reason);
			return 0;
		}
		str_fmt(v->quarantine_reason, sizeof(v->quarantine_reason),
		    "From header field not valid: %s", m->from_why);
		if (cfg->quarantine_action == CONFIG_QUARANTINE_HEADER) {
			v->action = MSG_ACCEPT;
			v->quarantine_header = v->quarantine_reason;
		} else {
			v->action = MSG_QUARANTINE;
			d->disposition = DMARC_P_QUARANTINE;
		}
		return 1;
	default:
		break;
	}
	str_fmt(v->reason, sizeof(v->reason), "bad_from_action accept: %s",
	    d->reason);
	return 0;
}

static void
build_headers(msg *m)
{
	const am_config *cfg = m->env->cfg;
	ar_input in;

	memset(&in, 0, sizeof(in));
	in.authserv_id = cfg->authserv_id;
	if (msg_skipped(m)) {
		if (cfg->skipped_header == CONFIG_SKIPPED_NONE)
			return;
		if (!m->trusted && m->auth_user[0] != '\0')
			in.auth_user = m->auth_user;
		else
			in.none = 1;
	} else {
		if (m->spf_done && m->mail_from[0] != '\0')
			in.spf_mailfrom = &m->spf_mf;
		if (m->spf_done)
			in.spf_helo = &m->spf_helo;
		in.helo = m->src_helo;
		in.dkim_evaluated = 1;
		in.dkim = m->dkimres;
		in.ndkim = m->ndkim;
		if (m->dmarc_done)
			in.dmarc = &m->dmarc;
		if (m->iprev.started)
			in.iprev = &m->iprev.res;
		in.arc = m->v.arc;
		in.remote_ip = m->have_ip ? m->src_ip : NULL; /* behind a gateway: the original client */
		in.arc_trusted_sealer = m->v.arc_trusted_sealer;
	}
	if (ar_build(&in, &m->ar) == 0)
		m->v.auth_results = m->ar.s;
	if (cfg->received_spf && m->spf_done && !msg_skipped(m)) {
		const spf_result *r = m->mail_from[0] != '\0' ? &m->spf_mf :
		    &m->spf_helo;

		if (received_spf_build(r, m->src_ip, m->src_helo, cfg->authserv_id,
		    &m->rspf) == 0)
			m->v.received_spf = m->rspf.s;
	}
}

/* arc_trusted_sealers: a DMARC failure whose policy would act, vouched
 * for by a trusted forwarder in a chain that passed (arc_trust.c), gets
 * disposition none, override trusted_forwarder. Not for a bad From or
 * several author domains: there is no one author to vouch for. */
static void
arc_override(msg *m)
{
	const am_config *cfg = m->env->cfg;
	dmarc_result *d = &m->dmarc;
	size_t n;

	m->arc_trusted = 0;
	if (cfg->narc_trusted_sealers == 0 || m->arc == NULL || bad_from(m) ||
	    !m->dmarc_done || m->from.ndomains != 1 ||
	    d->result != DMARC_RESULT_FAIL ||
	    (d->disposition != DMARC_P_QUARANTINE &&
	    d->disposition != DMARC_P_REJECT))
		return;
	if (!arc_trust_find(m->arc, (const char *const *)
	    cfg->arc_trusted_sealers, cfg->narc_trusted_sealers,
	    d->from_domain, &m->arc_trust))
		return;
	m->arc_trusted = 1;
	d->disposition = DMARC_P_NONE;
	d->override = DMARC_OVERRIDE_TRUSTED_FORWARDER;
	n = strlen(d->reason);
	if (n < sizeof(d->reason))
		snprintf(d->reason + n, sizeof(d->reason) - n, "; trusted ARC "
		    "sealer %s (i=%u) says %s", m->arc_trust.sealer,
		    m->arc_trust.instance, m->arc_trust.what);
}

static void
decide_action(msg *m)
{
	const am_config *cfg = m->env->cfg;
	msg_verdict *v = &m->v;
	dmarc_result *d = &m->dmarc;
	char text[256];
	int temp;

	v->action = MSG_ACCEPT;
	str_fmt(v->reason, sizeof(v->reason), "dmarc=%s",
	    dmarc_result_name(d->result));
	if (cfg->dmarc_reject_multi_from && (m->from.ndomains > 1 ||
	    m->from_status == DMARC_FROM_TOO_MANY)) {
		/* RFC 9989 5.3.1 leaves several author domains to local
		 * policy; this one refuses them outright, pass or not. The
		 * count is the From's (every field, past the evaluated
		 * DMARC_MAX_AUTHORS too), not what DMARC evaluated. */
		if (m->from_status == DMARC_FROM_TOO_MANY)
			str_fmt(text, sizeof(text), "Rejected: From names more "
			    "than %zu author domains", m->from.ndomains);
		else
			str_fmt(text, sizeof(text), "Rejected: From names %zu "
			    "author domains", m->from.ndomains);
		set_reply(v, MSG_REJECT, "550", "5.7.1", text);
		d->disposition = DMARC_P_REJECT;
		str_fmt(v->reason, sizeof(v->reason), "several author domains "
		    "(dmarc_reject_multi_from): %s", d->reason);
		return;
	}
	if (bad_from(m) && decide_bad_from(m))
		return;
	if (d->result == DMARC_RESULT_FAIL && cfg->dmarc_enforce) {
		if (d->disposition == DMARC_P_REJECT) {
			str_fmt(text, sizeof(text), "Rejected by the DMARC "
			    "policy of %s", d->policy_domain[0] ?
			    d->policy_domain : d->from_domain);
			set_reply(v, MSG_REJECT, "550", "5.7.1", text);
			str_fmt(v->reason, sizeof(v->reason), "DMARC reject: "
			    "%s", d->reason);
			return;
		}
		if (d->disposition == DMARC_P_QUARANTINE &&
		    cfg->quarantine_action == CONFIG_QUARANTINE_QUARANTINE) {
			v->action = MSG_QUARANTINE;
			str_fmt(v->quarantine_reason,
			    sizeof(v->quarantine_reason), "DMARC policy of %s: "
			    "quarantine", d->policy_domain[0] ?
			    d->policy_domain : d->from_domain);
			str_fmt(v->reason, sizeof(v->reason), "DMARC "
			    "quarantine: %s", d->reason);
			return;
		}
		if (d->disposition == DMARC_P_QUARANTINE &&
		    cfg->quarantine_action == CONFIG_QUARANTINE_HEADER) {
			v->action = MSG_ACCEPT;
			str_fmt(v->quarantine_reason,
			    sizeof(v->quarantine_reason), "DMARC policy of %s: "
			    "quarantine", d->policy_domain[0] ?
			    d->policy_domain : d->from_domain);
			v->quarantine_header = v->quarantine_reason;
			str_fmt(v->reason, sizeof(v->reason), "DMARC "
			    "quarantine (header): %s", d->reason);
			return;
		}
	}
	if (cfg->spf_reject_fail && m->spf_done && m->mail_from[0] != '\0' &&
	    m->spf_mf.code == SPF_FAIL) {
		str_fmt(text, sizeof(text), "SPF check failed for %s%s%s",
		    m->spf_mf.domain, m->spf_mf.explanation[0] ? ": " : "",
		    m->spf_mf.explanation);
		set_reply(v, MSG_REJECT, "550", "5.7.23", text);
		str_fmt(v->reason, sizeof(v->reason), "SPF fail: %s",
		    m->spf_mf.reason);
		return;
	}
	temp = !bad_from(m) && (d->result == DMARC_RESULT_TEMPERROR ||
	    (d->result != DMARC_RESULT_PASS && ((m->spf_done &&
	    (m->spf_mf.code == SPF_TEMPERROR ||
	    m->spf_helo.code == SPF_TEMPERROR)) || any_dkim_temperror(m))));
	if (temp && cfg->on_dns_temperror != CONFIG_ACTION_ACCEPT) {
		str_fmt(text, sizeof(text), "Temporary DNS failure checking "
		    "%s", d->from_domain[0] ? d->from_domain : "the sender");
		apply_setting(v, cfg->on_dns_temperror,
		    m->spf_done && m->spf_mf.code == SPF_TEMPERROR ?
		    "4.7.24" : "4.7.0", text);
		str_fmt(v->reason, sizeof(v->reason), "DNS temporary "
		    "failure (on_dns_temperror)%s%s", m->dns_limit[0] ?
		    ": " : "", m->dns_limit);
	} else if (temp && m->dns_limit[0] != '\0') {
		str_fmt(v->reason, sizeof(v->reason), "dmarc=%s (%s)",
		    dmarc_result_name(d->result), m->dns_limit);
	}
}

void
msg_decide(msg *m)
{
	msg_verdict *v = &m->v;
	const am_config *cfg = m->env->cfg;

	memset(v, 0, sizeof(*v));
	v->nar = m->nar;
	v->nremove = m->nremove;
	v->remove_map = m->ar_remove;
	v->remove_map_size = m->ar_remove_size;
	v->from_reason = "";
	/* ARC (config arc): the chain's result, NULL when not verified */
	v->arc = !msg_skipped(m) ? msg_arc_chain(m) : NULL;
	if (msg_skipped(m)) {
		v->skipped = 1;
		v->action = MSG_ACCEPT;
		if (m->trusted)
			str_fmt(v->reason, sizeof(v->reason), "not checked: "
			    "client %s is in trusted_networks", m->ip);
		else if (m->outbound)
			str_fmt(v->reason, sizeof(v->reason), "not checked: "
			    "outgoing, signed (verify_signed = no)");
		else
			str_fmt(v->reason, sizeof(v->reason), "not checked: "
			    "authenticated as %s", m->auth_user);
		build_headers(m);
		return;
	}
	/* the gateway's own address when its Received field was not
	 * usable: the client that connected, as without upstream_networks */
	v->source_ip = m->src_ip;
	if (m->upstream)
		v->upstream = m->hop_why;
	if (!m->spf_done && m->have_mail_from && (!m->have_ip ||
	    (m->upstream && m->hop_state != MSG_HOP_FOUND))) {
		/* no client address (upstream.c: fail closed, never the
		 * gateway's): report SPF as not evaluated */
		memset(&m->spf_mf, 0, sizeof(m->spf_mf));
		m->spf_mf.code = SPF_NONE;
		str_fmt(m->spf_mf.reason, sizeof(m->spf_mf.reason), "%s",
		    m->upstream ? m->hop_why : "no client IP address to check");
		m->spf_helo = m->spf_mf;
		m->spf_helo.identity = SPF_ID_HELO;
		str_fmt(m->spf_helo.domain, sizeof(m->spf_helo.domain), "%s",
		    m->src_helo);
		{
			/* the domains that would have been checked, for the
			 * header's smtp.mailfrom */
			const char *d = envaddr_domain(m->mail_from);

			str_fmt(m->spf_mf.domain, sizeof(m->spf_mf.domain), "%s",
			    d != NULL ? d : m->helo);
			str_fmt(m->spf_mf.sender, sizeof(m->spf_mf.sender), "%s",
			    m->mail_from);
		}
		m->spf_done = 1;
	}
	if (bad_from(m) || !m->dmarc_done)
		dmarc_bad_from(m);
	/* the action first: the bad From rule sets the disposition the
	 * header's comment shows */
	arc_override(m);
	if (m->arc_trusted) {
		v->arc_trusted_sealer = m->arc_trust.sealer;
		v->arc_trusted_instance = m->arc_trust.instance;
		v->arc_trusted_said = m->arc_trust.what;
	}
	decide_action(m);
	if (m->arc_trusted && v->action == MSG_ACCEPT)
		str_fmt(v->reason, sizeof(v->reason), "dmarc=fail, disposition "
		    "none (trusted_forwarder): trusted ARC sealer %s (i=%u) "
		    "says %s", m->arc_trust.sealer, m->arc_trust.instance,
		    m->arc_trust.what);
	build_headers(m);

	v->spf_mailfrom = m->spf_done ? &m->spf_mf : NULL;
	v->spf_helo = m->spf_done ? &m->spf_helo : NULL;
	v->spf = m->mail_from[0] != '\0' ? v->spf_mailfrom : v->spf_helo;
	v->ndkim = m->ndkim;
	v->dkim = m->dkimres;
	v->dmarc = &m->dmarc;
	v->from = &m->from;
	v->from_status = m->from_status;
	v->bad_from = bad_from(m);
	v->from_reason = m->from_why;

	if (m->failed || v->auth_results == NULL) {
		const char *why = m->failed ? m->fail_reason :
		    "cannot build the Authentication-Results header";

		apply_setting(v, cfg->on_internal_error, "4.3.0",
		    "Internal error checking the message");
		if (v->action == MSG_ACCEPT && v->auth_results == NULL) {
			/* never accept without our header */
			set_reply(v, MSG_TEMPFAIL, "451", "4.3.0",
			    "Internal error checking the message, try again later");
		}
		str_fmt(v->reason, sizeof(v->reason), "internal error: %s "
		    "(on_internal_error)", why);
	}
}

int
msg_verdict_removes(const msg_verdict *v, unsigned idx)
{
	if (idx == 0 || idx > v->nar || v->remove_map == NULL ||
	    (idx - 1) / 8 >= v->remove_map_size)
		return 0;
	return (v->remove_map[(idx - 1) / 8] >> ((idx - 1) % 8)) & 1;
}

const char *
msg_action_name(msg_action a)
{
	switch (a) {
	case MSG_QUARANTINE: return "quarantine";
	case MSG_REJECT: return "reject";
	case MSG_TEMPFAIL: return "tempfail";
	default: return "accept";
	}
}
