/*
 * tests/spf/check_spf.c - unit tests for the DNS-free parts of spf/ and
 * util/ipaddr: addresses and CIDR, record selection and parsing, and the
 * macro expander (every RFC 7208 7.4 example).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/macro_int.h"
#include "spf/record_int.h"
#include "spf/spf.h"
#include "tests/lib/check_main.h"
#include "util/ipaddr.h"

/* ---- ipaddr ---- */

START_TEST(ip_parse_v4)
{
	ipaddr a;

	ck_assert_int_eq(ipaddr_parse("192.0.2.3", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.b[0], 192);
	ck_assert_int_eq(a.b[3], 3);
	ck_assert_int_eq(ipaddr_parse("0.0.0.0", &a), 0);
	ck_assert_int_eq(ipaddr_parse("255.255.255.255", &a), 0);
	ck_assert_int_eq(ipaddr_parse("1.2.3", &a), -1);
	ck_assert_int_eq(ipaddr_parse("1.2.3.4.5", &a), -1);
	ck_assert_int_eq(ipaddr_parse("256.1.1.1", &a), -1);
	ck_assert_int_eq(ipaddr_parse("01.2.3.4", &a), -1);
	ck_assert_int_eq(ipaddr_parse("1.2.3.4 ", &a), -1);
	ck_assert_int_eq(ipaddr_parse("", &a), -1);
	ck_assert_int_eq(ipaddr_parse("1..2.3", &a), -1);
	ck_assert_int_eq(ipaddr_parse("1.2.3.1234", &a), -1);
}
END_TEST

START_TEST(ip_parse_v6)
{
	ipaddr a;
	char buf[IPADDR_TEXT_MAX];

	ck_assert_int_eq(ipaddr_parse("2001:DB8::CB01", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_gt(ipaddr_format(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::cb01");
	ck_assert_int_eq(ipaddr_parse("::ffff:1.2.3.4", &a), 0);
	ck_assert_int_eq(ipaddr_unmap(&a), 1);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(ipaddr_format(&a, buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "1.2.3.4");
	ck_assert_int_eq(ipaddr_parse("::1", &a), 0);
	ck_assert_int_eq(ipaddr_unmap(&a), 0);
	ck_assert_int_eq(ipaddr_parse("fe80::1%eth0", &a), -1);
	ck_assert_int_eq(ipaddr_parse("[::1]", &a), -1);
	ck_assert_int_eq(ipaddr_parse("1:2:3:4:5:6:7:8:9", &a), -1);
	ck_assert_int_eq(ipaddr_parse(
	    "1111:2222:3333:4444:5555:6666:7777:8888:9999:0000", &a), -1);
}
END_TEST

START_TEST(ip_cidr)
{
	ipaddr a, n;
	unsigned p;

	ck_assert_int_eq(ipaddr_parse("192.0.2.200", &a), 0);
	ck_assert_int_eq(ipaddr_parse_cidr("192.0.2.128/25", &n, &p), 0);
	ck_assert_uint_eq(p, 25);
	ck_assert_int_eq(ipaddr_match(&a, &n, p), 1);
	ck_assert_int_eq(ipaddr_parse_cidr("192.0.2.0/25", &n, &p), 0);
	ck_assert_int_eq(ipaddr_match(&a, &n, p), 0);
	ck_assert_int_eq(ipaddr_match(&a, &n, 0), 1);
	ck_assert_int_eq(ipaddr_parse_cidr("10.0.0.0/33", &n, &p), -1);
	ck_assert_int_eq(ipaddr_parse_cidr("10.0.0.0/08", &n, &p), -1);
	ck_assert_int_eq(ipaddr_parse_cidr("10.0.0.0/", &n, &p), -1);
	ck_assert_int_eq(ipaddr_parse_cidr("10.0.0.1", &n, &p), 0);
	ck_assert_uint_eq(p, 32);
	ck_assert_int_eq(ipaddr_parse("2001:db8:1234::cafe", &a), 0);
	ck_assert_int_eq(ipaddr_parse_cidr("2001:db8:1230::/44", &n, &p), 0);
	ck_assert_int_eq(ipaddr_match(&a, &n, p), 1);
	ck_assert_int_eq(ipaddr_match(&a, &n, 47), 0);
	ck_assert_int_eq(ipaddr_parse_cidr("2001:db8::/129", &n, &p), -1);
	/* families never match each other */
	ck_assert_int_eq(ipaddr_parse_cidr("0.0.0.0/0", &n, &p), 0);
	ck_assert_int_eq(ipaddr_match(&a, &n, 0), 0);
}
END_TEST

START_TEST(ip_reverse)
{
	ipaddr a;
	char buf[IPADDR_REVERSE_MAX];

	ck_assert_int_eq(ipaddr_parse("192.0.2.3", &a), 0);
	ck_assert_int_gt(ipaddr_reverse_name(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "3.2.0.192.in-addr.arpa");
	ck_assert_int_eq(ipaddr_parse("2001:db8::cb01", &a), 0);
	ck_assert_int_eq(ipaddr_reverse_name(&a, buf, sizeof(buf)), 72);
	ck_assert_str_eq(buf, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa");
	ck_assert_int_eq(ipaddr_reverse_name(&a, buf, 20), -1);
}
END_TEST

/* ---- record selection and parsing ---- */

static int
parse(const char *txt, spf_record *rec)
{
	char err[256];

	return spf_record_parse(txt, strlen(txt), rec, err, sizeof(err));
}

static void
assert_permerror(const char *txt)
{
	spf_record rec;

	if (parse(txt, &rec) != -1)
		ck_abort_msg("'%s' parsed but is invalid", txt);
}

START_TEST(rec_version)
{
	ck_assert_int_eq(spf_record_is_spf("v=spf1", 6), 1);
	ck_assert_int_eq(spf_record_is_spf("V=SPF1 -all", 11), 1);
	ck_assert_int_eq(spf_record_is_spf("v=spf1-all", 10), 0);
	ck_assert_int_eq(spf_record_is_spf("v=spf10", 7), 0);
	ck_assert_int_eq(spf_record_is_spf(" v=spf1", 7), 0);
	ck_assert_int_eq(spf_record_is_spf("v=spf", 5), 0);
	ck_assert_int_eq(spf_record_is_spf("spf2.0/pra -all", 15), 0);
}
END_TEST

START_TEST(rec_select)
{
	dns_record rr[3];
	dns_answer a;
	const char *txt = NULL;
	size_t len = 0;

	memset(&a, 0, sizeof(a));
	memset(rr, 0, sizeof(rr));
	a.status = DNS_RECORDS;
	a.records = rr;
	rr[0].type = DNS_T_TXT;
	rr[0].u.txt.text = "google-site-verification=x";
	rr[0].u.txt.len = strlen(rr[0].u.txt.text);
	rr[1].type = DNS_T_TXT;
	rr[1].u.txt.text = "v=spf1 -all";
	rr[1].u.txt.len = 11;
	rr[2].type = DNS_T_TXT;
	rr[2].u.txt.text = "v=spf1 +all";
	rr[2].u.txt.len = 11;
	a.count = 2;
	ck_assert_int_eq(spf_record_select(&a, &txt, &len), 1);
	ck_assert_str_eq(txt, "v=spf1 -all");
	a.count = 3;
	ck_assert_int_eq(spf_record_select(&a, &txt, &len), 2);
	a.count = 1;
	ck_assert_int_eq(spf_record_select(&a, &txt, &len), 0);
	a.status = DNS_NXDOMAIN;
	ck_assert_int_eq(spf_record_select(&a, &txt, &len), 0);
}
END_TEST

START_TEST(rec_terms)
{
	spf_record rec;

	ck_assert_int_eq(parse("v=spf1 ip4:192.0.2.0/24 a:mail.example.com/28//64 "
	    "mx -ptr ~include:_spf.example.net ?exists:%{ir}.x.example "
	    "ip6:2001:db8::/32 redirect=_spf.example.org exp=exp.%{d} "
	    "foo.bar=baz -all  ", &rec), 0);
	ck_assert_uint_eq(rec.nterms, 11);
	ck_assert_int_eq(rec.terms[0].kind, SPF_T_IP4);
	ck_assert_uint_eq(rec.terms[0].cidr4, 24);
	ck_assert_int_eq(rec.terms[1].kind, SPF_T_A);
	ck_assert_uint_eq(rec.terms[1].cidr4, 28);
	ck_assert_uint_eq(rec.terms[1].cidr6, 64);
	ck_assert_uint_eq(rec.terms[1].speclen, strlen("mail.example.com"));
	ck_assert_int_eq(rec.terms[2].kind, SPF_T_MX);
	ck_assert_ptr_null(rec.terms[2].spec);
	ck_assert_uint_eq(rec.terms[2].cidr4, 32);
	ck_assert_int_eq(rec.terms[3].qualifier, '-');
	ck_assert_int_eq(rec.terms[3].kind, SPF_T_PTR);
	ck_assert_int_eq(rec.terms[4].qualifier, '~');
	ck_assert_int_eq(rec.terms[5].kind, SPF_T_EXISTS);
	ck_assert_int_eq(rec.terms[6].kind, SPF_T_IP6);
	ck_assert_uint_eq(rec.terms[6].cidr6, 32);
	ck_assert_ptr_eq(rec.redirect, &rec.terms[7]);
	ck_assert_ptr_eq(rec.exp, &rec.terms[8]);
	ck_assert_int_eq(rec.terms[9].kind, SPF_T_UNKNOWN_MOD);
	ck_assert_int_eq(rec.has_all, 1);
	spf_record_free(&rec);

	ck_assert_int_eq(parse("v=spf1", &rec), 0);
	ck_assert_uint_eq(rec.nterms, 0);
	spf_record_free(&rec);
	ck_assert_int_eq(parse("V=SPF1 A//0 MX/0 IP4:1.2.3.4 ALL", &rec), 0);
	ck_assert_uint_eq(rec.terms[0].cidr6, 0);
	ck_assert_uint_eq(rec.terms[1].cidr4, 0);
	spf_record_free(&rec);
	ck_assert_int_eq(parse("v=spf1 a:foo-bar.com.", &rec), 0);
	spf_record_free(&rec);
	ck_assert_int_eq(parse("v=spf1 a:a.123-456 exists:%{l}", &rec), 0);
	spf_record_free(&rec);
	ck_assert_int_eq(parse("v=spf1 a:foo:bar/baz.example.com", &rec), 0);
	spf_record_free(&rec);
}
END_TEST

START_TEST(rec_errors)
{
	static const char *const bad[] = {
		"v=spf1 -all foobar",           /* errors anywhere */
		"v=spf1 all.",
		"v=spf1 all:foo.example.com",
		"v=spf1 all/8",
		"v=spf1 ptr/0",
		"v=spf1 a:",
		"v=spf1 include:",
		"v=spf1 include",
		"v=spf1 exists",
		"v=spf1 exists:foo.example.com/24",
		"v=spf1 a/33",
		"v=spf1 a//129",
		"v=spf1 a:foo.example.com/032",
		"v=spf1 mx//",
		"v=spf1 a:museum",
		"v=spf1 a:museum.",
		"v=spf1 a:foo.123",
		"v=spf1 a:foo.-bar",
		"v=spf1 ip4",
		"v=spf1 ip4:1.2.3",
		"v=spf1 ip4:1.2.3.4/33",
		"v=spf1 ip4:1.2.3.4//32",
		"v=spf1 ip4:1.2.3.4:8080",
		"v=spf1 ip6:::1/129",
		"v=spf1 ip6:1.2.3.4",
		"v=spf1 ip6::::1//64",
		"v=spf1 redirect:foo.example.com",
		"v=spf1 redirect=a.example.com redirect=b.example.com",
		"v=spf1 exp=a.example.com exp=b.example.com",
		"v=spf1 exp=",
		"v=spf1 redirect=",
		"v=spf1 =foo",
		"v=spf1 1up=foo",
		"v=spf1 moo=%s",
		"v=spf1 a:%{c}.example.com",
		"v=spf1 a:%{x}.example.com",
		"v=spf1 a:%{d0}.example.com",
		"v=spf1 a:foo%.example.com",
		"v=spf1 a:foo.example.com%",
		"v=spf1 \tall",
		"v=spf1 -all\x01",
		"v=spf1 a:caf\xc3\xa9.example.com",
		"v=spf1 mx:example.com/24/64",
		"v=spf1 +-all",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_permerror(bad[i]);
}
END_TEST

/* ---- macros ---- */

static const char *
pname(void *arg)
{
	(void)arg;
	return "mx.example.org";
}

static char *
expand(const char *in, const char *ip, int is_exp)
{
	static ipaddr a;
	spf_macro_ctx c;
	strbuf sb;
	char err[128];
	int rc;

	ck_assert_int_eq(ipaddr_parse(ip, &a), 0);
	memset(&c, 0, sizeof(c));
	c.sender = "strong-bad@email.example.com";
	c.local = "strong-bad";
	c.sender_domain = "email.example.com";
	c.domain = "email.example.com";
	c.ip = &a;
	c.helo = "mx.example.org";
	c.receiver = "mx.example.net";
	c.now = 1234567890;
	c.validated_name = pname;
	sb_init_max(&sb, SPF_MACRO_OUT_MAX);
	rc = spf_macro_expand(in, strlen(in), is_exp, &c, &sb, err, sizeof(err));
	if (rc != SPF_MACRO_OK) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

static void
assert_expands(const char *in, const char *ip, int is_exp, const char *want)
{
	char *got = expand(in, ip, is_exp);

	if (got == NULL)
		ck_abort_msg("'%s' did not expand", in);
	if (strcmp(got, want) != 0) {
		char msg[512];

		strncpy(msg, got, sizeof(msg) - 1);
		msg[sizeof(msg) - 1] = '\0';
		free(got);
		ck_abort_msg("'%s' -> '%s', want '%s'", in, msg, want);
	}
	free(got);
}

START_TEST(macro_rfc7208_7_4)
{
	static const struct { const char *in, *want; } v4[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net",
		  "example.com.trusted-domains.example.net" },
	};
	size_t i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		assert_expands(v4[i].in, "192.0.2.3", 0, v4[i].want);
	/* RFC 7208 7.4's IPv6 example, lower-case nibbles as it prints them
	 * (RFC 4408 8.1 and the openspf suite's v-macro-ip6: upper case) */
	assert_expands("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01", 0,
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com");
	assert_expands("%{i}", "2001:DB8::CB01", 1,
	    "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
}
END_TEST

START_TEST(macro_more)
{
	char *s;

	assert_expands("%%%_%-", "192.0.2.3", 0, "% %20");
	assert_expands("%{i}", "2001:db8::cb01", 0,
	    "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
	assert_expands("%{c} %{r} %{t}", "2001:db8::cb01", 1,
	    "2001:db8::cb01 mx.example.net 1234567890");
	assert_expands("%{c}", "192.0.2.3", 1, "192.0.2.3");
	assert_expands("%{v} %{h} %{p}", "192.0.2.3", 1,
	    "in-addr mx.example.org mx.example.org");
	assert_expands("%{S}", "192.0.2.3", 0, "strong-bad%40email.example.com");
	assert_expands("%{L}", "192.0.2.3", 0, "strong-bad");
	assert_expands("%{d200}", "192.0.2.3", 0, "email.example.com");
	assert_expands("%{l+-}", "192.0.2.3", 0, "strong.bad");
	assert_expands("%{dR}", "192.0.2.3", 0, "com.example.email");
	/* errors */
	ck_assert_ptr_null(expand("%{c}", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("%{r}", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("%{t}", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("%{q}", "192.0.2.3", 1));
	ck_assert_ptr_null(expand("%{d0}", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("%{d", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("%{d*}", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("%x", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("a%", "192.0.2.3", 0));
	ck_assert_ptr_null(expand("a b", "192.0.2.3", 0));
	s = expand("a b", "192.0.2.3", 1);
	ck_assert_ptr_nonnull(s);
	free(s);
}
END_TEST

START_TEST(macro_bounded)
{
	/* a hostile string expanding far beyond the cap fails cleanly */
	size_t n = 4000, i;
	char *in = malloc(n * 4 + 1);

	ck_assert_ptr_nonnull(in);
	for (i = 0; i < n; i++)
		memcpy(in + i * 4, "%{s}", 4);
	in[n * 4] = '\0';
	ck_assert_ptr_null(expand(in, "192.0.2.3", 0));
	free(in);
}
END_TEST

START_TEST(result_names)
{
	spf_code c;

	ck_assert_str_eq(spf_code_name(SPF_SOFTFAIL), "softfail");
	ck_assert_str_eq(spf_code_name(SPF_PERMERROR), "permerror");
	ck_assert_str_eq(spf_code_name((spf_code)99), "unknown");
	ck_assert_int_eq(spf_code_from_name("TempError", &c), 0);
	ck_assert_int_eq(c, SPF_TEMPERROR);
	ck_assert_int_eq(spf_code_from_name("bogus", &c), -1);
	ck_assert_str_eq(spf_identity_name(SPF_ID_HELO), "helo");
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("spf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ip_parse_v4);
	tcase_add_test(tc, ip_parse_v6);
	tcase_add_test(tc, ip_cidr);
	tcase_add_test(tc, ip_reverse);
	tcase_add_test(tc, rec_version);
	tcase_add_test(tc, rec_select);
	tcase_add_test(tc, rec_terms);
	tcase_add_test(tc, rec_errors);
	tcase_add_test(tc, macro_rfc7208_7_4);
	tcase_add_test(tc, macro_more);
	tcase_add_test(tc, macro_bounded);
	tcase_add_test(tc, result_names);
	suite_add_tcase(s, tc);
	return s;
}
