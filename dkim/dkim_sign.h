/*
 * dkim/dkim_sign.h - DKIM signing (RFC 6376, RFC 8301, RFC 8463): private
 * keys and the streaming signer. The second public header of dkim/ (the
 * verifier's is dkim/dkim.h); libraries never log: every function returns
 * its outcome and a human-readable reason.
 *
 * SYNOPSIS
 *   dkim_privkey *dkim_privkey_load(const char *path, int *warn,
 *            char *err, size_t errlen);
 *   dkim_privkey *dkim_privkey_parse(const char *text, size_t len,
 *            char *err, size_t errlen);
 *   int       dkim_privkey_type(const dkim_privkey *k);
 *   unsigned  dkim_privkey_bits(const dkim_privkey *k);
 *   const char *dkim_privkey_alg(const dkim_privkey *k);
 *   int       dkim_privkey_pubvalue(const dkim_privkey *k, strbuf *out);
 *   void      dkim_privkey_free(dkim_privkey *k);
 *
 *   dkim_privkey *dkim_privkey_generate(int type, unsigned bits,
 *            char *err, size_t errlen);
 *   int  dkim_privkey_pem(const dkim_privkey *k, strbuf *out);
 *   int  dkim_privkey_record(const dkim_privkey *k, strbuf *out);
 *   int  dkim_txt_strings(const char *txt, size_t len, const char *sep,
 *            strbuf *out);
 *   int  dkim_privkey_match(const dkim_privkey *k, const char *txt,
 *            size_t len, char *err, size_t errlen);
 *
 *   void dkim_sign_options_init(dkim_sign_options *o);
 *   int  dkim_sign_headers_parse(const char *list, dkim_sign_headers *h,
 *            char *err, size_t errlen);
 *   dkim_signer *dkim_signer_new(const dkim_sign_options *o,
 *            const dkim_sign_key *keys, size_t nkeys, char *err, size_t errlen);
 *   int  dkim_signer_header(dkim_signer *s, const char *name, size_t namelen,
 *            const char *value, size_t valuelen);
 *   int  dkim_signer_eoh(dkim_signer *s);
 *   int  dkim_signer_body(dkim_signer *s, const void *p, size_t n);
 *   int  dkim_signer_finish(dkim_signer *s, strbuf *out);
 *   const char *dkim_signer_error(const dkim_signer *s);
 *   void dkim_signer_free(dkim_signer *s);
 *
 * PRIVATE KEYS (dkim_privkey.c)
 *   dkim_privkey_load() reads a PEM file: PKCS#8 ("PRIVATE KEY", RSA or
 *   Ed25519) or traditional RSA ("RSA PRIVATE KEY"), or a file holding
 *   only the base64 of a raw 32-octet Ed25519 seed (RFC 8463 keys are
 *   sometimes handed out so). Encrypted keys are refused. *warn (may be
 *   NULL) is set to DKIM_PRIVKEY_WARN_PERMS when the file is readable by
 *   group or others, else 0: the caller decides whether to log or refuse.
 *   dkim_privkey_parse() does the same from text in memory (no
 *   permission check). Both refuse RSA keys under DKIM_SIGN_MIN_RSA_BITS
 *   (RFC 8301 3.2) or over DKIM_MAX_RSA_BITS_LIMIT, and any other key
 *   type; NULL with err set on failure.
 *   dkim_privkey_type() is DKIM_PRIVKEY_RSA or DKIM_PRIVKEY_ED25519,
 *   dkim_privkey_bits() the modulus size (256 for Ed25519),
 *   dkim_privkey_alg() "rsa-sha256" or "ed25519-sha256" (the a= value).
 *   dkim_privkey_pubvalue() appends the key record's p= value: base64 of
 *   the DER SubjectPublicKeyInfo for RSA (RFC 6376 3.6.1), base64 of the
 *   raw 32-octet public key for Ed25519 (RFC 8463 4); 0 or -1. A caller
 *   compares it with a published record or prints
 *   "v=DKIM1; k=rsa; p=..." (k=ed25519 for Ed25519). A key is immutable
 *   once loaded and may be shared by signers on any threads.
 *
 * KEY TOOLS (dkim_keygen.c: `authmilter keygen`, `authmilter testkey`)
 *   dkim_privkey_generate() makes a new key through OpenSSL 3 EVP:
 *   DKIM_PRIVKEY_RSA of bits bits (DKIM_SIGN_MIN_RSA_BITS to
 *   DKIM_MAX_RSA_BITS_LIMIT, else refused; the caller warns under
 *   DKIM_SIGN_RECOMMENDED_RSA_BITS) or DKIM_PRIVKEY_ED25519 (bits
 *   ignored); NULL with err set on failure. dkim_privkey_pem() appends
 *   the private key as unencrypted PKCS#8 PEM ("PRIVATE KEY", which
 *   dkim_privkey_load() and OpenDKIM read); the caller wipes out.
 *   dkim_privkey_record() appends the key record
 *   "v=DKIM1; k=rsa; p=..." (k=ed25519 for Ed25519). dkim_txt_strings()
 *   appends txt[0..len) as zone-file character-strings ("..." with '"'
 *   and '\' escaped) of at most DKIM_TXT_STRING_MAX octets each
 *   (RFC 1035 3.3.14; verifiers join them, RFC 6376 3.6.2.2), sep between
 *   two; the tags before p= get a string of their own when they fit.
 *   These return 0, or -1 when memory runs out.
 *   dkim_privkey_match() parses a key record with the verifier's parser
 *   and compares its decoded public key with k's (so the record's
 *   whitespace and string splits do not matter): 1 the same key, 0
 *   another key (err says which type), -1 a record no verifier can use
 *   or a revoked key (empty p=), err saying why.
 *
 * THE SIGNER (dkim_sign.c)
 *   dkim_signer_new() takes the options (d=, the default s=, ...) and 1
 *   to DKIM_SIGN_MAX_KEYS keys, each with its own selector or NULL for
 *   options.selector: one signature per key, in key order (an RSA and an
 *   Ed25519 key, usually under two selectors, give the dual signature of
 *   RFC 8463). The options and selectors are copied; the key objects are
 *   borrowed and must outlive the signer. Defaults
 *   (dkim_sign_options_init): relaxed/relaxed, the default header list,
 *   t= the current time, no x=, no i=. Then, in order:
 *   dkim_signer_header() per header field as it arrives (name, raw value
 *   after the colon with its leading whitespace and folding, CRLF or LF
 *   line breaks, no trailing line break), dkim_signer_eoh(),
 *   dkim_signer_body() per body chunk (CRLF line endings, split anywhere;
 *   hashed as it arrives by the verifier's canonicalizer, once for all
 *   keys), dkim_signer_finish(), which appends the DKIM-Signature fields
 *   to out: "DKIM-Signature: v=1; a=...\r\n" folded at 78 columns, with
 *   CRLF line breaks, one per key. Each call returns 0, or -1 with
 *   dkim_signer_error() saying why; once failed, the signer stays failed
 *   and no signature is produced: the caller must not send the message as
 *   if signed (the milter's default is a temporary failure).
 *   Failures: the message has no From field, or more than one (RFC 6376
 *   5.4 requires From to be signed; RFC 5322 3.6 allows one), more than
 *   DKIM_SIGN_MAX_FIELDS header fields (local limit), a header block over
 *   DKIM_DEFAULT_MAX_HEADER_BYTES, calls out of order, a crypto failure,
 *   memory.
 *
 *   Signed fields (h=): each name of the list is given once per field of
 *   that name in the message (RFC 6376 5.4.2 takes them bottom-up), and
 *   the over-signed names (DKIM_SIGN_OVERSIGNED: From, To, Cc, Subject,
 *   Date, Reply-To, Message-ID, MIME-Version, Content-Type,
 *   Content-Transfer-Encoding; or the options' oversign list, whose
 *   names are then signed even when the list signed lacks them) once
 *   more, so a field of that name added after signing breaks the
 *   signature (RFC 6376 8.15). DKIM-Signature and
 *   Authentication-Results are never signed. The tags: v a c d s t [x]
 *   [i] h bh b, never l= (RFC 6376 8.2).
 *   dkim_sign_headers_parse() reads a header list ("from:to:subject",
 *   ',' also separates, whitespace ignored): at most DKIM_SIGN_MAX_NAMES
 *   names of RFC 5322 ftext, duplicates dropped, From added when absent;
 *   DKIM-Signature or Authentication-Results in it is an error. 0, or -1
 *   with err set. dkim_sign_oversign_parse() reads an over-signed list
 *   the same way, From included, or "none" (no name: no over-signing).
 */
#ifndef AUTHMILTER_DKIM_SIGN_H
#define AUTHMILTER_DKIM_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* RFC 8301 3.2: signers MUST use RSA keys of at least 1024 bits and
 * SHOULD use at least 2048. */
#define DKIM_SIGN_MIN_RSA_BITS 1024
#define DKIM_SIGN_RECOMMENDED_RSA_BITS 2048
/* Key files read (local limit: a 16384-bit PEM key is about 13 KB). */
#define DKIM_PRIVKEY_MAX_FILE (64 * 1024)
#define DKIM_PRIVKEY_WARN_PERMS 1

/* RFC 1035 3.3.14: a TXT character-string holds at most 255 octets. */
#define DKIM_TXT_STRING_MAX 255

#define DKIM_PRIVKEY_RSA 1
#define DKIM_PRIVKEY_ED25519 2

/* Signatures per message (local limit: one RSA and one Ed25519, plus a
 * key rollover of each). */
#define DKIM_SIGN_MAX_KEYS 4
/* Header fields considered per message (local limit; ordinary mail has
 * 10 to 60, the milter's max_header_bytes bounds them too). */
#define DKIM_SIGN_MAX_FIELDS 1000
/* Names in a header list and the longest name (local limits; RFC 5322
 * 2.2 bounds a field name only by the 998-octet line). */
#define DKIM_SIGN_MAX_NAMES 64
#define DKIM_SIGN_MAX_NAME 64
/* Instances of one name signed (local limit, so h= stays bounded). */
#define DKIM_SIGN_MAX_INSTANCES 16
#define DKIM_SIGN_MAX_EXPIRE (10 * 365 * 86400)

#define DKIM_SIGN_DEFAULT_HEADERS "from:to:cc:subject:date:reply-to:" \
	"message-id:mime-version:content-type:content-transfer-encoding:" \
	"in-reply-to:references:sender:list-id:list-unsubscribe:" \
	"list-unsubscribe-post"
#define DKIM_SIGN_OVERSIGNED "from:to:cc:subject:date:reply-to:message-id:" \
	"mime-version:content-type:content-transfer-encoding"

typedef struct dkim_privkey dkim_privkey;
typedef struct dkim_signer dkim_signer;

typedef struct dkim_sign_headers {
	size_t n;
	char name[DKIM_SIGN_MAX_NAMES][DKIM_SIGN_MAX_NAME + 1];  /* lowercase */
} dkim_sign_headers;

typedef struct dkim_sign_key {
	const dkim_privkey *key;
	const char *selector;     /* s= of its signature; NULL: options' */
} dkim_sign_key;

typedef struct dkim_sign_options {
	const char *domain;       /* d= (required) */
	const char *selector;     /* s= of keys without their own */
	const char *identity;     /* i= or NULL (must end in @d or .d) */
	int hdr_relaxed;          /* 1: relaxed (default), 0: simple */
	int body_relaxed;         /* 1: relaxed (default), 0: simple */
	const dkim_sign_headers *headers;  /* NULL: the default list */
	/* over-signed names: NULL: DKIM_SIGN_OVERSIGNED (those of the list
	 * signed); else these, each added to the list signed when absent
	 * (n == 0: no over-signing) */
	const dkim_sign_headers *oversign;
	int64_t now;              /* t=; 0 = time() */
	uint32_t expire;          /* x= = t= + expire; 0 = no x= */
} dkim_sign_options;

dkim_privkey *dkim_privkey_load(const char *path, int *warn, char *err,
    size_t errlen);
dkim_privkey *dkim_privkey_parse(const char *text, size_t len, char *err,
    size_t errlen);
int dkim_privkey_type(const dkim_privkey *k);
unsigned dkim_privkey_bits(const dkim_privkey *k);
const char *dkim_privkey_alg(const dkim_privkey *k);
int dkim_privkey_pubvalue(const dkim_privkey *k, strbuf *out);
void dkim_privkey_free(dkim_privkey *k);
dkim_privkey *dkim_privkey_generate(int type, unsigned bits, char *err,
    size_t errlen);
int dkim_privkey_pem(const dkim_privkey *k, strbuf *out);
int dkim_privkey_record(const dkim_privkey *k, strbuf *out);
int dkim_txt_strings(const char *txt, size_t len, const char *sep,
    strbuf *out);
int dkim_privkey_match(const dkim_privkey *k, const char *txt, size_t len,
    char *err, size_t errlen);

void dkim_sign_options_init(dkim_sign_options *o);
int dkim_sign_headers_parse(const char *list, dkim_sign_headers *h, char *err,
    size_t errlen);
int dkim_sign_oversign_parse(const char *list, dkim_sign_headers *h,
    char *err, size_t errlen);
dkim_signer *dkim_signer_new(const dkim_sign_options *o,
    const dkim_sign_key *keys, size_t nkeys, char *err, size_t errlen);
int dkim_signer_header(dkim_signer *s, const char *name, size_t namelen,
    const char *value, size_t valuelen);
int dkim_signer_eoh(dkim_signer *s);
int dkim_signer_body(dkim_signer *s, const void *p, size_t n);
int dkim_signer_finish(dkim_signer *s, strbuf *out);
const char *dkim_signer_error(const dkim_signer *s);
void dkim_signer_free(dkim_signer *s);

#endif
