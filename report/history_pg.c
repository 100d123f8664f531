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

const history_backend_ops history_pg_ops = {
	"postgresql", pg_open, pg_exec, pg_close, pg_copy_in,
};
