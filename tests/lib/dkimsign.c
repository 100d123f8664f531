/*
 * tests/lib/dkimsign.c - a minimal DKIM signer for tests and benchmarks
 * (contract in dkimsign.h). Written from RFC 6376 3.4.2, 3.4.4, 3.7 for
 * the simple header fields it makes itself.
 */
#include "tests/lib/dkimsign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

EVP_PKEY *
dkimsign_load(const char *pem_path)
{
	FILE *fp = fopen(pem_path, "r");
	EVP_PKEY *k;

	if (fp == NULL)
		return NULL;
	k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	return k;
}

EVP_PKEY *
dkimsign_ed25519(void)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *k = NULL;

	if (c == NULL || EVP_PKEY_keygen_init(c) != 1 ||
	    EVP_PKEY_keygen(c, &k) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

static void
b64(const unsigned char *p, size_t n, strbuf *out)
{
	char *buf = malloc(4 * ((n + 2) / 3) + 1);
	int len;

	if (buf == NULL) {
		out->failed = 1;
		return;
	}
	len = EVP_EncodeBlock((unsigned char *)buf, p, (int)n);
	sb_append(out, buf, (size_t)len);
	free(buf);
}

static int
is_ed(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

/* Signature over the SHA-256 digest dig (RFC 8463 3 for Ed25519). */
static int
sign_digest(EVP_PKEY *key, const unsigned char dig[32], unsigned char *sig,
    size_t *slen)
{
	int ok = 0;

	if (is_ed(key)) {
		EVP_MD_CTX *mc = EVP_MD_CTX_new();

		ok = mc != NULL &&
		    EVP_DigestSignInit(mc, NULL, NULL, NULL, key) == 1 &&
		    EVP_DigestSign(mc, sig, slen, dig, 32) == 1;
		EVP_MD_CTX_free(mc);
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(key, NULL);

		ok = pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(pc, sig, slen, dig, 32) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	return ok ? 0 : -1;
}

/*
 * The signature field for the canonical header data hcanon and body hash
 * bh, put in front of msg (which holds the rest of the message).
 */
static int
prepend_signature(strbuf *msg, EVP_PKEY *key, const char *d, const char *s,
    const strbuf *hcanon, const unsigned char bh[32])
{
	strbuf tags, data, field;
	unsigned char dig[32], sig[2048];
	size_t slen = sizeof(sig), k;
	int rc = -1;

	sb_init(&tags);
	sb_init(&data);
	sb_init(&field);
	sb_printf(&tags, "v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s; "
	    "h=from:to:subject; bh=", is_ed(key) ? "ed25519-sha256" :
	    "rsa-sha256", d, s);
	b64(bh, 32, &tags);
	sb_puts(&tags, "; b=");
	/* 3.7: the fields, then this one with b= empty and no CRLF */
	sb_append(&data, hcanon->s, hcanon->len);
	sb_puts(&data, "dkim-signature:");
	sb_append(&data, tags.s, tags.len);
	if (tags.failed || data.failed)
		goto out;
	EVP_Digest(data.s, data.len, dig, NULL, EVP_sha256(), NULL);
	if (sign_digest(key, dig, sig, &slen) < 0)
		goto out;
	sb_reset(&data);
	b64(sig, slen, &data);
	sb_puts(&field, "DKIM-Signature: ");
	sb_append(&field, tags.s, tags.len);
	for (k = 0; k < data.len; k += 72) {  /* FWS inside b= is ignored */
		if (k > 0)
			sb_puts(&field, "\r\n\t");
		sb_append(&field, data.s + k, data.len - k < 72 ?
		    data.len - k : 72);
	}
	sb_puts(&field, "\r\n");
	sb_append(&field, msg->s, msg->len);
	if (field.failed)
		goto out;
	sb_reset(msg);
	sb_append(msg, field.s, field.len);
	rc = msg->failed ? -1 : 0;
out:
	sb_free(&tags);
	sb_free(&data);
	sb_free(&field);
	return rc;
}

/* The line of field name (made here: "Name: value" on one line). */
static const char *
find_field(const strbuf *msg, const char *name, const char *eoh)
{
	char pat[16];
	const char *p;
	size_t nl = strlen(name);

	if (strncmp(msg->s, name, nl) == 0 && msg->s[nl] == ':')
		return msg->s;
	snprintf(pat, sizeof(pat), "\n%s: ", name);
	p = strstr(msg->s, pat);
	return p != NULL && p < eoh ? p + 1 : NULL;
}

/* Relaxed canonical From, To, Subject and the body hash of msg. */
static int
canon_parts(const strbuf *msg, strbuf *hcanon, unsigned char bh[32])
{
	static const char *const names[] = { "From", "To", "Subject" };
	const char *eoh = strstr(msg->s, "\r\n\r\n"), *body;
	size_t k;

	if (eoh == NULL)
		return -1;
	body = eoh + 4;
	EVP_Digest(body, msg->len - (size_t)(body - msg->s), bh, NULL,
	    EVP_sha256(), NULL);
	for (k = 0; k < 3; k++) {
		const char *p = find_field(msg, names[k], eoh), *e;
		size_t j, nl = strlen(names[k]);

		if (p == NULL)
			return -1;
		e = strstr(p, "\r\n");
		for (j = 0; j < nl; j++)
			sb_putc(hcanon, (char)(p[j] | 0x20));
		sb_putc(hcanon, ':');
		sb_append(hcanon, p + nl + 2, (size_t)(e - p) - nl - 2);
		sb_puts(hcanon, "\r\n");
	}
	return hcanon->failed ? -1 : 0;
}

int
dkimsign_message(strbuf *out, EVP_PKEY *key, const char *d, const char *s,
    const char *subject, const char *body)
{
	sb_reset(out);
	sb_printf(out, "From: a@%s\r\nTo: b@example.net\r\nSubject: %s\r\n"
	    "\r\n%s", d, subject, body);
	if (out->failed)
		return -1;
	return dkimsign_add(out, key, d, s);
}

int
dkimsign_add(strbuf *msg, EVP_PKEY *key, const char *d, const char *s)
{
	strbuf hcanon;
	unsigned char bh[32];
	int rc = -1;

	sb_init(&hcanon);
	if (canon_parts(msg, &hcanon, bh) == 0)
		rc = prepend_signature(msg, key, d, s, &hcanon, bh);
	sb_free(&hcanon);
	return rc;
}

void
dkimsign_zone_key(FILE *fp, const char *name, EVP_PKEY *key, const char *tags)
{
	strbuf t;
	size_t i;

	sb_init(&t);
	sb_printf(&t, "v=DKIM1; k=%s; %sp=", is_ed(key) ? "ed25519" : "rsa",
	    tags != NULL ? tags : "");
	if (is_ed(key)) {
		unsigned char raw[32];
		size_t n = sizeof(raw);

		EVP_PKEY_get_raw_public_key(key, raw, &n);
		b64(raw, n, &t);
	} else {
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(key, &der);

		if (n > 0)
			b64(der, (size_t)n, &t);
		OPENSSL_free(der);
	}
	fprintf(fp, "%s 300 IN TXT", name);
	for (i = 0; i < t.len; i += 250)
		fprintf(fp, " \"%.*s\"", (int)(t.len - i < 250 ? t.len - i : 250),
		    t.s + i);
	fprintf(fp, "\n");
	sb_free(&t);
}
