/*
 * tests/report/check_history_walk.c - history_rows_all (report/history.c)
 * over a real SQLite store: one pass gives every policy domain's rows,
 * domains in name order, each domain's rows exactly as history_rows gives
 * them (same groups, counts and order), records outside the period left
 * out; while it runs, history_policy, history_sent and history_mark_sent
 * work from the callback (second connection); --domain's filter; a
 * callback's -1 stops the walk. (PostgreSQL end to end:
 * tests/report/report_scale.sh.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "tests/lib/check_main.h"

#define FROM 100000
#define TO 200000
#define NREC 3000

static char dbpath[64];

static void
setup(void)
{
	char tmpl[] = "/tmp/check_history_walk.XXXXXX";
	int fd = mkstemp(tmpl);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(tmpl);
	snprintf(dbpath, sizeof(dbpath), "%s", tmpl);
}

static void
teardown(void)
{
	char p[80];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

/* Records of 5 domains interleaved in time, a few outside the period,
 * with counts that tie (the order must still agree). */
static history *
filled(void)
{
	static const char *const dom[] = { "m.test", "a.test", "z.test",
	    "b.test", "a.test.evil" };
	report_record **v = calloc(NREC, sizeof(*v));
	char why[256];
	history *h = history_open(dbpath, why, sizeof(why));
	int i;

	ck_assert_msg(h != NULL, "%s", why);
	ck_assert_ptr_nonnull(v);
	for (i = 0; i < NREC; i++) {
		report_record *r = calloc(1, sizeof(*r));

		ck_assert_ptr_nonnull(r);
		r->time = i % 50 == 0 ? FROM - 1 - i : i % 51 == 0 ? TO + i :
		    FROM + i * 30;
		snprintf(r->policy_domain, sizeof(r->policy_domain), "%s",
		    dom[i % 5]);
		snprintf(r->source_ip, sizeof(r->source_ip), "192.0.2.%d",
		    i % 7);
		snprintf(r->header_from, sizeof(r->header_from), "%s",
		    dom[i % 5]);
		snprintf(r->envelope_from, sizeof(r->envelope_from), "e%d.test",
		    i % 3);
		snprintf(r->disposition, sizeof(r->disposition), "%s",
		    i % 4 ? "none" : "reject");
		snprintf(r->spf_result, sizeof(r->spf_result), "pass");
		snprintf(r->dkim, sizeof(r->dkim), "%s s%d pass", dom[i % 5],
		    i % 2);
		snprintf(r->p, sizeof(r->p), i < NREC / 2 ? "none" : "reject");
		r->dkim_aligned = i % 2;
		v[i] = r;
	}
	ck_assert_int_eq(history_append(h, (const report_record *const *)v,
	    NREC, why, sizeof(why)), 0);
	for (i = 0; i < NREC; i++)
		free(v[i]);
	free(v);
	return h;
}

/* rows written as text lines, the domain first */
typedef struct lines {
	history *h;
	strbuf sb;
	size_t n;
	int stop_at;
	int policies;    /* history_policy answered inside the walk */
	char last[256];
} lines;

static void
line(lines *l, const char *domain, const report_record *r, uint64_t count)
{
	sb_printf(&l->sb, "%s|%s|%s|%d|%d|%s|%s|%s|%s|%s|%s|%s|%s|%llu\n",
	    domain, r->source_ip, r->disposition, r->dkim_aligned,
	    r->spf_aligned, r->reasons, r->header_from, r->envelope_from,
	    r->envelope_to, r->spf_domain, r->spf_scope, r->spf_result,
	    r->dkim, (unsigned long long)count);
	l->n++;
}

static int
on_domain(void *arg, const char *domain)
{
	lines *l = arg;

	snprintf(l->last, sizeof(l->last), "%s", domain);
	l->n++;
	return 0;
}

static char want_domain[256];

static int
on_want(void *arg, const report_record *r, uint64_t count)
{
	line(arg, want_domain, r, count);
	return 0;
}

static int
on_all(void *arg, const report_record *r, uint64_t count)
{
	lines *l = arg;
	report_record *pol;
	char why[256];

	if (l->stop_at > 0 && (int)l->n == l->stop_at)
		return -1;
	if (strcmp(l->last, r->policy_domain) != 0) {
		snprintf(l->last, sizeof(l->last), "%s", r->policy_domain);
		pol = malloc(sizeof(*pol));
		ck_assert_ptr_nonnull(pol);
		ck_assert_int_eq(history_policy(l->h, r->policy_domain, FROM,
		    TO, pol, why, sizeof(why)), 1);
		ck_assert_str_eq(pol->policy_domain, r->policy_domain);
		free(pol);
		ck_assert_int_eq(history_sent(l->h, r->policy_domain, "x@y",
		    why, sizeof(why)), 0);
		ck_assert_msg(history_mark_sent(l->h, r->policy_domain, "x@y",
		    1, why, sizeof(why)) == 0, "%s", why);
		ck_assert_int_eq(history_sent(l->h, r->policy_domain, "x@y",
		    why, sizeof(why)), 1);
		l->policies++;
	}
	line(l, r->policy_domain, r, count);
	return 0;
}

/* want's buffer started; the number of domains history_domains gives */
static void
per_domain(history *h, const char *only, lines *want, size_t *ndomains)
{
	char why[256];
	lines dl;

	memset(&dl, 0, sizeof(dl));
	sb_init(&want->sb);
	ck_assert_int_eq(history_domains(h, FROM, TO, only, on_domain, &dl,
	    why, sizeof(why)), 0);
	*ndomains = dl.n;
}

START_TEST(one_pass_is_every_domains_rows)
{
	static const char *const sorted[] = { "a.test", "a.test.evil",
	    "b.test", "m.test", "z.test" };
	history *h = filled();
	lines want, got;
	char why[256];
	size_t i, nd;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	per_domain(h, NULL, &want, &nd);
	ck_assert_uint_eq(nd, 5);
	for (i = 0; i < 5; i++) {
		snprintf(want_domain, sizeof(want_domain), "%s", sorted[i]);
		ck_assert_int_eq(history_rows(h, sorted[i], FROM, TO, on_want,
		    &want, why, sizeof(why)), 0);
	}
	got.h = h;
	sb_init(&got.sb);
	ck_assert_msg(history_rows_all(h, FROM, TO, NULL, on_all, &got, why,
	    sizeof(why)) == 0, "%s", why);
	ck_assert_uint_gt(want.n, 50);
	ck_assert_uint_eq(got.n, want.n);
	ck_assert_str_eq(got.sb.s, want.sb.s);
	ck_assert_int_eq(got.policies, 5);
	sb_free(&want.sb);
	sb_free(&got.sb);
	history_close(h);
}
END_TEST

START_TEST(one_domain_and_stop)
{
	history *h = filled();
	lines want, got;
	char why[256];
	size_t nd;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	per_domain(h, "b.test", &want, &nd);
	ck_assert_uint_eq(nd, 1);
	snprintf(want_domain, sizeof(want_domain), "b.test");
	ck_assert_int_eq(history_rows(h, "b.test", FROM, TO, on_want, &want,
	    why, sizeof(why)), 0);
	got.h = h;
	sb_init(&got.sb);
	ck_assert_int_eq(history_rows_all(h, FROM, TO, "b.test", on_all, &got,
	    why, sizeof(why)), 0);
	ck_assert_str_eq(got.sb.s, want.sb.s);
	/* a callback's -1 stops the walk; the handle works after it */
	sb_free(&got.sb);
	memset(&got, 0, sizeof(got));
	got.h = h;
	got.stop_at = 3;
	sb_init(&got.sb);
	ck_assert_int_eq(history_rows_all(h, FROM, TO, NULL, on_all, &got,
	    why, sizeof(why)), -1);
	ck_assert_uint_eq(got.n, 3);
	ck_assert_int_eq(history_policy(h, "z.test", FROM, TO,
	    &(report_record){ 0 }, why, sizeof(why)), 1);
	sb_free(&want.sb);
	sb_free(&got.sb);
	history_close(h);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("history_walk");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, one_pass_is_every_domains_rows);
	tcase_add_test(tc, one_domain_and_stop);
	suite_add_tcase(s, tc);
	return s;
}
