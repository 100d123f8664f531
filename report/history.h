/*
 * report/history.h - the DMARC history store: per-message report records
 * and what was sent, in SQLite (embedded) or PostgreSQL (fleets).
 *
 * SUMMARY
 *   One small interface over two backends with the same schema. The
 *   generic part (history.c) holds every SQL statement; a backend
 *   (history_sqlite.c, history_pg.c) only runs a statement with text
 *   parameters and hands back rows of text. Not thread-safe: one handle
 *   per thread. Nothing prints or logs.
 *
 * SYNOPSIS
 *   history *history_open(const char *spec, char *why, size_t whylen);
 *   void     history_close(history *h);
 *   int  history_append(history *h, const report_record *const *recs,
 *            size_t n, char *why, size_t whylen);
 *   int  history_domains(history *h, int64_t from, int64_t to,
 *            const char *domain, history_domain_cb cb, void *arg,
 *            char *why, size_t whylen);
 *   int  history_policy(history *h, const char *domain, int64_t from,
 *            int64_t to, report_record *out, char *why, size_t whylen);
 *   int  history_rows(history *h, const char *domain, int64_t from,
 *            int64_t to, history_row_cb cb, void *arg, char *why,
 *            size_t whylen);
 *   int  history_count(history *h, int64_t from, int64_t to, uint64_t *n,
 *            char *why, size_t whylen);
 *   int  history_prune(history *h, int64_t before, uint64_t *deleted,
 *            char *why, size_t whylen);
 *   int  history_sent(history *h, const char *report_id, const char *dest,
 *            char *why, size_t whylen);
 *   int  history_mark_sent(history *h, const char *report_id,
 *            const char *dest, int64_t when, char *why, size_t whylen);
 *   const char *history_backend(const history *h);
 *
 * DESCRIPTION
 *   history_open(): spec "postgresql://..." or "postgres://..." (a libpq
 *   URI) opens PostgreSQL; anything else is a SQLite file path, opened in
 *   WAL mode with synchronous=NORMAL and a busy timeout, so several
 *   processes on one host share it and a committed transaction survives a
 *   process crash. Both create the schema when it is missing.
 *
 *   history_append() stores n records in one transaction (all or none).
 *   Periods are [from, to) in Unix seconds. history_domains() calls cb
 *   once per policy domain with records in the period (only `domain` when
 *   not NULL), in name order. history_policy() gives the policy published
 *   by the latest record of the period (RFC 9990 2.1: the final
 *   configuration observed); 1 found, 0 none. history_rows() calls cb
 *   once per group of records that agree on everything a report row
 *   shows (source_ip, disposition, DMARC dkim/spf, reasons, identifiers,
 *   auth results) with its count, largest count first. A cb returning -1
 *   stops the walk (the call returns -1). history_prune() deletes records
 *   (and sent marks) older than before. history_sent() says whether the
 *   report went to dest (1), or not (0); history_mark_sent() records it.
 *   Everything returns 0 (or a count as said), -1 with a reason.
 */
#ifndef AUTHMILTER_HISTORY_H
#define AUTHMILTER_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "report/report_record.h"

typedef struct history history;

typedef int (*history_domain_cb)(void *arg, const char *domain);
typedef int (*history_row_cb)(void *arg, const report_record *row,
    uint64_t count);

/* The backend interface (history_sqlite.c, history_pg.c). exec runs one
 * statement with nparams text parameters ($1..$n), calling row for each
 * result row (values never NULL: SQL NULL is ""). */
typedef int (*history_exec_row)(void *arg, size_t ncols,
    const char *const *vals);
typedef struct history_backend_ops {
	const char *name;
	void *(*open)(const char *spec, char *why, size_t whylen);
	int (*exec)(void *db, const char *sql, const char *const *params,
	    size_t nparams, history_exec_row row, void *arg, char *why,
	    size_t whylen);
	void (*close)(void *db);
} history_backend_ops;

extern const history_backend_ops history_sqlite_ops;
extern const history_backend_ops history_pg_ops;

history *history_open(const char *spec, char *why, size_t whylen);
void history_close(history *h);
int history_append(history *h, const report_record *const *recs, size_t n,
    char *why, size_t whylen);
int history_domains(history *h, int64_t from, int64_t to, const char *domain,
    history_domain_cb cb, void *arg, char *why, size_t whylen);
int history_policy(history *h, const char *domain, int64_t from, int64_t to,
    report_record *out, char *why, size_t whylen);
int history_rows(history *h, const char *domain, int64_t from, int64_t to,
    history_row_cb cb, void *arg, char *why, size_t whylen);
int history_count(history *h, int64_t from, int64_t to, uint64_t *n,
    char *why, size_t whylen);
int history_prune(history *h, int64_t before, uint64_t *deleted, char *why,
    size_t whylen);
int history_sent(history *h, const char *report_id, const char *dest,
    char *why, size_t whylen);
int history_mark_sent(history *h, const char *report_id, const char *dest,
    int64_t when, char *why, size_t whylen);
const char *history_backend(const history *h);

#endif
