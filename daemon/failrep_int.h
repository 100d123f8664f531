/*
 * daemon/failrep_int.h - the daemon's failure reports (RFC 9991): which
 * messages get one, the report built and handed to the history writer.
 *
 * SYNOPSIS
 *   int  failrep_header(strbuf *hdrs, const char *name, const char *value,
 *            size_t vlen);
 *   int  failrep_submit(history_writer *w, const am_config *cfg,
 *            const msg_verdict *v, const failrep_facts *f);
 *   const dkim_sigresult *failrep_dkim_sig(const msg_verdict *v,
 *            const dmarc_result *d);
 *
 * DESCRIPTION
 *   failrep_header() keeps one header field ("name: value" CRLF) of the
 *   message in hdrs while it holds less than FAILREP_MAX_HEADERS octets
 *   (then the rest is left out: the report is cut at a field end).
 *
 *   failrep_submit() is called at end of message with the verdict. It
 *   does nothing (returns 0) unless failure_reports is on, the message was
 *   evaluated (not skipped), DMARC found a record with a ruf= list, the
 *   result is pass or fail, and the record's fo= asks for this outcome
 *   (failrep_wanted); else it builds the report (report/failure_report.c,
 *   with failure_report_redact) and queues it in the history writer
 *   (history_writer_submit_failure: never waits). 1 queued, 0 not
 *   wanted, -1 not built or dropped (logged with the reason).
 *   Nothing is sent here: `authmilter report --failure --send` sends.
 *
 *   failrep_dkim_sig() is the signature a report names in its DKIM-*
 *   fields (RFC 6591 3.1): the first of v that did not pass and whose d=
 *   aligns with d's author domain in the record's adkim= mode (strict:
 *   the same name; relaxed: at or below d->org_domain), NULL when none.
 */
#ifndef AUTHMILTER_FAILREP_INT_H
#define AUTHMILTER_FAILREP_INT_H

#include <stddef.h>

#include "config/config.h"
#include "daemon/history_writer_int.h"
#include "message/message.h"
#include "util/strbuf.h"

typedef struct failrep_facts {
	const char *id;          /* ours, unique per message */
	const char *qid;         /* the MTA's queue id, or "" */
	const char *ip;
	const char *mail_from;
	const char *rcpt;
	const char *headers;
	size_t headers_len;
	const char *log_tag;
} failrep_facts;

int failrep_header(strbuf *hdrs, const char *name, const char *value,
    size_t vlen);
int failrep_submit(history_writer *w, const am_config *cfg,
    const msg_verdict *v, const failrep_facts *f);
const dkim_sigresult *failrep_dkim_sig(const msg_verdict *v,
    const dmarc_result *d);

#endif
