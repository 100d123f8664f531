/*
 * dns/dns_cache.c - the in-process answer cache in front of libunbound.
 *
 * Contract (see dns_int.h):
 *   Keys are lowercased wire name + type (dns_make_key), so "Example.COM."
 *   and "example.com" share an entry. Only answers that are facts about
 *   the DNS are kept: records, NODATA, NXDOMAIN with a TTL > 0 (never
 *   TEMPFAIL, BADNAME or anything bogus). An entry lives for its TTL,
 *   capped at DNS_CACHE_MAX_TTL; a hit hands back a private copy whose ttl
 *   is the time left. Memory is bounded: at most max_entries entries and
 *   max_bytes bytes of answers, least recently used evicted first, and no
 *   single answer bigger than a shard's byte budget is stored.
 *   The table is split in DNS_CACHE_SHARDS shards, each with its own mutex,
 *   so threads hitting different names rarely contend.
 */
#include "dns/dns_int.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DNS_CACHE_SHARDS 16
/* RFC 2181 8 allows TTLs up to 2^31-1 s; keep nothing longer than a day. */
#define DNS_CACHE_MAX_TTL 86400

typedef struct centry {
	struct centry *hnext;          /* hash chain */
	struct centry *prev, *next;    /* LRU list, most recent first */
	int64_t expires_ms;
	dns_answer *a;
	size_t bytes;
	uint32_t hash;
	size_t keylen;
	uint8_t key[];
} centry;

typedef struct shard {
	pthread_mutex_t mu;
	centry **buckets;
	size_t nbuckets;               /* a power of two */
	centry *head, *tail;
	size_t n, bytes;
} shard;

struct dns_cache {
	size_t max_entries, max_bytes;  /* per shard */
	shard s[DNS_CACHE_SHARDS];
};

/* Keys are names the sender picks (SPF includes, DKIM selectors, ...):
 * keyed (util/hash.h), so no one can fill one hash chain. The shard is
 * taken from the top bits, the bucket from the low ones (with both from
 * the low bits, a shard used 1 bucket in DNS_CACHE_SHARDS). */
#define SHARD_OF(h) (((h) >> 24) % DNS_CACHE_SHARDS)
static uint32_t
key_hash(const uint8_t *k, size_t n)
{
	return (uint32_t)hash_keyed(k, n);
}

dns_cache *
dns_cache_new(size_t max_entries, size_t max_bytes)
{
	dns_cache *c = calloc(1, sizeof(*c));
	size_t i, nb = 16;

	if (c == NULL)
		return NULL;
	c->max_entries = max_entries / DNS_CACHE_SHARDS + 1;
	c->max_bytes = max_bytes / DNS_CACHE_SHARDS + 1;
	while (nb < c->max_entries && nb < (1u << 20))
		nb <<= 1;
	for (i = 0; i < DNS_CACHE_SHARDS; i++) {
		pthread_mutex_init(&c->s[i].mu, NULL);
		c->s[i].nbuckets = nb;
		if ((c->s[i].buckets = calloc(nb, sizeof(centry *))) == NULL) {
			dns_cache_free(c);
			return NULL;
		}
	}
	return c;
}

static void
entry_free(centry *e)
{
	dns_answer_free(e->a);
	free(e);
}

void
dns_cache_free(dns_cache *c)
{
	centry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < DNS_CACHE_SHARDS; i++) {
		for (e = c->s[i].head; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
		free(c->s[i].buckets);
		pthread_mutex_destroy(&c->s[i].mu);
	}
	free(c);
}

/* Take e out of the LRU list only. */
static void
list_unlink(shard *s, centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
}

/* Take e out of its shard's chain and list (the caller holds the lock). */
static void
unlink_entry(shard *s, centry *e)
{
	centry **pp = &s->buckets[e->hash & (s->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	list_unlink(s, e);
	s->n--;
	s->bytes -= e->bytes;
}

static void
push_front(shard *s, centry *e)
{
	e->prev = NULL;
	e->next = s->head;
	if (s->head != NULL)
		s->head->prev = e;
	s->head = e;
	if (s->tail == NULL)
		s->tail = e;
}

static centry *
find(shard *s, const uint8_t *key, size_t keylen, uint32_t h)
{
	centry *e;

	for (e = s->buckets[h & (s->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && e->keylen == keylen &&
		    memcmp(e->key, key, keylen) == 0)
			return e;
	return NULL;
}

dns_answer *
dns_cache_get(dns_cache *c, const uint8_t *key, size_t keylen, int64_t now_ms)
{
	uint32_t h = key_hash(key, keylen);
	shard *s = &c->s[SHARD_OF(h)];
	dns_answer *copy = NULL;
	centry *e, *stale = NULL;

	pthread_mutex_lock(&s->mu);
	if ((e = find(s, key, keylen, h)) != NULL) {
		if (e->expires_ms <= now_ms) {
			unlink_entry(s, e);
			stale = e;
		} else {
			copy = dns_answer_clone(e->a);
			if (copy->status != DNS_TEMPFAIL)  /* not the OOM answer */
				copy->ttl = (uint32_t)((e->expires_ms - now_ms + 999) / 1000);
			if (s->head != e) {
				list_unlink(s, e);
				push_front(s, e);
			}
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (stale != NULL)
		entry_free(stale);
	if (copy != NULL && copy->status == DNS_TEMPFAIL) {
		dns_answer_free(copy);
		copy = NULL;
	}
	return copy;
}

void
dns_cache_put(dns_cache *c, const uint8_t *key, size_t keylen,
    const dns_answer *a, int64_t now_ms)
{
	uint32_t h = key_hash(key, keylen), ttl = a->ttl;
	shard *s = &c->s[SHARD_OF(h)];
	centry *e, *old, *victims = NULL;

	if (a->ttl == 0 || a->sec == DNS_SEC_BOGUS ||
	    (a->status != DNS_RECORDS && a->status != DNS_NODATA &&
	    a->status != DNS_NXDOMAIN) || keylen > DNS_KEY_MAX ||
	    dns_answer_bytes(a) > c->max_bytes)
		return;
	if (ttl > DNS_CACHE_MAX_TTL)
		ttl = DNS_CACHE_MAX_TTL;
	if ((e = malloc(sizeof(*e) + keylen)) == NULL)
		return;
	e->a = dns_answer_clone(a);
	if (e->a->status != a->status) {  /* the clone ran out of memory */
		free(e);
		return;
	}
	e->bytes = dns_answer_bytes(a) + sizeof(*e) + keylen;
	e->expires_ms = now_ms + (int64_t)ttl * 1000;
	e->hash = h;
	e->keylen = keylen;
	memcpy(e->key, key, keylen);

	pthread_mutex_lock(&s->mu);
	if ((old = find(s, key, keylen, h)) != NULL) {
		unlink_entry(s, old);
		old->next = victims;
		victims = old;
	}
	e->hnext = s->buckets[h & (s->nbuckets - 1)];
	s->buckets[h & (s->nbuckets - 1)] = e;
	push_front(s, e);
	s->n++;
	s->bytes += e->bytes;
	while (s->n > c->max_entries || s->bytes > c->max_bytes) {
		old = s->tail;
		unlink_entry(s, old);
		old->next = victims;
		victims = old;
	}
	pthread_mutex_unlock(&s->mu);
	while (victims != NULL) {
		old = victims;
		victims = old->next;
		entry_free(old);
	}
}
