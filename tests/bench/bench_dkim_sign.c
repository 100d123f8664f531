/*
 * tests/bench/bench_dkim_sign.c - DKIM signing time per message against
 * the crypto floor, measured in the same run.
 *
 * Generates realistic messages (10 header fields, 2-200 KB bodies with
 * some trailing whitespace), each split once by message/'s splitter as
 * the milter would get it, then signed as the milter will sign:
 * dkim_signer_new, dkim_signer_header per field, dkim_signer_eoh,
 * dkim_signer_body in 64 KB chunks, dkim_signer_finish; once with an
 * RSA-2048 key and once with an Ed25519 key (relaxed/relaxed, the
 * default header list). The floor over the same bytes: SHA-256 of the
 * body and of the header fields, and one bare EVP sign of a SHA-256
 * digest with a loaded key (RSA PKCS#1 v1.5, Ed25519). Signer and
 * floor alternate message by message so load from other processes hits
 * both alike. Prints microseconds per message for both and the ratio
 * (target <= 1.3). Every signature made is checked to be one
 * DKIM-Signature field (exit 1 otherwise). BENCH_ROUNDS sets the
 * passes (5). OpenDKIM's signer is not measured here (see
 * doc/BENCHMARKS.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "dkim/dkim_sign.h"
#include "message/message.h"
#include "tests/lib/stopwatch.h"
#include "util/strbuf.h"

#define NMSG 60
#define ROUNDS 5
#define MAX_FIELDS 16
#define CHUNK 65536

typedef struct msg {
	size_t nf;
	strbuf fname[MAX_FIELDS], fval[MAX_FIELDS];
	strbuf body;              /* CRLF, as the splitter hands it over */
} msg;

static int
on_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
	msg *m = arg;

	if (m->nf == MAX_FIELDS)
		return -1;
	sb_init(&m->fname[m->nf]);
	sb_init(&m->fval[m->nf]);
	sb_append(&m->fname[m->nf], n, nl);
	sb_append(&m->fval[m->nf], v, vl);
	m->nf++;
	return 0;
}

static int
on_eoh(void *arg)
{
	(void)arg;
	return 0;
}

static int
on_body(void *arg, const char *d, size_t n)
{
	return sb_append(&((msg *)arg)->body, d, n);
}

static void
make_msg(msg *m, unsigned *seed, size_t bodylen)
{
	static const msgparse_events ev = { on_header, on_eoh, on_body };
	strbuf t;
	msgparse p;
	size_t col = 0;

	sb_init(&t);
	sb_printf(&t, "Received: from mail.example.net (mail.example.net "
	    "[192.0.2.1])\n\tby mx.example.com; Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "From: Alice Example <alice@example.com>\n"
	    "To: Bob <bob@example.net>\nCc: carol@example.org\n"
	    "Subject: benchmark message %u\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "Message-ID: <%u.bench@example.com>\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n", *seed, *seed);
	while (bodylen-- > 0) {
		*seed = *seed * 1103515245u + 12345u;
		if (col++ > 70 || (*seed >> 16) % 97 == 0) {
			sb_puts(&t, (*seed >> 8) % 5 == 0 ? "  \n" : "\n");
			col = 0;
		} else {
			sb_putc(&t, 'a' + (int)((*seed >> 16) % 26));
		}
	}
	sb_puts(&t, "\n");
	memset(m, 0, sizeof(*m));
	sb_init(&m->body);
	mp_init(&p, &ev, m, 1 << 20);
	if (mp_push(&p, t.s, t.len) < 0 || mp_finish(&p) < 0) {
		fprintf(stderr, "bench_dkim_sign: split: %s\n", p.error);
		exit(1);
	}
	mp_free(&p);
	sb_free(&t);
}

/* Signs m as the milter will; 0 when one good field came out. */
static int
sign(const msg *m, const dkim_privkey *k, strbuf *out)
{
	dkim_sign_options o;
	dkim_sign_key sk = { k, "bench" };
	dkim_signer *sg;
	char err[256];
	size_t i;
	int rc;

	dkim_sign_options_init(&o);
	o.domain = "example.com";
	o.now = 1700000000;
	if ((sg = dkim_signer_new(&o, &sk, 1, err, sizeof(err))) == NULL)
		return -1;
	for (i = 0; i < m->nf; i++)
		dkim_signer_header(sg, m->fname[i].s, m->fname[i].len,
		    m->fval[i].s, m->fval[i].len);
	dkim_signer_eoh(sg);
	for (i = 0; i < m->body.len; i += CHUNK)
		dkim_signer_body(sg, m->body.s + i, m->body.len - i < CHUNK ?
		    m->body.len - i : CHUNK);
	sb_reset(out);
	rc = dkim_signer_finish(sg, out);
	dkim_signer_free(sg);
	if (rc == 0 && (out->len < 16 || memcmp(out->s, "DKIM-Signature: ",
	    16) != 0))
		rc = -1;
	return rc;
}

/* The floor: SHA-256 of body and header fields, one bare sign. */
static int
floor_one(const msg *m, EVP_PKEY *pk, int ed)
{
	unsigned char dg[32], sig[512];
	unsigned int dl;
	size_t sl = sizeof(sig), i;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok;

	EVP_DigestInit_ex(mc, EVP_sha256(), NULL);
	EVP_DigestUpdate(mc, m->body.s, m->body.len);
	EVP_DigestFinal_ex(mc, dg, &dl);
	EVP_DigestInit_ex(mc, EVP_sha256(), NULL);
	for (i = 0; i < m->nf; i++) {
		EVP_DigestUpdate(mc, m->fname[i].s, m->fname[i].len);
		EVP_DigestUpdate(mc, m->fval[i].s, m->fval[i].len);
	}
	EVP_DigestFinal_ex(mc, dg, &dl);
	if (ed) {
		EVP_MD_CTX_reset(mc);
		ok = EVP_DigestSignInit(mc, NULL, NULL, NULL, pk) == 1 &&
		    EVP_DigestSign(mc, sig, &sl, dg, dl) == 1;
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);

		ok = EVP_PKEY_sign_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(pc, sig, &sl, dg, dl) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	EVP_MD_CTX_free(mc);
	return ok ? 0 : -1;
}

static dkim_privkey *
wrap(EVP_PKEY *pk)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, err[256];
	long n;
	dkim_privkey *k;

	PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	k = dkim_privkey_parse(p, (size_t)n, err, sizeof(err));
	BIO_free(b);
	if (k == NULL) {
		fprintf(stderr, "bench_dkim_sign: %s\n", err);
		exit(1);
	}
	return k;
}

int
main(void)
{
	static msg m[NMSG];
	EVP_PKEY *pk[2];
	dkim_privkey *k[2];
	const char *name[2] = { "rsa-sha256 (2048)", "ed25519-sha256" };
	unsigned seed = 42;
	int rounds = ROUNDS, a, r, i, bad = 0;
	const char *env = getenv("BENCH_ROUNDS");
	size_t bytes = 0;
	strbuf out;

	if (env != NULL && atoi(env) > 0)
		rounds = atoi(env);
	pk[0] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	pk[1] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k[0] = wrap(pk[0]);
	k[1] = wrap(pk[1]);
	for (i = 0; i < NMSG; i++) {
		make_msg(&m[i], &seed, 2048 + (size_t)i * (200 * 1024 - 2048) /
		    NMSG);
		bytes += m[i].body.len;
	}
	sb_init(&out);
	printf("%d messages, %zu KB of body on average, %d rounds\n", NMSG,
	    bytes / NMSG / 1024, rounds);
	for (a = 0; a < 2; a++) {
		double ts = 0, tf = 0, t0;

		for (r = 0; r < rounds; r++)
			for (i = 0; i < NMSG; i++) {
				t0 = stopwatch_now();
				if (sign(&m[i], k[a], &out) < 0)
					bad++;
				ts += stopwatch_now() - t0;
				t0 = stopwatch_now();
				if (floor_one(&m[i], pk[a], a) < 0)
					bad++;
				tf += stopwatch_now() - t0;
			}
		printf("%-18s signer %8.1f us/msg   floor %8.1f us/msg   "
		    "ratio %.2f (target <= 1.3)\n", name[a],
		    ts * 1e6 / (rounds * NMSG), tf * 1e6 / (rounds * NMSG),
		    ts / tf);
	}
	sb_free(&out);
	for (a = 0; a < 2; a++) {
		dkim_privkey_free(k[a]);
		EVP_PKEY_free(pk[a]);
	}
	for (i = 0; i < NMSG; i++) {
		size_t f;

		for (f = 0; f < m[i].nf; f++) {
			sb_free(&m[i].fname[f]);
			sb_free(&m[i].fval[f]);
		}
		sb_free(&m[i].body);
	}
	if (bad) {
		fprintf(stderr, "bench_dkim_sign: %d signatures failed\n", bad);
		return 1;
	}
	return 0;
}
