/*
 * daemon/history_writer_int.h - the history writer: a thread that stores the
 * report records of evaluated messages, so the milter never waits on the
 * database.
 *
 * SYNOPSIS
 *   history_writer *history_writer_start(const am_config *cfg, char *err,
 *                                        size_t errlen);
 *   int  history_writer_submit(history_writer *w, report_record *rec);
 *   void history_writer_stats(history_writer *w, history_stats *out);
 *   void history_writer_stop(history_writer *w);
 *
 * DESCRIPTION
 *   history_writer_start() opens the store named by cfg->history (errors
 *   are reported now, at start or reload) and starts the thread. Records
 *   go through a queue bounded in records (history_queue_size) and in
 *   bytes (history_queue_bytes), each queued as one block of its actual
 *   size (report_record_pack: ~300 octets for a typical message instead
 *   of the ~6 KB report_record); the thread takes up to
 *   history_batch_size at once, unpacks them and stores them in one
 *   transaction. Memory: the queue's bytes plus one batch unpacked.
 *   history_writer_submit() takes ownership of a malloc'd record (packs
 *   and frees it) and never blocks on the database: when the queue is
 *   full (either bound) the record is
 *   dropped (history_queue_full = drop), or the caller waits at most
 *   history_queue_wait ms for room (= wait) and then drops it; drops are
 *   counted and logged (the first, then every power of ten). It returns
 *   0 queued, -1 dropped. A failed transaction is logged and its batch
 *   counted as lost; the writer reconnects for the next one.
 *   history_writer_stop() stores what is queued, stops the thread,
 *   closes the store and frees w (clean shutdown loses nothing).
 *   Crash bound: a record is on disk once its transaction commits; a
 *   kill -9 loses the records still queued plus the batch in flight -
 *   at most history_queue_size + history_batch_size, and at most one
 *   batch while the writer keeps up (tests/report/check_history.c).
 *
 *   history_writer_submit_failure() takes a malloc'd failure report (its
 *   report text malloc'd too) into a second queue of HW_FAILURE_QUEUE
 *   entries, never waiting: full, it is dropped (counted, logged, metric
 *   authmilter_failure_reports_dropped_total). The thread stores each with
 *   history_failure_add(): once per id, at most failure_report_rate per
 *   domain and hour (the rest dropped and logged).
 *
 *   What the daemon records for one message, and how `authmilter check
 *   --record` shares it: history_record_from_verdict() (daemon.h).
 */
#ifndef AUTHMILTER_HISTORY_WRITER_INT_H
#define AUTHMILTER_HISTORY_WRITER_INT_H

#include <stdint.h>

#include "report/report.h"
#include "config/config.h"
#include "message/message.h"

typedef struct history_writer history_writer;

typedef struct history_stats {
	uint64_t queued;     /* accepted by submit */
	uint64_t written;    /* committed */
	uint64_t dropped;    /* queue full */
	uint64_t failed;     /* lost in a failed transaction */
	uint64_t batches;    /* transactions committed */
	size_t peak_bytes;   /* most packed-record bytes queued at once */
	uint64_t failure_queued;  /* failure reports stored */
	uint64_t failure_dropped; /* queue full, rate limit or store error */
} history_stats;

history_writer *history_writer_start(const am_config *cfg, char *err,
    size_t errlen);
int history_writer_submit(history_writer *w, report_record *rec);
int history_writer_submit_failure(history_writer *w, failrep_row *f);
void history_writer_stats(history_writer *w, history_stats *out);
void history_writer_stop(history_writer *w);

/* 1 when the DMARC disposition of v changed what was done (reports'
 * "applied", authmilter_dmarc_dispositions_total{applied="yes"}). */
int history_dmarc_applied(const msg_verdict *v, const am_config *cfg);

#endif
