/*
 * tests/lib/querylog.h - what a test's code asked the real resolver.
 *
 * SUMMARY
 *   Test support that observes, never answers: every answer comes from
 *   the real resolver (dns/dns.h over libunbound, zone files, injected
 *   faults). It lists the queries made (through dns_resolver_set_trace)
 *   and, for code that takes a dmarc_lookup, measures how many queries
 *   were started and not yet answered at once (overlap).
 *
 * SYNOPSIS
 *   querylog *querylog_new(void);
 *   void      querylog_free(querylog *l);
 *   void      querylog_trace(querylog *l, dns_resolver *r);
 *   size_t    querylog_count(querylog *l);
 *   int       querylog_asked(querylog *l, const char *name, dns_type t);
 *   const char *querylog_name(querylog *l, size_t i, dns_type *t,
 *       dns_status *st);
 *
 *   void   querylog_lookup(querylog *l, dns_resolver *r, dmarc_lookup *lk);
 *   size_t querylog_started(querylog *l);
 *   size_t querylog_max_in_flight(querylog *l);
 *
 * DESCRIPTION
 *   querylog_trace() installs the log as r's trace (call it before the
 *   first query of r). The resolver then reports each query once, with
 *   its answer, when it is waited for; querylog_count() says how many
 *   were reported, querylog_asked() whether (name, type) was among them
 *   (names compare without regard to case or a trailing dot), and
 *   querylog_name() gives the i-th (0-based, in the order answers were
 *   consumed; NULL past the end or past QUERYLOG_MAX stored entries),
 *   with its type and answer status.
 *
 *   querylog_lookup() fills lk with a dmarc_lookup that passes every call
 *   straight to r (dns_query_start, dns_query_wait, dns_query_free,
 *   dns_now_ms, the resolver's timeout) and counts on the way: a query is
 *   in flight from its start until its answer is first consumed (wait) or
 *   it is released unanswered. querylog_started() is the number of starts,
 *   querylog_max_in_flight() the largest number in flight at one time: 2
 *   or more means the caller started a query before it consumed the
 *   answer of an earlier one, i.e. the queries overlapped.
 *
 *   The counters are guarded by a mutex; the log may be shared by threads.
 *   querylog_free() must come after the resolver's last query.
 */
#ifndef AUTHMILTER_TESTS_QUERYLOG_H
#define AUTHMILTER_TESTS_QUERYLOG_H

#include <stddef.h>

#include "dmarc/dmarc.h"
#include "dns/dns.h"

/* Entries kept for querylog_asked()/querylog_name(); more are counted. */
#define QUERYLOG_MAX 256

typedef struct querylog querylog;

querylog *querylog_new(void);
void querylog_free(querylog *l);
void querylog_trace(querylog *l, dns_resolver *r);
size_t querylog_count(querylog *l);
int querylog_asked(querylog *l, const char *name, dns_type t);
const char *querylog_name(querylog *l, size_t i, dns_type *t,
    dns_status *st);

void querylog_lookup(querylog *l, dns_resolver *r, dmarc_lookup *lk);
size_t querylog_started(querylog *l);
size_t querylog_max_in_flight(querylog *l);

#endif
