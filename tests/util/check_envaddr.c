/*
 * tests/util/check_envaddr.c - util/envaddr: "<a@b>", "a@b", "<>" and ""
 * read the same way for every caller (milter, check, spf, reports); blanks
 * and an obsolete source route go; half brackets stay; a cut is reported;
 * the domain is after the last '@'.
 */
#include <check.h>
#include <string.h>

#include "util/envaddr.h"
#include "tests/lib/check_main.h"

static void
strips(const char *in, const char *want)
{
	char out[64];

	ck_assert_msg(envaddr_strip(in, out, sizeof(out)) == 0, "'%s' cut", in);
	ck_assert_msg(strcmp(out, want) == 0, "'%s' -> '%s', want '%s'", in,
	    out, want);
}

START_TEST(strip)
{
	strips("<a@b.example>", "a@b.example");
	strips("a@b.example", "a@b.example");
	strips("  <a@b.example>\t", "a@b.example");
	strips("<>", "");
	strips(" <> ", "");
	strips("", "");
	strips(NULL, "");
	strips("<@r1.example,@r2.example:a@b.example>", "a@b.example");
	strips("<\"x@y\"@b.example>", "\"x@y\"@b.example");
	strips("<a@b.example", "<a@b.example");
	strips("a@b.example>", "a@b.example>");
	strips("<", "<");
	strips("<<a@b>>", "<a@b>");
}
END_TEST

START_TEST(cut)
{
	char out[8];

	ck_assert_int_eq(envaddr_strip("<a@b.example>", out, sizeof(out)), -1);
	ck_assert_str_eq(out, "a@b.exa");
	ck_assert_int_eq(envaddr_strip("<a@b.ex>", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a@b.ex");
}
END_TEST

START_TEST(parts)
{
	ck_assert_str_eq(envaddr_domain("a@b.example"), "b.example");
	ck_assert_str_eq(envaddr_domain("\"x@y\"@b.example"), "b.example");
	ck_assert_ptr_null(envaddr_domain("b.example"));
	ck_assert_ptr_null(envaddr_domain(""));
	ck_assert_ptr_null(envaddr_domain(NULL));
	ck_assert_uint_eq(envaddr_local_len("strong-bad@b.example"), 10);
	ck_assert_uint_eq(envaddr_local_len("\"x@y\"@b.example"), 5);
	ck_assert_uint_eq(envaddr_local_len("@b.example"), 0);
	ck_assert_uint_eq(envaddr_local_len("b.example"), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("envaddr");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, strip);
	tcase_add_test(tc, cut);
	tcase_add_test(tc, parts);
	suite_add_tcase(s, tc);
	return s;
}
