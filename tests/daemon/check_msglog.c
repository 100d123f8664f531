/*
 * tests/daemon/check_msglog.c - the per-message log line and the -d DNS
 * line (daemon/msglog.c) on verdicts built here: the fields and their
 * order, the quoting that keeps a sender's text inside its value (spaces,
 * '=', quotes, newlines, 8-bit octets), the cuts that bound the line, the
 * JSON form (valid UTF-8, the same keys), and which messages
 * log_success = no leaves out.
 */
#include <check.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <string.h>

#include "daemon/msglog_int.h"
#include "tests/lib/check_main.h"

static spf_result spf;
static dkim_sigresult sig[2];
static const dkim_sigresult *sigs[2] = { &sig[0], &sig[1] };
static dmarc_result dmarc;
static dmarc_from from;
static msg_verdict v;
static msglog_facts f;

static void
setup(void)
{
	memset(&spf, 0, sizeof(spf));
	memset(sig, 0, sizeof(sig));
	memset(&dmarc, 0, sizeof(dmarc));
	memset(&from, 0, sizeof(from));
	memset(&v, 0, sizeof(v));
	spf.code = SPF_PASS;
	sig[0].result = DKIM_PASS;
	strcpy(sig[0].d, "example.com");
	sig[1].result = DKIM_FAIL;
	strcpy(sig[1].d, "list.example");
	dmarc.result = DMARC_RESULT_PASS;
	dmarc.have_record = 1;
	dmarc.policy = DMARC_P_REJECT;
	dmarc.disposition = DMARC_P_NONE;
	from.ndomains = 1;
	strcpy(from.domains[0], "example.com");
	v.action = MSG_ACCEPT;
	v.spf = &spf;
	v.ndkim = 2;
	v.dkim = sigs;
	v.dmarc = &dmarc;
	v.from = &from;
	v.from_reason = "";
	strcpy(v.reason, "dmarc=pass");
	v.auth_results = " mx.test;\r\n\tspf=pass smtp.mailfrom=example.com";
	v.dns_wait_ms = 7;
	f.qid = "4XyZ1";
	f.id = "AM1.2";
	f.ip = "192.0.2.1";
	f.client = "mail.example.com";
	f.helo = "mail.example.com";
	f.mail_from = "alice@example.com";
	f.action = "accept";
	f.code = NULL;
	f.dsn = NULL;
	f.time_ms = 12;
}

START_TEST(text_fields)
{
	strbuf sb;

	sb_init(&sb);
	ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
	ck_assert_str_eq(sb.s, "qid=4XyZ1 id=AM1.2 ip=192.0.2.1 action=accept "
	    "code=- dsn=- verdict=accept time_ms=12 dns_wait_ms=7 "
	    "client=mail.example.com helo=mail.example.com mailfrom=example.com "
	    "from=example.com spf=pass dkim=pass:example.com,fail:list.example "
	    "dmarc=pass dmarc_policy=reject dmarc_disposition=none "
	    "dkim_sign=- sign_d=- sign_s=- sign_error=- "
	    "reason=\"dmarc=pass\" "
	    "ar=\"mx.test; spf=pass smtp.mailfrom=example.com\"");
	/* a reject, the null sender, no From, no record, no signature */
	f.action = "reject";
	f.code = "550";
	f.dsn = "5.7.1";
	f.mail_from = "";
	f.helo = "";
	v.action = MSG_REJECT;
	v.ndkim = 0;
	from.ndomains = 0;
	dmarc.have_record = 0;
	dmarc.result = DMARC_RESULT_NONE;
	v.auth_results = NULL;
	ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
	ck_assert_msg(strstr(sb.s, " action=reject code=550 dsn=5.7.1 "
	    "verdict=reject ") != NULL, "%s", sb.s);
	ck_assert_msg(strstr(sb.s, " helo=\"\" mailfrom=<> from=- spf=pass "
	    "dkim=none dmarc=none dmarc_policy=- dmarc_disposition=- ") != NULL,
	    "%s", sb.s);
	ck_assert_msg(strstr(sb.s, " ar=-") != NULL, "%s", sb.s);
	/* iprev checked: its result after the MTA's client name */
	{
		msg_iprev_result ipr;

		memset(&ipr, 0, sizeof(ipr));
		ipr.code = MSG_IPREV_TEMPERROR;
		v.iprev = &ipr;
		ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
		ck_assert_msg(strstr(sb.s, " client=mail.example.com "
		    "iprev=temperror helo=") != NULL, "%s", sb.s);
		v.iprev = NULL;
	}
	/* ARC verified: its result after dkim */
	{
		arc_chain c;

		memset(&c, 0, sizeof(c));
		c.result = ARC_PASS;
		v.arc = &c;
		ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
		ck_assert_msg(strstr(sb.s, " dkim=none arc=pass dmarc=none ") !=
		    NULL, "%s", sb.s);
		v.arc = NULL;
	}
	/* mail not checked: no results at all */
	v.skipped = 1;
	ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
	ck_assert_msg(strstr(sb.s, " spf=- dkim=- dmarc=- dmarc_policy=- "
	    "dmarc_disposition=- ") != NULL, "%s", sb.s);
	sb_free(&sb);
}
END_TEST

/* The sender's text stays inside its value, whatever it holds. */
START_TEST(text_forged)
{
	strbuf sb;

	f.helo = "x ip=203.0.113.9 action=reject\r\nauthmilter: qid=F";
	f.client = "a\"b\\c";
	f.mail_from = "u@d=\xc3\xa9";
	strcpy(sig[0].d, "-");
	sb_init(&sb);
	ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
	ck_assert_msg(strstr(sb.s, " helo=\"x ip=203.0.113.9 action=reject"
	    "\\x0D\\x0Aauthmilter: qid=F\" ") != NULL, "%s", sb.s);
	ck_assert_msg(strstr(sb.s, " client=\"a\\\"b\\\\c\" ") != NULL, "%s",
	    sb.s);
	ck_assert_msg(strstr(sb.s, " mailfrom=\"d=\\xC3\\xA9\" ") != NULL, "%s",
	    sb.s);
	ck_assert_ptr_null(strchr(sb.s, '\n'));
	ck_assert_ptr_null(strchr(sb.s, '\r'));
	/* a value "-" is not an absent one */
	f.helo = "-";
	ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
	ck_assert_msg(strstr(sb.s, " helo=\"-\" ") != NULL, "%s", sb.s);
	sb_free(&sb);
}
END_TEST

/* Cuts: a long value ends in "...", inside its quotes; the line stays
 * within MSGLOG_LINE_MAX whatever the header text. */
START_TEST(text_bounds)
{
	static char big[8000], helo[400];
	strbuf sb;

	memset(big, '"', sizeof(big) - 1);	/* doubles when escaped */
	memset(helo, 'h', sizeof(helo) - 1);
	f.helo = helo;
	f.client = big;
	v.auth_results = big;
	sb_init(&sb);
	ck_assert_int_eq(msglog_line(&f, &v, 0, &sb), 0);
	ck_assert_uint_le(sb.len, MSGLOG_LINE_MAX);
	ck_assert_msg(strstr(sb.s, "hhh...\" mailfrom=") != NULL, "%s", sb.s);
	ck_assert_msg(strstr(sb.s, "\\\"...\" helo=") != NULL, "%s", sb.s);
	ck_assert_msg(strcmp(sb.s + sb.len - 4, "...\"") == 0, "%s",
	    sb.s + sb.len - 20);
	sb_free(&sb);
}
END_TEST

START_TEST(json_line)
{
	static char big[8000];
	json_error_t err;
	json_t *o;
	const char *key;
	json_t *val;
	static const char *const keys[] = { "qid", "id", "ip", "action",
	    "code", "dsn", "verdict", "time_ms", "dns_wait_ms", "client",
	    "helo", "mailfrom", "from", "spf", "dkim", "dmarc", "dmarc_policy",
	    "dmarc_disposition", "dkim_sign", "sign_d", "sign_s", "sign_error",
	    "reason", "ar" };
	size_t i = 0;
	strbuf sb;

	f.helo = "x\ny\xff\"z";
	sb_init(&sb);
	ck_assert_int_eq(msglog_line(&f, &v, 1, &sb), 0);
	o = json_loads(sb.s, 0, &err);
	ck_assert_msg(o != NULL, "%s: %s", err.text, sb.s);
	json_object_foreach(o, key, val) {
		ck_assert_uint_lt(i, sizeof(keys) / sizeof(keys[0]));
		ck_assert_str_eq(key, keys[i]);
		i++;
	}
	ck_assert_uint_eq(i, sizeof(keys) / sizeof(keys[0]));
	ck_assert_str_eq(json_string_value(json_object_get(o, "helo")),
	    "x?y?\"z");
	ck_assert(json_is_null(json_object_get(o, "code")));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "time_ms")), 12);
	ck_assert_str_eq(json_string_value(json_object_get(o, "dkim")),
	    "pass:example.com,fail:list.example");
	json_decref(o);
	/* bounded too, however many octets JSON escapes */
	memset(big, '\\', sizeof(big) - 1);
	v.auth_results = big;
	f.helo = f.client = f.mail_from = f.qid = big;
	memset(v.reason, '"', sizeof(v.reason) - 1);
	memset(sig[0].d, '"', sizeof(sig[0].d) - 1);
	memset(sig[1].d, '"', sizeof(sig[1].d) - 1);
	from.ndomains = 2;
	memset(from.domains[0], '"', sizeof(from.domains[0]) - 1);
	memset(from.domains[1], '"', sizeof(from.domains[1]) - 1);
	ck_assert_int_eq(msglog_line(&f, &v, 1, &sb), 0);
	ck_assert_uint_le(sb.len, MSGLOG_LINE_MAX);
	o = json_loads(sb.s, 0, &err);
	ck_assert_msg(o != NULL, "%s", err.text);
	ck_assert_msg(strncmp(json_string_value(json_object_get(o, "helo")),
	    "\\\\\\", 3) == 0, "%s", sb.s);
	json_decref(o);
	/* a cut never splits a UTF-8 character */
	memset(big, 0, sizeof(big));
	for (i = 0; i + 2 < 600; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	f.client = big;
	ck_assert_int_eq(msglog_line(&f, &v, 1, &sb), 0);
	o = json_loads(sb.s, 0, &err);
	ck_assert_msg(o != NULL, "%s", err.text);
	ck_assert_msg(strstr(json_string_value(json_object_get(o, "client")),
	    "\xc3\xa9...") != NULL, "%s", sb.s);
	json_decref(o);
	sb_free(&sb);
}
END_TEST

/* log_success = no: what "passed cleanly" means */
START_TEST(passed)
{
	ck_assert_int_eq(msglog_passed(&v, "accept"), 0);	/* a dkim fail */
	sig[1].result = DKIM_PASS;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 1);
	ck_assert_int_eq(msglog_passed(&v, "tempfail"), 0);	/* not applied */
	v.action = MSG_QUARANTINE;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 0);
	v.action = MSG_ACCEPT;
	spf.code = SPF_SOFTFAIL;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 0);
	spf.code = SPF_NEUTRAL;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 1);
	dmarc.result = DMARC_RESULT_TEMPERROR;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 0);
	dmarc.result = DMARC_RESULT_NONE;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 1);
	v.bad_from = 1;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 0);
	v.bad_from = 0;
	sig[0].result = DKIM_TEMPERROR;
	ck_assert_int_eq(msglog_passed(&v, "accept"), 0);
	v.skipped = 1;	/* not checked */
	ck_assert_int_eq(msglog_passed(&v, "accept"), 1);
}
END_TEST

START_TEST(dns_line)
{
	dns_record rr[2];
	uint16_t lens[1];
	dns_answer a;
	dns_trace_info info = { "AM1.2", 23, 0 };
	strbuf sb;

	memset(&a, 0, sizeof(a));
	memset(rr, 0, sizeof(rr));
	a.status = DNS_RECORDS;
	a.sec = DNS_SEC_SECURE;
	a.rcode = 0;
	a.count = 1;
	a.records = rr;
	rr[0].type = DNS_T_TXT;
	rr[0].u.txt.text = "v=spf1 \"x\"\nip4:1.2.3.4";
	rr[0].u.txt.len = strlen(rr[0].u.txt.text);
	rr[0].u.txt.nstrings = 1;
	lens[0] = (uint16_t)rr[0].u.txt.len;
	rr[0].u.txt.lens = lens;
	sb_init(&sb);
	ck_assert_int_eq(msglog_dns_line("example.com", DNS_T_TXT, &a, &info,
	    &sb), 0);
	ck_assert_str_eq(sb.s, "dns: q=example.com type=TXT status=records "
	    "rcode=NOERROR sec=secure ms=23 src=resolver why=- n=1 "
	    "answer=\"v=spf1 \\\"x\\\"\\x0Aip4:1.2.3.4\"");
	/* a timeout: no rcode, a reason; two addresses */
	a.status = DNS_TEMPFAIL;
	a.sec = DNS_SEC_INSECURE;
	a.rcode = -1;
	a.count = 0;
	strcpy(a.why, "timed out after 5000 ms");
	info.local = 1;
	ck_assert_int_eq(msglog_dns_line("a b.example", DNS_T_A, &a, &info,
	    &sb), 0);
	ck_assert_str_eq(sb.s, "dns: q=\"a b.example\" type=A status=tempfail "
	    "rcode=- sec=insecure ms=23 src=local "
	    "why=\"timed out after 5000 ms\" n=0 answer=-");
	a.status = DNS_RECORDS;
	a.why[0] = '\0';
	a.count = 2;
	rr[0].type = rr[1].type = DNS_T_A;
	inet_pton(AF_INET, "192.0.2.1", &rr[0].u.a);
	inet_pton(AF_INET, "192.0.2.2", &rr[1].u.a);
	ck_assert_int_eq(msglog_dns_line("www.example", DNS_T_A, &a, &info,
	    &sb), 0);
	ck_assert_msg(strstr(sb.s, " n=2 answer=\"192.0.2.1; 192.0.2.2\"") !=
	    NULL, "%s", sb.s);
	sb_free(&sb);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("msglog");
	TCase *tc = tcase_create("line");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, text_fields);
	tcase_add_test(tc, text_forged);
	tcase_add_test(tc, text_bounds);
	tcase_add_test(tc, json_line);
	tcase_add_test(tc, passed);
	tcase_add_test(tc, dns_line);
	suite_add_tcase(s, tc);
	return s;
}
