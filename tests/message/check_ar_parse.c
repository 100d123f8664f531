/*
 * tests/message/check_ar_parse.c - Authentication-Results parsing (RFC 8601 2.2)
 * and recognition of headers that claim our authserv-id (RFC 8601 5).
 */
#include "message/ar_parse_int.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ar_header *
parse(const char *s, char *err, size_t errlen)
{
	return ar_parse(s, strlen(s), err, errlen);
}

START_TEST(test_full_header)
{
	char err[128];
	ar_header *h = parse(" mx.example.org;\r\n\tspf=pass smtp.mailfrom=alice@example.com;\r\n"
	    "\tdkim=pass (2048-bit key) header.d=example.com header.s=sel header.b=\"AbCdEfGh\";\r\n"
	    "\tdmarc=pass (p=reject dis=none) header.from=example.com", err, sizeof(err));

	ck_assert_msg(h != NULL, "parse failed: %s", err);
	ck_assert_str_eq(h->authserv_id, "mx.example.org");
	ck_assert_int_eq(h->version, -1);
	ck_assert_uint_eq(h->nres, 3);
	ck_assert_str_eq(h->res[0].method, "spf");
	ck_assert_str_eq(h->res[0].result, "pass");
	ck_assert_uint_eq(h->res[0].nprops, 1);
	ck_assert_str_eq(h->res[0].props[0].ptype, "smtp");
	ck_assert_str_eq(h->res[0].props[0].property, "mailfrom");
	ck_assert_str_eq(h->res[0].props[0].value, "alice@example.com");
	ck_assert_str_eq(h->res[1].method, "dkim");
	ck_assert_uint_eq(h->res[1].nprops, 3);
	ck_assert_str_eq(h->res[1].props[2].value, "AbCdEfGh");
	ck_assert_str_eq(h->res[2].method, "dmarc");
	ck_assert_str_eq(h->res[2].props[0].value, "example.com");
	ar_header_free(h);
}
END_TEST

START_TEST(test_microsoft_version_and_none)
{
	char err[128];
	ar_header *h = parse(" mx.microsoft.com 1; spf=pass (sender IP is 192.0.2.1) "
	    "smtp.mailfrom=example.com; dkim=none (message not signed) header.d=none;"
	    "dmarc=none action=none header.from=example.com;", err, sizeof(err));

	ck_assert_msg(h != NULL, "parse failed: %s", err);
	ck_assert_str_eq(h->authserv_id, "mx.microsoft.com");
	ck_assert_int_eq(h->version, 1);
	ck_assert_uint_eq(h->nres, 3);
	ck_assert_str_eq(h->res[2].props[0].ptype, "");
	ck_assert_str_eq(h->res[2].props[0].property, "action");
	ck_assert_str_eq(h->res[2].props[1].ptype, "header");
	ar_header_free(h);

	h = parse("example.org; none", err, sizeof(err));
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->none, 1);
	ck_assert_uint_eq(h->nres, 0);
	ar_header_free(h);
}
END_TEST

START_TEST(test_method_version_reason_quoted_id)
{
	char err[128];
	ar_header *h = parse("\"mail.example.net\" (c) ; dkim/1 = fail reason=\"bad sig\" "
	    "header.i=@example.com", err, sizeof(err));

	ck_assert_msg(h != NULL, "parse failed: %s", err);
	ck_assert_str_eq(h->authserv_id, "mail.example.net");
	ck_assert_int_eq(h->res[0].method_version, 1);
	ck_assert_str_eq(h->res[0].result, "fail");
	ck_assert_str_eq(h->res[0].reason, "bad sig");
	ck_assert_str_eq(h->res[0].props[0].value, "@example.com");
	ar_header_free(h);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *bad[] = {
		"", "   ", "example.org", "example.org spf=pass",
		"example.org; spf", "example.org; spf=", "example.org; =pass",
		"example.org; spf=pass smtp", "example.org; spf=pass smtp.mailfrom",
		"example.org; spf=pass (unterminated", "\"unterminated; spf=pass",
		"example.org; spf=pass smtp.mailfrom=\"x",
	};
	size_t i;
	char err[128];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ar_header *h = parse(bad[i], err, sizeof(err));

		ck_assert_msg(h == NULL, "'%s' parsed", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for '%s'", bad[i]);
	}
}
END_TEST

START_TEST(test_bounds)
{
	char *s = malloc(100000), err[128];
	size_t n = 0;
	int i;
	ar_header *h;

	n += (size_t)snprintf(s, 100000, "example.org");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(s + n, 100000 - n, "; dkim=pass header.d=d%d.example", i);
	h = ar_parse(s, n, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_uint_eq(h->nres, AR_MAX_RESINFO);
	ck_assert_uint_eq(h->dropped, 100 - AR_MAX_RESINFO);
	ar_header_free(h);

	memset(s, 'a', 5000);
	memcpy(s + 5000, "; spf=pass", 11);
	h = ar_parse(s, strlen(s), err, sizeof(err));
	ck_assert_ptr_null(h);
	ck_assert_msg(strstr(err, "longer") != NULL, "%s", err);
	free(s);
}
END_TEST

START_TEST(test_claims)
{
	static const struct { const char *v; int claims; } t[] = {
		{ " mx.example.org; spf=pass smtp.mailfrom=x", 1 },
		{ "MX.Example.ORG; dkim=pass", 1 },
		{ "(forged) mx.example.org;", 1 },
		{ "\"mx.example.org\"; spf=pass", 1 },
		{ "mx.example.org", 1 },                 /* malformed, still ours */
		{ "mx.example.org; spf=pass (unterminated", 1 },
		{ "mx.example.org.evil; spf=pass", 0 },
		{ "evil.mx.example.org; spf=pass", 0 },
		{ "other.example; spf=pass", 0 },
		{ "", 0 },
		{ "(unterminated mx.example.org", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(ar_claims_authserv_id(t[i].v, strlen(t[i].v),
		    "mx.example.org") == t[i].claims, "'%s'", t[i].v);
	ck_assert_int_eq(ar_claims_authserv_id("x; spf=pass", 11, ""), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("ar_parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_full_header);
	tcase_add_test(tc, test_microsoft_version_and_none);
	tcase_add_test(tc, test_method_version_reason_quoted_id);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_claims);
	suite_add_tcase(s, tc);
	return s;
}
