/*
 * tests/lib/querylog.c - lists and counts queries made over the real
 * resolver (see querylog.h). It never makes up an answer: the trace only
 * records what dns/ reports, the lookup wrapper only forwards to dns/.
 * Out of memory aborts: this is test support, a test cannot go on then.
 */
#include "tests/lib/querylog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct logent {
	char *name;
	dns_type type;
	dns_status status;
} logent;

struct querylog {
	pthread_mutex_t mu;
	size_t count;                 /* answers traced */
	size_t nlog;                  /* entries stored (<= QUERYLOG_MAX) */
	logent log[QUERYLOG_MAX];
	size_t started, in_flight, max_in_flight;
	dns_resolver *r;              /* for the lookup wrapper */
};

/* One query started through the lookup wrapper. */
typedef struct wq {
	dns_query *q;
	int answered;
} wq;

querylog *
querylog_new(void)
{
	querylog *l = calloc(1, sizeof(*l));

	if (l == NULL)
		abort();
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void
querylog_free(querylog *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nlog; i++)
		free(l->log[i].name);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void
on_answer(void *arg, const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info)
{
	querylog *l = arg;
	char *copy = NULL;

	(void)info;
	pthread_mutex_lock(&l->mu);
	l->count++;
	if (l->nlog < QUERYLOG_MAX) {
		if ((copy = strdup(name)) == NULL)
			abort();
		l->log[l->nlog].name = copy;
		l->log[l->nlog].type = type;
		l->log[l->nlog].status = a->status;
		l->nlog++;
	}
	pthread_mutex_unlock(&l->mu);
}

void
querylog_trace(querylog *l, dns_resolver *r)
{
	dns_resolver_set_trace(r, on_answer, l);
}

size_t
querylog_count(querylog *l)
{
	size_t n;

	pthread_mutex_lock(&l->mu);
	n = l->count;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* Equal names, ignoring case and one trailing dot on either side. */
static int
same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

int
querylog_asked(querylog *l, const char *name, dns_type t)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->nlog && !found; i++)
		found = l->log[i].type == t && same_name(l->log[i].name, name);
	pthread_mutex_unlock(&l->mu);
	return found;
}

const char *
querylog_name(querylog *l, size_t i, dns_type *t, dns_status *st)
{
	const char *name = NULL;

	pthread_mutex_lock(&l->mu);
	if (i < l->nlog) {
		name = l->log[i].name;
		if (t != NULL)
			*t = l->log[i].type;
		if (st != NULL)
			*st = l->log[i].status;
	}
	pthread_mutex_unlock(&l->mu);
	return name;
}

/* The query is no longer in flight (answer consumed or released). */
static void
landed(querylog *l, wq *w)
{
	pthread_mutex_lock(&l->mu);
	if (!w->answered) {
		w->answered = 1;
		l->in_flight--;
	}
	pthread_mutex_unlock(&l->mu);
}

static void *
w_start(void *ctx, const char *name, dns_type type)
{
	querylog *l = ctx;
	wq *w = calloc(1, sizeof(*w));

	if (w == NULL)
		abort();
	pthread_mutex_lock(&l->mu);
	l->started++;
	if (++l->in_flight > l->max_in_flight)
		l->max_in_flight = l->in_flight;
	pthread_mutex_unlock(&l->mu);
	w->q = dns_query_start(l->r, name, type);
	return w;
}

static const dns_answer *
w_wait(void *ctx, void *q, int64_t deadline_ms)
{
	wq *w = q;
	const dns_answer *a = dns_query_wait(w->q, deadline_ms);

	landed(ctx, w);
	return a;
}

static void
w_release(void *ctx, void *q)
{
	wq *w = q;

	landed(ctx, w);
	dns_query_free(w->q);
	free(w);
}

static int64_t
w_now(void *ctx)
{
	(void)ctx;
	return dns_now_ms();
}

void
querylog_lookup(querylog *l, dns_resolver *r, dmarc_lookup *lk)
{
	memset(lk, 0, sizeof(*lk));
	l->r = r;
	lk->start = w_start;
	lk->wait = w_wait;
	lk->release = w_release;
	lk->now = w_now;
	lk->ctx = l;
	lk->timeout_ms = dns_resolver_timeout_ms(r);
}

size_t
querylog_started(querylog *l)
{
	size_t n;

	pthread_mutex_lock(&l->mu);
	n = l->started;
	pthread_mutex_unlock(&l->mu);
	return n;
}

size_t
querylog_max_in_flight(querylog *l)
{
	size_t n;

	pthread_mutex_lock(&l->mu);
	n = l->max_in_flight;
	pthread_mutex_unlock(&l->mu);
	return n;
}
