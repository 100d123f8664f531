/*
 * tests/report/check_history.c - the history writer over a real SQLite
 * store: clean shutdown loses nothing, a full queue drops and counts,
 * kill -9 during a write burst loses at most the queue plus one batch,
 * the queue's byte bound holds (writer stalled on a locked database);
 * packed records (exact round trip, typical size); the record
 * builder (IPv6 expansion for RFC 7489, DKIM priority); and
 * history_rows_all, the report's one pass: every policy domain's rows,
 * domains in name order, each domain's rows exactly as history_rows gives
 * them (same groups, counts and order, ties included), records outside the
 * period left out; history_policy, history_sent and history_mark_sent
 * working from its callback (second connection); the one-domain filter; a
 * callback's -1 stops it. (PostgreSQL end to end:
 * tests/report/report_scale.sh.)
 */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/report.h"
#include "daemon/history_writer_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/tmpdb.h"

static char dbpath[64];

static void
setup(void)
{
	ck_assert_int_eq(tmpdb_path(dbpath, sizeof(dbpath), "check_history"), 0);
}

static void
teardown(void)
{
	tmpdb_remove(dbpath);
}

static report_record *
rec(int i)
{
	report_record *r = calloc(1, sizeof(*r));

	r->time = 1000 + i;
	snprintf(r->source_ip, sizeof(r->source_ip), "192.0.2.%d", i % 250);
	snprintf(r->header_from, sizeof(r->header_from), "example.com");
	snprintf(r->policy_domain, sizeof(r->policy_domain), "example.com");
	snprintf(r->disposition, sizeof(r->disposition), "none");
	snprintf(r->p, sizeof(r->p), "none");
	return r;
}

static uint64_t
stored(void)
{
	char why[256];
	history *h = history_open(dbpath, why, sizeof(why));
	uint64_t n = 0;

	ck_assert_msg(h != NULL, "%s", why);
	ck_assert_int_eq(history_count(h, 0, INT64_MAX, &n, why, sizeof(why)), 0);
	history_close(h);
	return n;
}

static void
config(am_config *cfg, unsigned qsize, unsigned batch, unsigned full)
{
	config_init(cfg);
	ck_assert_int_eq(config_set(cfg, "history", dbpath, NULL, 0), 0);
	cfg->history_queue_size = qsize;
	cfg->history_batch_size = batch;
	cfg->history_queue_full = full;
	cfg->history_queue_wait_ms = 1000;
}

START_TEST(clean_stop_flushes)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	char err[256];
	int i;

	config(&cfg, 10000, 100, CONFIG_QFULL_WAIT);
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(history_writer_submit(w, rec(i)), 0);
	history_writer_stats(w, &st);
	ck_assert_uint_eq(st.queued, 5000);
	history_writer_stop(w);
	ck_assert_uint_eq(stored(), 5000);
	config_free(&cfg);
}
END_TEST

START_TEST(full_queue_drops)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	char err[256];
	int i, dropped = 0;

	config(&cfg, 2, 1, CONFIG_QFULL_DROP);
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	for (i = 0; i < 3000; i++)
		if (history_writer_submit(w, rec(i)) < 0)
			dropped++;
	history_writer_stats(w, &st);
	ck_assert_int_gt(dropped, 0);  /* one-row transactions cannot keep up */
	ck_assert_uint_eq(st.dropped, (uint64_t)dropped);
	ck_assert_uint_eq(st.queued + st.dropped, 3000);
	history_writer_stop(w);
	ck_assert_uint_eq(stored(), 3000 - (uint64_t)dropped);
	config_free(&cfg);
}
END_TEST

static failrep_row *
failure(int i)
{
	failrep_row *f = calloc(1, sizeof(*f));

	snprintf(f->id, sizeof(f->id), "q%d/AM1.%d", i, i);
	f->t = 1800000000;
	snprintf(f->domain, sizeof(f->domain), "example.com");
	snprintf(f->ruf, sizeof(f->ruf), "mailto:ruf@example.com");
	f->report = strdup("Subject: x\r\n\r\nreport\r\n");
	f->report_len = strlen(f->report);
	return f;
}

static int
count_row(void *arg, const failrep_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* A slow store (another process holds the write lock) never makes a
 * submit wait: the failure reports past the queue's 64 are dropped and
 * counted; what was accepted is stored once the store is free; the
 * rate per domain and hour holds at queueing. */
START_TEST(failure_queue_bounded)
{
	am_config cfg;
	history_writer *w;
	sqlite3 *db;
	char err[256];
	int i, dropped = 0, n = 0;
	history *h;

	config(&cfg, 100, 10, CONFIG_QFULL_DROP);
	cfg.failure_report_rate = 1000;
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(history_writer_submit_failure(w, failure(0)), 0);
	usleep(300000);	/* the writer has taken it and waits on the lock */
	for (i = 1; i <= 200; i++)
		if (history_writer_submit_failure(w, failure(i)) < 0)
			dropped++;
	/* 64 queued behind the one the writer holds (up to 64 more when it
	 * took a first batch late, on a loaded machine) */
	ck_assert_int_ge(dropped, 200 - 2 * 64);
	ck_assert_int_le(dropped, 200 - 64);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	history_writer_stop(w);
	h = history_open(dbpath, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_int_eq(history_failure_pending(h, 1000, count_row, &n, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(n, 201 - dropped);
	history_close(h);
	config_free(&cfg);

	/* the rate: 3 an hour for a domain; the 4th and 5th not stored */
	config(&cfg, 100, 10, CONFIG_QFULL_DROP);
	cfg.failure_report_rate = 3;
	unlink(dbpath);
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(history_writer_submit_failure(w, failure(i)), 0);
	history_writer_stop(w);
	h = history_open(dbpath, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	n = 0;
	ck_assert_int_eq(history_failure_pending(h, 1000, count_row, &n, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(n, 3);
	history_close(h);
	config_free(&cfg);
}
END_TEST

START_TEST(kill9_loses_at_most_queue_plus_batch)
{
	const unsigned qsize = 200, batch = 100;
	volatile uint64_t *submitted = mmap(NULL, sizeof(uint64_t),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t n, lost;
	pid_t pid;

	ck_assert_ptr_ne((void *)submitted, MAP_FAILED);
	*submitted = 0;
	{ /* create the schema before the burst */
		char why[256];
		history *h = history_open(dbpath, why, sizeof(why));

		ck_assert_msg(h != NULL, "%s", why);
		history_close(h);
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		am_config cfg;
		history_writer *w;
		char err[256];
		int i;

		config(&cfg, qsize, batch, CONFIG_QFULL_WAIT);
		w = history_writer_start(&cfg, err, sizeof(err));
		if (w == NULL)
			_exit(2);
		for (i = 0;; i++)
			if (history_writer_submit(w, rec(i)) == 0)
				*submitted = *submitted + 1;
	}
	usleep(700000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	n = stored();
	ck_assert_uint_gt(*submitted, 0);
	ck_assert_uint_gt(n, 0);
	lost = *submitted - n;
	ck_assert_msg(*submitted >= n && lost <= qsize + batch,
	    "submitted %llu, stored %llu", (unsigned long long)*submitted,
	    (unsigned long long)n);
	munmap((void *)submitted, sizeof(uint64_t));
}
END_TEST

/* A record as one of the benchmark corpus's messages makes it. */
static void
typical(report_record *r)
{
	dmarc_result d;
	report_dkim_in dk[1] = { { "d16.example", "s16", "pass" } };
	report_input in;
	char why[128];

	memset(&d, 0, sizeof(d));
	memset(&in, 0, sizeof(in));
	d.have_record = 1;
	snprintf(d.policy_domain, sizeof(d.policy_domain), "d16.example");
	snprintf(d.from_domain, sizeof(d.from_domain), "d16.example");
	snprintf(d.org_domain, sizeof(d.org_domain), "d16.example");
	d.result = DMARC_RESULT_PASS;
	d.record.p = DMARC_P_QUARANTINE;
	d.policy = DMARC_P_QUARANTINE;
	d.record.nrua = 1;
	snprintf(d.record.rua[0].uri, sizeof(d.record.rua[0].uri),
	    "mailto:dmarc-reports@d16.example");
	in.time = 1795873462;
	in.source_ip = "198.51.100.16";
	in.envelope_from = "bounce-1234@d16.example";
	in.envelope_to = "user@bench.test";
	in.spf_domain = "d16.example";
	in.spf_result = "pass";
	in.dkim = dk;
	in.ndkim = 1;
	in.dmarc = &d;
	in.applied = 1;
	ck_assert_int_eq(report_record_build(r, &in, why, sizeof(why)), 0);
}

/* Every field full: the largest record there is. */
static void
fill(report_record *r, int c)
{
	memset(r, 0, sizeof(*r));
	memset(r, c, sizeof(*r));
	r->time = 1000 + c;
	r->dkim_aligned = 1;
	r->spf_aligned = 0;
#define Z(f) (r->f[sizeof(r->f) - 1] = '\0')
	Z(source_ip); Z(header_from); Z(envelope_from); Z(envelope_to);
	Z(policy_domain); Z(org_domain); Z(spf_domain); Z(spf_scope);
	Z(spf_result); Z(dkim); Z(dmarc_result); Z(disposition); Z(reasons);
	Z(discovery); Z(p); Z(sp); Z(np); Z(adkim); Z(aspf); Z(testing);
	Z(psd); Z(fo); Z(rua); Z(ruf);
#undef Z
}

START_TEST(packed_records)
{
	report_record r, back;
	report_packed *p;

	typical(&r);
	ck_assert_ptr_nonnull(p = report_record_pack(&r));
	fprintf(stderr, "check_history: a typical record is %zu bytes, packed "
	    "%zu\n", sizeof(r), report_packed_size(p));
	ck_assert_uint_lt(report_packed_size(p), 512);
	report_record_unpack(p, &back);
	ck_assert_int_eq(memcmp(&r, &back, sizeof(r)), 0);
	ck_assert_str_eq(back.rua, "mailto:dmarc-reports@d16.example");
	free(p);
	/* full fields survive; the block stays within the record's size */
	fill(&r, 'x');
	ck_assert_ptr_nonnull(p = report_record_pack(&r));
	ck_assert_uint_le(report_packed_size(p), sizeof(r) + 64);
	memset(&back, 0, sizeof(back));
	report_record_unpack(p, &back);
	ck_assert_str_eq(back.dkim, r.dkim);
	ck_assert_str_eq(back.ruf, r.ruf);
	ck_assert_str_eq(back.psd, r.psd);
	ck_assert(back.time == 1000 + 'x' && back.dkim_aligned == 1);
	free(p);
}
END_TEST

/* The writer is stalled on a locked database: the queue fills up to its
 * byte bound (64 KB, ~15 full records, far below 10,000 records) and
 * then drops; once the lock goes, what was queued is stored. */
START_TEST(queue_bytes_bound_holds)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	sqlite3 *db;
	char err[256];
	int i, dropped = 0;

	config(&cfg, 10000, 1, CONFIG_QFULL_DROP);
	cfg.history_queue_bytes = 65536;
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
	    SQLITE_OK);
	for (i = 0; i < 300; i++) {
		report_record *r = malloc(sizeof(*r));

		ck_assert_ptr_nonnull(r);
		fill(r, 'a' + i % 26);
		if (history_writer_submit(w, r) < 0)
			dropped++;
	}
	history_writer_stats(w, &st);
	ck_assert_int_gt(dropped, 250);
	ck_assert_uint_eq(st.dropped, (uint64_t)dropped);
	ck_assert_uint_eq(st.queued + st.dropped, 300);
	ck_assert_uint_le(st.peak_bytes, 65536);
	ck_assert_uint_gt(st.peak_bytes, 65536 - sizeof(report_record) - 64);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	history_writer_stop(w);
	ck_assert_uint_eq(stored(), 300 - (uint64_t)dropped);
	config_free(&cfg);
}
END_TEST

START_TEST(ipv6_full_form)
{
	char out[REPORT_IP_BUF];

	ck_assert_int_eq(report_ip_expand("2001:db8::1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2001:db8:0:0:0:0:0:1");
	ck_assert_int_eq(report_ip_expand("::ffff:192.0.2.9", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "192.0.2.9");
	ck_assert_int_eq(report_ip_expand("192.0.2.1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "192.0.2.1");
}
END_TEST

START_TEST(dkim_priority_and_no_policy)
{
	dmarc_result d;
	report_dkim_in dk[3] = {
		{ "other.example", "s1", "fail" },
		{ "third.example", "s2", "pass" },
		{ "example.com", "sel with space", "pass" },
	};
	report_input in;
	report_record r;
	report_dkim_view v;
	const char *p;
	char why[128];

	memset(&d, 0, sizeof(d));
	memset(&in, 0, sizeof(in));
	in.dmarc = &d;
	in.dkim = dk;
	in.ndkim = 3;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), -1);
	d.have_record = 1;
	snprintf(d.policy_domain, sizeof(d.policy_domain), "example.com");
	snprintf(d.from_domain, sizeof(d.from_domain), "example.com");
	d.result = DMARC_RESULT_PASS;
	d.record.p = DMARC_P_REJECT;
	d.policy = DMARC_P_REJECT;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_str_eq(r.disposition, "pass");
	ck_assert_str_eq(r.sp, "reject");
	p = r.dkim;
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.domain, "example.com");
	ck_assert_str_eq(v.selector, "sel?with?space");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.domain, "third.example");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.result, "fail");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 0);
}
END_TEST

#define FROM 100000
#define TO 200000
#define NREC 3000

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
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, clean_stop_flushes);
	tcase_add_test(tc, full_queue_drops);
	tcase_add_test(tc, failure_queue_bounded);
	tcase_add_test(tc, kill9_loses_at_most_queue_plus_batch);
	tcase_add_test(tc, packed_records);
	tcase_add_test(tc, queue_bytes_bound_holds);
	tcase_add_test(tc, ipv6_full_form);
	tcase_add_test(tc, dkim_priority_and_no_policy);
	tcase_add_test(tc, one_pass_is_every_domains_rows);
	tcase_add_test(tc, one_domain_and_stop);
	suite_add_tcase(s, tc);
	return s;
}
