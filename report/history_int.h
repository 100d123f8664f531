/*
 * report/history_int.h - the history store's backend interface (private
 * to report/ and its tests): history.c and history_schema.c hold every
 * SQL statement and run it through a backend (history_sqlite.c,
 * history_pg.c), and share struct history. The store's public interface
 * is in report.h.
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

/* Records per INSERT statement in history_append: one multi-row
 * INSERT of this many rows (27 parameters each: 1,350, within SQLite's
 * 32,766 and PostgreSQL's 65,535 bound parameters) instead of one
 * statement, and with PostgreSQL one round trip, per record. Local limit:
 * past ~50 rows the gain is gone. */
#define HISTORY_INSERT_ROWS 50
#define HISTORY_COLS 27

typedef struct append_buf {
	const char *p[HISTORY_INSERT_ROWS * HISTORY_COLS];
	char t[HISTORY_INSERT_ROWS][24];
} append_buf;

struct history {
	const history_backend_ops *ops;
	void *db;
	/* history_rows_all: while its query runs (busy), every other
	 * statement goes to a second connection, opened when first needed
	 * (libpq cannot run a statement while another streams its rows) */
	char *spec;
	void *db2;
	int busy;
	char *insert_many;   /* INSERT of HISTORY_INSERT_ROWS rows */
	append_buf *ab;
	char note[512];      /* history_note(): "" when none */
	char note_index[1024]; /* its second line: the index not built */
};

/* the columns a report row groups by (RFC 9990 record: row and
 * identifiers and auth_results) */
#define GROUP_COLS "source_ip, disposition, dkim_aligned, spf_aligned," \
	" reasons, header_from, envelope_from, envelope_to, spf_domain," \
	" spf_scope, spf_result, dkim"

/* history_schema.c: after the connection, the schema, the write check,
 * the tuning and the upgrade of history_open_mode(); 0, or -1 with why */
int history_schema_open(history *h, int mode, char *why, size_t whylen);

#endif
