/*
 * message/upstream_ar.c - trusted_authserv_ids: for mail from a gateway in
 * upstream_networks (and only then), the gateway's own
 * Authentication-Results field is read and its SPF and DKIM results are
 * the ones DMARC is applied to (with our policy lookups): the message is
 * judged as the gateway saw it, before it changed the message (a footer,
 * a banner) or broke SPF by relaying it.
 *
 * Which field: the topmost Authentication-Results field whose authserv-id
 * is in trusted_authserv_ids (the one the gateway added last, above
 * anything the sender wrote). It is read, not removed, even when its id is
 * ours; other fields claiming our id are removed as always. This trusts
 * the gateway to do what RFC 8601 5 requires of it: remove the fields
 * claiming its id from incoming mail. A client outside upstream_networks
 * gains nothing: its fields are never read (message.c note_ar_field).
 *
 * A field with a trusted id that does not parse is not used: the message
 * is judged on our own checks (the Received field of upstream.c), never as
 * a pass. Without an spf result in the field, SPF is ours (upstream.c);
 * the DKIM results are always the gateway's (none listed: no signature
 * the gateway saw, so no DKIM pass).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message/ar_parse_int.h"
#include "message/message_int.h"
#include "util/domain.h"
#include "util/strbuf.h"
#include "util/strcopy.h"

static int
trusted_id(const am_config *cfg, const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < cfg->ntrusted_authserv_ids; i++)
		if (ar_claims_authserv_id(value, len,
		    cfg->trusted_authserv_ids[i]))
			return 1;
	return 0;
}

static int
dkim_from_name(const char *s, dkim_result *out)
{
	static const dkim_result all[] = { DKIM_PASS, DKIM_FAIL,
	    DKIM_NEUTRAL, DKIM_POLICY, DKIM_TEMPERROR, DKIM_PERMERROR };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcasecmp(s, dkim_result_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* The DKIM results of the field, as our verifier would give them. */
static void
take_dkim(msg *m, const ar_header *h)
{
	size_t i;

	m->ngw_dkim = 0;
	for (i = 0; i < h->nres && m->ngw_dkim < MSG_MAX_GW_DKIM; i++) {
		const ar_resinfo *r = &h->res[i];
		dkim_sigresult *s = &m->gw_dkim[m->ngw_dkim];
		const char *d = ar_prop_value(r, "header", "d");
		const char *id = ar_prop_value(r, "header", "i");
		const char *sel = ar_prop_value(r, "header", "s");
		dkim_result code;

		if (strcasecmp(r->method, "dkim") != 0 ||
		    dkim_from_name(r->result, &code) < 0)
			continue;   /* dkim=none: no signature */
		if (d == NULL && id != NULL && strchr(id, '@') != NULL)
			d = strchr(id, '@') + 1;
		if (d == NULL || *d == '\0')
			continue;   /* no domain: nothing to align */
		memset(s, 0, sizeof(*s));
		s->result = code;
		if (strcopy(s->d, sizeof(s->d), d) < 0)
			continue;
		strcopy(s->i, sizeof(s->i), id);
		strcopy(s->s, sizeof(s->s), sel);
		str_fmt(s->reason, sizeof(s->reason), "as seen by %s",
		    h->authserv_id);
		m->ngw_dkim++;
	}
}

/* The field's SPF result, if it has one: 1 with m->spf_mf set. */
static int
take_spf(msg *m, const ar_header *h)
{
	size_t i;

	for (i = 0; i < h->nres; i++) {
		const ar_resinfo *r = &h->res[i];
		const char *mf = ar_prop_value(r, "smtp", "mailfrom");
		spf_code code;

		if (strcasecmp(r->method, "spf") != 0 ||
		    spf_code_from_name(r->result, &code) < 0)
			continue;
		if (mf == NULL) {
			/* the gateway relays the envelope sender unchanged */
			mf = m->mail_from;
		}
		if (strchr(mf, '@') != NULL)
			mf = strrchr(mf, '@') + 1;
		if (*mf == '\0')
			continue;
		memset(&m->spf_mf, 0, sizeof(m->spf_mf));
		m->spf_mf.code = code;
		m->spf_mf.identity = SPF_ID_MAILFROM;
		if (strcopy(m->spf_mf.domain, sizeof(m->spf_mf.domain), mf) < 0)
			continue;
		strcopy(m->spf_mf.sender, sizeof(m->spf_mf.sender),
		    m->mail_from);
		str_fmt(m->spf_mf.reason, sizeof(m->spf_mf.reason), "as seen "
		    "by %s", h->authserv_id);
		m->spf_helo = m->spf_mf;
		m->spf_helo.code = SPF_NONE;
		m->spf_helo.identity = SPF_ID_HELO;
		strcopy(m->spf_helo.domain, sizeof(m->spf_helo.domain),
		    m->src_helo);
		str_fmt(m->spf_helo.reason, sizeof(m->spf_helo.reason),
		    "not checked: the MAIL FROM result of %s is used",
		    h->authserv_id);
		m->spf_done = 1;
		return 1;
	}
	return 0;
}

/* One Authentication-Results field: 1 when it is the gateway's, read
 * (and kept), 0 when the usual rule applies to it. */
int
msg_upstream_ar(msg *m, const char *value, size_t len)
{
	char err[128];

	if (!m->upstream || m->gw_ar_seen ||
	    m->env->cfg->ntrusted_authserv_ids == 0)
		return 0;
	if (value == NULL) {
		/* too big to be read: it may be the gateway's, so none
		 * below it (the sender's) may stand for it */
		m->gw_ar_seen = 1;
		str_fmt(m->gw_ar_why, sizeof(m->gw_ar_why), "an "
		    "Authentication-Results field too big to be read: no "
		    "gateway results used");
		return 0;
	}
	if (!trusted_id(m->env->cfg, value, len))
		return 0;
	m->gw_ar_seen = 1;
	m->gw_ar = ar_parse(value, len, err, sizeof(err));
	if (m->gw_ar == NULL) {
		str_fmt(m->gw_ar_why, sizeof(m->gw_ar_why), "the trusted "
		    "Authentication-Results field does not parse (%s): not "
		    "used", err);
		return 0;
	}
	str_fmt(m->gw_ar_why, sizeof(m->gw_ar_why), "results of %s used",
	    m->gw_ar->authserv_id);
	return 1;
}

/* End of headers: the gateway's SPF result, when there is one, stands
 * for ours (1: do not start SPF). */
int
msg_upstream_ar_spf(msg *m)
{
	return m->gw_ar != NULL && take_spf(m, m->gw_ar);
}

/* End of message: the gateway's DKIM results replace ours. */
void
msg_upstream_ar_dkim(msg *m)
{
	size_t i;

	if (m->gw_ar == NULL)
		return;
	take_dkim(m, m->gw_ar);
	for (i = 0; i < m->ngw_dkim; i++)
		m->dkimres[i] = &m->gw_dkim[i];
	m->ndkim = m->ngw_dkim;
}

/* The client's address the gateway recorded (policy.iprev or
 * smtp.remote-ip), or NULL. */
const char *
msg_upstream_ar_ip(const msg *m)
{
	size_t i;

	for (i = 0; m->gw_ar != NULL && i < m->gw_ar->nres; i++) {
		const char *ip = ar_prop_value(&m->gw_ar->res[i], "policy",
		    "iprev");

		if (ip == NULL)
			ip = ar_prop_value(&m->gw_ar->res[i], "smtp",
			    "remote-ip");
		if (ip != NULL)
			return ip;
	}
	return NULL;
}
