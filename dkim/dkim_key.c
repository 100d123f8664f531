/*
 * dkim/dkim_key.c - key record parsing (RFC 6376 3.6.1) and signature
 * verification through OpenSSL 3 EVP (see dkim_key_int.h).
 */
#include "dkim/dkim_key_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "util/base64.h"
#include "util/taglist.h"

#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -1)

typedef struct keyctx {
	dkim_key *k;
	const char *p;
	size_t plen;
	int has_p;
} keyctx;

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Calls fn for each element of a colon-separated list (FWS trimmed);
 * stops and returns 1 when fn returns 1. Key h=/s=/t= and signature q=.
 */
int
dkim_each_item(const char *v, size_t n, int (*fn)(void *, const char *, size_t),
    void *arg)
{
	size_t k = 0;

	while (k <= n) {
		size_t st, en;

		while (k < n && is_fws((unsigned char)v[k]))
			k++;
		st = k;
		while (k < n && v[k] != ':')
			k++;
		en = k;
		while (en > st && is_fws((unsigned char)v[en - 1]))
			en--;
		if (fn(arg, v + st, en - st))
			return 1;
		k++;
	}
	return 0;
}

static int
eq_ci(const char *v, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(v, lit, n) == 0;
}

static int
tag_v(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	(void)ctx;
	if (n != 5 || memcmp(v, "DKIM1", 5) != 0)
		return BAD("key record v= is not DKIM1");
	return 0;
}

static int
tag_k(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	keyctx *kc = ctx;

	if (eq_ci(v, n, "rsa"))
		kc->k->type = DKIM_KEY_RSA;
	else if (eq_ci(v, n, "ed25519"))
		kc->k->type = DKIM_KEY_ED25519;
	else
		return BAD("unknown key type k=%.*s", (int)(n > 16 ? 16 : n), v);
	return 0;
}

static int
hash_item(void *arg, const char *v, size_t n)
{
	unsigned *mask = arg;

	if (eq_ci(v, n, "sha1"))
		*mask |= DKIM_HASH_SHA1;
	else if (eq_ci(v, n, "sha256"))
		*mask |= DKIM_HASH_SHA256;
	else
		*mask |= 0x80;  /* unknown hash: listed, not usable */
	return 0;
}

static int
tag_h(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	keyctx *kc = ctx;
	unsigned mask = 0;

	(void)err;
	(void)errlen;
	dkim_each_item(v, n, hash_item, &mask);
	kc->k->hashes = mask;
	return 0;
}

static int
service_item(void *arg, const char *v, size_t n)
{
	(void)arg;
	return eq_ci(v, n, "*") || eq_ci(v, n, "email");
}

static int
tag_s(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	(void)ctx;
	if (!dkim_each_item(v, n, service_item, NULL))
		return BAD("key is not for email (s=%.*s)", (int)(n > 32 ? 32 : n), v);
	return 0;
}

static int
flag_item(void *arg, const char *v, size_t n)
{
	dkim_key *k = arg;

	if (eq_ci(v, n, "y"))
		k->testing = 1;
	else if (eq_ci(v, n, "s"))
		k->strict = 1;
	return 0;
}

static int
tag_t(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	keyctx *kc = ctx;

	(void)err;
	(void)errlen;
	dkim_each_item(v, n, flag_item, kc->k);
	return 0;
}

static int
tag_p(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	keyctx *kc = ctx;

	(void)err;
	(void)errlen;
	kc->p = v;
	kc->plen = n;
	kc->has_p = 1;
	return 0;
}

static const taglist_spec key_tags[] = {
	{ "v", 0, tag_v },
	{ "k", 0, tag_k },
	{ "h", 0, tag_h },
	{ "s", 0, tag_s },
	{ "t", 0, tag_t },
	{ "p", 1, tag_p },
	{ NULL, 0, NULL },
};

/*
 * One DER header (tag, definite length in at most 2 octets) at *p: on
 * success *p is moved to the contents and their length is returned; -1
 * when the tag differs or the contents do not fit before end.
 */
static long
der_take(const unsigned char **p, const unsigned char *end, unsigned char tag)
{
	const unsigned char *q = *p;
	size_t len;

	if (end - q < 2 || q[0] != tag)
		return -1;
	len = q[1];
	q += 2;
	if (len == 0x81 || len == 0x82) {
		size_t k, nb = len - 0x80;

		if ((size_t)(end - q) < nb)
			return -1;
		for (len = 0, k = 0; k < nb; k++)
			len = len << 8 | *q++;
	} else if (len > 0x7f) {
		return -1;
	}
	if ((size_t)(end - q) < len)
		return -1;
	*p = q;
	return (long)len;
}

/*
 * The RSAPublicKey inside a SubjectPublicKeyInfo whose algorithm is
 * rsaEncryption with NULL parameters (RFC 3279 2.3.1), the form every
 * signer publishes; NULL for anything else (then OpenSSL's general
 * decoder, ten times slower, gets it).
 */
static const unsigned char *
spki_rsa_inner(const unsigned char *der, size_t len, size_t *inlen)
{
	static const unsigned char rsa_alg[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
		0x05, 0x00,
	};
	const unsigned char *p = der, *end = der + len;
	long n;

	if ((n = der_take(&p, end, 0x30)) < 0 || p + n != end)
		return NULL;
	if ((n = der_take(&p, end, 0x30)) != (long)sizeof(rsa_alg) ||
	    memcmp(p, rsa_alg, sizeof(rsa_alg)) != 0)
		return NULL;
	p += n;
	if ((n = der_take(&p, end, 0x03)) < 2 || p + n != end || p[0] != 0)
		return NULL;
	*inlen = (size_t)n - 1;
	return p + 1;
}

static EVP_PKEY *
load_rsa(const unsigned char *der, size_t len)
{
	const unsigned char *q, *inner;
	size_t inlen;
	EVP_PKEY *pk;

	/* PKCS#1 RSAPublicKey: inside the usual SPKI, or bare (dkimpy) */
	if ((inner = spki_rsa_inner(der, len, &inlen)) != NULL) {
		der = inner;
		len = inlen;
	} else {
		q = der;
		pk = d2i_PUBKEY(NULL, &q, (long)len);
		if (pk != NULL && (size_t)(q - der) == len &&
		    EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
			return pk;
		EVP_PKEY_free(pk);
	}
	q = der;
	pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)len);
	if (pk != NULL && (size_t)(q - der) == len) {
		ERR_clear_error();
		return pk;
	}
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return NULL;
}

int
dkim_key_parse(dkim_key *k, const char *txt, size_t len, char *err,
    size_t errlen)
{
	taglist_tag tags[DKIM_MAX_KEY_TAGS];
	size_t ntags, dlen;
	keyctx kc;
	unsigned char der[DKIM_MAX_KEY_OCTETS];
	const taglist_tag *v;

	memset(k, 0, sizeof(*k));
	k->type = DKIM_KEY_RSA;
	memset(&kc, 0, sizeof(kc));
	kc.k = k;
	if (taglist_parse(txt, len, 0, tags, DKIM_MAX_KEY_TAGS, &ntags, err,
	    errlen) < 0)
		return -1;
	/* 3.6.1: v=, if present, MUST be the first tag */
	v = taglist_find(tags, ntags, "v");
	if (v != NULL && v != &tags[0])
		return BAD("key record v= is not the first tag");
	if (taglist_apply(tags, ntags, key_tags, &kc, err, errlen) < 0)
		return -1;
	if (kc.plen == 0) {
		k->revoked = 1;
		return 0;
	}
	if (base64_decode(kc.p, kc.plen, der, sizeof(der), &dlen) < 0)
		return BAD("key p= is not valid base64 (or over %d octets)",
		    DKIM_MAX_KEY_OCTETS);
	if (k->type == DKIM_KEY_RSA) {
		BIGNUM *e = NULL;

		k->pkey = load_rsa(der, dlen);
		if (k->pkey == NULL)
			return BAD("key p= is not an RSA public key");
		k->bits = (unsigned)EVP_PKEY_get_bits(k->pkey);
		if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E,
		    &e) != 1) {
			ERR_clear_error();
			return BAD("key p=: the RSA exponent cannot be read");
		}
		k->e_bits = (unsigned)BN_num_bits(e);
		BN_free(e);
	} else {
		if (dlen != 32)
			return BAD("key p= is not a 32-octet Ed25519 key (RFC 8463)");
		k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    der, dlen);
		if (k->pkey == NULL)
			return BAD("key p= is not an Ed25519 public key");
		k->bits = 256;
	}
	return 0;
}

void
dkim_key_clear(dkim_key *k)
{
	EVP_PKEY_CTX_free(k->vctx);
	k->vctx = NULL;
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

/* The digests fetched once; kept for the life of the process. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha1, *md_sha256;

static void
md_fetch(void)
{
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
dkim_alg_md(dkim_alg alg)
{
	(void)pthread_once(&md_once, md_fetch);
	if (alg == DKIM_ALG_RSA_SHA1)
		return md_sha1 != NULL ? md_sha1 : EVP_sha1();
	return md_sha256 != NULL ? md_sha256 : EVP_sha256();
}

int
dkim_key_verify(const dkim_key *k, dkim_alg alg, const unsigned char *digest,
    size_t dlen, const unsigned char *sig, size_t slen)
{
	int ok = 0;

	if (k->pkey == NULL)
		return 0;
	if (alg == DKIM_ALG_ED25519_SHA256) {
		EVP_MD_CTX *mc = EVP_MD_CTX_new();

		if (mc != NULL &&
		    EVP_DigestVerifyInit(mc, NULL, NULL, NULL, k->pkey) == 1)
			ok = EVP_DigestVerify(mc, sig, slen, digest, dlen) == 1;
		EVP_MD_CTX_free(mc);
	} else if (alg == DKIM_ALG_RSA_SHA256 && k->vctx != NULL) {
		ok = EVP_PKEY_verify(k->vctx, sig, slen, digest, dlen) == 1;
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->pkey, NULL);

		if (pc != NULL && EVP_PKEY_verify_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, dkim_alg_md(alg)) == 1)
			ok = EVP_PKEY_verify(pc, sig, slen, digest, dlen) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	return ok;
}
