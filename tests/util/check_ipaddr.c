/*
 * tests/util/check_ipaddr.c - util/ipaddr's list match,
 * ipaddr_match_list(): the one "is this address in these networks" of
 * trusted_networks, upstream_networks and dmarc_exempt_networks
 * (message.c, upstream.c). An address in one of the networks (IPv4, IPv6,
 * any entry of the list) matches; outside all of them, of the other
 * family, or against an empty list it does not; prefix 0 is the whole of
 * its family; an IPv4-mapped IPv6 address matches IPv4 networks only once
 * the caller unmapped it. (Parsing, formatting and the single match are
 * in tests/spf/check_spf.c.)
 */
#include <check.h>
#include <stdlib.h>

#include "util/ipaddr.h"
#include "tests/lib/check_main.h"

#define NETS_MAX 8

typedef struct nets {
	ipaddr net[NETS_MAX];
	unsigned prefix[NETS_MAX];
	size_t n;
} nets;

/* The networks of a NULL-terminated list of CIDR texts. */
static void
nets_of(nets *l, const char *const *cidr)
{
	for (l->n = 0; cidr[l->n] != NULL; l->n++) {
		ck_assert_uint_lt(l->n, NETS_MAX);
		ck_assert_msg(ipaddr_parse_cidr(cidr[l->n], &l->net[l->n],
		    &l->prefix[l->n]) == 0, "%s", cidr[l->n]);
	}
}

/* ipaddr_match_list() of ip (as parsed, not unmapped) against l. */
static int
in(const nets *l, const char *ip)
{
	ipaddr a;

	ck_assert_msg(ipaddr_parse(ip, &a) == 0, "%s", ip);
	return ipaddr_match_list(&a, l->net, l->prefix, l->n);
}

START_TEST(v4)
{
	static const char *const cidr[] = { "192.0.2.0/24", "198.51.100.7",
	    "10.0.0.0/8", NULL };
	nets l;

	nets_of(&l, cidr);
	ck_assert_int_eq(in(&l, "192.0.2.1"), 1);
	ck_assert_int_eq(in(&l, "192.0.2.255"), 1);
	ck_assert_int_eq(in(&l, "198.51.100.7"), 1);    /* a host: /32 */
	ck_assert_int_eq(in(&l, "10.200.1.1"), 1);      /* the last entry */
	ck_assert_int_eq(in(&l, "192.0.3.1"), 0);
	ck_assert_int_eq(in(&l, "198.51.100.8"), 0);
	ck_assert_int_eq(in(&l, "11.0.0.1"), 0);
	ck_assert_int_eq(in(&l, "2001:db8::1"), 0);     /* other family */
}
END_TEST

START_TEST(v6)
{
	static const char *const cidr[] = { "2001:db8:1::/48", "::1",
	    "2001:db8:ff00::/40", NULL };
	nets l;

	nets_of(&l, cidr);
	ck_assert_int_eq(in(&l, "2001:db8:1:ffff::25"), 1);
	ck_assert_int_eq(in(&l, "::1"), 1);
	ck_assert_int_eq(in(&l, "2001:db8:ffab::1"), 1);
	ck_assert_int_eq(in(&l, "2001:db8:2::1"), 0);
	ck_assert_int_eq(in(&l, "::2"), 0);
	ck_assert_int_eq(in(&l, "2001:db8:fe00::1"), 0);
	ck_assert_int_eq(in(&l, "127.0.0.1"), 0);       /* other family */
}
END_TEST

START_TEST(v4_mapped)
{
	static const char *const cidr[] = { "192.0.2.0/24", NULL };
	nets l;
	ipaddr a;

	nets_of(&l, cidr);
	/* as it comes: an IPv6 address, outside every IPv4 network */
	ck_assert_int_eq(in(&l, "::ffff:192.0.2.9"), 0);
	/* unmapped (what msg_connect and msg_ip_exempt do first) */
	ck_assert_int_eq(ipaddr_parse("::ffff:192.0.2.9", &a), 0);
	ck_assert_int_eq(ipaddr_unmap(&a), 1);
	ck_assert_int_eq(ipaddr_match_list(&a, l.net, l.prefix, l.n), 1);
	ck_assert_int_eq(ipaddr_parse("::ffff:192.0.3.9", &a), 0);
	ck_assert_int_eq(ipaddr_unmap(&a), 1);
	ck_assert_int_eq(ipaddr_match_list(&a, l.net, l.prefix, l.n), 0);
}
END_TEST

START_TEST(prefix_zero)
{
	static const char *const any4[] = { "0.0.0.0/0", NULL };
	static const char *const any6[] = { "::/0", NULL };
	nets l;

	nets_of(&l, any4);
	ck_assert_int_eq(in(&l, "203.0.113.5"), 1);
	ck_assert_int_eq(in(&l, "255.255.255.255"), 1);
	ck_assert_int_eq(in(&l, "2001:db8::1"), 0);     /* IPv4's whole */
	nets_of(&l, any6);
	ck_assert_int_eq(in(&l, "2001:db8::1"), 1);
	ck_assert_int_eq(in(&l, "::"), 1);
	ck_assert_int_eq(in(&l, "203.0.113.5"), 0);
}
END_TEST

START_TEST(empty_list)
{
	ipaddr a;
	nets l;
	static const char *const none[] = { NULL };

	nets_of(&l, none);
	ck_assert_int_eq(in(&l, "192.0.2.1"), 0);
	ck_assert_int_eq(in(&l, "::1"), 0);
	/* no arrays at all: nothing is read */
	ck_assert_int_eq(ipaddr_parse("192.0.2.1", &a), 0);
	ck_assert_int_eq(ipaddr_match_list(&a, NULL, NULL, 0), 0);
}
END_TEST

START_TEST(count_bounds_the_list)
{
	static const char *const cidr[] = { "192.0.2.0/24", "198.51.100.0/24",
	    NULL };
	nets l;
	ipaddr a;

	nets_of(&l, cidr);
	ck_assert_int_eq(ipaddr_parse("198.51.100.1", &a), 0);
	ck_assert_int_eq(ipaddr_match_list(&a, l.net, l.prefix, 2), 1);
	/* only the first n entries are looked at */
	ck_assert_int_eq(ipaddr_match_list(&a, l.net, l.prefix, 1), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("ipaddr");
	TCase *tc = tcase_create("match_list");

	tcase_add_test(tc, v4);
	tcase_add_test(tc, v6);
	tcase_add_test(tc, v4_mapped);
	tcase_add_test(tc, prefix_zero);
	tcase_add_test(tc, empty_list);
	tcase_add_test(tc, count_bounds_the_list);
	suite_add_tcase(s, tc);
	return s;
}
