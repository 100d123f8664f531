/*
 * contrib/milterbench/soak_watch.h - watches a milter process during a soak
 * run: samples its resident memory against the run's progress, reads its
 * CPU time, and judges whether the memory stayed flat.
 *
 * SUMMARY
 *	A sampler thread reads VmRSS from /proc/PID/status every interval
 *	with the number of messages done so far; the judgement is made on the
 *	samples by progress through the run, not by time.
 *
 * SYNOPSIS
 *	#include "contrib/milterbench/soak_watch.h"
 *
 *	int	sw_start(soak_watch *w);
 *	void	sw_stop(soak_watch *w);
 *	int	sw_rss_verdict(const soak_watch *w, const char *tsv_path);
 *	long	sw_rss_kb(int pid);
 *	double	sw_cpu_s(int pid);
 *
 * DESCRIPTION
 *	The caller fills pid, interval_ms, total (messages in the run), done
 *	(the shared counter of messages done), margin_pct and margin_min_mb,
 *	then calls sw_start(), which allocates room for SW_SAMPLES_MAX samples
 *	and starts the thread; it returns 0, or -1 (nothing started). The
 *	thread ends at sw_stop(), at SW_SAMPLES_MAX samples, or when the
 *	process is gone.
 *
 *	sw_rss_verdict() prints (stdout, "soak: " lines) the first, last and
 *	largest samples and the judgement, writes the samples to tsv_path
 *	("done<TAB>rss_kb" lines) when it is not NULL, and returns 1 when RSS
 *	grew, else 0. Flat means, after a warm-up of the first SW_WARMUP of
 *	the messages: the largest sample of the last quarter is at most the
 *	largest of the first quarter plus the margin, and the median of the
 *	last quarter at most the median of the second quarter plus the
 *	margin; margin = max(margin_pct % of the first quarter's largest,
 *	margin_min_mb MB). With fewer than 4 samples in one of those
 *	quarters the check is skipped (printed so), which is not a failure.
 *
 *	sw_rss_kb() returns VmRSS in kB, sw_cpu_s() utime+stime in seconds,
 *	each -1 when the process is gone (a zombie has no VmRSS).
 */
#ifndef SOAK_WATCH_H
#define SOAK_WATCH_H

#include <pthread.h>
#include <stdatomic.h>

#define SW_SAMPLES_MAX	100000		/* 5.5 hours at 200 ms */
#define SW_WARMUP	0.05		/* share of the run before judging */

typedef struct sw_sample {
	long done;
	long rss_kb;
} sw_sample;

typedef struct soak_watch {
	int pid;
	long interval_ms, total, margin_pct, margin_min_mb;
	atomic_long *done;
	sw_sample *samples;
	long n;
	atomic_int stop;
	pthread_t tid;
} soak_watch;

int sw_start(soak_watch *w);
void sw_stop(soak_watch *w);
int sw_rss_verdict(const soak_watch *w, const char *tsv_path);
long sw_rss_kb(int pid);
double sw_cpu_s(int pid);

#endif
