/*
 * dns/dns_resolver.c - the resolver handle: libunbound in thread mode, one
 * event-loop thread, queries with deadlines, the fault table, the cache.
 *
 * Contract: dns.h. How it works:
 *   - One ub_ctx in asynchronous thread mode is shared by every thread.
 *     Queries go out with ub_resolve_async(); one event-loop thread polls
 *     ub_fd() and a wake-up pipe and calls ub_process(), which runs
 *     query_done() for each answer. The blocking ub_resolve() is never used.
 *   - A resolver-wide mutex guards every query's state; each query has its
 *     own condition variable (CLOCK_MONOTONIC, the dns_now_ms clock) that
 *     its waiter sleeps on until the answer or the deadline, and the
 *     callback also signals q->any, dns_query_wait_any()'s. The waits
 *     live in dns_wait.c; the structs both files use in dns_int.h.
 *   - At a deadline the query is cancelled. ub_cancel() == 0 means the
 *     callback will never run; an error means the answer is already on its
 *     way, so the callback runs later and throws its answer away - and if
 *     the owner has freed the query meanwhile ("abandoned"), frees it.
 *     Queries whose callback is still due are on r->inflight so that
 *     dns_resolver_free() can release abandoned ones after ub_ctx_delete().
 *   - dns_query_start() answers without libunbound when it can: a bad
 *     name, the fault table, or a fresh entry of the answer cache. Answers
 *     from libunbound are offered to the cache from the callback.
 *   - A query started in a message's budget (dns_query_start_in) is
 *     charged to it only when it would go to libunbound, after the cache;
 *     the budget may refuse it (deadline passed, count used up). Its wait
 *     ends at the budget's deadline at the latest (dns_budget.c).
 *   - Process-wide counters (dns_stats_read): relaxed atomic adds, no
 *     lock, so counting costs nothing measurable per query.
 */
#include "dns/dns_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a zone-file resolver may take to answer its first query. */
#define DNS_ZONE_PROBE_MS 3000
/* Upper bound of the fault table (tests use a handful). */
#define DNS_MAX_FAULTS 4096
/* Byte budget of the answer cache. */
#define DNS_CACHE_MAX_BYTES (16u * 1024 * 1024)

typedef struct fault {
	dns_status status;
	size_t keylen;
	uint8_t key[DNS_KEY_MAX];
} fault;

/* dns_stats_read(): totals of every resolver since the process began. */
static atomic_uint_fast64_t st_sent, st_cached, st_timeouts, st_servfail,
    st_bogus;

static void
count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void
dns_stats_read(dns_stats *out)
{
	out->queries = atomic_load_explicit(&st_sent, memory_order_relaxed);
	out->cache_hits = atomic_load_explicit(&st_cached,
	    memory_order_relaxed);
	out->timeouts = atomic_load_explicit(&st_timeouts,
	    memory_order_relaxed);
	out->servfail = atomic_load_explicit(&st_servfail,
	    memory_order_relaxed);
	out->bogus = atomic_load_explicit(&st_bogus, memory_order_relaxed);
}

/* Handed out when even the query object cannot be allocated. */
dns_query dns_oom_query;

static void
list_add(dns_resolver *r, dns_query *q)
{
	q->prev = NULL;
	q->next = r->inflight;
	if (r->inflight != NULL)
		r->inflight->prev = q;
	r->inflight = q;
	q->inflight = 1;
}

static void
list_del(dns_resolver *r, dns_query *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->inflight = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
	q->inflight = 0;
}

static void
query_destroy(dns_query *q)
{
	free(q->trace_name);
	dns_budget_release(q->budget);
	if (q->cv_ready)
		pthread_cond_destroy(&q->cv);
	dns_answer_free(q->answer);
	free(q);
}

/* The libunbound callback, on the event-loop thread. */
static void
query_done(void *arg, int err, struct ub_result *res)
{
	dns_query *q = arg;
	dns_resolver *r = q->r;
	dns_answer *a = dns_answer_from_ub(err, res, q->type);

	ub_resolve_free(res);
	if (a->sec == DNS_SEC_BOGUS)
		count(&st_bogus);
	else if (a->rcode == DNS_RCODE_SERVFAIL)
		count(&st_servfail);
	if (r->cache != NULL)
		dns_cache_put(r->cache, q->key, q->keylen, a, dns_now_ms());
	pthread_mutex_lock(&r->mu);
	list_del(r, q);
	if (q->abandoned) {
		pthread_mutex_unlock(&r->mu);
		dns_answer_free(a);
		query_destroy(q);
		return;
	}
	if (q->done) {  /* timed out while this answer was on its way */
		pthread_mutex_unlock(&r->mu);
		dns_answer_free(a);
		return;
	}
	q->answer = a;
	q->done = 1;
	q->done_ms = dns_now_ms();
	pthread_cond_signal(&q->cv);
	if (q->any != NULL)
		pthread_cond_signal(q->any);
	pthread_mutex_unlock(&r->mu);
}

static void *
loop_main(void *arg)
{
	dns_resolver *r = arg;
	struct pollfd p[2];

	for (;;) {
		p[0].fd = ub_fd(r->ctx);
		p[0].events = POLLIN;
		p[1].fd = r->wake[0];
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				usleep(1000);  /* never spin; keep serving */
			continue;
		}
		if (p[1].revents != 0)
			break;
		if (p[0].revents != 0)
			ub_process(r->ctx);
	}
	return NULL;
}

static int
loop_start(dns_resolver *r, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	if (pipe2(r->wake, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "wake-up pipe: %s", strerror(errno));
		return -1;
	}
	/* the loop thread takes no signals: the daemon's threads do */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->loop, NULL, loop_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "resolver thread: %s", strerror(rc));
		close(r->wake[0]);
		close(r->wake[1]);
		return -1;
	}
	r->loop_running = 1;
	return 0;
}

static void
loop_stop(dns_resolver *r)
{
	char c = 'q';

	if (!r->loop_running)
		return;
	while (write(r->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(r->loop, NULL);
	close(r->wake[0]);
	close(r->wake[1]);
	r->loop_running = 0;
}

/* Set up ctx + loop; in zone mode also check the zone answers. */
static int
resolver_connect(dns_resolver *r, const dns_config *cfg, char *err,
    size_t errlen)
{
	char why[sizeof(((dns_answer *)0)->why)], logline[256] = "";
	const dns_answer *a;
	dns_query *q;
	int attempt, ok;

	for (attempt = 0; attempt < 2; attempt++) {
		/* a zone file without an apex SOA gets one on the second try */
		if (dns_setup_ctx(&r->setup, cfg, attempt == 1, err, errlen) != 0)
			return -1;
		r->ctx = r->setup.ctx;
		if (loop_start(r, err, errlen) != 0)
			return -1;
		if (cfg->zone_file == NULL)
			return 0;
		q = dns_query_start(r, ".", DNS_T_A);
		a = dns_query_wait(q, dns_now_ms() + DNS_ZONE_PROBE_MS);
		ok = a->status == DNS_RECORDS || a->status == DNS_NODATA;
		snprintf(why, sizeof(why), "%s", a->why);
		dns_query_free(q);
		if (ok) {
			dns_setup_forget_files(&r->setup);
			return 0;
		}
		if (attempt == 0)  /* its line numbers are the file's own */
			dns_setup_log_error(&r->setup, cfg->zone_file, logline,
			    sizeof(logline));
		loop_stop(r);
		dns_setup_cleanup(&r->setup);
		r->ctx = NULL;
	}
	snprintf(err, errlen, "zone file %s: not served by libunbound: %s",
	    cfg->zone_file, logline[0] ? logline : why);
	return -1;
}

dns_resolver *
dns_resolver_new(const dns_config *cfg, char *err, size_t errlen)
{
	dns_resolver *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&r->cattr);
	pthread_condattr_setclock(&r->cattr, CLOCK_MONOTONIC);
	r->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
	r->mode = cfg->zone_file != NULL ? DNS_MODE_ZONE :
	    cfg->unbound_conf != NULL ? DNS_MODE_CONF :
	    cfg->nforwarders > 0 ? DNS_MODE_FORWARD : DNS_MODE_RECURSE;
	if (resolver_connect(r, cfg, err, errlen) != 0) {
		dns_resolver_free(r);
		return NULL;
	}
	if (cfg->cache_entries >= 0 &&
	    (r->cache = dns_cache_new(cfg->cache_entries ?
	    (size_t)cfg->cache_entries : DNS_DEFAULT_CACHE_ENTRIES,
	    DNS_CACHE_MAX_BYTES)) == NULL) {
		snprintf(err, errlen, "out of memory");
		dns_resolver_free(r);
		return NULL;
	}
	atomic_store(&r->queried, 0);  /* the zone probe does not count */
	return r;
}

void
dns_resolver_free(dns_resolver *r)
{
	dns_query *q, *next;

	if (r == NULL)
		return;
	loop_stop(r);
	dns_setup_cleanup(&r->setup);  /* ub_ctx_delete: no callback after */
	for (q = r->inflight; q != NULL; q = next) {
		next = q->next;
		if (q->abandoned)
			query_destroy(q);
	}
	dns_cache_free(r->cache);
	free(r->faults);
	pthread_condattr_destroy(&r->cattr);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

dns_query *
dns_probe_start(dns_resolver *r)
{
	return r->mode == DNS_MODE_ZONE ? NULL : dns_query_start(r, ".", DNS_T_A);
}

void
dns_probe_finish(dns_resolver *r, dns_query *q, int64_t deadline_ms,
    dns_probe *p)
{
	const dns_answer *a;

	memset(p, 0, sizeof(*p));
	p->mode = r->mode;
	if (q == NULL) {
		p->result = DNS_PROBE_SKIPPED;
		return;
	}
	a = dns_query_wait(q, deadline_ms);
	p->waited_ms = (unsigned)(dns_now_ms() - q->start_ms);
	if (a->status == DNS_RECORDS || a->status == DNS_NODATA ||
	    a->status == DNS_NXDOMAIN)
		p->result = DNS_PROBE_OK;
	else if (a->sec == DNS_SEC_BOGUS)
		p->result = DNS_PROBE_BOGUS;
	else if (a->rcode >= 0)
		p->result = DNS_PROBE_FAILED;
	else if (strncmp(a->why, DNS_WHY_UB_ERROR, strlen(DNS_WHY_UB_ERROR))
	    == 0)
		p->result = DNS_PROBE_BROKEN;
	else
		p->result = DNS_PROBE_NO_ANSWER;
	if (p->result != DNS_PROBE_OK)
		snprintf(p->why, sizeof(p->why), "%s", a->why);
	dns_query_free(q);
}

void
dns_resolver_probe(dns_resolver *r, dns_probe *p)
{
	dns_query *q = dns_probe_start(r);

	dns_probe_finish(r, q, dns_now_ms() + r->timeout_ms, p);
}

unsigned
dns_resolver_timeout_ms(const dns_resolver *r)
{
	return r->timeout_ms;
}

int
dns_resolver_add_fault(dns_resolver *r, const char *name, dns_type type,
    dns_status status)
{
	uint8_t wire[DNS_WIRE_MAX];
	const char *why;
	size_t wlen;
	fault *f;

	if (atomic_load(&r->queried) || status == DNS_RECORDS ||
	    r->nfaults >= DNS_MAX_FAULTS ||
	    dns_name_to_wire(name, wire, &wlen, &why) != 0)
		return -1;
	if ((f = realloc(r->faults, (r->nfaults + 1) * sizeof(*f))) == NULL)
		return -1;
	r->faults = f;
	f += r->nfaults++;
	f->status = status;
	f->keylen = dns_make_key(wire, wlen, type, f->key);
	return 0;
}

static dns_answer *
fault_answer(const dns_resolver *r, const uint8_t *key, size_t keylen)
{
	size_t i;

	for (i = 0; i < r->nfaults; i++) {
		if (r->faults[i].keylen != keylen ||
		    memcmp(r->faults[i].key, key, keylen) != 0)
			continue;
		switch (r->faults[i].status) {
		case DNS_TEMPFAIL:
			return dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE, -1,
			    "timed out (injected fault)");
		case DNS_BADNAME:
			return dns_answer_status(DNS_BADNAME, DNS_SEC_INSECURE, -1,
			    "bad name (injected fault)");
		case DNS_NXDOMAIN:
			return dns_answer_status(DNS_NXDOMAIN, DNS_SEC_INSECURE,
			    DNS_RCODE_NXDOMAIN, NULL);
		default:
			return dns_answer_status(DNS_NODATA, DNS_SEC_INSECURE,
			    DNS_RCODE_NOERROR, NULL);
		}
	}
	return NULL;
}

/* The cache-only attempt of this thread (dns_cache_only_begin). */
static _Thread_local int cache_only;       /* 0 off, 1 on, 2 all misses */
static _Thread_local unsigned cache_only_misses;

void
dns_cache_only_begin(const dns_resolver *r)
{
	cache_only = r->trace != NULL ? 2 : 1;
	cache_only_misses = 0;
}

unsigned
dns_cache_only_end(void)
{
	cache_only = 0;
	return cache_only_misses;
}

int
dns_cache_only_active(void)
{
	return cache_only != 0;
}

static dns_query *
cache_only_miss(dns_query *q)
{
	cache_only_misses++;
	q->answer = dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE, -1,
	    "not in the cache (cache-only attempt)");
	q->done = 1;
	return q;
}

/* The trace's copy of a query's name and its budget's tag, one block. */
static char *
trace_names(const char *name, const char *tag)
{
	size_t nl = strlen(name), tl = strlen(tag);
	char *s = malloc(nl + tl + 2);

	if (s != NULL) {
		memcpy(s, name, nl + 1);
		memcpy(s + nl + 1, tag, tl + 1);
	}
	return s;
}

dns_query *
dns_query_start(dns_resolver *r, const char *name, dns_type type)
{
	return dns_query_start_in(r, NULL, 0, name, type);
}

dns_query *
dns_query_start_in(dns_resolver *r, dns_budget *b, int flags,
    const char *name, dns_type type)
{
	uint8_t wire[DNS_WIRE_MAX];
	char text[DNS_TEXT_MAX], bwhy[sizeof(((dns_answer *)0)->why)];
	const char *why;
	size_t wlen;
	dns_query *q;
	int rc;

	/* malloc + memset, not calloc: small blocks come from the thread's
	 * cache without the arena lock (see util/zalloc.h) */
	if ((q = malloc(sizeof(*q))) == NULL)
		return &dns_oom_query;
	explicit_bzero(q, sizeof(*q));	/* memset would become calloc */
	q->r = r;
	q->type = type;
	if (cache_only == 2)
		return cache_only_miss(q);
	q->start_ms = dns_now_ms();
	q->done_ms = q->start_ms;
	if (r->trace != NULL)
		q->trace_name = trace_names(name, dns_budget_tag(b));
	if (!atomic_load_explicit(&r->queried, memory_order_relaxed))
		atomic_store(&r->queried, 1);
	if (strcmp(dns_type_name(type), "?") == 0) {
		q->answer = dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE, -1,
		    "unsupported query type %d", (int)type);
		goto done;
	}
	if (dns_name_to_wire(name, wire, &wlen, &why) != 0) {
		q->answer = dns_answer_status(DNS_BADNAME, DNS_SEC_INSECURE, -1,
		    "%s", why);
		goto done;
	}
	q->keylen = dns_make_key(wire, wlen, type, q->key);
	if (r->nfaults > 0 &&
	    (q->answer = fault_answer(r, q->key, q->keylen)) != NULL)
		goto done;
	if (r->cache != NULL && (q->answer = dns_cache_get(r->cache, q->key,
	    q->keylen, q->start_ms)) != NULL) {
		count(&st_cached);
		goto done;
	}
	if (cache_only)
		return cache_only_miss(q);
	if (b != NULL) {
		if (dns_budget_admit(b, flags, q->start_ms, bwhy,
		    sizeof(bwhy)) != 0) {
			q->answer = dns_answer_status(DNS_TEMPFAIL,
			    DNS_SEC_INSECURE, -1, "%s", bwhy);
			goto done;
		}
		q->budget = dns_budget_hold(b);
	}
	dns_wire_to_query(wire, wlen, text, sizeof(text));
	if (pthread_cond_init(&q->cv, &r->cattr) != 0) {
		q->answer = dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE, -1,
		    "out of resources");
		goto done;
	}
	q->cv_ready = 1;
	count(&st_sent);
	pthread_mutex_lock(&r->mu);
	list_add(r, q);  /* the callback may run before ub_resolve_async returns */
	pthread_mutex_unlock(&r->mu);
	rc = ub_resolve_async(r->ctx, text, (int)type, 1 /* IN */, q, query_done,
	    &q->async_id);
	if (rc != 0) {  /* the callback will not run */
		pthread_mutex_lock(&r->mu);
		list_del(r, q);
		pthread_mutex_unlock(&r->mu);
		q->answer = dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE, -1,
		    DNS_WHY_UB_ERROR "%s", ub_strerror(rc));
		goto done;
	}
	return q;
done:
	q->done = 1;
	return q;
}

void
dns_resolver_set_trace(dns_resolver *r, dns_trace_fn fn, void *arg)
{
	r->trace = fn;
	r->trace_arg = arg;
}

/* The deadline passed (r->mu held): cancel and answer "timed out", or
 * with the budget's reason when it was the budget's deadline. */
void
dns_query_timeout(dns_query *q, int at_budget)
{
	dns_resolver *r = q->r;
	char why[sizeof(((dns_answer *)0)->why)];
	int rc;

	pthread_mutex_unlock(&r->mu);
	rc = ub_cancel(r->ctx, q->async_id);
	pthread_mutex_lock(&r->mu);
	if (q->done)  /* the answer came in meanwhile */
		return;
	if (rc == 0)  /* cancelled: the callback never runs */
		list_del(r, q);
	/* else the callback is on its way and will drop its answer */
	count(&st_timeouts);
	if (at_budget) {
		dns_budget_deadline_hit(q->budget, why, sizeof(why));
		q->answer = dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE,
		    -1, "%s", why);
	} else {
		q->answer = dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE,
		    -1, "timed out after %lld ms",
		    (long long)(dns_now_ms() - q->start_ms));
	}
	q->done = 1;
	q->done_ms = dns_now_ms();
}

void
dns_query_free(dns_query *q)
{
	dns_resolver *r;
	int rc;

	if (q == NULL || q == &dns_oom_query)
		return;
	r = q->r;
	if (q->cv_ready) {
		pthread_mutex_lock(&r->mu);
		if (q->inflight) {
			pthread_mutex_unlock(&r->mu);
			rc = ub_cancel(r->ctx, q->async_id);
			pthread_mutex_lock(&r->mu);
			if (rc == 0 && q->inflight)
				list_del(r, q);
			if (q->inflight) {  /* the callback frees it */
				q->abandoned = 1;
				pthread_mutex_unlock(&r->mu);
				return;
			}
		}
		pthread_mutex_unlock(&r->mu);
	}
	query_destroy(q);
}

dns_answer *
dns_lookup(dns_resolver *r, const char *name, dns_type type)
{
	dns_query *q = dns_query_start(r, name, type);
	dns_answer *a;

	dns_query_wait(q, dns_now_ms() + r->timeout_ms);
	if (q == &dns_oom_query)
		return dns_answer_oom();
	a = q->answer;  /* done: nothing writes it any more */
	q->answer = NULL;
	dns_query_free(q);
	return a;
}
