/*
 * tests/bench/bench_dkim_keys.c - what a sender's choice of DKIM key costs
 * the verifier (issue 11: bounded work per message).
 *
 * Keys from tests/fixtures/dkim_keys/ (gen.sh there): the usual 2048-bit
 * RSA key with e = 65537, bigger moduli (4096, 4097, 8192 bits) and big
 * public exponents (33, 34 and 3071 bits). For each: one message with one
 * signature, verified whole through the real resolver (zone file) and a
 * key cache as the milter does, timed per message, with its result, and
 * the ratio to the 2048-bit message measured in the same run (each time
 * the fastest of 10 batches), after the cost of one bare EVP
 * verification with each key. Then the
 * worst message a sender can make of each key: 8 signatures
 * (dkim_max_signatures' default) whose key name holds 4 records
 * (DKIM_MAX_KEY_RECORDS) of that key, each signature's b= altered (right
 * length, wrong value), so every record is tried. Figures, not
 * pass/fail; exit status 1 only when a normal key does not pass.
 * BENCH_SECONDS sets the time per case (1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rsa.h>

#include "dkim/dkim.h"
#include "message/message.h"
#include "tests/lib/dkimsign.h"
#include "tests/lib/stopwatch.h"
#include "tests/lib/testzone.h"
#include "util/strbuf.h"

#define KEYDIR "tests/fixtures/dkim_keys/"

static const char *const keys[] = {
	"rsa2048", "rsa4096", "rsa4097", "rsa8192", "rsa3072-e33",
	"rsa3072-e34", "rsa4096-e33", "rsa3072-e3071",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
/* four texts of one key: a key name may hold several records */
static const char *const variants[] = { NULL, "t=y; ", "h=sha256; ", "s=*; " };

/* One base64 digit of each b= changed, near its top: a value of the
 * key's size that does not verify (OpenSSL refuses other lengths before
 * any arithmetic), so the verifier tries every record. */
static void
spoil(strbuf *text)
{
	char *p = text->s;

	while ((p = strstr(p, "; b=")) != NULL) {
		p += 4 + 10;
		*p = *p == 'A' ? 'B' : 'A';
	}
}

/* Verify text once; the first signature's result and how many signatures
 * passed. */
static dkim_result
verify(dns_resolver *r, dkim_keycache *kc, const strbuf *text, size_t *npass,
    char *reason, size_t rlen)
{
	dkim_options o;
	dkim_verifier *v;
	char err[256];
	dkim_result res = DKIM_TEMPERROR;
	size_t k;

	dkim_options_init(&o);
	o.keycache = kc;
	v = dkim_verifier_new(r, &o);
	*npass = 0;
	if (dkim_msg_verify(v, text->s, text->len, err, sizeof(err)) == 0 &&
	    dkim_count(v) > 0) {
		res = dkim_result_at(v, 0)->result;
		snprintf(reason, rlen, "%s", dkim_result_at(v, 0)->reason);
		for (k = 0; k < dkim_count(v); k++)
			*npass += dkim_result_at(v, k)->result == DKIM_PASS;
	}
	dkim_verifier_free(v);
	return res;
}

/* Seconds per verification of text: the fastest of 10 batches of about
 * budget / 10 seconds each (the least disturbed by other processes on a
 * shared machine). */
static double
time_msg(dns_resolver *r, dkim_keycache *kc, const strbuf *text, double budget)
{
	double best = 0;
	size_t np;
	int b;
	char reason[DKIM_MAX_REASON];

	for (b = 0; b < 10; b++) {
		double t0 = stopwatch_now(), t;
		size_t n = 0;

		do {
			(void)verify(r, kc, text, &np, reason, sizeof(reason));
			n++;
			t = stopwatch_now() - t0;
		} while (t < budget / 10 || n < 2);
		if (b == 0 || t / (double)n < best)
			best = t / (double)n;
	}
	return best;
}

/* Seconds per bare EVP verification with key k (loaded): the fastest of
 * 10 batches, as above. What one public-key operation costs. */
static double
time_evp(EVP_PKEY *k, double budget)
{
	unsigned char dig[32] = { 1 }, sig[2048];
	size_t slen = sizeof(sig);
	double best = 0;
	int b;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);

	if (pc == NULL || EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(pc, sig, &slen, dig, 32) != 1 ||
	    EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(pc);
		return 0;
	}
	for (b = 0; b < 10; b++) {
		double t0 = stopwatch_now(), t;
		size_t n = 0;

		do {
			(void)EVP_PKEY_verify(pc, sig, slen, dig, 32);
			n++;
			t = stopwatch_now() - t0;
		} while (t < budget / 10 || n < 2);
		if (b == 0 || t / (double)n < best)
			best = t / (double)n;
	}
	EVP_PKEY_CTX_free(pc);
	return best;
}

int
main(void)
{
	EVP_PKEY *k[NKEYS];
	strbuf one[NKEYS], worst[NKEYS];
	char zpath[64], err[256], name[64];
	char reason[DKIM_MAX_REASON];
	double budget = 1, base = 0, base8 = 0;
	size_t i, j, np;
	dns_resolver *res;
	dkim_keycache *kc;
	FILE *fp;
	int rc = 0;

	if (getenv("BENCH_SECONDS") != NULL && atof(getenv("BENCH_SECONDS")) > 0)
		budget = atof(getenv("BENCH_SECONDS"));
	if ((fp = testzone_create(zpath, sizeof(zpath), "bench_dkim_keys")) ==
	    NULL) {
		perror("bench_dkim_keys: zone");
		return 1;
	}
	for (i = 0; i < NKEYS; i++) {
		char path[128];

		snprintf(path, sizeof(path), KEYDIR "%s.pem", keys[i]);
		if ((k[i] = dkimsign_load(path)) == NULL) {
			fprintf(stderr, "bench_dkim_keys: cannot load %s\n", path);
			return 1;
		}
		snprintf(name, sizeof(name), "k%zu._domainkey.example.com.", i);
		dkimsign_zone_key(fp, name, k[i], NULL);
		snprintf(name, sizeof(name), "w%zu._domainkey.example.com.", i);
		for (j = 0; j < 4; j++)
			dkimsign_zone_key(fp, name, k[i], variants[j]);
		sb_init(&one[i]);
		sb_init(&worst[i]);
		snprintf(name, sizeof(name), "k%zu", i);
		if (dkimsign_message(&one[i], k[i], "example.com", name, "one",
		    "hello\r\n") < 0) {
			fprintf(stderr, "bench_dkim_keys: signing with %s failed\n",
			    keys[i]);
			return 1;
		}
		snprintf(name, sizeof(name), "w%zu", i);
		dkimsign_message(&worst[i], k[i], "example.com", name, "worst",
		    "hello\r\n");
		for (j = 1; j < 8; j++)
			dkimsign_add(&worst[i], k[i], "example.com", name);
		spoil(&worst[i]);
	}
	fclose(fp);
	if ((res = testzone_resolver(zpath, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_dkim_keys: resolver: %s\n", err);
		return 1;
	}
	kc = dkim_keycache_new(0);
	printf("bench_dkim_keys: one EVP verification (ms, ratio to rsa2048)\n");
	for (i = 0; i < NKEYS; i++) {
		double t = time_evp(k[i], budget / 2);

		if (i == 0)
			base = t;
		printf("  %-14s %8.3f ms %7.1fx\n", keys[i], t * 1e3, t / base);
	}
	printf("bench_dkim_keys: one signature per message (ms per message, "
	    "ratio to rsa2048), then 8 signatures x 4 key records\n");
	for (i = 0; i < NKEYS; i++) {
		dkim_result r = verify(res, kc, &one[i], &np, reason,
		    sizeof(reason));
		double t = time_msg(res, kc, &one[i], budget), t8;

		if (i == 0)
			base = t;
		if ((i == 0 || i == 1) && r != DKIM_PASS)
			rc = 1;
		printf("  %-14s %-9s %8.3f ms %7.1fx  %s\n", keys[i],
		    dkim_result_name(r), t * 1e3, t / base,
		    r == DKIM_PASS ? "" : reason);
		t8 = time_msg(res, kc, &worst[i], budget);
		if (i == 0)
			base8 = t8;
		(void)verify(res, kc, &worst[i], &np, reason, sizeof(reason));
		printf("  %-14s 8 sigs x 4 records: %8.3f ms per message "
		    "(%.1fx the rsa2048 one)\n", "", t8 * 1e3, t8 / base8);
	}
	for (i = 0; i < NKEYS; i++) {
		EVP_PKEY_free(k[i]);
		sb_free(&one[i]);
		sb_free(&worst[i]);
	}
	dkim_keycache_free(kc);
	dns_resolver_free(res);
	unlink(zpath);
	return rc;
}
