/*
 * dkim/dkim_hdrs_int.h - one message's header block as the verifier keeps it,
 * and the selection of the fields a signature covers (private to dkim/).
 *
 * SYNOPSIS
 *   void   dkim_hs_init(dkim_hstore *hs, size_t max_bytes);
 *   int    dkim_hs_add(dkim_hstore *hs, const char *name, size_t namelen,
 *              const char *value, size_t valuelen);
 *   const char *dkim_hs_name(const dkim_hstore *hs, size_t k, size_t *len);
 *   const char *dkim_hs_value(const dkim_hstore *hs, size_t k, size_t *len);
 *   int    dkim_hs_is_sig(const dkim_hstore *hs, size_t k);
 *   int    dkim_hs_name_is_sig(const char *name, size_t len);
 *   void   dkim_hs_free(dkim_hstore *hs);
 *
 *   int    dkim_hsel_init(dkim_hsel *s, size_t maxnames);
 *   int    dkim_hsel_add(dkim_hsel *s, const char *name, size_t len);
 *   int    dkim_hsel_scan(dkim_hsel *s, const dkim_hstore *hs);
 *   void   dkim_hsel_begin(dkim_hsel *s);
 *   size_t dkim_hsel_next(dkim_hsel *s, const char *name, size_t len);
 *   void   dkim_hsel_free(dkim_hsel *s);
 *
 * DESCRIPTION
 *   The store is bounded in bytes, not in fields: each field counts as it
 *   does on the wire (name, colon, value, CRLF: namelen + valuelen + 3,
 *   the figure the milter's max_header_bytes counts), and the fields that
 *   fit within max_bytes (clamped to DKIM_MAX_HEADER_BYTES_LIMIT) are all
 *   kept, however many. Names and values sit back to back in one arena
 *   (line breaks in values stored as CRLF, so at most 2 * max_bytes);
 *   each field adds an 8-octet index entry (arena offset, name length), so
 *   the store never holds more than about 5 * max_bytes, and ordinary
 *   mail about 1.2 times its header size.
 *
 *   dkim_hs_add() returns 0 when the field was stored, 1 when it would
 *   pass the bound (then it and every later field are refused and
 *   hs->overflow is set: the header block cannot be verified), -1 when
 *   memory ran out. dkim_hs_name() and dkim_hs_value() give field k's
 *   name (as given) and value (raw, CRLF line breaks); the pointers stay
 *   valid until the next dkim_hs_add() or dkim_hs_free(). dkim_hs_is_sig()
 *   tells a DKIM-Signature field, dkim_hs_name_is_sig() a name that is
 *   DKIM-Signature (compared without case, trailing WSP ignored).
 *
 *   The selector finds, for each name a signature's h= lists, the field
 *   RFC 6376 5.4.2 says it covers: the last unused field of that name,
 *   then the one above it, and so on; a name with no field left selects
 *   nothing. Register every name any signature will ask for with
 *   dkim_hsel_add() (at most maxnames calls; the name must stay valid
 *   while the selector is used), then dkim_hsel_scan() links the fields
 *   of those names bottom-up in one pass over the store (one hash of each
 *   field name; memory: a table of 2 * maxnames slots and 8 octets per
 *   field whose name is registered). The hash is keyed (util/hash.h):
 *   names picked to share a slot cannot make lookups walk the table;
 *   s->probes counts the slots looked at. Per signature: dkim_hsel_begin(),
 *   then dkim_hsel_next() per h= name returns a field index, or
 *   DKIM_HSEL_NONE. Names compare ASCII case-insensitively, field names
 *   without trailing WSP. The init, add and scan calls return 0, or -1
 *   when memory ran out.
 */
#ifndef AUTHMILTER_DKIM_HDRS_INT_H
#define AUTHMILTER_DKIM_HDRS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* A field's octets besides name and value: ":" and CRLF (RFC 5322 2.2). */
#define DKIM_FIELD_OVERHEAD 3
/* Highest header bound accepted: arena offsets are 32-bit (local policy;
 * the milter's max_header_bytes stops at the same 64 MB). */
#define DKIM_MAX_HEADER_BYTES_LIMIT (64u * 1024 * 1024)
#define DKIM_HSEL_NONE ((size_t)-1)

typedef struct dkim_hfield {
	uint32_t off;         /* arena offset of the name; the value follows */
	uint32_t nlen;        /* name length; DKIM_HF_SIG bit: DKIM-Signature */
} dkim_hfield;

typedef struct dkim_hstore {
	strbuf arena;
	dkim_hfield *f;
	size_t n, cap;
	size_t wire;          /* header block octets counted so far */
	size_t max;           /* bound on wire */
	int overflow;
} dkim_hstore;

typedef struct dkim_hsel_slot dkim_hsel_slot;
typedef struct dkim_hnode dkim_hnode;

typedef struct dkim_hsel {
	dkim_hsel_slot *slot;
	size_t nslots, nnames, maxnames;
	dkim_hnode *node;
	size_t nnode, ncap;
	unsigned gen;
	size_t probes;        /* slots looked at by all lookups (tests) */
} dkim_hsel;

void dkim_hs_init(dkim_hstore *hs, size_t max_bytes);
int dkim_hs_add(dkim_hstore *hs, const char *name, size_t namelen,
    const char *value, size_t valuelen);
const char *dkim_hs_name(const dkim_hstore *hs, size_t k, size_t *len);
const char *dkim_hs_value(const dkim_hstore *hs, size_t k, size_t *len);
int dkim_hs_is_sig(const dkim_hstore *hs, size_t k);
int dkim_hs_name_is_sig(const char *name, size_t len);
void dkim_hs_free(dkim_hstore *hs);

int dkim_hsel_init(dkim_hsel *s, size_t maxnames);
int dkim_hsel_add(dkim_hsel *s, const char *name, size_t len);
int dkim_hsel_scan(dkim_hsel *s, const dkim_hstore *hs);
void dkim_hsel_begin(dkim_hsel *s);
size_t dkim_hsel_next(dkim_hsel *s, const char *name, size_t len);
void dkim_hsel_free(dkim_hsel *s);

#endif
