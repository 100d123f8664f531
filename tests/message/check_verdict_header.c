/*
 * tests/message/check_verdict_header.c - the Authentication-Results a
 * message's verdict writes and removes, through message/message.c
 * (tests/lib/verdict_run.h): hostile From text cannot move the author
 * domain or forge a result (CVE-2020-12272), forged Authentication-Results
 * removal (1,000 of them), hostile envelope values stay inside our header,
 * and header fields too big to be read (skipped by the milter engine).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/message_int.h"
#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/verdict_run.h"

/* CVE-2020-12272: hostile text in From must not move the author domain,
 * and forged AR fields with our authserv-id are marked for removal. */
START_TEST(regression_ar_injection)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "From: alice@example.net(.example.com\r\n");
	ck_assert(v->dmarc->result != DMARC_RESULT_PASS);
	ck_assert(!vr_has(v, "header.from=example.com"));
	vr_assert_header_sane(v);
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "From: alice@example.net (.example.com)\r\n");
	ck_assert_str_eq(v->dmarc->from_domain, "example.net");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert(vr_has(v, "header.from=example.net"));
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "Authentication-Results: other.example; dmarc=pass\r\n"
	    "Authentication-Results: MX.Test; dmarc=pass header.from=example.net\r\n"
	    "Authentication-Results: \"mx.test\"; spf=pass\r\n"
	    "Authentication-Results: (forged) mx.test (c) 1; dkim=pass\r\n"
	    "Authentication-Results: mx.test.evil; dkim=pass\r\n"
	    "Authentication-Results: mx.test;\r\n\tdmarc=pass\r\n"
	    "From: alice@example.net\r\n");
	ck_assert_uint_eq(v->nremove, 4);
	ck_assert_uint_eq(v->nar, 6);
	ck_assert(!msg_verdict_removes(v, 1));
	ck_assert(msg_verdict_removes(v, 2));
	ck_assert(msg_verdict_removes(v, 3));
	ck_assert(msg_verdict_removes(v, 4));
	ck_assert(!msg_verdict_removes(v, 5));
	ck_assert(msg_verdict_removes(v, 6));
	ck_assert(!msg_verdict_removes(v, 7));
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
}
END_TEST

/* RFC 8601 5: every field claiming our authserv-id goes, however many
 * (the first 32 only, before). 1,000 forged among 1,100, the last after
 * the From and past max_header_bytes; also on a skipped message. */
START_TEST(ar_removal_thousand)
{
	static const char *const c[] = { "max_header_bytes=65536", NULL };
	strbuf sb;
	const msg_verdict *v;
	unsigned i, forged = 0;
	int pass;

	vr_start(c);
	for (pass = 0; pass < 2; pass++) {
		sb_init(&sb);
		for (i = 1; i <= 1100; i++) {
			if (i == 700)
				sb_puts(&sb, "From: alice@example.com\r\n");
			if (i % 11 == 0)
				sb_printf(&sb, "Authentication-Results: "
				    "other.example; spf=pass\r\n");
			else
				sb_printf(&sb, "Authentication-Results: %s; "
				    "dmarc=pass header.from=example.com (%u)\r\n",
				    i % 2 ? "mx.test" : "MX.TEST", i);
		}
		ck_assert(!sb.failed && sb.len > 65536);
		v = vr_run_big(pass ? "10.1.2.3" : VR_GOOD_IP,
		    "<a@example.com>", sb.s);
		sb_free(&sb);
		ck_assert_uint_eq(v->nar, 1100);
		ck_assert_uint_eq(v->nremove, 1000);
		for (i = 1, forged = 0; i <= 1100; i++) {
			ck_assert_msg(msg_verdict_removes(v, i) == (i % 11 != 0),
			    "AR field %u", i);
			forged += (unsigned)msg_verdict_removes(v, i);
		}
		ck_assert_uint_eq(forged, 1000);
		ck_assert_int_eq(msg_verdict_removes(v, 0), 0);
		ck_assert_int_eq(msg_verdict_removes(v, 1101), 0);
		ck_assert_ptr_nonnull(v->auth_results);  /* ours is added */
		vr_assert_header_sane(v);
		if (!pass)
			ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
		else
			ck_assert_int_eq(v->skipped, 1);
		msg_reset(vr_msg);
	}
}
END_TEST

/* Hostile envelope values cannot put a line break into our header. */
START_TEST(hostile_values_stay_in_header)
{
	const msg_verdict *v;
	char text[] = "DKIM-Signature: v=1; a=rsa-sha256; d=ex\"ample.com;"
	    " s=a(b; h=from; bh=x=; b=y/+=\r\nFrom: a@example.com\r\n\r\nb\r\n";

	vr_start(NULL);
	v = vr_run_text(VR_GOOD_IP, "evil.example\r\nX-Injected: yes",
	    "<a@example.com\r\nX-Bad: 1>", NULL, text, strlen(text));
	ck_assert(!vr_has(v, "\r\nX-"));
	ck_assert(!vr_has(v, "\nX-"));
	vr_assert_header_sane(v);
}
END_TEST

/* A header field the MTA sent but that was too big to be read (the milter
 * engine skipped it, msg_header_skipped): the message is over its header
 * limit, so a signature that verifies otherwise is `policy` and DMARC
 * cannot pass on it; a From field of that kind is a bad From
 * (bad_from_action: reject under dmarc_enforce); an Authentication-Results
 * field of that kind is removed whatever it claims. */
static const msg_verdict *
run_skipped(const char *ip, const char *name, const char *file)
{
	size_t n;
	char *buf = vr_read_file(file, &n);
	msgparse p;

	msg_connect(vr_msg, ip, "client.example");
	msg_helo(vr_msg, "mail.example.com");
	msg_mail_from(vr_msg, "<x@example.com>");
	msg_rcpt(vr_msg, "<bob@example.org>");
	(void)msg_header_skipped(vr_msg, name, 2 * 1024 * 1024);
	mp_init(&p, &msg_parse_events, vr_msg, vr_cfg.max_header_bytes);
	(void)mp_push(&p, buf, n);
	(void)mp_finish(&p);
	mp_free(&p);
	free(buf);
	return msg_eom(vr_msg);
}

START_TEST(header_too_big_to_read)
{
	const msg_verdict *v;

	vr_start(NULL);
	/* the same message passes on its signature alone (see above) */
	v = run_skipped(VR_BAD_IP, "X-Big", "dkim-example-com.eml");
	ck_assert_msg(vr_has(v, "dkim=policy"), "%s", v->auth_results);
	ck_assert(vr_has(v, "too big to be read"));
	ck_assert(!vr_has(v, "dkim=pass"));
	ck_assert(v->dmarc->result != DMARC_RESULT_PASS);
	vr_assert_header_sane(v);
	msg_reset(vr_msg);
	v = run_skipped(VR_GOOD_IP, "Authentication-Results",
	    "dkim-example-com.eml");
	ck_assert_uint_eq(v->nremove, 1);
	ck_assert(msg_verdict_removes(v, 1));
	msg_reset(vr_msg);
	vr_teardown();
	/* a From field that cannot be read is a bad From: it fails closed
	 * (with dmarc_enforce, bad_from_action auto rejects), never pass */
	{
		static const char *const enforce[] = { "dmarc_enforce=yes",
		    NULL };

		vr_start(enforce);
	}
	v = run_skipped(VR_GOOD_IP, "From", "dkim-example-com.eml");
	ck_assert_msg(v->bad_from, "%s", v->reason);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_msg(vr_has(v, "dmarc=permerror"), "%s", v->auth_results);
	ck_assert(v->dmarc->result != DMARC_RESULT_PASS);
	vr_assert_header_sane(v);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("verdict_header");
	TCase *tc = tcase_create("verdict");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, regression_ar_injection);
	tcase_add_test(tc, ar_removal_thousand);
	tcase_add_test(tc, hostile_values_stay_in_header);
	tcase_add_test(tc, header_too_big_to_read);
	suite_add_tcase(s, tc);
	return s;
}
