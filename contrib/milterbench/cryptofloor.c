/*
 * contrib/milterbench/cryptofloor.c - the crypto floor of a corpus: the CPU
 * time the unavoidable DKIM work takes with OpenSSL EVP, per message.
 *
 *   cryptofloor SIGS.tsv [ROUNDS]
 *
 * SIGS.tsv (from gencorpus.py): "id alg header_bytes body_bytes" per DKIM
 * signature, alg one of rsa2048, rsa1024, ed25519. For each signature it
 * hashes body_bytes with SHA-256 (the body hash), hashes header_bytes and
 * verifies one signature of that algorithm (RSA PKCS#1 v1.5 SHA-256, RFC
 * 6376 3.3; Ed25519 over the SHA-256 of the header data, RFC 8463 3).
 * Keys are made at start; timing is process CPU time, the best of ROUNDS
 * (default 3). Prints one line for scripts:
 *   messages=N signatures=N floor_us_per_msg=X
 * Exit 0, 1 when the file cannot be read or OpenSSL fails, 2 bad usage.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIGS_MAX	200000		/* signatures read from the file */
#define BYTES_MAX	(16L * 1024 * 1024)	/* per hashed part */

enum alg { RSA2048, RSA1024, ED25519, NALGS };
static const char *alg_names[NALGS] = { "rsa2048", "rsa1024", "ed25519" };

struct sig {
	enum alg alg;
	long hbytes, bbytes;
};

static EVP_PKEY *keys[NALGS];
static unsigned char sigbuf[NALGS][512];
static size_t siglen[NALGS];
static unsigned char *data;

static EVP_PKEY *
make_key(enum alg a)
{
	EVP_PKEY *k = NULL;

	if (a == ED25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)(a == RSA2048 ?
	    2048 : 1024));
	return k;
}

/* SHA-256 of header bytes, then the signature check; 1 = verified. */
static int
verify(enum alg a, long hbytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return 0;
	if (a == ED25519) {
		ok = EVP_Digest(data, (size_t)hbytes, md, &mdlen, EVP_sha256(),
		    NULL) == 1 &&
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, keys[a]) == 1 &&
		    EVP_DigestVerify(ctx, sigbuf[a], siglen[a], md, mdlen) == 1;
	} else {
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
		    keys[a]) == 1 &&
		    EVP_DigestVerify(ctx, sigbuf[a], siglen[a], data,
		    (size_t)hbytes) == 1;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}

static int
setup(long maxbytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	EVP_MD_CTX *ctx;
	long i;
	int a, ok;

	if ((data = malloc((size_t)maxbytes + 1)) == NULL)
		return -1;
	for (i = 0; i < maxbytes; i++)
		data[i] = (unsigned char)('a' + i % 26);
	/* each key signs the first 64 bytes, checked once here; the timed
	 * verifies run over the header length (a mismatch costs the same) */
	for (a = 0; a < NALGS; a++) {
		if ((keys[a] = make_key((enum alg)a)) == NULL ||
		    (ctx = EVP_MD_CTX_new()) == NULL)
			return -1;
		siglen[a] = sizeof(sigbuf[a]);
		if (a == ED25519)
			ok = EVP_Digest(data, 64, md, &mdlen, EVP_sha256(),
			    NULL) == 1 && EVP_DigestSignInit(ctx, NULL, NULL,
			    NULL, keys[a]) == 1 && EVP_DigestSign(ctx, sigbuf[a],
			    &siglen[a], md, mdlen) == 1;
		else
			ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
			    keys[a]) == 1 && EVP_DigestSign(ctx, sigbuf[a],
			    &siglen[a], data, 64) == 1;
		EVP_MD_CTX_free(ctx);
		if (!ok || !verify((enum alg)a, 64))
			return -1;
	}
	return 0;
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static struct sig sigs[SIGS_MAX];
	char line[512], id[128], prev[128] = "", alg[32];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	long nsigs = 0, nmsgs = 0, maxbytes = 64, r, i, rounds = 3;
	double best = 1e30, t;
	FILE *fp;
	int a;

	if (argc < 2 || argc > 3 || (argc == 3 && (rounds = atol(argv[2])) < 1))
		return fprintf(stderr, "usage: cryptofloor sigs.tsv [rounds]\n"), 2;
	if ((fp = fopen(argv[1], "r")) == NULL)
		return perror(argv[1]), 1;
	while (fgets(line, sizeof(line), fp) != NULL && nsigs < SIGS_MAX) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%127s %31s %ld %ld", id, alg, &sigs[nsigs].hbytes,
		    &sigs[nsigs].bbytes) != 4 || sigs[nsigs].hbytes < 64 ||
		    sigs[nsigs].hbytes > BYTES_MAX || sigs[nsigs].bbytes < 0 ||
		    sigs[nsigs].bbytes > BYTES_MAX)
			return fprintf(stderr, "%s: bad line: %s", argv[1], line), 1;
		for (a = 0; a < NALGS && strcmp(alg, alg_names[a]) != 0; a++)
			;
		if (a == NALGS)
			return fprintf(stderr, "%s: unknown alg %s\n", argv[1], alg), 1;
		sigs[nsigs].alg = (enum alg)a;
		if (strcmp(id, prev) != 0)
			nmsgs++;
		snprintf(prev, sizeof(prev), "%s", id);
		if (sigs[nsigs].hbytes > maxbytes)
			maxbytes = sigs[nsigs].hbytes;
		if (sigs[nsigs].bbytes > maxbytes)
			maxbytes = sigs[nsigs].bbytes;
		nsigs++;
	}
	fclose(fp);
	if (nmsgs == 0)
		return fprintf(stderr, "%s: no signatures\n", argv[1]), 1;
	if (setup(maxbytes) < 0)
		return fprintf(stderr, "cryptofloor: OpenSSL set-up failed\n"), 1;
	for (r = 0; r < rounds; r++) {
		t = cpu_s();
		for (i = 0; i < nsigs; i++) {
			EVP_Digest(data, (size_t)sigs[i].bbytes, md, &mdlen,
			    EVP_sha256(), NULL);
			/* same cost whether it verifies or not */
			(void)verify(sigs[i].alg, sigs[i].hbytes);
		}
		t = cpu_s() - t;
		if (t < best)
			best = t;
	}
	printf("messages=%ld signatures=%ld floor_us_per_msg=%.1f\n", nmsgs,
	    nsigs, best * 1e6 / (double)nmsgs);
	return 0;
}
