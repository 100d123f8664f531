/*
 * tests/message/check_verdict.c - a message's whole verdict through
 * message/message.c (the calls the milter callbacks and `authmilter check`
 * make), over the real resolver serving tests/fixtures/verdict/verdict.zone:
 * DMARC results, alignment modes, sp/np/t/pct, local skips, null sender,
 * From edge cases, the enforcement settings, DNS failures, Received-SPF,
 * forged Authentication-Results removal (1,000 of them), and regressions
 * for the known DMARC bypasses (CVE-2019-16378, CVE-2020-12272,
 * "user@example.net>", OpenDMARC #268) and for every way a From could
 * once be refused or dropped and the message accepted under p=reject
 * (the bad From rule, RFC 9989 4.4).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/ar_parse.h"
#include "config/config.h"
#include "daemon/history_writer.h"
#include "message/message_int.h"
#include "message/msgparse.h"
#include "tests/lib/check_main.h"

#define ZONE "tests/fixtures/verdict/verdict.zone"
#define FIX "tests/fixtures/verdict/"
#define ASID "mx.test"
#define GOOD_IP "192.0.2.1"
#define BAD_IP "198.51.100.7"

static am_config cfg;
static dns_resolver *res;
static msg_env *env;
static msg *m;
static unsigned sample_value;

static unsigned
fixed_sample(void *arg)
{
	(void)arg;
	return sample_value;
}

/* Build config (defaults + the zone + extra KEY=VALUE overrides), the
 * resolver (with the injected fault) and the environment. */
static void
start(const char *const *kv)
{
	config_override ov[16];
	size_t n = 0;
	char err[512], *copies[16];
	size_t i, ncopies = 0;
	dns_config dc;

	ov[n].key = "dns_zone"; ov[n++].value = ZONE;
	ov[n].key = "authserv_id"; ov[n++].value = ASID;
	ov[n].key = "trusted_networks"; ov[n++].value = "10.0.0.0/8";
	ov[n].key = "spf_threads"; ov[n++].value = "2";
	for (i = 0; kv != NULL && kv[i] != NULL && n < 16; i++) {
		char *c = strdup(kv[i]), *eq = strchr(c, '=');

		ck_assert(eq != NULL);
		*eq = '\0';
		copies[ncopies++] = c;
		ov[n].key = c;
		ov[n++].value = eq + 1;
	}
	ck_assert_msg(config_build(&cfg, "/nonexistent/authmilter.conf", 0,
	    ov, n, err, sizeof(err)) == 0, "config: %s", err);
	for (i = 0; i < ncopies; i++)
		free(copies[i]);
	config_dns(&cfg, &dc);
	res = dns_resolver_new(&dc, err, sizeof(err));
	ck_assert_msg(res != NULL, "resolver: %s", err);
	ck_assert_int_eq(dns_resolver_add_fault(res, "_dmarc.temp.example",
	    DNS_T_TXT, DNS_TEMPFAIL), 0);
	ck_assert_int_eq(dns_resolver_add_fault(res, "spftemp.example",
	    DNS_T_TXT, DNS_TEMPFAIL), 0);
	env = msg_env_new(&cfg, res, err, sizeof(err));
	ck_assert_msg(env != NULL, "env: %s", err);
	env->sample = fixed_sample;
	m = msg_new(env);
	ck_assert(m != NULL);
}

static void
teardown(void)
{
	msg_free(m);
	m = NULL;
	msg_env_free(env);
	env = NULL;
	if (res != NULL)
		dns_resolver_free(res);
	res = NULL;
	config_free(&cfg);
}




/* One SMTP transaction: connect, helo, mail, rcpt, message text, eom. */
static const msg_verdict *
run_text(const char *ip, const char *helo, const char *mailfrom,
    const char *auth, const char *text, size_t len)
{
	msgparse p;

	msg_connect(m, ip, "client.example");
	msg_helo(m, helo);
	if (auth != NULL)
		msg_set_auth(m, auth);
	msg_mail_from(m, mailfrom);
	msg_rcpt(m, "<bob@example.org>");
	mp_init(&p, &msg_parse_events, m, cfg.max_header_bytes);
	ck_assert_int_eq(mp_push(&p, text, len), 0);
	ck_assert_int_eq(mp_finish(&p), 0);
	mp_free(&p);
	return msg_eom(m);
}

static const msg_verdict *
run(const char *ip, const char *mailfrom, const char *headers)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "%sTo: bob@example.org\r\n"
	    "Subject: t\r\n\r\nbody\r\n", headers);

	ck_assert(n > 0 && (size_t)n < sizeof(text));
	return run_text(ip, "mail.example.com", mailfrom, NULL, text,
	    (size_t)n);
}

/* run() for header blocks of any size */
static const msg_verdict *
run_big(const char *ip, const char *mailfrom, const char *headers)
{
	size_t hl = strlen(headers), n;
	char *text = malloc(hl + 64);
	const msg_verdict *v;

	ck_assert(text != NULL);
	memcpy(text, headers, hl);
	n = hl + (size_t)snprintf(text + hl, 64, "Subject: t\r\n\r\nbody\r\n");
	v = run_text(ip, "mail.example.com", mailfrom, NULL, text, n);
	free(text);
	return v;
}

static const msg_verdict *
run_file(const char *ip, const char *mailfrom, const char *name)
{
	char path[256], *buf = malloc(65536);
	const msg_verdict *v;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), FIX "%s", name);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	n = fread(buf, 1, 65536, fp);
	fclose(fp);
	v = run_text(ip, "mail.example.com", mailfrom, NULL, buf, n);
	free(buf);
	return v;
}

/* The header we add: folded only with CRLF TAB, nothing else that could
 * end the field, and it parses back with our own authserv-id. */
static void
assert_header_sane(const msg_verdict *v)
{
	const char *s = v->auth_results, *p;
	ar_header *h;
	char err[256];

	ck_assert_ptr_nonnull(s);
	for (p = s; *p != '\0'; p++) {
		ck_assert_msg((unsigned char)*p < 0x7f, "8-bit in %s", s);
		if (*p == '\r')
			ck_assert_msg(p[1] == '\n' && (p[2] == '\t' || p[2] == ' '),
			    "bare CR: %s", s);
		if (*p == '\n')
			ck_assert_msg(p > s && p[-1] == '\r', "bare LF: %s", s);
	}
	h = ar_parse(s, strlen(s), err, sizeof(err));
	ck_assert_msg(h != NULL, "our header does not parse: %s: %s", err, s);
	ck_assert_str_eq(h->authserv_id, ASID);
	ar_header_free(h);
}

static int
has(const msg_verdict *v, const char *needle)
{
	return v->auth_results != NULL && strstr(v->auth_results, needle);
}

START_TEST(spf_aligned_pass)
{
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<a@example.com>", "From: Alice <alice@example.com>\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(has(v, "dmarc=pass"), "%s", v->auth_results);
	ck_assert(has(v, "spf=pass"));
	ck_assert(has(v, "header.from=example.com"));
	assert_header_sane(v);
}
END_TEST

START_TEST(fail_reject_enforced_or_not)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	start(NULL);
	v = run(BAD_IP, "<a@example.com>", "From: alice@example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
	ck_assert_int_eq(v->action, MSG_ACCEPT);   /* dmarc_enforce=no */
	ck_assert(has(v, "dmarc=fail"));
	ck_assert(has(v, "policy.dmarc=reject"));
	assert_header_sane(v);
	teardown();
	start(enforce);
	v = run(BAD_IP, "<a@example.com>", "From: alice@example.com\r\n");
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

	start(ex);
	v = run(BAD_IP, "<a@example.com>", "From: alice@example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_LOCAL_POLICY);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_NONE);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_int_eq(v->skipped, 0);
	ck_assert_msg(has(v, "override=local_policy"), "%s", v->auth_results);
	/* outside the network the same message is rejected */
	v = run("203.0.113.9", "<a@example.com>", "From: alice@example.com\r\n");
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

	start(q);
	v = run(BAD_IP, "<a@q.example>", "From: a@q.example\r\n");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(v->action, MSG_QUARANTINE);
	ck_assert(strstr(v->quarantine_reason, "q.example") != NULL);
	ck_assert_ptr_null(v->quarantine_header);
	teardown();
	start(acc);
	v = run(BAD_IP, "<a@q.example>", "From: a@q.example\r\n");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_null(v->quarantine_header);
	teardown();
	start(hdr);
	v = run(BAD_IP, "<a@q.example>", "From: a@q.example\r\n");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_nonnull(v->quarantine_header);
	ck_assert_msg(strstr(v->quarantine_header, "q.example") != NULL, "%s",
	    v->quarantine_header);
}
END_TEST

START_TEST(none_without_record)
{
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<a@nodmarc.example>", "From: a@nodmarc.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_NONE);
	ck_assert(has(v, "dmarc=none"));
	ck_assert_int_eq(v->action, MSG_ACCEPT);
}
END_TEST

START_TEST(temperror_by_setting)
{
	static const char *const tf[] = { "on_dns_temperror=tempfail", NULL };
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<a@example.com>", "From: a@temp.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_TEMPERROR);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(has(v, "dmarc=temperror"), "%s", v->auth_results);
	assert_header_sane(v);
	teardown();
	start(tf);
	v = run(GOOD_IP, "<a@example.com>", "From: a@temp.example\r\n");
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

	start(enf);
	v = run(GOOD_IP, "<a@spftemp.example>", "From: a@spftemp.example\r\n");
	ck_assert_int_eq(v->spf->code, SPF_TEMPERROR);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_TEMPERROR);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(has(v, "dmarc=temperror"), "%s", v->auth_results);
	teardown();
	start(enf_tf);
	v = run(GOOD_IP, "<a@spftemp.example>", "From: a@spftemp.example\r\n");
	ck_assert_int_eq(v->action, MSG_TEMPFAIL);
	ck_assert_str_eq(v->smtp_rcode, "451");
}
END_TEST

/* A missing or unparsable From is a bad From, never a skip and never
 * "no authors": dmarc=permerror naming the problem; accepted only
 * without dmarc_enforce (bad_from_action = auto). This test once asserted
 * that it was accepted whatever dmarc_enforce said (fail open): rewritten
 * for the bad From rule. */
START_TEST(no_or_bad_from_is_permerror)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<a@example.com>", "Sender: a@example.com\r\n");
	ck_assert_int_eq(v->skipped, 0);
	ck_assert_int_eq(v->from_status, DMARC_FROM_NONE);
	ck_assert_int_eq(v->bad_from, 1);
	ck_assert_str_eq(v->from_reason, "no From header field");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert_msg(strstr(v->dmarc->reason, "bad From (none)") != NULL,
	    "%s", v->dmarc->reason);
	ck_assert(has(v, "dmarc=permerror"));
	ck_assert_msg(has(v, "reason=\"bad From (none): no From header field\""),
	    "%s", v->auth_results);
	ck_assert_int_eq(v->action, MSG_ACCEPT);  /* dmarc_enforce = no */
	ck_assert_msg(strstr(v->reason, "bad_from_action") != NULL, "%s",
	    v->reason);
	assert_header_sane(v);
	msg_reset(m);
	v = run(GOOD_IP, "<a@example.com>", "From: Undisclosed\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert_int_eq(v->bad_from, 1);
	ck_assert(has(v, "dmarc=permerror"));
	ck_assert(has(v, "bad From (no-address)"));
	msg_reset(m);
	v = run(GOOD_IP, "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->bad_from, 0);
	ck_assert_str_eq(v->from_reason, "");
	teardown();
	start(enforce);
	v = run(GOOD_IP, "<a@example.com>", "Sender: a@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_rcode, "550");
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	ck_assert_msg(strstr(v->smtp_text, "From header field") != NULL &&
	    strstr(v->smtp_text, "no From header field") != NULL, "%s",
	    v->smtp_text);
	ck_assert(has(v, "dmarc=permerror"));
	assert_header_sane(v);
}
END_TEST

/* Every way the author could fail to be determined, with dmarc_enforce =
 * yes and a p=reject domain (example.com): 550 5.7.1, never dmarc=pass.
 * Each was accepted before the bad From rule (From refused or dropped:
 * dmarc=permerror and accept; a repeated From: evaluated, and passing).
 * ip: BAD_IP (no SPF alignment) and GOOD_IP (SPF aligned for example.com
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
	const char *ips[] = { BAD_IP, GOOD_IP };
	char *nine = repeat("", "From: a@example.com\r\n", 9, "");
	strbuf bad;
	size_t i, k;

	free(deep);
	sb_init(&bad);
	start(enforce);
	/* every case is run and every miss listed, then one assertion */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (k = 0; k < 2; k++) {
			const from_case *c = &cases[i];
			const msg_verdict *v = run_big(ips[k], "<a@example.com>",
			    c->headers != NULL ? c->headers : nine);

			if (v->action != MSG_REJECT ||
			    strcmp(v->smtp_rcode, "550") != 0 ||
			    strcmp(v->smtp_xcode, "5.7.1") != 0 ||
			    v->dmarc->result == DMARC_RESULT_PASS ||
			    has(v, "dmarc=pass") || !has(v, "dmarc=permerror") ||
			    v->from_status != c->status || v->bad_from != 1 ||
			    strstr(v->dmarc->reason, c->why) == NULL ||
			    strstr(v->smtp_text, c->why) == NULL)
				sb_printf(&bad, "\n  %s from %s: action %s %s %s, "
				    "dmarc=%s, From %s: %s", c->name, ips[k],
				    msg_action_name(v->action), v->smtp_rcode,
				    v->smtp_xcode, dmarc_result_name(
				    v->dmarc->result), dmarc_from_status_name(
				    v->from_status), v->dmarc->reason);
			assert_header_sane(v);
			msg_reset(m);
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

	start(c);
	v = run_big(BAD_IP, "<a@example.com>", hdrs);
	ck_assert_int_eq(v->from_status, DMARC_FROM_OK);
	ck_assert_int_eq(v->bad_from, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_msg(has(v, "header.from=example.com"), "%s", v->auth_results);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	msg_reset(m);
	/* the same From after the budget, from the authorised IP: a pass */
	v = run_big(GOOD_IP, "<a@example.com>", hdrs);
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

	start(c);
	v = run(GOOD_IP, "<a@example.com>", "From: a@example.com, a@b.example, "
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

	start(dflt_no);   /* auto without dmarc_enforce: accept */
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert(has(v, "dmarc=permerror"));
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_NONE);
	teardown();
	start(acc);
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert(has(v, "dmarc=permerror"));
	ck_assert(!has(v, "dmarc=pass"));
	teardown();
	start(rej_no_enf);
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
	ck_assert_msg(has(v, "dis=reject") && has(v, "override=other"), "%s",
	    v->auth_results);
	teardown();
	start(quar);
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_QUARANTINE);
	ck_assert_msg(strstr(v->quarantine_reason, "From") != NULL, "%s",
	    v->quarantine_reason);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	teardown();
	start(quar_hdr);
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_nonnull(v->quarantine_header);
	teardown();
	start(tf);
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_TEMPFAIL);
	ck_assert_str_eq(v->smtp_rcode, "451");
	ck_assert_str_eq(v->smtp_xcode, "4.7.1");
	teardown();
	start(exempt);   /* an exempt network: no disposition */
	v = run(GOOD_IP, "<a@example.com>", twice);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_LOCAL_POLICY);
	ck_assert(has(v, "dmarc=permerror"));
	teardown();
	start(spf_rej);  /* accept goes on to the other rules */
	v = run(BAD_IP, "<a@example.com>", twice);
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

	start(enforce);
	v = run(GOOD_IP, "<a@example.com>",
	    "From: a@example.com\r\nFrom: a@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_int_eq(history_record_from_verdict(v, &cfg, GOOD_IP,
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
	msg_reset(m);
	/* no author domain at all: nobody to report to */
	v = run(GOOD_IP, "<a@example.com>", "Sender: a@example.com\r\n");
	ck_assert_int_eq(history_record_from_verdict(v, &cfg, GOOD_IP,
	    "a@example.com", "bob@example.org", 1000, &rec), -1);
}
END_TEST

/* "user@example.net>" once made OpenDMARC skip DMARC entirely. */
START_TEST(regression_stray_angle_bracket)
{
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<a@example.com>", "From: user@example.net>\r\n");
	ck_assert_int_eq(v->from_status, DMARC_FROM_SYNTAX);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert(!has(v, "dmarc=pass"));
	ck_assert(!has(v, "dmarc=none"));
	assert_header_sane(v);
}
END_TEST

/* Strict alignment must not pass on an org-domain match (OpenDMARC #268),
 * for SPF and for DKIM; relaxed does. */
START_TEST(strict_vs_relaxed)
{
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<x@bounce.strict.example>", "From: a@strict.example\r\n");
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	msg_reset(m);
	v = run(GOOD_IP, "<x@bounce.relaxed.example>", "From: a@relaxed.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_str_eq(v->dmarc->org_domain, "relaxed.example");
	msg_reset(m);
	v = run_file(BAD_IP, "<x@other.example>", "dkim-sub-for-org.eml");
	ck_assert_uint_eq(v->ndkim, 1);
	ck_assert_int_eq(v->dkim[0]->result, DKIM_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	msg_reset(m);
	v = run_file(BAD_IP, "<x@other.example>", "dkim-relaxed-org.eml");
	ck_assert_int_eq(v->dkim[0]->result, DKIM_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 1);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_str_eq(v->dmarc->dkim_domain, "example.com");
}
END_TEST

START_TEST(dkim_pass_aligned_with_header_b)
{
	const msg_verdict *v;

	start(NULL);
	v = run_file(BAD_IP, "<x@example.com>", "dkim-example-com.eml");
	ck_assert_int_eq(v->spf->code, SPF_FAIL);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->dmarc->dkim_aligned, 1);
	ck_assert(has(v, "dkim=pass"));
	ck_assert(has(v, "header.d=example.com"));
	ck_assert(has(v, "header.b="));
	assert_header_sane(v);
}
END_TEST

START_TEST(subdomain_sp_np)
{
	const msg_verdict *v;

	start(NULL);
	v = run(BAD_IP, "<a@example.com>", "From: a@sub.example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_str_eq(v->dmarc->policy_tag, "sp");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_str_eq(v->dmarc->policy_domain, "example.com");
	msg_reset(m);
	v = run(BAD_IP, "<a@example.com>", "From: a@nx.example.com\r\n");
	ck_assert_str_eq(v->dmarc->policy_tag, "np");
	ck_assert_int_eq(v->dmarc->author_exists, 0);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
}
END_TEST

START_TEST(testing_mode_one_step_down)
{
	static const char *const enforce[] = { "dmarc_enforce=yes", NULL };
	const msg_verdict *v;

	start(enforce);
	v = run(BAD_IP, "<a@test.example>", "From: a@test.example\r\n");
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

	start(c);
	sample_value = 10;   /* < pct=50: the policy applies */
	v = run(BAD_IP, "<a@pct.example>", "From: a@pct.example\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_REJECT);
	msg_reset(m);
	sample_value = 70;   /* sampled out: one step down */
	v = run(BAD_IP, "<a@pct.example>", "From: a@pct.example\r\n");
	ck_assert_int_eq(v->dmarc->disposition, DMARC_P_QUARANTINE);
	ck_assert_int_eq(v->dmarc->override, DMARC_OVERRIDE_SAMPLED_OUT);
}
END_TEST

START_TEST(skipped_trusted_and_authenticated)
{
	static const char *const nohdr[] = { "skipped_header=none", NULL };
	const msg_verdict *v;
	char text[] = "From: a@example.com\r\n\r\nbody\r\n";

	start(NULL);
	v = run("10.1.2.3", "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->skipped, 1);
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_msg(has(v, "; none"), "%s", v->auth_results);
	msg_reset(m);
	msg_connect(m, BAD_IP, "c.example");
	v = run_text(BAD_IP, "h.example", "<a@example.com>", "alice", text,
	    strlen(text));
	ck_assert_int_eq(v->skipped, 1);
	ck_assert(has(v, "auth=pass"));
	ck_assert(has(v, "smtp.auth=alice"));
	assert_header_sane(v);
	teardown();
	start(nohdr);
	v = run("10.1.2.3", "<a@example.com>", "From: a@example.com\r\n");
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

	start(NULL);
	v = run_text(GOOD_IP, "mail.example.com", "<>", NULL, text,
	    strlen(text));
	ck_assert_int_eq(v->spf->code, SPF_PASS);
	ck_assert_int_eq(v->dmarc->spf_aligned, 1);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert(has(v, "smtp.helo=mail.example.com"));
	msg_reset(m);
	v = run_text(BAD_IP, "mail.example.com", "<>", NULL, text,
	    strlen(text));
	ck_assert_int_eq(v->dmarc->spf_aligned, 0);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
}
END_TEST

/* CVE-2019-16378: several From fields or addresses; every author domain
 * is evaluated and the strictest result kept; or reject them outright. */
START_TEST(regression_multi_from)
{
	static const char *const rej[] = { "dmarc_reject_multi_from=yes", NULL };
	const msg_verdict *v;

	start(NULL);
	/* several From fields: a bad From (RFC 9989 4.4), permerror; both
	 * domains' policies were still discovered (this asserted a plain
	 * DMARC fail before the bad From rule) */
	v = run(GOOD_IP, "<a@example.org>",
	    "From: a@example.org\r\nFrom: b@example.com\r\n");
	ck_assert_int_eq(v->from_status, DMARC_FROM_MULTIPLE);
	ck_assert_int_eq(v->bad_from, 1);
	ck_assert_uint_eq(v->dmarc->nauthors, 2);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PERMERROR);
	ck_assert_str_eq(v->dmarc->from_domain, "example.com");
	msg_reset(m);
	v = run(GOOD_IP, "<a@example.org>",
	    "From: a@example.org, b@example.com\r\n");
	ck_assert_uint_eq(v->dmarc->nauthors, 2);
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert(!has(v, "dmarc=pass"));
	teardown();
	start(rej);
	/* both pass, still refused */
	v = run(GOOD_IP, "<a@example.com>",
	    "From: a@example.com, b@sub.example.com\r\n");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.1");
}
END_TEST

START_TEST(spf_reject_fail_and_received_spf)
{
	static const char *const c[] = { "spf_reject_fail=yes",
	    "received_spf=yes", NULL };
	const msg_verdict *v;

	start(c);
	v = run(BAD_IP, "<a@example.net>", "From: a@nodmarc.example\r\n");
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_str_eq(v->smtp_xcode, "5.7.23");
	ck_assert_ptr_nonnull(v->received_spf);
	ck_assert_msg(strncmp(v->received_spf, " fail", 5) == 0, "%s",
	    v->received_spf);
	msg_reset(m);
	v = run(GOOD_IP, "<a@example.com>", "From: a@example.com\r\n");
	ck_assert_int_eq(v->action, MSG_ACCEPT);
	ck_assert_ptr_nonnull(v->received_spf);
	ck_assert(strncmp(v->received_spf, " pass", 5) == 0);
	ck_assert(strstr(v->received_spf, "client-ip=192.0.2.1") != NULL);
}
END_TEST

/* CVE-2020-12272: hostile text in From must not move the author domain,
 * and forged AR fields with our authserv-id are marked for removal. */
START_TEST(regression_ar_injection)
{
	const msg_verdict *v;

	start(NULL);
	v = run(GOOD_IP, "<a@example.com>",
	    "From: alice@example.net(.example.com\r\n");
	ck_assert(v->dmarc->result != DMARC_RESULT_PASS);
	ck_assert(!has(v, "header.from=example.com"));
	assert_header_sane(v);
	msg_reset(m);
	v = run(GOOD_IP, "<a@example.com>",
	    "From: alice@example.net (.example.com)\r\n");
	ck_assert_str_eq(v->dmarc->from_domain, "example.net");
	ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_FAIL);
	ck_assert(has(v, "header.from=example.net"));
	msg_reset(m);
	v = run(GOOD_IP, "<a@example.com>",
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

	start(c);
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
		v = run_big(pass ? "10.1.2.3" : GOOD_IP, "<a@example.com>",
		    sb.s);
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
		assert_header_sane(v);
		if (!pass)
			ck_assert_int_eq(v->dmarc->result, DMARC_RESULT_PASS);
		else
			ck_assert_int_eq(v->skipped, 1);
		msg_reset(m);
	}
}
END_TEST

/* Hostile envelope values cannot put a line break into our header. */
START_TEST(hostile_values_stay_in_header)
{
	const msg_verdict *v;
	char text[] = "DKIM-Signature: v=1; a=rsa-sha256; d=ex\"ample.com;"
	    " s=a(b; h=from; bh=x=; b=y/+=\r\nFrom: a@example.com\r\n\r\nb\r\n";

	start(NULL);
	v = run_text(GOOD_IP, "evil.example\r\nX-Injected: yes",
	    "<a@example.com\r\nX-Bad: 1>", NULL, text, strlen(text));
	ck_assert(!has(v, "\r\nX-"));
	ck_assert(!has(v, "\nX-"));
	assert_header_sane(v);
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
	char path[256], *buf = malloc(65536);
	msgparse p;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), FIX "%s", file);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	n = fread(buf, 1, 65536, fp);
	fclose(fp);
	msg_connect(m, ip, "client.example");
	msg_helo(m, "mail.example.com");
	msg_mail_from(m, "<x@example.com>");
	msg_rcpt(m, "<bob@example.org>");
	(void)msg_header_skipped(m, name, 2 * 1024 * 1024);
	mp_init(&p, &msg_parse_events, m, cfg.max_header_bytes);
	(void)mp_push(&p, buf, n);
	(void)mp_finish(&p);
	mp_free(&p);
	free(buf);
	return msg_eom(m);
}

START_TEST(header_too_big_to_read)
{
	const msg_verdict *v;

	start(NULL);
	/* the same message passes on its signature alone (see above) */
	v = run_skipped(BAD_IP, "X-Big", "dkim-example-com.eml");
	ck_assert_msg(has(v, "dkim=policy"), "%s", v->auth_results);
	ck_assert(has(v, "too big to be read"));
	ck_assert(!has(v, "dkim=pass"));
	ck_assert(v->dmarc->result != DMARC_RESULT_PASS);
	assert_header_sane(v);
	msg_reset(m);
	v = run_skipped(GOOD_IP, "Authentication-Results",
	    "dkim-example-com.eml");
	ck_assert_uint_eq(v->nremove, 1);
	ck_assert(msg_verdict_removes(v, 1));
	msg_reset(m);
	teardown();
	/* a From field that cannot be read is a bad From: it fails closed
	 * (with dmarc_enforce, bad_from_action auto rejects), never pass */
	{
		static const char *const enforce[] = { "dmarc_enforce=yes",
		    NULL };

		start(enforce);
	}
	v = run_skipped(GOOD_IP, "From", "dkim-example-com.eml");
	ck_assert_msg(v->bad_from, "%s", v->reason);
	ck_assert_int_eq(v->action, MSG_REJECT);
	ck_assert_msg(has(v, "dmarc=permerror"), "%s", v->auth_results);
	ck_assert(v->dmarc->result != DMARC_RESULT_PASS);
	assert_header_sane(v);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("verdict");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, spf_aligned_pass);
	tcase_add_test(tc, fail_reject_enforced_or_not);
	tcase_add_test(tc, quarantine_action);
	tcase_add_test(tc, none_without_record);
	tcase_add_test(tc, temperror_by_setting);
	tcase_add_test(tc, temperror_never_rejects);
	tcase_add_test(tc, exempt_network_local_policy);
	tcase_add_test(tc, no_or_bad_from_is_permerror);
	tcase_add_test(tc, bad_from_triggers_reject);
	tcase_add_test(tc, header_budget_before_from);
	tcase_add_test(tc, multi_from_counts_past_the_bound);
	tcase_add_test(tc, bad_from_action_settings);
	tcase_add_test(tc, bad_from_history_record);
	tcase_add_test(tc, regression_stray_angle_bracket);
	tcase_add_test(tc, strict_vs_relaxed);
	tcase_add_test(tc, dkim_pass_aligned_with_header_b);
	tcase_add_test(tc, subdomain_sp_np);
	tcase_add_test(tc, testing_mode_one_step_down);
	tcase_add_test(tc, rfc7489_pct_sampling);
	tcase_add_test(tc, skipped_trusted_and_authenticated);
	tcase_add_test(tc, null_sender_uses_helo);
	tcase_add_test(tc, regression_multi_from);
	tcase_add_test(tc, spf_reject_fail_and_received_spf);
	tcase_add_test(tc, regression_ar_injection);
	tcase_add_test(tc, ar_removal_thousand);
	tcase_add_test(tc, hostile_values_stay_in_header);
	tcase_add_test(tc, header_too_big_to_read);
	suite_add_tcase(s, tc);
	return s;
}
