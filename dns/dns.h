/*
 * dns/dns.h - the DNS resolver every other module uses.
 *
 * SUMMARY
 *   A resolver handle over libunbound in asynchronous thread mode, shared by
 *   all threads. Callers start queries (they run at once, in parallel) and
 *   later wait for them with a deadline. Every answer says what happened
 *   (records / NODATA / NXDOMAIN / temporary failure / bad name) and its
 *   DNSSEC state (secure / insecure / bogus). Bogus data is never handed out:
 *   a bogus answer has status DNS_TEMPFAIL, sec DNS_SEC_BOGUS, no records and
 *   libunbound's why_bogus text in `why`.
 *
 * SYNOPSIS
 *   dns_resolver *dns_resolver_new(const dns_config *cfg, char *err, size_t errlen);
 *   void          dns_resolver_free(dns_resolver *r);
 *
 *   dns_query        *dns_query_start(dns_resolver *r, const char *name, dns_type t);
 *   const dns_answer *dns_query_wait(dns_query *q, int64_t deadline_ms);
 *   int               dns_query_done(dns_query *q);
 *   int               dns_query_wait_any(dns_query *const *qs, size_t n,
 *                         int64_t deadline_ms);
 *   const dns_answer *dns_query_peek(dns_query *q);
 *   void              dns_query_free(dns_query *q);
 *
 *   dns_answer *dns_lookup(dns_resolver *r, const char *name, dns_type t);
 *   void        dns_answer_free(dns_answer *a);
 *
 *   int dns_reverse_name(int af, const void *addr, char *out, size_t outlen);
 *
 *   void dns_stats_read(dns_stats *out);
 *
 *   dns_budget *dns_budget_new(unsigned timeout_ms, unsigned max_queries,
 *                              unsigned reserve);
 *   dns_budget *dns_budget_pool(dns_budget *parent, const char *name,
 *                               unsigned max_queries);
 *   dns_budget *dns_budget_hold(dns_budget *b);
 *   void        dns_budget_release(dns_budget *b);
 *   dns_query  *dns_query_start_in(dns_resolver *r, dns_budget *b, int flags,
 *                                  const char *name, dns_type t);
 *
 * DESCRIPTION
 *   Modes (dns_config): zone_file serves an RFC 1035 master file as the root
 *   zone through libunbound's auth-zone (tests, offline checks); unbound_conf
 *   loads a libunbound config file; forwarders forward (still validating);
 *   otherwise full recursion from the root with DNSSEC validation anchored at
 *   trust_anchor_file. zone_file, unbound_conf and forwarders are exclusive
 *   with the precedence listed.
 *
 *   dns_query_start() never blocks and never returns NULL (allocation failure
 *   or a malformed name give a query that is already done with DNS_TEMPFAIL
 *   or DNS_BADNAME). dns_query_wait() blocks until the answer is in or the
 *   absolute deadline (dns_now_ms() clock) passes; at the deadline the query
 *   is cancelled and its answer is DNS_TEMPFAIL "timed out". The returned
 *   answer belongs to the query and lives until dns_query_free(), which may
 *   be called at any time (a pending query is cancelled).
 *   dns_query_wait_any() blocks until one of qs (queries of one resolver)
 *   is answered, or the deadline (or the earliest budget deadline of qs)
 *   passes: it returns the index of an answered query, or -1 then; it
 *   cancels nothing and answers nothing (the timeout is dns_query_wait()'s).
 *   dns_query_peek() is the answer of a query that is done, NULL while it
 *   is not; it never waits and does not hand the answer to the trace (the
 *   query's dns_query_wait() still does), so a caller can look ahead at
 *   answers without changing what the trace says was consumed.
 *   dns_lookup() = start + wait(now + cfg timeout) + detach: the caller
 *   owns the answer and frees it with dns_answer_free().
 *
 *   Queries and waits may come from any thread. A query object must be
 *   waited on and freed by one thread at a time.
 *
 *   Names are in presentation form: labels separated by '.', an optional
 *   trailing '.', and RFC 1035 5.1 escapes ('\.', '\DDD'). A name that cannot
 *   be queried - empty, an empty label, a label over 63 octets, over 255
 *   octets in wire form (253 plain characters), a NUL octet - is answered
 *   DNS_BADNAME with the reason in `why`. Names in answers (MX host, PTR)
 *   come back in the same form without the trailing dot, so they can be
 *   queried as they are. TXT answers keep the character-strings: `text` is
 *   them joined (it may contain NUL octets), `lens` their lengths.
 *   libunbound follows CNAMEs: the records are those at the end of the
 *   chain and the status is that of the chain's end.
 *
 *   An in-process answer cache sits in front of libunbound (dns_config
 *   cache_entries: 0 = DNS_DEFAULT_CACHE_ENTRIES, negative = none). It keys
 *   on the lowercased name + type, keeps records / NODATA / NXDOMAIN for
 *   their TTL (capped at a day; never TEMPFAIL or bogus data), is bounded
 *   in entries and bytes, and hands out copies whose ttl is the time left.
 *
 *   dns_resolver_add_fault() makes (name, type) answer with a fixed status
 *   without asking libunbound: the in-memory fault backend for what a zone
 *   file cannot express (the SPF suite's TIMEOUT). Names match without
 *   regard to case. DNS_TEMPFAIL answers with why "timed out (injected
 *   fault)"; DNS_RECORDS cannot be injected. It must be called before the
 *   first query; it returns 0, or -1 (after the first query, bad name,
 *   DNS_RECORDS, table full, no memory).
 *
 *   All queries must be freed before dns_resolver_free().
 *
 *   A budget (dns_budget) is the DNS allowance of one message, shared by
 *   every lookup made for it from any thread: one absolute deadline
 *   (timeout_ms after dns_budget_new(); 0: none) and a count of lookups
 *   (max_queries; 0: no limit). dns_query_start_in() starts a query in b
 *   (b NULL: dns_query_start()). Answers that need no lookup - a bad name,
 *   the fault table, a fresh cache entry - are given as usual and not
 *   counted (cache hits are free, also past the deadline). Otherwise, past
 *   the deadline the query is answered at once DNS_TEMPFAIL "message DNS
 *   deadline of N ms reached"; when the count is used up, DNS_TEMPFAIL
 *   "message DNS query budget of N exhausted" (nothing is sent either way);
 *   else it is counted and sent. A query started without
 *   DNS_BUDGET_RESERVED in flags may only use max_queries - reserve of the
 *   count: the last `reserve` are kept for the lookups the caller marks
 *   reserved. Those two bounds are counted apart (all lookups at most
 *   max_queries; unreserved ones at most max_queries - reserve), so
 *   reserved lookups that come first take nothing from the unreserved
 *   ones, and which thread reaches the count first decides nothing. dns_query_wait() of a query started in a budget never waits
 *   past the budget's deadline, and a wait that ends there answers
 *   DNS_TEMPFAIL "message DNS deadline of N ms reached". A budget is
 *   reference-counted: dns_budget_new() gives one reference,
 *   dns_budget_hold() another (it returns b), dns_budget_release() drops
 *   one and frees the budget with the last; each query holds one while it
 *   exists. dns_budget_extend() moves the deadline to at least ms from
 *   now; dns_budget_close() moves it to now (an abandoned message's
 *   remaining lookups end at once). dns_budget_queries() counts the
 *   lookups sent, dns_budget_refused() those refused by the count, and
 *   dns_budget_why() writes which bound(s) a query met ("" when none; the
 *   same words as the answers). dns_budget_new() returns NULL when memory
 *   runs out.
 *
 *   dns_budget_pool() makes a pool of parent: a budget with a count of its
 *   own (max_queries, at least 1; no reserve) and no deadline of its own:
 *   every deadline of a pool - its admission, waits, dns_budget_extend(),
 *   dns_budget_close(), dns_budget_deadline() - is its root's (parent, or
 *   parent's root when parent is itself a pool). A lookup started in a pool
 *   is counted in the pool only: it can never use the parent's count, and
 *   the parent's lookups never use the pool's. When the pool's count is
 *   used up the answer is DNS_TEMPFAIL "NAME DNS query allowance of N
 *   exhausted". The root's dns_budget_queries() and dns_budget_refused()
 *   include what its pools sent and refused (totals only); its
 *   dns_budget_why() reports its own count. A pool holds a reference to
 *   its root and is released as any budget; it takes the root's tag as it
 *   is when the pool is made. NULL: parent NULL, max_queries 0 or no
 *   memory.
 *
 *   dns_budget_set_tag() names the budget's message for the trace
 *   (dns_trace_info.tag of every query started in it).
 *
 *   dns_reverse_name() writes the PTR name of an address (af AF_INET with a
 *   struct in_addr, AF_INET6 with a struct in6_addr): "4.3.2.1.in-addr.arpa"
 *   or the 32 nibbles + "ip6.arpa" (RFC 3596 2.5). Returns 0, or -1 when
 *   out is too small (80 bytes always suffice) or af is unknown.
 *
 *   dns_stats_read() gives counters of every resolver of the process since
 *   it started (they survive a resolver's end: a reload builds a new one):
 *   queries sent to libunbound, answers from the in-process cache,
 *   queries that reached a deadline (their own or the budget's; refusals
 *   by a budget are not sent and not counted), answers with RCODE
 *   SERVFAIL, and DNSSEC-bogus answers. Thread-safe; counting is a
 *   relaxed atomic add (no lock).
 *
 * DIAGNOSTICS
 *   dns_resolver_new() returns NULL and writes a message naming the failing
 *   step (file, libunbound error text) into err.
 */
#ifndef AUTHMILTER_DNS_H
#define AUTHMILTER_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* RFC 1035 2.3.4: a name is at most 255 octets, a label at most 63. */
#define DNS_MAX_NAME_LEN 255
#define DNS_MAX_LABEL_LEN 63
#define DNS_MAX_FORWARDERS 8
#define DNS_DEFAULT_TIMEOUT_MS 5000
#define DNS_DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"
#define DNS_DEFAULT_CACHE_ENTRIES 10000

typedef enum {
	DNS_T_A = 1,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
} dns_type;

typedef enum {
	DNS_RECORDS,  /* at least one record of the asked type */
	DNS_NODATA,   /* the name exists, no record of that type */
	DNS_NXDOMAIN, /* the name does not exist */
	DNS_TEMPFAIL, /* SERVFAIL, REFUSED, timeout, bogus, resource failure */
	DNS_BADNAME,  /* the name cannot be queried (empty label, label > 63, ...) */
} dns_status;

typedef enum {
	DNS_SEC_INSECURE, /* no chain of trust (unsigned, or local data) */
	DNS_SEC_SECURE,   /* validated */
	DNS_SEC_BOGUS,    /* validation failed: data withheld */
} dns_sec;

typedef struct dns_txt {
	const char *text;     /* the character-strings joined, NUL-terminated */
	size_t len;           /* length of text (it may contain NUL octets) */
	size_t nstrings;      /* how many character-strings */
	const uint16_t *lens; /* length of each character-string, in order */
} dns_txt;

typedef struct dns_record {
	dns_type type;
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		struct {
			uint16_t preference;
			const char *host; /* no trailing dot; "" for the root (null MX) */
		} mx;
		const char *ptr;  /* no trailing dot */
		dns_txt txt;
	} u;
} dns_record;

typedef struct dns_answer {
	dns_status status;
	dns_sec sec;
	int rcode;            /* the DNS RCODE when one was received, else -1 */
	uint32_t ttl;
	char why[160];        /* human reason for TEMPFAIL/BADNAME/BOGUS, else "" */
	size_t count;
	dns_record *records;  /* MX sorted by preference; others in answer order */
} dns_answer;

typedef struct dns_config {
	const char *zone_file;      /* --dns-zone */
	const char *unbound_conf;   /* --dns-conf */
	const char *forwarders[DNS_MAX_FORWARDERS]; /* --dns-forward ADDR[@PORT] */
	size_t nforwarders;
	const char *trust_anchor_file; /* NULL: DNS_DEFAULT_TRUST_ANCHOR; "": none */
	unsigned timeout_ms;        /* --dns-timeout; 0: DNS_DEFAULT_TIMEOUT_MS */
	int cache_entries;          /* 0: DNS_DEFAULT_CACHE_ENTRIES; < 0: no cache */
} dns_config;

typedef struct dns_resolver dns_resolver;
typedef struct dns_query dns_query;

dns_resolver *dns_resolver_new(const dns_config *cfg, char *err, size_t errlen);
void dns_resolver_free(dns_resolver *r);
unsigned dns_resolver_timeout_ms(const dns_resolver *r);
int dns_resolver_add_fault(dns_resolver *r, const char *name, dns_type type,
    dns_status status);

/*
 * The resolver probe (`authmilter -n` and the daemon's start): one query
 * (". A", answered by the root or the forwarders) with the per-lookup
 * deadline, through the same context and the same async API as every
 * lookup, so a host that cannot reach its servers is told at start and
 * not by each message's temperror. Nothing is logged: the caller words
 * the result. In zone-file mode nothing is sent (the zone was checked when
 * the resolver was built): DNS_PROBE_SKIPPED. Like any query, it must not
 * precede dns_resolver_add_fault(), and must end before
 * dns_resolver_free().
 */
typedef enum {
	DNS_PROBE_SKIPPED,   /* zone-file mode */
	DNS_PROBE_OK,        /* an answer came: records, NODATA or NXDOMAIN */
	DNS_PROBE_NO_ANSWER, /* none within the deadline: unreachable, dropped */
	DNS_PROBE_FAILED,    /* SERVFAIL/REFUSED (or the servers marked down) */
	DNS_PROBE_BOGUS,     /* the answer failed DNSSEC validation */
	DNS_PROBE_BROKEN,    /* libunbound cannot start (its config file) */
} dns_probe_result;

typedef enum {
	DNS_MODE_ZONE,       /* zone_file */
	DNS_MODE_CONF,       /* unbound_conf */
	DNS_MODE_FORWARD,    /* forwarders */
	DNS_MODE_RECURSE,    /* from the root servers */
} dns_mode;

typedef struct dns_probe {
	dns_probe_result result;
	dns_mode mode;
	unsigned waited_ms;  /* how long the probe took */
	char why[160];       /* the answer's reason when not DNS_PROBE_OK */
} dns_probe;

void dns_resolver_probe(dns_resolver *r, dns_probe *p);
/* The same in two steps, for a caller that serves meanwhile: the query
 * (NULL in zone-file mode), then its result: waits until deadline_ms at
 * most, and frees q. dns_resolver_probe() = both, deadline dns_timeout. */
dns_query *dns_probe_start(dns_resolver *r);
void dns_probe_finish(dns_resolver *r, dns_query *q, int64_t deadline_ms,
    dns_probe *p);

/* Called once per query with its answer, in the thread that waits for
 * it, when set (before the first query; `authmilter check --explain`,
 * the daemon's -d). info says which message asked (the tag of the
 * budget the query was started in, "" without one), how long the
 * answer took (ms, start to answer or timeout) and whether it was
 * answered without asking libunbound (local: the cache, the fault
 * table, a bad name, a budget refusal). */
typedef struct dns_trace_info {
	const char *tag;
	unsigned ms;
	int local;
} dns_trace_info;
typedef void (*dns_trace_fn)(void *arg, const char *name, dns_type type,
    const dns_answer *answer, const dns_trace_info *info);
void dns_resolver_set_trace(dns_resolver *r, dns_trace_fn fn, void *arg);

dns_query *dns_query_start(dns_resolver *r, const char *name, dns_type type);
const dns_answer *dns_query_wait(dns_query *q, int64_t deadline_ms);
int dns_query_done(dns_query *q);
int dns_query_wait_any(dns_query *const *qs, size_t n, int64_t deadline_ms);
const dns_answer *dns_query_peek(dns_query *q);
void dns_query_free(dns_query *q);

dns_answer *dns_lookup(dns_resolver *r, const char *name, dns_type type);
void dns_answer_free(dns_answer *a);

/* A message's DNS budget: deadline and lookup count (see DESCRIPTION). */
typedef struct dns_budget dns_budget;
#define DNS_BUDGET_RESERVED 1   /* dns_query_start_in flag: may use the reserve */

dns_budget *dns_budget_new(unsigned timeout_ms, unsigned max_queries,
    unsigned reserve);
dns_budget *dns_budget_pool(dns_budget *parent, const char *name,
    unsigned max_queries);
dns_budget *dns_budget_hold(dns_budget *b);
void dns_budget_release(dns_budget *b);
void dns_budget_extend(dns_budget *b, unsigned ms);
void dns_budget_close(dns_budget *b);
int64_t dns_budget_deadline(const dns_budget *b);   /* 0: none */
unsigned dns_budget_timeout_ms(const dns_budget *b);
unsigned dns_budget_max(const dns_budget *b);
unsigned dns_budget_queries(const dns_budget *b);
unsigned dns_budget_refused(const dns_budget *b);
const char *dns_budget_why(const dns_budget *b, char *buf, size_t len);
/* A budget's tag (cut to DNS_BUDGET_TAG_MAX - 1 octets), handed to the
 * trace with each of its queries: set it before the first query. */
#define DNS_BUDGET_TAG_MAX 64   /* local limit: a log line's message id */
void dns_budget_set_tag(dns_budget *b, const char *tag);
const char *dns_budget_tag(const dns_budget *b);
dns_query *dns_query_start_in(dns_resolver *r, dns_budget *b, int flags,
    const char *name, dns_type type);

/* Cache-only attempts, per thread: between dns_cache_only_begin(r) and
 * dns_cache_only_end(), a query the in-process cache (or the fault table)
 * cannot answer is not sent: it is answered DNS_TEMPFAIL "not in the
 * cache" at once and counted, and dns_cache_only_end() returns the count.
 * An attempt with no miss got exactly the answers a normal evaluation
 * would have got, so its result stands; otherwise the caller discards it
 * and evaluates normally (the SPF pool runs cached senders inline, with no
 * thread hand-off). When r traces, every query is a miss, so a trace
 * never sees an attempt. Attempts do not nest. */
void dns_cache_only_begin(const dns_resolver *r);
unsigned dns_cache_only_end(void);
/* 1 between dns_cache_only_begin() and dns_cache_only_end() on this
 * thread (a caller may skip lookups it would only start ahead). */
int dns_cache_only_active(void);

int dns_reverse_name(int af, const void *addr, char *out, size_t outlen);

typedef struct dns_stats {
	uint64_t queries;     /* sent to libunbound */
	uint64_t cache_hits;  /* answered from the in-process cache */
	uint64_t timeouts;    /* a deadline passed before the answer */
	uint64_t servfail;    /* RCODE SERVFAIL */
	uint64_t bogus;       /* DNSSEC validation failed */
} dns_stats;
void dns_stats_read(dns_stats *out);

/* Monotonic milliseconds, the clock of every deadline. */
int64_t dns_now_ms(void);

const char *dns_status_name(dns_status s); /* "records", "nodata", "nxdomain", "tempfail", "badname" */
const char *dns_sec_name(dns_sec s);       /* "insecure", "secure", "bogus" */
const char *dns_type_name(dns_type t);     /* "A", "TXT", ... */
/* One record as text: a TXT record's strings joined (up to a NUL), MX
 * "PREFERENCE HOST", a PTR name, an address; written into buf (64 octets
 * fit any address; an MX is cut to len) or pointing into the record. */
const char *dns_record_text(const dns_record *rr, char *buf, size_t len);
/* "NOERROR", "SERVFAIL", ...; "RCODE n" (written into buf) for others */
const char *dns_rcode_name(int rcode, char *buf, size_t len);
int dns_type_from_name(const char *s, dns_type *out); /* 0 ok, -1 unknown */

#endif
