/*
 * message/ar_build_int.h - write the Authentication-Results (RFC 8601) and
 * Received-SPF (RFC 7208 9.1) header values.
 *
 * SYNOPSIS
 *   int ar_build(const ar_input *in, strbuf *out);
 *   int received_spf_build(const spf_result *r, const char *ip,
 *                          const char *helo, const char *receiver, strbuf *out);
 *
 * DESCRIPTION
 *   ar_build() writes the value of one Authentication-Results field (the
 *   text after "Authentication-Results:", starting with a space): the
 *   authserv-id, then one resinfo per result - spf for MAIL FROM
 *   (smtp.mailfrom=<domain>) and for HELO (smtp.helo=<name>), dkim for
 *   each signature (header.d, header.i, header.s, header.a, header.b),
 *   dmarc (header.from, policy.dmarc), or auth (smtp.auth) for an
 *   authenticated submission, or "none". Details a person wants (key size,
 *   DNSSEC state, unsigned body bytes, published policy and disposition)
 *   go in comments; the reason of a non-pass result in reason="...".
 *   Values that are not RFC 2045 tokens are quoted, comment text is
 *   escaped, and lines are folded with CRLF TAB before 78 columns
 *   (counting the field name), except where one word is longer.
 *   received_spf_build() writes a Received-SPF value with the comment and
 *   the key=value list of RFC 7208 9.1. Both return 0, -1 when out of
 *   memory.
 */
#ifndef AUTHMILTER_AR_BUILD_INT_H
#define AUTHMILTER_AR_BUILD_INT_H

#include <stddef.h>

#include "dkim/arc.h"
#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "message/message.h"
#include "spf/spf.h"
#include "util/strbuf.h"

#define AR_FOLD_COLUMN 78  /* RFC 5322 2.1.1: lines SHOULD be at most 78 */

typedef struct ar_input {
	const char *authserv_id;
	const spf_result *spf_mailfrom;      /* NULL: not evaluated / null sender */
	const spf_result *spf_helo;          /* NULL: not evaluated */
	const char *helo;                    /* the HELO name, for smtp.helo */
	int dkim_evaluated;                  /* 0: no dkim resinfo */
	const dkim_sigresult *const *dkim;
	size_t ndkim;                        /* 0 and evaluated: dkim=none */
	const dmarc_result *dmarc;           /* NULL: no dmarc resinfo */
	const char *auth_user;               /* authenticated submission */
	const msg_iprev_result *iprev;       /* NULL: no iprev resinfo */
	const arc_chain *arc;                /* NULL: no arc resinfo */
	const char *remote_ip;               /* arc's smtp.remote-ip, or NULL */
	const char *arc_trusted_sealer;      /* dmarc's override by, or NULL */
	int none;                            /* nothing checked: "; none" */
} ar_input;

int ar_build(const ar_input *in, strbuf *out);
int received_spf_build(const spf_result *r, const char *ip, const char *helo,
    const char *receiver, strbuf *out);

#endif
