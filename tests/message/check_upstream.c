/*
 * tests/message/check_upstream.c - mail through a gateway in
 * upstream_networks (message/upstream.c) over the real resolver serving
 * tests/fixtures/verdict/verdict.zone: SPF and iprev judge the original
 * client named by the gateway's Received field (pass, fail, a p=reject
 * domain rejected), our MTA's own hop skipped, the fail-closed outcomes
 * (no field, an unreadable one above a forged one, too many hops), and a
 * client outside upstream_networks gaining nothing from a Received field.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/message_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/verdict_run.h"

#define GW_IP "203.0.113.50"          /* the gateway */
#define GW_NET "upstream_networks=203.0.113.0/24"
/* the gateway's own Received field, naming the original client */
#define GW_RCVD(ip) "Received: from mail.example.com (mail.example.com " \
	"[" ip "])\r\n\tby gw.example.org (Postfix) with ESMTPS id 4F2kQx1Z\r\n" \
	"\tfor <bob@example.org>; Mon, 7 Dec 2026 10:00:00 +0000 (UTC)\r\n"
/* our MTA's own Received field, naming the gateway */
#define MX_RCVD "Received: from gw.example.org (gw.example.org " \
	"[" GW_IP "])\r\n\tby mx.test (Postfix) with ESMTP id 9A1\r\n" \
	"\tfor <bob@example.org>; Mon, 7 Dec 2026 10:00:01 +0000 (UTC)\r\n"
#define FROM "From: Alice <alice@example.com>\r\n"

static const msg_verdict *
gw_run(const char *ip, const char *headers)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "%s" FROM "To: bob@example.org"
	    "\r\nSubject: t\r\n\r\nbody\r\n", headers);

	ck_assert(n > 0 && (size_t)n < sizeof(text));
	/* the gateway's HELO: authorised nowhere */
	return vr_run_text(ip, "gw.example.org", "<a@example.com>", NULL,
	    text, (size_t)n);
}

START_TEST(original_client_passes)
{
	static const char *const kv[] = { GW_NET, "received_spf=yes", NULL };
	const msg_verdict *v;

	/* without upstream_networks the gateway is judged: SPF fails */
	vr_start(NULL);
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_ptr_null(v->upstream);
	vr_teardown();

	vr_start(kv);
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1"));
	ck_assert_msg(v->spf->code == SPF_PASS, "%s", v->spf->reason);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_int_eq(v->skipped, 0);
	ck_assert_str_eq(v->source_ip, "192.0.2.1");
	ck_assert_ptr_nonnull(v->upstream);
	ck_assert_msg(strstr(v->upstream, "client 192.0.2.1 (helo "
	    "mail.example.com)") != NULL, "%s", v->upstream);
	ck_assert_msg(vr_has(v, "spf=pass"), "%s", v->auth_results);
	/* the HELO checked is the original client's */
	ck_assert_msg(vr_has(v, "smtp.helo=mail.example.com"), "%s",
	    v->auth_results);
	/* arc's smtp.remote-ip: the original client, not the gateway */
	ck_assert_msg(vr_has(v, "smtp.remote-ip=192.0.2.1"), "%s",
	    v->auth_results);
	ck_assert_ptr_nonnull(v->received_spf);
	ck_assert_msg(strstr(v->received_spf, "client-ip=192.0.2.1") != NULL,
	    "%s", v->received_spf);
	vr_assert_header_sane(v);
}
END_TEST

START_TEST(original_client_fails_reject)
{
	static const char *const kv[] = { GW_NET, "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7"));
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->source_ip, "198.51.100.7");
	/* the same message with a passing client is accepted */
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->action, MSG_ACCEPT);
}
END_TEST

/* The MTA's own Received field (naming the gateway) and hops between
 * chained gateways are skipped; IPv6 with the "IPv6:" prefix. */
START_TEST(own_hops_skipped)
{
	static const char *const kv[] = { GW_NET, "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(GW_IP, MX_RCVD GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_str_eq(v->source_ip, "192.0.2.1");
	ck_assert(strstr(v->upstream, "Received field 2") != NULL);
	v = gw_run(GW_IP, MX_RCVD "Received: from gw2 (gw2 [203.0.113.51]) by "
	    "gw.example.org; Mon, 7 Dec 2026\r\n"
	    "Received: from mail.example.com (mail.example.com "
	    "[IPv6:2001:db8::25]) by gw2; Mon, 7 Dec 2026\r\n");
	ck_assert_str_eq(v->source_ip, "2001:db8::25");
	ck_assert_int_eq(v->spf->code, SPF_FAIL);  /* ip4 only */
	ck_assert_int_eq(v->action, MSG_REJECT);
}
END_TEST

/* Fail closed: no usable field is SPF none with the reason, never the
 * gateway judged, and the p=reject domain without DKIM is rejected. */
START_TEST(no_received_fails_closed)
{
	static const char *const kv[] = { GW_NET, "dmarc_enforce=yes",
	    "trusted_networks=10.0.0.0/8", NULL };
	static const char *const acc[] = { GW_NET, NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(GW_IP, "");
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert_msg(strstr(v->spf->reason, "none in the message") != NULL,
	    "%s", v->spf->reason);
	ck_assert(strstr(v->upstream, "no usable Received field from gateway "
	    GW_IP) != NULL);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_msg(vr_has(v, "spf=none"), "%s", v->auth_results);
	vr_assert_header_sane(v);
	/* only our own hop */
	v = gw_run(GW_IP, MX_RCVD);
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert(strstr(v->upstream, "name upstream or trusted") != NULL);
	ck_assert_int_eq(v->action, MSG_REJECT);
	/* an unreadable field stops the walk: the sender's forged field
	 * below it naming an authorised address is never read */
	v = gw_run(GW_IP, "Received: from gw-internal by gw.example.org "
	    "with LMTP; Mon, 7 Dec 2026\r\n" GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert(strstr(v->upstream, "Received field 1: no client address")
	    != NULL);
	ck_assert_int_eq(v->action, MSG_REJECT);
	/* a Received field without a from clause (Gmail's internal hops) */
	v = gw_run(GW_IP, "Received: by 2002:a05:6a10:a0d0 with SMTP id x;"
	    "\r\n Mon, 7 Dec 2026\r\n" GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert_int_eq(v->action, MSG_REJECT);
	vr_teardown();
	/* not enforced: accepted, but saying so (spf=none, dmarc=fail) */
	vr_start(acc);
	v = gw_run(GW_IP, "");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert(vr_has(v, "dmarc=fail"));
}
END_TEST

START_TEST(too_many_hops)
{
	static const char *const kv[] = { GW_NET, "dmarc_enforce=yes", NULL };
	char h[4096];
	size_t n = 0, i;
	const msg_verdict *v;

	for (i = 0; i < MSG_MAX_UPSTREAM_HOPS; i++)
		n += (size_t)snprintf(h + n, sizeof(h) - n, "Received: from g "
		    "(g [203.0.113.%zu]) by g; x\r\n", 60 + i);
	snprintf(h + n, sizeof(h) - n, "%s", GW_RCVD("192.0.2.1"));
	vr_start(kv);
	v = gw_run(GW_IP, h);
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert_msg(strstr(v->upstream, "local limit") != NULL, "%s",
	    v->upstream);
	ck_assert_int_eq(v->action, MSG_REJECT);
}
END_TEST

/* A client outside upstream_networks gains nothing from a Received
 * field naming an authorised address; trusted_networks wins. */
START_TEST(outside_gains_nothing)
{
	static const char *const kv[] = { GW_NET, "dmarc_enforce=yes", NULL };
	static const char *const both[] = { GW_NET,
	    "trusted_networks=203.0.113.50/32", NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(VR_BAD_IP, GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_str_eq(v->source_ip, VR_BAD_IP);
	ck_assert_ptr_null(v->upstream);
	ck_assert_int_eq(v->action, MSG_REJECT);
	vr_teardown();
	vr_start(both);
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7"));
	ck_assert_int_eq(v->skipped, 1);
}
END_TEST

START_TEST(iprev_of_original_client)
{
	static const char *const kv[] = { GW_NET, "iprev=yes", NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1"));
	ck_assert_ptr_nonnull(v->iprev);
	ck_assert_int_eq(v->iprev->code, MSG_IPREV_PASS);
	ck_assert_msg(vr_has(v, "policy.iprev=192.0.2.1"), "%s",
	    v->auth_results);
	/* fail closed: no iprev of the gateway */
	v = gw_run(GW_IP, "");
	ck_assert_ptr_null(v->iprev);
}
END_TEST

/* One connection, two messages: the second has no Received field and
 * must not inherit the first's client. */
START_TEST(per_message)
{
	static const char *const kv[] = { GW_NET, NULL };
	const msg_verdict *v;
	msgparse p;
	static const char t2[] = FROM "Subject: 2\r\n\r\nb\r\n";

	vr_start(kv);
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1"));
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	msg_reset(vr_msg);
	msg_mail_from(vr_msg, "<a@example.com>");
	msg_rcpt(vr_msg, "<bob@example.org>");
	mp_init(&p, &msg_parse_events, vr_msg, vr_cfg.max_header_bytes);
	ck_assert_int_eq(mp_push(&p, t2, sizeof(t2) - 1), 0);
	ck_assert_int_eq(mp_finish(&p), 0);
	mp_free(&p);
	v = msg_eom(vr_msg);
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert_str_eq(v->source_ip, GW_IP);
}
END_TEST

/* ---- trusted_authserv_ids: the gateway's own Authentication-Results ---- */

#define GW_ID "trusted_authserv_ids=gw.example.org"
#define GW_AR(res) "Authentication-Results: gw.example.org;\r\n\t" res "\r\n"

/* The gateway saw an aligned DKIM pass that its footer then broke (the
 * message carries no valid signature here): DMARC passes on its view. */
START_TEST(trusted_ar_used)
{
	static const char *const kv[] = { GW_NET, GW_ID, "dmarc_enforce=yes",
	    NULL };
	static const char *const noid[] = { GW_NET, "dmarc_enforce=yes", NULL };
	const char *h = GW_RCVD("198.51.100.7") GW_AR("spf=fail "
	    "smtp.mailfrom=a@example.com;\r\n\tdkim=pass header.d=example.com "
	    "header.s=sel;\r\n\tdmarc=pass header.from=example.com");
	const msg_verdict *v;

	/* without the key: our own checks, rejected */
	vr_start(noid);
	v = gw_run(GW_IP, h);
	ck_assert_int_eq(v->action, MSG_REJECT);
	vr_teardown();

	vr_start(kv);
	v = gw_run(GW_IP, h);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 1);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_uint_eq(v->ndkim, 1);
	ck_assert_str_eq(v->dkim[0]->d, "example.com");
	ck_assert_str_eq(v->dkim[0]->s, "sel");
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_msg(strstr(v->spf->reason, "as seen by gw.example.org") !=
	    NULL, "%s", v->spf->reason);
	ck_assert_msg(strstr(v->upstream, "results of gw.example.org used") !=
	    NULL, "%s", v->upstream);
	ck_assert_msg(vr_has(v, "dkim=pass"), "%s", v->auth_results);
	ck_assert_int_eq(msg_verdict_removes(v, 1), 0);
	vr_assert_header_sane(v);
	/* its SPF pass (aligned) is used the same way, our own SPF of the
	 * Received field's client (198.51.100.7) would fail */
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7") GW_AR("spf=pass "
	    "smtp.mailfrom=example.com; dkim=none"));
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	/* DMARC is ours: the gateway's dmarc=pass over failures counts
	 * for nothing */
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1") GW_AR("spf=fail "
	    "smtp.mailfrom=example.com; dkim=fail header.d=example.com; "
	    "dmarc=pass header.from=example.com"));
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->action, MSG_REJECT);
}
END_TEST

/* The topmost field with the id is the gateway's; one below it (the
 * sender's) is not read. */
START_TEST(trusted_ar_topmost)
{
	static const char *const kv[] = { GW_NET, GW_ID, "dmarc_enforce=yes",
	    NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7") GW_AR("spf=fail "
	    "smtp.mailfrom=example.com; dkim=none") GW_AR("spf=pass "
	    "smtp.mailfrom=example.com; dkim=pass header.d=example.com"));
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_uint_eq(v->ndkim, 0);
	ck_assert_int_eq(v->action, MSG_REJECT);
}
END_TEST

/* A sender outside upstream_networks forging the gateway's field gains
 * nothing, whatever it claims. */
START_TEST(forged_ar_from_outside)
{
	static const char *const kv[] = { GW_NET, GW_ID, "dmarc_enforce=yes",
	    NULL };
	static const char *const own[] = { GW_NET,
	    "trusted_authserv_ids=" VR_ASID, NULL };
	const char *forged = GW_AR("spf=pass smtp.mailfrom=example.com;\r\n"
	    "\tdkim=pass header.d=example.com header.s=sel;\r\n\tdmarc=pass "
	    "header.from=example.com");
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(VR_BAD_IP, forged);
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_uint_eq(v->ndkim, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_ptr_null(v->upstream);
	vr_teardown();
	/* the gateway shares our authserv-id: its topmost field is kept,
	 * the rest removed; from outside every one is removed */
	vr_start(own);
	v = gw_run(GW_IP, GW_RCVD("192.0.2.1") "Authentication-Results: "
	    VR_ASID "; spf=pass smtp.mailfrom=example.com\r\n"
	    "Authentication-Results: " VR_ASID "; dkim=pass "
	    "header.d=example.com\r\n");
	ck_assert_int_eq(msg_verdict_removes(v, 1), 0);
	ck_assert_int_eq(msg_verdict_removes(v, 2), 1);
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	v = gw_run(VR_BAD_IP, "Authentication-Results: " VR_ASID "; "
	    "spf=pass smtp.mailfrom=example.com\r\n");
	ck_assert_int_eq(msg_verdict_removes(v, 1), 1);
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
}
END_TEST

/* A trusted field that does not parse is not used: our own checks of
 * the Received field's client decide. The client the AR names is the
 * reports' source when no Received field is usable. */
START_TEST(trusted_ar_unusable_and_ip)
{
	static const char *const kv[] = { GW_NET, GW_ID, "dmarc_enforce=yes",
	    NULL };
	const msg_verdict *v;

	vr_start(kv);
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7") GW_AR("spf=pass "
	    "smtp.mailfrom=example.com; dkim=pass (broken"));
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_msg(strstr(v->upstream, "does not parse") != NULL, "%s",
	    v->upstream);
	/* an AR field too big to be read above the trusted one: not used */
	static const char ar[] = " gw.example.org; spf=pass "
	    "smtp.mailfrom=example.com";

	msg_reset(vr_msg);
	msg_mail_from(vr_msg, "<a@example.com>");
	ck_assert_int_eq(msg_header_skipped(vr_msg, "Authentication-Results",
	    70000), 0);
	msg_header(vr_msg, "Authentication-Results", ar, sizeof(ar) - 1);
	msg_header(vr_msg, "From", " alice@example.com", 18);
	v = msg_eom(vr_msg);
	ck_assert_int_eq(v->spf->code, SPF_NONE);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_msg(strstr(v->upstream, "too big") != NULL, "%s",
	    v->upstream);
	v = gw_run(GW_IP, GW_AR("iprev=pass policy.iprev=192.0.2.1; "
	    "spf=pass smtp.mailfrom=example.com"));
	ck_assert_str_eq(v->source_ip, "192.0.2.1");
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
}
END_TEST

/* dmarc_exempt_networks matches the original client, never the gateway:
 * a gateway inside an exempt network (an internal range, say) must not
 * exempt the Internet mail it relays; with no usable Received field
 * nothing is exempt. */
START_TEST(exempt_matches_original_client)
{
	static const char *const gw_exempt[] = { GW_NET, "dmarc_enforce=yes",
	    "dmarc_exempt_networks=203.0.113.0/24", NULL };
	static const char *const client_exempt[] = { GW_NET,
	    "dmarc_enforce=yes", "dmarc_exempt_networks=198.51.100.0/24",
	    NULL };
	const msg_verdict *v;

	vr_start(gw_exempt);
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7"));
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_NONE);
	ck_assert_int_eq(v->action, MSG_REJECT);
	v = gw_run(GW_IP, "");
	ck_assert_int_eq(v->action, MSG_REJECT);
	vr_teardown();

	vr_start(client_exempt);
	v = gw_run(GW_IP, GW_RCVD("198.51.100.7"));
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_LOCAL_POLICY);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	/* per message: the next one's client is outside the network */
	v = gw_run(GW_IP, GW_RCVD("192.0.2.99"));
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_NONE);
	ck_assert_int_eq(v->action, MSG_REJECT);
	/* no usable field: the exempt client cannot be known */
	v = gw_run(GW_IP, "");
	ck_assert_int_eq(v->action, MSG_REJECT);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("upstream");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, original_client_passes);
	tcase_add_test(tc, original_client_fails_reject);
	tcase_add_test(tc, own_hops_skipped);
	tcase_add_test(tc, no_received_fails_closed);
	tcase_add_test(tc, too_many_hops);
	tcase_add_test(tc, outside_gains_nothing);
	tcase_add_test(tc, iprev_of_original_client);
	tcase_add_test(tc, per_message);
	tcase_add_test(tc, trusted_ar_used);
	tcase_add_test(tc, trusted_ar_topmost);
	tcase_add_test(tc, forged_ar_from_outside);
	tcase_add_test(tc, trusted_ar_unusable_and_ip);
	tcase_add_test(tc, exempt_matches_original_client);
	suite_add_tcase(s, tc);
	return s;
}
