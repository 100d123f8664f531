/*
 * tests/message/check_spf_allowance.c - SPF's HELO check runs beside the
 * MAIL FROM check in an allowance of its own (MSG_SPF_HELO_LOOKUPS, a
 * dns_budget_pool): a HELO name of the sender's choosing whose record
 * costs many lookups cannot use up the count MAIL FROM - the identity
 * DMARC uses - needs (that would make MAIL FROM temperror, and with
 * on_dns_temperror = accept let through what p=reject refuses). Real
 * resolver over the verdict zone (heavy.example: 1 + 10 lookups;
 * deep.example: 1 + 8).
 */
#include <check.h>

#include <stdio.h>
#include <string.h>

#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/verdict_run.h"

/* deep.example's MAIL FROM check needs 9 lookups; with message_dns_queries
 * = 2 x 11, 11 are unreserved (the reserve is half): room for MAIL FROM
 * alone, not for MAIL FROM and heavy.example's 11 in the same count. */
#define UNRESERVED 11

#define DEEP_MSG "From: a@deep.example\r\nSubject: s\r\n\r\nbody\r\n"

static const msg_verdict *
run(const char *helo)
{
	char q[64];
	const char *kv[3];

	snprintf(q, sizeof(q), "message_dns_queries=%u", 2 * UNRESERVED);
	kv[0] = q;
	kv[1] = "iprev=no";
	kv[2] = NULL;
	vr_teardown();
	vr_start(kv);
	return vr_run_text("192.0.2.12", helo, "<a@deep.example>", NULL,
	    DEEP_MSG, sizeof(DEEP_MSG) - 1);
}

START_TEST(helo_spares_mailfrom)
{
	const msg_verdict *v;

	/* the HELO check itself is costly: all 11 of its lookups are made
	 * (it ends fail, not temperror: its allowance covers it) */
	v = run("heavy.example");
	ck_assert_msg(v->spf_helo->code == SPF_FAIL, "HELO: %s",
	    v->spf_helo->reason);
	ck_assert_uint_eq(v->spf_helo->lookups, 10);
	/* and MAIL FROM still gets every lookup it needs */
	ck_assert_msg(v->spf_mailfrom->code == SPF_PASS, "MAIL FROM: %s",
	    v->spf_mailfrom->reason);
	ck_assert_msg(vr_has(v, "spf=pass"), "%s", v->auth_results);
	ck_assert_msg(vr_has(v, "dmarc=pass"), "%s", v->auth_results);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
}
END_TEST

/* the null sender's HELO check decides (RFC 7208 2.4): it is evaluated
 * in the message's budget, not the HELO allowance, so the limit that
 * applies is message_dns_queries (a pool of 24 would end it the same
 * way here; what is asserted is that it is evaluated at all and decides) */
START_TEST(null_sender_helo_decides)
{
	const msg_verdict *v;
	char q[64];
	const char *kv[3];

	snprintf(q, sizeof(q), "message_dns_queries=%u", 2 * UNRESERVED);
	kv[0] = q;
	kv[1] = "iprev=no";
	kv[2] = NULL;
	vr_start(kv);
	v = vr_run_text("192.0.2.12", "deep.example", "<>", NULL, DEEP_MSG,
	    sizeof(DEEP_MSG) - 1);
	ck_assert_msg(v->spf_mailfrom->code == SPF_PASS, "%s",
	    v->spf_mailfrom->reason);
	ck_assert_int_eq(v->spf_mailfrom->identity, SPF_ID_MAILFROM);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("spf_allowance");
	TCase *tc = tcase_create("spf_allowance");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, helo_spares_mailfrom);
	tcase_add_test(tc, null_sender_helo_decides);
	suite_add_tcase(s, tc);
	return s;
}
