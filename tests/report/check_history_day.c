/*
 * tests/report/check_history_day.c - the daily report's path through the
 * store (issue 16): history_rows_all over a period within one UTC day
 * reads dmarc_records_day_group; its rows are exactly the per-domain
 * history_rows of the same period (same groups, counts and order, ties
 * included; records one second either side of the day left out), for
 * the whole day, part of it and one domain; a store made before the
 * index (the same schema without it) is upgraded by its first open, its
 * records kept, and reports the same rows. SQLite here; PostgreSQL's use
 * of the index: tests/report/report_scale.sh.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/history_writer_int.h"
#include "report/report.h"
#include "tests/lib/check_main.h"
#include "tests/lib/tmpdb.h"

#define DAY 1793491200          /* 2026-11-01T00:00:00Z */
#define NREC 4000
#define NDOM 6

static const char *const dom[NDOM] = { "m.test", "a.test", "z.test",
    "b.test", "a.test.evil", "c.test" };
static char dbpath[64];

static void
setup(void)
{
	ck_assert_int_eq(tmpdb_path(dbpath, sizeof(dbpath), "check_history_day"), 0);
}

static void
teardown(void)
{
	tmpdb_remove(dbpath);
}

/* Records over the day, a few one second before and at its end, with
 * counts that tie. */
static void
fill(history *h)
{
	report_record **v = calloc(NREC, sizeof(*v));
	char why[256];
	int i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < NREC; i++) {
		report_record *r = calloc(1, sizeof(*r));

		ck_assert_ptr_nonnull(r);
		r->time = i % 40 == 0 ? DAY - 1 : i % 41 == 0 ? DAY + 86400 :
		    DAY + (int64_t)i * 86399 / NREC;
		snprintf(r->policy_domain, sizeof(r->policy_domain), "%s",
		    dom[i % NDOM]);
		snprintf(r->source_ip, sizeof(r->source_ip), "192.0.2.%d",
		    i % 7);
		snprintf(r->header_from, sizeof(r->header_from), "%s",
		    dom[i % NDOM]);
		snprintf(r->envelope_from, sizeof(r->envelope_from), "e%d.test",
		    i % 3);
		snprintf(r->disposition, sizeof(r->disposition), "%s",
		    i % 4 ? "none" : "reject");
		snprintf(r->reasons, sizeof(r->reasons), "%s",
		    i % 9 ? "" : "mailing_list");
		snprintf(r->spf_result, sizeof(r->spf_result), "pass");
		snprintf(r->dkim, sizeof(r->dkim), "%s s%d pass", dom[i % NDOM],
		    i % 2);
		snprintf(r->p, sizeof(r->p), "none");
		r->dkim_aligned = i % 2;
		r->spf_aligned = i % 5 == 0;
		v[i] = r;
	}
	ck_assert_int_eq(history_append(h, (const report_record *const *)v,
	    NREC, why, sizeof(why)), 0);
	for (i = 0; i < NREC; i++)
		free(v[i]);
	free(v);
}

typedef struct lines {
	strbuf sb;
	size_t n;
	uint64_t records;     /* the counts added up */
	const char *domain;   /* history_rows: the domain asked for */
} lines;

static int
on_row(void *arg, const report_record *r, uint64_t count)
{
	lines *l = arg;

	sb_printf(&l->sb, "%s|%s|%s|%d|%d|%s|%s|%s|%s|%s|%s|%s|%s|%llu\n",
	    l->domain != NULL ? l->domain : r->policy_domain, r->source_ip,
	    r->disposition, r->dkim_aligned, r->spf_aligned, r->reasons,
	    r->header_from, r->envelope_from, r->envelope_to, r->spf_domain,
	    r->spf_scope, r->spf_result, r->dkim, (unsigned long long)count);
	l->n++;
	l->records += count;
	return 0;
}

/* history_rows_all over [from, to) (only `only` when not NULL) is the
 * per-domain history_rows of each domain in name order; the records its
 * rows count */
static uint64_t
same_as_per_domain(history *h, int64_t from, int64_t to, const char *only)
{
	static const char *const sorted[NDOM] = { "a.test", "a.test.evil",
	    "b.test", "c.test", "m.test", "z.test" };
	lines want, got;
	char why[256];
	uint64_t n;
	size_t i;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	sb_init(&want.sb);
	sb_init(&got.sb);
	for (i = 0; i < NDOM; i++) {
		if (only != NULL && strcmp(only, sorted[i]) != 0)
			continue;
		want.domain = sorted[i];
		ck_assert_msg(history_rows(h, sorted[i], from, to, on_row,
		    &want, why, sizeof(why)) == 0, "%s", why);
	}
	ck_assert_msg(history_rows_all(h, from, to, only, on_row, &got, why,
	    sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(got.n, want.n);
	ck_assert_str_eq(got.sb.s != NULL ? got.sb.s : "",
	    want.sb.s != NULL ? want.sb.s : "");
	ck_assert_uint_gt(got.n, 0);
	ck_assert_uint_eq(got.records, want.records);
	n = got.records;
	sb_free(&want.sb);
	sb_free(&got.sb);
	return n;
}

static uint64_t
count(history *h, int64_t from, int64_t to)
{
	char why[256];
	uint64_t n = 0;

	ck_assert_int_eq(history_count(h, from, to, &n, why, sizeof(why)), 0);
	return n;
}

/* how many indexes named name the SQLite file has (read directly) */
static int
has_index(const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM"
	    " sqlite_master WHERE type = 'index' AND name = ?", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

START_TEST(day_pass_is_per_domain_rows)
{
	char why[256];
	history *h = history_open(dbpath, why, sizeof(why));
	uint64_t whole, part;

	ck_assert_msg(h != NULL, "%s", why);
	fill(h);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 1);
	/* the records either side of the day are there, and not reported */
	ck_assert_uint_gt(count(h, DAY - 1, DAY), 0);
	ck_assert_uint_gt(count(h, DAY + 86400, DAY + 86401), 0);
	whole = same_as_per_domain(h, DAY, DAY + 86400, NULL);
	ck_assert_uint_eq(whole, count(h, DAY, DAY + 86400));
	ck_assert_uint_lt(whole, NREC);
	part = same_as_per_domain(h, DAY + 3600, DAY + 40000, NULL);
	ck_assert_uint_eq(part, count(h, DAY + 3600, DAY + 40000));
	ck_assert_uint_lt(part, whole);
	part = same_as_per_domain(h, DAY, DAY + 86400, "b.test");
	ck_assert_uint_gt(part, 0);
	ck_assert_uint_lt(part, whole);
	/* two days: the general path, the same answer */
	ck_assert_uint_eq(same_as_per_domain(h, DAY - 86400, DAY + 86400,
	    NULL), count(h, DAY - 86400, DAY + 86400));
	history_close(h);
}
END_TEST

/* a store made before issue 16: this schema without the index */
static void
make_old_store(uint64_t *n)
{
	char why[256];
	history *h = history_open(dbpath, why, sizeof(why));
	sqlite3 *db;

	ck_assert_msg(h != NULL, "%s", why);
	fill(h);
	*n = count(h, 0, INT64_MAX);
	history_close(h);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP INDEX dmarc_records_day_group",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 0);
}

START_TEST(old_store_upgraded)
{
	char why[256];
	history *h;
	uint64_t n;

	make_old_store(&n);
	/* the report side's open upgrades it, records kept */
	h = history_open_mode(dbpath, HISTORY_EXISTING, why, sizeof(why));
	ck_assert_msg(h != NULL, "%s", why);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 1);
	ck_assert_uint_eq(count(h, 0, INT64_MAX), n);
	ck_assert_uint_eq(same_as_per_domain(h, DAY, DAY + 86400, NULL),
	    count(h, DAY, DAY + 86400));
	history_close(h);
}
END_TEST

/* HISTORY_DEFER_INDEX: the open of a store holding records leaves the
 * index to history_upgrade(); the store works in between (a day's report
 * the same, only slower). */
START_TEST(deferred_index)
{
	char why[256];
	history *h;
	uint64_t n;

	/* a new (empty) store: nothing to wait for, built at once */
	h = history_open_mode(dbpath, HISTORY_CREATE | HISTORY_DEFER_INDEX,
	    why, sizeof(why));
	ck_assert_msg(h != NULL, "%s", why);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 1);
	history_close(h);
	make_old_store(&n);
	h = history_open_mode(dbpath, HISTORY_CREATE | HISTORY_DEFER_INDEX,
	    why, sizeof(why));
	ck_assert_msg(h != NULL, "%s", why);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 0);
	ck_assert_uint_eq(count(h, 0, INT64_MAX), n);
	ck_assert_uint_eq(same_as_per_domain(h, DAY, DAY + 86400, NULL),
	    count(h, DAY, DAY + 86400));
	ck_assert_int_eq(history_upgrade(h, why, sizeof(why)), 0);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 1);
	history_close(h);
}
END_TEST

/* The daemon's start never waits on the build: history_writer_start()
 * returns while another process holds the store's write lock (the open
 * of the whole schema would wait for it, then build), and its writer
 * thread builds the index once the lock is gone. */
START_TEST(writer_start_does_not_build)
{
	am_config cfg;
	history_writer *w;
	sqlite3 *db;
	char err[256];
	uint64_t n;
	int i;

	make_old_store(&n);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	config_init(&cfg);
	ck_assert_int_eq(config_set(&cfg, "history", dbpath, NULL, 0), 0);
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	usleep(300 * 1000);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 0);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	for (i = 0; i < 100 && has_index("dmarc_records_day_group") != 1; i++)
		usleep(100 * 1000);
	ck_assert_int_eq(has_index("dmarc_records_day_group"), 1);
	history_writer_stop(w);
	config_free(&cfg);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("history_day");
	TCase *tc = tcase_create("day");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, day_pass_is_per_domain_rows);
	tcase_add_test(tc, old_store_upgraded);
	tcase_add_test(tc, deferred_index);
	tcase_add_test(tc, writer_start_does_not_build);
	suite_add_tcase(s, tc);
	return s;
}
