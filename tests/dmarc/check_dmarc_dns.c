/*
 * tests/dmarc/check_dmarc_dns.c - dmarc_evaluate() over the real resolver
 * (libunbound, zone-file mode, tests/fixtures/dmarc/dmarc.zone): TXT
 * records split in strings, several records at one name, the np= test
 * with NXDOMAIN, NODATA and an empty non-terminal, PSD, t=y, RFC 7489
 * mode, injected SERVFAIL, the eight-query walk bound, DNSSEC state.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"

#define ZONE "tests/fixtures/dmarc/dmarc.zone"

static dns_resolver *r;
static dmarc_options opt;
static dmarc_input in;
static dmarc_from from;
static dmarc_result res;

static void
setup(void)
{
	r = dnscheck_resolver(ZONE, 0);
	ck_assert_int_eq(dns_resolver_add_fault(r, "_dmarc.fail.example",
	    DNS_T_TXT, DNS_TEMPFAIL), 0);
	memset(&opt, 0, sizeof(opt));
	memset(&in, 0, sizeof(in));
	memset(&from, 0, sizeof(from));
	in.from = &from;
}

static void
teardown(void)
{
	dns_resolver_free(r);
}

static void
eval(const char *author)
{
	from.ndomains = 1;
	snprintf(from.domains[0], sizeof(from.domains[0]), "%s", author);
	ck_assert_int_eq(dmarc_evaluate(r, &in, &opt, &res), 0);
}

START_TEST(author_record)
{
	eval("example.com");
	ck_assert_int_eq(res.result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_AUTHOR);
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert_int_eq(res.sec, DNS_SEC_INSECURE);
	ck_assert_uint_eq(res.queries, 1);
	in.spf_pass = 1;
	in.spf_domain = "example.com";
	eval("example.com");
	ck_assert_int_eq(res.result, DMARC_RESULT_PASS);
}
END_TEST

START_TEST(np_existence)
{
	eval("real.example.com");          /* A record: exists -> sp */
	ck_assert_int_eq(res.author_exists, 1);
	ck_assert_str_eq(res.policy_tag, "sp");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	eval("ghost.example.com");         /* NXDOMAIN -> np */
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	eval("txtonly.example.com");       /* NODATA for A, AAAA, MX -> np */
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.policy_tag, "np");
	eval("ent.example.com");           /* empty non-terminal: NODATA */
	ck_assert_int_eq(res.author_exists, 0);
	ck_assert_str_eq(res.org_domain, "example.com");
}
END_TEST

START_TEST(split_and_several)
{
	eval("split.example");
	ck_assert_int_eq(res.have_record, 1);
	ck_assert_int_eq(res.record.p, DMARC_P_QUARANTINE);
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	eval("two.example");
	ck_assert_int_eq(res.result, DMARC_RESULT_NONE);
	ck_assert_int_eq(res.have_record, 0);
}
END_TEST

START_TEST(psd_and_testing)
{
	eval("org.psd.example");
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_PSD);
	ck_assert_str_eq(res.policy_domain, "psd.example");
	ck_assert_str_eq(res.org_domain, "org.psd.example");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	eval("nope.psd.example");          /* NXDOMAIN under the PSD: np */
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	eval("t.example");
	ck_assert_int_eq(res.disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(res.override, DMARC_OVERRIDE_POLICY_TEST_MODE);
}
END_TEST

START_TEST(tempfail_and_bound)
{
	eval("fail.example");
	ck_assert_int_eq(res.result, DMARC_RESULT_TEMPERROR);
	eval("a.b.c.d.e.f.g.h.i.j.long.example");
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_TREEWALK);
	ck_assert_str_eq(res.policy_domain, "long.example");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT); /* sp */
	ck_assert_uint_le(res.queries, DMARC_WALK_MAX + 3);
}
END_TEST

START_TEST(rfc7489_mode)
{
	char why[200];
	dmarc_psl *psl = dmarc_psl_load(NULL, why, sizeof(why));

	ck_assert_ptr_nonnull(psl);
	opt.mode = DMARC_MODE_RFC7489;
	opt.psl = psl;
	eval("www.bbc.co.uk");
	ck_assert_int_eq(res.discovery, DMARC_DISCOVERY_PSL);
	ck_assert_str_eq(res.policy_domain, "bbc.co.uk");
	ck_assert_int_eq(res.disposition, DMARC_P_REJECT);
	ck_assert_uint_eq(res.queries, 2);
	dmarc_psl_free(psl);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_dns");
	TCase *tc = tcase_create("dns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, author_record);
	tcase_add_test(tc, np_existence);
	tcase_add_test(tc, split_and_several);
	tcase_add_test(tc, psd_and_testing);
	tcase_add_test(tc, tempfail_and_bound);
	tcase_add_test(tc, rfc7489_mode);
	suite_add_tcase(s, tc);
	return s;
}
