/*
 * dkim/dkim_key_int.h - DKIM key records and signature crypto (RFC 6376
 * 3.6.1, RFC 8463; OpenSSL 3 EVP; private to dkim/).
 *
 * SYNOPSIS
 *   int  dkim_key_parse(dkim_key *k, const char *txt, size_t len,
 *            char *err, size_t errlen);
 *   void dkim_key_clear(dkim_key *k);
 *   int  dkim_key_verify(const dkim_key *k, dkim_alg alg,
 *            const unsigned char *digest, size_t dlen,
 *            const unsigned char *sig, size_t slen);
 *   const EVP_MD *dkim_alg_md(dkim_alg alg);
 *   int  dkim_keycache_get(dkim_keycache *c, const char *txt, size_t len,
 *            dkim_key *k);
 *   void dkim_keycache_put(dkim_keycache *c, const char *txt, size_t len,
 *            const dkim_key *k);
 *
 * DESCRIPTION
 *   dkim_key_parse() parses one key record (the TXT strings joined) with a
 *   tag table: v (if present it must be first and "DKIM1"), k (rsa or
 *   ed25519; default rsa), h (acceptable hashes), s (service types: "*" or
 *   "email" must be listed), t (flags y and s), p (required; empty means
 *   revoked). g= and n= are ignored (RFC 6376 removed g= semantics; 3.6.1
 *   says unknown tags are ignored). p= is loaded as SubjectPublicKeyInfo
 *   or PKCS#1 RSAPublicKey for k=rsa, as the raw 32-octet key for
 *   k=ed25519 (RFC 8463 4.2); k->bits is the key size (the RSA modulus)
 *   and k->e_bits the RSA public exponent's, for the verifier's limits.
 *   Returns 0 (k->revoked may be set; k->pkey is then NULL), or -1 with
 *   the reason in err. dkim_key_clear() frees.
 *
 *   dkim_key_verify() checks sig over the canonicalized header hash:
 *   RSA PKCS#1 v1.5 with the algorithm's digest, or Ed25519 over the
 *   SHA-256 digest (RFC 8463 3). Returns 1 valid, 0 not. For rsa-sha256
 *   it uses k->vctx when set (a key from the cache), else sets one up.
 *
 *   dkim_alg_md() is the algorithm's digest, fetched from the default
 *   provider once per process (EVP_MD_fetch): a digest by its legacy
 *   EVP_sha256() handle is fetched again by name at every
 *   EVP_DigestInit_ex() (OpenSSL 3). Falls back to that handle when the
 *   fetch fails.
 *
 *   dkim_keycache_get() fills k with the key parsed from exactly this
 *   record text if the cache (may be NULL) holds it: 1, with a reference
 *   on k->pkey and, for an RSA key, k->vctx: its own copy of the entry's
 *   rsa-sha256 verification context (verify_init, PKCS#1 v1.5 padding,
 *   SHA-256 set up once at put; a copy costs 0.13 us where the set-up
 *   fetches the signature method and the digest by name, 3.8 us,
 *   measured), both dropped by dkim_key_clear(); else 0. dkim_keycache_put()
 *   stores a successfully loaded key (k->pkey set) under its text, taking
 *   its own reference. Both are thread-safe.
 */
#ifndef AUTHMILTER_DKIM_KEY_INT_H
#define AUTHMILTER_DKIM_KEY_INT_H

#include <stddef.h>
#include <openssl/evp.h>

#include "dkim/dkim.h"
#include "dkim/dkim_sig_int.h"

#define DKIM_MAX_KEY_TAGS 32
#define DKIM_MAX_KEY_OCTETS 2400   /* p= decoded: RSA up to 16384 bits */

#define DKIM_KEY_RSA 1
#define DKIM_KEY_ED25519 2

#define DKIM_HASH_SHA1 0x01
#define DKIM_HASH_SHA256 0x02

typedef struct dkim_key {
	int type;           /* DKIM_KEY_RSA / DKIM_KEY_ED25519 */
	unsigned hashes;    /* h=: DKIM_HASH_* mask; 0 = any */
	int testing;        /* t=y */
	int strict;         /* t=s */
	int revoked;        /* p= empty */
	unsigned bits;
	unsigned e_bits;    /* RSA public exponent's size; 0 for Ed25519 */
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *vctx; /* rsa-sha256 verification, ready; owned; or NULL */
} dkim_key;

int dkim_key_parse(dkim_key *k, const char *txt, size_t len, char *err,
    size_t errlen);
void dkim_key_clear(dkim_key *k);
int dkim_key_verify(const dkim_key *k, dkim_alg alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig,
    size_t slen);
const EVP_MD *dkim_alg_md(dkim_alg alg);
int dkim_keycache_get(dkim_keycache *c, const char *txt, size_t len,
    dkim_key *k);
void dkim_keycache_put(dkim_keycache *c, const char *txt, size_t len,
    const dkim_key *k);

/* Each element of a colon-separated tag value (FWS trimmed) to fn; 1 as
 * soon as fn returns 1, else 0 (RFC 6376 3.6.1 h=, s=, t=; 3.5 q=). */
int dkim_each_item(const char *v, size_t n,
    int (*fn)(void *, const char *, size_t), void *arg);

#endif
