/*
 * tests/bench/odk_sign.c - OpenDKIM's signer (libopendkim) as a helper of
 * tests/bench/bench_dkim_sign.c, so authmilter's signer is compared with
 * OpenDKIM's over the same corpus in the same run. A program of its own
 * because libopendkim's names (dkim_header, dkim_body, dkim_eom, ...)
 * are also dkim/'s: the two are never linked together, and nothing but
 * this helper links -lopendkim (built only when pkg-config finds
 * libopendkim-dev).
 *
 *   odk_sign CORPUS RSA.pem ED25519.pem
 *
 * CORPUS: per message a 32-bit field count, each field as a 32-bit
 * length and "Name:value" (the raw value, folding kept), then a 64-bit
 * body length and the body (CRLF), all in host byte order. Then it reads
 * requests "A I\n" on stdin (A 0 = rsa-sha256 with RSA.pem, 1 =
 * ed25519-sha256 with ED25519.pem; I the message index) and signs that
 * message as OpenDKIM's milter drives the library (dkim_sign, dkim_header
 * per field, dkim_eoh, dkim_body in 64 KB chunks, dkim_eom,
 * dkim_getsighdr_d, dkim_free), relaxed/relaxed, t= fixed, with the
 * header list and over-signed names of authmilter's default, and answers
 * "NS BH\n": the CPU nanoseconds the signing took (CLOCK_THREAD_CPUTIME_ID, as
 * the benchmark measures ours) and the signature's bh= value; "-1 error\n" when
 * OpenDKIM failed. Exit 0 at end of input, 1 on a bad corpus or key.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <opendkim/dkim.h>

#define ODK_MAX_MSG 1000       /* local limit: the benchmark sends 60 */
#define ODK_MAX_FIELDS 64
#define ODK_CHUNK 65536

typedef struct odk_msg {
	uint32_t nf;
	u_char *field[ODK_MAX_FIELDS];
	size_t flen[ODK_MAX_FIELDS];
	u_char *body;
	uint64_t blen;
} odk_msg;

static const char *sign_hdrs[] = { "from", "to", "cc", "subject", "date",
	"reply-to", "message-id", "mime-version", "content-type",
	"content-transfer-encoding", "in-reply-to", "references", "sender",
	"list-id", "list-unsubscribe", "list-unsubscribe-post", NULL };
static const char *over_hdrs[] = { "from", "to", "cc", "subject", "date",
	"reply-to", "message-id", "mime-version", "content-type",
	"content-transfer-encoding", NULL };

static u_char *
slurp(FILE *f, size_t n)
{
	u_char *p = malloc(n + 1);

	if (p == NULL || fread(p, 1, n, f) != n) {
		free(p);
		return NULL;
	}
	p[n] = '\0';
	return p;
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	p = (char *)slurp(f, (size_t)n);
	fclose(f);
	return p;
}

static int
sign_one(DKIM_LIB *lib, const odk_msg *m, const char *key, int ed,
    char *bh, size_t bhsize)
{
	DKIM_STAT st;
	DKIM *d;
	u_char *h;
	const char *p;
	size_t i, hl, n = 0;
	int rc = -1;

	d = dkim_sign(lib, (const u_char *)"bench", NULL, (dkim_sigkey_t)key,
	    (const u_char *)"bench", (const u_char *)"example.com",
	    DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, ed ?
	    DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL)
		return -1;
	for (i = 0; i < m->nf; i++)
		if (dkim_header(d, m->field[i], m->flen[i]) != DKIM_STAT_OK)
			goto out;
	if (dkim_eoh(d) != DKIM_STAT_OK)
		goto out;
	for (i = 0; i < m->blen; i += ODK_CHUNK)
		if (dkim_body(d, m->body + i, m->blen - i < ODK_CHUNK ?
		    m->blen - i : ODK_CHUNK) != DKIM_STAT_OK)
			goto out;
	if (dkim_eom(d, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr_d(d, 16, &h, &hl) != DKIM_STAT_OK)
		goto out;
	if ((p = strstr((const char *)h, "bh=")) == NULL)
		goto out;
	for (p += 3; *p != '\0' && *p != ';' && n + 1 < bhsize; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			bh[n++] = *p;
	bh[n] = '\0';
	rc = 0;
out:
	dkim_free(d);
	return rc;
}

int
main(int argc, char **argv)
{
	static odk_msg m[ODK_MAX_MSG];
	size_t nm = 0, i;
	char *key[2], line[64], bh[128];
	uint64_t fixed = 1700000000;
	struct timespec t0, t1;
	DKIM_LIB *lib;
	FILE *f;
	int a, idx, rc;

	if (argc != 4 || (f = fopen(argv[1], "rb")) == NULL ||
	    (key[0] = read_file(argv[2])) == NULL ||
	    (key[1] = read_file(argv[3])) == NULL) {
		fprintf(stderr, "usage: odk_sign CORPUS RSA.pem ED25519.pem\n");
		return 1;
	}
	while (nm < ODK_MAX_MSG && fread(&m[nm].nf, 4, 1, f) == 1) {
		if (m[nm].nf > ODK_MAX_FIELDS)
			return 1;
		for (i = 0; i < m[nm].nf; i++) {
			uint32_t l;

			if (fread(&l, 4, 1, f) != 1 ||
			    (m[nm].field[i] = slurp(f, l)) == NULL)
				return 1;
			m[nm].flen[i] = l;
		}
		if (fread(&m[nm].blen, 8, 1, f) != 1 ||
		    (m[nm].body = slurp(f, (size_t)m[nm].blen)) == NULL)
			return 1;
		nm++;
	}
	fclose(f);
	if ((lib = dkim_init(NULL, NULL)) == NULL ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sign_hdrs,
	    sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    over_hdrs, sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &fixed,
	    sizeof(fixed)) != DKIM_STAT_OK) {
		fprintf(stderr, "odk_sign: dkim_init/dkim_options failed\n");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%d %d", &a, &idx) != 2 || a < 0 || a > 1 ||
		    idx < 0 || (size_t)idx >= nm) {
			printf("-1 error\n");
			fflush(stdout);
			continue;
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		rc = sign_one(lib, &m[idx], key[a], a, bh, sizeof(bh));
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		if (rc < 0)
			printf("-1 error\n");
		else
			printf("%lld %s\n", (long long)(t1.tv_sec - t0.tv_sec) *
			    1000000000LL + (t1.tv_nsec - t0.tv_nsec), bh);
		fflush(stdout);
	}
	dkim_close(lib);
	return 0;
}
