/*
 * dkim/dkim_sign_int.h - what dkim_privkey.c and dkim_sign.c share
 * (private to dkim/): the key object and base64 encoding.
 */
#ifndef AUTHMILTER_DKIM_SIGN_INT_H
#define AUTHMILTER_DKIM_SIGN_INT_H

#include <openssl/evp.h>

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

#endif
