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
	X(PQresultStatus) \
	X(PQclear) \
	X(PQntuples) \
	X(PQnfields) \
	X(PQgetisnull) \
	X(PQgetvalue)

DYNLIB_TABLE(pq, PQ_SONAME, PQ_FUNCS)

#define PG_MAX_COLS 64
#define PG_MAX_PARAMS 64

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

static int
pg_exec(void *p, const char *sql, const char *const *params, size_t n,
    history_exec_row row, void *arg, char *why, size_t whylen)
{
	PGconn *c = p;
	PGresult *res;
	const char *vals[PG_MAX_COLS];
	int st, ntup, ncols, i, j, ret = 0;
	char *nl;

	if (n > PG_MAX_PARAMS) {
		snprintf(why, whylen, "too many parameters");
		return -1;
	}
	res = pq.PQexecParams(c, sql, (int)n, NULL, params, NULL, NULL, 0);
	st = res != NULL ? (int)pq.PQresultStatus(res) : -1;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(why, whylen, "postgresql: %s", pq.PQerrorMessage(c));
		if ((nl = strchr(why, '\n')) != NULL)
			*nl = '\0';
		pq.PQclear(res);
		return -1;
	}
	ntup = pq.PQntuples(res);
	ncols = pq.PQnfields(res);
	if (ncols > PG_MAX_COLS)
		ncols = PG_MAX_COLS;
	for (i = 0; i < ntup && row != NULL; i++) {
		for (j = 0; j < ncols; j++)
			vals[j] = pq.PQgetisnull(res, i, j) ? "" :
			    pq.PQgetvalue(res, i, j);
		if (row(arg, (size_t)ncols, vals) < 0) {
			snprintf(why, whylen, "stopped by the caller");
			ret = -1;
			break;
		}
	}
	pq.PQclear(res);
	return ret;
}

const history_backend_ops history_pg_ops = {
	"postgresql", pg_open, pg_exec, pg_close,
};
