/*
 * tests/dkim/check_dkim_keygen.c - the key tools' library part
 * (dkim/dkim_keygen.c):
 * - RSA-2048 and Ed25519 keys generated, written as PEM, read back by
 *   dkim_privkey_parse() as the same key (same p=); RSA under 1024 bits
 *   or over the verifiers' limit refused;
 * - the record "v=DKIM1; k=...; p=..." parses with the verifier's parser
 *   (dkim_key_inspect) and matches its key, also with whitespace and
 *   line breaks inside p=; another key's record is a mismatch (0), a
 *   revoked or broken record -1;
 * - dkim_txt_strings(): every string at most 255 octets, the tags before
 *   p= in a string of their own, the strings joined give the record back
 *   (4096-bit key), '"' and '\' escaped, the empty text one "".
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dkim/dkim_sign.h"
#include "tests/lib/check_main.h"
#include "util/strbuf.h"

/* Joins the quoted strings of a zone-file text; returns how many, each
 * length checked against the limit. */
static size_t
join_strings(const char *z, strbuf *out, size_t *longest)
{
	size_t n = 0, cur;

	*longest = 0;
	while (*z != '\0') {
		if (*z++ != '"')
			continue;
		cur = 0;
		while (*z != '\0' && *z != '"') {
			if (*z == '\\')
				z++;
			sb_putc(out, *z++);
			cur++;
		}
		ck_assert_int_eq(*z, '"');
		z++;
		n++;
		if (cur > *longest)
			*longest = cur;
	}
	return n;
}

static void
roundtrip(int type, unsigned bits)
{
	dkim_privkey *k, *k2;
	strbuf pem, p1, p2, rec, zone, joined;
	dkim_key_info info;
	char err[256];
	size_t n, longest;

	k = dkim_privkey_generate(type, bits, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(dkim_privkey_type(k), type);
	ck_assert_uint_eq(dkim_privkey_bits(k), type == DKIM_PRIVKEY_RSA ?
	    bits : 256);
	sb_init(&pem); sb_init(&p1); sb_init(&p2); sb_init(&rec);
	sb_init(&zone); sb_init(&joined);
	ck_assert_int_eq(dkim_privkey_pem(k, &pem), 0);
	ck_assert_ptr_nonnull(strstr(pem.s, "-----BEGIN PRIVATE KEY-----"));
	k2 = dkim_privkey_parse(pem.s, pem.len, err, sizeof(err));
	ck_assert_msg(k2 != NULL, "%s", err);
	ck_assert_int_eq(dkim_privkey_pubvalue(k, &p1), 0);
	ck_assert_int_eq(dkim_privkey_pubvalue(k2, &p2), 0);
	ck_assert_str_eq(p1.s, p2.s);

	ck_assert_int_eq(dkim_privkey_record(k, &rec), 0);
	ck_assert_ptr_nonnull(strstr(rec.s, type == DKIM_PRIVKEY_RSA ?
	    "v=DKIM1; k=rsa; p=" : "v=DKIM1; k=ed25519; p="));
	ck_assert_int_eq(dkim_key_inspect(rec.s, rec.len, &info, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(info.ed25519, type == DKIM_PRIVKEY_ED25519);
	ck_assert_uint_eq(info.bits, dkim_privkey_bits(k));
	ck_assert_int_eq(dkim_privkey_match(k, rec.s, rec.len, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(dkim_privkey_match(k2, rec.s, rec.len, err,
	    sizeof(err)), 1);

	ck_assert_int_eq(dkim_txt_strings(rec.s, rec.len, "\n\t", &zone), 0);
	n = join_strings(zone.s, &joined, &longest);
	ck_assert_str_eq(joined.s, rec.s);
	ck_assert_uint_le(longest, DKIM_TXT_STRING_MAX);
	ck_assert_uint_ge(n, 2);
	/* the first string is the tags before p= */
	ck_assert_msg(strncmp(zone.s, type == DKIM_PRIVKEY_RSA ?
	    "\"v=DKIM1; k=rsa; \"" : "\"v=DKIM1; k=ed25519; \"",
	    type == DKIM_PRIVKEY_RSA ? 18 : 22) == 0, "%s", zone.s);
	if (bits >= 4096)
		ck_assert_uint_ge(n, 4);
	sb_free(&pem); sb_free(&p1); sb_free(&p2); sb_free(&rec);
	sb_free(&zone); sb_free(&joined);
	dkim_privkey_free(k);
	dkim_privkey_free(k2);
}

START_TEST(generate_rsa)
{
	roundtrip(DKIM_PRIVKEY_RSA, 2048);
}
END_TEST

START_TEST(generate_rsa4096)
{
	roundtrip(DKIM_PRIVKEY_RSA, 4096);
}
END_TEST

START_TEST(generate_ed25519)
{
	roundtrip(DKIM_PRIVKEY_ED25519, 0);
}
END_TEST

START_TEST(generate_refusals)
{
	char err[256];

	ck_assert_ptr_null(dkim_privkey_generate(DKIM_PRIVKEY_RSA, 1023, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "RFC 8301"));
	ck_assert_ptr_null(dkim_privkey_generate(DKIM_PRIVKEY_RSA,
	    DKIM_MAX_RSA_BITS_LIMIT + 1, err, sizeof(err)));
	ck_assert_ptr_null(dkim_privkey_generate(7, 2048, err, sizeof(err)));
}
END_TEST

START_TEST(match_rules)
{
	dkim_privkey *a, *b, *e;
	strbuf rec, pv, spaced;
	char err[256];
	size_t i;

	a = dkim_privkey_generate(DKIM_PRIVKEY_RSA, 1024, err, sizeof(err));
	b = dkim_privkey_generate(DKIM_PRIVKEY_RSA, 1024, err, sizeof(err));
	e = dkim_privkey_generate(DKIM_PRIVKEY_ED25519, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(e);
	sb_init(&rec); sb_init(&pv); sb_init(&spaced);
	ck_assert_int_eq(dkim_privkey_record(a, &rec), 0);
	ck_assert_int_eq(dkim_privkey_match(b, rec.s, rec.len, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "another rsa key"));
	ck_assert_int_eq(dkim_privkey_match(e, rec.s, rec.len, err,
	    sizeof(err)), 0);
	/* whitespace and line breaks inside p= (RFC 6376 3.6.1 allows FWS
	 * in base64) do not change the answer */
	ck_assert_int_eq(dkim_privkey_pubvalue(a, &pv), 0);
	sb_puts(&spaced, "v=DKIM1;  k=rsa;\r\n\tp=");
	for (i = 0; i < pv.len; i++) {
		sb_putc(&spaced, pv.s[i]);
		if (i % 60 == 59)
			sb_puts(&spaced, "\r\n ");
	}
	ck_assert_int_eq(dkim_privkey_match(a, spaced.s, spaced.len, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(dkim_privkey_match(a, "v=DKIM1; k=rsa; p=", 18, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "revoked"));
	ck_assert_int_eq(dkim_privkey_match(a, "v=DKIM1; k=rsa; p=!!", 20,
	    err, sizeof(err)), -1);
	sb_free(&rec); sb_free(&pv); sb_free(&spaced);
	dkim_privkey_free(a);
	dkim_privkey_free(b);
	dkim_privkey_free(e);
}
END_TEST

START_TEST(txt_splitting)
{
	strbuf z, j;
	char big[700];
	size_t longest;

	sb_init(&z); sb_init(&j);
	ck_assert_int_eq(dkim_txt_strings("", 0, " ", &z), 0);
	ck_assert_str_eq(z.s, "\"\"");
	sb_reset(&z);
	ck_assert_int_eq(dkim_txt_strings("a\"b\\c", 5, " ", &z), 0);
	ck_assert_str_eq(z.s, "\"a\\\"b\\\\c\"");
	sb_reset(&z);
	/* no p=: plain 255-octet cuts */
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(dkim_txt_strings(big, sizeof(big), "|", &z), 0);
	ck_assert_uint_eq(join_strings(z.s, &j, &longest), 3);
	ck_assert_uint_eq(longest, 255);
	ck_assert_uint_eq(j.len, sizeof(big));
	ck_assert_ptr_nonnull(strstr(z.s, "\"|\""));
	/* exactly 255 octets: one string */
	sb_reset(&z);
	ck_assert_int_eq(dkim_txt_strings(big, 255, "|", &z), 0);
	ck_assert_uint_eq(z.len, 257);
	sb_free(&z); sb_free(&j);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_keygen");
	TCase *tc = tcase_create("all");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, generate_rsa);
	tcase_add_test(tc, generate_rsa4096);
	tcase_add_test(tc, generate_ed25519);
	tcase_add_test(tc, generate_refusals);
	tcase_add_test(tc, match_rules);
	tcase_add_test(tc, txt_splitting);
	suite_add_tcase(s, tc);
	return s;
}
