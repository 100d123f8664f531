/*
 * tests/message/check_arc_trust.c - reading a trusted sealer's
 * ARC-Authentication-Results (message/arc_trust.c arc_trust_aar_says):
 * what counts (dmarc=pass for the author, spf=pass / dkim=pass of the very
 * author domain) and every way the sender could try to make it count
 * (another instance, another domain, a sub-domain, a result saying fail
 * beside a pass, a malformed value, an over-long one). Whole messages:
 * tests/message/arc_forward.sh.
 */
#include <check.h>

#include <stdlib.h>
#include <string.h>

#include "message/arc_trust_int.h"
#include "tests/lib/check_main.h"

static int
says(const char *aar, unsigned i, char *what)
{
	return arc_trust_aar_says(aar, strlen(aar), i, "orig.example", what,
	    128);
}

START_TEST(aar_counts)
{
	char w[128];

	ck_assert(says("i=1; lists.example; dmarc=pass header.from=orig.example",
	    1, w));
	ck_assert_str_eq(w, "dmarc=pass header.from=orig.example");
	/* folded, spaced, case, a trailing dot, a quoted value */
	ck_assert(says(" i = 2 ;\r\n lists.example;\r\n\tDMARC=Pass "
	    "(p=reject) header.from=\"ORIG.example.\"", 2, w));
	ck_assert(says("i=1; x; spf=pass smtp.mailfrom=bob@orig.example", 1, w));
	ck_assert_str_eq(w, "spf=pass smtp.mailfrom=orig.example");
	ck_assert(says("i=1; x; dkim=pass header.d=orig.example header.s=a",
	    1, w));
	ck_assert_str_eq(w, "dkim=pass header.d=orig.example");
	/* dmarc wins over the others in what is reported */
	ck_assert(says("i=1; x; spf=pass smtp.mailfrom=orig.example; dmarc=pass "
	    "header.from=orig.example", 1, w));
	ck_assert_str_eq(w, "dmarc=pass header.from=orig.example");
}
END_TEST

START_TEST(aar_refused)
{
	static const char *const no[] = {
		/* another instance than the sealer's */
		"i=2; x; dmarc=pass header.from=orig.example",
		"i=01; x; dmarc=pass header.from=orig.example",
		"I=1; x; dmarc=pass header.from=orig.example",
		/* no instance, a broken one, nothing after it */
		"x; dmarc=pass header.from=orig.example",
		"i=; x; dmarc=pass header.from=orig.example",
		"i=1 x; dmarc=pass header.from=orig.example",
		"i=1;",
		"i=1; ; dmarc=pass header.from=orig.example",
		/* another author, a sub-domain or parent (strict only) */
		"i=1; x; dmarc=pass header.from=evil.example",
		"i=1; x; dmarc=pass header.from=sub.orig.example",
		"i=1; x; spf=pass smtp.mailfrom=a@sub.orig.example",
		"i=1; x; dkim=pass header.d=example",
		"i=1; x; dkim=pass header.i=@orig.example",
		/* not pass */
		"i=1; x; dmarc=fail header.from=orig.example",
		"i=1; x; dmarc=bestguesspass header.from=orig.example",
		"i=1; x; spf=softfail smtp.mailfrom=orig.example",
		"i=1; x; dmarc=pass",
		/* a pass beside a fail for the author: the fail decides */
		"i=1; x; dmarc=pass header.from=orig.example; dmarc=fail "
		    "header.from=orig.example",
		"i=1; x; dkim=pass header.d=orig.example; dmarc=fail "
		    "header.from=orig.example",
		/* not the grammar */
		"i=1; x; dmarc=pass header.from=orig.example (unclosed",
		"i=1; x; dmarc=pass header.from=orig.example; ;;",
		"i=1; x; none",
		NULL,
	};
	char w[128], *big;
	size_t k;

	for (k = 0; no[k] != NULL; k++)
		ck_assert_msg(!says(no[k], 1, w), "counted: %s", no[k]);
	/* over the length read */
	big = malloc(20000);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 20000);
	memcpy(big, "i=1; x; dmarc=pass header.from=orig.example", 43);
	ck_assert(!arc_trust_aar_says(big, 20000, 1, "orig.example", w,
	    sizeof(w)));
	free(big);
	ck_assert(!arc_trust_aar_says(NULL, 0, 1, "orig.example", w,
	    sizeof(w)));
	ck_assert(!arc_trust_aar_says("i=1; x; dmarc=pass header.from=", 31,
	    1, "", w, sizeof(w)));
}
END_TEST

START_TEST(no_chain_no_trust)
{
	static const char *const trusted[] = { "list.example" };
	arc_trust t;

	ck_assert(!arc_trust_find(NULL, trusted, 1, "orig.example", &t));
	ck_assert_str_eq(t.why, "the ARC chain did not pass");
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("arc_trust");
	TCase *tc = tcase_create("aar");

	tcase_add_test(tc, aar_counts);
	tcase_add_test(tc, aar_refused);
	tcase_add_test(tc, no_chain_no_trust);
	suite_add_tcase(s, tc);
	return s;
}
