/*
 * message/msg_dmarc.c - DMARC in the evaluation of one message: at end of
 * headers the _dmarc TXT lookups of every name of each author domain's
 * tree walk started at once (msg_dmarc_prefetch, at most
 * MSG_MAX_PREFETCH, in the message's budget, reserved), and at end of
 * message dmarc_evaluate_with() over a lookup that serves those answers
 * first and starts the others (np existence, alignment walks) in the
 * budget, reserved only when they decide an author domain's policy
 * (msg_run_dmarc); msg_dmarc_clear() frees the prefetched queries.
 * Contract in message_int.h; the timeline in message.c.
 */
#include "message/message.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message/message_int.h"
#include "util/domain.h"
#include "util/strcopy.h"
#include "util/zalloc.h"

/* ---- at end of headers ---- */

void
msg_dmarc_clear(msg *m)
{
	size_t i;

	for (i = 0; i < m->npre; i++)
		dns_query_free(m->pre[i].q);
	m->npre = 0;
}

/* Start the _dmarc TXT lookups every author domain's walk may need. */
void
msg_dmarc_prefetch(msg *m)
{
	size_t d, i;

	for (d = 0; d < m->from.ndomains; d++) {
		dmarc_walk w;
		size_t n = dmarc_walk_init(&w, m->from.domains[d]);

		for (i = 0; i < n && m->npre < MSG_MAX_PREFETCH; i++) {
			char qname[DNS_MAX_NAME_LEN + 8];
			size_t k;
			int dup = 0;

			snprintf(qname, sizeof(qname), "_dmarc.%s", w.names[i]);
			for (k = 0; k < m->npre; k++)
				if (m->pre[k].type == DNS_T_TXT &&
				    strcasecmp(m->pre[k].name, qname) == 0)
					dup = 1;
			if (dup)
				continue;
			strcopy(m->pre[m->npre].name, sizeof(m->pre[0].name),
			    qname);
			m->pre[m->npre].type = DNS_T_TXT;
			m->pre[m->npre].q = dns_query_start_in(m->env->r,
			    m->budget, DNS_BUDGET_RESERVED, qname, DNS_T_TXT);
			m->npre++;
		}
	}
}

/* ---- at end of message: DMARC over the prefetched answers ---- */

typedef struct lk_query {
	dns_query *q;
	int owned;   /* started here, freed on release */
} lk_query;

/* Is the lookup one that decides the author domains' policy (reserved in
 * the budget): the np existence test (A, AAAA, MX of an author domain) or
 * the _dmarc record of an author domain or one of its ancestors (the
 * names of its tree walk)? The alignment walks of other names are not. */
static int
lk_reserved(const msg *m, const char *name, dns_type type)
{
	size_t d;

	if (type != DNS_T_TXT)
		return 1;
	if (strncasecmp(name, "_dmarc.", 7) != 0)
		return 0;
	for (d = 0; d < m->from.ndomains; d++)
		if (domain_within(m->from.domains[d], name + 7, 0))
			return 1;
	return 0;
}

static void *
lk_start(void *ctx, const char *name, dns_type type)
{
	msg *m = ctx;
	lk_query *lq = zalloc(sizeof(*lq));
	size_t i;

	if (lq == NULL)
		return NULL;
	for (i = 0; i < m->npre; i++) {
		if (m->pre[i].type == type &&
		    strcasecmp(m->pre[i].name, name) == 0) {
			lq->q = m->pre[i].q;
			return lq;
		}
	}
	lq->q = dns_query_start_in(m->env->r, m->budget,
	    lk_reserved(m, name, type) ? DNS_BUDGET_RESERVED : 0, name, type);
	lq->owned = 1;
	return lq;
}

static const dns_answer *
lk_wait(void *ctx, void *q, int64_t deadline_ms)
{
	msg *m = ctx;
	lk_query *lq = q;
	const dns_answer *a;
	int64_t t0;

	if (lq == NULL)
		return NULL;
	t0 = msg_now_us();
	a = dns_query_wait(lq->q, deadline_ms);
	m->dns_wait_us += msg_now_us() - t0;
	return a;
}

static void
lk_release(void *ctx, void *q)
{
	lk_query *lq = q;

	(void)ctx;
	if (lq == NULL)
		return;
	if (lq->owned)
		dns_query_free(lq->q);
	free(lq);
}

static int64_t
lk_now(void *ctx)
{
	(void)ctx;
	return dns_now_ms();
}

void
msg_run_dmarc(msg *m)
{
	const am_config *cfg = m->env->cfg;
	dmarc_lookup lk = { lk_start, lk_wait, lk_release, lk_now, m,
	    dns_resolver_timeout_ms(m->env->r) };
	dmarc_dkim_input din[DMARC_MAX_DKIM];
	dmarc_input in;
	dmarc_options opt;
	size_t i, n = 0;

	memset(&in, 0, sizeof(in));
	memset(&opt, 0, sizeof(opt));
	in.from = &m->from;
	/* RFC 9989 3.1 (Authentication Mechanisms): DMARC uses the SPF
	 * result of the MAIL FROM identity only, and defers to RFC 7208 2.4
	 * for a null path: the MAIL FROM identity is then postmaster@<HELO>,
	 * so the HELO domain is the SPF-authenticated identifier that is
	 * aligned. spf_mf holds exactly that check (spf/spf.h: a null sender
	 * is evaluated as postmaster@helo). */
	if (m->spf_done) {
		in.spf_pass = m->spf_mf.code == SPF_PASS;
		in.spf_temperror = m->spf_mf.code == SPF_TEMPERROR;
		in.spf_domain = m->spf_mf.domain;
		in.spf_scope = DMARC_SPF_MFROM;
	}
	/* the gateway's results (upstream_ar.c) or ours */
	for (i = 0; i < (m->gw_ar != NULL ? m->ngw_dkim : m->dkim != NULL ?
	    dkim_count(m->dkim) : 0) && n < DMARC_MAX_DKIM; i++) {
		const dkim_sigresult *s = m->gw_ar != NULL ? &m->gw_dkim[i] :
		    dkim_result_at(m->dkim, i);

		if (s->d[0] == '\0')
			continue;
		din[n].domain = s->d;
		din[n].selector = s->s;
		din[n].pass = s->result == DKIM_PASS;
		din[n].temperror = s->result == DKIM_TEMPERROR;
		n++;
	}
	in.dkim = din;
	in.ndkim = n;
	opt.mode = cfg->dmarc_mode == CONFIG_DMARC_RFC7489 ?
	    DMARC_MODE_RFC7489 : DMARC_MODE_RFC9989;
	opt.psl = m->env->psl;
	opt.exempt = (const char *const *)cfg->dmarc_exempt_domains;
	opt.nexempt = cfg->ndmarc_exempt_domains;
	opt.trusted_forwarders =
	    (const char *const *)cfg->dmarc_trusted_forwarders;
	opt.ntrusted = cfg->ndmarc_trusted_forwarders;
	opt.reject_multi_from = (int)cfg->dmarc_reject_multi_from;
	opt.exempt_source = m->exempt_source;
	opt.sample = m->env->sample;
	opt.sample_arg = m->env->sample_arg;
	dmarc_evaluate_with(&lk, &in, &opt, &m->dmarc);
	m->dmarc_done = 1;
}
