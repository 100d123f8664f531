/*
 * tests/report/check_report_clean.c - what reaches an aggregate report
 * (report/report_clean.c): text cleaned to valid UTF-8 without controls,
 * truncation on character boundaries, records built from hostile inputs
 * and hostile rows (as a store may hold them) written by every writer as
 * valid UTF-8 without controls, the JSON parsing back with the cleaned
 * values. (XSD validity of the XML: tests/report/report_hostile.sh.)
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/domain.h"
#include "tests/lib/check_main.h"

/* RFC 3629 UTF-8 with no C0/C1 control but TAB/LF/CR, no DEL, no U+FFFE/F.
 * UTF-8 validity is Jansson's check (an implementation independent of
 * report_clean.c's decoder, as in tests/fuzz/fuzz_report_clean.c); the
 * characters refused are then octet patterns: C1 is C2 80..C2 9F, U+FFFE
 * and U+FFFF are EF BF BE and EF BF BF (C2 and EF are lead octets only). */
static int
clean_text(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	json_t *j = json_stringn(p, n);
	size_t i;

	if (j == NULL)
		return 0;
	json_decref(j);
	for (i = 0; i < n; i++) {
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r') || s[i] == 0x7f)
			return 0;
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] <= 0x9f)
			return 0;
		if (s[i] == 0xef && i + 2 < n && s[i + 1] == 0xbf &&
		    s[i + 2] >= 0xbe)
			return 0;
	}
	return 1;
}

static void
is(const char *in, size_t size, int token, const char *want)
{
	char out[512];

	ck_assert_uint_le(size, sizeof(out));
	report_clean(out, size, in, token);
	ck_assert_msg(strcmp(out, want) == 0, "'%s' -> '%s', want '%s'", in,
	    out, want);
	ck_assert(clean_text(out, strlen(out)));
}

START_TEST(text)
{
	char buf[64];

	is("example.com", 64, 1, "example.com");
	is("a\xff" "b", 64, 0, "a?b");
	is("\xc0\x80", 64, 0, "??");                    /* overlong NUL */
	is("\xe0\x80\xaf", 64, 0, "???");               /* overlong '/' */
	is("\xed\xa0\x80x", 64, 0, "???x");             /* surrogate */
	is("\xf4\x90\x80\x80", 64, 0, "????");          /* above U+10FFFF */
	is("\xf8\x88\x80\x80\x80", 64, 0, "?????");
	is("x\xe2\x82", 64, 0, "x??");                  /* truncated */
	is("\x01\x1b[31m\x7f", 64, 0, "??[31m?");
	is("a\tb\r\nc", 64, 0, "a?b??c");
	is("c1\xc2\x85" "x", 64, 0, "c1?x");            /* U+0085 (NEL) */
	is("\xef\xbf\xbe\xef\xbf\xbf", 64, 0, "??");    /* U+FFFE U+FFFF */
	is("<&\"'>]]>", 64, 0, "<&\"'>]]>");            /* escaped by writers */
	is("sel with space", 64, 1, "sel?with?space");
	is("sel with space", 64, 0, "sel with space");
	/* valid UTF-8 stays as it is */
	is("b\xc3\xbc" "cher.example", 64, 1, "b\xc3\xbc" "cher.example");
	is("\xf0\x9f\x93\xa7", 64, 0, "\xf0\x9f\x93\xa7");
	is("\xe2\x80\x8b", 64, 0, "\xe2\x80\x8b");
	/* truncation never splits a character */
	is("a\xc3\xa9", 3, 0, "a");
	is("a\xc3\xa9", 4, 0, "a\xc3\xa9");
	is("ab\xf0\x9f\x93\xa7", 5, 0, "ab");
	is("", 1, 0, "");
	report_clean(buf, sizeof(buf), NULL, 0);
	ck_assert_str_eq(buf, "");
	/* in place */
	snprintf(buf, sizeof(buf), "x\xff\xc3\xa9\x01y");
	report_clean(buf, sizeof(buf), buf, 0);
	ck_assert_str_eq(buf, "x?\xc3\xa9?y");
}
END_TEST

static void
hostile_result(dmarc_result *d)
{
	memset(d, 0, sizeof(*d));
	d->have_record = 1;
	snprintf(d->policy_domain, sizeof(d->policy_domain), "example.com");
	snprintf(d->from_domain, sizeof(d->from_domain), "example.com");
	snprintf(d->org_domain, sizeof(d->org_domain), "example.com");
	d->result = DMARC_RESULT_FAIL;
	d->record.p = DMARC_P_REJECT;
	d->policy = DMARC_P_REJECT;
	d->disposition = DMARC_P_REJECT;
}

#define ALL_FIELDS(X) X(source_ip) X(header_from) X(envelope_from) \
	X(envelope_to) X(policy_domain) X(org_domain) X(spf_domain) \
	X(spf_scope) X(spf_result) X(dkim) X(dmarc_result) X(disposition) \
	X(reasons) X(discovery) X(p) X(sp) X(np) X(adkim) X(aspf) X(testing) \
	X(psd) X(fo) X(rua) X(ruf)

static void
all_clean(const report_record *r)
{
#define CK(f) ck_assert_msg(clean_text(r->f, strlen(r->f)), #f ": %s", r->f);
	ALL_FIELDS(CK)
#undef CK
}

START_TEST(record_from_hostile_envelope)
{
	char longfrom[600];
	report_dkim_in dk[2] = {
		{ "d\xff.example", "s\x01" "el\xc0\x80", "pass" },
		{ "example.com", "ok", "fail" },
	};
	dmarc_result d;
	report_input in;
	report_record r;
	report_dkim_view v;
	const char *p;
	char why[128];

	hostile_result(&d);
	memset(&in, 0, sizeof(in));
	/* 252 'l', then a 2-octet character across the 253-octet bound */
	snprintf(longfrom, sizeof(longfrom), "<c@%0252d\xc3\xa9tail.example>", 0);
	memset(longfrom + 3, 'l', 252);
	in.time = 1800000000;
	in.source_ip = "192.0.2.1\xff";
	in.envelope_from = "<a@exa\xffmple\xed\xa0\x80.com&<\"\x01>";
	in.envelope_to = longfrom;
	in.spf_domain = "exa\xffmple.com\x1b[0m";
	in.spf_result = "fail";
	in.dkim = dk;
	in.ndkim = 2;
	in.dmarc = &d;
	in.applied = 1;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	all_clean(&r);
	ck_assert_str_eq(r.source_ip, "");   /* not an address: unknown */
	ck_assert_str_eq(r.envelope_from, "exa?mple???.com&<\"?");
	ck_assert_uint_le(strlen(r.envelope_to), DMARC_DOMAIN_MAX);
	ck_assert_uint_eq(strspn(r.envelope_to, "l"), 252);
	ck_assert_str_eq(r.spf_domain, "exa?mple.com?[0m");
	p = r.dkim; /* a pass first (RFC 9990 2.1.3), then the fail */
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.domain, "d?.example");
	ck_assert_str_eq(v.selector, "s?el??");
	ck_assert_str_eq(v.result, "pass");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.domain, "example.com");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 0);
	/* a valid IPv6 source is kept, canonical */
	in.source_ip = "2001:DB8:0::1";
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_str_eq(r.source_ip, "2001:db8::1");
}
END_TEST

/* The trusted forwarder's ARC sealer beside trusted_forwarder (and so in
 * the report's comment): kept when it is a domain name of LDH labels,
 * dropped (the reason without a sealer) otherwise. */
START_TEST(sealer_in_reason)
{
	char big[DOMAIN_MAX_TEXT + 2], lab[DOMAIN_MAX_LABEL + 10];
	static const char *const bad[] = { "a<b>.example", "a&b.example",
	    "a\"b.example", "a b.example", "a:b.example", "x_arc.example",
	    "a..example", ".example", "example.", "list.example\xff",
	    "list.\x01" "example", NULL };
	dmarc_result d;
	report_input in;
	report_record r;
	char why[128];
	size_t i;

	hostile_result(&d);
	d.override = DMARC_OVERRIDE_TRUSTED_FORWARDER;
	d.disposition = DMARC_P_NONE;
	memset(&in, 0, sizeof(in));
	in.time = 1800000000;
	in.source_ip = "192.0.2.1";
	in.dmarc = &d;
	in.applied = 1;
	in.override_by = "LIST.Example-1.test";
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_str_eq(r.reasons, "trusted_forwarder:LIST.Example-1.test");
	for (i = 0; bad[i] != NULL; i++) {
		in.override_by = bad[i];
		ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)),
		    0);
		ck_assert_msg(strcmp(r.reasons, "trusted_forwarder") == 0,
		    "%s -> %s", bad[i], r.reasons);
	}
	/* the longest name (253 octets) is kept, one more is not */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 63; i < sizeof(big) - 1; i += 64)
		big[i] = '.';
	big[DOMAIN_MAX_TEXT] = '\0';
	in.override_by = big;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_uint_eq(strlen(r.reasons), strlen("trusted_forwarder:") +
	    DOMAIN_MAX_TEXT);
	big[DOMAIN_MAX_TEXT] = 'a';
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_str_eq(r.reasons, "trusted_forwarder");
	/* a label over 63 octets */
	memset(lab, 'b', sizeof(lab) - 1);
	lab[sizeof(lab) - 1] = '\0';
	memcpy(lab + sizeof(lab) - 5, ".com", 4);
	in.override_by = lab;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_str_eq(r.reasons, "trusted_forwarder");
}
END_TEST

/* A row as a store may hold it: every field hostile, full length. */
static void
hostile_row(report_record *r, int c)
{
	static const char junk[] = "\xff\xc0\x80\xed\xa0\x80\x01\x1b\x7f"
	    "\xc2\x85\xef\xbf\xbe<&\"'>]]>\xe2\x82";
	size_t i;

	memset(r, 0, sizeof(*r));
#define FILL(f) for (i = 0; i + 1 < sizeof(r->f); i++) \
	r->f[i] = i % 7 == 6 ? (char)c : junk[i % (sizeof(junk) - 1)];
	ALL_FIELDS(FILL)
#undef FILL
	r->time = 1800000000;
	r->dkim_aligned = 9;
	r->spf_aligned = -3;
}

static void
write_report(report_format fmt, const report_record *pol,
    const report_record *rows, size_t n, strbuf *out)
{
	report_meta m;
	report_writer *w;
	char why[256];
	size_t i;

	memset(&m, 0, sizeof(m));
	m.org_name = "Org \xff\x01<&>";
	m.email = "dmarc@mx.test\x1b";
	m.submitter = "mx.test";
	m.report_id = "1.2.example.com@mx.test\xc0\x80";
	m.begin = 1800000000;
	m.end = 1800086399;
	m.generator = "gen\x7f";
	w = report_writer_new(fmt, &m, pol, why, sizeof(why));
	ck_assert_msg(w != NULL, "%s", why);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(report_writer_row(w, &rows[i], 1 + i), 0);
	sb_init(out);
	ck_assert_int_eq(report_writer_finish(w, out), 0);
	report_writer_free(w);
	ck_assert(!out->failed);
	ck_assert(clean_text(out->s, out->len));
}

START_TEST(hostile_rows_every_format)
{
	report_record *rows = calloc(3, sizeof(*rows)), pol;
	json_t *root, *rec, *one;
	json_error_t err;
	strbuf out;
	size_t i;

	ck_assert_ptr_nonnull(rows);
	for (i = 0; i < 3; i++)
		hostile_row(&rows[i], "a\xff" "b"[i]);
	hostile_row(&pol, 'p');
	write_report(REPORT_JSON, &pol, rows, 3, &out);
	root = json_loadb(out.s, out.len, 0, &err);
	ck_assert_msg(root != NULL, "%s", err.text);
	rec = json_object_get(root, "record");
	ck_assert_uint_eq(json_array_size(rec), 3);
	one = json_array_get(rec, 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    one, "row"), "source_ip")), REPORT_IP_UNKNOWN);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(one, "row"), "policy_evaluated"), "disposition")),
	    "none");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(one, "auth_results"), "spf"), "result")),
	    "permerror");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    root, "policy_published"), "p")), "none");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    root, "report_metadata"), "org_name")), "Org ?\?<&>");
	json_decref(root);
	sb_free(&out);
	/* XML: valid UTF-8, no controls (write_report), markup escaped */
	write_report(REPORT_XML, &pol, rows, 3, &out);
	ck_assert(strstr(out.s, "<org_name>Org ??&lt;&amp;&gt;</org_name>"));
	ck_assert(strstr(out.s, "<source_ip>" REPORT_IP_UNKNOWN "</source_ip>"));
	ck_assert(strstr(out.s, "]]&gt;") != NULL);
	sb_free(&out);
	write_report(REPORT_XML7489, &pol, rows, 3, &out);
	ck_assert(strstr(out.s, "<disposition>none</disposition>"));
	sb_free(&out);
	free(rows);
}
END_TEST

START_TEST(file_names_stay_in_the_directory)
{
	report_meta m;
	char out[256];

	memset(&m, 0, sizeof(m));
	m.submitter = "mx.test";
	ck_assert_int_eq(report_filename(&m, "example.com", REPORT_XML, 1, out,
	    sizeof(out)), 0);
	ck_assert_int_eq(report_filename(&m, "../x", REPORT_XML, 0, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(report_filename(&m, "a/b", REPORT_XML, 0, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(report_filename(&m, "", REPORT_XML, 0, out,
	    sizeof(out)), -1);
	m.submitter = "mx\n.test";
	ck_assert_int_eq(report_filename(&m, "example.com", REPORT_XML, 0, out,
	    sizeof(out)), -1);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("report_clean");
	TCase *tc = tcase_create("clean");

	tcase_add_test(tc, text);
	tcase_add_test(tc, record_from_hostile_envelope);
	tcase_add_test(tc, sealer_in_reason);
	tcase_add_test(tc, hostile_rows_every_format);
	tcase_add_test(tc, file_names_stay_in_the_directory);
	suite_add_tcase(s, tc);
	return s;
}
