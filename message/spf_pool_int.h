/*
 * message/spf_pool_int.h - SPF evaluations on worker threads.
 *
 * SYNOPSIS
 *   spf_pool *spf_pool_new(dns_resolver *r, unsigned threads, char *err, size_t errlen);
 *   void      spf_pool_free(spf_pool *p);
 *   spf_job  *spf_pool_submit(spf_pool *p, const spf_request *req);
 *   const spf_job *spf_pool_wait(spf_pool *p, spf_job *j);
 *   void      spf_pool_release(spf_pool *p, spf_job *j);
 *   unsigned long spf_pool_inline_runs(spf_pool *p);
 *
 * DESCRIPTION
 *   SPF starts when MAIL FROM arrives, but the milter must answer MAIL FROM
 *   at once: spf_pool_submit() queues the evaluation (both identities, the
 *   strings copied) for the `threads` workers and returns. The two
 *   identities are two tasks, run at once by two workers (or a worker and
 *   the waiter), so end of message waits for the longer of the two
 *   chains, not their sum; each is evaluated exactly as spf_check_mailfrom()
 *   and spf_check_helo() would (own RFC 7208 4.6.4 counts, the same
 *   budget). A null sender is one task (MAIL FROM is postmaster@helo). First,
 *   though, it runs the job itself as a cache-only attempt
 *   (dns_cache_only_begin): when every DNS answer the evaluation needs is
 *   in the resolver's cache, the job comes back done, with the result a
 *   worker would have computed and no thread hand-off
 *   (spf_pool_inline_runs() counts those). Jobs are linked into the queue,
 *   so submitting never fails for lack of room; NULL means memory ran out
 *   (the caller then evaluates inline).
 *   spf_pool_wait() returns the finished job; a job still queued is taken
 *   back and run by the caller itself, so waiting never depends on a
 *   worker being free. spf_pool_release() frees a job in any state: a
 *   running job is left to its worker, which frees it when done (an
 *   aborted message never waits for its SPF). spf_pool_free() stops the
 *   workers after the queue is empty. A job holds a reference to the
 *   request's DNS budget (req->budget) until it is freed.
 */
#ifndef AUTHMILTER_SPF_POOL_INT_H
#define AUTHMILTER_SPF_POOL_INT_H

#include <stddef.h>

#include "spf/spf.h"

#define SPF_POOL_MAX_NAME 256

/* One identity's evaluation of a job, queued on its own (spf_pool.c). */
typedef struct spf_task {
	struct spf_job *job;
	int part;                     /* SPF_PART_* in spf_pool.c */
	int state;                    /* SPF_JOB_* in spf_pool.c */
	struct spf_task *next;
} spf_task;

typedef struct spf_job {
	spf_request req;
	char ip[64];
	char helo[SPF_POOL_MAX_NAME];
	char mail_from[SPF_SENDER_MAX];
	char receiver[SPF_POOL_MAX_NAME];
	spf_result mailfrom;
	spf_result helo_result;
	const spf_result *decisive;   /* &mailfrom or &helo_result */
	int state;                    /* SPF_JOB_* in spf_pool.c */
	int orphan;
	spf_task task[2];             /* MAIL FROM, HELO */
	unsigned ntasks, pending;     /* tasks, those not done */
} spf_job;

typedef struct spf_pool spf_pool;

spf_pool *spf_pool_new(dns_resolver *r, unsigned threads, char *err,
    size_t errlen);
void spf_pool_free(spf_pool *p);
spf_job *spf_pool_submit(spf_pool *p, const spf_request *req);
const spf_job *spf_pool_wait(spf_pool *p, spf_job *j);
void spf_pool_release(spf_pool *p, spf_job *j);
unsigned long spf_pool_inline_runs(spf_pool *p);

#endif
