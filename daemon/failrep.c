/*
 * daemon/failrep.c - the daemon's failure reports (RFC 9991): the header
 * block kept while failure_reports is on, the decision (the site's switch,
 * the record's ruf= and fo=), the report built and queued for the history
 * writer. Never waits and never sends. Contract in failrep_int.h.
 */
#include "daemon/failrep_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log_int.h"
#include "report/report.h"
#include "util/domain.h"

#define FAILREP_USER_AGENT "authmilter/0.1.0"

int
failrep_header(strbuf *hdrs, const char *name, const char *value,
    size_t vlen)
{
	size_t nlen = strlen(name);

	if (hdrs->len + nlen + vlen + 4 > FAILREP_MAX_HEADERS)
		return 0;	/* the rest of the block is left out */
	/* the value as the MTA gave it: with its leading blank when it
	 * sends one (SMFIP_HDR_LEADSPC), else one is added */
	if (sb_append(hdrs, name, nlen) < 0 || sb_append(hdrs, ":", 1) < 0 ||
	    (vlen == 0 || (value[0] != ' ' && value[0] != '\t') ?
	    sb_putc(hdrs, ' ') < 0 : 0) ||
	    sb_append(hdrs, value, vlen) < 0 || sb_append(hdrs, "\r\n", 2) < 0)
		return -1;
	return 0;
}

static const char *
delivery(msg_action a)
{
	/* RFC 6591 3.1 Delivery-Result */
	switch (a) {
	case MSG_ACCEPT:
		return "delivered";
	case MSG_QUARANTINE:
		return "spam";
	case MSG_REJECT:
		return "reject";
	default:
		return "other";
	}
}

/* The signature a DKIM failure report is about (RFC 6591 3.1, RFC 9991
 * 3): the first that did not verify whose d= aligns with the author
 * domain in the record's adkim= mode, NULL when none. The DMARC check
 * judges the alignment of passing signatures only, so this one is told
 * from the names it gave: strict, d= is the author domain; relaxed, d=
 * is the author's Organizational Domain or below it (RFC 7489 3.1.1:
 * a name below an Organizational Domain has it as its own; a d= whose
 * own walk would stop deeper, psd=y below the author's, is the one case
 * this reports that the policy check would not call aligned). */
const dkim_sigresult *
failrep_dkim_sig(const msg_verdict *v, const dmarc_result *d)
{
	size_t i;

	for (i = 0; i < v->ndkim; i++) {
		const dkim_sigresult *s = v->dkim[i];

		if (s->result == DKIM_PASS)
			continue;
		if (domain_equal(s->d, d->from_domain, DOMAIN_TRAILING_DOT) ||
		    (d->record.adkim == DMARC_ALIGN_RELAXED &&
		    domain_within(s->d, d->org_domain, DOMAIN_TRAILING_DOT)))
			return s;
	}
	return NULL;
}

/* The report's From: failure_report_from, report_email, else postmaster@
 * the authserv_id or the host name. */
static void
report_from(const am_config *cfg, char *out, size_t len)
{
	char host[256];

	if (cfg->failure_report_from != NULL && cfg->failure_report_from[0])
		snprintf(out, len, "%s", cfg->failure_report_from);
	else if (cfg->report_email != NULL && cfg->report_email[0])
		snprintf(out, len, "%s", cfg->report_email);
	else {
		if (cfg->authserv_id != NULL && cfg->authserv_id[0])
			snprintf(host, sizeof(host), "%s", cfg->authserv_id);
		else if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(out, len, "postmaster@%s", host);
	}
}

int
failrep_submit(history_writer *w, const am_config *cfg, const msg_verdict *v,
    const failrep_facts *f)
{
	const dmarc_result *d = v->dmarc;
	const dkim_sigresult *sig;
	char from[512], why[256], mta[300];
	failrep_input in;
	failrep_row *row;
	strbuf out;
	size_t i, off;

	if (!cfg->failure_reports || w == NULL || v->skipped || d == NULL ||
	    !d->have_record || d->record.nruf == 0 ||
	    (d->result != DMARC_RESULT_PASS && d->result != DMARC_RESULT_FAIL))
		return 0;
	memset(&in, 0, sizeof(in));
	in.auth.spf_aligned = d->spf_aligned;
	in.auth.dkim_aligned = d->dkim_aligned;
	in.auth.spf_failed = v->spf_mailfrom != NULL &&
	    v->spf_mailfrom->code == SPF_FAIL;
	for (i = 0; i < v->ndkim; i++)
		if (v->dkim[i]->result == DKIM_FAIL)
			in.auth.dkim_failed = 1;
	if (!failrep_wanted(d->record.fo, &in.auth))
		return 0;
	report_from(cfg, from, sizeof(from));
	in.time = (int64_t)time(NULL);
	in.from = from;
	in.user_agent = FAILREP_USER_AGENT;
	/* RFC 5965 3.2 Reporting-MTA: mta-name-type "dns"; our name */
	snprintf(mta, sizeof(mta), "dns; %s", cfg->authserv_id);
	in.reporting_mta = mta;
	in.envelope_id = f->qid != NULL && f->qid[0] ? f->qid : NULL;
	in.mail_from = f->mail_from;
	in.rcpt = f->rcpt != NULL && f->rcpt[0] ? f->rcpt : NULL;
	in.source_ip = f->ip;
	in.reported_domain = d->from_domain;
	in.auth_results = v->auth_results;
	in.delivery = delivery(v->action);
	if ((sig = failrep_dkim_sig(v, d)) != NULL) {
		in.dkim_domain = sig->d;
		in.dkim_identity = sig->i;	/* "": @d (failrep_build) */
		in.dkim_selector = sig->s;
	}
	in.headers = f->headers;
	in.headers_len = f->headers_len;
	in.mask_localparts = cfg->failure_report_redact ==
	    CONFIG_FRREDACT_LOCALPARTS;
	row = calloc(1, sizeof(*row));
	sb_init(&out);
	if (row == NULL || failrep_build(&in, &out, why, sizeof(why)) < 0 ||
	    sb_putc(&out, '\0') < 0) {
		log_msg(LOG_ERR, f->log_tag, "failure report for %s not built: "
		    "%s", d->from_domain, row == NULL ? "out of memory" : why);
		free(row);
		sb_free(&out);
		return -1;
	}
	snprintf(row->id, sizeof(row->id), "%s%s%s", f->qid != NULL ?
	    f->qid : "", f->qid != NULL && f->qid[0] ? "/" : "", f->id);
	row->t = in.time;
	snprintf(row->domain, sizeof(row->domain), "%s", d->policy_domain);
	snprintf(row->org_domain, sizeof(row->org_domain), "%s",
	    d->org_domain);
	for (i = 0, off = 0; i < d->record.nruf && off < sizeof(row->ruf);
	    i++) {
		char size[32] = "";
		int n;

		if (d->record.ruf[i].max_size != 0)	/* kept as "uri!octets" */
			snprintf(size, sizeof(size), "!%llu", (unsigned long long)
			    d->record.ruf[i].max_size);
		n = snprintf(row->ruf + off, sizeof(row->ruf) - off, "%s%s%s",
		    i ? "," : "", d->record.ruf[i].uri, size);

		if (n < 0 || (size_t)n >= sizeof(row->ruf) - off) {
			row->ruf[off] = '\0';	/* the URIs that fit */
			break;
		}
		off += (size_t)n;
	}
	row->report_len = out.len - 1;
	row->report = sb_steal(&out);
	return history_writer_submit_failure(w, row) == 0 ? 1 : -1;
}
