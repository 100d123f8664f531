/*
 * tests/lib/dkimsign.h - a minimal DKIM signer for tests and benchmarks
 * (OpenSSL EVP; relaxed/relaxed, h=from:to:subject, rsa-sha256 or
 * ed25519-sha256), and the key records that go with it.
 *
 * SYNOPSIS
 *   EVP_PKEY *dkimsign_load(const char *pem_path);
 *   EVP_PKEY *dkimsign_ed25519(void);
 *   int  dkimsign_message(strbuf *out, EVP_PKEY *key, const char *d,
 *            const char *s, const char *subject, const char *body);
 *   int  dkimsign_add(strbuf *msg, EVP_PKEY *key, const char *d,
 *            const char *s);
 *   void dkimsign_zone_key(FILE *fp, const char *name, EVP_PKEY *key,
 *            const char *tags);
 *
 * DESCRIPTION
 *   dkimsign_load() reads a PEM private key (NULL on error);
 *   dkimsign_ed25519() makes a fresh Ed25519 key. dkimsign_message()
 *   writes a whole CRLF message into out (reset first): one
 *   DKIM-Signature by key for d= and s=, then From, To and Subject, the
 *   empty line and body (CRLF lines, already canonical: no trailing
 *   whitespace, no empty lines at its end). dkimsign_add() puts one more
 *   signature over the same fields on top of a message made by
 *   dkimsign_message(); the header fields must come after the
 *   signatures. Both return 0, or -1 when signing failed.
 *   dkimsign_zone_key() writes the key record of key's public half as an
 *   RFC 1035 master-file TXT line at name (absolute, with its dot), in
 *   strings of 250 octets; tags (NULL: none), e.g. "t=y; ", goes between
 *   k= and p=, so one key can make several different records.
 */
#ifndef AUTHMILTER_TESTS_DKIMSIGN_H
#define AUTHMILTER_TESTS_DKIMSIGN_H

#include <stdio.h>
#include <openssl/evp.h>

#include "util/strbuf.h"

EVP_PKEY *dkimsign_load(const char *pem_path);
EVP_PKEY *dkimsign_ed25519(void);
int dkimsign_message(strbuf *out, EVP_PKEY *key, const char *d, const char *s,
    const char *subject, const char *body);
int dkimsign_add(strbuf *msg, EVP_PKEY *key, const char *d, const char *s);
void dkimsign_zone_key(FILE *fp, const char *name, EVP_PKEY *key,
    const char *tags);

#endif
