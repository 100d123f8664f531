/*
 * tests/lib/memdns.c - in-memory DNS for the dmarc tests (see memdns.h).
 */
#include "tests/lib/memdns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MEMDNS_MAX 256
#define MEMDNS_MAX_LOG 512

typedef struct rr {
	char *name;
	dns_type type;
	char *txt;
	int fail;
} rr;

struct memdns {
	rr rrs[MEMDNS_MAX];
	size_t n;
	size_t queries, outstanding, max_outstanding;
	char *log[MEMDNS_MAX_LOG];
	dns_type logt[MEMDNS_MAX_LOG];
	size_t nlog;
};

typedef struct mq {
	dns_answer a;
	dns_record recs[16];
	uint16_t lens[16];
} mq;

memdns *
memdns_new(void)
{
	return calloc(1, sizeof(memdns));
}

void
memdns_free(memdns *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->rrs[i].name);
		free(m->rrs[i].txt);
	}
	for (i = 0; i < m->nlog; i++)
		free(m->log[i]);
	free(m);
}

static int
add(memdns *m, const char *name, dns_type t, const char *txt, int fail)
{
	if (m->n == MEMDNS_MAX)
		return -1;
	m->rrs[m->n].name = strdup(name);
	m->rrs[m->n].type = t;
	m->rrs[m->n].txt = strdup(txt != NULL ? txt : "");
	m->rrs[m->n].fail = fail;
	m->n++;
	return 0;
}

int
memdns_add(memdns *m, const char *name, dns_type t, const char *txt)
{
	return add(m, name, t, txt, 0);
}

int
memdns_fail(memdns *m, const char *name, dns_type t)
{
	return add(m, name, t, NULL, 1);
}

static void *
m_start(void *ctx, const char *name, dns_type t)
{
	memdns *m = ctx;
	mq *q = calloc(1, sizeof(*q));
	size_t i;
	int known = 0;

	m->queries++;
	if (++m->outstanding > m->max_outstanding)
		m->max_outstanding = m->outstanding;
	if (m->nlog < MEMDNS_MAX_LOG) {
		m->log[m->nlog] = strdup(name);
		m->logt[m->nlog++] = t;
	}
	if (q == NULL)
		abort();
	q->a.rcode = 0;
	q->a.records = q->recs;
	for (i = 0; i < m->n; i++) {
		rr *r = &m->rrs[i];
		if (strcasecmp(r->name, name) != 0)
			continue;
		known = 1;
		if (r->type != t)
			continue;
		if (r->fail) {
			q->a.status = DNS_TEMPFAIL;
			q->a.count = 0;
			snprintf(q->a.why, sizeof(q->a.why), "injected failure");
			return q;
		}
		if (q->a.count < 16) {
			dns_record *d = &q->recs[q->a.count];
			d->type = t;
			if (t == DNS_T_TXT) {
				q->lens[q->a.count] = (uint16_t)strlen(r->txt);
				d->u.txt.text = r->txt;
				d->u.txt.len = strlen(r->txt);
				d->u.txt.nstrings = 1;
				d->u.txt.lens = &q->lens[q->a.count];
			}
			q->a.count++;
		}
	}
	q->a.status = q->a.count > 0 ? DNS_RECORDS :
	    known ? DNS_NODATA : DNS_NXDOMAIN;
	if (q->a.status == DNS_NXDOMAIN)
		q->a.rcode = 3;
	return q;
}

static const dns_answer *
m_wait(void *ctx, void *q, int64_t deadline)
{
	(void)ctx;
	(void)deadline;
	return &((mq *)q)->a;
}

static void
m_release(void *ctx, void *q)
{
	memdns *m = ctx;

	m->outstanding--;
	free(q);
}

static int64_t
m_now(void *ctx)
{
	(void)ctx;
	return 0;
}

void
memdns_lookup(memdns *m, dmarc_lookup *lk)
{
	memset(lk, 0, sizeof(*lk));
	lk->start = m_start;
	lk->wait = m_wait;
	lk->release = m_release;
	lk->now = m_now;
	lk->ctx = m;
	lk->timeout_ms = 1000;
}

size_t
memdns_queries(const memdns *m)
{
	return m->queries;
}

size_t
memdns_max_outstanding(const memdns *m)
{
	return m->max_outstanding;
}

int
memdns_asked(const memdns *m, const char *name, dns_type t)
{
	size_t i;

	for (i = 0; i < m->nlog; i++)
		if (m->logt[i] == t && strcasecmp(m->log[i], name) == 0)
			return 1;
	return 0;
}
