/*
 * milter/message.h - one message's evaluation: envelope, header fields and
 * body chunks in; verdict and Authentication-Results out.
 *
 * SUMMARY
 *   The one module that decides what happens to a message. The milter
 *   callbacks (callbacks.c) and `authmilter check` (cmd_check.c) both drive
 *   it with the same calls, so the command line says exactly what the
 *   daemon does. It runs SPF (spf/), DKIM (dkim/) and DMARC (dmarc/) and
 *   starts every DNS lookup as soon as its inputs are known: SPF when MAIL
 *   FROM arrives (on a worker thread, so the SMTP dialogue is not held),
 *   DKIM keys and DMARC policy records when the header block is complete;
 *   the verdict is computed at end of message.
 *
 * SYNOPSIS
 *   msg_env *msg_env_new(const am_config *cfg, dns_resolver *r,
 *                        char *err, size_t errlen);
 *   void     msg_env_free(msg_env *env);
 *
 *   msg  *msg_new(msg_env *env);
 *   void  msg_free(msg *m);
 *   void  msg_reset(msg *m);
 *
 *   void  msg_connect(msg *m, const char *ip, const char *hostname);
 *   void  msg_helo(msg *m, const char *helo);
 *   void  msg_set_queue_id(msg *m, const char *qid);
 *   void  msg_set_auth(msg *m, const char *user);
 *   int   msg_mail_from(msg *m, const char *addr);
 *   int   msg_rcpt(msg *m, const char *addr);
 *   int   msg_header(msg *m, const char *name, const char *value, size_t len);
 *   int   msg_header_skipped(msg *m, const char *name, size_t len);
 *   int   msg_eoh(msg *m);
 *   int   msg_body(msg *m, const void *data, size_t len);
 *   const msg_verdict *msg_eom(msg *m);
 *   const char *msg_action_name(msg_action a);
 *   extern const msgparse_events msg_parse_events;
 *
 * DESCRIPTION
 *   A msg_env holds what every message shares: the configuration, the
 *   resolver, the Public Suffix List, the SPF worker pool. It is immutable
 *   while messages use it; a reload builds a new one.
 *
 *   A msg lives for one SMTP connection: msg_connect() and msg_helo() set
 *   the connection's facts; msg_reset() ends one message (finished or
 *   aborted) and keeps them. The calls of one message come in SMTP order:
 *   mail_from, rcpt..., header..., eoh, body..., eom. Addresses are given
 *   as the MTA passes them (with or without <>). Header values are the raw
 *   text after the colon (leading white space kept, folding as CRLF or LF).
 *   Body chunks have CRLF line ends and any boundaries. Nothing of the body
 *   is kept. Calls return 0, or -1 when the message can no longer be
 *   evaluated (memory, limits): msg_eom() then gives the configured
 *   internal-error action, never a silent accept.
 *
 *   msg_header_skipped() stands for a header field the MTA sent but that
 *   was too big to be read (its value of len bytes is unknown): the
 *   message is over its header limit (its DKIM signatures are `policy`),
 *   an Authentication-Results field of that size is removed whatever it
 *   claims (its authserv-id was not read), and a From field makes the
 *   message fail: its author is unknown, so it gets the internal-error
 *   action, never a DMARC result.
 *
 *   msg_eom() waits (bounded by the DNS deadlines) for every lookup and
 *   returns the verdict, valid until msg_reset()/msg_free().
 */
#ifndef AUTHMILTER_MESSAGE_H
#define AUTHMILTER_MESSAGE_H

#include <stddef.h>

#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "milter/config.h"
#include "milter/msgparse.h"
#include "spf/spf.h"

typedef enum {
	MSG_ACCEPT,      /* deliver (with our headers added) */
	MSG_QUARANTINE,  /* deliver to quarantine (the milter quarantine action) */
	MSG_REJECT,      /* 5xx */
	MSG_TEMPFAIL,    /* 4xx */
} msg_action;

#define MSG_MAX_AR_REMOVE 32    /* forged AR headers removed per message */
#define MSG_QUARANTINE_HEADER "X-Authmilter-Quarantine"

typedef struct msg_verdict {
	msg_action action;
	char smtp_rcode[4];          /* "550", "451" (reject/tempfail) */
	char smtp_xcode[8];          /* "5.7.1" */
	char smtp_text[256];         /* "DMARC policy of example.com: reject" */
	char quarantine_reason[256];
	const char *quarantine_header; /* value of MSG_QUARANTINE_HEADER to
					  add (quarantine_action = header) */
	const char *auth_results;    /* the AR header value, folded with CRLF WSP
					(TAB; SP inside a quoted reason), without the field name */
	const char *received_spf;    /* Received-SPF value, or NULL */
	/* Indexes (1-based, among the Authentication-Results fields, as
	 * the milter change-header action counts them) of fields claiming
	 * our authserv-id. */
	size_t nremove;
	unsigned remove[MSG_MAX_AR_REMOVE];
	int skipped;                 /* trusted network / authenticated */

	/* What was found, for logs, JSON and the history store. */
	const spf_result *spf;       /* the deciding identity */
	const spf_result *spf_mailfrom;
	const spf_result *spf_helo;
	size_t ndkim;
	const dkim_sigresult *const *dkim;
	const dmarc_result *dmarc;
	const dmarc_from *from;
	dmarc_from_status from_status;
	char reason[256];            /* one line: why this action */
} msg_verdict;

typedef struct msg_env msg_env;
typedef struct msg msg;

msg_env *msg_env_new(const am_config *cfg, dns_resolver *r, char *err,
    size_t errlen);
void msg_env_free(msg_env *env);

msg *msg_new(msg_env *env);
void msg_free(msg *m);
void msg_reset(msg *m);

void msg_connect(msg *m, const char *ip, const char *hostname);
void msg_helo(msg *m, const char *helo);
void msg_set_queue_id(msg *m, const char *qid);
void msg_set_auth(msg *m, const char *user);
int msg_mail_from(msg *m, const char *addr);
int msg_rcpt(msg *m, const char *addr);
int msg_header(msg *m, const char *name, const char *value, size_t len);
int msg_header_skipped(msg *m, const char *name, size_t len);
int msg_eoh(msg *m);
int msg_body(msg *m, const void *data, size_t len);
const msg_verdict *msg_eom(msg *m);

/* "accept", "quarantine", "reject", "tempfail" */
const char *msg_action_name(msg_action a);

/* msgparse events that feed the msg given as their argument (whole
 * messages: `authmilter check`, tests): mp_init(&p, &msg_parse_events, m, max) */
extern const msgparse_events msg_parse_events;

#endif
