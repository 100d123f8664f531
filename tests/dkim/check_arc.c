/*
 * tests/dkim/check_arc.c - ARC chain structure (RFC 8617 4.2.1, 5.1.1,
 * 5.2 steps 1-2) through dkim/arc.h: no ARC fields is none; a gap, a
 * duplicate instance, a missing field, i= outside 1..ARC_MAX_SETS, a
 * wrong cv= (i=1 not none, later not pass, any fail), h= in an ARC-Seal
 * or ARC-Seal in an AMS's h= fail before any key is fetched. A
 * well-formed chain gets past the structure to the keys: with no
 * resolver it fails there, on the newest AMS, with the sealers listed.
 * Signatures that verify are the conformance suite's (conf_arc). Each
 * chain also goes through a verifier that reads a DKIM verifier's header
 * block (arc_verifier_new_shared): the same result.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dkim/arc.h"
#include "tests/lib/check_main.h"

#define SIG "a=rsa-sha256; b=dGVzdA==; d=%s; s=sel"

typedef struct chain {
	const char *name[3 * (ARC_MAX_SETS + 2) + 8];
	char value[3 * (ARC_MAX_SETS + 2) + 8][256];
	size_t n;
} chain;

static void
add(chain *c, const char *name, const char *fmt, const char *a,
    unsigned i, const char *b)
{
	char tmp[200];

	ck_assert_uint_lt(c->n, sizeof(c->name) / sizeof(c->name[0]));
	snprintf(tmp, sizeof(tmp), fmt, a, i, b);
	c->name[c->n] = name;
	snprintf(c->value[c->n++], sizeof(c->value[0]), " %s", tmp);
}

static void
add_set(chain *c, unsigned i, const char *cv)
{
	char d[32];

	snprintf(d, sizeof(d), "s%u.example", i);
	add(c, "ARC-Authentication-Results", "i=%.0s%u; %s; spf=pass", "",
	    i, d);
	add(c, "ARC-Message-Signature", SIG "; i=%u; c=relaxed/relaxed; "
	    "bh=dGVzdA==; h=from:to%s", d, i, "");
	add(c, "ARC-Seal", SIG "; i=%u; cv=%s", d, i, cv);
}

static void
add_chain(chain *c, unsigned n)
{
	unsigned i;

	for (i = n; i >= 1; i--)
		add_set(c, i, i == 1 ? "none" : "pass");
}

/* The chain through a verifier of its own, and through one that reads
 * a DKIM verifier's header block (arc_verifier_new_shared: what the
 * milter uses): the same result, reason and sealers. */
static arc_chain
run(const chain *c)
{
	arc_verifier *v = arc_verifier_new(NULL, NULL);
	dkim_verifier *dv = dkim_verifier_new(NULL, NULL);
	arc_verifier *sv = arc_verifier_new_shared(NULL, NULL, dv);
	size_t k;
	arc_chain r, rs;

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(dv);
	ck_assert_ptr_nonnull(sv);
	for (k = 0; k < c->n; k++) {
		ck_assert_int_eq(arc_header(v, c->name[k], strlen(c->name[k]),
		    c->value[k], strlen(c->value[k])), 0);
		ck_assert_int_eq(arc_header(sv, c->name[k],
		    strlen(c->name[k]), c->value[k], strlen(c->value[k])), 0);
		ck_assert_int_eq(dkim_header(dv, c->name[k],
		    strlen(c->name[k]), c->value[k], strlen(c->value[k])), 0);
	}
	ck_assert_int_eq(arc_header(v, "From", 4, " a@b.example", 12), 0);
	ck_assert_int_eq(arc_header(sv, "From", 4, " a@b.example", 12), 0);
	ck_assert_int_eq(dkim_header(dv, "From", 4, " a@b.example", 12), 0);
	ck_assert_int_eq(arc_eoh(v), 0);
	ck_assert_int_eq(dkim_eoh(dv), 0);
	ck_assert_int_eq(arc_eoh(sv), 0);
	ck_assert_int_eq(arc_body(v, "hi\r\n", 4), 0);
	ck_assert_int_eq(arc_body(sv, "hi\r\n", 4), 0);
	(void)arc_eom(v);
	(void)arc_eom(sv);
	ck_assert_ptr_nonnull(arc_chain_result(v));
	r = *arc_chain_result(v);
	rs = *arc_chain_result(sv);
	ck_assert_int_eq(r.result, rs.result);
	ck_assert_uint_eq(r.nsets, rs.nsets);
	ck_assert_str_eq(r.reason, rs.reason);
	for (k = 0; k < r.nsets && k < ARC_MAX_SETS; k++)
		ck_assert_str_eq(r.sealer[k], rs.sealer[k]);
	arc_verifier_free(sv);
	dkim_verifier_free(dv);
	arc_verifier_free(v);
	return r;
}

#define EXPECT_FAIL(c, text) do { \
	arc_chain r_ = run(c); \
	ck_assert_int_eq(r_.result, ARC_FAIL); \
	ck_assert_msg(strstr(r_.reason, text) != NULL, "reason: %s", \
	    r_.reason); \
} while (0)

START_TEST(no_arc_is_none)
{
	chain c = { .n = 0 };
	arc_chain r = run(&c);

	ck_assert_int_eq(r.result, ARC_NONE);
	ck_assert_uint_eq(r.nsets, 0);
}
END_TEST

/* The baseline: the structure passes; the (absent) keys fail it. */
START_TEST(well_formed_reaches_keys)
{
	chain c = { .n = 0 };
	arc_chain r;

	add_chain(&c, 3);
	r = run(&c);
	ck_assert_int_eq(r.result, ARC_FAIL);
	ck_assert_uint_eq(r.nsets, 3);
	ck_assert_msg(strstr(r.reason, "ARC-Message-Signature i=3: body hash")
	    != NULL || strstr(r.reason, "ARC-Message-Signature i=3: no key")
	    != NULL, "reason: %s", r.reason);
	ck_assert_str_eq(r.sealer[0], "s1.example");
	ck_assert_str_eq(r.sealer[2], "s3.example");
	ck_assert_uint_eq(r.oldest_pass, 0);
}
END_TEST

START_TEST(fifty_sets_allowed)
{
	static chain c;
	arc_chain r;

	c.n = 0;
	add_chain(&c, ARC_MAX_SETS);
	r = run(&c);
	ck_assert_uint_eq(r.nsets, ARC_MAX_SETS);
	ck_assert_msg(strstr(r.reason, "ARC-Message-Signature i=50:") != NULL,
	    "reason: %s", r.reason);
}
END_TEST

START_TEST(over_fifty_sets)
{
	static chain c;

	c.n = 0;
	add_set(&c, ARC_MAX_SETS + 1, "pass");
	add_chain(&c, ARC_MAX_SETS);
	EXPECT_FAIL(&c, "without a valid i=");
}
END_TEST

START_TEST(gap)
{
	chain c = { .n = 0 };

	add_set(&c, 3, "pass");
	add_set(&c, 1, "none");
	EXPECT_FAIL(&c, "ARC set i=2 has no");
}
END_TEST

START_TEST(duplicate_instance)
{
	chain c = { .n = 0 };

	add_chain(&c, 2);
	add(&c, "ARC-Message-Signature", SIG "; i=%u; bh=dGVzdA==; h=from%s",
	    "x.example", 2, "");
	EXPECT_FAIL(&c, "two ARC-Message-Signature with i=2");
}
END_TEST

START_TEST(missing_field)
{
	chain c = { .n = 0 };

	add_chain(&c, 2);
	c.n--;  /* the ARC-Seal of i=1 */
	EXPECT_FAIL(&c, "ARC set i=1 has no ARC-Seal");
}
END_TEST

START_TEST(cv_rules)
{
	chain c = { .n = 0 };

	add_set(&c, 2, "fail");
	add_set(&c, 1, "none");
	EXPECT_FAIL(&c, "ARC-Seal i=2 says cv=fail");
	c.n = 0;
	add_set(&c, 3, "pass");
	add_set(&c, 2, "fail");
	add_set(&c, 1, "none");
	EXPECT_FAIL(&c, "ARC-Seal i=2 has cv=fail");
	c.n = 0;
	add_set(&c, 1, "pass");
	EXPECT_FAIL(&c, "ARC-Seal i=1 has cv=pass, not none");
	c.n = 0;
	add_set(&c, 2, "none");
	add_set(&c, 1, "none");
	EXPECT_FAIL(&c, "ARC-Seal i=2 has cv=none, not pass");
}
END_TEST

START_TEST(h_rules)
{
	chain c = { .n = 0 };

	add(&c, "ARC-Authentication-Results", "i=%.0s%u; x%s; none", "", 1, "");
	add(&c, "ARC-Message-Signature", SIG "; i=%u; bh=dGVzdA==; "
	    "h=from:arc-seal%s", "a.example", 1, "");
	add(&c, "ARC-Seal", SIG "; i=%u; cv=none%s", "a.example", 1, "");
	EXPECT_FAIL(&c, "h= lists ARC-Seal");
	c.n = 0;
	add(&c, "ARC-Authentication-Results", "i=%.0s%u; x%s; none", "", 1, "");
	add(&c, "ARC-Message-Signature", SIG "; i=%u; bh=dGVzdA==; h=from%s",
	    "a.example", 1, "");
	add(&c, "ARC-Seal", SIG "; i=%u; cv=none; h=from%s", "a.example", 1,
	    "");
	EXPECT_FAIL(&c, "ARC-Seal has an h= tag");
}
END_TEST

/* A field the caller could not read: the chain fails over the header
 * bound, whether ARC keeps its own block or reads the DKIM verifier's. */
START_TEST(skipped_field_shared)
{
	chain c = { .n = 0 };
	arc_verifier *v = arc_verifier_new(NULL, NULL);
	dkim_verifier *dv = dkim_verifier_new(NULL, NULL);
	arc_verifier *sv = arc_verifier_new_shared(NULL, NULL, dv);
	size_t k;

	add_chain(&c, 1);
	for (k = 0; k < c.n; k++) {
		ck_assert_int_eq(arc_header(v, c.name[k], strlen(c.name[k]),
		    c.value[k], strlen(c.value[k])), 0);
		ck_assert_int_eq(dkim_header(dv, c.name[k], strlen(c.name[k]),
		    c.value[k], strlen(c.value[k])), 0);
	}
	ck_assert_int_eq(arc_header_skipped(v), 0);
	ck_assert_int_eq(arc_header_skipped(sv), 0);
	ck_assert_int_eq(dkim_header_skipped(dv, "X-Big", 5), 0);
	ck_assert_int_eq(arc_eoh(v), 0);
	ck_assert_int_eq(dkim_eoh(dv), 0);
	ck_assert_int_eq(arc_eoh(sv), 0);
	(void)arc_eom(v);
	(void)arc_eom(sv);
	ck_assert_int_eq(arc_chain_result(v)->result, ARC_FAIL);
	ck_assert_int_eq(arc_chain_result(sv)->result, ARC_FAIL);
	ck_assert_str_eq(arc_chain_result(v)->reason,
	    arc_chain_result(sv)->reason);
	arc_verifier_free(sv);
	dkim_verifier_free(dv);
	arc_verifier_free(v);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("arc");
	TCase *tc = tcase_create("structure");

	tcase_add_test(tc, no_arc_is_none);
	tcase_add_test(tc, well_formed_reaches_keys);
	tcase_add_test(tc, fifty_sets_allowed);
	tcase_add_test(tc, over_fifty_sets);
	tcase_add_test(tc, gap);
	tcase_add_test(tc, duplicate_instance);
	tcase_add_test(tc, missing_field);
	tcase_add_test(tc, cv_rules);
	tcase_add_test(tc, h_rules);
	tcase_add_test(tc, skipped_field_shared);
	suite_add_tcase(s, tc);
	return s;
}
