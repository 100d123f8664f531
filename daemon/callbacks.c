/*
 * daemon/callbacks.c - authmilter's milter handler (milter/milter.h): translate
 * the milter dialogue into msg_* calls (message.h) and the verdict into
 * milter actions. Nothing is decided here; message.c decides, and the
 * protocol engine (mproto, msession, mserver) knows nothing of messages.
 *
 * Signing (authmilter(8), SIGNING): at MAIL FROM the client address,
 * {auth_authen} and {daemon_name} say whether the message is to be
 * signed (sign_conf_wants()); its header fields and body go to msign_*
 * as they arrive; at end of message the DKIM-Signature fields are
 * inserted at the top, before our Authentication-Results (added after
 * signing, so never signed). A message that cannot be signed gets
 * on_sign_error, never a silent unsigned send.
 *
 * ARC sealing (authmilter(8), ARC sealing): message.c seals a delivered
 * message (v->arc_seal); its ARC set goes on top, above our
 * Authentication-Results; a sealing error is logged here with
 * on_seal_error (message.c already applied it to the action).
 *
 * Per connection: the runtime acquired at connect (so a reload never
 * changes settings under a message) and one msg. Actions at end of
 * message: remove the Authentication-Results fields that claim our
 * authserv-id (highest index first, so the remaining indexes stay valid
 * however the MTA renumbers), insert ours at the top, optionally
 * Received-SPF, then accept, quarantine, reject (550) or tempfail (451).
 */
#include "daemon/callbacks_int.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/history_writer_int.h"
#include "daemon/failrep_int.h"
#include "daemon/log_int.h"
#include "daemon/metrics_int.h"
#include "daemon/msglog_int.h"
#include "daemon/runtime_int.h"
#include "util/clean.h"
#include "util/strbuf.h"

typedef struct conn {
	runtime *rt;
	msg *m;
	int in_message;
	char qid[64];
	char id[32];              /* ours, per message (msg_id_new) */
	int64_t t0;               /* MAIL FROM, dns_now_ms() clock */
	char ip[64];              /* for the history store */
	char client[256];         /* the client's host name, as the MTA says */
	char mail_from[512];
	char rcpt[512];           /* the first recipient */
	int signing;              /* the message is to be signed */
	msign *ms;                /* its signer (NULL: out of memory) */
	char sign_err[256];       /* a failure the callbacks saw */
	const char *sign_outcome; /* "ok", "nokey", "error" for the log */
	strbuf fr_headers;        /* header block, failure_reports only */
} conn;

/* A header field name quoted in a log line. */
#define CB_LOG_NAME_MAX 64

/* Stages where the MTA need not wait for our reply (the milter protocol
 * v6 "no reply" flags): every stage before end of message. Only end of
 * message decides; a tempfail at connect or MAIL FROM (stopping, out of
 * memory) is kept by the engine and given at end of message. The MTA
 * then sends a message's commands without a round trip each: measured
 * on the bench corpus, 2 round trips per connection instead of 6, CPU
 * per message 140 -> 102 us at 1 connection, 120 -> 90 us at 32. */
#define CB_NOREPLY_STAGES (MPP_NR_CONN | MPP_NR_HELO | MPP_NR_MAIL | MPP_NR_RCPT | \
    MPP_NR_HDR | MPP_NR_EOH | MPP_NR_BODY)
#define CB_ACTIONS (MPF_ADDHDRS | MPF_CHGHDRS | MPF_QUARANTINE)

static conn *
get_conn(msession *ctx)
{
	return msession_priv(ctx);
}

/* Our id of a message, for the MTAs that send no queue id ({i}) and for
 * the -d DNS lines (whose questions start before the MTA may send one):
 * "AM" + the time of the process's first message (hexadecimal seconds) +
 * "." + a count: unique across restarts but for a daemon that lived less
 * than a second. */
static void
msg_id_new(char *out, size_t len)
{
	static atomic_ulong next;
	static _Atomic long started;
	long t = atomic_load(&started);

	if (t == 0) {
		long now = (long)time(NULL);

		if (!atomic_compare_exchange_strong(&started, &t, now))
			t = atomic_load(&started);
		else
			t = now;
	}
	snprintf(out, len, "AM%lX.%lu", (unsigned long)t,
	    atomic_fetch_add(&next, 1) + 1);
}

/* A message's lines start with the MTA's queue id, else with ours. */
static const char *
conn_tag(const conn *c)
{
	return c->qid[0] != '\0' ? c->qid : c->id;
}

static void
refresh_qid(msession *ctx, conn *c)
{
	const char *qid;

	if (c->qid[0] != '\0')
		return; /* a message keeps its queue id */
	qid = msession_getsymval(ctx, "{i}");
	if (qid != NULL && *qid != '\0' && strcmp(qid, c->qid) != 0) {
		snprintf(c->qid, sizeof(c->qid), "%s", qid);
		msg_set_queue_id(c->m, c->qid);
	}
}

static void
end_message(conn *c)
{
	if (c->in_message) {
		c->in_message = 0;
		runtime_message_end();
	}
	if (c->m != NULL)
		msg_reset(c->m);
	msign_free(c->ms);
	c->ms = NULL;
	c->signing = 0;
	c->sign_outcome = NULL;
	c->sign_err[0] = '\0';
	c->qid[0] = '\0';
	c->id[0] = '\0';
	sb_free(&c->fr_headers);
}

/* Warnings about what the MTA offers: the same on every connection, so
 * logged once per process. */
static atomic_int warned_actions, warned_leadspc;

static mstat
cb_negotiate(msession *ctx, uint32_t f0, uint32_t f1, uint32_t *pf0,
    uint32_t *pf1)
{
	(void)ctx;
	if ((f0 & CB_ACTIONS) != CB_ACTIONS &&
	    atomic_exchange(&warned_actions, 1) == 0)
		log_msg(LOG_WARNING, NULL, "the MTA does not offer every action "
		    "authmilter uses (offered 0x%lx, wanted 0x%lx; logged once)",
		    (unsigned long)f0, (unsigned long)CB_ACTIONS);
	*pf0 = CB_ACTIONS;
	/* Header values with their leading space (exact bytes for DKIM);
	 * no unknown commands, no DATA step. */
	*pf1 = MPP_HDR_LEADSPC | MPP_NOUNKNOWN | MPP_NODATA | CB_NOREPLY_STAGES;
	if (!(f1 & MPP_HDR_LEADSPC) &&
	    atomic_exchange(&warned_leadspc, 1) == 0)
		log_msg(LOG_WARNING, NULL, "the MTA cannot pass header values "
		    "with their leading space: simple-canonicalized DKIM "
		    "signatures may fail (logged once)");
	return MS_CONTINUE;
}

static mstat
cb_connect(msession *ctx, const mproto_connect *ci)
{
	conn *c = get_conn(ctx);   /* a session after QUIT_NC: none yet */

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		sb_init(&c->fr_headers);
	if (runtime_draining()) {
		free(c);
		msession_set_priv(ctx, NULL);
		return MS_TEMPFAIL; /* stopping: the MTA retries later */
	}
	if (c == NULL)
		goto fail;
	c->rt = runtime_acquire();
	if (c->rt == NULL)
		goto fail;
	c->m = msg_new(c->rt->env);
	if (c->m == NULL)
		goto fail;
	msession_set_priv(ctx, c);
	msg_connect(c->m, ci->ip, ci->host);
	snprintf(c->ip, sizeof(c->ip), "%s", ci->ip);
	snprintf(c->client, sizeof(c->client), "%s", ci->host);
	metrics_conn_open();
	return MS_CONTINUE;
fail:
	log_msg(LOG_ERR, NULL, "cannot set up a connection: out of memory");
	if (c != NULL) {
		runtime_release(c->rt);
		free(c);
	}
	msession_set_priv(ctx, NULL);
	return MS_TEMPFAIL;
}

static mstat
cb_helo(msession *ctx, const char *helo)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return MS_TEMPFAIL;
	msg_helo(c->m, helo);
	return MS_CONTINUE;
}

static mstat
cb_envfrom(msession *ctx, const char **argv, size_t argc)
{
	conn *c = get_conn(ctx);
	const char *auth;

	(void)argc; /* argv[0] is the address; ESMTP parameters unused */
	if (c == NULL)
		return MS_TEMPFAIL;
	end_message(c); /* a new transaction on the same connection */
	if (runtime_draining()) {
		(void)msession_setreply(ctx, "451", "4.3.2", "authmilter is "
		    "restarting, try again later");
		return MS_TEMPFAIL;
	}
	c->in_message = 1;
	runtime_message_begin();
	c->t0 = dns_now_ms();
	msg_id_new(c->id, sizeof(c->id));
	msg_set_log_id(c->m, c->id);
	refresh_qid(ctx, c);
	auth = msession_getsymval(ctx, "{auth_authen}");
	if (auth != NULL && *auth != '\0')
		msg_set_auth(c->m, auth);
	if (sign_conf_wants(c->rt->sign, c->ip, auth,
	    msession_getsymval(ctx, "{daemon_name}")) != 0) {
		c->signing = 1;
		c->ms = msign_new(c->rt->sign);
		if (c->ms == NULL)
			snprintf(c->sign_err, sizeof(c->sign_err), "out of memory");
		if (!c->rt->cfg.verify_signed)
			msg_set_outbound(c->m);
	}
	snprintf(c->mail_from, sizeof(c->mail_from), "%s",
	    argv[0] != NULL ? argv[0] : "");
	c->rcpt[0] = '\0';
	if (msg_mail_from(c->m, argv[0] != NULL ? argv[0] : "") < 0)
		log_msg(LOG_ERR, conn_tag(c), "MAIL FROM: evaluation cannot start");
	return MS_CONTINUE;
}

static mstat
cb_envrcpt(msession *ctx, const char **argv, size_t argc)
{
	conn *c = get_conn(ctx);

	(void)argc;
	if (c == NULL)
		return MS_TEMPFAIL;
	if (c->rcpt[0] == '\0' && argv[0] != NULL)
		snprintf(c->rcpt, sizeof(c->rcpt), "%s", argv[0]);
	(void)msg_rcpt(c->m, argv[0] != NULL ? argv[0] : "");
	return MS_CONTINUE;
}

static mstat
cb_header(msession *ctx, const char *name, const char *value,
    size_t vlen)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return MS_TEMPFAIL;
	refresh_qid(ctx, c);
	(void)msg_header(c->m, name, value, vlen);
	if (c->ms != NULL)
		(void)msign_header(c->ms, name, value, vlen);
	if (c->rt->cfg.failure_reports)
		(void)failrep_header(&c->fr_headers, name, value, vlen);
	return MS_CONTINUE;
}

/* A header field too big for the milter packet bound (milter/milter.h): the
 * message is over its header limit (message.h). */
static mstat
cb_header_skipped(msession *ctx, const char *name, size_t size)
{
	conn *c = get_conn(ctx);
	char shown[CB_LOG_NAME_MAX + 1];

	if (c == NULL)
		return MS_TEMPFAIL;
	refresh_qid(ctx, c);
	clean_copy(shown, sizeof(shown), name, CLEAN_VCHAR);
	log_msg(LOG_WARNING, conn_tag(c), "header field %s%s of %zu bytes is over "
	    "the milter packet limit of %zu bytes: not read, the message is "
	    "over its header limit", shown,
	    name[strlen(shown)] != '\0' ? "..." : "",
	    size, msession_max_data(ctx));
	(void)msg_header_skipped(c->m, name, size);
	if (c->ms != NULL && c->sign_err[0] == '\0')
		snprintf(c->sign_err, sizeof(c->sign_err), "a header field "
		    "over the milter packet limit");
	return MS_CONTINUE;
}

static mstat
cb_eoh(msession *ctx)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return MS_TEMPFAIL;
	refresh_qid(ctx, c);
	(void)msg_eoh(c->m);
	if (c->ms != NULL)
		(void)msign_eoh(c->ms);
	return MS_CONTINUE;
}

static mstat
cb_body(msession *ctx, const unsigned char *data, size_t len)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return MS_TEMPFAIL;
	(void)msg_body(c->m, data, len);
	if (c->ms != NULL)
		(void)msign_body(c->ms, data, len);
	return MS_CONTINUE;
}

/* Header values we send fold with "\n" (as libmilter filters do; the MTA
 * writes its own line ends): drop the CRs of "\r\n\t". */
static int
milter_value(const char *value, strbuf *out)
{
	const char *p;

	sb_reset(out);
	for (p = value; *p != '\0'; p++)
		if (*p != '\r')
			sb_putc(out, *p);
	return out->failed ? -1 : 0;
}

/* What the MTA was told: "accept", "quarantine", "reject", "tempfail",
 * and the SMTP reply of a reject or tempfail (else NULL). */
typedef struct sent_reply {
	const char *action, *code, *dsn;
} sent_reply;

/* Header fields we insert at once: the DKIM-Signature fields of the
 * sign_key entries of one domain, or an ARC set (3). */
#define CB_MAX_INSERT (DKIM_SIGN_MAX_KEYS > 3 ? DKIM_SIGN_MAX_KEYS : 3)

/* Insert each field of fields ("Name: value\r\n", folded; every name
 * only, when only is not NULL) at the top, the first on top. 0 or -1. */
static int
insert_fields(msession *ctx, const char *fields, const char *only)
{
	const char *p = fields, *end, *colon;
	strbuf one, val, name;
	size_t n = 0, i;
	const char *nstart[CB_MAX_INSERT], *start[CB_MAX_INSERT];
	size_t nlen[CB_MAX_INSERT], len[CB_MAX_INSERT];
	int rc = 0;

	while (*p != '\0' && n < CB_MAX_INSERT) {
		colon = strchr(p, ':');
		if (colon == NULL || colon == p || (only != NULL &&
		    ((size_t)(colon - p) != strlen(only) ||
		    strncmp(p, only, strlen(only)) != 0)))
			return -1;
		nstart[n] = p;
		nlen[n] = (size_t)(colon - p);
		p = colon + 1;
		for (end = p; *end != '\0'; end++)
			if (end[0] == '\r' && end[1] == '\n' && end[2] != ' ' &&
			    end[2] != '\t')
				break;
		if (*end == '\0')
			return -1;
		start[n] = p;
		len[n++] = (size_t)(end - p);
		p = end + 2;
	}
	if (*p != '\0' || n == 0)
		return -1;
	sb_init(&one);
	sb_init(&val);
	sb_init(&name);
	for (i = n; i > 0 && rc == 0; i--) {
		sb_reset(&one);
		sb_reset(&name);
		if (sb_append(&one, start[i - 1], len[i - 1]) < 0 ||
		    sb_append(&name, nstart[i - 1], nlen[i - 1]) < 0 ||
		    milter_value(one.s, &val) < 0 ||
		    msession_insheader(ctx, 0, name.s, val.s) < 0)
			rc = -1;
	}
	sb_free(&one);
	sb_free(&val);
	sb_free(&name);
	return rc;
}

/*
 * Sign the message (c->signing): 0 when it goes on (signed; no key for
 * its From domain; or unsigned by on_sign_error = accept-unsigned), else
 * the milter status of on_sign_error with sent filled in.
 */
static int
sign_message(msession *ctx, conn *c, sent_reply *sent, mstat *rc)
{
	strbuf sigs;
	int r = -1;
	const char *alg, *p;

	sb_init(&sigs);
	if (c->sign_err[0] == '\0' && c->ms != NULL) {
		r = msign_finish(c->ms, &sigs);
		if (r < 0)
			snprintf(c->sign_err, sizeof(c->sign_err), "%s",
			    msign_error(c->ms));
	}
	if (r == MSIGN_NOKEY) {
		c->sign_outcome = "nokey";
		metrics_signature("nokey", NULL);
		log_msg(LOG_NOTICE, conn_tag(c), "not signed: no sign_key "
		    "for the From domain %s", msign_domain(c->ms));
	} else if (r == 0 && insert_fields(ctx, sigs.s, "DKIM-Signature") < 0) {
		snprintf(c->sign_err, sizeof(c->sign_err), "the MTA refused "
		    "to insert the DKIM-Signature field");
		r = -1;
	} else if (r == 0) {
		c->sign_outcome = "ok";
		for (alg = msign_algs(c->ms); *alg != '\0'; alg = p + (*p == ',')) {
			char one[32];

			p = alg + strcspn(alg, ",");
			snprintf(one, sizeof(one), "%.*s", (int)(p - alg), alg);
			metrics_signature("ok", one);
		}
	}
	sb_free(&sigs);
	if (r >= 0)
		return 0;
	c->sign_outcome = "error";
	metrics_signature("error", NULL);
	log_msg(LOG_ERR, conn_tag(c), "cannot sign the message: %s; "
	    "on_sign_error = %s", c->sign_err,
	    c->rt->cfg.on_sign_error == CONFIG_SIGNERR_ACCEPT ?
	    "accept-unsigned: sent unsigned" :
	    c->rt->cfg.on_sign_error == CONFIG_SIGNERR_REJECT ? "reject" :
	    "tempfail");
	switch (c->rt->cfg.on_sign_error) {
	case CONFIG_SIGNERR_ACCEPT:
		return 0;
	case CONFIG_SIGNERR_REJECT:
		(void)msession_setreply(ctx, "550", "5.7.0",
		    "the message cannot be signed");
		*sent = (sent_reply){ "reject", "550", "5.7.0" };
		*rc = MS_REJECT;
		return -1;
	default:
		(void)msession_setreply(ctx, "451", "4.7.0",
		    "the message cannot be signed, try again later");
		*sent = (sent_reply){ "tempfail", "451", "4.7.0" };
		*rc = MS_TEMPFAIL;
		return -1;
	}
}

/*
 * The verdict to milter actions. sent names what the MTA is told, which
 * differs from the verdict when the MTA refused a header change or the
 * quarantine.
 */
static mstat
apply_verdict(msession *ctx, conn *c, const msg_verdict *v,
    sent_reply *sent)
{
	strbuf val, ins;
	unsigned i;
	int failed = 0;

	/* every forged field, streamed by index, highest first: the MTA
	 * (Postfix, Sendmail) counts the n-th field of that name, so a
	 * deletion never moves the index of one still to come */
	for (i = v->nar; i > 0 && v->nremove > 0; i--)
		if (msg_verdict_removes(v, i) && msession_chgheader(ctx,
		    (uint32_t)i, "Authentication-Results", NULL) < 0)
			failed = 1;
	sb_init(&val);
	sb_init(&ins);
	if (v->quarantine_header != NULL) {
		if (milter_value(v->quarantine_header, &val) < 0 ||
		    sb_printf(&ins, " %s", val.s) < 0 ||
		    msession_insheader(ctx, 0, MSG_QUARANTINE_HEADER,
		    ins.s) < 0)
			failed = 1;
	}
	if (v->received_spf != NULL) {
		if (milter_value(v->received_spf, &val) < 0 ||
		    msession_insheader(ctx, 0, "Received-SPF", val.s) < 0)
			failed = 1;
	}
	if (v->auth_results != NULL) {
		if (milter_value(v->auth_results, &val) < 0 ||
		    msession_insheader(ctx, 0, "Authentication-Results",
		    val.s) < 0)
			failed = 1;
	}
	/* arc_seal: the ARC set on top, ARC-Seal first (message.h) */
	if (v->arc_seal != NULL && insert_fields(ctx, v->arc_seal, NULL) < 0)
		failed = 1;
	if (v->arc_seal_failed)
		log_msg(LOG_ERR, conn_tag(c), "%s; on_seal_error = %s",
		    v->arc_seal_note, c->rt->cfg.on_seal_error ==
		    CONFIG_SEALERR_TEMPFAIL ? "tempfail" :
		    "accept-unsealed: delivered without our ARC set");
	sb_free(&val);
	sb_free(&ins);
	if (failed) {
		/* The verdict cannot be recorded in the message: never pass
		 * it on silently without its header. */
		log_msg(LOG_ERR, conn_tag(c), "the MTA refused a header change; "
		    "applying on_internal_error");
		switch (c->rt->cfg.on_internal_error) {
		case CONFIG_ACTION_ACCEPT:
			sent->action = "accept";
			return MS_ACCEPT;
		case CONFIG_ACTION_REJECT:
			(void)msession_setreply(ctx, "550", "5.7.0",
			    "authentication check failed");
			*sent = (sent_reply){ "reject", "550", "5.7.0" };
			return MS_REJECT;
		default:
			(void)msession_setreply(ctx, "451", "4.7.0",
			    "authentication check failed, try again later");
			*sent = (sent_reply){ "tempfail", "451", "4.7.0" };
			return MS_TEMPFAIL;
		}
	}
	sent->action = msg_action_name(v->action);
	switch (v->action) {
	case MSG_QUARANTINE:
		if (msession_quarantine(ctx, v->quarantine_reason) < 0) {
			log_msg(LOG_WARNING, conn_tag(c), "quarantine refused by "
			    "the MTA");
			sent->action = "accept";
		}
		return MS_ACCEPT;
	case MSG_REJECT:
		(void)msession_setreply(ctx, v->smtp_rcode, v->smtp_xcode,
		    v->smtp_text);
		sent->code = v->smtp_rcode;
		sent->dsn = v->smtp_xcode;
		return MS_REJECT;
	case MSG_TEMPFAIL:
		(void)msession_setreply(ctx, v->smtp_rcode, v->smtp_xcode,
		    v->smtp_text);
		sent->code = v->smtp_rcode;
		sent->dsn = v->smtp_xcode;
		return MS_TEMPFAIL;
	default:
		return MS_ACCEPT;
	}
}


/* One log line per message (daemon/msglog.c): unless log_success = no
 * and the message passed cleanly. */
static void
log_verdict(const conn *c, const msg_verdict *v, const sent_reply *sent)
{
	const am_config *cfg = &c->rt->cfg;
	msglog_facts f;
	strbuf line;
	int64_t ms = dns_now_ms() - c->t0;

	if (!cfg->log_success && msglog_passed(v, sent->action) &&
	    (c->sign_outcome == NULL || strcmp(c->sign_outcome, "ok") == 0))
		return;
	f.qid = conn_tag(c);
	f.id = c->id;
	f.ip = c->ip;
	f.client = c->client;
	f.helo = msg_helo_name(c->m);
	f.mail_from = msg_mail_from_addr(c->m);
	f.action = sent->action;
	f.code = sent->code != NULL && sent->code[0] != '\0' ? sent->code : NULL;
	f.dsn = sent->dsn != NULL && sent->dsn[0] != '\0' ? sent->dsn : NULL;
	f.time_ms = ms > 0 ? (unsigned)ms : 0;
	f.sign = c->sign_outcome;
	f.sign_d = c->ms != NULL ? msign_domain(c->ms) : NULL;
	f.sign_s = c->ms != NULL ? msign_selectors(c->ms) : NULL;
	f.sign_error = c->sign_err[0] != '\0' ? c->sign_err : NULL;
	sb_init(&line);
	if (msglog_line(&f, v, cfg->log_format == CONFIG_LOG_JSON, &line) == 0)
		log_msg(LOG_INFO, cfg->log_format == CONFIG_LOG_JSON ? NULL :
		    conn_tag(c), "%s", line.s);
	else
		log_msg(LOG_ERR, conn_tag(c), "out of memory writing the "
		    "message's log line (action=%s)", sent->action);
	sb_free(&line);
}

/* The history store gets the report record; never waits on it. */
static void
record_history(conn *c, const msg_verdict *v)
{
	report_record *rec;

	if (c->rt->history == NULL)
		return;
	rec = malloc(sizeof(*rec));
	if (rec == NULL)
		return;
	if (history_record_from_verdict(v, &c->rt->cfg, v->source_ip != NULL ?
	    v->source_ip : c->ip, c->mail_from,
	    c->rcpt, 0, rec) < 0) {
		free(rec);
		return;
	}
	(void)history_writer_submit(c->rt->history, rec);
}

/* A failure report (RFC 9991) when the domain asks and the site agrees;
 * queued for the history writer, never sent from here. */
static void
record_failure(conn *c, const msg_verdict *v)
{
	failrep_facts f;

	if (c->rt->history == NULL || !c->rt->cfg.failure_reports)
		return;
	memset(&f, 0, sizeof(f));
	f.id = c->id;
	f.qid = c->qid;
	f.ip = c->ip;
	f.mail_from = c->mail_from;
	f.rcpt = c->rcpt;
	f.headers = c->fr_headers.s != NULL ? c->fr_headers.s : "";
	f.headers_len = c->fr_headers.len;
	f.log_tag = conn_tag(c);
	(void)failrep_submit(c->rt->history, &c->rt->cfg, v, &f);
}

static mstat
cb_eom(msession *ctx)
{
	conn *c = get_conn(ctx);
	const msg_verdict *v;
	sent_reply sent = { NULL, NULL, NULL };
	mstat rc;
	uint64_t t0 = metrics_now_us();

	if (c == NULL)
		return MS_TEMPFAIL;
	refresh_qid(ctx, c);
	if (c->id[0] == '\0') {	/* no MAIL FROM seen */
		c->t0 = dns_now_ms();
		msg_id_new(c->id, sizeof(c->id));
	}
	v = msg_eom(c->m);
	if (!c->signing || sign_message(ctx, c, &sent, &rc) == 0)
		rc = apply_verdict(ctx, c, v, &sent);
	metrics_message(v, sent.action, history_dmarc_applied(v, &c->rt->cfg),
	    metrics_now_us() - t0);
	if (!v->skipped)
		metrics_observe_dns_wait(v->dns_wait_ms);
	log_verdict(c, v, &sent);
	record_history(c, v);
	record_failure(c, v);
	end_message(c);
	return rc;
}

static void
cb_abort(msession *ctx)
{
	conn *c = get_conn(ctx);

	if (c != NULL)
		end_message(c);
}

static void
cb_close(msession *ctx)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return;
	end_message(c);
	metrics_conn_close();
	msg_free(c->m);
	runtime_release(c->rt);
	free(c);
	msession_set_priv(ctx, NULL);
}

static const mhandler handler = {
	.negotiate = cb_negotiate,
	.connect = cb_connect,
	.helo = cb_helo,
	.envfrom = cb_envfrom,
	.envrcpt = cb_envrcpt,
	.header = cb_header,
	.eoh = cb_eoh,
	.body = cb_body,
	.eom = cb_eom,
	.abort = cb_abort,
	.close = cb_close,
	.header_skipped = cb_header_skipped,
};

const mhandler *
callbacks_handler(void)
{
	return &handler;
}
