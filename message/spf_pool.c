/*
 * message/spf_pool.c - worker threads for SPF evaluations (contract in
 * spf_pool_int.h). One mutex and two condition variables: `work` wakes
 * workers, `done` wakes waiters (broadcast; waiters re-check their job).
 * spf_pool_submit() first tries the job inline as a cache-only attempt
 * (dns_cache_only_begin): with every answer cached it is done at once.
 * Otherwise a job with a MAIL FROM is queued as two tasks, MAIL FROM then
 * HELO, that workers take independently; the job is done when both are.
 */
#include "message/spf_pool_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strcopy.h"

enum { SPF_JOB_QUEUED, SPF_JOB_RUNNING, SPF_JOB_DONE };
/* SPF_PART_BOTH: spf_check() whole (the null sender: one evaluation) */
enum { SPF_PART_MAILFROM, SPF_PART_HELO, SPF_PART_BOTH };

struct spf_pool {
	dns_resolver *r;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	spf_task *head, *tail;
	int stopping;
	unsigned nthreads;
	pthread_t *threads;
	_Atomic unsigned long inline_runs;   /* jobs done in spf_pool_submit */
};

/* A job holds the message's DNS budget and HELO's allowance (if any)
 * until it is freed: an orphan outlives its message. */
static void
job_free(spf_job *j)
{
	dns_budget_release(j->req.budget);
	dns_budget_release(j->req.helo_budget);
	free(j);
}

static void
run_job(spf_pool *p, spf_job *j)
{
	j->decisive = spf_check(p->r, &j->req, &j->mailfrom, &j->helo_result);
}

/* One task, no lock held; the same calls spf_check() makes. */
static void
run_task(spf_pool *p, spf_task *t)
{
	spf_job *j = t->job;

	if (t->part == SPF_PART_BOTH)
		run_job(p, j);
	else if (t->part == SPF_PART_MAILFROM)
		spf_check_mailfrom(p->r, &j->req, &j->mailfrom);
	else
		spf_check_helo(p->r, &j->req, &j->helo_result);
}

/* A task finished (lock held): the job is done with its last task. */
static void
task_done(spf_pool *p, spf_task *t)
{
	spf_job *j = t->job;

	t->state = SPF_JOB_DONE;
	if (--j->pending > 0)
		return;
	if (j->ntasks == 2)
		j->decisive = &j->mailfrom;
	j->state = SPF_JOB_DONE;
	if (j->orphan)
		job_free(j);
	else
		pthread_cond_broadcast(&p->done);
}

static void *
worker(void *arg)
{
	spf_pool *p = arg;
	spf_task *t;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->head == NULL)
			break;
		t = p->head;
		p->head = t->next;
		if (p->head == NULL)
			p->tail = NULL;
		t->state = SPF_JOB_RUNNING;
		t->job->state = SPF_JOB_RUNNING;
		pthread_mutex_unlock(&p->mu);
		run_task(p, t);
		pthread_mutex_lock(&p->mu);
		task_done(p, t);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

spf_pool *
spf_pool_new(dns_resolver *r, unsigned threads, char *err, size_t errlen)
{
	spf_pool *p = calloc(1, sizeof(*p));
	sigset_t all, old;
	unsigned i;

	if (p == NULL || (p->threads = calloc(threads, sizeof(pthread_t))) == NULL) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->r = r;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* workers take no signals */
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads == 0) {
		snprintf(err, errlen, "cannot start SPF worker threads");
		spf_pool_free(p);
		return NULL;
	}
	return p;
}

void
spf_pool_free(spf_pool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}

spf_job *
spf_pool_submit(spf_pool *p, const spf_request *req)
{
	spf_job *j = calloc(1, sizeof(*j));
	unsigned i;

	if (j == NULL)
		return NULL;
	strcopy(j->ip, sizeof(j->ip), req->ip);
	strcopy(j->helo, sizeof(j->helo), req->helo);
	strcopy(j->mail_from, sizeof(j->mail_from), req->mail_from);
	strcopy(j->receiver, sizeof(j->receiver), req->receiver);
	j->req = *req;
	j->req.ip = j->ip;
	j->req.helo = j->helo;
	j->req.mail_from = j->mail_from;
	j->req.receiver = req->receiver != NULL ? j->receiver : NULL;
	j->req.budget = dns_budget_hold(req->budget);
	j->req.helo_budget = dns_budget_hold(req->helo_budget);
	/* A sender whose records are all in the DNS cache is evaluated here
	 * and now: no hand-off to a worker, no wake-up. Any cache miss
	 * discards the attempt and the job goes to the workers. */
	dns_cache_only_begin(p->r);
	run_job(p, j);
	if (dns_cache_only_end() == 0) {
		j->state = SPF_JOB_DONE;
		p->inline_runs++;
		return j;
	}
	memset(&j->mailfrom, 0, sizeof(j->mailfrom));
	memset(&j->helo_result, 0, sizeof(j->helo_result));
	j->decisive = NULL;
	j->state = SPF_JOB_QUEUED;
	/* the null sender is one evaluation (spf_check); else MAIL FROM
	 * and HELO run at once, MAIL FROM queued first */
	if (req->mail_from == NULL || req->mail_from[0] == '\0') {
		j->ntasks = 1;
		j->task[0].part = SPF_PART_BOTH;
	} else {
		j->ntasks = 2;
		j->task[0].part = SPF_PART_MAILFROM;
		j->task[1].part = SPF_PART_HELO;
	}
	j->pending = j->ntasks;
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < j->ntasks; i++) {
		j->task[i].job = j;
		j->task[i].state = SPF_JOB_QUEUED;
		j->task[i].next = NULL;
		if (p->tail != NULL)
			p->tail->next = &j->task[i];
		else
			p->head = &j->task[i];
		p->tail = &j->task[i];
	}
	if (j->ntasks > 1)
		pthread_cond_broadcast(&p->work);
	else
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return j;
}

/* Unlink a queued task; the lock is held. */
static void
unqueue(spf_pool *p, spf_task *t)
{
	spf_task **pp, *prev = NULL;

	for (pp = &p->head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			if (p->tail == t)
				p->tail = prev;
			t->next = NULL;
			return;
		}
	}
}

const spf_job *
spf_pool_wait(spf_pool *p, spf_job *j)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	/* tasks no worker has taken yet are run here, never waited for */
	for (i = 0; i < j->ntasks && j->state != SPF_JOB_DONE; i++) {
		if (j->task[i].state != SPF_JOB_QUEUED)
			continue;
		unqueue(p, &j->task[i]);
		j->task[i].state = SPF_JOB_RUNNING;
		pthread_mutex_unlock(&p->mu);
		run_task(p, &j->task[i]);
		pthread_mutex_lock(&p->mu);
		task_done(p, &j->task[i]);
	}
	while (j->state != SPF_JOB_DONE)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return j;
}

unsigned long
spf_pool_inline_runs(spf_pool *p)
{
	return atomic_load(&p->inline_runs);
}

void
spf_pool_release(spf_pool *p, spf_job *j)
{
	unsigned i;

	if (j == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (j->state != SPF_JOB_DONE) {
		/* queued tasks are dropped; a running one's worker frees it */
		for (i = 0; i < j->ntasks; i++) {
			if (j->task[i].state != SPF_JOB_QUEUED)
				continue;
			unqueue(p, &j->task[i]);
			j->task[i].state = SPF_JOB_DONE;
			j->pending--;
		}
		if (j->pending > 0) {
			j->orphan = 1;
			pthread_mutex_unlock(&p->mu);
			return;
		}
	}
	pthread_mutex_unlock(&p->mu);
	job_free(j);
}
