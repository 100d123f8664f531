/*
 * tests/message/check_verdict_from.c - the author (From) of a message's
 * verdict through message/message.c (tests/lib/verdict_run.h): regressions
 * for the known DMARC bypasses (CVE-2019-16378, "user@example.net>") and
 * for every way a From could once be refused or dropped and the message
 * accepted under p=reject (the bad From rule, RFC 9989 4.4): the header
 * budget, several From fields and author domains, bad_from_action, the
 * history record of a bad From.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/history_writer_int.h"
#include "daemon/daemon.h"
#include "message/message_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/verdict_run.h"

/* A missing or unparsable From is a bad From, never a skip and never
 * "no authors": dmarc=permerror naming the problem; accepted only
 * without dmarc_enforce (bad_from_action = auto). This test once asserted
 * that it was accepted whatever dmarc_enforce said (fail open): rewritten
 * for the bad From rule. */
START_TEST(no_or_bad_from_is_permerror)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "Sender: a@example.com\r\n");
	ck_assert_int_eq(v->skipped, 0);
	ck_assert_int_eq(v->from_status, DMARC_FROM_NONE);
	ck_assert_int_eq(v->bad_from, 1);
	ck_assert_str_eq(v->from_reason, "no From header field");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert_msg(strstr(v->dmarc->reason, "bad From (none)") != NULL,
	    "%s", v->dmarc->reason);
	ck_assert(vr_has(v, "dmarc=permerror"));
	ck_assert_msg(vr_has(v, "reason=\"bad From (none): no From header field\""),
	    "%s", v->auth_results);
	ck_assert_int_eq(v->action, MSG_ACCEPT);  /* dmarc_enforce = no */
	ck_assert_msg(strstr(v->reason, "bad_from_action") != NULL, "%s",
	    v->reason);
	vr_assert_header_sane(v);
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "From: Undisclosed\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert_int_eq(v->bad_from, 1);
	ck_assert(vr_has(v, "dmarc=permerror"));
	ck_assert(vr_has(v, "bad From (no-address)"));
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->bad_from, 0);
	ck_assert_str_eq(v->from_reason, "");
	vr_teardown();
	vr_start(enforce);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "Sender: a@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_rcode, "550");
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	ck_assert_msg(strstr(v->smtp_text, "From header field") != NULL &&
	    strstr(v->smtp_text, "no From header field") != NULL, "%s",
	    v->smtp_text);
	ck_assert(vr_has(v, "dmarc=permerror"));
	vr_assert_header_sane(v);
}
END_TEST

/* Every way the author could fail to be determined, with dmarc_enforce =
 * yes and a p=reject domain (example.com): 550 5.7.1, never dmarc=pass.
 * Each was accepted before the bad From rule (From refused or dropped:
 * dmarc=permerror and accept; a repeated From: evaluated, and passing).
 * ip: VR_BAD_IP (no SPF alignment) and VR_GOOD_IP (SPF aligned for example.com
 * when MAIL FROM is a@example.com: only a bypass could make it pass). */
typedef struct from_case {
	const char *name;
	const char *headers;     /* NULL: built in the test */
	dmarc_from_status status;
	const char *why;         /* in the reason */
} from_case;

static char *
repeat(const char *pre, const char *unit, size_t n, const char *post)
{
	size_t lp = strlen(pre), lu = strlen(unit), lq = strlen(post), i;
	char *s = malloc(lp + lu * n + lq + 1);

	ck_assert(s != NULL);
	memcpy(s, pre, lp);
	for (i = 0; i < n; i++)
		memcpy(s + lp + i * lu, unit, lu);
	memcpy(s + lp + n * lu, post, lq + 1);
	return s;
}

START_TEST(bad_from_triggers_reject)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	char *too_long = repeat("From: \"", "x", DMARC_FROM_MAX_LEN,
	    "\" <a@example.com>\r\n");
	char *deep = repeat("From: a@example.com ", "(", 33, "x");
	char *deep2 = repeat(deep, ")", 33, "\r\n");
	const from_case cases[] = {
		{ "From over 16 KB", too_long, DMARC_FROM_TOO_LONG, "16384" },
		{ "9 author domains", "From: a@example.com, a@b.example, "
		  "a@c.example, a@d.example, a@e.example, a@f.example, "
		  "a@g.example, a@h.example, a@i.example\r\n",
		  DMARC_FROM_TOO_MANY, "more than 8" },
		{ "unterminated comment", "From: a@example.com (unterminated\r\n",
		  DMARC_FROM_SYNTAX, "unterminated comment" },
		{ "comments nested > 32", deep2, DMARC_FROM_SYNTAX, "nested" },
		{ "domain literal", "From: a@[192.0.2.1]\r\n",
		  DMARC_FROM_BAD_DOMAIN, "literal" },
		{ "missing From", "Sender: a@example.com\r\n", DMARC_FROM_NONE,
		  "no From" },
		{ "repeated From, same domain", "From: a@example.com\r\n"
		  "From: a@example.com\r\n", DMARC_FROM_MULTIPLE,
		  "2 From header fields" },
		{ "repeated From, other domains", "From: a@example.org\r\n"
		  "From: b@example.com\r\n", DMARC_FROM_MULTIPLE,
		  "2 From header fields" },
		{ "9 From fields", NULL, DMARC_FROM_MULTIPLE,
		  "9 From header fields" },
	};
	const char *ips[] = { VR_BAD_IP, VR_GOOD_IP };
	char *nine = repeat("", "From: a@example.com\r\n", 9, "");
	strbuf bad;
	size_t i, k;

	free(deep);
	sb_init(&bad);
	vr_start(enforce);
	/* every case is run and every miss listed, then one assertion */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (k = 0; k < 2; k++) {
			const from_case *c = &cases[i];
			const msg_verdict *v = vr_run_big(ips[k], "<a@example.com>",
			    c->headers != NULL ? c->headers : nine);

			if (v->action != MSG_REJECT ||
			    strcmp(v->smtp_rcode, "550") != 0 ||
			    strcmp(v->smtp_xcode, "5.7.1") != 0 ||
			    v->dmarc->result == DMARC_RESULT_PASS ||
			    vr_has(v, "dmarc=pass") || !vr_has(v, "dmarc=permerror") ||
			    v->from_status != c->status || v->bad_from != 1 ||
			    strstr(v->dmarc->reason, c->why) == NULL ||
			    strstr(v->smtp_text, c->why) == NULL)
				sb_printf(&bad, "\n  %s from %s: action %s %s %s, "
				    "dmarc=%s, From %s: %s", c->name, ips[k],
				    msg_action_name(v->action), v->smtp_rcode,
				    v->smtp_xcode, dmarc_result_name(
				    v->dmarc->result), dmarc_from_status_name(
				    v->from_status), v->dmarc->reason);
			vr_assert_header_sane(v);
			msg_reset(vr_msg);
		}
	}
	ck_assert_msg(bad.len == 0, "not rejected as a bad From:%s", bad.s);
	sb_free(&bad);
	free(too_long);
	free(deep2);
	free(nine);
}
END_TEST

/* More header text than max_header_bytes before the From: the From is
 * kept all the same (its own bound) and DMARC applies p=reject. It was
 * dropped with the rest before, and the message accepted. */
START_TEST(header_budget_before_from)
{
	static const char *const c[] = { "dmarc_enforce=yes",
	    "max_header_bytes=4096", NULL };
	char *hdrs = repeat("", "X-Filler: 0123456789012345678901234567890123456789"
	    "01234567890123456789012345678901234567890123456789\r\n", 60,
	    "From: alice@example.com\r\n");
	const msg_verdict *v;

	vr_start(c);
	v = vr_run_big(VR_BAD_IP, "<a@example.com>", hdrs);
	ck_assert_int_eq(v->from_status, DMARC_FROM_OK);
	ck_assert_int_eq(v->bad_from, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_msg(vr_has(v, "header.from=example.com"), "%s",
	    v->auth_results);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	msg_reset(vr_msg);
	/* the same From after the budget, from the authorised IP: a pass */
	v = vr_run_big(VR_GOOD_IP, "<a@example.com>", hdrs);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	free(hdrs);
}
END_TEST

/* dmarc_reject_multi_from counts the From's author domains, also past
 * the DMARC_MAX_AUTHORS evaluated (it saw none with 9 before). */
START_TEST(multi_from_counts_past_the_bound)
{
	/* dmarc_enforce = no: the bad From rule accepts; this one rejects */
	static const char *const c[] = { "dmarc_reject_multi_from=yes", NULL };
	const msg_verdict *v;

	vr_start(c);
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "From: a@example.com, a@b.example, "
	    "a@c.example, a@d.example, a@e.example, a@f.example, a@g.example, "
	    "a@h.example, a@i.example\r\n");
	ck_assert_int_eq(v->from_status, DMARC_FROM_TOO_MANY);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	ck_assert_msg(strstr(v->smtp_text, "more than 8 author domains") != NULL,
	    "%s", v->smtp_text);
	ck_assert_msg(strstr(v->reason, "dmarc_reject_multi_from") != NULL,
	    "%s", v->reason);
}
END_TEST

/* bad_from_action and its alternatives, on a repeated From naming one
 * domain sent from the authorised IP (DMARC would pass if evaluated). */
START_TEST(bad_from_action_settings)
{
	static const char *const dflt_no[] = { NULL };
	static const char *const acc[] = { "dmarc_enforce=yes",
	    "bad_from_action=accept", NULL };
	static const char *const rej_no_enf[] = { "bad_from_action=reject", NULL };
	static const char *const quar[] = { "dmarc_enforce=yes",
	    "bad_from_action=quarantine", NULL };
	static const char *const quar_hdr[] = { "bad_from_action=quarantine",
	    "quarantine_action=header", NULL };
	static const char *const tf[] = { "bad_from_action=tempfail",
	    "on_dns_temperror=accept", NULL };
	static const char *const exempt[] = { "dmarc_enforce=yes",
	    "dmarc_exempt_networks=192.0.2.0/24", NULL };
	static const char *const spf_rej[] = { "bad_from_action=accept",
	    "spf_reject_fail=yes", NULL };
	const char *twice = "From: a@example.com\r\nFrom: a@example.com\r\n";
	const msg_verdict *v;

	vr_start(dflt_no);   /* auto without dmarc_enforce: accept */
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert(vr_has(v, "dmarc=permerror"));
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_NONE);
	vr_teardown();
	vr_start(acc);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert(vr_has(v, "dmarc=permerror"));
	ck_assert(!vr_has(v, "dmarc=pass"));
	vr_teardown();
	vr_start(rej_no_enf);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
	ck_assert_msg(vr_has(v, "dis=reject") && vr_has(v, "override=other"),
	    "%s", v->auth_results);
	vr_teardown();
	vr_start(quar);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_QUARANTINE);
	ck_assert_msg(strstr(v->quarantine_reason, "From") != NULL, "%s",
	    v->quarantine_reason);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	vr_teardown();
	vr_start(quar_hdr);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_nonnull(v->quarantine_header);
	vr_teardown();
	vr_start(tf);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_TEMPFAIL);
	ck_assert_str_eq(v->smtp_rcode, "451");
	ck_assert_str_eq(v->smtp_xcode, "4.7.1");
	vr_teardown();
	vr_start(exempt);   /* an exempt network: no disposition */
	v = vr_run(VR_GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_LOCAL_POLICY);
	ck_assert(vr_has(v, "dmarc=permerror"));
	vr_teardown();
	vr_start(spf_rej);  /* accept goes on to the other rules */
	v = vr_run(VR_BAD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.23");
}
END_TEST

/* A bad From whose domain publishes a policy is recorded for reports:
 * permerror, nothing aligned, the disposition done, reason other. */
START_TEST(bad_from_history_record)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	report_record rec;
	const msg_verdict *v;

	vr_start(enforce);
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "From: a@example.com\r\nFrom: a@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_int_eq(history_record_from_verdict(v, &vr_cfg, VR_GOOD_IP,
	    "a@example.com", "bob@example.org", 1000, &rec), 0);
	ck_assert_str_eq(rec.header_from, "example.com");
	ck_assert_str_eq(rec.policy_domain, "example.com");
	ck_assert_str_eq(rec.dmarc_result, "permerror");
	ck_assert_str_eq(rec.disposition, "reject");
	ck_assert_int_eq(rec.dkim_aligned, 0);
	ck_assert_int_eq(rec.spf_aligned, 0);
	ck_assert_str_eq(rec.spf_result, "pass");  /* as it was */
	ck_assert_str_eq(rec.reasons, "other");
	ck_assert_str_eq(rec.p, "reject");
	msg_reset(vr_msg);
	/* no author domain at all: nobody to report to */
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "Sender: a@example.com\r\n");
	ck_assert_int_eq(history_record_from_verdict(v, &vr_cfg, VR_GOOD_IP,
	    "a@example.com", "bob@example.org", 1000, &rec), -1);
}
END_TEST

/* "user@example.net>" once made OpenDMARC skip DMARC entirely. */
START_TEST(regression_stray_angle_bracket)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "From: user@example.net>\r\n");
	ck_assert_int_eq(v->from_status, DMARC_FROM_SYNTAX);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert(!vr_has(v, "dmarc=pass"));
	ck_assert(!vr_has(v, "dmarc=none"));
	vr_assert_header_sane(v);
}
END_TEST

/* CVE-2019-16378: several From fields or addresses; every author domain
 * is evaluated and the strictest result kept; or reject them outright. */
START_TEST(regression_multi_from)
{
	static const char *const rej[] = { "dmarc_reject_multi_from=yes", NULL };
	const msg_verdict *v;

	vr_start(NULL);
	/* several From fields: a bad From (RFC 9989 4.4), permerror; both
	 * domains' policies were still discovered (this asserted a plain
	 * DMARC fail before the bad From rule) */
	v = vr_run(VR_GOOD_IP, "<a@example.org>",
	    "From: a@example.org\r\nFrom: b@example.com\r\n");
	ck_assert_int_eq(v->from_status, DMARC_FROM_MULTIPLE);
	ck_assert_int_eq(v->bad_from, 1);
	ck_assert_uint_eq(v->dmarc->nauthors, 2);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert_str_eq(v->dmarc->from_domain, "example.com");
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<a@example.org>",
	    "From: a@example.org, b@example.com\r\n");
	ck_assert_uint_eq(v->dmarc->nauthors, 2);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert(!vr_has(v, "dmarc=pass"));
	vr_teardown();
	vr_start(rej);
	/* both pass, still refused */
	v = vr_run(VR_GOOD_IP, "<a@example.com>",
	    "From: a@example.com, b@sub.example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("verdict_from");
	TCase *tc = tcase_create("verdict");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, no_or_bad_from_is_permerror);
	tcase_add_test(tc, bad_from_triggers_reject);
	tcase_add_test(tc, header_budget_before_from);
	tcase_add_test(tc, multi_from_counts_past_the_bound);
	tcase_add_test(tc, bad_from_action_settings);
	tcase_add_test(tc, bad_from_history_record);
	tcase_add_test(tc, regression_stray_angle_bracket);
	tcase_add_test(tc, regression_multi_from);
	suite_add_tcase(s, tc);
	return s;
}
