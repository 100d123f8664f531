/*
 * tests/bench/history_gen.c - fills a history store with generated DMARC
 * report records, without the milter: a test and benchmark tool.
 *
 *   history_gen [-w | -W] [-s SEED] [-t START] STORE RECORDS DAYS
 *
 * RECORDS records spread evenly over DAYS days from START (Unix seconds,
 * default 2026-11-01T00:00:00Z), written through the store's own
 * interface (history_append, 10,000 records per transaction: the schema
 * and the INSERT are history.c's, never a copy). With -w they go through
 * the daemon's history writer instead (history_writer_submit with the
 * default config: drop when full, as the milter does; -W: wait for room,
 * to measure what the store sustains) and the tool prints what the
 * writer did before its final flush: queued, dropped, lost, the slowest
 * submit (the time a message would wait).
 *
 * The records look like a receiver's day: policy domains of a Zipf-like
 * distribution (weight 1/rank over GEN_DOMAINS domains), per domain a pool
 * of source IPv4/IPv6 addresses that grows with its volume (the IPs also
 * Zipf-like), DMARC pass/fail with its disposition under the published
 * policy, override reasons (local_policy, mailing_list, forwarded), one
 * to three DKIM signatures (aligned, third-party, failing), SPF results of
 * every kind, some HELO-scope SPF, null senders. Some domains publish a
 * new policy (p=, pct-less testing=) every 8 hours, so a day holds several.
 * Same seed, same records. Prints the records written and the time taken.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "daemon/history_writer_int.h"
#include "tests/lib/stopwatch.h"

#define GEN_DOMAINS 20000          /* policy domains */
#define GEN_BATCH 10000            /* records per transaction */
#define GEN_START 1793491200       /* 2026-11-01T00:00:00Z */
#define GEN_MAX_IPS 4000           /* source IPs of the biggest domain */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned
below(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

static double *zipf_cdf;

static int
zipf_init(void)
{
	double sum = 0;
	unsigned k;

	zipf_cdf = malloc(GEN_DOMAINS * sizeof(*zipf_cdf));
	if (zipf_cdf == NULL)
		return -1;
	for (k = 0; k < GEN_DOMAINS; k++) {
		sum += 1.0 / (k + 1);
		zipf_cdf[k] = sum;
	}
	for (k = 0; k < GEN_DOMAINS; k++)
		zipf_cdf[k] /= sum;
	return 0;
}

/* A rank in [0, GEN_DOMAINS) with P(k) ~ 1/(k+1). */
static unsigned
zipf_domain(void)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	unsigned lo = 0, hi = GEN_DOMAINS - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A source IP index in [0, n) skewed to the first ones (1/rank-like:
 * the square of a uniform picks low indexes more often). */
static unsigned
skewed(unsigned n)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;

	return (unsigned)(u * u * n) % (n ? n : 1);
}

static const char *const spf_words[] = {
	"pass", "pass", "pass", "pass", "fail", "softfail", "neutral", "none",
	"temperror", "permerror",
};
static const char *const policies[] = { "none", "quarantine", "reject" };
static const char *const reasons[] = {
	"local_policy", "mailing_list", "forwarded", "trusted_forwarder",
};

#define SET(f, ...) snprintf(r->f, sizeof(r->f), __VA_ARGS__)

static void
gen(report_record *r, uint64_t i, uint64_t total, int64_t start,
    unsigned days)
{
	unsigned d = zipf_domain(), nips, ip, sigs, k, roll = below(100);
	int64_t span = (int64_t)days * 86400;
	int dmarc_pass, enforce, applied;
	const char *pol;
	size_t off;

	memset(r, 0, sizeof(*r));
	r->time = start + (int64_t)((double)i / (double)total * (double)span);
	/* a domain of rank d sees ~1/(d+1) of the mail: its IP pool grows
	 * with that, from 2 to GEN_MAX_IPS */
	nips = 2 + GEN_MAX_IPS / (d + 1);
	ip = skewed(nips);
	if (d % 7 == 3 && ip % 3 == 0) {
		/* the canonical text (RFC 5952), as the milter stores it */
		unsigned char a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		a[4] = (unsigned char)(d >> 8);
		a[5] = (unsigned char)d;
		a[14] = (unsigned char)((ip + 1) >> 8);
		a[15] = (unsigned char)(ip + 1);
		inet_ntop(AF_INET6, a, r->source_ip, sizeof(r->source_ip));
	} else {
		/* 20-199.x.y.z: a /16 per domain (two domains may share
		 * one), the pool's hosts in it */
		uint32_t a = htonl((uint32_t)(20 + d % 180) << 24 |
		    (uint32_t)(d / 180 % 256) << 16 | (ip + 1));

		inet_ntop(AF_INET, &a, r->source_ip, sizeof(r->source_ip));
	}
	SET(policy_domain, "d%u.example", d);
	SET(org_domain, "d%u.example", d);
	if (d % 5 == 1)
		SET(header_from, "mail.d%u.example", d);
	else
		SET(header_from, "d%u.example", d);
	SET(envelope_to, "receiver.example");
	/* policy: every 8 hours a new one for every tenth domain */
	pol = policies[(d + (d % 10 == 0 ? (unsigned)(r->time / 28800) : 0)) % 3];
	SET(p, "%s", pol);
	SET(sp, "%s", policies[(d / 3) % 3]);
	SET(np, "%s", policies[(d / 9) % 3]);
	SET(adkim, d % 4 == 0 ? "s" : "r");
	SET(aspf, d % 6 == 0 ? "s" : "r");
	SET(testing, d % 10 == 0 && r->time / 28800 % 2 ? "y" : "n");
	SET(psd, "u");
	SET(fo, d % 8 == 0 ? "1" : "0");
	SET(discovery, d % 2 ? "treewalk" : "psl");
	SET(rua, "mailto:dmarc@d%u.example", d);
	if (d % 13 == 0)
		SET(ruf, "mailto:ruf@d%u.example", d);
	/* SPF: most from the domain, some forwarded, some HELO, null sender */
	if (roll < 3) {
		SET(spf_domain, "mx%u.d%u.example", ip % 4, d);
		SET(spf_scope, "helo");
	} else {
		if (roll < 85)
			SET(envelope_from, "bounce.d%u.example", d);
		else
			SET(envelope_from, "fwd%u.example", below(50));
		SET(spf_domain, "%s", r->envelope_from);
		SET(spf_scope, "mfrom");
	}
	SET(spf_result, "%s", spf_words[(ip + below(4)) %
	    (sizeof(spf_words) / sizeof(spf_words[0]))]);
	r->spf_aligned = strcmp(r->spf_result, "pass") == 0 && roll >= 3 &&
	    roll < 85;
	/* DKIM: one to three signatures, the first usually the domain's */
	sigs = 1 + (roll % 10 == 0) + (roll % 25 == 0);
	off = 0;
	for (k = 0; k < sigs && off < sizeof(r->dkim); k++) {
		int aligned = k == 0 && roll >= 10;
		const char *res = aligned ? (below(50) ? "pass" : "fail") :
		    (below(3) ? "pass" : "neutral");
		int n;

		if (aligned)
			r->dkim_aligned = strcmp(res, "pass") == 0;
		n = snprintf(r->dkim + off, sizeof(r->dkim) - off, "%s%s s%u %s",
		    off ? " " : "", aligned ? r->policy_domain : "esp.example",
		    k + (unsigned)(r->time / 86400 % 2), res);
		if (n < 0 || (size_t)n >= sizeof(r->dkim) - off)
			break;
		off += (size_t)n;
	}
	dmarc_pass = r->dkim_aligned || r->spf_aligned;
	SET(dmarc_result, dmarc_pass ? "pass" : "fail");
	enforce = strcmp(pol, "none") != 0 && r->testing[0] != 'y';
	applied = below(20) != 0;
	if (dmarc_pass)
		SET(disposition, enforce ? "pass" : "none");
	else if (!enforce)
		SET(disposition, "none");
	else if (!applied) {
		SET(disposition, "none");
		SET(reasons, "%s", reasons[below(4)]);
	} else
		SET(disposition, "%s", pol);
	if (dmarc_pass && roll >= 85 && below(3) == 0)
		SET(reasons, "forwarded");
}

static int
fill_direct(const char *spec, uint64_t total, int64_t start, unsigned days)
{
	char why[512];
	history *h = history_open(spec, why, sizeof(why));
	report_record *recs = calloc(GEN_BATCH, sizeof(*recs));
	const report_record **ptrs = calloc(GEN_BATCH, sizeof(*ptrs));
	uint64_t i = 0;
	size_t k, n;
	int rc = 0;

	if (h == NULL || recs == NULL || ptrs == NULL) {
		fprintf(stderr, "history_gen: %s\n", h == NULL ? why :
		    "out of memory");
		rc = -1;
		goto out;
	}
	while (i < total) {
		n = total - i < GEN_BATCH ? (size_t)(total - i) : GEN_BATCH;
		for (k = 0; k < n; k++) {
			gen(&recs[k], i + k, total, start, days);
			ptrs[k] = &recs[k];
		}
		if (history_append(h, ptrs, n, why, sizeof(why)) < 0) {
			fprintf(stderr, "history_gen: %s\n", why);
			rc = -1;
			goto out;
		}
		i += n;
	}
out:
	history_close(h);
	free(recs);
	free(ptrs);
	return rc;
}

static int
fill_writer(const char *spec, uint64_t total, int64_t start, unsigned days,
    int wait)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	char err[512];
	double t0, t1, slowest = 0;
	uint64_t i;

	config_init(&cfg);
	config_set(&cfg, "history", spec, NULL, 0);
	if (wait) {  /* measure what the store sustains: nothing dropped */
		cfg.history_queue_full = CONFIG_QFULL_WAIT;
		cfg.history_queue_wait_ms = 10000;
	}
	w = history_writer_start(&cfg, err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "history_gen: %s\n", err);
		config_free(&cfg);
		return -1;
	}
	for (i = 0; i < total; i++) {
		report_record *r = malloc(sizeof(*r));

		if (r == NULL)
			break;
		gen(r, i, total, start, days);
		t0 = stopwatch_now();
		history_writer_submit(w, r);
		t1 = stopwatch_now() - t0;
		if (t1 > slowest)
			slowest = t1;
	}
	/* said before the flush, which waits for the store */
	history_writer_stats(w, &st);
	printf("writer: submitted %" PRIu64 " queued %" PRIu64 " dropped %"
	    PRIu64 " lost %" PRIu64 " (so far), slowest submit %.1f ms\n",
	    total, st.queued, st.dropped, st.failed, slowest * 1000);
	fflush(stdout);
	history_writer_stop(w); /* waits until all queued is committed */
	config_free(&cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	int64_t start = GEN_START;
	uint64_t total;
	unsigned days;
	int c, writer = 0, wait = 0, rc;
	double t0;

	while ((c = getopt(argc, argv, "wWs:t:")) != -1)
		switch (c) {
		case 'w': writer = 1; break;
		case 'W': writer = wait = 1; break;
		case 's': rng_state ^= strtoull(optarg, NULL, 10) * 0x100000001b3ULL;
			break;
		case 't': start = strtoll(optarg, NULL, 10); break;
		default: goto usage;
		}
	if (argc - optind != 3)
		goto usage;
	total = strtoull(argv[optind + 1], NULL, 10);
	days = (unsigned)strtoul(argv[optind + 2], NULL, 10);
	if (days == 0 || zipf_init() < 0)
		goto usage;
	t0 = stopwatch_now();
	rc = writer ? fill_writer(argv[optind], total, start, days, wait) :
	    fill_direct(argv[optind], total, start, days);
	if (rc == 0)
		printf("history_gen: %" PRIu64 " records over %u day(s) in "
		    "%.2f s (%.0f records/s)\n", total, days, stopwatch_now() - t0,
		    total / (stopwatch_now() - t0));
	free(zipf_cdf);
	return rc < 0 ? 1 : 0;
usage:
	fprintf(stderr, "usage: history_gen [-w | -W] [-s SEED] [-t START] STORE "
	    "RECORDS DAYS\n");
	return 2;
}
