/*
 * daemon/history_writer.c - the writer thread of the history store: a
 * queue of packed records bounded in records and in bytes, batched
 * transactions, drop-or-wait when full, flush on stop. Also the one place
 * that turns a verdict into a report record. Counts go to the metrics
 * registry as they happen (metrics_int.h). Contract in
 * history_writer_int.h (history_record_from_verdict: daemon.h).
 */
#include "daemon/history_writer_int.h"
#include "daemon/daemon.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "daemon/log_int.h"
#include "daemon/metrics_int.h"

#define HW_RECONNECT_MS 1000    /* pause before reopening a failed store */
/* Local limit: failure reports (each up to FAILREP_MAX_HEADERS and its
 * fields, ~70 KB) waiting for the writer: 64 bound the memory to ~4.5 MB;
 * failure_report_rate already bounds how many a domain gets. */
#define HW_FAILURE_QUEUE 64
/* local: an index build at start shorter than this is not worth a line */
#define HW_UPGRADE_LOG_MS 1000

struct history_writer {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, room;
	pthread_t thread;
	report_packed **ring;
	size_t cap, head, len;
	size_t bytes, max_bytes;  /* packed records queued, and their bound */
	size_t batch;
	unsigned full_mode, wait_ms;
	int stopping;
	history *h;
	char *spec;
	history_stats st;
	failrep_row *fring[HW_FAILURE_QUEUE]; /* failure reports waiting */
	size_t fhead, flen;
	unsigned frate;                 /* failure_report_rate */
};

static void
log_drop(uint64_t n)
{
	uint64_t p = 1;

	while (p < n && p <= UINT64_MAX / 10)
		p *= 10;
	if (p == n)
		log_msg(LOG_WARNING, NULL, "history: queue full, %llu record(s) "
		    "dropped so far (history_queue_size, history_queue_bytes, "
		    "history_queue_full)",
		    (unsigned long long)n);
}

static void
deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void
store(history_writer *w, report_record **batch, size_t n)
{
	char why[512];

	if (batch == NULL) {
		log_msg(LOG_ERR, NULL, "history: out of memory; %zu record(s) "
		    "lost", n);
		pthread_mutex_lock(&w->mu);
		w->st.failed += n;
		metrics_history_failed(n);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	if (w->h == NULL) {
		w->h = history_open(w->spec, why, sizeof(why));
		if (w->h == NULL) {
			log_msg(LOG_ERR, NULL, "history: %s; %zu record(s) lost",
			    why, n);
			pthread_mutex_lock(&w->mu);
			w->st.failed += n;
		metrics_history_failed(n);
			pthread_mutex_unlock(&w->mu);
			return;
		}
	}
	if (history_append(w->h, (const report_record *const *)batch, n, why,
	    sizeof(why)) < 0) {
		log_msg(LOG_ERR, NULL, "history: %s; %zu record(s) lost", why, n);
		history_close(w->h); /* reopen for the next batch */
		w->h = NULL;
		pthread_mutex_lock(&w->mu);
		w->st.failed += n;
		metrics_history_failed(n);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->st.written += n;
	metrics_history_written(n);
	w->st.batches++;
	pthread_mutex_unlock(&w->mu);
}

static void
log_failure_drop(uint64_t n, const char *why)
{
	uint64_t p = 1;

	while (p < n && p <= UINT64_MAX / 10)
		p *= 10;
	if (p == n)
		log_msg(LOG_WARNING, NULL, "failure reports: %llu dropped so far "
		    "(%s)", (unsigned long long)n, why);
}

/* Stores the failure reports taken from the queue (outside w->mu). */
static void
store_failures(history_writer *w, failrep_row **f, size_t n)
{
	char why[512];
	size_t i;
	int limited, rc;

	for (i = 0; i < n; i++) {
		if (w->h == NULL)
			w->h = history_open(w->spec, why, sizeof(why));
		rc = w->h == NULL ? -1 : history_failure_add(w->h, f[i],
		    w->frate, &limited, why, sizeof(why));
		if (rc < 0)
			log_msg(LOG_ERR, NULL, "failure report for %s lost: %s",
			    f[i]->domain, why);
		else if (limited)
			log_msg(LOG_NOTICE, NULL, "failure report for %s not "
			    "queued: %u already this hour (failure_report_rate)",
			    f[i]->domain, w->frate);
		pthread_mutex_lock(&w->mu);
		if (rc > 0)
			w->st.failure_queued++;
		else if (rc < 0 || limited)
			w->st.failure_dropped++;
		pthread_mutex_unlock(&w->mu);
		if (rc < 0 || limited)
			metrics_failure_report_dropped();
		free((char *)f[i]->report);
		free(f[i]);
	}
}

/* What history_open_mode() left to do (HISTORY_DEFER_INDEX): on a store
 * made by an older version, build its new index while records queue
 * (and, when the queue is full, drop as history_queue_full says). */
static void
upgrade(history_writer *w)
{
	char why[512];
	struct timespec a, b;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (history_upgrade(w->h, why, sizeof(why)) < 0) {
		log_msg(LOG_WARNING, NULL, "history: the store's index for the "
		    "daily report could not be built (%s); reports still work, "
		    "slower; the next start tries again", why);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) /
	    1000000;
	if (ms >= HW_UPGRADE_LOG_MS)
		log_msg(LOG_NOTICE, NULL, "history: the store's index for the "
		    "daily report built in %ld.%03ld s (first start after an "
		    "upgrade); records queued meanwhile", ms / 1000, ms % 1000);
}

static void *
writer_main(void *arg)
{
	history_writer *w = arg;
	report_packed **batch = calloc(w->batch, sizeof(*batch));
	report_record *recs, **ptrs;
	failrep_row *fr[HW_FAILURE_QUEUE];
	size_t n, i, nf;

	upgrade(w);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->len == 0 && w->flen == 0 && !w->stopping)
			pthread_cond_wait(&w->nonempty, &w->mu);
		if (w->len == 0 && w->flen == 0 && w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		for (nf = 0; w->flen > 0; nf++) {
			fr[nf] = w->fring[w->fhead];
			w->fhead = (w->fhead + 1) % HW_FAILURE_QUEUE;
			w->flen--;
		}
		if (w->len == 0) {
			pthread_mutex_unlock(&w->mu);
			store_failures(w, fr, nf);
			continue;
		}
		for (n = 0; n < w->batch && w->len > 0 && batch != NULL; n++) {
			batch[n] = w->ring[w->head];
			w->head = (w->head + 1) % w->cap;
			w->len--;
			metrics_history_taken(1);
			w->bytes -= report_packed_size(batch[n]);
		}
		pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->mu);
		if (batch == NULL) { /* no memory for a batch: cannot go on */
			log_msg(LOG_ERR, NULL, "history: out of memory");
			break;
		}
		/* unpacked only for the transaction: n full records at most */
		recs = malloc(n * sizeof(*recs));
		ptrs = malloc(n * sizeof(*ptrs));
		for (i = 0; i < n && recs != NULL && ptrs != NULL; i++) {
			report_record_unpack(batch[i], &recs[i]);
			ptrs[i] = &recs[i];
		}
		store(w, recs != NULL && ptrs != NULL ? ptrs : NULL, n);
		store_failures(w, fr, nf);
		free(recs);
		free(ptrs);
		for (i = 0; i < n; i++)
			free(batch[i]);
		if (w->h == NULL) {
			struct timespec ts = { HW_RECONNECT_MS / 1000,
			    (HW_RECONNECT_MS % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	free(batch);
	return NULL;
}

/* The store cannot be opened at start: the message names the store and
 * who the daemon is now (it opens it after dropping privileges), so a
 * file or directory made by root (an old `-n`, a root run) is seen. */
static void
history_open_failed(const char *spec, char *err, size_t errlen)
{
	struct passwd *pw = getpwuid(geteuid());
	char why[512];

	snprintf(why, sizeof(why), "%s", err);
	snprintf(err, errlen, "history %s: %s (opened as user %s, uid %lu: it "
	    "must be able to write the file and its directory; `authmilter "
	    "-n` checks it)", spec, why, pw != NULL ? pw->pw_name : "?",
	    (unsigned long)geteuid());
}

history_writer *
history_writer_start(const am_config *cfg, char *err, size_t errlen)
{
	history_writer *w = calloc(1, sizeof(*w));
	size_t i;

	if (w == NULL) {
		snprintf(err, errlen, "history: out of memory");
		return NULL;
	}
	w->cap = cfg->history_queue_size ? cfg->history_queue_size : 1;
	w->max_bytes = cfg->history_queue_bytes ? cfg->history_queue_bytes :
	    SIZE_MAX;
	w->batch = cfg->history_batch_size ? cfg->history_batch_size : 1;
	w->full_mode = cfg->history_queue_full;
	w->wait_ms = cfg->history_queue_wait_ms;
	w->frate = cfg->failure_report_rate;
	w->ring = calloc(w->cap, sizeof(*w->ring));
	w->spec = strdup(cfg->history);
	if (w->ring == NULL || w->spec == NULL) {
		snprintf(err, errlen, "history: out of memory");
		goto fail;
	}
	/* the slow part of an older store's upgrade (an index to build)
	 * is left to the writer thread: the start never waits on it. Not
	 * HISTORY_WRITE: that checks every right the report side's writing
	 * commands need, where the daemon only appends (INSERT on
	 * dmarc_records and dmarc_failure); an append it may not make is
	 * refused by the store, logged and counted as dropped, and mail
	 * goes on. */
	w->h = history_open_mode(cfg->history, HISTORY_CREATE |
	    HISTORY_DEFER_INDEX, err, errlen);
	if (w->h == NULL) {
		history_open_failed(cfg->history, err, errlen);
		goto fail;
	}
	for (i = 0; history_note_at(w->h, i) != NULL; i++)
		log_msg(LOG_WARNING, NULL, "%s", history_note_at(w->h, i));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->nonempty, NULL);
	pthread_cond_init(&w->room, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		snprintf(err, errlen, "history: cannot start the writer thread");
		history_close(w->h);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->nonempty);
		pthread_cond_destroy(&w->room);
		goto fail;
	}
	return w;
fail:
	free(w->ring);
	free(w->spec);
	free(w);
	return NULL;
}

/* No room for a record of sz octets (under w->mu). */
static int
queue_full(const history_writer *w, size_t sz)
{
	return w->len == w->cap || sz > w->max_bytes - w->bytes;
}

int
history_writer_submit(history_writer *w, report_record *rec)
{
	struct timespec ts;
	uint64_t dropped;
	report_packed *p = report_record_pack(rec);
	size_t sz = p != NULL ? report_packed_size(p) : 0;

	free(rec);
	pthread_mutex_lock(&w->mu);
	if (p != NULL && queue_full(w, sz) &&
	    w->full_mode == CONFIG_QFULL_WAIT && !w->stopping) {
		deadline_in(&ts, w->wait_ms);
		while (queue_full(w, sz) && !w->stopping)
			if (pthread_cond_timedwait(&w->room, &w->mu, &ts) ==
			    ETIMEDOUT)
				break;
	}
	if (p == NULL || queue_full(w, sz) || w->stopping) {
		dropped = ++w->st.dropped;
		metrics_history_dropped();
		pthread_mutex_unlock(&w->mu);
		free(p);
		log_drop(dropped);
		return -1;
	}
	w->ring[(w->head + w->len) % w->cap] = p;
	w->len++;
	metrics_history_queued();
	w->bytes += sz;
	if (w->bytes > w->st.peak_bytes)
		w->st.peak_bytes = w->bytes;
	w->st.queued++;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
history_writer_submit_failure(history_writer *w, failrep_row *f)
{
	uint64_t dropped;

	pthread_mutex_lock(&w->mu);
	if (w->flen == HW_FAILURE_QUEUE || w->stopping) {
		dropped = ++w->st.failure_dropped;
		pthread_mutex_unlock(&w->mu);
		metrics_failure_report_dropped();
		log_failure_drop(dropped, "the history writer's queue of "
		    "failure reports is full: the store is slow");
		free((char *)f->report);
		free(f);
		return -1;
	}
	w->fring[(w->fhead + w->flen) % HW_FAILURE_QUEUE] = f;
	w->flen++;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void
history_writer_stats(history_writer *w, history_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->st;
	pthread_mutex_unlock(&w->mu);
}

void
history_writer_stop(history_writer *w)
{
	size_t i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->nonempty);
	pthread_cond_broadcast(&w->room);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	for (i = 0; i < w->len; i++) /* only if the thread gave up */
		free(w->ring[(w->head + i) % w->cap]);
	for (i = 0; i < w->flen; i++) {
		failrep_row *f = w->fring[(w->fhead + i) % HW_FAILURE_QUEUE];

		free((char *)f->report);
		free(f);
	}
	metrics_history_taken(w->len);
	if (w->st.dropped || w->st.failed)
		log_msg(LOG_WARNING, NULL, "history: %llu record(s) written, "
		    "%llu dropped (queue full), %llu lost (store errors)",
		    (unsigned long long)w->st.written,
		    (unsigned long long)w->st.dropped,
		    (unsigned long long)w->st.failed);
	history_close(w->h);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->nonempty);
	pthread_cond_destroy(&w->room);
	free(w->ring);
	free(w->spec);
	free(w);
}

int
history_record_from_verdict(const msg_verdict *v, const am_config *cfg,
    const char *ip, const char *mail_from, const char *rcpt, int64_t now,
    report_record *out)
{
	report_dkim_in dk[DMARC_MAX_DKIM];
	report_input in;
	char why[128];
	size_t i, n = 0;

	if (v == NULL || v->skipped || v->dmarc == NULL)
		return -1;
	for (i = 0; i < v->ndkim && n < DMARC_MAX_DKIM; i++, n++) {
		dk[n].domain = v->dkim[i]->d;
		dk[n].selector = v->dkim[i]->s;
		dk[n].result = dkim_result_name(v->dkim[i]->result);
	}
	memset(&in, 0, sizeof(in));
	in.time = now != 0 ? now : (int64_t)time(NULL);
	in.source_ip = ip;
	in.envelope_from = mail_from;
	in.envelope_to = rcpt;
	if (v->spf != NULL) {
		in.spf_domain = v->spf->domain;
		in.spf_helo = v->spf->identity == SPF_ID_HELO;
		in.spf_result = spf_code_name(v->spf->code);
	}
	in.dkim = dk;
	in.ndkim = n;
	in.dmarc = v->dmarc;
	in.applied = history_dmarc_applied(v, cfg);
	in.override_by = v->arc_trusted_sealer;
	return report_record_build(out, &in, why, sizeof(why));
}

int
history_dmarc_applied(const msg_verdict *v, const am_config *cfg)
{
	/* the disposition was applied when it changed the action; for a
	 * bad From the bad From rule set it to what was done (reject,
	 * quarantine, else none), with reason other (or local_policy) */
	return v->bad_from || (cfg->dmarc_enforce && v->dmarc != NULL &&
	    (v->dmarc->disposition ==
	    DMARC_P_REJECT ? v->action == MSG_REJECT :
	    v->dmarc->disposition == DMARC_P_QUARANTINE ?
	    v->action == MSG_QUARANTINE || v->action == MSG_REJECT : 1));
}
