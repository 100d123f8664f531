/*
 * tests/dkim/check_dkim_inspect.c - dkim_key_inspect() (dkim/
 * dkim_inspect.c): what a key record holds, read by the verifier's parser:
 * algorithm, RSA size, t=y / t=s, h=, revoked; unusable records refused.
 */
#include <check.h>
#include <string.h>

#include "dkim/dkim.h"
#include "tests/lib/check_main.h"

#define RSA1024 "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDBWQdgkAi4x7/o62638khXnEP1TQufXuM3P5Cc7vRiedRireZPI3kC9ehca/hpe5N+gXwJMxLBDQ8Fu+pypq635LZb4KkuP2UjveiqtwQURQ40PHhBBFoI9bM1DDH1+yEwFpUaL/4dTBNYf7tMpG8ac5W35ZEmHOW1Hp/2nFD8QQIDAQAB"
#define ED "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static int
inspect(const char *s, dkim_key_info *k)
{
	char err[160];

	return dkim_key_inspect(s, strlen(s), k, err, sizeof(err));
}

START_TEST(key_described)
{
	dkim_key_info k;

	ck_assert_int_eq(inspect("v=DKIM1; k=rsa; " RSA1024, &k), 0);
	ck_assert_int_eq(k.ed25519, 0);
	ck_assert_uint_eq(k.bits, 1024);
	ck_assert_int_eq(k.testing, 0);
	ck_assert_int_eq(k.revoked, 0);
	ck_assert_int_eq(k.sha256, 1);
	ck_assert_int_eq(k.sha1, 1);            /* no h=: any */
	ck_assert_int_eq(inspect("v=DKIM1; t=y:s; h=sha1; " RSA1024, &k), 0);
	ck_assert_int_eq(k.testing, 1);
	ck_assert_int_eq(k.strict, 1);
	ck_assert_int_eq(k.sha256, 0);
	ck_assert_int_eq(k.sha1, 1);
	ck_assert_int_eq(inspect("v=DKIM1; k=ed25519; " ED, &k), 0);
	ck_assert_int_eq(k.ed25519, 1);
	ck_assert_int_eq(inspect("v=DKIM1; p=", &k), 0);
	ck_assert_int_eq(k.revoked, 1);
	ck_assert_uint_eq(k.bits, 0);
}
END_TEST

START_TEST(key_refused)
{
	dkim_key_info k;

	ck_assert_int_eq(inspect("v=DKIM1; k=rsa", &k), -1);      /* no p= */
	ck_assert_int_eq(inspect("v=DKIM1; k=dsa; " RSA1024, &k), -1);
	ck_assert_int_eq(inspect("v=DKIM2; " RSA1024, &k), -1);
	ck_assert_int_eq(inspect("v=DKIM1; p=AAAA", &k), -1);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_inspect");
	TCase *t = tcase_create("inspect");

	tcase_add_test(t, key_described);
	tcase_add_test(t, key_refused);
	suite_add_tcase(s, t);
	return s;
}
