/*
 * daemon/metrics_int.h - the daemon's metrics registry: counters, gauges
 * and histograms, and their Prometheus text (exposition format 0.0.4).
 *
 * SYNOPSIS
 *   void metrics_message(const msg_verdict *v, const char *sent,
 *                        int applied, uint64_t eom_us);
 *   void metrics_observe_dns_wait(unsigned ms);
 *   void metrics_conn_open(void);
 *   void metrics_conn_close(void);
 *   void metrics_history_queued(void);
 *   void metrics_history_taken(size_t n);
 *   void metrics_history_written(size_t n);
 *   void metrics_history_dropped(void);
 *   void metrics_history_failed(size_t n);
void metrics_failure_report_dropped(void);
 *   void metrics_failure_report_dropped(void);
 *   void metrics_reload(int ok);
 *   int  metrics_render(strbuf *out);
 *   uint64_t metrics_now_us(void);
 *
 * DESCRIPTION
 *   Every count is a C11 atomic of the process, added to with a relaxed
 *   fetch-add: no lock on the message path, and a reload (a new runtime,
 *   resolver and history writer) never resets a counter. Gauges (connections
 *   in flight, history queue depth) are the same atomics added to and
 *   taken from.
 *
 *   metrics_message() counts one message at its end: by the action sent
 *   to the MTA (sent: "accept", "quarantine", "reject", "tempfail"; a
 *   message not checked - trusted network, authenticated client - counts
 *   as "skipped"), and for a checked message its SPF result (the deciding
 *   identity; "none" without one), each DKIM signature's result ("none"
 *   when unsigned), its DMARC result, for a DMARC policy record the
 *   disposition with applied (1: it changed what was done,
 *   history_dmarc_applied()) and the override reason, and eom_us (the
 *   microseconds from end of message to the reply) in the end-of-message
 *   histogram. metrics_observe_dns_wait() adds one message's time waiting
 *   on DNS to the DNS-wait histogram.
 *
 *   metrics_render() appends the whole registry to out, with the DNS
 *   counters (dns_stats_read()), the messages in flight
 *   (runtime_active_messages()) and authmilter_build_info: one "# HELP"
 *   and one "# TYPE" line per metric, names authmilter_*, counters ending
 *   _total, histograms in seconds with cumulative le buckets, _sum and
 *   _count. Returns 0, or -1 when out ran out of memory. Each value is
 *   read atomically; a scrape during traffic may see one message counted
 *   in one metric and not yet in the next.
 *   metrics_now_us() is a monotonic clock in microseconds, for
 *   eom_us.
 *
 *   metrics_signature() counts authmilter_signatures_total{result,alg}:
 *   result "ok" (one per signature, alg its a=), "error" or "nokey" (one
 *   per message, alg NULL: "none").
 *
 *   The metric list and labels: authmilter(8), METRICS.
 */
#ifndef AUTHMILTER_METRICS_INT_H
#define AUTHMILTER_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "message/message.h"
#include "util/strbuf.h"

void metrics_message(const msg_verdict *v, const char *sent, int applied,
    uint64_t eom_us);
void metrics_observe_dns_wait(unsigned ms);
void metrics_conn_open(void);
void metrics_conn_close(void);
void metrics_history_queued(void);
void metrics_history_taken(size_t n);
void metrics_history_written(size_t n);
void metrics_history_dropped(void);
void metrics_history_failed(size_t n);
void metrics_failure_report_dropped(void);
void metrics_reload(int ok);
void metrics_signature(const char *result, const char *alg);
int metrics_render(strbuf *out);
uint64_t metrics_now_us(void);

#endif
