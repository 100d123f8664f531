/*
 * report/history_pg.c - the PostgreSQL backend of the history store
 * (libpq): one connection per handle, statements run with text
 * parameters (the server infers their types), so one database serves
 * every milter of a fleet. Contract in report.h; the backend interface
 * in history_int.h.
 */
#include "report/history_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "util/dynlib.h"

/* libpq is loaded when a PostgreSQL history store is first opened
 * (util/dynlib.h): a daemon on SQLite, or none, never maps it. */
#define PQ_SONAME "libpq.so.5"
#define PQ_FUNCS(X) \
	X(PQconnectdb) \
	X(PQstatus) \
	X(PQerrorMessage) \
	X(PQfinish) \
	X(PQsetNoticeReceiver) \
	X(PQexecParams) \
	X(PQsendQueryParams) \
	X(PQsetSingleRowMode) \
	X(PQgetResult) \
	X(PQexec) \
	X(PQputCopyData) \
	X(PQputCopyEnd) \
	X(PQresultStatus) \
	X(PQclear) \
	X(PQntuples) \
	X(PQnfields) \
	X(PQgetisnull) \
	X(PQgetvalue)

DYNLIB_TABLE(pq, PQ_SONAME, PQ_FUNCS)

#define PG_MAX_COLS 64
/* history.c's multi-row INSERT binds 1,350; PostgreSQL's protocol allows
 * 65,535 (a 16-bit count) */
#define PG_MAX_PARAMS 65535

static void
pg_close(void *p)
{
	if (p != NULL)
		pq.PQfinish(p);
}

static void
pg_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res; /* notices ("already exists, skipping") are not ours to print */
}

static void *
pg_open(const char *spec, int mode, char *why, size_t whylen)
{
	PGconn *c;
	char *nl, lib_err[256];

	(void)mode; /* a PostgreSQL database is never created here */
	if (pq_ready(lib_err, sizeof(lib_err)) < 0) {
		snprintf(why, whylen, "postgresql: %s (install libpq5)",
		    lib_err);
		return NULL;
	}
	c = pq.PQconnectdb(spec);
	if (c == NULL) {
		snprintf(why, whylen, "postgresql: out of memory");
		return NULL;
	}
	if (pq.PQstatus(c) != CONNECTION_OK) {
		snprintf(why, whylen, "postgresql: %s", pq.PQerrorMessage(c));
		if ((nl = strchr(why, '\n')) != NULL)
			*nl = '\0';
		pq.PQfinish(c);
		return NULL;
	}
	pq.PQsetNoticeReceiver(c, pg_quiet, NULL);
	return c;
}

static void
pg_error(PGconn *c, char *why, size_t whylen)
{
	char *nl;

	snprintf(why, whylen, "postgresql: %s", pq.PQerrorMessage(c));
	if ((nl = strchr(why, '\n')) != NULL)
		*nl = '\0';
}

/* A statement without rows for the caller: one PQexecParams. */
static int
pg_exec_plain(PGconn *c, const char *sql, const char *const *params, size_t n,
    char *why, size_t whylen)
{
	PGresult *res = pq.PQexecParams(c, sql, (int)n, NULL, params, NULL,
	    NULL, 0);
	int st = res != NULL ? (int)pq.PQresultStatus(res) : -1;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_error(c, why, whylen);
		pq.PQclear(res);
		return -1;
	}
	pq.PQclear(res);
	return 0;
}

/* A query whose rows go to row(): in single-row mode, so libpq holds one
 * row at a time, never the whole result (a report's grouped rows of a
 * big domain). After a stop or an error the rest of the results are
 * read and dropped: the connection is ready for the next statement. */
static int
pg_exec(void *p, const char *sql, const char *const *params, size_t n,
    history_exec_row row, void *arg, char *why, size_t whylen)
{
	PGconn *c = p;
	PGresult *res;
	const char *vals[PG_MAX_COLS];
	int st, ncols, j, ret = 0, stopped = 0;

	if (n > PG_MAX_PARAMS) {
		snprintf(why, whylen, "too many parameters");
		return -1;
	}
	if (row == NULL)
		return pg_exec_plain(c, sql, params, n, why, whylen);
	if (!pq.PQsendQueryParams(c, sql, (int)n, NULL, params, NULL, NULL,
	    0)) {
		pg_error(c, why, whylen);
		return -1;
	}
	pq.PQsetSingleRowMode(c);
	while ((res = pq.PQgetResult(c)) != NULL) {
		st = (int)pq.PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && !stopped && ret == 0) {
			ncols = pq.PQnfields(res);
			if (ncols > PG_MAX_COLS)
				ncols = PG_MAX_COLS;
			for (j = 0; j < ncols; j++)
				vals[j] = pq.PQgetisnull(res, 0, j) ? "" :
				    pq.PQgetvalue(res, 0, j);
			if (row(arg, (size_t)ncols, vals) < 0) {
				snprintf(why, whylen, "stopped by the caller");
				stopped = 1;
				ret = -1;
			}
		} else if (st != PGRES_SINGLE_TUPLE &&
		    st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
		    ret == 0) {
			pg_error(c, why, whylen);
			ret = -1;
		}
		pq.PQclear(res);
	}
	return ret;
}

/* COPY ... FROM STDIN with data as its rows: the bulk path of
 * history_append (one statement and one round trip for a whole batch). */
static int
pg_copy_in(void *p, const char *sql, const char *data, size_t len, char *why,
    size_t whylen)
{
	PGconn *c = p;
	PGresult *res = pq.PQexec(c, sql);
	int ok, st;

	ok = res != NULL && pq.PQresultStatus(res) == PGRES_COPY_IN;
	pq.PQclear(res);
	if (!ok) {
		pg_error(c, why, whylen);
		return -1;
	}
	ok = pq.PQputCopyData(c, data, (int)len) == 1;
	if (pq.PQputCopyEnd(c, ok ? NULL : "history: sending rows failed") != 1)
		ok = 0;
	while ((res = pq.PQgetResult(c)) != NULL) {
		st = (int)pq.PQresultStatus(res);
		if (st != PGRES_COMMAND_OK)
			ok = 0;
		pq.PQclear(res);
	}
	if (!ok)
		pg_error(c, why, whylen);
	return ok ? 0 : -1;
}

/* Up to 8 text values of a one-row query. */
typedef struct pg_row {
	char v[8][128];
	int got;
} pg_row;

static int
pg_one_row(void *arg, size_t ncols, const char *const *vals)
{
	pg_row *r = arg;
	size_t i;

	for (i = 0; i < ncols && i < 8; i++)
		snprintf(r->v[i], sizeof(r->v[i]), "%s", vals[i]);
	r->got = 1;
	return 0;
}

/* sql's first row into r (r->got 0 when none): 0, or -1 with why */
static int
pg_row_of(void *p, const char *sql, pg_row *r, char *why, size_t whylen)
{
	memset(r, 0, sizeof(*r));
	return pg_exec(p, sql, NULL, 0, pg_one_row, r, why, whylen);
}

static int
pg_exists(void *p, const char *name, char *why, size_t whylen)
{
	const char *params[1] = { name };
	pg_row r;

	memset(&r, 0, sizeof(r));
	if (pg_exec(p, "SELECT to_regclass($1) IS NOT NULL", params, 1,
	    pg_one_row, &r, why, whylen) < 0)
		return -1;
	return strcmp(r.v[0], "t") == 0;
}

/*
 * dmarc_records only grows between prunes, and a day's report reads it
 * through an index-only scan, which must read the table too for pages
 * not marked all-visible: pages only a VACUUM marks. Insert-triggered
 * autovacuum (PostgreSQL 13 and later) runs once the rows inserted
 * since the last vacuum exceed autovacuum_vacuum_insert_threshold
 * (1000) + autovacuum_vacuum_insert_scale_factor (default 0.2) x the
 * table's rows (PostgreSQL documentation: "Routine Vacuuming", The
 * Autovacuum Daemon, the vacuum insert threshold; "Automatic Vacuuming",
 * autovacuum_vacuum_insert_scale_factor, "can be overridden for
 * individual tables by changing table storage parameters"). On a store of 10 days of 1 million records a
 * day, 0.2 waits for 2 million inserts, two days: the day just ended is
 * never vacuumed when its report runs (measured: 86 s instead of 46 s for
 * 10 million records, 30% of the rows not all-visible). 0.01 vacuums
 * after every 1% of growth (100,000 records of that store, a few times a
 * day at fleet rates); each such vacuum is cheap on a table that only
 * grows (it skips the pages the visibility map already marks
 * all-visible). Set when missing; a value already there (the operator's)
 * is kept. The CREATE TABLE is history.c's, common to both backends: a
 * new store gets it from this, run by the same open right after.
 */
#define HISTORY_PG_INSERT_SCALE "0.01"
#define PG_INSERT_VACUUM_VERSION 130000   /* PostgreSQL 13 */

/* The ALTER TABLE takes SHARE UPDATE EXCLUSIVE on dmarc_records, which
 * a VACUUM or another process's CREATE INDEX holds for long: waited for
 * PG_TUNE_LOCK_TIMEOUT at most, in a transaction of its own. Any failure
 * (that wait, an error) is rolled back and left as a note: the open
 * succeeds, the next open tries again. */
#define PG_TUNE_LOCK_TIMEOUT "2s"  /* local limit: a daemon's start */

static int
pg_tune_alter(void *p, char *note, size_t notelen)
{
	char err[256], ignore[8];

	if (pg_exec(p, "BEGIN", NULL, 0, NULL, NULL, err, sizeof(err)) < 0)
		goto left;
	if (pg_exec(p, "SET LOCAL lock_timeout = '" PG_TUNE_LOCK_TIMEOUT "'",
	    NULL, 0, NULL, NULL, err, sizeof(err)) < 0 ||
	    pg_exec(p, "ALTER TABLE dmarc_records SET"
	    " (autovacuum_vacuum_insert_scale_factor = "
	    HISTORY_PG_INSERT_SCALE ")", NULL, 0, NULL, NULL, err,
	    sizeof(err)) < 0 ||
	    pg_exec(p, "COMMIT", NULL, 0, NULL, NULL, err, sizeof(err)) < 0) {
		pg_exec(p, "ROLLBACK", NULL, 0, NULL, NULL, ignore,
		    sizeof(ignore));
		goto left;
	}
	return 0;
left:
	snprintf(note, notelen, "history: dmarc_records: autovacuum setting "
	    "left alone: %s; the next open tries again", err);
	return 0;
}

static int
pg_tune(void *p, char *note, size_t notelen, char *why, size_t whylen)
{
	pg_row r;

	note[0] = '\0';
	memset(&r, 0, sizeof(r));
	if (pg_exec(p, "SELECT current_setting('server_version_num')::int,"
	    " EXISTS (SELECT 1 FROM unnest(c.reloptions) AS o WHERE"
	    " split_part(o, '=', 1) ="
	    " 'autovacuum_vacuum_insert_scale_factor'),"
	    " pg_has_role(c.relowner, 'USAGE'), pg_get_userbyid(c.relowner),"
	    " current_user FROM pg_class c WHERE c.oid ="
	    " 'dmarc_records'::regclass", NULL, 0, pg_one_row, &r, why,
	    whylen) < 0)
		return -1;
	if (!r.got || strcmp(r.v[1], "t") == 0)
		return 0;
	if (atol(r.v[0]) < PG_INSERT_VACUUM_VERSION) {
		snprintf(note, notelen, "history: PostgreSQL %s has no "
		    "insert-triggered autovacuum (13 and later): run VACUUM "
		    "dmarc_records before the daily report, else it reads the "
		    "table for the rows not yet vacuumed (slower)", r.v[0]);
		return 0;
	}
	if (strcmp(r.v[2], "t") != 0) {
		snprintf(note, notelen, "history: dmarc_records is owned by "
		    "role %s, not by %s (this connection): its autovacuum is "
		    "left at the server's settings; for a faster daily report "
		    "its owner can run ALTER TABLE dmarc_records SET "
		    "(autovacuum_vacuum_insert_scale_factor = "
		    HISTORY_PG_INSERT_SCALE ")", r.v[3], r.v[4]);
		return 0;
	}
	return pg_tune_alter(p, note, notelen);
}

/* An index needs the table's owner (PostgreSQL documentation: CREATE
 * INDEX, "the user must own the table", or be a member of its role). */
static int
pg_may_alter(void *p, char *who, size_t wholen, char *why, size_t whylen)
{
	pg_row r;

	if (pg_row_of(p, "SELECT pg_has_role(c.relowner, 'USAGE'),"
	    " pg_get_userbyid(c.relowner), current_user, current_database()"
	    " FROM pg_class c WHERE c.oid = 'dmarc_records'::regclass", &r,
	    why, whylen) < 0)
		return -1;
	if (!r.got || strcmp(r.v[0], "t") == 0)
		return 1;
	snprintf(who, wholen, "PostgreSQL database %s, whose dmarc_records is "
	    "owned by role %s, not by %s (this connection)", r.v[3], r.v[1],
	    r.v[2]);
	return 0;
}

/* The rights a writer needs: rows into each table (records, reports
 * sent, failure reports queued and sent) and failure reports marked done
 * or abandoned. DELETE (only --prune-before) is not required: a prune
 * refused rolls back whole and repeats nothing. */
static int
pg_may_write(void *p, char *who, size_t wholen, char *why, size_t whylen)
{
	pg_row r;

	if (pg_row_of(p, "SELECT COALESCE(string_agg(v.p || ' on ' || v.t,"
	    " ', ' ORDER BY v.n), ''), current_user, current_database() FROM"
	    " (VALUES (1, 'dmarc_records', 'INSERT'), (2, 'dmarc_sent',"
	    " 'INSERT'), (3, 'dmarc_failure', 'INSERT'), (4, 'dmarc_failure',"
	    " 'UPDATE'), (5, 'dmarc_failure_sent', 'INSERT')) AS v(n, t, p)"
	    " WHERE NOT has_table_privilege(current_user, v.t, v.p)", &r, why,
	    whylen) < 0)
		return -1;
	if (!r.got || r.v[0][0] == '\0')
		return 1;
	snprintf(who, wholen, "PostgreSQL database %s: role %s (this "
	    "connection) lacks %s", r.v[2], r.v[1], r.v[0]);
	return 0;
}

const history_backend_ops history_pg_ops = {
	"postgresql", pg_open, pg_exec, pg_close, pg_copy_in, pg_exists,
	pg_tune, pg_may_alter, pg_may_write,
};
