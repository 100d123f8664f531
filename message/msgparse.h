/*
 * message/msgparse.h - an incremental RFC 5322 message splitter.
 *
 * SUMMARY
 *   Push raw message bytes in, in chunks of any size; get back the events a
 *   milter would see: each header field as (name, value), the end of the
 *   header block, and body chunks. The command-line front ends use it to
 *   drive the same evaluation the milter callbacks drive.
 *
 * SYNOPSIS
 *   void mp_init(msgparse *p, const msgparse_events *ev, void *arg,
 *                size_t max_field);
 *   int  mp_push(msgparse *p, const char *data, size_t len);
 *   int  mp_finish(msgparse *p);
 *   void mp_free(msgparse *p);
 *
 * DESCRIPTION
 *   Line ends may be CRLF or bare LF; every line end handed out is CRLF
 *   (a bare CR inside a line is kept as it is). A header field's value is
 *   everything after the colon, leading white space included, with folding
 *   line breaks kept (as CRLF) and the final line break removed: exactly
 *   what libmilter hands a milter that negotiated SMFIP_HDR_LEADSPC.
 *   The header block ends at the first empty line (not passed on) or at
 *   the first line that is neither a field nor a continuation (it starts
 *   the body, as Postfix does). A leading mbox "From " line is skipped.
 *   Body bytes are passed on as they arrive (with LF turned into CRLF); the
 *   body is never held.
 *
 *   A header field longer than max_field octets (RFC 5322 2.1.1 sets no
 *   limit on folded fields; the caller picks one) is an error: mp_push()
 *   and mp_finish() return -1 and `p->error` says why. Once failed, a
 *   parser stays failed. An event callback that returns non-zero stops
 *   the parse the same way.
 *   mp_finish() flushes a header block that had no body (ending without an
 *   empty line) and must be called once after the last push.
 */
#ifndef AUTHMILTER_MSGPARSE_H
#define AUTHMILTER_MSGPARSE_H

#include <stddef.h>

#include "util/strbuf.h"

typedef struct msgparse_events {
	int (*header)(void *arg, const char *name, size_t namelen,
	    const char *value, size_t valuelen);
	int (*eoh)(void *arg);
	int (*body)(void *arg, const char *data, size_t len);
} msgparse_events;

typedef struct msgparse {
	const msgparse_events *ev;
	void *arg;
	int state;          /* MP_* in msgparse.c */
	int pending_cr;     /* a CR was the last byte of the previous push */
	int at_bol;         /* at the beginning of a line */
	size_t nlines;      /* header lines seen */
	strbuf field;       /* the header field being assembled */
	strbuf line;        /* the header line being assembled */
	strbuf out;         /* body bytes converted to CRLF, per push */
	char error[128];
} msgparse;

void mp_init(msgparse *p, const msgparse_events *ev, void *arg,
    size_t max_field);
int mp_push(msgparse *p, const char *data, size_t len);
int mp_finish(msgparse *p);
void mp_free(msgparse *p);

#endif
