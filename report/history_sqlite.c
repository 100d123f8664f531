/*
 * report/history_sqlite.c - the SQLite backend of the history store: one
 * connection in WAL mode (several processes on one host share the file;
 * synchronous=NORMAL keeps every committed transaction across a process
 * crash), a busy timeout instead of failing on a concurrent writer, and
 * prepared statements cached per SQL text. Contract in report.h; the
 * backend interface in history_int.h.
 */
#include "report/history_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <unistd.h>

#define SQLITE_BUSY_MS 10000      /* wait for another writer (local) */
#define SQLITE_STMT_CACHE 16      /* distinct statements kept prepared */
#define SQLITE_MAX_COLS 64

typedef struct sq_db {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[SQLITE_STMT_CACHE];
	size_t ncache;
} sq_db;

static void
sq_close(void *p)
{
	sq_db *d = p;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	sqlite3_close(d->db);
	free(d);
}

static int
sq_simple(sq_db *d, const char *sql, char *why, size_t whylen)
{
	char *err = NULL;

	if (sqlite3_exec(d->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		snprintf(why, whylen, "sqlite: %s: %s", sql,
		    err != NULL ? err : sqlite3_errmsg(d->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void *
sq_open(const char *spec, int mode, char *why, size_t whylen)
{
	sq_db *d = calloc(1, sizeof(*d));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (d == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (mode == HISTORY_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(spec, &d->db, flags, NULL) != SQLITE_OK) {
		if (mode != HISTORY_CREATE && access(spec, F_OK) < 0 &&
		    errno == ENOENT)
			snprintf(why, whylen, "history store %s does not exist"
			    " (reports never create one: check the path, or"
			    " run the daemon or check --record first)", spec);
		else
			snprintf(why, whylen, "sqlite: %s: %s", spec,
			    d->db != NULL ? sqlite3_errmsg(d->db) :
			    "cannot open");
		sq_close(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->db, SQLITE_BUSY_MS);
	if (sq_simple(d, "PRAGMA journal_mode=WAL", why, whylen) < 0 ||
	    sq_simple(d, "PRAGMA synchronous=NORMAL", why, whylen) < 0) {
		sq_close(d);
		return NULL;
	}
	return d;
}

static sqlite3_stmt *
sq_prepare(sq_db *d, const char *sql, int *cached, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	*cached = 0;
	for (i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql) {
			*cached = 1;
			return d->cache[i].st;
		}
	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "sqlite: %s", sqlite3_errmsg(d->db));
		return NULL;
	}
	if (d->ncache < SQLITE_STMT_CACHE) {
		d->cache[d->ncache].sql = sql;
		d->cache[d->ncache].st = st;
		d->ncache++;
		*cached = 1;
	}
	return st;
}

static int
sq_exec(void *p, const char *sql, const char *const *params, size_t n,
    history_exec_row row, void *arg, char *why, size_t whylen)
{
	sq_db *d = p;
	sqlite3_stmt *st;
	const char *vals[SQLITE_MAX_COLS];
	int cached, rc, ncols, i, ret = 0;
	size_t k;

	st = sq_prepare(d, sql, &cached, why, whylen);
	if (st == NULL)
		return -1;
	for (k = 0; k < n; k++)
		if (sqlite3_bind_text(st, (int)k + 1, params[k] != NULL ?
		    params[k] : "", -1, SQLITE_STATIC) != SQLITE_OK) {
			snprintf(why, whylen, "sqlite: bind: %s",
			    sqlite3_errmsg(d->db));
			ret = -1;
			goto out;
		}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ncols = sqlite3_column_count(st);
		if (ncols > SQLITE_MAX_COLS)
			ncols = SQLITE_MAX_COLS;
		for (i = 0; i < ncols; i++) {
			const unsigned char *v = sqlite3_column_text(st, i);

			vals[i] = v != NULL ? (const char *)v : "";
		}
		if (row != NULL && row(arg, (size_t)ncols, vals) < 0) {
			snprintf(why, whylen, "stopped by the caller");
			ret = -1;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(why, whylen, "sqlite: %s", sqlite3_errmsg(d->db));
		ret = -1;
	}
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!cached)
		sqlite3_finalize(st);
	return ret;
}

/* A file this process may only read (opened read-only: SQLite does so
 * when the file is write-protected) reads, but takes no new index. */
static int
sq_may_alter(void *p, char *who, size_t wholen, char *why, size_t whylen)
{
	sq_db *d = p;
	const char *f;

	(void)why;
	(void)whylen;
	if (sqlite3_db_readonly(d->db, "main") != 1)
		return 1;
	f = sqlite3_db_filename(d->db, "main");
	snprintf(who, wholen, "SQLite file %s, read-only to this process",
	    f != NULL ? f : "?");
	return 0;
}

/* A file opened read-only cannot take a row either. */
static int
sq_may_write(void *p, char *who, size_t wholen, char *why, size_t whylen)
{
	return sq_may_alter(p, who, wholen, why, whylen);
}

const history_backend_ops history_sqlite_ops = {
	"sqlite", sq_open, sq_exec, sq_close, NULL, NULL, NULL, sq_may_alter,
	sq_may_write,
};
