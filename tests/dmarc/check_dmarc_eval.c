/*
 * tests/dmarc/check_dmarc_eval.c - DMARC evaluation (dmarc/evaluate.c,
 * dmarc/policy.c, dmarc/dnsops.c) over the real resolver: libunbound
 * serving tests/fixtures/dmarc/eval.zone as the root zone, temporary
 * failures injected with dns_resolver_add_fault(). Discovery (author,
 * tree walk, PSD, PSL), alignment, np=, t=, pct, several records, DNS
 * failures, several authors, local overrides, query bounds and overlap.
 *
 * How queries are counted and overlap is seen without a DNS stand-in
 * (tests/lib/querylog): dns_resolver_set_trace() reports every query the
 * evaluator makes, with its answer, so tests count and list them; for the
 * overlap test the evaluator runs through dmarc_evaluate_with() over a
 * lookup that forwards each call to dns_query_start/wait/free and counts
 * the queries started whose answer was not yet consumed. Two or more at
 * once means independent lookups were in flight together.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"
#include "tests/lib/querylog.h"

#define ZONE "tests/fixtures/dmarc/eval.zone"

static dns_resolver *r;
static querylog *ql;
static dmarc_options opt;
static dmarc_input in;
static dmarc_from from;
static dmarc_dkim_input dk[4];
static dmarc_result res;

static void
setup(void)
{
	r = dnscheck_resolver(ZONE, 0);
	ql = querylog_new();
	querylog_trace(ql, r);
	memset(&opt, 0, sizeof(opt));
	memset(&in, 0, sizeof(in));
	memset(&from, 0, sizeof(from));
	memset(dk, 0, sizeof(dk));
	in.from = &from;
	in.dkim = dk;
}

static void
teardown(void)
{
	dns_resolver_free(r);
	querylog_free(ql);
}

static void
author(const char *d)
{
	snprintf(from.domains[from.ndomains++], DMARC_DOMAIN_BUF, "%s", d);
}

/* (name, type) answers TEMPFAIL "timed out (injected fault)"; before the
 * test's first query. */
static void
fault(const char *name, dns_type t)
{
	ck_assert_int_eq(dns_resolver_add_fault(r, name, t, DNS_TEMPFAIL), 0);
}

static void
dkim(const char *d, int pass)
{
	dk[in.ndkim].domain = d;
	dk[in.ndkim].pass = pass;
	in.ndkim++;
}

static void
spf(const char *d, int pass, dmarc_spf_scope scope)
{
	in.spf_domain = d;
	in.spf_pass = pass;
	in.spf_scope = scope;
}

/* One evaluation through dmarc_evaluate(); the evaluator's own query
 * count must match what the resolver reported. */
static void
run(void)
{
	size_t before = querylog_count(ql);

	ck_assert_int_eq(dmarc_evaluate(r, &in, &opt, &res), 0);
	ck_assert_uint_eq(querylog_count(ql) - before, res.queries);
}

START_TEST(pass_strict_dkim)
{
	author("example.com");
	dkim("example.com", 1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.dkim_aligned, 1);
	ck_assert_int_eq(res.spf_aligned, 0);
	ck_assert_int_eq(res.disposition, DMARC_P_NONE);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_AUTHOR);
	ck_assert_str_eq(res.policy_domain, "example.com");
	ck_assert_str_eq(res.dkim_domain, "example.com");
	/* identical domains: no walk needed beyond the author query */
	ck_assert_uint_eq(querylog_count(ql), 1);
	ck_assert(querylog_asked(ql, "_dmarc.example.com", DNS_T_TXT));
}
END_TEST

START_TEST(fail_reject_and_helo_spf)
{
	author("example.com");
	dkim("example.com", 0);          /* failing signature: ignored */
	dkim("other.example", 1);        /* unaligned */
	spf("example.com", 1, DMARC_SPF_HELO); /* HELO scope never counts */
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert_str_eq(res.policy_tag, "p");
	ck_assert(strstr(res.reason, "p=reject") != NULL);
	spf("example.com", 1, DMARC_SPF_MFROM);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.spf_aligned, 1);
}
END_TEST

/* A temporary failure of an aligned identifier makes the result
 * temperror (a retry may pass); an unaligned one never does - neither a
 * DKIM temperror for another domain, nor a sender's broken _dmarc walk
 * for its own d= (that would let any sender turn p=reject into a
 * temperror). */
START_TEST(temperror_only_when_aligned)
{
	fault("_dmarc.attacker.com", DNS_T_TXT);
	author("example.com");
	dk[0].domain = "example.com";
	dk[0].temperror = 1;        /* aligned key lookup timed out */
	in.ndkim = 1;
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	ck_assert(strstr(res.reason, "failed temporarily") != NULL);

	dk[0].domain = "other.example"; /* unaligned: still a fail */
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);

	memset(dk, 0, sizeof(dk));
	in.ndkim = 0;
	spf("example.com", 0, DMARC_SPF_MFROM);
	in.spf_temperror = 1;       /* aligned SPF temperror */
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	ck_assert_int_eq(res.spf_aligned, 0);

	in.spf_temperror = 0;
	spf("attacker.com", 0, DMARC_SPF_MFROM);
	dkim("attacker.com", 1);    /* passes, same TLD, its walk fails */
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
}
END_TEST

START_TEST(relaxed_vs_strict)
{
	author("sub.example.net");
	dkim("example.net", 1);
	spf("other.example.net", 1, DMARC_SPF_MFROM);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.dkim_aligned, 1);
	ck_assert_int_eq(res.spf_aligned, 0); /* strict: org match not enough */
	ck_assert_str_eq(res.org_domain, "example.net");
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_TREEWALK);
}
END_TEST

START_TEST(subdomain_sp_and_np)
{
	author("real.np.example");        /* MX: exists */
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.author_exists, 1);
	ck_assert_str_eq(res.policy_tag, "sp");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);

	from.ndomains = 0;
	author("ghost.np.example");       /* NXDOMAIN */
	run();
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert(querylog_asked(ql, "ghost.np.example", DNS_T_AAAA));

	from.ndomains = 0;
	author("txtonly.np.example");     /* exists, but NODATA for A/AAAA/MX */
	run();
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
}
END_TEST

START_TEST(np_existence_unknown)
{
	author("flaky.unknown.example");
	fault("flaky.unknown.example", DNS_T_MX);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.author_exists, -1);
	ck_assert_str_eq(res.policy_tag, "p");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	ck_assert(strstr(res.reason, "unknown") != NULL);
}
END_TEST

/* Lookups started, in order, through a dmarc_lookup over r. */
typedef struct startlog {
	char names[32][DNS_MAX_NAME_LEN + 8];
	dns_type types[32];
	size_t n;
} startlog;

static void *
sl_start(void *ctx, const char *name, dns_type type)
{
	startlog *sl = ctx;

	if (sl->n < 32) {
		snprintf(sl->names[sl->n], sizeof(sl->names[0]), "%s", name);
		sl->types[sl->n++] = type;
	}
	return dns_query_start(r, name, type);
}

static const dns_answer *
sl_wait(void *ctx, void *q, int64_t deadline_ms)
{
	(void)ctx;
	return dns_query_wait(q, deadline_ms);
}

static void
sl_release(void *ctx, void *q)
{
	(void)ctx;
	dns_query_free(q);
}

static int64_t
sl_now(void *ctx)
{
	(void)ctx;
	return dns_now_ms();
}

static size_t
sl_index(const startlog *sl, const char *name, dns_type t)
{
	size_t i;

	for (i = 0; i < sl->n; i++)
		if (sl->types[i] == t && strcmp(sl->names[i], name) == 0)
			return i;
	return (size_t)-1;
}

/* The np existence test (A, AAAA, MX of the author domain) starts before
 * the alignment walks of the identifiers, so that slow walks (a sender's
 * own DNS) cannot use up a message's DNS deadline before it and leave np
 * unapplied. */
START_TEST(np_lookups_before_alignment_walks)
{
	startlog sl;
	dmarc_lookup lk = { sl_start, sl_wait, sl_release, sl_now, &sl, 0 };
	size_t np, walk;

	memset(&sl, 0, sizeof(sl));
	author("ghost.npfirst.example");        /* NXDOMAIN */
	dkim("mail.elsewhere.example", 1);      /* same TLD: walked */
	ck_assert_int_eq(dmarc_evaluate_with(&lk, &in, &opt, &res), 0);
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	np = sl_index(&sl, "ghost.npfirst.example", DNS_T_A);
	walk = sl_index(&sl, "_dmarc.mail.elsewhere.example", DNS_T_TXT);
	ck_assert_msg(np != (size_t)-1 && walk != (size_t)-1,
	    "np %zu, walk %zu", np, walk);
	ck_assert_msg(np < walk, "np lookup started %zu, alignment walk %zu",
	    np, walk);
	ck_assert_uint_eq(res.queries, sl.n);

	/* when DMARC passes, the existence answers are not waited for */
	memset(&sl, 0, sizeof(sl));
	memset(dk, 0, sizeof(dk));
	in.ndkim = 0;
	dkim("ghost.npfirst.example", 1);
	ck_assert_int_eq(dmarc_evaluate_with(&lk, &in, &opt, &res), 0);
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.author_exists, -1);
}
END_TEST

START_TEST(testing_mode)
{
	author("t.example");
	run();
	ck_assert_int_eq(res.policy, DMARC_P_REJECT);
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_POLICY_TEST_MODE);
}
END_TEST

START_TEST(psd_policy)
{
	author("sub.psd.example");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_PSD);
	ck_assert_str_eq(res.policy_domain, "psd.example");
	ck_assert_str_eq(res.org_domain, "sub.psd.example");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
}
END_TEST

START_TEST(several_records_and_none)
{
	author("two.example");
	run();
	/* both discarded; the walk finds nothing above */
	ck_assert_int_eq(res.result, DMARC_RESULT_NONE);
	ck_assert_int_eq(res.have_record, 0);
	ck_assert(querylog_asked(ql, "_dmarc.example", DNS_T_TXT));
}
END_TEST

START_TEST(unusable_record)
{
	author("unusable.example");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_NONE);
	ck_assert_int_eq(res.have_record, 1);
	ck_assert(strstr(res.reason, "unusable") != NULL);
}
END_TEST

START_TEST(tempfail)
{
	fault("_dmarc.example.com", DNS_T_TXT);
	fault("_dmarc.news.example.org", DNS_T_TXT);
	fault("_dmarc.x.mail.example.org", DNS_T_TXT);
	author("example.com");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	ck_assert(strstr(res.reason, "injected fault") != NULL);

	/* a failing org-domain walk of an identifier inside the author's
	 * Organizational Domain: its alignment is unknown, temperror */
	from.ndomains = 0;
	author("mail.example.org");
	dkim("x.mail.example.org", 1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	ck_assert_str_eq(res.org_domain, "mail.example.org");

	/* outside it (org domain mail.example.org): it cannot align,
	 * whatever its failed walk would have said - a fail */
	memset(dk, 0, sizeof(dk));
	in.ndkim = 0;
	dkim("news.example.org", 1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);

	/* an SPF identifier inside it that failed temporarily, whose walk
	 * failed as well (as at a message's DNS deadline): it may align and a
	 * retry may pass - temperror, never a fail (a reject) */
	memset(dk, 0, sizeof(dk));
	in.ndkim = 0;
	spf("x.mail.example.org", 0, DMARC_SPF_MFROM);
	in.spf_temperror = 1;
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	ck_assert(strstr(res.reason, "failed temporarily") != NULL);
	/* the same outside it: cannot align, a fail */
	spf("news.example.org", 0, DMARC_SPF_MFROM);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	in.spf_temperror = 0;
}
END_TEST

START_TEST(walk_bounded_and_overlapping)
{
	dmarc_lookup lk;

	author("a.b.c.d.e.f.g.h.i.j.mail.example.com");
	dkim("x.y.z.example.com", 1);
	spf("p.q.example.com", 1, DMARC_SPF_MFROM);
	querylog_lookup(ql, r, &lk);
	ck_assert_int_eq(dmarc_evaluate_with(&lk, &in, &opt, &res), 0);
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_TREEWALK);
	/* author walk 8 + spf walk (p.q, q - example.com, com cached) + dkim
	 * (x.y.z, y.z, z) - the walks share _dmarc.example.com and _dmarc.com */
	ck_assert_uint_le(querylog_count(ql), 8 + 2 + 3);
	ck_assert_uint_eq(querylog_started(ql), querylog_count(ql));
	ck_assert_uint_eq(res.queries, querylog_count(ql));
	ck_assert(!querylog_asked(ql,
	    "_dmarc.b.c.d.e.f.g.h.i.j.mail.example.com", DNS_T_TXT));
	/* the SPF and DKIM walks run side by side */
	ck_assert_uint_ge(querylog_max_in_flight(ql), 2);
}
END_TEST

START_TEST(several_authors_strictest)
{
	author("good.example");
	author("evil.example");
	dkim("good.example", 1);
	run();
	ck_assert_uint_eq(res.nauthors, 2);
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_str_eq(res.from_domain, "evil.example");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);

	/* both authors p=none: local policy rejects several authors */
	opt.reject_multi_from = 1;
	from.ndomains = 0;
	author("good.example");
	author("calm.example");
	run();
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert(strstr(res.reason, "2 author domains") != NULL);
}
END_TEST

/* An author whose result is temperror (its policy unknown: it may be
 * p=reject) is not hidden by another author's fail with no disposition:
 * a sender who adds a p=none domain of its own to a forged From, and
 * makes the forged domain's lookups fail (a message's DNS budget or
 * deadline, the evaluator's own limit), had dmarc=fail p=none, an accept
 * that on_dns_temperror never saw. */
START_TEST(several_authors_temperror_not_hidden)
{
	fault("_dmarc.evil.example", DNS_T_TXT);
	author("calm.example");   /* p=none: fail, no disposition */
	author("evil.example");   /* policy unknown */
	run();
	ck_assert_msg(res.result == DMARC_RESULT_TEMPERROR, "%s", res.reason);
	ck_assert_str_eq(res.from_domain, "evil.example");

	/* the other order */
	from.ndomains = 0;
	author("evil.example");
	author("calm.example");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);

	/* nor by another author's pass (it read dmarc=pass) */
	from.ndomains = 0;
	author("good.example");
	author("evil.example");
	dkim("good.example", 1);
	run();
	ck_assert_msg(res.result == DMARC_RESULT_TEMPERROR, "%s", res.reason);
	ck_assert_str_eq(res.from_domain, "evil.example");
	memset(dk, 0, sizeof(dk));
	in.ndkim = 0;

	/* a known disposition still comes first (p=reject fails) */
	from.ndomains = 0;
	author("evil.example");
	author("example.com");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
}
END_TEST

START_TEST(overrides)
{
	const char *exempt[] = { "override.test" };
	const char *fwd[] = { "forwarder.example" };

	author("mail.override.test");
	opt.exempt = exempt;
	opt.nexempt = 1;
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_LOCAL_POLICY);
	ck_assert_int_eq(res.disposition, DMARC_P_NONE);
	ck_assert_str_eq(dmarc_override_name(res.override), "local_policy");

	opt.nexempt = 0;
	opt.trusted_forwarders = fwd;
	opt.ntrusted = 1;
	dkim("forwarder.example", 1);
	run();
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_TRUSTED_FORWARDER);
	ck_assert_int_eq(res.disposition, DMARC_P_NONE);
	in.ndkim = 0;
	in.mailing_list = 1;
	run();
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT); /* not honored */
	opt.honor_mailing_list = 1;
	run();
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_MAILING_LIST);
}
END_TEST

static unsigned
fixed_sample(void *arg)
{
	return *(unsigned *)arg;
}

START_TEST(rfc7489_mode)
{
	char why[200];
	dmarc_psl *psl = dmarc_psl_load(NULL, why, sizeof(why));
	unsigned sample = 60;

	ck_assert_ptr_nonnull(psl);
	opt.mode = DMARC_MODE_RFC7489;
	ck_assert_int_eq(dmarc_evaluate(r, &in, &opt, &res), -1);
	opt.psl = psl;
	opt.sample = fixed_sample;
	opt.sample_arg = &sample;
	author("www.bbc.co.uk");
	dkim("news.bbc.co.uk", 1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_PSL);
	ck_assert_str_eq(res.org_domain, "bbc.co.uk");
	/* no tree walk in RFC 7489 mode */
	ck_assert(!querylog_asked(ql, "_dmarc.co.uk", DNS_T_TXT));
	in.ndkim = 0;
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_str_eq(res.policy_tag, "sp");
	/* sample 60 >= pct 50: outside the sample, one step down */
	ck_assert_int_eq(res.disposition, DMARC_P_NONE);
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_SAMPLED_OUT);
	sample = 49;
	run();
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_NONE);
	dmarc_psl_free(psl);
}
END_TEST

START_TEST(bad_input)
{
	ck_assert_int_eq(dmarc_evaluate_with(NULL, &in, &opt, &res), -1);
	ck_assert_int_eq(dmarc_evaluate(NULL, &in, &opt, &res), -1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PERMERROR);
	ck_assert_uint_eq(res.queries, 0);
	ck_assert_uint_eq(querylog_count(ql), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_eval");
	TCase *tc = tcase_create("eval");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pass_strict_dkim);
	tcase_add_test(tc, fail_reject_and_helo_spf);
	tcase_add_test(tc, temperror_only_when_aligned);
	tcase_add_test(tc, relaxed_vs_strict);
	tcase_add_test(tc, subdomain_sp_and_np);
	tcase_add_test(tc, np_existence_unknown);
	tcase_add_test(tc, np_lookups_before_alignment_walks);
	tcase_add_test(tc, testing_mode);
	tcase_add_test(tc, psd_policy);
	tcase_add_test(tc, several_records_and_none);
	tcase_add_test(tc, unusable_record);
	tcase_add_test(tc, tempfail);
	tcase_add_test(tc, walk_bounded_and_overlapping);
	tcase_add_test(tc, several_authors_strictest);
	tcase_add_test(tc, several_authors_temperror_not_hidden);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, rfc7489_mode);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	return s;
}
