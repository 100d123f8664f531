/*
 * tests/dkim/check_dkim_bounds.c - the work a sender's keys can make the
 * verifier do (issue 11): RSA keys over max_rsa_bits (default 4096, RFC
 * 8301 3.2) and public exponents over DKIM_MAX_RSA_EXP_BITS are `policy`
 * with the limit in the reason; the public-key verifications of one
 * message are bounded however many key records and signatures share
 * them, key cache or not. Real signatures (tests/lib/dkimsign.c, keys in
 * tests/fixtures/dkim_keys/) over the real resolver (a zone file).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim/dkim.h"
#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dkimsign.h"
#include "tests/lib/testzone.h"
#include "util/strbuf.h"

#define KEYDIR "tests/fixtures/dkim_keys/"

enum { K4096, K4097, KE33, KE34, KE3071, KED0, KED1, KED2, KED3, KEDX, NKEYS };
static const char *const files[NKEYS] = {
	"rsa4096", "rsa4097", "rsa3072-e33", "rsa3072-e34", "rsa3072-e3071",
};
static EVP_PKEY *key[NKEYS];
static char zpath[64];
static dns_resolver *res;

static void
setup(void)
{
	char err[256], path[128], name[64];
	FILE *fp;
	int i;

	fp = testzone_create(zpath, sizeof(zpath), "check_dkim_bounds");
	ck_assert_ptr_nonnull(fp);
	for (i = 0; i < NKEYS; i++) {
		if (i < KED0) {
			snprintf(path, sizeof(path), KEYDIR "%s.pem", files[i]);
			key[i] = dkimsign_load(path);
		} else {
			key[i] = dkimsign_ed25519();
		}
		ck_assert_msg(key[i] != NULL, "key %d", i);
		if (i == KEDX)
			continue;  /* signs, is published nowhere */
		snprintf(name, sizeof(name), "k%d._domainkey.example.com.", i);
		dkimsign_zone_key(fp, name, key[i], NULL);
		if (i >= KED0)  /* four records at one name */
			dkimsign_zone_key(fp, "multi._domainkey.example.com.",
			    key[i], NULL);
	}
	fclose(fp);
	res = testzone_resolver(zpath, 5000, err, sizeof(err));
	ck_assert_msg(res != NULL, "resolver: %s", err);
}

static void
teardown(void)
{
	int i;

	for (i = 0; i < NKEYS; i++)
		EVP_PKEY_free(key[i]);
	dns_resolver_free(res);
	unlink(zpath);
}

/* A message signed by key k for selector k<k>, verified with o. */
static dkim_verifier *
verify_one(int k, const dkim_options *o)
{
	strbuf text;
	char sel[16], err[256];
	dkim_verifier *v;

	sb_init(&text);
	snprintf(sel, sizeof(sel), "k%d", k);
	ck_assert_int_eq(dkimsign_message(&text, key[k], "example.com", sel,
	    "bounds", "hello\r\n"), 0);
	v = dkim_verifier_new(res, o);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(dkim_msg_verify(v, text.s, text.len, err, sizeof(err)), 0);
	ck_assert_uint_eq(dkim_count(v), 1);
	sb_free(&text);
	return v;
}

static void
expect(int k, const dkim_options *o, dkim_result want, const char *reason)
{
	dkim_verifier *v = verify_one(k, o);
	const dkim_sigresult *r = dkim_result_at(v, 0);

	ck_assert_msg(r->result == want, "%s: %s (%s), want %s", files[k],
	    dkim_result_name(r->result), r->reason, dkim_result_name(want));
	if (reason != NULL)
		ck_assert_str_eq(r->reason, reason);
	dkim_verifier_free(v);
}

/* RFC 8301 3.2's 4096 bits pass; one bit more is refused by default, and
 * passes when dkim_max_rsa_bits allows it. */
START_TEST(rsa_modulus_limit)
{
	dkim_options o;

	dkim_options_init(&o);
	ck_assert_uint_eq(o.max_rsa_bits, 4096);
	expect(K4096, &o, DKIM_PASS, NULL);
	expect(K4097, &o, DKIM_POLICY, "RSA key 4097 bits > 4096 (local limit)");
	o.max_rsa_bits = 8192;
	expect(K4097, &o, DKIM_PASS, NULL);
	o.max_rsa_bits = 0;  /* the default */
	expect(K4097, &o, DKIM_POLICY, NULL);
}
END_TEST

/* A 33-bit public exponent passes, a 34-bit or 3071-bit one is refused
 * (the 3071-bit one cost 300 verifications of a 2048-bit key each). */
START_TEST(rsa_exponent_limit)
{
	dkim_options o;
	dkim_verifier *v;

	dkim_options_init(&o);
	o.max_rsa_bits = 8192;
	expect(KE33, &o, DKIM_PASS, NULL);
	expect(KE34, &o, DKIM_POLICY,
	    "RSA public exponent of 34 bits > 33 (local limit)");
	expect(KE3071, &o, DKIM_POLICY,
	    "RSA public exponent of 3071 bits > 33 (local limit)");
	/* the key's size is still reported */
	v = verify_one(KE3071, &o);
	ck_assert_uint_eq(dkim_result_at(v, 0)->key_bits, 3072);
	dkim_verifier_free(v);
}
END_TEST

/* A refused key stays refused when it comes from the key cache (the
 * limits are checked on each use, not only when the key is parsed). */
START_TEST(refused_keys_cached)
{
	dkim_options o;
	dkim_keycache *kc = dkim_keycache_new(0);
	int round;

	ck_assert_ptr_nonnull(kc);
	dkim_options_init(&o);
	o.keycache = kc;
	for (round = 0; round < 2; round++) {  /* cold, then warm */
		expect(K4097, &o, DKIM_POLICY,
		    "RSA key 4097 bits > 4096 (local limit)");
		expect(KE3071, &o, DKIM_POLICY, NULL);
	}
	/* a larger max_rsa_bits takes the cached key, the exponent limit
	 * still applies */
	o.max_rsa_bits = 8192;
	expect(K4097, &o, DKIM_PASS, NULL);
	expect(KE3071, &o, DKIM_POLICY,
	    "RSA public exponent of 3071 bits > 33 (local limit)");
	dkim_keycache_free(kc);
}
END_TEST

/*
 * Eight signatures whose key name holds four records (four keys), none
 * of which made them: each signature tries every record. The budget is
 * max(max_signatures, 4) verifications per message: the first two
 * signatures use four each and fail, the other six are policy (32
 * verifications before). The key cache changes nothing to the count.
 */
START_TEST(verifications_per_message)
{
	strbuf text;
	char err[256];
	dkim_options o;
	dkim_verifier *v;
	dkim_keycache *kc = dkim_keycache_new(0);
	size_t k;
	int round;

	sb_init(&text);
	ck_assert_int_eq(dkimsign_message(&text, key[KEDX], "example.com",
	    "multi", "budget", "hello\r\n"), 0);
	for (k = 1; k < 8; k++)
		ck_assert_int_eq(dkimsign_add(&text, key[KEDX], "example.com",
		    "multi"), 0);
	for (round = 0; round < 3; round++) {
		dkim_options_init(&o);
		o.keycache = round == 0 ? NULL : kc;  /* cold, then warm */
		v = dkim_verifier_new(res, &o);
		ck_assert_int_eq(dkim_msg_verify(v, text.s, text.len, err,
		    sizeof(err)), 0);
		ck_assert_uint_eq(dkim_count(v), 8);
		for (k = 0; k < 8; k++) {
			const dkim_sigresult *r = dkim_result_at(v, k);

			if (k < 2) {
				ck_assert_msg(r->result == DKIM_FAIL, "%zu: %s %s",
				    k, dkim_result_name(r->result), r->reason);
				ck_assert_str_eq(r->reason,
				    "signature did not verify");
			} else {
				ck_assert_msg(r->result == DKIM_POLICY, "%zu: %s %s",
				    k, dkim_result_name(r->result), r->reason);
				ck_assert_str_eq(r->reason, "more than 8 key "
				    "verifications in the message: not evaluated");
			}
		}
		dkim_verifier_free(v);
	}
	/* one signature may always try all four records */
	dkim_options_init(&o);
	o.max_signatures = 1;
	v = dkim_verifier_new(res, &o);
	ck_assert_int_eq(dkim_msg_verify(v, text.s, text.len, err, sizeof(err)),
	    0);
	ck_assert_int_eq(dkim_result_at(v, 0)->result, DKIM_FAIL);
	ck_assert_int_eq(dkim_result_at(v, 1)->result, DKIM_POLICY);
	ck_assert_str_eq(dkim_result_at(v, 1)->reason,
	    "more than 1 signatures: not evaluated");
	dkim_verifier_free(v);
	dkim_keycache_free(kc);
	sb_free(&text);
}
END_TEST

/* Eight good signatures sharing one key all pass: the budget is one
 * verification per evaluated signature. */
START_TEST(shared_key_signatures_pass)
{
	strbuf text;
	char err[256], sel[16];
	dkim_options o;
	dkim_verifier *v;
	dkim_keycache *kc = dkim_keycache_new(0);
	size_t k;

	sb_init(&text);
	snprintf(sel, sizeof(sel), "k%d", KED1);
	ck_assert_int_eq(dkimsign_message(&text, key[KED1], "example.com",
	    sel, "shared", "hello\r\n"), 0);
	for (k = 1; k < 8; k++)
		ck_assert_int_eq(dkimsign_add(&text, key[KED1], "example.com",
		    sel), 0);
	dkim_options_init(&o);
	o.keycache = kc;
	v = dkim_verifier_new(res, &o);
	ck_assert_int_eq(dkim_msg_verify(v, text.s, text.len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(dkim_count(v), 8);
	for (k = 0; k < 8; k++)
		ck_assert_msg(dkim_result_at(v, k)->result == DKIM_PASS,
		    "%zu: %s", k, dkim_result_at(v, k)->reason);
	dkim_verifier_free(v);
	dkim_keycache_free(kc);
	sb_free(&text);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_bounds");
	TCase *tc = tcase_create("all");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rsa_modulus_limit);
	tcase_add_test(tc, rsa_exponent_limit);
	tcase_add_test(tc, refused_keys_cached);
	tcase_add_test(tc, verifications_per_message);
	tcase_add_test(tc, shared_key_signatures_pass);
	suite_add_tcase(s, tc);
	return s;
}
