/*
 * dkim/dkim_keycache.c - parsed key records shared between verifiers
 * (see dkim.h for the public contract; dkim_key_int.h for get/put).
 *
 * Loading an RSA key into OpenSSL costs as much as the verification
 * itself, and mail from one signer keeps using one key. The cache maps the
 * exact key record text (the TXT strings joined, as dkim_key_parse() gets
 * it) to the parsed dkim_key. Parsing is a pure function of that text, so
 * a hit gives exactly what a parse would: no TTL is needed, and a changed
 * record is a different text (a miss). Two-way set-associative: a hash
 * of the text picks a set of two slots, a new key takes a free slot or
 * the set's least recently used one (or the slot already holding the
 * same text, when two threads missed it at once), so two keys in use
 * that share a set both stay. (Direct-mapped, such a pair evicted each
 * other at every alternation: under the per-process random hash key, 35
 * keys in 1,024 slots collided in 2 of 6 daemon starts, measured, each
 * time 56-102 extra RSA key loads per 2,000 messages.) The texts come
 * from senders' DNS: the hash is keyed (util/hash.h), so no one can pick
 * records that share a popular key's set and keep evicting it. One
 * mutex guards the table and the use counter; EVP_PKEY is
 * reference-counted, and each key is made ready for verification
 * (provider export) before it is shared, after which threads only read
 * it. An RSA entry also keeps an rsa-sha256 verification context set up
 * once at put (tmpl); a get hands out its own copy of it (EVP_PKEY_CTX_dup
 * under the mutex, so an eviction never frees a template being copied):
 * OpenSSL 3 fetches the signature method and the digest by name at each
 * set-up, 3.8 us against 0.13 for the copy (measured, RSA-2048). The
 * template holds nothing but the key and those parameters, so a copy
 * verifies exactly as a fresh set-up would.
 */
#include "dkim/dkim_key_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "dkim/dkim.h"
#include "util/hash.h"

#define DKIM_KEYCACHE_MAX_SLOTS 65536
#define DKIM_KEYCACHE_MAX_TEXT 4096   /* longer records are not cached */
#define DKIM_KEYCACHE_WAYS 2          /* slots per set */

typedef struct slot {
	char *text;
	size_t len;
	uint64_t hash;
	uint64_t used;        /* c->tick at the last get or put */
	dkim_key key;         /* key.vctx unused: NULL */
	EVP_PKEY_CTX *tmpl;   /* RSA: rsa-sha256 verification, set up; or NULL */
} slot;

struct dkim_keycache {
	pthread_mutex_t lock;
	size_t nsets, ways;   /* nsets * ways slots (an odd last one unused) */
	uint64_t tick;
	slot *slots;          /* set i: slots[i * ways .. (i + 1) * ways) */
};

dkim_keycache *
dkim_keycache_new(size_t slots)
{
	dkim_keycache *c;

	if (slots == 0)
		slots = DKIM_DEFAULT_KEYCACHE_SLOTS;
	if (slots > DKIM_KEYCACHE_MAX_SLOTS)
		slots = DKIM_KEYCACHE_MAX_SLOTS;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slots = calloc(slots, sizeof(*c->slots))) == NULL ||
	    pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->slots);
		free(c);
		return NULL;
	}
	c->ways = slots < DKIM_KEYCACHE_WAYS ? slots : DKIM_KEYCACHE_WAYS;
	c->nsets = slots / c->ways;  /* an odd last slot stays unused */
	return c;
}

/* The first slot of the set for hash h. */
static slot *
set_of(dkim_keycache *c, uint64_t h)
{
	return &c->slots[(h % c->nsets) * c->ways];
}

void
dkim_keycache_free(dkim_keycache *c)
{
	size_t k;

	if (c == NULL)
		return;
	for (k = 0; k < c->nsets * c->ways; k++) {
		free(c->slots[k].text);
		dkim_key_clear(&c->slots[k].key);
		EVP_PKEY_CTX_free(c->slots[k].tmpl);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

int
dkim_keycache_get(dkim_keycache *c, const char *txt, size_t len, dkim_key *k)
{
	uint64_t h;
	slot *set, *s;
	size_t w;
	int hit = 0;

	if (c == NULL || len > DKIM_KEYCACHE_MAX_TEXT)
		return 0;
	h = hash_keyed(txt, len);
	set = set_of(c, h);
	pthread_mutex_lock(&c->lock);
	for (w = 0; w < c->ways; w++) {
		s = &set[w];
		if (s->text != NULL && s->hash == h && s->len == len &&
		    memcmp(s->text, txt, len) == 0) {
			if (EVP_PKEY_up_ref(s->key.pkey) == 1) {
				*k = s->key;
				k->vctx = s->tmpl != NULL ?
				    EVP_PKEY_CTX_dup(s->tmpl) :
				    /* no copy: dkim_key_verify() sets one up */
				    NULL;
				s->used = ++c->tick;
				hit = 1;
			}
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void
dkim_keycache_put(dkim_keycache *c, const char *txt, size_t len,
    const dkim_key *k)
{
	uint64_t h;
	slot *set, *s, old;
	size_t w;
	char *copy;
	EVP_PKEY_CTX *pc;

	if (c == NULL || k->pkey == NULL || len > DKIM_KEYCACHE_MAX_TEXT)
		return;
	/* first use exports a legacy key to the provider: do it unshared */
	if ((pc = EVP_PKEY_CTX_new(k->pkey, NULL)) == NULL)
		return;
	if (EVP_PKEY_verify_init(pc) != 1 || k->type != DKIM_KEY_RSA ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc,
	    dkim_alg_md(DKIM_ALG_RSA_SHA256)) != 1) {
		EVP_PKEY_CTX_free(pc);
		pc = NULL;	/* no template: each verification sets up */
	}
	if ((copy = malloc(len + 1)) == NULL) {
		EVP_PKEY_CTX_free(pc);
		return;
	}
	memcpy(copy, txt, len);
	copy[len] = '\0';
	if (EVP_PKEY_up_ref(k->pkey) != 1) {
		EVP_PKEY_CTX_free(pc);
		free(copy);
		return;
	}
	h = hash_keyed(txt, len);
	set = set_of(c, h);
	pthread_mutex_lock(&c->lock);
	/* the same text (another thread's put), else a free slot, else the
	 * least recently used */
	s = &set[0];
	for (w = 0; w < c->ways; w++) {
		if (set[w].text != NULL && set[w].hash == h &&
		    set[w].len == len && memcmp(set[w].text, txt, len) == 0) {
			s = &set[w];
			break;
		}
		if (s->text != NULL && (set[w].text == NULL ||
		    set[w].used < s->used))
			s = &set[w];
	}
	old = *s;
	s->text = copy;
	s->len = len;
	s->hash = h;
	s->used = ++c->tick;
	s->key = *k;
	s->key.vctx = NULL;
	s->tmpl = pc;
	pthread_mutex_unlock(&c->lock);
	free(old.text);
	dkim_key_clear(&old.key);
	EVP_PKEY_CTX_free(old.tmpl);
}
