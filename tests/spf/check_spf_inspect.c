/*
 * tests/spf/check_spf_inspect.c - spf_record_inspect() (spf/inspect.c):
 * the terms of a record as the evaluator's parser reads them (type,
 * qualifier, target, macro), its syntax errors and spf_is_record().
 */
#include <check.h>
#include <string.h>

#include "spf/spf.h"
#include "tests/lib/check_main.h"

static int
inspect(const char *s, spf_record_info *info, char *err)
{
	return spf_record_inspect(s, strlen(s), info, err, 200);
}

START_TEST(terms_listed)
{
	spf_record_info i;
	char err[200];

	ck_assert_int_eq(inspect("v=spf1 ip4:192.0.2.0/24 include:_spf.example.com "
	    "a mx:mx.example.com/24 ?ptr exists:%{i}.x.example.com "
	    "redirect=r.example.com x-foo=bar", &i, err), 0);
	ck_assert_uint_eq(i.nterms, 8);
	ck_assert_int_eq(i.terms[0].type, SPF_TERM_IP4);
	ck_assert_int_eq(i.terms[1].type, SPF_TERM_INCLUDE);
	ck_assert_str_eq(i.terms[1].target, "_spf.example.com");
	ck_assert_int_eq(i.terms[1].qualifier, '+');
	ck_assert_int_eq(i.terms[2].type, SPF_TERM_A);
	ck_assert_str_eq(i.terms[2].target, "");
	ck_assert_int_eq(i.terms[3].type, SPF_TERM_MX);
	ck_assert_str_eq(i.terms[3].target, "mx.example.com");  /* no /24 */
	ck_assert_int_eq(i.terms[4].type, SPF_TERM_PTR);
	ck_assert_int_eq(i.terms[4].qualifier, '?');
	ck_assert_int_eq(i.terms[5].type, SPF_TERM_EXISTS);
	ck_assert_int_eq(i.terms[5].macro, 1);
	ck_assert_int_eq(i.terms[1].macro, 0);
	ck_assert_int_eq(i.terms[6].type, SPF_TERM_REDIRECT);
	ck_assert_str_eq(i.terms[6].target, "r.example.com");
	ck_assert_int_eq(i.terms[7].type, SPF_TERM_OTHER);
	spf_record_info_free(&i);
	ck_assert_int_eq(inspect("v=spf1 -all", &i, err), 0);
	ck_assert_uint_eq(i.nterms, 1);
	ck_assert_int_eq(i.terms[0].type, SPF_TERM_ALL);
	ck_assert_int_eq(i.terms[0].qualifier, '-');
	spf_record_info_free(&i);
}
END_TEST

START_TEST(syntax_errors)
{
	spf_record_info i;
	char err[200];

	ck_assert_int_eq(inspect("v=spf1 include", &i, err), -1);
	ck_assert_ptr_null(i.terms);
	ck_assert_int_eq(inspect("v=spf1 ip4:300.1.1.1", &i, err), -1);
	ck_assert_int_eq(inspect("v=spf1 redirect=a.example redirect=b.example",
	    &i, err), -1);
	ck_assert_int_eq(inspect("v=spf10 -all", &i, err), -1);
	ck_assert_int_eq(spf_is_record("v=spf1", 6), 1);
	ck_assert_int_eq(spf_is_record("V=SPF1 -all", 11), 1);
	ck_assert_int_eq(spf_is_record("v=spf10", 7), 0);
	ck_assert_int_eq(spf_is_record("site-verification=1", 20), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("spf_inspect");
	TCase *t = tcase_create("inspect");

	tcase_add_test(t, terms_listed);
	tcase_add_test(t, syntax_errors);
	suite_add_tcase(s, t);
	return s;
}
