/*
 * tests/bench/bench_dns.c - queries per second of the dns/ resolver alone.
 *
 *   BENCH_ZONE=tests/fixtures/dns/test.zone build/tests/bench_dns [QUERIES]
 *
 * Zone-file mode (no network). Four configurations, each from 1 and from
 * 16 threads, every query a dns_lookup() of names already answered once:
 *   - "libunbound": in-process cache off; every query goes through
 *     ub_resolve_async, the event-loop thread and libunbound's own cache;
 *   - "warm cache": the in-process answer cache answers.
 * Prints one line per run; exits non-zero only when a lookup gives a wrong
 * status (the figures are for reading, not pass/fail).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"

static const struct {
	const char *name;
	dns_type type;
	dns_status want;
} names[] = {
	{ "www.example", DNS_T_A, DNS_RECORDS },
	{ "example", DNS_T_MX, DNS_RECORDS },
	{ "example", DNS_T_TXT, DNS_RECORDS },
	{ "alias2.example", DNS_T_A, DNS_RECORDS },
	{ "x.wild.example", DNS_T_TXT, DNS_RECORDS },
	{ "www.example", DNS_T_TXT, DNS_NODATA },
	{ "nope.example", DNS_T_A, DNS_NXDOMAIN },
	{ "1.2.0.192.in-addr.arpa", DNS_T_PTR, DNS_RECORDS },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

struct job {
	dns_resolver *r;
	long n;
	long wrong;
};

static void *
run(void *arg)
{
	struct job *j = arg;
	dns_answer *a;
	long i;

	for (i = 0; i < j->n; i++) {
		a = dns_lookup(j->r, names[i % NNAMES].name, names[i % NNAMES].type);
		j->wrong += a->status != names[i % NNAMES].want;
		dns_answer_free(a);
	}
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
bench(const char *zone, int cache, int nthreads, long total)
{
	pthread_t t[16];
	struct job jobs[16];
	dns_config cfg;
	dns_resolver *r;
	char err[512];
	double t0, dt;
	long wrong = 0;
	size_t i;
	int k;

	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = zone;
	cfg.cache_entries = cache ? 0 : -1;
	if ((r = dns_resolver_new(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_dns: %s\n", err);
		exit(1);
	}
	for (i = 0; i < NNAMES; i++)  /* warm both caches */
		dns_answer_free(dns_lookup(r, names[i].name, names[i].type));
	t0 = now_s();
	for (k = 0; k < nthreads; k++) {
		jobs[k].r = r;
		jobs[k].n = total / nthreads;
		jobs[k].wrong = 0;
		pthread_create(&t[k], NULL, run, &jobs[k]);
	}
	for (k = 0; k < nthreads; k++) {
		pthread_join(t[k], NULL);
		wrong += jobs[k].wrong;
	}
	dt = now_s() - t0;
	printf("bench_dns: %-10s %2d thread%s %8ld queries %7.3f s %10.0f q/s\n",
	    cache ? "warm-cache" : "libunbound", nthreads, nthreads > 1 ? "s" : " ",
	    total, dt, total / dt);
	dns_resolver_free(r);
	return wrong;
}

int
main(int argc, char **argv)
{
	const char *zone = getenv("BENCH_ZONE");
	long n = argc > 1 ? atol(argv[1]) : 40000, wrong = 0;

	if (zone == NULL)
		zone = "tests/fixtures/dns/test.zone";
	if (n < 16)
		n = 16;
	wrong += bench(zone, 0, 1, n);
	wrong += bench(zone, 0, 16, n);
	wrong += bench(zone, 1, 1, n * 10);
	wrong += bench(zone, 1, 16, n * 10);
	if (wrong != 0)
		fprintf(stderr, "bench_dns: %ld wrong answers\n", wrong);
	return wrong != 0;
}
