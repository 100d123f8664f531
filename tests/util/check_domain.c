/*
 * tests/util/check_domain.c - util/domain: the syntax check and its flags
 * (label and name limits at the boundary, underscores, hyphens, octet
 * classes, the trailing dot, the first fault and where it is), and the
 * case-folded comparison and subdomain test on label boundaries.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "util/domain.h"
#include "tests/lib/check_main.h"

/* The flags the product's callers use (see the callers). */
#define DKIM_DOMAIN (DOMAIN_LETDIG_ENDS | DOMAIN_FQDN)
#define DKIM_SELECTOR (DOMAIN_LETDIG_ENDS | DOMAIN_UNDERSCORE)
#define SPF_NAME (DOMAIN_TRAILING_DOT | DOMAIN_PRINTABLE | DOMAIN_FQDN | \
	DOMAIN_ALPHA_TOP)

/* domain_check() of the string s gives want, with the fault at want_at. */
static void
check_at(const char *s, unsigned flags, domain_err want, size_t want_at)
{
	size_t at = 9999;
	domain_err got = domain_check(s, strlen(s), flags, &at);

	ck_assert_msg(got == want, "'%s' flags %#x: error %d, want %d", s,
	    flags, (int)got, (int)want);
	ck_assert_msg(at == want_at, "'%s' flags %#x: at %zu, want %zu", s,
	    flags, at, want_at);
	ck_assert_int_eq(domain_valid(s, strlen(s), flags), want == DOMAIN_OK);
}

static void
check_ok(const char *s, unsigned flags)
{
	check_at(s, flags, DOMAIN_OK, strlen(s) - ((flags &
	    DOMAIN_TRAILING_DOT) && s[0] != '\0' && s[strlen(s) - 1] == '.'));
}

/* n octets of c */
static void
fill(char *p, int c, size_t n)
{
	memset(p, c, n);
}

START_TEST(labels_and_names_at_their_limits)
{
	char s[600];

	/* a label of 63 octets, and of 64 (judged where it ends) */
	fill(s, 'a', 63);
	memcpy(s + 63, ".com", 5);
	check_ok(s, 0);
	check_ok(s, DKIM_DOMAIN);
	fill(s, 'a', 64);
	memcpy(s + 64, ".com", 5);
	check_at(s, 0, DOMAIN_ERR_LONG_LABEL, 64);
	fill(s, 'b', 70);
	s[70] = '\0';
	check_at(s, 0, DOMAIN_ERR_LONG_LABEL, 70);
	/* the last label too */
	memcpy(s, "x.", 2);
	fill(s + 2, 'c', 64);
	s[66] = '\0';
	check_at(s, 0, DOMAIN_ERR_LONG_LABEL, 66);
	s[65] = '\0';
	check_ok(s, 0);

	/* 253 octets of text (RFC 1035 2.3.4: 255 in wire form) */
	fill(s, 'a', 63);
	s[63] = '.';
	fill(s + 64, 'b', 63);
	s[127] = '.';
	fill(s + 128, 'c', 63);
	s[191] = '.';
	fill(s + 192, 'd', 61);
	s[253] = '\0';
	ck_assert_uint_eq(strlen(s), DOMAIN_MAX_TEXT);
	check_ok(s, 0);
	check_ok(s, DKIM_DOMAIN);
	/* with the root's dot: 254 octets, allowed only with the flag */
	s[253] = '.';
	s[254] = '\0';
	check_ok(s, DOMAIN_TRAILING_DOT);
	check_at(s, 0, DOMAIN_ERR_LONG, 0);
	/* 254 octets of name */
	s[253] = 'd';
	check_at(s, 0, DOMAIN_ERR_LONG, 0);
	check_at(s, DOMAIN_TRAILING_DOT, DOMAIN_ERR_LONG, 0);
	s[254] = '.';
	s[255] = '\0';
	check_at(s, DOMAIN_TRAILING_DOT, DOMAIN_ERR_LONG, 0);

	ck_assert_int_eq(DOMAIN_MAX_LABEL, 63);
	ck_assert_int_eq(DOMAIN_MAX_WIRE, DOMAIN_MAX_TEXT + 2);
}
END_TEST

START_TEST(empty_names_and_labels)
{
	check_at("", 0, DOMAIN_ERR_EMPTY, 0);
	check_at("", DOMAIN_TRAILING_DOT, DOMAIN_ERR_EMPTY, 0);
	check_at(".", DOMAIN_TRAILING_DOT, DOMAIN_ERR_EMPTY, 0);
	check_at(".", 0, DOMAIN_ERR_EMPTY_LABEL, 0);
	check_at(".com", 0, DOMAIN_ERR_EMPTY_LABEL, 0);
	check_at("a..com", 0, DOMAIN_ERR_EMPTY_LABEL, 2);
	check_at("a.com.", 0, DOMAIN_ERR_EMPTY_LABEL, 6);
	check_ok("a.com.", DOMAIN_TRAILING_DOT);
	/* one final dot, not two */
	check_at("a.com..", DOMAIN_TRAILING_DOT, DOMAIN_ERR_EMPTY_LABEL, 6);
	check_at("..", DOMAIN_TRAILING_DOT, DOMAIN_ERR_EMPTY_LABEL, 0);
	/* n is the length: a name need not be NUL-terminated */
	ck_assert_int_eq(domain_check("example.com", 7, 0, NULL), DOMAIN_OK);
	ck_assert_int_eq(domain_check("example.com", 0, 0, NULL),
	    DOMAIN_ERR_EMPTY);
	ck_assert_int_eq(domain_check("example.com", 8, 0, NULL),
	    DOMAIN_ERR_EMPTY_LABEL);
}
END_TEST

START_TEST(underscores)
{
	/* DKIM selectors and owner names such as _dmarc.example.com */
	check_at("_dmarc.example.com", 0, DOMAIN_ERR_OCTET, 0);
	check_ok("_dmarc.example.com", DOMAIN_UNDERSCORE);
	check_ok("sel_1", DKIM_SELECTOR);
	check_ok("_s", DKIM_SELECTOR);
	check_ok("s_", DKIM_SELECTOR);
	check_ok("2024._domainkey", DKIM_SELECTOR);
	/* but not in a DKIM d= domain */
	check_at("a_b.example", DKIM_DOMAIN, DOMAIN_ERR_OCTET, 1);
	check_at("example.co_m", DKIM_DOMAIN, DOMAIN_ERR_OCTET, 10);
	/* an underscore is not a hyphen: it may begin or end a label */
	check_ok("_a_._b_", DOMAIN_UNDERSCORE | DOMAIN_LETDIG_ENDS);
}
END_TEST

START_TEST(hyphens)
{
	check_ok("a-b.example", DKIM_DOMAIN);
	check_ok("a--b.example", DKIM_DOMAIN);
	check_ok("xn--bcher-kva.example", DKIM_DOMAIN);
	check_at("-a.example", DKIM_DOMAIN, DOMAIN_ERR_HYPHEN_START, 0);
	check_at("a.-example", DKIM_DOMAIN, DOMAIN_ERR_HYPHEN_START, 2);
	check_at("a-.example", DKIM_DOMAIN, DOMAIN_ERR_HYPHEN_END, 2);
	check_at("a.example-", DKIM_DOMAIN, DOMAIN_ERR_HYPHEN_END, 10);
	check_at("-", DKIM_SELECTOR, DOMAIN_ERR_HYPHEN_START, 0);
	/* without DOMAIN_LETDIG_ENDS (From domains) '-' goes anywhere */
	check_ok("-a.example-", 0);
	check_ok("-", 0);
}
END_TEST

START_TEST(octet_classes)
{
	check_ok("Mail.Example.COM", 0);
	check_at("a b.com", 0, DOMAIN_ERR_OCTET, 1);
	check_at("ex$mple.com", 0, DOMAIN_ERR_OCTET, 2);
	check_at("b\xc3\xbc" "cher.de", 0, DOMAIN_ERR_OCTET, 1);
	check_at("a*.com", 0, DOMAIN_ERR_OCTET, 1);
	/* SPF names: any printable ASCII but '.' */
	check_ok("a$b!{}~.example.com", SPF_NAME);
	check_at("a b.example.com", SPF_NAME, DOMAIN_ERR_OCTET, 1);
	check_at("a\x7f.example.com", SPF_NAME, DOMAIN_ERR_OCTET, 1);
	check_at("\xc3\xa4.example.com", SPF_NAME, DOMAIN_ERR_OCTET, 0);
	/* DNS itself: any octet but NUL */
	check_ok("a b\x01\xff.example", DOMAIN_OCTETS);
	ck_assert_int_eq(domain_check("a\0b.example", 11, DOMAIN_OCTETS,
	    NULL), DOMAIN_ERR_OCTET);
	ck_assert_int_eq(domain_check("a\0b.example", 11, DOMAIN_PRINTABLE,
	    NULL), DOMAIN_ERR_OCTET);
	ck_assert_int_eq(domain_check("a\0b.example", 11, 0, NULL),
	    DOMAIN_ERR_OCTET);
}
END_TEST

START_TEST(whole_name_rules)
{
	check_ok("localhost", 0);
	check_at("localhost", DOMAIN_FQDN, DOMAIN_ERR_ONE_LABEL, 9);
	check_at("localhost.", SPF_NAME, DOMAIN_ERR_ONE_LABEL, 9);
	check_ok("a.b", DOMAIN_FQDN);
	check_at("192.0.2.1", DOMAIN_ALPHA_TOP, DOMAIN_ERR_NUMERIC_TOP, 9);
	check_at("example.123", SPF_NAME, DOMAIN_ERR_NUMERIC_TOP, 11);
	check_at("example.123.", SPF_NAME, DOMAIN_ERR_NUMERIC_TOP, 11);
	check_ok("example.1a", SPF_NAME);
	check_ok("example.a1", SPF_NAME);
	check_ok("example.1-1", SPF_NAME);
	check_ok("192.0.2.1", DOMAIN_FQDN);
	/* a one-label numeric name is first of all one label */
	check_at("123", SPF_NAME, DOMAIN_ERR_ONE_LABEL, 3);
}
END_TEST

/* The first fault reading left to right, a label's length and final '-'
 * judged where it ends, its octets where they stand. */
START_TEST(first_fault_wins)
{
	char s[300];

	check_at("a$..b", 0, DOMAIN_ERR_OCTET, 1);
	check_at("a..b$", 0, DOMAIN_ERR_EMPTY_LABEL, 2);
	check_at("a.b$..", 0, DOMAIN_ERR_OCTET, 3);
	check_at("-a-.b", DKIM_DOMAIN, DOMAIN_ERR_HYPHEN_START, 0);
	check_at("a-.-b", DKIM_DOMAIN, DOMAIN_ERR_HYPHEN_END, 2);
	check_at("a.b", DKIM_DOMAIN | DOMAIN_ALPHA_TOP, DOMAIN_OK, 3);
	/* a bad octet past the 63rd of a label comes before its length */
	fill(s, 'a', 70);
	s[66] = '$';
	memcpy(s + 70, ".com", 5);
	check_at(s, 0, DOMAIN_ERR_OCTET, 66);
	/* a long label that ends in '-' is long first */
	fill(s, 'a', 63);
	memcpy(s + 63, "-.com", 6);
	check_at(s, DKIM_DOMAIN, DOMAIN_ERR_LONG_LABEL, 64);
	/* the name's length before anything in it */
	fill(s, '$', 254);
	s[254] = '\0';
	check_at(s, 0, DOMAIN_ERR_LONG, 0);
	s[253] = '\0';
	check_at(s, 0, DOMAIN_ERR_OCTET, 0);
}
END_TEST

START_TEST(within_on_label_boundaries)
{
	ck_assert(domain_within("example.com", "example.com", 0));
	ck_assert(domain_within("a.example.com", "example.com", 0));
	ck_assert(domain_within("a.b.example.com", "example.com", 0));
	ck_assert(domain_within("example.com", "com", 0));
	ck_assert(!domain_within("evilexample.com", "example.com", 0));
	ck_assert(!domain_within("a.evilexample.com", "example.com", 0));
	ck_assert(!domain_within("ample.com", "example.com", 0));
	ck_assert(!domain_within("example.com", "a.example.com", 0));
	ck_assert(!domain_within("com", "example.com", 0));
	ck_assert(!domain_within("example.com", "e.com", 0));
	ck_assert(!domain_within("example.com", "m", 0));
	ck_assert(!domain_within("example.com.evil", "example.com", 0));
	ck_assert(!domain_within("example.co", "example.com", 0));
	/* every flag but the trailing dot is ignored */
	ck_assert(!domain_within("evilexample.com", "example.com",
	    ~DOMAIN_TRAILING_DOT));
}
END_TEST

START_TEST(case_is_folded_ascii_only)
{
	ck_assert(domain_within("A.EXAMPLE.Com", "example.COM", 0));
	ck_assert(domain_within("mail.example.com", "EXAMPLE.COM", 0));
	ck_assert(!domain_within("EVILEXAMPLE.COM", "example.com", 0));
	ck_assert(domain_equal("ExAmple.COM", "example.com", 0));
	ck_assert(domain_equal("example.com", "EXAMPLE.COM", 0));
	ck_assert(!domain_equal("example.com", "example.org", 0));
	ck_assert(!domain_equal("example.com", "example.co", 0));
	ck_assert(!domain_equal("example.co", "example.com", 0));
	/* the neighbours of the letters do not fold: @ ` [ { */
	ck_assert(!domain_equal("a@b", "a`b", 0));
	ck_assert(!domain_equal("a[b", "a{b", 0));
	/* nor do non-ASCII octets (RFC 4343: ASCII case only) */
	ck_assert(!domain_equal("\xc3\x84.de", "\xc3\xa4.de", 0));
	ck_assert(!domain_equal("\xc4.de", "\xe4.de", 0));
	ck_assert(!domain_within("x.\xc4.de", "\xe4.de", 0));
}
END_TEST

START_TEST(trailing_dot)
{
	/* as text, a final dot is an octet like another */
	ck_assert(!domain_within("a.example.com.", "example.com", 0));
	ck_assert(!domain_within("a.example.com", "example.com.", 0));
	ck_assert(domain_within("a.example.com.", "example.com.", 0));
	ck_assert(!domain_equal("example.com.", "example.com", 0));
	ck_assert(domain_equal("example.com.", "example.com.", 0));
	/* with the flag, one final dot on either side is ignored */
	ck_assert(domain_within("a.example.com.", "example.com",
	    DOMAIN_TRAILING_DOT));
	ck_assert(domain_within("a.example.com", "example.com.",
	    DOMAIN_TRAILING_DOT));
	ck_assert(domain_within("example.com.", "example.com",
	    DOMAIN_TRAILING_DOT));
	ck_assert(!domain_within("evilexample.com.", "example.com.",
	    DOMAIN_TRAILING_DOT));
	ck_assert(domain_equal("Example.com.", "example.COM",
	    DOMAIN_TRAILING_DOT));
	/* one, not two */
	ck_assert(!domain_equal("example.com..", "example.com",
	    DOMAIN_TRAILING_DOT));
	ck_assert(!domain_within("a.example.com..", "example.com",
	    DOMAIN_TRAILING_DOT));
}
END_TEST

START_TEST(empty_never_matches)
{
	static const unsigned fl[] = { 0, DOMAIN_TRAILING_DOT };
	size_t i;

	for (i = 0; i < 2; i++) {
		ck_assert(!domain_equal("", "", fl[i]));
		ck_assert(!domain_equal("", "example.com", fl[i]));
		ck_assert(!domain_equal("example.com", "", fl[i]));
		ck_assert(!domain_within("", "", fl[i]));
		ck_assert(!domain_within("", "example.com", fl[i]));
		ck_assert(!domain_within("example.com", "", fl[i]));
		ck_assert(!domain_within("example.com.", "", fl[i]));
		ck_assert(!domain_within("a.", "", fl[i]));
	}
	ck_assert(!domain_equal(".", ".", DOMAIN_TRAILING_DOT));
	ck_assert(!domain_within("a.", ".", DOMAIN_TRAILING_DOT));
	ck_assert(!domain_within(".", ".", DOMAIN_TRAILING_DOT));
	/* "." is a name as text */
	ck_assert(domain_equal(".", ".", 0));
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, labels_and_names_at_their_limits);
	tcase_add_test(tc, empty_names_and_labels);
	tcase_add_test(tc, underscores);
	tcase_add_test(tc, hyphens);
	tcase_add_test(tc, octet_classes);
	tcase_add_test(tc, whole_name_rules);
	tcase_add_test(tc, first_fault_wins);
	tcase_add_test(tc, within_on_label_boundaries);
	tcase_add_test(tc, case_is_folded_ascii_only);
	tcase_add_test(tc, trailing_dot);
	tcase_add_test(tc, empty_never_matches);
	suite_add_tcase(s, tc);
	return s;
}
