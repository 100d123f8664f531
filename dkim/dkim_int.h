/*
 * dkim/dkim_int.h - the verifier's internal state, shared by
 * dkim_verify.c (streaming, set-up) and dkim_result.c (decisions).
 * Private to dkim/.
 */
#ifndef AUTHMILTER_DKIM_INT_H
#define AUTHMILTER_DKIM_INT_H

#include <stdio.h>
#include <openssl/evp.h>

#include "dkim/dkim.h"
#include "dkim/dkim_canon_int.h"
#include "dkim/dkim_hdrs_int.h"
#include "dkim/dkim_key_int.h"
#include "dkim/dkim_sig_int.h"
#include "util/strbuf.h"

/*
 * Bounds on what is evaluated per message (local policy). The header
 * block is bounded in bytes by options.max_header_bytes (dkim_hdrs_int.h).
 */
#define DKIM_MAX_EVALUATED 64          /* cap on options.max_signatures */
#define DKIM_MAX_LISTED 1000           /* signatures with a result; the rest
                                          are counted but not listed */
#define DKIM_MAX_KEY_RECORDS 4         /* TXT records tried per key name */
/* Public-key verifications per message: max_signatures, but at least
 * DKIM_MAX_KEY_RECORDS so one signature can try all its records. */
#define DKIM_VERIFY_BUDGET(o) ((o)->max_signatures > DKIM_MAX_KEY_RECORDS ? \
	(o)->max_signatures : DKIM_MAX_KEY_RECORDS)

enum { DKIM_ST_HEADERS, DKIM_ST_BODY, DKIM_ST_DONE };

typedef struct dkim_bodyhash {
	int relaxed;
	const EVP_MD *mdtype;
	uint64_t limit;       /* l= or UINT64_MAX */
	uint64_t hashed;      /* canonical octets hashed */
	uint64_t total;       /* canonical octets seen */
	EVP_MD_CTX *md;
	int failed;
	unsigned char digest[EVP_MAX_MD_SIZE];
	size_t dlen;
	dkim_bodycanon canon;
} dkim_bodyhash;

typedef struct dkim_sigstate {
	dkim_sig sig;
	size_t hdr;           /* index of the DKIM-Signature field */
	size_t result;        /* index into results */
	int done;             /* result already final (set-up failed) */
	int bh;               /* body hasher index, -1 none */
	unsigned char hhash[EVP_MAX_MD_SIZE];
	size_t hhlen;
	dns_query *q;
} dkim_sigstate;

struct dkim_verifier {
	dkim_options opt;
	dns_resolver *r;
	int state;
	int oom;
	dkim_hstore hs;       /* the header block */
	size_t nsig_over;     /* DKIM-Signature fields past its bound */
	int skipped;          /* a field was not passed (dkim_header_skipped) */
	dkim_sigresult *results;
	size_t nresults;
	dkim_sigstate *sigs;  /* the evaluated ones */
	size_t nsigs;
	dkim_bodyhash *bh;    /* one per distinct (canon, hash, l=); made at
	                       * end of headers for as many as may be
	                       * evaluated (never moved: the canonicalizers
	                       * point into it). Not an array of
	                       * DKIM_MAX_EVALUATED in the struct: 4 KB each,
	                       * 275 KB zeroed per message for the 1 or 2 used */
	size_t nbh, bhcap;
	int64_t deadline;     /* dns_now_ms() deadline of the key lookups */
	unsigned verifies;    /* public-key verifications made (the budget is
	                       * DKIM_VERIFY_BUDGET) */
};

void dkim_reason(char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dkim_options_copy(dkim_options *dst, const dkim_options *o);
void dkim_decide(dkim_verifier *v, dkim_sigstate *st, dkim_sigresult *r);

#endif
