/*
 * tests/message/check_verdict.c - a message's whole verdict through
 * message/message.c (the calls the milter callbacks and `authmilter check`
 * make), over the real resolver serving tests/fixtures/verdict/verdict.zone
 * (tests/lib/verdict_run.h): DMARC results, alignment modes (OpenDMARC
 * #268), sp/np/t/pct, local skips, null sender, the enforcement settings,
 * DNS failures, Received-SPF. The From: check_verdict_from.c; our header
 * and hostile header fields: check_verdict_header.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/message_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/verdict_run.h"

START_TEST(spf_aligned_pass)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "From: Alice <alice@example.com>\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(vr_has(v, "dmarc=pass"), "%s", v->auth_results);
	ck_assert(vr_has(v, "spf=pass"));
	ck_assert(vr_has(v, "header.from=example.com"));
	vr_assert_header_sane(v);
}
END_TEST

START_TEST(fail_reject_enforced_or_not)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_BAD_IP, "<a@example.com>", "From: alice@example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
	ck_assert_int_eq(v->action, MSG_ACCEPT);   /* dmarc_enforce=no */
	ck_assert(vr_has(v, "dmarc=fail"));
	ck_assert(vr_has(v, "policy.dmarc=reject"));
	vr_assert_header_sane(v);
	vr_teardown();
	vr_start(enforce);
	v = vr_run(VR_BAD_IP, "<a@example.com>", "From: alice@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_rcode, "550");
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	ck_assert_msg(strstr(v->smtp_text, "example.com") != NULL, "%s",
	    v->smtp_text);
}
END_TEST

/* dmarc_exempt_networks: the client is checked and reported as usual,
 * but a failure gets no disposition (override local_policy). */
START_TEST(exempt_network_local_policy)
{
	static const char *const ex[] = { "dmarc_enforce=yes",
	    "dmarc_exempt_networks=198.51.100.0/24", NULL };
	const msg_verdict *v;

	vr_start(ex);
	v = vr_run(VR_BAD_IP, "<a@example.com>", "From: alice@example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_LOCAL_POLICY);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_NONE);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_int_eq(v->skipped, 0);
	ck_assert_msg(vr_has(v, "override=local_policy"), "%s",
	    v->auth_results);
	/* outside the network the same message is rejected */
	v = vr_run("203.0.113.9", "<a@example.com>", "From: alice@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
}
END_TEST

START_TEST(quarantine_action)
{
	static const char *const q[] = { "dmarc_enforce=yes", NULL };
	static const char *const acc[] = { "dmarc_enforce=yes",
	    "quarantine_action=accept", NULL };
	static const char *const hdr[] = { "dmarc_enforce=yes",
	    "quarantine_action=header", NULL };
	const msg_verdict *v;

	vr_start(q);
	v = vr_run(VR_BAD_IP, "<a@q.example>", "From: a@q.example\r\n");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(v->action, MSG_QUARANTINE);
	ck_assert(strstr(v->quarantine_reason, "q.example") != NULL);
	ck_assert_ptr_null(v->quarantine_header);
	vr_teardown();
	vr_start(acc);
	v = vr_run(VR_BAD_IP, "<a@q.example>", "From: a@q.example\r\n");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_null(v->quarantine_header);
	vr_teardown();
	vr_start(hdr);
	v = vr_run(VR_BAD_IP, "<a@q.example>", "From: a@q.example\r\n");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_nonnull(v->quarantine_header);
	ck_assert_msg(strstr(v->quarantine_header, "q.example") != NULL, "%s",
	    v->quarantine_header);
}
END_TEST

START_TEST(none_without_record)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<a@nodmarc.example>",
	    "From: a@nodmarc.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_NONE);
	ck_assert(vr_has(v, "dmarc=none"));
	ck_assert_int_eq(v->action, MSG_ACCEPT);
}
END_TEST

START_TEST(temperror_by_setting)
{
	static const char *const tf[] = { "on_dns_temperror=tempfail", NULL };
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "From: a@temp.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_TEMPERROR);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(vr_has(v, "dmarc=temperror"), "%s", v->auth_results);
	vr_assert_header_sane(v);
	vr_teardown();
	vr_start(tf);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "From: a@temp.example\r\n");
	ck_assert_int_eq(v->action, MSG_TEMPFAIL);
	ck_assert_str_eq(v->smtp_rcode, "451");
	ck_assert_msg(strncmp(v->smtp_xcode, "4.7.", 4) == 0, "%s",
	    v->smtp_xcode);
}
END_TEST

/* A temporary SPF failure of the aligned identifier, no DKIM: DMARC is
 * temperror, so even p=reject with dmarc_enforce gives the temperror
 * action (accept with the header saying so, or 451), never a 550. */
START_TEST(temperror_never_rejects)
{
	static const char *const enf[] = { "dmarc_enforce=yes", NULL };
	static const char *const enf_tf[] = { "dmarc_enforce=yes",
	    "on_dns_temperror=tempfail", NULL };
	const msg_verdict *v;

	vr_start(enf);
	v = vr_run(VR_GOOD_IP, "<a@spftemp.example>",
	    "From: a@spftemp.example\r\n");
	ck_assert_int_eq(v->spf->code, SPF_TEMPERROR);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_TEMPERROR);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(vr_has(v, "dmarc=temperror"), "%s", v->auth_results);
	vr_teardown();
	vr_start(enf_tf);
	v = vr_run(VR_GOOD_IP, "<a@spftemp.example>",
	    "From: a@spftemp.example\r\n");
	ck_assert_int_eq(v->action, MSG_TEMPFAIL);
	ck_assert_str_eq(v->smtp_rcode, "451");
}
END_TEST

/* Strict alignment must not pass on an org-domain match (OpenDMARC #268),
 * for SPF and for DKIM; relaxed does. */
START_TEST(strict_vs_relaxed)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_GOOD_IP, "<x@bounce.strict.example>", "From: a@strict.example\r\n");
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<x@bounce.relaxed.example>", "From: a@relaxed.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_str_eq(v->dmarc->org_domain, "relaxed.example");
	msg_reset(vr_msg);
	v = vr_run_file(VR_BAD_IP, "<x@other.example>", "dkim-sub-for-org.eml");
	ck_assert_uint_eq(v->ndkim, 1);
	ck_assert_int_eq(v->dkim[0]->result, DKIM_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	msg_reset(vr_msg);
	v = vr_run_file(VR_BAD_IP, "<x@other.example>", "dkim-relaxed-org.eml");
	ck_assert_int_eq(v->dkim[0]->result, DKIM_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 1);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_str_eq(v->dmarc->dkim_domain, "example.com");
}
END_TEST

START_TEST(dkim_pass_aligned_with_header_b)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run_file(VR_BAD_IP, "<x@example.com>", "dkim-example-com.eml");
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 1);
	ck_assert(vr_has(v, "dkim=pass"));
	ck_assert(vr_has(v, "header.d=example.com"));
	ck_assert(vr_has(v, "header.b="));
	vr_assert_header_sane(v);
}
END_TEST

START_TEST(subdomain_sp_np)
{
	const msg_verdict *v;

	vr_start(NULL);
	v = vr_run(VR_BAD_IP, "<a@example.com>", "From: a@sub.example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_str_eq(v->dmarc->policy_tag, "sp");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_str_eq(v->dmarc->policy_domain, "example.com");
	msg_reset(vr_msg);
	v = vr_run(VR_BAD_IP, "<a@example.com>", "From: a@nx.example.com\r\n");
	ck_assert_str_eq(v->dmarc->policy_tag, "np");
	ck_assert_int_eq(v->dmarc->author_exists, 0);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
}
END_TEST

START_TEST(testing_mode_one_step_down)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	vr_start(enforce);
	v = vr_run(VR_BAD_IP, "<a@test.example>", "From: a@test.example\r\n");
	ck_assert_int_eq(v->dmarc->policy, DMARC_P_REJECT);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_POLICY_TEST_MODE);
	ck_assert_int_eq(v->action, MSG_QUARANTINE);
}
END_TEST

START_TEST(rfc7489_pct_sampling)
{
	static const char *const c[] = { "dmarc_mode=rfc7489", NULL };
	const msg_verdict *v;

	vr_start(c);
	vr_sample = 10;   /* < pct=50: the policy applies */
	v = vr_run(VR_BAD_IP, "<a@pct.example>", "From: a@pct.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
	msg_reset(vr_msg);
	vr_sample = 70;   /* sampled out: one step down */
	v = vr_run(VR_BAD_IP, "<a@pct.example>", "From: a@pct.example\r\n");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_SAMPLED_OUT);
}
END_TEST

START_TEST(skipped_trusted_and_authenticated)
{
	static const char *const nohdr[] = { "skipped_header=none", NULL };
	const msg_verdict *v;
	char text[] = "From: a@example.com\r\n\r\nbody\r\n";

	vr_start(NULL);
	v = vr_run("10.1.2.3", "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->skipped, 1);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(vr_has(v, "; none"), "%s", v->auth_results);
	msg_reset(vr_msg);
	msg_connect(vr_msg, VR_BAD_IP, "c.example");
	v = vr_run_text(VR_BAD_IP, "h.example", "<a@example.com>", "alice",
	    text, strlen(text));
	ck_assert_int_eq(v->skipped, 1);
	ck_assert(vr_has(v, "auth=pass"));
	ck_assert(vr_has(v, "smtp.auth=alice"));
	vr_assert_header_sane(v);
	vr_teardown();
	vr_start(nohdr);
	v = vr_run("10.1.2.3", "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->skipped, 1);
	ck_assert_ptr_null(v->auth_results);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
}
END_TEST

/* RFC 9989 3.1 -> RFC 7208 2.4: a null MAIL FROM is postmaster@HELO, and
 * that domain is the SPF identifier DMARC aligns. */
START_TEST(null_sender_uses_helo)
{
	const msg_verdict *v;
	char text[] = "From: a@example.com\r\n\r\nbody\r\n";

	vr_start(NULL);
	v = vr_run_text(VR_GOOD_IP, "mail.example.com", "<>", NULL, text,
	    strlen(text));
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert(vr_has(v, "smtp.helo=mail.example.com"));
	msg_reset(vr_msg);
	v = vr_run_text(VR_BAD_IP, "mail.example.com", "<>", NULL, text,
	    strlen(text));
	ck_assert_int_eq(v->dmarc->spf_aligned, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
}
END_TEST

START_TEST(spf_reject_fail_and_received_spf)
{
	static const char *const c[] = { "spf_reject_fail=yes",
	    "received_spf=yes", NULL };
	const msg_verdict *v;

	vr_start(c);
	v = vr_run(VR_BAD_IP, "<a@example.net>", "From: a@nodmarc.example\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.23");
	ck_assert_ptr_nonnull(v->received_spf);
	ck_assert_msg(strncmp(v->received_spf, " fail", 5) == 0, "%s",
	    v->received_spf);
	msg_reset(vr_msg);
	v = vr_run(VR_GOOD_IP, "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_nonnull(v->received_spf);
	ck_assert(strncmp(v->received_spf, " pass", 5) == 0);
	ck_assert(strstr(v->received_spf, "client-ip=192.0.2.1") != NULL);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("verdict");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, spf_aligned_pass);
	tcase_add_test(tc, fail_reject_enforced_or_not);
	tcase_add_test(tc, quarantine_action);
	tcase_add_test(tc, none_without_record);
	tcase_add_test(tc, temperror_by_setting);
	tcase_add_test(tc, temperror_never_rejects);
	tcase_add_test(tc, exempt_network_local_policy);
	tcase_add_test(tc, strict_vs_relaxed);
	tcase_add_test(tc, dkim_pass_aligned_with_header_b);
	tcase_add_test(tc, subdomain_sp_np);
	tcase_add_test(tc, testing_mode_one_step_down);
	tcase_add_test(tc, rfc7489_pct_sampling);
	tcase_add_test(tc, skipped_trusted_and_authenticated);
	tcase_add_test(tc, null_sender_uses_helo);
	tcase_add_test(tc, spf_reject_fail_and_received_spf);
	suite_add_tcase(s, tc);
	return s;
}
