/*
 * spf/spf.h - the SPF evaluator (RFC 7208): the one public header of spf/.
 *
 * SUMMARY
 *   check_host() (RFC 7208 4) for the MAIL FROM and HELO identities of an
 *   SMTP client, over the shared dns/ resolver. Synchronous (run it on a
 *   worker thread), thread-safe (no globals, no shared state), bounded by
 *   the RFC 7208 4.6.4 processing limits and by an absolute deadline.
 *
 * SYNOPSIS
 *   #include "spf/spf.h"
 *
 *   void spf_check_mailfrom(dns_resolver *r, const spf_request *req, spf_result *out);
 *   void spf_check_helo(dns_resolver *r, const spf_request *req, spf_result *out);
 *   const spf_result *spf_check(dns_resolver *r, const spf_request *req,
 *                               spf_result *mailfrom, spf_result *helo);
 *
 *   const char *spf_code_name(spf_code c);
 *   int         spf_code_from_name(const char *s, spf_code *out);
 *   const char *spf_identity_name(spf_identity id);
 *
 * DESCRIPTION
 *   spf_request (all strings NUL-terminated, borrowed for the call):
 *     ip           the client address as text (IPv4, IPv6, IPv4-mapped
 *                  IPv6 which is treated as IPv4); required.
 *     helo         the HELO/EHLO argument; NULL or "" when none was given.
 *     mail_from    the MAIL FROM address without <>; NULL or "" is the
 *                  null sender, evaluated as postmaster@helo (RFC 7208 2.4).
 *                  A sender without '@' is a bare domain (local-part
 *                  "postmaster", RFC 7208 4.3).
 *     receiver     the receiving host's name for %{r}; NULL: "unknown".
 *     now          Unix time for %{t}; 0: time(NULL).
 *     deadline_ms  absolute dns_now_ms() deadline for the whole
 *                  evaluation; 0: now + SPF_DEFAULT_DEADLINE_MS. Past it the
 *                  result is temperror and no call blocks beyond it.
 *     budget       the message's DNS budget (dns.h) or NULL: every lookup
 *                  is started in it (not reserved), and its deadline, when
 *                  earlier, is the evaluation's. A lookup it refuses is a
 *                  temperror whose reason names the bound ("message DNS
 *                  query budget of 128 exhausted").
 *     helo_budget  when not NULL, spf_check_helo() (and spf_check()'s HELO
 *                  evaluation of a non-null sender) starts its lookups in
 *                  it instead: a pool of budget (dns_budget_pool) keeps an
 *                  expensive HELO domain, evaluated at the same time as
 *                  MAIL FROM, from using up the lookups MAIL FROM needs.
 *
 *   spf_check_mailfrom() evaluates the MAIL FROM identity, spf_check_helo()
 *   the HELO identity (result none when helo is not a usable domain name).
 *   spf_check() does both and returns the one that decides: MAIL FROM's,
 *   unless the sender is null (then HELO's). MAIL FROM is evaluated first:
 *   it is the identity DMARC uses, so with a shared budget an expensive
 *   HELO domain cannot use up the time or the lookups it needs. Both results are always
 *   filled in, whatever happens (a resource failure is a temperror).
 *
 *   spf_result (fixed buffers, no ownership):
 *     code         the RFC 7208 2.6 result.
 *     identity     which identity was checked.
 *     domain       the domain checked (the <domain> of check_host()).
 *     sender       the <sender> used for macros (local@domain).
 *     mechanism    the term that decided ("ip4:192.0.2.0/24", "-all",
 *                  "default" when none matched, "" on errors before one).
 *     explanation  only for fail: the exp= text, fetched and expanded;
 *                  "" when there was no (usable) exp=.
 *     lookups      DNS-querying terms evaluated (RFC 7208 4.6.4 count).
 *     void_lookups lookups that gave NXDOMAIN or no records.
 *     dnssec       DNS_SEC_SECURE when every answer used was validated,
 *                  DNS_SEC_BOGUS when one was bogus, else insecure.
 *     reason       what happened, for humans: "matched ip4:192.0.2.0/24",
 *                  "include:_spf.example.net: temperror (SERVFAIL)",
 *                  "too many DNS lookups (11 > 10, RFC 7208 4.6.4)".
 *   Strings too long for their buffer are truncated (still NUL-terminated).
 *
 *   Work and memory, whatever the sender publishes (local limits beside
 *   RFC 7208 4.6.4): at most 4096 terms in one record and 8192 in all the
 *   records of one evaluation (its includes and redirects); past either
 *   the result is permerror ("the SPF record of example.com has more than
 *   4096 terms ...", "more than 8192 terms in the SPF records of this
 *   evaluation ..."). An evaluation holds only the SPF record text of each
 *   record it is inside (at most 11, each within one DNS message: 704 KB)
 *   and the terms (an spf_term each, 72 octets on x86-64, never one per
 *   space: 576 KB): about 1.3 MB at most, whatever the answers held
 *   besides.
 *
 *   spf_code_name() gives the RFC 7208 / RFC 8601 name ("pass", ...);
 *   spf_code_from_name() is its inverse (case-insensitive; 0 ok, -1 unknown).
 */
#ifndef AUTHMILTER_SPF_H
#define AUTHMILTER_SPF_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

#define SPF_DEFAULT_DEADLINE_MS 20000
#define SPF_SENDER_MAX 512       /* 64 local-part + @ + 255 domain, with room */
#define SPF_MECHANISM_MAX 256
#define SPF_EXPLANATION_MAX 512
#define SPF_REASON_MAX 512

typedef enum {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
} spf_code;

typedef enum {
	SPF_ID_MAILFROM,
	SPF_ID_HELO,
} spf_identity;

typedef struct spf_request {
	const char *ip;
	const char *helo;
	const char *mail_from;
	const char *receiver;
	int64_t now;
	int64_t deadline_ms;
	dns_budget *budget;
	dns_budget *helo_budget;   /* HELO's own allowance, or NULL: budget */
} spf_request;

typedef struct spf_result {
	spf_code code;
	spf_identity identity;
	char domain[DNS_MAX_NAME_LEN + 1];
	char sender[SPF_SENDER_MAX];
	char mechanism[SPF_MECHANISM_MAX];
	char explanation[SPF_EXPLANATION_MAX];
	unsigned lookups;
	unsigned void_lookups;
	dns_sec dnssec;
	char reason[SPF_REASON_MAX];
} spf_result;

void spf_check_mailfrom(dns_resolver *r, const spf_request *req,
    spf_result *out);
void spf_check_helo(dns_resolver *r, const spf_request *req, spf_result *out);
const spf_result *spf_check(dns_resolver *r, const spf_request *req,
    spf_result *mailfrom, spf_result *helo);

const char *spf_code_name(spf_code c);
int spf_code_from_name(const char *s, spf_code *out);
const char *spf_identity_name(spf_identity id);

/*
 * Record inspection (inspect.c), for a reader that does not evaluate
 * (`authmilter domain`): spf_is_record() is 1 when a TXT string is an SPF
 * record ("v=spf1" then SP or the end, RFC 7208 4.5). spf_record_inspect()
 * parses one record with the evaluator's parser and lists its terms in
 * order: type, qualifier ('+' '-' '~' '?' for mechanisms), the
 * domain-spec or modifier value as written (target, truncated to fit; ""
 * when none) and whether it holds a macro. Returns 0, -1 on a syntax
 * error (err names the term: the record is a permerror), -2 when out of
 * memory; spf_record_info_free() frees what 0 gave.
 */
typedef enum {
	SPF_TERM_ALL,
	SPF_TERM_INCLUDE,
	SPF_TERM_A,
	SPF_TERM_MX,
	SPF_TERM_PTR,
	SPF_TERM_IP4,
	SPF_TERM_IP6,
	SPF_TERM_EXISTS,
	SPF_TERM_REDIRECT,
	SPF_TERM_EXP,
	SPF_TERM_OTHER,     /* an unknown modifier (ignored) */
} spf_term_type;

typedef struct spf_term_info {
	spf_term_type type;
	char qualifier;
	int macro;
	char target[DNS_MAX_NAME_LEN + 1];
} spf_term_info;

typedef struct spf_record_info {
	spf_term_info *terms;
	size_t nterms;
} spf_record_info;

int spf_is_record(const char *txt, size_t len);
int spf_record_inspect(const char *txt, size_t len, spf_record_info *out,
    char *err, size_t errlen);
void spf_record_info_free(spf_record_info *info);

#endif
