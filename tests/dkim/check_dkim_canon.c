/*
 * tests/dkim/check_dkim_canon.c - canonicalization (RFC 6376 3.4) and
 * verifier behaviour that needs no DNS: chunk-boundary invariance, bounded
 * trailing-line state, RFC 6376 3.4.5 examples, the signature limit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dkim/dkim_canon_int.h"
#include "tests/lib/canon_oracle.h"
#include "tests/lib/check_main.h"

static void
collect(void *arg, const void *p, size_t n)
{
	sb_append(arg, p, n);
}

/* canonical body of in fed with chunk sizes from sizes[] cyclically */
static void
canon(int relaxed, const char *in, size_t n, const size_t *sizes,
    size_t nsizes, strbuf *out)
{
	dkim_bodycanon bc;
	size_t i = 0, k = 0;

	dkim_bodycanon_init(&bc, relaxed, collect, out);
	while (i < n) {
		size_t c = sizes[k++ % nsizes];

		if (c > n - i)
			c = n - i;
		dkim_bodycanon_update(&bc, in + i, c);
		i += c;
	}
	dkim_bodycanon_final(&bc);
}

static void
check_body(int relaxed, const char *in, const char *want)
{
	static const size_t one = 1, whole = (size_t)-1;
	size_t rnd[64], k;
	strbuf a, b, c;
	unsigned seed = 12345;

	for (k = 0; k < 64; k++) {
		seed = seed * 1103515245u + 12345u;
		rnd[k] = 1 + (seed >> 16) % 9;
	}
	sb_init(&a);
	sb_init(&b);
	sb_init(&c);
	canon(relaxed, in, strlen(in), &whole, 1, &a);
	canon(relaxed, in, strlen(in), &one, 1, &b);
	canon(relaxed, in, strlen(in), rnd, 64, &c);
	ck_assert_msg(strcmp(a.s, want) == 0, "whole: [%s] want [%s]", a.s, want);
	ck_assert_msg(strcmp(b.s, want) == 0, "1-byte: [%s] want [%s]", b.s, want);
	ck_assert_msg(strcmp(c.s, want) == 0, "random: [%s] want [%s]", c.s, want);
	sb_free(&a);
	sb_free(&b);
	sb_free(&c);
}

/*
 * Random text: either octet soup over an alphabet rich in what
 * canonicalization cares for, or mail-like lines (words, single and
 * multiple WSP, trailing WSP, empty and WSP-only lines, lone CR/LF) long
 * enough for the vectorised scans.
 */
static size_t
random_text(char *buf, size_t max, unsigned *seed)
{
	static const char alpha[] = "  \t\r\n\r\n\r\nab x.";
	static const char *const pieces[] = {
		"word", "mail", "x", " ", " ", " ", "  ", "\t", " \t ", "\r\n",
		"\r\n", "\r\n\r\n", " \r\n", "\t\r\n", "\r", "\n", "\r\n ",
		"\r\n\t", "\r\n\r", ".", "longerwordthanusual",
	};
	size_t n, k;
	int soup;

	*seed = *seed * 1103515245u + 12345u;
	n = (*seed >> 8) % max;
	soup = (*seed >> 4) & 1;
	for (k = 0; k < n;) {
		*seed = *seed * 1103515245u + 12345u;
		if (soup) {
			buf[k++] = alpha[(*seed >> 12) % (sizeof(alpha) - 1)];
		} else {
			const char *w = pieces[(*seed >> 12) %
			    (sizeof(pieces) / sizeof(pieces[0]))];

			for (; *w != '\0' && k < n; w++)
				buf[k++] = *w;
			/* mostly plain words and single SP: the fast path */
			if ((*seed >> 20) % 3 != 0)
				for (; k + 6 < n && (*seed >> 24) % 5 != 0;
				    *seed = *seed * 1103515245u + 12345u) {
					memcpy(buf + k, " word", 5);
					k += 5;
				}
		}
	}
	return n;
}

START_TEST(body_matches_reference)
{
	static char in[4096];
	unsigned seed = 20240601;
	size_t iter, k, n, sizes[16];
	strbuf want, got;

	sb_init(&want);
	sb_init(&got);
	for (iter = 0; iter < 20000; iter++) {
		int relaxed = (int)(iter & 1);

		n = random_text(in, sizeof(in), &seed);
		for (k = 0; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			sizes[k] = (seed >> 20) & 1 ? 1 + (seed >> 8) % 5 :
			    1 + (seed >> 8) % 1500;
		}
		sb_reset(&want);
		sb_reset(&got);
		canon_oracle_body(relaxed, in, n, &want);
		canon(relaxed, in, n, sizes, 16, &got);
		ck_assert_msg(want.len == got.len &&
		    memcmp(want.s, got.s, want.len) == 0,
		    "%s body differs from the reference (iteration %zu, %zu octets)",
		    relaxed ? "relaxed" : "simple", iter, n);
	}
	sb_free(&want);
	sb_free(&got);
}
END_TEST

/* in split into chunks at a and b (a <= b <= n) must canonicalize to want */
static void
check_split(int relaxed, const char *in, size_t n, size_t a, size_t b,
    const strbuf *want, strbuf *got)
{
	dkim_bodycanon bc;

	sb_reset(got);
	dkim_bodycanon_init(&bc, relaxed, collect, got);
	dkim_bodycanon_update(&bc, in, a);
	dkim_bodycanon_update(&bc, in + a, b - a);
	dkim_bodycanon_update(&bc, in + b, n - b);
	dkim_bodycanon_final(&bc);
	ck_assert_msg(want->len == got->len &&
	    memcmp(want->s, got->s, want->len) == 0,
	    "%s body split at %zu and %zu of %zu differs from the reference",
	    relaxed ? "relaxed" : "simple", a, b, n);
}

/*
 * Every place a chunk can end: adversarial patterns (WSP runs before CRLF,
 * CR LF CR, lone CR, empty and WSP-only lines, TAB) put at every offset
 * of a line long enough for the 16-octet scans, and random text, each
 * split at every octet and at every pair of octets near the pattern, and
 * fed in 1-octet chunks, against the reference.
 */
START_TEST(body_every_split)
{
	static const char *const pat[] = {
		"  \r\n", " \r\n", "\t\r\n", " \t \r\nz", "\r\n\r\n", "\r\n \r\n",
		"\r\n\r", "\r\n\rz", " \r", " \rz", "\r\r\n", "\r\r\n\r\n",
		"a \tb", "a  b", "a\tb", "\r\n\r\n\r\nz", "\r\n  \r\n\t\r\nz",
		"\n\r\n", "\r \n", " \r\n\r\n ", "\r\n\t", "\r\n\r\n\r",
	};
	static const size_t one = 1;
	char in[160];
	strbuf want, got;
	unsigned seed = 99;
	size_t p, off, tail, n, a, b, iter;
	int relaxed;

	sb_init(&want);
	sb_init(&got);
	for (relaxed = 0; relaxed < 2; relaxed++)
		for (p = 0; p < sizeof(pat) / sizeof(pat[0]); p++)
			for (off = 0; off < 40; off++)
				for (tail = 0; tail < 24; tail += 23) {
					size_t pl = strlen(pat[p]);

					memset(in, 'x', off);
					memcpy(in + off, pat[p], pl);
					memset(in + off + pl, 'y', tail);
					n = off + pl + tail;
					sb_reset(&want);
					canon_oracle_body(relaxed, in, n, &want);
					for (a = 0; a <= n; a++)
						check_split(relaxed, in, n, a, a, &want,
						    &got);
					for (a = off > 2 ? off - 2 : 0; a <= off + pl; a++)
						for (b = a; b <= off + pl + 2 && b <= n; b++)
							check_split(relaxed, in, n, a, b,
							    &want, &got);
					sb_reset(&got);
					canon(relaxed, in, n, &one, 1, &got);
					ck_assert(want.len == got.len &&
					    memcmp(want.s, got.s, want.len) == 0);
				}
	for (iter = 0; iter < 3000; iter++) {
		relaxed = (int)(iter & 1);
		n = random_text(in, sizeof(in), &seed);
		sb_reset(&want);
		canon_oracle_body(relaxed, in, n, &want);
		for (a = 0; a <= n; a++)
			check_split(relaxed, in, n, a, a + (n - a) / 2, &want, &got);
	}
	sb_free(&want);
	sb_free(&got);
}
END_TEST

START_TEST(header_matches_reference)
{
	static char in[600];
	unsigned seed = 7;
	size_t iter, n, split;
	strbuf want, got;

	sb_init(&want);
	sb_init(&got);
	for (iter = 0; iter < 20000; iter++) {
		int relaxed = (int)(iter & 1);

		n = random_text(in, sizeof(in), &seed);
		split = n > 0 ? seed % (n < 40 ? n : 40) : 0;
		sb_reset(&want);
		sb_reset(&got);
		canon_oracle_header(relaxed, in, split, in + split, n - split,
		    &want);
		ck_assert_int_eq(dkim_canon_header(&got, relaxed, in, split,
		    in + split, n - split, 1), 0);
		ck_assert_msg(want.len == got.len &&
		    memcmp(want.s, got.s, want.len) == 0,
		    "header differs from the reference (iteration %zu)", iter);
	}
	sb_free(&want);
	sb_free(&got);
}
END_TEST

START_TEST(body_simple)
{
	check_body(0, "", "\r\n");
	check_body(0, "\r\n\r\n\r\n", "\r\n");
	check_body(0, "a", "a\r\n");
	check_body(0, "a \t\r\n\r\n\r\nb\r\n\r\n", "a \t\r\n\r\n\r\nb\r\n");
	check_body(0, "a\rb\nc\r", "a\rb\nc\r\r\n");  /* lone CR/LF are content */
	check_body(0, "x\r\r\n", "x\r\r\n");
}
END_TEST

START_TEST(body_relaxed)
{
	check_body(1, "", "");
	check_body(1, "\r\n \t\r\n", "");
	check_body(1, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");  /* 3.4.5 */
	check_body(1, "a  b\t\tc   \r\n\r\n  \r\nd", "a b c\r\n\r\n\r\nd\r\n");
	check_body(1, "x \r", "x \r\r\n");
	check_body(1, "x\t", "x\r\n");
}
END_TEST

/* a long run of empty lines is counted, not stored: same output, tiny state */
START_TEST(body_many_empty_lines)
{
	size_t n = 200000, k;
	char *in = malloc(2 * n + 2);
	strbuf out, want;
	static const size_t one = 1;

	for (k = 0; k < n; k++)
		memcpy(in + 2 * k, "\r\n", 2);
	in[2 * n] = 'z';
	in[2 * n + 1] = '\0';
	sb_init(&out);
	sb_init(&want);
	for (k = 0; k < n; k++)
		sb_append(&want, "\r\n", 2);
	sb_append(&want, "z\r\n", 3);
	canon(0, in, 2 * n + 1, &one, 1, &out);
	ck_assert(out.len == want.len && memcmp(out.s, want.s, out.len) == 0);
	sb_reset(&out);
	in[2 * n] = '\0';
	canon(1, in, 2 * n, &one, 1, &out);
	ck_assert_uint_eq(out.len, 0);
	ck_assert(sizeof(dkim_bodycanon) < 8192);
	free(in);
	sb_free(&out);
	sb_free(&want);
}
END_TEST

START_TEST(header_canon)
{
	strbuf sb;

	sb_init(&sb);
	dkim_canon_header(&sb, 1, "B ", 2, " Y\t\r\n\tZ  ", 9, 1);
	ck_assert_str_eq(sb.s, "b:Y Z\r\n");
	sb_reset(&sb);
	dkim_canon_header(&sb, 0, "B ", 2, " Y\t\r\n\tZ  ", 9, 1);
	ck_assert_str_eq(sb.s, "B : Y\t\r\n\tZ  \r\n");
	sb_reset(&sb);
	dkim_canon_header(&sb, 1, "Subject", 7, "  ", 2, 0);
	ck_assert_str_eq(sb.s, "subject:");
	sb_free(&sb);
}
END_TEST

/* many signatures: 8 evaluated (temperror: no resolver), the rest policy */
START_TEST(signature_limit)
{
	dkim_verifier *v = dkim_verifier_new(NULL, NULL);
	const char *sig = " v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=From; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA";
	size_t k;

	ck_assert_ptr_nonnull(v);
	for (k = 0; k < 1000; k++)
		ck_assert_int_eq(dkim_header(v, "DKIM-Signature", 14, sig,
		    strlen(sig)), 0);
	ck_assert_int_eq(dkim_header(v, "From", 4, " a@example.com", 14), 0);
	ck_assert_int_eq(dkim_eoh(v), 0);
	ck_assert_int_eq(dkim_body(v, "hi\r\n", 4), 0);
	ck_assert_int_eq(dkim_eom(v), 0);
	/* 1,001 fields (120 KB) are all kept: 8 evaluated, the rest policy */
	ck_assert_uint_eq(dkim_count(v), 1000);
	ck_assert_int_eq(dkim_result_at(v, 0)->result, DKIM_TEMPERROR);
	ck_assert_int_eq(dkim_result_at(v, 7)->result, DKIM_TEMPERROR);
	ck_assert_int_eq(dkim_result_at(v, 8)->result, DKIM_POLICY);
	ck_assert_int_eq(dkim_result_at(v, 999)->result, DKIM_POLICY);
	ck_assert(strstr(dkim_result_at(v, 999)->reason, "more than 8") != NULL);
	dkim_verifier_free(v);

	/* 1,500: the first 1,000 are listed (DKIM_MAX_LISTED) */
	v = dkim_verifier_new(NULL, NULL);
	for (k = 0; k < 1500; k++)
		dkim_header(v, "DKIM-Signature", 14, sig, strlen(sig));
	dkim_header(v, "From", 4, " a@example.com", 14);
	dkim_eoh(v);
	dkim_eom(v);
	ck_assert_uint_eq(dkim_count(v), 1000);
	ck_assert_int_eq(dkim_result_at(v, 0)->result, DKIM_TEMPERROR);
	ck_assert_int_eq(dkim_result_at(v, 999)->result, DKIM_POLICY);
	ck_assert_ptr_null(dkim_result_at(v, 1000));
	dkim_verifier_free(v);

	v = dkim_verifier_new(NULL, NULL);
	for (k = 0; k < 900; k++)
		dkim_header(v, "DKIM-Signature", 14, sig, strlen(sig));
	dkim_header(v, "From", 4, " a@example.com", 14);
	dkim_eoh(v);
	dkim_eom(v);
	ck_assert_uint_eq(dkim_count(v), 900);
	for (k = 0; k < 900; k++) {
		const dkim_sigresult *r = dkim_result_at(v, k);

		ck_assert_int_eq(r->result, k < 8 ? DKIM_TEMPERROR : DKIM_POLICY);
		ck_assert_str_eq(r->d, "example.com");
	}
	ck_assert(strstr(dkim_result_at(v, 8)->reason, "more than 8") != NULL);
	dkim_verifier_free(v);
}
END_TEST

START_TEST(call_order_and_policy_results)
{
	dkim_options o;
	dkim_verifier *v;
	const dkim_sigresult *r;
	const char *sig1 = " v=1; a=rsa-sha1; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA";
	const char *sig2 = " v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "bh=AAAA; b=AAAA; t=1000; x=2000";

	dkim_options_init(&o);
	o.now = 2000 + 3 * 86400;
	v = dkim_verifier_new(NULL, &o);
	ck_assert_int_eq(dkim_body(v, "x", 1), -1);
	dkim_header(v, "DKIM-Signature", 14, sig1, strlen(sig1));
	dkim_header(v, "dkim-signature ", 15, sig2, strlen(sig2));
	ck_assert_int_eq(dkim_eom(v), 0);
	ck_assert_int_eq(dkim_header(v, "X", 1, "y", 1), -1);
	ck_assert_uint_eq(dkim_count(v), 2);
	r = dkim_result_at(v, 0);
	ck_assert_int_eq(r->result, DKIM_PERMERROR);
	ck_assert_str_eq(r->reason, "rsa-sha1 not accepted (RFC 8301)");
	r = dkim_result_at(v, 1);
	ck_assert_int_eq(r->result, DKIM_PERMERROR);
	ck_assert_str_eq(r->reason, "signature expired 3 days ago");
	ck_assert_str_eq(r->b, "AAAA");
	dkim_verifier_free(v);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_canon");
	TCase *tc = tcase_create("all");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, body_simple);
	tcase_add_test(tc, body_relaxed);
	tcase_add_test(tc, body_many_empty_lines);
	tcase_add_test(tc, header_canon);
	tcase_add_test(tc, body_matches_reference);
	tcase_add_test(tc, body_every_split);
	tcase_add_test(tc, header_matches_reference);
	tcase_add_test(tc, signature_limit);
	tcase_add_test(tc, call_order_and_policy_results);
	suite_add_tcase(s, tc);
	return s;
}
