/*
 * tests/bench/bench_history.c - the history store's figures: records/s the
 * writer thread sustains (SQLite in a temp file; PostgreSQL too when
 * BENCH_HISTORY_PG names a postgresql:// URI), and the time to build the
 * reports (RFC 9990 XML) of a period holding BENCH_HISTORY_RECORDS records
 * (default 1,000,000) in SQLite. Fails only when a count comes out wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "daemon/history_writer_int.h"

#define NDOMAINS 100
#define WRITER_RECORDS 100000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
fill(report_record *r, unsigned i)
{
	memset(r, 0, sizeof(*r));
	r->time = 1000 + i % 86400;
	snprintf(r->source_ip, sizeof(r->source_ip), "198.51.%u.%u",
	    i / 251 % 200, i % 251);
	snprintf(r->policy_domain, sizeof(r->policy_domain), "d%u.example",
	    i % NDOMAINS);
	snprintf(r->header_from, sizeof(r->header_from), "%s", r->policy_domain);
	snprintf(r->envelope_from, sizeof(r->envelope_from), "%s", r->policy_domain);
	snprintf(r->spf_domain, sizeof(r->spf_domain), "%s", r->policy_domain);
	snprintf(r->spf_scope, sizeof(r->spf_scope), "mfrom");
	snprintf(r->spf_result, sizeof(r->spf_result), i % 3 ? "pass" : "fail");
	snprintf(r->dkim, sizeof(r->dkim), "%s sel pass", r->policy_domain);
	snprintf(r->dmarc_result, sizeof(r->dmarc_result), "pass");
	snprintf(r->disposition, sizeof(r->disposition), "none");
	r->dkim_aligned = 1;
	r->spf_aligned = i % 3 != 0;
	snprintf(r->discovery, sizeof(r->discovery), "treewalk");
	snprintf(r->p, sizeof(r->p), "none");
	snprintf(r->sp, sizeof(r->sp), "none");
	snprintf(r->np, sizeof(r->np), "none");
	snprintf(r->adkim, sizeof(r->adkim), "r");
	snprintf(r->aspf, sizeof(r->aspf), "r");
	snprintf(r->fo, sizeof(r->fo), "0");
	snprintf(r->testing, sizeof(r->testing), "n");
	snprintf(r->psd, sizeof(r->psd), "u");
}

static int
writer_rate(const char *spec, const char *label)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	char err[512];
	double t0, t1;
	unsigned i;

	config_init(&cfg);
	config_set(&cfg, "history", spec, NULL, 0);
	cfg.history_queue_full = CONFIG_QFULL_WAIT;
	cfg.history_queue_wait_ms = 10000;
	w = history_writer_start(&cfg, err, sizeof(err));
	if (w == NULL) {
		printf("%s: %s\n", label, err);
		config_free(&cfg);
		return -1;
	}
	t0 = now_s();
	for (i = 0; i < WRITER_RECORDS; i++) {
		report_record *r = malloc(sizeof(*r));

		fill(r, i);
		history_writer_submit(w, r);
	}
	history_writer_stats(w, &st);
	history_writer_stop(w); /* waits until all is committed */
	t1 = now_s();
	printf("writer %-10s %u records (batch %u) in %.2f s: %.0f records/s\n",
	    label, WRITER_RECORDS, cfg.history_batch_size, t1 - t0,
	    WRITER_RECORDS / (t1 - t0));
	config_free(&cfg);
	return st.dropped == 0 ? 0 : -1;
}

static int
on_row(void *arg, const report_record *row, uint64_t count)
{
	(void)count;
	return report_writer_row(arg, row, count);
}

int
main(void)
{
	char path[] = "/tmp/bench_history.XXXXXX", p2[64], why[512];
	const char *pg = getenv("BENCH_HISTORY_PG");
	const char *nrec = getenv("BENCH_HISTORY_RECORDS");
	unsigned total = nrec ? (unsigned)strtoul(nrec, NULL, 10) : 1000000;
	report_record **batch;
	history *h;
	double t0, t1;
	unsigned i, d;
	size_t bytes = 0;
	int fd = mkstemp(path), rc = 0;

	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);
	if (writer_rate(path, "sqlite") < 0)
		rc = 1;
	if (pg != NULL && writer_rate(pg, "postgresql") < 0)
		rc = 1;
	unlink(path);
	snprintf(p2, sizeof(p2), "%s-wal", path); unlink(p2);
	snprintf(p2, sizeof(p2), "%s-shm", path); unlink(p2);

	h = history_open(path, why, sizeof(why));
	batch = calloc(10000, sizeof(*batch));
	if (h == NULL || batch == NULL)
		return 1;
	for (i = 0; i < 10000; i++)
		batch[i] = malloc(sizeof(report_record));
	t0 = now_s();
	for (i = 0; i < total; i += 10000) {
		unsigned k, n = total - i < 10000 ? total - i : 10000;

		for (k = 0; k < n; k++)
			fill(batch[k], i + k);
		if (history_append(h, (const report_record *const *)batch, n,
		    why, sizeof(why)) < 0) {
			printf("append: %s\n", why);
			return 1;
		}
	}
	t1 = now_s();
	printf("load     sqlite     %u records in batches of 10000: %.2f s\n",
	    total, t1 - t0);
	t0 = now_s();
	for (d = 0; d < NDOMAINS; d++) {
		char dom[64], rid[128];
		report_record pol;
		report_meta meta = { "bench", "b@bench", "bench", rid, 0, 86399, NULL };
		report_writer *w;
		strbuf doc;

		snprintf(dom, sizeof(dom), "d%u.example", d);
		snprintf(rid, sizeof(rid), "0.86399.%s@bench", dom);
		if (history_policy(h, dom, 0, 86400 + 1000, &pol, why,
		    sizeof(why)) != 1)
			return 1;
		w = report_writer_new(REPORT_XML, &meta, &pol, why, sizeof(why));
		sb_init(&doc);
		if (w == NULL || history_rows(h, dom, 0, 86400 + 1000, on_row, w,
		    why, sizeof(why)) < 0 || report_writer_finish(w, &doc) < 0)
			return 1;
		bytes += doc.len;
		report_writer_free(w);
		sb_free(&doc);
	}
	t1 = now_s();
	printf("reports  sqlite     %u records -> %u XML reports (%zu bytes): "
	    "%.2f s\n", total, NDOMAINS, bytes, t1 - t0);
	for (i = 0; i < 10000; i++)
		free(batch[i]);
	free(batch);
	history_close(h);
	unlink(path);
	snprintf(p2, sizeof(p2), "%s-wal", path); unlink(p2);
	snprintf(p2, sizeof(p2), "%s-shm", path); unlink(p2);
	return rc;
}
