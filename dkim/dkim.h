/*
 * dkim/dkim.h - streaming DKIM verifier (RFC 6376, RFC 8301, RFC 8463).
 *
 * SUMMARY
 *   Verifies every DKIM-Signature of one message fed in pieces: header
 *   fields one by one, end of headers, body chunks of any size, end of
 *   message. The body is never held: body hashes are computed on the fly,
 *   once per distinct (body canonicalization, hash, l=) among the
 *   signatures. Key records are looked up in parallel through dns/ as soon
 *   as the header block is complete and waited for at end of message.
 *
 * SYNOPSIS
 *   void dkim_options_init(dkim_options *o);
 *   dkim_verifier *dkim_verifier_new(dns_resolver *r, const dkim_options *o);
 *   int  dkim_header(dkim_verifier *v, const char *name, size_t namelen,
 *            const char *value, size_t valuelen);
 *   int  dkim_header_skipped(dkim_verifier *v, const char *name,
 *            size_t namelen);
 *   int  dkim_eoh(dkim_verifier *v);
 *   int  dkim_body(dkim_verifier *v, const void *p, size_t n);
 *   int  dkim_eom(dkim_verifier *v);
 *   size_t dkim_count(const dkim_verifier *v);
 *   const dkim_sigresult *dkim_result_at(const dkim_verifier *v, size_t i);
 *   void dkim_verifier_free(dkim_verifier *v);
 *   const char *dkim_result_name(dkim_result r);
 *
 *   dkim_keycache *dkim_keycache_new(size_t slots);
 *   void dkim_keycache_free(dkim_keycache *c);
 *
 * DESCRIPTION
 *   dkim_options_init() sets the defaults: 8 signatures, RSA keys of at
 *   least 1024 bits (RFC 8301 3.2) and at most 4096 (max_rsa_bits, see
 *   below), rsa-sha1 refused (RFC 8301 3.1), 300 s
 *   of clock skew for t= and x=, now = time(), key lookups given the
 *   resolver's timeout from end of headers, a short l= reported but not a
 *   failure, a header block of up to 1 MB (max_header_bytes: each field
 *   counted as name + value + 3, as on the wire; any number of fields
 *   within it; at most 64 MB), no DNS budget. With options.budget (dns.h)
 *   every key lookup is started in it (with options.budget_flags) and
 *   waited for no later than its deadline; a key the budget refuses is a
 *   temperror whose reason names the bound. The budget must outlive the
 *   verifier. dkim_verifier_new() copies the options (NULL = defaults); the
 *   resolver may be NULL (every key lookup is then a temperror) and must
 *   outlive the verifier. Returns NULL only when memory runs out.
 *
 *   dkim_header() takes one header field in message order: its name and
 *   its raw value, i.e. the text after the colon including the leading
 *   whitespace and folding line breaks (CRLF or bare LF; stored as CRLF).
 *   No trailing line break. Once the fields passed max_header_bytes, no
 *   signature of the message is evaluated: each is `policy` ("header
 *   block over N bytes"). dkim_header_skipped() stands for a field the
 *   caller could not pass (its transport refused it for its size): the
 *   header block is then incomplete, so no signature is evaluated either
 *   (`policy`, "a header field too big to be read"). dkim_header_over()
 *   is 1 once either happened (the header block is not kept whole), else
 *   0. dkim_eoh() ends the header block: signatures
 *   are parsed and key lookups start. dkim_body() takes body octets with
 *   CRLF line endings, split anywhere. dkim_eom() waits for the keys (until
 *   the deadline) and computes the results. The calls must come in this
 *   order; each returns 0, or -1 if called out of order or memory ran out
 *   (dkim_eom() then still produces results, temperror where needed).
 *
 *   After dkim_eom(), dkim_count() signatures (0: the message is unsigned,
 *   "dkim=none"; at most 1,000, the later ones are not listed) have
 *   results, in header order, via dkim_result_at().
 *   Strings in a result are NUL-terminated and live as long as the
 *   verifier. dkim_result_name() gives the RFC 8601 word for a result.
 *
 *   Whole raw messages are split into these calls by the message splitter
 *   (message/message.h: mp_*, dkim_msg_events).
 *
 *   dkim_keycache_new() makes a cache of parsed key records (slots: 0 =
 *   DKIM_DEFAULT_KEYCACHE_SLOTS) that verifiers given it in
 *   options.keycache share, from any thread: loading an RSA key costs
 *   about as much as verifying with it. It is keyed by the exact record
 *   text, so a hit is exactly what parsing would give (no TTL, no stale
 *   keys). An RSA entry also keeps its rsa-sha256 verification set up
 *   (about 400 bytes; each verification works on its own copy). NULL
 *   when memory runs out. dkim_keycache_free() frees it once no verifier
 *   uses it.
 *
 *   Work per message, whatever the sender publishes: at most
 *   max_signatures signatures are evaluated, each trying at most 4 key
 *   records, and the public-key verifications of one message are at most
 *   max(max_signatures, 4) in all (DKIM_MAX_KEY_RECORDS; key records
 *   shared by signatures or found in the key cache count each time they
 *   verify); a signature past that is `policy` ("more than 8 key
 *   verifications in the message"). An RSA key whose modulus is over
 *   max_rsa_bits (RFC 8301 3.2: verifiers must handle 1024 to 4096; a
 *   verification costs about the square of the size) or whose public
 *   exponent is over DKIM_MAX_RSA_EXP_BITS (33) bits is not used: `policy`
 *   ("RSA key 8192 bits > 4096 (local limit)"). Each verification then
 *   costs at most 5 to 10 times one with the usual 2048-bit key, about
 *   twice one with a 4096-bit key and e = 65537 (a 3072-bit key with a
 *   3071-bit exponent cost 190 to 360 times; bench_dkim_keys).
 *
 *   Results (RFC 8601 2.7.1): pass; fail (signature or body hash did not
 *   verify); neutral (unused here); policy (not evaluated by local policy:
 *   over max_signatures, header block over max_header_bytes, key over
 *   max_rsa_bits or DKIM_MAX_RSA_EXP_BITS, verifications used up); temperror
 *   (key lookup failed or timed out); permerror (syntax, unusable or
 *   missing key, expired, rsa-sha1, small key, ...). `reason` says which.
 */
#ifndef AUTHMILTER_DKIM_H
#define AUTHMILTER_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

#define DKIM_DEFAULT_MAX_SIGNATURES 8
#define DKIM_DEFAULT_MIN_RSA_BITS 1024   /* RFC 8301 3.2 */
/* RFC 8301 3.2: verifiers MUST validate keys of 1024 to 4096 bits; larger
 * ones are refused by default (local policy: cost grows with the square
 * of the size, 16384 bits is OpenSSL's own limit). */
#define DKIM_DEFAULT_MAX_RSA_BITS 4096
#define DKIM_MAX_RSA_BITS_LIMIT 16384
/*
 * Largest RSA public exponent used, in bits (local policy; RFC 8017 lets
 * e be anything up to n - 1, and a verification costs about one modular
 * multiplication per bit of e: a 3072-bit key with a 3071-bit e cost 190
 * to 360 verifications of a 2048-bit key). 33 bits is BoringSSL's bound (kMaxExponentBits; e up to
 * 2^32 + 1), Go refuses more than 31 bits and OpenSSL more than 64 for
 * moduli over 3072 bits (OPENSSL_RSA_MAX_PUBEXP_BITS); published DKIM keys
 * use 65537 (17 bits), rarely 3.
 */
#define DKIM_MAX_RSA_EXP_BITS 33
#define DKIM_DEFAULT_CLOCK_SKEW 300
#define DKIM_DEFAULT_KEYCACHE_SLOTS 1024
/* Header block kept (name + value + 3 octets per field; local policy,
 * RFC 5322 2.1.1 bounds only lines): the milter's max_header_bytes. */
#define DKIM_DEFAULT_MAX_HEADER_BYTES (1024 * 1024)

/* Sizes of the reported strings (RFC 1035 2.3.4 names; RFC 5321 4.5.3.1.1 local-part). */
#define DKIM_MAX_DOMAIN 255
#define DKIM_MAX_IDENTITY (64 + 1 + 255)
#define DKIM_MAX_REASON 160

typedef enum {
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_NEUTRAL,
	DKIM_POLICY,
	DKIM_TEMPERROR,
	DKIM_PERMERROR,
} dkim_result;

typedef struct dkim_keycache dkim_keycache;

typedef struct dkim_options {
	unsigned max_signatures;  /* signatures evaluated; the rest -> policy */
	unsigned min_rsa_bits;    /* smaller RSA keys -> permerror */
	unsigned max_rsa_bits;    /* larger RSA keys -> policy; 0 = 4096 */
	int allow_sha1;           /* accept rsa-sha1 (RFC 8301 forbids it) */
	unsigned clock_skew;      /* seconds tolerated on t= and x= */
	int64_t now;              /* Unix time of verification; 0 = time() */
	unsigned key_timeout_ms;  /* key lookups, from dkim_eoh(); 0 = resolver's */
	int64_t deadline_ms;      /* absolute dns_now_ms() deadline; 0 = none */
	int fail_short_l;         /* l= shorter than the body -> fail */
	dkim_keycache *keycache;  /* parsed keys shared by verifiers; NULL none */
	size_t max_header_bytes;  /* header block bound; 0 = the default */
	dns_budget *budget;       /* the message's DNS budget; NULL none */
	int budget_flags;         /* dns_query_start_in() flags of key lookups */
} dkim_options;

typedef struct dkim_sigresult {
	dkim_result result;
	char d[DKIM_MAX_DOMAIN + 1];
	char i[DKIM_MAX_IDENTITY + 1];
	char s[DKIM_MAX_DOMAIN + 1];
	char a[32];               /* a= as written (truncated) */
	char b[9];                /* first 8 characters of b= (RFC 6008) */
	char c[32];               /* "relaxed/simple" ... as evaluated */
	unsigned key_bits;        /* 0 when no key was loaded */
	dns_sec key_sec;          /* DNSSEC state of the key record */
	int testing;              /* key t=y */
	uint64_t body_unsigned;   /* canonical body octets after l= */
	char reason[DKIM_MAX_REASON];
} dkim_sigresult;

typedef struct dkim_verifier dkim_verifier;

void dkim_options_init(dkim_options *o);
dkim_verifier *dkim_verifier_new(dns_resolver *r, const dkim_options *o);
int dkim_header(dkim_verifier *v, const char *name, size_t namelen,
    const char *value, size_t valuelen);
int dkim_header_skipped(dkim_verifier *v, const char *name, size_t namelen);
int dkim_header_over(const dkim_verifier *v);
int dkim_eoh(dkim_verifier *v);
int dkim_body(dkim_verifier *v, const void *p, size_t n);
int dkim_eom(dkim_verifier *v);
size_t dkim_count(const dkim_verifier *v);
const dkim_sigresult *dkim_result_at(const dkim_verifier *v, size_t i);
void dkim_verifier_free(dkim_verifier *v);
const char *dkim_result_name(dkim_result r);
dkim_keycache *dkim_keycache_new(size_t slots);
void dkim_keycache_free(dkim_keycache *c);

/*
 * dkim_key_inspect() (dkim_inspect.c) parses one key record (the TXT
 * strings joined) with the verifier's parser and says what it holds, for
 * a reader that does not verify (`authmilter domain`): 0, or -1 with the
 * reason in err (a record no verifier can use: RFC 6376 3.6.1).
 */
typedef struct dkim_key_info {
	int ed25519;      /* k=ed25519 (else rsa) */
	unsigned bits;    /* the key size; 0 when revoked */
	int testing;      /* t=y */
	int strict;       /* t=s */
	int revoked;      /* p= empty */
	int sha256;       /* h= allows sha256 (or h= absent) */
	int sha1;         /* h= allows sha1 (or h= absent) */
} dkim_key_info;

int dkim_key_inspect(const char *txt, size_t len, dkim_key_info *out,
    char *err, size_t errlen);

#endif
