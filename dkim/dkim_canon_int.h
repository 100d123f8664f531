/*
 * dkim/dkim_canon_int.h - RFC 6376 3.4 canonicalization (private to dkim/).
 *
 * SYNOPSIS
 *   int  dkim_canon_header(strbuf *out, int relaxed, const char *name,
 *            size_t namelen, const char *value, size_t valuelen, int crlf);
 *   void dkim_bodycanon_init(dkim_bodycanon *bc, int relaxed,
 *            dkim_canon_out out, void *arg);
 *   void dkim_bodycanon_update(dkim_bodycanon *bc, const void *p, size_t n);
 *   void dkim_bodycanon_final(dkim_bodycanon *bc);
 *
 * DESCRIPTION
 *   dkim_canon_header() appends the canonical form of one header field
 *   (name as given, raw value after the colon with CRLF line breaks) to
 *   out, followed by CRLF when crlf is set: "simple" (3.4.1) copies it,
 *   "relaxed" (3.4.2) lowercases the name, unfolds, reduces WSP runs to
 *   one SP and drops WSP at the value's ends and around the colon.
 *   Returns 0, or -1 when out refused to grow.
 *
 *   The body canonicalizer (3.4.3 simple, 3.4.4 relaxed) is a streaming
 *   state machine: feed it body octets with CRLF line endings split
 *   anywhere, then call final; canonical octets go to `out` in pieces of
 *   any size. Only CRLF ends a line; a lone CR or LF is an ordinary octet.
 *   Trailing empty lines are counted, not stored, and pending WSP is a
 *   flag, so memory is constant whatever the input. The empty body is CRLF
 *   under simple and empty under relaxed; a missing final CRLF is added.
 *   Canonical output that is the input itself is passed to `out` straight
 *   from the caller's buffer (pointers into it, during update only).
 */
#ifndef AUTHMILTER_DKIM_CANON_INT_H
#define AUTHMILTER_DKIM_CANON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define DKIM_CANON_BUFSIZE 4096
#define DKIM_CANON_SPAN_MIN 64     /* shorter input pieces after a change are copied */

typedef void (*dkim_canon_out)(void *arg, const void *p, size_t n);

typedef struct dkim_bodycanon {
	int relaxed;
	dkim_canon_out out;
	void *arg;
	uint64_t pending_empty;  /* empty lines not yet known to be non-trailing */
	int pending_wsp;         /* relaxed: WSP seen since the last content */
	int pending_cr;          /* the last octet was a CR */
	int line_content;        /* the current line has content */
	int any;                 /* something was emitted */
	const unsigned char *span;       /* input octets passed on as they are */
	size_t span_len;                 /* (both valid within one update) */
	const unsigned char *empty_src;  /* the held-back empty lines in the input */
	size_t blen;
	unsigned char buf[DKIM_CANON_BUFSIZE];
} dkim_bodycanon;

int dkim_canon_header(strbuf *out, int relaxed, const char *name,
    size_t namelen, const char *value, size_t valuelen, int crlf);
void dkim_bodycanon_init(dkim_bodycanon *bc, int relaxed, dkim_canon_out out,
    void *arg);
void dkim_bodycanon_update(dkim_bodycanon *bc, const void *p, size_t n);
void dkim_bodycanon_final(dkim_bodycanon *bc);

#endif
