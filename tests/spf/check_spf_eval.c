/*
 * tests/spf/check_spf_eval.c - the evaluator over the real resolver
 * (libunbound serving a zone file): RFC 7208 4.6.4 limits, loops, the
 * deadline, DNS faults, identities, reasons, and concurrent use.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "spf/spf.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"
#include "tests/lib/testzone.h"

static const char zone[] =
    "ok.example. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "ten.example. 300 IN TXT \"v=spf1 a:h.example a:h.example a:h.example "
    "a:h.example a:h.example a:h.example a:h.example a:h.example a:h.example "
    "a:h.example ip4:192.0.2.1 -all\"\n"
    "eleven.example. 300 IN TXT \"v=spf1 a:h.example a:h.example a:h.example "
    "a:h.example a:h.example a:h.example a:h.example a:h.example a:h.example "
    "a:h.example a:h.example ip4:192.0.2.1 -all\"\n"
    "h.example. 300 IN A 10.9.9.9\n"
    "void2.example. 300 IN TXT \"v=spf1 a:n1.example a:n2.example ?all\"\n"
    "void3.example. 300 IN TXT \"v=spf1 a:n1.example a:n2.example "
    "exists:n3.example ?all\"\n"
    "loop1.example. 300 IN TXT \"v=spf1 include:loop2.example -all\"\n"
    "loop2.example. 300 IN TXT \"v=spf1 include:loop1.example -all\"\n"
    "self.example. 300 IN TXT \"v=spf1 redirect=self.example\"\n"
    "mx11.example. 300 IN TXT \"v=spf1 mx -all\"\n"
    "mx10.example. 300 IN TXT \"v=spf1 mx -all\"\n"
    "tmp.example. 300 IN TXT \"v=spf1 include:sf.example -all\"\n"
    "exp.example. 300 IN TXT \"v=spf1 -all exp=why.exp.example\"\n"
    "why.exp.example. 300 IN TXT \"%{i} may not send for %{d} (%{h})\"\n"
    "helo.example. 300 IN TXT \"v=spf1 a -all\"\n"
    "helo.example. 300 IN A 192.0.2.55\n"
    "pf.example. 300 IN TXT \"v=spf1 include:pfdeep.example "
    "include:pflate.example -all\"\n"
    "pfdeep.example. 300 IN TXT \"v=spf1 a:p1.example a:p2.example "
    "a:p3.example a:p4.example a:p5.example a:p6.example a:p7.example "
    "a:p8.example a:p9.example -all\"\n"
    "pf12.example. 300 IN TXT \"v=spf1 a:r1.example a:r2.example "
    "a:r3.example a:r4.example a:r5.example a:r6.example a:r7.example "
    "a:r8.example a:r9.example a:r10.example a:r11.example a:r12.example "
    "-all\"\n";

static char zpath[64];
static dns_resolver *res;

static void
setup(void)
{
	char err[256];
	FILE *fp;
	int i;

	fp = testzone_create(zpath, sizeof(zpath), "check_spf_eval");
	ck_assert_ptr_nonnull(fp);
	fputs(zone, fp);
	for (i = 1; i <= 11; i++) {
		fprintf(fp, "mx11.example. 300 IN MX %d m%d.example.\n", i, i);
		if (i <= 10)
			fprintf(fp, "mx10.example. 300 IN MX %d m%d.example.\n",
			    i, i);
		fprintf(fp, "m%d.example. 300 IN A 10.0.0.%d\n", i, i);
	}
	for (i = 1; i <= 12; i++) {
		fprintf(fp, "p%d.example. 300 IN A 10.8.8.%d\n", i, i);
		fprintf(fp, "r%d.example. 300 IN A 10.7.7.%d\n", i, i);
	}
	fclose(fp);
	res = testzone_resolver(zpath, 2000, err, sizeof(err));
	ck_assert_msg(res != NULL, "resolver: %s", err);
	ck_assert_int_eq(dns_resolver_add_fault(res, "sf.example", DNS_T_TXT,
	    DNS_TEMPFAIL), 0);
}

static void
teardown(void)
{
	dns_resolver_free(res);
	unlink(zpath);
}

static spf_result
mailfrom(const char *ip, const char *from)
{
	spf_request req;
	spf_result r;

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.helo = "helo.example";
	req.mail_from = from;
	spf_check_mailfrom(res, &req, &r);
	return r;
}

START_TEST(basic_pass_fail)
{
	spf_result r = mailfrom("192.0.2.7", "a@ok.example");

	ck_assert_int_eq(r.code, SPF_PASS);
	ck_assert_str_eq(r.mechanism, "ip4:192.0.2.0/24");
	ck_assert_str_eq(r.reason, "matched ip4:192.0.2.0/24");
	ck_assert_str_eq(r.domain, "ok.example");
	ck_assert_str_eq(r.sender, "a@ok.example");
	ck_assert_int_eq(r.dnssec, DNS_SEC_INSECURE);
	r = mailfrom("::ffff:192.0.2.7", "a@ok.example");
	ck_assert_int_eq(r.code, SPF_PASS);
	r = mailfrom("198.51.100.1", "a@ok.example");
	ck_assert_int_eq(r.code, SPF_FAIL);
	ck_assert_str_eq(r.explanation, "");
	r = mailfrom("198.51.100.1", "a@nxdomain.example");
	ck_assert_int_eq(r.code, SPF_NONE);
	r = mailfrom("not-an-ip", "a@ok.example");
	ck_assert_int_eq(r.code, SPF_PERMERROR);
}
END_TEST

START_TEST(lookup_limit)
{
	spf_result r = mailfrom("192.0.2.1", "a@ten.example");

	ck_assert_int_eq(r.code, SPF_PASS);
	ck_assert_uint_eq(r.lookups, 10);
	r = mailfrom("192.0.2.1", "a@eleven.example");
	ck_assert_int_eq(r.code, SPF_PERMERROR);
	ck_assert_ptr_nonnull(strstr(r.reason,
	    "too many DNS lookups (11 > 10, RFC 7208 4.6.4)"));
}
END_TEST

/* MAIL FROM a@domain in a budget of its own; *sent: the queries sent. */
static spf_result
mailfrom_counted(const char *ip, const char *domain, unsigned *sent)
{
	dns_budget *b = dns_budget_new(5000, 0, 0);
	char from[128];
	spf_request req;
	spf_result r;

	ck_assert_ptr_nonnull(b);
	snprintf(from, sizeof(from), "a@%s", domain);
	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.helo = "helo.example";
	req.mail_from = from;
	req.budget = b;
	spf_check_mailfrom(res, &req, &r);
	*sent = dns_budget_queries(b);
	dns_budget_release(b);
	return r;
}

/*
 * Prefetch (spf_ev_prefetch): once a record is parsed its include/a/mx
 * targets are asked ahead, but only evaluation counts (RFC 7208 4.6.4).
 * pf.example: include:pfdeep (1 lookup, its 9 a: terms 9 more), then
 * include:pflate, the 11th: permerror as before, 11 lookups, no void
 * lookup although pflate's prefetched TXT answer was NXDOMAIN. pflate was
 * asked ahead (12 queries sent; 11 without prefetch), the evaluation did
 * not count it. pf12.example: 12 a: terms, only as many asked ahead as
 * 4.6.4 lets be evaluated: the record and r1-r10 (11 queries), never r11
 * or r12.
 */
START_TEST(prefetch_not_counted)
{
	unsigned sent;
	spf_result r = mailfrom_counted("192.0.2.1", "pf.example", &sent);

	ck_assert_int_eq(r.code, SPF_PERMERROR);
	ck_assert_uint_eq(r.lookups, 11);
	ck_assert_uint_eq(r.void_lookups, 0);
	ck_assert_ptr_nonnull(strstr(r.reason,
	    "too many DNS lookups (11 > 10, RFC 7208 4.6.4) at "
	    "include:pflate.example"));
	ck_assert_uint_eq(sent, 12);
	r = mailfrom_counted("192.0.2.1", "pf12.example", &sent);
	ck_assert_int_eq(r.code, SPF_PERMERROR);
	ck_assert_uint_eq(r.lookups, 11);
	ck_assert_uint_eq(r.void_lookups, 0);
	ck_assert_uint_eq(sent, 11);
	r = mailfrom_counted("10.8.8.9", "pfdeep.example", &sent);
	ck_assert_int_eq(r.code, SPF_PASS);
	ck_assert_str_eq(r.mechanism, "a:p9.example");
	ck_assert_uint_eq(r.lookups, 9);
}
END_TEST

/*
 * A prefetched record that arrives while an earlier term still waits has
 * its own targets prefetched then (spf_ev_wait -> spf_ev_expand), not
 * when the evaluation reaches it: xp.example is "a:x.dead.example
 * include:inc.example -all"; x.dead.example never answers (a silent
 * server), inc.example ("a:leaf.example -all") answers at once. While
 * the a: term waits, leaf.example's A is asked (4 queries sent: xp, x.dead,
 * inc, leaf; 3 without the expansion, since the evaluation never gets past
 * the a: term), and nothing more is counted: temperror at the a: term
 * after 1 lookup, as without it.
 */
START_TEST(prefetch_expands_arrived)
{
	char conf[64];
	dns_resolver *r;
	dns_budget *b;
	spf_request req;
	spf_result out;
	int fd = dnscheck_dead_conf(conf, sizeof(conf),
	    "    local-zone: \"example.\" static\n"
	    "    local-zone: \"dead.example.\" transparent\n"
	    "    local-data: 'xp.example. TXT \"v=spf1 a:x.dead.example "
	    "include:inc.example -all\"'\n"
	    "    local-data: 'inc.example. TXT \"v=spf1 a:leaf.example -all\"'\n"
	    "    local-data: \"leaf.example. A 10.1.1.1\"\n");

	r = dnscheck_conf_resolver(conf, 600);
	b = dns_budget_new(600, 0, 0);
	ck_assert_ptr_nonnull(b);
	memset(&req, 0, sizeof(req));
	req.ip = "10.1.1.1";
	req.helo = "helo.example";
	req.mail_from = "a@xp.example";
	req.budget = b;
	spf_check_mailfrom(r, &req, &out);
	ck_assert_msg(out.code == SPF_TEMPERROR, "%d %s", out.code, out.reason);
	ck_assert_uint_eq(out.lookups, 1);
	ck_assert_uint_eq(out.void_lookups, 0);
	ck_assert_msg(strstr(out.reason, "x.dead.example") != NULL, "%s",
	    out.reason);
	ck_assert_uint_eq(dns_budget_queries(b), 4);
	dns_budget_release(b);
	dns_resolver_free(r);
	close(fd);
	unlink(conf);
}
END_TEST

START_TEST(void_limit)
{
	spf_result r = mailfrom("192.0.2.1", "a@void2.example");

	ck_assert_int_eq(r.code, SPF_NEUTRAL);
	ck_assert_uint_eq(r.void_lookups, 2);
	r = mailfrom("192.0.2.1", "a@void3.example");
	ck_assert_int_eq(r.code, SPF_PERMERROR);
	ck_assert_ptr_nonnull(strstr(r.reason, "void"));
}
END_TEST

START_TEST(loops)
{
	spf_result r = mailfrom("192.0.2.1", "a@loop1.example");

	ck_assert_int_eq(r.code, SPF_PERMERROR);
	ck_assert_ptr_nonnull(strstr(r.reason, "loop"));
	ck_assert_uint_le(r.lookups, 10);
	r = mailfrom("192.0.2.1", "a@self.example");
	ck_assert_int_eq(r.code, SPF_PERMERROR);
}
END_TEST

START_TEST(mx_limit)
{
	spf_result r = mailfrom("10.0.0.10", "a@mx10.example");

	ck_assert_int_eq(r.code, SPF_PASS);
	r = mailfrom("10.0.0.1", "a@mx11.example");
	ck_assert_int_eq(r.code, SPF_PERMERROR);
	ck_assert_ptr_nonnull(strstr(r.reason, "more than 10"));
}
END_TEST

START_TEST(temperror_reason)
{
	spf_result r = mailfrom("192.0.2.1", "a@tmp.example");

	ck_assert_int_eq(r.code, SPF_TEMPERROR);
	ck_assert_msg(strncmp(r.reason, "include:sf.example: temperror (",
	    31) == 0, "reason: %s", r.reason);
}
END_TEST

START_TEST(deadline)
{
	spf_request req;
	spf_result r;

	memset(&req, 0, sizeof(req));
	req.ip = "192.0.2.1";
	req.helo = "helo.example";
	req.mail_from = "a@ok.example";
	req.deadline_ms = dns_now_ms() - 1;
	spf_check_mailfrom(res, &req, &r);
	ck_assert_int_eq(r.code, SPF_TEMPERROR);
	ck_assert_ptr_nonnull(strstr(r.reason, "deadline"));
}
END_TEST

START_TEST(explanation)
{
	spf_result r = mailfrom("192.0.2.9", "a@exp.example");

	ck_assert_int_eq(r.code, SPF_FAIL);
	ck_assert_str_eq(r.explanation,
	    "192.0.2.9 may not send for exp.example (helo.example)");
}
END_TEST

START_TEST(identities)
{
	spf_request req;
	spf_result mf, helo;
	const spf_result *d;

	memset(&req, 0, sizeof(req));
	req.ip = "192.0.2.55";
	req.helo = "helo.example";
	req.mail_from = "";
	d = spf_check(res, &req, &mf, &helo);
	ck_assert_ptr_eq(d, &helo);
	ck_assert_int_eq(helo.code, SPF_PASS);
	ck_assert_int_eq(helo.identity, SPF_ID_HELO);
	ck_assert_str_eq(mf.sender, "postmaster@helo.example");
	req.mail_from = "x@mx10.example";
	d = spf_check(res, &req, &mf, &helo);
	ck_assert_ptr_eq(d, &mf);
	ck_assert_int_eq(mf.code, SPF_FAIL);
	ck_assert_int_eq(helo.code, SPF_PASS);
	req.helo = "[192.0.2.55]";
	spf_check_helo(res, &req, &helo);
	ck_assert_int_eq(helo.code, SPF_NONE);
}
END_TEST

/* RFC 7208 4.3: a <domain> that is not a multi-label domain name is
 * "none", before any lookup, with the reason naming the fault. */
static void
malformed(const char *from, const char *want)
{
	spf_result r = mailfrom("192.0.2.7", from);

	ck_assert_msg(r.code == SPF_NONE, "%s: %s", from,
	    spf_code_name(r.code));
	ck_assert_msg(strcmp(r.reason, want) == 0, "%s: '%s', want '%s'",
	    from, r.reason, want);
}

START_TEST(malformed_domain_reasons)
{
	char from[400], want[600];

	malformed("a@localhost", "'localhost' is not a fully qualified domain "
	    "name (RFC 7208 4.3)");
	malformed("a@example.123", "'example.123' is not a fully qualified "
	    "domain name (RFC 7208 4.3)");
	malformed("a@a..example", "'a..example' has an empty label or one "
	    "over 63 octets (RFC 7208 4.3)");
	malformed("a@[192.0.2.7]", "'[192.0.2.7]' is not a domain name (RFC "
	    "7208 4.3)");
	snprintf(from, sizeof(from), "a@%064d.example", 0);
	snprintf(want, sizeof(want), "'%s' has an empty label or one over 63 "
	    "octets (RFC 7208 4.3)", from + 2);
	malformed(from, want);
	/* 254 octets of name; then 253 and the root's dot: a name, whose
	 * record is looked up (there is none) */
	memset(from, 'x', sizeof(from));
	memcpy(from, "a@", 2);
	from[2 + 63] = from[2 + 127] = from[2 + 191] = '.';
	from[2 + 254] = '\0';
	malformed(from, "domain name longer than 253 octets (RFC 7208 4.3)");
	from[2 + 253] = '.';
	snprintf(want, sizeof(want), "no SPF record at %s", from + 2);
	malformed(from, want);
}
END_TEST

static void *
worker(void *arg)
{
	int i, *bad = arg;

	for (i = 0; i < 200; i++) {
		spf_result r = mailfrom(i % 2 ? "192.0.2.1" : "10.0.0.10",
		    i % 2 ? "a@ten.example" : "a@mx10.example");

		if (r.code != SPF_PASS)
			(*bad)++;
	}
	return NULL;
}

START_TEST(threads)
{
	pthread_t t[4];
	int bad[4] = { 0 }, i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &bad[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(bad[i], 0);
	}
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("spf_eval");
	TCase *tc = tcase_create("eval");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, basic_pass_fail);
	tcase_add_test(tc, lookup_limit);
	tcase_add_test(tc, void_limit);
	tcase_add_test(tc, prefetch_not_counted);
	tcase_add_test(tc, prefetch_expands_arrived);
	tcase_add_test(tc, loops);
	tcase_add_test(tc, mx_limit);
	tcase_add_test(tc, temperror_reason);
	tcase_add_test(tc, deadline);
	tcase_add_test(tc, explanation);
	tcase_add_test(tc, identities);
	tcase_add_test(tc, malformed_domain_reasons);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return s;
}
