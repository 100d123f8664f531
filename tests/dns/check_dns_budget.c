/*
 * tests/dns/check_dns_budget.c - the dns/ resolver's waits on real
 * libunbound: a query's own timeout and the pending queries freed, against
 * a stub zone (a libunbound config written here) pointing at a local UDP
 * socket that never answers; and a message's budget (dns_budget): its
 * query count with a reserve, shared by threads, its deadline, moved while
 * a lookup waits; pools (dns_budget_pool): a count of their own that the
 * parent's lookups cannot use and that cannot use the parent's, the
 * parent's deadline. Answers themselves: check_dns.c.
 */
#include <check.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dns.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"

#define ZONE "tests/fixtures/dns/test.zone"

/* A UDP socket that never answers, and a config stubbing a zone to it. */
static int dead_fd = -1;
static char dead_conf[64];

static void
dead_server_setup(void)
{
	dead_fd = dnscheck_dead_conf(dead_conf, sizeof(dead_conf), NULL);
}

static void
dead_server_teardown(void)
{
	close(dead_fd);
	unlink(dead_conf);
}

static dns_resolver *
dead_resolver(unsigned timeout_ms)
{
	return dnscheck_conf_resolver(dead_conf, timeout_ms);
}

START_TEST(test_stub_timeout)
{
	dns_resolver *r = dead_resolver(700);
	int64_t t0 = dns_now_ms(), dt;
	dns_answer *a;

	ck_assert_uint_eq(dns_resolver_timeout_ms(r), 700);
	a = dnscheck_look(r, "www.dead.example", DNS_T_A, DNS_TEMPFAIL);
	dt = dns_now_ms() - t0;
	ck_assert_msg(dt >= 650 && dt < 3000, "took %lld ms", (long long)dt);
	ck_assert_msg(strncmp(a->why, "timed out after", 15) == 0, "%s", a->why);
	ck_assert_int_eq(a->sec, DNS_SEC_INSECURE);
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_free_pending)
{
	dns_resolver *r = dead_resolver(5000);
	dns_query *q[50];
	const dns_answer *a;
	int64_t t0;
	size_t i;

	for (i = 0; i < 50; i++)
		q[i] = dns_query_start(r, i % 2 ? "a.dead.example" : "b.dead.example",
		    DNS_T_TXT);
	ck_assert(!dns_query_done(q[0]));
	t0 = dns_now_ms();
	a = dns_query_wait(q[0], t0 + 200);  /* a short deadline of our own */
	ck_assert_int_eq(a->status, DNS_TEMPFAIL);
	ck_assert(dns_query_done(q[0]));
	ck_assert(dns_now_ms() - t0 < 1500);
	ck_assert(dns_query_wait(q[0], t0) == a);  /* waiting again: same answer */
	for (i = 0; i < 50; i++)
		dns_query_free(q[i]);  /* 49 still pending */
	dns_resolver_free(r);
}
END_TEST

/* ---- a message's budget (dns_budget) ---- */

/* Start (name, type) in b with flags, wait, and check the status; the
 * query is freed. Returns whether its reason names the query budget. */
static int
budget_look(dns_resolver *r, dns_budget *b, int flags, const char *name,
    dns_type t, dns_status want)
{
	dns_query *q = dns_query_start_in(r, b, flags, name, t);
	const dns_answer *a = dns_query_wait(q, dns_now_ms() + 5000);
	int refused;

	ck_assert_msg(a->status == want, "%s: %s (%s), want %s", name,
	    dns_status_name(a->status), a->why, dns_status_name(want));
	refused = strstr(a->why, "query budget") != NULL;
	dns_query_free(q);
	return refused;
}

START_TEST(test_budget_count)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_budget *b = dns_budget_new(0, 5, 2);
	char why[160];

	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(dns_budget_why(b, why, sizeof(why)), "");
	/* 3 ordinary lookups may go out (5 - 2 kept in reserve) */
	ck_assert(!budget_look(r, b, 0, "www.example", DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "example", DNS_T_MX, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "none.example", DNS_T_A, DNS_NXDOMAIN));
	ck_assert_uint_eq(dns_budget_queries(b), 3);
	ck_assert(budget_look(r, b, 0, "example", DNS_T_TXT, DNS_TEMPFAIL));
	ck_assert_uint_eq(dns_budget_refused(b), 1);
	/* what needs no lookup is answered and free: cache hits, bad names */
	ck_assert(!budget_look(r, b, 0, "www.example", DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "a..b", DNS_T_A, DNS_BADNAME));
	/* the reserve is for reserved lookups only, then nothing goes out */
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "example", DNS_T_TXT,
	    DNS_RECORDS));
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "www.example",
	    DNS_T_AAAA, DNS_RECORDS));
	ck_assert(budget_look(r, b, DNS_BUDGET_RESERVED, "mx1.example",
	    DNS_T_A, DNS_TEMPFAIL));
	ck_assert(budget_look(r, b, 0, "short.example", DNS_T_A, DNS_TEMPFAIL));
	ck_assert_uint_eq(dns_budget_queries(b), 5);
	ck_assert_uint_eq(dns_budget_refused(b), 3);
	ck_assert_str_eq(dns_budget_why(b, why, sizeof(why)),
	    "message DNS query budget of 5 exhausted");
	/* other lookups of the resolver are not charged */
	dns_answer_free(dnscheck_look(r, "short.example", DNS_T_A,
	    DNS_RECORDS));
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

/* The reserved lookups going first take nothing from what the ordinary
 * ones may use: with 5 and 2 kept, 2 reserved and then 3 ordinary go out
 * (the order of two threads must not decide what SPF gets), and the
 * ordinary ones still never use the reserve. */
START_TEST(test_budget_reserved_first)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_budget *b = dns_budget_new(0, 5, 2);

	ck_assert_ptr_nonnull(b);
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "example", DNS_T_TXT,
	    DNS_RECORDS));
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "www.example",
	    DNS_T_AAAA, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "www.example", DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "example", DNS_T_MX, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "none.example", DNS_T_A, DNS_NXDOMAIN));
	ck_assert_uint_eq(dns_budget_queries(b), 5);
	/* the count is full: neither kind goes out */
	ck_assert(budget_look(r, b, 0, "short.example", DNS_T_A, DNS_TEMPFAIL));
	ck_assert(budget_look(r, b, DNS_BUDGET_RESERVED, "mx1.example",
	    DNS_T_A, DNS_TEMPFAIL));
	dns_budget_release(b);

	/* 1 reserved first, then the ordinary ones: 3, not 4 (the reserve's
	 * last one stays kept) */
	b = dns_budget_new(0, 5, 2);
	ck_assert_ptr_nonnull(b);
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "mx1.example",
	    DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "short.example", DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "alias.example", DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "x.wild.example", DNS_T_A, DNS_RECORDS));
	ck_assert(budget_look(r, b, 0, "multi.example", DNS_T_TXT, DNS_TEMPFAIL));
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "multi.example",
	    DNS_T_TXT, DNS_RECORDS));
	ck_assert_uint_eq(dns_budget_queries(b), 5);
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

/* A pool's count is its own: the parent's unreserved lookups cannot use
 * it, its lookups cannot use the parent's (nor the reserve). */
START_TEST(test_budget_pool_count)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_budget *b = dns_budget_new(0, 4, 2);
	dns_budget *p, *p2;
	char why[160];
	dns_query *q;

	ck_assert_ptr_null(dns_budget_pool(NULL, "x", 3));
	ck_assert_ptr_null(dns_budget_pool(b, "x", 0));
	p = dns_budget_pool(b, "side", 3);
	ck_assert_ptr_nonnull(p);
	/* the pool's 3, then its refusal names the pool */
	ck_assert(!budget_look(r, p, 0, "www.example", DNS_T_A, DNS_RECORDS));
	ck_assert(!budget_look(r, p, 0, "example", DNS_T_MX, DNS_RECORDS));
	ck_assert(!budget_look(r, p, DNS_BUDGET_RESERVED, "none.example",
	    DNS_T_A, DNS_NXDOMAIN));
	q = dns_query_start_in(r, p, DNS_BUDGET_RESERVED, "example",
	    DNS_T_TXT);
	ck_assert(dns_query_done(q));
	ck_assert_str_eq(dns_query_wait(q, dns_now_ms() + 5000)->why,
	    "side DNS query allowance of 3 exhausted");
	dns_query_free(q);
	ck_assert_str_eq(dns_budget_why(p, why, sizeof(why)),
	    "side DNS query allowance of 3 exhausted");
	/* the parent still has all of its count: 2 ordinary, 2 reserved */
	ck_assert_str_eq(dns_budget_why(b, why, sizeof(why)), "");
	ck_assert(!budget_look(r, b, 0, "example", DNS_T_TXT, DNS_RECORDS));
	ck_assert(!budget_look(r, b, 0, "mx1.example", DNS_T_A, DNS_RECORDS));
	ck_assert(budget_look(r, b, 0, "short.example", DNS_T_A,
	    DNS_TEMPFAIL));
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "short.example",
	    DNS_T_A, DNS_RECORDS));
	/* a second pool (of the pool: its root is b) has its own count */
	p2 = dns_budget_pool(p, "other", 1);
	ck_assert_ptr_nonnull(p2);
	ck_assert(!budget_look(r, p2, 0, "www.example", DNS_T_AAAA,
	    DNS_RECORDS));
	ck_assert(budget_look(r, p2, 0, "alias.example", DNS_T_A, DNS_TEMPFAIL)
	    == 0);
	/* the parent's totals count its pools; its own count is 3 of 4 */
	ck_assert_uint_eq(dns_budget_queries(b), 3 + 3 + 1);
	ck_assert_uint_eq(dns_budget_refused(b), 1 + 1 + 1);
	ck_assert_uint_eq(dns_budget_queries(p), 3);
	ck_assert(!budget_look(r, b, DNS_BUDGET_RESERVED, "alias2.example",
	    DNS_T_A, DNS_RECORDS));
	ck_assert_str_eq(dns_budget_why(b, why, sizeof(why)),
	    "message DNS query budget of 4 exhausted");
	/* the pools outlive the parent's reference */
	dns_budget_release(b);
	ck_assert(budget_look(r, p, 0, "dangling.example", DNS_T_A,
	    DNS_TEMPFAIL) == 0);
	dns_budget_release(p2);
	dns_budget_release(p);
	dns_resolver_free(r);
}
END_TEST

/* Threads charging one budget: never more than its count goes out. */
typedef struct budget_arg {
	dns_resolver *r;
	dns_budget *b;
	int id;
	atomic_uint refused;
} budget_arg;

static void *
budget_thread(void *p)
{
	budget_arg *ba = p;
	char name[64];
	int i;

	for (i = 0; i < 50; i++) {
		dns_query *q;
		const dns_answer *a;

		snprintf(name, sizeof(name), "t%d-%d.example", ba->id, i);
		q = dns_query_start_in(ba->r, ba->b, i % 2 ?
		    DNS_BUDGET_RESERVED : 0, name, DNS_T_A);
		a = dns_query_wait(q, dns_now_ms() + 5000);
		if (a->status == DNS_TEMPFAIL &&
		    strstr(a->why, "query budget of 100 exhausted") != NULL)
			atomic_fetch_add(&ba->refused, 1);
		dns_query_free(q);
	}
	return NULL;
}

START_TEST(test_budget_threads)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_budget *b = dns_budget_new(0, 100, 10);
	budget_arg args[8];
	pthread_t th[8];
	unsigned refused = 0;
	int i;

	for (i = 0; i < 8; i++) {
		args[i].r = r;
		args[i].b = b;
		args[i].id = i;
		atomic_init(&args[i].refused, 0);
		ck_assert_int_eq(pthread_create(&th[i], NULL, budget_thread,
		    &args[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		refused += atomic_load(&args[i].refused);
	}
	ck_assert_uint_eq(dns_budget_queries(b), 100);
	ck_assert_uint_eq(refused, 400 - 100);
	ck_assert_uint_eq(dns_budget_refused(b), 300);
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_budget_deadline)
{
	dns_resolver *r = dead_resolver(5000);
	dns_budget *b = dns_budget_new(400, 0, 0);
	dns_query *q1, *q2;
	const dns_answer *a;
	int64_t t0 = dns_now_ms(), dt;
	char why[160];

	/* two lookups of a server that never answers, each with its own
	 * 5 s: both end at the message's deadline */
	q1 = dns_query_start_in(r, b, 0, "a.dead.example", DNS_T_TXT);
	q2 = dns_query_start_in(r, b, DNS_BUDGET_RESERVED, "b.dead.example",
	    DNS_T_TXT);
	a = dns_query_wait(q1, dns_now_ms() + 5000);
	ck_assert_int_eq(a->status, DNS_TEMPFAIL);
	ck_assert_str_eq(a->why, "message DNS deadline of 400 ms reached");
	a = dns_query_wait(q2, dns_now_ms() + 5000);
	ck_assert_str_eq(a->why, "message DNS deadline of 400 ms reached");
	dt = dns_now_ms() - t0;
	ck_assert_msg(dt >= 380 && dt < 2500, "took %lld ms", (long long)dt);
	dns_query_free(q1);
	dns_query_free(q2);
	/* past it a lookup is not sent: answered at once */
	t0 = dns_now_ms();
	q1 = dns_query_start_in(r, b, 0, "c.dead.example", DNS_T_TXT);
	ck_assert(dns_query_done(q1));
	a = dns_query_wait(q1, dns_now_ms() + 5000);
	ck_assert_str_eq(a->why, "message DNS deadline of 400 ms reached");
	ck_assert(dns_now_ms() - t0 < 200);
	dns_query_free(q1);
	ck_assert_uint_eq(dns_budget_queries(b), 2);
	ck_assert_str_eq(dns_budget_why(b, why, sizeof(why)),
	    "message DNS deadline of 400 ms reached");
	/* a wait of its own that ends first keeps its own reason */
	dns_budget_extend(b, 3000);
	q1 = dns_query_start_in(r, b, 0, "d.dead.example", DNS_T_TXT);
	a = dns_query_wait(q1, dns_now_ms() + 200);
	ck_assert_msg(strncmp(a->why, "timed out after", 15) == 0, "%s", a->why);
	dns_query_free(q1);
	/* an abandoned message: its remaining lookups end at once */
	dns_budget_close(b);
	q1 = dns_query_start_in(r, b, 0, "e.dead.example", DNS_T_TXT);
	ck_assert(dns_query_done(q1));
	dns_query_free(q1);
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

/* A pool has its root's deadline: a wait in it ends there, and closing
 * the root ends the pool's lookups. */
START_TEST(test_budget_pool_deadline)
{
	dns_resolver *r = dead_resolver(5000);
	dns_budget *b = dns_budget_new(400, 0, 0);
	dns_budget *p = dns_budget_pool(b, "side", 5);
	dns_query *q;
	int64_t t0 = dns_now_ms(), dt;

	ck_assert(dns_budget_deadline(p) == dns_budget_deadline(b));
	q = dns_query_start_in(r, p, 0, "a.dead.example", DNS_T_TXT);
	ck_assert_str_eq(dns_query_wait(q, dns_now_ms() + 5000)->why,
	    "message DNS deadline of 400 ms reached");
	dt = dns_now_ms() - t0;
	ck_assert_msg(dt >= 380 && dt < 2500, "took %lld ms", (long long)dt);
	dns_query_free(q);
	dns_budget_extend(b, 3000);
	ck_assert(dns_budget_deadline(p) == dns_budget_deadline(b));
	dns_budget_close(b);
	q = dns_query_start_in(r, p, 0, "b.dead.example", DNS_T_TXT);
	ck_assert(dns_query_done(q));
	ck_assert_str_eq(dns_query_wait(q, dns_now_ms() + 5000)->why,
	    "message ended: its DNS lookups were stopped");
	dns_query_free(q);
	dns_budget_release(p);
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

/* The deadline moved (end of message) while a lookup waits on another
 * thread: the wait follows it. */
static void *
extend_later(void *p)
{
	usleep(150 * 1000);
	dns_budget_extend(p, 900);
	return NULL;
}

START_TEST(test_budget_extend)
{
	dns_resolver *r = dead_resolver(5000);
	int64_t t0 = dns_now_ms(), dt;
	dns_budget *b = dns_budget_new(300, 10, 0);
	dns_query *q = dns_query_start_in(r, b, 0, "a.dead.example", DNS_T_TXT);
	const dns_answer *a;
	pthread_t th;

	dns_budget_extend(b, 100);      /* earlier than the deadline: no-op */
	ck_assert(dns_budget_deadline(b) >= t0 + 300);
	ck_assert(dns_budget_deadline(b) < dns_now_ms() + 300);
	ck_assert_int_eq(pthread_create(&th, NULL, extend_later, b), 0);
	a = dns_query_wait(q, dns_now_ms() + 5000);
	dt = dns_now_ms() - t0;
	pthread_join(th, NULL);
	ck_assert_str_eq(a->why, "message DNS deadline of 300 ms reached");
	ck_assert_msg(dt >= 1000 && dt < 3500, "took %lld ms", (long long)dt);
	dns_query_free(q);
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

/* ---- the trace: each query's budget tag, time and origin ---- */

typedef struct seen {
	pthread_mutex_t mu;
	unsigned n;
	char tag[DNS_BUDGET_TAG_MAX], name[64];
	unsigned ms;
	int local;
} seen;

static void
on_trace(void *arg, const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info)
{
	seen *s = arg;

	(void)type;
	(void)a;
	pthread_mutex_lock(&s->mu);
	s->n++;
	snprintf(s->tag, sizeof(s->tag), "%s", info->tag);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->ms = info->ms;
	s->local = info->local;
	pthread_mutex_unlock(&s->mu);
}

/* The trace names the budget's message and the time the answer took: a
 * query to a server that never answers is traced with its timeout, a
 * cached answer as local, and a query outside a budget with tag "". */
START_TEST(test_trace_tag)
{
	dns_resolver *r = dead_resolver(400);
	dns_budget *b = dns_budget_new(0, 0, 0);
	seen s = { .mu = PTHREAD_MUTEX_INITIALIZER };
	dns_query *q;

	dns_resolver_set_trace(r, on_trace, &s);
	dns_budget_set_tag(b, "am-tag-1 with a long tail that the budget cuts "
	    "to its bound of sixty-four octets, NUL included");
	ck_assert_uint_eq(strlen(dns_budget_tag(b)), DNS_BUDGET_TAG_MAX - 1);
	dns_budget_set_tag(b, "am-tag-1");
	q = dns_query_start_in(r, b, 0, "x.dead.example", DNS_T_TXT);
	(void)dns_query_wait(q, dns_now_ms() + 5000);
	dns_query_free(q);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.tag, "am-tag-1");
	ck_assert_str_eq(s.name, "x.dead.example");
	ck_assert_msg(s.ms >= 350 && s.ms < 3000, "ms %u", s.ms);
	ck_assert_int_eq(s.local, 0);
	/* a bad name: answered at once, locally */
	q = dns_query_start_in(r, b, 0, "a..b", DNS_T_TXT);
	(void)dns_query_wait(q, dns_now_ms() + 5000);
	dns_query_free(q);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.local, 1);
	ck_assert_uint_eq(s.ms, 0);
	ck_assert_str_eq(s.tag, "am-tag-1");
	q = dns_query_start(r, "y..b", DNS_T_A);
	(void)dns_query_wait(q, dns_now_ms() + 5000);
	dns_query_free(q);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.tag, "");
	dns_budget_release(b);
	dns_resolver_free(r);
}
END_TEST

/*
 * dns_query_wait_any(): returns as soon as one of the queries is answered
 * (the local one, while the other's server never answers), -1 at the
 * deadline without answering or cancelling anything; dns_query_peek()
 * sees an answer that is in and nothing for one that is not.
 */
START_TEST(test_wait_any)
{
	char conf[64];
	dns_resolver *r;
	dns_query *qs[2];
	const dns_answer *a;
	int64_t t0;
	int fd = dnscheck_dead_conf(conf, sizeof(conf),
	    "    local-zone: \"example.\" static\n"
	    "    local-zone: \"dead.example.\" transparent\n"
	    "    local-data: \"here.example. A 192.0.2.9\"\n");

	r = dnscheck_conf_resolver(conf, 5000);
	qs[0] = dns_query_start(r, "x.dead.example", DNS_T_A);
	qs[1] = dns_query_start(r, "here.example", DNS_T_A);
	t0 = dns_now_ms();
	ck_assert_int_eq(dns_query_wait_any(qs, 2, t0 + 3000), 1);
	ck_assert_int_lt(dns_now_ms() - t0, 1500);
	ck_assert_ptr_null(dns_query_peek(qs[0]));
	a = dns_query_peek(qs[1]);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->status, DNS_RECORDS);
	t0 = dns_now_ms();
	ck_assert_int_eq(dns_query_wait_any(qs, 1, t0 + 200), -1);
	ck_assert_int_ge(dns_now_ms() - t0, 190);
	ck_assert_int_eq(dns_query_done(qs[0]), 0);
	ck_assert_ptr_eq(dns_query_wait(qs[1], dns_now_ms()), a);
	dns_query_free(qs[0]);
	dns_query_free(qs[1]);
	dns_resolver_free(r);
	close(fd);
	unlink(conf);
}
END_TEST

/*
 * dns_query_wait_any() keeps one condition variable per thread from one
 * wait to the next: many waits in a row, from several threads at once and
 * alternating between two resolvers (two mutexes), each still wake as
 * soon as its set's local answer is in - a wake-up lost or sent to
 * another wait would leave it at its deadline and return -1.
 */
#define ANY_THREADS 4
#define ANY_ROUNDS 100

typedef struct any_arg {
	dns_resolver *r[2];
	int id;
	int bad;             /* waits that did not wake on their answer */
	char why[160];
} any_arg;

static void *
any_thread(void *p)
{
	any_arg *aa = p;
	dns_query *qs[2];
	char name[64];
	int64_t t0;
	int i, k, ans, got;

	for (i = 0; i < ANY_ROUNDS && aa->bad == 0; i++) {
		k = i % 2;
		ans = (i / 2) % 2;  /* the answered one first or second */
		snprintf(name, sizeof(name), "t%d-%d.example", aa->id, i);
		qs[ans] = dns_query_start(aa->r[k], name, DNS_T_A);
		/* its own name: not answered (nor cached) while we wait */
		snprintf(name, sizeof(name), "t%d-%d.dead.example", aa->id, i);
		qs[1 - ans] = dns_query_start(aa->r[k], name, DNS_T_A);
		t0 = dns_now_ms();
		got = dns_query_wait_any(qs, 2, t0 + 3000);
		if (got != ans || dns_now_ms() - t0 > 1500) {
			aa->bad++;
			snprintf(aa->why, sizeof(aa->why), "thread %d wait %d: "
			    "%d after %lld ms", aa->id, i, got,
			    (long long)(dns_now_ms() - t0));
		}
		dns_query_free(qs[0]);
		dns_query_free(qs[1]);
	}
	return NULL;
}

START_TEST(test_wait_any_reused)
{
	char conf[64];
	any_arg args[ANY_THREADS];
	pthread_t th[ANY_THREADS];
	dns_resolver *r[2];
	int i, fd = dnscheck_dead_conf(conf, sizeof(conf),
	    "    local-zone: \"example.\" static\n"
	    "    local-zone: \"dead.example.\" transparent\n");

	r[0] = dnscheck_conf_resolver(conf, 5000);
	r[1] = dnscheck_conf_resolver(conf, 5000);
	for (i = 0; i < ANY_THREADS; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].r[0] = r[0];
		args[i].r[1] = r[1];
		args[i].id = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, any_thread,
		    &args[i]), 0);
	}
	for (i = 0; i < ANY_THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(args[i].bad == 0, "%s", args[i].why);
	}
	dns_resolver_free(r[0]);
	dns_resolver_free(r[1]);
	close(fd);
	unlink(conf);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dns_budget");
	TCase *tc = tcase_create("zone");
	TCase *dead = tcase_create("dead server");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_budget_count);
	tcase_add_test(tc, test_budget_reserved_first);
	tcase_add_test(tc, test_budget_threads);
	tcase_add_test(tc, test_budget_pool_count);
	suite_add_tcase(s, tc);

	tcase_set_timeout(dead, 60);
	tcase_add_checked_fixture(dead, dead_server_setup, dead_server_teardown);
	tcase_add_test(dead, test_stub_timeout);
	tcase_add_test(dead, test_free_pending);
	tcase_add_test(dead, test_budget_deadline);
	tcase_add_test(dead, test_budget_extend);
	tcase_add_test(dead, test_budget_pool_deadline);
	tcase_add_test(dead, test_trace_tag);
	tcase_add_test(dead, test_wait_any);
	tcase_add_test(dead, test_wait_any_reused);
	suite_add_tcase(s, dead);
	return s;
}
