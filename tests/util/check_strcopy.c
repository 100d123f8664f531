/*
 * tests/util/check_strcopy.c - util/strcopy: what fits is copied whole and
 * reported as such, what does not is cut to size - 1 and reported, the
 * NUL is always written, nothing is written past size (guard octets) and
 * nothing is read past what can be kept (sources without a NUL: ASan and
 * valgrind in make sanitize / make valgrind see an over-read).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/strcopy.h"
#include "tests/lib/check_main.h"

#define GUARD 0xa5

/* dst inside a buffer of guard octets: buf[0..size) is dst */
static unsigned char buf[64];

static char *
fresh(void)
{
	memset(buf, GUARD, sizeof(buf));
	return (char *)buf;
}

/* Nothing past dst[size - 1] changed. */
static void
guards_intact(size_t size)
{
	size_t i;

	for (i = size; i < sizeof(buf); i++)
		ck_assert_msg(buf[i] == GUARD, "octet %zu written (size %zu)",
		    i, size);
}

/* strcopy(d, size, src) when n is ALL, else strcopy_n(d, size, src, n):
 * the return wanted, the text, and nothing written past size. */
#define ALL ((size_t)-1)

static void
is(size_t size, const char *src, size_t n, int rc, const char *want)
{
	char *d = fresh();
	int got = n == ALL ? strcopy(d, size, src) : strcopy_n(d, size, src,
	    n);

	ck_assert_msg(got == rc, "'%s' (%zu) into %zu: %d", src ? src : "NULL",
	    n, size, got);
	if (size > 0)
		ck_assert_str_eq(d, want);
	guards_intact(size);
}

START_TEST(fits)
{
	is(8, "abc", ALL, 0, "abc");
	is(8, "abcdef", 3, 0, "abc");
	is(8, NULL, ALL, 0, "");                /* NULL is "" */
	is(8, "", ALL, 0, "");
	is(8, "abc", 0, 0, "");
}
END_TEST

/* size - 1 octets fit (the NUL takes the last one); size octets do not. */
START_TEST(exact_fit_and_one_over)
{
	is(4, "abc", ALL, 0, "abc");
	is(4, "abcd", ALL, -1, "abc");
	is(4, "abc", 3, 0, "abc");
	is(4, "abcd", 4, -1, "abc");
	is(4, "a much longer text", ALL, -1, "a m");
	is(4, "a much longer text", 18, -1, "a m");
}
END_TEST

START_TEST(size_one_and_zero)
{
	/* size 1: room for the NUL only */
	is(1, "", ALL, 0, "");
	is(1, "x", ALL, -1, "");
	is(1, "x", 1, -1, "");
	is(1, "x", 0, 0, "");
	/* size 0: not even the NUL fits; nothing written */
	is(0, "x", ALL, -1, NULL);
	is(0, "", ALL, -1, NULL);
	is(0, "x", 0, -1, NULL);
}
END_TEST

/* strcopy_n copies the n octets as they are, a NUL among them too. */
START_TEST(nul_inside)
{
	char *d = fresh();

	ck_assert_int_eq(strcopy_n(d, 8, "ab\0cd", 5), 0);
	ck_assert_str_eq(d, "ab");
	ck_assert_int_eq(memcmp(d, "ab\0cd\0", 6), 0);
	guards_intact(8);
	/* strcopy stops at the NUL */
	d = fresh();
	ck_assert_int_eq(strcopy(d, 8, "ab\0cd"), 0);
	ck_assert_int_eq(memcmp(d, "ab\0", 3), 0);
	ck_assert_int_eq(buf[3], GUARD);
}
END_TEST

/* A source with no NUL at all: exactly as many octets as can be kept
 * are read (heap block of that size: an over-read is an ASan report). */
START_TEST(unterminated_source)
{
	char *src = malloc(6), *d;

	ck_assert_ptr_nonnull(src);
	memcpy(src, "abcdef", 6);
	d = fresh();
	ck_assert_int_eq(strcopy(d, 6, src), -1);
	ck_assert_str_eq(d, "abcde");
	guards_intact(6);
	d = fresh();
	ck_assert_int_eq(strcopy(d, 4, src), -1);
	ck_assert_str_eq(d, "abc");
	d = fresh();
	ck_assert_int_eq(strcopy_n(d, 8, src, 6), 0);
	ck_assert_str_eq(d, "abcdef");
	guards_intact(8);
	free(src);
}
END_TEST

/* Every length against every size: the outcome and the text agree. */
START_TEST(all_lengths_all_sizes)
{
	static const char text[] = "0123456789abcdefghij";
	size_t n, size;

	for (n = 0; n < sizeof(text); n++) {
		for (size = 1; size < 24; size++) {
			char *d = fresh();
			size_t kept = n < size ? n : size - 1;
			int rc = strcopy_n(d, size, text, n);

			ck_assert_int_eq(rc, n < size ? 0 : -1);
			ck_assert_uint_eq(strlen(d), kept);
			ck_assert_int_eq(memcmp(d, text, kept), 0);
			guards_intact(size);
		}
	}
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("strcopy");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, fits);
	tcase_add_test(tc, exact_fit_and_one_over);
	tcase_add_test(tc, size_one_and_zero);
	tcase_add_test(tc, nul_inside);
	tcase_add_test(tc, unterminated_source);
	tcase_add_test(tc, all_lengths_all_sizes);
	suite_add_tcase(s, tc);
	return s;
}
