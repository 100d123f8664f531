/*
 * dkim/arc.h - streaming ARC chain validation (RFC 8617 5.2), built on
 * the DKIM verifier's parts (tag lists, canonicalization, key records,
 * RFC 8301 key rules, the key cache, dns/ lookups).
 *
 * SYNOPSIS
 *   arc_verifier *arc_verifier_new(dns_resolver *r, const dkim_options *o);
 *   arc_verifier *arc_verifier_new_shared(dns_resolver *r,
 *            const dkim_options *o, dkim_verifier *dv);
 *   int  arc_header(arc_verifier *v, const char *name, size_t namelen,
 *            const char *value, size_t valuelen);
 *   int  arc_header_skipped(arc_verifier *v);
 *   int  arc_eoh(arc_verifier *v);
 *   int  arc_body(arc_verifier *v, const void *p, size_t n);
 *   int  arc_eom(arc_verifier *v);
 *   const arc_chain *arc_chain_result(const arc_verifier *v);
const char *arc_aar(const arc_verifier *v, unsigned i, size_t *len);
 *   const char *arc_aar(const arc_verifier *v, unsigned i, size_t *len);
 *   void arc_verifier_free(arc_verifier *v);
 *   const char *arc_result_name(arc_result r);
 *   int  arc_field_name(const char *name, size_t namelen);
 *
 *   void arc_seal_options_init(arc_seal_options *o);
 *   int  arc_seal_headers_parse(const char *list, dkim_sign_headers *h,
 *            char *err, size_t errlen);
 *   arc_sealer *arc_sealer_new(const arc_seal_options *o, char *err,
 *            size_t errlen);
 *   int  arc_sealer_header(arc_sealer *s, const char *name, size_t namelen,
 *            const char *value, size_t valuelen);
 *   int  arc_sealer_eoh(arc_sealer *s);
 *   int  arc_sealer_body(arc_sealer *s, const void *p, size_t n);
 *   int  arc_sealer_finish(arc_sealer *s, const arc_chain *c,
 *            const char *aar, size_t aarlen, strbuf *out);
 *   const char *arc_sealer_error(const arc_sealer *s);
 *   void arc_sealer_free(arc_sealer *s);
 *
 * DESCRIPTION
 *   Same calling order and options as the DKIM verifier (dkim.h): header
 *   fields in message order (raw values), end of headers (the ARC sets
 *   are collected by i=, the structure checked, and every key lookup
 *   started at once, async), body chunks (hashed on the fly by the
 *   newest ARC-Message-Signature's canonicalization, and by the other
 *   one for older AMSs), end of message (waits for the keys until the
 *   deadline, then decides). arc_header_skipped() says a field of the
 *   header block could not be kept (too big for the caller): the chain
 *   then fails as over the header bound. Each call returns 0, or -1 out of order or
 *   out of memory (arc_eom() then still gives a result: fail).
 *
 *   arc_field_name() is 1 when name is one of the three ARC header
 *   fields (ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results;
 *   case-insensitive, trailing WSP ignored, as the verifier reads them),
 *   else 0: a caller may start a verifier at the first of them.
 *
 *   arc_verifier_new_shared() makes a verifier that keeps no header
 *   block of its own: it reads the one DKIM verifier dv keeps (the same
 *   fields within the same max_header_bytes, the same bound), so a
 *   message costs one copy of its header block, not two. dv must be fed
 *   every header field (dkim_header(), dkim_header_skipped()) before
 *   arc_eoh() and must outlive the ARC verifier; arc_header() and
 *   arc_header_skipped() then only check the order. Results are those
 *   of a verifier fed the same fields.
 *
 *   Result (RFC 8617 5.2): none (no ARC header field), pass, or fail:
 *   the structure is broken (an instance missing one of its three
 *   fields, a duplicate, a gap, i= outside 1..ARC_MAX_SETS, cv= of i=1
 *   not none or of a later one not pass, any cv=fail), the newest AMS
 *   does not verify, or an ARC-Seal does not verify. A key that cannot
 *   be fetched (temperror) also fails the chain: ARC has no temperror
 *   (RFC 8617 5.2 names only none, pass, fail), and failing closed is
 *   the safe side. `reason` says which; `oldest_pass` is the lowest
 *   instance from which every newer AMS verifies (RFC 8617 5.2 step 4;
 *   0 unless pass); `sealer[k]` is the d= of the ARC-Seal of instance
 *   k + 1 as written (nsets of them, whatever the result; empty when that
 *   seal is missing, has no d= or an unparsable tag list: a tag-list
 *   value, so printable ASCII, but not checked to be a domain unless the
 *   seal parsed).
 *
 *   arc_aar() gives the raw value (as the header field had it, "i=N;
 *   authserv-id; results", *len octets, not NUL-terminated) of the
 *   ARC-Authentication-Results of instance i, only after arc_eom() of a
 *   chain that passed (its seal covers it); NULL otherwise.
 *
 *   Work per message: at most ARC_MAX_SETS sets; each AMS and each
 *   ARC-Seal makes one key lookup and at most one public-key
 *   verification with the first usable record of at most
 *   DKIM_MAX_KEY_RECORDS (so at most 100 verifications, bounded by
 *   options.max_rsa_bits as DKIM's are).
 *
 * SEALING (arc_seal.c; RFC 8617 5.1)
 *   A sealer adds the next ARC set to a message for a forwarder or list
 *   server: options (arc_seal_options_init: oversign and fold on) give
 *   d=, s=, the private key (dkim_sign.h; borrowed, must outlive the
 *   sealer), the AMS header list (NULL: DKIM_SIGN_DEFAULT_HEADERS plus
 *   DKIM-Signature, RFC 8617 4.1.2; a list naming an ARC field or
 *   Authentication-Results is refused; arc_seal_headers_parse() reads
 *   one as dkim_sign_headers_parse() does, From added, but DKIM-Signature
 *   allowed and those refused: 0, or -1 with err set), oversign (the
 *   DKIM_SIGN_OVERSIGNED names once more, as the DKIM signer does), fold
 *   (fields folded at 78 columns; 0: each field on one line, the form
 *   the ARC test suite's signing vectors were made in) and now (t=; 0 =
 *   time()), max_header_bytes (the bound of the header block it keeps,
 *   counted as the DKIM verifier counts it; 0 =
 *   DKIM_DEFAULT_MAX_HEADER_BYTES). Then, in the DKIM signer's order
 *   and form: each header field as it arrives, end of headers, body
 *   chunks (CRLF; hashed as they arrive, relaxed, SHA-256), and at end
 *   of message
 *   arc_sealer_finish() with the chain the validator found for this same
 *   message (arc_chain_result()) and the ARC-Authentication-Results
 *   payload: an Authentication-Results value "authserv-id; resinfo..."
 *   (folded with CRLF or LF then WSP; at most ARC_SEAL_MAX_AAR octets).
 *   It appends "ARC-Seal: ...\r\nARC-Message-Signature: ...\r\n
 *   ARC-Authentication-Results: i=N; payload\r\n" (insert them at the top
 *   of the header, in that order) for instance N = the chain's sets + 1,
 *   and returns 1; returns 0 and appends nothing when the message must
 *   not be sealed (the newest ARC-Seal says cv=fail, RFC 8617 5.1 step
 *   1; the chain already has ARC_MAX_SETS sets); -1 on failure, the
 *   sealer then failed. arc_sealer_error() says why in every case ("sealed
 *   i=N cv=X" after a seal).
 *   cv= is the chain's result: none (i=1), pass, or fail; a failed
 *   chain's seal covers only the new set (RFC 8617 5.1.2), a passing
 *   one's every set in instance order (5.1.1). The AMS is a relaxed/
 *   relaxed DKIM signature with i= and no v= (4.1.2); the seal has no
 *   h= or bh= (4.1.3); tags in the order a b bh c d h i s t / a b cv d i
 *   s t. Failures: a chain result that does not fit the message (pass
 *   with another number of sets, none with ARC fields), no or several
 *   From fields, a header block over max_header_bytes or
 *   DKIM_SIGN_MAX_FIELDS fields, a payload that is empty, too long or
 *   holds a control character or a line break not followed by WSP, a
 *   crypto failure, memory.
 */
#ifndef AUTHMILTER_ARC_H
#define AUTHMILTER_ARC_H

#include <stddef.h>

#include "dkim/dkim.h"
#include "dkim/dkim_sign.h"
#include "util/strbuf.h"

#define ARC_MAX_SETS 50   /* RFC 8617 4.2.1: i= is 1 to 50 */
/* ARC-Authentication-Results payload (local limit: our own
 * Authentication-Results is under 2 KB; RFC 5322 2.1.1 bounds lines,
 * not fields). */
#define ARC_SEAL_MAX_AAR 8192

typedef enum {
	ARC_NONE,
	ARC_PASS,
	ARC_FAIL,
} arc_result;

typedef struct arc_chain {
	arc_result result;
	unsigned nsets;           /* highest instance seen (0: none) */
	unsigned oldest_pass;     /* RFC 8617 5.2 step 4; 0 unless pass */
	char reason[DKIM_MAX_REASON];
	char sealer[ARC_MAX_SETS][DKIM_MAX_DOMAIN + 1];
} arc_chain;

typedef struct arc_verifier arc_verifier;

arc_verifier *arc_verifier_new(dns_resolver *r, const dkim_options *o);
arc_verifier *arc_verifier_new_shared(dns_resolver *r, const dkim_options *o,
    dkim_verifier *dv);
int arc_header(arc_verifier *v, const char *name, size_t namelen,
    const char *value, size_t valuelen);
int arc_header_skipped(arc_verifier *v);
int arc_eoh(arc_verifier *v);
int arc_body(arc_verifier *v, const void *p, size_t n);
int arc_eom(arc_verifier *v);
const arc_chain *arc_chain_result(const arc_verifier *v);
const char *arc_aar(const arc_verifier *v, unsigned i, size_t *len);
void arc_verifier_free(arc_verifier *v);
const char *arc_result_name(arc_result r);
int arc_field_name(const char *name, size_t namelen);

typedef struct arc_sealer arc_sealer;

typedef struct arc_seal_options {
	const char *domain;       /* d= */
	const char *selector;     /* s= */
	const dkim_privkey *key;  /* borrowed */
	const dkim_sign_headers *headers;  /* AMS h= list; NULL: default */
	int oversign;             /* 1 (default): DKIM_SIGN_OVERSIGNED again */
	int fold;                 /* 1 (default): 78 columns; 0: one line */
	int64_t now;              /* t=; 0 = time() */
	size_t max_header_bytes;  /* header store bound; 0: the default */
} arc_seal_options;

void arc_seal_options_init(arc_seal_options *o);
int arc_seal_headers_parse(const char *list, dkim_sign_headers *h,
    char *err, size_t errlen);
arc_sealer *arc_sealer_new(const arc_seal_options *o, char *err,
    size_t errlen);
int arc_sealer_header(arc_sealer *s, const char *name, size_t namelen,
    const char *value, size_t valuelen);
int arc_sealer_eoh(arc_sealer *s);
int arc_sealer_body(arc_sealer *s, const void *p, size_t n);
int arc_sealer_finish(arc_sealer *s, const arc_chain *c, const char *aar,
    size_t aarlen, strbuf *out);
const char *arc_sealer_error(const arc_sealer *s);
void arc_sealer_free(arc_sealer *s);

#endif
