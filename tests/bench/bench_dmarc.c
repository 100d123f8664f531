/*
 * tests/bench/bench_dmarc.c - throughput of the dmarc/ library.
 *
 *   build/tests/bench_dmarc [N]
 *
 * Record parses per second, From extractions per second, and whole
 * evaluations per second (relaxed alignment, tree walk) over the real
 * resolver in zone-file mode with tests/fixtures/dmarc/dmarc.zone, one
 * thread, after one warm-up evaluation. Exits non-zero only when a
 * result is wrong; the figures are for reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc/dmarc.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000, i, wrong = 0;
	const char *rec = "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=r; "
	    "fo=1; rua=mailto:agg@example.com!10m, mailto:b@example.net; "
	    "ruf=mailto:f@example.com";
	const char *fromv[1] = { "\"Sample, User\" (comment) <user@Mail.Example.COM>" };
	dmarc_record r;
	dmarc_from f;
	dmarc_result res;
	dmarc_options opt = { .mode = DMARC_MODE_RFC9989 };
	dmarc_dkim_input dk = { .domain = "news.example.com", .pass = 1 };
	dmarc_input in = { .from = &f, .dkim = &dk, .ndkim = 1 };
	dns_config cfg = { .zone_file = "tests/fixtures/dmarc/dmarc.zone" };
	dns_resolver *rs;
	char why[256];
	double t;

	t = now_s();
	for (i = 0; i < n; i++)
		wrong += dmarc_record_parse(rec, strlen(rec), DMARC_MODE_RFC9989,
		    &r, why, sizeof(why)) != DMARC_RECORD_OK;
	printf("record parse: %.0f/s\n", (double)n / (now_s() - t));

	t = now_s();
	for (i = 0; i < n; i++)
		wrong += dmarc_from_parse(fromv, NULL, 1, &f, why, sizeof(why)) !=
		    DMARC_FROM_OK;
	printf("From extraction: %.0f/s\n", (double)n / (now_s() - t));

	if ((rs = dns_resolver_new(&cfg, why, sizeof(why))) == NULL) {
		fprintf(stderr, "bench_dmarc: %s\n", why);
		return 1;
	}
	n /= 20;
	dmarc_evaluate(rs, &in, &opt, &res);
	t = now_s();
	for (i = 0; i < n; i++) {
		dmarc_evaluate(rs, &in, &opt, &res);
		wrong += res.result != DMARC_RESULT_PASS;
	}
	printf("evaluation (mail.example.com, d=news.example.com, %zu "
	    "queries each): %.0f/s\n", res.queries, (double)n / (now_s() - t));
	dns_resolver_free(rs);
	if (wrong)
		fprintf(stderr, "bench_dmarc: %ld wrong results\n", wrong);
	return wrong != 0;
}
