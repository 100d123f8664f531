/*
 * dkim/arc.h - streaming ARC chain validation (RFC 8617 5.2), built on
 * the DKIM verifier's parts (tag lists, canonicalization, key records,
 * RFC 8301 key rules, the key cache, dns/ lookups).
 *
 * SYNOPSIS
 *   arc_verifier *arc_verifier_new(dns_resolver *r, const dkim_options *o);
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
 */
#ifndef AUTHMILTER_ARC_H
#define AUTHMILTER_ARC_H

#include <stddef.h>

#include "dkim/dkim.h"

#define ARC_MAX_SETS 50   /* RFC 8617 4.2.1: i= is 1 to 50 */

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

#endif
