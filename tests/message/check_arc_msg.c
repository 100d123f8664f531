/*
 * tests/message/check_arc_msg.c - ARC in the evaluation of a message
 * (message/message.c, config key arc) on the real resolver (the verdict
 * zone): a chain of ARC_MAX_SETS sets whose keys all have to be looked up
 * (2 per set) takes them from ARC's own allowance, never from the
 * message's count: with message_dns_queries = 20 the DKIM key and the
 * DMARC policy are still looked up, nothing is refused and DMARC passes;
 * no ARC field costs no lookup (arc=none) and starts no ARC verifier (it
 * starts at the first ARC field, wherever that is in the header, and the
 * chain is still read whole); arc = no verifies nothing.
 * Signed chains, the header and the JSON: tests/message/arc_forward.sh.
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/arc.h"
#include "message/message.h"
#include "message/message_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/verdict_run.h"
#include "util/strbuf.h"

/* dkim-example-com.eml (DKIM pass for example.com) with n well-formed ARC
 * sets in front whose signatures are junk, each set with its own key
 * names (s.dI.example: NXDOMAIN in the zone), so every key is a lookup */
static char *
with_sets(unsigned n, size_t *len)
{
	strbuf sb;
	char *body, *out;
	size_t blen;
	unsigned i;

	sb_init(&sb);
	for (i = n; i >= 1; i--) {
		sb_printf(&sb, "ARC-Seal: i=%u; cv=%s; a=rsa-sha256; "
		    "d=d%u.example; s=s; t=1; b=AAAA\r\n", i,
		    i == 1 ? "none" : "pass", i);
		sb_printf(&sb, "ARC-Message-Signature: i=%u; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=m%u.example; s=s; t=1; h=from; "
		    "bh=AAAA; b=AAAA\r\n", i, i);
		sb_printf(&sb, "ARC-Authentication-Results: i=%u; "
		    "d%u.example; none\r\n", i, i);
	}
	body = vr_read_file("dkim-example-com.eml", &blen);
	sb_append(&sb, body, blen);
	free(body);
	ck_assert(!sb.failed);
	*len = sb.len;
	out = sb_steal(&sb);
	return out;
}

START_TEST(arc_own_allowance)
{
	static const char *const kv[] = { "message_dns_queries=20", NULL };
	const msg_verdict *v;
	size_t len;
	char *text = with_sets(ARC_MAX_SETS, &len);

	vr_start(kv);
	v = vr_run_text(VR_BAD_IP, "mail.example.com", "<x@example.com>",
	    NULL, text, len);
	ck_assert_ptr_nonnull(v->arc);
	ck_assert_int_eq(v->arc->result, ARC_FAIL);
	ck_assert_uint_eq(v->arc->nsets, ARC_MAX_SETS);
	ck_assert_msg(strncmp(v->arc->reason, "ARC-Message-Signature i=50",
	    26) == 0, "%s", v->arc->reason);
	/* DKIM and DMARC got what they needed; nothing was refused */
	ck_assert_msg(vr_has(v, "dkim=pass"), "%s", v->auth_results);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_msg(v->dns_limit == NULL, "%s", v->dns_limit);
	ck_assert_uint_eq(v->dns_refused, 0);
	/* the 100 key lookups were sent, and counted in the totals */
	ck_assert_uint_ge(v->dns_queries, 2 * ARC_MAX_SETS);
	vr_assert_header_sane(v);
	free(text);
}
END_TEST

START_TEST(arc_none_costs_nothing)
{
	static const char *const off[] = { "arc=no", NULL };
	const msg_verdict *v;
	unsigned without;

	vr_start(off);
	v = vr_run_file(VR_BAD_IP, "<x@example.com>", "dkim-example-com.eml");
	ck_assert_ptr_null(v->arc);
	ck_assert_msg(!vr_has(v, "\tarc=") && !vr_has(v, " arc="), "%s",
	    v->auth_results);
	without = v->dns_queries;
	vr_teardown();
	vr_start(NULL);
	v = vr_run_file(VR_BAD_IP, "<x@example.com>", "dkim-example-com.eml");
	ck_assert_ptr_nonnull(v->arc);
	ck_assert_int_eq(v->arc->result, ARC_NONE);
	ck_assert_str_eq(v->arc->reason, "no ARC sets");
	ck_assert_msg(vr_has(v, "arc=none smtp.remote-ip=198.51.100.7"), "%s",
	    v->auth_results);
	ck_assert_uint_eq(v->dns_queries, without);
	ck_assert_int_eq(msg_arc_started(vr_msg), 0);
	vr_assert_header_sane(v);
}
END_TEST

/* The verifier starts at the first ARC field, after other fields: those
 * before it are read all the same (the chain's structure spans them). */
START_TEST(arc_starts_at_first_field)
{
	const msg_verdict *v;
	size_t len;
	char *text = with_sets(1, &len), *late;
	strbuf sb;

	vr_start(NULL);
	v = vr_run_text(VR_BAD_IP, "mail.example.com", "<x@example.com>",
	    NULL, text, len);
	ck_assert_int_eq(msg_arc_started(vr_msg), 1);
	ck_assert_ptr_nonnull(v->arc);
	ck_assert_int_eq(v->arc->result, ARC_FAIL);
	ck_assert_uint_eq(v->arc->nsets, 1);
	/* the ARC-Seal first, its AMS and AAR after other fields: fed to
	 * the verifier before it existed only through the shared store */
	sb_init(&sb);
	sb_puts(&sb, "X-First: 1\r\nARC-Authentication-Results: i=1; "
	    "d1.example; none\r\nX-Second: 2\r\n");
	sb_puts(&sb, strstr(text, "ARC-Seal:"));
	ck_assert(!sb.failed);
	late = sb_steal(&sb);
	/* drop the AAR with_sets() wrote after the AMS */
	{
		char *aar = strstr(late + 20, "ARC-Authentication-Results:");
		char *end = strstr(aar, "\r\n") + 2;

		memmove(aar, end, strlen(end) + 1);
	}
	msg_reset(vr_msg);
	v = vr_run_text(VR_BAD_IP, "mail.example.com", "<x@example.com>",
	    NULL, late, strlen(late));
	ck_assert_int_eq(msg_arc_started(vr_msg), 1);
	ck_assert_int_eq(v->arc->result, ARC_FAIL);
	ck_assert_uint_eq(v->arc->nsets, 1);
	/* the seal's signature is junk: it failed on a signature, not on a
	 * set missing its AAR (which the verifier would see if it read only
	 * the fields after it started) */
	ck_assert_msg(strstr(v->arc->reason, "has no") == NULL, "%s",
	    v->arc->reason);
	free(late);
	free(text);
}
END_TEST

/* A header block over max_header_bytes is not read, so there may be ARC
 * fields in it that cannot be judged: the chain fails, as it did when
 * every message had a verifier, even though no ARC field was named. */
START_TEST(arc_over_bound_fails)
{
	static const char *const kv[] = { "max_header_bytes=4096", NULL };
	const msg_verdict *v;
	strbuf sb;
	int i;

	sb_init(&sb);
	for (i = 0; i < 60; i++)
		sb_printf(&sb, "X-Pad-%d: %0100d\r\n", i, 0);
	sb_puts(&sb, "From: <a@example.com>\r\n");
	ck_assert(!sb.failed);
	vr_start(kv);
	v = vr_run_big(VR_BAD_IP, "<x@example.com>", sb.s);
	ck_assert_int_eq(msg_arc_started(vr_msg), 1);
	ck_assert_ptr_nonnull(v->arc);
	ck_assert_int_eq(v->arc->result, ARC_FAIL);
	ck_assert_msg(strstr(v->arc->reason, "header block over") != NULL,
	    "%s", v->arc->reason);
	sb_free(&sb);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("arc_msg");
	TCase *tc = tcase_create("arc_msg");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, vr_teardown);
	tcase_add_test(tc, arc_own_allowance);
	tcase_add_test(tc, arc_none_costs_nothing);
	tcase_add_test(tc, arc_starts_at_first_field);
	tcase_add_test(tc, arc_over_bound_fails);
	suite_add_tcase(s, tc);
	return s;
}
