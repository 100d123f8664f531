/*
 * tests/message/check_received_parse.c - the from clause of Received
 * fields (message/received_parse.c) over fields as real MTAs write them
 * (Postfix, Sendmail, Exchange, Gmail, Exim, qmail; IPv4, IPv6 bare,
 * bracketed, with the "IPv6:" prefix), fields with parts missing, and
 * hostile ones.
 */
#include "message/received_parse_int.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *field;
	const char *ip, *helo, *rdns;
} good[] = {
	/* Postfix */
	{ " from mail-out.example.com (mail-out.example.com [192.0.2.1])\r\n"
	  "\tby mx.example.org (Postfix) with ESMTPS id 4F2kQx1Zz4z9rxK\r\n"
	  "\tfor <bob@example.org>; Mon, 7 Dec 2026 10:00:00 +0000 (UTC)",
	  "192.0.2.1", "mail-out.example.com", "mail-out.example.com" },
	{ " from helo.example (unknown [198.51.100.7])\r\n\tby gw.example.org "
	  "(Postfix) with ESMTP id ABC; Mon, 7 Dec 2026 10:00:00 +0000",
	  "198.51.100.7", "helo.example", "" },
	{ " from mail.example.net (mail.example.net [IPv6:2001:db8::25])\r\n"
	  "\tby mx.example.org (Postfix) with ESMTPS id X",
	  "2001:db8::25", "mail.example.net", "mail.example.net" },
	/* IPv4-mapped IPv6 is IPv4 */
	{ " from h.example (h.example [IPv6:::ffff:192.0.2.9]) by mx",
	  "192.0.2.9", "h.example", "h.example" },
	/* Sendmail */
	{ " from relay.example.com (host.example.com [192.0.2.44] (may be "
	  "forged))\r\n\tby mx.example.org (8.17.1/8.17.1) with ESMTP id "
	  "3B7A0xYZ012345\r\n\tfor <bob@example.org>; Mon, 7 Dec 2026",
	  "192.0.2.44", "relay.example.com", "host.example.com" },
	{ " from laptop ([203.0.113.5])\r\n\tby mx.example.org (8.17.1) "
	  "with ESMTP id x; Mon, 7 Dec 2026", "203.0.113.5", "laptop", "" },
	{ " from [10.0.0.5] (client.example [198.51.100.8]) by mx; x",
	  "198.51.100.8", "[10.0.0.5]", "client.example" },
	/* Exchange and Exchange Online */
	{ " from EXCH01.corp.example (10.1.2.3) by EXCH02.corp.example "
	  "(10.1.2.4) with Microsoft SMTP Server (version=TLS1_2, "
	  "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.35; "
	  "Mon, 7 Dec 2026 10:00:00 +0000", "10.1.2.3",
	  "EXCH01.corp.example", "" },
	{ " from mail-ed1-f45.google.com (209.85.208.45) by\r\n "
	  "BN8NAM11FT047.mail.protection.outlook.com (10.13.177.186) with "
	  "Microsoft SMTP Server (version=TLS1_3) id 15.20.7; Mon, 7 Dec 2026",
	  "209.85.208.45", "mail-ed1-f45.google.com", "" },
	{ " from DM6PR11MB4.namprd11.prod.outlook.com (2603:10b6:5:1ba::20) "
	  "by DM6PR11MB5.namprd11.prod.outlook.com (2603:10b6:5:1bb::1) "
	  "with Microsoft SMTP Server id 15.20.7; Mon, 7 Dec 2026",
	  "2603:10b6:5:1ba::20", "DM6PR11MB4.namprd11.prod.outlook.com", "" },
	/* Gmail */
	{ " from mail-sor-f41.google.com (mail-sor-f41.google.com. "
	  "[209.85.220.41])\r\n        by mx.google.com with SMTPS id "
	  "a640c23a62f3a-a9a0d4e6e1fsor1234567a.3.2026.12.07.02.00.00\r\n"
	  "        for <bob@example.org>\r\n        (Google Transport "
	  "Security);\r\n        Mon, 07 Dec 2026 02:00:00 -0800 (PST)",
	  "209.85.220.41", "mail-sor-f41.google.com",
	  "mail-sor-f41.google.com" },
	{ " from example.net (example.net. [2001:db8:1::5])\r\n"
	  "        by mx.google.com with ESMTPS id x", "2001:db8:1::5",
	  "example.net", "example.net" },
	/* Exim */
	{ " from host.example.com ([192.0.2.77]:52100 helo=smtp.example.com)\r\n"
	  "\tby mx.example.org with esmtps (TLS1.3) (Exim 4.96)\r\n\t(envelope-"
	  "from <a@example.com>)\r\n\tid 1rXyZ-000123-AB\r\n\tfor "
	  "bob@example.org; Mon, 07 Dec 2026 10:00:00 +0000",
	  "192.0.2.77", "smtp.example.com", "host.example.com" },
	{ " from [192.0.2.78] (helo=unnamed.example)\r\n\tby mx.example.org "
	  "with esmtp (Exim 4.96) id 1rXyZ", "192.0.2.78", "unnamed.example",
	  "" },
	/* qmail */
	{ " from unknown (HELO mail.example.com) (192.0.2.80)\r\n  by "
	  "mx.example.org with SMTP; 7 Dec 2026 10:00:00 -0000", "192.0.2.80",
	  "mail.example.com", "" },
	/* folding with LF only, upper-case keywords */
	{ "\n FROM h ( r.example [192.0.2.2] )\n BY mx", "192.0.2.2", "h",
	  "r.example" },
};

START_TEST(real_world_forms)
{
	received_hop h;
	char err[128];
	int i = _i;

	ck_assert_msg(received_parse(good[i].field, strlen(good[i].field), &h,
	    err, sizeof(err)) == 0, "%d: %s", i, err);
	ck_assert_str_eq(h.ip, good[i].ip);
	ck_assert_str_eq(h.helo, good[i].helo);
	ck_assert_str_eq(h.rdns, good[i].rdns);
}
END_TEST

static const struct {
	const char *field;
	const char *why;           /* part of the reason */
} bad[] = {
	{ "", "no from clause" },
	{ " by mx.example.org (Postfix) with ESMTP id X; Mon, 7 Dec 2026",
	  "no from clause" },
	/* Gmail's internal hops have no from clause */
	{ " by 2002:a05:6a10:a0d0:b0:5b2:1234:5678 with SMTP id x;\r\n Mon, 7 "
	  "Dec 2026", "no from clause" },
	{ " from", "without a name" },
	{ " from mail.example.com by mx.example.org with SMTP",
	  "no client address" },
	{ " from mail.example.com (mail.example.com) by mx",
	  "no client address" },
	/* an address literal with no TCP-info: claimed by the client */
	{ " from [192.0.2.1] by mx with SMTP", "no client address" },
	{ " from h (r [192.0.2.300]) by mx", "does not parse" },
	{ " from h (r [IPv6:2001:db8::zz]) by mx", "does not parse" },
	{ " from h (r [192.0.2.1]:x) by mx", "does not parse" },
	{ " from h (r [192.0.2.1] by mx", "unbalanced" },
	{ " from h r [192.0.2.1]) by mx", "unbalanced" },
	/* the address after the clause ends is not the client's */
	{ " from h by mx (192.0.2.1)", "no client address" },
	{ " from h; (192.0.2.1)", "no client address" },
	/* deeper comments are not TCP-info */
	{ " from h (r ((192.0.2.1))) by mx", "no client address" },
	/* comments before from */
	{ " (192.0.2.1) from h by mx", "no client address" },
};

START_TEST(refused_forms)
{
	received_hop h;
	char err[128];
	int i = _i;

	ck_assert_msg(received_parse(bad[i].field, strlen(bad[i].field), &h,
	    err, sizeof(err)) < 0, "%d accepted: ip %s", i, h.ip);
	ck_assert_msg(strstr(err, bad[i].why) != NULL, "%d: %s", i, err);
}
END_TEST

/* Bounds: over-long names and fields, deep nesting, NUL octets. */
START_TEST(hostile)
{
	received_hop h;
	char err[128], *f;
	size_t n = RECEIVED_MAX_LEN + 1, i;

	f = malloc(n + 1);
	ck_assert(f != NULL);
	memset(f, 'a', n);
	memcpy(f, " from h (r [192.0.2.1]) ", 24);
	ck_assert_int_lt(received_parse(f, n, &h, err, sizeof(err)), 0);
	ck_assert(strstr(err, "local limit") != NULL);
	/* exactly at the bound is read */
	ck_assert_int_eq(received_parse(f, RECEIVED_MAX_LEN, &h, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(h.ip, "192.0.2.1");
	/* a HELO of 300 octets */
	memset(f, 'a', 400);
	memcpy(f, " from ", 6);
	memcpy(f + 306, " (r [192.0.2.1])", 16);
	ck_assert_int_lt(received_parse(f, 322, &h, err, sizeof(err)), 0);
	ck_assert(strstr(err, "too long") != NULL);
	/* 4000 nested comments, then the address at depth 1 */
	for (i = 0; i < 4000; i++)
		f[i] = '(';
	ck_assert_int_lt(received_parse(f, 4000, &h, err, sizeof(err)), 0);
	free(f);
	/* a NUL inside a literal */
	ck_assert_int_lt(received_parse(" from h (r [192.0\0.2.1]) by x", 29,
	    &h, err, sizeof(err)), 0);
	/* a length shorter than the text: the rest is not read */
	ck_assert_int_lt(received_parse(" from h (r [192.0.2.1])", 12, &h, err,
	    sizeof(err)), 0);
	/* a NULL err is allowed */
	ck_assert_int_lt(received_parse("x", 1, &h, NULL, 0), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("received_parse");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, real_world_forms, 0,
	    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, refused_forms, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, hostile);
	suite_add_tcase(s, tc);
	return s;
}
