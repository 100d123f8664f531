/*
 * tests/bench/bench_dkim.c - DKIM verification throughput against the
 * in-process floor.
 *
 * Generates realistic messages (2-200 KB bodies, 90% RSA-2048 and 10%
 * Ed25519, relaxed/relaxed), signs them in-process with EVP, serves the
 * keys from a zone file through the real resolver. Each message is split
 * once by message/'s splitter (mp_*) (as libmilter would hand it over) and then
 * verified as the milter does: dkim_header per field, dkim_eoh, dkim_body
 * in 64 KB chunks, dkim_eom, with a key cache shared by the verifiers.
 * The floor is measured in the same run over the same bytes: SHA-256 of
 * the canonical body and of the canonical header data the signature
 * covers, plus one EVP verify per signature with a loaded key (what
 * `openssl speed` measures), with the same EVP calls. Verifier and floor
 * alternate message by message, so load from other processes hits both
 * alike. Prints signatures/s for both and the ratio (target <= 1.3), and
 * the verifier without the key cache. BENCH_ROUNDS sets the passes (5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim/dkim.h"
#include "message/message.h"
#include "tests/lib/dkimsign.h"
#include "tests/lib/stopwatch.h"
#include "tests/lib/testzone.h"
#include "util/strbuf.h"

#define NMSG 60
#define ROUNDS 5
#define MAX_FIELDS 16
#define CHUNK 65536

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
	strbuf hcanon;            /* the canonical header data signed */
	/* the message as msgparse hands it over */
	size_t nf;
	strbuf fname[MAX_FIELDS], fval[MAX_FIELDS];
	strbuf body;
} msg;

static int
on_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
	msg *m = arg;

	if (m->nf >= MAX_FIELDS)
		return -1;
	sb_init(&m->fname[m->nf]);
	sb_init(&m->fval[m->nf]);
	sb_append(&m->fname[m->nf], n, nl);
	sb_append(&m->fval[m->nf], v, vl);
	m->nf++;
	return 0;
}

static int
on_body(void *arg, const char *d, size_t n)
{
	return sb_append(&((msg *)arg)->body, d, n);
}

static void
split(msg *m)
{
	static const msgparse_events ev = { on_header, NULL, on_body };
	msgparse p;

	sb_init(&m->body);
	mp_init(&p, &ev, m, 1 << 20);
	if (mp_push(&p, m->text.s, m->text.len) < 0 || mp_finish(&p) < 0) {
		fprintf(stderr, "bench_dkim: split: %s\n", p.error);
		exit(1);
	}
	mp_free(&p);
}

static int
verify(dns_resolver *res, dkim_keycache *kc, const msg *m)
{
	dkim_options o;
	dkim_verifier *v;
	size_t k;
	int ok;

	dkim_options_init(&o);
	o.keycache = kc;
	v = dkim_verifier_new(res, &o);
	for (k = 0; k < m->nf; k++)
		dkim_header(v, m->fname[k].s, m->fname[k].len, m->fval[k].s,
		    m->fval[k].len);
	dkim_eoh(v);
	for (k = 0; k < m->body.len; k += CHUNK)
		dkim_body(v, m->body.s + k, m->body.len - k < CHUNK ?
		    m->body.len - k : CHUNK);
	dkim_eom(v);
	ok = dkim_count(v) == 1 && dkim_result_at(v, 0)->result == DKIM_PASS;
	dkim_verifier_free(v);
	return ok;
}

/* the floor: the same hashing and one verify, key loaded, same EVP calls */
static void
floor_one(const msg *m)
{
	unsigned char d[32];
	EVP_MD_CTX *mc = EVP_MD_CTX_new();

	EVP_Digest(m->body.s, m->body.len, d, NULL, EVP_sha256(), NULL);
	EVP_Digest(m->hcanon.s, m->hcanon.len, d, NULL, EVP_sha256(), NULL);
	if (m->ed) {
		EVP_DigestVerifyInit(mc, NULL, NULL, NULL, m->key);
		EVP_DigestVerify(mc, m->sig, m->siglen, m->hdig, 32);
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(m->key, NULL);

		EVP_PKEY_verify_init(pc);
		EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
		EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256());
		EVP_PKEY_verify(pc, m->sig, m->siglen, m->hdig, 32);
		EVP_PKEY_CTX_free(pc);
	}
	EVP_MD_CTX_free(mc);
}

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
	sb_init(&m->hcanon);
	sb_append(&m->hcanon, canon.s, canon.len);
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

int
main(void)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *ed = NULL;
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	static msg msgs[NMSG];
	unsigned seed = 42;
	size_t k, bytes = 0;
	int r, rounds = ROUNDS, pass = 0;
	char zpath[64], err[256];
	FILE *fp;
	dns_resolver *res;
	double t0, t1, t2, tv, tf, tn, n;
	dkim_keycache *kcache;

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
	if ((fp = testzone_create(zpath, sizeof(zpath), "bench_dkim")) ==
	    NULL) {
		perror("bench_dkim: zone");
		return 1;
	}
	dkimsign_zone_key(fp, "rsa._domainkey.example.com.", rsa, NULL);
	dkimsign_zone_key(fp, "ed._domainkey.example.com.", ed, NULL);
	fclose(fp);
	if ((res = testzone_resolver(zpath, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_dkim: resolver: %s\n", err);
		return 1;
	}
	kcache = dkim_keycache_new(0);
	if (getenv("BENCH_ROUNDS") != NULL && atoi(getenv("BENCH_ROUNDS")) > 0)
		rounds = atoi(getenv("BENCH_ROUNDS"));
	for (k = 0; k < NMSG; k++)
		split(&msgs[k]);
	tv = tf = tn = 0;
	for (r = 0; r < rounds; r++)
		for (k = 0; k < NMSG; k++) {
			t0 = stopwatch_now();
			pass += verify(res, kcache, &msgs[k]);
			t1 = stopwatch_now();
			floor_one(&msgs[k]);
			t2 = stopwatch_now();
			pass += verify(res, NULL, &msgs[k]);
			tn += stopwatch_now() - t2;
			tv += t1 - t0;
			tf += t2 - t1;
		}
	n = (double)NMSG * rounds;
	printf("bench_dkim: %.0f messages (%.1f MB, 90%% RSA-2048, 10%% Ed25519), "
	    "%d/%.0f pass\n", n, (double)bytes * rounds / 1e6, pass, 2 * n);
	printf("bench_dkim: verifier %.0f sig/s, floor %.0f sig/s "
	    "(SHA-256 + verify: %.0f MB/s), ratio %.2fx (target <= 1.3x)\n",
	    n / tv, n / tf, (double)bytes * rounds / tf / 1e6, tv / tf);
	printf("bench_dkim: verifier without key cache %.0f sig/s, ratio %.2fx\n",
	    n / tn, tn / tf);
	dkim_keycache_free(kcache);
	dns_resolver_free(res);
	unlink(zpath);
	return pass == 2 * NMSG * rounds ? 0 : 1;
}
