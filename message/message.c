/*
 * message/message.c - one message's evaluation (contract in message.h).
 *
 * Timeline of one message and where its DNS work starts:
 *   MAIL FROM  SPF (both identities) queued on the SPF pool; iprev's PTR
 *              lookup started (iprev.c; the client address is known at
 *              connect, but the budget is the message's, made here), its
 *              A/AAAA lookups as soon as a later stage finds the PTR in.
 *   headers    fed to the DKIM verifier (and, config arc, to the ARC
 *              verifier, started at the first ARC field: none without
 *              one); From values kept (their own bound,
 *              MSG_MAX_FROM, whatever max_header_bytes says); every
 *              Authentication-Results field claiming our authserv-id noted
 *              in a bitmap (one bit per AR field, however many).
 *   EOH        DKIM and ARC key lookups start (dkim_eoh, arc_eoh: no
 *              ARC header field, no lookup); From parsed and the
 *              _dmarc TXT lookups of every name of each author domain's tree
 *              walk started (prefetch, msg_dmarc.c), so they run while
 *              the body arrives.
 *   body       streamed to the DKIM verifier, never kept.
 *   EOM        wait for SPF and the keys (ARC's too), run DMARC over the prefetched
 *              answers (msg_dmarc.c: dmarc_evaluate_with and a lookup that
 *              serves them),
 *              build the header(s) and decide the action (verdict.c).
 *
 * Every lookup of the message is started in its DNS budget (dns.h), made
 * when the message starts (MAIL FROM, or the first call of the CLI):
 * message_dns_timeout from then and message_dns_queries lookups, shared by
 * the SPF worker and this thread; lookups that start at end of headers or
 * of message get at least dns_timeout from then (budget_stage). DKIM keys
 * and the _dmarc / np lookups of the author domains are reserved lookups
 * (a sender's SPF or alignment walks cannot use up what decides DMARC);
 * SPF and the alignment walks of other names are not. iprev's lookups and
 * the ARC keys go in pools of the budget (each its own count, the
 * budget's deadline: the client's PTR or a 50-set chain cannot use up
 * what SPF, DKIM and DMARC need). A lookup the budget refuses is
 * a temperror naming the bound.
 */
#include "message/message.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "message/ar_parse_int.h"
#include "message/message_int.h"
#include "util/envaddr.h"
#include "util/ipaddr.h"
#include "util/strcopy.h"

/* ---- the shared environment ---- */

/* A list of CIDR networks from the config (key names it in err). */
static int
parse_nets(char *const *names, size_t n, ipaddr *net, unsigned *prefix,
    size_t *count, const char *key, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n && i < CONFIG_MAX_LIST; i++) {
		if (ipaddr_parse_cidr(names[i], &net[i], &prefix[i]) < 0) {
			snprintf(err, errlen, "%s: '%s' is not a network", key,
			    names[i]);
			return -1;
		}
	}
	*count = i;
	return 0;
}

msg_env *
msg_env_new(const am_config *cfg, dns_resolver *r, char *err, size_t errlen)
{
	msg_env *env = calloc(1, sizeof(*env));

	if (env == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	env->cfg = cfg;
	env->r = r;
	if (parse_nets(cfg->trusted_networks, cfg->ntrusted_networks,
	    env->trusted, env->trusted_prefix, &env->ntrusted,
	    "trusted_networks", err, errlen) < 0 ||
	    parse_nets(cfg->dmarc_exempt_networks, cfg->ndmarc_exempt_networks,
	    env->exempt, env->exempt_prefix, &env->nexempt,
	    "dmarc_exempt_networks", err, errlen) < 0 ||
	    parse_nets(cfg->upstream_networks, cfg->nupstream_networks,
	    env->upstream, env->upstream_prefix, &env->nupstream,
	    "upstream_networks", err, errlen) < 0)
		goto fail;
	if (cfg->dmarc_mode == CONFIG_DMARC_RFC7489) {
		char why[256];

		env->psl = dmarc_psl_load(cfg->psl_file, why, sizeof(why));
		if (env->psl == NULL) {
			snprintf(err, errlen, "psl_file: %s", why);
			goto fail;
		}
	}
	env->pool = spf_pool_new(r, cfg->spf_threads, err, errlen);
	if (env->pool == NULL)
		goto fail;
	env->keycache = dkim_keycache_new(0);
	if (env->keycache == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return env;
fail:
	msg_env_free(env);
	return NULL;
}

void
msg_env_free(msg_env *env)
{
	if (env == NULL)
		return;
	spf_pool_free(env->pool);
	dkim_keycache_free(env->keycache);
	dmarc_psl_free(env->psl);
	free(env);
}

/* ---- one connection's messages ---- */

msg *
msg_new(msg_env *env)
{
	msg *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->env = env;
	sb_init(&m->ar);
	sb_init(&m->rspf);
	sb_init(&m->seal_out);
	msg_reset(m);
	return m;
}

void
msg_reset(msg *m)
{
	size_t i;

	/* an SPF job still running keeps its hold on the budget: closing it
	 * makes the rest of its lookups end at once */
	if (m->spf_job != NULL) {
		dns_budget_close(m->budget);
		spf_pool_release(m->env->pool, m->spf_job);
	}
	m->spf_job = NULL;
	dkim_verifier_free(m->dkim);
	m->dkim = NULL;
	arc_verifier_free(m->arc);
	m->arc = NULL;
	msg_seal_clear(m);
	dns_budget_release(m->arc_pool);
	m->arc_pool = NULL;
	msg_dmarc_clear(m);
	iprev_clear(&m->iprev);
	dns_budget_release(m->budget);
	m->budget = NULL;
	m->dns_limit[0] = '\0';
	for (i = 0; i < m->nfrom; i++)
		free(m->from_val[i]);
	m->nfrom = 0;
	m->from_bytes = 0;
	m->nfrom_seen = 0;
	m->from_too_long = 0;
	m->state = MSG_ST_IDLE;
	m->failed = 0;
	m->fail_reason[0] = '\0';
	m->qid[0] = '\0';
	m->log_id[0] = '\0';
	m->dns_wait_us = 0;
	m->auth_user[0] = '\0';
	m->outbound = 0;
	m->mail_from[0] = '\0';
	m->have_mail_from = 0;
	m->header_bytes = 0;
	m->nheaders = 0;
	m->nar = 0;
	m->nremove = 0;
	free(m->ar_remove);
	m->ar_remove = NULL;
	m->ar_remove_size = 0;
	m->nrcpt = 0;
	strcopy(m->src_ip, sizeof(m->src_ip), m->ip);
	strcopy(m->src_helo, sizeof(m->src_helo), m->helo);
	m->hop_state = MSG_HOP_LOOKING;
	if (m->upstream)
		m->exempt_source = 0;	/* until the client is known */
	m->nreceived = 0;
	m->hop_why[0] = '\0';
	ar_header_free(m->gw_ar);
	m->gw_ar = NULL;
	m->gw_ar_seen = 0;
	m->gw_ar_why[0] = '\0';
	m->ngw_dkim = 0;
	m->spf_done = 0;
	m->dmarc_done = 0;
	m->ndkim = 0;
	memset(&m->dmarc, 0, sizeof(m->dmarc));
	memset(&m->from, 0, sizeof(m->from));
	m->from_status = DMARC_FROM_NONE;
	m->from_why[0] = '\0';
	memset(&m->v, 0, sizeof(m->v));
	sb_reset(&m->ar);
	sb_reset(&m->rspf);
}

void
msg_free(msg *m)
{
	if (m == NULL)
		return;
	msg_reset(m);
	sb_free(&m->ar);
	sb_free(&m->rspf);
	sb_free(&m->seal_out);
	free(m);
}

static void
fail(msg *m, const char *why)
{
	if (!m->failed)
		snprintf(m->fail_reason, sizeof(m->fail_reason), "%s", why);
	m->failed = 1;
}

void
msg_connect(msg *m, const char *ip, const char *hostname)
{
	ipaddr a;

	strcopy(m->ip, sizeof(m->ip), ip);
	strcopy(m->hostname, sizeof(m->hostname), hostname);
	m->trusted = 0;
	m->exempt_source = 0;
	m->upstream = 0;
	strcopy(m->src_ip, sizeof(m->src_ip), ip);
	m->have_ip = ipaddr_parse(m->ip, &a) == 0;
	if (m->have_ip) {
		ipaddr_unmap(&a);
		m->trusted = ipaddr_match_list(&a, m->env->trusted,
		    m->env->trusted_prefix, m->env->ntrusted);
		m->upstream = !m->trusted && ipaddr_match_list(&a,
		    m->env->upstream, m->env->upstream_prefix,
		    m->env->nupstream);
		/* a gateway's own address exempts nothing: the original
		 * client is matched at end of headers (upstream.c) */
		m->exempt_source = !m->upstream && msg_ip_exempt(m->env, ip);
	}
}

/* Is ip in dmarc_exempt_networks? */
int
msg_ip_exempt(const msg_env *env, const char *ip)
{
	ipaddr a;

	if (ipaddr_parse(ip, &a) < 0)
		return 0;
	(void)ipaddr_unmap(&a);
	return ipaddr_match_list(&a, env->exempt, env->exempt_prefix,
	    env->nexempt);
}

void
msg_helo(msg *m, const char *helo)
{
	strcopy(m->helo, sizeof(m->helo), helo);
	strcopy(m->src_helo, sizeof(m->src_helo), helo);
}

void
msg_set_queue_id(msg *m, const char *qid)
{
	strcopy(m->qid, sizeof(m->qid), qid);
}

void
msg_set_log_id(msg *m, const char *id)
{
	strcopy(m->log_id, sizeof(m->log_id), id);
}

void
msg_set_auth(msg *m, const char *user)
{
	strcopy(m->auth_user, sizeof(m->auth_user), user);
}

void
msg_set_outbound(msg *m)
{
	m->outbound = 1;
}

int
msg_skipped(const msg *m)
{
	return m->trusted || m->outbound || (m->auth_user[0] != '\0' &&
	    m->env->cfg->skip_authenticated);
}

/* Lookups that start now (the keys and the DMARC policy at end of headers,
 * DMARC alignment at end of message) get at least dns_timeout, at most
 * message_dns_timeout, from now: a client that sends its message slowly
 * must not leave them no time (nor turn them into temperror). The wait of
 * one stage stays bounded by message_dns_timeout. */
static void
budget_stage(msg *m)
{
	const am_config *cfg = m->env->cfg;

	dns_budget_extend(m->budget, cfg->dns_timeout_ms <
	    cfg->message_dns_timeout_ms ? cfg->dns_timeout_ms :
	    cfg->message_dns_timeout_ms);
}

/* The message's DNS budget, made when the message starts; -1 when memory
 * ran out (the message then fails: no lookup without a bound). */
static int
start_budget(msg *m)
{
	const am_config *cfg = m->env->cfg;
	unsigned reserve = MSG_DNS_RESERVE_BASE + cfg->dkim_max_signatures;

	if (m->budget != NULL)
		return 0;
	if (reserve > cfg->message_dns_queries / 2)
		reserve = cfg->message_dns_queries / 2;
	m->budget = dns_budget_new(cfg->message_dns_timeout_ms,
	    cfg->message_dns_queries, reserve);
	if (m->budget == NULL) {
		fail(m, "out of memory starting the DNS budget");
		return -1;
	}
	dns_budget_set_tag(m->budget, m->log_id);
	return 0;
}

/* SPF (and iprev) of the client judged: at MAIL FROM, or at end of
 * headers for mail through a gateway (upstream.c). */
int
msg_start_spf(msg *m)
{
	spf_request req;

	if (m->env->cfg->iprev)
		iprev_start(&m->iprev, m->env->r, m->budget, m->src_ip);
	memset(&req, 0, sizeof(req));
	req.ip = m->src_ip;
	req.helo = m->src_helo;
	req.mail_from = m->mail_from;
	req.receiver = m->env->cfg->authserv_id;
	req.budget = m->budget;
	/* HELO runs beside MAIL FROM: its own allowance (MSG_SPF_HELO_LOOKUPS);
	 * the null sender's HELO check decides and keeps the budget */
	if (m->mail_from[0] != '\0' && (req.helo_budget = dns_budget_pool(
	    m->budget, "SPF HELO", MSG_SPF_HELO_LOOKUPS)) == NULL) {
		fail(m, "out of memory starting SPF");
		return -1;
	}
	m->spf_job = spf_pool_submit(m->env->pool, &req);
	dns_budget_release(req.helo_budget);   /* the job holds it */
	if (m->spf_job == NULL) {
		fail(m, "out of memory starting SPF");
		return -1;
	}
	return 0;
}

int
msg_mail_from(msg *m, const char *addr)
{
	if (m->state != MSG_ST_IDLE)
		msg_reset(m);
	m->state = MSG_ST_ENVELOPE;
	if (start_budget(m) < 0)
		return -1;
	envaddr_strip(addr, m->mail_from, sizeof(m->mail_from));
	m->have_mail_from = 1;
	if (msg_skipped(m))
		return 0;
	if (!m->have_ip) {
		/* no client address (unix socket, unknown family): SPF cannot
		 * be evaluated; the verdict reports it */
		return 0;
	}
	if (m->upstream)
		return 0;   /* the client is known at end of headers */
	return msg_start_spf(m);
}

int
msg_rcpt(msg *m, const char *addr)
{
	(void)addr;
	m->nrcpt++;
	return 0;
}

/* The key rules DKIM and ARC share (config dkim_*), the message's budget. */
static void
key_options(msg *m, dkim_options *o)
{
	const am_config *cfg = m->env->cfg;

	dkim_options_init(o);
	o->max_signatures = cfg->dkim_max_signatures;
	o->min_rsa_bits = cfg->dkim_min_rsa_bits;
	o->max_rsa_bits = cfg->dkim_max_rsa_bits;
	o->allow_sha1 = (int)cfg->dkim_allow_sha1;
	o->clock_skew = cfg->dkim_clock_skew;
	o->fail_short_l = (int)cfg->dkim_fail_short_l;
	o->now = m->env->now;
	o->keycache = m->env->keycache;
	o->max_header_bytes = cfg->max_header_bytes;  /* counted as msg_header() does */
	o->budget = m->budget;
	o->budget_flags = DNS_BUDGET_RESERVED;
}

static int
start_dkim(msg *m)
{
	dkim_options o;

	if (start_budget(m) < 0)
		return -1;
	key_options(m, &o);
	m->dkim = dkim_verifier_new(m->env->r, &o);
	if (m->dkim == NULL) {
		fail(m, "out of memory starting DKIM");
		return -1;
	}
	/* the sealer (arc_seal) sees every field; the ARC verifier starts
	 * at the first ARC field (start_arc) */
	if (m->env->cfg->arc)
		msg_seal_start(m);
	return 0;
}

/* ARC (config arc), started at the first ARC field, or at end of headers
 * when the header block is not kept whole (the chain then fails as over
 * the bound, as it would have): a message without ARC fields makes no
 * verifier and no pool, and its chain is none (msg_arc_chain). The same
 * key rules as DKIM, its keys in a pool of their own; it reads the header
 * block the DKIM verifier keeps (one copy, every field from the first),
 * so the fields before the first ARC field are there. */
static void
start_arc(msg *m)
{
	dkim_options o;

	if (m->arc != NULL || !m->env->cfg->arc || m->dkim == NULL)
		return;
	key_options(m, &o);
	o.budget = m->arc_pool = dns_budget_pool(m->budget, "ARC",
	    MSG_ARC_LOOKUPS);
	o.budget_flags = 0;
	if (m->arc_pool == NULL ||
	    (m->arc = arc_verifier_new_shared(m->env->r, &o, m->dkim)) ==
	    NULL)
		fail(m, "out of memory starting ARC");
}

int
msg_arc_started(const msg *m)
{
	return m->arc != NULL;
}

const arc_chain *
msg_arc_chain(const msg *m)
{
	/* what a verifier fed no ARC field says (dkim/arc.c arc_eoh) */
	static const arc_chain none = { ARC_NONE, 0, 0, "no ARC sets", { "" } };

	if (!m->env->cfg->arc || m->dkim == NULL)
		return NULL;
	return m->arc != NULL ? arc_chain_result(m->arc) : &none;
}

/* RFC 8601 5: every Authentication-Results field claiming our
 * authserv-id is removed, however many. One bit per AR field seen (the
 * i-th is bit i-1), grown by doubling: at most an octet per 8 AR fields
 * of at least 26 octets each on the wire. */
static void
note_ar_field(msg *m, const char *value, size_t len)
{
	size_t need;

	if (m->nar == UINT32_MAX) {
		/* the milter protocol's index is 32-bit */
		fail(m, "too many Authentication-Results fields");
		return;
	}
	m->nar++;
	if (msg_upstream_ar(m, value, len))
		return;    /* the gateway's own: read, kept */
	/* value NULL: a field too big to be read, so it may claim our
	 * authserv-id: it goes */
	if (value != NULL &&
	    !ar_claims_authserv_id(value, len, m->env->cfg->authserv_id))
		return;
	need = ((size_t)m->nar + 7) / 8;
	if (need > m->ar_remove_size) {
		size_t sz = m->ar_remove_size ? m->ar_remove_size : 64;
		unsigned char *p;

		while (sz < need)
			sz *= 2;
		if ((p = realloc(m->ar_remove, sz)) == NULL) {
			fail(m, "out of memory noting a forged "
			    "Authentication-Results field");
			return;
		}
		memset(p + m->ar_remove_size, 0, sz - m->ar_remove_size);
		m->ar_remove = p;
		m->ar_remove_size = sz;
	}
	m->ar_remove[(m->nar - 1) / 8] |= (unsigned char)(1u << ((m->nar - 1) % 8));
	m->nremove++;
}

/* Keep a From value: its own bound (MSG_MAX_FROM fields,
 * DMARC_FROM_MAX_LEN octets), not max_header_bytes, so no amount of
 * header text before it can hide it. A field past the bound is counted
 * and makes the From bad at end of headers. */
static void
keep_from(msg *m, const char *value, size_t len)
{
	m->nfrom_seen++;
	if (m->nfrom >= MSG_MAX_FROM)
		return;
	if (len > DMARC_FROM_MAX_LEN - m->from_bytes) {
		m->from_too_long = 1;
		return;
	}
	if ((m->from_val[m->nfrom] = malloc(len + 1)) == NULL) {
		fail(m, "out of memory keeping From");
		return;
	}
	memcpy(m->from_val[m->nfrom], value, len);
	m->from_val[m->nfrom][len] = '\0';
	m->from_len[m->nfrom++] = len;
	m->from_bytes += len;
}

int
msg_header(msg *m, const char *name, const char *value, size_t len)
{
	size_t namelen = strlen(name);

	if (m->state == MSG_ST_IDLE)
		m->state = MSG_ST_ENVELOPE; /* headers without MAIL FROM (CLI) */
	if (m->state != MSG_ST_ENVELOPE && m->state != MSG_ST_HEADERS)
		return -1;
	m->state = MSG_ST_HEADERS;
	m->nheaders++;
	m->header_bytes += namelen + len + 3; /* DKIM bounds itself by it */
	if (strcasecmp(name, "Authentication-Results") == 0)
		note_ar_field(m, value, len);
	if (msg_skipped(m))
		return m->failed ? -1 : 0;
	if (strcasecmp(name, "From") == 0)
		keep_from(m, value, len);
	if (m->upstream && strcasecmp(name, "Received") == 0)
		(void)msg_upstream_received(m, value, len);
	iprev_advance(&m->iprev, m->env->r);
	if (m->dkim == NULL && !m->failed && start_dkim(m) < 0)
		return -1;
	if (m->arc == NULL && arc_field_name(name, namelen))
		start_arc(m);
	if (m->arc != NULL && arc_header(m->arc, name, namelen, value,
	    len) < 0)
		fail(m, "ARC: header out of order or out of memory");
	msg_seal_header(m, name, namelen, value, len);
	if (m->dkim != NULL && dkim_header(m->dkim, name, namelen, value,
	    len) < 0)
		fail(m, "DKIM: header out of order or out of memory");
	return m->failed ? -1 : 0;
}

int
msg_header_skipped(msg *m, const char *name, size_t len)
{
	size_t namelen = strlen(name);

	if (m->state == MSG_ST_IDLE)
		m->state = MSG_ST_ENVELOPE;
	if (m->state != MSG_ST_ENVELOPE && m->state != MSG_ST_HEADERS)
		return -1;
	m->state = MSG_ST_HEADERS;
	m->nheaders++;
	m->header_bytes += namelen + len + 3;
	if (strcasecmp(name, "Authentication-Results") == 0)
		note_ar_field(m, NULL, 0);
	if (msg_skipped(m))
		return m->failed ? -1 : 0;
	if (strcasecmp(name, "From") == 0) {
		/* a From that cannot be read: a bad From (too long) */
		m->nfrom_seen++;
		m->from_too_long = 1;
	}
	if (m->upstream && strcasecmp(name, "Received") == 0)
		(void)msg_upstream_received(m, NULL, len);
	if (m->dkim == NULL && !m->failed && start_dkim(m) < 0)
		return -1;
	if (m->arc == NULL && arc_field_name(name, namelen))
		start_arc(m);
	if (m->dkim != NULL && dkim_header_skipped(m->dkim, name, namelen) < 0)
		fail(m, "DKIM: header out of order");
	if (m->arc != NULL && arc_header_skipped(m->arc) < 0)
		fail(m, "ARC: header out of order");
	msg_seal_header_skipped(m);
	return m->failed ? -1 : 0;
}

int
msg_eoh(msg *m)
{
	if (m->state == MSG_ST_IDLE || m->state == MSG_ST_ENVELOPE)
		m->state = MSG_ST_HEADERS;
	if (m->state != MSG_ST_HEADERS)
		return -1;
	m->state = MSG_ST_BODY;
	if (msg_skipped(m))
		return 0;
	if (start_budget(m) < 0)
		return -1;
	budget_stage(m);
	if (m->dkim == NULL && !m->failed && start_dkim(m) < 0)
		return -1;
	if (m->arc == NULL && m->dkim != NULL && dkim_header_over(m->dkim))
		start_arc(m);
	if (m->dkim != NULL && dkim_eoh(m->dkim) < 0)
		fail(m, "DKIM: end of headers out of order");
	if (m->arc != NULL && arc_eoh(m->arc) < 0)
		fail(m, "ARC: end of headers out of order");
	msg_seal_eoh(m);
	m->from_status = dmarc_from_parse((const char *const *)m->from_val,
	    m->from_len, m->nfrom, &m->from, m->from_why, sizeof(m->from_why));
	/* fields not kept: the From is bad, whatever those kept say */
	if (m->from_too_long && (m->from_status == DMARC_FROM_OK ||
	    m->from_status == DMARC_FROM_MULTIPLE ||
	    m->from_status == DMARC_FROM_NONE)) {
		m->from_status = DMARC_FROM_TOO_LONG;
		snprintf(m->from_why, sizeof(m->from_why), "From header field "
		    "longer than %u octets (local limit)",
		    (unsigned)DMARC_FROM_MAX_LEN);
	} else if (m->from_status == DMARC_FROM_MULTIPLE ||
	    (m->nfrom_seen > m->nfrom && m->from_status == DMARC_FROM_OK)) {
		m->from_status = DMARC_FROM_MULTIPLE;
		snprintf(m->from_why, sizeof(m->from_why), "%zu From header "
		    "fields (RFC 5322 3.6 allows one)", m->nfrom_seen);
	}
	msg_dmarc_prefetch(m);
	if (m->upstream) {
		msg_upstream_eoh(m);
		if (!msg_upstream_ar_spf(m) && m->hop_state == MSG_HOP_FOUND &&
		    m->have_mail_from && m->spf_job == NULL && !m->failed)
			(void)msg_start_spf(m);
	}
	iprev_advance(&m->iprev, m->env->r);
	return m->failed ? -1 : 0;
}

int
msg_body(msg *m, const void *data, size_t len)
{
	if (m->state == MSG_ST_HEADERS && msg_eoh(m) < 0)
		return -1;
	if (m->state != MSG_ST_BODY)
		return -1;
	if (m->dkim != NULL && dkim_body(m->dkim, data, len) < 0)
		fail(m, "DKIM: body out of order");
	if (m->arc != NULL && arc_body(m->arc, data, len) < 0)
		fail(m, "ARC: body out of order");
	msg_seal_body(m, data, len);
	return m->failed ? -1 : 0;
}

/* Monotonic microseconds: msg_eom's waits (v->dns_wait_ms). */
int64_t
msg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const msg_verdict *
msg_eom(msg *m)
{
	size_t i;

	if (m->state == MSG_ST_HEADERS || m->state == MSG_ST_ENVELOPE ||
	    m->state == MSG_ST_IDLE)
		(void)msg_eoh(m);
	m->state = MSG_ST_DONE;
	budget_stage(m);
	if (!msg_skipped(m)) {
		int64_t t0 = msg_now_us();

		if (m->spf_job != NULL) {
			const spf_job *j = spf_pool_wait(m->env->pool,
			    m->spf_job);

			m->spf_mf = j->mailfrom;
			m->spf_helo = j->helo_result;
			m->spf_done = 1;
			spf_pool_release(m->env->pool, m->spf_job);
			m->spf_job = NULL;
		}
		if (m->dkim != NULL && dkim_eom(m->dkim) < 0)
			fail(m, "DKIM: end of message out of order");
		if (m->arc != NULL && arc_eom(m->arc) < 0)
			fail(m, "ARC: end of message out of order");
		iprev_finish(&m->iprev, m->env->r);
		m->dns_wait_us += msg_now_us() - t0;  /* then lk_wait's */
		m->ndkim = 0;
		for (i = 0; m->dkim != NULL && i < dkim_count(m->dkim) &&
		    i < MSG_MAX_DKIM_SHOWN; i++)
			m->dkimres[m->ndkim++] = dkim_result_at(m->dkim, i);
		msg_upstream_ar_dkim(m);
		/* a bad From (any status but ok) still has its readable
		 * domains' policies discovered, for the header and reports;
		 * verdict.c makes the result permerror. DMARC's own lookups
		 * (np existence, walks not prefetched) start only now: a
		 * stage of their own, or a sender whose SPF or keys hold the
		 * waits above up to the deadline has them refused (np=reject
		 * not applied) */
		if (m->from.ndomains > 0) {
			budget_stage(m);
			msg_run_dmarc(m);
		}
	}
	(void)dns_budget_why(m->budget, m->dns_limit, sizeof(m->dns_limit));
	msg_decide(m);
	msg_seal_finish(m);
	m->v.dns_queries = dns_budget_queries(m->budget);
	m->v.dns_refused = dns_budget_refused(m->budget);
	m->v.dns_limit = m->dns_limit[0] != '\0' ? m->dns_limit : NULL;
	m->v.dns_wait_ms = (unsigned)((m->dns_wait_us + 500) / 1000);
	m->v.iprev = m->iprev.started ? &m->iprev.res : NULL;
	return &m->v;
}
