/*
 * tests/unit/check_dmarc_eval.c - DMARC evaluation (dmarc/evaluate.c,
 * dmarc/policy.c) over the in-memory lookup double (tests/lib/memdns):
 * discovery (author, tree walk, PSD, PSL), alignment, np=, t=, pct,
 * several records, DNS failures, several authors, local overrides,
 * query bounds and overlap.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/memdns.h"

static memdns *m;
static dmarc_lookup lk;
static dmarc_options opt;
static dmarc_input in;
static dmarc_from from;
static dmarc_dkim_input dk[4];
static dmarc_result res;

static void
setup(void)
{
	m = memdns_new();
	memdns_lookup(m, &lk);
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
	memdns_free(m);
}

static void
author(const char *d)
{
	snprintf(from.domains[from.ndomains++], DMARC_DOMAIN_BUF, "%s", d);
}

static void
txt(const char *name, const char *t)
{
	memdns_add(m, name, DNS_T_TXT, t);
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

static void
run(void)
{
	ck_assert_int_eq(dmarc_evaluate_with(&lk, &in, &opt, &res), 0);
}

START_TEST(pass_strict_dkim)
{
	author("example.com");
	txt("_dmarc.example.com", "v=DMARC1; p=reject");
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
	ck_assert_uint_eq(memdns_queries(m), 1);
}
END_TEST

START_TEST(fail_reject_and_helo_spf)
{
	author("example.com");
	txt("_dmarc.example.com", "v=DMARC1; p=reject");
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

START_TEST(relaxed_vs_strict)
{
	author("sub.example.com");
	memdns_add(m, "sub.example.com", DNS_T_A, NULL);
	txt("_dmarc.example.com", "v=DMARC1; p=reject; adkim=r; aspf=s");
	dkim("example.com", 1);
	spf("other.example.com", 1, DMARC_SPF_MFROM);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.dkim_aligned, 1);
	ck_assert_int_eq(res.spf_aligned, 0); /* strict: org match not enough */
	ck_assert_str_eq(res.org_domain, "example.com");
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_TREEWALK);
}
END_TEST

START_TEST(subdomain_sp_and_np)
{
	author("real.example.com");
	memdns_add(m, "real.example.com", DNS_T_MX, NULL);
	txt("_dmarc.example.com", "v=DMARC1; p=none; sp=quarantine; np=reject");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.author_exists, 1);
	ck_assert_str_eq(res.policy_tag, "sp");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);

	from.ndomains = 0;
	author("ghost.example.com");      /* NXDOMAIN */
	run();
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert(memdns_asked(m, "ghost.example.com", DNS_T_AAAA));

	from.ndomains = 0;
	author("txtonly.example.com");    /* exists, but NODATA for A/AAAA/MX */
	memdns_add(m, "txtonly.example.com", DNS_T_TXT, "v=spf1 -all");
	run();
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
}
END_TEST

START_TEST(np_existence_unknown)
{
	author("flaky.example.com");
	memdns_fail(m, "flaky.example.com", DNS_T_MX);
	txt("_dmarc.example.com", "v=DMARC1; p=quarantine; np=reject");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.author_exists, -1);
	ck_assert_str_eq(res.policy_tag, "p");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	ck_assert(strstr(res.reason, "unknown") != NULL);
}
END_TEST

START_TEST(testing_mode)
{
	author("example.com");
	txt("_dmarc.example.com", "v=DMARC1; p=reject; t=y");
	run();
	ck_assert_int_eq(res.policy, DMARC_P_REJECT);
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_POLICY_TEST_MODE);
}
END_TEST

START_TEST(psd_policy)
{
	author("sub.psd.example");
	memdns_add(m, "sub.psd.example", DNS_T_MX, NULL);
	txt("_dmarc.psd.example", "v=DMARC1; psd=y; p=reject");
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
	author("example.com");
	txt("_dmarc.example.com", "v=DMARC1; p=reject");
	txt("_dmarc.example.com", "v=DMARC1; p=none");
	txt("_dmarc.example.com", "some other text");
	run();
	/* both discarded; the walk finds nothing above */
	ck_assert_int_eq(res.result, DMARC_RESULT_NONE);
	ck_assert_int_eq(res.have_record, 0);
	ck_assert(memdns_asked(m, "_dmarc.com", DNS_T_TXT));
}
END_TEST

START_TEST(unusable_record)
{
	author("example.com");
	txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=invalid");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_NONE);
	ck_assert_int_eq(res.have_record, 1);
	ck_assert(strstr(res.reason, "unusable") != NULL);
}
END_TEST

START_TEST(tempfail)
{
	author("example.com");
	memdns_fail(m, "_dmarc.example.com", DNS_T_TXT);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	ck_assert(strstr(res.reason, "injected failure") != NULL);

	/* a failing org-domain walk of an identifier: temperror, not fail */
	from.ndomains = 0;
	author("mail.example.org");
	txt("_dmarc.mail.example.org", "v=DMARC1; p=reject");
	memdns_fail(m, "_dmarc.news.example.org", DNS_T_TXT);
	dkim("news.example.org", 1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
}
END_TEST

START_TEST(walk_bounded_and_overlapping)
{
	author("a.b.c.d.e.f.g.h.i.j.mail.example.com");
	dkim("x.y.z.example.com", 1);
	spf("p.q.example.com", 1, DMARC_SPF_MFROM);
	txt("_dmarc.example.com", "v=DMARC1; p=reject");
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_TREEWALK);
	/* author walk 8 + spf walk (p.q, q - example.com, com cached) + dkim
	 * (x.y.z, y.z, z) - the walks share _dmarc.example.com and _dmarc.com */
	ck_assert_uint_le(memdns_queries(m), 8 + 2 + 3);
	ck_assert(!memdns_asked(m, "_dmarc.b.c.d.e.f.g.h.i.j.mail.example.com",
	    DNS_T_TXT));
	ck_assert_uint_ge(memdns_max_outstanding(m), 2);
}
END_TEST

START_TEST(several_authors_strictest)
{
	author("good.example");
	author("evil.example");
	txt("_dmarc.good.example", "v=DMARC1; p=none");
	txt("_dmarc.evil.example", "v=DMARC1; p=reject");
	dkim("good.example", 1);
	run();
	ck_assert_uint_eq(res.nauthors, 2);
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_str_eq(res.from_domain, "evil.example");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	opt.reject_multi_from = 1;
	txt("_dmarc.evil.example", "v=DMARC1; p=none");
	memdns_free(m);
	m = memdns_new();
	memdns_lookup(m, &lk);
	txt("_dmarc.good.example", "v=DMARC1; p=none");
	txt("_dmarc.evil.example", "v=DMARC1; p=none");
	run();
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert(strstr(res.reason, "2 author domains") != NULL);
}
END_TEST

START_TEST(overrides)
{
	const char *exempt[] = { "example.com" };
	const char *fwd[] = { "forwarder.example" };

	author("mail.example.com");
	txt("_dmarc.mail.example.com", "v=DMARC1; p=reject");
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
	ck_assert_int_eq(dmarc_evaluate_with(&lk, &in, &opt, &res), -1);
	opt.psl = psl;
	opt.sample = fixed_sample;
	opt.sample_arg = &sample;
	author("www.bbc.co.uk");
	txt("_dmarc.bbc.co.uk", "v=DMARC1; p=reject; pct=50; sp=quarantine");
	dkim("news.bbc.co.uk", 1);
	run();
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_PSL);
	ck_assert_str_eq(res.org_domain, "bbc.co.uk");
	/* no tree walk in RFC 7489 mode */
	ck_assert(!memdns_asked(m, "_dmarc.co.uk", DNS_T_TXT));
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
	ck_assert_int_eq(dmarc_evaluate_with(&lk, &in, &opt, &res), 0);
	ck_assert_int_eq(res.result, DMARC_RESULT_PERMERROR);
	ck_assert_uint_eq(memdns_queries(m), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dmarc_eval");
	TCase *tc = tcase_create("eval");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pass_strict_dkim);
	tcase_add_test(tc, fail_reject_and_helo_spf);
	tcase_add_test(tc, relaxed_vs_strict);
	tcase_add_test(tc, subdomain_sp_and_np);
	tcase_add_test(tc, np_existence_unknown);
	tcase_add_test(tc, testing_mode);
	tcase_add_test(tc, psd_policy);
	tcase_add_test(tc, several_records_and_none);
	tcase_add_test(tc, unusable_record);
	tcase_add_test(tc, tempfail);
	tcase_add_test(tc, walk_bounded_and_overlapping);
	tcase_add_test(tc, several_authors_strictest);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, rfc7489_mode);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
