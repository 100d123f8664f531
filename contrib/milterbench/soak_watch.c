/*
 * contrib/milterbench/soak_watch.c - RSS and CPU of the milter under a soak
 * run, and the flat-memory judgement (contract in soak_watch.h).
 */
#include "contrib/milterbench/soak_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long
sw_rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

double
sw_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* after the command name "(...)": state, then fields 4..13, utime 14 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void *
sampler(void *arg)
{
	soak_watch *w = arg;
	struct timespec ts;
	long kb;

	ts.tv_sec = w->interval_ms / 1000;
	ts.tv_nsec = (w->interval_ms % 1000) * 1000000L;
	while (!atomic_load(&w->stop) && w->n < SW_SAMPLES_MAX) {
		if ((kb = sw_rss_kb(w->pid)) < 0)
			break;		/* the milter is gone */
		w->samples[w->n].done = atomic_load(w->done);
		w->samples[w->n].rss_kb = kb;
		w->n++;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int
sw_start(soak_watch *w)
{
	w->n = 0;
	atomic_store(&w->stop, 0);
	if ((w->samples = calloc(SW_SAMPLES_MAX, sizeof(*w->samples))) == NULL)
		return -1;
	if (pthread_create(&w->tid, NULL, sampler, w) != 0) {
		free(w->samples);
		w->samples = NULL;
		return -1;
	}
	return 0;
}

void
sw_stop(soak_watch *w)
{
	atomic_store(&w->stop, 1);
	pthread_join(w->tid, NULL);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Largest sample with progress in [lo, hi) ([lo, 1] when hi is 1), and
 * the median in *median; -1 when fewer than 4 samples are there. */
static long
quarter(const soak_watch *w, double lo, double hi, long *median)
{
	long *v = malloc((size_t)(w->n + 1) * sizeof(*v)), n = 0, i, mx;

	*median = 0;
	if (v == NULL)
		return -1;
	for (i = 0; i < w->n; i++) {
		double f = (double)w->samples[i].done / (double)w->total;

		if (f >= lo && (f < hi || (hi >= 1.0 && f <= 1.0)))
			v[n++] = w->samples[i].rss_kb;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_long);
	*median = n ? v[n / 2] : 0;
	mx = n ? v[n - 1] : 0;
	free(v);
	return n < 4 ? -1 : mx;
}

int
sw_rss_verdict(const soak_watch *w, const char *tsv_path)
{
	long q1, q2, q4, m1, m2, m4, margin, mx = 0, i;
	FILE *fp;
	int grew;

	if (w->n == 0) {
		printf("soak: rss=not sampled\n");
		return 0;
	}
	if (tsv_path != NULL && (fp = fopen(tsv_path, "w")) != NULL) {
		for (i = 0; i < w->n; i++)
			fprintf(fp, "%ld\t%ld\n", w->samples[i].done,
			    w->samples[i].rss_kb);
		fclose(fp);
	}
	for (i = 0; i < w->n; i++)
		if (w->samples[i].rss_kb > mx)
			mx = w->samples[i].rss_kb;
	printf("soak: rss_kb first=%ld last=%ld max=%ld samples=%ld\n",
	    w->samples[0].rss_kb, w->samples[w->n - 1].rss_kb, mx, w->n);
	q1 = quarter(w, SW_WARMUP, 0.25, &m1);
	q2 = quarter(w, 0.25, 0.50, &m2);
	q4 = quarter(w, 0.75, 1.0, &m4);
	if (q1 < 0 || q2 < 0 || q4 < 0) {
		printf("soak: rss_check=skipped (fewer than 4 samples in a "
		    "quarter: run too short)\n");
		return 0;
	}
	margin = q1 * w->margin_pct / 100;
	if (margin < w->margin_min_mb * 1024)
		margin = w->margin_min_mb * 1024;
	grew = q4 > q1 + margin || m4 > m2 + margin;
	printf("soak: rss_check=%s q1_max=%ld q2_median=%ld q4_max=%ld "
	    "q4_median=%ld margin=%ld (q4_max <= q1_max+margin, "
	    "q4_median <= q2_median+margin)\n", grew ? "GROWING" : "flat",
	    q1, m2, q4, m4, margin);
	return grew;
}
