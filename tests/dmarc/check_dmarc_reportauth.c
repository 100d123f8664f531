/*
 * tests/dmarc/check_dmarc_reportauth.c - dmarc_report_auth() (dmarc/
 * reportauth.c, RFC 9990 4): a v=DMARC1 record at
 * PD._report._dmarc.HOST authorizes HOST; none, a non-DMARC TXT or an
 * override rua naming another host does not; an override on the same
 * host gives its mailbox.
 */
#include <check.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"

#define NAME "example.com._report._dmarc.reports.example.net"
#define HOST "reports.example.net"

static int
auth(const char *t1, const char *t2, dmarc_mailbox *mb, char *why)
{
	dns_record r[2];
	dns_answer a;
	uint16_t l[2];

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(r));
	a.status = t1 != NULL ? DNS_RECORDS : DNS_NXDOMAIN;
	a.records = r;
	if (t1 != NULL) {
		r[0].type = DNS_T_TXT;
		r[0].u.txt.text = t1;
		r[0].u.txt.len = l[0] = (uint16_t)strlen(t1);
		r[0].u.txt.nstrings = 1;
		r[0].u.txt.lens = &l[0];
		a.count = 1;
	}
	if (t2 != NULL) {
		r[1].type = DNS_T_TXT;
		r[1].u.txt.text = t2;
		r[1].u.txt.len = l[1] = (uint16_t)strlen(t2);
		r[1].u.txt.nstrings = 1;
		r[1].u.txt.lens = &l[1];
		a.count = 2;
	}
	return dmarc_report_auth(&a, NAME, HOST, mb, why, 160);
}

START_TEST(authorizations)
{
	dmarc_mailbox mb;
	char why[160];

	ck_assert_int_eq(auth("v=DMARC1", NULL, NULL, why), 1);
	ck_assert_int_eq(auth("other text", "v=DMARC1;", NULL, why), 1);
	ck_assert_int_eq(auth(NULL, NULL, NULL, why), 0);
	ck_assert_str_eq(why, NAME " has no v=DMARC1 record");
	ck_assert_int_eq(auth("v=spf1 -all", NULL, NULL, why), 0);
	ck_assert_int_eq(auth("v=DMARC1; rua=mailto:x@elsewhere.example",
	    NULL, NULL, why), 0);
	ck_assert_str_eq(why, NAME " names another host");
	memset(&mb, 0, sizeof(mb));
	ck_assert_int_eq(auth("v=DMARC1; rua=mailto:other@" HOST, NULL, &mb,
	    why), 1);
	ck_assert_str_eq(mb.addr, "other@" HOST);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_reportauth");
	TCase *t = tcase_create("reportauth");

	tcase_add_test(t, authorizations);
	suite_add_tcase(s, t);
	return s;
}
