/*
 * tests/dmarc/check_dmarc_record.c - DMARC record parsing (dmarc/record.c):
 * version rules, every tag, invalid and unknown tags, the missing/invalid
 * p rules of RFC 9989 4.10.1 and RFC 7489 6.6.3, URI lists.
 */
#include <check.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"

static dmarc_record_status
parse(const char *s, dmarc_mode mode, dmarc_record *r)
{
	char why[160];

	return dmarc_record_parse(s, strlen(s), mode, r, why, sizeof(why));
}

START_TEST(minimal)
{
	dmarc_record r;

	ck_assert_int_eq(parse("v=DMARC1; p=reject", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_REJECT);
	ck_assert_int_eq(r.sp, DMARC_P_UNSET);
	ck_assert_int_eq(r.adkim, DMARC_ALIGN_RELAXED);
	ck_assert_int_eq(r.aspf, DMARC_ALIGN_RELAXED);
	ck_assert_int_eq(r.psd, DMARC_PSD_U);
	ck_assert_int_eq(r.t, 0);
	ck_assert_int_eq(r.p_implied, 0);
	ck_assert_uint_eq(r.nrua, 0);
}
END_TEST

START_TEST(version_rules)
{
	dmarc_record r;

	/* RFC 9989 4.7: "DMARC1" is case-sensitive and v comes first. */
	ck_assert_int_eq(parse("v=dmarc1; p=reject", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_NOT_DMARC);
	ck_assert_int_eq(parse("p=reject; v=DMARC1", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_NOT_DMARC);
	ck_assert_int_eq(parse("v=DMARC10; p=reject", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_NOT_DMARC);
	ck_assert_int_eq(parse(" v=DMARC1; p=reject", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_NOT_DMARC);
	ck_assert_int_eq(parse("v=spf1 -all", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_NOT_DMARC);
	ck_assert_int_eq(parse("", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_NOT_DMARC);
	/* equals = *WSP "=" *WSP */
	ck_assert_int_eq(parse("v = DMARC1 ;p = quarantine",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_QUARANTINE);
}
END_TEST

START_TEST(all_tags_9989)
{
	dmarc_record r;

	ck_assert_int_eq(parse("v=DMARC1; p=quarantine; sp=Reject; np=none; "
	    "adkim=s; aspf=S; fo=d:s; rua=mailto:a@example.com!10m, "
	    "mailto:b@example.net; ruf=mailto:f@example.com; psd=n; t=y;",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_QUARANTINE);
	ck_assert_int_eq(r.sp, DMARC_P_REJECT);
	ck_assert_int_eq(r.np, DMARC_P_NONE);
	ck_assert_int_eq(r.adkim, DMARC_ALIGN_STRICT);
	ck_assert_int_eq(r.aspf, DMARC_ALIGN_STRICT);
	ck_assert_uint_eq(r.fo, DMARC_FO_D | DMARC_FO_S);
	ck_assert_uint_eq(r.nrua, 2);
	ck_assert_str_eq(r.rua[0].uri, "mailto:a@example.com");
	ck_assert_uint_eq(r.rua[0].max_size, 10ull * 1024 * 1024);
	ck_assert_int_eq(r.rua[0].mailto, 1);
	ck_assert_str_eq(r.rua[1].uri, "mailto:b@example.net");
	ck_assert_uint_eq(r.rua[1].max_size, 0);
	ck_assert_uint_eq(r.nruf, 1);
	ck_assert_int_eq(r.psd, DMARC_PSD_N);
	ck_assert_int_eq(r.t, 1);
	ck_assert_uint_eq(r.invalid, 0);
}
END_TEST

START_TEST(mode_specific_tags)
{
	dmarc_record r;
	const char *rec = "v=DMARC1; p=reject; np=quarantine; psd=y; t=y; "
	    "pct=50; rf=iodef; ri=3600";

	ck_assert_int_eq(parse(rec, DMARC_MODE_RFC9989, &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.np, DMARC_P_QUARANTINE);
	ck_assert_int_eq(r.psd, DMARC_PSD_Y);
	ck_assert_uint_eq(r.pct, 100); /* pct is not an RFC 9989 tag */
	ck_assert(r.invalid & DMARC_TAG_UNKNOWN);

	ck_assert_int_eq(parse(rec, DMARC_MODE_RFC7489, &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.np, DMARC_P_UNSET); /* np is not an RFC 7489 tag */
	ck_assert_int_eq(r.psd, DMARC_PSD_U);
	ck_assert_int_eq(r.t, 0);
	ck_assert_uint_eq(r.pct, 50);
	ck_assert_uint_eq(r.rf, DMARC_RF_IODEF);
	ck_assert_uint_eq(r.ri, 3600);
}
END_TEST

START_TEST(missing_or_invalid_p)
{
	dmarc_record r;

	/* RFC 9989 4.7: a missing p is p=none. */
	ck_assert_int_eq(parse("v=DMARC1", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_NONE);
	ck_assert_int_eq(r.p_implied, 1);
	ck_assert_int_eq(parse("v=DMARC1; psd=y", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_NONE);
	/* RFC 7489 6.6.3: no p and no rua: no DMARC processing. */
	ck_assert_int_eq(parse("v=DMARC1", DMARC_MODE_RFC7489, &r),
	    DMARC_RECORD_UNUSABLE);
	ck_assert_int_eq(parse("v=DMARC1; rua=mailto:d@example.com",
	    DMARC_MODE_RFC7489, &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_NONE);
	/* Both: an invalid p, or invalid sp/np, needs a valid rua. */
	ck_assert_int_eq(parse("v=DMARC1; p=bogus", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_UNUSABLE);
	ck_assert_int_eq(parse("v=DMARC1; p=reject; sp=invalid",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_UNUSABLE);
	ck_assert_int_eq(parse("v=DMARC1; p=reject; np=nones",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_UNUSABLE);
	ck_assert_int_eq(parse("v=DMARC1; p=reject; sp=invalid; "
	    "rua=mailto:rua@example.com", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_NONE);
	ck_assert_int_eq(r.sp, DMARC_P_UNSET);
	ck_assert_int_eq(r.p_implied, 1);
	/* A rua without one valid URI does not save it. */
	ck_assert_int_eq(parse("v=DMARC1; p=bogus; rua=mailto:nobody",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_UNUSABLE);
}
END_TEST

START_TEST(invalid_and_unknown_ignored)
{
	dmarc_record r;

	ck_assert_int_eq(parse("v=DMARC1; p=reject; adkim=relaxed; fo=00; "
	    "newtag=x; bare; t=maybe; psd=yes", DMARC_MODE_RFC9989, &r),
	    DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_REJECT);
	ck_assert_int_eq(r.adkim, DMARC_ALIGN_RELAXED);
	ck_assert_uint_eq(r.fo, DMARC_FO_0);
	ck_assert(r.invalid & DMARC_TAG_ADKIM);
	ck_assert(r.invalid & DMARC_TAG_FO);
	ck_assert(r.invalid & DMARC_TAG_UNKNOWN);
	ck_assert(r.invalid & DMARC_TAG_SYNTAX);
	ck_assert(r.invalid & DMARC_TAG_T);
	ck_assert(r.invalid & DMARC_TAG_PSD);
	/* first occurrence wins */
	ck_assert_int_eq(parse("v=DMARC1; p=none; p=reject", DMARC_MODE_RFC9989,
	    &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_NONE);
	/* control characters make a value invalid */
	ck_assert_int_eq(parse("v=DMARC1; p=reject; aspf=s\x01",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_OK);
	ck_assert_int_eq(r.aspf, DMARC_ALIGN_RELAXED);
	/* pct range (RFC 7489) */
	ck_assert_int_eq(parse("v=DMARC1; p=reject; pct=101",
	    DMARC_MODE_RFC7489, &r), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.pct, 100);
	ck_assert(r.invalid & DMARC_TAG_PCT);
	ck_assert_int_eq(parse("v=DMARC1; p=reject; ri=4294967296",
	    DMARC_MODE_RFC7489, &r), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.ri, 86400);
}
END_TEST

START_TEST(length_bounded)
{
	dmarc_record r;
	const char *s = "v=DMARC1; p=reject";
	char why[160];

	/* only the first 12 octets: "v=DMARC1; p=" - an empty p value */
	ck_assert_int_eq(dmarc_record_parse(s, 12, DMARC_MODE_RFC9989, &r,
	    why, sizeof(why)), DMARC_RECORD_UNUSABLE);
	ck_assert(strstr(why, "invalid p") != NULL);
	/* NUL octet inside */
	ck_assert_int_eq(dmarc_record_parse("v=DMARC1; p=re\0ject", 19,
	    DMARC_MODE_RFC9989, &r, why, sizeof(why)), DMARC_RECORD_UNUSABLE);
}
END_TEST

START_TEST(uri_lists)
{
	dmarc_record r;

	ck_assert_int_eq(parse("v=DMARC1; p=none; rua=mailto:a@x.example!1k,"
	    "  https://x.example/r!2G , bad uri, mailto:, :x, mailto:c@y.example",
	    DMARC_MODE_RFC9989, &r), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.nrua, 3);
	ck_assert_uint_eq(r.rua[0].max_size, 1024);
	ck_assert_str_eq(r.rua[1].uri, "https://x.example/r");
	ck_assert_int_eq(r.rua[1].mailto, 0);
	ck_assert_uint_eq(r.rua[1].max_size, 2ull * 1024 * 1024 * 1024);
	ck_assert_str_eq(r.rua[2].uri, "mailto:c@y.example");
	/* an absurd size is an invalid URI, not an overflow */
	ck_assert_int_eq(parse("v=DMARC1; p=none; rua=mailto:a@x.example!"
	    "99999999999999999999t", DMARC_MODE_RFC9989, &r), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.nrua, 0);
	ck_assert(r.invalid & DMARC_TAG_RUA);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_record");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, minimal);
	tcase_add_test(tc, version_rules);
	tcase_add_test(tc, all_tags_9989);
	tcase_add_test(tc, mode_specific_tags);
	tcase_add_test(tc, missing_or_invalid_p);
	tcase_add_test(tc, invalid_and_unknown_ignored);
	tcase_add_test(tc, length_bounded);
	tcase_add_test(tc, uri_lists);
	suite_add_tcase(s, tc);
	return s;
}
