/*
 * report/history_int.h - the history store's backend interface (private
 * to report/ and its tests): history.c holds every SQL statement and runs
 * it through a backend (history_sqlite.c, history_pg.c). The store's
 * public interface is in report.h.
 */
#ifndef AUTHMILTER_HISTORY_INT_H
#define AUTHMILTER_HISTORY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

/* The backend interface (history_sqlite.c, history_pg.c). exec runs one
 * statement with nparams text parameters ($1..$n), calling row for each
 * result row (values never NULL: SQL NULL is ""). */
typedef int (*history_exec_row)(void *arg, size_t ncols,
    const char *const *vals);
typedef struct history_backend_ops {
	const char *name;
	void *(*open)(const char *spec, int mode, char *why, size_t whylen);
	int (*exec)(void *db, const char *sql, const char *const *params,
	    size_t nparams, history_exec_row row, void *arg, char *why,
	    size_t whylen);
	void (*close)(void *db);
	/* optional (NULL: none): run sql, a COPY ... FROM STDIN, with data
	 * (rows in COPY's text format) as its input; one transaction */
	int (*copy_in)(void *db, const char *sql, const char *data,
	    size_t len, char *why, size_t whylen);
	/* optional (NULL: CREATE ... IF NOT EXISTS always runs): 1 when the
	 * table or index name exists, 0 not, -1 with why */
	int (*exists)(void *db, const char *name, char *why, size_t whylen);
	/* optional (NULL: nothing to tune): after the schema, the store's
	 * storage settings (PostgreSQL: dmarc_records' autovacuum); 0 done
	 * or left alone with a line for the caller to log in note (""
	 * when none), -1 with why */
	int (*tune)(void *db, char *note, size_t notelen, char *why,
	    size_t whylen);
	/* optional (NULL: always): 1 when this connection may change
	 * dmarc_records' schema (add an index), 0 when not, with who naming
	 * the store and why not (no secret: never a password), -1 with why */
	int (*may_alter)(void *db, char *who, size_t wholen, char *why,
	    size_t whylen);
	/* optional (NULL: always): 1 when this connection may write the
	 * store's rows (append, mark sent, prune), 0 when not, with who
	 * naming the store and what is missing, -1 with why */
	int (*may_write)(void *db, char *who, size_t wholen, char *why,
	    size_t whylen);
} history_backend_ops;

extern const history_backend_ops history_sqlite_ops;
extern const history_backend_ops history_pg_ops;

#endif
