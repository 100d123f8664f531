/*
 * dns/dns_int.h - what the files of dns/ share; never included from outside
 * dns/.
 *
 * SUMMARY
 *   Names (dns_name.c): presentation text <-> wire form, bounded and
 *   checked; the escaped text libunbound is given.
 *   Answers (dns_answer.c): every dns_answer is one malloc'd block (header,
 *   records, string data) so it can be copied into and out of the cache
 *   with one allocation; built from a ub_result or from a status + reason.
 *   Cache (dns_cache.c): a sharded, size-capped, TTL-honouring answer cache
 *   keyed by lowercased wire name + type.
 *   Set-up (dns_setup.c): builds the libunbound context for each mode.
 *   Resolver (dns_resolver.c) and waits (dns_wait.c): the two structs they
 *   share, the out-of-memory query, the timeout of a wait.
 */
#ifndef AUTHMILTER_DNS_INT_H
#define AUTHMILTER_DNS_INT_H

#include "dns/dns.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <unbound.h>

#include "util/domain.h"

/* RFC 1035 2.3.4: a name is at most 255 octets in wire form. */
#define DNS_WIRE_MAX DOMAIN_MAX_WIRE
/* A cache / fault key: wire name + 2 octets of type. */
#define DNS_KEY_MAX (DNS_WIRE_MAX + 2)
/* Presentation form of a wire name: every octet may be written \DDD. */
#define DNS_TEXT_MAX (DNS_WIRE_MAX * 4 + 2)

/* RFC 1035 4.1.1 RCODE values used by name. */
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3

/* dns_name.c */
int dns_name_to_wire(const char *text, uint8_t *wire, size_t *wlen,
    const char **why);
long dns_wire_to_text(const uint8_t *d, size_t len, size_t *used,
    char *out, size_t outlen);
size_t dns_wire_to_query(const uint8_t *wire, size_t wlen, char *out,
    size_t outlen);
size_t dns_make_key(const uint8_t *wire, size_t wlen, dns_type t,
    uint8_t *key);

/* The reason of an answer libunbound refused to look up (ub_resolve_async
 * or its callback gave an error: its context cannot start): the probe
 * tells it from a timeout by it. */
#define DNS_WHY_UB_ERROR "resolver error: "

/* dns_answer.c */
dns_answer *dns_answer_status(dns_status st, dns_sec sec, int rcode,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
dns_answer *dns_answer_from_ub(int err, const struct ub_result *res,
    dns_type t);
dns_answer *dns_answer_oom(void);
dns_answer *dns_answer_clone(const dns_answer *a);
size_t dns_answer_bytes(const dns_answer *a);

/* dns_cache.c */
typedef struct dns_cache dns_cache;
dns_cache *dns_cache_new(size_t max_entries, size_t max_bytes);
void dns_cache_free(dns_cache *c);
dns_answer *dns_cache_get(dns_cache *c, const uint8_t *key, size_t keylen,
    int64_t now_ms);
void dns_cache_put(dns_cache *c, const uint8_t *key, size_t keylen,
    const dns_answer *a, int64_t now_ms);

/* dns_budget.c: what dns_resolver.c asks of a budget. admit() decides
 * whether a lookup may be sent now (0, counted) or not (-1, with the
 * answer's reason in why); wait_deadline() is the earlier of deadline and
 * the budget's, *at_budget set when it is the budget's; deadline_hit()
 * records that a wait ended at the budget's deadline and writes the
 * reason. */
int dns_budget_admit(dns_budget *b, int flags, int64_t now, char *why,
    size_t whylen);
int64_t dns_budget_wait_deadline(const dns_budget *b, int64_t deadline,
    int *at_budget);
void dns_budget_deadline_hit(dns_budget *b, char *why, size_t whylen);

/* dns_setup.c */
typedef struct dns_setup {
	struct ub_ctx *ctx;
	char tmpdir[64];  /* zone mode: private config + zone copy, or "" */
} dns_setup;
int dns_setup_ctx(dns_setup *s, const dns_config *cfg, int supply_apex,
    char *err, size_t errlen);
void dns_setup_log_error(const dns_setup *s, const char *zone, char *buf,
    size_t len);
void dns_setup_cleanup(dns_setup *s);
void dns_setup_forget_files(dns_setup *s);

/* dns_resolver.c and dns_wait.c: the resolver and its queries. r->mu
 * guards every query's done, answer and any; q->cv (and *q->any while
 * dns_query_wait_any() waits) is signalled by the callback. */
struct dns_resolver {
	dns_setup setup;             /* owns the ub_ctx */
	struct ub_ctx *ctx;
	pthread_t loop;
	int loop_running;
	int wake[2];
	pthread_mutex_t mu;
	pthread_condattr_t cattr;
	dns_query *inflight;         /* queries whose callback is still due */
	dns_cache *cache;            /* NULL: no in-process cache */
	struct fault *faults;        /* dns_resolver.c's fault table */
	size_t nfaults;
	atomic_int queried;          /* a query was started: faults are fixed */
	unsigned timeout_ms;
	dns_mode mode;               /* for dns_resolver_probe() */
	dns_trace_fn trace;          /* NULL: no trace (the usual case) */
	void *trace_arg;
};

struct dns_query {
	dns_resolver *r;
	dns_answer *answer;          /* set once done */
	int done, inflight, abandoned, cv_ready;
	int async_id;
	dns_type type;
	int64_t start_ms;
	int64_t done_ms;             /* when the answer came (traced only) */
	dns_budget *budget;          /* held while the query lives; or NULL */
	pthread_cond_t cv;
	pthread_cond_t *any;         /* dns_query_wait_any()'s, while it waits */
	dns_query *prev, *next;      /* r->inflight */
	size_t keylen;
	uint8_t key[DNS_KEY_MAX];
	char *trace_name;            /* only when the resolver traces: the
					name, a NUL, the budget's tag */
};

/* dns_resolver.c: handed out when even the query object cannot be
 * allocated (always answered: dns_answer_oom()). */
extern dns_query dns_oom_query;
/* dns_resolver.c: the wait's deadline passed (r->mu held, dropped around
 * ub_cancel()): cancel q and answer "timed out", or the budget's reason
 * when at_budget. */
void dns_query_timeout(dns_query *q, int at_budget);

#endif
