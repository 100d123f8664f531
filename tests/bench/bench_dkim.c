/*
 * tests/bench/bench_dkim.c - DKIM verification throughput against the
 * in-process floor.
 *
 * Generates realistic messages (2-200 KB bodies, 90% RSA-2048 and 10%
 * Ed25519, relaxed/relaxed), signs them in-process with EVP, serves the
 * keys from a zone file through the real resolver, and verifies each
 * message through dkim_feed_headers/dkim_body/dkim_eom. The floor is
 * measured in the same run over the same bytes: SHA-256 of every body and
 * header block plus one EVP verify per signature (what `openssl speed`
 * measures). Prints signatures/s for both and the ratio (target <= 1.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim/dkim.h"
#include "util/strbuf.h"

#define NMSG 60
#define ROUNDS 5

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
b64(const unsigned char *p, size_t n, strbuf *out)
{
	char *buf = malloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)buf, p, (int)n);

	sb_append(out, buf, (size_t)len);
	free(buf);
}

typedef struct msg {
	strbuf text;
	EVP_PKEY *key;
	int ed;
	unsigned char sig[512];
	size_t siglen;
	unsigned char hdig[32];
} msg;

/* relaxed body canon of generated text is the text itself (no WSP runs) */
static void
make_body(strbuf *b, size_t target, unsigned *seed)
{
	static const char *words[] = { "the", "message", "authentication",
	    "relay", "domain", "key", "mail", "server", "body", "signature" };

	while (b->len < target) {
		size_t w = 0;

		while (w < 10) {
			*seed = *seed * 1103515245u + 12345u;
			if (w)
				sb_putc(b, ' ');
			sb_puts(b, words[(*seed >> 16) % 10]);
			w++;
		}
		sb_puts(b, "\r\n");
	}
}

static void
sign_msg(msg *m, EVP_PKEY *key, int ed, unsigned *seed, size_t bodylen)
{
	strbuf body, hdrs, sigv, canon;
	unsigned char bh[32];
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	const char *sel = ed ? "ed" : "rsa";
	const char *alg = ed ? "ed25519-sha256" : "rsa-sha256";

	sb_init(&body);
	sb_init(&hdrs);
	sb_init(&sigv);
	sb_init(&canon);
	make_body(&body, bodylen, seed);
	EVP_Digest(body.s, body.len, bh, NULL, EVP_sha256(), NULL);
	sb_printf(&hdrs, "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\n"
	    "Subject: report %u\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Message-ID: <%u@example.com>\r\n", *seed, *seed);
	sb_printf(&sigv, " v=1; a=%s; c=relaxed/relaxed; d=example.com; s=%s; "
	    "h=from:to:subject:date:message-id; bh=", alg, sel);
	b64(bh, 32, &sigv);
	sb_puts(&sigv, "; b=");
	/* relaxed canonical header block (generated headers are already canonical but for case) */
	{
		const char *p = hdrs.s;

		while (*p) {
			const char *e = strstr(p, "\r\n"), *c = strchr(p, ':');
			size_t k;

			for (k = 0; p + k < c; k++)
				sb_putc(&canon, p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32 : p[k]);
			sb_putc(&canon, ':');
			sb_append(&canon, c + 2, (size_t)(e - c - 2));
			sb_puts(&canon, "\r\n");
			p = e + 2;
		}
	}
	sb_puts(&canon, "dkim-signature:");
	sb_append(&canon, sigv.s + 1, sigv.len - 1);
	EVP_Digest(canon.s, canon.len, m->hdig, NULL, EVP_sha256(), NULL);
	m->siglen = sizeof(m->sig);
	if (ed) {
		EVP_DigestSignInit(mc, NULL, NULL, NULL, key);
		EVP_DigestSign(mc, m->sig, &m->siglen, m->hdig, 32);
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(key, NULL);

		EVP_PKEY_sign_init(pc);
		EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
		EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256());
		EVP_PKEY_sign(pc, m->sig, &m->siglen, m->hdig, 32);
		EVP_PKEY_CTX_free(pc);
	}
	b64(m->sig, m->siglen, &sigv);
	sb_init(&m->text);
	sb_puts(&m->text, "DKIM-Signature:");
	sb_append(&m->text, sigv.s, sigv.len);
	sb_puts(&m->text, "\r\n");
	sb_append(&m->text, hdrs.s, hdrs.len);
	sb_puts(&m->text, "\r\n");
	sb_append(&m->text, body.s, body.len);
	m->key = key;
	m->ed = ed;
	EVP_MD_CTX_free(mc);
	sb_free(&body);
	sb_free(&hdrs);
	sb_free(&sigv);
	sb_free(&canon);
}

static void
zone_key(FILE *fp, const char *sel, EVP_PKEY *key, int ed)
{
	strbuf t;
	size_t i;

	sb_init(&t);
	sb_printf(&t, "v=DKIM1; k=%s; p=", ed ? "ed25519" : "rsa");
	if (ed) {
		unsigned char raw[32];
		size_t n = 32;

		EVP_PKEY_get_raw_public_key(key, raw, &n);
		b64(raw, n, &t);
	} else {
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(key, &der);

		b64(der, (size_t)n, &t);
		OPENSSL_free(der);
	}
	fprintf(fp, "%s._domainkey.example.com. 300 IN TXT", sel);
	for (i = 0; i < t.len; i += 250)
		fprintf(fp, " \"%.*s\"", (int)(t.len - i < 250 ? t.len - i : 250),
		    t.s + i);
	fprintf(fp, "\n");
	sb_free(&t);
}

int
main(void)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *ed = NULL;
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	static msg msgs[NMSG];
	unsigned seed = 42;
	size_t k, bytes = 0;
	int r, pass = 0;
	char zpath[] = "/tmp/bench_dkim_zone_XXXXXX", err[256];
	FILE *fp;
	dns_config cfg;
	dns_resolver *res;
	double t0, tv, tf;

	EVP_PKEY_keygen_init(kc);
	EVP_PKEY_keygen(kc, &ed);
	EVP_PKEY_CTX_free(kc);
	for (k = 0; k < NMSG; k++) {
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = 2048 + (seed >> 8) % (198 * 1024);
		sign_msg(&msgs[k], k % 10 == 9 ? ed : rsa, k % 10 == 9, &seed, len);
		bytes += msgs[k].text.len;
	}
	fp = fdopen(mkstemp(zpath), "w");
	fprintf(fp, ". 3600 IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n"
	    ". 3600 IN NS ns.invalid.\n");
	zone_key(fp, "rsa", rsa, 0);
	zone_key(fp, "ed", ed, 1);
	fclose(fp);
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = zpath;
	cfg.trust_anchor_file = "";
	if ((res = dns_resolver_new(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_dkim: resolver: %s\n", err);
		return 1;
	}
	/* verifier */
	t0 = now_s();
	for (r = 0; r < ROUNDS; r++)
		for (k = 0; k < NMSG; k++) {
			dkim_verifier *v = dkim_verifier_new(res, NULL);
			size_t body;

			dkim_feed_headers(v, msgs[k].text.s, msgs[k].text.len, &body);
			dkim_body(v, msgs[k].text.s + body, msgs[k].text.len - body);
			dkim_eom(v);
			pass += dkim_count(v) == 1 &&
			    dkim_result_at(v, 0)->result == DKIM_PASS;
			dkim_verifier_free(v);
		}
	tv = now_s() - t0;
	/* floor: SHA-256 over the same bytes + one EVP verify per signature */
	t0 = now_s();
	for (r = 0; r < ROUNDS; r++)
		for (k = 0; k < NMSG; k++) {
			unsigned char d[32];
			EVP_MD_CTX *mc = EVP_MD_CTX_new();

			EVP_Digest(msgs[k].text.s, msgs[k].text.len, d, NULL,
			    EVP_sha256(), NULL);
			if (msgs[k].ed) {
				EVP_DigestVerifyInit(mc, NULL, NULL, NULL, msgs[k].key);
				EVP_DigestVerify(mc, msgs[k].sig, msgs[k].siglen,
				    msgs[k].hdig, 32);
			} else {
				EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(msgs[k].key, NULL);

				EVP_PKEY_verify_init(pc);
				EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
				EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256());
				EVP_PKEY_verify(pc, msgs[k].sig, msgs[k].siglen,
				    msgs[k].hdig, 32);
				EVP_PKEY_CTX_free(pc);
			}
			EVP_MD_CTX_free(mc);
		}
	tf = now_s() - t0;
	printf("bench_dkim: %d messages (%.1f MB, 90%% RSA-2048, 10%% Ed25519), "
	    "%d/%d pass\n", NMSG * ROUNDS, (double)bytes * ROUNDS / 1e6, pass,
	    NMSG * ROUNDS);
	printf("bench_dkim: verifier %.0f sig/s, floor %.0f sig/s "
	    "(SHA-256 %.0f MB/s incl. verify), ratio %.2fx (target <= 1.3x)\n",
	    NMSG * ROUNDS / tv, NMSG * ROUNDS / tf,
	    (double)bytes * ROUNDS / tf / 1e6, tv / tf);
	dns_resolver_free(res);
	unlink(zpath);
	return pass == NMSG * ROUNDS ? 0 : 1;
}
