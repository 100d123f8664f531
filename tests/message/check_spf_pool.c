/*
 * tests/message/check_spf_pool.c - the SPF worker pool (message/spf_pool.c),
 * and its inline fast path: a job whose DNS answers are all cached is
 * evaluated in spf_pool_submit() as a cache-only attempt and must give
 * exactly the result a worker gives; any cache miss, a resolver without a
 * cache or a tracing resolver sends the job to the workers. Real
 * libunbound serving tests/fixtures/dns/spfpool.zone.
 */
#include <check.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "message/spf_pool_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"

#define ZONE "tests/fixtures/dns/spfpool.zone"

static spf_request
request(const char *ip)
{
	spf_request req;

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.helo = "helo.example";
	req.mail_from = "user@example.org";
	req.receiver = "mx.test";
	req.now = 1700000000;
	req.deadline_ms = dns_now_ms() + 5000;
	return req;
}

static void
same_result(const spf_result *a, const spf_result *b)
{
	ck_assert_int_eq(a->code, b->code);
	ck_assert_int_eq(a->identity, b->identity);
	ck_assert_str_eq(a->domain, b->domain);
	ck_assert_str_eq(a->mechanism, b->mechanism);
	ck_assert_str_eq(a->explanation, b->explanation);
	ck_assert_str_eq(a->reason, b->reason);
	ck_assert_uint_eq(a->lookups, b->lookups);
	ck_assert_uint_eq(a->void_lookups, b->void_lookups);
	ck_assert_int_eq(a->dnssec, b->dnssec);
}

/* One job through the pool; returns a copy of both results. */
static void
run(spf_pool *p, const char *ip, spf_result *mf, spf_result *helo)
{
	spf_request req = request(ip);
	spf_job *j = spf_pool_submit(p, &req);
	const spf_job *done;

	ck_assert_ptr_nonnull(j);
	done = spf_pool_wait(p, j);
	*mf = done->mailfrom;
	*helo = done->helo_result;
	spf_pool_release(p, j);
}

START_TEST(inline_when_cached)
{
	static const char *ips[] = { "192.0.2.200", "192.0.2.5",
	    "198.51.100.1" };
	static const spf_code want[] = { SPF_PASS, SPF_PASS, SPF_FAIL };
	static const spf_code want_helo[] = { SPF_PASS, SPF_FAIL, SPF_FAIL };
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	char err[256];
	spf_pool *p = spf_pool_new(r, 2, err, sizeof(err));
	spf_result mf1, helo1, mf2, helo2;
	unsigned i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		unsigned long before = spf_pool_inline_runs(p);

		/* the first evaluation fills the cache (the very first one
		 * cannot be inline), the second is served from it */
		run(p, ips[i], &mf1, &helo1);
		ck_assert_uint_eq(spf_pool_inline_runs(p), before + (i > 0));
		run(p, ips[i], &mf2, &helo2);
		ck_assert_uint_eq(spf_pool_inline_runs(p), before + 1 + (i > 0));
		ck_assert_int_eq(mf1.code, want[i]);
		ck_assert_int_eq(helo1.code, want_helo[i]);
		same_result(&mf1, &mf2);
		same_result(&helo1, &helo2);
	}
	spf_pool_free(p);
	dns_resolver_free(r);
}
END_TEST

START_TEST(no_cache_no_inline)
{
	dns_resolver *r = dnscheck_resolver(ZONE, -1);
	char err[256];
	spf_pool *p = spf_pool_new(r, 1, err, sizeof(err));
	spf_result mf, helo;

	ck_assert_ptr_nonnull(p);
	run(p, "192.0.2.200", &mf, &helo);
	run(p, "192.0.2.200", &mf, &helo);
	ck_assert_int_eq(mf.code, SPF_PASS);
	ck_assert_uint_eq(spf_pool_inline_runs(p), 0);
	spf_pool_free(p);
	dns_resolver_free(r);
}
END_TEST

static void
count_trace(void *arg, const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info)
{
	(void)info;
	(void)name;
	(void)type;
	(void)a;
	(*(unsigned *)arg)++;
}

START_TEST(trace_no_inline)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	char err[256];
	spf_pool *p;
	spf_result mf, helo;
	unsigned traced = 0, first;

	dns_resolver_set_trace(r, count_trace, &traced);
	p = spf_pool_new(r, 1, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	run(p, "192.0.2.200", &mf, &helo);
	first = traced;
	ck_assert_uint_gt(first, 0);
	run(p, "192.0.2.200", &mf, &helo);
	/* every query of the second run is traced once, none twice */
	ck_assert_uint_eq(traced, 2 * first);
	ck_assert_uint_eq(spf_pool_inline_runs(p), 0);
	spf_pool_free(p);
	dns_resolver_free(r);
}
END_TEST

/* The threads that asked for the MAIL FROM and the HELO domains' names. */
typedef struct who_asked {
	pthread_mutex_t mu;
	pthread_t mailfrom, helo;
	int have_mailfrom, have_helo, mixed, held;
} who_asked;

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static void
note_thread(pthread_t *slot, int *have, int *mixed)
{
	if (*have && !pthread_equal(*slot, pthread_self()))
		*mixed = 1;
	*slot = pthread_self();
	*have = 1;
}

static void
who_trace(void *arg, const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info)
{
	who_asked *w = arg;
	int hold = 0;

	(void)type;
	(void)a;
	(void)info;
	pthread_mutex_lock(&w->mu);
	if (ends_with(name, "example.org")) {
		note_thread(&w->mailfrom, &w->have_mailfrom, &w->mixed);
		hold = !w->held;
		w->held = 1;
	} else if (ends_with(name, "helo.example")) {
		note_thread(&w->helo, &w->have_helo, &w->mixed);
	}
	pthread_mutex_unlock(&w->mu);
	/* the MAIL FROM worker is held at its first answer, so on a loaded
	 * machine it cannot finish and then take the HELO task itself: the
	 * HELO task is the other worker's (or the waiter's) to take, which is
	 * what is asserted; one thread doing both stays a failure */
	if (hold)
		usleep(300000);
}

/*
 * The HELO check runs beside the MAIL FROM check, not after it in the same
 * thread: each identity's lookups come from one thread, and the two
 * threads differ. The results are those of spf_check() (the one-thread
 * evaluation of both identities).
 */
START_TEST(helo_beside_mailfrom)
{
	dns_resolver *r = dnscheck_resolver(ZONE, -1);
	spf_request req = request("192.0.2.200");
	spf_result mf, helo;
	const spf_job *done;
	char err[256];
	spf_pool *p;
	spf_job *j;
	who_asked w;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	dns_resolver_set_trace(r, who_trace, &w);
	p = spf_pool_new(r, 2, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	j = spf_pool_submit(p, &req);
	ck_assert_ptr_nonnull(j);
	usleep(300000);  /* both workers take their task; none is left queued */
	done = spf_pool_wait(p, j);
	ck_assert(w.have_mailfrom && w.have_helo);
	ck_assert(!w.mixed);
	ck_assert(!pthread_equal(w.mailfrom, w.helo));
	ck_assert_ptr_eq(done->decisive, &done->mailfrom);
	spf_check(r, &req, &mf, &helo);
	same_result(&done->mailfrom, &mf);
	same_result(&done->helo_result, &helo);
	spf_pool_release(p, j);
	spf_pool_free(p);
	dns_resolver_free(r);
	pthread_mutex_destroy(&w.mu);
}
END_TEST

START_TEST(cache_only_counts_misses)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_answer *a;
	dns_query *q;

	dns_cache_only_begin(r);
	q = dns_query_start(r, "mx.example.org", DNS_T_A);
	ck_assert(dns_query_done(q));
	ck_assert_int_eq(dns_query_wait(q, dns_now_ms() + 1000)->status,
	    DNS_TEMPFAIL);
	dns_query_free(q);
	ck_assert_uint_eq(dns_cache_only_end(), 1);
	a = dns_lookup(r, "mx.example.org", DNS_T_A);   /* now cached */
	ck_assert_int_eq(a->status, DNS_RECORDS);
	dns_answer_free(a);
	dns_cache_only_begin(r);
	q = dns_query_start(r, "mx.example.org", DNS_T_A);
	ck_assert_int_eq(dns_query_wait(q, dns_now_ms() + 1000)->status,
	    DNS_RECORDS);
	dns_query_free(q);
	q = dns_query_start(r, "bad..name", DNS_T_A);  /* not a miss */
	ck_assert_int_eq(dns_query_wait(q, dns_now_ms() + 1000)->status,
	    DNS_BADNAME);
	dns_query_free(q);
	ck_assert_uint_eq(dns_cache_only_end(), 0);
	dns_resolver_free(r);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("spf_pool");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, inline_when_cached);
	tcase_add_test(tc, no_cache_no_inline);
	tcase_add_test(tc, trace_no_inline);
	tcase_add_test(tc, cache_only_counts_misses);
	tcase_add_test(tc, helo_beside_mailfrom);
	suite_add_tcase(s, tc);
	return s;
}
