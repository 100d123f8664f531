/*
 * tests/daemon/check_failrep.c - daemon/failrep.c: which signature of a
 * verdict a failure report names in its DKIM-Domain, DKIM-Identity and
 * DKIM-Selector fields (RFC 6591 3.1): one that did not pass and whose
 * d= aligns with the author domain in the record's adkim= mode; none
 * when no such signature is there.
 */
#include <check.h>
#include <string.h>

#include "daemon/failrep_int.h"
#include "tests/lib/check_main.h"

static dkim_sigresult sig[3];
static const dkim_sigresult *sigs[3] = { &sig[0], &sig[1], &sig[2] };
static dmarc_result dmarc;
static msg_verdict v;

static void
setup(void)
{
	memset(sig, 0, sizeof(sig));
	memset(&dmarc, 0, sizeof(dmarc));
	memset(&v, 0, sizeof(v));
	snprintf(dmarc.from_domain, sizeof(dmarc.from_domain),
	    "news.example.com");
	snprintf(dmarc.org_domain, sizeof(dmarc.org_domain), "example.com");
	dmarc.record.adkim = DMARC_ALIGN_RELAXED;
	v.dmarc = &dmarc;
	v.dkim = sigs;
}

static void
one(size_t i, dkim_result r, const char *d)
{
	sig[i].result = r;
	snprintf(sig[i].d, sizeof(sig[i].d), "%s", d);
	snprintf(sig[i].s, sizeof(sig[i].s), "s%zu", i);
	if (v.ndkim < i + 1)
		v.ndkim = i + 1;
}

START_TEST(aligned_failure_named)
{
	/* a third party's failure and an aligned pass are not it; the
	 * aligned one that failed is */
	setup();
	one(0, DKIM_FAIL, "esp.example");
	one(1, DKIM_PASS, "example.com");
	one(2, DKIM_FAIL, "mail.example.com");
	ck_assert_ptr_eq(failrep_dkim_sig(&v, &dmarc), &sig[2]);
	/* any result but pass failed to verify (a key not found...) */
	sig[2].result = DKIM_PERMERROR;
	ck_assert_ptr_eq(failrep_dkim_sig(&v, &dmarc), &sig[2]);
	/* the author domain itself, case folded, in strict mode too */
	setup();
	dmarc.record.adkim = DMARC_ALIGN_STRICT;
	one(0, DKIM_FAIL, "example.com");
	one(1, DKIM_FAIL, "NEWS.Example.COM");
	ck_assert_ptr_eq(failrep_dkim_sig(&v, &dmarc), &sig[1]);
}
END_TEST

START_TEST(nothing_to_name)
{
	/* no signature; only passes; unaligned failures; a name that only
	 * ends like the Organizational Domain; strict mode and a sibling */
	setup();
	ck_assert_ptr_null(failrep_dkim_sig(&v, &dmarc));
	one(0, DKIM_PASS, "news.example.com");
	ck_assert_ptr_null(failrep_dkim_sig(&v, &dmarc));
	one(1, DKIM_FAIL, "evilexample.com");
	one(2, DKIM_FAIL, "example.com.evil.example");
	ck_assert_ptr_null(failrep_dkim_sig(&v, &dmarc));
	setup();
	dmarc.record.adkim = DMARC_ALIGN_STRICT;
	one(0, DKIM_FAIL, "example.com");
	ck_assert_ptr_null(failrep_dkim_sig(&v, &dmarc));
	/* relaxed with the Organizational Domain unknown: only the name */
	setup();
	dmarc.org_domain[0] = '\0';
	one(0, DKIM_FAIL, "example.com");
	one(1, DKIM_FAIL, "");
	ck_assert_ptr_null(failrep_dkim_sig(&v, &dmarc));
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("failrep");
	TCase *tc = tcase_create("dkim_sig");

	tcase_add_test(tc, aligned_failure_named);
	tcase_add_test(tc, nothing_to_name);
	suite_add_tcase(s, tc);
	return s;
}
