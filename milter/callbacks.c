/*
 * milter/callbacks.c - the libmilter callbacks: translate the milter
 * dialogue into msg_* calls (message.h) and the verdict into milter
 * actions. Nothing is decided here; message.c decides.
 *
 * Per connection: the runtime acquired at connect (so a reload never
 * changes settings under a message) and one msg. Actions at end of
 * message: remove the Authentication-Results fields that claim our
 * authserv-id (highest index first, so the remaining indexes stay valid
 * however the MTA renumbers), insert ours at the top, optionally
 * Received-SPF, then accept, quarantine, reject (550) or tempfail (451).
 */
#include "milter/callbacks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "milter/history_writer.h"
#include "milter/log.h"
#include "milter/runtime.h"
#include "util/strbuf.h"

typedef struct conn {
	runtime *rt;
	msg *m;
	int in_message;
	char qid[64];
	char ip[64];              /* for the history store */
	char mail_from[512];
	char rcpt[512];           /* the first recipient */
	unsigned long nr;         /* SMFIP_NR_* negotiated: no reply sent */
} conn;

/* Stages where the MTA need not wait for our reply (the milter protocol
 * v6 "no reply" flags): header, end of headers and body never decide
 * anything, so the MTA streams them without a round trip each. */
/* Header text in the one log line per message (log_msg keeps 2 KB). */
#define CB_LOG_HEADER_MAX 1400

#define CB_NOREPLY_STAGES (SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

/* What a header/eoh/body callback returns once it is done. */
static sfsistat
cont(const conn *c, unsigned long stage)
{
	return c != NULL && (c->nr & stage) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static conn *
get_conn(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static void
refresh_qid(SMFICTX *ctx, conn *c)
{
	const char *qid;

	if (c->qid[0] != '\0')
		return; /* a message keeps its queue id */
	qid = smfi_getsymval(ctx, "{i}");
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
	c->qid[0] = '\0';
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
	conn *c = get_conn(ctx);

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		smfi_setpriv(ctx, c);
	(void)f2;
	(void)f3;
	if ((f0 & want) != want)
		log_msg(LOG_WARNING, NULL, "the MTA does not offer every action "
		    "authmilter uses (offered 0x%lx, wanted 0x%lx)", f0, want);
	*pf0 = f0 & want;
	/* Header values with their leading space (exact bytes for DKIM);
	 * no unknown commands, no DATA step. */
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NOUNKNOWN | SMFIP_NODATA |
	    (c != NULL ? CB_NOREPLY_STAGES : 0));
	if (c != NULL)
		c->nr = *pf1 & CB_NOREPLY_STAGES;
	if (!(f1 & SMFIP_HDR_LEADSPC))
		log_msg(LOG_WARNING, NULL, "the MTA cannot pass header values "
		    "with their leading space: simple-canonicalized DKIM "
		    "signatures may fail");
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static void
addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", "");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)outlen);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)outlen);
	}
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	conn *c = get_conn(ctx);   /* made at negotiation, if there was one */
	char ip[INET6_ADDRSTRLEN + 1];

	if (c == NULL)
		c = calloc(1, sizeof(*c));
	if (runtime_draining()) {
		free(c);
		smfi_setpriv(ctx, NULL);
		return SMFIS_TEMPFAIL; /* stopping: the MTA retries later */
	}
	if (c == NULL)
		goto fail;
	c->rt = runtime_acquire();
	if (c->rt == NULL)
		goto fail;
	c->m = msg_new(c->rt->env);
	if (c->m == NULL)
		goto fail;
	smfi_setpriv(ctx, c);
	addr_text((const struct sockaddr *)hostaddr, ip, sizeof(ip));
	msg_connect(c->m, ip, hostname);
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	return SMFIS_CONTINUE;
fail:
	log_msg(LOG_ERR, NULL, "cannot set up a connection: out of memory");
	if (c != NULL) {
		runtime_release(c->rt);
		free(c);
	}
	smfi_setpriv(ctx, NULL);
	return SMFIS_TEMPFAIL;
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msg_helo(c->m, helo);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn *c = get_conn(ctx);
	const char *auth;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	end_message(c); /* a new transaction on the same connection */
	if (runtime_draining()) {
		smfi_setreply(ctx, "451", "4.3.2", "authmilter is restarting, "
		    "try again later");
		return SMFIS_TEMPFAIL;
	}
	c->in_message = 1;
	runtime_message_begin();
	refresh_qid(ctx, c);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	if (auth != NULL && *auth != '\0')
		msg_set_auth(c->m, auth);
	snprintf(c->mail_from, sizeof(c->mail_from), "%s",
	    argv[0] != NULL ? argv[0] : "");
	c->rcpt[0] = '\0';
	if (msg_mail_from(c->m, argv[0] != NULL ? argv[0] : "") < 0)
		log_msg(LOG_ERR, c->qid, "MAIL FROM: evaluation cannot start");
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (c->rcpt[0] == '\0' && argv[0] != NULL)
		snprintf(c->rcpt, sizeof(c->rcpt), "%s", argv[0]);
	(void)msg_rcpt(c->m, argv[0] != NULL ? argv[0] : "");
	return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	refresh_qid(ctx, c);
	(void)msg_header(c->m, name, value, strlen(value));
	return cont(c, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	refresh_qid(ctx, c);
	(void)msg_eoh(c->m);
	return cont(c, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	(void)msg_body(c->m, data, len);
	return cont(c, SMFIP_NR_BODY);
}

/* libmilter header values fold with "\n": drop the CRs of "\r\n\t". */
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

static sfsistat
apply_verdict(SMFICTX *ctx, conn *c, const msg_verdict *v)
{
	strbuf val, ins;
	size_t i;
	int failed = 0;

	for (i = v->nremove; i > 0; i--)
		if (smfi_chgheader(ctx, "Authentication-Results",
		    (int)v->remove[i - 1], NULL) != MI_SUCCESS)
			failed = 1;
	sb_init(&val);
	sb_init(&ins);
	if (v->quarantine_header != NULL) {
		if (milter_value(v->quarantine_header, &val) < 0 ||
		    sb_printf(&ins, " %s", val.s) < 0 ||
		    smfi_insheader(ctx, 0, MSG_QUARANTINE_HEADER, ins.s) !=
		    MI_SUCCESS)
			failed = 1;
	}
	if (v->received_spf != NULL) {
		if (milter_value(v->received_spf, &val) < 0 ||
		    smfi_insheader(ctx, 0, "Received-SPF", val.s) != MI_SUCCESS)
			failed = 1;
	}
	if (v->auth_results != NULL) {
		if (milter_value(v->auth_results, &val) < 0 ||
		    smfi_insheader(ctx, 0, "Authentication-Results",
		    val.s) != MI_SUCCESS)
			failed = 1;
	}
	sb_free(&val);
	sb_free(&ins);
	if (failed) {
		/* The verdict cannot be recorded in the message: never pass
		 * it on silently without its header. */
		log_msg(LOG_ERR, c->qid, "the MTA refused a header change; "
		    "applying on_internal_error");
		switch (c->rt->cfg.on_internal_error) {
		case CONFIG_ACTION_ACCEPT:
			return SMFIS_ACCEPT;
		case CONFIG_ACTION_REJECT:
			smfi_setreply(ctx, "550", "5.7.0",
			    "authentication check failed");
			return SMFIS_REJECT;
		default:
			smfi_setreply(ctx, "451", "4.7.0",
			    "authentication check failed, try again later");
			return SMFIS_TEMPFAIL;
		}
	}
	switch (v->action) {
	case MSG_QUARANTINE:
		if (smfi_quarantine(ctx, (char *)v->quarantine_reason) !=
		    MI_SUCCESS)
			log_msg(LOG_WARNING, c->qid, "quarantine refused by "
			    "the MTA");
		return SMFIS_ACCEPT;
	case MSG_REJECT:
		smfi_setreply(ctx, (char *)v->smtp_rcode, (char *)v->smtp_xcode,
		    (char *)v->smtp_text);
		return SMFIS_REJECT;
	case MSG_TEMPFAIL:
		smfi_setreply(ctx, (char *)v->smtp_rcode, (char *)v->smtp_xcode,
		    (char *)v->smtp_text);
		return SMFIS_TEMPFAIL;
	default:
		return SMFIS_ACCEPT;
	}
}


/* One log line per message: the header unfolded, then the action. */
static void
log_verdict(const conn *c, const msg_verdict *v)
{
	strbuf line;
	const char *p;
	int space = 0;

	/* the header part is cut (marked "...") so that the line, which
	 * log_msg() bounds, always ends with the action */
	sb_init_max(&line, CB_LOG_HEADER_MAX);
	for (p = v->auth_results != NULL ? v->auth_results : " no header";
	    *p != '\0' && !line.failed; p++) {
		if (*p == '\r' || *p == '\n' || *p == '\t' || *p == ' ') {
			space = 1;
			continue;
		}
		if (space && line.len > 0)
			sb_putc(&line, ' ');
		space = 0;
		sb_putc(&line, *p);
	}
	log_msg(LOG_INFO, c->qid, "%s%s; action=%s (%s)", line.s,
	    line.failed ? " ..." : "", msg_action_name(v->action), v->reason);
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
	if (history_record_from_verdict(v, &c->rt->cfg, c->ip, c->mail_from,
	    c->rcpt, 0, rec) < 0) {
		free(rec);
		return;
	}
	(void)history_writer_submit(c->rt->history, rec);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	conn *c = get_conn(ctx);
	const msg_verdict *v;
	sfsistat rc;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	refresh_qid(ctx, c);
	v = msg_eom(c->m);
	rc = apply_verdict(ctx, c, v);
	log_verdict(c, v);
	record_history(c, v);
	end_message(c);
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	conn *c = get_conn(ctx);

	if (c != NULL)
		end_message(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	end_message(c);
	msg_free(c->m);
	runtime_release(c->rt);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

void
callbacks_fill(struct smfiDesc *d)
{
	memset(d, 0, sizeof(*d));
	d->xxfi_name = "authmilter";
	d->xxfi_version = SMFI_VERSION;
	d->xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
	d->xxfi_connect = cb_connect;
	d->xxfi_helo = cb_helo;
	d->xxfi_envfrom = cb_envfrom;
	d->xxfi_envrcpt = cb_envrcpt;
	d->xxfi_header = cb_header;
	d->xxfi_eoh = cb_eoh;
	d->xxfi_body = cb_body;
	d->xxfi_eom = cb_eom;
	d->xxfi_abort = cb_abort;
	d->xxfi_close = cb_close;
	d->xxfi_negotiate = cb_negotiate;
}
