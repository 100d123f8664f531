/*
 * dkim/dkim_hdrs.c - the verifier's header store (bounded in bytes, any
 * number of fields) and the RFC 6376 5.4.2 selection of signed fields
 * (see dkim_hdrs_int.h for the contract).
 */
#include "dkim/dkim_hdrs_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

#define DKIM_HF_SIG 0x80000000u
#define HNODE_NONE UINT32_MAX

struct dkim_hsel_slot {
	const char *p;        /* NULL: free slot */
	size_t n;
	uint32_t head, tail;  /* chain of its fields, bottom-up */
	uint32_t cur;         /* next unused field of the chain ... */
	unsigned gen;         /* ... when gen is the selector's */
};

struct dkim_hnode {
	uint32_t field, next;
};

static size_t
trim_name(const char *n, size_t len)
{
	while (len > 0 && (n[len - 1] == ' ' || n[len - 1] == '\t'))
		len--;
	return len;
}

/* ASCII case-insensitive equality over n octets (NULs included) */
static int
name_eq(const char *a, const char *b, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		unsigned char x = (unsigned char)a[k], y = (unsigned char)b[k];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

void
dkim_hs_init(dkim_hstore *hs, size_t max_bytes)
{
	memset(hs, 0, sizeof(*hs));
	if (max_bytes > DKIM_MAX_HEADER_BYTES_LIMIT)
		max_bytes = DKIM_MAX_HEADER_BYTES_LIMIT;
	hs->max = max_bytes;
	/* bare LFs stored as CRLF at most double a value */
	sb_init_max(&hs->arena, 2 * max_bytes);
}

void
dkim_hs_free(dkim_hstore *hs)
{
	sb_free(&hs->arena);
	free(hs->f);
	hs->f = NULL;
	hs->n = hs->cap = 0;
}

int
dkim_hs_name_is_sig(const char *name, size_t len)
{
	return trim_name(name, len) == 14 && name_eq(name, "DKIM-Signature", 14);
}

int
dkim_hs_add(dkim_hstore *hs, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	dkim_hfield *f;
	size_t k, before = hs->arena.len;

	if (hs->overflow)
		return 1;
	if (namelen > hs->max || valuelen > hs->max ||
	    namelen + valuelen + DKIM_FIELD_OVERHEAD > hs->max - hs->wire) {
		hs->overflow = 1;
		return 1;
	}
	if (hs->n == hs->cap) {
		/* no more fields fit than max / 3 (the smallest is ":" CRLF) */
		size_t most = hs->max / DKIM_FIELD_OVERHEAD + 1;
		size_t ncap = hs->cap ? hs->cap * 2 : 32;
		dkim_hfield *nf;

		if (ncap > most)
			ncap = most;
		if ((nf = realloc(hs->f, ncap * sizeof(*nf))) == NULL)
			return -1;
		hs->f = nf;
		hs->cap = ncap;
	}
	sb_append(&hs->arena, name, namelen);
	/* line breaks to CRLF: bare LF gets a CR (copied in runs) */
	for (k = 0; k < valuelen;) {
		const char *lf = memchr(value + k, '\n', valuelen - k);
		size_t e = lf != NULL ? (size_t)(lf - value) : valuelen;

		sb_append(&hs->arena, value + k, e - k);
		if (lf == NULL)
			break;
		if (e == 0 || value[e - 1] != '\r')
			sb_putc(&hs->arena, '\r');
		sb_putc(&hs->arena, '\n');
		k = e + 1;
	}
	if (hs->arena.failed) {
		/* the cap cannot be reached (see init): memory ran out */
		sb_truncate(&hs->arena, before);
		hs->arena.failed = 0;
		return -1;
	}
	f = &hs->f[hs->n++];
	f->off = (uint32_t)before;
	f->nlen = (uint32_t)namelen;
	if (dkim_hs_name_is_sig(name, namelen))
		f->nlen |= DKIM_HF_SIG;
	hs->wire += namelen + valuelen + DKIM_FIELD_OVERHEAD;
	return 0;
}

const char *
dkim_hs_name(const dkim_hstore *hs, size_t k, size_t *len)
{
	*len = hs->f[k].nlen & ~DKIM_HF_SIG;
	return hs->arena.s + hs->f[k].off;
}

const char *
dkim_hs_value(const dkim_hstore *hs, size_t k, size_t *len)
{
	size_t start = hs->f[k].off + (hs->f[k].nlen & ~DKIM_HF_SIG);
	size_t end = k + 1 < hs->n ? hs->f[k + 1].off : hs->arena.len;

	*len = end - start;
	return hs->arena.s + start;
}

int
dkim_hs_is_sig(const dkim_hstore *hs, size_t k)
{
	return (hs->f[k].nlen & DKIM_HF_SIG) != 0;
}

/*
 * The names are the sender's (every field name of the message is looked
 * up): a keyed hash (util/hash.h), so no one can pick names that share a
 * slot and make each lookup walk the whole table.
 */
static size_t
name_hash(const char *p, size_t n)
{
	return (size_t)hash_keyed_lower(p, n);
}

/* The slot holding this name, or the free slot where it belongs. */
static dkim_hsel_slot *
find_slot(dkim_hsel *s, const char *p, size_t n)
{
	size_t i = name_hash(p, n) & (s->nslots - 1);

	for (;;) {
		dkim_hsel_slot *sl = &s->slot[i];

		s->probes++;
		if (sl->p == NULL || (sl->n == n && name_eq(sl->p, p, n)))
			return sl;
		i = (i + 1) & (s->nslots - 1);
	}
}

int
dkim_hsel_init(dkim_hsel *s, size_t maxnames)
{
	memset(s, 0, sizeof(*s));
	s->nslots = 16;
	while (s->nslots < 2 * maxnames)
		s->nslots *= 2;
	s->maxnames = maxnames;
	s->gen = 1;
	s->slot = calloc(s->nslots, sizeof(*s->slot));
	return s->slot == NULL ? -1 : 0;
}

void
dkim_hsel_free(dkim_hsel *s)
{
	free(s->slot);
	free(s->node);
	memset(s, 0, sizeof(*s));
}

int
dkim_hsel_add(dkim_hsel *s, const char *name, size_t len)
{
	dkim_hsel_slot *sl;

	sl = find_slot(s, name, len);
	if (sl->p != NULL)
		return 0;
	if (s->nnames >= s->maxnames)
		return -1;  /* caller broke its promise; the table stays half full */
	sl->p = name;
	sl->n = len;
	sl->head = sl->tail = sl->cur = HNODE_NONE;
	s->nnames++;
	return 0;
}

int
dkim_hsel_scan(dkim_hsel *s, const dkim_hstore *hs)
{
	size_t k;

	for (k = hs->n; k > 0; k--) {
		size_t nl;
		const char *nm = dkim_hs_name(hs, k - 1, &nl);
		dkim_hsel_slot *sl = find_slot(s, nm, trim_name(nm, nl));

		if (sl->p == NULL)
			continue;
		if (s->nnode == s->ncap) {
			size_t ncap = s->ncap ? s->ncap * 2 : 64;
			dkim_hnode *nn = realloc(s->node, ncap * sizeof(*nn));

			if (nn == NULL)
				return -1;
			s->node = nn;
			s->ncap = ncap;
		}
		s->node[s->nnode].field = (uint32_t)(k - 1);
		s->node[s->nnode].next = HNODE_NONE;
		if (sl->tail == HNODE_NONE)
			sl->head = (uint32_t)s->nnode;
		else
			s->node[sl->tail].next = (uint32_t)s->nnode;
		sl->tail = (uint32_t)s->nnode++;
	}
	return 0;
}

void
dkim_hsel_begin(dkim_hsel *s)
{
	s->gen++;
}

size_t
dkim_hsel_next(dkim_hsel *s, const char *name, size_t len)
{
	dkim_hsel_slot *sl = find_slot(s, name, len);
	uint32_t node;

	if (sl->p == NULL)
		return DKIM_HSEL_NONE;
	if (sl->gen != s->gen) {
		sl->gen = s->gen;
		sl->cur = sl->head;
	}
	if ((node = sl->cur) == HNODE_NONE)
		return DKIM_HSEL_NONE;
	sl->cur = s->node[node].next;
	return s->node[node].field;
}
