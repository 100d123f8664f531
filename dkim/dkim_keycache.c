/*
 * dkim/dkim_keycache.c - parsed key records shared between verifiers
 * (see dkim.h for the public contract; dkim_key.h for get/put).
 *
 * Loading an RSA key into OpenSSL costs as much as the verification
 * itself, and mail from one signer keeps using one key. The cache maps the
 * exact key record text (the TXT strings joined, as dkim_key_parse() gets
 * it) to the parsed dkim_key. Parsing is a pure function of that text, so
 * a hit gives exactly what a parse would: no TTL is needed, and a changed
 * record is a different text (a miss). Direct-mapped: the slot is a hash
 * of the text, a new key replaces the slot's old one. The texts come from
 * senders' DNS: the hash is keyed (util/hash.h), so no one can pick
 * records that share a popular key's slot and keep evicting it. One
 * mutex guards the table; EVP_PKEY is reference-counted, and each key is made ready for
 * verification (provider export) before it is shared, after which threads
 * only read it.
 */
#include "dkim/dkim_key.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "dkim/dkim.h"
#include "util/hash.h"

#define DKIM_KEYCACHE_MAX_SLOTS 65536
#define DKIM_KEYCACHE_MAX_TEXT 4096   /* longer records are not cached */

typedef struct slot {
	char *text;
	size_t len;
	uint64_t hash;
	dkim_key key;
} slot;

struct dkim_keycache {
	pthread_mutex_t lock;
	size_t nslots;
	slot *slots;
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
	c->nslots = slots;
	return c;
}

void
dkim_keycache_free(dkim_keycache *c)
{
	size_t k;

	if (c == NULL)
		return;
	for (k = 0; k < c->nslots; k++) {
		free(c->slots[k].text);
		dkim_key_clear(&c->slots[k].key);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

int
dkim_keycache_get(dkim_keycache *c, const char *txt, size_t len, dkim_key *k)
{
	uint64_t h;
	slot *s;
	int hit = 0;

	if (c == NULL || len > DKIM_KEYCACHE_MAX_TEXT)
		return 0;
	h = hash_keyed(txt, len);
	s = &c->slots[h % c->nslots];
	pthread_mutex_lock(&c->lock);
	if (s->text != NULL && s->hash == h && s->len == len &&
	    memcmp(s->text, txt, len) == 0 && EVP_PKEY_up_ref(s->key.pkey) == 1) {
		*k = s->key;
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void
dkim_keycache_put(dkim_keycache *c, const char *txt, size_t len,
    const dkim_key *k)
{
	uint64_t h;
	slot *s, old;
	char *copy;
	EVP_PKEY_CTX *pc;

	if (c == NULL || k->pkey == NULL || len > DKIM_KEYCACHE_MAX_TEXT)
		return;
	/* first use exports a legacy key to the provider: do it unshared */
	if ((pc = EVP_PKEY_CTX_new(k->pkey, NULL)) == NULL)
		return;
	(void)EVP_PKEY_verify_init(pc);
	EVP_PKEY_CTX_free(pc);
	if ((copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, txt, len);
	copy[len] = '\0';
	if (EVP_PKEY_up_ref(k->pkey) != 1) {
		free(copy);
		return;
	}
	h = hash_keyed(txt, len);
	s = &c->slots[h % c->nslots];
	pthread_mutex_lock(&c->lock);
	old = *s;
	s->text = copy;
	s->len = len;
	s->hash = h;
	s->key = *k;
	pthread_mutex_unlock(&c->lock);
	free(old.text);
	dkim_key_clear(&old.key);
}
