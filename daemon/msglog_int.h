/*
 * daemon/msglog_int.h - the daemon's per-message log line and its -d DNS
 * lines: what a postmaster greps, feeds to fail2ban or ships as JSON.
 *
 * SYNOPSIS
 *   int  msglog_line(const msglog_facts *f, const msg_verdict *v, int json,
 *            strbuf *out);
 *   int  msglog_passed(const msg_verdict *v, const char *sent);
 *   int  msglog_dns_line(const char *name, dns_type type,
 *            const dns_answer *a, const dns_trace_info *info, strbuf *out);
 *   void msglog_dns_trace(void *arg, const char *name, dns_type type,
 *            const dns_answer *a, const dns_trace_info *info);
 *
 * DESCRIPTION
 *   msglog_line() writes into out (reset first) the line of one message:
 *   text (json 0) is KEY=VALUE fields separated by one space, always the
 *   same fields in the same order (authmilter(8), LOGGING):
 *     qid id ip action code dsn verdict time_ms dns_wait_ms client helo
 *     mailfrom from spf dkim dmarc dmarc_policy dmarc_disposition
 *     dkim_sign sign_d sign_s sign_error reason ar
 *   (dkim_sign: ok, nokey or error for mail that is to be signed, with
 *   the d=, the s= values and what went wrong; "-" for other mail;
 *   arc after dkim and arc_seal after sign_error only when verified /
 *   set: "sealed i=N cv=X", "not sealed: why", "cannot seal: why")
 *   Those the MTA or the daemon write come first (a fail2ban pattern
 *   anchored on them never reaches a sender's text). A value is written
 *   bare when it is one or more printable ASCII octets other than '"',
 *   '\' and '=' (and not "-"); otherwise in double quotes with '"' and
 *   '\' escaped by '\' and every other octet outside printable ASCII as
 *   \xHH, so no value can hold a space, a newline or a field of its own
 *   outside its quotes. An absent value (no HELO, no SMTP reply, ...) is
 *   "-". json 1 gives one JSON object, the same keys, numbers as numbers,
 *   absent values null, strings valid UTF-8 (an invalid octet or a
 *   control is '?'). Each value is cut to a bound of its own (cut values
 *   end with "..."), the line to MSGLOG_LINE_MAX octets. Returns 0, or -1
 *   when memory ran out.
 *
 *   msglog_passed() says whether a message passed cleanly: the MTA was
 *   told accept, the verdict was accept, and no result failed (SPF fail,
 *   softfail, temperror or permerror; a DKIM signature fail, policy,
 *   temperror or permerror; DMARC fail, temperror or permerror; a bad
 *   From, a sealing error). log_success = no drops exactly those lines.
 *
 *   msglog_dns_line() writes the -d line of one DNS question and its
 *   answer: name, type, status, rcode, DNSSEC state, time taken, where
 *   the answer came from (resolver, or local: cache, fault, bad name,
 *   budget), the reason of a failure, the record count and the records
 *   (the first MSGLOG_DNS_ANSWER_MAX octets), in the same KEY=VALUE form.
 *   msglog_dns_trace() is the resolver trace (dns.h) the daemon sets
 *   with -d: it logs that line at LOG_DEBUG tagged with the message's id.
 */
#ifndef AUTHMILTER_MSGLOG_INT_H
#define AUTHMILTER_MSGLOG_INT_H

#include "dns/dns.h"
#include "message/message.h"
#include "util/strbuf.h"

/* Local limit: the line must fit log_msg()'s 2 KB text with room for the
 * QID prefix. */
#define MSGLOG_LINE_MAX 1900
/* Local limit: the records shown on a -d DNS line. */
#define MSGLOG_DNS_ANSWER_MAX 300

typedef struct msglog_facts {
	const char *qid;        /* the MTA's {i}, or our id */
	const char *id;         /* ours, per message */
	const char *ip;         /* client address ("" when the MTA has none) */
	const char *client;     /* client host name as the MTA gives it */
	const char *helo;
	const char *mail_from;  /* the address without <>; "" null sender */
	const char *action;     /* as sent to the MTA */
	const char *code;       /* SMTP reply code, NULL when none */
	const char *dsn;        /* enhanced status code, NULL when none */
	unsigned time_ms;       /* MAIL FROM to the end-of-message reply */
	const char *sign;       /* "ok", "nokey", "error"; NULL: not signing */
	const char *sign_d;     /* d= (or the From domain for nokey) */
	const char *sign_s;     /* s= values, comma separated */
	const char *sign_error; /* why it could not be signed */
} msglog_facts;

int msglog_line(const msglog_facts *f, const msg_verdict *v, int json,
    strbuf *out);
int msglog_passed(const msg_verdict *v, const char *sent);
int msglog_dns_line(const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info, strbuf *out);
void msglog_dns_trace(void *arg, const char *name, dns_type type,
    const dns_answer *a, const dns_trace_info *info);

#endif
