/*
 * tests/unit/check_dkim_parse.c - tag-list, base64, DKIM-Signature and key
 * record parsing (RFC 6376 3.2, 3.5, 3.6.1).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_key.h"
#include "dkim/dkim_sig.h"
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

int
main(void)
{
	Suite *s = suite_create("dkim_parse");
	TCase *tc = tcase_create("all");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, taglist_basic);
	tcase_add_test(tc, taglist_errors);
	tcase_add_test(tc, base64_strict);
	tcase_add_test(tc, sig_good);
	tcase_add_test(tc, sig_errors);
	tcase_add_test(tc, sig_strip_b);
	tcase_add_test(tc, key_records);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
