/*
 * dns/dns_wait.c - waiting for queries: dns_query_wait(),
 * dns_query_wait_any(), dns_query_peek(), dns_query_done().
 *
 * Contract: dns.h; the structs are dns_int.h's, shared with
 * dns_resolver.c, which starts queries and whose libunbound callback
 * answers them. What this file owns:
 *   - Locking: r->mu (the resolver-wide mutex) is held for every check of
 *     q->done and for the wait itself (pthread_cond_timedwait on it), so
 *     the callback's answer and signal cannot fall between the check and
 *     the sleep. A query answered when it was started (cv_ready == 0, or
 *     dns_oom_query) is read without the lock: nothing writes it.
 *   - dns_query_wait() sleeps on the query's own condition variable
 *     (CLOCK_MONOTONIC, the dns_now_ms clock) until the answer or the
 *     earlier of its deadline and its budget's (which may be extended
 *     meanwhile); at the deadline dns_query_timeout() (dns_resolver.c)
 *     cancels it. The trace is given the answer once, outside the lock.
 *   - dns_query_wait_any() sleeps on its thread's own condition variable
 *     (any_waiter: made at the thread's first wait, kept from one wait to
 *     the next), which the callback of each query waited on signals
 *     through q->any. A thread waits on one set at a time, and every
 *     query's q->any is cleared under the mutex before the wait returns,
 *     so no signal reaches it from an earlier wait or another resolver.
 *     The queries of one call must share one resolver (one mutex).
 *   - At thread exit a pthread key's destructor (any_waiter_free) destroys
 *     the thread's condition variable; nothing else frees it.
 */
#include "dns/dns_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Hand the answer to the trace once (the waiter's thread, no lock held). */
static const dns_answer *
traced(dns_query *q)
{
	if (q->trace_name != NULL && q->answer != NULL && q->r->trace != NULL) {
		dns_trace_info info;

		info.tag = q->trace_name + strlen(q->trace_name) + 1;
		info.ms = q->done_ms > q->start_ms ?
		    (unsigned)(q->done_ms - q->start_ms) : 0;
		info.local = !q->cv_ready;
		q->r->trace(q->r->trace_arg, q->trace_name, q->type, q->answer,
		    &info);
		free(q->trace_name);
		q->trace_name = NULL;
	}
	return q->answer;
}

const dns_answer *
dns_query_wait(dns_query *q, int64_t deadline_ms)
{
	dns_resolver *r = q->r;
	struct timespec ts;
	int64_t dl;
	int at_budget;

	if (q == &dns_oom_query)
		return dns_answer_oom();
	if (!q->cv_ready)
		return traced(q);
	pthread_mutex_lock(&r->mu);
	while (!q->done) {
		/* the budget's deadline may move (dns_budget_extend) */
		dl = dns_budget_wait_deadline(q->budget, deadline_ms,
		    &at_budget);
		ts.tv_sec = dl / 1000;
		ts.tv_nsec = (long)(dl % 1000) * 1000000;
		if (pthread_cond_timedwait(&q->cv, &r->mu, &ts) == ETIMEDOUT &&
		    !q->done) {
			if (at_budget && dns_budget_deadline(q->budget) > dl &&
			    dns_now_ms() < dns_budget_deadline(q->budget))
				continue;  /* extended meanwhile */
			dns_query_timeout(q, at_budget);
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return traced(q);
}

/* dns_query_wait_any()'s condition variable: one per thread, kept from
 * one wait to the next (it used to be made and destroyed on every call,
 * which SPF does once per answered lookup). */
typedef struct any_waiter {
	pthread_cond_t cv;
	int ready;
} any_waiter;

static _Thread_local any_waiter any_tls;
static pthread_key_t any_key;
static pthread_once_t any_once = PTHREAD_ONCE_INIT;
static int any_key_ok;

/* At thread exit (a key's destructor: the thread's own any_tls). */
static void
any_waiter_free(void *p)
{
	any_waiter *w = p;

	if (w->ready)
		pthread_cond_destroy(&w->cv);
	w->ready = 0;
}

static void
any_key_make(void)
{
	any_key_ok = pthread_key_create(&any_key, any_waiter_free) == 0;
}

/* The calling thread's waiter (cattr: CLOCK_MONOTONIC), or NULL. */
static any_waiter *
any_waiter_get(const pthread_condattr_t *cattr)
{
	any_waiter *w = &any_tls;

	if (w->ready)
		return w;
	if (pthread_once(&any_once, any_key_make) != 0 || !any_key_ok ||
	    pthread_cond_init(&w->cv, cattr) != 0)
		return NULL;
	if (pthread_setspecific(any_key, w) != 0) {
		pthread_cond_destroy(&w->cv);
		return NULL;
	}
	w->ready = 1;
	return w;
}

int
dns_query_wait_any(dns_query *const *qs, size_t n, int64_t deadline_ms)
{
	dns_resolver *r = NULL;
	any_waiter *w;
	struct timespec ts;
	int64_t dl = deadline_ms, b;
	size_t i;
	int at_budget, found = -1;

	for (i = 0; i < n; i++) {
		if (qs[i] == &dns_oom_query || !qs[i]->cv_ready)
			return (int)i;  /* answered when started */
		if (r != NULL && qs[i]->r != r)
			return -1;      /* one resolver's mutex guards them */
		r = qs[i]->r;
	}
	if (r == NULL || (w = any_waiter_get(&r->cattr)) == NULL)
		return -1;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < n; i++) {
		b = dns_budget_wait_deadline(qs[i]->budget, deadline_ms,
		    &at_budget);
		if (b < dl)
			dl = b;
		qs[i]->any = &w->cv;
	}
	ts.tv_sec = dl / 1000;
	ts.tv_nsec = (long)(dl % 1000) * 1000000;
	for (;;) {
		for (i = 0; i < n && found < 0; i++)
			if (qs[i]->done)
				found = (int)i;
		if (found >= 0 ||
		    pthread_cond_timedwait(&w->cv, &r->mu, &ts) == ETIMEDOUT)
			break;
	}
	for (i = 0; i < n; i++) {
		if (found < 0 && qs[i]->done)
			found = (int)i;  /* came with the timeout */
		qs[i]->any = NULL;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

const dns_answer *
dns_query_peek(dns_query *q)
{
	const dns_answer *a = NULL;

	if (q == &dns_oom_query)
		return dns_answer_oom();
	if (!q->cv_ready)
		return q->answer;
	pthread_mutex_lock(&q->r->mu);
	if (q->done)
		a = q->answer;
	pthread_mutex_unlock(&q->r->mu);
	return a;
}

int
dns_query_done(dns_query *q)
{
	int done;

	if (q == &dns_oom_query || !q->cv_ready)
		return 1;
	pthread_mutex_lock(&q->r->mu);
	done = q->done;
	pthread_mutex_unlock(&q->r->mu);
	return done;
}
