/*
 * tests/report/check_report_ident.c - the default identity of aggregate
 * reports (report/report_ident.c): the host's canonical name (FQDN) is
 * preferred to its short name, a bare or localhost name is not, and a
 * domain without a dot is said (the caller warns).
 */
#include <check.h>
#include <string.h>

#include "report/report_send.h"
#include "tests/lib/check_main.h"

START_TEST(prefers_the_fqdn)
{
	char out[64];

	ck_assert_int_eq(report_default_domain("vm", "vm.example.net", out,
	    sizeof(out)), 1);
	ck_assert_str_eq(out, "vm.example.net");
	ck_assert_int_eq(report_default_domain("mx.example.org",
	    "mx.example.org", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "mx.example.org");
	/* the host name already dotted, no canonical name */
	ck_assert_int_eq(report_default_domain("mx.example.org", NULL, out,
	    sizeof(out)), 1);
	ck_assert_str_eq(out, "mx.example.org");
}
END_TEST

START_TEST(falls_back_to_the_short_name)
{
	char out[64];

	/* no canonical name, the same bare name, localhost, a trailing or
	 * leading dot: the short name, said to be bare (0) */
	ck_assert_int_eq(report_default_domain("vm", NULL, out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "vm");
	ck_assert_int_eq(report_default_domain("vm", "vm", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "vm");
	ck_assert_int_eq(report_default_domain("vm", "localhost.localdomain",
	    out, sizeof(out)), 0);
	ck_assert_str_eq(out, "vm");
	ck_assert_int_eq(report_default_domain("vm", "vm.", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "vm");
	ck_assert_int_eq(report_default_domain("vm", ".vm", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "vm");
	ck_assert_int_eq(report_default_domain("vm", "", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "vm");
	/* a canonical name too long for out: the short name */
	ck_assert_int_eq(report_default_domain("vm",
	    "a-very-long-canonical-name.example.net", out, 16), 0);
	ck_assert_str_eq(out, "vm");
	ck_assert_int_eq(report_default_domain(NULL, "x.y", out, sizeof(out)),
	    -1);
	ck_assert_int_eq(report_default_domain("averylonghostname", NULL, out,
	    8), -1);
}
END_TEST

START_TEST(dotted_domains)
{
	ck_assert_int_eq(report_domain_dotted("postmaster@vm.example.net"), 1);
	ck_assert_int_eq(report_domain_dotted("postmaster@vm"), 0);
	ck_assert_int_eq(report_domain_dotted("a.b@vm"), 0);
	ck_assert_int_eq(report_domain_dotted("postmaster@vm."), 0);
	ck_assert_int_eq(report_domain_dotted("example.com"), 1);
	ck_assert_int_eq(report_domain_dotted(""), 0);
	ck_assert_int_eq(report_domain_dotted(NULL), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("report_ident");
	TCase *tc = tcase_create("ident");

	tcase_add_test(tc, prefers_the_fqdn);
	tcase_add_test(tc, falls_back_to_the_short_name);
	tcase_add_test(tc, dotted_domains);
	suite_add_tcase(s, tc);
	return s;
}
