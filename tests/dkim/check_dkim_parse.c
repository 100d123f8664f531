/*
 * tests/dkim/check_dkim_parse.c - tag-list, base64, DKIM-Signature and key
 * record parsing (RFC 6376 3.2, 3.5, 3.6.1).
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim/dkim_key_int.h"
#include "dkim/dkim_sig_int.h"
#include "tests/lib/check_main.h"
#include "util/base64.h"
#include "util/taglist.h"

static int
parse(const char *s, unsigned flags, taglist_tag *t, size_t max, size_t *n,
    char *err)
{
	return taglist_parse(s, strlen(s), flags, t, max, n, err, 128);
}

START_TEST(taglist_basic)
{
	taglist_tag t[8];
	size_t n;
	char err[128];
	const char *s = " v = 1 ;\r\n\ta=rsa-sha256; b=ab\r\n cd ;";

	ck_assert_int_eq(parse(s, 0, t, 8, &n, err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq((int)t[0].value_len, 1);
	ck_assert(memcmp(t[1].value, "rsa-sha256", 10) == 0);
	ck_assert_uint_eq(t[2].value_len, 7);  /* inner FWS kept */
	ck_assert(memcmp(t[2].value, "ab\r\n cd", 7) == 0);
	ck_assert(taglist_find(t, n, "b") == &t[2]);
	ck_assert(taglist_find(t, n, "B") == NULL);  /* case-sensitive */
	ck_assert_int_eq(parse("", 0, t, 8, &n, err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(parse("a=", 0, t, 8, &n, err), 0);
	ck_assert_uint_eq(t[0].value_len, 0);
}
END_TEST

START_TEST(taglist_errors)
{
	taglist_tag t[2];
	size_t n;
	char err[128];

	ck_assert_int_eq(parse("a=1; a=2", 0, t, 2, &n, err), -1);
	ck_assert(strstr(err, "duplicate") != NULL);
	ck_assert_int_eq(parse("a=1;;b=2", 0, t, 2, &n, err), -1);
	ck_assert_int_eq(parse("a=1;;b=2", TAGLIST_ALLOW_EMPTY_SPEC, t, 2, &n, err), 0);
	ck_assert_int_eq(parse("a=1;b=2;c=3", 0, t, 2, &n, err), -1);
	ck_assert(strstr(err, "more than") != NULL);
	ck_assert_int_eq(parse("1a=1", 0, t, 2, &n, err), -1);
	ck_assert_int_eq(parse("a 1", 0, t, 2, &n, err), -1);
	ck_assert_int_eq(parse("a=x\r\ny", 0, t, 2, &n, err), -1);  /* bad fold */
	ck_assert_int_eq(parse("a=x\r\n", 0, t, 2, &n, err), -1);
	ck_assert_int_eq(parse("a=\x80", 0, t, 2, &n, err), -1);
	ck_assert_int_eq(parse("a=\x80", TAGLIST_ALLOW_8BIT, t, 2, &n, err), 0);
}
END_TEST

START_TEST(base64_strict)
{
	unsigned char out[16];
	size_t n;

	ck_assert_int_eq(base64_decode("aGVs bG8=", 9, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(out, "hello", 5) == 0);
	ck_assert_int_eq(base64_decode("aGk=\r\n", 6, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(base64_decode("aGk", 3, out, sizeof(out), &n), -1);
	ck_assert_int_eq(base64_decode("a=Gk", 4, out, sizeof(out), &n), -1);
	ck_assert_int_eq(base64_decode("a===", 4, out, sizeof(out), &n), -1);
	ck_assert_int_eq(base64_decode("aG!k", 4, out, sizeof(out), &n), -1);
	ck_assert_int_eq(base64_decode("aGVsbG8=", 8, out, 4, &n), -1);
}
END_TEST

/* The decoder against a reference encoder: every length 0..48 of a
 * pseudo-random byte string round-trips; every octet outside the alphabet,
 * '=' and FWS is refused wherever it stands. */
static size_t
ref_encode(const unsigned char *in, size_t n, char *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 |
		    (unsigned long)in[i + 1] << 8 | in[i + 2];

		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (n - i == 1) {
		out[o++] = al[in[i] >> 2];
		out[o++] = al[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = al[in[i] >> 2];
		out[o++] = al[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = al[(in[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

START_TEST(base64_reference)
{
	unsigned char in[48], out[64];
	char enc[80];
	unsigned x = 12345, len, c;
	size_t n, elen;

	for (len = 0; len <= sizeof(in); len++) {
		for (n = 0; n < len; n++) {
			x = x * 1103515245u + 12345u;
			in[n] = (unsigned char)(x >> 16);
		}
		elen = ref_encode(in, len, enc);
		ck_assert_int_eq(base64_decode(enc, elen, out, sizeof(out), &n), 0);
		ck_assert_uint_eq(n, len);
		ck_assert(memcmp(in, out, len) == 0);
	}
	for (c = 0; c < 256; c++) {
		char bad[5] = "aGk=";
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		    c == ' ' || c == '\t' || c == '\r' || c == '\n';

		bad[1] = (char)c;
		if (c == '=')
			continue;
		ck_assert_int_eq(base64_decode(bad, 4, out, sizeof(out), &n),
		    ok && c != ' ' && c != '\t' && c != '\r' && c != '\n' ?
		    0 : -1);
	}
}
END_TEST

#define GOOD "v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; bh=AAAA; b=AAAA"

static int
sigparse(const char *s, dkim_sig *sig, char *err)
{
	return dkim_sig_parse(sig, s, strlen(s), err, 160);
}

START_TEST(sig_good)
{
	dkim_sig *sig = malloc(sizeof(*sig));
	char err[160];

	ck_assert_int_eq(sigparse(GOOD "; c=relaxed; i=user@sub.example.com; "
	    "l=10; t=5; x=6; zz=unknown", sig, err), 0);
	ck_assert(sig->hdr_relaxed && !sig->body_relaxed);
	ck_assert_str_eq(sig->c, "relaxed/simple");
	ck_assert_str_eq(sig->i, "user@sub.example.com");
	ck_assert_uint_eq(sig->nh, 2);
	ck_assert(sig->has_l && sig->l == 10);
	ck_assert_int_eq(sigparse(GOOD "; i=a=40example.com", sig, err), 0);
	ck_assert_str_eq(sig->i, "a@example.com");
	ck_assert_int_eq(sigparse(GOOD, sig, err), 0);
	ck_assert_str_eq(sig->i, "@example.com");
	free(sig);
}
END_TEST

START_TEST(sig_errors)
{
	static const struct {
		const char *sig, *reason;
	} bad[] = {
		{ "a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", "missing required tag v=" },
		{ "v=2; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", "version" },
		{ GOOD "; v=1", "duplicate" },
		{ "v=1; a=rsa-md5; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", "algorithm" },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=To:Subject; bh=AAAA; b=AAAA", "From" },
		{ GOOD "; i=user@example.org", "subdomain" },
		{ GOOD "; i=user@notexample.com", "subdomain" },
		{ GOOD "; t=10; x=9", "x= is before t=" },
		{ GOOD "; c=simple/simple/simple", "canonicalization" },
		{ GOOD "; q=dns", "q=" },
		{ GOOD "; l=x", "l=" },
		{ GOOD "; t=1234567890123", "t=" },
		{ "v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=sel; h=From; bh=AAAA; b=AAAA", "d=" },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=From::To; bh=AAAA; b=AAAA", "h=" },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=A", "b=" },
	};
	dkim_sig *sig = malloc(sizeof(*sig));
	char err[160];
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ck_assert_msg(sigparse(bad[k].sig, sig, err) == -1, "%s", bad[k].sig);
		ck_assert_msg(strstr(err, bad[k].reason) != NULL, "%s: %s",
		    bad[k].sig, err);
	}
	/* reporting fields survive an error */
	sigparse("v=1; a=rsa-sha256; d=example.com; s=sel; h=To; bh=AAAA; b=AAAA",
	    sig, err);
	ck_assert_str_eq(sig->d, "example.com");
	ck_assert_str_eq(sig->s, "sel");
	free(sig);
}
END_TEST

START_TEST(sig_strip_b)
{
	const char *v = " v=1; b=abc\r\n def; bh=xyz";
	strbuf sb;

	sb_init(&sb);
	ck_assert_int_eq(dkim_sig_strip_b(v, strlen(v), &sb), 0);
	ck_assert_str_eq(sb.s, " v=1; b=; bh=xyz");
	sb_free(&sb);
}
END_TEST

#define ED_P "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RSA_P "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

static int
keyparse(const char *s, dkim_key *k, char *err)
{
	int rc = dkim_key_parse(k, s, strlen(s), err, 160);

	return rc;
}

START_TEST(key_records)
{
	dkim_key k;
	char err[160];

	ck_assert_int_eq(keyparse("v=DKIM1; k=ed25519; " ED_P, &k, err), 0);
	ck_assert_int_eq(k.type, DKIM_KEY_ED25519);
	ck_assert_uint_eq(k.bits, 256);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("v=DKIM1; t=y:s; h=sha256; g=*; " RSA_P, &k, err), 0);
	ck_assert(k.testing && k.strict);
	ck_assert_uint_eq(k.bits, 1024);
	ck_assert_uint_eq(k.hashes, DKIM_HASH_SHA256);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("v=DKIM1; p=", &k, err), 0);
	ck_assert(k.revoked);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("k=rsa; v=DKIM1; " RSA_P, &k, err), -1);
	ck_assert(strstr(err, "first") != NULL);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("v=DKIM2; " RSA_P, &k, err), -1);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("k=dsa; " RSA_P, &k, err), -1);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("s=web; " RSA_P, &k, err), -1);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("s=web:email; " RSA_P, &k, err), 0);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("v=DKIM1; k=rsa", &k, err), -1);  /* no p= */
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("k=rsa; p=AAAAAAAA", &k, err), -1);
	dkim_key_clear(&k);
	ck_assert_int_eq(keyparse("k=ed25519; " RSA_P, &k, err), -1);
	dkim_key_clear(&k);
}
END_TEST

/* a key record for pk: SPKI (spki=1) or bare PKCS#1 RSAPublicKey */
static void
rsa_record(EVP_PKEY *pk, int spki, strbuf *rec)
{
	unsigned char *der = NULL;
	int n = spki ? i2d_PUBKEY(pk, &der) : i2d_PublicKey(pk, &der);
	char *b = malloc(4 * (size_t)n / 3 + 8);

	ck_assert_int_gt(n, 0);
	EVP_EncodeBlock((unsigned char *)b, der, n);
	sb_reset(rec);
	sb_printf(rec, "v=DKIM1; k=rsa; p=%s", b);
	free(b);
	OPENSSL_free(der);
}

static size_t
rsa_sign(EVP_PKEY *pk, const unsigned char *dig, unsigned char *sig)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
	size_t sl = 512;

	ck_assert(EVP_PKEY_sign_init(pc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
	    EVP_PKEY_sign(pc, sig, &sl, dig, 32) == 1);
	EVP_PKEY_CTX_free(pc);
	return sl;
}

/*
 * The SPKI unwrap (fast path) gives the key OpenSSL's general decoder
 * gives; bare PKCS#1 too; other algorithm identifiers are not taken for
 * RSA keys.
 */
START_TEST(key_rsa_encodings)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048), *ref;
	unsigned char dig[32] = { 1, 2, 3 }, sig[512], *der = NULL;
	const unsigned char *q;
	size_t sl = rsa_sign(pk, dig, sig);
	strbuf rec;
	dkim_key k;
	char err[160];
	int n, spki;

	sb_init(&rec);
	n = i2d_PUBKEY(pk, &der);
	q = der;
	ref = d2i_PUBKEY(NULL, &q, n);
	for (spki = 0; spki < 2; spki++) {
		rsa_record(pk, spki, &rec);
		ck_assert_int_eq(dkim_key_parse(&k, rec.s, rec.len, err, 160), 0);
		ck_assert_uint_eq(k.bits, 2048);
		ck_assert_uint_eq(k.e_bits, 17);  /* 65537 */
		ck_assert_int_eq(EVP_PKEY_eq(k.pkey, ref), 1);
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig, 32,
		    sig, sl), 1);
		sig[5] ^= 1;
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig, 32,
		    sig, sl), 0);
		sig[5] ^= 1;
		dkim_key_clear(&k);
	}
	/* the SPKI with one octet cut, and with the OID changed: refused */
	rsa_record(pk, 1, &rec);
	{
		char *b = malloc(2 * (size_t)n);
		strbuf bad;

		sb_init(&bad);
		EVP_EncodeBlock((unsigned char *)b, der, n - 1);
		sb_printf(&bad, "p=%s", b);
		ck_assert_int_eq(dkim_key_parse(&k, bad.s, bad.len, err, 160), -1);
		dkim_key_clear(&k);
		der[16] ^= 0x04;  /* rsaEncryption (..1.1.1) -> ..1.1.5 */
		EVP_EncodeBlock((unsigned char *)b, der, n);
		sb_reset(&bad);
		sb_printf(&bad, "p=%s", b);
		ck_assert_int_eq(dkim_key_parse(&k, bad.s, bad.len, err, 160), -1);
		ck_assert(strstr(err, "not an RSA public key") != NULL);
		dkim_key_clear(&k);
		free(b);
		sb_free(&bad);
	}
	OPENSSL_free(der);
	EVP_PKEY_free(ref);
	EVP_PKEY_free(pk);
	sb_free(&rec);
}
END_TEST

typedef struct hammer {
	dkim_keycache *c;
	strbuf *rec;          /* two records */
	unsigned char *sig[2];
	size_t sl[2];
	const unsigned char *dig;
	int bad;
} hammer;

static void *
hammer_run(void *arg)
{
	hammer *h = arg;
	int i;

	for (i = 0; i < 300; i++) {
		int w = i & 1;
		dkim_key k;
		char err[160];

		if (!dkim_keycache_get(h->c, h->rec[w].s, h->rec[w].len, &k)) {
			if (dkim_key_parse(&k, h->rec[w].s, h->rec[w].len, err,
			    160) < 0)
				h->bad++;
			dkim_keycache_put(h->c, h->rec[w].s, h->rec[w].len, &k);
		}
		if (dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, h->dig, 32,
		    h->sig[w], h->sl[w]) != 1)
			h->bad++;
		dkim_key_clear(&k);
	}
	return NULL;
}

/*
 * The key cache gives back what a parse gives, misses on any other text,
 * keeps no revoked keys, and holds up when threads share one slot (each
 * put replaces the key others may be verifying with).
 */
START_TEST(key_cache)
{
	EVP_PKEY *pk[2] = { EVP_RSA_gen(1024), EVP_RSA_gen(1024) };
	unsigned char dig[32] = { 9 }, sig[2][512];
	strbuf rec[2];
	dkim_keycache *c = dkim_keycache_new(1);
	dkim_key k, p;
	char err[160];
	pthread_t th[4];
	hammer h[4];
	int t;

	ck_assert_ptr_nonnull(c);
	for (t = 0; t < 2; t++) {
		sb_init(&rec[t]);
		rsa_record(pk[t], 1, &rec[t]);
		sb_append(&rec[t], "; t=y", 5);
	}
	ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len, &k), 0);
	ck_assert_int_eq(dkim_key_parse(&p, rec[0].s, rec[0].len, err, 160), 0);
	dkim_keycache_put(c, rec[0].s, rec[0].len, &p);
	ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len, &k), 1);
	ck_assert(k.pkey == p.pkey && k.bits == 1024 && k.testing == 1 &&
	    k.type == DKIM_KEY_RSA);
	dkim_key_clear(&k);
	dkim_key_clear(&p);  /* the cache keeps its own reference */
	ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len - 1, &k), 0);
	ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len, &k), 1);
	ck_assert_int_eq(EVP_PKEY_get_bits(k.pkey), 1024);
	dkim_key_clear(&k);
	ck_assert_int_eq(dkim_key_parse(&p, "p=", 2, err, 160), 0);
	dkim_keycache_put(c, "p=", 2, &p);  /* revoked: nothing to cache */
	ck_assert_int_eq(dkim_keycache_get(c, "p=", 2, &k), 0);
	ck_assert_int_eq(dkim_keycache_get(NULL, "p=", 2, &k), 0);

	for (t = 0; t < 4; t++) {
		h[t].c = c;
		h[t].rec = rec;
		h[t].dig = dig;
		h[t].sig[0] = sig[0];
		h[t].sig[1] = sig[1];
		h[t].sl[0] = rsa_sign(pk[0], dig, sig[0]);
		h[t].sl[1] = rsa_sign(pk[1], dig, sig[1]);
		h[t].bad = 0;
	}
	for (t = 0; t < 4; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, hammer_run, &h[t]), 0);
	for (t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		ck_assert_int_eq(h[t].bad, 0);
	}
	dkim_keycache_free(c);
	for (t = 0; t < 2; t++) {
		EVP_PKEY_free(pk[t]);
		sb_free(&rec[t]);
	}
}
END_TEST

/*
 * Two keys in use that share a set both stay cached; a third evicts the
 * one used least recently; a text put twice (two threads that missed it
 * at once) takes one slot. With 2 slots (one set) the hash cannot spread
 * the texts. A direct-mapped cache of 2 slots passes a round only when
 * the hash puts the first two texts apart and the third on the first
 * (1 in 4): each round has texts of its own, so 20 rounds pass it with
 * odds of 1 in 10^12.
 */
START_TEST(key_cache_sets)
{
	EVP_PKEY *pk = EVP_RSA_gen(1024);
	strbuf rec[3];
	dkim_key k, p;
	char err[160];
	int t, round;

	ck_assert_ptr_nonnull(pk);
	for (t = 0; t < 3; t++)
		sb_init(&rec[t]);
	for (round = 0; round < 20; round++) {
		dkim_keycache *c = dkim_keycache_new(2);

		ck_assert_ptr_nonnull(c);
		for (t = 0; t < 3; t++) {
			rsa_record(pk, 1, &rec[t]);
			sb_printf(&rec[t], "; n=%d-%d", round, t);
		}
		for (t = 0; t < 2; t++) {
			ck_assert_int_eq(dkim_key_parse(&p, rec[t].s,
			    rec[t].len, err, 160), 0);
			dkim_keycache_put(c, rec[t].s, rec[t].len, &p);
			if (t == 0)  /* the same text again */
				dkim_keycache_put(c, rec[t].s, rec[t].len, &p);
			dkim_key_clear(&p);
		}
		for (t = 0; t < 2; t++) {
			ck_assert_msg(dkim_keycache_get(c, rec[t].s, rec[t].len,
			    &k) == 1, "round %d: text %d evicted", round, t);
			dkim_key_clear(&k);
		}
		/* 1 was used last: a third text evicts 0 */
		ck_assert_int_eq(dkim_key_parse(&p, rec[2].s, rec[2].len, err,
		    160), 0);
		dkim_keycache_put(c, rec[2].s, rec[2].len, &p);
		dkim_key_clear(&p);
		ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len, &k),
		    0);
		for (t = 1; t < 3; t++) {
			ck_assert_int_eq(dkim_keycache_get(c, rec[t].s,
			    rec[t].len, &k), 1);
			dkim_key_clear(&k);
		}
		dkim_keycache_free(c);
	}
	/* one slot: each put replaces the last (the hammer above) */
	{
		dkim_keycache *c = dkim_keycache_new(1);

		for (t = 0; t < 2; t++) {
			ck_assert_int_eq(dkim_key_parse(&p, rec[t].s,
			    rec[t].len, err, 160), 0);
			dkim_keycache_put(c, rec[t].s, rec[t].len, &p);
			dkim_key_clear(&p);
		}
		ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len, &k),
		    0);
		ck_assert_int_eq(dkim_keycache_get(c, rec[1].s, rec[1].len, &k),
		    1);
		dkim_key_clear(&k);
		dkim_keycache_free(c);
	}
	for (t = 0; t < 3; t++)
		sb_free(&rec[t]);
	EVP_PKEY_free(pk);
}
END_TEST

/*
 * A key from the cache comes with its own ready rsa-sha256 verification
 * context (a copy of the entry's): it verifies what a fresh set-up
 * verifies and nothing else. It is not applied to rsa-sha1 (the digest
 * is part of what PKCS#1 v1.5 signs: a SHA-256 signature does not pass
 * as SHA-1, a SHA-1 one does); a changed record is a miss, and its key
 * does not pass the old key's signature (fail closed); Ed25519 keys get
 * no context and still verify.
 */
START_TEST(key_cache_verify_ctx)
{
	EVP_PKEY *pk[2] = { EVP_RSA_gen(1024), EVP_RSA_gen(1024) };
	unsigned char dig[32] = { 7, 1 }, sig[2][512], sig1[512];
	size_t sl[2], sl1 = sizeof(sig1);
	strbuf rec[2];
	dkim_keycache *c = dkim_keycache_new(4);
	dkim_key k, p;
	EVP_PKEY_CTX *pc;
	char err[160];
	int t;

	ck_assert_ptr_nonnull(c);
	for (t = 0; t < 2; t++) {
		sb_init(&rec[t]);
		rsa_record(pk[t], 1, &rec[t]);
		sl[t] = rsa_sign(pk[t], dig, sig[t]);
	}
	pc = EVP_PKEY_CTX_new(pk[0], NULL);  /* rsa-sha1 over dig[0..20) */
	ck_assert(EVP_PKEY_sign_init(pc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha1()) == 1 &&
	    EVP_PKEY_sign(pc, sig1, &sl1, dig, 20) == 1);
	EVP_PKEY_CTX_free(pc);

	ck_assert_int_eq(dkim_key_parse(&p, rec[0].s, rec[0].len, err, 160), 0);
	ck_assert_ptr_null(p.vctx);  /* a parse sets none up */
	dkim_keycache_put(c, rec[0].s, rec[0].len, &p);
	dkim_key_clear(&p);
	for (t = 0; t < 2; t++) {  /* each get: its own copy */
		ck_assert_int_eq(dkim_keycache_get(c, rec[0].s, rec[0].len, &k),
		    1);
		ck_assert_ptr_nonnull(k.vctx);
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig,
		    32, sig[0], sl[0]), 1);
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig,
		    32, sig[1], sl[1]), 0);  /* the other key's */
		sig[0][9] ^= 1;
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig,
		    32, sig[0], sl[0]), 0);
		sig[0][9] ^= 1;
		dig[3] ^= 1;
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig,
		    32, sig[0], sl[0]), 0);
		dig[3] ^= 1;
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA1, dig,
		    20, sig[0], sl[0]), 0);
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA1, dig,
		    20, sig1, sl1), 1);
		ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig,
		    32, sig1, sl1), 0);
		dkim_key_clear(&k);
		ck_assert_ptr_null(k.vctx);
	}
	/* the record changed in DNS: a miss; its key fails the old signature */
	ck_assert_int_eq(dkim_keycache_get(c, rec[1].s, rec[1].len, &k), 0);
	ck_assert_int_eq(dkim_key_parse(&p, rec[1].s, rec[1].len, err, 160), 0);
	dkim_keycache_put(c, rec[1].s, rec[1].len, &p);
	dkim_key_clear(&p);
	ck_assert_int_eq(dkim_keycache_get(c, rec[1].s, rec[1].len, &k), 1);
	ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig, 32,
	    sig[0], sl[0]), 0);
	ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_RSA_SHA256, dig, 32,
	    sig[1], sl[1]), 1);
	dkim_key_clear(&k);
	/* Ed25519: cached without a context */
	ck_assert_int_eq(dkim_key_parse(&p, "k=ed25519; " ED_P,
	    strlen("k=ed25519; " ED_P), err, 160), 0);
	dkim_keycache_put(c, "k=ed25519; " ED_P, strlen("k=ed25519; " ED_P),
	    &p);
	dkim_key_clear(&p);
	ck_assert_int_eq(dkim_keycache_get(c, "k=ed25519; " ED_P,
	    strlen("k=ed25519; " ED_P), &k), 1);
	ck_assert_ptr_null(k.vctx);
	ck_assert_int_eq(dkim_key_verify(&k, DKIM_ALG_ED25519_SHA256, dig, 32,
	    sig[0], 64), 0);
	dkim_key_clear(&k);
	dkim_keycache_free(c);
	for (t = 0; t < 2; t++) {
		EVP_PKEY_free(pk[t]);
		sb_free(&rec[t]);
	}
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_parse");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, taglist_basic);
	tcase_add_test(tc, taglist_errors);
	tcase_add_test(tc, base64_strict);
	tcase_add_test(tc, base64_reference);
	tcase_add_test(tc, sig_good);
	tcase_add_test(tc, sig_errors);
	tcase_add_test(tc, sig_strip_b);
	tcase_add_test(tc, key_records);
	tcase_add_test(tc, key_rsa_encodings);
	tcase_add_test(tc, key_cache);
	tcase_add_test(tc, key_cache_sets);
	tcase_add_test(tc, key_cache_verify_ctx);
	suite_add_tcase(s, tc);
	return s;
}
