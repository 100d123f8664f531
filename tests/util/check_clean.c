/*
 * tests/util/check_clean.c - util/clean: the class of every octet against
 * the grammars written out here independently, the UTF-8 reader against
 * the RFC 3629 section 4 ABNF over every 1-3 octet input (and the
 * 4-octet ones that matter) and against an encoder over every code point,
 * and the cleaners on hostile text: controls, 8-bit, overlong forms,
 * surrogates, C1, noncharacters, cuts at every size, in place, size 0/1.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "util/clean.h"
#include "tests/lib/check_main.h"

/* ---- character classes ---- */

static unsigned
ref_class(int c)
{
	unsigned k = 0;
	int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
	int atext = alnum || (c != 0 && c < 0x80 &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);

	if (c >= 0x20 && c <= 0x7e)
		k |= CLEAN_PRINT;
	if (c >= 0x21 && c <= 0x7e)
		k |= CLEAN_VCHAR;
	if (c < 0x20 || c == 0x7f)
		k |= CLEAN_CTL;
	if (c >= 0x80)
		k |= CLEAN_8BIT;
	if (c >= 0x21 && c <= 0x7e && strchr("()<>@,;:\\\"/[]?=", c) == NULL)
		k |= CLEAN_TOKEN;
	if (atext)
		k |= CLEAN_ATEXT | CLEAN_DOTATOM;
	if (c == '.')
		k |= CLEAN_DOTATOM;
	return k;
}

static const unsigned classes[] = { CLEAN_PRINT, CLEAN_VCHAR, CLEAN_CTL,
    CLEAN_8BIT, CLEAN_TOKEN, CLEAN_ATEXT, CLEAN_DOTATOM };

START_TEST(every_octet_class)
{
	int c;
	size_t k;

	for (c = 0; c < 256; c++)
		for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++)
			ck_assert_msg(clean_is(c, classes[k]) ==
			    ((ref_class(c) & classes[k]) != 0),
			    "octet 0x%02x class 0x%02x", c, classes[k]);
	/* a char holding an 8-bit octet is negative where char is signed */
	ck_assert(clean_is((char)0xe9, CLEAN_8BIT));
	ck_assert(!clean_is((char)0xe9, CLEAN_PRINT));
	ck_assert(clean_is('x', CLEAN_CTL | CLEAN_TOKEN));
	ck_assert(!clean_is('x', CLEAN_CTL | CLEAN_8BIT));
	ck_assert(!clean_is('x', 0));
}
END_TEST

START_TEST(spans)
{
	ck_assert_uint_eq(clean_span("abc def", CLEAN_VCHAR), 3);
	ck_assert_uint_eq(clean_span("abc def", CLEAN_PRINT), 7);
	ck_assert_uint_eq(clean_span("", CLEAN_PRINT), 0);
	ck_assert_uint_eq(clean_span("a.b@c", CLEAN_DOTATOM), 3);
	ck_assert_uint_eq(clean_span("a.b@c", CLEAN_ATEXT), 1);
	ck_assert_uint_eq(clean_span("tok/en", CLEAN_TOKEN), 3);
	ck_assert_uint_eq(clean_cspan("abc\r\nX", CLEAN_CTL), 3);
	ck_assert_uint_eq(clean_cspan("abc", CLEAN_CTL), 3);
	ck_assert_uint_eq(clean_cspan("b\xc3\xbc", CLEAN_8BIT), 1);
	ck_assert_uint_eq(clean_cspan("\x7f", CLEAN_CTL), 0);
}
END_TEST

/* ---- clean_copy ---- */

START_TEST(copy_printable)
{
	char b[32];

	ck_assert_str_eq(clean_copy(b, sizeof(b), "example.com", CLEAN_PRINT),
	    "example.com");
	ck_assert_str_eq(clean_copy(b, sizeof(b), "a\r\nX-Evil: 1",
	    CLEAN_PRINT), "a??X-Evil: 1");
	ck_assert_str_eq(clean_copy(b, sizeof(b), "\x1b[31m\x7f\xc3\xa9 t",
	    CLEAN_PRINT), "?[31m??? t");
	ck_assert_str_eq(clean_copy(b, sizeof(b), "sel with\tspace",
	    CLEAN_VCHAR), "sel?with?space");
	/* 8-bit kept when asked, controls and SP not */
	ck_assert_str_eq(clean_copy(b, sizeof(b), "b\xc3\xbc r\x01",
	    CLEAN_VCHAR | CLEAN_8BIT), "b\xc3\xbc?r?");
	ck_assert_str_eq(clean_copy(b, sizeof(b), NULL, CLEAN_PRINT), "");
	ck_assert(clean_copy(b, sizeof(b), "x", CLEAN_PRINT) == b);
}
END_TEST

START_TEST(copy_sizes)
{
	char b[8];

	memset(b, 'G', sizeof(b));
	ck_assert_str_eq(clean_copy(b, 4, "abc", CLEAN_PRINT), "abc");
	ck_assert_str_eq(clean_copy(b, 4, "abcd", CLEAN_PRINT), "abc");
	ck_assert_int_eq(b[4], 'G');
	ck_assert_str_eq(clean_copy(b, 1, "abc", CLEAN_PRINT), "");
	ck_assert_int_eq(b[1], 'b');
	/* size 0: nothing written, "" returned */
	memset(b, 'G', sizeof(b));
	ck_assert_str_eq(clean_copy(b, 0, "abc", CLEAN_PRINT), "");
	ck_assert_int_eq(b[0], 'G');
}
END_TEST

/* ---- UTF-8 ---- */

/* RFC 3629 section 4, read as written: the length of the UTF8-char at s
 * (n octets), 0 when none. */
static size_t
ref_utf8(const unsigned char *s, size_t n)
{
	unsigned lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] <= 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Check's assertions report each pass to the parent process: the loops
 * below count the disagreements and assert once, naming the first. */
static unsigned long nbad;
static char first_bad[64];

static void
agree(const unsigned char *s, size_t n)
{
	size_t got = clean_utf8_char((const char *)s, n, NULL);

	if (got == ref_utf8(s, n))
		return;
	if (nbad++ == 0)
		snprintf(first_bad, sizeof(first_bad), "%zu octets %02x %02x "
		    "%02x %02x: %zu", n, s[0], n > 1 ? s[1] : 0,
		    n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, got);
}

START_TEST(utf8_every_short_input)
{
	unsigned char s[3];
	unsigned a, b, c;

	nbad = 0;
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		agree(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			agree(s, 2);
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				agree(s, 3);
			}
		}
	}
	ck_assert_msg(nbad == 0, "%lu disagree, first: %s", nbad, first_bad);
}
END_TEST

/* Every lead from E0 (the 3-octet ones read 3 of 4), every second and
 * third octet, a fourth from each range that matters. */
START_TEST(utf8_four_octets)
{
	static const unsigned char last[] = { 0x00, 0x7f, 0x80, 0xbf, 0xc0,
	    0xff };
	unsigned char s[4];
	unsigned a, b, c;
	size_t k;

	nbad = 0;
	for (a = 0xe0; a < 0x100; a++) {
		for (b = 0; b < 256; b++) {
			for (c = 0; c < 256; c++) {
				for (k = 0; k < sizeof(last); k++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = (unsigned char)c;
					s[3] = last[k];
					agree(s, 4);
				}
			}
		}
	}
	ck_assert_msg(nbad == 0, "%lu disagree, first: %s", nbad, first_bad);
}
END_TEST

static size_t
encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every code point decodes to itself, but the surrogates; and every
 * proper prefix of a sequence is no character. */
START_TEST(utf8_every_code_point)
{
	unsigned char s[4];
	uint32_t cp, got;
	size_t len, k;

	unsigned long bad = 0;
	uint32_t first = 0;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		int ok;

		len = encode(cp, s);
		got = 0xffffffff;
		if (cp >= 0xd800 && cp <= 0xdfff)
			ok = clean_utf8_char((char *)s, len, &got) == 0 &&
			    got == 0xffffffff;
		else
			ok = clean_utf8_char((char *)s, len, &got) == len &&
			    got == cp;
		for (k = 1; k < len; k++)
			if (clean_utf8_char((char *)s, k, NULL) != 0)
				ok = 0;
		if (!ok && bad++ == 0)
			first = cp;
	}
	ck_assert_msg(bad == 0, "%lu code points wrong, first U+%04X", bad,
	    (unsigned)first);
}
END_TEST

START_TEST(utf8_hostile)
{
	static const struct {
		const char *s;
		size_t n, len;     /* octets given, the length wanted */
		uint32_t cp;
	} t[] = {
		/* overlong forms of NUL, U+007F, '/', U+07FF, U+FFFF */
		{ "\xc0\x80", 2, 0, 0 },
		{ "\xc1\xbf", 2, 0, 0 },
		{ "\xe0\x80\xaf", 3, 0, 0 },
		{ "\xe0\x9f\xbf", 3, 0, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0, 0 },
		/* surrogates, and their neighbours */
		{ "\xed\xa0\x80", 3, 0, 0 },
		{ "\xed\xbf\xbf", 3, 0, 0 },
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff },
		{ "\xee\x80\x80", 3, 3, 0xe000 },
		/* the last code point, and past it */
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xf4\x90\x80\x80", 4, 0, 0 },
		{ "\xf5\x80\x80\x80", 4, 0, 0 },
		{ "\xff", 1, 0, 0 },
		/* a lone continuation octet; a sequence cut by n or a NUL */
		{ "\x80", 1, 0, 0 },
		{ "\xe2\x82\xac", 2, 0, 0 },
		{ "\xe2\x00\xac", 3, 0, 0 },
		{ "", 0, 0, 0 },
		/* ASCII, controls and NUL included, is one octet */
		{ "\0", 1, 1, 0 },
		{ "\x1b", 1, 1, 0x1b },
		{ "\xe2\x82\xac", 3, 3, 0x20ac },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t cp = 0xffffffff;
		size_t len = clean_utf8_char(t[i].s, t[i].n, &cp);

		ck_assert_msg(len == t[i].len, "case %zu: length %zu", i, len);
		ck_assert_msg(cp == (len > 0 ? t[i].cp : 0xffffffff),
		    "case %zu: U+%04X", i, (unsigned)cp);
	}
}
END_TEST

/* ---- clean_utf8 ---- */

static void
is8(const char *in, size_t size, unsigned keep, const char *want)
{
	char out[128];
	size_t n;

	ck_assert_uint_le(size, sizeof(out));
	memset(out, 'G', sizeof(out));
	n = clean_utf8(out, size, in, keep);
	ck_assert_msg(strcmp(out, want) == 0, "'%s' (size %zu) -> '%s', want "
	    "'%s'", in, size, out, want);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_int_eq(out[size], 'G');
}

START_TEST(utf8_cleaning)
{
	is8("example.com", 64, CLEAN_VCHAR, "example.com");
	is8("a\xff" "b", 64, CLEAN_PRINT, "a?b");
	is8("\xc0\x80", 64, CLEAN_PRINT, "??");               /* overlong */
	is8("\xe0\x80\xaf", 64, CLEAN_PRINT, "???");
	is8("\xed\xa0\x80x", 64, CLEAN_PRINT, "???x");        /* surrogate */
	is8("\xf4\x90\x80\x80", 64, CLEAN_PRINT, "????");
	is8("x\xe2\x82", 64, CLEAN_PRINT, "x??");             /* cut short */
	is8("a\tb\r\nc\x7f", 64, CLEAN_PRINT, "a?b??c?");
	is8("c1\xc2\x85x\xc2\x9f", 64, CLEAN_PRINT, "c1?x?");  /* C1 whole */
	is8("\xc2\xa0", 64, CLEAN_PRINT, "\xc2\xa0");         /* U+00A0 ok */
	is8("\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd", 64, CLEAN_PRINT,
	    "??\xef\xbf\xbd");                                 /* FFFE FFFF */
	is8("sel with space", 64, CLEAN_VCHAR, "sel?with?space");
	is8("sel with space", 64, CLEAN_PRINT, "sel with space");
	is8("\xf0\x9f\x93\xa7 b\xc3\xbc", 64, CLEAN_PRINT,
	    "\xf0\x9f\x93\xa7 b\xc3\xbc");
	is8("", 64, CLEAN_PRINT, "");
}
END_TEST

START_TEST(utf8_cuts)
{
	/* a cut never splits a character; a '?' needs one octet */
	is8("a\xc3\xa9", 3, CLEAN_PRINT, "a");
	is8("a\xc3\xa9", 4, CLEAN_PRINT, "a\xc3\xa9");
	is8("ab\xf0\x9f\x93\xa7", 5, CLEAN_PRINT, "ab");
	is8("ab\xf0\x9f\x93\xa7", 6, CLEAN_PRINT, "ab");
	is8("ab\xf0\x9f\x93\xa7", 7, CLEAN_PRINT, "ab\xf0\x9f\x93\xa7");
	is8("ab\xff\xff", 4, CLEAN_PRINT, "ab?");
	is8("abc", 1, CLEAN_PRINT, "");
	is8("\xc3\xa9", 2, CLEAN_PRINT, "");
	is8("abc", 4, CLEAN_PRINT, "abc");
	is8("abcd", 4, CLEAN_PRINT, "abc");
}
END_TEST

START_TEST(utf8_in_place_null_size0)
{
	char b[32];

	snprintf(b, sizeof(b), "x\xff\xc3\xa9\x01y\xc2\x80z");
	ck_assert_uint_eq(clean_utf8(b, sizeof(b), b, CLEAN_PRINT), 8);
	ck_assert_str_eq(b, "x?\xc3\xa9?y?z");
	ck_assert_uint_eq(clean_utf8(b, sizeof(b), NULL, CLEAN_PRINT), 0);
	ck_assert_str_eq(b, "");
	memset(b, 'G', sizeof(b));
	ck_assert_uint_eq(clean_utf8(b, 0, "abc", CLEAN_PRINT), 0);
	ck_assert_int_eq(b[0], 'G');
}
END_TEST

/* ---- clean_quote ---- */

static void
isq(const char *in, size_t size, int open, int close, const char *want)
{
	char out[64];
	size_t n;

	ck_assert_uint_le(size, sizeof(out) - 1);
	memset(out, 'G', sizeof(out));
	n = clean_quote(out, size, in, open, close);
	if (size == 0) {
		ck_assert_uint_eq(n, 0);
		ck_assert_int_eq(out[0], 'G');
		return;
	}
	ck_assert_msg(strcmp(out, want) == 0, "'%s' (size %zu) -> '%s', want "
	    "'%s'", in, size, out, want);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_int_eq(out[size], 'G');
}

START_TEST(quoting)
{
	/* RFC 5322 3.2.4 quoted-string */
	isq("a b", 32, '"', '"', "\"a b\"");
	isq("say \"hi\" \\o/", 32, '"', '"', "\"say \\\"hi\\\" \\\\o/\"");
	isq("(x)", 32, '"', '"', "\"(x)\"");
	isq("", 32, '"', '"', "\"\"");
	/* RFC 5322 3.2.2 comment */
	isq("1024-bit (rsa) \\ key", 32, '(', ')',
	    "(1024-bit \\(rsa\\) \\\\ key)");
	isq("\"q\"", 32, '(', ')', "(\"q\")");
}
END_TEST

START_TEST(quoting_sizes)
{
	/* each octet is written while an escaped pair, close and the NUL
	 * still fit: n octets (escapes counted) always fit in n + 4 */
	isq("abc", 7, '"', '"', "\"abc\"");
	isq("abc", 6, '"', '"', "\"ab\"");
	isq("abc", 5, '"', '"', "\"a\"");
	isq("a\"", 6, '"', '"', "\"a\\\"\"");   /* the pair fits exactly */
	isq("a\"", 5, '"', '"', "\"a\"");       /* never half a pair */
	isq("\\\\", 5, '"', '"', "\"\\\\\"");
	isq("abc", 4, '"', '"', "\"\"");
	isq("abc", 3, '"', '"', "\"\"");
	/* no room for the delimiters */
	isq("abc", 2, '"', '"', "");
	isq("abc", 1, '"', '"', "");
	isq("abc", 0, '"', '"', "");
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("clean");
	TCase *tc = tcase_create("all");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_octet_class);
	tcase_add_test(tc, spans);
	tcase_add_test(tc, copy_printable);
	tcase_add_test(tc, copy_sizes);
	tcase_add_test(tc, utf8_every_short_input);
	tcase_add_test(tc, utf8_four_octets);
	tcase_add_test(tc, utf8_every_code_point);
	tcase_add_test(tc, utf8_hostile);
	tcase_add_test(tc, utf8_cleaning);
	tcase_add_test(tc, utf8_cuts);
	tcase_add_test(tc, utf8_in_place_null_size0);
	tcase_add_test(tc, quoting);
	tcase_add_test(tc, quoting_sizes);
	suite_add_tcase(s, tc);
	return s;
}
