/*
 * dns/dns_budget.c - a message's DNS budget: one absolute deadline and one
 * count of lookups, shared by the threads that look up for that message
 * (contract in dns.h; what dns_resolver.c uses in dns_int.h).
 *
 * Lock-free: the deadline, the count and the reference count are atomics,
 * so an SPF worker thread and the milter thread charge the same budget
 * without a mutex. The count never passes its limit (compare-and-swap),
 * so max_queries is a hard bound on the lookups sent; refusals are
 * counted apart. Knows nothing above dns/: the caller decides which
 * lookups are reserved (DNS_BUDGET_RESERVED) and which go in a pool.
 *
 * A pool (dns_budget_pool) is a budget of its own count whose deadline
 * is its root's: every deadline operation goes to the root, the count to
 * the pool; what a pool sends or refuses is added to the root's totals
 * (sent_pools, refused_pools) for the statistics only, never to the count
 * the root admits against.
 */
#include "dns/dns_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which bounds a budget met (hit). */
#define HIT_DEADLINE 1u
#define HIT_QUERIES 2u
#define HIT_CLOSED 4u

struct dns_budget {
	_Atomic int64_t deadline;     /* dns_now_ms() clock; 0: none */
	unsigned timeout_ms;          /* as given, for the reasons */
	unsigned max;                 /* 0: no limit */
	unsigned reserve;             /* kept for DNS_BUDGET_RESERVED */
	/* lookups sent: all of them in the high 32 bits, those not marked
	 * DNS_BUDGET_RESERVED in the low 32 (USED_ALL, USED_UNRES), one
	 * word so that both bounds are checked and counted at once */
	_Atomic uint64_t used;
	atomic_uint refused;          /* lookups refused by the count */
	atomic_uint hit;              /* HIT_* */
	atomic_uint refs;
	char tag[DNS_BUDGET_TAG_MAX]; /* set before the first query */
	dns_budget *root;             /* a pool: the budget it belongs to */
	char name[DNS_BUDGET_TAG_MAX];  /* a pool: its name, for the reasons */
	atomic_uint sent_pools;       /* a root: sent by its pools */
	atomic_uint refused_pools;    /* a root: refused by its pools' counts */
};

#define USED_ALL(u) ((unsigned)((u) >> 32))
#define USED_UNRES(u) ((unsigned)((u) & 0xffffffffu))
#define USED_ONE_ALL ((uint64_t)1 << 32)

/* The budget that holds the deadline: b itself, or a pool's root. */
static dns_budget *
top(const dns_budget *b)
{
	return b->root != NULL ? b->root : (dns_budget *)b;
}

dns_budget *
dns_budget_new(unsigned timeout_ms, unsigned max_queries, unsigned reserve)
{
	dns_budget *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->timeout_ms = timeout_ms;
	atomic_init(&b->deadline, timeout_ms ? dns_now_ms() +
	    (int64_t)timeout_ms : 0);
	b->max = max_queries;
	b->reserve = reserve < max_queries ? reserve : 0;
	atomic_init(&b->used, 0);
	atomic_init(&b->refused, 0);
	atomic_init(&b->hit, 0);
	atomic_init(&b->refs, 1);
	atomic_init(&b->sent_pools, 0);
	atomic_init(&b->refused_pools, 0);
	return b;
}

dns_budget *
dns_budget_pool(dns_budget *parent, const char *name, unsigned max_queries)
{
	dns_budget *root, *p;

	if (parent == NULL || max_queries == 0)
		return NULL;
	root = top(parent);
	if ((p = dns_budget_new(0, max_queries, 0)) == NULL)
		return NULL;
	p->root = dns_budget_hold(root);
	p->timeout_ms = root->timeout_ms;
	snprintf(p->tag, sizeof(p->tag), "%s", root->tag);
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "");
	return p;
}

dns_budget *
dns_budget_hold(dns_budget *b)
{
	if (b != NULL)
		atomic_fetch_add(&b->refs, 1);
	return b;
}

void
dns_budget_release(dns_budget *b)
{
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
		dns_budget_release(b->root);
		free(b);
	}
}

void
dns_budget_extend(dns_budget *b, unsigned ms)
{
	int64_t want, cur;

	if (b != NULL)
		b = top(b);
	if (b == NULL || (cur = atomic_load(&b->deadline)) == 0)
		return;
	want = dns_now_ms() + (int64_t)ms;
	while (cur != 0 && cur < want &&
	    !atomic_compare_exchange_weak(&b->deadline, &cur, want))
		;
}

void
dns_budget_close(dns_budget *b)
{
	if (b == NULL)
		return;
	b = top(b);
	atomic_fetch_or(&b->hit, HIT_CLOSED);
	atomic_store(&b->deadline, dns_now_ms());
}

int64_t
dns_budget_deadline(const dns_budget *b)
{
	return b != NULL ? atomic_load(&top(b)->deadline) : 0;
}

unsigned
dns_budget_timeout_ms(const dns_budget *b)
{
	return b != NULL ? b->timeout_ms : 0;
}

unsigned
dns_budget_max(const dns_budget *b)
{
	return b != NULL ? b->max : 0;
}

unsigned
dns_budget_queries(const dns_budget *b)
{
	return b != NULL ? USED_ALL(atomic_load(&b->used)) +
	    atomic_load(&b->sent_pools) : 0;
}

unsigned
dns_budget_refused(const dns_budget *b)
{
	return b != NULL ? atomic_load(&b->refused) +
	    atomic_load(&b->refused_pools) : 0;
}

/* The reason of a lookup stopped by the deadline. */
static void
deadline_why(const dns_budget *b, char *why, size_t whylen)
{
	b = top(b);
	if (atomic_load(&b->hit) & HIT_CLOSED)
		snprintf(why, whylen, "message ended: its DNS lookups were "
		    "stopped");
	else
		snprintf(why, whylen, "message DNS deadline of %u ms reached",
		    b->timeout_ms);
}

/* The reason of a lookup refused by b's count. */
static void
count_why(const dns_budget *b, char *why, size_t whylen)
{
	if (b->root != NULL)
		snprintf(why, whylen, "%s DNS query allowance of %u exhausted",
		    b->name, b->max);
	else
		snprintf(why, whylen, "message DNS query budget of %u "
		    "exhausted", b->max);
}

const char *
dns_budget_why(const dns_budget *b, char *buf, size_t len)
{
	unsigned hit = b != NULL ? atomic_load(&b->hit) : 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (hit & HIT_QUERIES)
		count_why(b, buf, len);
	if (hit & HIT_DEADLINE) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%smessage DNS deadline of %u ms "
		    "reached", n ? "; " : "", b->timeout_ms);
	}
	if (b != NULL && b->root != NULL &&
	    (atomic_load(&b->root->hit) & HIT_DEADLINE)) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%smessage DNS deadline of %u ms "
		    "reached", n ? "; " : "", b->timeout_ms);
	}
	return buf;
}

int
dns_budget_admit(dns_budget *b, int flags, int64_t now, char *why,
    size_t whylen)
{
	dns_budget *t = top(b);
	int64_t dl = atomic_load(&t->deadline);
	uint64_t cur, add;
	int unres;

	if (dl != 0 && now >= dl) {
		if (!(atomic_load(&t->hit) & HIT_CLOSED))
			atomic_fetch_or(&t->hit, HIT_DEADLINE);
		deadline_why(b, why, whylen);
		return -1;
	}
	unres = !(flags & DNS_BUDGET_RESERVED);
	add = USED_ONE_ALL + (unres ? 1 : 0);
	if (b->max == 0) {
		atomic_fetch_add(&b->used, add);
		if (b->root != NULL)
			atomic_fetch_add(&b->root->sent_pools, 1);
		return 0;
	}
	/*
	 * Every lookup fits in max; an unreserved one also in max - reserve
	 * counting only the unreserved ones. So the reserved lookups never
	 * take from what the unreserved ones may use (up to the reserve),
	 * and the outcome does not depend on which reach the count first:
	 * the reserved DMARC lookups of the message's thread and the SPF
	 * thread's lookups run at the same time.
	 */
	cur = atomic_load(&b->used);
	do {
		if (USED_ALL(cur) >= b->max ||
		    (unres && USED_UNRES(cur) >= b->max - b->reserve)) {
			atomic_fetch_add(&b->refused, 1);
			if (b->root != NULL)
				atomic_fetch_add(&b->root->refused_pools, 1);
			atomic_fetch_or(&b->hit, HIT_QUERIES);
			count_why(b, why, whylen);
			return -1;
		}
	} while (!atomic_compare_exchange_weak(&b->used, &cur, cur + add));
	if (b->root != NULL)
		atomic_fetch_add(&b->root->sent_pools, 1);
	return 0;
}

int64_t
dns_budget_wait_deadline(const dns_budget *b, int64_t deadline,
    int *at_budget)
{
	int64_t dl = b != NULL ? atomic_load(&top(b)->deadline) : 0;

	*at_budget = 0;
	if (dl != 0 && dl <= deadline) {
		*at_budget = 1;
		return dl;
	}
	return deadline;
}

void
dns_budget_deadline_hit(dns_budget *b, char *why, size_t whylen)
{
	dns_budget *t = top(b);

	if (!(atomic_load(&t->hit) & HIT_CLOSED))
		atomic_fetch_or(&t->hit, HIT_DEADLINE);
	deadline_why(b, why, whylen);
}

void
dns_budget_set_tag(dns_budget *b, const char *tag)
{
	if (b != NULL)
		snprintf(b->tag, sizeof(b->tag), "%s", tag != NULL ? tag : "");
}

const char *
dns_budget_tag(const dns_budget *b)
{
	return b != NULL ? b->tag : "";
}
