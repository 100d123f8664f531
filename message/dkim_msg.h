/*
 * message/dkim_msg.h - drives a DKIM verifier from a raw message through
 * the project's one message splitter (message/msgparse.h).
 *
 * SYNOPSIS
 *   extern const msgparse_events dkim_msg_events;
 *   int dkim_msg_verify(dkim_verifier *v, const char *msg, size_t len,
 *           char *err, size_t errlen);
 *
 * DESCRIPTION
 *   dkim_msg_events hands msgparse's header fields, end of headers and
 *   body chunks to dkim_header(), dkim_eoh() and dkim_body() of the
 *   verifier given as the parser's arg; a stream is verified by
 *   mp_init(&p, &dkim_msg_events, v, DKIM_MSG_MAX_FIELD), mp_push() per
 *   chunk, mp_finish(), then dkim_eom(v).
 *
 *   dkim_msg_verify() does all of that for a message in memory (LF or
 *   CRLF line ends, optional mbox "From " line). Returns 0 when the
 *   verifier has its results (dkim_count(), dkim_result_at()), or -1 with
 *   the reason in err (out of memory, a header field over
 *   DKIM_MSG_MAX_FIELD octets).
 */
#ifndef AUTHMILTER_DKIM_MSG_H
#define AUTHMILTER_DKIM_MSG_H

#include <stddef.h>

#include "dkim/dkim.h"
#include "message/msgparse.h"

/* One header field; RFC 5322 2.1.1 bounds lines, not folded fields (local policy). */
#define DKIM_MSG_MAX_FIELD (1024 * 1024)

extern const msgparse_events dkim_msg_events;

int dkim_msg_verify(dkim_verifier *v, const char *msg, size_t len, char *err,
    size_t errlen);

#endif
