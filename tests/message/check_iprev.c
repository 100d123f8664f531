/*
 * tests/message/check_iprev.c - iprev (RFC 8601 2.7.3, message/iprev.c)
 * through whole messages on the real resolver: the verdict zone's PTR
 * records (pass, fail, no PTR = permerror, the 10-name bound) and a name
 * server that never answers (temperror); the Authentication-Results
 * resinfo, and that iprev never changes the action.
 */
#include <check.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"
#include "tests/lib/verdict_run.h"

#define HDRS "From: a@example.com\r\n"

static const char *const on[] = { "iprev=yes", NULL };

/* ip forward-confirmed as name; the header has want */
static void
assert_pass(const char *ip, const char *name, const char *want)
{
	const msg_verdict *v;

	vr_start(on);
	v = vr_run(ip, "<a@example.com>", HDRS);
	ck_assert_ptr_nonnull(v->iprev);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_PASS);
	ck_assert_str_eq(v->iprev->name, name);
	vr_assert_header_sane(v);
	ck_assert_msg(vr_has(v, want), "%s", v->auth_results);
}

START_TEST(iprev_pass)
{
	assert_pass(VR_GOOD_IP, "mail.example.com",
	    "iprev=pass policy.iprev=192.0.2.1 (mail.example.com)");
}
END_TEST

START_TEST(iprev_fail_elsewhere)
{
	const msg_verdict *v;

	vr_start(on);
	v = vr_run(VR_BAD_IP, "<a@example.com>", HDRS);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_FAIL);
	ck_assert_str_eq(v->iprev->name, "mx.example.com");
	vr_assert_header_sane(v);
	ck_assert_msg(vr_has(v, "iprev=fail"), "%s", v->auth_results);
	ck_assert_msg(vr_has(v, "policy.iprev=198.51.100.7"), "%s",
	    v->auth_results);
}
END_TEST

/* IPv6: the ip6.arpa PTR, then AAAA (the name's A is not the client);
 * the address has ":", so it is a quoted pvalue (RFC 8601 2.2) */
START_TEST(iprev_pass_v6)
{
	assert_pass("2001:db8::25", "v6.example.com",
	    "iprev=pass policy.iprev=\"2001:db8::25\" (v6.example.com)");
}
END_TEST

/* RFC 8601 2.7.3: no PTR data is a permerror, not a fail */
START_TEST(iprev_no_ptr)
{
	const msg_verdict *v;

	vr_start(on);
	v = vr_run("192.0.2.9", "<a@example.com>", HDRS);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_PERMERROR);
	ck_assert_msg(vr_has(v, "iprev=permerror"), "%s", v->auth_results);
}
END_TEST

/* 12 PTR names: 1 + 10 lookups (RFC 7208 5.5's bound), counted in the
 * message's budget against the same message without iprev */
START_TEST(iprev_bounded)
{
	static const char *const off[] = { "iprev=no", NULL };
	const msg_verdict *v;
	unsigned with, without;

	vr_start(off);
	v = vr_run("192.0.2.12", "<a@example.com>", HDRS);
	ck_assert_ptr_null(v->iprev);
	ck_assert_msg(!vr_has(v, "iprev="), "%s", v->auth_results);
	without = v->dns_queries;
	vr_teardown();
	vr_start(on);
	v = vr_run("192.0.2.12", "<a@example.com>", HDRS);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_FAIL);
	with = v->dns_queries;
	ck_assert_uint_eq(with - without, 1 + 10);
}
END_TEST

/* iprev has its own allowance: 192.0.2.12's 12 PTR names (1 + 10
 * lookups) take nothing from the count SPF needs. message_dns_queries
 * is 2 x n, so n are unreserved (the reserve is half of it): deep.example's
 * SPF (1 + 8; HELO helo.invalid: the HELO check runs beside MAIL FROM's
 * in an allowance of its own, and a HELO of deep.example would race MAIL
 * FROM for the cache and make the count vary; every DMARC name is the
 * author domain's: reserved)
 * gets its answer with VR_DEEP_SPF of them (measured, and asserted
 * tight) - one fewer and SPF is temperror, which is
 * what the PTR lookup alone did when iprev took its lookups from the
 * same count. */
#define VR_DEEP_SPF 9

#define DEEP_MSG "From: a@deep.example\r\nSubject: s\r\n\r\nbody\r\n"

static const msg_verdict *
deep_run(int iprev, unsigned unreserved)
{
	char q[64];
	const char *kv[3];

	snprintf(q, sizeof(q), "message_dns_queries=%u", 2 * unreserved);
	kv[0] = q;
	kv[1] = iprev ? "iprev=yes" : "iprev=no";
	kv[2] = NULL;
	vr_teardown();
	vr_start(kv);
	return vr_run_text("192.0.2.12", "helo.invalid", "<a@deep.example>",
	    NULL, DEEP_MSG, sizeof(DEEP_MSG) - 1);
}

START_TEST(iprev_spares_spf)
{
	const msg_verdict *v;
	unsigned refused, queries;

	/* the count is tight: one fewer and SPF cannot finish (whichever
	 * of SPF's and the reserved DMARC lookups reach the count first:
	 * dns_budget_admit counts the unreserved apart) */
	v = deep_run(0, VR_DEEP_SPF - 1);
	ck_assert_int_eq(v->spf_mailfrom->code, SPF_TEMPERROR);
	v = deep_run(0, VR_DEEP_SPF);
	ck_assert_msg(v->spf_mailfrom->code == SPF_PASS, "%s",
	    v->spf_mailfrom->reason);
	ck_assert_msg(vr_has(v, "dmarc=pass"), "%s", v->auth_results);
	refused = v->dns_refused;
	queries = v->dns_queries;
	/* with iprev and its 11 lookups, SPF still gets all it needs */
	v = deep_run(1, VR_DEEP_SPF);
	ck_assert_msg(v->spf_mailfrom->code == SPF_PASS, "%s",
	    v->spf_mailfrom->reason);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(vr_has(v, "spf=pass"), "%s", v->auth_results);
	ck_assert_msg(vr_has(v, "dmarc=pass"), "%s", v->auth_results);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_FAIL);
	/* nothing more refused than without iprev; its lookups are in the
	 * message's totals */
	ck_assert_uint_eq(v->dns_refused, refused);
	ck_assert_uint_eq(v->dns_queries, queries + 1 + 10);
}
END_TEST

/* informational: the action is the same with and without it */
START_TEST(iprev_never_decides)
{
	static const char *const off[] = { "iprev=no", NULL };
	msg_action a;

	vr_start(off);
	a = vr_run(VR_BAD_IP, "<a@example.com>", HDRS)->action;
	vr_teardown();
	vr_start(on);
	ck_assert_int_eq(vr_run(VR_BAD_IP, "<a@example.com>", HDRS)->action,
	    a);
}
END_TEST

/* the PTR names a host whose name server never answers: temperror;
 * a PTR lookup that fails: temperror */
START_TEST(iprev_temperror)
{
	config_override ov[] = {
		{ "dns_conf", NULL }, { "dns_timeout", "400" },
		{ "authserv_id", "mx.test" }, { "trusted_networks", "" },
		{ "iprev", "yes" },
	};
	char conf[64], err[512];
	am_config cfg;
	dns_config dc;
	dns_resolver *r;
	msg_env *env;
	msg *m;
	const msg_verdict *v;
	int fd = dnscheck_dead_conf(conf, sizeof(conf),
	    "    local-zone: \"example.\" static\n"
	    "    local-zone: \"dead.example.\" transparent\n"
	    "    local-zone: \"2.0.192.in-addr.arpa.\" static\n"
	    "    local-data: \"5.2.0.192.in-addr.arpa. PTR h.dead.example.\"\n");

	ov[0].value = conf;
	ck_assert_msg(config_build(&cfg, "/nonexistent/authmilter.conf", 0,
	    ov, sizeof(ov) / sizeof(ov[0]), err, sizeof(err)) == 0, "%s", err);
	config_dns(&cfg, &dc);
	r = dnscheck_new(&dc);
	ck_assert_int_eq(dns_resolver_add_fault(r, "6.2.0.192.in-addr.arpa",
	    DNS_T_PTR, DNS_TEMPFAIL), 0);
	env = msg_env_new(&cfg, r, err, sizeof(err));
	ck_assert_msg(env != NULL, "%s", err);
	m = msg_new(env);
	msg_connect(m, "192.0.2.5", "client.example");
	msg_helo(m, "mail.example");
	ck_assert_int_eq(msg_mail_from(m, "<a@example>"), 0);
	ck_assert_int_eq(msg_header(m, "From", " a@example", 10), 0);
	ck_assert_int_eq(msg_eoh(m), 0);
	v = msg_eom(m);
	ck_assert_ptr_nonnull(v->iprev);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_TEMPERROR);
	ck_assert_msg(strstr(v->auth_results, "iprev=temperror") != NULL,
	    "%s", v->auth_results);
	/* the PTR lookup itself fails (injected): temperror too */
	msg_reset(m);
	msg_connect(m, "192.0.2.6", "client.example");
	msg_helo(m, "mail.example");
	ck_assert_int_eq(msg_mail_from(m, "<a@example>"), 0);
	v = msg_eom(m);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_TEMPERROR);
	ck_assert_msg(strstr(v->iprev->why, "PTR lookup") != NULL, "%s",
	    v->iprev->why);
	msg_free(m);
	msg_env_free(env);
	dns_resolver_free(r);
	config_free(&cfg);
	close(fd);
	unlink(conf);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("iprev");
	TCase *tc = tcase_create("iprev");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, iprev_pass);
	tcase_add_test(tc, iprev_fail_elsewhere);
	tcase_add_test(tc, iprev_pass_v6);
	tcase_add_test(tc, iprev_no_ptr);
	tcase_add_test(tc, iprev_bounded);
	tcase_add_test(tc, iprev_never_decides);
	tcase_add_test(tc, iprev_spares_spf);
	tcase_add_test(tc, iprev_temperror);
	suite_add_tcase(s, tc);
	return s;
}
