/*
 * tests/dmarc/check_dmarc_from.c - author domain extraction (dmarc/from.c):
 * the RFC 5322 forms, and the bypasses other implementations fell for
 * (CVE-2019-16378 multi-valued From, "user@example.net>", display names
 * that look like addresses, comments, encoded words, groups, routes).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"

static dmarc_from out;
static char why[160];

static dmarc_from_status
one(const char *v)
{
	const char *vals[1] = { v };

	return dmarc_from_parse(vals, NULL, 1, &out, why, sizeof(why));
}

/* Exactly one domain, equal to want. */
static void
expect1(const char *v, const char *want)
{
	dmarc_from_status st = one(v);

	ck_assert_msg(st == DMARC_FROM_OK, "%s: status %s (%s)", v,
	    dmarc_from_status_name(st), why);
	ck_assert_msg(out.ndomains == 1, "%s: %zu domains", v, out.ndomains);
	ck_assert_str_eq(out.domains[0], want);
}

static void
expect_err(const char *v, dmarc_from_status want)
{
	dmarc_from_status st = one(v);

	ck_assert_msg(st == want, "%s: got %s want %s (%s)", v,
	    dmarc_from_status_name(st), dmarc_from_status_name(want), why);
	ck_assert(why[0] != '\0');
}

START_TEST(plain_forms)
{
	expect1("user@example.com", "example.com");
	expect1("<user@example.com>", "example.com");
	expect1(" <user@example.com > ", "example.com");
	expect1("Sample User <user@Example.COM>", "example.com");
	expect1("\"Sample, User\" <user@example.com>", "example.com");
	expect1("John Q. Public <jqp@example.com>", "example.com"); /* obs-phrase */
	expect1("Bob\r\n\t<bob@example.com>", "example.com");        /* folded */
	expect1("\"a@b\"@example.com", "example.com");               /* quoted local */
	expect1("john . doe @ example . com", "example.com");        /* obs CFWS */
	expect1("first.last@sub.example.org", "sub.example.org");
}
END_TEST

START_TEST(display_names_cannot_fool)
{
	expect1("\"a@evil.example\" <b@good.example>", "good.example");
	expect1("\"<a@evil.example>\" <b@good.example>", "good.example");
	expect1("\"x\\\"<a@evil.example>\" <b@good.example>", "good.example");
	expect1("(a@evil.example) b@good.example", "good.example");
	expect1("b@good.example (<a@evil.example>)", "good.example");
	expect1("b@good.example (nested (<a@evil.example>) \\) x)",
	    "good.example");
	/* an unquoted address before the real one is not a display name */
	expect_err("a@evil.example <b@good.example>", DMARC_FROM_SYNTAX);
	expect_err("Foo <a@good.example> <b@evil.example>", DMARC_FROM_SYNTAX);
}
END_TEST

START_TEST(angle_bracket_errors)
{
	/* the "user@example.net>" bypass */
	expect_err("user@example.net>", DMARC_FROM_SYNTAX);
	expect_err("<user@example.net", DMARC_FROM_SYNTAX);
	expect_err("<user@example.net>>", DMARC_FROM_SYNTAX);
	expect_err("<<user@example.net>", DMARC_FROM_SYNTAX);
	expect_err("user@good.example>, x@evil.example", DMARC_FROM_SYNTAX);
	expect_err("<>", DMARC_FROM_NO_ADDRESS);
}
END_TEST

START_TEST(multi_valued_cve_2019_16378)
{
	ck_assert_int_eq(one("a@good.example, b@evil.example"), DMARC_FROM_OK);
	ck_assert_uint_eq(out.ndomains, 2);
	ck_assert_str_eq(out.domains[0], "good.example");
	ck_assert_str_eq(out.domains[1], "evil.example");
	ck_assert_int_eq(one("Sample User <user@example.com>,Sample2<user@example2.com>"),
	    DMARC_FROM_OK);
	ck_assert_uint_eq(out.ndomains, 2);
	/* same domain twice: one author domain, two addresses */
	ck_assert_int_eq(one("a@Example.com, b@example.COM"), DMARC_FROM_OK);
	ck_assert_uint_eq(out.ndomains, 1);
	ck_assert_uint_eq(out.naddresses, 2);
	/* obs-mbox-list null elements */
	ck_assert_int_eq(one(", a@x.example,, b@y.example ,"), DMARC_FROM_OK);
	ck_assert_uint_eq(out.ndomains, 2);
}
END_TEST

START_TEST(several_from_fields)
{
	const char *vals[2] = { "a@good.example", "b@evil.example" };

	ck_assert_int_eq(dmarc_from_parse(vals, NULL, 2, &out, why, sizeof(why)),
	    DMARC_FROM_MULTIPLE);
	ck_assert_uint_eq(out.ndomains, 2); /* kept for the caller */
	ck_assert_int_eq(dmarc_from_parse(vals, NULL, 0, &out, why, sizeof(why)),
	    DMARC_FROM_NONE);
}
END_TEST

START_TEST(groups_and_routes)
{
	ck_assert_int_eq(one("team: a@x.example, b@y.example;"), DMARC_FROM_OK);
	ck_assert_uint_eq(out.ndomains, 2);
	expect_err("undisclosed-recipients:;", DMARC_FROM_NO_ADDRESS);
	expect_err("a: b: c@x.example;;", DMARC_FROM_SYNTAX);
	expect_err("team: a@x.example", DMARC_FROM_SYNTAX);
	expect1("<@relay.example,@r2.example:user@example.com>", "example.com");
	expect1("Name <@relay.example:user@example.com>", "example.com");
	expect_err("<@relay.example user@example.com>", DMARC_FROM_SYNTAX);
}
END_TEST

START_TEST(encoded_words)
{
	expect1("=?utf-8?q?Bob_Smith?= <bob@example.com>", "example.com");
	expect1("=?utf-8?B?Qm9i?= <bob@example.com>", "example.com");
	/* an '@' in an encoded word is never an address */
	expect_err("=?utf-8?q?x@evil.example?= <bob@example.com>",
	    DMARC_FROM_BAD_DOMAIN);
	expect_err("=?utf-8?q?x?=@evil.example <bob@example.com>",
	    DMARC_FROM_SYNTAX);
}
END_TEST

START_TEST(idn)
{
	expect1("a@B\xc3\xbc" "cher.example", "xn--bcher-kva.example");
	expect1("a@XN--BCHER-KVA.example", "xn--bcher-kva.example");
	expect1("J\xc3\xb6rg <j@m\xc3\xbcller.example>", "xn--mller-kva.example");
	expect_err("a@\xff\xfe.example", DMARC_FROM_BAD_DOMAIN);
}
END_TEST

START_TEST(bad_domains_and_addresses)
{
	char lbl[100], longname[400];

	expect_err("user@", DMARC_FROM_BAD_DOMAIN);
	expect_err("user@[192.0.2.1]", DMARC_FROM_BAD_DOMAIN);
	expect_err("user@exa$mple.com", DMARC_FROM_BAD_DOMAIN);
	expect_err("user@example.com.", DMARC_FROM_BAD_DOMAIN);
	expect_err("user@.example.com", DMARC_FROM_BAD_DOMAIN);
	expect_err("user@example..com", DMARC_FROM_BAD_DOMAIN);
	expect_err("\"Test 1.1.5\"", DMARC_FROM_NO_ADDRESS);
	expect_err("undisclosed", DMARC_FROM_NO_ADDRESS);
	expect_err("", DMARC_FROM_NO_ADDRESS);
	expect_err("@example.com", DMARC_FROM_SYNTAX);
	memset(lbl, 'a', 64);
	lbl[64] = '\0';
	snprintf(longname, sizeof(longname), "u@%s.example", lbl);
	expect_err(longname, DMARC_FROM_BAD_DOMAIN);
	memset(longname, 0, sizeof(longname));
	memcpy(longname, "u@", 2);
	for (size_t i = 0; i < 130; i++)
		memcpy(longname + 2 + 2 * i, "a.", 2);
	memcpy(longname + 262, "com", 3);
	expect_err(longname, DMARC_FROM_BAD_DOMAIN);
}
END_TEST

/* The reason for a bad author domain: the first fault reading left to
 * right (an A-label is judged when its label ends). */
static void
expect_bad_domain(const char *v, const char *want)
{
	expect_err(v, DMARC_FROM_BAD_DOMAIN);
	ck_assert_msg(strcmp(why, want) == 0, "%s: '%s', want '%s'", v, why,
	    want);
}

START_TEST(bad_domain_reasons)
{
	char s[400];

	expect_bad_domain("u@exa$mple.com", "domain is not a host name");
	expect_bad_domain("u@example..com", "empty label in domain");
	expect_bad_domain("u@example.com.", "empty label in domain");
	expect_bad_domain("u@xn--zz.example", "invalid A-label in domain");
	expect_bad_domain("u@xn--zz.exa$mple", "invalid A-label in domain");
	expect_bad_domain("u@exa$mple.xn--zz", "domain is not a host name");
	expect_bad_domain("u@a..xn--zz", "empty label in domain");
	expect1("u@-x_.y-", "-x_.y-");
	snprintf(s, sizeof(s), "u@%070d.example", 0);
	expect_bad_domain(s, "domain label longer than 63 octets");
	snprintf(s, sizeof(s), "u@%070d$.example", 0);
	expect_bad_domain(s, "domain is not a host name");
	snprintf(s, sizeof(s), "u@xn--zz.%070d.example", 0);
	expect_bad_domain(s, "invalid A-label in domain");
	snprintf(s, sizeof(s), "u@%070d.xn--zz", 0);
	expect_bad_domain(s, "domain label longer than 63 octets");
	snprintf(s, sizeof(s), "u@%0250d.xn--zz", 0);
	expect_bad_domain(s, "domain longer than 253 octets");
}
END_TEST

START_TEST(hostile_lexing)
{
	char deep[200];
	const char *vals[1];
	size_t lens[1];

	expect_err("(unterminated comment a@b.example", DMARC_FROM_SYNTAX);
	expect_err("\"unterminated a@b.example", DMARC_FROM_SYNTAX);
	expect_err("\"esc at end\\", DMARC_FROM_SYNTAX);
	expect_err("\"x\\\" <a@b.example>", DMARC_FROM_SYNTAX);
	expect_err("a@b.example)", DMARC_FROM_SYNTAX);
	memset(deep, '(', 100);
	memcpy(deep + 100, "x", 2);
	expect_err(deep, DMARC_FROM_SYNTAX);
	ck_assert(strstr(why, "nested") != NULL);
	/* NUL octet: length-bounded input */
	vals[0] = "a@b.exa\0mple.com";
	lens[0] = 16;
	ck_assert_int_eq(dmarc_from_parse(vals, lens, 1, &out, why, sizeof(why)),
	    DMARC_FROM_SYNTAX);
	/* too many distinct domains: its own status, the first ones kept */
	ck_assert_int_eq(one("a@a.example, a@b.example, a@c.example, a@d.example, "
	    "a@e.example, a@f.example, a@g.example, a@h.example, a@i.example"),
	    DMARC_FROM_TOO_MANY);
	ck_assert_uint_eq(out.ndomains, DMARC_MAX_AUTHORS);
	ck_assert_str_eq(why, "more than 8 author domains");
	ck_assert_str_eq(dmarc_from_status_name(DMARC_FROM_TOO_MANY), "too-many");
}
END_TEST

/* Over DMARC_FROM_MAX_LEN, in one field or several: its own status
 * (was "syntax"), whatever the text. */
START_TEST(too_long)
{
	static char big[DMARC_FROM_MAX_LEN + 32];
	const char *vals[2];
	size_t lens[2];

	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "a@example.com (", 15);
	big[DMARC_FROM_MAX_LEN] = ')';
	big[DMARC_FROM_MAX_LEN + 1] = '\0';
	ck_assert_int_eq(one(big), DMARC_FROM_TOO_LONG);
	ck_assert_msg(strstr(why, "16384") != NULL, "%s", why);
	ck_assert_str_eq(dmarc_from_status_name(DMARC_FROM_TOO_LONG), "too-long");
	big[DMARC_FROM_MAX_LEN - 1] = ')';
	big[DMARC_FROM_MAX_LEN] = '\0';
	expect1(big, "example.com");               /* exactly at the bound */
	vals[0] = big;
	vals[1] = "b@example.org";
	lens[0] = DMARC_FROM_MAX_LEN - 10;
	lens[1] = 13;
	big[lens[0] - 1] = ')';
	ck_assert_int_eq(dmarc_from_parse(vals, lens, 2, &out, why,
	    sizeof(why)), DMARC_FROM_TOO_LONG);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_from");
	TCase *tc = tcase_create("from");

	tcase_add_test(tc, plain_forms);
	tcase_add_test(tc, display_names_cannot_fool);
	tcase_add_test(tc, angle_bracket_errors);
	tcase_add_test(tc, multi_valued_cve_2019_16378);
	tcase_add_test(tc, several_from_fields);
	tcase_add_test(tc, groups_and_routes);
	tcase_add_test(tc, encoded_words);
	tcase_add_test(tc, idn);
	tcase_add_test(tc, bad_domains_and_addresses);
	tcase_add_test(tc, bad_domain_reasons);
	tcase_add_test(tc, hostile_lexing);
	tcase_add_test(tc, too_long);
	suite_add_tcase(s, tc);
	return s;
}
