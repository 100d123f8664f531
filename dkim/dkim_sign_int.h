/*
 * dkim/dkim_sign_int.h - what dkim_privkey.c and dkim_sign.c share
 * (private to dkim/): the key object and base64 encoding; and what the
 * DKIM signer shares with the ARC sealer (arc_seal.c): the field
 * selection, the folding of tags and the signature primitive.
 */
#ifndef AUTHMILTER_DKIM_SIGN_INT_H
#define AUTHMILTER_DKIM_SIGN_INT_H

#include <openssl/evp.h>

#include "dkim/dkim_canon_int.h"
#include "dkim/dkim_hdrs_int.h"
#include "dkim/dkim_sign.h"
#include "util/strbuf.h"

struct dkim_privkey {
	int type;             /* DKIM_PRIVKEY_RSA / DKIM_PRIVKEY_ED25519 */
	unsigned bits;
	EVP_PKEY *pkey;
};

/* A key object around pk (owned from then on, freed on failure): NULL
 * with err "out of memory". The caller sets type and bits. */
struct dkim_privkey *dkim_privkey_wrap(EVP_PKEY *pk, char *err,
    size_t errlen);

/* Appends the base64 of p[0..n) (RFC 4648 4, one line); 0 or -1. */
int dkim_b64_append(strbuf *out, const unsigned char *p, size_t n);

/* A header field kept in hs for signing, *nfields counted against
 * DKIM_SIGN_MAX_FIELDS and hs's DKIM_DEFAULT_MAX_HEADER_BYTES (local
 * limits): 0, or -1 with err set. */
int dkim_sign_keep(dkim_hstore *hs, size_t *nfields, const char *name,
    size_t namelen, const char *value, size_t valuelen, char *err,
    size_t errlen);

/* The body hash of a signature: the body canonicalized (relaxed or
 * simple) into SHA-256 as it arrives; _b64 ends it and appends the
 * base64 digest (the bh= value). init, update and b64 return 0 or -1
 * (crypto or memory failure). */
typedef struct dkim_signbody {
	EVP_MD_CTX *md;
	int failed;
	dkim_bodycanon canon;
} dkim_signbody;

int dkim_signbody_init(dkim_signbody *b, int relaxed);
int dkim_signbody_update(dkim_signbody *b, const void *p, size_t n);
int dkim_signbody_b64(dkim_signbody *b, strbuf *out);
void dkim_signbody_free(dkim_signbody *b);

/* The fields of hs named in list, canonicalized (relaxed or simple) into
 * hcanon in h= order, the h= value into h (names bottom-up per RFC 6376
 * 5.4.2, the names of list also in over once more; over NULL: none);
 * exactly one From required. 0, or -1 with err set. */
int dkim_sign_select(const dkim_hstore *hs, const dkim_sign_headers *list,
    int relaxed, const dkim_sign_headers *over, strbuf *hcanon, strbuf *h,
    char *err, size_t errlen);
/* dkim_sign_headers_parse() (ams 0); ams 1: the list of an
 * ARC-Message-Signature, which may name DKIM-Signature (RFC 8617 4.1.2;
 * arc_seal_headers_parse() refuses the ARC fields). */
int dkim_sign_list_parse(const char *list, dkim_sign_headers *h, int ams,
    char *err, size_t errlen);
/* DKIM_SIGN_OVERSIGNED parsed (once), or NULL if it does not parse. */
const dkim_sign_headers *dkim_sign_default_oversign(void);

/* Folding of a tag list being written at column *col: a token after a
 * space, or on a new line when it would pass width (0: never); base64
 * data "tag=..." broken at width (0: one piece), ';' after when semi;
 * "h=" and a colon list broken after a colon, ';' after. */
void dkim_fold_token(strbuf *f, size_t *col, size_t width, const char *t,
    size_t n);
void dkim_fold_b64(strbuf *f, size_t *col, size_t width, const char *tag,
    const char *d, size_t n, int semi);
void dkim_fold_h(strbuf *f, size_t *col, size_t width, const char *h,
    size_t n);

/* Signs a SHA-256 digest with k (RSASSA-PKCS1-v1_5, RFC 8301; Ed25519
 * over the digest, RFC 8463 3); the base64 signature appended to b.
 * 0, or -1 on a crypto or memory failure. */
int dkim_sign_digest(const dkim_privkey *k, const unsigned char *dg,
    size_t dl, strbuf *b);

#endif
