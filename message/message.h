/*
 * message/message.h - one message's evaluation: envelope, header fields and
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
 *   int   msg_verdict_removes(const msg_verdict *v, unsigned idx);
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
 *   From bad (too long): its author is unknown, so bad_from_action
 *   decides, never a DMARC pass.
 *
 *   msg_eom() waits (bounded by the DNS deadlines) for every lookup and
 *   returns the verdict, valid until msg_reset()/msg_free().
 *
 *   The From field has its own bound (MSG_MAX_FROM fields and
 *   DMARC_FROM_MAX_LEN octets), outside max_header_bytes. A message whose
 *   author cannot be determined - no From, several From fields (even
 *   naming one domain), one that does not parse, a domain literal, a
 *   field or fields past that bound, more than DMARC_MAX_AUTHORS author
 *   domains - is a "bad From" (v->bad_from, RFC 9989 4.4): dmarc=permerror
 *   with the reason in the header, never pass, and bad_from_action
 *   decides. Every Authentication-Results field claiming our authserv-id
 *   is marked for removal, however many (msg_verdict_removes()).
 *
 *   Every lookup of a message is bounded by one deadline
 *   (message_dns_timeout from MAIL FROM, or from the first call) and one
 *   count (message_dns_queries); a lookup past either is a temperror whose
 *   reason names the bound, and the verdict says how many lookups were
 *   made and which bound was met.
 */
#ifndef AUTHMILTER_MESSAGE_H
#define AUTHMILTER_MESSAGE_H

#include <stddef.h>

#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "config/config.h"
#include "message/msgparse.h"
#include "spf/spf.h"

typedef enum {
	MSG_ACCEPT,      /* deliver (with our headers added) */
	MSG_QUARANTINE,  /* deliver to quarantine (the milter quarantine action) */
	MSG_REJECT,      /* 5xx */
	MSG_TEMPFAIL,    /* 4xx */
} msg_action;

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
	/* The Authentication-Results fields claiming our authserv-id, all
	 * of them: msg_verdict_removes(v, i) for i in 1..nar (1-based among
	 * the AR fields, as the milter change-header action counts them). */
	unsigned nar;                /* AR fields in the message */
	size_t nremove;              /* of them to remove */
	const unsigned char *remove_map; /* bit i-1 set: remove the i-th */
	size_t remove_map_size;      /* octets */
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
	/* RFC 9989 4.4: the author cannot be determined (from_status is not
	 * ok: no From, several, unparsable, over a bound): dmarc=permerror,
	 * never pass, and bad_from_action decides. */
	int bad_from;
	const char *from_reason;     /* why the From is bad ("" when not) */
	char reason[256];            /* one line: why this action */

	/* The message's DNS budget (message_dns_timeout, message_dns_queries). */
	unsigned dns_queries;        /* lookups sent for it */
	unsigned dns_refused;        /* lookups the query budget refused */
	const char *dns_limit;       /* the bound(s) a lookup met, or NULL */
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

/* 1 when the idx-th Authentication-Results field (1-based) claims our
 * authserv-id and is to be removed. */
int msg_verdict_removes(const msg_verdict *v, unsigned idx);

/* msgparse events that feed the msg given as their argument (whole
 * messages: `authmilter check`, tests): mp_init(&p, &msg_parse_events, m, max) */
extern const msgparse_events msg_parse_events;

#endif
